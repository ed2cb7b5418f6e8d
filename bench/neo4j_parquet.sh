#!/usr/bin/env bash
# Neo4j, N nodes (default 500,000) -> Parquet (zstd):
#   etlconn fetch neo4j 'MATCH (n:BenchN) RETURN ...' --format parquet (our own Bolt client)
#   the official neo4j Python driver + pyarrow ParquetWriter (zstd level 1), 10,000 rows a write
#   bench/neo4j_parquet.sh [N]
# A private Neo4j 5.26 Community is started here (tests/services/neo4j; the
# jars come from its cache), loaded with N nodes of five properties (int,
# text, float, bool, date) by the Python driver, and stopped at the end.
# Both clients run the same Cypher on the same server with the same fetch
# size (1000 records a PULL). Every output is fingerprinted
# (bench/fingerprint.py --duckdb) after every run and must equal the
# fingerprint of the rows as generated here (not read from the server).
# etlconn fsyncs what it lands, so the driver's file is synced too.
# Needs a built etlconn (make build) and scripts/install-deps.sh (neo4j,
# pyarrow, duckdb). ROUNDS=N (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/neo4j_parquet
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
python3 -c 'import neo4j, pyarrow, duckdb' || { echo "run scripts/install-deps.sh (neo4j, pyarrow, duckdb)" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"
trap 'tests/services/neo4j stop "$OUT/service" >/dev/null 2>&1 || true' EXIT
tests/services/neo4j start "$OUT/service" >/dev/null
set -a; . "$OUT/service/env"; set +a

# The rows, as a function of i: the loader and the expected file use it.
cat > "$OUT/rows.py" <<'PY'
import datetime
import pyarrow as pa
SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string()), ("score", pa.float64()),
                    ("active", pa.bool_()), ("born", pa.date32())])
BASE = datetime.date(2000, 1, 1)
def rows(lo, hi):
    ids = list(range(lo, hi))
    return {"id": ids, "name": [f"node-{i}" for i in ids], "score": [i * 0.5 for i in ids],
            "active": [i % 3 == 0 for i in ids], "born": [BASE + datetime.timedelta(days=i % 10000) for i in ids]}
PY
cat > "$OUT/load.py" <<'PY'
import os, sys
import pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, os.path.dirname(__file__))
from rows import rows, SCHEMA
from neo4j import GraphDatabase
n, expected = int(sys.argv[1]), sys.argv[2]
d = GraphDatabase.driver(os.environ["NEO4J_URI"], auth=(os.environ["NEO4J_USERNAME"], os.environ["NEO4J_PASSWORD"]))
with pq.ParquetWriter(expected, SCHEMA) as w, d.session() as s:
    for lo in range(1, n + 1, 50000):
        part = rows(lo, min(lo + 50000, n + 1))
        w.write_table(pa.table(part, schema=SCHEMA))
        batch = [dict(zip(part, vals)) for vals in zip(*part.values())]
        s.run("UNWIND $rows AS r CREATE (:BenchN {id: r.id, name: r.name, score: r.score, active: r.active, "
              "born: r.born})", rows=batch).consume()
d.close()
PY
cat > "$OUT/py_driver.py" <<'PY'
import os, sys
import pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, os.path.dirname(__file__))
from rows import SCHEMA
from neo4j import GraphDatabase
query, out = sys.argv[1], sys.argv[2]
d = GraphDatabase.driver(os.environ["NEO4J_URI"], auth=(os.environ["NEO4J_USERNAME"], os.environ["NEO4J_PASSWORD"]))
cols = {f.name: [] for f in SCHEMA}
with pq.ParquetWriter(out, SCHEMA, compression="zstd", compression_level=1) as w, \
        d.session(default_access_mode="READ", fetch_size=1000) as s:
    def flush():
        w.write_table(pa.table({k: (v if k != "born" else [x.to_native() for x in v]) for k, v in cols.items()},
                               schema=SCHEMA))
        for v in cols.values():
            v.clear()
    for rec in s.run(query):
        for k, v in zip(rec.keys(), rec.values()):
            cols[k].append(v)
        if len(cols["id"]) == 10000:
            flush()
    if cols["id"]:
        flush()
d.close()
PY
t0=$(date +%s)
python3 "$OUT/load.py" "$N" "$OUT/expected.parquet"
echo "loaded $N nodes in $(( $(date +%s) - t0 ))s" >&2

Q="MATCH (n:BenchN) RETURN n.id AS id, n.name AS name, n.score AS score, n.active AS active, n.born AS born"
FP="python3 bench/fingerprint.py --duckdb"
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$($FP "$OUT/expected.parquet")" --json "$OUT/neo4j_parquet.json" \
  --title "Neo4j, $N nodes (5 properties) -> Parquet (zstd), fetch size 1000" \
  --tool "etlconn fetch neo4j" "$ETLCONN -q fetch neo4j '$Q' --set fetch_size=1000 --format parquet --compression zstd --lake $OUT/lake > /dev/null" \
    --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake" \
  --tool "neo4j driver + pyarrow" "python3 $OUT/py_driver.py '$Q' $OUT/driver.parquet && sync $OUT/driver.parquet" \
    --prepare "rm -f $OUT/driver.parquet" --verify "$FP $OUT/driver.parquet"
echo
# Target (issue 12): etlconn >= 3x the driver; peak RSS flat with N.
python3 - "$OUT/neo4j_parquet.json" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
base, drv = d["tools"]
med, worst = statistics.median(drv["ratios"]), min(drv["ratios"])
print("### Target (median of the per-round ratios)")
print("| vs | speed (median, worst) | target | peak RSS MiB etlconn / driver |")
print("|---|---:|---:|---:|")
print(f"| {drv['label']} | {med:.2f}x, {worst:.2f}x | >= 3x {'met' if med >= 3 else 'NOT met'} | "
      f"{base['peak_rss_mib']:.0f} / {drv['peak_rss_mib']:.0f} |")
PY
