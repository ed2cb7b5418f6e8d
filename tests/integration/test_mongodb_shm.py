#!/usr/bin/env python3
"""etlconn leaves nothing in /dev/shm (no server needed).

Debian's libmongoc initialises itself when it is loaded and creates
/dev/shm/mongoc-<pid> for its counters, in every process, mongodb used or
not; a killed process leaves the file behind and a later process with the
same pid prints "Falling back to malloc for counters" on stderr. The mongodb
connector removes the name at load (mongo_connector.c). Checked on an etlconn
process held alive (its config file is a FIFO nobody writes) and then
SIGKILLed, with a control showing that libmongoc alone does create the file."""
import ctypes.util
import os
import signal
import subprocess
import sys
import tempfile
import time

ETLCONN = os.environ["ETLCONN"]
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else ": " + str(detail)))
    if not ok:
        failures.append(what)


def shm(pid):
    return "/dev/shm/mongoc-%d" % pid


# Control: a process that loads libmongoc alone has the file while it runs.
probe = ("import ctypes, os, sys; ctypes.CDLL(sys.argv[1]); "
         "print(os.path.exists('/dev/shm/mongoc-%d' % os.getpid()))")
lib = ctypes.util.find_library("mongoc-1.0") or "libmongoc-1.0.so.0"
out = subprocess.run([sys.executable, "-c", probe, lib], stdout=subprocess.PIPE, text=True).stdout.strip()
check("control: loading libmongoc alone creates /dev/shm/mongoc-<pid> (else this test and "
      "mongo_unlink_counters_name can go)", out == "True", out)

with tempfile.TemporaryDirectory() as tmp:
    fifo = os.path.join(tmp, "config.json")
    os.mkfifo(fifo)
    p = subprocess.Popen([ETLCONN, "test", "sqlite", "-c", fifo],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # constructors have run; it now blocks opening the FIFO
    alive = p.poll() is None
    check("etlconn is held alive on its FIFO config", alive, p.poll())
    check("no /dev/shm/mongoc-<pid> while etlconn runs", not os.path.exists(shm(p.pid)), shm(p.pid))
    p.send_signal(signal.SIGKILL)
    _, err = p.communicate()
    check("nothing left in /dev/shm after SIGKILL", not os.path.exists(shm(p.pid)), shm(p.pid))
    check("no libmongoc warning on stderr", "mongoc" not in err, err)

if failures:
    print("%d check(s) failed: %s" % (len(failures), failures))
    sys.exit(1)
print("all checks passed")
