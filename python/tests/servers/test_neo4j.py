"""The neo4j connector's lifecycle through the Python API against the run's
shared Neo4j 5.26 Community (tests/services/neo4j, auth on). Nodes are
written by the official `neo4j` Python driver under a label of this test's
own (Community has one database); etlconn reads them with a parameterised
Cypher query over its own Bolt client, lands Parquet, and pyarrow reads back
what the driver wrote. Failed logins use a user of this test's own, so the
server's lock-out after failed logins never hits the shared user.
shared-service: neo4j"""
import datetime as dt
import json
import logging
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of

MY_CANARY = "Canary-N304j-5b2f7a"  # this file's own secret canary
UTC = dt.timezone.utc
N = 12  # nodes; those with k >= 2 and grp "a" are read


def _nodes():
    out = []
    for k in range(N):
        p = {"k": k, "grp": "a" if k % 4 else "b", "name": f"nœud ✓ 𝄞 日本 {k}", "score": k / 8 - 0.5,
             "active": k % 2 == 0, "born": dt.date(1969, 7, 20) + dt.timedelta(days=k * 1000),
             "at": dt.datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=UTC) + dt.timedelta(hours=k),
             "tags": ["t", f"x{k}"]}
        if k % 3:
            p["maybe"] = k * 10  # else absent: NULL
        out.append(p)
    return out


@pytest.fixture(scope="module")
def neo():
    from neo4j import GraphDatabase
    from conftest import service_env
    env = service_env("neo4j")
    label = "PyT" + uuid.uuid4().hex[:10]
    user, user_pw = "pyt_u_" + uuid.uuid4().hex[:10], "Pw-" + uuid.uuid4().hex
    drv = GraphDatabase.driver(env["NEO4J_URI"], auth=(env["NEO4J_USERNAME"], env["NEO4J_PASSWORD"]))
    drv.execute_query(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r", rows=_nodes())
    drv.execute_query(f"CREATE USER {user} SET PASSWORD $pw CHANGE NOT REQUIRED", pw=user_pw, database_="system")
    options = dict(host=env["NEO4J_HOST"], port=int(env["NEO4J_PORT"]), username=env["NEO4J_USERNAME"],
                   password=env["NEO4J_PASSWORD"], connect_timeout="5s")
    yield {"options": options, "label": label, "own_user": dict(options, username=user, password=user_pw)}
    etlconn.close_all_connections()
    drv.execute_query(f"MATCH (n:{label}) DETACH DELETE n")
    drv.execute_query(f"DROP USER {user} IF EXISTS", database_="system")
    drv.close()


def _query(label):
    return (f"MATCH (n:{label}) WHERE n.k >= $min AND n.grp = $grp RETURN n.k AS k, n.name AS name, "
            "n.score AS score, n.active AS active, n.born AS born, n.at AS at, n.maybe AS maybe, "
            "n.tags AS tags ORDER BY n.k")


def _expected():
    return [{"k": p["k"], "name": p["name"], "score": p["score"], "active": p["active"], "born": p["born"],
             "at": p["at"], "maybe": p.get("maybe"), "tags": json.dumps(p["tags"], separators=(",", ":"))}
            for p in _nodes() if p["k"] >= 2 and p["grp"] == "a"]


def test_health_and_capabilities(neo):
    c = etlconn.Neo4jConnector(**neo["options"])
    h = c.test_connection()
    assert h and h.error is None and h.server_version.startswith("Neo4j/5.26"), h.server_version
    assert "(Bolt " in h.server_version and str(neo["options"]["port"]) in h.detail, (h.server_version, h.detail)
    assert c.capabilities() == ["fetch"]   # not "records": yet fetch_arrow works (below)
    c.close()


def test_cypher_with_parameters_lands_parquet(neo, tmp_path, landed):
    with etlconn.create_connector({"protocol": "neo4j", "fetch_size": 3, **neo["options"]}) as c:
        r = c.fetch_data(_query(neo["label"]), params=["min=2", "grp=a"], lake=tmp_path / "lake", batch_rows=4)
    landed(r)
    want = _expected()
    assert r.protocol == "neo4j" and r.record_count == len(want) == 8
    t = pa.concat_tables([pq.read_table(i.path) for i in r.items])
    types = {f.name: f.type for f in t.schema}
    assert types["k"] == pa.int64() and types["name"] == pa.string() and types["score"] == pa.float64()
    assert types["active"] == pa.bool_() and types["born"] == pa.date32()
    assert types["at"] == pa.timestamp("us", tz="UTC") and types["maybe"] == pa.int64()
    assert t.to_pylist() == want


def test_fetch_arrow_and_batches(neo):
    c = etlconn.Neo4jConnector(**neo["options"])
    t = c.fetch_arrow(_query(neo["label"]), params=["min=2", "grp=a"])
    assert t.to_pylist() == _expected()
    sizes = [b.num_rows for b in c.fetch_arrow_batches(f"MATCH (n:{neo['label']}) RETURN n.k AS k", batch_rows=5)]
    assert sizes == [5, 5, 2]
    # JSON-valued and positional (typed) parameters; a node as JSON
    t = c.fetch_arrow("RETURN $p2 AS a, $p3 AS b, $xs AS xs, $s AS s", params=["xs=[1,\"b\"]", 7, "hi", 's="42"'])
    assert t.to_pylist() == [{"a": 7, "b": "hi", "xs": '[1,"b"]', "s": "42"}]
    t = c.fetch_arrow(f"MATCH (n:{neo['label']} {{k: $k}}) RETURN n", params=["k=5"])
    node = json.loads(t.column("n")[0].as_py())
    assert node["labels"] == [neo["label"]] and node["properties"]["name"] == "nœud ✓ 𝄞 日本 5"
    c.close()


def test_bad_cypher_is_a_clear_error(neo, tmp_path):
    c = etlconn.Neo4jConnector(**neo["options"])
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("MATC (n) RETURN n", lake=tmp_path / "lake")
    assert e.value.name == "QUERY" and "Neo.ClientError.Statement.SyntaxError" in e.value.message
    assert "MATC" in e.value.message and not e.value.retryable
    with pytest.raises(etlconn.ProtocolError) as e:   # reads run in a read transaction
        c.fetch_arrow(f"CREATE (n:{neo['label']}) RETURN n")
    assert "Neo.ClientError.Statement.AccessMode" in e.value.message
    with pytest.raises(etlconn.ProtocolError) as e:   # a missing parameter: the server says which
        c.fetch_arrow("RETURN $absent AS x")
    assert "absent" in e.value.message
    assert not (tmp_path / "lake").exists() or not any((tmp_path / "lake").rglob("*.parquet"))
    # the connection is kept after a FAILURE (RESET)
    assert c.fetch_arrow("RETURN 1 AS one").to_pylist() == [{"one": 1}]
    c.close()


def test_wrong_password_is_an_auth_error(neo):
    own = neo["own_user"]
    assert etlconn.test_connection("neo4j", **own).healthy   # the test's own user logs in
    t = etlconn.test_connection("neo4j", **dict(own, password=MY_CANARY))
    assert not t.healthy and isinstance(t.error, etlconn.AuthError) and t.error.name == "AUTH"
    assert "Neo.ClientError.Security.Unauthorized" in t.error.message and MY_CANARY not in text_of(t.error)
    # A connector object's method reports it the same way (it connects first).
    c = etlconn.Neo4jConnector(**dict(own, password=MY_CANARY))
    t = c.test_connection()
    assert not t and isinstance(t.error, etlconn.AuthError), t
    assert MY_CANARY not in text_of(t.error) and MY_CANARY not in repr(c) and MY_CANARY not in repr(t)


def test_unreachable_port_is_a_connect_error(neo):
    t = etlconn.test_connection("neo4j", **dict(neo["options"], port=1, connect_timeout="2s"))
    assert not t.healthy and isinstance(t.error, etlconn.ConnectError) and t.error.retryable


def test_canary_never_appears(neo, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        bad = dict(neo["options"], username="pyt_nobody_" + uuid.uuid4().hex[:8], password=MY_CANARY)
        c = etlconn.Neo4jConnector(**bad)
        assert MY_CANARY not in repr(c)
        with pytest.raises(etlconn.AuthError) as e:
            c.fetch_data("RETURN 1 AS x", lake=tmp_path / "lake")
        assert MY_CANARY not in text_of(e.value)
        with pytest.raises(etlconn.ConfigError) as e:   # credentials in the uri are refused, not echoed
            etlconn.Neo4jConnector(uri=f"bolt://u:{MY_CANARY}@127.0.0.1:{neo['options']['port']}").connect()
        assert MY_CANARY not in text_of(e.value)
        with etlconn.Neo4jConnector(**neo["options"]) as good:   # the canary as a parameter value
            r = good.fetch_data("RETURN size($pw) AS n", params=[f"pw=password={MY_CANARY}"], lake=tmp_path / "l")
            assert r.record_count == 1 and MY_CANARY not in r.to_json()
        assert caplog.records, "the library logged nothing at DEBUG"
        assert MY_CANARY not in caplog.text
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_close_twice_reconnect_and_with(neo):
    c = etlconn.Neo4jConnector(**neo["options"])
    assert c.connect().connected
    c.close()
    c.close()
    assert not c.connected
    assert c.connect().fetch_arrow(f"MATCH (n:{neo['label']}) RETURN count(n) AS n").to_pylist() == [{"n": N}]
    c.close()
    with etlconn.Neo4jConnector(**neo["options"]) as w:
        assert w.connected and w.test_connection().healthy
    assert not w.connected
