# Shared helpers for the shell integration tests. Source it.
set -u
: "${ETLCONN:?set by CTest}" "${ETLCONN_SOURCE_DIR:?}" "${ETLCONN_BINARY_DIR:?}"
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${ETLCONN_BINARY_DIR}/test-scratch-${TEST_NAME}-XXXXXX")
# at_exit CMD: run CMD when the test exits (latest first), before $WORK goes.
AT_EXIT=":"
at_exit() { AT_EXIT="$1; $AT_EXIT"; }
trap 'eval "$AT_EXIT"; rm -rf "$WORK"' EXIT
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

# shared_s3 BUCKET: the run's shared SeaweedFS (the test says "shared-service:
# seaweedfs") with a bucket of this test's own, BUCKET, made here; its
# settings are sourced (ETLC_TEST_S3_*, ETLC_TEST_S3_BUCKET=BUCKET) and
# exported as the AWS_* variables etlconn reads. Fails the test if the
# server is not there or the bucket cannot be made.
shared_s3() {
  shared_service seaweedfs
  if ! bash "$ETLCONN_SOURCE_DIR/tests/services/seaweedfs" bucket \
       "${ETLCONN_SERVICES_DIR:-$ETLCONN_BINARY_DIR/services/shared}/seaweedfs" "$1" >"$WORK/bucket.log" 2>&1; then
    bad "cannot create the bucket $1: $(cat "$WORK/bucket.log")"
    finish; exit 1
  fi
  export ETLC_TEST_S3_BUCKET=$1
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

# shared_pg NAME: the run's shared PostgreSQL (the test says "shared-service:
# postgres") with a database of this test's own, NAME_<pid>, owned by the
# test user, as PG_DATABASE (the server's own test database stays as
# PG_SHARED_DATABASE); dropped at exit.
shared_pg() {
  shared_service postgres
  PG_SHARED_DATABASE=$PG_DATABASE
  export PG_DATABASE="$1_$$"
  if ! shared_pg_admin "CREATE DATABASE \"$PG_DATABASE\"" >"$WORK/createdb.log" 2>&1; then
    bad "cannot create database $PG_DATABASE: $(cat "$WORK/createdb.log")"
    finish; exit 1
  fi
  at_exit 'shared_pg_admin "DROP DATABASE IF EXISTS \"$PG_DATABASE\" WITH (FORCE)" >/dev/null 2>&1'
}
shared_pg_admin() { # SQL run as the test user in the server's own test database
  PGPASSWORD=$PG_PASSWORD "$ETLC_PG_BIN/psql" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" \
    -d "$PG_SHARED_DATABASE" -v ON_ERROR_STOP=1 -c "$1"
}

# shared_mysql NAME: the run's shared MariaDB (the test says "shared-service:
# mariadb") with a database of this test's own, NAME_<pid>, on which the test
# user has every right, as MYSQL_DATABASE; dropped at exit. The server's
# admin (in its env file) makes and drops it: the test user may not.
shared_mysql() {
  shared_service mariadb
  export MYSQL_DATABASE="$1_$$"
  if ! shared_mysql_admin "CREATE DATABASE \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
      GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USERNAME'@'127.0.0.1';
      GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USERNAME'@'localhost';" >"$WORK/createdb.log" 2>&1; then
    bad "cannot create database $MYSQL_DATABASE: $(cat "$WORK/createdb.log")"
    finish; exit 1
  fi
  at_exit 'shared_mysql_admin "DROP DATABASE IF EXISTS \`$MYSQL_DATABASE\`" >/dev/null 2>&1'
}
shared_mysql_admin() {
  MYSQL_PWD=$ETLC_MYSQL_ADMIN_PASSWORD mariadb --no-defaults --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" \
    -u "$ETLC_MYSQL_ADMIN_USERNAME" -e "$1"
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
