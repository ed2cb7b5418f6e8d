#!/usr/bin/env bash
# PostgreSQL -> Parquet (zstd): etlconn vs the tools users would otherwise pick,
# side by side on a TPC-H lineitem table.
#   bench/pg_to_parquet.sh [SMALL_ROWS] [LARGE_ROWS]   (default 2,000,000 and 6,000,000)
# Compared (all landing lineitem as zstd Parquet, except the ceiling):
#   psql COPY ... TO STDOUT (FORMAT binary) > /dev/null   the ceiling: the server's own output
#   DuckDB postgres extension COPY (...) TO '...parquet'  when the extension can be installed
#   ConnectorX read_sql(return_type="arrow") + pyarrow.parquet.write_table
#   SQLAlchemy + pandas read_sql + DataFrame.to_parquet    the Python way (psycopg2)
#   etlconn fetch postgres --format parquet
#   etlconn extract --partitions 2 / 4 --partition-on l_orderkey --format parquet
#     (a full read: each partition streams its key range with COPY binary on
#     its own connection, all in one exported snapshot)
# Every etlconn lake is counted afterwards with pyarrow: each timed run must
# have landed exactly the table's rows.
# The server comes from tests/services/postgres (started here, stopped on exit);
# lineitem comes from tpchgen-cli (PyPI; TPC-H dbgen's data, scale factor 1 =
# 6,001,215 rows) loaded with COPY. Python tools live in bench/out/venv (made here).
# Needs a built etlconn (make build). REPEAT=N sets the best-of count (default 3;
# the Python way and the large table run once).
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-2000000}
LARGE=${2:-6000000}
REPEAT=${REPEAT:-3}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/pg
VENV=$PWD/bench/out/venv
DUCKVENV=$PWD/bench/out/duckvenv
SVC=$OUT/service
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.py  # an old pandas.py would shadow the pandas module

# ---- tools -------------------------------------------------------------------
if [ ! -x "$VENV/bin/tpchgen-cli" ] || ! "$VENV/bin/python" -c 'import connectorx, sqlalchemy, pandas, psycopg2' 2>/dev/null; then
  echo "installing the Python tools into $VENV" >&2
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q connectorx sqlalchemy pandas psycopg2-binary pyarrow tpchgen-cli >&2
fi
PY=$VENV/bin/python
# DuckDB's postgres extension normally downloads from DuckDB's host at LOAD
# time; here it can only come from PyPI (duckdb-extension-postgres, which pins
# its duckdb). Tried once; when it cannot be had the DuckDB row is left out.
DUCK_EXT=""
if [ ! -e "$DUCKVENV/.tried" ]; then
  python3 -m venv "$DUCKVENV" && touch "$DUCKVENV/.tried"
  "$DUCKVENV/bin/pip" install -q duckdb-extension-postgres >&2 || echo "duckdb-extension-postgres could not be installed" >&2
fi
DUCK_EXT=$(ls "$DUCKVENV"/lib/python3*/site-packages/duckdb_extension_postgres/extensions/*/postgres.duckdb_extension 2>/dev/null | head -1 || true)
if [ -n "$DUCK_EXT" ]; then
  # DuckDB derives the entry point from the file name; the extension is postgres_scanner.
  cp "$DUCK_EXT" "$OUT/postgres_scanner.duckdb_extension"
  DUCK_EXT=$OUT/postgres_scanner.duckdb_extension
fi

# ---- server and data ---------------------------------------------------------
trap 'tests/services/postgres stop "$SVC" >/dev/null 2>&1 || true' EXIT
tests/services/postgres start "$SVC" >/dev/null
set -a; . "$SVC/env"; set +a
export PGHOST=$PG_HOST PGPORT=$PG_PORT PGDATABASE=$PG_DATABASE PGUSER=$PG_USERNAME PGPASSWORD=$PG_PASSWORD
DSN="postgresql://$PG_USERNAME:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_DATABASE"
t0=$(date +%s)
psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE lineitem (
  l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL,
  l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL,
  l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL,
  l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL,
  l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
  l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL);
SQL
# Scale factor 1 holds 6,001,215 rows; ask for a little more than LARGE needs.
SF=$(python3 -c "import math; print(max(0.01, math.ceil($LARGE / 6001215 * 100) / 100))")
"$VENV/bin/tpchgen-cli" csv -s "$SF" --tables lineitem --stdout \
  | psql -q -v ON_ERROR_STOP=1 -c "COPY lineitem FROM STDIN (FORMAT csv, HEADER true)"
psql -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE lineitem_large AS SELECT * FROM lineitem LIMIT $LARGE;
CREATE TABLE lineitem_small AS SELECT * FROM lineitem_large LIMIT $SMALL;
DROP TABLE lineitem;
VACUUM ANALYZE lineitem_large; VACUUM ANALYZE lineitem_small;
SQL
echo "loaded lineitem (scale factor $SF) in $(( $(date +%s) - t0 ))s" >&2

cat > "$OUT/py_cx.py" <<'PY'
import sys, connectorx as cx, pyarrow.parquet as pq
t = cx.read_sql(sys.argv[1], sys.argv[2], return_type="arrow")
pq.write_table(t, sys.argv[3], compression="zstd")
PY
cat > "$OUT/py_pandas.py" <<'PY'
import sys, pandas as pd, sqlalchemy as sa
engine = sa.create_engine(sys.argv[1].replace("postgresql://", "postgresql+psycopg2://", 1))
with engine.connect() as conn:
    df = pd.read_sql(sa.text(sys.argv[2]), conn)
df.to_parquet(sys.argv[3], engine="pyarrow", compression="zstd", index=False)
PY
cat > "$OUT/py_duck.py" <<'PY'
import os, sys, duckdb
con = duckdb.connect()
con.execute(f"LOAD '{sys.argv[1]}'")
con.execute("ATTACH '' AS pg (TYPE postgres, READ_ONLY)")  # libpq takes PGHOST... from the environment
con.execute(f"COPY (SELECT * FROM pg.public.{sys.argv[2]}) TO '{sys.argv[3]}' (FORMAT parquet, COMPRESSION zstd)")
PY
DUCK_OK=""
if [ -n "$DUCK_EXT" ] && "$DUCKVENV/bin/python" "$OUT/py_duck.py" "$DUCK_EXT" lineitem_small "$OUT/duck-check.parquet" 2>"$OUT/duck.err"; then
  DUCK_OK=1
else
  echo "DuckDB's postgres extension is not available here (${DUCK_EXT:-not installed}): $(tail -1 "$OUT/duck.err" 2>/dev/null)" >&2
fi

# Rows in every Parquet file under a lake (dot-files are temporaries, not landed).
count_rows() {
  "$PY" - "$1" <<'PY'
import pathlib, sys, pyarrow.parquet as pq
files = [f for f in pathlib.Path(sys.argv[1]).rglob("*.parquet") if not f.name.startswith(".")]
print(sum(pq.ParquetFile(f).metadata.num_rows for f in files))
PY
}

run() { # run TABLE ROWS REPEAT_PY
  local table=$1 rows=$2 rep=$3 pyrep=$4
  local q="SELECT * FROM $table"
  local x="$ETLCONN -q extract postgres --table $table --partition-on l_orderkey --format parquet --compression zstd"
  rm -rf "$OUT/lake" "$OUT/xlake2" "$OUT/xlake4"
  local args=(--rows "$rows" --base "etlconn fetch --format parquet" --json "$OUT/$table.json" --repeat "$rep"
    --label "etlconn fetch --format parquet" -- "$ETLCONN -q fetch postgres '$q' --format parquet --compression zstd --lake $OUT/lake"
    --label "etlconn extract --partitions 2 --format parquet" -- "$x --partitions 2 --lake $OUT/xlake2 > /dev/null"
    --label "etlconn extract --partitions 4 --format parquet" -- "$x --partitions 4 --lake $OUT/xlake4 > /dev/null"
    --label "psql COPY binary > /dev/null (ceiling)" -- "psql -X -q -c 'COPY $table TO STDOUT (FORMAT binary)' > /dev/null")
  [ -n "$DUCK_OK" ] && args+=(--label "DuckDB postgres extension COPY TO parquet" -- "$DUCKVENV/bin/python $OUT/py_duck.py $DUCK_EXT $table $OUT/duck.parquet")
  args+=(--label "ConnectorX + pyarrow" -- "$PY $OUT/py_cx.py '$DSN' '$q' $OUT/cx.parquet"
    --repeat "$pyrep" --label "SQLAlchemy + pandas + pyarrow" -- "$PY $OUT/py_pandas.py '$DSN' '$q' $OUT/pandas.parquet")
  python3 bench/measure.py "${args[@]}"
  # fetch lands the same file name every run (it overwrites); each extract
  # run is a new run of the extraction, with its own file names.
  local count lake got want
  count=$(psql -X -q -A -t -c "SELECT count(*) FROM $table")
  for lake in lake xlake2 xlake4; do
    want=$count
    [ "$lake" = lake ] || want=$(( count * rep ))
    got=$(count_rows "$OUT/$lake")
    [ "$got" -eq "$want" ] || { echo "INCOMPLETE: $OUT/$lake holds $got rows, $rep run(s) of $table should land $want" >&2; exit 1; }
  done
  echo "row counts checked with pyarrow: fetch's file and each of the $rep extract run(s) hold all $count rows of $table" >&2
}

echo "## PostgreSQL -> Parquet (zstd), lineitem, $SMALL rows"
run lineitem_small "$SMALL" "$REPEAT" 1
echo
echo "## PostgreSQL -> Parquet (zstd), lineitem, $LARGE rows"
run lineitem_large "$LARGE" 1 1
echo
# Targets: etlconn >= 0.6x the ceiling's rows/s, >= 1.2x DuckDB, >= 1.5x
# ConnectorX with <= 1/4 of its peak RSS, >= 10x the Python way.
python3 - "$OUT/lineitem_small.json" "$OUT/lineitem_large.json" <<'PY'
import json, sys
print("### Targets (etlconn's rows/s over the other's; RSS etlconn / other)")
print("| table rows | etlconn | vs | speed ratio | target | RSS ratio | target |")
print("|---:|---|---|---:|---:|---:|---:|")
want = {"psql": (0.6, None), "DuckDB": (1.2, None), "ConnectorX": (1.5, 0.25), "SQLAlchemy": (10.0, None)}
for path in sys.argv[1:]:
    d = json.load(open(path))
    res = {r["label"]: r for r in d["results"]}
    for ename, e in res.items():
        if not ename.startswith("etlconn"):
            continue
        for label, r in res.items():
            key = next((k for k in want if label.startswith(k)), None)
            if not key:
                continue
            speed, rss = r["wall"] / e["wall"], e["rss_mib"] / r["rss_mib"]
            ts, tr = want[key]
            ok = lambda v, t, ge: "" if t is None else (" met" if (v >= t if ge else v <= t) else " NOT met")
            print(f"| {d['rows']:,} | {ename.replace(' --format parquet', '')} | {label} | {speed:.2f}x | "
                  f">= {ts}x{ok(speed, ts, True)} | {rss:.2f} | {'<= %.2f' % tr + ok(rss, tr, False) if tr else '-'} |")
PY
