"""The ftp connector's lifecycle through the Python API against the run's
shared pyftpdlib (tests/services/ftp; shared-service: ftp): health check,
a tree of this test's own landed byte-identical, globs, parse="csv",
keep_raw, explicit FTPS, the errors a user meets, a canary password,
close/reconnect/with."""
import logging
import os
import shutil

import pytest

import etlconn
from bytes_tree import (FILES, assert_landed_identical, check_missing_names, check_parse_csv, free_port, text_of,
                        unique_dir, write_tree)

CANARY = "Canary-ftp-5ecret-0c71d2"


@pytest.fixture(scope="module")
def ftp():
    from conftest import service_env
    env = service_env("ftp")
    top = unique_dir("pytest_ftp")
    base = os.path.join(env["ETLC_TEST_FTP_ROOT"], top)
    write_tree(base)
    yield dict(env=env, root=top, options=dict(host=env["ETLC_TEST_FTP_HOST"], port=int(env["ETLC_TEST_FTP_PORT"]),
                                               username=env["ETLC_TEST_FTP_USER"],
                                               password=env["ETLC_TEST_FTP_PASSWORD"], root=top))
    shutil.rmtree(base, ignore_errors=True)


def test_health(ftp):
    c = etlconn.FTPConnector(**ftp["options"])
    assert c.capabilities() == ["bytes"]
    h = c.test_connection()
    assert h.healthy and h.error is None, h
    assert h.server_version == "etlc test pyftpdlib ready"      # the service's banner
    assert "logged in" in h.detail and h.latency_ms > 0
    t = etlconn.test_connection("ftp", **ftp["options"])         # the module-level form agrees
    assert t.healthy and t.protocol == "ftp"
    c.close()


def test_tree_lands_byte_identical(ftp, tmp_path, landed):
    with etlconn.FTPConnector(**ftp["options"]) as c:
        r = c.fetch_data("**", lake=tmp_path / "lake")
    landed(r)
    assert r.protocol == "ftp" and r.source == "127.0.0.1" and r.errors == []
    assert_landed_identical(r, list(FILES))
    # as documented: ftp/{source}/{name}; remote_mtime from the listing
    item = {i.metadata["remote_path"]: i for i in r.items}["sub/deep/blob.bin"]
    assert item.path == str(tmp_path / "lake" / "ftp" / "127.0.0.1" / "sub" / "deep" / "blob.bin")
    assert item.metadata["remote_mtime"].endswith("Z")
    # the same definition again: nothing new (the files checkpoint)
    with etlconn.FTPConnector(**ftp["options"]) as c:
        again = c.fetch_data("**", lake=tmp_path / "lake")
    assert again.status == "success" and again.items == []


def test_globs(ftp, tmp_path, landed):
    c = etlconn.FTPConnector(**ftp["options"])
    r = c.fetch_data("**/*.csv", lake=tmp_path / "l1")
    landed(r)
    assert_landed_identical(r, ["data.csv", "sub/more.csv"])
    r = c.fetch_data("/*.csv", lake=tmp_path / "l2")            # a leading / is root; * stays in one dir
    assert_landed_identical(r, ["data.csv"])
    r = c.fetch_data("with space/*", lake=tmp_path / "l3")
    landed(r)
    assert_landed_identical(r, ["with space/näme ✓.txt"])
    c.close()


def test_parse_csv(ftp, tmp_path, landed):
    c = etlconn.FTPConnector(**ftp["options"])
    check_parse_csv(c, tmp_path, landed)
    c.close()


def test_explicit_ftps_with_ca_file(ftp, tmp_path, landed):
    env = ftp["env"]
    opts = dict(ftp["options"], port=int(env["ETLC_TEST_FTP_TLS_PORT"]), tls="explicit", ca_file=env["ETLC_TEST_FTP_CA"])
    with etlconn.FTPConnector(**opts) as c:
        assert c.test_connection().healthy
        r = c.fetch_data("sub/deep/*", lake=tmp_path / "lake")
    landed(r)
    assert_landed_identical(r, ["sub/deep/blob.bin"])
    bad = etlconn.FTPConnector(**dict(opts, ca_file=env["ETLC_TEST_FTP_WRONG_CA"]))
    with pytest.raises(etlconn.ConnectError) as e:
        bad.fetch_data("**", lake=tmp_path / "bad")
    assert "ca_file" in e.value.message, e.value.message


def test_missing_paths(ftp, tmp_path):
    c = etlconn.FTPConnector(**ftp["options"])
    check_missing_names(c, tmp_path, etlconn.EtlconnIOError)
    # a root that does not exist: AUTH_DENIED (docs/connectors/ftp.md, "Errors")
    missing = etlconn.FTPConnector(**dict(ftp["options"], root=ftp["root"] + "/no_such_dir"))
    with pytest.raises(etlconn.AuthError) as e:
        missing.fetch_data("**", lake=tmp_path / "lake")
    assert e.value.name == "AUTH_DENIED" and not e.value.retryable
    assert "denied you to change to the given directory" in e.value.message
    assert "no_such_dir" in e.value.message, e.value.message  # the root refused is named
    h = missing.test_connection()
    assert not h.healthy and "change to the given directory" in h.detail
    assert not os.path.exists(tmp_path / "lake" / "ftp")


def test_wrong_password_and_canary(ftp, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        bad = etlconn.FTPConnector(**dict(ftp["options"], password=CANARY))
        assert CANARY not in repr(bad)
        # the health check answers unhealthy; it carries no error object
        # (etlc_health has no code): the reason is in detail
        h = bad.test_connection()
        assert not h.healthy and h.error is None and "Login denied" in h.detail, h
        assert CANARY not in repr(h)
        with pytest.raises(etlconn.AuthError) as e:              # a fetch raises AuthError
            bad.fetch_data("**", lake=tmp_path / "lake")
        assert e.value.name == "AUTH" and "Login denied" in e.value.message
        assert CANARY not in text_of(e.value)
        assert not os.path.exists(tmp_path / "lake" / "ftp")     # nothing landed
        bad.close()
        # the password inside a url is a secret too
        o = ftp["options"]
        url = f"ftp://{o['username']}:{CANARY}@{o['host']}:{o['port']}/{ftp['root']}"
        u = etlconn.create_connector({"protocol": "ftp", "url": url})
        assert CANARY not in repr(u)
        with pytest.raises(etlconn.AuthError) as e:
            u.fetch_data("*.csv", lake=tmp_path / "lake")
        assert CANARY not in text_of(e.value)
        # the service's real password on a successful run shows nowhere either
        good = etlconn.FTPConnector(**o)
        r = good.fetch_data("*.csv", lake=tmp_path / "good")
        assert o["password"] not in r.to_json() and o["password"] not in repr(good)
        good.close()
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at DEBUG"
    for rec in caplog.records:
        assert CANARY not in rec.getMessage() and ftp["options"]["password"] not in rec.getMessage()


def test_unreachable_port(ftp, tmp_path):
    port = free_port()  # nothing listens there
    c = etlconn.FTPConnector(**dict(ftp["options"], port=port, retry_max=0))
    with pytest.raises(etlconn.ConnectError) as e:
        c.fetch_data("**", lake=tmp_path / "lake")
    assert e.value.retryable and str(port) in e.value.message, e.value.message
    assert not c.test_connection().healthy


def test_close_reconnect_with(ftp, tmp_path):
    c = etlconn.FTPConnector(**ftp["options"])
    assert not c.connected
    assert c.connect().connected and c.test_connection().healthy
    c.close()
    assert not c.connected
    c.close()                                                    # twice is fine
    r = c.connect().fetch_data("data.csv", lake=tmp_path / "a")  # connect again after close
    assert [i.metadata["remote_path"] for i in r.items] == ["data.csv"]
    c.close()
    with etlconn.create_connector(dict(ftp["options"], protocol="ftp")) as w:
        assert w.connected and len(w.fetch_data("sub/*.csv", lake=tmp_path / "b").items) == 1
    assert not w.connected
