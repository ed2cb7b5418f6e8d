#!/usr/bin/env python3
"""nats JetStream crash safety (shared-service: nats): `etlconn consume
--follow` is killed with SIGKILL at random moments, 20 times, while a
producer keeps publishing; then a last run drains the stream. The union of
the landed files must hold every message exactly once, each file one
stream's messages in sequence order from the sequence in its name, and no
partial file may be visible (temporaries are dot-files; every visible file
reads whole). Small batches (300 messages, 0.3 s) make a kill land at every
step: gathering, writing, between the lake commit and the checkpoint, and
between the checkpoint and the ack (the consumer is re-created at the
checkpoint then: nats_consumer.c)."""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nats_peer as np  # noqa: E402

KILLS = 20
N = 12_000


def main():
    env = np.shared_env()
    tmp = tempfile.mkdtemp(prefix="etlc-nats-crash-")
    seed = int(os.environ.get("ETLC_TEST_SEED", time.time()))
    rnd = random.Random(seed)
    print(f"seed {seed}")
    np.make_stream(env, "T_CRASH", ["crash.>"])
    lake = f"{tmp}/lake"
    cfg = np.write_config(f"{tmp}/crash.json", env, stream="T_CRASH", subject="crash.>",
                          extra={"ack_wait": "5s"})

    def produce():  # publishing goes on through most of the crash loop (~12 s)
        for start in range(0, N, 400):
            np.publish_fast(env, "crash.orders", range(start, min(N, start + 400)))
            time.sleep(0.35)
    producer = threading.Thread(target=produce)
    producer.start()
    t0 = time.time()
    for k in range(KILLS):
        p = subprocess.Popen([np.ETLCONN, "-q", "consume", "-c", cfg, "--lake", lake, "--follow",
                              "--max-messages", "300", "--max-seconds", "300ms"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rnd.uniform(0.15, 1.0))
        if p.poll() is not None:
            raise AssertionError(f"consumer {k} exited by itself ({p.returncode}): {p.stderr.read()[-1000:]}")
        p.send_signal(signal.SIGKILL)
        p.wait()
        visible = np.data_files(lake)
        np.read_ids(visible)  # every visible file reads whole, in order, named by its first sequence
    producer.join()
    print(f"{KILLS} kills in {time.time() - t0:.1f} s; {len(np.data_files(lake))} files so far, "
          f"{len(np.temp_files(lake))} hidden temporaries left by the kills")
    deadline = time.time() + 20
    while np.stream_count(env, "T_CRASH") < N and time.time() < deadline:
        time.sleep(0.1)
    assert np.stream_count(env, "T_CRASH") == N
    r = np.etlconn(["consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-messages", "5000",
                    "--max-seconds", "1", "--compact"])
    assert json.loads(r.stdout)["status"] == "success", r.stdout[:300]
    files = np.data_files(lake)
    ids = np.read_ids(files)
    np.check_exactly_once(ids, range(N))
    print(f"ok: {N} messages exactly once in {len(files)} files after {KILLS} SIGKILLs")


if __name__ == "__main__":
    main()
