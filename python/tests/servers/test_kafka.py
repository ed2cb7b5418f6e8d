"""The kafka connector's lifecycle through the Python API against the run's
shared broker (shared-service: kafka): health check, consume() in
micro-batches with every message exactly once in the landed Parquet, the
group's committed offsets as positions (a second consume lands nothing, a
later one only the new messages), fetch_data(topic) until idle, the errors a
user meets, a secret canary kept out of repr/exceptions/logs, close/with."""
import json
import logging
import os
import threading
import time

import pyarrow.parquet as pq
import pytest
from confluent_kafka.admin import AdminClient

import etlconn
import kafka_peer as kp

CANARY = "Canary-kafka-5ecret-91c4"
WINDOW = 400  # ms: short micro-batch windows keep the file fast


def value(i):
    """JSON with unicode, a float, a bool, an array and a NULL."""
    return json.dumps({"id": i, "name": f"héllo wörld ✓ 𝄞 日本語 {i}", "price": i * 0.25, "ok": i % 2 == 0,
                       "tags": ["a", str(i % 7)], "note": None}, ensure_ascii=False)


@pytest.fixture
def kafka(service):
    boot = service("kafka")["KAFKA_BOOTSTRAP_SERVERS"]
    topic = kp.unique("pylife")
    kp.create_topic(boot, topic, 2)
    yield boot, topic
    admin = AdminClient({"bootstrap.servers": boot})  # kept alive until the deletion is answered
    for f in admin.delete_topics([topic]).values():
        f.result(30)


def connector(boot, topic, group=None, **extra):
    return etlconn.KafkaConnector(bootstrap_servers=[boot], group_id=group or kp.unique("pylife-g"), topic=topic,
                                  session_timeout="2s", heartbeat_interval="300ms", **extra)


def rows_of(result):
    return [r for item in result.items for r in pq.read_table(item.path).to_pylist()]


def check_batches(result, ids, landed):
    """Landed, each file one partition's rows in offset order named by its
    first offset, and every id exactly once with the values produced."""
    landed(result)
    assert result.protocol == "kafka" and result.record_count == len(ids)
    got = []
    for item in result.items:
        assert item.format == "parquet" and item.path.endswith(".parquet")
        t = pq.read_table(item.path)
        rows = t.to_pylist()
        assert len(rows) == item.record_count
        offs = [r["_offset"] for r in rows]
        assert len({r["_partition"] for r in rows}) == 1 and offs == sorted(offs)
        assert int(item.path.rsplit("/", 1)[1].split("-")[0]) == offs[0]
        assert f"partition={rows[0]['_partition']}" in item.path
        assert str(t.schema.field("id").type) == "int64" and str(t.schema.field("price").type) == "double"
        got += rows
    assert sorted(r["id"] for r in got) == sorted(ids), "every message exactly once"
    for r in got:
        assert json.loads(value(r["id"])) == {k: r[k] for k in ("id", "name", "price", "ok", "tags", "note")
                                              if k != "tags"} | {"tags": json.loads(r["tags"])}
        assert r["_key"] == str(r["id"]).encode() and r["_partition"] == r["id"] % 2
    return got


def test_health_and_capabilities(kafka):
    boot, topic = kafka
    c = connector(boot, topic)
    assert "stream" in c.capabilities() and "fetch" not in c.capabilities()
    h = c.test_connection()
    assert h.healthy and h.server_version.startswith("Kafka cluster ")
    assert f"1@{boot}" in h.detail and f"topic '{topic}': 2 partitions" in h.detail
    gone = connector(boot, "no-such-topic-pylife").test_connection()
    assert not gone.healthy and "'no-such-topic-pylife' not found" in gone.detail
    c.close()


def test_micro_batches_exactly_once_and_positions(kafka, tmp_path, landed):
    boot, topic = kafka
    kp.produce(boot, topic, range(45), 2, value=value)
    group = kp.unique("pylife-g")
    lake = tmp_path / "lake"
    with connector(boot, topic, group) as c:
        r = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        assert len(r.items) >= 6, "45 messages over 2 partitions in batches of 10 are >= 6 files"
        assert all(i.record_count <= 10 for i in r.items)
        check_batches(r, range(45), landed)
        # the group's offsets are the positions: nothing new, nothing landed
        again = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        assert again.status == "success" and again.record_count == 0 and again.items == []
        kp.produce(boot, topic, range(45, 60), 2, value=value)
        more = c.consume(max_messages=10, max_ms=WINDOW, until_idle=True, lake=lake)
        check_batches(more, range(45, 60), landed)
    # a new connector of the same group resumes from the committed offsets
    with connector(boot, topic, group) as c2:
        kp.produce(boot, topic, [60], 2, value=value)
        last = c2.consume(max_ms=WINDOW, max_batches=1, lake=lake)
        check_batches(last, [60], landed)
    # the files on disk: 61 messages, none twice
    ids = [r["id"] for _, r in kp.read_rows(str(lake))]
    assert sorted(ids) == list(range(61))


def test_fetch_data_consumes_until_idle(kafka, tmp_path, landed):
    boot, topic = kafka
    kp.produce(boot, topic, range(30), 2, value=value)
    c = connector(boot, topic)
    # one consume() is one micro-batch by default; fetch_data goes on until a window is empty
    r = c.fetch_data(topic, lake=tmp_path / "lake", max_messages=5, max_ms=WINDOW)
    assert len(r.items) >= 6 and r.query == topic
    check_batches(r, range(30), landed)
    with pytest.raises(TypeError, match="batch_rows"):
        c.fetch_data(topic, batch_rows=5)
    c.close()


def test_consume_releases_the_gil(kafka, tmp_path):
    boot, topic = kafka
    c = connector(boot, topic)
    c.connect()
    ticks = []
    t = threading.Thread(target=lambda: ticks.append(c.consume(max_ms=1500, until_idle=True, lake=tmp_path / "l")))
    t0 = time.monotonic()
    t.start()
    n = 0
    while t.is_alive():
        n += 1
        time.sleep(0.01)
    t.join()
    assert time.monotonic() - t0 >= 1.4 and n > 50, "the main thread ran while consume() waited"
    assert ticks[0].record_count == 0
    c.close()


def test_errors(kafka, tmp_path):
    boot, topic = kafka
    c = connector(boot, topic)
    with pytest.raises(ValueError, match="max_messages"):
        c.consume(max_messages=-1)
    with pytest.raises(etlconn.ProtocolError) as e:
        c.consume("no-such-topic-pylife", until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert e.value.name == "PROTOCOL" and "no-such-topic-pylife" in e.value.message
    kp.produce(boot, topic, range(3), 2, value=value)
    with pytest.raises(etlconn.ConfigError) as e:
        c.consume(format="xml", until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert "'xml'" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        connector(boot, topic, auto_offset_reset="middle").connect()
    assert e.value.name == "CONFIG_RANGE" and "auto_offset_reset" in e.value.message
    with pytest.raises(etlconn.ConfigError, match="no_such_option"):
        connector(boot, topic, no_such_option=1).connect()
    with pytest.raises(etlconn.ConfigError, match="bogus.prop"):
        connector(boot, topic, rdkafka_properties=["bogus.prop=1"]).connect()
    c.close()


def test_unreachable_broker(kafka, tmp_path):
    _, topic = kafka
    u = connector("127.0.0.1:1", topic, assignment_wait="1s")
    t = u.test_connection()
    # What it gives: unhealthy with the metadata failure in the detail, but
    # no error object (librdkafka only says "transport failure").
    assert not t.healthy and "metadata request failed" in t.detail and "transport" in t.detail
    # no assignment within assignment_wait and no broker answers: a
    # ConnectError (retryable) naming what to check, not an empty success
    with pytest.raises(etlconn.ConnectError) as e:
        u.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
    assert e.value.retryable and "bootstrap_servers" in e.value.message, e.value.message
    assert not os.path.exists(tmp_path / "l" / "kafka")
    u.close()


def test_canary_never_leaks(kafka, tmp_path, caplog):
    boot, topic = kafka
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        s = connector(boot, topic, security_protocol="sasl_plaintext", sasl_username="u", sasl_password=CANARY,
                      ssl_key_password=CANARY, assignment_wait="1s")
        assert CANARY not in repr(s)
        with pytest.raises(etlconn.ConnectError) as e:  # the broker has no SASL listener
            s.consume(until_idle=True, max_ms=WINDOW, lake=tmp_path / "l")
        assert CANARY not in " ".join([str(e.value), repr(e.value), e.value.message])
        with pytest.raises(etlconn.ConfigError) as e:
            connector(boot, topic, rdkafka_properties=["sasl.password=" + CANARY]).connect()
        text = " ".join([str(e.value), repr(e.value), e.value.message, str(e.value.args)])
        assert "may not set 'sasl.password'" in text and CANARY not in text
        cfg = etlconn.load_connection_config(config={"protocol": "kafka", "bootstrap_servers": [boot],
                                                     "group_id": "g", "sasl_password": CANARY})
        assert cfg["sasl_password"] == CANARY and CANARY not in repr(cfg) + str(cfg)
        assert caplog.records, "the library logged nothing at DEBUG"
        assert all(CANARY not in rec.getMessage() for rec in caplog.records)
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_close_reconnect_with(kafka, tmp_path, landed):
    boot, topic = kafka
    kp.produce(boot, topic, range(4), 2, value=value)
    group = kp.unique("pylife-g")
    c = connector(boot, topic, group)
    assert not c.connected and c.connect().connected
    c.close()
    assert not c.connected
    c.close()  # twice is fine
    r = c.consume(max_ms=WINDOW, until_idle=True, lake=tmp_path / "l")  # reconnects by itself
    assert c.connected and r.record_count == 4
    landed(r)
    c.close()
    with connector(boot, topic, group) as w:
        assert w.connected and w.test_connection().healthy
        assert w.consume(max_ms=WINDOW, until_idle=True, lake=tmp_path / "l").record_count == 0
    assert not w.connected
