# Shared helpers for the shell integration tests. Source it.
set -u
: "${ETLCONN:?set by CTest}" "${ETLCONN_SOURCE_DIR:?}" "${ETLCONN_BINARY_DIR:?}"
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${ETLCONN_BINARY_DIR}/test-scratch-${TEST_NAME}-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
bad()  { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# run CMD...: sets OUT, ERR, RC
run() {
  "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}

expect_rc() { # expect_rc WHAT CODE
  if [ "$RC" -eq "$2" ]; then ok "$1 (exit $RC)"; else bad "$1: exit $RC, expected $2; stderr: $ERR"; fi
}
contains() { # contains WHAT HAYSTACK NEEDLE
  case "$2" in *"$3"*) ok "$1";; *) bad "$1: '$3' not in: $2";; esac
}
lacks() { # lacks WHAT HAYSTACK NEEDLE
  case "$2" in *"$3"*) bad "$1: '$3' must not appear in: $2";; *) ok "$1";; esac
}
file_count() { find "$1" -type f 2>/dev/null | wc -l; }

# start_s3: a real SeaweedFS for this test on loopback (stopped, and $WORK
# removed, at exit); its settings are sourced (ETLC_TEST_S3_*, SVC) and
# exported as the AWS_* variables etlconn reads. Fails the test if it
# cannot start.
start_s3() {
  SVC="$WORK/seaweedfs"
  if ! bash "$ETLCONN_SOURCE_DIR/tests/services/seaweedfs" start "$SVC" >"$WORK/svc.log" 2>&1; then
    tail -20 "$WORK/svc.log"
    bad "SeaweedFS could not be started (tests/services/seaweedfs start)"
    finish; exit 1
  fi
  trap 'bash "$ETLCONN_SOURCE_DIR/tests/services/seaweedfs" stop "$SVC" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  . "$SVC/env"
  export AWS_ENDPOINT_URL="$ETLC_TEST_S3_ENDPOINT" AWS_REGION="$ETLC_TEST_S3_REGION" \
         AWS_ACCESS_KEY_ID="$ETLC_TEST_S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$ETLC_TEST_S3_SECRET_ACCESS_KEY"
}

# shared_service NAME: source the env file of the one instance of
# tests/services/NAME a CTest fixture started for this run (the test says
# "shared-service: NAME" in a comment); fails the test when it is missing.
# Never stop it; keep this test's data apart (own directory, database...).
shared_service() {
  local env="${ETLCONN_SERVICES_DIR:-$ETLCONN_BINARY_DIR/services/shared}/$1/env"
  if [ ! -f "$env" ]; then
    bad "$env missing: the fixture service.$1.start did not run or failed (run through ctest)"
    finish; exit 1
  fi
  set -a; . "$env"; set +a
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
