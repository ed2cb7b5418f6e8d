# Sourced by the SQLite benchmarks: sqlite_bench_db DB ROWS makes DB (once)
# with ROWS rows of the one bench table, t(id INTEGER PRIMARY KEY, qty
# INTEGER, price REAL, name TEXT, note TEXT with 10% NULL, at TIMESTAMP).
sqlite_bench_db() {
  local db=$1 rows=$2
  [ -s "$db" ] && return 0
  echo "generating $rows rows into $db" >&2
  rm -f "$db"
  sqlite3 "$db" <<SQL
CREATE TABLE t(id INTEGER PRIMARY KEY, qty INTEGER, price REAL, name TEXT, note TEXT, at TIMESTAMP);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO t SELECT i, i % 1000, (i % 100000) / 100.0, 'name-' || (i % 5000),
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'a longer free-text note for row ' || i END,
  strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') FROM n;
SQL
}
