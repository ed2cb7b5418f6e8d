#!/usr/bin/env python3
"""Cross-writer matrix for the Parquet reader (#16): files written here by
pyarrow (data pages v1 and v2, dictionary on and off, every column encoding,
INT96, every time unit, unsigned, float16, decimals of every width, uuid,
every codec), DuckDB (defaults and PARQUET_VERSION v2), polars and
fastparquet are loaded with `etlconn load` into PostgreSQL and compared
value by value, and by column type, with what the writer was given. Files
that carry what etlconn does not read (sub-microsecond nanoseconds) must
be refused with a message naming the feature. Nested lists, structs and
maps arrive as jsonb (maps as objects). parquet-mr
(Java) files are checked the same way by test_cli_dw_parquet_mr.py.

shared-service: postgres
"""
import datetime as dt
import decimal
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import json

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shared_pg import SharedPg

ETLCONN = os.environ["ETLCONN"]
failures = []
checks = 0


def check(name, ok, detail=""):
    global checks
    checks += 1
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


SHARED = SharedPg(f"pq_matrix_{os.getpid()}")
PG, DB, BASE_ENV, psql = SHARED.pg, SHARED.db, SHARED.env, SHARED.psql


def load(path, table, extra_env=None, args=()):
    env = dict(BASE_ENV, **(extra_env or {}))
    return subprocess.run([ETLCONN, "-q", "load", *args, "--table", table, path], env=env, capture_output=True,
                          text=True)


# ---- expected text of a value, as PostgreSQL prints it (TimeZone UTC) ------
def frac(us):
    return ("." + f"{us:06d}".rstrip("0")) if us else ""


def ts_text(v, tz):
    if v is None:
        return "<NULL>"
    return v.strftime("%Y-%m-%d %H:%M:%S") + frac(v.microsecond) + ("+00" if tz else "")


def time_text(v):
    return "<NULL>" if v is None else v.strftime("%H:%M:%S") + frac(v.microsecond)


def dec_text(v, scale):
    return "<NULL>" if v is None else format(v, f".{scale}f")


def plain(v):
    if v is None:
        return "<NULL>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (bytes, bytearray)):
        return "\\x" + bytes(v).hex()
    return str(v)


def floatish(v):
    return "<NULL>" if v is None else float(v)


# ---- the logical data, shared by the writers ------------------------------
N = 300
UTC = dt.timezone.utc
base_ts = dt.datetime(2024, 1, 31, 12, 34, 56)


def nth(i, v):
    return None if i % 7 == 3 else v


ROWS = {
    "id": [i for i in range(N)],
    "i8": [nth(i, (i * 37) % 256 - 128) for i in range(N)],
    "i32": [nth(i, (i * 7919) % 2000000 - 1000000) for i in range(N)],
    "u8": [nth(i, 255 - i % 256) for i in range(N)],
    "u16": [nth(i, 65535 - i) for i in range(N)],
    "u32": [nth(i, 4294967295 - i * 3) for i in range(N)],
    "u64": [nth(i, 18446744073709551614 - i * 1000003) for i in range(N)],
    "f32": [nth(i, (i - 150) * 0.25) for i in range(N)],
    "f64": [nth(i, (i - 150) * 1.1e-3) for i in range(N)],
    "flag": [nth(i, i % 2 == 0) for i in range(N)],
    "s": [nth(i, f"héllo-{i % 40}-" + "x" * (i % 5)) for i in range(N)],
    "b": [nth(i, bytes([i % 256, 0, 255])) for i in range(N)],
    "d": [nth(i, dt.date(1969, 12, 1) + dt.timedelta(days=i * 11)) for i in range(N)],
    "ts_s": [nth(i, base_ts + dt.timedelta(seconds=i * 3601)) for i in range(N)],
    "ts_ms": [nth(i, base_ts + dt.timedelta(milliseconds=i * 1234567)) for i in range(N)],
    "ts_us": [nth(i, base_ts + dt.timedelta(microseconds=i * 123456789)) for i in range(N)],
    "ts_ns": [nth(i, base_ts + dt.timedelta(microseconds=i * 987654321)) for i in range(N)],
    "t_ms": [nth(i, dt.time(i % 24, i % 60, i % 60, (i * 1000) % 1000000)) for i in range(N)],
    "t_us": [nth(i, dt.time(23 - i % 24, i % 60, 59, (i * 12345) % 1000000)) for i in range(N)],
    "t_ns": [nth(i, dt.time(i % 24, 1, 2, i)) for i in range(N)],
    "dec5": [nth(i, decimal.Decimal(i * 7 - 900) / 100) for i in range(N)],
    "dec18": [nth(i, decimal.Decimal(i * 123456789012 - 10**13) / 10**4) for i in range(N)],
    "dec38": [nth(i, decimal.Decimal(10**37 - i * 10**20 - i) / 10**10) for i in range(N)],
    "u": [nth(i, uuid.UUID(int=(i * 0x9E3779B97F4A7C15_F39CC0605CEDC834) % 2**128)) for i in range(N)],
}
for k in ("ts_s", "ts_ms", "ts_us", "ts_ns"):  # whole units of the column
    unit = {"ts_s": 1000000, "ts_ms": 1000, "ts_us": 1, "ts_ns": 1}[k]
    ROWS[k] = [None if v is None else v - dt.timedelta(microseconds=v.microsecond % unit) for v in ROWS[k]]
ROWS["t_ms"] = [None if v is None else v.replace(microsecond=v.microsecond // 1000 * 1000) for v in ROWS["t_ms"]]
ROWS["t_ns"] = [None if v is None else v.replace(microsecond=v.microsecond) for v in ROWS["t_ns"]]

# column -> (PostgreSQL type, expected text per row)
EXPECT = {
    "id": ("bigint", [plain(v) for v in ROWS["id"]]),
    "i8": ("bigint", [plain(v) for v in ROWS["i8"]]),
    "i32": ("bigint", [plain(v) for v in ROWS["i32"]]),
    "u8": ("smallint", [plain(v) for v in ROWS["u8"]]),
    "u16": ("integer", [plain(v) for v in ROWS["u16"]]),
    "u32": ("bigint", [plain(v) for v in ROWS["u32"]]),
    "u64": ("numeric(20,0)", [plain(v) for v in ROWS["u64"]]),
    "f32": ("real", [floatish(v) for v in ROWS["f32"]]),
    "f64": ("double precision", [floatish(v) for v in ROWS["f64"]]),
    "flag": ("boolean", [plain(v) for v in ROWS["flag"]]),
    "s": ("text", [plain(v) for v in ROWS["s"]]),
    "b": ("bytea", [plain(v) for v in ROWS["b"]]),
    "d": ("date", [plain(v) for v in ROWS["d"]]),
    "ts_s": ("timestamp without time zone", [ts_text(v, False) for v in ROWS["ts_s"]]),
    "ts_ms": ("timestamp with time zone", [ts_text(v, True) for v in ROWS["ts_ms"]]),
    "ts_us": ("timestamp without time zone", [ts_text(v, False) for v in ROWS["ts_us"]]),
    "ts_ns": ("timestamp with time zone", [ts_text(v, True) for v in ROWS["ts_ns"]]),
    "t_ms": ("time without time zone", [time_text(v) for v in ROWS["t_ms"]]),
    "t_us": ("time without time zone", [time_text(v) for v in ROWS["t_us"]]),
    "t_ns": ("time without time zone", [time_text(v) for v in ROWS["t_ns"]]),
    "dec5": ("numeric(5,2)", [dec_text(v, 2) for v in ROWS["dec5"]]),
    "dec18": ("numeric(18,4)", [dec_text(v, 4) for v in ROWS["dec18"]]),
    "dec38": ("numeric(38,10)", [dec_text(v, 10) for v in ROWS["dec38"]]),
    "u": ("uuid", [plain(v) for v in ROWS["u"]]),
}


def compare(label, table, cols, expect=EXPECT, key="id"):
    """Types and every value of `cols` in `table` against `expect`."""
    types = dict(line.split("\x1f") for line in psql(
        f"SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '{table}'::regclass "
        "AND attnum > 0").splitlines())
    bad_types = {c: (types.get(c), expect[c][0]) for c in cols if types.get(c) != expect[c][0]}
    check(f"{label}: column types", not bad_types, bad_types)
    sel = ", ".join(f'"{c}"::text' for c in cols)
    got = [line.split("\x1f") for line in psql(f"SET TimeZone = 'UTC'; SELECT {sel} FROM {table} AS src ORDER BY src.{key}").splitlines()]
    check(f"{label}: row count", len(got) == N, len(got))
    wrong = []
    for j, c in enumerate(cols):
        for i, row in enumerate(got[:N]):
            want = expect[c][1][i]
            have = row[j]
            if isinstance(want, float):
                ok = have != "<NULL>" and float(have) == want if c != "f32" else \
                    have != "<NULL>" and abs(float(have) - want) <= abs(want) * 1e-6
            else:
                ok = have == want
            if not ok:
                wrong.append((c, i, have, want))
    check(f"{label}: every value as written", not wrong, wrong[:5])


def run_case(label, path, cols, expect=EXPECT):
    table = "t_" + "".join(ch if ch.isalnum() else "_" for ch in label.lower())
    r = load(path, table)
    check(f"{label}: loads", r.returncode == 0, r.stderr.strip()[-400:])
    if r.returncode == 0:
        compare(label, table, cols, expect)


def refused(label, path, words, extra_env=None):
    table = "t_" + "".join(ch if ch.isalnum() else "_" for ch in label.lower())
    r = load(path, table, extra_env)
    msg = r.stderr.strip()
    ok = r.returncode != 0 and all(w in msg for w in words) and "physical" not in msg and "encoding 5" not in msg
    check(f"{label}: refused naming {words}", ok, f"rc={r.returncode} {msg[-300:]}")


# ---- pyarrow ---------------------------------------------------------------
def arrow_table(cols):
    types = {
        "id": pa.int64(), "i8": pa.int8(), "i32": pa.int32(), "u8": pa.uint8(), "u16": pa.uint16(),
        "u32": pa.uint32(), "u64": pa.uint64(), "f32": pa.float32(), "f64": pa.float64(), "flag": pa.bool_(),
        "s": pa.string(), "b": pa.binary(), "d": pa.date32(), "ts_s": pa.timestamp("s"),
        "ts_ms": pa.timestamp("ms", tz="UTC"), "ts_us": pa.timestamp("us"), "ts_ns": pa.timestamp("ns", tz="UTC"),
        "t_ms": pa.time32("ms"), "t_us": pa.time64("us"), "t_ns": pa.time64("ns"),
        "dec5": pa.decimal128(5, 2), "dec18": pa.decimal128(18, 4), "dec38": pa.decimal128(38, 10),
        "u": pa.uuid(),
    }
    arrays = {}
    for c in cols:
        vals = ROWS[c]
        if c == "ts_ms":
            vals = [None if v is None else v.replace(tzinfo=UTC) for v in vals]
        if c == "ts_ns":
            arrays[c] = pa.array([None if v is None else int(v.replace(tzinfo=UTC).timestamp()) * 10**9 +
                                  v.microsecond * 1000 for v in vals], pa.int64()).cast(types[c])
            continue
        if c == "t_ns":
            arrays[c] = pa.array([None if v is None else ((v.hour * 60 + v.minute) * 60 + v.second) * 10**9 +
                                  v.microsecond * 1000 for v in vals], pa.int64()).cast(types[c])
            continue
        if c == "u":
            arrays[c] = pa.array([None if v is None else v.bytes for v in vals], pa.binary(16)).cast(types[c])
            continue
        arrays[c] = pa.array(vals, types[c])
    return pa.table(arrays)


ALL = list(EXPECT)
work = tempfile.mkdtemp(prefix="pqmatrix-")
psql(f'CREATE DATABASE "{DB}"', db=PG["PG_DATABASE"])
try:
    def pa_case(label, cols=ALL, **kw):
        path = os.path.join(work, label + ".parquet")
        pq.write_table(arrow_table(cols), path, row_group_size=128, **kw)
        md = pq.read_metadata(path)
        for c, enc in kw.get("column_encoding", {}).items():  # the file really uses the encoding
            got = md.row_group(0).column(md.schema.names.index(c)).encodings
            check(f"{label}: {c} is written {enc}", enc in got, got)
        run_case(label, path, cols)

    pa_case("pyarrow v1 dict")
    pa_case("pyarrow v2 dict", data_page_version="2.0")
    pa_case("pyarrow v2 plain", data_page_version="2.0", use_dictionary=False)
    pa_case("pyarrow v1 plain nocompress", use_dictionary=False, compression="none")
    for codec in ("snappy", "gzip", "zstd", "lz4", "brotli", "none"):
        for v in ("1.0", "2.0"):
            pa_case(f"pyarrow {codec} page v{v[0]}", compression=codec, data_page_version=v)
    ints = ["id", "i8", "i32", "u8", "u16", "u32", "u64", "d", "ts_s", "ts_ms", "ts_us", "ts_ns", "t_ms", "t_us",
            "t_ns"]
    pa_case("pyarrow DELTA_BINARY_PACKED", cols=ints, use_dictionary=False,
            column_encoding={c: "DELTA_BINARY_PACKED" for c in ints})
    pa_case("pyarrow DELTA_BINARY_PACKED v2", cols=ints, use_dictionary=False, data_page_version="2.0",
            column_encoding={c: "DELTA_BINARY_PACKED" for c in ints})
    pa_case("pyarrow DELTA_LENGTH_BYTE_ARRAY", cols=["id", "s", "b"], use_dictionary=False,
            column_encoding={"s": "DELTA_LENGTH_BYTE_ARRAY", "b": "DELTA_LENGTH_BYTE_ARRAY"})
    pa_case("pyarrow DELTA_BYTE_ARRAY", cols=["id", "s", "b", "dec38", "u"], use_dictionary=False,
            column_encoding={"s": "DELTA_BYTE_ARRAY", "b": "DELTA_BYTE_ARRAY", "dec38": "DELTA_BYTE_ARRAY",
                             "u": "DELTA_BYTE_ARRAY"})
    bss = ["f32", "f64", "i32", "id", "dec38", "u"]
    pa_case("pyarrow BYTE_STREAM_SPLIT", cols=["id"] + bss[:4] + ["dec38", "u"], use_dictionary=False,
            column_encoding={c: "BYTE_STREAM_SPLIT" for c in bss if c != "id"})
    pa_case("pyarrow RLE booleans v2", cols=["id", "flag"], use_dictionary=False, data_page_version="2.0",
            column_encoding={"flag": "RLE"})
    pa_case("pyarrow decimals as integers", cols=["id", "dec5", "dec18", "dec38"], store_decimal_as_integer=True)
    pa_case("pyarrow INT96", cols=["id", "ts_ms", "ts_ns"], use_deprecated_int96_timestamps=True)
    pa_case("pyarrow legacy converted types (format 1.0)", cols=["id", "u8", "u16", "u32", "s", "d", "dec5",
                                                                  "t_ms", "ts_ms"], version="1.0")

    # float16: values exact in half precision
    f16 = [None if i % 7 == 3 else (i - 150) * 0.5 for i in range(N)]
    path = os.path.join(work, "f16.parquet")
    pq.write_table(pa.table({"id": pa.array(range(N), pa.int64()),
                             "h": pa.array(np.array([0 if v is None else v for v in f16], np.float16),
                                           mask=np.array([v is None for v in f16]))}), path)
    run_case("pyarrow float16", path, ["id", "h"], dict(EXPECT, h=("real", [floatish(v) for v in f16])))

    # inspect: logical types by name, statistics decoded by logical type, non-finite as such
    path = os.path.join(work, "inspect.parquet")
    pq.write_table(pa.table({
        "u64": pa.array([18446744073709551614, 1], pa.uint64()), "u32": pa.array([4294967295, 0], pa.uint32()),
        "h": pa.array(np.array([1.5, -2], np.float16)), "f": pa.array([float("inf"), 1.0]),
        "g": pa.array([float("-inf"), -1.0], pa.float32()),
        "dec": pa.array([decimal.Decimal("1.25"), decimal.Decimal("-3.5")], pa.decimal128(5, 2)),
        "t": pa.array([dt.time(1, 2, 3, 4000), dt.time(23, 0)], pa.time32("ms"))}), path, store_decimal_as_integer=True)
    r = subprocess.run([ETLCONN, "inspect", "--json", path], capture_output=True, text=True)
    j = json.loads(r.stdout)
    schema = {c["name"]: c for c in j["schema"]}
    stats = {c["path"]: c["statistics"] for c in j["row_groups"][0]["columns"]}
    check("inspect: logical types by name", (schema["u64"]["logical_type"], schema["u64"]["signed"],
                                             schema["h"]["logical_type"], schema["t"]["logical_type"],
                                             schema["t"]["unit"], schema["u32"]["converted_type"]) ==
          ("INTEGER", False, "FLOAT16", "TIME", "MILLIS", "UINT_32"), schema)
    check("inspect: statistics decoded by logical type",
          (stats["u64"]["max"], stats["u32"]["max"], stats["h"]["min"], stats["h"]["max"], stats["dec"]["min"],
           stats["t"]["min"], stats["f"]["max"], stats["g"]["min"]) ==
          ("18446744073709551614", 4294967295, -2, 1.5, "-3.50", "01:02:03.004000", "Infinity", "-Infinity"), stats)
    r = subprocess.run([ETLCONN, "inspect", path], capture_output=True, text=True)
    check("inspect text shows unsigned and float16", r.returncode == 0 and "INTEGER(64, unsigned)" in r.stdout
          and "FLOAT16" in r.stdout and "18446744073709551614" in r.stdout, r.stdout + r.stderr)

    # nested lists, structs and maps -> jsonb (maps as objects), compared as parsed JSON
    def json_case(label, path, expect):
        table = "t_" + "".join(ch if ch.isalnum() else "_" for ch in label.lower())
        r = load(path, table)
        check(f"{label}: loads", r.returncode == 0, r.stderr.strip()[-400:])
        if r.returncode:
            return
        cols = [c for c in expect if c != "id"]
        types = psql(f"SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute "
                     f"WHERE attrelid = '{table}'::regclass AND attnum > 1").strip()
        check(f"{label}: nested columns are jsonb", types == ",".join(["jsonb"] * len(cols)), types)
        sel = ", ".join(f'"{c}"::text' for c in cols)
        got = [[None if x == "<NULL>" else json.loads(x) for x in line.split("\x1f")]
               for line in psql(f"SELECT {sel} FROM {table} AS src ORDER BY src.id").splitlines()]
        want = [[expect[c][i] for c in cols] for i in range(len(expect["id"]))]
        check(f"{label}: every nested value as written", got == want, (got[:3], want[:3]))

    def as_json(v):  # pyarrow's python values -> the JSON etlconn writes (maps as objects)
        if isinstance(v, list) and v and all(isinstance(x, tuple) and len(x) == 2 for x in v):
            return {str(k): as_json(x) for k, x in v}
        if isinstance(v, list):
            return [as_json(x) for x in v]
        if isinstance(v, dict):
            return {k: as_json(x) for k, x in v.items()}
        return v

    NM = 200
    nested = pa.table({
        "id": pa.array(range(NM), pa.int64()),
        "l": pa.array([None if i % 9 == 4 else [None if (i + j) % 5 == 0 else i * 10 + j for j in range(i % 4)]
                       for i in range(NM)], pa.list_(pa.int64())),
        "st": pa.array([None if i % 7 == 2 else {"a": None if i % 3 == 0 else i, "b": f"s{i}"} for i in range(NM)],
                       pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "m": pa.array([None if i % 8 == 1 else [(f"k{j}", None if j == 2 else i + j) for j in range(i % 3)]
                       for i in range(NM)], pa.map_(pa.string(), pa.int64())),
        "ls": pa.array([None if i % 6 == 5 else [{"x": i + j, "y": [0.5 * k for k in range(j)]} for j in range(i % 3)]
                        for i in range(NM)],
                       pa.list_(pa.struct([("x", pa.int64()), ("y", pa.list_(pa.float64()))]))),
        "ll": pa.array([None if i % 10 == 3 else [[i] * (j % 3) if j != 1 else None for j in range(i % 4)]
                        for i in range(NM)], pa.list_(pa.list_(pa.int32()))),
    })
    nexp = {c: [as_json(v) for v in nested.column(c).to_pylist()] for c in nested.column_names}
    nexp["m"] = [None if v is None else {k: x for k, x in v} for v in nested.column("m").to_pylist()]
    for label, kw in (("pyarrow nested v1", {}), ("pyarrow nested v2 plain", {"data_page_version": "2.0",
                                                                            "use_dictionary": False})):
        path = os.path.join(work, label.replace(" ", "_") + ".parquet")
        pq.write_table(nested, path, row_group_size=64, **kw)
        json_case(label, path, nexp)

    # --flatten: each field of a top-level struct is a column ("st.a"), nested fields stay jsonb
    path = os.path.join(work, "flatten.parquet")
    # a hinted column (uint8 -> smallint) after nested ones keeps its own type
    fl = pa.table({"id": pa.array(range(NM), pa.int64()), "st": nested.column("st"),
                   "ls": nested.column("ls"), "sx": pa.array(
                       [None if i % 5 == 0 else {"c": [i] * (i % 3), "d": {"e": i * 0.5}} for i in range(NM)],
                       pa.struct([("c", pa.list_(pa.int64())), ("d", pa.struct([("e", pa.float64())]))])),
                   "u8": pa.array([i % 256 for i in range(NM)], pa.uint8())})
    pq.write_table(fl, path, row_group_size=64)
    r = load(path, "t_flatten", args=("--flatten",))
    check("--flatten: loads", r.returncode == 0, r.stderr[-300:])
    types = psql("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) "
                 "FROM pg_attribute WHERE attrelid = 't_flatten'::regclass AND attnum > 0").strip()
    check("--flatten: struct fields become typed columns", types ==
          "id bigint,st.a bigint,st.b text,ls jsonb,sx.c jsonb,sx.d jsonb,u8 smallint", types)
    got = [line.split("\x1f") for line in psql('SELECT "st.a"::text, "st.b", ls::text, "sx.c"::text, "sx.d"::text '
                                                'FROM t_flatten ORDER BY id').splitlines()]
    want = []
    for i in range(NM):
        st, sx = fl.column("st")[i].as_py(), fl.column("sx")[i].as_py()
        want.append([plain(None if st is None else st["a"]), plain(None if st is None else st["b"]),
                     nexp["ls"][i], None if sx is None else sx["c"], None if sx is None else sx["d"]])
    got = [[a, b, None if c == "<NULL>" else json.loads(c), None if d == "<NULL>" else json.loads(d),
            None if e == "<NULL>" else json.loads(e)] for a, b, c, d, e in got]
    check("--flatten: every value as written", got == want, (got[:2], want[:2]))

    # refusals, in words
    path = os.path.join(work, "subus.parquet")
    pq.write_table(pa.table({"ts": pa.array([1700000000123456789], pa.timestamp("ns"))}), path)
    refused("pyarrow sub-microsecond ns", path, ["nanosecond", "sub-microsecond"])

    # ---- DuckDB ----------------------------------------------------------------
    DSQL = """SELECT i AS id, (i * 37 % 256 - 128)::TINYINT AS i8, (255 - i % 256)::UTINYINT AS u8,
                 (4294967295 - i * 3)::UINTEGER AS u32, (18446744073709551614 - i * 1000003)::UBIGINT AS u64,
                 ((i - 150) * 0.25)::FLOAT AS f32, 'h' || (i % 40)::VARCHAR AS s,
                 ((i * 7 - 900)::DECIMAL(5,0) / 100)::DECIMAL(5,2) AS dec5,
                 ((i::DECIMAL(18,0) * 123456789012 - 10000000000000) / 10000)::DECIMAL(18,4) AS dec18,
                 TIMESTAMP '2024-01-31 12:34:56' + INTERVAL (i * 123456789) MICROSECOND AS ts_us,
                 TIMESTAMPTZ '2024-01-31 12:34:56+00' + INTERVAL (i * 1234567) MILLISECOND AS ts_tz,
                 TIME '01:02:03' + INTERVAL (i * 12345) MICROSECOND AS t_us,
                 INTERVAL (i) MONTH + INTERVAL (i * 3) DAY + INTERVAL (i * 1001) MILLISECOND AS iv,
                 ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS u,
                 CASE WHEN i % 7 = 3 THEN NULL ELSE i % 2 = 0 END AS flag
              FROM range(300) t(i)"""
    DCOLS = ["id", "i8", "u8", "u32", "u64", "f32", "s", "dec5", "dec18", "ts_us", "ts_tz", "t_us", "iv", "u", "flag"]
    con = duckdb.connect()
    dexp = {}
    rel = con.sql(f"SELECT * FROM ({DSQL}) ORDER BY id")
    drows = rel.fetchall()
    names = [d[0] for d in rel.description]
    for c in DCOLS:
        vals = [r[names.index(c)] for r in drows]
        if c in ("id", "i8", "u8", "u32", "u64", "s", "flag"):
            e = [plain(v) for v in vals]
        elif c == "f32":
            e = [floatish(v) for v in vals]
        elif c.startswith("dec"):
            e = [dec_text(v, 2 if c == "dec5" else 4) for v in vals]
        elif c == "ts_us":
            e = [ts_text(v, False) for v in vals]
        elif c == "ts_tz":
            e = [ts_text(v.astimezone(UTC), True) for v in vals]
        elif c == "t_us":
            e = [time_text(v) for v in vals]
        elif c == "u":
            e = [str(v) for v in vals]
        else:  # interval: compared below through months, days, milliseconds
            continue
        dexp[c] = e
    dtypes = {"id": "bigint", "i8": "bigint", "u8": "smallint", "u32": "bigint", "u64": "numeric(20,0)",
              "f32": "real", "s": "text", "dec5": "numeric(5,2)", "dec18": "numeric(18,4)",
              "ts_us": "timestamp without time zone", "ts_tz": "timestamp with time zone",
              "t_us": "time without time zone", "iv": "interval", "u": "uuid", "flag": "boolean"}
    # PostgreSQL prints intervals its own way: compare through epoch seconds and months/days.
    ivs = [(i, i * 3, i * 1001) for i in range(N)]
    DEXPECT = {c: (dtypes[c], dexp[c]) for c in DCOLS if c != "iv"}
    for opts, label in (("", "duckdb defaults"), (", PARQUET_VERSION v2", "duckdb PARQUET_VERSION v2"),
                        (", COMPRESSION zstd, ROW_GROUP_SIZE 100", "duckdb zstd small row groups")):
        path = os.path.join(work, label.replace(" ", "_") + ".parquet")
        con.sql(f"COPY ({DSQL}) TO '{path}' (FORMAT parquet{opts})")
        run_case(label, path, [c for c in DCOLS if c != "iv"], DEXPECT)
        table = "t_" + "".join(ch if ch.isalnum() else "_" for ch in label.lower())
        got = psql(f"SELECT extract(month from iv)::int + 12 * extract(year from iv)::int, extract(day from iv)::int, "
                   f"(extract(epoch from date_trunc('day', iv) - iv) * -1000)::bigint FROM {table} ORDER BY id")
        got = [tuple(int(x) for x in line.split("\x1f")) for line in got.splitlines()]
        check(f"{label}: intervals (months, days, milliseconds)", got == ivs, got[:3])
    DN = """SELECT i AS id, CASE WHEN i % 5 = 1 THEN NULL ELSE list_transform(range(i % 4), lambda x: x * i) END AS l,
                   CASE WHEN i % 7 = 2 THEN NULL ELSE {'a': i, 'b': 'v' || i} END AS st,
                   CASE WHEN i % 4 = 3 THEN NULL ELSE MAP(list_transform(range(i % 3), lambda x: 'k' || x),
                                                          list_transform(range(i % 3), lambda x: x + i)) END AS m
            FROM range(150) t(i)"""
    dn = con.sql(f"SELECT * FROM ({DN}) ORDER BY id").fetchall()
    dnexp = {"id": [r[0] for r in dn], "l": [r[1] for r in dn], "st": [r[2] for r in dn],
             "m": [None if r[3] is None else {str(k): v for k, v in r[3].items()} for r in dn]}
    for opts, label in (("", "duckdb nested"), (", PARQUET_VERSION v2", "duckdb nested v2")):
        path = os.path.join(work, label.replace(" ", "_") + ".parquet")
        con.sql(f"COPY ({DN}) TO '{path}' (FORMAT parquet{opts})")
        json_case(label, path, dnexp)

    # ---- polars ----------------------------------------------------------------
    try:
        import polars as pl
    except ImportError:
        pl = None
    check("polars is installed (scripts/install-deps.sh)", pl is not None)
    if pl is not None:
        pcols = ["id", "i32", "u8", "u16", "u32", "u64", "f32", "f64", "flag", "s", "d", "ts_ms", "ts_us", "t_ns"]
        schema = {"id": pl.Int64, "i32": pl.Int32, "u8": pl.UInt8, "u16": pl.UInt16, "u32": pl.UInt32,
                  "u64": pl.UInt64, "f32": pl.Float32, "f64": pl.Float64, "flag": pl.Boolean, "s": pl.String,
                  "d": pl.Date, "ts_ms": pl.Datetime("ms", "UTC"), "ts_us": pl.Datetime("us"), "t_ns": pl.Time}
        data = {c: [None if v is None else (v.replace(tzinfo=UTC) if c == "ts_ms" else v) for v in ROWS[c]]
                for c in pcols}
        df = pl.DataFrame(data, schema=schema)
        for comp in ("zstd", "snappy", "lz4", "gzip", "brotli", "uncompressed"):
            path = os.path.join(work, f"polars_{comp}.parquet")
            df.write_parquet(path, compression=comp, row_group_size=100)
            run_case(f"polars {comp}", path, pcols)
        pn = pl.DataFrame({"id": list(range(NM)), "l": nested.column("l").to_pylist(),
                           "st": nested.column("st").to_pylist(), "ls": nested.column("ls").to_pylist()},
                          schema={"id": pl.Int64, "l": pl.List(pl.Int64),
                                  "st": pl.Struct({"a": pl.Int32, "b": pl.String}),
                                  "ls": pl.List(pl.Struct({"x": pl.Int64, "y": pl.List(pl.Float64)}))})
        path = os.path.join(work, "polars_nested.parquet")
        pn.write_parquet(path, row_group_size=64)
        json_case("polars nested", path, {c: nexp[c] for c in ("id", "l", "st", "ls")})

    # ---- fastparquet -----------------------------------------------------------
    try:
        import fastparquet
        import pandas as pd
    except ImportError:
        fastparquet = None
    check("fastparquet is installed (scripts/install-deps.sh)", fastparquet is not None)
    if fastparquet is not None:
        fcols = ["id", "i32", "f64", "s", "ts_us"]
        df = pd.DataFrame({"id": pd.array(ROWS["id"], dtype="int64"), "i32": pd.array(ROWS["i32"], dtype="Int32"),
                           "f64": pd.array(ROWS["f64"], dtype="Float64"), "s": ROWS["s"],
                           "ts_us": pd.array(ROWS["ts_us"], dtype="datetime64[ns]")})
        fexp = dict(EXPECT, ts_us=("timestamp without time zone", EXPECT["ts_us"][1]))
        for times, comp in (("int64", "SNAPPY"), ("int96", "GZIP"), ("int64", "ZSTD"), ("int64", None)):
            path = os.path.join(work, f"fastparquet_{times}_{comp}.parquet")
            fastparquet.write(path, df, compression=comp, times=times, row_group_offsets=100)
            if times == "int96":
                exp = dict(fexp, ts_us=("timestamp with time zone", [ts_text(v, True) for v in ROWS["ts_us"]]))
            else:
                exp = fexp
            run_case(f"fastparquet {times} {comp}", path, fcols, exp)
        # JSON and BSON object columns -> jsonb (BSON through pymongo's bson module)
        import bson
        import fastparquet.writer
        fastparquet.writer.tobson = lambda x: bytes(bson.BSON.encode(x))  # its encoder hands a bytes subclass
        docs = [None if i % 6 == 1 else {"i": i, "s": f"é{i}", "l": [i, 2.5, None, {"t": i % 2 == 0}],
                                         "big": 2**40 + i} for i in range(N)]
        dj = pd.DataFrame({"id": pd.array(ROWS["id"], dtype="int64"), "j": docs, "b": docs})
        path = os.path.join(work, "fastparquet_json_bson.parquet")
        fastparquet.write(path, dj, object_encoding={"j": "json", "b": "bson"}, row_group_offsets=100)
        json_case("fastparquet JSON and BSON", path, {"id": ROWS["id"], "j": docs, "b": docs})
finally:
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)', db=PG["PG_DATABASE"])
    shutil.rmtree(work, ignore_errors=True)

print(f"{checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
