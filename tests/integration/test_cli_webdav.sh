#!/usr/bin/env bash
# The webdav protocol end to end through the CLI against wsgidav
# (shared-service: webdav): the health check; a tree of nested collections
# landed with '**', every file byte-identical to its source; a second run
# lands nothing; a changed file (new ETag) and a new one land alone; a
# wrong password exits 1 with nothing landed and no secret in the output;
# a connection cut mid-transfer leaves no visible partial file and the next
# run lands the file once; a GET cut twice (the run's retry resumes and is
# cut too) fails the run, and the next resumes the part (Range) and lands
# it once. The password travels in WEBDAV_PASSWORD (the
# env prefix), never on the command line. Then the same tree through Apache
# mod_dav (shared-service: apachedav), which refuses Depth: infinity and
# marks young files' ETags weak: landed whole, and once.
. "$(dirname "$0")/lib.sh"
shared_service webdav
shared_service apachedav

NAME="cli-$$"
SRC="$WEBDAV_TEST_ROOT/$NAME"
ASRC="$APACHEDAV_TEST_ROOT/$NAME"
trap 'rm -rf "$WORK" "$SRC" "$ASRC"' EXIT
mkdir -p "$SRC/a/b/c" "$SRC/with space" "$SRC/caf"$'\xc3\xa9'
printf 'id,name\n1,x\n' > "$SRC/top.csv"
printf 'id\n1\n' > "$SRC/a/one.csv"
printf 'deep\n' > "$SRC/a/b/c/deep.csv"
printf 'spaces\n' > "$SRC/with space/na"$'\xc3\xaf'"ve 100%.csv"
printf 'unicode dir\n' > "$SRC/caf"$'\xc3\xa9'"/menu.csv"
: > "$SRC/empty.csv"
printf 'notes\n' > "$SRC/notes.txt"
head -c 3000000 /dev/urandom > "$SRC/big.bin"
CFG="$WORK/webdav.yaml"
printf 'protocol: webdav\nurl: %s%s/\nusername: %s\nsource: dav\nauth: any\n' \
  "$WEBDAV_TEST_URL" "$NAME" "$WEBDAV_TEST_USER" > "$CFG"
export WEBDAV_PASSWORD="$WEBDAV_TEST_PASSWORD"
LAKE="$WORK/lake"

# ---- health
run "$ETLCONN" test webdav -c "$CFG"
expect_rc "health check of the collection" 0
contains "health names the collection" "$OUT$ERR" "WebDAV collection"

# ---- first run: the whole tree, byte for byte
run "$ETLCONN" fetch webdav -c "$CFG" '**' --lake "$LAKE"
expect_rc "first run lands the tree" 0
echo "$OUT" > "$WORK/r1.json"
check "every item is byte-identical to its source" python3 - "$WORK/r1.json" "$SRC" <<'PY'
import hashlib, json, os, sys
r = json.load(open(sys.argv[1])); src = sys.argv[2]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
want = {os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs}
got = {}
for it in r["items"]:
    rel = it["metadata"]["remote_path"]
    assert it["format"] == "bytes", it
    assert it["path"].endswith("/webdav/dav/" + rel), (it["path"], rel)
    assert it["sha256"] == sha(os.path.join(src, rel)) == sha(it["path"]), rel
    assert it["metadata"]["etag"] and it["metadata"]["remote_mtime"], it
    got[rel] = it
assert set(got) == want, (sorted(got), sorted(want))
assert got["big.bin"]["byte_count"] == 3000000
assert got["empty.csv"]["byte_count"] == 0
assert r["status"] == "success"
print(len(got), "files")
PY

# ---- second run: nothing new
run "$ETLCONN" fetch webdav -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "second run" 0
check "second run lands nothing" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["items"]==[] and r["status"]=="success", r' "$OUT"

# ---- a changed file (new size: new ETag) and a new one land alone
printf 'id\n1\n2\n' > "$SRC/a/one.csv"
printf 'new\n' > "$SRC/a/b/new.csv"
run "$ETLCONN" fetch webdav -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "third run" 0
check "only the changed and the new file land" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert sorted(i["metadata"]["remote_path"] for i in r["items"]) == ["a/b/new.csv", "a/one.csv"], r["items"]
assert open(sys.argv[2]).read() == "id\n1\n2\n"
' "$OUT" "$LAKE/webdav/dav/a/one.csv"

# ---- bounded memory: a 100 MB file streams through (sparse, real bytes at both ends)
printf 'head' > "$SRC/huge.bin"; truncate -s 100M "$SRC/huge.bin"; printf 'tail' >> "$SRC/huge.bin"
TIME=()
[ -x /usr/bin/time ] && TIME=(/usr/bin/time -v -o "$WORK/time.txt")
run "${TIME[@]}" "$ETLCONN" fetch webdav -c "$CFG" 'huge.bin' --lake "$WORK/lake-huge" --compact
expect_rc "a 100 MB file" 0
check "the 100 MB file lands whole" python3 -c '
import hashlib, json, sys
r = json.loads(sys.argv[1])
h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
assert [i["byte_count"] for i in r["items"]] == [100 * 1024 * 1024 + 4], r["items"]
assert r["items"][0]["sha256"] == h(sys.argv[2]) == h(sys.argv[3])
' "$OUT" "$WORK/lake-huge/webdav/dav/huge.bin" "$SRC/huge.bin"
if [ -f "$WORK/time.txt" ]; then
  RSS=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$WORK/time.txt")
  echo "peak RSS ${RSS} KiB landing a 100 MB file over WebDAV"
  check "memory stays bounded with a 100 MB file (peak ${RSS} KiB < 64 MiB)" test "$RSS" -lt 65536
fi
rm -f "$SRC/huge.bin"

# ---- a glob without '**' stays at the top
run "$ETLCONN" fetch webdav -c "$CFG" '*.csv' --lake "$WORK/lake-top" --compact
expect_rc "top-level glob" 0
check "'*.csv' takes the top collection only" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert sorted(i["metadata"]["remote_path"] for i in r["items"]) == ["empty.csv", "top.csv"], r["items"]
' "$OUT"

# ---- a wrong password: exit 1, nothing landed, no secret shown
CANARY="canary-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WEBDAV_PASSWORD="$CANARY" run "$ETLCONN" fetch webdav -c "$CFG" '**' --lake "$WORK/lake-denied"
expect_rc "wrong password" 1
contains "the error says authentication" "$OUT$ERR" "401"
lacks "the wrong password is not shown" "$OUT$ERR" "$CANARY"
lacks "the right password is not shown" "$OUT$ERR" "$WEBDAV_TEST_PASSWORD"
check "nothing landed with a wrong password" test "$(file_count "$WORK/lake-denied/webdav")" -eq 0
check "no secret in the lake or its checkpoints" bash -c '! grep -rqF "$1" "$2"' _ "$CANARY" "$WORK/lake-denied"
WEBDAV_PASSWORD="$CANARY" run "$ETLCONN" test webdav -c "$CFG"
expect_rc "health check with a wrong password" 1
lacks "health output has no password" "$OUT$ERR" "$CANARY"
WEBDAV_PASSWORD="$CANARY" run "$ETLCONN" config show webdav -c "$CFG"
lacks "config show masks the password" "$OUT$ERR" "$CANARY"

# ---- credentials in the URL are refused without being repeated
run "$ETLCONN" test webdav --set url="http://$WEBDAV_TEST_USER:$CANARY@${WEBDAV_TEST_URL#http://}"
check "a URL with credentials is refused" test "$RC" -ne 0
contains "the refusal says why" "$OUT$ERR" "credentials"
lacks "the refusal does not repeat the password" "$OUT$ERR" "$CANARY"

# ---- a connection cut mid-transfer (a proxy closing after 256 KiB)
CUT="$WORK/cut.yaml"
printf 'protocol: webdav\nurl: %s%s/\nusername: %s\nsource: dav\nretry_max: 0\n' \
  "$WEBDAV_TEST_CUT_URL" "$NAME" "$WEBDAV_TEST_USER" > "$CUT"
LAKE2="$WORK/lake-cut"
run "$ETLCONN" fetch webdav -c "$CUT" 'big.bin' --lake "$LAKE2" --compact
check "a cut transfer fails" test "$RC" -ne 0
check "no visible partial file after the cut" test ! -e "$LAKE2/webdav/dav/big.bin"
check "no file named after the cut file anywhere in the lake" \
  test "$(find "$LAKE2" -type f -name '*big.bin*' 2>/dev/null | wc -l)" -eq 0
run "$ETLCONN" fetch webdav -c "$CFG" 'big.bin' --lake "$LAKE2" --compact
expect_rc "the next run over a whole connection (another URL: it starts again)" 0
check "the next run lands the file once, whole" python3 -c '
import hashlib, json, sys
r = json.loads(sys.argv[1])
assert [i["metadata"]["remote_path"] for i in r["items"]] == ["big.bin"], r["items"]
assert hashlib.sha256(open(sys.argv[2], "rb").read()).digest() == hashlib.sha256(open(sys.argv[3], "rb").read()).digest()
' "$OUT" "$LAKE2/webdav/dav/big.bin" "$SRC/big.bin"

# ---- a GET cut twice (the run's retry too) through the marking proxy: the
# run fails; the next run, same URL and settings (the spool is per
# definition), resumes the part with Range and lands the file once
DROP="$WORK/drop.yaml"
printf 'protocol: webdav\nurl: %s%s/\nusername: %s\nsource: dav\nretry_max: 0\n' \
  "$WEBDAV_TEST_DROP_URL" "$NAME" "$WEBDAV_TEST_USER" > "$DROP"
LAKE3="$WORK/lake-drop"
printf 2 > "$WEBDAV_TEST_DROPS/big.bin"
run "$ETLCONN" --log-level info fetch webdav -c "$DROP" 'big.bin' --lake "$LAKE3" --compact
check "a GET cut twice fails the run" test "$RC" -ne 0
contains "the run's retry resumed after the first cut" "$ERR" "resuming 'big.bin' at byte"
check "both cuts happened (marker consumed)" test ! -e "$WEBDAV_TEST_DROPS/big.bin"
check "no visible file after the cuts" test ! -e "$LAKE3/webdav/dav/big.bin"
HAVE=$(find "$LAKE3/_partial" -name '*.part' -printf '%s\n' 2>/dev/null | head -1)
check "what was read is kept in the spool (${HAVE:-no} bytes)" test "${HAVE:-0}" -gt 0
run "$ETLCONN" --log-level info fetch webdav -c "$DROP" 'big.bin' --lake "$LAKE3" --compact
expect_rc "the next run" 0
contains "it resumes from the part (Range), not from byte 0" "$ERR" "resuming 'big.bin' at byte $HAVE of 3000000"
check "it lands the file once, size and sha256 the source's" python3 -c '
import hashlib, json, sys
r = json.loads(sys.argv[1]); data = open(sys.argv[2], "rb").read()
assert [i["metadata"]["remote_path"] for i in r["items"]] == ["big.bin"], r["items"]
it = r["items"][0]
assert it["byte_count"] == len(data) and it["sha256"] == hashlib.sha256(data).hexdigest()
assert open(it["path"], "rb").read() == data
' "$OUT" "$SRC/big.bin"
check "no part left" test -z "$(find "$LAKE3/_partial" -name '*.part' 2>/dev/null)"

# ---- Apache mod_dav: the walk (Depth: infinity refused), whole and once
umask 000                       # Apache serves as www-data
cp -r "$SRC" "$ASRC"
ACFG="$WORK/apache.yaml"
printf 'protocol: webdav\nurl: %s%s/\nusername: %s\nsource: apache\n' \
  "$APACHEDAV_TEST_URL" "$NAME" "$APACHEDAV_TEST_USER" > "$ACFG"
export WEBDAV_PASSWORD="$APACHEDAV_TEST_PASSWORD"
ALAKE="$WORK/lake-apache"
ETLCONN_LOG_LEVEL=info run "$ETLCONN" fetch webdav -c "$ACFG" '**' --lake "$ALAKE"
expect_rc "Apache: first run lands the tree" 0
contains "Apache: Depth: infinity refused, walked instead" "$ERR" "walking one collection at a time"
echo "$OUT" > "$WORK/ra.json"
check "Apache: every item is byte-identical to its source" python3 - "$WORK/ra.json" "$ASRC" <<'PY'
import hashlib, json, os, sys
r = json.load(open(sys.argv[1])); src = sys.argv[2]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
want = {os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs}
got = {it["metadata"]["remote_path"]: it for it in r["items"]}
assert set(got) == want, (sorted(got), sorted(want))
for rel, it in got.items():
    assert it["sha256"] == sha(os.path.join(src, rel)) == sha(it["path"]), rel
    assert not it["metadata"]["etag"].startswith("W/"), it["metadata"]
PY
sleep 1                         # past Apache's one second of weak ETags
run "$ETLCONN" fetch webdav -c "$ACFG" '**' --lake "$ALAKE" --compact
expect_rc "Apache: second run" 0
check "Apache: second run lands nothing (weak and strong ETags compare equal)" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["items"]==[] and r["status"]=="success", r' "$OUT"

finish
