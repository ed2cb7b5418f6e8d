#!/usr/bin/env bash
# PostgreSQL -> Parquet (zstd): etlconn vs the tools users would otherwise pick,
# side by side on a TPC-H lineitem table.
#   bench/pg_to_parquet.sh [ROWS...]   (default 2000000 6000000 18000000; 18M is TPC-H SF3)
# Compared (all landing lineitem as zstd level 1 Parquet, except the ceilings):
#   psql COPY ... TO STDOUT (FORMAT binary) > /dev/null   the ceiling: the server's own output
#   psql COPY ... TO STDOUT (FORMAT csv) > /dev/null      the same in CSV, for reference
#   DuckDB postgres extension COPY (...) TO '...parquet'  when the extension can be installed
#   ConnectorX read_sql(return_type="arrow") + pyarrow.parquet.write_table
#   SQLAlchemy + pandas read_sql + DataFrame.to_parquet    the Python way (psycopg2)
#   etlconn fetch postgres --format parquet
#   etlconn extract --partitions 2 / 4 --format parquet
#     (a full read split on the table's heap blocks: each partition streams
#     its ctid range with COPY binary on its own connection, all in one
#     exported snapshot), and --partitions 2 --partition-on l_orderkey
#     (key ranges: N scans of the table, each filtered by the key)
# Codec and level: zstd level 1 everywhere (etlconn's zstd level is 1, fixed
# in src/sinks/parquet/compress.c; DuckDB COMPRESSION_LEVEL 1; pyarrow
# compression_level=1).
# Interleaved rounds through bench/pairs.py; every output verified against
# the table (bench/fingerprint.py --duckdb). The Python way (pandas) is slow
# and runs only with WITH_PANDAS=1.
# The server comes from tests/services/postgres (started here, stopped on exit);
# lineitem comes from tpchgen-cli (PyPI; TPC-H dbgen's data, scale factor 1 =
# 6,001,215 rows) loaded with COPY. Python tools live in bench/out/venv (made here).
# Needs a built etlconn (make build). ROUNDS=N sets the rounds (default 5),
# WARMUP=N the warm-up rounds before them (default 1; 0 for one long run at 18M).
# SCAN_PARTITIONS=N (2..16) makes `etlconn fetch` (the base of the targets)
# read with the postgres option scan_partitions=N (PG_SCAN_PARTITIONS: N
# heap-block ranges in one snapshot, as DuckDB's scanner) and adds the
# one-stream fetch as a row.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(2000000 6000000 18000000)
LARGE=$(printf '%s\n' "${SIZES[@]}" | sort -n | tail -1)
ROUNDS=${ROUNDS:-5}
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
for n in "${SIZES[@]}"; do
  psql -q -v ON_ERROR_STOP=1 -c "CREATE TABLE lineitem_$n AS SELECT * FROM lineitem LIMIT $n" -c "VACUUM ANALYZE lineitem_$n"
done
psql -q -v ON_ERROR_STOP=1 -c "DROP TABLE lineitem"
echo "loaded lineitem (scale factor $SF) in $(( $(date +%s) - t0 ))s" >&2

cat > "$OUT/py_cx.py" <<'PY'
import sys, connectorx as cx, pyarrow.parquet as pq
t = cx.read_sql(sys.argv[1], sys.argv[2], return_type="arrow")
pq.write_table(t, sys.argv[3], compression="zstd", compression_level=1)
PY
cat > "$OUT/py_pandas.py" <<'PY'
import sys, pandas as pd, sqlalchemy as sa
engine = sa.create_engine(sys.argv[1].replace("postgresql://", "postgresql+psycopg2://", 1))
with engine.connect() as conn:
    df = pd.read_sql(sa.text(sys.argv[2]), conn)
df.to_parquet(sys.argv[3], engine="pyarrow", compression="zstd", compression_level=1, index=False)
PY
cat > "$OUT/py_duck.py" <<'PY'
import os, sys, duckdb
con = duckdb.connect()
con.execute(f"LOAD '{sys.argv[1]}'")
con.execute("ATTACH '' AS pg (TYPE postgres, READ_ONLY)")  # libpq takes PGHOST... from the environment
con.execute(f"COPY (SELECT * FROM pg.public.{sys.argv[2]}) TO '{sys.argv[3]}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)")
PY
DUCK_OK=""
if [ -n "$DUCK_EXT" ] && "$DUCKVENV/bin/python" "$OUT/py_duck.py" "$DUCK_EXT" "lineitem_${SIZES[0]}" "$OUT/duck-check.parquet" 2>"$OUT/duck.err"; then
  DUCK_OK=1
else
  echo "DuckDB's postgres extension is not available here (${DUCK_EXT:-not installed}): $(tail -1 "$OUT/duck.err" 2>/dev/null)" >&2
fi

# Every output -- etlconn's lakes and each competitor's file -- is
# fingerprinted with DuckDB (rows + order-independent checksum of the
# values) after every run and must equal the fingerprint of the table itself
# (read from PostgreSQL as CSV once). The ceiling writes to /dev/null and is
# marked unverified. Codec and level are the same on every side: zstd level 1;
# etlconn fsyncs what it lands, so every competitor's file is synced too.
FP="python3 bench/fingerprint.py --duckdb"
run() { # run TABLE ROUNDS
  local table=$1 rounds=$2
  local q="SELECT * FROM $table"
  local x="$ETLCONN -q extract postgres --table $table --format parquet --compression zstd"
  psql -X -q -c "\\copy $table TO '$OUT/source.csv' WITH (FORMAT csv, HEADER)"
  local expect
  expect=$($FP "$OUT/source.csv" --format csv)
  rm -f "$OUT/source.csv"
  local n=${SCAN_PARTITIONS:-1} label="etlconn fetch"
  [ "$n" -gt 1 ] && label="etlconn fetch (scan_partitions=$n)"
  # each range holds a pooled session: pool_max at least n
  local f="PG_SCAN_PARTITIONS=$n PG_POOL_MAX=$(( n > 4 ? n : 4 )) $ETLCONN -q fetch postgres '$q' --format parquet --compression zstd"
  local args=(--rounds "$rounds" --warmup "${WARMUP:-1}" --expect "$expect" --json "$OUT/$table.json" --title "PostgreSQL -> Parquet (zstd 1), $table"
    --tool "$label" "$f --lake $OUT/lake"
      --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake")
  [ "$n" -gt 1 ] && args+=(--tool "etlconn fetch (one stream)" "$ETLCONN -q fetch postgres '$q' --format parquet --compression zstd --lake $OUT/lake1"
      --prepare "rm -rf $OUT/lake1" --verify "$FP $OUT/lake1")
  args+=(
    --tool "etlconn extract --partitions 2 (heap blocks)" "$x --partitions 2 --lake $OUT/xlake2 > /dev/null"
      --prepare "rm -rf $OUT/xlake2" --verify "$FP $OUT/xlake2"
    --tool "etlconn extract --partitions 4 (heap blocks)" "$x --partitions 4 --lake $OUT/xlake4 > /dev/null"
      --prepare "rm -rf $OUT/xlake4" --verify "$FP $OUT/xlake4"
    --tool "etlconn extract --partitions 2 --partition-on l_orderkey" "$x --partitions 2 --partition-on l_orderkey --lake $OUT/klake2 > /dev/null"
      --prepare "rm -rf $OUT/klake2" --verify "$FP $OUT/klake2"
    --tool "psql COPY binary > /dev/null (ceiling)" "psql -X -q -c 'COPY $table TO STDOUT (FORMAT binary)' > /dev/null"
      --unverified "the server's raw output, discarded"
    --tool "psql COPY csv > /dev/null" "psql -X -q -c 'COPY $table TO STDOUT (FORMAT csv)' > /dev/null"
      --unverified "the server's CSV output, discarded")
  [ -n "$DUCK_OK" ] && args+=(--tool "DuckDB postgres extension" "$DUCKVENV/bin/python $OUT/py_duck.py $DUCK_EXT $table $OUT/duck.parquet && sync $OUT/duck.parquet"
      --prepare "rm -f $OUT/duck.parquet" --verify "$FP $OUT/duck.parquet")
  args+=(--tool "ConnectorX + pyarrow" "$PY $OUT/py_cx.py '$DSN' '$q' $OUT/cx.parquet && sync $OUT/cx.parquet"
      --prepare "rm -f $OUT/cx.parquet" --verify "$FP $OUT/cx.parquet")
  [ -n "${WITH_PANDAS:-}" ] && args+=(--tool "SQLAlchemy + pandas + pyarrow" "$PY $OUT/py_pandas.py '$DSN' '$q' $OUT/pandas.parquet && sync $OUT/pandas.parquet"
      --prepare "rm -f $OUT/pandas.parquet" --verify "$FP $OUT/pandas.parquet")
  python3 bench/pairs.py "${args[@]}"
}

JSONS=()
for n in "${SIZES[@]}"; do
  echo "## PostgreSQL -> Parquet (zstd), lineitem, $n rows"
  run "lineitem_$n" "$ROUNDS"
  JSONS+=("$OUT/lineitem_$n.json")
  echo
done
# Targets (issue 14): etlconn fetch >= 0.9x the binary ceiling's speed,
# >= 1.2x DuckDB, >= 1.5x ConnectorX with <= 1/4 of its peak RSS, >= 10x the
# Python way.
python3 bench/targets.py "psql COPY binary=0.9" DuckDB=1.2 ConnectorX=1.5:0.25 SQLAlchemy=10 -- "${JSONS[@]}"
