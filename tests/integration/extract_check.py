#!/usr/bin/env python3
"""Helpers for the extract integration tests.

  extract_check.py sqlite DB SQL...          run statements on a SQLite file (WAL)
  extract_check.py union LAKE KEYCOL         print "<rows> <unique keys>" over every visible landed file
  extract_check.py compare LAKE KEYCOL IDS_FILE   exit 0 iff the landed keys equal the ids (one per line), no duplicates
  extract_check.py tree LAKE                 print "relpath sha256" of every visible file, sorted
  extract_check.py position CHECKPOINT       print the checkpoint's position and run count (canonical JSON)
  extract_check.py pending CHECKPOINT        exit 0 iff the checkpoint records a pending intent
"""
import hashlib, json, os, sqlite3, sys


def visible_files(lake):
    for root, dirs, files in os.walk(lake):
        # checkpoints (and the old extract state) are not landed data
        dirs[:] = [d for d in dirs if d not in ("_state", "_checkpoints")]
        for f in files:
            if not f.startswith("."):
                yield os.path.join(root, f)


def landed_keys(lake, key):
    keys = []
    for p in visible_files(lake):
        with open(p) as fh:
            for line in fh:
                if line.strip():
                    keys.append(json.loads(line)[key])
    return keys


cmd = sys.argv[1]
if cmd == "sqlite":
    c = sqlite3.connect(sys.argv[2])
    c.execute("pragma journal_mode=wal")
    for sql in sys.argv[3:]:
        c.executescript(sql)
    c.commit()
elif cmd == "union":
    k = landed_keys(sys.argv[2], sys.argv[3])
    print(len(k), len(set(k)))
elif cmd == "compare":
    k = landed_keys(sys.argv[2], sys.argv[3])
    want = [int(x) for x in open(sys.argv[4]).read().split()]
    dups = len(k) - len(set(k))
    missing = set(want) - set(k)
    extra = set(k) - set(want)
    print(f"landed={len(k)} source={len(want)} duplicates={dups} missing={len(missing)} extra={len(extra)}")
    sys.exit(0 if dups == 0 and not missing and not extra else 1)
elif cmd == "tree":
    for p in sorted(visible_files(sys.argv[2])):
        print(os.path.relpath(p, sys.argv[2]), hashlib.sha256(open(p, "rb").read()).hexdigest())
elif cmd == "position":
    doc = json.load(open(sys.argv[2]))
    print(json.dumps({"position": doc.get("position"), "runs": doc.get("runs")}, sort_keys=True))
elif cmd == "pending":
    sys.exit(0 if json.load(open(sys.argv[2])).get("pending") else 1)
