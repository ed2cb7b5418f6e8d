#!/usr/bin/env python3
"""Crash safety of `etlconn consume amqp`: a consumer in --follow mode is
killed with SIGKILL at random moments, 20 times, while a producer keeps
publishing (half the messages carry a message_id, half rely on the content
hash). Then one run drains the queue. Afterwards every landed file is whole
(readable Parquet; no partial file under a visible name) and the union of
the files holds every published message exactly once: the redeliveries of
a batch killed between its checkpoint and its ack are dropped by the
dedupe (docs/connectors/amqp.md), and a batch killed between landing and
checkpoint is landed again under the same name. Small batches and short
waits keep it near 30 s.

shared-service: rabbitmq
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pika
import pyarrow.parquet as pq

from shared_amqp import ETLCONN, Broker, data_files, etlconn, rows_of, shared_env

KILLS = 20
TOTAL = 20_000
failures = []


def check(name, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


broker = Broker(shared_env())
env = broker.cli_env()
q = broker.queue("crash")
lake = tempfile.mkdtemp(prefix="etlc-amqp-crash-")
rng = random.Random(int(os.environ.get("ETLC_CRASH_SEED", time.time())))
published = []


def produce():
    """TOTAL messages in slices with short pauses, so kills land while it runs."""
    c = pika.BlockingConnection(broker.params())
    ch = c.channel()
    for i in range(TOTAL):
        p = pika.BasicProperties(delivery_mode=2, message_id=f"m-{i}" if i % 2 == 0 else None)
        ch.basic_publish("", q, f'{{"id": {i}, "v": "x{i}"}}'.encode(), p)
        published.append(i)
        if i % 500 == 499:
            c.sleep(0.2)
    c.close()


producer = threading.Thread(target=produce)
producer.start()
args = [ETLCONN, "consume", "amqp", "--queue", q, "--lake", lake, "--follow",
        "--max-messages", "300", "--max-seconds", "300ms", "--compact"]
killed = 0
for k in range(KILLS):
    p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(rng.uniform(0.3, 1.2))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        killed += 1
    err = p.communicate()[1].decode(errors="replace")
    if p.returncode != -signal.SIGKILL:
        check(f"run {k} was running when killed", False, f"exit {p.returncode}: {err[-500:]}")
producer.join()
check(f"the consumer was killed {KILLS} times", killed == KILLS, f"{killed} kills")
files_before = len(data_files(lake))
check("killed consumers had landed files", files_before > 0, str(files_before))

r = etlconn(["consume", "amqp", "--queue", q, "--lake", lake, "--until-idle", "--max-messages",
             "5000", "--max-seconds", "2", "--compact"], env, timeout=300)
check("the draining run exits 0", r.returncode == 0, r.stderr[-2000:])

visible = []
for d, _, names in os.walk(os.path.join(lake, "amqp")):
    visible += [os.path.join(d, n) for n in names if not n.startswith(".")]
unreadable = []
for f in visible:
    try:
        pq.read_table(f)
    except Exception as e:  # a partial file under a visible name
        unreadable.append(f"{f}: {e}")
check("every visible file is whole Parquet", visible and not unreadable
      and all(f.endswith(".parquet") for f in visible), "; ".join(unreadable[:5]))

ids = [row["id"] for _, row in rows_of(data_files(lake))]
missing = set(published) - set(ids)
dups = len(ids) - len(set(ids))
check(f"all {len(published)} messages landed (0 missing)", not missing and len(published) == TOTAL,
      f"{len(missing)} missing, e.g. {sorted(missing)[:5]}")
check("each message exactly once (0 duplicates after the dedupe)", dups == 0, f"{dups} duplicates")
check("the queue is drained (all acked)", broker.depth(q) == 0, str(broker.depth(q)))
print(f"{len(failures)} failed ({len(data_files(lake))} files)")
sys.exit(1 if failures else 0)
