#!/usr/bin/env bash
# SQLite -> files: etlconn vs the tools users would otherwise pick, side by side.
#   bench/sqlite_export.sh [ROWS]     (default 2,000,000)
# Compared: etlconn fetch (jsonl, csv), the sqlite3 shell (-json, -csv), and
# Python's sqlite3 + csv / json modules. Needs a built etlconn (make build).
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
echo "## SQLite -> CSV ($ROWS rows)"
python3 bench/measure.py --rows "$ROWS" \
  --label "etlconn fetch --format csv" -- "$ETLCONN -q fetch sqlite --set database_path=$DB '$Q' --format csv --lake $OUT/lake" \
  --label "sqlite3 -csv" -- "sqlite3 -csv -header $DB '$Q' > $OUT/sqlite3.csv" \
  --label "python sqlite3 + csv" -- "python3 $OUT/py_csv.py $DB '$Q' $OUT/py.csv"
echo
echo "## SQLite -> JSON lines ($ROWS rows)"
python3 bench/measure.py --rows "$ROWS" \
  --label "etlconn fetch --format jsonl" -- "$ETLCONN -q fetch sqlite --set database_path=$DB '$Q' --format jsonl --lake $OUT/lake" \
  --label "sqlite3 -json" -- "sqlite3 -json $DB '$Q' > $OUT/sqlite3.json" \
  --label "python sqlite3 + json" -- "python3 $OUT/py_jsonl.py $DB '$Q' $OUT/py.jsonl"
