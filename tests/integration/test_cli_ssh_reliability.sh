#!/usr/bin/env bash
# Reliability of `etlconn fetch ssh` (SFTP) against OpenSSH sshd
# (shared-service: sshd): kill -9 during a 200 MB transfer, 10 times at
# random moments: the lake holds nothing or the whole verified file, and
# the next run resumes the part (SFTP reads from an offset) and lands it
# once; a connection cut twice mid-transfer (the sshd processes of our
# session killed by id: the run's retry is cut too) fails the run with no
# visible file, and the next run resumes and lands it whole; a file changed
# after the listing, and one rewritten in place while it is read, are never
# landed half old, half new (fstat before and after: size, mtime).
# The lake is on tmpfs when there is room (wall time ~40 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reliability.sh"
shared_service sshd
rel_base

SRC="$ETLC_TEST_SSHD_ROOT/rel_$$"
rm -rf "$SRC"; mkdir -p "$SRC/kill" "$SRC/change" "$SRC/cut"
trap 'rm -rf "$WORK" "$BASE" "$SRC"' EXIT
head -c 200M /dev/urandom > "$SRC/kill/big.bin"   # random: a misplaced resume shows in the hash
head -c 48M /dev/urandom > "$SRC/cut/cut.bin"
chown -R "$ETLC_TEST_SSHD_USER" "$SRC"
CFG="$WORK/ssh.yaml"
cat > "$CFG" <<YAML
protocol: ssh
host: $ETLC_TEST_SSHD_HOST
port: $ETLC_TEST_SSHD_PORT
username: $ETLC_TEST_SSHD_USER
private_key: $ETLC_TEST_SSHD_KEY
known_hosts: $ETLC_TEST_SSHD_KNOWN_HOSTS
root: $SRC
source: drop
YAML

kill_rounds ssh "$CFG" 'kill/big.bin' drop/kill/big.bin "$SRC/kill/big.bin" "$BASE/lake"
rm -rf "$BASE/lake"

# ---- a connection cut twice mid-transfer: the run fails, the next resumes
# cut_session PID LAKE MIN: once PID's spool holds MIN bytes, stop PID (so
# the cut comes mid-file whatever the speed), kill -9 the sshd processes
# serving its connection, let it go on; 0 when it did.
cut_session() {
  local epid=$1 lake=$2 min=$3 _ lp p n=0
  stop_at_part "$epid" "$lake" "$min"
  [ "$STOPPED_AT" -gt 0 ] || return 1
  lp=$(ss -tnpH "dport = :$ETLC_TEST_SSHD_PORT" | grep "pid=$epid," | awk '{print $4}' | sed 's/.*://' | head -1)
  for p in $(ss -tnpH "sport = :$ETLC_TEST_SSHD_PORT and dport = :$lp" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    kill -9 "$p" && n=$((n + 1))
  done
  kill -CONT "$epid"
  [ -n "$lp" ] && [ "$n" -gt 0 ]
}
LAKE="$BASE/lake-cut"
"$ETLCONN" --log-level info fetch ssh -c "$CFG" 'cut/cut.bin' --lake "$LAKE" \
  >"$WORK/cut.out" 2>"$WORK/cut.err" &
EPID=$!
CUTS=0
cut_session "$EPID" "$LAKE" $((4 << 20)) && CUTS=$((CUTS + 1))
FIRST=$(part_size "$LAKE")
# the run lists again and resumes: cut that too, further on
cut_session "$EPID" "$LAKE" $((FIRST + (4 << 20))) && CUTS=$((CUTS + 1))
wait "$EPID"; RC=$?; ERR=$(cat "$WORK/cut.err")
check "the session was cut twice mid-file ($CUTS)" test "$CUTS" -eq 2
expect_rc "a transfer cut twice fails the run" 1
contains "the error says the connection was lost" "$ERR" "connection was lost"
contains "the run's retry resumed after the first cut" "$ERR" "resuming 'cut/cut.bin' at byte"
check "no visible file after the cuts" test -z "$(visible_files "$LAKE")"
HAVE=$(part_size "$LAKE")
check "the part is kept for the next run ($HAVE bytes)" test "$HAVE" -gt 0
run "$ETLCONN" --log-level info fetch ssh -c "$CFG" 'cut/cut.bin' --lake "$LAKE" --compact
expect_rc "the next run" 0
contains "the next run resumes from the part, not from byte 0" "$ERR" "resuming 'cut/cut.bin' at byte $HAVE of 50331648"
check "it lands the file once, size and sha256 the source's" python3 - "$OUT" "$SRC/cut/cut.bin" <<'PY'
import hashlib, json, os, sys
r = json.loads(sys.argv[1])
assert len(r["items"]) == 1, r["items"]
it = r["items"][0]
assert it["byte_count"] == os.path.getsize(sys.argv[2])
assert it["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert it["sha256"] == hashlib.sha256(open(it["path"], "rb").read()).hexdigest()
PY
check "no part left" test "$(part_size "$LAKE")" -eq 0

# ---- changes on the server (SFTP v3 mtimes have whole seconds: the rewrite moves it a minute on)
mv "$SRC/kill/big.bin" "$SRC/change/a.bin"
head -c 2000000 /dev/urandom > "$SRC/change/b.bin"; chown -R "$ETLC_TEST_SSHD_USER" "$SRC"
change_tests ssh "$CFG" drop change "$SRC/change" "$BASE/lake"
finish
