#!/usr/bin/env bash
# libetlconn.so exports its public API and nothing else (include/etlconn/
# export.h): no internal helper (etlc__*), no libpq-style driver code (pq_*),
# no other name beyond the linker's own; and a program built against the
# shared library alone (C and C++) links, runs, and loads a plugin whose
# etlc_* calls resolve against the shared library.
. "$(dirname "$0")/lib.sh"

lib=$(ls "$ETLCONN_BINARY_DIR"/libetlconn.so.* 2>/dev/null | head -n 1)
check "libetlconn.so was built" test -n "$lib"
[ -n "$lib" ] || { finish; exit 1; }

nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u >"$WORK/symbols"
count=$(wc -l <"$WORK/symbols")
echo "# libetlconn.so exports $count symbols"
check "it exports something" test "$count" -gt 0

internal=$(grep -E '^(etlc__|pq_)' "$WORK/symbols" | tr '\n' ' ')
check "no etlc__* or pq_* symbol is exported${internal:+ (found: $internal)}" test -z "$internal"

# The linker's own symbols; everything else must be ours.
allowed='^(_init|_fini|_edata|_end|__bss_start)$'
stray=$(grep -Ev '^(etlc_|etlconn_|pq_)' "$WORK/symbols" | grep -Ev "$allowed" | tr '\n' ' ')
check "every other export starts with etlc_ or etlconn_${stray:+ (found: $stray)}" test -z "$stray"

# Every public header declares inside ETLC_BEGIN_DECLS / ETLC_END_DECLS
# (a header with its own extern "C" block would hide its functions).
for h in "$ETLCONN_SOURCE_DIR"/include/etlconn/*.h; do
  [ "$(basename "$h")" = export.h ] && continue
  check "$(basename "$h") wraps its declarations in ETLC_BEGIN_DECLS" \
    sh -c "grep -q '^ETLC_BEGIN_DECLS' '$h' && grep -q '^ETLC_END_DECLS' '$h' && ! grep -q 'extern \"C\"' '$h'"
done

# Every function a public header declares and the library defines is
# exported. (Declared but not defined anywhere is listed, not failed: that
# is an API still being written, not a visibility bug.)
for h in "$ETLCONN_SOURCE_DIR"/include/etlconn/*.h; do echo "#include \"etlconn/$(basename "$h")\""; done >"$WORK/all.c"
if ${CC:-cc} -std=c11 -I "$ETLCONN_SOURCE_DIR/include" -aux-info "$WORK/aux" -c "$WORK/all.c" -o /dev/null; then
  grep "$ETLCONN_SOURCE_DIR/include/etlconn/" "$WORK/aux" | grep -v ' static ' |
    sed -n 's/.*[ *]\(etlc[a-z0-9_]*\) *(.*/\1/p' | sort -u >"$WORK/declared"
  nm --defined-only "$ETLCONN_BINARY_DIR/libetlconn.a" 2>/dev/null | awk '$2 ~ /^[TDRB]$/ {print $3}' | sort -u >"$WORK/defined"
  hidden=$(comm -12 "$WORK/declared" "$WORK/defined" | comm -23 - "$WORK/symbols" | tr '\n' ' ')
  check "$(wc -l <"$WORK/declared") declared public functions; every defined one is exported${hidden:+ (hidden: $hidden)}" \
    test -s "$WORK/declared" -a -s "$WORK/defined" -a -z "$hidden"
  missing=$(comm -23 "$WORK/declared" "$WORK/defined" | tr '\n' ' ')
  [ -z "$missing" ] || echo "# declared in a public header but not defined in this build: $missing"
else
  bad "the public headers compile together"
fi

for prog in shared_link shared_link_cxx; do
  exe="$ETLCONN_BINARY_DIR/tests/$prog"
  check "$prog was built" test -x "$exe"
  [ -x "$exe" ] || continue
  check "$prog loads libetlconn.so" sh -c "ldd '$exe' | grep -q 'libetlconn\\.so'"
  # A static copy of the library in the program would hide missing exports.
  own=$(nm --defined-only "$exe" | grep -c ' T etlc_' || true)
  check "$prog holds no etlc_ code of its own ($own)" test "$own" -eq 0
  run "$exe" "$ETLCONN_BINARY_DIR/plugins/newprotocol.so" "$WORK/lake-$prog"
  expect_rc "$prog runs against the shared library and loads a plugin into it" 0
done
finish
