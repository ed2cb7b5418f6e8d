#!/usr/bin/env bash
# A CLI built with connectors switched off: each of them is listed as not
# built in, and using one fails as bad usage (exit 2) with a message naming
# the CMake option, for fetch, test and load alike. Built only when some
# connector is off; ETLCONN_COMPILED_OUT lists them ("sqlite,dw").
. "$(dirname "$0")/lib.sh"
: "${ETLCONN_COMPILED_OUT:?set by CTest}"

listed_off() { grep -qE "^$1 +not built in .*compiled out" <<<"$PROTOCOLS"; }
run "$ETLCONN" protocols
expect_rc "protocols" 0
PROTOCOLS=$OUT
for p in ${ETLCONN_COMPILED_OUT//,/ }; do
  P=$(echo "$p" | tr '[:lower:]' '[:upper:]')
  check "$p is listed as compiled out" listed_off "$p"
  run "$ETLCONN" test "$p"
  expect_rc "test $p" 2
  contains "test $p names the option" "$ERR" "-DETLCONN_WITH_$P=ON"
  run "$ETLCONN" fetch "$p" "SELECT 1" --lake "$WORK/lake"
  expect_rc "fetch $p" 2
  contains "fetch $p says not built in" "$ERR" "NOT_BUILT_IN"
  check "fetch $p landed nothing" test "$(file_count "$WORK/lake")" -eq 0
done
# Aliases of compiled-out connectors answer the same way (CMakeLists.txt's
# ETLCONN_CONNECTOR_ALIASES).
for pair in sftp:ssh ftps:ftp rest:http dav:webdav sqlite3:sqlite; do
  a=${pair%%:*} p=${pair#*:}
  case ",$ETLCONN_COMPILED_OUT," in *",$p,"*)
    run "$ETLCONN" test "$a"
    expect_rc "test $a (alias of $p)" 2
    contains "test $a names $p's option" "$ERR" "-DETLCONN_WITH_$(echo "$p" | tr '[:lower:]' '[:upper:]')=ON";;
  esac
done
case ",$ETLCONN_COMPILED_OUT," in *,dw,*)
  : >"$WORK/x.jsonl"
  run "$ETLCONN" load --table t "$WORK/x.jsonl"
  expect_rc "load without dw" 2
  contains "load names the option" "$ERR" "-DETLCONN_WITH_DW=ON";;
esac
finish
