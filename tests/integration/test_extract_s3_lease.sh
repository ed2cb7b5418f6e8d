#!/usr/bin/env bash
# The S3 lease of a checkpoint outlives a query that runs longer than the
# lease before its first row (a big sort): the run's keeper renews it every
# ttl/3 whether batches flow or not. With a 2 s lease (ETLCONN_LEASE_TTL_MS,
# docs/checkpoint.md) and a query whose first row comes after ~6 s, a second
# run is refused at t≈3 s and t≈5 s, past the lease's first expiry, naming
# the holder; the first run then lands its rows.
# shared-service: seaweedfs (a bucket of this test's own)
. "$(dirname "$0")/lib.sh"
shared_s3 etlc-extract-s3-lease
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
cd "$WORK"
DB="$WORK/src.db"
LAKE="s3://$ETLC_TEST_S3_BUCKET/lease"
FILER="$ETLC_TEST_S3_FILER/buckets/$ETLC_TEST_S3_BUCKET/lease"
$CHK sqlite "$DB" "CREATE TABLE unused(x INTEGER);"
export ETLCONN_LEASE_TTL_MS=2000
# ~6 s here before the first row: 12 million rows sorted by random().
Q="WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 12000000) SELECT i AS id FROM g ORDER BY random() LIMIT 5"
ARGS=(extract sqlite --set database_path="$DB" --query "$Q" --lake "$LAKE" --format jsonl --compact)

# The lease object's URL (filer), once the first run has created it.
cat > find_lock.py <<'EOF'
import json, sys, time, urllib.request
base = sys.argv[1] + "/_checkpoints/sqlite/src"
deadline = time.time() + 20
while time.time() < deadline:
    try:
        req = urllib.request.Request(base + "/?limit=100", headers={"Accept": "application/json"})
        for e in json.load(urllib.request.urlopen(req)).get("Entries") or []:
            if e["FullPath"].endswith(".lock"):
                print(base + "/" + e["FullPath"].rsplit("/", 1)[1]); sys.exit(0)
    except Exception:
        pass
    time.sleep(0.02)
sys.exit(1)
EOF
# A lease object's expires_at, or whether it expires within 2 s from now
# (same host, same clock; true before and after any renewal).
cat > lease.py <<'EOF'
import json, sys, time, urllib.request
from datetime import datetime, timezone
d = json.load(urllib.request.urlopen(sys.argv[1]))
exp = datetime.strptime(d["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
if sys.argv[2] == "expires":
    print(d["expires_at"])
else:
    left = exp - time.time()
    print("expires in %.2f s" % left, file=sys.stderr)
    sys.exit(0 if 0 < left <= 2.05 else 1)
EOF
now() { date +%s.%N; }
sleep_until() { python3 -c 'import sys, time; time.sleep(max(0, float(sys.argv[1]) - time.time()))' "$1"; }

start=$(now)
"$ETLCONN" "${ARGS[@]}" > a.out 2> a.err &
pa=$!
LOCK=$(python3 find_lock.py "$FILER")
check "the first run takes a lease object beside the checkpoint" test -n "$LOCK"
t0=$(now)
check "the lease expires within 2 s (ETLCONN_LEASE_TTL_MS)" python3 lease.py "$LOCK" ttl
exp1=$(python3 lease.py "$LOCK" expires)

for at in 3 5; do
  sleep_until "$(python3 -c "print($t0 + $at)")"
  run "$ETLCONN" "${ARGS[@]}"
  check "t≈${at}s: the first run is still before its first row" kill -0 "$pa"
  expect_rc "t≈${at}s (past the 2 s lease): a second run is refused" 1
  contains "t≈${at}s: ... naming the holder" "$ERR" "held by etlconn extract (pid $pa on"
done
exp2=$(python3 lease.py "$LOCK" expires)
check "the lease was renewed meanwhile ($exp1 -> $exp2)" test -n "$exp2" -a "$exp1" != "$exp2"

wait $pa; rca=$?
took=$(python3 -c "print(round($(now) - $start, 1))")
echo "# the first run took ${took}s"
check "the first run, holding the lease throughout, succeeds" test "$rca" -eq 0
contains "... and lands its 5 rows" "$(cat a.out)" '"record_count":5'
lacks "... without losing its hold" "$(cat a.err)" "cannot renew"
check "its lease is released at the end" python3 -c '
import sys, urllib.request, urllib.error
try: urllib.request.urlopen(sys.argv[1]); sys.exit(1)
except urllib.error.HTTPError as e: sys.exit(0 if e.code == 404 else 1)' "$LOCK"
finish
