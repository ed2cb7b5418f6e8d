#!/usr/bin/env bash
# SQLite -> Parquet in an S3 lake (a real SeaweedFS on loopback,
# shared-service: seaweedfs; a bucket of this test's own):
# `etlconn fetch --lake s3://bucket/prefix` with AWS_* settings; the object is
# read back (through SeaweedFS's filer, not our client) and checked by pyarrow;
# a failed fetch leaves no object; wrong credentials never print the secret.
. "$(dirname "$0")/lib.sh"
shared_s3 etlc-cli-s3
DB="$WORK/shop.db"
sqlite3 "$DB" < "$ETLCONN_SOURCE_DIR/examples/sample/sample.sql"

run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders ORDER BY order_id" --lake "s3://$ETLC_TEST_S3_BUCKET/lake"
expect_rc "fetch into an S3 lake" 0
KEY=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["items"][0]["path"]; assert p.startswith("s3://"), p; print(p.split("/",3)[3])' "$WORK/out")
SHA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["sha256"])' "$WORK/out")
curl -sf "$ETLC_TEST_S3_FILER/buckets/$ETLC_TEST_S3_BUCKET/$KEY" -o "$WORK/got.parquet"
check "object is readable at the reported path" test -s "$WORK/got.parquet"
check "object sha256 matches the item" test "$(sha256sum "$WORK/got.parquet" | cut -d' ' -f1)" = "$SHA"
check "pyarrow reads 1000 rows from the S3 object" python3 -c '
import pyarrow.parquet as pq, sys; t = pq.read_table(sys.argv[1]); assert t.num_rows == 1000 and t.column("order_id").to_pylist()[-1] == 1000' "$WORK/got.parquet"

run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT nope FROM orders" --lake "s3://$ETLC_TEST_S3_BUCKET/failed"
expect_rc "failed fetch into S3" 1
LIST=$(curl -sf "$ETLC_TEST_S3_FILER/buckets/$ETLC_TEST_S3_BUCKET/?pretty=y" || true)
lacks "failed fetch left no object" "$LIST" "failed"

CANARY="S3CanarySecret-55aa"
run env AWS_SECRET_ACCESS_KEY="$CANARY" "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT 1 AS x" --lake "s3://$ETLC_TEST_S3_BUCKET/denied"
expect_rc "wrong secret fails" 1
contains "wrong secret is an auth error" "$ERR" "AUTH"
lacks "secret never printed" "$OUT$ERR" "$CANARY"
run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT 1 AS x" --lake "s3://no-such-bucket-etlc/x"
expect_rc "missing bucket fails" 1
contains "missing bucket named" "$ERR" "no-such-bucket-etlc"
finish
