#!/usr/bin/env bash
# Kafka -> Parquet (zstd): N JSON messages of ~200 bytes (default 1,000,000)
# on a 4-partition topic of a private local broker (tests/services/kafka),
# read from the beginning by:
#   etlconn consume (kafka, value_format json, --until-idle, a new group
#     each run), one zstd Parquet file per micro-batch of one partition
#   confluent-kafka + pyarrow ParquetWriter (zstd level 1), batch by batch,
#     offsets committed after the file is written (the same promise)
#   kcat -C -o beginning -e > /dev/null: the ceiling, nothing to verify
#   bench/kafka_parquet.sh [N]
# Every Parquet output is fingerprinted (bench/fingerprint.py --duckdb) on
# the value's fields after every run and must equal the fingerprint of the
# produced values. etlconn ends a run after one empty window (500 ms); the
# Python consumer and kcat stop at the partitions' ends. Needs a built
# etlconn (make build), kcat, java + mvn (the broker), confluent-kafka.
# ROUNDS=N sets the rounds (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/kafka_parquet
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
command -v kcat >/dev/null || { echo "no kcat (scripts/install-deps.sh)" >&2; exit 1; }
python3 -c 'import confluent_kafka, pyarrow, duckdb' || { echo "needs confluent-kafka, pyarrow, duckdb (scripts/install-deps.sh)" >&2; exit 1; }

rm -rf "$OUT"; mkdir -p "$OUT"
tests/services/kafka start "$OUT/broker" >/dev/null
trap 'tests/services/kafka stop "$OUT/broker"' EXIT
B=$(sed -n 's/^KAFKA_BOOTSTRAP_SERVERS=//p' "$OUT/broker/env")
TOPIC=bench-$N

python3 - "$B" "$TOPIC" "$N" "$OUT/expected.parquet" <<'PY'
import json, sys, pyarrow as pa, pyarrow.parquet as pq
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
b, topic, n, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
admin = AdminClient({"bootstrap.servers": b})  # kept alive until the topic exists
for f in admin.create_topics([NewTopic(topic, 4, 1)]).values():
    f.result(30)
p = Producer({"bootstrap.servers": b, "linger.ms": 20, "batch.num.messages": 10000, "compression.type": "lz4"})
rows = []
for i in range(n):
    v = {"id": i, "customer": "customer-%06d" % (i % 50000), "sku": "SKU-%05d" % (i % 9973),
         "qty": i % 17 + 1, "price": round((i % 1000) * 0.37, 2), "status": ["new", "paid", "shipped"][i % 3],
         "note": "order %d placed through the bench with a note long enough for 200 bytes" % i}
    rows.append(v)
    while True:
        try:
            p.produce(topic, json.dumps(v).encode(), key=str(i).encode(), partition=i % 4)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
assert p.flush(120) == 0
pq.write_table(pa.Table.from_pylist(rows), expected)
PY

cat > "$OUT/kafka.json" <<JSON
{"protocol": "kafka", "bootstrap_servers": ["$B"], "group_id": "unused", "topic": "$TOPIC",
 "value_format": "json", "auto_offset_reset": "earliest"}
JSON
cat > "$OUT/py_confluent.py" <<'PY'
import json, sys, time, pyarrow as pa, pyarrow.parquet as pq
from confluent_kafka import Consumer
b, topic, out = sys.argv[1:4]
c = Consumer({"bootstrap.servers": b, "group.id": "py-%d" % time.time_ns(), "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "enable.partition.eof": True})
c.subscribe([topic])
w, done, assigned = None, set(), None
while assigned is None or len(done) < len(assigned):
    msgs = c.consume(10000, 1.0)
    rows = []
    for m in msgs:
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                done.add(m.partition())
                continue
            raise SystemExit(str(m.error()))
        rows.append(json.loads(m.value()))
    if rows:
        t = pa.Table.from_pylist(rows)
        if w is None:
            w = pq.ParquetWriter(out, t.schema, compression="zstd", compression_level=1)
        w.write_table(t.cast(w.schema))
        c.commit(asynchronous=False)  # after the rows are written
    assigned = assigned or (c.assignment() or None)
w.close()
c.close()
PY
# The value's fields of any Parquet (etlconn's lake adds envelope columns).
cat > "$OUT/project.py" <<'PY'
import sys, duckdb
duckdb.sql(f"COPY (SELECT id, customer, sku, qty, price, status, note FROM read_parquet('{sys.argv[1]}', union_by_name=true)) "
           f"TO '{sys.argv[2]}' (FORMAT parquet)")
PY

FP="python3 bench/fingerprint.py --duckdb"
args=(--rounds "$ROUNDS" --expect "$($FP "$OUT/expected.parquet")" --json "$OUT/kafka_parquet.json"
  --title "Kafka -> Parquet (zstd), $N JSON messages of ~200 bytes, 4 partitions (local broker)"
  --tool "etlconn consume kafka" "$ETLCONN -q consume -c $OUT/kafka.json --set group_id=etlc-\$(date +%s%N) --until-idle --max-messages 100000 --max-seconds 500ms --lake $OUT/lake > /dev/null"
    --prepare "rm -rf $OUT/lake" --verify "python3 $OUT/project.py '$OUT/lake/**/*.parquet' $OUT/etlc.parquet && $FP $OUT/etlc.parquet"
  --tool "confluent-kafka + pyarrow" "python3 $OUT/py_confluent.py $B $TOPIC $OUT/py.parquet && sync $OUT/py.parquet"
    --prepare "rm -f $OUT/py.parquet" --verify "python3 $OUT/project.py $OUT/py.parquet $OUT/py2.parquet && $FP $OUT/py2.parquet"
  --tool "kcat -C -o beginning -e > /dev/null" "kcat -C -b $B -t $TOPIC -o beginning -e -q > /dev/null"
    --unverified "raw consumer, output discarded: the ceiling")
python3 bench/pairs.py "${args[@]}"
