#!/usr/bin/env bash
# MongoDB (FerretDB v1.24.2 on SQLite) -> Parquet (zstd 1): etlconn vs pymongo + pyarrow.
#   bench/mongodb_parquet.sh [DOCS]        (default 1,000,000)
# Compared, both landing the collection as zstd level 1 Parquet in pages of
# 10,000 documents (etlconn: one file per page; pyarrow: one ParquetWriter,
# one row group per page), every file synced:
#   etlconn fetch mongodb --format parquet --compression zstd
#   pymongo find(batch_size=10000) + pyarrow.parquet.ParquetWriter (one thread)
# mongoexport is not compared: Debian 12 has no mongo-tools package (the
# MongoDB Tools Go module was not tried).
# Interleaved rounds through bench/pairs.py; every output verified with
# bench/fingerprint.py --duckdb and must equal the first etlconn run's.
# The server comes from tests/services/ferretdb (built once per machine,
# started here on its own data, stopped on exit); the documents are
# inserted with pymongo: _id ObjectId, k int64, x double, s text, at date,
# flag bool, tags array (JSON). Needs a built etlconn. ROUNDS=N (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${1:-1000000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/mongodb
SVC=$OUT/service
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"

trap 'tests/services/ferretdb stop "$SVC" >/dev/null 2>&1 || true' EXIT
tests/services/ferretdb start "$SVC" >/dev/null
set -a; . "$SVC/env"; set +a
export MONGODB_DATABASE=bench
t0=$(date +%s)
python3 - "$DOCS" <<'PY'
import datetime as dt, os, sys, pymongo
n = int(sys.argv[1])
c = pymongo.MongoClient(os.environ["MONGODB_HOST"], int(os.environ["MONGODB_PORT"]),
                        username=os.environ["MONGODB_USERNAME"], password=os.environ["MONGODB_PASSWORD"],
                        authSource=os.environ["MONGODB_AUTH_SOURCE"])
coll = c.bench.docs
coll.drop()
base = dt.datetime(2024, 1, 1)
for i in range(0, n, 10000):
    coll.insert_many([{"k": k, "x": k / 7, "s": "customer %d" % (k % 5000), "at": base + dt.timedelta(seconds=k),
                       "flag": k % 3 == 0, "tags": ["a", k % 10]} for k in range(i, min(n, i + 10000))],
                     ordered=False)
PY
echo "inserted $DOCS documents in $(( $(date +%s) - t0 ))s" >&2

cat > "$OUT/py_mongo.py" <<'PY'
import json, os, sys, pymongo, pyarrow as pa, pyarrow.parquet as pq
pa.set_cpu_count(1)
c = pymongo.MongoClient(os.environ["MONGODB_HOST"], int(os.environ["MONGODB_PORT"]),
                        username=os.environ["MONGODB_USERNAME"], password=os.environ["MONGODB_PASSWORD"],
                        authSource=os.environ["MONGODB_AUTH_SOURCE"], tz_aware=True)
schema = pa.schema([("_id", pa.string()), ("k", pa.int64()), ("x", pa.float64()), ("s", pa.string()),
                    ("at", pa.timestamp("us", tz="UTC")), ("flag", pa.bool_()), ("tags", pa.string())])
w = pq.ParquetWriter(sys.argv[1], schema, compression="zstd", compression_level=1)
page = []
def flush():
    cols = {f: [d.get(f) for d in page] for f in schema.names}
    cols["_id"] = [str(v) for v in cols["_id"]]
    cols["tags"] = [json.dumps(v, separators=(",", ":")) for v in cols["tags"]]
    w.write_table(pa.table(cols, schema=schema))
    page.clear()
for d in c.bench.docs.find(batch_size=10000):
    page.append(d)
    if len(page) == 10000:
        flush()
if page:
    flush()
w.close()
PY

FP="python3 bench/fingerprint.py --duckdb"
python3 bench/pairs.py --rounds "$ROUNDS" --json "$OUT/mongodb.json" \
  --title "MongoDB (FerretDB) -> Parquet (zstd 1), $DOCS documents" \
  --tool "etlconn fetch mongodb" "$ETLCONN -q fetch mongodb docs --format parquet --compression zstd --batch-size 10000 --lake $OUT/lake > /dev/null" \
    --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake --format parquet" \
  --tool "pymongo + pyarrow ParquetWriter" "python3 $OUT/py_mongo.py $OUT/py.parquet && sync $OUT/py.parquet" \
    --prepare "rm -f $OUT/py.parquet" --verify "$FP $OUT/py.parquet --format parquet"
