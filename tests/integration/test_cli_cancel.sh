#!/usr/bin/env bash
# SIGINT and SIGTERM stop etlconn cleanly: exit 130, no visible file and no
# temporary file in the lake, an extraction's checkpoint position as before;
# a second SIGINT ends a run that cannot stop at once.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
DB="$WORK/src.db"
sqlite3 "$DB" "CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, pad TEXT);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 1000) INSERT INTO ev SELECT i, i, 'first' FROM g;"
# Fifty million generated rows: minutes of work, so only the signal ends it.
SLOW="WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 50000000) SELECT i, 'row ' || i AS label FROM g"
temps() { find "$1" -name '.*.tmp-*' 2>/dev/null | wc -l; }
# wait_temp DIR PID: until the run writes a temporary file (it is running), at most 10 s
wait_temp() {
  for _ in $(seq 1 1000); do
    [ "$(temps "$1")" -gt 0 ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

# ---- fetch + SIGINT
for fmt in jsonl parquet; do
  LAKE="$WORK/lake-$fmt"
  "$ETLCONN" fetch sqlite --set database_path="$DB" "$SLOW" --format "$fmt" --batch-size 1000 \
    --lake "$LAKE" >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  check "$fmt: the fetch is running (a temporary file exists)" wait_temp "$LAKE" $pid
  kill -INT $pid
  wait $pid; RC=$?; ERR=$(cat "$WORK/err")
  expect_rc "$fmt: fetch stopped by SIGINT" 130
  contains "$fmt: the error names the cancel" "$ERR" "[CANCELLED]"
  contains "$fmt: the result JSON says failed" "$(cat "$WORK/out")" '"status": "failed"'
  check "$fmt: no visible file" test "$(find "$LAKE" -type f ! -name '.*.tmp-*' | wc -l)" -eq 0
  check "$fmt: no temporary file" test "$(temps "$LAKE")" -eq 0
done

# ---- extract + SIGTERM: the checkpoint keeps the position the last run left
XL="$WORK/xlake"
run "$ETLCONN" extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --format jsonl \
  --lake "$XL" --state "$WORK/st.json"
expect_rc "extract: first run" 0
sqlite3 "$DB" "WITH RECURSIVE g(i) AS (SELECT 1001 UNION ALL SELECT i+1 FROM g WHERE i < 1000000)
  INSERT INTO ev SELECT i, i, hex(randomblob(20)) FROM g;"
before_state=$($CHK position "$WORK/st.json")
before_files=$(find "$XL" -type f | sort | xargs sha256sum)
"$ETLCONN" extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --format jsonl \
  --lake "$XL" --state "$WORK/st.json" --batch-size 500 >"$WORK/out" 2>"$WORK/err" &
pid=$!
check "extract: the run is paging (a temporary file exists)" wait_temp "$XL" $pid
kill -TERM $pid
wait $pid; RC=$?; ERR=$(cat "$WORK/err")
expect_rc "extract stopped by SIGTERM" 130
contains "extract: the error names the cancel" "$ERR" "[CANCELLED]"
check "extract: the checkpoint's position is unchanged" test "$($CHK position "$WORK/st.json")" = "$before_state"
check "extract: the cancelled run's intent is recorded (the next run reuses its names)" $CHK pending "$WORK/st.json"
check "extract: the lake holds exactly the files it held" \
  test "$(find "$XL" -type f | sort | xargs sha256sum)" = "$before_files"
check "extract: no temporary file" test "$(temps "$XL")" -eq 0
run "$ETLCONN" extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --format jsonl \
  --lake "$XL" --state "$WORK/st.json" --compact
expect_rc "extract: the next run completes" 0
contains "extract: the next run reads every new row" "$OUT" '"record_count":999000'

# ---- a second SIGINT ends a run that cannot stop yet (waiting on a locked database)
LDB="$WORK/locked.db"
sqlite3 "$LDB" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
python3 - "$LDB" "$WORK/locked" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(60)
PY
LOCKER=$!
for _ in $(seq 100); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
"$ETLCONN" fetch sqlite --set database_path="$LDB" --set busy_timeout=60s "SELECT * FROM t" --format jsonl \
  --lake "$WORK/lake-locked" >"$WORK/out" 2>"$WORK/err" &
pid=$!
sleep 0.5
kill -INT $pid
sleep 0.5
check "one SIGINT: still waiting for the lock (it stops once the wait ends)" kill -0 $pid
kill -INT $pid
wait $pid; RC=$?; ERR=$(cat "$WORK/err")
expect_rc "the second SIGINT ends it (killed by the signal)" 130
contains "the first SIGINT said it is stopping" "$ERR" "stopping"
lacks "no result was printed (the process was killed, not returned)" "$(cat "$WORK/out")" "status"
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null

# ---- the exit status is documented
for cmd in fetch extract load; do
  run "$ETLCONN" $cmd --help
  contains "$cmd --help documents exit 130" "$OUT" "130 stopped by SIGINT or SIGTERM"
done
finish
