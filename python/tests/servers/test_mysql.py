"""The mysql connector's lifecycle through the Python API against the run's
shared MariaDB (tests/services/mariadb), each test in a database of its own
that the server's admin (from its env file) creates and drops, as lib.sh's
shared_mysql does: health, a typed table landed as parquet and read back by
pyarrow, fetch_arrow(_batches), bound parameters, the errors a user meets,
a password canary, close/reconnect/with."""
import datetime
import decimal
import json
import logging
import os
import subprocess
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import etlconn

CANARY = "MyCanary-9b1e-5ecret"


class MariaDB:
    def __init__(self, env, db):
        self.env, self.db = env, db
        self.options = dict(host=env["MYSQL_HOST"], port=int(env["MYSQL_PORT"]), database=db,
                            username=env["MYSQL_USERNAME"], password=env["MYSQL_PASSWORD"])

    def sql(self, text, admin=False, db=None):
        user = self.env["ETLC_MYSQL_ADMIN_USERNAME" if admin else "MYSQL_USERNAME"]
        pw = self.env["ETLC_MYSQL_ADMIN_PASSWORD" if admin else "MYSQL_PASSWORD"]
        args = ["mariadb", "--no-defaults", "--protocol=TCP", "--default-character-set=utf8mb4", "-h", self.env["MYSQL_HOST"], "-P",
                self.env["MYSQL_PORT"], "-u", user, "-N", "-B", "-e", text]
        if not admin:
            args.append(db or self.db)
        r = subprocess.run(args, env=dict(os.environ, MYSQL_PWD=pw), capture_output=True, text=True, timeout=30)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return r.stdout


@pytest.fixture
def my(service):
    env = service("mariadb")
    m = MariaDB(env, "py_mysql_" + uuid.uuid4().hex[:10])
    user = env["MYSQL_USERNAME"]
    m.sql(f"CREATE DATABASE `{m.db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "
          f"GRANT ALL ON `{m.db}`.* TO '{user}'@'127.0.0.1'; GRANT ALL ON `{m.db}`.* TO '{user}'@'localhost';",
          admin=True)
    yield m
    etlconn.close_all_connections()
    m.sql(f"DROP DATABASE IF EXISTS `{m.db}`", admin=True)


def _seed(my):
    my.sql("CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2), note VARCHAR(40), "
           "at DATETIME(6), paid BOOLEAN, day DATE, doc JSON, raw VARBINARY(8), big BIGINT);"
           "INSERT INTO orders SELECT seq, seq * 0.25, CONCAT('row ', seq, ' ✓ 𝄞'), "
           "TIMESTAMPADD(HOUR, seq, '1969-12-31 00:00:00'), seq % 2, DATE_ADD('2024-02-28', INTERVAL seq DAY), "
           "JSON_OBJECT('n', seq), UNHEX('00FF'), 9223372036854775807 - seq FROM seq_1_to_500;"
           "INSERT INTO orders (id) VALUES (501);")


def test_health_names_the_server(my):
    c = etlconn.MySQLConnector(**my.options)
    assert not c.connected
    t = c.test_connection()
    assert t and t.protocol == "mysql" and "MariaDB" in t.server_version, t
    assert my.db in t.detail and my.env["MYSQL_PORT"] in t.detail, t.detail
    assert c.connected and "fetch" in c.capabilities() and "sql" in c.capabilities()
    # the mariadb alias makes the same class
    assert etlconn.connector_class("mariadb") is etlconn.MySQLConnector
    c.close()


def test_fetch_data_lands_typed_parquet(my, tmp_path, landed):
    _seed(my)
    with etlconn.create_connector({"protocol": "mysql", **my.options}) as c:
        r = c.fetch_data("SELECT * FROM orders ORDER BY id", lake=tmp_path / "lake", batch_rows=128)
    landed(r)
    assert r.protocol == "mysql" and r.record_count == 501 and r.items[0].format == "parquet"
    assert all(f"/mysql/{my.db}/" in i.path for i in r.items), [i.path for i in r.items]
    t = pa.concat_tables(pq.read_table(i.path) for i in r.items)
    assert t.num_rows == 501
    s = t.schema
    assert s.field("id").type == pa.int64() and s.field("amount").type == pa.decimal128(10, 2), s
    assert s.field("paid").type == pa.bool_() and s.field("day").type == pa.date32(), s
    assert pa.types.is_timestamp(s.field("at").type) and s.field("raw").type == pa.binary(), s
    rows = t.to_pylist()
    first, last = rows[0], rows[-1]
    assert first["id"] == 1 and first["amount"] == decimal.Decimal("0.25") and first["note"] == "row 1 ✓ 𝄞"
    assert first["at"].replace(tzinfo=None) == datetime.datetime(1969, 12, 31, 1, 0), first
    assert first["paid"] is True and rows[1]["paid"] is False
    assert first["day"] == datetime.date(2024, 2, 29) and first["raw"] == b"\x00\xff"
    assert first["big"] == 9223372036854775806 and json.loads(first["doc"]) == {"n": 1}
    assert rows[499]["amount"] == decimal.Decimal("125.00") and rows[499]["note"] == "row 500 ✓ 𝄞"
    assert last["id"] == 501 and all(last[k] is None for k in last if k != "id"), last


def test_fetch_arrow_and_batches(my):
    _seed(my)
    c = etlconn.MySQLConnector(**my.options)
    t = c.fetch_arrow("SELECT id, amount, note FROM orders WHERE id > ? AND note LIKE ? ORDER BY id",
                      params=[498, "row%"])
    assert t.to_pylist() == [{"id": 499, "amount": decimal.Decimal("124.75"), "note": "row 499 ✓ 𝄞"},
                             {"id": 500, "amount": decimal.Decimal("125.00"), "note": "row 500 ✓ 𝄞"}]
    batches = list(c.fetch_arrow_batches("SELECT id FROM orders ORDER BY id", batch_rows=100))
    assert len(batches) >= 5 and all(b.num_rows <= 100 for b in batches), [b.num_rows for b in batches]
    assert [v for b in batches for v in b.column(0).to_pylist()] == list(range(1, 502))
    # parameters bound server-side, in both fetch modes giving the same values
    for mode in ("text", "prepared"):
        m = etlconn.MySQLConnector(**my.options, fetch_mode=mode)
        got = m.fetch_arrow("SELECT id, amount, at, paid, doc FROM orders ORDER BY id")
        assert got.num_rows == 501 and got.column("amount")[1].as_py() == decimal.Decimal("0.50")
        m.close()
    assert c.fetch_arrow("SELECT CAST(? AS SIGNED) * 6 AS n, ? AS s", params=[7, "seven"]).to_pylist() == \
        [{"n": 42, "s": "seven"}]
    c.close()


def test_errors_users_meet(my, tmp_path):
    lake = tmp_path / "lake"
    # wrong password: the module-level health check is unhealthy with AuthError (1045)...
    bad = dict(my.options, password="wrong-password-x")
    t = etlconn.test_mysql_connection(**bad)
    assert not t and isinstance(t.error, etlconn.AuthError), t
    assert t.error.name == "AUTH" and t.error.native_code == 1045 and not t.error.retryable
    # ...and so is the method's (the pool opens at connect; the failure is reported the same way)
    t = etlconn.MySQLConnector(**bad).test_connection()
    assert not t and isinstance(t.error, etlconn.AuthError) and t.error.native_code == 1045, t
    # nothing listening: CONNECT_REFUSED, retryable
    t = etlconn.test_mysql_connection(**dict(my.options, port=1, connect_timeout="3s"))
    assert not t and isinstance(t.error, etlconn.ConnectError) and t.error.retryable, t
    with pytest.raises(etlconn.ConnectError):
        etlconn.MySQLConnector(**dict(my.options, port=1, connect_timeout="3s")).connect()
    # a database the user may not see names it (1044 AUTH_DENIED for a non-admin user)
    t = etlconn.test_mysql_connection(**dict(my.options, database="nope_db_" + my.db))
    assert isinstance(t.error, etlconn.AuthError) and "nope_db_" + my.db in t.error.message, t
    # bad configuration raises and names the key
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MySQLConnector(**my.options, ssl_mode="sometimes").connect()
    assert "ssl_mode" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MySQLConnector(**dict(my.options, port=99999)).connect()
    assert "port" in e.value.message
    c = etlconn.MySQLConnector(**my.options)
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("SELECT FROM WHERE", lake=lake)
    assert e.value.name == "QUERY" and e.value.native_code == 1064 and e.value.native_state == "42000"
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("SELECT * FROM no_such_table", lake=lake)
    assert e.value.native_code == 1146 and "no_such_table" in e.value.message
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_data("SELECT ?", params=[1, 2], lake=lake)
    assert "parameter" in e.value.message
    # a zero date fails by default naming column and row; zero_date=null lands NULL
    my.sql("SET SESSION sql_mode=''; CREATE TABLE zd (d DATE); INSERT INTO zd VALUES ('2024-01-01'), ('0000-00-00');")
    with pytest.raises(etlconn.DataError) as e:
        c.fetch_data("SELECT d FROM zd", lake=lake)
    assert "column 'd' row 2" in e.value.message, e.value.message
    assert not lake.exists() or not [p for p in lake.rglob("*") if p.is_file()], "a failure left a file"
    z = etlconn.MySQLConnector(**my.options, zero_date="null")
    assert z.fetch_arrow("SELECT d FROM zd").column("d").to_pylist() == [datetime.date(2024, 1, 1), None]
    z.close()
    c.close()


def test_password_canary_never_leaks(my, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    texts = []
    try:
        c = etlconn.MySQLConnector(**dict(my.options, password=CANARY))
        texts.append(repr(c))
        t = etlconn.test_mysql_connection(**dict(my.options, password=CANARY))
        assert not t
        texts += [repr(t), str(t.error), t.error.message]
        with pytest.raises(etlconn.AuthError) as e:
            c.connect()
        texts += [str(e.value), repr(e.value), str(e.value.args)]
        url = f"mysql://{my.options['username']}:{CANARY}@127.0.0.1:1/{my.db}"
        u = etlconn.create_connector({"protocol": "mysql", "url": url, "connect_timeout": "3s"})
        texts.append(repr(u))
        with pytest.raises(etlconn.ConnectError) as e:
            u.connect()
        texts += [str(e.value), repr(e.value)]
        # a secret in the query text is redacted in the failure and the logs
        good = etlconn.MySQLConnector(**my.options)
        with pytest.raises(etlconn.ProtocolError) as e:
            good.fetch_data(f"SELECT * FROM t_missing WHERE password='{CANARY}'", lake=tmp_path / "l")
        texts += [str(e.value), repr(e.value)]
        good.close()
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at DEBUG"
    texts += [rec.getMessage() for rec in caplog.records]
    leaks = [x for x in texts if CANARY in x]
    assert not leaks, leaks


def test_close_twice_reconnect_and_with(my):
    c = etlconn.MySQLConnector(**my.options)
    assert c.connect().connected
    c.close()
    assert not c.connected and "connected=False" in repr(c)
    c.close()  # twice is fine
    assert c.fetch_arrow("SELECT 2 AS two").column("two").to_pylist() == [2]  # reconnects on use
    assert c.connected
    c.close()
    with etlconn.MySQLConnector(**my.options) as w:
        assert w.connected and w.test_connection()
    assert not w.connected
    # a façade-made one (cached) also comes back after close()
    e = etlconn.get_mysql_engine(**my.options, reuse=False)
    e.close()
    assert e.connect().fetch_arrow("SELECT DATABASE() AS db").column("db").to_pylist() == [my.db]
    e.close()
