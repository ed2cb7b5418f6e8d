#!/usr/bin/env python3
"""kafka crash safety (#11): `etlconn consume kafka --follow` killed with
SIGKILL at random moments, 20 times, while a producer keeps writing; then a
last consume drains the topic. The union of the landed files holds every
message exactly once (a replay rewrites the file of the batch that was
landed but not committed, with the same bounds: the batch intent in the
group's offsets), every visible file is whole Parquet, and each holds one
partition's messages in order. Small batches and short sessions keep it
under a minute.

shared-service: kafka
"""
import random
import tempfile
import time

import kafka_peer as kp

KILLS, PARTS, N = 20, 3, 30_000
c = kp.Checks()
bootstrap = kp.shared_bootstrap()
topic, group = kp.unique("crash"), kp.unique("g-crash")
kp.create_topic(bootstrap, topic, PARTS)
rng = random.Random()
print("seed-free random kill times; topic", topic)

with tempfile.TemporaryDirectory() as tmp:
    cfg = kp.write_config(tmp + "/kafka.json", bootstrap, group, topic, value_format="raw",
                          session_timeout="1s", heartbeat_interval="200ms")
    lake = tmp + "/lake"
    producer = kp.produce_in_background(bootstrap, topic, range(N), PARTS, rate=1500)
    killed_with_data = 0
    for k in range(KILLS):
        before = len(kp.lake_files(lake))
        p = kp.start_consumer(cfg, lake, "--follow", "--max-messages", str(rng.choice([50, 200, 700])),
                              "--max-seconds", "200ms")
        time.sleep(rng.uniform(0.6, 1.6))
        p.kill()
        p.wait()
        killed_with_data += len(kp.lake_files(lake)) > before
        print("run %d: %d files landed" % (k, len(kp.lake_files(lake)) - before), flush=True)
    producer.join()
    c.check("the consumer was killed %d times, landing files in %d of the runs" % (KILLS, killed_with_data),
            killed_with_data >= KILLS // 5, killed_with_data)
    r = kp.consume(cfg, lake, "--until-idle", "--max-messages", "5000", "--max-seconds", "3")
    c.check("the draining consume exits 0", r.returncode == 0, r.stderr[-2000:])
    c.exactly_once(lake, range(N))
    ends = kp.group_offsets(bootstrap, group, topic, PARTS)
    c.check("the group committed every partition's end", sum(ends.values()) == N, ends)
c.finish()
