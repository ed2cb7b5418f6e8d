#!/usr/bin/env bash
# etlconn extract on real SQLite files (WAL): ties at one watermark across
# pages, rows at the boundary between runs, identical re-runs, SIGKILL in
# the middle of a run, the lag window, partitions, and hostile names.
. "$(dirname "$0")/lib.sh"
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
cd "$WORK"
DB="$WORK/src.db"
X() { run "$ETLCONN" extract sqlite --format jsonl --set database_path="$DB" --compact "$@"; }
ids() { python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" "$DB" "$1" > "$WORK/ids"; }

# ---- 1,500 rows sharing one watermark, batch size 1,000
$CHK sqlite "$DB" "CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, name TEXT);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 1500) INSERT INTO ev SELECT i, 100, 'n'||i FROM g;"
X --table ev --watermark wm --key id --batch-size 1000 --lake lake --state st.json
expect_rc "1500 rows at one watermark" 0
contains "result counts 1500" "$OUT" '"record_count":1500'
ids "SELECT id FROM ev"
check "all 1500 landed once" $CHK compare lake id "$WORK/ids"
contains "cursor is (wm, key) of the last row" "$(cat st.json)" '"value": 1500'

X --table ev --watermark wm --key id --batch-size 1000 --lake lake --state st.json
expect_rc "re-run with nothing new" 0
contains "nothing new: zero rows" "$OUT" '"record_count":0'
check "nothing new: no new file" test "$(file_count lake | tr -d ' ')" -eq 1

# ---- rows inserted at the boundary value between runs
$CHK sqlite "$DB" "INSERT INTO ev SELECT 1500+i, 100, 'late'||i FROM (SELECT 1 i UNION SELECT 2 UNION SELECT 3);
  INSERT INTO ev VALUES (2000, 101, 'next'), (1999, 101, 'next2');"
X --table ev --watermark wm --key id --batch-size 2 --lake lake --state st.json
expect_rc "run after boundary inserts" 0
contains "exactly the 5 new rows" "$OUT" '"record_count":5'
ids "SELECT id FROM ev"
check "union equals the table (boundary rows once)" $CHK compare lake id "$WORK/ids"

# ---- three re-runs from the same state give byte-identical output
cp st.json st0.json
$CHK sqlite "$DB" "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 2500) INSERT INTO ev SELECT 3000+i, 100+(i%7), 'r'||i FROM g;"
for n in 1 2 3; do
  cp st0.json "st$n.json"
  X --table ev --watermark wm --key id --batch-size 300 --lake "re$n" --state "st$n.json" --max-records-per-file 1000
  expect_rc "re-run $n from the same state" 0
  $CHK tree "re$n" > "tree$n"
done
check "re-runs 1 and 2 byte-identical (names and sha256)" cmp -s tree1 tree2
check "re-runs 2 and 3 byte-identical (names and sha256)" cmp -s tree2 tree3
check "re-run landed 2500 rows in 3 parts" test "$(wc -l < tree1)" -eq 3
for fmt in csv parquet; do
  cp st0.json "stc1.json"; cp st0.json "stc2.json"
  X --table ev --watermark wm --key id --lake c1 --state stc1.json --format $fmt
  X --table ev --watermark wm --key id --lake c2 --state stc2.json --format $fmt
  check "$fmt files landed" test -n "$(find c1 -name "*.$fmt")"
  check "$fmt re-runs byte-identical" cmp -s <($CHK tree c1) <($CHK tree c2)
done

# ---- SIGKILL in the middle of a run: old state, no visible partial file, exact re-run
KDB="$WORK/kill.db"
$CHK sqlite "$KDB" "CREATE TABLE big(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, pad TEXT); CREATE INDEX big_wm ON big(wm, id);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 1000) INSERT INTO big SELECT i, i/100, 'first' FROM g;"
run "$ETLCONN" extract sqlite --format jsonl --set database_path="$KDB" --table big --watermark wm --key id --lake klake --state kst.json
expect_rc "kill test: first run" 0
$CHK sqlite "$KDB" "WITH RECURSIVE g(i) AS (SELECT 1001 UNION ALL SELECT i+1 FROM g WHERE i < 200000)
  INSERT INTO big SELECT i, i/100, hex(randomblob(40)) FROM g;"
before_state=$($CHK position kst.json)
before_files=$($CHK tree klake)
"$ETLCONN" extract sqlite --format jsonl --set database_path="$KDB" --table big --watermark wm --key id --lake klake \
  --state kst.json --batch-size 200 --max-records-per-file 50000 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 500); do
  # Kill once the run has begun paging: its intent is recorded and a temporary file exists.
  grep -q '"pending": {' kst.json && [ -n "$(find klake -name '.*.tmp-*' 2>/dev/null)" ] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "the killed run was mid-way (temporary file present)" test -n "$(find klake -name '.*.tmp-*')"
check "kill leaves the old position" test "$($CHK position kst.json)" = "$before_state"
check "the killed run's intent is recorded" $CHK pending kst.json
check "kill leaves no visible partial file" test "$($CHK tree klake)" = "$before_files"
run "$ETLCONN" extract sqlite --format jsonl --set database_path="$KDB" --table big --watermark wm --key id --lake klake \
  --state kst.json --batch-size 200 --max-records-per-file 50000 --compact
expect_rc "re-run after the kill" 0
contains "the re-run resumed the interrupted run's bound" "$OUT" '"record_count":199000'
ids_k() { python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM big')]" "$KDB" > "$WORK/kids"; }
ids_k
check "after kill + re-run: zero missing, zero duplicated" $CHK compare klake id "$WORK/kids"
check "stale temporary files removed" test -z "$(find klake -name '.*.tmp-*')"
check "pending intent removed" test "$($CHK pending kst.json; echo $?)" = 1

# ---- the lag window (text timestamps)
TDB="$WORK/ts.db"
$CHK sqlite "$TDB" "CREATE TABLE t(id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL);
  INSERT INTO t VALUES (1,'2024-05-01 10:00:00'),(2,'2024-05-01 10:07:00'),(3,'2024-05-01 10:10:00');"
XT() { run "$ETLCONN" extract sqlite --format jsonl --set database_path="$TDB" --table t --watermark updated_at --key id --compact "$@"; }
XT --lake tl --state tl.json --lag 5m
expect_rc "lag run 1" 0
contains "lag: upper bound is max - 5m in the column's format" "$OUT" '2024-05-01 10:05:00'
contains "lag: rows inside the window wait" "$OUT" '"record_count":1'
XT --lake tn --state tn.json
expect_rc "no-lag run 1" 0
# A row that committed late with a watermark below the maximum already read.
$CHK sqlite "$TDB" "INSERT INTO t VALUES (4,'2024-05-01 10:06:00'); INSERT INTO t VALUES (5,'2024-05-01 10:20:00');"
XT --lake tl --state tl.json --lag 5m
expect_rc "lag run 2" 0
XT --lake tn --state tn.json
expect_rc "no-lag run 2" 0
python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM t WHERE updated_at <= \"2024-05-01 10:15:00\"')]" "$TDB" > "$WORK/tids"
check "with the lag window the late row 4 is read, nothing twice" $CHK compare tl id "$WORK/tids"
check "without a lag the late row 4 is missed (documented)" test "$($CHK union tn id)" = "4 4"
XT --lake tl --state tl.json --lag 3
expect_rc "a number lag on a timestamp watermark is refused" 2
contains "lag mismatch is explained" "$ERR" "is a number but the watermark's maximum"

# ---- partitions: every row exactly once
PDB="$WORK/part.db"
$CHK sqlite "$PDB" "CREATE TABLE p(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, grp INTEGER);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 5003) INSERT INTO p SELECT i, i%13, CASE WHEN i%50=0 THEN NULL ELSE i-2500 END FROM g;"
python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM p')]" "$PDB" > "$WORK/pids"
run "$ETLCONN" extract sqlite --format jsonl --set database_path="$PDB" --table p --watermark wm --key id --partitions 4 --partition-on grp --batch-size 333 --lake plake --state pst.json --compact
expect_rc "4 parallel partitions" 0
contains "4 partitions reported" "$OUT" '"partitions":"4"'
check "partitions cover every row exactly once (NULL and negative partition values too)" $CHK compare plake id "$WORK/pids"
check "one file per partition" test "$($CHK tree plake | wc -l)" -eq 4
$CHK sqlite "$PDB" "INSERT INTO p VALUES (9001, 12, 7), (9002, 99, NULL);"
run "$ETLCONN" extract sqlite --format jsonl --set database_path="$PDB" --table p --watermark wm --key id --partitions 4 --partition-on grp --lake plake --state pst.json --compact
expect_rc "partitioned incremental run" 0
contains "partitioned cursor: only the new row above the old bound" "$OUT" '"record_count":1'
for i in 0 1 2; do
  run "$ETLCONN" extract sqlite --format jsonl --set database_path="$PDB" --table p --watermark wm --key id --partition "$i/3" --partition-on grp --lake slake --compact
  expect_rc "slice $i/3" 0
done
python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM p')]" "$PDB" > "$WORK/pids"
check "slices 0/3,1/3,2/3 cover every row exactly once" $CHK compare slake id "$WORK/pids"
check "each slice keeps its own checkpoint, in the lake" test "$(find slake/_checkpoints -name '*.json' | wc -l)" -eq 3

# ---- hostile names: quoted, never executed; control bytes refused
$CHK sqlite "$DB" 'CREATE TABLE "we""ird; x" (id INTEGER PRIMARY KEY, "w m" INTEGER); INSERT INTO "we""ird; x" VALUES (1, 5), (2, 6);'
X --table 'we"ird; x' --watermark 'w m' --key id --lake hlake
expect_rc "a table and column named with quotes, spaces and ';' work when quoted" 0
contains "both rows" "$OUT" '"record_count":2'
X --table 'ev; DROP TABLE ev' --watermark wm --key id --lake hlake2
expect_rc "injection in the table name is just a missing table" 1
contains "error names the quoted table" "$ERR" 'no such table: ev; DROP TABLE ev'
check "ev still exists" python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM ev').fetchone()" "$DB"
X --table ev --watermark 'wm" > 0 OR "1' --key id --lake hlake2
expect_rc "injection in a column name is just a missing column" 1
contains "error names the column" "$ERR" 'no such column'
X --table ev --watermark wm --key "$(printf 'id\001')" --lake hlake2
expect_rc "control byte in a name is refused" 2
contains "control byte error names the key column" "$ERR" "key column contains a control byte"
X --table ev --watermark wm --lake hlake2
expect_rc "watermark without key is refused" 2
contains "explains the tie-breaker" "$ERR" "tie-breaker"
X --table ev --query "SELECT 1" --lake hlake2
expect_rc "table and query together refused" 2
check "failed runs leave no files" test "$($CHK tree hlake2 | wc -l)" -eq 0
cp st.json other.json
X --table ev --watermark name --key id --lake lake --state other.json
expect_rc "a state of another extraction is refused" 2
contains "state mismatch explained" "$ERR" "belongs to another extraction"

# ---- a query instead of a table
X --query "SELECT id, wm FROM ev WHERE id % 2 = 0" --watermark wm --key id --lake qlake --batch-size 100
expect_rc "query source" 0
python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM ev WHERE id % 2 = 0')]" "$DB" > "$WORK/qids"
check "query source: exact rows" $CHK compare qlake id "$WORK/qids"
run "$ETLCONN" extract --help
expect_rc "--help" 0
contains "help mentions the lag" "$OUT" "--lag"

# ---- --initial and hand-edited cursors against the column's type (#15 class 8)
. "$ETLCONN_SOURCE_DIR/tests/integration/initial_type_checks.sh"
$CHK sqlite "$DB" "CREATE TABLE tsev(id INTEGER PRIMARY KEY, ts TEXT NOT NULL, r REAL NOT NULL);
  INSERT INTO tsev VALUES (1, '2024-05-01 10:00:00', 1.5), (2, '2024-05-02 10:00:00', 2.5);"
check_initial_type ev wm id 100 abc
check_initial_type ev wm id 100 1.5
check_initial_type ev wm id 100 99999999999999999999
check_initial_type tsev ts id 2024-05-01 yesterday
check_initial_type tsev r id 2 abc
$CHK sqlite "$DB" "CREATE TABLE emptyev(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL);"
check_initial_type_empty emptyev wm id abc
# ---- user numbers that would wrap (#15 class 9)
X --table ev --watermark wm --key id --lake wlake --partition-on id --partition 0/4294967297
expect_rc "a slice count past 32 bits is refused, not wrapped to 0/1" 2
X --table ev --watermark wm --key id --lake wlake --state wst.json --lag 99999999d
expect_rc "--lag 99999999d is refused with our message" 2
contains "the refusal names the lag" "$ERR" "lag '99999999d' is too large"
check "no checkpoint from a refused lag" test ! -e wst.json
finish
