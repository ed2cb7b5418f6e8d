#!/usr/bin/env bash
# The ftp protocol against vsftpd (shared-service: vsftpd), the second peer:
# anonymous login, no MLSD (listing falls back to NLST + SIZE + MDTM),
# a tree landed byte-identical with '**', a second run lands nothing, a
# changed file lands alone; explicit FTPS (AUTH TLS) and implicit FTPS
# verified against the test CA, and refused without it.
. "$(dirname "$0")/lib.sh"
shared_service vsftpd

SRC="$ETLC_TEST_VSFTPD_ROOT/$TEST_NAME"   # this test's own directory on the server
rm -rf "$SRC"; mkdir -p "$SRC/2026/11" "$SRC/with space"
printf 'id,name\n1,x\n' > "$SRC/top.csv"
printf 'id\n2\n' > "$SRC/2026/11/deep.csv"
printf 'sp\n' > "$SRC/with space/caf"$'\xc3\xa9'".csv"
head -c 1500000 /dev/urandom > "$SRC/big.bin"
chmod -R a+rX "$SRC"
CFG="$WORK/vsftpd.yaml"
cat > "$CFG" <<EOF
protocol: ftp
host: $ETLC_TEST_VSFTPD_HOST
port: $ETLC_TEST_VSFTPD_PORT
root: /$TEST_NAME
source: vs
proxy: ""
retry_max: 0
EOF
LAKE="$WORK/lake"

same_files() { # same_files RESULT_JSON: every item byte-identical to its source
  python3 - "$1" "$SRC" <<'PY'
import hashlib, json, os, sys
r = json.loads(sys.argv[1]); src = sys.argv[2]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
got = {it["metadata"]["remote_path"]: it for it in r["items"]}
want = {"top.csv", "2026/11/deep.csv", "with space/caf\u00e9.csv", "big.bin"}
assert set(got) == want, sorted(got)
for rel, it in got.items():
    assert it["sha256"] == sha(os.path.join(src, rel)) == sha(it["path"]), rel
    assert it["metadata"]["remote_mtime"], rel
assert r["status"] == "success"
PY
}

run "$ETLCONN" test ftp -c "$CFG"
expect_rc "health check (anonymous)" 0
contains "health names the server" "$OUT" "vsftpd"

run "$ETLCONN" --log-level info fetch ftp -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "first run" 0
contains "vsftpd has no MLSD: NLST is used" "$ERR" "listing with NLST"
check "every file byte-identical" same_files "$OUT"

run "$ETLCONN" fetch ftp -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "second run" 0
check "second run lands nothing" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["items"]==[], r' "$OUT"

sleep 1.1   # MDTM has whole seconds: the change must show in the time or the size
printf 'id,name\n1,x\n2,y\n' > "$SRC/top.csv"
run "$ETLCONN" fetch ftp -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "third run" 0
check "only the changed file lands" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert [i["metadata"]["remote_path"] for i in r["items"]]==["top.csv"], r' "$OUT"

run "$ETLCONN" fetch ftp -c "$CFG" --set port="$ETLC_TEST_VSFTPD_TLS_PORT" --set tls=explicit \
  --set ca_file="$ETLC_TEST_VSFTPD_CA" '**' --lake "$WORK/lake-explicit" --compact
expect_rc "explicit FTPS" 0
check "explicit FTPS lands every file" same_files "$OUT"

run "$ETLCONN" fetch ftp -c "$CFG" --set port="$ETLC_TEST_VSFTPD_IMPLICIT_PORT" --set tls=implicit \
  --set ca_file="$ETLC_TEST_VSFTPD_CA" '**' --lake "$WORK/lake-implicit" --compact
expect_rc "implicit FTPS" 0
check "implicit FTPS lands every file" same_files "$OUT"

run "$ETLCONN" test ftp -c "$CFG" --set port="$ETLC_TEST_VSFTPD_IMPLICIT_PORT" --set tls=implicit
expect_rc "implicit FTPS without the test CA is refused (tls_verify on)" 1
contains "the reason is the certificate" "$ERR" "certificate"
run "$ETLCONN" test ftp -c "$CFG" --set port="$ETLC_TEST_VSFTPD_TLS_PORT"
expect_rc "a plain login where vsftpd requires TLS" 1

finish
