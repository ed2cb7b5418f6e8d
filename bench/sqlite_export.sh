#!/usr/bin/env bash
# SQLite -> files: etlconn vs the tools users would otherwise pick, side by side.
#   bench/sqlite_export.sh [ROWS]     (default 2,000,000)
# Compared: etlconn fetch (jsonl, csv), the sqlite3 shell (-csv, json_object() per line), and
# Python's sqlite3 + csv / json modules, in interleaved verified rounds
# (bench/pairs.py). Needs a built etlconn (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-2000000}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=bench/out/sqlite
mkdir -p "$OUT"
DB="$OUT/bench-$ROWS.db"
if [ ! -s "$DB" ]; then
  echo "generating $ROWS rows into $DB" >&2
  rm -f "$DB"
  sqlite3 "$DB" <<SQL
CREATE TABLE t(id INTEGER PRIMARY KEY, qty INTEGER, price REAL, name TEXT, note TEXT, at TIMESTAMP);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO t SELECT i, i % 1000, (i % 100000) / 100.0, 'name-' || (i % 5000),
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'a longer free-text note for row ' || i END,
  strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') FROM n;
SQL
fi
Q="SELECT * FROM t"
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
FP="python3 bench/fingerprint.py"
EXPECT=$($FP --sqlite "$DB" "$Q")
echo "## SQLite -> CSV ($ROWS rows)"
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$EXPECT" \
  --tool "etlconn fetch --format csv" "$ETLCONN -q fetch sqlite --set database_path=$DB '$Q' --format csv --lake $OUT/lake-csv" \
    --prepare "rm -rf $OUT/lake-csv" --verify "$FP $OUT/lake-csv --format csv --skip-header" \
  --tool "sqlite3 -csv" "sqlite3 -csv -header $DB '$Q' > $OUT/sqlite3.csv && sync $OUT/sqlite3.csv" \
    --verify "$FP $OUT/sqlite3.csv --skip-header" \
  --tool "python sqlite3 + csv" "python3 $OUT/py_csv.py $DB '$Q' $OUT/py.csv && sync $OUT/py.csv" \
    --verify "$FP $OUT/py.csv --skip-header"
echo
# JSON lines on every side: the sqlite3 shell's -json writes one array, so
# its JSON-lines form is one json_object() per row in list mode.
COLS=$(sqlite3 "$DB" "SELECT group_concat(quote(name) || ',' || name, ',') FROM pragma_table_info('t')")
echo "## SQLite -> JSON lines ($ROWS rows)"
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$EXPECT" \
  --tool "etlconn fetch --format jsonl" "$ETLCONN -q fetch sqlite --set database_path=$DB '$Q' --format jsonl --lake $OUT/lake-jsonl" \
    --prepare "rm -rf $OUT/lake-jsonl" --verify "$FP $OUT/lake-jsonl --format jsonl" \
  --tool "sqlite3 json_object() lines" "sqlite3 -list $DB \"SELECT json_object($COLS) FROM t\" > $OUT/sqlite3.jsonl && sync $OUT/sqlite3.jsonl" \
    --verify "$FP $OUT/sqlite3.jsonl" \
  --tool "python sqlite3 + json" "python3 $OUT/py_jsonl.py $DB '$Q' $OUT/py.jsonl && sync $OUT/py.jsonl" \
    --verify "$FP $OUT/py.jsonl"
