#!/usr/bin/env bash
# The file protocol end to end through the CLI: a tree with nested
# directories, odd names, an empty file, a 200 MB file (bounded memory), a
# symlink; every landed file byte-identical to its source; a second run
# lands nothing; a changed and a new file land alone; include/exclude and
# age filters; the health check.
. "$(dirname "$0")/lib.sh"

SRC="$WORK/src"
mkdir -p "$SRC/a/b/c" "$SRC/with space" "$SRC/caf"$'\xc3\xa9'
printf 'id,name\n1,x\n' > "$SRC/top.csv"
printf 'id\n1\n' > "$SRC/a/one.csv"
printf 'deep\n' > "$SRC/a/b/c/deep.csv"
printf 'spaces\n' > "$SRC/with space/na"$'\xc3\xaf'"ve file.csv"
printf 'unicode dir\n' > "$SRC/caf"$'\xc3\xa9'"/menu.csv"
: > "$SRC/empty.csv"
printf 'notes\n' > "$SRC/notes.txt"
printf 'id\n1\n' | gzip -c > "$SRC/packed.csv"         # a .csv that is really gzip
# 200 MB: sparse, with real bytes at both ends so the hash means something.
printf 'head' > "$SRC/big.bin"; truncate -s 200M "$SRC/big.bin"; printf 'tail' >> "$SRC/big.bin"
ln -s top.csv "$SRC/link.csv"
ln -s a "$SRC/linkdir"
CFG="$WORK/file.yaml"
printf 'protocol: file\nroot: %s\nsource: drop\n' "$SRC" > "$CFG"
LAKE="$WORK/lake"

# ---- health
run "$ETLCONN" test file -c "$CFG"
expect_rc "health check of a readable root" 0
run "$ETLCONN" test file --set root="$WORK/absent"
expect_rc "health check of a missing root" 1

# ---- first run: everything but the symlinks, memory bounded
TIME=()
[ -x /usr/bin/time ] && TIME=(/usr/bin/time -v -o "$WORK/time.txt")
run "${TIME[@]}" "$ETLCONN" fetch file -c "$CFG" '**' --lake "$LAKE"
expect_rc "first run lands the tree" 0
echo "$OUT" > "$WORK/r1.json"
if [ -f "$WORK/time.txt" ]; then
  RSS=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$WORK/time.txt")
  echo "peak RSS ${RSS} KiB landing a 200 MB file"
  check "memory stays bounded with a 200 MB file (peak ${RSS} KiB < 64 MiB)" test "$RSS" -lt 65536
fi
check "every item is byte-identical to its source, symlinks skipped" python3 - "$WORK/r1.json" "$SRC" <<'PY'
import hashlib, json, os, sys
r = json.load(open(sys.argv[1])); src = sys.argv[2]
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk)
    return h.hexdigest()
want = set()
for d, _, files in os.walk(src):  # os.walk does not follow directory links
    for f in files:
        p = os.path.join(d, f)
        if not os.path.islink(p): want.add(os.path.relpath(p, src))
got = {}
for it in r["items"]:
    assert it["format"] == "bytes" and it["record_count"] == -1, it
    rel = it["metadata"]["remote_path"]
    assert os.path.exists(it["path"]), it["path"]
    assert it["path"].endswith("/file/drop/" + rel), (it["path"], rel)
    s = sha(os.path.join(src, rel))
    assert it["sha256"] == s == sha(it["path"]), rel
    assert it["byte_count"] == os.path.getsize(it["path"]) == os.path.getsize(os.path.join(src, rel))
    assert "remote_mtime" in it["metadata"] and "etag" in it["metadata"]
    got[rel] = it
assert set(got) == want, (sorted(got), sorted(want))
assert got["top.csv"]["content_type"] == "text/csv"
assert got["packed.csv"]["content_type"] == "application/gzip", got["packed.csv"]["content_type"]
assert got["big.bin"]["byte_count"] == 200 * 1024 * 1024 + 4
assert got["empty.csv"]["byte_count"] == 0
assert r["status"] == "success" and r["record_count"] == 0
print(len(got), "files")
PY
run "$ETLCONN" fetch file -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "second run" 0
check "second run lands nothing" python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["items"]==[] and r["status"]=="success"' "$OUT"

# ---- a modified and a new file: exactly those two
sleep 0.02
printf '2\n' >> "$SRC/a/one.csv"
printf 'new\n' > "$SRC/a/b/new.csv"
run "$ETLCONN" fetch file -c "$CFG" '**' --lake "$LAKE" --compact
expect_rc "third run" 0
check "third run lands exactly the changed and the new file" python3 -c '
import json,sys; r=json.loads(sys.argv[1])
assert sorted(i["metadata"]["remote_path"] for i in r["items"]) == ["a/b/new.csv", "a/one.csv"], r["items"]' "$OUT"
check "the changed file is landed in its new version" cmp "$SRC/a/one.csv" "$LAKE/file/drop/a/one.csv"

# ---- the glob is the query; include/exclude narrow it
run "$ETLCONN" fetch file -c "$CFG" --set exclude='a/**' '**/*.csv' --lake "$WORK/lake2" --compact
expect_rc "glob with exclude" 0
check "glob '**/*.csv' minus exclude 'a/**'" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); names=sorted(i["metadata"]["remote_path"] for i in r["items"])
assert names == ["caf\u00e9/menu.csv", "empty.csv", "packed.csv", "top.csv", "with space/na\u00efve file.csv"], names' "$OUT"
run "$ETLCONN" fetch file -c "$CFG" --set include='a/*.csv' '' --lake "$WORK/lake3" --compact
check "include 'a/*.csv' with an empty query" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); assert [i["metadata"]["remote_path"] for i in r["items"]] == ["a/one.csv"], r' "$OUT"
run "$ETLCONN" fetch file -c "$CFG" '*.csv' --set recursive=false --lake "$WORK/lake4" --compact
check "recursive=false stays at the top" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); n=[i["metadata"]["remote_path"] for i in r["items"]]
assert all("/" not in x for x in n) and "top.csv" in n, n' "$OUT"

# ---- age filters
touch -d '3 hours ago' "$SRC/top.csv" "$SRC/a/one.csv"
run "$ETLCONN" fetch file -c "$CFG" --set min_age=1h '**/*.csv' --lake "$WORK/lake5" --compact
check "min_age=1h keeps only the old files" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); assert sorted(i["metadata"]["remote_path"] for i in r["items"]) == ["a/one.csv", "top.csv"], r["items"]' "$OUT"
run "$ETLCONN" fetch file -c "$CFG" --set max_age=1h '**/*.csv' --lake "$WORK/lake6" --compact
check "max_age=1h leaves the old files out" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); n=[i["metadata"]["remote_path"] for i in r["items"]]
assert "top.csv" not in n and "a/one.csv" not in n and "a/b/new.csv" in n, n' "$OUT"

# ---- symlinks when asked for
run "$ETLCONN" fetch file -c "$CFG" --set follow_symlinks=true 'link*/**' --lake "$WORK/lake7" --compact
check "follow_symlinks=true follows a directory link" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); n=sorted(i["metadata"]["remote_path"] for i in r["items"])
assert "linkdir/one.csv" in n, n' "$OUT"
run "$ETLCONN" fetch file -c "$CFG" --set follow_symlinks=true 'link.csv' --lake "$WORK/lake7" --compact
check "follow_symlinks=true lands a file link's target bytes" cmp "$SRC/top.csv" "$WORK/lake7/file/drop/link.csv"

# ---- one run at a time on one checkpoint
LOCK=$(find "$LAKE/_checkpoints/file/drop" -name '*.json.lock' | head -1)
if command -v flock >/dev/null && [ -n "$LOCK" ]; then
  run flock "$LOCK" "$ETLCONN" fetch file -c "$CFG" '**' --lake "$LAKE"
  expect_rc "a run while another holds the checkpoint" 1
  contains "it says the checkpoint is busy" "$ERR" "BUSY"
fi

# ---- errors
run "$ETLCONN" fetch file -c "$CFG" --set root="$WORK/absent" '**' --lake "$LAKE"
expect_rc "a missing root fails" 1
contains "the error names the root" "$ERR" "$WORK/absent"
finish
