"""Secrets never leave in exceptions, repr, logging output or results (a
canary password through every path). shared-service: postgres"""
import logging

import etlconn
import pytest

from conftest import CANARY, text_of


def test_canary_never_appears(pg, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        opts = dict(pg.options, password=CANARY)
        cfg = etlconn.load_connection_config(config=dict(opts, protocol="postgres"))
        assert cfg["password"] == CANARY                    # the value is there for the job...
        assert CANARY not in repr(cfg) and CANARY not in str(cfg)  # ...but never shown
        t = etlconn.test_postgres_connection(**opts)
        assert not t.healthy and CANARY not in text_of(t.error) and CANARY not in repr(t)
        with pytest.raises(etlconn.EtlconnError) as e:
            etlconn.get_postgres_engine(**opts)
        assert CANARY not in text_of(e.value)
        url = f"postgresql://{pg.options['username']}:{CANARY}@{pg.options['host']}:{pg.options['port']}/nodb"
        with pytest.raises(etlconn.EtlconnError) as e:
            etlconn.get_connection("postgres", url=url, connect_timeout="3s")
        assert CANARY not in text_of(e.value)
        c = etlconn.create_connector({"protocol": "postgres", **opts})
        assert CANARY not in repr(c)
        # a secret in the query text: redacted in the result, the failure and the logs
        good = etlconn.get_postgres_engine(**pg.options)
        r = good.fetch_data(f"SELECT 'password={CANARY}' AS note", lake=tmp_path / "lake")
        assert CANARY not in r.to_json() and CANARY not in repr(r)
        with pytest.raises(etlconn.EtlconnError) as e:
            good.fetch_data(f"SELECT * FROM t_{CANARY}_missing WHERE password='{CANARY}'", lake=tmp_path / "l")
        assert CANARY not in text_of(e.value)
        assert caplog.records, "the library logged nothing at DEBUG"
        assert all(CANARY not in rec.getMessage() for rec in caplog.records)
    finally:
        etlconn.set_log_level(logging.WARNING)


def test_library_logs_reach_python_logging(types_db, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        etlconn.get_sqlite_engine(types_db, reuse=False).fetch_arrow("select 1")
    finally:
        etlconn.set_log_level(logging.WARNING)
    names = {rec.name for rec in caplog.records}
    assert any(n.startswith("etlconn.") for n in names), names
