"""The dw destination (PostgreSQL warehouse) through the Python API against
the run's shared PostgreSQL, in a database of this run's own (conftest's
`pg`): health, rows landed by a SQLite connector's fetch_data (parquet)
loaded from the lake directory and from the IngestionResult .json, the
load journal's skip and force=True (docs/dw.md), merge with keys, the
errors a user meets, a password canary, close/reconnect/with.

The target is a table name; its schema is the `schema` option (docs/dw.md),
so every test here names a plain table."""
import datetime
import decimal
import logging
import sqlite3

import pytest

import etlconn

CANARY = "DwCanary-31c7-5ecret"
ROWS = [(1, "héllo 😀", "1.500", "2024-02-29", 1),
        (2, None, None, None, None),
        (3, "日本語", "-0.001", "1969-12-31", 0)]


@pytest.fixture
def landed_lake(tmp_path, landed):
    """A SQLite table fetched into a tmp lake as parquet: (lake dir, result .json path, result)."""
    src = tmp_path / "src.db"
    db = sqlite3.connect(src)
    db.execute("create table t(id integer primary key, name text, amount decimal(12,3), d date, ok boolean)")
    db.executemany("insert into t values (?,?,?,?,?)", ROWS)
    db.commit()
    db.close()
    with etlconn.SQLiteConnector(database_path=str(src)) as c:
        r = c.fetch_data("select * from t order by id", lake=tmp_path / "lake")
    landed(r)
    assert r.record_count == 3 and r.items[0].format == "parquet"
    run = tmp_path / "run.json"
    run.write_text(r.to_json())
    return tmp_path / "lake", run, r


def _rows(pg, table):
    return pg.psql(f"SET TimeZone=UTC; SELECT id, name, amount, d, ok FROM {table} ORDER BY id").splitlines()


EXPECT = ["1|héllo 😀|1.500|2024-02-29|t", "2||||", "3|日本語|-0.001|1969-12-31|f"]


def test_health_and_capabilities(pg):
    dw = etlconn.DWConnector(**pg.options)
    assert dw.capabilities() == ["load"]
    t = dw.test_connection()
    assert t and t.protocol == "dw" and t.server_version.startswith("PostgreSQL"), t
    assert pg.db in t.detail and "CREATE yes" in t.detail, t.detail
    # a destination cannot be fetched from
    with pytest.raises(etlconn.UsageError) as e:
        dw.fetch_data("select 1", lake="unused")
    assert "destination" in e.value.message
    dw.close()


def test_load_journal_force(pg, landed_lake):
    lake, run, fetched = landed_lake
    with etlconn.DWConnector(**pg.options) as dw:
        res = dw.load(lake, "py_append")
        assert res["status"] == "success" and res["created"] is True and res["mode"] == "append", res
        assert res["files_loaded"] == 1 and res["rows_loaded"] == 3 and res["schema"] == "public", res
        assert res["files"][0]["sha256"] == fetched.items[0].sha256
        assert _rows(pg, "py_append") == EXPECT
        assert pg.psql("SELECT count(*) FROM py_append WHERE id = 2 AND name IS NULL AND amount IS NULL AND d IS NULL "
                       "AND ok IS NULL").strip() == "1"
        types = pg.psql("SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute "
                        "WHERE attrelid = 'py_append'::regclass AND attnum > 0").strip()
        assert types == "bigint,text,numeric(12,3),date,boolean", types
        # the same file again (now through the IngestionResult .json): skipped by the journal
        again = dw.load(str(run), "py_append")
        assert again["files_loaded"] == 0 and again["files_skipped"] == 1 and again["rows_loaded"] == 0, again
        assert again["files"][0]["skipped"] is True and "load journal" in again["files"][0]["reason"]
        assert pg.psql("SELECT count(*) FROM py_append").strip() == "3"
        # force=True loads it again, one journal entry per file stays
        forced = dw.load([run], "py_append", force=True)
        assert forced["files_loaded"] == 1 and forced["rows_loaded"] == 3, forced
        assert pg.psql("SELECT count(*) FROM py_append").strip() == "6"
        assert pg.psql("SELECT count(*) FROM etlconn_load_journal WHERE table_name = 'py_append'").strip() == "1"
        # replace swaps in exactly the files given
        rep = dw.load(run, "py_append", mode="replace")
        assert rep["mode"] == "replace" and rep["rows_loaded"] == 3, rep
        assert _rows(pg, "py_append") == EXPECT


def test_merge_with_keys(pg, landed_lake, tmp_path):
    lake, run, _ = landed_lake
    dw = etlconn.DWConnector(**pg.options)
    first = dw.load(lake, "py_merge", mode="merge", keys=["id"])
    assert first["mode"] == "merge" and first["rows_affected"] == 3, first
    assert pg.psql("SELECT count(*) FROM pg_index WHERE indrelid = 'py_merge'::regclass AND indisprimary").strip() == "1"
    xmin = pg.psql("SELECT string_agg(xmin::text, ',' ORDER BY id) FROM py_merge")
    # changed and new rows from a second fetch: one updated, one inserted, the rest untouched
    db = sqlite3.connect(tmp_path / "src.db")
    db.execute("update t set name = 'changed' where id = 2")
    db.execute("insert into t (id, name) values (4, 'new')")
    db.commit()
    db.close()
    r2 = etlconn.SQLiteConnector(database_path=str(tmp_path / "src.db")).fetch_data(
        "select * from t order by id", lake=tmp_path / "lake2")
    res = dw.load(tmp_path / "lake2", "py_merge", mode="merge", keys=["id"])
    assert res["rows_affected"] == 2 and res["files_loaded"] == 1, res
    assert pg.psql("SELECT count(*) || ':' || max(name) FILTER (WHERE id = 2) || ':' || max(name) FILTER "
                   "(WHERE id = 4) FROM py_merge").strip() == "4:changed:new"
    assert pg.psql("SELECT xmin FROM py_merge WHERE id = 1").strip() == xmin.split(",")[0]
    assert r2.record_count == 4
    dw.close()


def test_errors_users_meet(pg, landed_lake, tmp_path):
    lake, run, _ = landed_lake
    dw = etlconn.DWConnector(**pg.options)
    with pytest.raises(etlconn.EtlconnIOError) as e:
        dw.load(tmp_path / "no_such_dir", "py_err")
    assert e.value.name == "IO_NOT_FOUND" and "no_such_dir" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        dw.load(lake, "py_err", mode="upsert")
    assert "upsert" in e.value.message and "merge" in e.value.message
    with pytest.raises(etlconn.UsageError) as e:
        dw.load(lake, "py_err", mode="merge")
    assert "key" in e.value.message
    with pytest.raises(ValueError):
        dw.load([], "py_err")
    # schema.table: the schema is the dw option, so a dotted name is refused
    # (it would have made one table named "public.py_err")
    with pytest.raises(etlconn.UsageError) as e:
        dw.load(lake, "public.py_err")
    assert "'py_err' with schema=public" in e.value.message, e.value.message
    assert "public.py_err" not in pg.psql("SELECT string_agg(tablename, ',') FROM pg_tables")
    # a type conflict with an existing table: DATA_SCHEMA naming the column, nothing loaded
    pg.psql("CREATE TABLE py_conflict (id integer, name text)")
    with pytest.raises(etlconn.DataError) as e:
        dw.load(lake, "py_conflict")
    assert e.value.name == "DATA_SCHEMA" and '"id"' in e.value.message, e.value.message
    assert pg.psql("SELECT count(*) FROM py_conflict").strip() == "0"
    dw.close()
    # a schema that does not exist: CONNECT_NOT_FOUND naming it
    with pytest.raises(etlconn.ConnectError) as e:
        etlconn.DWConnector(**pg.options, schema="no_such_schema").load(lake, "py_err")
    assert "no_such_schema" in e.value.message
    assert "py_err" not in pg.psql("SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")
    # wrong password: the module-level health check is unhealthy with AuthError...
    bad = dict(pg.options, password="wrong-password-x")
    t = etlconn.test_dw_connection(**bad)
    assert not t and isinstance(t.error, etlconn.AuthError) and t.error.name == "AUTH", t
    # ...and so is the method's (it connects first, and reports the failure the same way)
    t = etlconn.DWConnector(**bad).test_connection()
    assert not t and isinstance(t.error, etlconn.AuthError) and t.error.name == "AUTH", t
    t = etlconn.test_dw_connection(**dict(pg.options, port=1, connect_timeout="3s"))
    assert not t and isinstance(t.error, etlconn.ConnectError), t
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.DWConnector(**dict(pg.options, sslmode="sometimes")).connect()
    assert "sslmode" in e.value.message


def test_password_canary_never_leaks(pg, landed_lake, caplog):
    lake, run, _ = landed_lake
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    texts = []
    try:
        c = etlconn.DWConnector(**dict(pg.options, password=CANARY))
        texts.append(repr(c))
        t = etlconn.test_dw_connection(**dict(pg.options, password=CANARY))
        assert not t
        texts += [repr(t), str(t.error), t.error.message]
        with pytest.raises(etlconn.AuthError) as e:
            c.load(lake, "py_canary")
        texts += [str(e.value), repr(e.value), str(e.value.args)]
        url = f"postgresql://{pg.options['username']}:{CANARY}@127.0.0.1:1/{pg.db}"
        u = etlconn.create_connector({"protocol": "dw", "url": url, "connect_timeout": "3s"})
        texts.append(repr(u))
        with pytest.raises(etlconn.ConnectError) as e:
            u.load(lake, "py_canary")
        texts += [str(e.value), repr(e.value)]
        # a good load logs at DEBUG too
        good = etlconn.DWConnector(**pg.options)
        assert good.load(run, "py_canary")["rows_loaded"] == 3
        good.close()
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at DEBUG"
    texts += [rec.getMessage() for rec in caplog.records]
    leaks = [x for x in texts if CANARY in x]
    assert not leaks, leaks


def test_close_twice_reconnect_and_with(pg, landed_lake):
    lake, run, _ = landed_lake
    dw = etlconn.DWConnector(**pg.options)
    assert dw.connect().connected
    dw.close()
    assert not dw.connected
    dw.close()  # twice is fine
    assert dw.load(run, "py_life")["rows_loaded"] == 3  # reconnects on use
    dw.close()
    with etlconn.create_connector({"protocol": "dw", **pg.options}) as w:
        assert w.connected and w.test_connection()
        assert w.load(lake, "py_life")["files_skipped"] == 1
    assert not w.connected
    assert pg.psql("SELECT count(*) FROM py_life").strip() == "3"
    assert datetime.date(2024, 2, 29).isoformat() in _rows(pg, "py_life")[0]
    assert decimal.Decimal(_rows(pg, "py_life")[2].split("|")[2]) == decimal.Decimal("-0.001")
