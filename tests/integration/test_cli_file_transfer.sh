#!/usr/bin/env bash
# The bytes driver's CLI surface with the file protocol: `fetch --help`
# lists the new flags; --parse csv|jsonl turns landed files into Parquet
# read back by pyarrow (an independent reader); --keep-raw keeps the raw
# file; after_landing delete|move through --set; the usage and config
# errors exit 2 before anything is fetched.
. "$(dirname "$0")/lib.sh"

SRC="$WORK/src"; mkdir -p "$SRC/in"
printf 'id,name\n1,alice\n2,bob\n' > "$SRC/in/people.csv"
printf '{"id":1,"v":2.5}\n{"id":2,"v":null}\n' > "$SRC/in/events.jsonl"
LAKE="$WORK/lake"

run "$ETLCONN" fetch --help
for flag in --parse --keep-raw after_landing resume; do contains "fetch --help names $flag" "$OUT" "$flag"; done

run "$ETLCONN" fetch file --set root="$SRC" '**' --keep-raw --lake "$LAKE"
expect_rc "--keep-raw without --parse" 2
run "$ETLCONN" fetch file --set root="$SRC" '**' --parse xml --lake "$LAKE"
expect_rc "--parse xml" 2
run "$ETLCONN" fetch file --set root="$SRC" --set after_landing=move '**' --lake "$LAKE"
expect_rc "after_landing=move without move_to" 2
contains "... names the key" "$ERR" "move_to"
check "... nothing was fetched" test ! -e "$LAKE/file"

run "$ETLCONN" fetch file --set root="$SRC" --set source=s 'in/*.csv' --parse csv --lake "$LAKE" --compact
expect_rc "--parse csv" 0
echo "$OUT" > "$WORK/r1.json"
check "the records are Parquet pyarrow reads, the raw CSV is gone" python3 - "$WORK/r1.json" "$LAKE" <<'PY'
import json, os, sys, pyarrow.parquet as pq
r = json.load(open(sys.argv[1])); lake = sys.argv[2]
(it,) = r["items"]
assert it["format"] == "parquet" and it["record_count"] == 2, it
assert it["metadata"]["remote_path"] == "in/people.csv", it
assert "/file/s/dt=" in it["path"], it["path"]
assert pq.read_table(it["path"]).to_pylist() == [{"id": "1", "name": "alice"}, {"id": "2", "name": "bob"}]
assert not os.path.exists(os.path.join(lake, "file/s/in/people.csv"))
PY

run "$ETLCONN" fetch file --set root="$SRC" --set source=s 'in/*.jsonl' --parse jsonl --keep-raw \
    --set after_landing=delete --lake "$LAKE" --compact
expect_rc "--parse jsonl --keep-raw with after_landing=delete" 0
echo "$OUT" > "$WORK/r2.json"
check "records with inferred types, the raw file beside them, the source deleted" python3 - "$WORK/r2.json" "$LAKE" "$SRC" <<'PY'
import json, os, sys, pyarrow.parquet as pq
r = json.load(open(sys.argv[1])); lake, src = sys.argv[2:4]
rec, raw = r["items"]
assert pq.read_table(rec["path"]).to_pylist() == [{"id": 1, "v": 2.5}, {"id": 2, "v": None}]
assert raw["format"] == "bytes" and open(raw["path"], "rb").read() == b'{"id":1,"v":2.5}\n{"id":2,"v":null}\n'
assert rec["metadata"]["after_landing"] == "deleted", rec["metadata"]
assert not os.path.exists(os.path.join(src, "in/events.jsonl"))
assert os.path.exists(os.path.join(src, "in/people.csv"))  # not in this run's glob
PY
finish
