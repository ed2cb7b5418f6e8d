"""Fixtures for the etlconn package's tests: scratch dirs, a SQLite
database of every type, the settings of the run's shared servers
(service_env; ETLCONN_SERVICES_DIR/<name>/env) and the shared PostgreSQL."""
import os
import sqlite3
import subprocess
import uuid

import pytest

import etlconn

CANARY = "Canary-5ecret-7f3a9e"


def text_of(exc):
    """Every way an exception shows itself (str, repr, message, args): what a
    secret must never be in."""
    return " ".join([str(exc), repr(exc), exc.message, str(exc.args)])


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    etlconn.close_all_connections()


@pytest.fixture
def types_db(tmp_path):
    """SQLite with int64 extremes, decimals, dates, timestamps, json, blobs, unicode and NULLs."""
    path = tmp_path / "types.db"
    db = sqlite3.connect(path)
    db.execute("create table t(id integer, i integer, d date, ts timestamp, n decimal(20,4), j json, "
               "b blob, r real, s text)")
    rows = [
        (1, 9223372036854775807, "2024-02-29", "2024-01-31 12:34:56.123456", "12345678901234.5678",
         '{"a": [1, 2]}', b"\x00\xff", 1.5, "héllo wörld ✓ 𝄞"),
        (2, -9223372036854775808, "1969-12-31", "1970-01-01 00:00:00", "-0.0001", "[]", b"", -0.0, ""),
        (3, None, None, None, None, None, None, None, None),
        (4, 0, "2262-04-11", "2038-01-19 03:14:08", "0", "null", b"x" * 100, 1e300, "日本語"),
    ]
    db.executemany("insert into t values (?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    return str(path)


def service_env(name):
    """NAME=VALUE settings of the run's shared tests/services/<name> (the
    CTest fixture service.<name> started it; the runner declares
    "shared-service: <name>"). Never stop it; keep a test's data apart."""
    d = os.environ.get("ETLCONN_SERVICES_DIR")
    path = os.path.join(d or "", name, "env")
    if not d or not os.path.isfile(path):
        pytest.fail(f"{path} is missing: run through ctest (the fixture service.{name}.start starts the server)")
    env = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        if k:
            env[k] = v
    return env


@pytest.fixture
def service():
    """service("kafka") -> that shared server's settings (service_env)."""
    return service_env


def check_landed(result):
    """Every item of a successful result is on disk with its byte count and
    sha256, and the counts add up (records: over record-shaped items only)."""
    import hashlib
    assert result.status == "success" and result.items, result
    for item in result.items:
        data = open(item.path, "rb").read()
        assert len(data) == item.byte_count, item
        assert hashlib.sha256(data).hexdigest() == item.sha256, item
    # bytes items count -1 (not records): the total sums the others (docs/data-contract.md)
    assert result.record_count == sum(i.record_count for i in result.items if i.record_count >= 0)
    assert result.byte_count == sum(i.byte_count for i in result.items)


@pytest.fixture
def landed():
    """landed(result): check_landed as a fixture for tests in subfolders."""
    return check_landed


def _pg_env():
    return service_env("postgres")


class Pg:
    def __init__(self, env, db):
        self.env, self.db = env, db
        self.options = dict(host=env["PG_HOST"], port=int(env["PG_PORT"]), database=db,
                            username=env["PG_USERNAME"], password=env["PG_PASSWORD"])

    def psql(self, sql, db=None):
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.env["PG_HOST"], "-p",
                            self.env["PG_PORT"], "-U", self.env["PG_USERNAME"], "-d", db or self.db, "-c", sql],
                           env=dict(os.environ, PGPASSWORD=self.env["PG_PASSWORD"]), capture_output=True,
                           text=True)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return r.stdout


@pytest.fixture(scope="session")
def pg():
    """A database of this test run's own on the shared server."""
    env = _pg_env()
    db = "pytest_" + uuid.uuid4().hex[:10]
    p = Pg(env, db)
    p.psql(f"CREATE DATABASE {db}", db="postgres")
    yield p
    etlconn.close_all_connections()
    p.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", db="postgres")
