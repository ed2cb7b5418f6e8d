#!/usr/bin/env python3
"""Parquet writer benchmark: etlconn's writer vs pyarrow.parquet.write_table.

usage: python3 bench/parquet_write.py [--rows N] [--build DIR] [--codecs zstd,snappy] [--repeat 3]

For each codec:
  1. bench/parquet_bench (C driver, built by CMake) writes N generated rows
     (ints, doubles, short and long strings, timestamps, 10% NULLs) with the
     etlconn writer, single-threaded; it reports the writer's own time and
     its process peak RSS.
  2. A fresh Python process reads that file back with pyarrow (so both
     writers encode exactly the same values), then times
     pyarrow.parquet.write_table at the same codec and the same rows per row
     group (taken from the etlconn file), with pyarrow's thread pool limited
     to one thread. Its peak RSS includes the whole table, which write_table
     needs in memory; the RSS before writing is printed too.
Rows/s and ratios (etlconn / pyarrow) are printed as a table.
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
md = pq.ParquetFile(src).metadata
rg_rows = md.row_group(0).num_rows
table = pq.read_table(src)
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
pq.write_table(table, dst, compression=codec, row_group_size=rg_rows, use_dictionary=True,
               write_statistics=True)
dt = time.perf_counter() - t0
out = pq.ParquetFile(dst).metadata
print(json.dumps({"rows": table.num_rows, "seconds": round(dt, 3),
                  "rows_per_s": round(table.num_rows / dt), "bytes": __import__("os").path.getsize(dst),
                  "row_groups": out.num_row_groups, "rss_before_write_kb": rss_before,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--codecs", default="zstd,snappy")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (the machine is shared)")
    args = ap.parse_args()
    driver = os.path.join(args.build, "bench", "parquet_bench")
    if not os.path.exists(driver):
        sys.exit(f"{driver} not found: build the project first (cmake --build build)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for codec in args.codecs.split(","):
            ours_path = os.path.join(tmp, f"etlconn_{codec}.parquet")
            theirs_path = os.path.join(tmp, f"pyarrow_{codec}.parquet")
            ours = theirs = None
            for _ in range(args.repeat):
                o = json.loads(subprocess.check_output([driver, str(args.rows), codec, ours_path]))
                if ours is None or o["seconds"] < ours["seconds"]:
                    ours = o
                t = json.loads(subprocess.check_output(
                    [sys.executable, "-c", PYARROW_CHILD, ours_path, theirs_path, codec]))
                if theirs is None or t["seconds"] < theirs["seconds"]:
                    theirs = t
            results.append((codec, ours, theirs))
            os.unlink(ours_path)
            os.unlink(theirs_path)
    print(f"{'codec':8} {'writer':8} {'rows/s':>12} {'seconds':>8} {'MB out':>8} {'row groups':>10} "
          f"{'peak RSS MB':>12}")
    for codec, ours, theirs in results:
        for name, r in (("etlconn", ours), ("pyarrow", theirs)):
            extra = ""
            if "rss_before_write_kb" in r:
                extra = f"  (table loaded: {r['rss_before_write_kb'] / 1024:.0f})"
            print(f"{codec:8} {name:8} {r['rows_per_s']:>12,} {r['seconds']:>8.2f} "
                  f"{r['bytes'] / 1e6:>8.1f} {r['row_groups']:>10} {r['peak_rss_kb'] / 1024:>12.0f}{extra}")
        print(f"{codec:8} ratio    speed etlconn/pyarrow = {ours['rows_per_s'] / theirs['rows_per_s']:.2f}x, "
              f"size = {ours['bytes'] / theirs['bytes']:.2f}x, peak RSS = "
              f"{ours['peak_rss_kb'] / theirs['peak_rss_kb']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
