#!/usr/bin/env bash
# SQLite -> pyarrow.Table in a Python process: etlconn's fetch_arrow vs the
# ways users would otherwise build it, side by side (issue 13).
#   bench/sqlite_arrow.sh [ROWS]     (default 2,000,000; the table of bench/sqlite_table.sh)
# Compared (each a fresh python process that builds one pyarrow.Table):
#   etlconn: get_sqlite_engine(db).fetch_arrow(query)   (build tree's package, PYTHONPATH)
#   pyarrow + sqlite3: cursor.fetchmany(65536) -> one RecordBatch per chunk -> Table
#   DuckDB sqlite scanner: ATTACH ... (TYPE sqlite); SELECT * ... .arrow()   (when the extension can be had)
# Every tool writes its table as an uncompressed Arrow IPC file inside the
# timed run (the same small cost for all); --verify turns it into Parquet,
# untimed, and fingerprints it with bench/fingerprint.py --duckdb against the
# table itself (dumped once by the sqlite3 shell). ROUNDS=N (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-2000000}
ROUNDS=${ROUNDS:-5}
PKG=${ETLCONN_PYTHONPATH:-$PWD/build/python}
OUT=$PWD/bench/out/sqlite_arrow
DUCKVENV=$PWD/bench/out/duckvenv-sqlite
[ -e "$PKG/etlconn/__init__.py" ] || { echo "no $PKG/etlconn: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"
. bench/sqlite_table.sh
DB=$PWD/bench/out/sqlite/bench-$ROWS.db
mkdir -p "$(dirname "$DB")"
sqlite_bench_db "$DB" "$ROWS"
Q="SELECT * FROM t"

# DuckDB's sqlite scanner from PyPI (as bench/sqlite_export.sh), plus pyarrow for .arrow().
if [ ! -e "$DUCKVENV/.tried" ]; then
  python3 -m venv "$DUCKVENV" && touch "$DUCKVENV/.tried"
  "$DUCKVENV/bin/pip" install -q duckdb-extension-sqlite-scanner >&2 || echo "duckdb-extension-sqlite-scanner could not be installed" >&2
fi
if [ -x "$DUCKVENV/bin/python" ] && ! "$DUCKVENV/bin/python" -c 'import pyarrow' 2>/dev/null; then
  "$DUCKVENV/bin/pip" install -q pyarrow >&2 || echo "pyarrow could not be installed into $DUCKVENV" >&2
fi
DUCK_EXT=$(ls "$DUCKVENV"/lib/python3*/site-packages/duckdb_extension_sqlite_scanner/extensions/*/sqlite_scanner.duckdb_extension 2>/dev/null | head -1 || true)

cat > "$OUT/t_etlconn.py" <<'PY'
import sys, etlconn, arrow_ipc
arrow_ipc.save(etlconn.get_sqlite_engine(sys.argv[1]).fetch_arrow(sys.argv[2]), sys.argv[3])
PY
cat > "$OUT/t_pyarrow.py" <<'PY'
import sqlite3, sys, pyarrow as pa, arrow_ipc
cur = sqlite3.connect(sys.argv[1]).execute(sys.argv[2])
names = [d[0] for d in cur.description]
batches = []
while True:
    rows = cur.fetchmany(65536)
    if not rows:
        break
    batches.append(pa.RecordBatch.from_arrays([pa.array(c) for c in zip(*rows)], names=names))
arrow_ipc.save(pa.Table.from_batches(batches), sys.argv[3])
PY
cat > "$OUT/t_duck.py" <<'PY'
import sys, duckdb, arrow_ipc
con = duckdb.connect()
con.execute(f"LOAD '{sys.argv[4]}'")
con.execute(f"ATTACH '{sys.argv[1]}' AS src (TYPE sqlite, READ_ONLY)")
con.execute("USE src")
t = con.execute(sys.argv[2]).arrow()
arrow_ipc.save(t.read_all() if hasattr(t, "read_all") else t, sys.argv[3])  # newer DuckDB: a reader
PY
FP="python3 bench/fingerprint.py --duckdb"
sqlite3 -csv -header "$DB" "$Q" > "$OUT/source.csv"
EXPECT=$($FP "$OUT/source.csv" --format csv)
rm -f "$OUT/source.csv"
ENV="PYTHONPATH=$PWD/bench:$PKG"
args=(--rounds "$ROUNDS" --expect "$EXPECT" --json "$OUT/sqlite_arrow.json" --title "SQLite -> pyarrow.Table, $ROWS rows"
  --tool "etlconn fetch_arrow" "$ENV python3 $OUT/t_etlconn.py $DB '$Q' $OUT/e.arrow"
    --prepare "rm -f $OUT/e.arrow*" --verify "python3 bench/arrow_ipc.py $OUT/e.arrow"
  --tool "pyarrow + sqlite3" "$ENV python3 $OUT/t_pyarrow.py $DB '$Q' $OUT/p.arrow"
    --prepare "rm -f $OUT/p.arrow*" --verify "python3 bench/arrow_ipc.py $OUT/p.arrow")
if [ -n "$DUCK_EXT" ] && PYTHONPATH=$PWD/bench "$DUCKVENV/bin/python" "$OUT/t_duck.py" "$DB" "$Q LIMIT 10" "$OUT/duck-check.arrow" "$DUCK_EXT" 2>"$OUT/duck.err"; then
  args+=(--tool "DuckDB sqlite scanner .arrow()" "PYTHONPATH=$PWD/bench $DUCKVENV/bin/python $OUT/t_duck.py $DB '$Q' $OUT/d.arrow $DUCK_EXT"
    --prepare "rm -f $OUT/d.arrow*" --verify "python3 bench/arrow_ipc.py $OUT/d.arrow")
else
  echo "DuckDB's sqlite scanner is not available here (${DUCK_EXT:-not installed}): $(tail -1 "$OUT/duck.err" 2>/dev/null)" >&2
fi
echo "## SQLite -> pyarrow.Table ($ROWS rows)"
python3 bench/pairs.py "${args[@]}"
# Targets: none set by the issue for SQLite; the ratios are reported beside
# the PostgreSQL ones (python_arrow.sh).
