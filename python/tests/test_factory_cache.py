"""The cache and reuse=False, the factory, connector classes, unknown protocols."""
import pytest

import etlconn


def test_cache_shares_and_reuse_false_does_not(types_db):
    a = etlconn.get_connection("sqlite", database_path=types_db)
    b = etlconn.get_sqlite_engine(types_db)  # same protocol + config: the cached connector
    assert etlconn.cache_size() == 1
    assert a._ext.handle() == b._ext.handle()
    fresh = etlconn.get_connection("sqlite", database_path=types_db, reuse=False)
    assert fresh._ext.handle() != a._ext.handle()
    assert etlconn.cache_size() == 1  # an uncached one is not in the cache
    other = etlconn.get_connection("sqlite", database_path=types_db, busy_timeout="9s")
    assert other._ext.handle() != a._ext.handle() and etlconn.cache_size() == 2
    etlconn.close_all_connections()
    assert etlconn.cache_size() == 0
    # holders keep working until they release
    assert a.fetch_arrow("select 1 as x").num_rows == 1
    for c in (a, b, fresh, other):
        c.close()


def test_factory_and_classes(types_db):
    c = etlconn.create_connector({"protocol": "sqlite", "database_path": types_db})
    assert type(c) is etlconn.SQLiteConnector and isinstance(c, etlconn.Connector)
    assert not c.connected
    with c:
        assert c.connected
        assert c.fetch_arrow("select id from t order by id").column("id").to_pylist() == [1, 2, 3, 4]
    assert not c.connected
    assert etlconn.create_connector({"protocol": "pg"}).__class__ is etlconn.PostgresConnector
    # every protocol in the registry has its class, made from the registry
    for p in etlconn.protocols():
        if p["built_in"]:
            cls = etlconn.connector_class(p["name"])
            assert cls.protocol == p["name"] and getattr(etlconn, cls.__name__) is cls
    assert etlconn.FTPConnector.protocol == "ftp" and etlconn.SOAPConnector.protocol == "soap"


def test_unknown_and_not_built_in():
    with pytest.raises(etlconn.UnknownProtocolError) as e:
        etlconn.create_connector({"protocol": "sqllite"})
    assert e.value.code == 700 and "did you mean 'sqlite'" in e.value.message
    with pytest.raises(etlconn.UnknownProtocolError):
        etlconn.get_connection("nosuchproto")
    # NOT_BUILT_IN needs a known protocol compiled out of this build: every
    # connector is built in the default build, so this part runs in builds
    # made with some -DETLCONN_WITH_<X>=OFF (make minimal covers it in C).
    out = [p["name"] for p in etlconn.protocols() if not p["built_in"] and not p.get("plugin")]
    if out:
        with pytest.raises(etlconn.NotBuiltInError) as e:
            etlconn.test_connection(out[0])
        assert e.value.code == 701
    with pytest.raises(etlconn.ConfigError):
        etlconn.create_connector({})
    with pytest.raises(AttributeError):
        etlconn.NoSuchConnector  # noqa: B018


def test_generated_helpers(types_db):
    assert etlconn.test_sqlite_connection(types_db).healthy
    # get_<protocol>_engine for any protocol, from the registry
    c = etlconn.get_file_engine(root=str(__import__("os").path.dirname(types_db)))
    assert c.protocol == "file" and c.connected
    with pytest.raises(AttributeError):
        etlconn.get_nosuch_engine  # noqa: B018
