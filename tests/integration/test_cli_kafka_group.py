#!/usr/bin/env python3
"""kafka consumer group (#11): 3 `etlconn consume kafka --follow` processes
in one group share a 6-partition topic while a producer writes; one is
killed (SIGKILL) mid-run. Its partitions move to the other two (they
reach the end of every partition), the survivors stop cleanly on SIGTERM
(exit 0), and the union of the landed files holds every message exactly
once.

shared-service: kafka
"""
import datetime
import os
import re
import signal
import subprocess
import tempfile
import time

import kafka_peer as kp

PARTS, N = 6, 24_000
c = kp.Checks()
LINE = re.compile(r"^(\S+Z) .*partition '([^']+)' (assigned|revoked)", re.M)


def events(text):
    """(time, partition, assigned|revoked) from the driver's info lines."""
    return [(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")), part, what)
            for t, part, what in LINE.findall(text)]


def held_at_end(evs):
    held = set()
    for _, part, what in evs:
        (held.add if what == "assigned" else held.discard)(part)
    return held

bootstrap = kp.shared_bootstrap()
topic, group = kp.unique("group"), kp.unique("g-group")
kp.create_topic(bootstrap, topic, PARTS)

with tempfile.TemporaryDirectory() as tmp:
    cfg = kp.write_config(tmp + "/kafka.json", bootstrap, group, topic, value_format="raw",
                          session_timeout="3000ms", heartbeat_interval="500ms")
    lake = tmp + "/lake"
    env = dict(os.environ, ETLCONN_LOG_LEVEL="info")
    logs = [open("%s/consumer%d.log" % (tmp, i), "w+") for i in range(3)]
    procs = [subprocess.Popen(kp.consume_argv(cfg, lake, "--follow", "--max-messages", "300",
                                              "--max-seconds", "300ms"),
                              stdout=subprocess.DEVNULL, stderr=logs[i], env=env) for i in range(3)]
    producer = kp.produce_in_background(bootstrap, topic, range(N), PARTS, rate=2000)
    # Kill only once the group is stable (every member holds partitions):
    # under CI load the first rebalance can take longer than any fixed sleep.
    deadline = time.time() + 60
    while time.time() < deadline:
        held = []
        for log in logs:
            log.flush()
            with open(log.name) as f:
                held.append(held_at_end(events(f.read())))
        if all(held) and len(set().union(*held)) == PARTS:
            break
        time.sleep(0.2)
    time.sleep(1)  # let member 0 land a batch or two of its own
    procs[0].kill()
    procs[0].wait()
    logs[0].seek(0)
    text0 = logs[0].read()
    lost = held_at_end(events(text0))
    c.check("the killed member held partitions", lost, text0[-1500:])
    producer.join()
    deadline = time.time() + 30
    ends = {}
    while time.time() < deadline:
        ends = kp.group_offsets(bootstrap, group, topic, PARTS)
        if sum(v for v in ends.values() if v > 0) == N:
            break
        time.sleep(0.5)
    c.check("the two survivors reached the end of all %d partitions" % PARTS,
            sum(v for v in ends.values() if v > 0) == N, ends)
    for p in procs[1:]:
        p.send_signal(signal.SIGTERM)
    codes = [p.wait(timeout=30) for p in procs[1:]]
    c.check("the survivors exit 0 on SIGTERM", codes == [0, 0], codes)
    # A partition "moved" when a survivor was assigned it after member 0's
    # last assignment of it. Not "after the kill": under CI load the
    # coordinator can evict member 0 (missed heartbeats) shortly before the
    # SIGKILL, and its partitions then move before the kill.
    taken = {part: t for t, part, what in events(text0) if what == "assigned"}
    moved = set()
    for log in logs[1:]:
        log.seek(0)
        moved |= {part for t, part, what in events(log.read())
                  if what == "assigned" and part in taken and t > taken[part]}
    c.check("the killed member's partitions %s moved to the survivors" % sorted(lost),
            lost and lost <= moved, sorted(moved))
    c.exactly_once(lake, range(N))
    for log in logs:
        log.close()
c.finish()
