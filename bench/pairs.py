#!/usr/bin/env python3
"""Interleaved, verified benchmark runs: the harness every bench/ script
uses for the figures in docs/benchmarks.md.

    pairs.py [--rounds N] [--warmup N] [--json FILE] [--title TEXT]
             [--expect FINGERPRINT | --expect-cmd CMD]
             --tool LABEL CMD [--prepare CMD] [--verify CMD]
             --tool LABEL CMD [--prepare CMD] [--verify CMD | --unverified WHY] ...

The first --tool is the base. Each round runs every tool once, back to back,
in an order that rotates from round to round (A B, then B A, ...), so load
drift on a shared machine falls on both sides of every ratio instead of one.
Ratios are taken round by round (tool wall / base wall), then the median and
the worst round are reported, with each tool's median CPU seconds and peak
RSS, and the machine's load average over the run.

--prepare runs before each run of its tool (not timed): clear an output
directory, drop a table. --verify runs after each run (not timed) and must
print a fingerprint of the output on stdout, for example
"rows=1000000 sum=8c1f..." (row count plus an order-independent checksum).
Every run's fingerprint must equal the base's first one, and --expect (or
the output of --expect-cmd, run once over the source) when given. A
mismatch, a failed command or a missing --verify ends the benchmark with
exit 1: a figure whose outputs disagree is not a figure. The one exception
is a reference that produces nothing to check (a server's raw output sent
to /dev/null as a ceiling): --unverified WHY, and the table says so.
"""
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


class Tool:
    def __init__(self, label, cmd):
        self.label, self.cmd = label, cmd
        self.prepare = self.verify = self.unverified = None
        self.walls, self.cpus, self.rss = [], [], []


def die(msg):
    print(f"pairs.py: {msg}", file=sys.stderr)
    sys.exit(1)


def sh(cmd, capture=False):
    r = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       text=True)
    if r.returncode != 0:
        die(f"command failed (exit {r.returncode}): {cmd}")
    return r.stdout.strip() if capture else None


def timed(cmd):
    """Wall seconds, CPU seconds and peak RSS (MiB) of cmd and what it waits for."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        die(f"command failed (status {status}): {cmd}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def parse(argv):
    opts = {"rounds": 5, "warmup": 1, "json": None, "title": None, "expect": None, "expect_cmd": None}
    tools, i = [], 0
    while i < len(argv):
        a = argv[i]
        need = 3 if a == "--tool" else 2
        if i + need > len(argv):
            die(f"{a} needs {need - 1} argument(s)")
        if a == "--tool":
            tools.append(Tool(argv[i + 1], argv[i + 2]))
        elif a in ("--prepare", "--verify", "--unverified"):
            if not tools:
                die(f"{a} must follow a --tool")
            setattr(tools[-1], a[2:], argv[i + 1])
        elif a in ("--rounds", "--warmup"):
            opts[a[2:]] = int(argv[i + 1])
        elif a in ("--json", "--title", "--expect", "--expect-cmd"):
            opts[a[2:].replace("-", "_")] = argv[i + 1]
        else:
            die(f"unexpected argument {a} (see the docstring: pairs.py --help)")
        i += need
    if len(tools) < 2:
        die("give at least two --tool (the first is the base)")
    for t in tools:
        if not t.verify and not t.unverified:
            die(f"--tool {t.label} has no --verify: every output is checked")
    if tools[0].unverified:
        die("the base tool must be verified")
    if opts["rounds"] < 5:
        print("pairs.py: fewer than 5 rounds: the figure is indicative only", file=sys.stderr)
    return opts, tools


def run_and_check(tool, expected):
    if tool.prepare:
        sh(tool.prepare)
    wall, cpu, rss = timed(tool.cmd)
    if tool.unverified:
        return wall, cpu, rss
    got = sh(tool.verify, capture=True)
    if expected[0] is None:
        expected[0] = got
    elif got != expected[0]:
        die(f"{tool.label}: output fingerprint {got!r} differs from {expected[0]!r}")
    return wall, cpu, rss


def main(argv):
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    opts, tools = parse(argv)
    expected = [opts["expect"]]
    if opts["expect_cmd"]:
        expected[0] = sh(opts["expect_cmd"], capture=True)
    load = [os.getloadavg()[0]]
    for _ in range(opts["warmup"]):
        for t in tools:
            run_and_check(t, expected)
    ratios = {t.label: [] for t in tools[1:]}
    for r in range(opts["rounds"]):
        order = tools[r % len(tools):] + tools[:r % len(tools)]
        walls = {}
        for t in order:
            wall, cpu, rss = run_and_check(t, expected)
            t.walls.append(wall); t.cpus.append(cpu); t.rss.append(rss)
            walls[t.label] = wall
            load.append(os.getloadavg()[0])
        for t in tools[1:]:
            ratios[t.label].append(walls[t.label] / walls[tools[0].label])
        print(f"  round {r + 1}: " + ", ".join(f"{t.label} {walls[t.label]:.3f}s" for t in tools),
              file=sys.stderr)
    report(opts, tools, ratios, load, expected[0])
    return 0


def report(opts, tools, ratios, load, fingerprint):
    base = tools[0]
    if opts["title"]:
        print(f"**{opts['title']}**\n")
    print(f"| tool | median wall s | median CPU s | peak RSS MiB | {base.label} speed vs tool, "
          f"median | worst round |")
    print("|---|---:|---:|---:|---:|---:|")
    out = {"title": opts["title"], "rounds": opts["rounds"], "fingerprint": fingerprint,
           "load_avg_1m": {"min": min(load), "max": max(load)}, "tools": []}
    for t in tools:
        rs = ratios.get(t.label)
        med = f"{statistics.median(rs):.2f}x" if rs else "base"
        worst = f"{min(rs):.2f}x" if rs else ""
        label = t.label + (f" (reference, not verified: {t.unverified})" if t.unverified else "")
        print(f"| {label} | {statistics.median(t.walls):.3f} | {statistics.median(t.cpus):.2f} | "
              f"{max(t.rss):.1f} | {med} | {worst} |")
        out["tools"].append({"label": t.label, "cmd": t.cmd, "walls": t.walls, "cpus": t.cpus,
                             "peak_rss_mib": max(t.rss), "ratios": rs})
    print(f"\n{opts['rounds']} rounds, order rotating; every output verified "
          f"(`{fingerprint}`); 1-min load average {min(load):.2f}-{max(load):.2f} on "
          f"{os.cpu_count()} cores.")
    if opts["json"]:
        with open(opts["json"], "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
