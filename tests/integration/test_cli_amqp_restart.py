#!/usr/bin/env python3
"""A RabbitMQ restart in the middle of `etlconn consume amqp --follow`:
the consumer (reconnect_timeout 120s) loses the broker, reconnects when it
is back, and goes on; durable queue, persistent messages. Afterwards every
message published before and after the restart is in exactly one file,
and SIGTERM stops the consumer with exit 0. It needs a broker of its own
(tests/services/rabbitmq start/restart/stop in a private directory: about
6 s per start on a quiet machine), so it does not touch the shared one.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

from shared_amqp import ETLCONN, Broker, data_files, json_bodies, read_env, rows_of

SRC = os.environ.get("ETLCONN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SERVICE = os.path.join(SRC, "tests", "services", "rabbitmq")
failures = []


def check(name, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def wait_for(cond, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


tmp = tempfile.mkdtemp(prefix="etlc-amqp-restart-")
svc = os.path.join(tmp, "rabbitmq")
lake = os.path.join(tmp, "lake")
consumer = None
try:
    envfile = subprocess.run([SERVICE, "start", svc], check=True, capture_output=True,
                             text=True).stdout.strip()
    broker = Broker(read_env(envfile))
    env = broker.cli_env(AMQP_RECONNECT_TIMEOUT="120s")
    q = broker.queue("restart")
    broker.publish(q, json_bodies(range(3000)))
    consumer = subprocess.Popen([ETLCONN, "--log-level", "info", "consume", "amqp", "--queue", q, "--lake", lake,
                                 "--follow", "--max-messages", "200", "--max-seconds", "300ms",
                                 "--compact"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
    check("the consumer lands files before the restart",
          wait_for(lambda: len(data_files(lake)) >= 2, 60), str(data_files(lake)))
    r = subprocess.run([SERVICE, "restart", svc], capture_output=True, text=True)
    check("the broker restarts", r.returncode == 0, r.stderr)
    check("the consumer is still running after the restart", consumer.poll() is None,
          f"exit {consumer.poll()}")
    broker.publish(q, json_bodies(range(3000, 4000)))
    check("the consumer drains the queue after reconnecting",
          wait_for(lambda: broker.depth(q) == 0 and
                   len(rows_of(data_files(lake))) >= 4000, 90), str(broker.depth(q)))
    time.sleep(1)  # a last batch in flight lands and is acked
    consumer.send_signal(signal.SIGTERM)
    err = consumer.communicate(timeout=60)[1].decode(errors="replace")
    check("SIGTERM stops it with exit 0", consumer.returncode == 0, f"{consumer.returncode} {err[-1500:]}")
    check("it said it lost the broker and reconnected", "reconnecting" in err and "reconnected" in err,
          err[-1500:])
    ids = [row["id"] for _, row in rows_of(data_files(lake))]
    check("0 missing", set(ids) == set(range(4000)), f"{4000 - len(set(ids))} missing")
    check("0 duplicates", len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicates")
finally:
    if consumer and consumer.poll() is None:
        consumer.kill()
        consumer.wait()
    subprocess.run([SERVICE, "stop", svc])
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
