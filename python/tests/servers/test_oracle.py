"""The oracle connector (OCI, loaded at run time) through the Python API.
No Oracle database and no Oracle client library (Instant Client's
libclntsh.so) was available on the build machine, so, like
tests/integration/test_cli_mssql_oracle.sh, these test what can be tested
for real: the class, its capabilities, configuration errors naming the key
(or both alternatives), the missing client library as a clear ConnectError
saying what to install and where to point client_lib, a client_lib path
that does not exist named in the error, no file left by a failed fetch, and
a password canary that appears in no repr, error or log line. Nothing ever
reaches a server: fetching, typing and auth errors are not covered here."""
import ctypes.util
import logging
import os

import pytest

import etlconn

CANARY = "OraCanary-a41f-5ecret"
OPTS = dict(host="127.0.0.1", port=1521, service_name="FREEPDB1", username="scott", password=CANARY)


@pytest.fixture(autouse=True)
def _no_oracle_env(monkeypatch):
    """The environment layer (ORACLE_*) must not fill what a test leaves out."""
    for k in [k for k in os.environ if k.startswith("ORACLE_")]:
        monkeypatch.delenv(k)


def test_class_and_capabilities():
    assert etlconn.OracleConnector.protocol == "oracle"
    assert etlconn.connector_class("oracle") is etlconn.OracleConnector
    p = {x["name"]: x for x in etlconn.protocols()}["oracle"]
    assert p["built_in"] and p["env_prefix"] == "ORACLE"
    assert etlconn.OracleConnector().capabilities() == ["fetch"]
    assert {"password"} <= {o["name"] for o in p["options"] if o.get("secret")}, p["options"]


def test_config_errors_name_the_key():
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.OracleConnector(host="db", username="scott", password=CANARY).connect()
    assert e.value.name == "CONFIG_MISSING_KEY"
    assert "service_name" in e.value.message and "ORACLE_SID" in e.value.message, e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.OracleConnector(host="db", service_name="x", password=CANARY).connect()
    assert e.value.name == "CONFIG_MISSING_KEY" and "ORACLE_USERNAME" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.OracleConnector(**dict(OPTS, port=70000)).connect()
    assert "'port'" in e.value.message and "65535" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.OracleConnector(**dict(OPTS, prefetch_rows="many")).connect()
    assert e.value.name == "CONFIG_TYPE" and "prefetch_rows" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.OracleConnector(dsn="db:1521/x", service_name="x", username="scott", password=CANARY).connect()
    assert "dsn" in e.value.message and "alternatives" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.OracleConnector(dsn="[::1:1521/x", username="scott", password=CANARY).connect()
    assert "IPv6" in e.value.message
    # bad configuration raises from the module-level health check too
    with pytest.raises(etlconn.ConfigError):
        etlconn.test_oracle_connection(host="db", username="scott", password=CANARY)


def test_missing_client_library_is_a_clear_connect_error(tmp_path):
    assert ctypes.util.find_library("clntsh") is None, "an Oracle client is installed: this test assumes none"
    t = etlconn.test_oracle_connection(**OPTS)
    assert not t and isinstance(t.error, etlconn.ConnectError) and t.error.name == "CONNECT", t
    assert not t.error.retryable
    for words in ("Instant Client Basic", "LD_LIBRARY_PATH", "ORACLE_CLIENT_LIB", "libclntsh.so"):
        assert words in t.error.message, (words, t.error.message)
    c = etlconn.OracleConnector(**OPTS)
    t = c.test_connection()  # the method connects first, and reports the failure as unhealthy
    assert not t and isinstance(t.error, etlconn.ConnectError) and t.error.name == "CONNECT", t
    missing = tmp_path / "no" / "such" / "libclntsh.so"
    with pytest.raises(etlconn.ConnectError) as e:
        etlconn.OracleConnector(**OPTS, client_lib=str(missing)).connect()
    assert str(missing) in e.value.message and "client_lib" in e.value.message
    lake = tmp_path / "lake"
    with pytest.raises(etlconn.ConnectError):
        etlconn.create_connector({"protocol": "oracle", "dsn": "127.0.0.1:1521/FREEPDB1", "username": "scott",
                                  "password": CANARY}).fetch_data("SELECT 1 FROM dual", lake=lake)
    assert not lake.exists() or not [p for p in lake.rglob("*") if p.is_file()], "a failed fetch left a file"
    assert not c.connected
    c.close()
    c.close()  # twice is fine
    with pytest.raises(etlconn.ConnectError):
        with etlconn.OracleConnector(**OPTS):
            pass


def test_password_canary_never_leaks(tmp_path, caplog):
    etlconn.set_log_level(5)  # trace
    caplog.set_level(5, logger="etlconn")
    texts = []
    try:
        c = etlconn.OracleConnector(**OPTS)
        texts.append(repr(c))
        t = etlconn.test_oracle_connection(**OPTS)
        texts += [repr(t), str(t.error), repr(t.error), t.detail]
        for call in (c.connect, lambda: c.fetch_data("SELECT 1 FROM dual", lake=tmp_path / "l"),
                     lambda: etlconn.OracleConnector(dsn=f"scott/{CANARY}@db:1521/x", username="scott",
                                                     password=CANARY).connect(),
                     lambda: etlconn.OracleConnector(host="db", username="scott", password=CANARY).connect()):
            with pytest.raises(etlconn.EtlconnError) as e:
                call()
            texts += [str(e.value), repr(e.value), str(e.value.args)]
        cfg = etlconn.load_connection_config(config=dict(OPTS, protocol="oracle"))
        assert cfg["password"] == CANARY
        texts += [repr(cfg), str(cfg)]
    finally:
        etlconn.set_log_level(logging.WARNING)
    # (these paths log nothing even at trace: the connector fails before
    # the client library is loaded; any line that does appear is checked)
    texts += [rec.getMessage() for rec in caplog.records]
    leaks = [x for x in texts if CANARY in x or "a41f-5ecret" in x]
    assert not leaks, leaks
