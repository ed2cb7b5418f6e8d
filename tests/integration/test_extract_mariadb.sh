#!/usr/bin/env bash
# etlconn extract against a real MariaDB (the run's shared one) (the mysql connector):
# ties at one DATETIME(6) watermark across pages, boundary rows, a row
# committed late (below the maximum) while a run is in progress — read with
# the lag window, missed without it — partitions (each thread its own
# consistent snapshot), SIGKILL mid-run, identical re-runs and hostile names.
# shared-service: mariadb (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_mysql extract_mysql
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
cd "$WORK"
client() { MYSQL_PWD=$MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USERNAME" "$@" "$MYSQL_DATABASE"; }
sql() { client -N -B -e "$1"; }
ids() { sql "$1" > "$WORK/ids"; }
X() { run "$ETLCONN" extract mysql --format jsonl --compact "$@"; }

# ---- 1,500 rows sharing one watermark, batch size 1,000
sql "CREATE TABLE ev(id BIGINT PRIMARY KEY, wm DATETIME(6) NOT NULL, name VARCHAR(20), KEY ev_wm (wm, id)) ENGINE=InnoDB;
     INSERT INTO ev SELECT seq, '2024-05-01 10:00:00', CONCAT('n', seq) FROM seq_1_to_1500;"
X --table ev --watermark wm --key id --batch-size 1000 --lake lake --state st.json
expect_rc "1500 rows at one watermark" 0
contains "1500 records" "$OUT" '"record_count":1500'
ids "SELECT id FROM ev"
check "all 1500 landed exactly once" $CHK compare lake id "$WORK/ids"
check "the cursor is typed: the timestamp and the last key" python3 - st.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["position"]["cursor"]
assert c["kind"] == "after_row", c
assert c["values"] == [{"type": "timestamp", "value": 1714557600000000}, {"type": "int64", "value": 1500}], c
PY

# ---- boundary rows between runs
sql "INSERT INTO ev SELECT seq, '2024-05-01 10:00:00', CONCAT('b', seq) FROM seq_1501_to_1510;
     INSERT INTO ev VALUES (1600, '2024-05-01 10:00:00.000001', 'after');"
X --table ev --watermark wm --key id --batch-size 4 --lake lake --state st.json
expect_rc "run after boundary inserts" 0
contains "exactly the 11 new rows" "$OUT" '"record_count":11'
ids "SELECT id FROM ev"
check "union equals the table" $CHK compare lake id "$WORK/ids"
X --table ev --watermark wm --key id --batch-size 4 --lake lake --state st.json
expect_rc "run with nothing new" 0
contains "nothing read twice" "$OUT" '"rows":"0"'

# ---- a row committed late, while a run is in progress
sql "CREATE TABLE lt(id BIGINT PRIMARY KEY, updated_at TIMESTAMP(6) NOT NULL) ENGINE=InnoDB;
     INSERT INTO lt SELECT seq, TIMESTAMPADD(MINUTE, seq, '2024-06-01 12:00:00') FROM seq_1_to_20;"
XL() { run "$ETLCONN" extract mysql --format jsonl --compact --table lt --watermark updated_at --key id "$@"; }
XL --lake ll --state ll.json --lag 10m
expect_rc "lag run 1" 0
contains "upper bound = max - 10m (2024-06-01 12:10:00 UTC)" "$OUT" '\"value\":1717243800000000'
XL --lake ln --state ln.json
expect_rc "no-lag run 1" 0
# A writer that took its watermark before the runs below but commits after them.
coproc WRITER { client -N -B --unbuffered 2>&1; }
echo "SET time_zone = '+00:00'; BEGIN; INSERT INTO lt VALUES (0, '2024-06-01 12:15:00'); INSERT INTO lt VALUES (21, '2024-06-01 12:25:00'); SELECT 'inserted';" >&"${WRITER[1]}"
read -r -t 30 line <&"${WRITER[0]}"
check "writer transaction open" test "$line" = "inserted"
XL --lake ll --state ll.json --lag 10m
expect_rc "lag run 2 (writer uncommitted)" 0
XL --lake ln --state ln.json
expect_rc "no-lag run 2 (writer uncommitted)" 0
contains "uncommitted rows are not read" "$OUT" '"record_count":0'
echo "COMMIT; SELECT 'committed';" >&"${WRITER[1]}"
read -r -t 30 line <&"${WRITER[0]}"
check "writer committed" test "$line" = "committed"
echo 'quit' >&"${WRITER[1]}"
XL --lake ll --state ll.json --lag 10m
expect_rc "lag run 3" 0
XL --lake ln --state ln.json
expect_rc "no-lag run 3" 0
ids "SELECT id FROM lt WHERE updated_at <= (SELECT max(updated_at) - INTERVAL 10 MINUTE FROM lt)"
check "with the lag window the late row 0 (below the old maximum) is read, nothing twice" $CHK compare ll id "$WORK/ids"
ids "SELECT id FROM lt WHERE id <> 0"
check "without a lag the late row 0 is missed, late row 21 above the cursor is read (documented)" $CHK compare ln id "$WORK/ids"

# ---- DECIMAL and FLOAT watermarks: values read back bind exactly as stored
sql "CREATE TABLE nv(id INT PRIMARY KEY, d DECIMAL(30,10) NOT NULL, f FLOAT NOT NULL) ENGINE=InnoDB;
     INSERT INTO nv SELECT seq, CONCAT('12345678901234567890.00000000', LPAD(seq DIV 3, 2, '0')), 0.1 * (seq DIV 3) FROM seq_1_to_30;"
ids "SELECT id FROM nv"
for col in d f; do
  X --table nv --watermark $col --key id --batch-size 2 --lake "nv-$col" --state "nv-$col.json"
  expect_rc "$col watermark, pages of 2 through ties of 3" 0
  check "$col watermark: every row exactly once" $CHK compare "nv-$col" id "$WORK/ids"
  X --table nv --watermark $col --key id --batch-size 2 --lake "nv-$col" --state "nv-$col.json"
  contains "$col watermark: the re-run reads nothing (the bound compared equal to the stored value)" "$OUT" '"rows":"0"'
done
X --table nv --watermark d --key id --lag 0.0000000002 --lake nv-lag --state nv-lag.json
expect_rc "decimal lag" 0
contains "the decimal bound is exact (max - 0.0000000002)" "$OUT" '12345678901234567890.0000000008'
ids "SELECT id FROM nv WHERE d <= 12345678901234567890.0000000008"
check "decimal lag: exactly the rows up to the bound" $CHK compare nv-lag id "$WORK/ids"

# ---- a zero date in the watermark can never become a silent gap
sql "SET SESSION sql_mode = ''; CREATE TABLE zd(id INT PRIMARY KEY, d DATE NOT NULL) ENGINE=InnoDB;
     INSERT INTO zd VALUES (1, '0000-00-00'), (2, '2024-01-01');"
X --table zd --watermark d --key id --batch-size 1 --lake zlake --state zd1.json
expect_rc "zero date watermark (zero_date=error) fails" 1
contains "named as DATA_TYPE" "$ERR" "zero date '0000-00-00'"
X --set zero_date=null --table zd --watermark d --key id --batch-size 1 --lake zlake --state zd2.json
expect_rc "zero date watermark read as NULL fails instead of ending the pages early" 1
contains "named as DATA" "$ERR" "reads back as NULL"
no_position() { [ ! -e "$1" ] || python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["position"] is not None)' "$1"; }
zd_clean() { no_position zd1.json && no_position zd2.json && test -z "$(find zlake -type f ! -name '.*' 2>/dev/null)"; }
check "no position, no files" zd_clean

# ---- partitions: each thread its own consistent snapshot
sql "CREATE TABLE p(id BIGINT PRIMARY KEY, wm BIGINT NOT NULL, grp BIGINT) ENGINE=InnoDB;
     INSERT INTO p SELECT seq, seq % 17, CASE WHEN seq % 40 = 0 THEN NULL ELSE CAST(seq AS SIGNED) - 3000 END FROM seq_1_to_6007;"
run "$ETLCONN" --log-level debug extract mysql --format jsonl --compact --table "$MYSQL_DATABASE.p" --watermark wm --key id --partitions 3 --partition-on grp --batch-size 500 --lake plake --state pst.json
expect_rc "3 parallel partitions" 0
check "three sessions, each with its own consistent snapshot" test "$(grep -c 'opened its own consistent snapshot' "$WORK/err")" -eq 3
ids "SELECT id FROM p"
check "partitions cover every row exactly once" $CHK compare plake id "$WORK/ids"
check "one file per partition" test "$($CHK tree plake | wc -l)" -eq 3
for i in 0 1; do
  X --table p --watermark wm --key id --partition "$i/2" --partition-on grp --lake slake
  expect_rc "slice $i/2" 0
done
check "slices 0/2 and 1/2 cover every row exactly once" $CHK compare slake id "$WORK/ids"

# ---- identical re-runs from the same state
cp st.json st0.json
sql "INSERT INTO ev SELECT seq, TIMESTAMPADD(SECOND, seq % 5, '2024-05-02 00:00:00'), CONCAT('r', seq) FROM seq_2000_to_4000;"
for n in 1 2 3; do
  cp st0.json "st$n.json"
  X --table ev --watermark wm --key id --batch-size 250 --lake "re$n" --state "st$n.json"
  expect_rc "re-run $n from the same state" 0
  $CHK tree "re$n" > "tree$n"
done
check "three re-runs byte-identical" sh -c 'test -s tree1 && cmp -s tree1 tree2 && cmp -s tree2 tree3'
for n in 1 2 3; do
  cp st0.json "pq$n.json"
  run "$ETLCONN" extract mysql --format parquet --table ev --watermark wm --key id --batch-size 250 --lake "pq$n" --state "pq$n.json"
  expect_rc "parquet re-run $n" 0
  $CHK tree "pq$n" > "ptree$n"
done
check "three parquet re-runs byte-identical" sh -c 'test -s ptree1 && cmp -s ptree1 ptree2 && cmp -s ptree2 ptree3'

# ---- SIGKILL mid-run
sql "CREATE TABLE big(id BIGINT PRIMARY KEY, wm BIGINT NOT NULL, pad VARCHAR(80), KEY big_wm (wm, id)) ENGINE=InnoDB;
     INSERT INTO big SELECT seq, seq DIV 100, 'first' FROM seq_1_to_1000;"
X --table big --watermark wm --key id --lake klake --state kst.json
expect_rc "kill test: first run" 0
sql "INSERT INTO big SELECT seq, seq DIV 100, CONCAT(MD5(seq), MD5(seq + 1)) FROM seq_1001_to_150000;"
before_state=$($CHK position kst.json)
before_files=$($CHK tree klake)
"$ETLCONN" extract mysql --format jsonl --table big --watermark wm --key id --lake klake --state kst.json --batch-size 200 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 500); do
  grep -q '"pending": {' kst.json && [ -n "$(find klake -name '.*.tmp-*' 2>/dev/null)" ] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "the killed run was mid-way" test -n "$(find klake -name '.*.tmp-*')"
check "kill leaves the old position" test "$($CHK position kst.json)" = "$before_state"
check "kill leaves no visible partial file" test "$($CHK tree klake)" = "$before_files"
X --table big --watermark wm --key id --lake klake --state kst.json --batch-size 200
expect_rc "re-run after the kill" 0
ids "SELECT id FROM big"
check "after kill + re-run: zero missing, zero duplicated" $CHK compare klake id "$WORK/ids"
check "the re-run removed the dead run's temporary files" test -z "$(find klake -name '.*.tmp-*')"

# ---- hostile names
X --table 'ev; DROP TABLE ev' --watermark wm --key id --lake hlake
expect_rc "injection in the table name is a missing table" 1
contains "error names the quoted table" "$ERR" "ev; DROP TABLE ev' doesn't exist"
X --table 'ev` WHERE 1=1; DROP TABLE ev; -- ' --watermark wm --key id --lake hlake
expect_rc "a backtick in the table name is doubled, not a way out" 1
contains "error names the whole text as one table name" "$ERR" "table name 'ev\` WHERE 1=1; DROP TABLE ev; -- '"
check "ev still exists" sql "SELECT count(*) FROM ev"
X --table ev --watermark 'wm` IS NOT NULL OR `id' --key id --lake hlake
expect_rc "injection in a column name is a missing column" 1
contains "error names the column" "$ERR" "Unknown column"
X --table "$(printf 'ev\tx')" --watermark wm --key id --lake hlake
expect_rc "a control byte in a name is refused" 2
contains "refusal names the problem" "$ERR" "control byte"
check "no files from failed runs" test "$($CHK tree hlake | wc -l)" -eq 0

# ---- --initial and hand-edited cursors against the column's type (#15 class 8)
. "$ETLCONN_SOURCE_DIR/tests/integration/initial_type_checks.sh"
check_initial_type ev wm id 2024-05-01 abc
check_initial_type ev wm id "2024-05-01 10:00:00" 1500
check_initial_type ev id id 1500 abc
sql "CREATE TABLE emptyev(id BIGINT PRIMARY KEY, wm DATETIME(6) NOT NULL) ENGINE=InnoDB"
check_initial_type_empty emptyev wm id abc
check_initial_type_empty emptyev id id abc

# ---- a trailing statement is refused, never run (#15 class 10; no CLIENT_MULTI_STATEMENTS)
run "$ETLCONN" fetch mysql --format jsonl --lake mlake "SELECT 1; DROP TABLE ev"
expect_rc "a query with a trailing statement fails" 1
check "ev still exists after the refused trailing DROP" sql "SELECT count(*) FROM ev"
finish
