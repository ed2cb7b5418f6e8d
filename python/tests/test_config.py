"""load_connection_config: layer precedence, provenance, validation."""
import json

import pytest

import etlconn


def test_typed_precedence_defaults_file_env_dict_overrides(tmp_path, monkeypatch):
    f = tmp_path / "conn.json"
    f.write_text(json.dumps({"protocol": "sqlite", "database_path": "/file.db", "busy_timeout": "2s",
                             "read_only": False, "create_if_missing": True}))
    monkeypatch.setenv("PYT_BUSY_TIMEOUT", "3s")
    monkeypatch.setenv("PYT_CREATE_IF_MISSING", "false")
    cfg = etlconn.load_connection_config(
        defaults={"database_path": "/default.db", "busy_timeout": "1s", "read_only": True},
        file_path=str(f), env_prefix="PYT", config={"create_if_missing": True, "busy_timeout": "4s"},
        overrides={"busy_timeout": "5s"})
    assert cfg.protocol == "sqlite"
    assert cfg["database_path"] == "/file.db"          # file beats defaults
    assert cfg["read_only"] is False                   # file beats defaults, typed bool
    assert cfg["create_if_missing"] is True            # dict beats env
    assert cfg["busy_timeout"] == "5s"                 # overrides beat everything
    assert cfg.provenance["busy_timeout"][0] == "override"
    assert cfg.provenance["create_if_missing"][0] == "dict"
    assert cfg.provenance["database_path"] == ("file", cfg.provenance["database_path"][1])
    assert str(f) in cfg.provenance["database_path"][1]


def test_defaults_below_env(monkeypatch):
    monkeypatch.setenv("PYT2_DATABASE_PATH", "/env.db")
    cfg = etlconn.load_connection_config(defaults={"protocol": "sqlite", "database_path": "/default.db",
                                                   "busy_timeout": "7s"}, env_prefix="PYT2")
    assert cfg["database_path"] == "/env.db"
    assert cfg.provenance["database_path"] == ("env", "env PYT2_DATABASE_PATH")
    assert cfg["busy_timeout"] == "7s"  # a default the higher layers left alone


def test_unknown_key_and_bad_value_are_named():
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.load_connection_config(config={"protocol": "sqlite", "database_path": "x", "busy_timout": "1s"})
    assert e.value.name == "CONFIG_UNKNOWN_KEY" and "busy_timeout" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.load_connection_config(protocol="postgres", overrides={"port": 70000})
    assert e.value.code == 104 and "port" in e.value.message


def test_required_keys():
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.load_connection_config(protocol="sqlite", env_prefix="")
    assert e.value.name == "CONFIG_MISSING_KEY" and "database_path" in e.value.message
    with pytest.raises(etlconn.ConfigError) as e:
        etlconn.load_connection_config(defaults={"a": 1}, required=("a", "b"))
    assert "b" in e.value.message and e.value.code == 101


def test_plain_merge_without_protocol(tmp_path, monkeypatch):
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"a": "file", "b": "file", "c": "file"}))
    monkeypatch.setenv("MYJOB_B", "env")
    monkeypatch.setenv("MYJOB_C", "env")
    cfg = etlconn.load_connection_config(defaults={"a": "default", "z": 1}, file_path=str(f), env_prefix="MYJOB",
                                         config={"c": "dict"}, overrides={"d": "override"})
    assert dict(cfg) == {"a": "file", "b": "env", "c": "dict", "d": "override", "z": 1}
    assert cfg.protocol is None


def test_get_connection_layers(tmp_path, types_db):
    f = tmp_path / "s.yaml"
    f.write_text("protocol: sqlite\ndatabase_path: /nonexistent/never.db\n")
    # the keyword beats the file: the connection opens the real database
    c = etlconn.get_connection("sqlite", file_path=str(f), database_path=types_db)
    assert c.fetch_arrow("select count(*) as n from t").column("n").to_pylist() == [4]
