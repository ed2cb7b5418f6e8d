#!/usr/bin/env bash
# The etlconn CLI end to end on a real MariaDB (the run's shared one): fetch in both
# modes into a lake, bound parameters, health check, the mariadb alias, a url,
# and failures (bad password, missing database, bad SQL, zero date) with
# their exit codes and no file left.
# shared-service: mariadb (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_mysql cli_mysql
cd "$WORK"
LAKE="$WORK/lake"
sql() { MYSQL_PWD=$MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USERNAME" "$MYSQL_DATABASE" -e "$1"; }

run "$ETLCONN" test mysql
expect_rc "test mysql" 0
contains "health names the server" "$OUT" "MariaDB"
run "$ETLCONN" test mariadb
expect_rc "the mariadb alias" 0

sql "CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2), note VARCHAR(40), at DATETIME(6), paid BOOLEAN);
INSERT INTO orders SELECT seq, seq * 0.25, CONCAT('row ', seq, ' ✓'), TIMESTAMPADD(HOUR, seq, '1969-12-31 00:00:00'), seq % 2 FROM seq_1_to_500;"
Q="SELECT * FROM orders ORDER BY id"
for mode in text prepared; do
  run "$ETLCONN" fetch --format jsonl --lake "$LAKE-$mode" --set fetch_mode=$mode mysql "$Q"
  expect_rc "fetch fetch_mode=$mode" 0
done
check "text and prepared land identical bytes" cmp -s "$(find "$LAKE-text" -type f)" "$(find "$LAKE-prepared" -type f)"
check "500 records with exact decimals, unicode, pre-1970 datetimes and bools" python3 - "$(find "$LAKE-text" -type f)" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 500, len(rows)
assert rows[0] == {"id": 1, "amount": "0.25", "note": "row 1 ✓", "at": "1969-12-31T01:00:00.000000Z", "paid": True}, rows[0]
assert rows[1]["paid"] is False
PY
check "lake path names protocol and database" test -n "$(find "$LAKE-text" -path "*/mysql/$MYSQL_DATABASE/*" -type f)"

run "$ETLCONN" fetch --lake "$LAKE-pq" mysql "$Q"
expect_rc "fetch into parquet (the default format)" 0
check "parquet read by pyarrow: exact decimal(10,2), UTC timestamps, bools" python3 - "$(find "$LAKE-pq" -name '*.parquet')" <<'PY'
import sys, decimal, datetime
import pyarrow as pa, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
assert t.num_rows == 500, t.num_rows
assert t.schema.field("amount").type == pa.decimal128(10, 2), t.schema
assert t.schema.field("paid").type == pa.bool_(), t.schema
r = t.slice(0, 1).to_pylist()[0]
assert r["id"] == 1 and r["amount"] == decimal.Decimal("0.25") and r["note"] == "row 1 ✓", r
assert r["at"].replace(tzinfo=None) == datetime.datetime(1969, 12, 31, 1, 0), r
PY

run "$ETLCONN" fetch --format jsonl --lake "$LAKE-p" --param int:7 --param text:seven mysql 'SELECT CAST(? AS SIGNED) * 6 AS n, ? AS s'
expect_rc "fetch with parameters" 0
check "parameters bound server-side" grep -q '"n":42,"s":"seven"' "$(find "$LAKE-p" -type f)"

run env -u MYSQL_HOST -u MYSQL_PORT -u MYSQL_PASSWORD "$ETLCONN" fetch --lake "$LAKE-u" \
    --set "url=mysql://$MYSQL_USERNAME:$MYSQL_PASSWORD@$MYSQL_HOST:$MYSQL_PORT/$MYSQL_DATABASE" mysql "SELECT 1 AS one"
expect_rc "fetch through a url" 0
lacks "url password not echoed" "$OUT$ERR" "$MYSQL_PASSWORD"

FAIL_LAKE="$WORK/faillake"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" --set password=CliCanary-4242 mysql "SELECT 1"
expect_rc "bad password fails" 1
contains "bad password is AUTH" "$ERR" "[AUTH]"
lacks "password not in stderr" "$ERR" "CliCanary-4242"
lacks "password not in stdout" "$OUT" "CliCanary-4242"
# (keys set in the environment would beat the url's parts: unset them)
run env -u MYSQL_HOST -u MYSQL_PORT -u MYSQL_PASSWORD -u MYSQL_USERNAME -u MYSQL_DATABASE \
    "$ETLCONN" fetch --lake "$FAIL_LAKE" --set url=mysql://x:UrlCanary-777@127.0.0.1:1/db mysql "SELECT 1"
expect_rc "refused url fails" 1
contains "refused port is CONNECT_REFUSED" "$ERR" "CONNECT_REFUSED"
lacks "url password not in stderr" "$ERR" "UrlCanary-777"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" --set database=nope_db mysql "SELECT 1"
expect_rc "missing database fails" 1
contains "a database the user may not see names it" "$ERR" "nope_db"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" mysql "SELECT FROM WHERE"
expect_rc "bad SQL fails" 1
contains "bad SQL is QUERY" "$ERR" "[QUERY]"
contains "bad SQL carries the server message" "$ERR" "1064"
sql "SET SESSION sql_mode=''; CREATE TABLE zd (d DATE); INSERT INTO zd VALUES ('2024-01-01'), ('0000-00-00');"
run "$ETLCONN" fetch --lake "$FAIL_LAKE" mysql "SELECT d FROM zd"
expect_rc "zero date fails by default" 1
contains "zero date error names column and row" "$ERR" "column 'd' row 2"
check "failures leave no file" test "$(file_count "$FAIL_LAKE")" -eq 0
run "$ETLCONN" fetch --format jsonl --lake "$LAKE-z" --set zero_date=null mysql "SELECT d FROM zd"
expect_rc "zero_date=null lands NULL" 0
check "the zero date is null" grep -q '{"d":null}' "$(find "$LAKE-z" -type f)"

run "$ETLCONN" test --set ssl_mode=sometimes mysql
expect_rc "bad enum is a config error" 2
contains "bad enum names the key" "$ERR" "ssl_mode"
run "$ETLCONN" options mysql --example yaml
expect_rc "options --example yaml" 0
contains "example names ssl_mode" "$OUT" "ssl_mode"

finish
