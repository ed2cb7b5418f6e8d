#!/usr/bin/env bash
# etlconn extract --partitions N without --partition-on on a real PostgreSQL
# (the run's shared one): the table's heap blocks are cut into N ctid ranges,
# each read in its own session inside the one exported snapshot. Every row
# lands exactly once (the same rows as a single fetch, in JSON and in
# Parquet), and rows inserted, updated or deleted by a concurrent writer that
# commits after the snapshot was taken change nothing that lands.
# shared-service: postgres (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_pg extract_pg_blocks
cd "$WORK"
PSQL=("$ETLC_PG_BIN/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -X -q -A -t -v ON_ERROR_STOP=1)
sql() { PGPASSWORD=$PG_PASSWORD "${PSQL[@]}" -c "$1"; }
export PGPASSWORD=$PG_PASSWORD

# ~500 heap blocks, with holes (deleted rows) and moved rows (updates).
sql "CREATE TABLE b(id int NOT NULL, v text, pad text);
     INSERT INTO b SELECT g, 'v' || g, repeat('x', 100) FROM generate_series(1, 30000) g;
     DELETE FROM b WHERE id % 11 = 0;
     UPDATE b SET v = 'u' || id WHERE id % 13 = 0;"
sql "VACUUM b"
sorted_lines() { find "$1" -type f -name '*.jsonl' -not -path '*/_*' -exec cat {} + | sort; }

run "$ETLCONN" fetch --format jsonl --lake ref postgres "SELECT * FROM b"
expect_rc "single fetch (the reference)" 0
sorted_lines ref > ref.txt
check "the reference holds the table's 27273 rows" test "$(wc -l < ref.txt)" -eq 27273

run "$ETLCONN" --log-level debug extract postgres --format jsonl --compact --table b --partitions 3 --lake l3
expect_rc "extract --partitions 3 without --partition-on" 0
contains "3 partitions over the table's heap blocks" "$ERR" "3 partitions over the"
contains "a middle partition reads a ctid range" "$ERR" "etlc_src.ctid >= '("
contains "the ranges are read with COPY binary" "$ERR" "COPY binary"
check "every row exactly once, as a single fetch lands them" cmp -s ref.txt <(sorted_lines l3)

run "$ETLCONN" extract postgres --format parquet --compact --table b --partitions 4 --lake p4
expect_rc "extract --partitions 4 into Parquet" 0
check "Parquet partitions hold the reference rows" python3 - p4 ref.txt <<'PY'
import glob, json, sys
import pyarrow.parquet as pq
rows = []
for f in glob.glob(sys.argv[1] + "/**/*.parquet", recursive=True):
    rows += pq.read_table(f).to_pylist()
want = sorted(json.loads(l)["id"] for l in open(sys.argv[2]))
assert len(glob.glob(sys.argv[1] + "/**/*.parquet", recursive=True)) == 4
assert sorted(r["id"] for r in rows) == want, (len(rows), len(want))
PY

# ---- a writer that commits after the snapshot: it holds an exclusive lock
# on the table, so the extract takes its snapshot and then waits; the writer
# then inserts, updates and deletes, and commits.
mkfifo writer.fifo
"${PSQL[@]}" < writer.fifo > writer.out 2>&1 &
WRITER=$!
exec 7> writer.fifo
at_exit "kill $WRITER 2>/dev/null"
echo "BEGIN; LOCK TABLE b IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&7
for _ in $(seq 100); do grep -q locked writer.out && break; sleep 0.1; done
check "the writer holds the lock" grep -q locked writer.out
"$ETLCONN" extract postgres --format jsonl --compact --table b --partitions 3 --lake lw > lw.out 2> lw.err &
EXTRACT=$!
waiting=0
for _ in $(seq 200); do
  waiting=$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
  [ "$waiting" -ge 1 ] && break
  sleep 0.1
done
check "the extract waits on the lock (its snapshot taken)" test "$waiting" -ge 1
echo "INSERT INTO b SELECT g, 'late', '' FROM generate_series(100001, 105000) g;
      UPDATE b SET v = 'changed' WHERE id % 7 = 0;
      DELETE FROM b WHERE id % 5 = 0;
      COMMIT; SELECT 'committed';" >&7
exec 7>&-
wait $WRITER
check "the writer committed" grep -q committed writer.out
wait $EXTRACT
rc=$?
check "the extract succeeded after the writer's commit (exit $rc)" test "$rc" -eq 0
check "it landed the rows of its snapshot: no insert, update or delete of the writer" cmp -s ref.txt <(sorted_lines lw)
check "the writer's rows are in the table now" test "$(sql 'SELECT count(*) FROM b WHERE id > 100000')" -eq 4000

# ---- what still needs a partition column
run "$ETLCONN" extract postgres --format jsonl --table b --watermark id --key id --partitions 2 --lake bad
expect_rc "a watermark read still needs --partition-on" 2
contains "the error says so" "$ERR" "--partition-on"
run "$ETLCONN" extract postgres --format jsonl --query "SELECT * FROM b" --partitions 2 --lake bad
expect_rc "a query still needs --partition-on" 2
check "nothing landed by the refused runs" test "$(file_count bad)" -eq 0

finish
