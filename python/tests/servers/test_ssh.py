"""The ssh (SFTP) connector's lifecycle through the Python API against the
run's shared OpenSSH sshd (tests/services/sshd; shared-service: sshd):
health check with a key and with the password, a tree of this test's own
landed byte-identical, globs, parse="csv", keep_raw, the errors a user
meets (a changed host key too), a canary password, close/reconnect/with.
A wrong password costs ~3.5 s (PAM's delay): two attempts only."""
import logging
import os
import shutil

import pytest

import etlconn
from bytes_tree import (FILES, assert_landed_identical, check_missing_names, check_parse_csv, free_port, text_of,
                        unique_dir, write_tree)

CANARY = "Canary-ssh-5ecret-94be1f"


@pytest.fixture(scope="module")
def sshd():
    from conftest import service_env
    env = service_env("sshd")
    base = os.path.join(env["ETLC_TEST_SSHD_ROOT"], unique_dir("pytest_ssh"))
    write_tree(base, owner_uid=int(env["ETLC_TEST_SSHD_UID"]))
    common = dict(host=env["ETLC_TEST_SSHD_HOST"], port=int(env["ETLC_TEST_SSHD_PORT"]),
                  username=env["ETLC_TEST_SSHD_USER"], known_hosts=env["ETLC_TEST_SSHD_KNOWN_HOSTS"], root=base)
    yield dict(env=env, base=base, key=dict(common, private_key=env["ETLC_TEST_SSHD_KEY"]),
               pw=dict(common, password=env["ETLC_TEST_SSHD_PASSWORD"]))
    shutil.rmtree(base, ignore_errors=True)


def test_health_key_and_password(sshd):
    for opts in (sshd["key"], sshd["pw"]):
        c = etlconn.SSHConnector(**opts)
        assert c.capabilities() == ["bytes"]
        h = c.test_connection()
        assert h.healthy and h.error is None, h
        assert h.server_version.startswith("SSH-2.0-OpenSSH_"), h.server_version
        assert "host key verified, logged in, root is a directory" in h.detail
        c.close()
    # the alias and the module-level form
    assert etlconn.test_connection("sftp", **sshd["key"]).healthy


def test_tree_lands_byte_identical(sshd, tmp_path, landed):
    with etlconn.SSHConnector(**sshd["key"]) as c:
        r = c.fetch_data("**", lake=tmp_path / "lake")
    landed(r)
    assert r.protocol == "ssh" and r.errors == []
    assert_landed_identical(r, list(FILES))
    item = {i.metadata["remote_path"]: i for i in r.items}["with space/näme ✓.txt"]
    assert item.path == str(tmp_path / "lake" / "ssh" / "127.0.0.1" / "with space" / "näme ✓.txt")
    assert item.metadata["remote_mtime"].endswith("Z")
    with etlconn.SSHConnector(**sshd["key"]) as c:            # the files checkpoint: nothing new
        again = c.fetch_data("**", lake=tmp_path / "lake")
    assert again.status == "success" and again.items == []


def test_globs_with_password_login(sshd, tmp_path, landed):
    c = etlconn.SSHConnector(**sshd["pw"])
    r = c.fetch_data("**/*.csv", lake=tmp_path / "l1")
    landed(r)
    assert_landed_identical(r, ["data.csv", "sub/more.csv"])
    r = c.fetch_data("/*.csv", lake=tmp_path / "l2")          # a leading / is root; * stays in one dir
    assert_landed_identical(r, ["data.csv"])
    r = c.fetch_data("sub/**", lake=tmp_path / "l3")
    landed(r)
    assert_landed_identical(r, ["sub/more.csv", "sub/deep/blob.bin"])
    c.close()


def test_parse_csv(sshd, tmp_path, landed):
    c = etlconn.SSHConnector(**sshd["key"])
    check_parse_csv(c, tmp_path, landed)
    c.close()


def test_missing_paths(sshd, tmp_path):
    c = etlconn.SSHConnector(**sshd["key"])
    check_missing_names(c, tmp_path, etlconn.EtlconnIOError)
    c.close()
    # a root that does not exist: CONNECT_NOT_FOUND naming it (docs/connectors/ssh.md, "Errors")
    missing_root = os.path.join(sshd["base"], "no_such_dir")
    missing = etlconn.SSHConnector(**dict(sshd["key"], root=missing_root))
    with pytest.raises(etlconn.ConnectError) as e:
        missing.fetch_data("**", lake=tmp_path / "lake")
    assert e.value.name == "CONNECT_NOT_FOUND" and missing_root in e.value.message
    h = etlconn.test_connection("ssh", **dict(sshd["key"], root=missing_root))
    assert not h.healthy and isinstance(h.error, etlconn.ConnectError) and missing_root in h.detail
    assert not os.path.exists(tmp_path / "lake" / "ssh")


def test_changed_host_key_refused(sshd, tmp_path):
    opts = dict(sshd["key"], known_hosts=sshd["env"]["ETLC_TEST_SSHD_KNOWN_HOSTS_CHANGED"])
    h = etlconn.test_connection("ssh", **opts)
    assert not h.healthy and isinstance(h.error, etlconn.ConnectError) and "HOST KEY CHANGED" in h.detail
    with pytest.raises(etlconn.ConnectError) as e:
        etlconn.SSHConnector(**opts).fetch_data("**", lake=tmp_path / "lake")
    assert "HOST KEY CHANGED" in e.value.message
    assert not os.path.exists(tmp_path / "lake" / "ssh")


def test_wrong_password_and_canary(sshd, tmp_path, caplog):
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        bad = etlconn.SSHConnector(**dict(sshd["pw"], password=CANARY))
        assert CANARY not in repr(bad)
        # ssh logs in when connecting: etlconn.test_connection() and the
        # method (which connects first) both give unhealthy with the AuthError
        h = etlconn.test_connection("ssh", **dict(sshd["pw"], password=CANARY))
        assert not h.healthy and isinstance(h.error, etlconn.AuthError) and h.error.name == "AUTH", h
        assert "authentication of user" in h.detail and CANARY not in repr(h) and CANARY not in text_of(h.error)
        m = bad.test_connection()
        assert not m and isinstance(m.error, etlconn.AuthError), m
        assert not m.error.retryable and CANARY not in text_of(m.error) and CANARY not in repr(m)
        with pytest.raises(etlconn.AuthError) as e:
            bad.fetch_data("**", lake=tmp_path / "lake")
        assert not e.value.retryable and CANARY not in text_of(e.value)
        assert not os.path.exists(tmp_path / "lake" / "ssh")    # nothing landed
        # the real password on a successful run shows nowhere either
        pw = sshd["pw"]["password"]
        good = etlconn.SSHConnector(**sshd["pw"])
        r = good.fetch_data("*.csv", lake=tmp_path / "good")
        assert pw not in r.to_json() and pw not in repr(good) and len(r.items) == 1
        good.close()
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at DEBUG"
    for rec in caplog.records:
        assert CANARY not in rec.getMessage() and pw not in rec.getMessage()


def test_unreachable_port(sshd, tmp_path):
    port = free_port()  # nothing listens there
    c = etlconn.SSHConnector(**dict(sshd["key"], port=port, retry_max=0))
    with pytest.raises(etlconn.ConnectError) as e:
        c.fetch_data("**", lake=tmp_path / "lake")
    assert e.value.name == "CONNECT_REFUSED" and e.value.retryable and str(port) in e.value.message
    h = etlconn.test_connection("ssh", **dict(sshd["key"], port=port, retry_max=0))
    assert not h.healthy and isinstance(h.error, etlconn.ConnectError)
    m = c.test_connection()                                    # the method: the same, unhealthy
    assert not m and isinstance(m.error, etlconn.ConnectError) and m.error.retryable, m


def test_close_reconnect_with(sshd, tmp_path):
    c = etlconn.SSHConnector(**sshd["key"])
    assert not c.connected
    assert c.connect().connected and c.test_connection().healthy
    c.close()
    assert not c.connected
    c.close()                                                  # twice is fine
    r = c.connect().fetch_data("data.csv", lake=tmp_path / "a")
    assert [i.metadata["remote_path"] for i in r.items] == ["data.csv"]
    c.close()
    with etlconn.create_connector(dict(sshd["key"], protocol="sftp")) as w:
        assert w.connected and len(w.fetch_data("sub/*.csv", lake=tmp_path / "b").items) == 1
    assert not w.connected
