#!/usr/bin/env bash
# S3 lake -> warehouse: `etlconn fetch sqlite ... --lake s3://bucket/prefix`
# lands Parquet and JSONL in a real SeaweedFS, then `etlconn load -c dw.yaml
# --table t s3://bucket/prefix/` loads them into a real PostgreSQL (both
# the run's shared servers). Checks the row count and a checksum in the
# warehouse, that
# the result names the S3 objects, that a rerun loads nothing twice, and
# that no staging files are left behind.
# shared-service: postgres (a database of this test's own)
# shared-service: seaweedfs (a bucket of this test's own)
. "$(dirname "$0")/lib.sh"
shared_pg cli_dw_s3
shared_s3 etlc-cli-dw-s3
export PGPASSWORD=$PG_PASSWORD
export TMPDIR="$WORK/tmp"; mkdir -p "$TMPDIR"
cd "$WORK"
q() { psql -X -q -t -A -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -v ON_ERROR_STOP=1 -c "$1"; }
cat > dw.yaml <<YAML
protocol: dw
host: $PG_HOST
port: $PG_PORT
database: $PG_DATABASE
username: $PG_USERNAME
password: $PG_PASSWORD
YAML

python3 - <<'PY'
import sqlite3
c = sqlite3.connect("src.db")
c.execute("create table t (id integer primary key, name text, amount real)")
c.executemany("insert into t values (?,?,?)", [(i, "n%d" % i, i * 0.5) for i in range(1, 5001)])
c.commit()
PY
LAKE="s3://$ETLC_TEST_S3_BUCKET/landing/run-$$"
run "$ETLCONN" -q fetch --format parquet --lake "$LAKE" --set database_path=src.db sqlite "SELECT * FROM t WHERE id <= 3000 ORDER BY id"
expect_rc "fetch parquet into S3" 0
run "$ETLCONN" -q fetch --format jsonl --lake "$LAKE" --set database_path=src.db sqlite "SELECT * FROM t WHERE id > 3000 ORDER BY id"
expect_rc "fetch jsonl into S3" 0

run "$ETLCONN" -q load -c dw.yaml --table t "$LAKE/"
expect_rc "load from s3://" 0
check "two files loaded" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["files_loaded"]==2 and r["rows_loaded"]==5000, r
assert all(f["path"].startswith(sys.argv[2]) for f in r["files"]), [f["path"] for f in r["files"]]' "$WORK/out" "$LAKE/"
check "5000 rows in the warehouse" test "$(q 'SELECT count(*) FROM public.t')" = 5000
WANT=$(python3 -c 'import hashlib; print(hashlib.md5("".join("%d|n%d;" % (i, i) for i in range(1, 5001)).encode()).hexdigest())')
GOT=$(q "SELECT md5(string_agg(id || '|' || name || ';', '' ORDER BY id)) FROM public.t")
check "checksum of the rows matches the source" test "$GOT" = "$WANT"
check "sum of amounts matches" test "$(q 'SELECT sum(amount) FROM public.t')" = 6251250
check "no staging files left" test -z "$(ls -A "$TMPDIR")"

run "$ETLCONN" -q load -c dw.yaml --table t --compact "$LAKE/"
expect_rc "rerun" 0
contains "rerun skips both files" "$OUT" '"files_skipped":2'
check "still 5000 rows" test "$(q 'SELECT count(*) FROM public.t')" = 5000

run "$ETLCONN" -q load -c dw.yaml --table t "s3://$ETLC_TEST_S3_BUCKET/nothing-here/"
expect_rc "empty prefix fails" 1
contains "empty prefix says so" "$ERR" "no .parquet, .jsonl or .csv files under"
lacks "secret never printed" "$OUT$ERR" "$AWS_SECRET_ACCESS_KEY"
finish
