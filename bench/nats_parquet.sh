#!/usr/bin/env bash
# NATS JetStream -> Parquet (zstd): etlconn vs a raw nats.c consumer and nats-py + pyarrow,
# side by side on one stream of ~200-byte JSON messages.
#   bench/nats_parquet.sh [MESSAGES]    (default 1,000,000; check the script at e.g. 20000)
# Compared (each reads the whole stream through a fresh durable pull consumer, fetching
# 1,000 at a time, acking per batch, and stops at the first 500 ms that bring nothing):
#   nats_raw_consume (bench/nats_raw_consume.c)   the ceiling: nats.c reading, writing nothing
#   nats-py pull_subscribe + pyarrow.parquet       batches of 100,000 -> one zstd file each
#   etlconn consume --until-idle --max-messages 100000 --max-seconds 500ms
# `nats bench` (natscli, Go) is not used: it measures its own publish/subscribe loop, not
# the reading of an existing stream, and building it from the Go proxy was not tried.
# Interleaved rounds through bench/pairs.py. etlconn's and nats-py's outputs are verified
# alike: rows, distinct ids and the sum of ids (DuckDB over the Parquet files).
# The server comes from tests/services/nats (started here, stopped on exit). Needs a built
# etlconn and bench/nats_raw_consume (make build). ROUNDS=N sets the rounds (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
RAW=${RAW:-build/bench/nats_raw_consume}
OUT=$PWD/bench/out/nats
SVC=$OUT/service
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
[ -x "$RAW" ] || { echo "no $RAW: build first (make build)" >&2; exit 1; }
python3 -c 'import nats, pyarrow, duckdb' 2>/dev/null || { echo "needs nats-py, pyarrow, duckdb (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"
trap 'tests/services/nats stop "$SVC" >/dev/null 2>&1 || true' EXIT
tests/services/nats start "$SVC" >/dev/null
set -a; . "$SVC/env"; set +a
URL=$ETLC_TEST_NATS_URL; USER_=$ETLC_TEST_NATS_USER; PASS=$ETLC_TEST_NATS_PASSWORD

cat > "$OUT/admin.py" <<'PY'
"""admin.py fill N | reset DURABLE: the stream BENCH (subject bench.>) of N messages of
~200 bytes of JSON, or delete a consumer (each run starts from the stream's beginning)."""
import asyncio, json, os, sys, nats
async def main():
    nc = await nats.connect(os.environ["URL"], user=os.environ["USER_"], password=os.environ["PASS"])
    js = nc.jetstream()
    if sys.argv[1] == "fill":
        n = int(sys.argv[2])
        try:
            await js.delete_stream("BENCH")
        except Exception:
            pass
        await js.add_stream(name="BENCH", subjects=["bench.>"])
        for i in range(n):
            v = {"id": i, "customer": f"customer-{i % 9973}", "amount": round(i * 0.37, 2),
                 "status": ("new", "paid", "shipped")[i % 3], "ts": "2026-11-28T12:00:00Z",
                 "note": "x" * (60 + i % 20)}
            await nc.publish("bench.orders", json.dumps(v).encode())
            if i % 10000 == 9999:
                await nc.flush()
        await nc.flush()
        while (await js.stream_info("BENCH")).state.messages < n:
            await asyncio.sleep(0.1)
    else:
        try:
            await js.delete_consumer("BENCH", sys.argv[2])
        except Exception:
            pass
    await nc.close()
asyncio.run(main())
PY
cat > "$OUT/py_consume.py" <<'PY'
"""nats-py + pyarrow: the whole stream into zstd Parquet files of 100,000 rows."""
import asyncio, json, os, sys, nats, pyarrow as pa, pyarrow.parquet as pq
async def main():
    out = sys.argv[1]
    nc = await nats.connect(os.environ["URL"], user=os.environ["USER_"], password=os.environ["PASS"])
    js = nc.jetstream()
    sub = await js.pull_subscribe("bench.>", durable="bench_py", stream="BENCH",
                                  config=nats.js.api.ConsumerConfig(ack_policy="all", max_ack_pending=200000))
    rows, k = [], 0
    async def land(rows, last):
        nonlocal k
        t = pa.Table.from_pylist(rows)
        pq.write_table(t, f"{out}/part-{k:05d}.parquet", compression="zstd")
        k += 1
        await last.ack()
    while True:
        try:
            msgs = await sub.fetch(1000, timeout=0.5)
        except nats.errors.TimeoutError:
            break
        for m in msgs:
            v = json.loads(m.data)
            v["_subject"], v["_sequence"] = m.subject, m.metadata.sequence.stream
            rows.append(v)
        if len(rows) >= 100000:
            await land(rows, msgs[-1])
            rows = []
        last = msgs[-1]
    if rows:
        await land(rows, last)
    await nc.close()
asyncio.run(main())
PY
cat > "$OUT/verify.py" <<'PY'
import sys, duckdb
r = duckdb.sql(f"SELECT count(*), count(DISTINCT id), sum(id) FROM read_parquet('{sys.argv[1]}/**/*.parquet')").fetchall()[0]
print(f"rows={r[0]} distinct={r[1]} sum_id={r[2]}")
PY
export URL USER_ PASS
t0=$(date +%s)
python3 "$OUT/admin.py" fill "$N"
echo "published $N messages in $(( $(date +%s) - t0 ))s" >&2
cat > "$OUT/etlconn.json" <<JSON
{"protocol": "nats", "servers": ["$URL"], "user": "$USER_", "password": "$PASS",
 "stream": "BENCH", "subject": "bench.>", "durable": "bench_etlc", "fetch_batch": 1000}
JSON
EXPECT="rows=$N distinct=$N sum_id=$(( N * (N - 1) / 2 ))"
python3 bench/pairs.py --rounds "$ROUNDS" --title "NATS JetStream -> Parquet, $N messages" \
  --expect "$EXPECT" --json "$OUT/result.json" \
  --tool "etlconn consume" "$ETLCONN -q consume -c $OUT/etlconn.json --lake $OUT/lake-etlc --until-idle --max-messages 100000 --max-seconds 500ms --compact" \
    --prepare "rm -rf $OUT/lake-etlc && python3 $OUT/admin.py reset bench_etlc" \
    --verify "python3 $OUT/verify.py $OUT/lake-etlc/nats" \
  --tool "nats.c raw consumer (no output)" "$RAW $URL $USER_ $PASS BENCH 'bench.>' bench_raw 1000 500" \
    --prepare "python3 $OUT/admin.py reset bench_raw" --unverified "reads and discards" \
  --tool "nats-py + pyarrow" "python3 $OUT/py_consume.py $OUT/py-out" \
    --prepare "rm -rf $OUT/py-out && mkdir -p $OUT/py-out && python3 $OUT/admin.py reset bench_py" \
    --verify "python3 $OUT/verify.py $OUT/py-out"
