"""Ctrl-C during a long call from Python's main thread: the run stops
cleanly between batches (nothing partial visible in the lake) and the call
raises KeyboardInterrupt; Python's own SIGINT handling is back afterwards.
A child process runs the call (a SQLite query that never ends) and gets a
real SIGINT."""
import os
import signal
import subprocess
import sys
import time

import pytest

CHILD = r'''
import os, signal, sys, etlconn
endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, 'row ' || x AS s FROM c"
c = etlconn.SQLiteConnector(database_path=":memory:")
print("started", flush=True)
try:
    if sys.argv[1] == "fetch_data":
        c.fetch_data(endless, lake=sys.argv[2], batch_rows=1000)
    else:
        c.fetch_arrow(endless, batch_rows=1000)
except KeyboardInterrupt:
    print("interrupted", flush=True)
# Python's handler is back: a second SIGINT is an ordinary KeyboardInterrupt
try:
    os.kill(os.getpid(), signal.SIGINT)
    signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a bytecode boundary to run the handler
    print("no second interrupt", flush=True)
except KeyboardInterrupt:
    print("python handler back", flush=True)
'''


@pytest.mark.parametrize("call", ["fetch_data", "fetch_arrow"])
def test_sigint_stops_a_long_call(call, tmp_path):
    lake = tmp_path / "lake"
    p = subprocess.Popen([sys.executable, "-c", CHILD, call, str(lake)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.5)  # well inside the endless query
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out.split() == ["interrupted", "python", "handler", "back"], (out, err)
    assert time.monotonic() - start < 10
    visible = [os.path.join(d, f) for d, _, fs in os.walk(lake) for f in fs
               if f.endswith(".parquet") and "_partial" not in d]
    assert visible == [], visible  # nothing partial became visible


def test_a_program_with_its_own_handler_keeps_it(tmp_path):
    # a handler the program installed is not replaced: SIGINT calls it, the
    # fetch is not cancelled by us (here it just finishes)
    code = r'''
import signal, etlconn
seen = []
signal.signal(signal.SIGINT, lambda *a: seen.append(1))
c = etlconn.SQLiteConnector(database_path=":memory:")
t = c.fetch_arrow("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) SELECT x FROM c")
print(t.num_rows, flush=True)
'''
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.8)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0 and out.strip() == "3000000", (out, err)
