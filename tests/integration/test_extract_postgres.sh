#!/usr/bin/env bash
# etlconn extract against a real PostgreSQL (the run's shared one): ties at one
# timestamptz watermark across pages, boundary rows, a row committed late
# (below the maximum) while a run is in progress — read with the lag
# window, missed without it — partitions over one exported snapshot,
# SIGKILL mid-run, identical re-runs and hostile names.
# shared-service: postgres (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_pg extract_pg
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
cd "$WORK"
sql() { PGPASSWORD=$PG_PASSWORD "$ETLC_PG_BIN/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
ids() { sql "$1" > "$WORK/ids"; }
X() { run "$ETLCONN" extract postgres --format jsonl --compact "$@"; }

# ---- 1,500 rows sharing one watermark, batch size 1,000
sql "CREATE TABLE ev(id bigint PRIMARY KEY, wm timestamptz NOT NULL, name text);
     CREATE INDEX ev_wm ON ev(wm, id);
     INSERT INTO ev SELECT g, '2024-05-01 10:00:00+00', 'n' || g FROM generate_series(1, 1500) g;"
X --table ev --watermark wm --key id --batch-size 1000 --lake lake --state st.json
expect_rc "1500 rows at one watermark" 0
contains "1500 records" "$OUT" '"record_count":1500'
ids "SELECT id FROM ev"
check "all 1500 landed exactly once" $CHK compare lake id "$WORK/ids"

# ---- boundary rows between runs
sql "INSERT INTO ev SELECT g, '2024-05-01 10:00:00+00', 'b' || g FROM generate_series(1501, 1510) g;
     INSERT INTO ev VALUES (1600, '2024-05-01 10:00:01+00', 'after');"
X --table ev --watermark wm --key id --batch-size 4 --lake lake --state st.json
expect_rc "run after boundary inserts" 0
contains "exactly the 11 new rows" "$OUT" '"record_count":11'
ids "SELECT id FROM ev"
check "union equals the table" $CHK compare lake id "$WORK/ids"

# ---- a row committed late, while a run is in progress
sql "CREATE TABLE lt(id bigint PRIMARY KEY, updated_at timestamp NOT NULL);
     INSERT INTO lt SELECT g, timestamp '2024-06-01 12:00' + g * interval '1 minute' FROM generate_series(1, 20) g;"
XL() { run "$ETLCONN" extract postgres --format jsonl --compact --table lt --watermark updated_at --key id "$@"; }
XL --lake ll --state ll.json --lag 10m
expect_rc "lag run 1" 0
contains "upper bound = max - 10m" "$OUT" '2024-06-01 12:10:00'
XL --lake ln --state ln.json
expect_rc "no-lag run 1" 0
# A writer that took its watermark before the runs below but commits after them.
coproc WRITER { PGPASSWORD=$PG_PASSWORD "$ETLC_PG_BIN/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -X -q -A -t -v ON_ERROR_STOP=1 2>&1; }
echo "BEGIN; INSERT INTO lt VALUES (0, '2024-06-01 12:15:00'); INSERT INTO lt VALUES (21, '2024-06-01 12:25:00'); SELECT 'inserted';" >&"${WRITER[1]}"
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
echo '\q' >&"${WRITER[1]}"
XL --lake ll --state ll.json --lag 10m
expect_rc "lag run 3" 0
XL --lake ln --state ln.json
expect_rc "no-lag run 3" 0
ids "SELECT id FROM lt WHERE updated_at <= (SELECT max(updated_at) - interval '10 minutes' FROM lt)"
check "with the lag window the late row 0 (below the old maximum) is read, nothing twice" $CHK compare ll id "$WORK/ids"
ids "SELECT id FROM lt WHERE id <> 0"
check "without a lag the late row 0 is missed, late row 21 above the cursor is read (documented)" $CHK compare ln id "$WORK/ids"

# ---- partitions over one exported snapshot
sql "CREATE TABLE p(id bigint PRIMARY KEY, wm bigint NOT NULL, grp bigint);
     INSERT INTO p SELECT g, g % 17, CASE WHEN g % 40 = 0 THEN NULL ELSE g - 3000 END FROM generate_series(1, 6007) g;"
run "$ETLCONN" --log-level debug extract postgres --format jsonl --compact --table public.p --watermark wm --key id --partitions 3 --partition-on grp --batch-size 500 --lake plake --state pst.json
expect_rc "3 parallel partitions" 0
contains "the snapshot was exported" "$ERR" "exported snapshot"
check "both worker sessions joined it" test "$(grep -c 'joined the exported snapshot' "$WORK/err")" -eq 2
ids "SELECT id FROM p"
check "partitions cover every row exactly once" $CHK compare plake id "$WORK/ids"
check "one file per partition" test "$($CHK tree plake | wc -l)" -eq 3
for i in 0 1; do
  X --table p --watermark wm --key id --partition "$i/2" --partition-on grp --lake slake
  expect_rc "slice $i/2" 0
done
check "slices 0/2 and 1/2 cover every row exactly once" $CHK compare slake id "$WORK/ids"

# ---- a full read (no watermark) in 3 partitions: each range streams with COPY binary
run "$ETLCONN" --log-level debug extract postgres --format jsonl --compact --table p --partitions 3 --partition-on grp --lake flake
expect_rc "full read in 3 partitions" 0
check "every partition read its range with COPY" test "$(grep -c 'fetching 3 columns with COPY binary' "$WORK/err")" -eq 3
check "full partitioned read covers every row (NULL partition keys too) exactly once" $CHK compare flake id "$WORK/ids"
run "$ETLCONN" --log-level debug extract postgres --format jsonl --compact --query "SELECT id, grp, ARRAY[id, grp] AS arr FROM p" --partitions 2 --partition-on grp --lake qlake
expect_rc "full read of a query with an array column in 2 partitions" 0
check "the wrapped query streams with COPY too" test "$(grep -c 'fetching 3 columns with COPY binary' "$WORK/err")" -eq 2
check "query partitions cover every row exactly once" $CHK compare qlake id "$WORK/ids"
run "$ETLCONN" --log-level debug extract postgres --set fetch_mode=rows --format jsonl --compact --table p --partitions 2 --partition-on grp --lake rlake
expect_rc "fetch_mode=rows is respected inside the snapshot" 0
check "no COPY with fetch_mode=rows" test "$(grep -c 'with COPY binary' "$WORK/err")" -eq 0
check "row-mode partitions cover every row exactly once" $CHK compare rlake id "$WORK/ids"

# ---- identical re-runs from the same state
cp st.json st0.json
sql "INSERT INTO ev SELECT g, '2024-05-02 00:00:00+00'::timestamptz + (g % 5) * interval '1 second', 'r' || g FROM generate_series(2000, 4000) g;"
for n in 1 2 3; do
  cp st0.json "st$n.json"
  X --table ev --watermark wm --key id --batch-size 250 --lake "re$n" --state "st$n.json"
  expect_rc "re-run $n from the same state" 0
  $CHK tree "re$n" > "tree$n"
done
check "three re-runs byte-identical" sh -c 'cmp -s tree1 tree2 && cmp -s tree2 tree3'

# ---- SIGKILL mid-run
sql "CREATE TABLE big(id bigint PRIMARY KEY, wm bigint NOT NULL, pad text); CREATE INDEX big_wm ON big(wm, id);
     INSERT INTO big SELECT g, g / 100, 'first' FROM generate_series(1, 1000) g;"
X --table big --watermark wm --key id --lake klake --state kst.json
expect_rc "kill test: first run" 0
sql "INSERT INTO big SELECT g, g / 100, md5(g::text) || md5((g+1)::text) FROM generate_series(1001, 150000) g;"
before_state=$($CHK position kst.json)
before_files=$($CHK tree klake)
"$ETLCONN" extract postgres --format jsonl --table big --watermark wm --key id --lake klake --state kst.json --batch-size 200 >/dev/null 2>&1 &
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

# ---- hostile names
X --table 'ev; DROP TABLE ev' --watermark wm --key id --lake hlake
expect_rc "injection in the table name is a missing relation" 1
contains "error names the quoted relation" "$ERR" 'relation "ev; DROP TABLE ev" does not exist'
check "ev still exists" sql "SELECT count(*) FROM ev"
X --table ev --watermark 'wm" IS NOT NULL OR "id' --key id --lake hlake
expect_rc "injection in a column name is a missing column" 1
contains "error names the column" "$ERR" 'does not exist'
check "no files from failed runs" test "$($CHK tree hlake | wc -l)" -eq 0

# ---- --initial and hand-edited cursors against the column's type (#15 class 8)
. "$ETLCONN_SOURCE_DIR/tests/integration/initial_type_checks.sh"
check_initial_type ev wm id 2024-05-01 abc
check_initial_type ev wm id "2024-05-01 10:00:00+00" 1500
check_initial_type ev id id 1500 abc
sql "CREATE TABLE emptyev(id bigint PRIMARY KEY, wm timestamptz NOT NULL)"
check_initial_type_empty emptyev wm id abc
check_initial_type_empty emptyev id id abc

# ---- a trailing statement is refused, never run (#15 class 10; the driver refuses it)
run "$ETLCONN" fetch postgres --format jsonl --lake mlake "SELECT 1; DROP TABLE ev"
expect_rc "a query with a trailing statement fails" 1
check "ev still exists after the refused trailing DROP" sql "SELECT count(*) FROM ev"
# ---- lags past what a timestamp can hold: ours to refuse, exit 2 (#15 class 9)
X --table ev --watermark wm --key id --lake wlake --state wst.json --lag 99999999d
expect_rc "--lag 99999999d on a timestamptz is a usage error" 2
contains "the refusal is ours and names the lag" "$ERR" "lag '99999999d' is too large"
X --table ev --watermark wm --key id --lake wlake --state wst.json --lag 1000000d
expect_rc "a lag taking the bound before year 1 is a usage error" 2
contains "the refusal says why" "$ERR" "lag '1000000d' takes the upper bound below the smallest timestamp"
check "no checkpoint from refused lags" test ! -e wst.json
finish
