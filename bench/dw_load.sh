#!/usr/bin/env bash
# Lake -> PostgreSQL warehouse: `etlconn load` (Parquet, binary COPY) vs
# `psql \copy` of the equivalent CSV, side by side, same rows, same server.
#   bench/dw_load.sh [ROWS]     (default 3,000,000)
# Each run loads into a fresh table in one transaction (etlconn: --mode
# replace; psql: -1 with DROP/CREATE/\copy). Starts its own PostgreSQL
# through tests/services/postgres. Needs a built etlconn (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-3000000}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=bench/out/dw
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SVCDIR="$OUT/pg"
ENVFILE=$(tests/services/postgres start "$SVCDIR")
trap 'tests/services/postgres stop "$SVCDIR" >/dev/null 2>&1 || true' EXIT
set -a; . "$ENVFILE"; set +a
export DW_HOST=$PG_HOST DW_PORT=$PG_PORT DW_DATABASE=$PG_DATABASE DW_USERNAME=$PG_USERNAME DW_PASSWORD=$PG_PASSWORD
export PGHOST=$PG_HOST PGPORT=$PG_PORT PGDATABASE=$PG_DATABASE PGUSER=$PG_USERNAME PGPASSWORD=$PG_PASSWORD

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
# The same rows as Parquet (what etlconn lands by default) and as CSV.
rm -rf "$OUT/lake-parquet" "$OUT/lake-csv"
"$ETLCONN" -q fetch sqlite --set database_path="$DB" "SELECT * FROM t" --format parquet --lake "$OUT/lake-parquet" >/dev/null
"$ETLCONN" -q fetch sqlite --set database_path="$DB" "SELECT * FROM t" --format csv --lake "$OUT/lake-csv" >/dev/null
CSV=$(find "$OUT/lake-csv" -name '*.csv')
PQ=$(find "$OUT/lake-parquet" -name '*.parquet')
echo "parquet: $(du -h "$PQ" | cut -f1), csv: $(du -h "$CSV" | cut -f1)" >&2

echo "## Lake -> PostgreSQL ($ROWS rows, one transaction each)"
python3 bench/measure.py --rows "$ROWS" \
  --label "etlconn load (parquet, binary COPY)" -- \
    "$ETLCONN -q load --table bench_etlconn --mode replace $PQ" \
  --label "psql \\copy (csv)" -- \
    "psql -X -q -1 -c 'DROP TABLE IF EXISTS bench_psql' -c 'CREATE TABLE bench_psql (id bigint, qty bigint, price double precision, name text, note text, at timestamptz)' -c \"\\\\copy bench_psql FROM '$CSV' WITH (FORMAT csv, HEADER)\""
# Both tables must hold the same data.
a=$(psql -X -t -A -c "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM bench_etlconn t")
b=$(psql -X -t -A -c "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM bench_psql t")
[ "$a" = "$b" ] && echo "(both tables hold identical rows)" || { echo "tables differ!" >&2; exit 1; }
