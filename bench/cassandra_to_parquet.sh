#!/usr/bin/env bash
# Cassandra -> Parquet (zstd): etlconn vs the Python cassandra-driver + pyarrow,
# side by side, and etlconn's token-range scan over 2 and 4 sessions.
#   bench/cassandra_to_parquet.sh [ROWS]   (default 1,000,000)
# Compared (all landing the same table as zstd Parquet):
#   etlconn fetch cassandra 'SELECT * FROM t'                      one session, pages of 5000 (CQL v5)
#   the same with protocol_version=4                              CQL v4 frames instead of v5 segments
#   etlconn fetch cassandra ... token(id) > ? AND token(id) <= ?  token_ranges=2, 4
#   cassandra-driver (fetch_size 5000) + pyarrow.parquet.write_table
# Interleaved rounds through bench/pairs.py; every output verified against
# the others (bench/fingerprint.py --duckdb). The server comes from
# tests/services/cassandra (started here, stopped on exit); rows are written
# by the Python driver. Needs a built etlconn (make build). ROUNDS=N (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/cassandra
SVC=$OUT/service
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"
trap 'tests/services/cassandra stop "$SVC" >/dev/null 2>&1 || true' EXIT
tests/services/cassandra start "$SVC" >/dev/null
set -a; . "$SVC/env"; set +a
export CASSANDRA_HOSTS=$ETLC_TEST_CASSANDRA_HOST CASSANDRA_PORT=$ETLC_TEST_CASSANDRA_PORT \
  CASSANDRA_USERNAME=$ETLC_TEST_CASSANDRA_USERNAME CASSANDRA_PASSWORD=$ETLC_TEST_CASSANDRA_PASSWORD \
  CASSANDRA_KEYSPACE=bench
t0=$(date +%s)
python3 - "$ROWS" <<'PY'
import datetime as dt, os, sys
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args
n = int(sys.argv[1])
c = Cluster([os.environ["CASSANDRA_HOSTS"]], port=int(os.environ["CASSANDRA_PORT"]),
            auth_provider=PlainTextAuthProvider(os.environ["CASSANDRA_USERNAME"], os.environ["CASSANDRA_PASSWORD"]))
s = c.connect()
s.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
s.execute("CREATE TABLE IF NOT EXISTS bench.t (id bigint PRIMARY KEY, name text, qty int, price double, at timestamp)")
ins = s.prepare("INSERT INTO bench.t (id, name, qty, price, at) VALUES (?, ?, ?, ?, ?)")
base = dt.datetime(2024, 1, 1)
execute_concurrent_with_args(s, ins, ((i, f"item-{i}", i % 1000, i * 0.25, base + dt.timedelta(seconds=i))
                                      for i in range(n)), concurrency=100)
PY
echo "loaded $ROWS rows in $(( $(date +%s) - t0 ))s" >&2

cat > "$OUT/py_driver.py" <<'PY'
import os, sys
import pyarrow as pa, pyarrow.parquet as pq
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
c = Cluster([os.environ["CASSANDRA_HOSTS"]], port=int(os.environ["CASSANDRA_PORT"]),
            auth_provider=PlainTextAuthProvider(os.environ["CASSANDRA_USERNAME"], os.environ["CASSANDRA_PASSWORD"]))
s = c.connect("bench")
s.default_fetch_size = 5000
cols = {k: [] for k in ("id", "name", "qty", "price", "at")}
for r in s.execute("SELECT id, name, qty, price, at FROM t"):
    for k in cols:
        cols[k].append(getattr(r, k))
t = pa.table({"id": pa.array(cols["id"], pa.int64()), "name": pa.array(cols["name"], pa.string()),
              "qty": pa.array(cols["qty"], pa.int64()), "price": pa.array(cols["price"], pa.float64()),
              "at": pa.array(cols["at"], pa.timestamp("us", tz="UTC"))})
pq.write_table(t, sys.argv[1], compression="zstd", compression_level=1)
c.shutdown()
PY
FP="python3 bench/fingerprint.py --duckdb"
Q="SELECT id, name, qty, price, at FROM t"
TQ="$Q WHERE token(id) > ? AND token(id) <= ?"
E="$ETLCONN -q fetch cassandra --format parquet --compression zstd"
python3 bench/pairs.py --rounds "$ROUNDS" --json "$OUT/result.json" --title "Cassandra -> Parquet (zstd 1), $ROWS rows" \
  --tool "etlconn fetch" "$E '$Q' --lake $OUT/lake > /dev/null" --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake" \
  --tool "etlconn fetch (CQL v4)" "$E --set protocol_version=4 '$Q' --lake $OUT/lakev4 > /dev/null" \
    --prepare "rm -rf $OUT/lakev4" --verify "$FP $OUT/lakev4" \
  --tool "etlconn token_ranges=2" "$E --set token_ranges=2 '$TQ' --lake $OUT/lake2 > /dev/null" \
    --prepare "rm -rf $OUT/lake2" --verify "$FP $OUT/lake2" \
  --tool "etlconn token_ranges=4" "$E --set token_ranges=4 '$TQ' --lake $OUT/lake4 > /dev/null" \
    --prepare "rm -rf $OUT/lake4" --verify "$FP $OUT/lake4" \
  --tool "cassandra-driver + pyarrow" "python3 $OUT/py_driver.py $OUT/py.parquet && sync $OUT/py.parquet" \
    --prepare "rm -f $OUT/py.parquet" --verify "$FP $OUT/py.parquet"
