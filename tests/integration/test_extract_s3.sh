#!/usr/bin/env bash
# etlconn extract into an S3 lake (a real SeaweedFS on loopback,
# shared-service: seaweedfs; a bucket of this test's own) with no
# --state: the checkpoint lives in the bucket beside the data
# (_checkpoints/...), so a second run lands only the new rows; while one run
# holds the checkpoint's lease a second run exits 1 naming it.
. "$(dirname "$0")/lib.sh"
shared_s3 etlc-extract-s3
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
cd "$WORK"
DB="$WORK/src.db"
LAKE="s3://$ETLC_TEST_S3_BUCKET/xlake"
FILER="$ETLC_TEST_S3_FILER/buckets/$ETLC_TEST_S3_BUCKET/xlake"
$CHK sqlite "$DB" "CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, name TEXT);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 3000) INSERT INTO ev SELECT i, i / 10, 'n' || i FROM g;"
X() { run "$ETLCONN" extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --lake "$LAKE" \
        --format jsonl --batch-size 700 --compact "$@"; }

X
expect_rc "first extract into S3 without --state" 0
contains "first run lands the 3000 rows" "$OUT" '"record_count":3000'
STATE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["state_path"])' "$WORK/out")
contains "the checkpoint is in the bucket beside the data" "$STATE" "$LAKE/_checkpoints/sqlite/src/"
KEY=${STATE#"$LAKE/"}
curl -sf "$FILER/$KEY" -o cp1.json
check "the checkpoint object is readable in S3" test -s cp1.json
check "it is a checkpoint with a cursor and no pending intent" python3 -c '
import json, sys; d = json.load(open(sys.argv[1]))
assert d["etlconn_checkpoint"] == 1 and d["kind"] == "sql" and d["runs"] == 1 and d["pending"] is None
assert d["position"]["cursor"]["kind"] == "after_row"' cp1.json

$CHK sqlite "$DB" "INSERT INTO ev VALUES (3001, 300, 'late'), (3002, 301, 'new'), (3003, 301, 'new2');"
X
expect_rc "second extract into S3 without --state" 0
contains "the second run lands only the 3 new rows" "$OUT" '"record_count":3'
X
expect_rc "third run, nothing new" 0
contains "nothing new: zero rows" "$OUT" '"record_count":0'

# Read every landed object back through the filer (not our client): the table once.
cat > walk.py <<'EOF'
import json, sys, urllib.request
base = sys.argv[1]
def walk(url):
    req = urllib.request.Request(url + "/?limit=1000", headers={"Accept": "application/json"})
    for e in json.load(urllib.request.urlopen(req)).get("Entries") or []:
        name = e["FullPath"].rsplit("/", 1)[1]
        if e.get("Mode", 0) & 0o20000000000:
            if name != "_checkpoints":
                yield from walk(url + "/" + name)
        elif name.endswith(".jsonl"):
            yield url + "/" + name
for f in walk(base):
    for line in urllib.request.urlopen(f).read().decode().splitlines():
        print(json.loads(line)["id"])
EOF
python3 walk.py "$FILER" > keys
python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM ev')]" "$DB" > ids
check "the objects in S3 hold every row of the table exactly once" \
  python3 -c 'import sys; a = open(sys.argv[1]).read().split(); b = open(sys.argv[2]).read().split(); print(len(a), "landed", len(b), "in the table"); sys.exit(0 if sorted(a) == sorted(b) else 1)' keys ids

# One run at a time on S3 too: the lease beside the checkpoint.
$CHK sqlite "$DB" "WITH RECURSIVE g(i) AS (SELECT 4001 UNION ALL SELECT i+1 FROM g WHERE i < 80000) INSERT INTO ev SELECT i, 1000 + i / 10, 'm' || i FROM g;"
"$ETLCONN" extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --lake "$LAKE" --format jsonl \
  --batch-size 500 --compact > a.out 2> a.err &
pa=$!
for _ in $(seq 1 300); do
  curl -sf "$FILER/$KEY.lock" >/dev/null 2>&1 && break
  sleep 0.02
done
X
rcb=$RC; errb=$ERR
wait $pa; rca=$?
check "the run holding the S3 lease succeeds" test "$rca" -eq 0
check "the second run exits 1" test "$rcb" -eq 1
contains "... naming the holder" "$errb" "held by etlconn extract (pid $pa on"
contains "the holder's run landed the new rows" "$(cat a.out)" '"record_count":76000'

# --partitions 4 into S3: each partition lands through its own lake handle
# (its own S3 session). ~10 MB per partition, so every partition uploads
# multipart parts while the others do.
PDB="$WORK/parts.db"
$CHK sqlite "$PDB" "CREATE TABLE big(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, pad TEXT);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 400000)
  INSERT INTO big SELECT i, i / 100, hex(randomblob(32)) FROM g;"
run "$ETLCONN" extract sqlite --set database_path="$PDB" --table big --watermark wm --key id \
  --lake "s3://$ETLC_TEST_S3_BUCKET/plake" --format jsonl --partitions 4 --partition-on id --compact
expect_rc "a 4-partition extract into S3" 0
contains "it lands the 400000 rows" "$OUT" '"record_count":400000'
check "four files, one per partition, each over the 8 MiB multipart threshold" python3 -c '
import json, sys; items = json.load(open(sys.argv[1]))["items"]
print([i["byte_count"] for i in items]); sys.exit(0 if len(items) == 4 and all(i["byte_count"] > 8 << 20 for i in items) else 1)' "$WORK/out"
python3 walk.py "$ETLC_TEST_S3_FILER/buckets/$ETLC_TEST_S3_BUCKET/plake" > pkeys
check "the objects in S3 hold every row exactly once" \
  python3 -c 'import sys; a = open(sys.argv[1]).read().split(); print(len(a), "landed"); sys.exit(0 if sorted(map(int, a)) == list(range(1, 400001)) else 1)' pkeys
finish
