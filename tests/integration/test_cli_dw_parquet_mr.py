#!/usr/bin/env python3
"""parquet-mr (the Java reference implementation Spark and Trino use) in the
Parquet reader's cross-writer matrix (#16). tests/java/parquet-mr-writer is
built once into the build tree with Maven (~/.m2 caches what it downloads;
a second run downloads nothing and skips Maven while the jar is current),
then writes one file per data page version (v1, v2 = PARQUET_2_0) and codec
(UNCOMPRESSED, SNAPPY, GZIP, ZSTD), plus dictionary off: signed and unsigned
INT32/INT64, INT96, TIMESTAMP millis/micros/nanos with isAdjustedToUTC true
and false, TIME, DATE, DECIMAL on INT32/INT64/FIXED_LEN_BYTE_ARRAY/BINARY,
float/double with NaN and ±Infinity, BOOLEAN, STRING, JSON, UUID, a list and
a map. Each file is loaded with `etlconn load` and every value is compared
through psql with the formulas the Java program wrote (computed here again,
independently of both writer and reader). A nanosecond value with
sub-microsecond digits must be refused in words. Java (JDK 17) and Maven come
from scripts/install-deps.sh: without them this test fails, it never skips.

shared-service: postgres
"""
import datetime as dt
import decimal
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import pyarrow.parquet as pq

from shared_pg import SharedPg

ETLCONN = os.environ["ETLCONN"]
SRC = os.environ.get("ETLCONN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(os.environ.get("ETLCONN_BINARY_DIR", tempfile.gettempdir()), "tests", "parquet-mr-writer")
PROJECT = os.path.join(SRC, "tests", "java", "parquet-mr-writer")
failures = []
checks = 0


def check(name, ok, detail=""):
    global checks
    checks += 1
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def fail_now(msg):
    print("FAIL - " + msg)
    sys.exit(1)


# ---- build the writer (once) and run it -----------------------------------
def sources():
    out = [os.path.join(PROJECT, "pom.xml")]
    for d, _, files in os.walk(os.path.join(PROJECT, "src")):
        out += [os.path.join(d, f) for f in files]
    return out


def require_tools():
    for tool in ("java", "javac", "mvn"):
        if not shutil.which(tool):
            fail_now(f"{tool} is not installed: parquet-mr files cannot be written "
                     "(scripts/install-deps.sh installs default-jdk-headless and maven)")


def build_writer():
    jar = os.path.join(BUILD, "parquet-mr-writer-1.jar")
    cp = os.path.join(BUILD, "classpath.txt")
    newest = max(os.path.getmtime(p) for p in sources())
    if not (os.path.exists(jar) and os.path.exists(cp) and os.path.getmtime(jar) >= newest
            and os.path.getmtime(cp) >= newest):
        r = subprocess.run(["mvn", "-B", "-q", "-f", os.path.join(PROJECT, "pom.xml"), f"-Dmrw.out={BUILD}",
                            "package", "dependency:build-classpath", f"-Dmdep.outputFile={cp}"],
                           capture_output=True, text=True)
        if r.returncode:
            fail_now("Maven could not build tests/java/parquet-mr-writer:\n" + (r.stdout + r.stderr)[-3000:])
    return jar + os.pathsep + open(cp).read().strip()


def write_files(out):
    r = subprocess.run(["java", "-cp", build_writer(), "etlconn.ParquetMrWriter", out], capture_output=True,
                       text=True)
    if r.returncode:
        fail_now("the parquet-mr writer failed:\n" + (r.stdout + r.stderr)[-3000:])


# ---- PostgreSQL -----------------------------------------------------------
require_tools()
SHARED = SharedPg(f"pq_mr_{os.getpid()}")
PG, DB, BASE_ENV, psql = SHARED.pg, SHARED.db, SHARED.env, SHARED.psql


def load(path, table):
    return subprocess.run([ETLCONN, "-q", "load", "--table", table, path], env=BASE_ENV, capture_output=True,
                          text=True)


# ---- what ParquetMrWriter.java wrote: the same formulas of row i ----------
N = 1000
BASE_US = 1706704496000000  # 2024-01-31T12:34:56Z
DAY_US = 86400000000
EPOCH = dt.datetime(1970, 1, 1)


def frac(us):
    return ("." + f"{us:06d}".rstrip("0")) if us else ""


def ts(us, tz):
    v = EPOCH + dt.timedelta(microseconds=us)
    return v.strftime("%Y-%m-%d %H:%M:%S") + frac(v.microsecond) + ("+00" if tz else "")


def tod(us):
    return f"{us // 3600000000:02d}:{us // 60000000 % 60:02d}:{us // 1000000 % 60:02d}" + frac(us % 1000000)


def dec(unscaled, scale):  # 38 digits: more than the default context's 28
    return format(decimal.Decimal(unscaled).scaleb(-scale, decimal.Context(prec=60)), f".{scale}f")


def special(i, finite):
    return {1: "NaN", 2: "Infinity", 5: "-Infinity"}.get(i % 50, finite)


def row(i):
    """column -> text PostgreSQL prints (or a float, or parsed JSON)."""
    us = BASE_US + (i - N // 2) * 98765432123
    ms_us = us // 1000 * 1000
    tus = (i * 431234567) % DAY_US
    big = 10**37 - (i << 66) - i
    r = {
        "i32": str((i * 7919) % 2000000 - 1000000), "i64": str(i * -123456789012345 + 42),
        "u8": str(255 - i % 256), "u16": str(65535 - i), "u32": str(4294967295 - i * 3),
        "u64": str(18446744073709551614 - i * 1000003),
        "ts96": ts(us, True), "ts_ms_utc": ts(ms_us, True), "ts_ms_local": ts(ms_us, False),
        "ts_us_utc": ts(us, True), "ts_us_local": ts(us, False), "ts_ns_utc": ts(us, True),
        "ts_ns_local": ts(us, False),
        "t_ms": tod(tus // 1000 * 1000), "t_us": tod(tus), "t_ns": tod(tus),
        "d": str(dt.date(1970, 1, 1) + dt.timedelta(days=(i - N // 2) * 97)),
        "dec_i32": dec(i * 999999 - 499999999, 2), "dec_i64": dec((i - N // 2) * 1876543210987654, 4),
        "dec_flba": dec(-big if i % 2 else big, 10), "dec_bin": dec((i - N // 2) * 123456789012345678901, 5),
        "f32": special(i, (i - N // 2) * 0.25), "f64": special(i, (i - N // 2) * 1.1e-3),
        "flag": "true" if i % 2 == 0 else "false", "s": f"héllo-{i % 40}-" + "x" * (i % 5),
        "j": {"i": i, "s": f"é{i}", "l": [i, 2.5, None]},
        "u": str(uuid.UUID(int=((0x0123456789abcdef ^ i) << 64) | (i * 1000003))),
        "l": None if i % 9 == 4 else [None if (i + j) % 5 == 0 else i * 10 + j for j in range(i % 4)],
        "m": None if i % 8 == 1 else {f"k{j}": None if j == 2 else i + j for j in range(i % 4)},
    }
    if i % 7 == 3:
        r = dict.fromkeys(r, "<NULL>")
        r["j"] = r["l"] = r["m"] = None
    return r


TZ, LOCAL, TIME = "timestamp with time zone", "timestamp without time zone", "time without time zone"
TYPES = {"i32": "bigint", "i64": "bigint", "u8": "smallint", "u16": "integer", "u32": "bigint",
         "u64": "numeric(20,0)", "ts96": TZ, "ts_ms_utc": TZ, "ts_ms_local": LOCAL, "ts_us_utc": TZ,
         "ts_us_local": LOCAL, "ts_ns_utc": TZ, "ts_ns_local": LOCAL, "t_ms": TIME, "t_us": TIME, "t_ns": TIME,
         "d": "date", "dec_i32": "numeric(9,2)", "dec_i64": "numeric(18,4)", "dec_flba": "numeric(38,10)",
         "dec_bin": "numeric(30,5)", "f32": "real", "f64": "double precision", "flag": "boolean", "s": "text",
         "j": "jsonb", "u": "uuid", "l": "jsonb", "m": "jsonb"}
COLS = list(TYPES)
EXPECT = [row(i) for i in range(N)]


def same(c, have, want):
    if c in ("j", "l", "m"):
        return (None if have == "<NULL>" else json.loads(have)) == want
    if isinstance(want, float):
        return have != "<NULL>" and float(have) == want
    return have == want


def compare(label, table):
    types = dict(line.split("\x1f") for line in psql(
        f"SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '{table}'::regclass "
        "AND attnum > 0").splitlines())
    bad = {c: (types.get(c), t) for c, t in TYPES.items() if types.get(c) != t}
    check(f"{label}: column types", not bad, bad)
    sel = ", ".join(f'"{c}"::text' for c in COLS)
    got = [line.split("\x1f") for line in
           psql(f"SET TimeZone = 'UTC'; SELECT id, {sel} FROM {table} ORDER BY id").splitlines()]
    check(f"{label}: row count", len(got) == N and [int(r[0]) for r in got] == list(range(N)), len(got))
    wrong = [(c, i, have, EXPECT[i][c]) for i, r in enumerate(got[:N]) for c, have in zip(COLS, r[1:])
             if not same(c, have, EXPECT[i][c])]
    check(f"{label}: every value as written", not wrong, wrong[:5])


CODECS = {"uncompressed": "UNCOMPRESSED", "snappy": "SNAPPY", "gzip": "GZIP", "zstd": "ZSTD"}
work = tempfile.mkdtemp(prefix="pqmr-")
try:
    write_files(work)
    psql(f'CREATE DATABASE "{DB}"', db=PG["PG_DATABASE"])
    try:
        for v in ("v1", "v2"):
            for codec in list(CODECS) + ["plain_snappy"]:
                label = f"parquet-mr {v} {codec}"
                path = os.path.join(work, f"mr_{v}_{codec}.parquet")
                md = pq.read_metadata(path)  # the file is what its name says
                col = md.row_group(0).column(0)
                check(f"{label}: written by parquet-mr, {CODECS[codec.replace('plain_', '')]}, several row groups",
                      md.created_by.startswith("parquet-mr") and md.num_row_groups > 1
                      and col.compression == CODECS[codec.replace("plain_", "")],
                      (md.created_by, md.num_row_groups, col.compression))
                if v == "v2":  # PARQUET_2_0: data pages v2, integers DELTA_BINARY_PACKED
                    check(f"{label}: written with parquet-mr's v2 encodings", "DELTA_BINARY_PACKED" in col.encodings,
                          col.encodings)
                r = load(path, f"t_{v}_{codec}")
                check(f"{label}: loads", r.returncode == 0, r.stderr.strip()[-400:])
                if r.returncode == 0:
                    compare(label, f"t_{v}_{codec}")
        r = subprocess.run([ETLCONN, "inspect", "--json", os.path.join(work, "mr_v2_zstd.parquet")],
                           capture_output=True, text=True)
        j = json.loads(r.stdout) if r.returncode == 0 else {}
        u64 = [c for c in j.get("schema", []) if c["name"] == "u64"]
        check("inspect: parquet-mr footer, UINT_64 by name", j.get("num_rows") == N and len(u64) == 1
              and "UINT_64" in json.dumps(u64[0]), (r.stderr, u64))
        r = load(os.path.join(work, "mr_sub_microsecond.parquet"), "t_sub_us")
        msg = r.stderr.strip()
        check("parquet-mr sub-microsecond nanoseconds: refused in words",
              r.returncode != 0 and "nanosecond" in msg and "sub-microsecond" in msg, f"rc={r.returncode} {msg}")
    finally:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)', db=PG["PG_DATABASE"])
finally:
    shutil.rmtree(work, ignore_errors=True)

print(f"{checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
