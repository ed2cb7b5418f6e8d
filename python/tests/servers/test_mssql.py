"""The mssql connector (SQL Server through FreeTDS db-lib) through the Python
API. No SQL Server was available on the build machine (none is installable
here), so, like tests/integration/test_cli_mssql_oracle.sh, these stop at the
wire and test what can be tested for real: the class and its aliases, the
capabilities, configuration errors naming the key, FreeTDS really
connecting to loopback sockets (a closed port is refused at once, a peer
that never answers times out within login_timeout, a peer that hangs up is a
CONNECT error), the failed fetch leaving no file, and a password canary
that appears in no repr, error or log line. No query ever reaches a
server: fetching, typing and auth errors are not covered here."""
import logging
import os
import socket
import threading
import time

import pytest

import etlconn

CANARY = "MsCanary-6d20-5ecret"


@pytest.fixture(autouse=True)
def _no_mssql_env(monkeypatch):
    """The environment layer (MSSQL_*) must not fill what a test leaves out."""
    for k in [k for k in os.environ if k.startswith("MSSQL_")]:
        monkeypatch.delenv(k)


@pytest.fixture
def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _opts(port, **more):
    base = dict(host="127.0.0.1", port=port, database="sales", username="etl", password=CANARY, login_timeout="5s")
    base.update(more)
    return base


def test_class_aliases_capabilities():
    assert etlconn.MSSQLConnector.protocol == "mssql"
    assert etlconn.connector_class("sqlserver") is etlconn.MSSQLConnector
    assert etlconn.connector_class("tds") is etlconn.MSSQLConnector
    p = {x["name"]: x for x in etlconn.protocols()}["mssql"]
    assert p["built_in"] and {"sqlserver", "tds"} <= set(p["aliases"]) and p["env_prefix"] == "MSSQL"
    assert etlconn.MSSQLConnector().capabilities() == ["fetch"]
    secret = {o["name"] for o in p["options"] if o.get("secret")}
    assert "password" in secret, p["options"]


def test_config_errors_name_the_key(closed_port):
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MSSQLConnector(host="127.0.0.1", password=CANARY).connect()
    assert e.value.name == "CONFIG_MISSING_KEY"
    assert "MSSQL_DATABASE" in e.value.message and "MSSQL_USERNAME" in e.value.message, e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MSSQLConnector(**dict(_opts(closed_port), port=70000)).connect()
    assert "'port'" in e.value.message and "65535" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MSSQLConnector(**dict(_opts(closed_port), port="abc")).connect()
    assert e.value.name == "CONFIG_TYPE" and "'port'" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MSSQLConnector(**_opts(closed_port, tds_version="9.9")).connect()
    assert "tds_version" in e.value.message and "7.4" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.MSSQLConnector(**_opts(closed_port, host="db:1433")).connect()
    assert "port" in e.value.message and "db:1433" in e.value.message
    # refused, not ignored: db-lib cannot set it per connection
    with pytest.raises(etlconn.UsageError) as e:
        etlconn.MSSQLConnector(**_opts(closed_port, encryption="require")).connect()
    assert "freetds.conf" in e.value.message
    # bad configuration raises from the module-level health check too (not an unhealthy result)
    with pytest.raises(etlconn.ConfigError):
        etlconn.test_mssql_connection(**_opts(closed_port, tds_version="9.9"))


def test_closed_port_is_refused_within_the_login_timeout(closed_port, tmp_path):
    start = time.monotonic()
    t = etlconn.test_mssql_connection(**_opts(closed_port))
    assert time.monotonic() - start < 5
    assert not t and isinstance(t.error, etlconn.ConnectError), t
    assert t.error.name == "CONNECT_REFUSED" and t.error.retryable
    assert f"127.0.0.1:{closed_port}" in t.error.message, t.error.message
    c = etlconn.MSSQLConnector(**_opts(closed_port))
    t = c.test_connection()  # the method connects first, and reports the failure as unhealthy
    assert not t and isinstance(t.error, etlconn.ConnectError) and not c.connected, t
    lake = tmp_path / "lake"
    with pytest.raises(etlconn.ConnectError):
        c.fetch_data("SELECT 1", lake=lake)
    assert not lake.exists() or not [p for p in lake.rglob("*") if p.is_file()], "a failed fetch left a file"
    with pytest.raises(etlconn.ConnectError):
        etlconn.create_connector({"protocol": "tds", **_opts(closed_port)}).fetch_arrow("SELECT 1")
    assert not c.connected
    c.close()
    c.close()  # close of a never-connected connector, twice, is fine


def test_silent_peer_times_out_and_hangup_is_a_connect_error():
    with socket.socket() as silent:  # the kernel accepts; nobody ever answers the prelogin
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        start = time.monotonic()
        t = etlconn.test_mssql_connection(**_opts(silent.getsockname()[1], login_timeout="1s"))
        took = time.monotonic() - start
    assert not t and t.error.name == "CONNECT_TIMEOUT" and t.error.retryable, t
    assert 0.9 <= took < 4, took
    with socket.socket() as hangup:
        hangup.bind(("127.0.0.1", 0))
        hangup.listen(4)
        hangup.settimeout(5)
        th = threading.Thread(target=lambda: hangup.accept()[0].close())
        th.start()
        t = etlconn.test_mssql_connection(**_opts(hangup.getsockname()[1]))
        th.join(5)
    assert not t and isinstance(t.error, etlconn.ConnectError) and t.error.code // 100 == 2, t


def test_password_canary_never_leaks(closed_port, tmp_path, caplog):
    etlconn.set_log_level(5)  # trace: the library's most talkative level
    caplog.set_level(5, logger="etlconn")
    texts = []
    try:
        c = etlconn.MSSQLConnector(**_opts(closed_port))
        texts.append(repr(c))
        t = etlconn.test_mssql_connection(**_opts(closed_port))
        texts += [repr(t), str(t.error), repr(t.error), t.detail]
        for call in (c.connect, lambda: c.fetch_data("SELECT 1", lake=tmp_path / "l")):
            with pytest.raises(etlconn.EtlconnError) as e:
                call()
            texts += [str(e.value), repr(e.value), str(e.value.args)]
        with pytest.raises(etlconn.ConfigError) as e:
            etlconn.MSSQLConnector(host="127.0.0.1", password=CANARY).connect()
        texts += [str(e.value), repr(e.value)]
        cfg = etlconn.load_connection_config(config=dict(_opts(closed_port), protocol="mssql"))
        assert cfg["password"] == CANARY
        texts += [repr(cfg), str(cfg)]
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at trace"
    texts += [rec.getMessage() for rec in caplog.records]
    leaks = [x for x in texts if CANARY in x or "6d20-5ecret" in x]
    assert not leaks, leaks
