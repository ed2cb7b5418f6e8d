#!/usr/bin/env bash
# Lake -> PostgreSQL warehouse: `etlconn load` (Parquet, binary COPY) vs
# `psql \copy` of the same rows in PostgreSQL's binary format and as CSV, in
# interleaved verified rounds (bench/pairs.py), same server.
#   bench/dw_load.sh [ROWS]     (default 3,000,000)
# Each run loads into an emptied table in one transaction (etlconn: --mode
# replace; psql: -1 with TRUNCATE and \copy). Starts its own PostgreSQL
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
export PGOPTIONS="-c client_min_messages=warning"

DB="$OUT/bench-$ROWS.db"
. bench/sqlite_table.sh
sqlite_bench_db "$DB" "$ROWS"
# The same rows as Parquet (what etlconn lands by default) and as CSV.
rm -rf "$OUT/lake-parquet" "$OUT/lake-csv"
"$ETLCONN" -q fetch sqlite --set database_path="$DB" "SELECT * FROM t" --format parquet --lake "$OUT/lake-parquet" >/dev/null
"$ETLCONN" -q fetch sqlite --set database_path="$DB" "SELECT * FROM t" --format csv --lake "$OUT/lake-csv" >/dev/null
CSV=$(find "$OUT/lake-csv" -name '*.csv')
PQ=$(find "$OUT/lake-parquet" -name '*.parquet')
echo "parquet: $(du -h "$PQ" | cut -f1), csv: $(du -h "$CSV" | cut -f1)" >&2

# Same rows, same server, one transaction each, no extra fsync on any side.
# The psql tables are made LIKE etlconn's, so all three hold the same types;
# the binary COPY file is what PostgreSQL itself writes for those rows. Every
# run's table is fingerprinted (row count + order-independent sum of row
# hashes) and must match the others'.
ROUNDS=${ROUNDS:-5}
"$ETLCONN" -q load --table bench_etlconn --mode replace "$PQ" >/dev/null
BIN="$OUT/rows.bin"
psql -X -q -c "\\copy bench_etlconn TO '$BIN' WITH (FORMAT binary)"
fp() { echo "psql -X -A -t -c \"SELECT 'rows=' || count(*) || ' sum=' || coalesce(sum(hashtext(t::text)::bigint), 0) FROM $1 t\""; }
recreate() { echo "psql -X -q -c 'DROP TABLE IF EXISTS $1' -c 'CREATE TABLE $1 (LIKE bench_etlconn)'"; }
copy_into() { # copy_into TABLE FILE OPTIONS: one transaction, the table emptied first
  echo "psql -X -q -1 -c 'TRUNCATE $1' -c \"\\\\copy $1 FROM '$2' WITH ($3)\""
}
echo "## Lake -> PostgreSQL ($ROWS rows, one transaction each)"
python3 bench/pairs.py --rounds "$ROUNDS" --title "Lake -> PostgreSQL, $ROWS rows" \
  --tool "etlconn load (parquet, binary COPY)" "$ETLCONN -q load --table bench_etlconn --mode replace $PQ" \
    --verify "$(fp bench_etlconn)" \
  --tool "psql \\copy (binary)" "$(copy_into bench_psql_bin "$BIN" "FORMAT binary")" \
    --prepare "$(recreate bench_psql_bin)" --verify "$(fp bench_psql_bin)" \
  --tool "psql \\copy (csv)" "$(copy_into bench_psql_csv "$CSV" "FORMAT csv, HEADER")" \
    --prepare "$(recreate bench_psql_csv)" --verify "$(fp bench_psql_csv)"
