#!/usr/bin/env bash
# The etlconn CLI end to end on SQLite: fetch into a lake, bad SQL, a missing
# file, a locked database (each: clear error, nothing left in the lake),
# config errors, help and exit codes.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
DB="$WORK/shop.db"
sqlite3 "$DB" < "$ETLCONN_SOURCE_DIR/examples/sample/sample.sql"
LAKE="$WORK/lake"

# --- happy path: JSONL and CSV with counts and checksums
run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders ORDER BY order_id" --format jsonl --lake "$LAKE"
expect_rc "fetch jsonl" 0
check "result says success" python3 - "$WORK/out" <<'PY'
import json, sys, hashlib, os
r = json.load(open(sys.argv[1]))
assert r["status"] == "success", r
assert r["protocol"] == "sqlite" and r["record_count"] == 1000, r
(item,) = r["items"]
data = open(item["path"], "rb").read()
assert hashlib.sha256(data).hexdigest() == item["sha256"]
assert len(data) == item["byte_count"] == r["byte_count"]
rows = [json.loads(l) for l in data.splitlines()]
assert len(rows) == 1000 and item["record_count"] == 1000
assert rows[0]["order_id"] == 1 and rows[0]["status"] == "new"
assert rows[0]["ordered_at"] == "2025-01-01T08:37:00.000000Z", rows[0]
assert rows[0]["amount"] == "84.19", rows[0]        # DECIMAL(10,2) kept exact, as text
assert rows[0]["gift"] is False and rows[9]["gift"] is True
assert rows[3]["discount"] is None                 # NULL stays NULL
assert rows[49]["notes"] == 'call before delivery, "fragile"'
assert "/sqlite/shop/dt=" in item["path"], item["path"]
PY
FIRST_PATH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["path"])' "$WORK/out")

run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders ORDER BY order_id" --format jsonl --lake "$LAKE"
SECOND_PATH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["path"])' "$WORK/out")
check "re-run lands at the same deterministic path" test "$FIRST_PATH" = "$SECOND_PATH"
check "re-run overwrites instead of duplicating" test "$(file_count "$LAKE")" -eq 1

run "$ETLCONN" fetch sqlite --set database_path="$DB" --format csv \
    "SELECT customer_id, name, email FROM customers WHERE country = ? ORDER BY 1" --param US --lake "$LAKE"
expect_rc "fetch csv with a bound parameter" 0
check "csv has header and the two US customers" python3 - "$WORK/out" <<'PY'
import json, sys, csv
r = json.load(open(sys.argv[1]))
rows = list(csv.reader(open(r["items"][0]["path"], newline="")))
assert rows[0] == ["customer_id", "name", "email"], rows
assert [x[1] for x in rows[1:]] == ["Grace Hopper", "Ken Thompson"], rows
assert rows[2][2] == "", rows       # NULL email is an empty unquoted field
assert r["items"][0]["format"] == "csv" and r["record_count"] == 2
PY

run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders WHERE 0" --lake "$WORK/empty"
expect_rc "empty result" 0
contains "empty result has 0 records" "$OUT" '"record_count": 0'

# --- a config file carrying protocol:, and the env layer
cat > "$WORK/conn.yaml" <<YAML
protocol: sqlite
database_path: $DB
YAML
run "$ETLCONN" fetch -c "$WORK/conn.yaml" "SELECT count(*) AS n FROM customers" --lake "$LAKE"
expect_rc "fetch -c FILE with protocol in the file" 0
run env SQLITE_DATABASE_PATH="$DB" "$ETLCONN" test sqlite
expect_rc "test via SQLITE_DATABASE_PATH" 0
contains "test reports healthy" "$OUT" "healthy"
run env SQLITE_DATABASE_PATH="$DB" "$ETLCONN" config show sqlite --json
expect_rc "config show --json" 0
contains "config show names the env origin" "$OUT" "SQLITE_DATABASE_PATH"

# --- failures: clear error, exit code, nothing in the lake
FAIL_LAKE="$WORK/faillake"
run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELEC nonsense" --lake "$FAIL_LAKE"
expect_rc "bad SQL fails" 1
contains "bad SQL error names the problem" "$ERR" "syntax error"
check "bad SQL leaves no file" test "$(file_count "$FAIL_LAKE")" -eq 0

run "$ETLCONN" fetch sqlite --set database_path="$WORK/nope.db" "SELECT 1" --lake "$FAIL_LAKE"
expect_rc "missing database file fails" 1
contains "missing file error names the path" "$ERR" "nope.db"
contains "missing file error names the origin" "$ERR" "override"
check "missing file leaves no file" test "$(file_count "$FAIL_LAKE")" -eq 0
check "missing file is not created" test ! -e "$WORK/nope.db"

# Hold an exclusive lock from another process, then read with a short busy timeout.
python3 - "$DB" "$WORK/locked" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
c.execute("UPDATE customers SET name = name")
open(sys.argv[2], "w").close()
time.sleep(6)
c.execute("ROLLBACK")
PY
LOCKER=$!
for _ in $(seq 50); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
run "$ETLCONN" fetch sqlite --set database_path="$DB" --set busy_timeout=200ms "SELECT * FROM orders" --lake "$FAIL_LAKE"
expect_rc "locked database fails" 1
contains "locked database error says locked" "$ERR" "locked"
contains "locked database error code is BUSY" "$ERR" "[BUSY]"
check "locked database leaves no file" test "$(file_count "$FAIL_LAKE")" -eq 0
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null

# A value that cannot be converted is an error naming column and row, not a silent NULL.
sqlite3 "$WORK/mixed.db" "CREATE TABLE t(n INTEGER); INSERT INTO t VALUES (1),(2),('three');"
run "$ETLCONN" fetch sqlite --set database_path="$WORK/mixed.db" "SELECT n FROM t" --lake "$FAIL_LAKE"
expect_rc "unconvertible value fails" 1
contains "error names the column" "$ERR" "column 'n'"
contains "error names the row" "$ERR" "row 3"
check "unconvertible value leaves no file" test "$(file_count "$FAIL_LAKE")" -eq 0

# --- configuration errors exit 2 and say where the value came from
run "$ETLCONN" fetch sqlite --set databse_path="$DB" "SELECT 1"
expect_rc "unknown key" 2
contains "unknown key suggests the right one" "$ERR" "database_path"
run env -u SQLITE_DATABASE_PATH "$ETLCONN" test sqlite
expect_rc "missing required key" 2
contains "missing key names the env variable" "$ERR" "SQLITE_DATABASE_PATH"
run "$ETLCONN" test sqlite --set database_path="$DB" --set busy_timeout=soon
expect_rc "bad duration" 2
contains "bad duration names the key" "$ERR" "busy_timeout"
printf 'protocol: sqlite\ndatabase_path: [unclosed\n' > "$WORK/broken.yaml"
run "$ETLCONN" test -c "$WORK/broken.yaml"
expect_rc "malformed YAML" 2
contains "malformed YAML names file and line" "$ERR" "broken.yaml:"
run "$ETLCONN" fetch nosuchproto "SELECT 1"
expect_rc "unknown protocol" 2
contains "unknown protocol lists known ones" "$ERR" "sqlite"

# --- discovery and help
run "$ETLCONN" protocols --json
expect_rc "protocols --json" 0
check "protocols lists sqlite as built in" python3 -c '
import json,sys; p={x["name"]:x for x in json.loads(sys.argv[1])}; assert p["sqlite"]["built_in"]' "$OUT"
run "$ETLCONN" options sqlite --example yaml
expect_rc "options --example yaml" 0
contains "example names database_path" "$OUT" "database_path"
for cmd in protocols options config test fetch inspect; do
  run "$ETLCONN" $cmd --help
  expect_rc "$cmd --help" 0
done
run "$ETLCONN" --help
expect_rc "--help" 0
contains "--help documents exit codes" "$OUT" "Exit status"
run "$ETLCONN" frobnicate
expect_rc "unknown command" 2

finish
