"""The cassandra connector's lifecycle through the Python API against the
run's shared Cassandra 5.0.6 (tests/services/cassandra, PasswordAuthenticator
on). Rows are written by a real client (the Python cassandra-driver) into a
keyspace of this test's own; etlconn reads them over its own CQL native
protocol client, lands Parquet, and pyarrow reads back what was written.
shared-service: cassandra"""
import datetime as dt
import decimal
import logging
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of

MY_CANARY = "Canary-Ca55andra-3e81b7"  # this file's own secret canary
UTC = dt.timezone.utc
TS = dt.datetime(2024, 2, 29, 12, 34, 56, 789000)
N = 230  # rows of `many`: pages of 100 -> 3 pages


def _rows():
    """(id, i, bi, t, ts, de, u) of typed, NULL and unicode values."""
    return [
        (1, 2147483647, -9223372036854775808, "tëxt ✓ 𝄞 日本語", TS, decimal.Decimal("-12345.678900"),
         uuid.UUID("12345678-1234-5678-9abc-def012345678")),
        (2, -2147483648, 9223372036854775807, "", dt.datetime(1969, 12, 31, 23, 59, 59, 1000),
         decimal.Decimal("0.001"), uuid.UUID("00000000-0000-0000-0000-000000000000")),
        (3, None, None, None, None, None, None),
        (4, 0, 42, "plain", dt.datetime(2038, 1, 19, 3, 14, 8), decimal.Decimal("123456789012345678901234567890.5"),
         uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")),
    ]


@pytest.fixture(scope="module")
def cass():
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    from conftest import service_env
    env = service_env("cassandra")
    cluster = Cluster([env["ETLC_TEST_CASSANDRA_HOST"]], port=int(env["ETLC_TEST_CASSANDRA_PORT"]),
                      auth_provider=PlainTextAuthProvider(env["ETLC_TEST_CASSANDRA_USERNAME"],
                                                          env["ETLC_TEST_CASSANDRA_PASSWORD"]))
    s = cluster.connect()
    ks = "pyt_cass_" + uuid.uuid4().hex[:10]
    s.execute(f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    s.set_keyspace(ks)
    s.execute("CREATE TABLE typed (id int PRIMARY KEY, i int, bi bigint, t text, ts timestamp, de decimal, u uuid)")
    ins = s.prepare("INSERT INTO typed (id, i, bi, t, ts, de, u) VALUES (?, ?, ?, ?, ?, ?, ?)")
    for row in _rows():
        s.execute(ins, row)
    s.execute("CREATE TABLE many (pk int, ck int, v text, PRIMARY KEY (pk, ck))")
    ins = s.prepare("INSERT INTO many (pk, ck, v) VALUES (0, ?, ?)")
    from cassandra.concurrent import execute_concurrent_with_args
    execute_concurrent_with_args(s, ins, [(i, f"v{i} ✓") for i in range(N)], concurrency=50)
    options = dict(hosts=env["ETLC_TEST_CASSANDRA_HOST"], port=int(env["ETLC_TEST_CASSANDRA_PORT"]), keyspace=ks,
                   username=env["ETLC_TEST_CASSANDRA_USERNAME"], password=env["ETLC_TEST_CASSANDRA_PASSWORD"],
                   connect_timeout="5s")
    yield {"options": options, "ks": ks}
    etlconn.close_all_connections()
    s.execute(f"DROP KEYSPACE IF EXISTS {ks}")
    cluster.shutdown()


def _expected():
    out = []
    for (id_, i, bi, t, ts, de, u) in _rows():
        out.append({"id": id_, "i": i, "bi": bi, "t": t, "ts": ts.replace(tzinfo=UTC) if ts else None,
                    "de": str(de) if de is not None else None, "u": str(u) if u else None})
    return out


def test_health_and_capabilities(cass):
    c = etlconn.CassandraConnector(**cass["options"])
    h = c.test_connection()
    assert h and h.error is None and h.server_version == "Cassandra 5.0.6"
    assert "CQL v" in h.detail and "authenticated" in h.detail, h.detail
    assert c.capabilities() == ["records"]
    c.close()


def test_typed_rows_land_and_read_back(cass, tmp_path, landed):
    with etlconn.create_connector({"protocol": "cassandra", **cass["options"]}) as c:
        r = c.fetch_data("SELECT id, i, bi, t, ts, de, u FROM typed", lake=tmp_path / "lake")
    landed(r)
    assert r.protocol == "cassandra" and r.record_count == 4 and r.items[0].format == "parquet"
    t = pa.concat_tables([pq.read_table(i.path) for i in r.items])
    types = {f.name: f.type for f in t.schema}
    assert types == {"id": pa.int64(), "i": pa.int64(), "bi": pa.int64(), "t": pa.string(),
                     "ts": pa.timestamp("us", tz="UTC"), "de": pa.string(), "u": pa.string()}, types
    got = sorted(t.to_pylist(), key=lambda x: x["id"])
    assert got == _expected()


def test_paging_across_pages(cass, tmp_path, landed):
    opts = dict(cass["options"], page_size=100)
    c = etlconn.CassandraConnector(**opts)
    r = c.fetch_data("SELECT ck, v FROM many WHERE pk = ?", params=["pk=0"], lake=tmp_path / "lake")
    landed(r)
    assert r.record_count == N and len(r.items) == 1  # the Python API rolls the pages into one file
    rows = [x for i in r.items for x in pq.read_table(i.path).to_pylist()]
    assert rows == [{"ck": i, "v": f"v{i} ✓"} for i in range(N)]  # clustering order, every row once
    sizes = [b.num_rows for b in c.fetch_arrow_batches("SELECT ck, v FROM many")]
    assert sizes == [100, 100, N - 200]                             # one batch per server page
    # a request's batch_rows names the page size over the page_size option
    sizes = [b.num_rows for b in c.fetch_arrow_batches("SELECT ck, v FROM many", batch_rows=64)]
    assert sizes == [64, 64, 64, N - 192], sizes
    t = c.fetch_arrow("SELECT ck FROM many WHERE pk = 0 AND ck >= ?", params=["ck=225"])
    assert t.column("ck").to_pylist() == [225, 226, 227, 228, 229]
    c.close()


def test_bad_cql_is_a_protocol_error(cass, tmp_path):
    c = etlconn.CassandraConnector(**cass["options"])
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("SELEC * FROM typed", lake=tmp_path / "lake")
    assert e.value.name == "QUERY" and "Syntax_error" in e.value.message and "SELEC" in e.value.message
    assert e.value.native_code == 0x2000 and not e.value.retryable
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_arrow("SELECT * FROM no_such_table")
    assert e.value.native_code == 0x2200 and "no_such_table" in e.value.message
    with pytest.raises(etlconn.UsageError) as e:     # a parameter naming no marker: the marker is named
        c.fetch_arrow("SELECT * FROM typed WHERE id = ?", params=["nope=1"])
    assert e.value.name == "INVALID_ARGUMENT" and 'bind marker 1 "id"' in e.value.message, e.value.message
    # the session survives a refused statement
    assert c.fetch_arrow("SELECT id FROM typed WHERE id = ?", params=["id=4"]).column("id").to_pylist() == [4]
    c.close()


def test_wrong_password_and_unreachable(cass):
    bad = dict(cass["options"], password=MY_CANARY)
    t = etlconn.test_connection("cassandra", **bad)
    assert not t.healthy and isinstance(t.error, etlconn.AuthError) and t.error.name == "AUTH"
    assert "Bad credentials" in t.error.message and MY_CANARY not in text_of(t.error)
    # A connector object's method reports it the same way (it connects first).
    t = etlconn.CassandraConnector(**bad).test_connection()
    assert not t and isinstance(t.error, etlconn.AuthError), t
    t = etlconn.test_connection("cassandra", **dict(cass["options"], port=1, connect_timeout="2s"))
    assert not t.healthy and isinstance(t.error, etlconn.ConnectError) and t.error.retryable
    assert ":1: " in t.error.message and "by default" not in t.error.message, t.error.message  # the port tried


def test_canary_never_appears(cass, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        bad = dict(cass["options"], password=MY_CANARY)
        c = etlconn.CassandraConnector(**bad)
        assert MY_CANARY not in repr(c)
        with pytest.raises(etlconn.AuthError) as e:
            c.fetch_data("SELECT * FROM typed", lake=tmp_path / "lake")
        assert MY_CANARY not in text_of(e.value)
        cfg = etlconn.load_connection_config(config=dict(bad, protocol="cassandra"))
        assert MY_CANARY not in repr(cfg)
        with etlconn.CassandraConnector(**cass["options"]) as good:   # the canary in a bound value
            r = good.fetch_data("SELECT id FROM typed WHERE t = ? ALLOW FILTERING",
                                params=[f"t=password={MY_CANARY}"], lake=tmp_path / "lake")
            assert r.record_count == 0 and MY_CANARY not in r.to_json()
        assert caplog.records, "the library logged nothing at DEBUG"
        assert MY_CANARY not in caplog.text
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_close_twice_reconnect_and_with(cass):
    c = etlconn.CassandraConnector(**cass["options"])
    assert c.connect().connected
    c.close()
    c.close()
    assert not c.connected
    assert c.connect().fetch_arrow("SELECT id FROM typed").num_rows == 4
    c.close()
    with etlconn.CassandraConnector(**cass["options"]) as w:
        assert w.connected and w.test_connection().healthy
    assert not w.connected
