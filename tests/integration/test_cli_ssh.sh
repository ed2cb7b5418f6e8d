#!/usr/bin/env bash
# The ssh (SFTP) protocol end to end through the CLI against a real OpenSSH
# sshd (shared-service: sshd; this test works in its own directory under
# the served root): key and password logins, the health check, a glob with
# '**', byte-identical files, a second run landing nothing, a changed host
# key refused (exit 1, fingerprint shown, nothing landed), a pinned key, a
# wrong password and a wrong passphrase (exit 1, nothing landed, the secret
# in no output), and a connection cut once mid-transfer (our session's sshd
# processes killed by id): the run's retry connects again and resumes from
# the part (offset read), landing the file whole and once. A cut of the
# retry too, and kill -9 rounds: test_cli_ssh_reliability.sh.
. "$(dirname "$0")/lib.sh"
shared_service sshd

SRC="$ETLC_TEST_SSHD_ROOT/cli_$$"
rm -rf "$SRC"
trap 'rm -rf "$WORK" "$SRC"' EXIT
mkdir -p "$SRC/a/b" "$SRC/with space"
printf 'id,name\n1,x\n' > "$SRC/top.csv"
printf 'id\n1\n' > "$SRC/a/one.csv"
printf 'deep\n' > "$SRC/a/b/deep.csv"
printf 'spaces\n' > "$SRC/with space/odd name.csv"
printf 'notes\n' > "$SRC/notes.txt"
# 48 MB, sparse, real bytes at both ends; read 4 KiB at a time below so the
# transfer lasts long enough to be cut.
printf 'head' > "$SRC/big.bin"; truncate -s 48M "$SRC/big.bin"; printf 'tail' >> "$SRC/big.bin"
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
BASE=(--set host="$ETLC_TEST_SSHD_HOST" --set port="$ETLC_TEST_SSHD_PORT"
      --set username="$ETLC_TEST_SSHD_USER" --set root="$SRC" --set source=drop)
landed() { find "$1" -type f ! -path '*/_checkpoints/*' 2>/dev/null | wc -l; }

# ---- health
run "$ETLCONN" test ssh -c "$CFG"
expect_rc "health check with a key" 0
contains "health says the host key was verified" "$OUT" "host key verified"

# ---- a glob with '**', byte-identical, then nothing new
LAKE="$WORK/lake"
run "$ETLCONN" fetch ssh -c "$CFG" '**/*.csv' --lake "$LAKE"
expect_rc "key login lands the csv files" 0
echo "$OUT" > "$WORK/r1.json"
check "four csv files landed byte-identical under ssh/drop/" python3 - "$WORK/r1.json" "$SRC" "$LAKE" <<'PY'
import hashlib, json, os, sys
r, src, lake = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
names = sorted(it["metadata"]["remote_path"] for it in r["items"])
assert names == ["a/b/deep.csv", "a/one.csv", "top.csv", "with space/odd name.csv"], names
for it in r["items"]:
    rel = it["metadata"]["remote_path"]
    assert it["path"] == os.path.join(lake, "ssh", "drop", rel), it["path"]
    data = open(os.path.join(src, rel), "rb").read()
    assert open(it["path"], "rb").read() == data, rel
    assert it["sha256"] == hashlib.sha256(data).hexdigest(), rel
    assert it["metadata"]["remote_mtime"].endswith("Z"), it
PY
run "$ETLCONN" fetch ssh -c "$CFG" '**/*.csv' --lake "$LAKE"
expect_rc "second run" 0
check "second run lands nothing" python3 -c 'import json,sys; assert json.load(sys.stdin)["items"] == []' <<<"$OUT"
printf 'id\n2\n' > "$SRC/a/two.csv"; chown "$ETLC_TEST_SSHD_USER" "$SRC/a/two.csv"
run "$ETLCONN" fetch ssh -c "$CFG" '**/*.csv' --lake "$LAKE"
check "a new file lands alone" python3 -c 'import json,sys; assert [i["metadata"]["remote_path"] for i in json.load(sys.stdin)["items"]] == ["a/two.csv"]' <<<"$OUT"

# ---- password login (from the environment), alias sftp, debug logs without the password
run env SSH_PASSWORD="$ETLC_TEST_SSHD_PASSWORD" "$ETLCONN" --log-level debug fetch sftp "${BASE[@]}" \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS" 'notes.txt' --lake "$WORK/lake_pw"
expect_rc "password login lands notes.txt" 0
check "one file landed" test "$(landed "$WORK/lake_pw")" -eq 1
lacks "the password is in no output" "$OUT$ERR" "$ETLC_TEST_SSHD_PASSWORD"

# ---- the ssh-agent (one started here, ended by its id)
AGENT_OUT=$(ssh-agent -s -a "$WORK/agent.sock")
AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' <<<"$AGENT_OUT")
trap 'kill "$AGENT_PID" 2>/dev/null; rm -rf "$WORK" "$SRC"' EXIT
SSH_AUTH_SOCK="$WORK/agent.sock" ssh-add -q "$ETLC_TEST_SSHD_KEY" 2>/dev/null
run env SSH_AUTH_SOCK="$WORK/agent.sock" "$ETLCONN" test ssh "${BASE[@]}" --set use_agent=true \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS"
expect_rc "login with a key from the ssh-agent" 0
run env SSH_AUTH_SOCK="$WORK/absent.sock" "$ETLCONN" test ssh "${BASE[@]}" --set use_agent=true \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS"
expect_rc "no agent and nothing else to try" 1
contains "the error names the agent as tried" "$OUT$ERR" "tried: ssh-agent"

# ---- a pinned host key instead of known_hosts
run "$ETLCONN" fetch ssh "${BASE[@]}" --set private_key="$ETLC_TEST_SSHD_KEY" \
    --set host_key_sha256="$ETLC_TEST_SSHD_HOST_KEY_SHA256" 'top.csv' --lake "$WORK/lake_pin"
expect_rc "host_key_sha256 pin accepted" 0
check "one file landed with the pin" test "$(landed "$WORK/lake_pin")" -eq 1

# ---- a changed host key: refused
run "$ETLCONN" fetch ssh "${BASE[@]}" --set private_key="$ETLC_TEST_SSHD_KEY" \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS_CHANGED" '**' --lake "$WORK/lake_mitm"
expect_rc "changed host key refused" 1
contains "the offered fingerprint is shown" "$ERR" "$ETLC_TEST_SSHD_HOST_KEY_SHA256"
contains "it says the key changed" "$ERR" "HOST KEY CHANGED"
check "nothing landed from a host with a changed key" test "$(landed "$WORK/lake_mitm")" -eq 0
run "$ETLCONN" test ssh "${BASE[@]}" --set private_key="$ETLC_TEST_SSHD_KEY" \
    --set host_key_sha256="$ETLC_TEST_SSHD_OTHER_KEY_SHA256"
expect_rc "health check with a wrong pin" 1

# ---- wrong password / passphrase: exit 1, nothing landed, the secret nowhere
PWCANARY="etlc-canary-pw-3a9d7c"
run env SSH_PASSWORD="$PWCANARY" "$ETLCONN" --log-level trace fetch ssh "${BASE[@]}" \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS" '**' --lake "$WORK/lake_badpw"
expect_rc "wrong password" 1
contains "an AUTH error" "$ERR" "[AUTH]"
check "no file from a failed login" test "$(landed "$WORK/lake_badpw")" -eq 0
lacks "the wrong password is in no output" "$OUT$ERR" "$PWCANARY"
PPCANARY="etlc-canary-pp-0e5b41"
run env SSH_PRIVATE_KEY_PASSPHRASE="$PPCANARY" "$ETLCONN" --log-level trace fetch ssh "${BASE[@]}" \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS" --set private_key="$ETLC_TEST_SSHD_KEY_PASSPHRASE_FILE" \
    '**' --lake "$WORK/lake_badpp"
expect_rc "wrong passphrase" 1
lacks "the wrong passphrase is in no output" "$OUT$ERR" "$PPCANARY"
run env SSH_PRIVATE_KEY_PASSPHRASE="$ETLC_TEST_SSHD_KEY_PASSPHRASE" "$ETLCONN" config show ssh "${BASE[@]}" \
    --set private_key="$ETLC_TEST_SSHD_KEY_PASSPHRASE_FILE"
expect_rc "config show" 0
contains "config show lists the passphrase key" "$OUT" "private_key_passphrase"
lacks "config show masks the passphrase" "$OUT$ERR" "$ETLC_TEST_SSHD_KEY_PASSPHRASE"
run env SSH_PRIVATE_KEY_PASSPHRASE="$ETLC_TEST_SSHD_KEY_PASSPHRASE" "$ETLCONN" test ssh "${BASE[@]}" \
    --set known_hosts="$ETLC_TEST_SSHD_KNOWN_HOSTS" --set private_key="$ETLC_TEST_SSHD_KEY_PASSPHRASE_FILE"
expect_rc "the right passphrase logs in" 0

# ---- a connection cut once mid-transfer: the run's retry resumes it
LAKE_CUT="$WORK/lake_cut"
"$ETLCONN" --log-level info fetch ssh -c "$CFG" --set chunk_size=4096 'big.bin' --lake "$LAKE_CUT" >"$WORK/cut.out" 2>"$WORK/cut.err" &
EPID=$!
cut=0
for _ in $(seq 300); do
  lp=$(ss -tnpH "dport = :$ETLC_TEST_SSHD_PORT" | grep "pid=$EPID," | awk '{print $4}' | sed 's/.*://' | head -1)
  # some bytes of it are in the spool already
  if [ -n "$lp" ] && [ -n "$(find "$LAKE_CUT/_partial" -name '*.part' -size +64k 2>/dev/null)" ]; then
    for p in $(ss -tnpH "sport = :$ETLC_TEST_SSHD_PORT and dport = :$lp" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
      kill -9 "$p" && cut=1
    done
    break
  fi
  sleep 0.05
done
wait "$EPID"; RC=$?; OUT=$(cat "$WORK/cut.out"); ERR=$(cat "$WORK/cut.err")
check "the session serving the transfer was cut mid-file" test "$cut" -eq 1
expect_rc "the run's retry completes the file" 0
contains "the cut is reported" "$ERR" "connection was lost"
check "the retry resumed from the part, not from byte 0" \
  grep -Eq "resuming 'big.bin' at byte [1-9][0-9]* of 50331652" "$WORK/cut.err"
check "landed once, whole and identical" python3 - "$OUT" "$SRC/big.bin" <<'PY'
import hashlib, json, sys
r = json.loads(sys.argv[1])
assert len(r["items"]) == 1, r["items"]
h = hashlib.sha256()
with open(sys.argv[2], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk)
assert r["items"][0]["sha256"] == h.hexdigest()
import os; assert r["items"][0]["byte_count"] == os.path.getsize(sys.argv[2])
PY
check "exactly one big.bin in the lake, no part left" \
  test "$(find "$LAKE_CUT" -name big.bin | wc -l)" -eq 1 -a -z "$(find "$LAKE_CUT" -name '*.part')"

finish
