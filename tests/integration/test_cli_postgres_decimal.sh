#!/usr/bin/env bash
# numeric(p,s) columns landed as Parquet DECIMAL on a real PostgreSQL (the
# run's shared one). COPY hands them to the Parquet writer as scaled integers
# with no text; fetch_mode=rows still goes through the decimal text. Both
# must give exactly PostgreSQL's values (read back with pyarrow); NaN still
# fails the fetch; a numeric key column still pages an extract correctly
# (its cursor value is made from the scaled integer).
# shared-service: postgres (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_pg cli_pg_decimal
cd "$WORK"
sql() { PGPASSWORD=$PG_PASSWORD "$ETLC_PG_BIN/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

sql "DROP TABLE IF EXISTS d; CREATE TABLE d(id numeric(20,0) PRIMARY KEY, a numeric(15,2), b numeric(38,10),
       c numeric(4,4), e numeric(18,0), f numeric(5,-2), g numeric(30,3));
     INSERT INTO d SELECT g,
       round(((random() - 0.5) * 2e13)::numeric, 2),
       round(((random() - 0.5) * 2e27)::numeric, 10),
       round((random() - 0.5)::numeric, 4),
       (random() * 1e17)::numeric(18,0) * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END),
       round(((random() - 0.5) * 1e7)::numeric, -2),
       CASE WHEN g % 7 = 0 THEN NULL ELSE round((random() * 1e26)::numeric, 3) END
     FROM generate_series(1, 3000) g;
     INSERT INTO d VALUES (100000000000000000000 - 1, 9999999999999.99, 9999999999999999999999999999.9999999999,
       -0.9999, -999999999999999999, 9999900, -999999999999999999999999999.999),
       (3001, 0, -0.0000000001, 0.0001, 0, 0, 0.001), (3002, -0.01, 0, 0, 1, -100, NULL);"
sql "COPY (SELECT * FROM d ORDER BY id) TO STDOUT (FORMAT csv)" > "$WORK/expect.csv"

# copy-split: files of 700 records cut batches into views (scaled rows shifted too)
for mode in copy rows copy-split; do
  extra=()
  [ "$mode" = copy-split ] && extra=(--max-records-per-file 700)
  run "$ETLCONN" fetch --format parquet --lake "lake-$mode" --set fetch_mode=${mode%-split} "${extra[@]}" postgres "SELECT * FROM d ORDER BY id"
  expect_rc "fetch numerics into Parquet, fetch_mode=$mode" 0
  check "fetch_mode=$mode: every DECIMAL equals PostgreSQL's value" python3 - "$WORK/expect.csv" "lake-$mode" <<'PY'
import csv, decimal, glob, sys
import pyarrow as pa, pyarrow.parquet as pq
files = sorted(glob.glob(sys.argv[2] + "/**/*.parquet", recursive=True))
assert len(files) == (5 if sys.argv[2].endswith("split") else 1), files
t = pa.concat_tables([pq.read_table(f) for f in files])
want = {"id": (20, 0), "a": (15, 2), "b": (38, 10), "c": (4, 4), "e": (18, 0), "f": (7, 0), "g": (30, 3)}
for name, (p, s) in want.items():
    ty = t.schema.field(name).type
    assert pa.types.is_decimal(ty) and (ty.precision, ty.scale) == (p, s), (name, ty)
got = sorted(t.to_pylist(), key=lambda r: r["id"])
exp = list(csv.reader(open(sys.argv[1])))
assert len(got) == len(exp) == 3003, (len(got), len(exp))
names = list(want)
for row, e in zip(got, exp):
    for name, text in zip(names, e):
        v = row[name]
        if text == "":
            assert v is None, (name, row)
        else:
            assert v == decimal.Decimal(text), (name, v, text)
PY
done

sql "DROP TABLE IF EXISTS nan; CREATE TABLE nan(x numeric(10,2)); INSERT INTO nan VALUES (1.5), ('NaN');"
run "$ETLCONN" fetch --format parquet --lake lake-nan postgres "SELECT x FROM nan"
expect_rc "NaN in numeric(10,2) fails the fetch" 1
contains "NaN is DATA_TYPE" "$ERR" "DATA_TYPE"
contains "the error names the column and NaN" "$ERR" "column 'x'"
contains "the error says NaN" "$ERR" "NaN"
check "the failed fetch leaves no file" test "$(file_count lake-nan)" -eq 0

# A numeric key pages the extract: each page starts after the last key,
# read back from the scaled integer.
run "$ETLCONN" extract postgres --format parquet --compact --table d --key id --batch-size 700 --lake xlake --state x.json
expect_rc "extract paged on a numeric(20,0) key" 0
contains "3003 records" "$OUT" '"record_count":3003'
check "every row once across the 5 pages" python3 - xlake <<'PY'
import glob, json, sys
import pyarrow.parquet as pq
ids = []
for f in glob.glob(sys.argv[1] + "/**/*.parquet", recursive=True):
    ids += [int(v) for v in pq.read_table(f, columns=["id"]).column("id").to_pylist()]
assert len(ids) == len(set(ids)) == 3003, len(ids)
assert max(ids) == 10**20 - 1
PY

finish
