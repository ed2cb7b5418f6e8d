#!/usr/bin/env python3
"""Run commands side by side and report wall time, CPU seconds, peak RSS and
ratios against the first one. Usage (from a bench script):

    measure.py --rows N --label NAME -- CMD... [--label NAME -- CMD...]

Each command runs `--repeat` times (default 3); the best wall time is kept.
Output: a Markdown table on stdout.
"""
import os
import resource
import subprocess
import sys
import time


def run_once(cmd):
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"command failed ({status}): {cmd}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024.0


def main(argv):
    rows, repeat, runs, label = None, 3, [], None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--rows":
            rows = int(argv[i + 1]); i += 2
        elif a == "--repeat":
            repeat = int(argv[i + 1]); i += 2
        elif a == "--label":
            label = argv[i + 1]; i += 2
        elif a == "--":
            runs.append((label, argv[i + 1])); i += 2
        else:
            sys.exit(f"unexpected argument {a}")
    results = []
    for name, cmd in runs:
        best = min((run_once(cmd) for _ in range(repeat)), key=lambda r: r[0])
        results.append((name, *best))
        print(f"  {name}: {best[0]:.3f}s wall", file=sys.stderr)
    base = results[0]
    print(f"| tool | wall s | rows/s | CPU s | peak RSS MiB | speed vs {base[0]} | RSS vs {base[0]} |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, wall, cpu, rss in results:
        rate = f"{rows / wall:,.0f}" if rows else "-"
        print(f"| {name} | {wall:.3f} | {rate} | {cpu:.2f} | {rss:.1f} | "
              f"{base[1] / wall:.2f}x | {rss / base[3]:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1:])
