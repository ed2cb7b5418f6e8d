"""The nats connector's lifecycle through the Python API against the run's
shared nats-server with JetStream (shared-service: nats): health check,
consume() in micro-batches with every message exactly once in the landed
Parquet, the stream sequence checkpointed in the lake and acked after it (a
second consume lands nothing, a later one only the new messages),
fetch_data(subject) until idle, the errors a user meets, a password canary
kept out of repr/exceptions/logs, close/reconnect/with."""
import asyncio
import json
import logging
import os
import uuid

import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of
import nats_peer as npr

CANARY = "Canary-nats-5ecret-c02e"
WINDOW = 400  # ms


def body(i):
    return json.dumps({"id": i, "name": f"héllo wörld ✓ 𝄞 日本語 {i}", "amount": i * 0.5, "ok": i % 2 == 1,
                       "note": None}, ensure_ascii=False).encode()


@pytest.fixture
def js(service):
    """(env, stream, subject): a JetStream stream of this test's own."""
    env = service("nats")
    stream = "PYLIFE_" + uuid.uuid4().hex[:10]
    npr.make_stream(env, stream, [stream.lower() + ".>"])
    yield env, stream, stream.lower() + ".orders"
    asyncio.run(_delete_stream(env, stream))


async def _delete_stream(env, stream):
    nc = await npr._connect(env)
    await nc.jetstream().delete_stream(stream)
    await nc.close()


def connector(env, stream, subject, **extra):
    opts = dict(servers=[env["ETLC_TEST_NATS_URL"]], user=env["ETLC_TEST_NATS_USER"],
                password=env["ETLC_TEST_NATS_PASSWORD"], stream=stream, subject=subject, connect_timeout="2s")
    opts.update(extra)
    return etlconn.NATSConnector(**opts)


def check_batches(result, ids, stream, subject, landed, first_seq):
    """Landed, each file named by its first stream sequence with its rows in
    sequence order, sequences contiguous, every id once with its values."""
    landed(result)
    assert result.protocol == "nats" and result.source == stream and result.record_count == len(ids)
    got = []
    for item in sorted(result.items, key=lambda x: x.path):
        assert item.format == "parquet" and f"/{stream}/" in item.path and "_checkpoints" not in item.path
        t = pq.read_table(item.path)
        assert str(t.schema.field("id").type) == "int64" and str(t.schema.field("_sequence").type) == "int64"
        rows = t.to_pylist()
        assert int(os.path.basename(item.path).split("-")[0]) == rows[0]["_sequence"]
        got += rows
    assert [r["_sequence"] for r in got] == list(range(first_seq, first_seq + len(ids)))
    assert sorted(r["id"] for r in got) == sorted(ids), "every message exactly once"
    for r in got:
        assert json.loads(body(r["id"])) == {k: r[k] for k in ("id", "name", "amount", "ok", "note")}
        assert r["_subject"] == subject and json.loads(r["_headers"]) == [["Nats-Msg-Id", str(r["id"])]]
    return got


def test_health(js):
    env, stream, subject = js
    npr.publish_acked(env, subject, range(3), payload=body)
    c = connector(env, stream, subject)
    assert "stream" in c.capabilities()
    h = c.test_connection()
    assert h.healthy and h.server_version.startswith("nats-server ")
    assert f"stream '{stream}': 3 messages, sequences 1..3" in h.detail
    gone = connector(env, "NO_SUCH_STREAM_PYLIFE", subject).test_connection()
    assert not gone.healthy and "'NO_SUCH_STREAM_PYLIFE': not found" in gone.detail
    c.close()


def test_micro_batches_exactly_once_and_checkpoint(js, tmp_path, landed):
    env, stream, subject = js
    npr.publish_acked(env, subject, range(33), payload=body)
    lake = tmp_path / "lake"
    with connector(env, stream, subject) as c:
        r = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        assert len(r.items) >= 4 and all(i.record_count <= 10 for i in r.items)
        check_batches(r, range(33), stream, subject, landed, 1)
        cps = [os.path.join(d, f) for d, _, fs in os.walk(lake / "_checkpoints") for f in fs if f.endswith(".json")]
        assert len(cps) == 1 and json.load(open(cps[0]))["position"]["partitions"] == {stream: 34}
        ack_floor, pending, _ = npr.consumer_state(env, stream, npr.default_durable(stream, subject))
        assert ack_floor == 33 and pending == 0, "acked after landing"
        again = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        assert again.status == "success" and again.record_count == 0 and again.items == []
    npr.publish_acked(env, subject, range(33, 40), payload=body)
    with connector(env, stream, subject) as c2:  # a new connector resumes from the lake's checkpoint
        more = c2.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        check_batches(more, range(33, 40), stream, subject, landed, 34)
    files = npr.data_files(str(lake))
    assert sorted(npr.read_ids(files)) == list(range(40)) and not npr.temp_files(str(lake))


def test_fetch_data_consumes_until_idle(js, tmp_path, landed):
    env, stream, subject = js
    npr.publish_acked(env, subject, range(17), payload=body)
    c = connector(env, stream, None)
    r = c.fetch_data(subject, lake=tmp_path / "lake", max_messages=4, max_ms=WINDOW)
    assert len(r.items) >= 5 and all(i.record_count <= 4 for i in r.items) and r.query == subject
    check_batches(r, range(17), stream, subject, landed, 1)
    # max_batches=1: one micro-batch
    npr.publish_acked(env, subject, range(17, 25), payload=body)
    one = c.consume(subject, max_messages=4, max_ms=WINDOW, max_batches=1, lake=tmp_path / "lake")
    assert len(one.items) == 1 and 1 <= one.record_count <= 4
    check_batches(one, range(17, 17 + one.record_count), stream, subject, landed, 18)
    c.close()


def test_errors(js, tmp_path):
    env, stream, subject = js
    bad = connector(env, stream, subject, password="wrong-password-pylife")
    # the nats connector logs in at connect(); test_connection() reports the
    # failure as an unhealthy result carrying the AuthError (as
    # test_nats_connection does)
    m = bad.test_connection()
    assert not m and isinstance(m.error, etlconn.AuthError), m
    assert m.error.name == "AUTH" and "Authorization Violation" in m.error.message
    t = etlconn.test_nats_connection(servers=[env["ETLC_TEST_NATS_URL"]], user=env["ETLC_TEST_NATS_USER"],
                                     password="wrong-password-pylife", stream=stream)
    assert not t.healthy and isinstance(t.error, etlconn.AuthError)
    with pytest.raises(etlconn.ConnectError) as e:
        connector(env, stream, subject, servers=["nats://127.0.0.1:1"]).consume(until_idle=True, max_ms=WINDOW,
                                                                               lake=tmp_path / "l")
    assert e.value.name == "CONNECT" and e.value.retryable
    with pytest.raises(etlconn.ConnectError) as e:
        connector(env, "NO_SUCH_STREAM_PYLIFE", subject).consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert e.value.name == "CONNECT_NOT_FOUND" and "NO_SUCH_STREAM_PYLIFE" in e.value.message
    c = connector(env, stream, subject)
    with pytest.raises(etlconn.ProtocolError) as e:
        c.consume("outside.the.stream", until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert "not a valid subset" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        connector(env, stream, subject, ack_policy="none").connect()
    assert e.value.name == "CONFIG_RANGE" and "ack_policy" in e.value.message
    with pytest.raises(ValueError, match="max_batches"):
        c.consume(max_batches=-1)
    with pytest.raises(TypeError, match="params"):
        c.fetch_data(subject, params=[1])
    c.close()


def test_canary_never_leaks(js, tmp_path, caplog):
    env, stream, subject = js
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        c = connector(env, stream, subject, password=CANARY)
        assert CANARY not in repr(c)
        with pytest.raises(etlconn.AuthError) as e:
            c.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
        assert CANARY not in text_of(e.value)
        t = etlconn.test_nats_connection(servers=[env["ETLC_TEST_NATS_URL"]], user=env["ETLC_TEST_NATS_USER"],
                                         password=CANARY)
        assert not t.healthy and CANARY not in repr(t) and CANARY not in text_of(t.error)
        url = f"nats://{env['ETLC_TEST_NATS_USER']}:{CANARY}@127.0.0.1:{env['ETLC_TEST_NATS_PORT']}"
        u = connector(env, stream, subject, servers=[url], user=None, password=None)
        assert CANARY not in repr(u)
        with pytest.raises(etlconn.AuthError) as e:
            u.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
        assert CANARY not in text_of(e.value)
        tok = connector(env, stream, subject, user=None, password=None, token=CANARY)
        m = tok.test_connection()
        assert not m and isinstance(m.error, etlconn.AuthError), m
        assert CANARY not in text_of(m.error) and CANARY not in repr(m)
        # the failures above log nothing (the connector fails in connect());
        # a failing consume does ("consume failed: ..."): logging is wired
        with pytest.raises(etlconn.ProtocolError):
            connector(env, stream, subject).consume("outside.pylife", until_idle=True, max_ms=WINDOW,
                                                    lake=tmp_path / "l")
        cfg = etlconn.load_connection_config(config={"protocol": "nats", "password": CANARY, "token": CANARY})
        assert cfg["token"] == CANARY and CANARY not in repr(cfg) + str(cfg)
        assert any(rec.name.startswith("etlconn.") for rec in caplog.records), "the library logged nothing"
        assert all(CANARY not in rec.getMessage() for rec in caplog.records)
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_close_reconnect_with(js, tmp_path, landed):
    env, stream, subject = js
    npr.publish_acked(env, subject, range(4), payload=body)
    c = connector(env, stream, subject)
    assert not c.connected and c.connect().connected
    c.close()
    assert not c.connected
    c.close()
    r = c.consume(max_ms=WINDOW, until_idle=True, lake=tmp_path / "l")
    assert c.connected and r.record_count == 4
    landed(r)
    c.close()
    with connector(env, stream, subject) as w:
        assert w.connected and w.test_connection().healthy
        npr.publish_acked(env, subject, [4], payload=body)
        r = w.consume(max_ms=WINDOW, until_idle=True, lake=tmp_path / "l")
        assert r.record_count == 1 and os.path.basename(r.items[0].path).startswith("00000000000000000005-")
    assert not w.connected
