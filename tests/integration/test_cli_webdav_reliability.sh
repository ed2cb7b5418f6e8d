#!/usr/bin/env bash
# Reliability of `etlconn fetch webdav` against wsgidav
# (shared-service: webdav): kill -9 during a 200 MB transfer, 10 times at
# random moments: the lake holds nothing or the whole verified file, and
# the next run resumes the part (GET with Range and If-Range) and lands it
# once; a file changed after the listing, and one rewritten in place while
# it is read, are never landed half old, half new (ETag and length checked
# before the first byte, PROPFIND Depth 0 once a large file is read). The
# dropped connection is test_cli_webdav.sh's (the cutting proxy).
# The lake is on tmpfs when there is room (wall time ~15 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reliability.sh"
shared_service webdav
rel_base

NAME="rel-$$"
SRC="$WEBDAV_TEST_ROOT/$NAME"
rm -rf "$SRC"; mkdir -p "$SRC/kill" "$SRC/change"
trap 'rm -rf "$WORK" "$BASE" "$SRC"' EXIT
head -c 200M /dev/urandom > "$SRC/kill/big.bin"   # random: a misplaced resume shows in the hash
CFG="$WORK/webdav.yaml"
printf 'protocol: webdav\nurl: %s%s/\nusername: %s\nsource: dav\nauth: any\n' \
  "$WEBDAV_TEST_URL" "$NAME" "$WEBDAV_TEST_USER" > "$CFG"
export WEBDAV_PASSWORD="$WEBDAV_TEST_PASSWORD"

kill_rounds webdav "$CFG" 'kill/big.bin' dav/kill/big.bin "$SRC/kill/big.bin" "$BASE/lake"
rm -rf "$BASE/lake"

mv "$SRC/kill/big.bin" "$SRC/change/a.bin"
head -c 2000000 /dev/urandom > "$SRC/change/b.bin"
change_tests webdav "$CFG" dav change "$SRC/change" "$BASE/lake"
finish
