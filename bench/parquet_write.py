#!/usr/bin/env python3
"""Parquet writer benchmark: etlconn's writer vs pyarrow.parquet.write_table.

usage: python3 bench/parquet_write.py [--rows N] [--build DIR] [--codecs zstd,snappy] [--rounds 5]

For each codec:
  1. bench/parquet_bench (C driver, built by CMake) writes N generated rows
     (ints, doubles, short and long strings, timestamps, 10% NULLs) with the
     etlconn writer, single-threaded; it reports the writer's own time and
     its process peak RSS.
  2. A fresh Python process reads that file back with pyarrow (so both
     writers encode exactly the same values) as record batches, then times
     pyarrow.parquet.ParquetWriter writing them batch by batch at the same
     codec and level and the same rows per row group (taken from the
     etlconn file), with pyarrow's thread pool limited to one thread. The
     decoded batches sit in memory before the clock starts; the RSS the
     writer adds on top of them is what compares with etlconn's.
Rounds alternate the order (etlconn first, then pyarrow first); the
median round of each side and the median and worst per-round ratio are
printed. Both sides write zstd at level 1 (etlconn's default), and
pyarrow's file is read back and compared with etlconn's values each round.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PYARROW_CHILD = r"""
import json, resource, sys, time
import pyarrow as pa, pyarrow.parquet as pq
pa.set_cpu_count(1); pa.set_io_thread_count(1)
src, dst, codec = sys.argv[1], sys.argv[2], sys.argv[3]
pf = pq.ParquetFile(src)
rg_rows = pf.metadata.row_group(0).num_rows
# The batches are decoded before the clock starts (etlconn's driver also
# generates its rows outside the writer's time), but the writer sees them
# one batch at a time through ParquetWriter, as a streaming job would.
batches = list(pf.iter_batches(batch_size=65536))
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
level = 1 if codec == "zstd" else None  # etlconn's default zstd level, stated on both sides
t0 = time.perf_counter()
with pq.ParquetWriter(dst, pf.schema_arrow, compression=codec, compression_level=level,
                      use_dictionary=True, write_statistics=True) as w:
    for b in batches:
        w.write_batch(b, row_group_size=rg_rows)
dt = time.perf_counter() - t0
out = pq.ParquetFile(dst).metadata
rows = sum(b.num_rows for b in batches)
if not pq.read_table(dst).equals(pq.read_table(src)):  # the same values in both files
    sys.exit("pyarrow's file differs from etlconn's")
print(json.dumps({"rows": rows, "seconds": round(dt, 3),
                  "rows_per_s": round(rows / dt), "bytes": __import__("os").path.getsize(dst),
                  "row_groups": out.num_row_groups, "rss_before_write_kb": rss_before,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--codecs", default="zstd,snappy")
    ap.add_argument("--rounds", type=int, default=5,
                    help="rounds of (etlconn, pyarrow), order alternating; median and worst ratio")
    args = ap.parse_args()
    driver = os.path.join(args.build, "bench", "parquet_bench")
    if not os.path.exists(driver):
        sys.exit(f"{driver} not found: build the project first (cmake --build build)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for codec in args.codecs.split(","):
            ours_path = os.path.join(tmp, f"etlconn_{codec}.parquet")
            theirs_path = os.path.join(tmp, f"pyarrow_{codec}.parquet")
            rounds = []
            for r in range(args.rounds + 1):  # round 0 warms up
                o, t = None, None
                for side in (("ours", "theirs") if r % 2 == 0 else ("theirs", "ours")):
                    if side == "ours" or not os.path.exists(ours_path):
                        o = json.loads(subprocess.check_output([driver, str(args.rows), codec, ours_path]))
                    if side == "theirs":
                        t = json.loads(subprocess.check_output(
                            [sys.executable, "-c", PYARROW_CHILD, ours_path, theirs_path, codec]))
                if r > 0:
                    rounds.append((o, t))
            results.append((codec, rounds))
            os.unlink(ours_path)
            os.unlink(theirs_path)
    print(f"{'codec':8} {'writer':8} {'rows/s':>12} {'seconds':>8} {'MB out':>8} {'row groups':>10} "
          f"{'peak RSS MB':>12}")
    for codec, rounds in results:
        ratios = sorted(o["rows_per_s"] / t["rows_per_s"] for o, t in rounds)
        ours = sorted((o for o, _ in rounds), key=lambda x: x["seconds"])[len(rounds) // 2]
        theirs = sorted((t for _, t in rounds), key=lambda x: x["seconds"])[len(rounds) // 2]
        for name, r in (("etlconn", ours), ("pyarrow", theirs)):
            extra = ""
            if "rss_before_write_kb" in r:
                extra = f"  (table loaded: {r['rss_before_write_kb'] / 1024:.0f})"
            print(f"{codec:8} {name:8} {r['rows_per_s']:>12,} {r['seconds']:>8.2f} "
                  f"{r['bytes'] / 1e6:>8.1f} {r['row_groups']:>10} {r['peak_rss_kb'] / 1024:>12.0f}{extra}")
        grown = theirs["peak_rss_kb"] - theirs["rss_before_write_kb"]
        print(f"{codec:8} ratio    speed etlconn/pyarrow median {ratios[len(ratios) // 2]:.2f}x, worst "
              f"{ratios[0]:.2f}x over {len(rounds)} rounds; size = {ours['bytes'] / theirs['bytes']:.2f}x; "
              f"memory: etlconn {ours['peak_rss_kb'] / 1024:.0f} MB peak for the whole process; "
              f"pyarrow's ParquetWriter added {grown / 1024:.0f} MB on top of its input batches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
