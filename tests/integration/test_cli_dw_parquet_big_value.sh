#!/usr/bin/env bash
# #15 class 6: whatever our writer emits, the reader reads. A 100 MB highly
# compressible text value (one zstd page of a few KB that decodes to 100 MB,
# once refused by a 4096x ratio cap) loads intact; the memory bound is the
# documented max_page_bytes option, and a bound below the page refuses it
# with a message naming the option.
# shared-service: postgres
. "$(dirname "$0")/lib.sh"
shared_service postgres
DB="big_value_$$"
export PGPASSWORD=$PG_PASSWORD
q() { psql -X -q -t -A -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "${2:-$DB}" -v ON_ERROR_STOP=1 -c "$1"; }
q "CREATE DATABASE $DB" "$PG_DATABASE"
trap 'q "DROP DATABASE IF EXISTS $DB WITH (FORCE)" "$PG_DATABASE" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
export DW_HOST=$PG_HOST DW_PORT=$PG_PORT DW_DATABASE=$DB DW_USERNAME=$PG_USERNAME DW_PASSWORD=$PG_PASSWORD
cd "$WORK"
sqlite3 src.db "CREATE TABLE t(id INTEGER, s TEXT);
  INSERT INTO t VALUES (1, replace(hex(zeroblob(50000000)), '00', 'xy')), (2, 'small');"
run "$ETLCONN" -q fetch --lake lake --set database_path=src.db sqlite "SELECT id, s FROM t ORDER BY id"
expect_rc "our writer lands the 100 MB value" 0
PQ=$(find lake -name '*.parquet' | head -1)
check "the page is far more compressible than 4096x" python3 - "$PQ" <<'PY'
import sys, pyarrow.parquet as pq
c = pq.read_metadata(sys.argv[1]).row_group(0).column(1)
assert c.total_uncompressed_size > 4096 * c.total_compressed_size, (c.total_uncompressed_size, c.total_compressed_size)
PY
run "$ETLCONN" -q load --table big "$PQ"
expect_rc "load reads the page back" 0
check "the value arrives whole" test "$(q "SELECT length(s) || ':' || (s = repeat('xy', 50000000)) FROM big WHERE id = 1")" = "100000000:true"
check "the small value too" test "$(q "SELECT s FROM big WHERE id = 2")" = "small"
DW_MAX_PAGE_BYTES=50000000 run "$ETLCONN" -q load --table big2 "$PQ"
expect_rc "a page above max_page_bytes is refused" 1
contains "the refusal names the bound and the option" "$ERR" "max_page_bytes"
check "nothing was loaded by the refused load" test "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'big2'")" = 0
finish
