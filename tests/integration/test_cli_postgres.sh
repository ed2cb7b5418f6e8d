#!/usr/bin/env bash
# The etlconn CLI end to end on a real PostgreSQL (the run's shared one): fetch in both
# modes into a lake, bound parameters, health check, and failures (bad
# password, missing database, bad SQL) with their exit codes and no file left.
# shared-service: postgres (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_pg cli_pg
cd "$WORK"
LAKE="$WORK/lake"

run "$ETLCONN" test postgres
expect_rc "test postgres" 0
contains "health names the server" "$OUT" "PostgreSQL"

Q="SELECT g AS id, g * 0.5 AS half, 'row ' || g AS label, timestamp '1969-12-31 00:00' + g * interval '1 hour' AS at FROM generate_series(1, 500) g ORDER BY g"
for mode in copy rows; do
  run "$ETLCONN" fetch --format jsonl --lake "$LAKE-$mode" --set fetch_mode=$mode postgres "$Q"
  expect_rc "fetch fetch_mode=$mode" 0
done
check "copy and rows land identical bytes" cmp -s "$(find "$LAKE-copy" -type f)" "$(find "$LAKE-rows" -type f)"
check "500 records with exact decimals and pre-1970 timestamps" python3 - "$(find "$LAKE-copy" -type f)" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 500, len(rows)
assert rows[0] == {"id": 1, "half": "0.5", "label": "row 1", "at": "1969-12-31T01:00:00.000000Z"}, rows[0]
PY

run "$ETLCONN" fetch --format jsonl --lake "$LAKE-p" --param 7 --param text:seven postgres 'SELECT $1::int * 6 AS n, $2::text AS s'
expect_rc "fetch with parameters" 0
check "parameters bound server-side" grep -q '"n":42,"s":"seven"' "$(find "$LAKE-p" -type f)"

FAIL_LAKE="$WORK/faillake"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" --set password=CliCanary-4242 postgres "SELECT 1"
expect_rc "bad password fails" 1
contains "bad password is AUTH" "$ERR" "[AUTH]"
lacks "password not in stderr" "$ERR" "CliCanary-4242"
lacks "password not in stdout" "$OUT" "CliCanary-4242"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" --set database=nope_db postgres "SELECT 1"
expect_rc "missing database fails" 1
contains "missing database is CONNECT_NOT_FOUND" "$ERR" "CONNECT_NOT_FOUND"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" postgres "SELECT FROM WHERE"
expect_rc "bad SQL fails" 1
contains "bad SQL is QUERY" "$ERR" "[QUERY]"
check "failures leave no file" test "$(file_count "$FAIL_LAKE")" -eq 0
run "$ETLCONN" test --set sslmode=sometimes postgres
expect_rc "bad enum is a config error" 2
contains "bad enum names the key" "$ERR" "sslmode"

finish
