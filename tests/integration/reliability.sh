# Shared parts of the test_cli_<protocol>_reliability.sh tests (source it
# after lib.sh): kill -9 rounds with resume, and a file changed on the
# server between listing and download or while it is read. Each caller
# gives the protocol, a config file, and the lake-relative path of the file.

# rel_base: a scratch directory on tmpfs when there is room (200 MB lake
# files fsync'd ten times over would dominate the wall time; a kill -9 does
# not lose what sits in the page cache anyway), else $WORK.
rel_base() {
  BASE="$WORK"
  if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 2000000 ]; then
    BASE=$(mktemp -d /dev/shm/etlconn-rel-XXXXXX)
    trap 'rm -rf "$WORK" "$BASE"' EXIT
  fi
}

# part_size LAKE: bytes in the biggest part of the lake's resumable spool (0: none)
part_size() {
  local p
  p=$(find "$1/_partial" -name '*.part' -printf '%s\n' 2>/dev/null | sort -n | tail -1)
  echo "${p:-0}"
}

# visible_files LAKE: data files a lake reader could see
visible_files() {
  find "$1" -type f ! -path "$1/_partial/*" ! -path "$1/_checkpoints/*" ! -name '.*.tmp-*' 2>/dev/null
}

# kill_rounds PROTO CFG PATTERN RELPATH SRCFILE LAKE
# Ten rounds, each on a fresh lake: `etlconn fetch PROTO` killed -9 at a
# random moment of the transfer, then the next run. After every kill the
# lake shows nothing or the whole file; the next run completes it (byte
# for byte, sha256 equal to the source's) landing it once and leaving no
# part or temporary; some kills leave a part and the runs after them resume
# it (open_at: REST, offset reads, Range), which the log says.
kill_rounds() {
  local proto=$1 cfg=$2 pattern=$3 rel=$4 src=$5 lake=$6
  local final="$lake/$proto/$rel" want size
  want=$(sha256sum "$src" | cut -d' ' -f1); size=$(stat -c %s "$src")
  local t0 ms
  t0=$(date +%s%N)
  run "$ETLCONN" fetch "$proto" -c "$cfg" "$pattern" --lake "$lake-calibrate" --compact
  expect_rc "$proto: a calibration run lands the file" 0
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "one $proto transfer of $size bytes takes ${ms} ms"
  rm -rf "$lake-calibrate"
  local kill_ok=1 next_ok=1 once_ok=1 tmp_ok=1 parts=0 resumed=0 i
  for i in $(seq 1 10); do
    rm -rf "$lake"
    "$ETLCONN" fetch "$proto" -c "$cfg" "$pattern" --lake "$lake" >/dev/null 2>&1 &
    local pid=$! wait_ms=$(( RANDOM % (ms * 9 / 10 + 1) + 5 ))
    sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    local vis psize items want_items
    vis=$(visible_files "$lake")
    if [ -n "$vis" ] && { [ "$vis" != "$final" ] || ! cmp -s "$src" "$final"; }; then
      kill_ok=0; echo "after kill $i (at ${wait_ms} ms) the lake shows: $vis"
    fi
    psize=$(part_size "$lake")
    [ "$psize" -gt 0 ] && [ "$psize" -lt "$size" ] && parts=$((parts + 1))
    "$ETLCONN" --log-level info fetch "$proto" -c "$cfg" "$pattern" --lake "$lake" --compact \
      >"$WORK/kr.out" 2>"$WORK/kr.err" || { next_ok=0; tail -3 "$WORK/kr.err"; }
    grep -q "resuming '[^']*' at byte $psize of $size" "$WORK/kr.err" && resumed=$((resumed + 1))
    items=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$WORK/kr.out" 2>/dev/null || echo x)
    if [ -n "$vis" ]; then want_items=0; else want_items=1; fi
    # a kill after the lake commit but before the checkpoint's: landed again, same name (overwrite)
    [ "$items" = "$want_items" ] || { [ -n "$vis" ] && [ "$items" = 1 ]; } || { once_ok=0; echo "round $i: $items items"; }
    cmp -s "$src" "$final" || { next_ok=0; echo "round $i: the completed file does not match"; }
    local left
    left=$(find "$lake" \( -name '.*.tmp-*' -o -name '*.part' \) 2>/dev/null)
    [ -z "$left" ] || { tmp_ok=0; echo "round $i left: $left"; }
    echo "round $i: killed at ${wait_ms} ms, visible=[${vis##*/}] part=${psize} bytes, next run landed ${items}"
  done
  check "$proto: after every kill -9 the lake holds nothing or the whole verified file" test "$kill_ok" -eq 1
  check "$proto: the next run always completes the file byte for byte" test "$next_ok" -eq 1
  check "$proto: ... landing it once" test "$once_ok" -eq 1
  check "$proto: no temporary lake file or part is left once the file is landed" test "$tmp_ok" -eq 1
  check "$proto: some kills left a partial download ($parts of 10)" test "$parts" -gt 0
  check "$proto: runs after them resumed it from the part's size ($resumed)" test "$resumed" -gt 0
  check "$proto: the landed file's sha256 is the source's" \
    test "$(sha256sum "$final" | cut -d' ' -f1)" = "$want"
}

# stop_at_part PID LAKE MINBYTES: SIGSTOP the run once its spool holds a part
# of at least MINBYTES (so the change below lands mid-run, deterministically);
# sets STOPPED_AT (the part's size then; 0 when the run ended first).
stop_at_part() {
  local pid=$1 lake=$2 min=$3 _
  STOPPED_AT=0
  for _ in $(seq 2000); do
    kill -0 "$pid" 2>/dev/null || return 0
    local s; s=$(part_size "$lake")
    if [ "$s" -ge "$min" ]; then
      kill -STOP "$pid"; STOPPED_AT=$(part_size "$lake"); return 0
    fi
    sleep 0.005
  done
}

# rewrite_ends FILE MB: new random bytes over FILE's first megabyte and its
# last MB megabytes, in place (same size), and an mtime a minute on: a
# writer rewriting the file under a reader that has read its start already
# (what it reads next is new, what it has is old). NEW_SHA: the new sha256.
rewrite_ends() {
  local f=$1 mb=$2 size
  size=$(stat -c %s "$f")
  head -c 1M /dev/urandom | dd of="$f" bs=1M conv=notrunc status=none
  head -c "$((mb << 20))" /dev/urandom | dd of="$f" bs=1M seek="$(( (size >> 20) - mb ))" conv=notrunc status=none
  touch -d "@$(( $(date +%s) + 60 ))" "$f"
  NEW_SHA=$(sha256sum "$f" | cut -d' ' -f1)
}

# change_tests PROTO CFG SOURCE DIR SRCDIR LAKE (SOURCE: the config's source): the server's DIR holds a.bin (big,
# read first) and b.bin. (1) b.bin changes (new size and mtime) while a.bin
# is read, i.e. after the listing and before b's download: b lands as its
# new version, whole, after the change is detected and b listed again.
# (2) a.bin is rewritten in place (same size, new ends, later mtime) while it
# is read: it is never landed half old, half new; the run lands the new
# version (retried once, from byte 0).
change_tests() {
  local proto=$1 cfg=$2 source=$3 dir=$4 srcdir=$5 lake=$6 pid
  local asize; asize=$(stat -c %s "$srcdir/a.bin")
  rm -rf "$lake"
  "$ETLCONN" --log-level info fetch "$proto" -c "$cfg" "$dir/*.bin" --lake "$lake" --compact \
    >"$WORK/ch1.out" 2>"$WORK/ch1.err" &
  pid=$!
  stop_at_part "$pid" "$lake" $((4 << 20))
  head -c 3000000 /dev/urandom > "$srcdir/b.bin"; touch -d "@$(( $(date +%s) + 60 ))" "$srcdir/b.bin"
  local bsha; bsha=$(sha256sum "$srcdir/b.bin" | cut -d' ' -f1)
  kill -CONT "$pid" 2>/dev/null; wait "$pid"; RC=$?; ERR=$(cat "$WORK/ch1.err")
  check "$proto: the run was stopped while a.bin was read (part ${STOPPED_AT} bytes)" \
    test "$STOPPED_AT" -gt 0 -a "$STOPPED_AT" -lt "$asize"
  expect_rc "$proto: b.bin changed after the listing: the run succeeds" 0
  contains "$proto: the change is detected and b.bin listed again" "$ERR" "listing it again and retrying once"
  check "$proto: b.bin landed as its new version, whole" \
    test "$(sha256sum "$lake/$proto/$source/$dir/b.bin" | cut -d' ' -f1)" = "$bsha"

  rm -rf "$lake"
  "$ETLCONN" --log-level info fetch "$proto" -c "$cfg" "$dir/a.bin" --lake "$lake" --compact \
    >"$WORK/ch2.out" 2>"$WORK/ch2.err" &
  pid=$!
  stop_at_part "$pid" "$lake" $((8 << 20))
  rewrite_ends "$srcdir/a.bin" 32
  kill -CONT "$pid" 2>/dev/null; wait "$pid"; RC=$?; ERR=$(cat "$WORK/ch2.err")
  check "$proto: the run was stopped while a.bin was read (part ${STOPPED_AT} of $asize bytes)" \
    test "$STOPPED_AT" -gt 0 -a "$STOPPED_AT" -lt $((asize - (40 << 20)))
  local got="$lake/$proto/$source/$dir/a.bin"
  check "$proto: a.bin rewritten while read is not landed half old, half new" \
    bash -c '[ ! -e "$1" ] || [ "$(sha256sum "$1" | cut -d" " -f1)" = "$2" ]' _ "$got" "$NEW_SHA"
  expect_rc "$proto: ... the run retries it" 0
  contains "$proto: the change while reading is detected" "$ERR" "listing it again and retrying once"
  check "$proto: ... and lands its new version, whole" test -e "$got"
}
