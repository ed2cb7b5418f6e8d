#!/usr/bin/env python3
"""Read a Parquet file with BOTH pyarrow and DuckDB and compare it value by
value with an expectation written by tests/unit/test_parquet.c.

usage: parquet_check.py FILE EXPECTED.json

EXPECTED.json:
  {"columns": [{"name": "a", "type": "int64", "precision": 0, "scale": 0}, ...],
   "rows": [[v, ...], ...],          # row-major; null = NULL
   "row_groups": N,                  # optional: exact row group count
   "min_row_groups": N,              # optional
   "metadata": {"k": "v"}}           # optional: key/value pairs that must be present
Values by type: int64/date/timestamp as integers (days / microseconds),
double as a number or "NaN", "Infinity", "-Infinity", "-0.0"; text/json and
decimal as strings; bytes as hex strings.
Exit status 0 when both readers agree with the expectation.
"""
import decimal
import json
import math
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

FAILS = []


def fail(msg):
    FAILS.append(msg)
    if len(FAILS) < 20:
        print("MISMATCH:", msg, file=sys.stderr)


def want_value(col, v):
    t = col["type"]
    if v is None:
        return None
    if t == "double":
        if isinstance(v, str):
            return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf,
                    "-0.0": -0.0}[v]
        return float(v)
    if t == "bytes":
        return bytes.fromhex(v)
    if t == "decimal" and col.get("precision", 0) > 0:
        return decimal.Decimal(v)
    return v


def same(col, got, want):
    if want is None or got is None:
        return got is None and want is None
    if col["type"] == "double":
        if math.isnan(want):
            return isinstance(got, float) and math.isnan(got)
        return got == want and math.copysign(1, got) == math.copysign(1, want)
    if col["type"] == "decimal" and col.get("precision", 0) > 0:
        return decimal.Decimal(got) == want
    if col["type"] == "bool":
        return bool(got) == bool(want) and isinstance(got, bool)
    return got == want and type(got) == type(want)


def arrow_values(col, arr):
    t = col["type"]
    if isinstance(arr.type, pa.BaseExtensionType):
        arr = arr.storage
    if t == "timestamp":
        assert pa.types.is_timestamp(arr.type), arr.type
        assert arr.type.unit == "us" and arr.type.tz in ("UTC", "+00:00"), arr.type
        return arr.cast(pa.int64()).to_pylist()
    if t == "date":
        assert arr.type == pa.date32(), arr.type
        return arr.cast(pa.int32()).to_pylist()
    return arr.to_pylist()


ARROW_TYPE = {
    "bool": lambda t, c: t == pa.bool_(),
    "int64": lambda t, c: t == pa.int64(),
    "double": lambda t, c: t == pa.float64(),
    "text": lambda t, c: pa.types.is_string(t) or pa.types.is_large_string(t),
    "bytes": lambda t, c: pa.types.is_binary(t) or pa.types.is_large_binary(t),
    "date": lambda t, c: t == pa.date32(),
    "timestamp": lambda t, c: pa.types.is_timestamp(t),
    "json": lambda t, c: pa.types.is_string(t) or isinstance(t, pa.BaseExtensionType),
    "null": lambda t, c: pa.types.is_null(t) or pa.types.is_integer(t) or pa.types.is_string(t),
    "decimal": lambda t, c: (pa.types.is_decimal(t) and t.precision == c["precision"]
                             and t.scale == c["scale"]) if c.get("precision", 0) > 0
    else pa.types.is_string(t),
}

DUCK_TYPE = {
    "bool": ("BOOLEAN",), "int64": ("BIGINT",), "double": ("DOUBLE",), "text": ("VARCHAR",),
    "bytes": ("BLOB",), "date": ("DATE",), "timestamp": ("TIMESTAMP WITH TIME ZONE",),
    "json": ("JSON", "VARCHAR"), "null": None, "decimal": None,
}


def check_pyarrow(path, exp):
    cols, rows = exp["columns"], exp["rows"]
    table = pq.read_table(path)
    if table.num_rows != len(rows):
        fail(f"pyarrow: {table.num_rows} rows, want {len(rows)}")
        return
    names = table.schema.names
    if names != [c["name"] for c in cols]:
        fail(f"pyarrow: columns {names}, want {[c['name'] for c in cols]}")
        return
    for i, col in enumerate(cols):
        arr = table.column(i).combine_chunks()
        if not ARROW_TYPE[col["type"]](arr.type, col):
            fail(f"pyarrow: column {col['name']} has type {arr.type} for {col['type']}")
            continue
        got = arrow_values(col, arr)
        for r, row in enumerate(rows):
            want = want_value(col, row[i])
            if not same(col, got[r], want):
                fail(f"pyarrow: column {col['name']} row {r}: got {str(got[r])[:80]!r}, "
                     f"want {str(want)[:80]!r}")
    md = pq.ParquetFile(path).metadata
    meta = md.metadata or {}
    for k, v in exp.get("metadata", {}).items():
        if meta.get(k.encode()) != v.encode():
            fail(f"pyarrow: metadata {k!r} = {meta.get(k.encode())!r}, want {v!r}")
    if "row_groups" in exp and md.num_row_groups != exp["row_groups"]:
        fail(f"pyarrow: {md.num_row_groups} row groups, want {exp['row_groups']}")
    if "min_row_groups" in exp and md.num_row_groups < exp["min_row_groups"]:
        fail(f"pyarrow: {md.num_row_groups} row groups, want >= {exp['min_row_groups']}")


def duck_expr(col):
    q = '"' + col["name"].replace('"', '""') + '"'
    t = col["type"]
    if t == "timestamp":
        return f"epoch_us({q})"
    if t == "date":
        return f"CAST({q} - DATE '1970-01-01' AS INTEGER)"
    if t == "json":
        return f"CAST({q} AS VARCHAR)"
    if t == "null":
        return f"CAST({q} AS VARCHAR)"
    return q


def check_duckdb(path, exp):
    cols, rows = exp["columns"], exp["rows"]
    con = duckdb.connect()
    src = "read_parquet('" + path.replace("'", "''") + "')"
    desc = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    if [d[0] for d in desc] != [c["name"] for c in cols]:
        fail(f"duckdb: columns {[d[0] for d in desc]}")
        return
    for d, col in zip(desc, cols):
        allowed = DUCK_TYPE[col["type"]]
        if col["type"] == "decimal":
            allowed = (f"DECIMAL({col['precision']},{col['scale']})",) if col.get("precision", 0) > 0 \
                else ("VARCHAR",)
        if allowed and d[1] not in allowed:
            fail(f"duckdb: column {col['name']} has type {d[1]} for {col['type']}")
    if not cols:
        n = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
        if n != len(rows):
            fail(f"duckdb: {n} rows, want {len(rows)}")
        return
    sel = ", ".join(duck_expr(c) for c in cols)
    got = con.execute(f"SELECT {sel} FROM {src}").fetchall()
    if len(got) != len(rows):
        fail(f"duckdb: {len(got)} rows, want {len(rows)}")
        return
    for r, (g, row) in enumerate(zip(got, rows)):
        for i, col in enumerate(cols):
            want = want_value(col, row[i])
            v = g[i]
            if col["type"] == "null":
                v = None if v is None else v
            if not same(col, v, want):
                fail(f"duckdb: column {col['name']} row {r}: got {str(v)[:80]!r}, "
                     f"want {str(want)[:80]!r}")


def main():
    path, exp_path = sys.argv[1], sys.argv[2]
    with open(exp_path, encoding="utf-8") as f:
        exp = json.load(f)
    check_pyarrow(path, exp)
    check_duckdb(path, exp)
    if FAILS:
        print(f"{len(FAILS)} mismatches in {path}", file=sys.stderr)
        return 1
    print(f"ok: {path}: {len(exp['rows'])} rows, {len(exp['columns'])} columns agree in pyarrow "
          f"and duckdb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
