#!/usr/bin/env python3
"""The mongodb connector when its server dies mid-read. A private FerretDB
(the binary the shared service built; its own data dir and port, no auth)
holds 8,000 documents; a fetch in pages of 200 is running when the server
is killed (SIGKILL) as soon as the first pages are landed. Then:
 - the fetch exits 1 with a connection/IO error;
 - the lake holds only whole pages (each readable, 200 rows), no temporary
   or partial file;
 - with the server back (same data, same port), the next fetch resumes after
   the last landed page: over both runs every document exactly once.

shared-service: ferretdb
"""
import glob
import os
import signal
import socket
import subprocess
import tempfile
import time

from mongo_peer import Peer, check, finish, lake_rows, service_env, stray_files

N, PAGE = 8000, 200
svc = service_env()
tmp = tempfile.mkdtemp(prefix="etlc-mongo-kill-")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()


def start_server():
    d = socket.socket()
    d.bind(("127.0.0.1", 0))
    debug = d.getsockname()[1]
    d.close()
    os.makedirs(os.path.join(tmp, "data"), exist_ok=True)
    os.makedirs(os.path.join(tmp, "state"), exist_ok=True)
    p = subprocess.Popen([svc["ETLC_FERRETDB_BIN"], "--handler=sqlite", "--sqlite-url=file:%s/data/" % tmp,
                          "--state-dir=%s/state" % tmp, "--listen-addr=127.0.0.1:%d" % port,
                          "--debug-addr=127.0.0.1:%d" % debug, "--telemetry=disable", "--log-level=error"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "server.log"), "ab"))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p
        except OSError:
            time.sleep(0.1)
    p.kill()
    raise SystemExit("FAIL - private FerretDB did not start")


server = start_server()
try:
    peer = Peer("etlc_killed", port=port, auth=False)
    coll = peer.client[peer.db].docs
    for i in range(0, N, 2000):
        coll.insert_many([{"_id": k, "k": k, "pad": "p" * 200} for k in range(i, i + 2000)])
    lake = os.path.join(tmp, "lake")
    env = dict(peer.env, MONGODB_SOCKET_TIMEOUT="10s")
    cmd = [os.environ["ETLCONN"], "fetch", "mongodb", "docs", "--lake", lake, "--compact",
           "--batch-size", str(PAGE), "--max-records-per-file", str(PAGE)]  # natural order: no sort to wait for
    fetch = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 150  # a loaded CI machine
    while time.time() < deadline and fetch.poll() is None:
        if len(glob.glob(os.path.join(lake, "mongodb", "**", "page-*.parquet"), recursive=True)) >= 2:
            break
        time.sleep(0.005)
    server.send_signal(signal.SIGKILL)
    server.wait()
    out, err = fetch.communicate(timeout=60)
    landed = sorted(glob.glob(os.path.join(lake, "mongodb", "**", "page-*.parquet"), recursive=True))
    check("server killed mid-read: the fetch exits 1", fetch.returncode == 1, (fetch.returncode, err))
    check("killed: the error says the connection was lost",
          any(w in err for w in ("[IO]", "[CONNECT]", "No suitable servers", "socket")), err)
    check("killed: some pages landed, not all", 0 < len(landed) < N // PAGE, len(landed))
    check("killed: no temporary or partial file", not stray_files(lake), stray_files(lake))
    rows = lake_rows(landed)
    check("killed: every landed page is whole", len(rows) == PAGE * len(landed), (len(rows), len(landed)))

    server = start_server()
    fetch2 = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    check("server back: the next fetch succeeds", fetch2.returncode == 0, fetch2.stderr)
    allp = sorted(glob.glob(os.path.join(lake, "mongodb", "**", "page-*.parquet"), recursive=True))
    ks = [r["k"] for r in lake_rows(allp)]
    check("over both runs every document exactly once", sorted(ks) == list(range(N)),
          (len(ks), len(set(ks))))
    check("the first run's pages were kept, not read again", all(p in allp for p in landed))
finally:
    server.kill()
    server.wait()
finish()
