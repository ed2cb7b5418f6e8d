# Sourced by the test_extract_<dialect>.sh tests (#15 class 8): --initial and
# a hand-edited checkpoint cursor are parsed as the watermark column's type;
# when they cannot be, the run exits 2 before it saves or lands anything.
# Needs X (the test's `etlconn extract <protocol> ...` runner) and lib.sh.
check_initial_type() { # check_initial_type TABLE WATERMARK KEY GOOD_INITIAL BAD_INITIAL
  local t=$1 wm=$2 key=$3 good=$4 bad=$5 st="it-$1-$2.json" lake="itl-$1-$2"
  rm -rf "$lake" "$st"
  X --table "$t" --watermark "$wm" --key "$key" --lake "$lake" --state "$st" --initial "$bad"
  expect_rc "--initial '$bad' on $t.$wm is a usage error" 2
  contains "the refusal names the value and the column" "$ERR" "--initial '$bad' does not parse as the watermark column '$wm'"
  check "a refused --initial saves no checkpoint" test ! -e "$st"
  check "a refused --initial lands nothing" test "$(file_count "$lake")" -eq 0
  X --table "$t" --watermark "$wm" --key "$key" --lake "$lake" --state "$st" --initial "$good"
  expect_rc "--initial '$good' on $t.$wm runs" 0
  # a hand-edited cursor: the watermark value becomes the bad text
  python3 - "$st" "$bad" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["position"]["cursor"]["values"][0] = {"type": "text", "value": sys.argv[2]}
json.dump(doc, open(sys.argv[1], "w"), indent=2)
PY
  local before after
  before=$(sha256sum "$st")
  X --table "$t" --watermark "$wm" --key "$key" --lake "$lake" --state "$st"
  expect_rc "a hand-edited cursor '$bad' on $t.$wm is refused" 2
  contains "the refusal names the checkpoint's value" "$ERR" "checkpoint's cursor value '$bad' (text) does not parse"
  after=$(sha256sum "$st")
  check "the refused run left the checkpoint as it was" test "$before" = "$after"
}

# An empty table has no maximum: the column's declared type decides.
check_initial_type_empty() { # check_initial_type_empty TABLE WATERMARK KEY BAD_INITIAL
  local t=$1 wm=$2 key=$3 bad=$4 st="ie-$1-$2.json" lake="iel-$1-$2"
  rm -rf "$lake" "$st"
  X --table "$t" --watermark "$wm" --key "$key" --lake "$lake" --state "$st" --initial "$bad"
  expect_rc "--initial '$bad' on the empty $t.$wm is a usage error" 2
  contains "the refusal says the table has no rows yet" "$ERR" "the table has no rows yet"
  check "a refused --initial on an empty table saves no checkpoint" test ! -e "$st"
}
