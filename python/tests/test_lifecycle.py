"""Connector lifecycle against real SQLite files and the shared PostgreSQL
(shared-service: postgres): connect, test, fetch_data into a lake, errors, close."""
import json
import os

import pytest

import etlconn
from conftest import check_landed


def test_sqlite_lifecycle(types_db, tmp_path):
    c = etlconn.SQLiteConnector({"database_path": types_db})
    assert not c.connected and "types.db" not in repr(c)
    health = c.connect().test_connection()
    assert health and health.server_version.startswith("SQLite")
    r = c.fetch_data("select * from t where id > ? order by id", params=[1], lake=tmp_path / "lake", format="jsonl")
    assert isinstance(r, etlconn.IngestionResult) and isinstance(r.items[0], etlconn.IngestedItem)
    assert r.record_count == 3 and r.items[0].format == "jsonl"
    check_landed(r)
    # the contract round-trips through to_dict/to_json
    again = etlconn.IngestionResult.from_json(r.to_json())
    assert again == r and json.loads(r.to_json())["contract_version"] == 1
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("select * from no_such_table", lake=tmp_path / "lake")
    assert e.value.name == "QUERY" and "no_such_table" in e.value.message
    with pytest.raises(TypeError):
        c.fetch_data("select 1", lake_dir="x")
    c.close()
    assert not c.connected
    c.close()  # twice is fine
    # a façade-made connector reconnects with its own layers after close()
    e = etlconn.get_connection("sqlite", database_path=types_db, reuse=False)
    e.close()
    assert e.connect().fetch_arrow("select count(*) as n from t").column("n").to_pylist() == [4]
    e.close()
    with etlconn.create_connector({"protocol": "sqlite", "database_path": types_db}) as again_c:
        assert again_c.fetch_data("select 1 as one", lake=tmp_path / "lake").record_count == 1


def test_sqlite_missing_file_is_a_connect_error(tmp_path):
    t = etlconn.test_sqlite_connection(str(tmp_path / "absent.db"))
    assert not t and t.error is not None and t.error.code // 100 == 2


def test_postgres_lifecycle(pg, tmp_path):
    pg.psql("CREATE TABLE life(id bigint primary key, v text); INSERT INTO life VALUES (1, 'a'), (2, 'b')")
    assert etlconn.test_postgres_connection(**pg.options).healthy
    eng = etlconn.get_postgres_engine(**pg.options)
    assert eng.test_connection().server_version
    r = eng.fetch_data("SELECT id, v FROM life ORDER BY id", lake=tmp_path / "lake")
    assert r.protocol == "postgres" and r.record_count == 2 and r.items[0].format == "parquet"
    check_landed(r)
    t = eng.fetch_arrow("SELECT id, v FROM life WHERE id = $1", params=[2])
    assert t.to_pylist() == [{"id": 2, "v": "b"}]
    with pytest.raises(etlconn.ProtocolError) as e:
        eng.fetch_data("SELECT * FROM missing_table", lake=tmp_path / "lake")
    assert e.value.native_state == "42P01"
    eng.close()
    bad = dict(pg.options, password="wrong-password-x")
    t = etlconn.test_postgres_connection(**bad)
    assert not t.healthy and isinstance(t.error, etlconn.AuthError)
    with pytest.raises(etlconn.ConnectError):
        etlconn.get_postgres_engine(**dict(pg.options, port=1, connect_timeout="2s"), reuse=False)
    assert os.path.isdir(tmp_path / "lake")


def test_results_validated_by_pydantic(types_db, tmp_path):
    models = etlconn.result.pydantic_models()
    assert models is not None, "pydantic >= 2 is installed by make deps"
    d = etlconn.get_sqlite_engine(types_db).fetch_data("select 1 as a", lake=tmp_path / "l").to_dict()
    assert models[0].model_validate(d).record_count == 1
    d["items"][0]["sha256"] = "not-hex"
    with pytest.raises(Exception) as e:
        etlconn.IngestionResult.from_dict(d)
    assert "sha256" in str(e.value)
