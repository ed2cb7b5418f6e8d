#!/usr/bin/env python3
"""The cassandra connector end to end through the CLI, against a real
Cassandra 5.0.6 (tests/services/cassandra: PasswordAuthenticator on).

shared-service: cassandra

Rows are written by a real client (the Python cassandra-driver, protocol v5,
its own type encoders) into this test's own keyspace; etlconn reads them
over its own CQL client (v5 negotiated by default) and lands Parquet, which pyarrow checks value by
value: every native type, NULLs, collections/tuples/UDTs/duration as JSON.
Also: paging across many pages (page_size), bound parameters (PREPARE /
EXECUTE), a run stopped after page 2 resumed from the checkpointed paging
state (every row once), server errors mapped (syntax error, unknown
keyspace, unknown table: exit 1 with the server's words), a parallel token-range scan over 4
sessions (every row once, resumed after a stop), TLS (verified, refused,
unverified), a wrong password
(exit 1, a clear message, the password nowhere), the server gone mid-read
(a relay cuts the connection: exit 1, only whole pages visible, the next run
resumes, every row once), the health check, a second pass over protocol v4
and v5 each with and without LZ4 (same rows; pages spanning many v5
segments), the fallback from v5 to v4 when a server refuses v5 (a relay
plays Cassandra 3.11's refusal: no such server here), and the
real password nowhere in any output (trace logs) or the lake."""
import datetime as dt
import decimal
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid

import pyarrow.parquet as pq
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.util import Duration

ETLCONN = os.environ["ETLCONN"]
SERVICES = os.environ.get("ETLCONN_SERVICES_DIR",
                          os.path.join(os.environ.get("ETLCONN_BINARY_DIR", "build"), "services", "shared"))
failures = []
everything = []  # all stdout/stderr, for the canary check


def check(name, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def read_env():
    path = os.path.join(SERVICES, "cassandra", "env")
    if not os.path.exists(path):
        print(f"FAIL - {path} missing: the fixture service.cassandra.start did not run (run through ctest)")
        sys.exit(1)
    return dict(line.strip().split("=", 1) for line in open(path) if "=" in line)


SVC = read_env()
KS = "etlc_t_" + uuid.uuid4().hex[:10]
WORK = tempfile.mkdtemp(prefix="etlc-cass-")
BASE_ENV = dict(os.environ, CASSANDRA_HOSTS=SVC["ETLC_TEST_CASSANDRA_HOST"],
                CASSANDRA_PORT=SVC["ETLC_TEST_CASSANDRA_PORT"],
                CASSANDRA_USERNAME=SVC["ETLC_TEST_CASSANDRA_USERNAME"],
                CASSANDRA_PASSWORD=SVC["ETLC_TEST_CASSANDRA_PASSWORD"], CASSANDRA_KEYSPACE=KS)


def etlconn(*args, env=None):
    p = subprocess.run([ETLCONN, "--log-level", "trace", *args], capture_output=True, text=True,
                       env=env or BASE_ENV, timeout=120)
    everything.append(p.stdout + p.stderr)
    return p


def fetch(query, lake, *extra, env=None):
    # One file per page (the records driver rolls pages into files of
    # --max-records-per-file rows), so page counts and resumes show as files.
    size = [a.split("=", 1)[1] for a in extra if str(a).startswith("page_size=")]
    roll = ("--max-records-per-file", size[-1]) if size else ()
    p = etlconn("fetch", "cassandra", query, "--lake", lake, "--compact", *extra, *roll, env=env)
    res = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None
    return p, res


def table(res):
    import pyarrow as pa
    return pa.concat_tables([pq.read_table(it["path"]) for it in res["items"]])


cluster = Cluster([SVC["ETLC_TEST_CASSANDRA_HOST"]], port=int(SVC["ETLC_TEST_CASSANDRA_PORT"]),
                  auth_provider=PlainTextAuthProvider(SVC["ETLC_TEST_CASSANDRA_USERNAME"],
                                                      SVC["ETLC_TEST_CASSANDRA_PASSWORD"]))
s = cluster.connect()
s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
s.set_keyspace(KS)
s.execute("CREATE TYPE addr (street text, zip int)")
s.execute("""CREATE TABLE alltypes (id int PRIMARY KEY, a ascii, t text, vc varchar, bi bigint,
  si smallint, ti tinyint, vi varint, de decimal, d double, f float, b boolean, ts timestamp,
  dt date, tm time, u uuid, tu timeuuid, ip inet, bl blob, du duration,
  li list<int>, se set<text>, ma map<text, int>, tup tuple<int, text>, ad frozen<addr>)""")
s.execute("CREATE TABLE counters (id int PRIMARY KEY, n counter)")
U = uuid.UUID("12345678-1234-5678-9abc-def012345678")
TU = uuid.UUID("e7a3a6d0-a8e6-11ee-8c90-0242ac120002")
TS = dt.datetime(2024, 2, 29, 12, 34, 56, 789000)
ins = s.prepare("""INSERT INTO alltypes (id, a, t, vc, bi, si, ti, vi, de, d, f, b, ts, dt, tm, u, tu, ip,
  bl, du, li, se, ma, tup, ad) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""")
from cassandra.util import Date, Time
s.execute(ins, (1, "ascii", "tëxt ✓", "varchar", -9223372036854775808, -32768, -128,
                123456789012345678901234567890, decimal.Decimal("-12345.678900"), 1.5, 0.25, True, TS,
                Date(dt.date(1969, 7, 20)), Time(45296123456789), U, TU, ipaddress.ip_address("10.1.2.3"),
                b"\x00\xffbin", Duration(1, 2, 3000000004), [3, 1, 2], {"x", "y"}, {"k1": 1, "k2": 2},
                (7, "seven"), None))
s.execute("INSERT INTO alltypes (id, ip, ad) VALUES (2, '::1', {street: 'Main \"St\"', zip: 12345})")
s.execute("INSERT INTO alltypes (id, vi, de) VALUES (3, -1, 0.001)")
s.execute("UPDATE counters SET n = n + 41 WHERE id = 1")
s.execute("UPDATE counters SET n = n - 1 WHERE id = 1")

# ---- every type
p, res = fetch("SELECT * FROM alltypes", os.path.join(WORK, "lake1"))
check("fetch every type exits 0", p.returncode == 0, p.stderr[-800:])
if res:
    t = table(res)
    types = {f.name: str(f.type) for f in t.schema}
    J = "extension<arrow.json>"  # JSON columns: Parquet's JSON logical type
    want = {"id": "int64", "a": "string", "t": "string", "vc": "string", "bi": "int64", "si": "int64",
            "ti": "int64", "vi": "string", "de": "string", "d": "double", "f": "double", "b": "bool",
            "ts": "timestamp[us, tz=UTC]", "dt": "date32[day]", "tm": "string", "u": "string",
            "tu": "string", "ip": "string", "bl": "binary", "du": J, "li": J, "se": J, "ma": J, "tup": J, "ad": J}
    check("column types", types == want, types)
    rows = {r["id"]: r for r in t.to_pylist()}
    r = rows.get(1, {})
    utc = dt.timezone.utc
    expect = {"a": "ascii", "t": "tëxt ✓", "vc": "varchar", "bi": -9223372036854775808, "si": -32768,
              "ti": -128, "vi": "123456789012345678901234567890", "de": "-12345.678900", "d": 1.5,
              "f": 0.25, "b": True, "ts": TS.replace(tzinfo=utc), "dt": dt.date(1969, 7, 20),
              "tm": "12:34:56.123456789", "u": str(U), "tu": str(TU), "ip": "10.1.2.3",
              "bl": b"\x00\xffbin"}
    for k, v in expect.items():
        check(f"row 1 {k}", r.get(k) == v, (r.get(k), v))
    check("duration as JSON", json.loads(r["du"]) == {"months": 1, "days": 2, "nanoseconds": 3000000004}, r["du"])
    check("list as JSON array", json.loads(r["li"]) == [3, 1, 2], r["li"])
    check("set as JSON array", sorted(json.loads(r["se"])) == ["x", "y"], r["se"])
    check("map as JSON object", json.loads(r["ma"]) == {"k1": 1, "k2": 2}, r["ma"])
    check("tuple as JSON array", json.loads(r["tup"]) == [7, "seven"], r["tup"])
    check("a NULL UDT is NULL", r["ad"] is None, r["ad"])
    r2 = rows.get(2, {})
    check("UDT as JSON object", json.loads(r2["ad"]) == {"street": 'Main "St"', "zip": 12345}, r2.get("ad"))
    check("IPv6 inet", r2.get("ip") == "::1", r2.get("ip"))
    check("unset columns are NULL", all(r2[k] is None for k in ("a", "bi", "d", "b", "ts", "dt", "li", "du")), r2)
    r3 = rows.get(3, {})
    check("negative varint, small decimal", (r3.get("vi"), r3.get("de")) == ("-1", "0.001"), r3)

p, res = fetch("SELECT n FROM counters WHERE id = 1", os.path.join(WORK, "lake2"))
check("counter as int64", res and table(res).column("n").to_pylist() == [40], p.stderr[-400:])

# ---- paging: 2,345 rows in pages of 100 -> 24 files, every row once
s.execute("CREATE TABLE big (id int PRIMARY KEY, v text)")
ins = s.prepare("INSERT INTO big (id, v) VALUES (?, ?)")
from cassandra.concurrent import execute_concurrent_with_args
execute_concurrent_with_args(s, ins, [(i, f"v{i}") for i in range(2345)], concurrency=50)
p, res = fetch("SELECT id, v FROM big", os.path.join(WORK, "lake3"), "--set", "page_size=100")
check("paged fetch exits 0", p.returncode == 0, p.stderr[-400:])
if res:
    check("24 pages landed", len(res["items"]) == 24, len(res["items"]))
    ids = table(res).column("id").to_pylist()
    check("every row once across pages", sorted(ids) == list(range(2345)), len(ids))

# ---- bound parameters (PREPARE / EXECUTE), by marker name
p, res = fetch("SELECT id, v FROM big WHERE id = ?", os.path.join(WORK, "lake4"), "--param", "id=77")
check("a bound parameter", res and table(res).to_pylist() == [{"id": 77, "v": "v77"}], p.stderr[-400:])
p, res = fetch("SELECT id FROM big WHERE id IN (?, ?)", os.path.join(WORK, "lake4b"),
               "--param", "id=5", "--param", "id=6")
check("two markers of one name take the parameters in order",
      res and sorted(table(res).column("id").to_pylist()) == [5, 6], p.stderr[-400:])
p, _ = fetch("SELECT id FROM big WHERE id = ?", os.path.join(WORK, "lake4c"), "--param", "nope=1")
check("a parameter matching no marker fails", p.returncode != 0 and "no parameter for bind marker" in p.stderr,
      p.stderr[-400:])

# ---- resume: a page that cannot land stops the run after page 2; the next run goes on
q = "SELECT id, v FROM big"
p, res = fetch(q, os.path.join(WORK, "lake5a"), "--set", "page_size=500")
rel = os.path.relpath(res["items"][2]["path"], os.path.join(WORK, "lake5a")) if res else "x"
lake5 = os.path.join(WORK, "lake5")
os.makedirs(os.path.join(lake5, rel, "blocker"))  # a directory where page 3's file would go
p, _ = fetch(q, lake5, "--set", "page_size=500")
check("the run stops when page 3 cannot land", p.returncode == 1, p.returncode)
shutil.rmtree(os.path.join(lake5, rel))
p, res = fetch(q, lake5, "--set", "page_size=500")
check("the next run exits 0", p.returncode == 0, p.stderr[-400:])
if res:
    check("it resumed at page 3 (3 pages of 5)", len(res["items"]) == 3, len(res["items"]))
    done = [pq.read_table(os.path.join(d, f)) for d, _, fs in os.walk(lake5) for f in fs
            if f.endswith(".parquet")]
    ids = sorted(i for t_ in done for i in t_.column("id").to_pylist())
    check("pages of both runs hold every row once", ids == list(range(2345)), len(ids))

# ---- parallel full-table scan by token ranges: 4 sessions, every row once; then resumed
TQ = "SELECT id, v FROM big WHERE token(id) > ? AND token(id) <= ?"
TR = ("--set", "token_ranges=4", "--set", "page_size=200")
p, res = fetch(TQ, os.path.join(WORK, "lake8"), *TR)
check("token-range scan exits 0", p.returncode == 0, p.stderr[-400:])
if res:
    ids = table(res).column("id").to_pylist()
    check("4 token ranges read every row once", sorted(ids) == list(range(2345)), len(ids))
    check("pages of 200 rows at most", all(it["record_count"] <= 200 for it in res["items"]))
    third = res["items"][0]["path"].replace("page-000000-", "page-000002-")
    rel = os.path.relpath(third, os.path.join(WORK, "lake8"))
    lake9 = os.path.join(WORK, "lake9")
    os.makedirs(os.path.join(lake9, rel, "blocker"))
    p, _ = fetch(TQ, lake9, *TR)
    check("a token-range scan stops when page 3 cannot land", p.returncode == 1, p.returncode)
    shutil.rmtree(os.path.join(lake9, rel))
    p, _ = fetch(TQ, lake9, "--set", "token_ranges=2", "--set", "page_size=200")
    check("resuming with another token_ranges is refused", p.returncode != 0 and "token_ranges=4" in p.stderr,
          p.stderr[-300:])
    p, res = fetch(TQ, lake9, *TR)
    check("the resumed token-range scan exits 0", p.returncode == 0, p.stderr[-400:])
    ids = sorted(i for d, _, fs in os.walk(lake9) for f in fs if f.endswith(".parquet")
                 for i in pq.read_table(os.path.join(d, f)).column("id").to_pylist())
    check("both runs together hold every row once", ids == list(range(2345)), len(ids))

# ---- server errors
p, _ = fetch("SELEKT * FROM big", os.path.join(WORK, "lake6"))
check("syntax error: exit 1 with the server's words", p.returncode == 1 and "Syntax_error" in p.stderr, p.stderr[-400:])
p, _ = fetch("SELECT * FROM no_such_table", os.path.join(WORK, "lake6"))
check("unknown table: exit 1, Invalid", p.returncode == 1 and "Invalid" in p.stderr and "no_such_table" in p.stderr,
      p.stderr[-400:])
p, _ = fetch("SELECT * FROM big", os.path.join(WORK, "lake6"), env=dict(BASE_ENV, CASSANDRA_KEYSPACE="no_such_ks"))
check("unknown keyspace: exit 1, named", p.returncode == 1 and "no_such_ks" in p.stderr, p.stderr[-400:])

# ---- auth
WRONG = "wrong-" + uuid.uuid4().hex
p, _ = fetch("SELECT * FROM big", os.path.join(WORK, "lake7"), env=dict(BASE_ENV, CASSANDRA_PASSWORD=WRONG))
check("wrong password: exit 1", p.returncode == 1, p.returncode)
check("a clear message", "Bad credentials" in p.stderr and "etlc_test" in p.stderr, p.stderr[-400:])
check("the wrong password is not printed", WRONG not in p.stdout + p.stderr)
env = dict(BASE_ENV)
del env["CASSANDRA_USERNAME"], env["CASSANDRA_PASSWORD"]
p, _ = fetch("SELECT * FROM big", os.path.join(WORK, "lake7"), env=env)
check("no credentials: exit 1, asks for username and password",
      p.returncode == 1 and "username and password" in p.stderr, p.stderr[-400:])

# ---- health
p = etlconn("test", "cassandra")
check("etlconn test cassandra", p.returncode == 0 and "Cassandra 5.0.6" in p.stdout, p.stdout + p.stderr)

# ---- TLS on the same port (client_encryption_options optional: plain and TLS both accepted)
CA = SVC["ETLC_TEST_CASSANDRA_TLS_CA"]
p = etlconn("test", "cassandra", "--set", "tls=true", "--set", f"tls_ca_file={CA}")
check("TLS with the server's CA, host name checked", p.returncode == 0 and "TLS" in p.stdout, p.stdout + p.stderr)
p, res = fetch("SELECT id FROM big WHERE id = 9", os.path.join(WORK, "lake10"), "--set", "tls=true",
               "--set", f"tls_ca_file={CA}")
check("a fetch over TLS", res and table(res).column("id").to_pylist() == [9], p.stderr[-300:])
p = etlconn("test", "cassandra", "--set", "tls=true")
check("TLS against the system CAs: the self-signed certificate is refused",
      p.returncode != 0 and "certificate verify failed" in (p.stdout + p.stderr), p.stdout + p.stderr)
p = etlconn("test", "cassandra", "--set", "tls=true", "--set", "tls_verify=false")
check("tls_verify=false accepts it", p.returncode == 0 and "TLS" in p.stdout, p.stdout + p.stderr)

# ---- the server gone mid-read: a relay cuts the connection after some pages.
# Exit 1 with a clear message; only whole pages are visible (no partial or
# temporary file); the next run through the real port resumes and the two
# runs together hold every row once.
from tcp_relay import Relay
relay = Relay(SVC["ETLC_TEST_CASSANDRA_HOST"], SVC["ETLC_TEST_CASSANDRA_PORT"], cut_after=15_000)
lake11 = os.path.join(WORK, "lake11")
p, _ = fetch(q, lake11, "--set", "page_size=100",
             env=dict(BASE_ENV, CASSANDRA_HOSTS="127.0.0.1", CASSANDRA_PORT=str(relay.port)))
relay.close()
check("server cut mid-read: exit 1", p.returncode == 1, p.stderr[-400:])
check("server cut mid-read: the error says the connection went",
      "cassandra" in p.stderr and any(w in p.stderr.lower() for w in ("closed", "reset", "lost", "eof")),
      p.stderr[-400:])
visible = [os.path.join(d, f) for d, _, fs in os.walk(lake11) for f in fs if f.endswith(".parquet")]
hidden = [os.path.join(d, f) for d, _, fs in os.walk(lake11) for f in fs if f.startswith(".")]
check("server cut mid-read: some pages landed before the cut", 0 < len(visible) < 24, len(visible))
check("server cut mid-read: no partial or temporary file", not hidden, hidden)
check("server cut mid-read: every landed file is a whole page",
      all(pq.ParquetFile(f).metadata.num_rows == 100 for f in visible), visible)
p, res = fetch(q, lake11, "--set", "page_size=100")
check("after the cut the next run exits 0", p.returncode == 0, p.stderr[-400:])
ids = sorted(i for f in (os.path.join(d, f) for d, _, fs in os.walk(lake11) for f in fs if f.endswith(".parquet"))
             for i in pq.read_table(f).column("id").to_pylist())
check("after the cut both runs hold every row once", ids == list(range(2345)), len(ids))

# ---- protocol versions: everything above ran over v5 (auto; checksummed
# segments). A compact second pass over v4, each with and without LZ4, must
# land the same rows; the health check names the version negotiated.
for pv, comp in (("auto", "none"), ("auto", "lz4"), ("5", "lz4"), ("4", "none"), ("4", "lz4")):
    want = "CQL v4" if pv == "4" else "CQL v5"
    p = etlconn("test", "cassandra", "--set", f"protocol_version={pv}", "--set", f"compression={comp}")
    check(f"protocol_version={pv} compression={comp}: negotiated {want}",
          p.returncode == 0 and want in p.stdout and (("LZ4" in p.stdout) == (comp == "lz4")), p.stdout + p.stderr)
V = {}
for pv in ("4", "5"):
    for comp in ("none", "lz4"):
        PV = ("--set", f"protocol_version={pv}", "--set", f"compression={comp}")
        tag = f"v{pv}/{comp}"
        p, res = fetch("SELECT * FROM alltypes", os.path.join(WORK, f"lake-pv{pv}{comp}-a"), *PV)
        V[tag] = sorted(table(res).to_pylist(), key=lambda r: r["id"]) if res else None
        p, res = fetch(q, os.path.join(WORK, f"lake-pv{pv}{comp}-b"), "--set", "page_size=300", *PV)
        check(f"{tag}: paged fetch, every row once",
              res and sorted(table(res).column("id").to_pylist()) == list(range(2345)), p.stderr[-400:])
        p, res = fetch("SELECT id, v FROM big WHERE id = ?", os.path.join(WORK, f"lake-pv{pv}{comp}-c"),
                       "--param", "id=77", *PV)
        check(f"{tag}: PREPARE / EXECUTE", res and table(res).to_pylist() == [{"id": 77, "v": "v77"}],
              p.stderr[-400:])
        p, res = fetch(TQ, os.path.join(WORK, f"lake-pv{pv}{comp}-d"), "--set", "token_ranges=3",
                       "--set", "page_size=400", *PV)
        check(f"{tag}: token-range scan, every row once",
              res and sorted(table(res).column("id").to_pylist()) == list(range(2345)), p.stderr[-400:])
check("every type lands the same over v4 and v5, with and without LZ4",
      V["v4/none"] is not None and len(V["v4/none"]) == 3 and all(V[k] == V["v4/none"] for k in V),
      {k: (v or [])[:1] for k, v in V.items()})
# A checkpoint written over v4 (as by etlconn before v5) resumes over v5:
# Cassandra's v4 and v5 paging states share one layout.
lake12 = os.path.join(WORK, "lake12")
p, res = fetch(q, os.path.join(WORK, "lake12a"), "--set", "page_size=500")
rel = os.path.relpath(res["items"][2]["path"], os.path.join(WORK, "lake12a")) if res else "x"
os.makedirs(os.path.join(lake12, rel, "blocker"))
p, _ = fetch(q, lake12, "--set", "page_size=500", "--set", "protocol_version=4")
check("v4 run stopped after page 2", p.returncode == 1, p.returncode)
shutil.rmtree(os.path.join(lake12, rel))
p, res = fetch(q, lake12, "--set", "page_size=500", "--set", "protocol_version=5")
ids = sorted(i for d, _, fs in os.walk(lake12) for f in fs if f.endswith(".parquet")
             for i in pq.read_table(os.path.join(d, f)).column("id").to_pylist())
check("a v4 checkpoint resumed over v5: 3 more pages, every row once",
      res and len(res["items"]) == 3 and ids == list(range(2345)), (p.stderr[-300:], len(ids)))
# A page larger than one segment (128 KiB): envelopes spanning several segments.
s.execute("CREATE TABLE wide (id int PRIMARY KEY, v text)")
ins = s.prepare("INSERT INTO wide (id, v) VALUES (?, ?)")
execute_concurrent_with_args(s, ins, [(i, f"{i:06d}" * 2000) for i in range(60)], concurrency=20)
for comp in ("none", "lz4"):
    p, res = fetch("SELECT id, v FROM wide", os.path.join(WORK, f"lake-wide-{comp}"), "--set", "protocol_version=5",
                   "--set", f"compression={comp}", "--set", "page_size=50")
    rows = [r for r in (table(res).to_pylist() if res else []) if r["id"] < 1000]  # 1000: below
    check(f"v5/{comp}: 600 KB pages over many segments land whole",
          sorted(r["id"] for r in rows) == list(range(60)) and all(r["v"] == f"{r['id']:06d}" * 2000 for r in rows),
          p.stderr[-400:])
    # A request over one segment: an EXECUTE binding a 131,060-byte value (one
    # argument can hold no more) is a 131,100-byte envelope, two segments.
    s.execute("INSERT INTO wide (id, v) VALUES (1000, %s)", ("y" * 131060,))
    p, res = fetch("SELECT id FROM wide WHERE id = ? AND v = ? ALLOW FILTERING",
                   os.path.join(WORK, f"lake-widereq-{comp}"), "--param", "id=1000", "--param", "v=" + "y" * 131060,
                   "--set", "protocol_version=5", "--set", f"compression={comp}")
    check(f"v5/{comp}: a request spanning two segments", res and table(res).column("id").to_pylist() == [1000],
          p.stderr[-400:])


def refusing_relay(message):
    """Cassandra before 4.0 answers a v5 request with a Protocol error in v4
    naming the versions it speaks; no such server is available here, so this
    relay plays that one answer on the first connection (the words of
    Cassandra 3.11) and forwards every later connection to the real server."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4)
    asked = []

    def serve():
        first = True
        while True:
            try:
                c, _ = lsock.accept()
            except OSError:
                return
            if first:
                first = False
                hdr = c.recv(9)
                asked.append(hdr[0] if hdr else None)
                msg = message.encode()
                body = (0x000A).to_bytes(4, "big") + len(msg).to_bytes(2, "big") + msg
                c.sendall(bytes([0x84, 0, 0, 0, 0]) + len(body).to_bytes(4, "big") + body)
                c.close()
                continue
            u = socket.create_connection((SVC["ETLC_TEST_CASSANDRA_HOST"], int(SVC["ETLC_TEST_CASSANDRA_PORT"])))
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=lambda a=a, b=b: [b.sendall(d) for d in iter(lambda: a.recv(65536), b"")],
                                 daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return lsock, asked


for words in ("Invalid or unsupported protocol version (5); supported versions are (3/v3, 4/v4)",
              "Beta version of the protocol used (5/v5-beta), but USE_BETA flag is unset"):
    lsock, asked = refusing_relay(words)
    RENV = dict(BASE_ENV, CASSANDRA_HOSTS="127.0.0.1", CASSANDRA_PORT=str(lsock.getsockname()[1]))
    p = etlconn("test", "cassandra", env=RENV)
    check(f"auto falls back to v4 on \"{words[:30]}...\"",
          p.returncode == 0 and "CQL v4" in p.stdout and asked == [0x05], (asked, p.stdout + p.stderr))
    lsock.close()
lsock, asked = refusing_relay("Invalid or unsupported protocol version (5); supported versions are (3/v3, 4/v4)")
p = etlconn("test", "cassandra", "--set", "protocol_version=5",
            env=dict(BASE_ENV, CASSANDRA_HOSTS="127.0.0.1", CASSANDRA_PORT=str(lsock.getsockname()[1])))
check("protocol_version=5 against a v4-only server: fails naming the option and the server's words",
      p.returncode != 0 and "protocol_version=5" in (p.stdout + p.stderr) and "unsupported protocol version" in
      (p.stdout + p.stderr), p.stdout + p.stderr)
lsock.close()

# ---- the password nowhere: outputs (trace logs) and the lake
pw = SVC["ETLC_TEST_CASSANDRA_PASSWORD"]
landed = b"".join(open(os.path.join(d, f), "rb").read() for d, _, fs in os.walk(WORK) for f in fs)
check("the password never appears in output, logs or the lake",
      all(pw not in x for x in everything) and pw.encode() not in landed)

s.execute(f"DROP KEYSPACE {KS}")
cluster.shutdown()
shutil.rmtree(WORK, ignore_errors=True)
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
