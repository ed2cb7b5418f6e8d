#!/usr/bin/env bash
# SQLite -> files: etlconn vs the tools users would otherwise pick, side by side.
#   bench/sqlite_export.sh [ROWS]     (default 2,000,000)
# Compared: etlconn fetch (jsonl, csv), the sqlite3 shell (-csv, json_object() per line),
# DuckDB through its sqlite scanner (COPY ... (FORMAT csv) / (FORMAT json), the latter
# being JSON lines), and Python's sqlite3 + csv / json modules, in interleaved verified
# rounds (bench/pairs.py). Needs a built etlconn (make build).
# DuckDB runs with its default thread count (one per core); etlconn's export is one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-2000000}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=bench/out/sqlite
mkdir -p "$OUT"
DB="$OUT/bench-$ROWS.db"
. bench/sqlite_table.sh
sqlite_bench_db "$DB" "$ROWS"
Q="SELECT * FROM t"
# DuckDB reads every output for its fingerprint (seconds; the pure-Python
# reader took over 30 s a file at 2M rows, which made a 5-round run last
# most of an hour). The expected value is the same reading of the source
# table dumped once by the sqlite3 shell (untimed).
FP="python3 bench/fingerprint.py --duckdb"
# DuckDB's sqlite extension normally downloads from DuckDB's host at LOAD
# time; here it comes from PyPI (duckdb-extension-sqlite-scanner, which pins
# its duckdb), into a venv of its own. Tried once; without it the DuckDB rows
# are left out (and the script says so).
DUCKVENV=bench/out/duckvenv-sqlite
if [ ! -e "$DUCKVENV/.tried" ]; then
  python3 -m venv "$DUCKVENV" && touch "$DUCKVENV/.tried"
  "$DUCKVENV/bin/pip" install -q duckdb-extension-sqlite-scanner >&2 || echo "duckdb-extension-sqlite-scanner could not be installed" >&2
fi
DUCK_EXT=$(ls "$DUCKVENV"/lib/python3*/site-packages/duckdb_extension_sqlite_scanner/extensions/*/sqlite_scanner.duckdb_extension 2>/dev/null | head -1 || true)
[ -n "$DUCK_EXT" ] || echo "no DuckDB sqlite scanner: the DuckDB rows are left out" >&2
cat > "$OUT/duck_sqlite.py" <<'PY'
import sys, duckdb
ext, db, query, out, fmt = sys.argv[1:6]
con = duckdb.connect()
con.execute(f"LOAD '{ext}'")
con.execute(f"ATTACH '{db}' AS src (TYPE sqlite, READ_ONLY)")
con.execute("USE src")
# FORMAT json writes one object per line (JSON lines), not an array.
opts = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT json"
con.execute(f"COPY ({query}) TO '{out}' ({opts})")
PY
DUCK=()
duck_tool() { # duck_tool FMT FILE: the DuckDB competitor's pairs.py arguments, or none
  [ -n "$DUCK_EXT" ] || return 0
  local name="duckdb sqlite scanner, COPY (FORMAT $1)" verify="$FP $OUT/$2 --format csv"
  [ "$1" = csv ] || verify="$FP $OUT/$2 --format jsonl"
  DUCK=(--tool "$name" "$DUCKVENV/bin/python $OUT/duck_sqlite.py $DUCK_EXT $DB '$Q' $OUT/$2 $1 && sync $OUT/$2"
        --prepare "rm -f $OUT/$2" --verify "$verify")
}
cat > "$OUT/py_csv.py" <<'PY'
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
cur = con.execute(sys.argv[2])
with open(sys.argv[3], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([d[0] for d in cur.description])
    while True:
        rows = cur.fetchmany(10000)
        if not rows: break
        w.writerows(rows)
PY
cat > "$OUT/py_jsonl.py" <<'PY'
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
cur = con.execute(sys.argv[2])
names = [d[0] for d in cur.description]
with open(sys.argv[3], "w") as f:
    while True:
        rows = cur.fetchmany(10000)
        if not rows: break
        for r in rows:
            f.write(json.dumps(dict(zip(names, r)), ensure_ascii=False) + "\n")
PY
# Interleaved rounds (bench/pairs.py); every output, ours and the
# competitors', is fingerprinted (rows + order-independent checksum) and must
# match the source table's fingerprint. etlconn fsyncs what it lands (it
# cannot be turned off), so every competitor's file is synced too (`sync FILE`).
ROUNDS=${ROUNDS:-5}
sqlite3 -csv -header "$DB" "$Q" > "$OUT/source.csv"
EXPECT=$($FP "$OUT/source.csv" --format csv)
rm -f "$OUT/source.csv"
echo "## SQLite -> CSV ($ROWS rows)"
duck_tool csv duck.csv
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$EXPECT" \
  --tool "etlconn fetch --format csv" "$ETLCONN -q fetch sqlite --set database_path=$DB '$Q' --format csv --lake $OUT/lake-csv" \
    --prepare "rm -rf $OUT/lake-csv" --verify "$FP $OUT/lake-csv --format csv" \
  --tool "sqlite3 -csv" "sqlite3 -csv -header $DB '$Q' > $OUT/sqlite3.csv && sync $OUT/sqlite3.csv" \
    --verify "$FP $OUT/sqlite3.csv --format csv" \
  --tool "python sqlite3 + csv" "python3 $OUT/py_csv.py $DB '$Q' $OUT/py.csv && sync $OUT/py.csv" \
    --verify "$FP $OUT/py.csv --format csv" \
  "${DUCK[@]}"
echo
# JSON lines on every side: the sqlite3 shell's -json writes one array, so
# its JSON-lines form is one json_object() per row in list mode.
COLS=$(sqlite3 "$DB" "SELECT group_concat(quote(name) || ',' || name, ',') FROM pragma_table_info('t')")
echo "## SQLite -> JSON lines ($ROWS rows)"
duck_tool json duck.jsonl
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$EXPECT" \
  --tool "etlconn fetch --format jsonl" "$ETLCONN -q fetch sqlite --set database_path=$DB '$Q' --format jsonl --lake $OUT/lake-jsonl" \
    --prepare "rm -rf $OUT/lake-jsonl" --verify "$FP $OUT/lake-jsonl --format jsonl" \
  --tool "sqlite3 json_object() lines" "sqlite3 -list $DB \"SELECT json_object($COLS) FROM t\" > $OUT/sqlite3.jsonl && sync $OUT/sqlite3.jsonl" \
    --verify "$FP $OUT/sqlite3.jsonl --format jsonl" \
  --tool "python sqlite3 + json" "python3 $OUT/py_jsonl.py $DB '$Q' $OUT/py.jsonl && sync $OUT/py.jsonl" \
    --verify "$FP $OUT/py.jsonl --format jsonl" \
  "${DUCK[@]}"
