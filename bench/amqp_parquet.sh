#!/usr/bin/env bash
# RabbitMQ -> Parquet (zstd): etlconn consume amqp vs a raw rabbitmq-c consumer
# and pika + pyarrow, side by side.
#   bench/amqp_parquet.sh [N]   (default 1,000,000 messages of ~200 bytes JSON)
# Compared (each run drains one queue refilled before it, untimed):
#   amqp_bench consume          the ceiling: a raw rabbitmq-c consumer (bench/amqp_bench.c:
#                               prefetch 10000, one multiple-ack per 10000, bodies discarded).
#                               amqp-consume (amqp-tools) is no ceiling: it runs a command per
#                               message.
#   pika + pyarrow              basic.consume, json.loads, a zstd Parquet file per 10000
#   etlconn consume amqp        --max-messages 10000 --batches N/10000 (a file per batch)
# Interleaved rounds through bench/pairs.py. Outputs verified: the data columns
# (id, name, amount, pad) of both Parquet outputs projected with DuckDB and fingerprinted
# (bench/fingerprint.py --duckdb) against the expected rows; the raw consumer keeps nothing
# (--unverified). Targets (issue #11): etlconn >= 0.8x the raw consumer, >= 5x pika + pyarrow.
# The broker comes from tests/services/rabbitmq (started here, stopped on exit).
# Needs a built etlconn and amqp_bench (make build). ROUNDS=N sets the rounds (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
AB=${AMQP_BENCH:-build/bench/amqp_bench}
OUT=$PWD/bench/out/amqp
SVC=$OUT/service
[ -x "$ETLCONN" ] && [ -x "$AB" ] || { echo "no $ETLCONN or $AB: build first (make build)" >&2; exit 1; }
python3 -c 'import pika, pyarrow, duckdb' || { echo "needs pika, pyarrow, duckdb (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"
trap 'tests/services/rabbitmq stop "$SVC" >/dev/null 2>&1 || true' EXIT
tests/services/rabbitmq start "$SVC" >/dev/null
set -a; . "$SVC/env"; set +a
Q=bench
BATCHES=$(( (N + 9999) / 10000 ))

cat > "$OUT/pika_parquet.py" <<'PY'
import json, os, sys
import pika, pyarrow as pa, pyarrow.parquet as pq
queue, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
c = pika.BlockingConnection(pika.ConnectionParameters(
    os.environ["AMQP_HOST"], int(os.environ["AMQP_PORT"]), "/",
    pika.PlainCredentials(os.environ["AMQP_USERNAME"], os.environ["AMQP_PASSWORD"])))
ch = c.channel()
ch.basic_qos(prefetch_count=10000)
rows, got, part = [], 0, 0
for method, props, body in ch.consume(queue):
    rows.append(json.loads(body))
    got += 1
    if len(rows) == 10000 or got == n:
        pq.write_table(pa.Table.from_pylist(rows), f"{out}/{part:05d}.parquet", compression="zstd",
                       compression_level=1)
        ch.basic_ack(method.delivery_tag, multiple=True)
        rows, part = [], part + 1
    if got == n:
        break
ch.cancel()
c.close()
PY
cat > "$OUT/project.py" <<'PY'
import sys, duckdb
duckdb.sql(f"COPY (SELECT id, name, amount, pad FROM read_parquet('{sys.argv[1]}/**/*.parquet')) "
           f"TO '{sys.argv[2]}' (FORMAT parquet)")
PY

# The expected rows: one fill consumed once by etlconn outside the timed rounds, checked
# to hold N distinct ids, projected; every later output must match its fingerprint.
FILL="$AB produce $Q $N"
FP="python3 bench/fingerprint.py --duckdb"
$FILL
rm -rf "$OUT/expected"
$ETLCONN -q consume amqp --queue $Q --max-messages 10000 --batches $BATCHES --lake "$OUT/expected" > /dev/null
python3 "$OUT/project.py" "$OUT/expected" "$OUT/expected.parquet"
[ "$(python3 -c "import duckdb; print(*duckdb.sql(\"SELECT count(*), count(DISTINCT id) FROM '$OUT/expected.parquet'\").fetchall()[0])")" = "$N $N" ] \
  || { echo "the expected output does not hold $N distinct ids" >&2; exit 1; }

X="$ETLCONN -q consume amqp --queue $Q --max-messages 10000 --batches $BATCHES --format parquet --compression zstd"
args=(--rounds "$ROUNDS" --expect "$($FP "$OUT/expected.parquet")" --json "$OUT/amqp_parquet.json"
  --title "RabbitMQ -> Parquet (zstd), $N messages of ~200 bytes JSON (loopback broker)"
  --tool "etlconn consume amqp" "$X --lake $OUT/lake > /dev/null"
    --prepare "rm -rf $OUT/lake $OUT/lake.parquet && $FILL"
    --verify "python3 $OUT/project.py $OUT/lake $OUT/lake.parquet && $FP $OUT/lake.parquet"
  --tool "raw rabbitmq-c consumer (amqp_bench)" "$AB consume $Q $N > /dev/null"
    --prepare "$FILL" --unverified "a ceiling: it keeps nothing"
  --tool "pika + pyarrow" "python3 $OUT/pika_parquet.py $Q $N $OUT/pika && sync -f $OUT/pika"
    --prepare "rm -rf $OUT/pika $OUT/pika.parquet && $FILL"
    --verify "python3 $OUT/project.py $OUT/pika $OUT/pika.parquet && $FP $OUT/pika.parquet")
python3 bench/pairs.py "${args[@]}"
