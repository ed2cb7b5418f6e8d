#!/usr/bin/env python3
"""kafka broker restart (#11): a private broker (tests/services/kafka in a
directory of this test's own, since the shared one must not go down under
other tests) is restarted while `etlconn consume kafka --follow` runs and a
producer writes. The consumer rides it out (librdkafka reconnects) or fails
with a clear error; either way, after a draining run every message is in
the lake exactly once.
"""
import os
import signal
import subprocess
import tempfile
import time

import kafka_peer as kp

PARTS, N = 3, 9_000
c = kp.Checks()
with tempfile.TemporaryDirectory() as tmp:
    broker_dir = tmp + "/broker"
    started = subprocess.run([kp.SERVICE, "start", broker_dir], capture_output=True, text=True)
    c.check("a private broker starts", started.returncode == 0, started.stderr[-2000:])
    if started.returncode:
        c.finish()
    try:
        bootstrap = kp.read_env(broker_dir + "/env")["KAFKA_BOOTSTRAP_SERVERS"]
        topic, group = kp.unique("restart"), kp.unique("g-restart")
        kp.create_topic(bootstrap, topic, PARTS)
        cfg = kp.write_config(tmp + "/kafka.json", bootstrap, group, topic, value_format="raw")
        lake = tmp + "/lake"
        log = open(tmp + "/consumer.log", "w+")
        p = kp.start_consumer(cfg, lake, "--follow", "--max-messages", "500", "--max-seconds", "300ms", log=log)
        kp.produce(bootstrap, topic, range(300), PARTS)  # the producer's first contact is slow
        producer = kp.produce_in_background(bootstrap, topic, range(300, N), PARTS, rate=1500)
        time.sleep(2)
        landed_before = len(kp.lake_files(lake))
        r = subprocess.run([kp.SERVICE, "restart", broker_dir], capture_output=True, text=True)
        c.check("the broker restarts", r.returncode == 0, r.stderr[-2000:])
        producer.join()
        deadline = time.time() + 40
        while time.time() < deadline and p.poll() is None:
            if sum(v for v in kp.group_offsets(bootstrap, group, topic, PARTS).values() if v > 0) == N:
                break
            time.sleep(0.5)
        c.check("files were landed before the restart", landed_before > 0, landed_before)
        if p.poll() is None:
            c.check("the consumer rode out the restart and reached the end", True)
            p.send_signal(signal.SIGTERM)
            c.check("it exits 0 on SIGTERM", p.wait(timeout=30) == 0)
        else:
            log.seek(0)
            text = log.read()
            c.check("the consumer that stopped says why", p.returncode != 0 and "kafka" in text, text[-1500:])
        r = kp.consume(cfg, lake, "--until-idle", "--max-messages", "5000", "--max-seconds", "3")
        c.check("a draining consume exits 0", r.returncode == 0, r.stderr[-2000:])
        c.exactly_once(lake, range(N))
        log.close()
    finally:
        subprocess.run([kp.SERVICE, "stop", broker_dir], capture_output=True)
c.finish()
