"""The webdav connector's lifecycle through the Python API against the
run's shared wsgidav (tests/services/webdav; shared-service: webdav):
health check, a tree of this test's own landed byte-identical, globs,
parse="csv", keep_raw, the errors a user meets, a canary password,
close/reconnect/with."""
import logging
import os
import shutil
import urllib.parse

import pytest

import etlconn
from bytes_tree import (FILES, assert_landed_identical, check_missing_names, check_parse_csv, free_port, text_of,
                        unique_dir, write_tree)

CANARY = "Canary-dav-5ecret-3a8c50"


@pytest.fixture(scope="module")
def dav():
    from conftest import service_env
    env = service_env("webdav")
    top = unique_dir("pytest_webdav")
    base = os.path.join(env["WEBDAV_TEST_ROOT"], top)
    write_tree(base)
    url = env["WEBDAV_TEST_URL"] + top + "/"
    yield dict(env=env, url=url, options=dict(url=url, username=env["WEBDAV_TEST_USER"],
                                              password=env["WEBDAV_TEST_PASSWORD"]))
    shutil.rmtree(base, ignore_errors=True)


def test_health(dav):
    c = etlconn.WebDAVConnector(**dav["options"])
    assert c.capabilities() == ["bytes"]
    h = c.test_connection()
    assert h.healthy and h.error is None, h
    assert h.server_version.startswith("Cheroot/")             # wsgidav's HTTP server
    assert h.detail == dav["url"] + " (WebDAV collection)"
    assert etlconn.test_connection("dav", **dav["options"]).healthy   # the alias, the module-level form
    c.close()


def test_tree_lands_byte_identical(dav, tmp_path, landed):
    with etlconn.WebDAVConnector(**dav["options"]) as c:
        r = c.fetch_data("**", lake=tmp_path / "lake")
    landed(r)
    assert r.protocol == "webdav" and r.errors == []
    assert_landed_identical(r, list(FILES))
    item = {i.metadata["remote_path"]: i for i in r.items}["with space/näme ✓.txt"]
    assert item.path == str(tmp_path / "lake" / "webdav" / "127.0.0.1" / "with space" / "näme ✓.txt")
    assert item.metadata["remote_mtime"].endswith("Z") and item.metadata["etag"]
    with etlconn.WebDAVConnector(**dav["options"]) as c:      # the files checkpoint: nothing new
        again = c.fetch_data("**", lake=tmp_path / "lake")
    assert again.status == "success" and again.items == []


def test_globs(dav, tmp_path, landed):
    c = etlconn.WebDAVConnector(**dav["options"])
    r = c.fetch_data("**/*.csv", lake=tmp_path / "l1")
    landed(r)
    assert_landed_identical(r, ["data.csv", "sub/more.csv"])
    r = c.fetch_data("*.csv", lake=tmp_path / "l2")           # * stays in one collection
    assert_landed_identical(r, ["data.csv"])
    r = c.fetch_data("with space/*.txt", lake=tmp_path / "l3")
    landed(r)
    assert_landed_identical(r, ["with space/näme ✓.txt"])
    c.close()


def test_parse_csv(dav, tmp_path, landed):
    c = etlconn.WebDAVConnector(**dav["options"])
    check_parse_csv(c, tmp_path, landed)
    c.close()


def test_missing_paths(dav, tmp_path):
    c = etlconn.WebDAVConnector(**dav["options"])
    check_missing_names(c, tmp_path, etlconn.EtlconnIOError)
    c.close()
    # a url that does not exist: IO_NOT_FOUND (404) naming it (docs/connectors/webdav.md, "Errors")
    url = dav["url"] + "no_such_dir/"
    missing = etlconn.WebDAVConnector(**dict(dav["options"], url=url))
    with pytest.raises(etlconn.EtlconnIOError) as e:
        missing.fetch_data("**", lake=tmp_path / "lake")
    assert e.value.name == "IO_NOT_FOUND" and url in e.value.message and "404" in e.value.message
    # webdav connects lazily: the health check answers unhealthy, with no error object
    h = missing.test_connection()
    assert not h.healthy and h.error is None and "HTTP 404" in h.detail
    assert not os.path.exists(tmp_path / "lake" / "webdav")


def test_wrong_password_and_canary(dav, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        bad = etlconn.WebDAVConnector(**dict(dav["options"], password=CANARY))
        assert CANARY not in repr(bad)
        # unhealthy; the health check carries no error object (etlc_health has no code): the reason is in detail
        h = bad.test_connection()
        assert not h.healthy and h.error is None and "HTTP 401 (check the credentials)" in h.detail, h
        assert CANARY not in repr(h)
        with pytest.raises(etlconn.AuthError) as e:             # a fetch raises AuthError
            bad.fetch_data("**", lake=tmp_path / "lake")
        assert e.value.name == "AUTH" and not e.value.retryable and "401" in e.value.message
        assert CANARY not in text_of(e.value)
        assert not os.path.exists(tmp_path / "lake" / "webdav")  # nothing landed
        bad.close()
        # credentials inside the url are refused as configuration, without showing them
        p = urllib.parse.urlsplit(dav["url"])
        url = f"{p.scheme}://{dav['options']['username']}:{CANARY}@{p.netloc}{p.path}"
        with pytest.raises(etlconn.ConfigError) as e:
            etlconn.create_connector({"protocol": "webdav", "url": url}).fetch_data("**", lake=tmp_path / "u")
        assert CANARY not in text_of(e.value)
        # the real password on a successful run shows nowhere either
        pw = dav["options"]["password"]
        good = etlconn.WebDAVConnector(**dav["options"])
        r = good.fetch_data("*.csv", lake=tmp_path / "good")
        assert pw not in r.to_json() and pw not in repr(good) and len(r.items) == 1
        good.close()
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at DEBUG"
    for rec in caplog.records:
        assert CANARY not in rec.getMessage() and pw not in rec.getMessage()


def test_unreachable_port(dav, tmp_path):
    port = free_port()  # nothing listens there
    c = etlconn.WebDAVConnector(**dict(dav["options"], url=f"http://127.0.0.1:{port}/x/", retry_max=0))
    with pytest.raises(etlconn.ConnectError) as e:
        c.fetch_data("**", lake=tmp_path / "lake")
    assert e.value.name == "CONNECT_REFUSED" and e.value.retryable and str(port) in e.value.message
    h = c.test_connection()
    assert not h.healthy and "connect" in h.detail.lower()


def test_close_reconnect_with(dav, tmp_path):
    c = etlconn.WebDAVConnector(**dav["options"])
    assert not c.connected
    assert c.connect().connected and c.test_connection().healthy
    c.close()
    assert not c.connected
    c.close()                                                  # twice is fine
    r = c.connect().fetch_data("data.csv", lake=tmp_path / "a")
    assert [i.metadata["remote_path"] for i in r.items] == ["data.csv"]
    c.close()
    with etlconn.create_connector(dict(dav["options"], protocol="webdav")) as w:
        assert w.connected and len(w.fetch_data("sub/*.csv", lake=tmp_path / "b").items) == 1
    assert not w.connected
