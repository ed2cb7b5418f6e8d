#!/usr/bin/env bash
# kill -9 of `etlconn fetch file` during a 200 MB transfer, 10 times at
# random moments, on one lake: after every kill the lake holds either
# nothing for the file or the whole verified file (no visible partial, no
# temporary file left to pile up); the runs resume from the part they
# left; a final run completes the file once, and one more lands nothing.
# Wall time: about 10 x one transfer (a few seconds here).
. "$(dirname "$0")/lib.sh"

# On tmpfs when there is room: fsync of 200 MB per round would dominate the
# wall time, and a kill -9 does not lose what sits in the page cache anyway.
BASE="$WORK"
if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 2000000 ]; then
  BASE=$(mktemp -d /dev/shm/etlconn-resume-XXXXXX)
  trap 'rm -rf "$WORK" "$BASE"' EXIT
fi
SRC="$BASE/src"; mkdir -p "$SRC"
head -c 200M /dev/urandom > "$SRC/big.bin"   # random bytes: a misplaced resume shows in the hash
WANT=$(sha256sum "$SRC/big.bin" | cut -d' ' -f1)
CFG="$WORK/file.yaml"
printf 'protocol: file\nroot: %s\nsource: drop\nchunk_size: 8192\n' "$SRC" > "$CFG"
LAKE="$BASE/lake"
FINAL="$LAKE/file/drop/big.bin"

# How long one whole transfer takes here: kills are spread over it.
T0=$(date +%s%N)
run "$ETLCONN" fetch file -c "$CFG" 'big.bin' --lake "$BASE/calibrate"
expect_rc "a calibration run lands the file" 0
MS=$(( ($(date +%s%N) - T0) / 1000000 ))
echo "one transfer takes ${MS} ms"
rm -rf "$BASE/calibrate"

visible_files() { # data files a lake reader could see (not the hidden areas, not temporaries)
  find "$LAKE" -type f ! -path "$LAKE/_partial/*" ! -path "$LAKE/_checkpoints/*" ! -name '.*.tmp-*' 2>/dev/null
}
sha_ok() { cmp -s "$SRC/big.bin" "$FINAL"; }  # byte for byte (cheaper than hashing each round)

# Each round: a fresh lake, one run killed at a random moment of the
# transfer, then the next run, which must complete the file exactly once
# (one item, unless the killed run had already committed it).
KILL_OK=1; NEXT_OK=1; TMP_OK=1; ONCE_OK=1; PARTS_SEEN=0; RESUMED=0
for i in $(seq 1 10); do
  rm -rf "$LAKE"
  "$ETLCONN" fetch file -c "$CFG" 'big.bin' --lake "$LAKE" >/dev/null 2>&1 &
  PID=$!
  WAIT_MS=$(( RANDOM % (MS * 8 / 10 + 1) + 5 ))
  sleep "$(printf '%d.%03d' $((WAIT_MS / 1000)) $((WAIT_MS % 1000)))"
  kill -9 "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
  VIS=$(visible_files)
  if [ -n "$VIS" ] && { [ "$VIS" != "$FINAL" ] || ! sha_ok; }; then
    KILL_OK=0; echo "after kill $i (at ${WAIT_MS} ms) the lake shows: $VIS"
  fi
  PART=$(find "$LAKE/_partial" -name '*.part' -size +0 2>/dev/null | head -1)
  PSIZE=$( [ -n "$PART" ] && stat -c %s "$PART" || echo 0)
  [ "$PSIZE" -gt 0 ] && [ "$PSIZE" -lt 209715200 ] && PARTS_SEEN=$((PARTS_SEEN + 1))
  "$ETLCONN" --log-level info fetch file -c "$CFG" 'big.bin' --lake "$LAKE" --compact >"$WORK/out" 2>"$WORK/err" || NEXT_OK=0
  grep -q "resuming 'big.bin' at byte" "$WORK/err" && RESUMED=$((RESUMED + 1))
  ITEMS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$WORK/out" 2>/dev/null || echo x)
  if [ -n "$VIS" ]; then WANT_ITEMS=0; else WANT_ITEMS=1; fi
  # a kill after the lake commit but before the checkpoint's: landed again, same name (overwrite)
  [ "$ITEMS" = "$WANT_ITEMS" ] || { [ -n "$VIS" ] && [ "$ITEMS" = 1 ]; } || { ONCE_OK=0; echo "round $i: $ITEMS items"; }
  sha_ok || { NEXT_OK=0; echo "round $i: the completed file does not match"; }
  LEFT=$(find "$LAKE" \( -name '.*.tmp-*' -o -name '*.part' \) 2>/dev/null)
  [ -z "$LEFT" ] || { TMP_OK=0; echo "round $i left: $LEFT"; }
  echo "round $i: killed at ${WAIT_MS} ms, visible=[${VIS##*/}] part=${PSIZE} bytes, next run landed ${ITEMS}"
done
check "after every kill the lake holds nothing or the whole verified file" test "$KILL_OK" -eq 1
check "the next run always completes the file (byte for byte)" test "$NEXT_OK" -eq 1
check "... landing it once" test "$ONCE_OK" -eq 1
check "no temporary lake file or part is left once the file is landed" test "$TMP_OK" -eq 1
check "some kills left a partial download (${PARTS_SEEN} of 10)" test "$PARTS_SEEN" -gt 0
check "the runs after them resumed it (${RESUMED})" test "$RESUMED" -gt 0

check "the landed file's sha256 is the source's" test "$(sha256sum "$FINAL" | cut -d' ' -f1)" = "$WANT"
run "$ETLCONN" fetch file -c "$CFG" 'big.bin' --lake "$LAKE" --compact
expect_rc "one more run" 0
contains "... lands nothing" "$OUT" '"items":[]'
finish
