#!/usr/bin/env bash
# Parquet writer: etlconn's writer vs pyarrow's ParquetWriter, interleaved and
# verified (bench/pairs.py), once with etlconn's compression threads off
# (threads=1) and once with two (threads=2).
#   bench/parquet_write.sh [ROWS] [CODEC] [LEVEL]    (default 5,000,000 zstd 1)
#
# Same work on both sides:
# - the same rows: bench/parquet_bench generates them (ints, doubles, short
#   and long strings, timestamps, 10% NULLs) in reused 8192-row batches; a
#   copy of them, uncompressed Arrow IPC in 8192-row batches, is made once
#   (not timed) and pyarrow reads it batch by batch (a read from the page
#   cache). etlconn's time includes generating its rows, pyarrow's reading
#   them: etlconn is not favoured;
# - the same codec AND level (CODEC, LEVEL; both stated in the title);
# - the same rows per row group: pyarrow buffers batches (one row group in
#   memory, as etlconn does) and writes each row group with write_table,
#   as many rows as etlconn's first row group (ParquetWriter.write_batch
#   alone would make one row group per batch);
# - dictionary and statistics on (both sides' defaults); no fsync on either
#   side; pyarrow with its default thread pool;
# - every output fingerprinted (bench/fingerprint.py --duckdb) against the
#   source rows.
# Needs a built tree (make build): build/bench/parquet_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-5000000}
CODEC=${2:-zstd}
LEVEL=${3:-1}
ROUNDS=${ROUNDS:-5}
DRIVER=${DRIVER:-build/bench/parquet_bench}
OUT=bench/out/parquet_write
[ -x "$DRIVER" ] || { echo "$DRIVER not found: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"

# The source rows, once: etlconn's rows uncompressed, then as Arrow IPC.
"$DRIVER" "$ROWS" none "$OUT/source.parquet" 0 0 1 >/dev/null
python3 - "$OUT/source.parquet" "$OUT/source.arrow" <<'PY'
import sys, pyarrow as pa, pyarrow.parquet as pq
pf = pq.ParquetFile(sys.argv[1])
with pa.ipc.new_file(sys.argv[2], pf.schema_arrow) as w:
    for b in pf.iter_batches(batch_size=8192):
        w.write_batch(b)
PY
# etlconn's rows per row group at this codec (the cut is by uncompressed size).
"$DRIVER" "$ROWS" "$CODEC" "$OUT/probe.parquet" 0 "$LEVEL" 1 >/dev/null
RG_ROWS=$(python3 -c 'import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.row_group(0).num_rows)' "$OUT/probe.parquet")
rm -f "$OUT/probe.parquet"

cat >"$OUT/pyarrow_write.py" <<'PY'
import json, sys, time, pyarrow as pa, pyarrow.parquet as pq
src, dst, codec, level, rg_rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
reader = pa.ipc.open_file(pa.OSFile(src))  # read, not mapped: one batch at a time in memory
level = level if codec in ("zstd", "gzip") else None
spent = 0.0  # seconds inside the writer (write_table, close), like etlconn's driver reports
t0 = time.perf_counter()
w = pq.ParquetWriter(dst, reader.schema, compression=codec, compression_level=level,
                     use_dictionary=True, write_statistics=True)
spent += time.perf_counter() - t0
buf, n = [], 0
for i in range(reader.num_record_batches):
    b = reader.get_batch(i)
    buf.append(b)
    n += b.num_rows
    if n >= rg_rows:  # one row group of etlconn's size; the rest stays buffered
        t = pa.Table.from_batches(buf)
        t0 = time.perf_counter()
        w.write_table(t.slice(0, rg_rows), row_group_size=rg_rows)
        spent += time.perf_counter() - t0
        rest = t.slice(rg_rows)
        buf, n = rest.to_batches(), rest.num_rows
t0 = time.perf_counter()
if n:
    w.write_table(pa.Table.from_batches(buf, schema=reader.schema), row_group_size=rg_rows)
w.close()
spent += time.perf_counter() - t0
print(json.dumps({"seconds": round(spent, 3)}))
PY

FP="python3 bench/fingerprint.py --duckdb"
EXPECT=$($FP "$OUT/source.parquet")
for THREADS in 1 2; do
  python3 bench/pairs.py --rounds "$ROUNDS" --expect "$EXPECT" --json "$OUT/parquet_write_t$THREADS.json" \
    --title "Parquet writer, $ROWS rows, $CODEC level $LEVEL on both sides, $RG_ROWS rows per row group: etlconn threads=$THREADS" \
    --tool "etlconn writer threads=$THREADS" "$DRIVER $ROWS $CODEC $OUT/etlconn.parquet 0 $LEVEL $THREADS" \
      --prepare "rm -f $OUT/etlconn.parquet" --verify "$FP $OUT/etlconn.parquet" \
    --tool "pyarrow ParquetWriter" "python3 $OUT/pyarrow_write.py $OUT/source.arrow $OUT/pyarrow.parquet $CODEC $LEVEL $RG_ROWS" \
      --prepare "rm -f $OUT/pyarrow.parquet" --verify "$FP $OUT/pyarrow.parquet"
  echo
done
# The writers alone: each side's process above also makes its rows
# (etlconn's driver formats them with snprintf, pyarrow reads them from an
# Arrow file in the page cache), which is not the writer's work. Both print
# the seconds spent inside the writer (write calls and close); the pairs
# alternate A B, B A, ... and every file is checked again.
python3 - "$ROUNDS" "$DRIVER $ROWS $CODEC $OUT/etlconn.parquet 0 $LEVEL" \
  "python3 $OUT/pyarrow_write.py $OUT/source.arrow $OUT/pyarrow.parquet $CODEC $LEVEL $RG_ROWS" \
  "$FP" "$EXPECT" "$OUT" <<'PY'
import json, statistics, subprocess, sys
rounds, etl, pya, fp, expect, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
def run(cmd, path):
    secs = json.loads(subprocess.run(cmd, shell=True, check=True, stdout=subprocess.PIPE, text=True).stdout)["seconds"]
    got = subprocess.run(f"{fp} {path}", shell=True, check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    if got != expect:
        sys.exit(f"writer-only run: {path} holds {got}, expected {expect}")
    return secs
print("**The writers alone** (seconds inside the writer; median of %d pairs, order alternating)\n" % rounds)
print("| etlconn threads | etlconn s | pyarrow s | etlconn speed vs pyarrow, median | worst pair |")
print("|---:|---:|---:|---:|---:|")
for threads in (1, 2):
    e, p = [], []
    for r in range(rounds + 1):  # the first pair warms up
        sides = [("e", f"{etl} {threads}", f"{out}/etlconn.parquet"), ("p", pya, f"{out}/pyarrow.parquet")]
        for side, cmd, path in (sides if r % 2 == 0 else sides[::-1]):
            secs = run(cmd, path)
            if r:
                (e if side == "e" else p).append(secs)
    ratios = sorted(pp / ee for ee, pp in zip(e, p))
    print(f"| {threads} | {statistics.median(e):.3f} | {statistics.median(p):.3f} | "
          f"{statistics.median(ratios):.2f}x | {ratios[0]:.2f}x |")
print()
PY
python3 - "$OUT/etlconn.parquet" "$OUT/pyarrow.parquet" <<'PY'
import os, sys, pyarrow.parquet as pq
for label, p in (("etlconn", sys.argv[1]), ("pyarrow", sys.argv[2])):
    m = pq.ParquetFile(p).metadata
    print(f"{label}: {os.path.getsize(p) / 1e6:.1f} MB, {m.num_row_groups} row groups, "
          f"codec {m.row_group(0).column(0).compression}")
PY
