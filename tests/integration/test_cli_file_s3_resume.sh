#!/usr/bin/env bash
# Resume with an S3 lake (a real SeaweedFS, shared-service: seaweedfs; a
# bucket of this test's own): the part of an interrupted download lives in a
# local spool ($ETLCONN_PARTIAL_DIR), never in the bucket; after a kill -9 in
# the middle of the transfer the next run continues at the part's size and the
# object lands whole, its sha256 the source's, and the spool is emptied.
. "$(dirname "$0")/lib.sh"
shared_s3 etlc-file-s3-resume
export ETLCONN_PARTIAL_DIR="$WORK/spool" ETLCONN_LEASE_TTL_MS=1500  # the killed run's lease ends soon

SRC="$WORK/src"; mkdir -p "$SRC"
head -c 120M /dev/urandom > "$SRC/big.bin"
WANT=$(sha256sum "$SRC/big.bin" | cut -d' ' -f1)
LAKE="s3://$ETLC_TEST_S3_BUCKET/resume"
ARGS=(fetch file --set root="$SRC" --set source=drop --set chunk_size=4096 'big.bin' --lake "$LAKE" --compact)

"$ETLCONN" "${ARGS[@]}" >/dev/null 2>&1 &
PID=$!
PART=""
for _ in $(seq 1 400); do  # kill as soon as the part holds some bytes
  PART=$(find "$ETLCONN_PARTIAL_DIR" -name '*.part' -size +1M 2>/dev/null | head -1)
  [ -n "$PART" ] && break
  sleep 0.01
done
kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
HELD=$(stat -c %s "$PART" 2>/dev/null || echo 0)
echo "killed with ${HELD} bytes in the part"
check "the kill left a partial download in the local spool" test "$HELD" -gt 0 -a "$HELD" -lt 125829120
sleep 2  # the killed run's lease expires

run "$ETLCONN" --log-level info "${ARGS[@]}"
expect_rc "the next run completes" 0
contains "it resumed from the part" "$ERR" "resuming 'big.bin' at byte"
ITEM=$(echo "$OUT" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"][0]; print(i["sha256"], i["byte_count"], i["path"])')
check "the object is the whole file (sha256, size)" test "${ITEM% *}" = "$WANT 125829120"
contains "it is in the bucket" "$ITEM" "s3://$ETLC_TEST_S3_BUCKET/resume/file/drop/big.bin"
check "the spool is empty" test -z "$(find "$ETLCONN_PARTIAL_DIR" -type f)"
finish
