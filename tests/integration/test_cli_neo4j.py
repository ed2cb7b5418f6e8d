#!/usr/bin/env python3
"""The neo4j connector end to end against a real Neo4j 5.26 Community
(tests/services/neo4j): every value kind written by the official `neo4j`
Python driver, fetched by `etlconn fetch neo4j` into Parquet and compared
with pyarrow against what the same driver reads back (Bolt 5 and 4.4);
streaming with a small fetch_size over many records; parameters; auth
failure (exit 1, clear message, no password anywhere); server errors mapped
to etlc codes; a type change across records; the health check; TLS through
a loopback TLS-terminating relay (Neo4j itself runs without TLS here); and
a connection cut mid-read. A private Neo4j to stop mid-read would cost
~15 s more: the test instead relays the connection through a tiny TCP proxy
that cuts it after N bytes from the server, which the client sees exactly
as a dying server (EOF mid-message). Community has one database: this
test's data carries labels of its own (prefix T<pid>).

shared-service: neo4j
"""
import datetime as dt
import json
import math
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import pyarrow.parquet as pq
from neo4j import GraphDatabase
from neo4j import spatial, time as ntime
from tcp_relay import Relay

ETLCONN = os.environ["ETLCONN"]
failures = []


def check(name, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def service_env():
    env = {}
    for line in open(os.path.join(os.environ["ETLCONN_SERVICES_DIR"], "neo4j", "env")):
        k, _, v = line.strip().partition("=")
        if k:
            env[k] = v
    return env


SVC = service_env()
PASSWORD = SVC["NEO4J_PASSWORD"]
PORT = int(SVC["NEO4J_PORT"])
LABEL = f"T{os.getpid()}"
TMP = tempfile.mkdtemp(prefix="etlc-neo4j-")
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
BASE_ENV.update(NEO4J_URI=f"bolt://127.0.0.1:{PORT}", NEO4J_PASSWORD=PASSWORD)
driver = GraphDatabase.driver(SVC["NEO4J_URI"], auth=(SVC["NEO4J_USERNAME"], PASSWORD))


def etlconn(*args, env=None):
    return subprocess.run([ETLCONN, *args], env=env or BASE_ENV, capture_output=True, text=True, timeout=120)


def fetch(query, lake, *extra, env=None, fmt="parquet"):
    return etlconn("fetch", "neo4j", query, "--lake", lake, "--format", fmt, "--compact", *extra, env=env)


def landed(lake, ext=".parquet"):
    out = []
    for root, _, files in os.walk(lake):
        out += [os.path.join(root, f) for f in files if f.endswith(ext)]
    return sorted(out)


def read_table(r, lake):
    files = landed(lake)
    if r.returncode != 0 or len(files) != 1:
        raise RuntimeError(f"fetch failed ({r.returncode}): {r.stderr} files={files}")
    return pq.read_table(files[0])


# ---- data: every value kind, one node per row, written by the driver -------
BERLIN = ntime.DateTime(2024, 5, 6, 7, 8, 9, 123456789, tzinfo=dt.timezone(dt.timedelta(hours=2)))
ROWS = [
    dict(k=1, i=-(2 ** 63), f=0.1, s="héllo 🌍", b=True, by=bytearray(b"\x00\xff"), l=[1, 2, 3],
         d=ntime.Date(1900, 1, 1), dto=BERLIN, ldt=ntime.DateTime(2024, 1, 2, 3, 4, 5, 6000),
         lt=ntime.Time(23, 59, 59, 999999999), du=ntime.Duration(months=14, days=3, seconds=7, nanoseconds=5),
         p2=spatial.CartesianPoint((1.5, -2.0)), p3=spatial.WGS84Point((2.5, 1.5, 3.0))),
    dict(k=2, i=2 ** 63 - 1, f=float("nan"), s="", b=False, by=bytearray(), l=["a", "b"],
         d=ntime.Date(2262, 4, 11), dto=ntime.DateTime(1970, 1, 1, 0, 0, 0, 0, tzinfo=dt.timezone.utc),
         ldt=ntime.DateTime(1969, 12, 31, 23, 59, 59, 999999000),
         lt=ntime.Time(0, 0, 0, 0), du=ntime.Duration(seconds=-1, nanoseconds=500000000),
         p2=spatial.CartesianPoint((0.0, 0.0)), p3=spatial.WGS84Point((-180.0, -90.0, -1.0))),
    dict(k=3),  # every other property missing: NULL in every column
]
COLS = ["k", "i", "f", "s", "b", "by", "l", "d", "dto", "ldt", "t", "lt", "du", "p2", "p3"]


def setup():
    with driver.session() as s:
        for row in ROWS:
            s.run(f"CREATE (n:{LABEL}V) SET n = $props", props=row).consume()
        # dtz: a zone id; a graph with a path for the graph values
        s.run(f"MATCH (n:{LABEL}V {{k: 1}}) SET n.dtz = datetime('2024-05-06T07:08:09[Europe/Berlin]'), "
              "n.t = time('10:11:12.5-03:30')").consume()
        s.run(f"MATCH (n:{LABEL}V {{k: 2}}) SET n.t = time('00:00:00Z')").consume()
        s.run(f"CREATE (a:{LABEL}G {{name:'a'}})-[:KNOWS {{since: 2020}}]->(b:{LABEL}G {{name:'b'}})"
              f"<-[:LIKES]-(c:{LABEL}G:Extra {{name:'c'}})").consume()


def expected_cell(col, v):
    """What etlconn should have landed for the driver's value v in column col."""
    if col == "by":
        return bytes(v)
    if col == "d":
        return v.to_native()
    if col in ("p2", "p3"):
        keys = ["x", "y", "z"]
        return {"srid": v.srid, **{keys[i]: float(c) for i, c in enumerate(v)}}
    return v


def landed_cell(col, v):
    return json.loads(v) if col in ("l", "p2", "p3") else v


def same_float(a, b):
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


def parse_duration(text):
    """'P14M3DT7.000000005S' -> (months, days, seconds, nanos) as Neo4j normalises it."""
    body = text[1:]
    months, rest = body.split("M", 1)
    days, rest = rest.split("DT", 1)
    secs = rest[:-1]
    neg = secs.startswith("-")
    whole, _, frac = secs.lstrip("-").partition(".")
    total_ns = int(whole) * 10 ** 9 + int((frac or "0").ljust(9, "0"))
    total_ns = -total_ns if neg else total_ns
    return int(months), int(days), total_ns // 10 ** 9, total_ns % 10 ** 9


def test_values(bolt_version):
    lake = os.path.join(TMP, f"values-{bolt_version}")
    q = f"MATCH (n:{LABEL}V) RETURN " + ", ".join(f"n.{c} AS {c}" for c in COLS) + ", n.dtz AS dtz ORDER BY n.k"
    r = fetch(q, lake, "--set", f"bolt_version={bolt_version}", "--batch-size", "2")
    table = read_table(r, lake)
    got = table.to_pylist()
    with driver.session() as s:
        want = [rec.data() for rec in s.run(q)]
    check(f"[{bolt_version}] row count", len(got) == len(want) == 3, f"{len(got)} vs {len(want)}")
    types = {f.name: str(f.type) for f in table.schema}
    JSON = "extension<arrow.json>"  # etlconn's JSON columns carry the JSON logical type
    expect_types = dict(k="int64", i="int64", f="double", s="string", b="bool", by="binary", l=JSON,
                        d="date32[day]", dto="timestamp[us, tz=UTC]", ldt="timestamp[us, tz=UTC]", t="string",
                        lt="string", du="string", p2=JSON, p3=JSON, dtz="timestamp[us, tz=UTC]")
    check(f"[{bolt_version}] column types", types == expect_types, f"{types}")
    for g, w in zip(got, want):
        for col in COLS + ["dtz"]:
            wv, gv = w[col], g[col]
            if wv is None or gv is None:
                check(f"[{bolt_version}] k={w['k']} {col} null", wv is None and gv is None, f"{gv!r} vs {wv!r}")
                continue
            if col in ("dto", "ldt", "dtz"):
                native = wv.to_native()  # nanoseconds truncated to microseconds, as etlconn does
                if native.tzinfo is None:  # a local date-time lands as if it were UTC
                    native = native.replace(tzinfo=dt.timezone.utc)
                epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
                expect_us = (native - epoch) // dt.timedelta(microseconds=1)
                got_us = (gv - epoch) // dt.timedelta(microseconds=1)
                check(f"[{bolt_version}] k={w['k']} {col}", got_us == expect_us, f"{got_us} vs {expect_us}")
            elif col == "du":
                m, d, sec, ns = parse_duration(gv)
                check(f"[{bolt_version}] k={w['k']} du",
                      (m, d, sec * 10 ** 9 + ns) == (wv.months, wv.days, wv.seconds * 10 ** 9 + wv.nanoseconds),
                      f"{gv} vs {wv!r}")
            elif col == "f":
                check(f"[{bolt_version}] k={w['k']} f", same_float(gv, wv), f"{gv} vs {wv}")
            elif col in ("t", "lt"):
                # ISO text; the driver's iso_format pads nanoseconds to 9 digits
                wt = wv.iso_format()
                norm = gv
                check(f"[{bolt_version}] k={w['k']} {col}", ntime.Time.from_iso_format(norm) == ntime.Time.from_iso_format(wt)
                      if hasattr(ntime.Time, "from_iso_format") else norm[:8] == wt[:8], f"{gv} vs {wt}")
            else:
                e, l = expected_cell(col, wv), landed_cell(col, gv)
                check(f"[{bolt_version}] k={w['k']} {col}", e == l, f"{l!r} vs {e!r}")


def test_graph():
    lake = os.path.join(TMP, "graph")
    q = (f"MATCH p=(a:{LABEL}G {{name:'a'}})-[r:KNOWS]->(b)<-[:LIKES]-(c) RETURN a, r, p")
    table = read_table(fetch(q, lake), lake)
    row = table.to_pylist()[0]
    with driver.session() as s:
        rec = s.run(q).single()
    a, r, p = json.loads(row["a"]), json.loads(row["r"]), json.loads(row["p"])
    da, dr, dp = rec["a"], rec["r"], rec["p"]
    check("node", a["element_id"] == da.element_id and a["labels"] == sorted(da.labels) and a["properties"] == dict(da),
          f"{a} vs {da}")
    check("relationship", r["element_id"] == dr.element_id and r["type"] == dr.type and r["properties"] == dict(dr)
          and r["start_element_id"] == dr.start_node.element_id and r["end_element_id"] == dr.end_node.element_id,
          f"{r}")
    check("path nodes in order", [n["element_id"] for n in p["nodes"]] == [n.element_id for n in dp.nodes],
          f"{p['nodes']}")
    check("path relationships with their real direction",
          [(x["type"], x["start_element_id"], x["end_element_id"]) for x in p["relationships"]]
          == [(x.type, x.start_node.element_id, x.end_node.element_id) for x in dp.relationships],
          f"{p['relationships']}")
    check("multiple labels", sorted(json.loads(row["p"])["nodes"][2]["labels"]) == ["Extra", f"{LABEL}G"],
          f"{p['nodes'][2]}")


def test_streaming():
    with driver.session() as s:
        s.run(f"UNWIND range(1, 3000) AS i CREATE (:{LABEL}S {{i: i, pad: 'x' + toString(i)}})").consume()
    relay = Relay("127.0.0.1", PORT)
    env = dict(BASE_ENV, NEO4J_URI=f"bolt://127.0.0.1:{relay.port}")
    lake = os.path.join(TMP, "stream")
    r = fetch(f"MATCH (n:{LABEL}S) RETURN n.i AS i, n.pad AS pad ORDER BY i", lake, "--set", "fetch_size=7",
              "--batch-size", "250", env=env)
    relay.close()
    table = read_table(r, lake)
    ids = table.column("i").to_pylist()
    check("streaming: every record, in order", ids == list(range(1, 3001)), f"{len(ids)} records")
    # 3000 records at 7 per PULL: about 429 PULL requests went up the wire (>= 8 bytes each).
    check("streaming: many PULLs were sent", relay.upstream_bytes > 429 * 8, f"{relay.upstream_bytes} bytes up")
    check("streaming: several row groups/batches", pq.ParquetFile(landed(lake)[0]).metadata.num_rows == 3000)


def test_params():
    lake = os.path.join(TMP, "params")
    r = fetch("RETURN $name AS name, $n AS n, $tags AS tags, $zip AS zip, $p5 AS p5, $p6 AS p6", lake,
              "--param", "name=Ada Lovelace", "--param", "n=42", "--param", 'tags=["a",1]', "--param", 'zip="007"',
              "--param", "int:-5", "--param", "float:2.5")
    row = read_table(r, lake).to_pylist()[0]
    check("params", row == {"name": "Ada Lovelace", "n": 42, "tags": '["a",1]', "zip": "007", "p5": -5, "p6": 2.5},
          f"{row}")


def test_auth_failure():
    lake = os.path.join(TMP, "auth")
    # A user of our own, so the server's lock-out after failed logins never hits the shared user.
    bad = "Wr0ngPassw0rd-Canary"
    env = dict(BASE_ENV, NEO4J_USERNAME=f"nobody{os.getpid()}", NEO4J_PASSWORD=bad)
    r = fetch("RETURN 1 AS x", lake, env=env)
    out = r.stdout + r.stderr
    check("auth failure: exit 1", r.returncode == 1, f"rc={r.returncode} {out}")
    check("auth failure: clear message", "[AUTH]" in out and "Unauthorized" in out, out)
    check("auth failure: no password in output", bad not in out and PASSWORD not in out, out)
    check("auth failure: nothing landed", landed(lake) == [], str(landed(lake)))
    t = etlconn("test", "neo4j", env=env)
    check("auth failure: health check fails", t.returncode != 0 and bad not in t.stdout + t.stderr, t.stdout + t.stderr)


def test_server_errors():
    cases = [
        ("RETRN 1", "[QUERY]", "SyntaxError"),
        (f"CREATE (:{LABEL}W) RETURN 1 AS x", "[QUERY]", "AccessMode"),
        ("UNWIND [1, 0] AS d RETURN 1 / d AS x", "[QUERY]", "ArithmeticError"),
        ("UNWIND [1, 'one'] AS x RETURN x", "[DATA_SCHEMA]", 'column "x" changed type from int64 to text at record 2'),
    ]
    for i, (q, code, text) in enumerate(cases):
        lake = os.path.join(TMP, f"err{i}")
        r = fetch(q, lake, "--batch-size", "1")
        check(f"error {text}: exit 1 and code", r.returncode == 1 and code in r.stderr and text in r.stderr,
              f"rc={r.returncode} {r.stderr}")
        check(f"error {text}: nothing landed", landed(lake) == [], str(landed(lake)))
    # A NULL-only column may take a type later (docs/parquet.md).
    lake = os.path.join(TMP, "nullfirst")
    r = fetch("UNWIND [null, null, 3] AS x RETURN x", lake, "--batch-size", "1")
    col = read_table(r, lake).column("x")
    check("null-first column takes a type", str(col.type) == "int64" and col.to_pylist() == [None, None, 3],
          f"{col.type} {col.to_pylist()}")
    # The same connector (one process) goes on after a failure: RESET worked.
    t = etlconn("test", "neo4j")
    check("health check", t.returncode == 0 and "healthy" in t.stdout, t.stdout + t.stderr)
    dead = dict(BASE_ENV, NEO4J_URI=f"bolt://127.0.0.1:{free_port()}")
    t = etlconn("test", "neo4j", env=dead)
    check("health check: nothing listening", t.returncode != 0 and "refused" in (t.stdout + t.stderr).lower(),
          t.stdout + t.stderr)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_cut_mid_read():
    with driver.session() as s:
        s.run(f"UNWIND range(1, 8000) AS i CREATE (:{LABEL}C {{i: i, pad: 'padding-padding-padding-padding-' + toString(i)}})").consume()
    relay = Relay("127.0.0.1", PORT, cut_after=200_000)
    env = dict(BASE_ENV, NEO4J_URI=f"bolt://127.0.0.1:{relay.port}")
    lake = os.path.join(TMP, "cut")
    r = fetch(f"MATCH (n:{LABEL}C) RETURN n.i AS i, n.pad AS pad", lake, "--set", "fetch_size=500",
              "--batch-size", "100", env=env)
    relay.close()
    check("cut mid-read: exit 1", r.returncode == 1, f"rc={r.returncode} {r.stderr}")
    check("cut mid-read: says the connection closed", "closed the connection" in r.stderr, r.stderr)
    check("cut mid-read: the cut came after records were landed in batches", relay.downstream_bytes > 50_000,
          f"{relay.downstream_bytes}")
    files = [f for f in landed(lake, "") if "/_" not in f]
    check("cut mid-read: no file in the lake", files == [], str(files))


def test_tls():
    cert, key = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    relay = Relay("127.0.0.1", PORT, tls_context=ctx)
    base = dict(BASE_ENV, NEO4J_URI=f"bolt+s://127.0.0.1:{relay.port}")
    r = fetch("RETURN 'tls' AS x", os.path.join(TMP, "tls1"), env=dict(base, NEO4J_TLS_CA_FILE=cert))
    check("tls verified with tls_ca_file", r.returncode == 0, r.stderr)
    r = fetch("RETURN 'tls' AS x", os.path.join(TMP, "tls2"), env=base)
    check("tls: unknown CA refused", r.returncode == 1 and "certificate" in r.stderr.lower(), r.stderr)
    r = fetch("RETURN 'tls' AS x", os.path.join(TMP, "tls3"),
              env=dict(BASE_ENV, NEO4J_URI=f"bolt+ssc://127.0.0.1:{relay.port}"))
    check("tls: +ssc accepts a self-signed certificate", r.returncode == 0, r.stderr)
    relay.close()


def main():
    try:
        for step in (setup, lambda: test_values("5"), lambda: test_values("4.4"), test_graph, test_streaming,
                     test_params, test_auth_failure, test_server_errors, test_cut_mid_read, test_tls):
            t0 = time.monotonic()
            step()
            print(f"# {getattr(step, '__name__', 'step')}: {time.monotonic() - t0:.1f} s")
    finally:
        with driver.session() as s:
            for suffix in ("V", "G", "S", "C"):
                s.run(f"MATCH (n:{LABEL}{suffix}) DETACH DELETE n").consume()
        driver.close()
        shutil.rmtree(TMP, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed: {failures}")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
