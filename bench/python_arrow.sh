#!/usr/bin/env bash
# PostgreSQL -> pyarrow.Table in a Python process: etlconn's fetch_arrow vs
# the tools users would otherwise pick, side by side on TPC-H lineitem.
#   bench/python_arrow.sh [SMALL_ROWS] [LARGE_ROWS]   (default 2,000,000 and 6,000,000)
# Compared (each a fresh python process that builds one pyarrow.Table):
#   etlconn: get_postgres_engine(...).fetch_arrow(query)   (build tree's package, PYTHONPATH)
#   ConnectorX: read_sql(dsn, query, return_type="arrow")
#   DuckDB postgres scanner: ATTACH ... (TYPE postgres); SELECT * ... .arrow()  (when the extension can be had)
#   SQLAlchemy + pandas.read_sql -> pyarrow.Table.from_pandas   (only with WITH_PANDAS=1: slow)
# Every tool then writes its table as an uncompressed Arrow IPC file (inside
# the timed run, the same small cost for all: a copy of the buffers), which
# --verify turns into Parquet, untimed, and fingerprints with
# bench/fingerprint.py --duckdb against the table itself.
# Server: tests/services/postgres (started here, stopped on exit); data:
# tpchgen-cli; Python tools in bench/out/venv (shared with pg_to_parquet.sh).
# Needs a built tree (make build: build/python/etlconn). ROUNDS=N (default 5).
# SCAN_PARTITIONS=N (2..16) makes etlconn's row (the base of the targets) read
# with the postgres option scan_partitions=N (N heap-block ranges in one
# snapshot, as DuckDB's scanner) and adds the one-stream fetch_arrow as a row.
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-2000000}
LARGE=${2:-6000000}
ROUNDS=${ROUNDS:-5}
PKG=${ETLCONN_PYTHONPATH:-$PWD/build/python}
OUT=$PWD/bench/out/pyarrow
VENV=$PWD/bench/out/venv
DUCKVENV=$PWD/bench/out/duckvenv
SVC=$OUT/service
[ -e "$PKG/etlconn/__init__.py" ] || { echo "no $PKG/etlconn: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"

# ---- tools (as bench/pg_to_parquet.sh installs them) ---------------------------
if [ ! -x "$VENV/bin/tpchgen-cli" ] || ! "$VENV/bin/python" -c 'import connectorx, sqlalchemy, pandas, psycopg2' 2>/dev/null; then
  echo "installing the Python tools into $VENV" >&2
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q connectorx sqlalchemy pandas psycopg2-binary pyarrow tpchgen-cli >&2
fi
PY=$VENV/bin/python
if [ ! -e "$DUCKVENV/.tried" ]; then
  python3 -m venv "$DUCKVENV" && touch "$DUCKVENV/.tried"
  "$DUCKVENV/bin/pip" install -q duckdb-extension-postgres pyarrow >&2 || echo "duckdb-extension-postgres could not be installed" >&2
fi
# bench/pg_to_parquet.sh makes the same venv without pyarrow (it writes
# Parquet from DuckDB); .arrow() needs it.
if [ -x "$DUCKVENV/bin/python" ] && ! "$DUCKVENV/bin/python" -c 'import pyarrow' 2>/dev/null; then
  "$DUCKVENV/bin/pip" install -q pyarrow >&2 || echo "pyarrow could not be installed into $DUCKVENV" >&2
fi
DUCK_EXT=$(ls "$DUCKVENV"/lib/python3*/site-packages/duckdb_extension_postgres/extensions/*/postgres.duckdb_extension 2>/dev/null | head -1 || true)
if [ -n "$DUCK_EXT" ]; then
  cp "$DUCK_EXT" "$OUT/postgres_scanner.duckdb_extension"
  DUCK_EXT=$OUT/postgres_scanner.duckdb_extension
fi

# ---- server and data -----------------------------------------------------------
trap 'tests/services/postgres stop "$SVC" >/dev/null 2>&1 || true' EXIT
tests/services/postgres start "$SVC" >/dev/null
set -a; . "$SVC/env"; set +a
export PGHOST=$PG_HOST PGPORT=$PG_PORT PGDATABASE=$PG_DATABASE PGUSER=$PG_USERNAME PGPASSWORD=$PG_PASSWORD
DSN="postgresql://$PG_USERNAME:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_DATABASE"
psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE lineitem (
  l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL,
  l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL,
  l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL,
  l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL,
  l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
  l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL);
SQL
SF=$(python3 -c "import math; print(max(0.01, math.ceil($LARGE / 6001215 * 100) / 100))")
"$VENV/bin/tpchgen-cli" csv -s "$SF" --tables lineitem --stdout \
  | psql -q -v ON_ERROR_STOP=1 -c "COPY lineitem FROM STDIN (FORMAT csv, HEADER true)"
psql -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE lineitem_large AS SELECT * FROM lineitem LIMIT $LARGE;
CREATE TABLE lineitem_small AS SELECT * FROM lineitem_large LIMIT $SMALL;
DROP TABLE lineitem;
VACUUM ANALYZE lineitem_large; VACUUM ANALYZE lineitem_small;
SQL

# ---- the tools' scripts: argv = table, output .arrow ----------------------------
cat > "$OUT/t_etlconn.py" <<'PY'
import os, sys, etlconn, arrow_ipc
n = int(os.environ.get("SCAN_PARTITIONS") or 1)  # each range holds a pooled session
scan = dict(scan_partitions=n, pool_max=max(4, n)) if n > 1 else {}
eng = etlconn.get_postgres_engine(host=os.environ["PG_HOST"], port=int(os.environ["PG_PORT"]),
                                  database=os.environ["PG_DATABASE"], username=os.environ["PG_USERNAME"],
                                  password=os.environ["PG_PASSWORD"], **scan)
arrow_ipc.save(eng.fetch_arrow(f"SELECT * FROM {sys.argv[1]}"), sys.argv[2])
PY
cat > "$OUT/t_cx.py" <<'PY'
import os, sys, connectorx as cx, arrow_ipc
arrow_ipc.save(cx.read_sql(os.environ["DSN"], f"SELECT * FROM {sys.argv[1]}", return_type="arrow"), sys.argv[2])
PY
cat > "$OUT/t_duck.py" <<'PY'
import os, sys, duckdb, arrow_ipc
con = duckdb.connect()
con.execute(f"LOAD '{os.environ['DUCK_EXT']}'")
con.execute("ATTACH '' AS pg (TYPE postgres, READ_ONLY)")
t = con.execute(f"SELECT * FROM pg.public.{sys.argv[1]}").arrow()
arrow_ipc.save(t.read_all() if hasattr(t, "read_all") else t, sys.argv[2])  # newer DuckDB: a reader
PY
cat > "$OUT/t_pandas.py" <<'PY'
import os, sys, pandas as pd, pyarrow as pa, sqlalchemy as sa, arrow_ipc
engine = sa.create_engine(os.environ["DSN"].replace("postgresql://", "postgresql+psycopg2://", 1))
with engine.connect() as conn:
    df = pd.read_sql(sa.text(f"SELECT * FROM {sys.argv[1]}"), conn)
arrow_ipc.save(pa.Table.from_pandas(df, preserve_index=False), sys.argv[2])
PY
export DSN DUCK_EXT
DUCK_OK=""
if [ -n "$DUCK_EXT" ] && PYTHONPATH=$PWD/bench "$DUCKVENV/bin/python" "$OUT/t_duck.py" lineitem_small "$OUT/duck-check.arrow" 2>"$OUT/duck.err"; then
  DUCK_OK=1
else
  echo "DuckDB's postgres extension is not available here (${DUCK_EXT:-not installed}): $(tail -1 "$OUT/duck.err" 2>/dev/null)" >&2
fi

FP="python3 bench/fingerprint.py --duckdb"
VERIFY="$PY bench/arrow_ipc.py"
run() { # run TABLE ROUNDS
  local table=$1 rounds=$2
  psql -X -q -c "\\copy $table TO '$OUT/source.csv' WITH (FORMAT csv, HEADER)"
  local expect
  expect=$($FP "$OUT/source.csv" --format csv)
  rm -f "$OUT/source.csv"
  local env="PYTHONPATH=$PWD/bench:$PKG"
  local label="etlconn fetch_arrow"
  [ "${SCAN_PARTITIONS:-1}" -gt 1 ] && label="etlconn fetch_arrow (scan_partitions=$SCAN_PARTITIONS)"
  local args=(--rounds "$rounds" --expect "$expect" --json "$OUT/$table.json" --title "PostgreSQL -> pyarrow.Table, $table"
    --tool "$label" "SCAN_PARTITIONS=${SCAN_PARTITIONS:-1} $env $PY $OUT/t_etlconn.py $table $OUT/e.arrow"
      --prepare "rm -f $OUT/e.arrow*" --verify "$VERIFY $OUT/e.arrow")
  [ "${SCAN_PARTITIONS:-1}" -gt 1 ] && args+=(--tool "etlconn fetch_arrow (one stream)" "SCAN_PARTITIONS=1 $env $PY $OUT/t_etlconn.py $table $OUT/e1.arrow"
      --prepare "rm -f $OUT/e1.arrow*" --verify "$VERIFY $OUT/e1.arrow")
  args+=(
    --tool "ConnectorX read_sql arrow" "$env $PY $OUT/t_cx.py $table $OUT/cx.arrow"
      --prepare "rm -f $OUT/cx.arrow*" --verify "$VERIFY $OUT/cx.arrow")
  [ -n "$DUCK_OK" ] && args+=(--tool "DuckDB postgres scanner .arrow()" "PYTHONPATH=$PWD/bench $DUCKVENV/bin/python $OUT/t_duck.py $table $OUT/duck.arrow"
      --prepare "rm -f $OUT/duck.arrow*" --verify "$VERIFY $OUT/duck.arrow")
  [ -n "${WITH_PANDAS:-}" ] && args+=(--tool "SQLAlchemy + pandas.read_sql" "$env $PY $OUT/t_pandas.py $table $OUT/pd.arrow"
      --prepare "rm -f $OUT/pd.arrow*" --verify "$VERIFY $OUT/pd.arrow")
  python3 bench/pairs.py "${args[@]}"
}

echo "## PostgreSQL -> pyarrow.Table, lineitem, $SMALL rows"
run lineitem_small "$ROUNDS"
echo
echo "## PostgreSQL -> pyarrow.Table, lineitem, $LARGE rows"
run lineitem_large "$ROUNDS"
echo
# Targets (issue 13): >= 1.5x ConnectorX with <= 0.5x its peak RSS, >= 1.2x
# DuckDB's scanner, >= 10x pandas.read_sql.
python3 bench/targets.py ConnectorX=1.5:0.5 DuckDB=1.2 SQLAlchemy=10 -- "$OUT/lineitem_small.json" "$OUT/lineitem_large.json"
