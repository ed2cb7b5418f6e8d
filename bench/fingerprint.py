#!/usr/bin/env python3
"""Print a fingerprint of a table's content: "rows=N sum=HEX", where sum is
an order-independent checksum (each row's values normalised, hashed, and
the hashes added modulo 2**64). Two outputs with the same rows in any order,
written by different tools, print the same line; bench/pairs.py compares
them after every run.

    fingerprint.py FILE_OR_DIR... [--format csv|jsonl|json|parquet] [--skip-header]
    fingerprint.py --sqlite DB QUERY
    fingerprint.py --duckdb FILE_OR_DIR... [--format csv|jsonl|parquet]

--duckdb reads the files with DuckDB and is fast enough for millions of
rows (seconds, where the Python reader takes minutes); its checksum differs
from the Python reader's, so compare --duckdb fingerprints only with each
other. Its normalisation: numbers as DOUBLE, timestamps at UTC without zone,
text without trailing spaces (PostgreSQL's char(n) pads them and some tools
strip them: not a difference in the data), everything else as DuckDB's text
of it, NULL apart from every text.

Normalisation, so that tools agree on what is the same value: NULL and an
empty CSV field are one value; numbers compare as numbers (1, 1.0 and
"1.00" are one value; floats by repr after rounding to 9 significant
digits); timestamps as "YYYY-MM-DD HH:MM:SS[.ffffff]"; everything else as
text. A directory stands for every file in it of the format (a lake).
"""
import csv
import datetime
import decimal
import hashlib
import json
import os
import re
import sqlite3
import sys

MASK = (1 << 64) - 1
# A timestamp written as text: "2020-09-13 12:26:41", "...T...", "...Z", "...+00:00".
TS_TEXT = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:Z|[+-]00:?00)?$")


def norm(v):
    if v is None or v == "":
        return "\0"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float, decimal.Decimal)):
        return num(v)
    if isinstance(v, datetime.datetime):
        return norm(v.replace(tzinfo=None).isoformat(" "))
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, separators=(",", ":"))
    s = str(v)
    m = TS_TEXT.match(s)
    if m:
        frac = m.group(2).rstrip("0").rstrip(".") if "." in m.group(2) else m.group(2)
        return f"{m.group(1)} {frac}"
    try:
        return num(decimal.Decimal(s)) if s.strip() and s.strip()[0] in "+-.0123456789" else s
    except decimal.InvalidOperation:
        return s


def num(v):
    d = decimal.Decimal(v) if not isinstance(v, float) else decimal.Decimal(repr(v))
    if d == d.to_integral_value():
        return str(int(d))
    return repr(float(f"{float(d):.9g}"))


def row_hash(values):
    h = hashlib.blake2b("\x1f".join(norm(v) for v in values).encode(), digest_size=8)
    return int.from_bytes(h.digest(), "little")


def files_of(paths, fmt):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    if n.endswith("." + fmt) and not n.startswith("."):
                        yield os.path.join(root, n)
        else:
            yield p


def rows_of(path, fmt, skip_header):
    if fmt == "csv":
        with open(path, newline="") as f:
            r = csv.reader(f)
            if skip_header:
                next(r, None)
            yield from r
    elif fmt == "jsonl":
        with open(path) as f:
            for line in f:
                if line.strip():
                    yield list(json.loads(line).values())
    elif fmt == "json":
        with open(path) as f:
            for obj in json.load(f):
                yield list(obj.values())
    elif fmt == "parquet":
        import pyarrow.parquet as pq
        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=65536):
            cols = [c.to_pylist() for c in batch.columns]
            yield from zip(*cols)
    else:
        sys.exit(f"unknown format {fmt}")


NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
           "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


def duckdb_fingerprint(paths, fmt):
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    files = list(files_of(paths, fmt))
    if not files:
        return "rows=0 sum=0"
    # Lake paths hold key=value directories; they are not columns of the data.
    if fmt == "jsonl":
        src = f"read_json({files!r}, format='newline_delimited', hive_partitioning=false)"
    else:
        reader = "read_csv" if fmt == "csv" else "read_parquet"
        src = f"{reader}({files!r}, hive_partitioning=false)"
    cols = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    parts = []
    for name, typ, *_ in cols:
        q = '"' + name.replace('"', '""') + '"'
        if typ.startswith(NUMERIC):
            e = f"CAST(CAST({q} AS DOUBLE) AS VARCHAR)"
        elif typ.startswith("TIMESTAMP"):
            e = f"CAST(CAST({q} AS TIMESTAMP) AS VARCHAR)"
        elif typ == "VARCHAR":
            e = f"rtrim({q}, ' ')"  # char(n) pads with spaces; some tools strip them
        else:
            e = f"CAST({q} AS VARCHAR)"
        parts.append(f"coalesce({e}, chr(0))")
    row = "concat_ws(chr(31), " + ", ".join(parts) + ")"
    n, total = con.execute(f"SELECT count(*), coalesce(sum(hash({row}))::HUGEINT % 18446744073709551616, 0) "
                           f"FROM {src}").fetchone()
    return f"rows={n} sum={int(total):016x}"


def main(argv):
    if argv[:1] == ["--duckdb"]:
        fmt = "parquet"
        if "--format" in argv:
            i = argv.index("--format")
            fmt = argv[i + 1]
            argv = argv[:i] + argv[i + 2:]
        print(duckdb_fingerprint(argv[1:], fmt))
        return 0
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    n, total = 0, 0
    if argv[0] == "--sqlite":
        con = sqlite3.connect(argv[1])
        for r in con.execute(argv[2]):
            n += 1
            total = (total + row_hash(r)) & MASK
    else:
        fmt, skip, paths = None, False, []
        i = 0
        while i < len(argv):
            if argv[i] == "--format":
                fmt = argv[i + 1]; i += 2
            elif argv[i] == "--skip-header":
                skip = True; i += 1
            else:
                paths.append(argv[i]); i += 1
        for path in files_of(paths, fmt or "parquet"):
            f = fmt or os.path.splitext(path)[1][1:]
            for r in rows_of(path, f, skip):
                n += 1
                total = (total + row_hash(r)) & MASK
    print(f"rows={n} sum={total:016x}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
