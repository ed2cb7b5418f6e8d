#!/usr/bin/env bash
# The ftp protocol end to end through the CLI against pyftpdlib
# (shared-service: ftp): a tree landed with '**', every file byte-identical;
# a second run lands nothing; a changed and a new file land alone; a
# connection dropped mid-transfer once is resumed by the run's retry (REST),
# dropped twice fails the run with no visible partial file and the next
# run resumes it and lands it once; a 200 MB file in flat memory (kill -9
# rounds: test_cli_ftp_reliability.sh); explicit FTPS verified with the test CA and
# refused with another; a wrong password fails with exit 1, lands nothing
# and never shows the password; the secrets canary (password in a url,
# debug logging) never reaches stdout, stderr or the result JSON; the
# server without MLSD lands the same files by NLST.
. "$(dirname "$0")/lib.sh"
shared_service ftp

SRC="$ETLC_TEST_FTP_ROOT/$TEST_NAME"   # this test's own directory on the server
rm -rf "$SRC"; mkdir -p "$SRC/in/2026/11" "$SRC/in/with space" "$SRC/other"
printf 'id,name\n1,x\n' > "$SRC/in/top.csv"
printf 'id\n2\n' > "$SRC/in/2026/11/deep.csv"
printf 'sp\n' > "$SRC/in/with space/na"$'\xc3\xaf'"ve.csv"
printf 'notes\n' > "$SRC/in/notes.txt"
: > "$SRC/in/empty.csv"
head -c 3000000 /dev/urandom > "$SRC/in/big.bin"
printf 'not under in\n' > "$SRC/other/x.csv"
CFG="$WORK/ftp.yaml"
cat > "$CFG" <<EOF
protocol: ftp
host: $ETLC_TEST_FTP_HOST
port: $ETLC_TEST_FTP_PORT
username: $ETLC_TEST_FTP_USER
password: $ETLC_TEST_FTP_PASSWORD
root: /$TEST_NAME
source: drop
proxy: ""
retry_max: 1
retry_base_delay: 50ms
EOF
LAKE="$WORK/lake"
PW="$ETLC_TEST_FTP_PASSWORD"

# ---- health
run "$ETLCONN" test ftp -c "$CFG"
expect_rc "health check: connect, log in, list root" 0
contains "health names the server" "$OUT" "pyftpdlib"

# ---- first run: the tree under in/, byte-identical
run "$ETLCONN" fetch ftp -c "$CFG" 'in/**' --lake "$LAKE"
expect_rc "first run lands in/**" 0
echo "$OUT" > "$WORK/r1.json"
check "every item is byte-identical to its source" python3 - "$WORK/r1.json" "$SRC" <<'PY'
import hashlib, json, os, sys
r = json.load(open(sys.argv[1])); src = sys.argv[2]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
got = {it["metadata"]["remote_path"]: it for it in r["items"]}
want = {"in/top.csv", "in/2026/11/deep.csv", "in/with space/na\u00efve.csv", "in/notes.txt",
        "in/empty.csv", "in/big.bin"}
assert set(got) == want, sorted(got)
for rel, it in got.items():
    assert it["path"].endswith("/ftp/drop/" + rel), it["path"]
    assert it["sha256"] == sha(os.path.join(src, rel)) == sha(it["path"]), rel
    assert it["byte_count"] == os.path.getsize(os.path.join(src, rel))
    assert it["format"] == "bytes" and "remote_mtime" in it["metadata"]
assert got["in/top.csv"]["content_type"] == "text/csv"
assert r["status"] == "success"
PY

run "$ETLCONN" fetch ftp -c "$CFG" 'in/**' --lake "$LAKE" --compact
expect_rc "second run" 0
check "second run lands nothing" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["items"]==[] and r["status"]=="success", r' "$OUT"

# ---- a changed and a new file: exactly those two
printf 'id,name\n1,x\n2,y\n' > "$SRC/in/top.csv"
printf 'new\n' > "$SRC/in/2026/new.csv"
run "$ETLCONN" fetch ftp -c "$CFG" 'in/**' --lake "$LAKE" --compact
expect_rc "third run" 0
check "only the changed and the new file land" python3 - "$OUT" "$SRC" <<'PY'
import hashlib, json, sys
r = json.loads(sys.argv[1])
names = sorted(it["metadata"]["remote_path"] for it in r["items"])
assert names == ["in/2026/new.csv", "in/top.csv"], names
top = [it for it in r["items"] if it["metadata"]["remote_path"] == "in/top.csv"][0]
assert open(top["path"], "rb").read() == open(sys.argv[2] + "/in/top.csv", "rb").read()
PY

# ---- a connection dropped mid-transfer (the server cuts control and data)
# once: the run lists it again and resumes from its part (REST), not from 0
head -c 2000000 /dev/urandom > "$SRC/in/cut.bin"
touch "$ETLC_TEST_FTP_DROPS/cut.bin"
run "$ETLCONN" --log-level info fetch ftp -c "$CFG" 'in/**' --lake "$LAKE" --compact
expect_rc "a transfer dropped once: the run's retry" 0
check "the server's drop happened (marker consumed)" test ! -e "$ETLC_TEST_FTP_DROPS/cut.bin"
contains "the retry resumes at the drop (REST), not from byte 0" "$ERR" "resuming 'in/cut.bin' at byte 1000000 of 2000000"
landed_once() { # landed_once NAME: the run's only item is NAME, whole and identical
  python3 - "$OUT" "$SRC" "$1" <<'PY'
import hashlib, json, sys
r = json.loads(sys.argv[1]); name = sys.argv[3]
assert [it["metadata"]["remote_path"] for it in r["items"]] == [name], r["items"]
it = r["items"][0]; data = open(sys.argv[2] + "/" + name, "rb").read()
assert it["byte_count"] == len(data) and it["sha256"] == hashlib.sha256(data).hexdigest()
assert open(it["path"], "rb").read() == data
PY
}
check "it lands once, size and sha256 the source's" landed_once in/cut.bin
check "one lake file for it" test "$(find "$LAKE/ftp" -name '*cut.bin*' | wc -l)" -eq 1
# twice: the run's retry is cut too (no retry of the request itself:
# retry_max 0); the next run (same settings: the spool is per definition)
# resumes the part
head -c 2000000 /dev/urandom > "$SRC/in/cut2.bin"
printf 2 > "$ETLC_TEST_FTP_DROPS/cut2.bin"
run "$ETLCONN" fetch ftp -c "$CFG" --set retry_max=0 'in/**' --lake "$LAKE" --compact
expect_rc "a transfer dropped twice fails the run" 1
contains "the error names the file" "$OUT$ERR" "cut2.bin"
check "no visible file, whole or partial, for the dropped transfer" \
  test -z "$(find "$LAKE/ftp" -name '*cut2.bin*' -print)"
check "the part is kept in the spool" test -n "$(find "$LAKE/_partial" -name '*.part' -size +0 -print)"
check "both drops happened (marker consumed)" test ! -e "$ETLC_TEST_FTP_DROPS/cut2.bin"
run "$ETLCONN" --log-level info fetch ftp -c "$CFG" --set retry_max=0 'in/**' --lake "$LAKE" --compact
expect_rc "the next run" 0
contains "the next run resumes at the drop, not from byte 0" "$ERR" "resuming 'in/cut2.bin' at byte 1000000 of 2000000"
check "the next run lands the dropped file once, whole" landed_once in/cut2.bin
check "no part left" test -z "$(find "$LAKE/_partial" -name '*.part' -print)"

# ---- 200 MB: memory stays flat
mkdir -p "$SRC/kill"
# sparse, with real bytes at both ends so the hash means something
printf 'head' > "$SRC/kill/kill.bin"; truncate -s 200M "$SRC/kill/kill.bin"; printf 'tail' >> "$SRC/kill/kill.bin"
KILLSHA=$(sha256sum "$SRC/kill/kill.bin" | cut -d' ' -f1)
TIME=()
[ -x /usr/bin/time ] && TIME=(/usr/bin/time -v -o "$WORK/time.txt")
run "${TIME[@]}" "$ETLCONN" fetch ftp -c "$CFG" 'kill/*' --lake "$WORK/lake-big" --compact
expect_rc "a 200 MB file lands" 0
check "the 200 MB file is whole" test "$(sha256sum "$WORK/lake-big/ftp/drop/kill/kill.bin" | cut -d' ' -f1)" = "$KILLSHA"
if [ -f "$WORK/time.txt" ]; then
  RSS=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$WORK/time.txt")
  check "memory stays bounded with a 200 MB file (peak ${RSS} KiB < 64 MiB)" test "$RSS" -lt 65536
fi
rm -rf "$WORK/lake-big"

# ---- explicit FTPS
TLSSET=(--set port="$ETLC_TEST_FTP_TLS_PORT" --set tls=explicit)
run "$ETLCONN" fetch ftp -c "$CFG" "${TLSSET[@]}" --set ca_file="$ETLC_TEST_FTP_CA" \
  'in/*.csv' --lake "$WORK/lake-tls" --compact
expect_rc "FTPS explicit, verified against the test CA" 0
check "FTPS landed in/*.csv" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert sorted(i["metadata"]["remote_path"] for i in r["items"])==["in/empty.csv","in/top.csv"], r' "$OUT"
run "$ETLCONN" fetch ftp -c "$CFG" "${TLSSET[@]}" --set ca_file="$ETLC_TEST_FTP_WRONG_CA" \
  'in/*.csv' --lake "$WORK/lake-wrongca" --compact
expect_rc "FTPS with a CA that did not sign the server's certificate" 1
contains "the error says why" "$ERR" "certificate"
check "nothing landed with the wrong CA" test -z "$(find "$WORK/lake-wrongca/ftp" -type f -print 2>/dev/null)"
run "$ETLCONN" test ftp -c "$CFG" "${TLSSET[@]}" --set ca_file="$ETLC_TEST_FTP_WRONG_CA"
expect_rc "health check with the wrong CA" 1

# ---- a wrong password
run "$ETLCONN" fetch ftp -c "$CFG" --set password=wrong-pw-canary-7731 'in/**' --lake "$WORK/lake-bad" --compact
expect_rc "wrong password" 1
contains "the error says login" "$ERR" "Login denied"
lacks "wrong password not in stderr" "$ERR" "wrong-pw-canary-7731"
lacks "wrong password not in stdout" "$OUT" "wrong-pw-canary-7731"
check "no file landed" test -z "$(find "$WORK/lake-bad/ftp" -type f -print 2>/dev/null)"

# ---- secrets canary: the password inside a url, debug logging on
URLCFG="$WORK/url.json"
printf '{"protocol":"ftp","url":"ftp://%s:%s@%s:%s/%%2F%s","proxy":"","source":"u"}\n' \
  "$ETLC_TEST_FTP_USER" "$PW" "$ETLC_TEST_FTP_HOST" "$ETLC_TEST_FTP_PORT" "$TEST_NAME" > "$URLCFG"
run "$ETLCONN" --log-level debug fetch ftp -c "$URLCFG" 'in/*.csv' --lake "$WORK/lake-url"
expect_rc "a url with the password lands" 0
contains "the url's files landed" "$OUT" '"remote_path": "in/top.csv"'
lacks "password not in stdout (result JSON)" "$OUT" "$PW"
lacks "password not in stderr (debug log)" "$ERR" "$PW"
run "$ETLCONN" config show -c "$URLCFG"
lacks "password not in config show" "$OUT$ERR" "$PW"
run "$ETLCONN" test ftp -c "$URLCFG" --set port="$ETLC_TEST_FTP_TLS_PORT"
lacks "password not in a failed health check" "$OUT$ERR" "$PW"
check "password not in any lake file" test -z "$(grep -rl -- "$PW" "$WORK"/lake* 2>/dev/null)"

# ---- the server without MLSD: NLST + SIZE + MDTM, same files
run "$ETLCONN" fetch ftp -c "$CFG" --set port="$ETLC_TEST_FTP_NOMLSD_PORT" 'in/**' \
  --lake "$WORK/lake-nlst" --compact
expect_rc "NLST listing" 0
check "NLST lands what MLSD landed" python3 - "$OUT" "$WORK/r1.json" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); first = json.load(open(sys.argv[2]))
got = {it["metadata"]["remote_path"]: it["byte_count"] for it in r["items"]}
assert set(got) == {it["metadata"]["remote_path"] for it in first["items"]} | {"in/2026/new.csv", "in/cut.bin", "in/cut2.bin"}, sorted(got)
PY

finish
