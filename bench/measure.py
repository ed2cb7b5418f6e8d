#!/usr/bin/env python3
"""Run commands side by side and report wall time, CPU seconds, peak RSS and
ratios against one of them. Usage (from a bench script):

    measure.py [--rows N] [--base LABEL] [--json FILE]
               [--repeat N] --label NAME -- CMD... [[--repeat N] --label NAME -- CMD...]

Each command runs `--repeat` times (default 3; a --repeat applies to the
commands after it); the best wall time is kept. CPU seconds and peak RSS are
those of the command's own processes (the shell and what it waits for), not of
a server it talks to. Ratios are against --base (default: the first command).
Output: a Markdown table on stdout; --json also writes the figures to FILE.
"""
import json
import os
import subprocess
import sys
import time


def run_once(cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"command failed ({status}): {cmd}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024.0


def main(argv):
    rows, repeat, runs, label, base_label, json_path = None, 3, [], None, None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--rows":
            rows = int(argv[i + 1]); i += 2
        elif a == "--repeat":
            repeat = int(argv[i + 1]); i += 2
        elif a == "--label":
            label = argv[i + 1]; i += 2
        elif a == "--base":
            base_label = argv[i + 1]; i += 2
        elif a == "--json":
            json_path = argv[i + 1]; i += 2
        elif a == "--":
            runs.append((label, argv[i + 1], repeat)); i += 2
        else:
            sys.exit(f"unexpected argument {a}")
    results = []
    for name, cmd, n in runs:
        best = min((run_once(cmd) for _ in range(n)), key=lambda r: r[0])
        results.append((name, *best))
        print(f"  {name}: {best[0]:.3f}s wall, {best[1]:.2f}s CPU, {best[2]:.1f} MiB (best of {n})",
              file=sys.stderr)
    base = next((r for r in results if r[0] == base_label), results[0])
    print(f"| tool | wall s | rows/s | CPU s | peak RSS MiB | speed vs {base[0]} | RSS vs {base[0]} |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, wall, cpu, rss in results:
        rate = f"{rows / wall:,.0f}" if rows else "-"
        print(f"| {name} | {wall:.3f} | {rate} | {cpu:.2f} | {rss:.1f} | "
              f"{base[1] / wall:.2f}x | {rss / base[3]:.2f}x |")
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"rows": rows, "results": [
                {"label": n, "wall": w, "cpu": c, "rss_mib": r} for n, w, c, r in results]}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
