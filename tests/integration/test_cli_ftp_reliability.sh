#!/usr/bin/env bash
# Reliability of `etlconn fetch ftp` against pyftpdlib (shared-service: ftp):
# kill -9 during a 200 MB transfer, 10 times at random moments: the lake
# holds nothing or the whole verified file, and the next run resumes the
# part (REST) and lands it once; a file changed on the server after the
# listing, and one rewritten in place while it is read, are never landed
# half old, half new (detected by size or MDTM, listed again, retried once).
# The lake is on tmpfs when there is room (wall time ~15 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reliability.sh"
shared_service ftp
rel_base

SRC="$ETLC_TEST_FTP_ROOT/$TEST_NAME"
rm -rf "$SRC"; mkdir -p "$SRC/kill" "$SRC/change"
trap 'rm -rf "$WORK" "$BASE" "$SRC"' EXIT
# random bytes: a resume at the wrong offset shows in the hash
head -c 200M /dev/urandom > "$SRC/kill/big.bin"
CFG="$WORK/ftp.yaml"
cat > "$CFG" <<YAML
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
YAML

kill_rounds ftp "$CFG" 'kill/big.bin' drop/kill/big.bin "$SRC/kill/big.bin" "$BASE/lake"
rm -rf "$BASE/lake"

# MDTM has whole seconds: the rewrite moves the mtime a minute on
mv "$SRC/kill/big.bin" "$SRC/change/a.bin"
head -c 2000000 /dev/urandom > "$SRC/change/b.bin"
change_tests ftp "$CFG" drop change "$SRC/change" "$BASE/lake"
finish
