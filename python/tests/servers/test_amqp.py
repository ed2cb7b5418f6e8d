"""The amqp connector's lifecycle through the Python API against the run's
shared RabbitMQ (shared-service: rabbitmq): health check, consume() in
micro-batches with every message exactly once in the landed Parquet, the
positions checkpointed in the lake (_checkpoints/) and the messages acked
only then, fetch_data(queue) until idle, the errors a user meets (wrong
password, unreachable port, missing queue), a password canary kept out of
repr/exceptions/logs, close/reconnect/with."""
import json
import logging
import os

import pika
import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of
import shared_amqp as sa

CANARY = "Canary-amqp-5ecret-3b8d"
WINDOW = 400  # ms


def body(i):
    return json.dumps({"id": i, "name": f"héllo wörld ✓ 𝄞 日本語 {i}", "amount": i * 0.5, "ok": i % 3 == 0,
                       "note": None}, ensure_ascii=False).encode()


def props(i):
    return pika.BasicProperties(message_id=f"m-{i}", headers={"hdr": f"ü-{i}"})


@pytest.fixture
def mq(service):
    env = service("rabbitmq")
    broker = sa.Broker(env)
    q = broker.queue("pylife")
    yield env, broker, q
    conn = pika.BlockingConnection(broker.params())
    conn.channel().queue_delete(q)
    conn.close()


def connector(env, queue, **extra):
    opts = dict(host=env["AMQP_HOST"], port=int(env["AMQP_PORT"]), vhost=env["AMQP_VHOST"],
                username=env["AMQP_USERNAME"], password=env["AMQP_PASSWORD"], queue=queue)
    opts.update(extra)
    return etlconn.AMQPConnector(**opts)


def check_batches(result, ids, queue, landed, first_position):
    """Landed, one file per batch named by its first position, positions
    contiguous from first_position, every id once with the values sent."""
    landed(result)
    assert result.protocol == "amqp" and result.query == queue and result.record_count == len(ids)
    got = []
    for item in sorted(result.items, key=lambda x: x.path):
        assert item.format == "parquet" and f"/{queue}/" in item.path and "_checkpoints" not in item.path
        t = pq.read_table(item.path)
        assert str(t.schema.field("id").type) == "int64" and str(t.schema.field("amount").type) == "double"
        rows = t.to_pylist()
        assert int(os.path.basename(item.path).split("-")[0]) == rows[0]["_position"]
        got += rows
    assert [r["_position"] for r in got] == list(range(first_position, first_position + len(ids)))
    assert sorted(r["id"] for r in got) == sorted(ids), "every message exactly once"
    for r in got:
        assert json.loads(body(r["id"])) == {k: r[k] for k in ("id", "name", "amount", "ok", "note")}
        assert r["_queue"] == queue and json.loads(r["_headers"]) == [["hdr", f"ü-{r['id']}"]]
    return got


def test_health(mq):
    env, _, q = mq
    c = connector(env, q)
    assert "stream" in c.capabilities()
    h = c.test_connection()
    assert h.healthy and h.server_version.startswith("RabbitMQ ")
    assert f"queue '{q}': 0 ready" in h.detail and "logged in" in h.detail
    gone = connector(env, "no-such-queue-pylife").test_connection()
    assert not gone.healthy and "404 NOT_FOUND" in gone.detail and "no-such-queue-pylife" in gone.detail
    c.close()


def test_micro_batches_exactly_once_and_checkpoint(mq, tmp_path, landed):
    env, broker, q = mq
    broker.publish(q, (body(i) for i in range(45)), props=props)
    lake = tmp_path / "lake"
    with connector(env, q) as c:
        r = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        # more than one file, none over max_messages (a slow machine may cut a window short)
        assert len(r.items) >= 5 and all(i.record_count <= 10 for i in r.items)
        check_batches(r, range(45), q, landed, 0)
        assert broker.depth(q) == 0, "acked after landing"
        cps = [os.path.join(d, f) for d, _, fs in os.walk(lake / "_checkpoints") for f in fs if f.endswith(".json")]
        assert len(cps) == 1 and json.load(open(cps[0]))["position"]["partitions"] == {q: 45}
        again = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        assert again.status == "success" and again.record_count == 0 and again.items == []
    # a new connector goes on from the lake's checkpoint: only the new ones, at positions 45..
    broker.publish(q, (body(i) for i in range(45, 52)), props=lambda n: props(45 + n))
    with connector(env, q) as c2:
        more = c2.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        check_batches(more, range(45, 52), q, landed, 45)
    assert sorted(r["id"] for _, r in sa.rows_of(sa.data_files(str(lake)))) == list(range(52))


def test_fetch_data_consumes_until_idle(mq, tmp_path, landed):
    env, broker, q = mq
    broker.publish(q, (body(i) for i in range(23)), props=props)
    c = connector(env, q)
    r = c.fetch_data(q, lake=tmp_path / "lake", max_messages=5, max_ms=WINDOW)
    assert len(r.items) >= 5 and all(i.record_count <= 5 for i in r.items)
    check_batches(r, range(23), q, landed, 0)
    # consume() with no limit lands one micro-batch, as `etlconn consume` does
    broker.publish(q, (body(i) for i in range(23, 30)), props=lambda n: props(23 + n))
    one = c.consume(max_messages=5, max_ms=WINDOW, lake=tmp_path / "lake")
    assert 1 <= one.record_count <= 5 and len(one.items) == 1 and broker.depth(q) == 7 - one.record_count
    assert os.path.basename(one.items[0].path).startswith("00000000000000000023-")
    with pytest.raises(ValueError):
        c.consume(follow=True, until_idle=True)
    c.close()


FOLLOW = r'''
import json, sys, etlconn
c = etlconn.AMQPConnector(**json.loads(sys.argv[1]))
try:
    c.consume(follow=True, max_messages=5, max_ms=300, lake=sys.argv[2])
except KeyboardInterrupt:
    print("interrupted", flush=True)
'''


def test_ctrl_c_ends_a_follow_cleanly(mq, tmp_path, landed):
    """follow=True runs until Ctrl-C: SIGINT to the process stops it between
    windows, the call raises KeyboardInterrupt, and every message landed
    before is acked; a later consume lands nothing again."""
    import signal
    import subprocess
    import sys
    import time
    env, broker, q = mq
    broker.publish(q, (body(i) for i in range(7)), props=props)
    lake = tmp_path / "lake"
    opts = dict(host=env["AMQP_HOST"], port=int(env["AMQP_PORT"]), vhost=env["AMQP_VHOST"],
                username=env["AMQP_USERNAME"], password=env["AMQP_PASSWORD"], queue=q)
    p = subprocess.Popen([sys.executable, "-c", FOLLOW, json.dumps(opts), str(lake)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while broker.depth(q) and time.monotonic() < deadline:  # all 7 landed and acked, still following
        time.sleep(0.2)
    assert broker.depth(q) == 0 and p.poll() is None, p.poll()
    time.sleep(0.7)  # following an empty queue
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0 and out.strip() == "interrupted", (out, err)
    files = sa.data_files(str(lake))
    assert sorted(r["id"] for _, r in sa.rows_of(files)) == list(range(7))
    with connector(env, q) as c:
        assert c.consume(max_ms=WINDOW, until_idle=True, lake=lake).record_count == 0


def test_errors(mq, tmp_path):
    env, broker, q = mq
    # a format no sink has is refused before anything is consumed, even from an empty queue
    with pytest.raises(etlconn.ConfigError) as e:
        connector(env, q).consume(until_idle=True, max_ms=WINDOW, format="xml", lake=tmp_path / "l")
    assert "'xml'" in e.value.message and not os.path.exists(tmp_path / "l" / "amqp")
    bad = connector(env, q, password="wrong-password-pylife")
    t = bad.test_connection()
    # What it gives: unhealthy with the broker's 403 in the detail; the
    # ConnectionTest carries no error object (the health check answered).
    assert not t.healthy and "403 ACCESS_REFUSED" in t.detail and t.error is None
    with pytest.raises(etlconn.AuthError) as e:
        bad.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert e.value.name == "AUTH" and "403" in e.value.message
    u = connector(env, q, port=1, connect_timeout="2s")
    assert not u.test_connection().healthy
    with pytest.raises(etlconn.ConnectError) as e:
        u.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert e.value.retryable and "127.0.0.1:1" in e.value.message
    c = connector(env, q)
    with pytest.raises(etlconn.EtlconnIOError) as e:
        c.consume("no-such-queue-pylife", until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert e.value.name == "IO_NOT_FOUND" and "no-such-queue-pylife" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        connector(env, q, prefetch=70000).connect()
    assert e.value.name == "CONFIG_RANGE" and "prefetch" in e.value.message
    with pytest.raises(ValueError, match="max_ms"):
        c.consume(max_ms=-5)
    broker.publish(q, [body(1)], props=lambda n: props(1))
    with pytest.raises(etlconn.ConfigError, match="'xml'"):
        c.consume(format="xml", until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert broker.depth(q) == 1, "nothing acked when the batch could not land"
    c.close()


def test_canary_never_leaks(mq, tmp_path, caplog):
    env, _, q = mq
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        c = connector(env, q, password=CANARY)
        assert CANARY not in repr(c)
        t = c.test_connection()
        assert not t.healthy and CANARY not in t.detail and CANARY not in repr(t)
        with pytest.raises(etlconn.AuthError) as e:
            c.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
        assert CANARY not in text_of(e.value)
        url = f"amqp://{env['AMQP_USERNAME']}:{CANARY}@127.0.0.1:{env['AMQP_PORT']}/%2f"
        u = etlconn.AMQPConnector(url=url, queue=q)
        assert CANARY not in repr(u)
        with pytest.raises(etlconn.AuthError) as e:
            u.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
        assert CANARY not in text_of(e.value)
        cfg = etlconn.load_connection_config(config={"protocol": "amqp", "host": "h", "password": CANARY})
        assert cfg["password"] == CANARY and CANARY not in repr(cfg) + str(cfg)
        assert caplog.records, "the library logged nothing at DEBUG"
        assert all(CANARY not in rec.getMessage() for rec in caplog.records)
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_close_reconnect_with(mq, tmp_path, landed):
    env, broker, q = mq
    broker.publish(q, (body(i) for i in range(4)), props=props)
    c = connector(env, q)
    assert not c.connected and c.connect().connected
    c.close()
    assert not c.connected
    c.close()
    r = c.consume(max_ms=WINDOW, until_idle=True, lake=tmp_path / "l")
    assert c.connected and r.record_count == 4
    landed(r)
    c.close()
    with connector(env, q) as w:
        assert w.connected and w.test_connection().healthy
        broker.publish(q, [body(4)], props=lambda n: props(4))
        r = w.consume(max_ms=WINDOW, until_idle=True, lake=tmp_path / "l")
        assert r.record_count == 1 and os.path.basename(r.items[0].path).startswith("00000000000000000004-")
    assert not w.connected
