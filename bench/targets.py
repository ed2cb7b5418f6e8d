#!/usr/bin/env python3
"""The targets table of a bench script, from bench/pairs.py's --json outputs.

    targets.py LABEL=SPEED[:RSS] ... -- FILE.json ...

A tool whose label starts with LABEL must run the base at least SPEED times
faster (median of the per-round ratios; the worst round is shown) and, when
RSS is given, with the base's peak RSS at most RSS times the tool's."""
import json
import statistics
import sys


def main(argv):
    sep = argv.index("--")
    want = {}
    for spec in argv[:sep]:
        label, _, limits = spec.partition("=")
        speed, _, rss = limits.partition(":")
        want[label] = (float(speed), float(rss) if rss else None)
    print("### Targets (median of the per-round ratios; RSS etlconn / other)")
    print("| table | vs | speed ratio (median, worst) | target | RSS ratio | target |")
    print("|---|---|---:|---:|---:|---:|")
    met = lambda ok: " met" if ok else " NOT met"
    for path in argv[sep + 1:]:
        d = json.load(open(path))
        base = d["tools"][0]
        for t in d["tools"][1:]:
            key = next((k for k in want if t["label"].startswith(k)), None)
            if not key:
                continue
            med, worst = statistics.median(t["ratios"]), min(t["ratios"])
            rss = base["peak_rss_mib"] / t["peak_rss_mib"]
            ts, tr = want[key]
            print(f"| {d['title'].split(', ')[-1]} | {t['label']} | {med:.2f}x, {worst:.2f}x | "
                  f">= {ts}x{met(med >= ts)} | {rss:.2f} | "
                  f"{('<= %.2f' % tr + met(rss <= tr)) if tr else '-'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
