"""The mongodb connector's lifecycle through the Python API against the
run's shared FerretDB (tests/services/ferretdb: a MongoDB wire-protocol
server, SCRAM on). Documents are seeded with pymongo into a database of
this test's own; etlconn reads them with a find (filter, projection,
sort), lands Parquet, and pyarrow reads back what pymongo wrote.
shared-service: ferretdb"""
import datetime as dt
import logging
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pymongo
import pytest
from bson import Int64

import etlconn
from conftest import text_of

MY_CANARY = "Canary-M0ngo-91c4d2"  # this file's own secret canary
UTC = dt.timezone.utc
N = 25  # documents matching the filter; pages of 7 -> 4 pages


@pytest.fixture(scope="module")
def mongo():
    from conftest import service_env
    env = service_env("ferretdb")
    db = "pyt_mongo_" + uuid.uuid4().hex[:10]
    client = pymongo.MongoClient(env["MONGODB_HOST"], int(env["MONGODB_PORT"]), username=env["MONGODB_USERNAME"],
                                 password=env["MONGODB_PASSWORD"], authSource=env["MONGODB_AUTH_SOURCE"],
                                 serverSelectionTimeoutMS=5000)
    docs = []
    for i in range(N + 5):
        d = {"_id": i, "k": i, "grp": "keep" if i < N else "drop", "big": Int64((1 << 62) + i),
             "x": i / 4 - 2.5, "s": f"héllo ✓ 𝄞 日本語 {i}", "ok": i % 2 == 0,
             "at": dt.datetime(2024, 2, 29, 12, 34, 56, 789000) + dt.timedelta(days=i),
             "nested": {"a": i, "arr": [1, "two"]}}
        if i % 3 == 0:
            d["maybe"] = None          # an explicit null
        elif i % 3 == 1:
            d["maybe"] = i * 10        # else missing: NULL too
        docs.append(d)
    client[db].things.insert_many(docs)
    options = dict(host=env["MONGODB_HOST"], port=int(env["MONGODB_PORT"]), database=db,
                   username=env["MONGODB_USERNAME"], password=env["MONGODB_PASSWORD"],
                   auth_source=env["MONGODB_AUTH_SOURCE"], server_selection_timeout="3s", connect_timeout="3s")
    yield {"options": options, "docs": docs, "db": db}
    etlconn.close_all_connections()
    client.drop_database(db)
    client.close()


FILTER = 'filter={"grp": "keep"}'
PROJ = 'projection={"grp": 0}'
SORT = 'sort={"k": 1}'


def _expected(docs):
    return [{"_id": d["_id"], "k": d["k"], "big": int(d["big"]), "x": d["x"], "s": d["s"], "ok": d["ok"],
             "at": d["at"].replace(tzinfo=UTC), "maybe": d.get("maybe")} for d in docs if d["grp"] == "keep"]


def test_health_and_capabilities(mongo):
    c = etlconn.MongoDBConnector(**mongo["options"])
    assert not c.connected
    h = c.test_connection()
    assert h and h.protocol == "mongodb" and h.error is None
    assert h.server_version.startswith("MongoDB ") and h.server_version[8:9].isdigit(), h.server_version
    assert mongo["db"] in h.detail, h.detail
    assert c.capabilities() == ["records"]
    c.close()


def test_find_lands_parquet_with_the_seeded_values(mongo, tmp_path, landed):
    with etlconn.create_connector({"protocol": "mongodb", **mongo["options"]}) as c:
        r = c.fetch_data("things", params=[FILTER, PROJ, SORT], lake=tmp_path / "lake", batch_rows=7)
    landed(r)
    assert r.protocol == "mongodb" and r.record_count == N
    assert all(i.format == "parquet" for i in r.items)
    rows = []
    for item in r.items:
        rows += pq.read_table(item.path).to_pylist()
    schema = pq.read_schema(r.items[0].path)
    types = {f.name: f.type for f in schema}
    assert "grp" not in types                                   # the projection was applied
    assert types["k"] == pa.int64() and types["big"] == pa.int64() and types["x"] == pa.float64()
    assert types["s"] == pa.string() and types["ok"] == pa.bool_()
    assert types["at"] == pa.timestamp("us", tz="UTC")
    want = _expected(mongo["docs"])
    got = [{k: row[k] for k in want[0]} for row in rows]
    assert got == want                                          # value by value, in sort order
    assert [row["nested"] for row in rows][:1] == ['{"a":0,"arr":[1,"two"]}']  # documents: compact JSON


def test_fetch_arrow_and_batches(mongo):
    c = etlconn.MongoDBConnector(**mongo["options"])
    t = c.fetch_arrow("things", params=[FILTER, PROJ, SORT], batch_rows=10)
    assert t.num_rows == N and t.schema.field("at").type == pa.timestamp("us", tz="UTC")
    want = _expected(mongo["docs"])
    assert t.select(list(want[0])).to_pylist() == want
    sizes = [b.num_rows for b in c.fetch_arrow_batches("things", params=[FILTER, SORT], batch_rows=10)]
    assert sizes == [10, 10, 5]
    # a filter on a typed value (extended JSON), limit
    t = c.fetch_arrow("things", params=['filter={"big": {"$gt": {"$numberLong": "%d"}}}' % ((1 << 62) + 20),
                                        SORT, "limit=3"])
    assert t.column("k").to_pylist() == [21, 22, 23]
    c.close()


def test_bad_parameters_are_clear(mongo, tmp_path):
    c = etlconn.MongoDBConnector(**mongo["options"])
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_data("things", params=['filtre={}'], lake=tmp_path / "lake")
    assert "filtre" in e.value.message and e.value.name == "INVALID_ARGUMENT"
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_data("things", params=["filter={not json"], lake=tmp_path / "lake")
    assert "'filter'" in e.value.message
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_arrow("things", params=["filter"])
    assert "key=value" in e.value.message
    with pytest.raises(etlconn.ProtocolError) as e:       # the server refuses an unknown operator
        c.fetch_arrow("things", params=['filter={"k": {"$nosuchop": 1}}'])
    assert e.value.name == "QUERY" and "$nosuchop" in e.value.message
    # an unknown collection is no error in MongoDB: nothing to read
    assert c.fetch_arrow("no_such_collection").num_rows == 0
    c.close()


def test_wrong_password_is_an_auth_error(mongo):
    bad = dict(mongo["options"], password=MY_CANARY)
    t = etlconn.test_connection("mongodb", **bad)
    assert not t.healthy and isinstance(t.error, etlconn.AuthError)
    assert t.error.name == "AUTH" and "Authentication failed" in t.error.message
    # A connector object's method reports it the same way (it connects first).
    c = etlconn.MongoDBConnector(**bad)
    t = c.test_connection()
    assert not t and isinstance(t.error, etlconn.AuthError), t
    assert MY_CANARY not in text_of(t.error) and MY_CANARY not in repr(c) and MY_CANARY not in repr(t)
    assert not c.connected


def test_unreachable_port_is_a_connect_error(mongo):
    opts = dict(mongo["options"], port=1, server_selection_timeout="1s", connect_timeout="1s")
    t = etlconn.test_connection("mongodb", **opts)
    assert not t.healthy and isinstance(t.error, etlconn.ConnectError), repr(t.error)


def test_canary_never_appears(mongo, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        o = mongo["options"]
        bad = dict(o, password=MY_CANARY)
        c = etlconn.MongoDBConnector(**bad)
        assert MY_CANARY not in repr(c)
        with pytest.raises(etlconn.AuthError) as e:
            c.fetch_data("things", lake=tmp_path / "lake")
        assert MY_CANARY not in text_of(e.value)
        uri = f"mongodb://{o['username']}:{MY_CANARY}@{o['host']}:{o['port']}/{o['database']}" \
              f"?authSource={o['auth_source']}"
        t = etlconn.test_connection("mongodb", uri=uri, server_selection_timeout="3s")
        assert not t.healthy and isinstance(t.error, etlconn.AuthError)
        assert MY_CANARY not in text_of(t.error) and MY_CANARY not in repr(t)
        # the canary in a filter value of a good connection: not in the result
        with etlconn.MongoDBConnector(**o) as good:
            r = good.fetch_data("things", params=['filter={"s": "password=%s"}' % MY_CANARY],
                                lake=tmp_path / "lake")
            assert r.record_count == 0 and MY_CANARY not in r.to_json()
        assert caplog.records, "the library logged nothing at DEBUG"
        assert all(MY_CANARY not in rec.getMessage() for rec in caplog.records)
        assert MY_CANARY not in caplog.text
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_close_twice_reconnect_and_with(mongo):
    c = etlconn.MongoDBConnector(**mongo["options"])
    assert c.connect().connected
    c.close()
    assert not c.connected
    c.close()  # twice is fine
    assert c.connect().fetch_arrow("things", params=[FILTER]).num_rows == N  # connect again after close
    c.close()
    with etlconn.MongoDBConnector(**mongo["options"]) as w:
        assert w.connected and w.test_connection().healthy
    assert not w.connected
