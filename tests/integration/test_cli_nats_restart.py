#!/usr/bin/env python3
"""nats JetStream: the broker restarts in the middle of a run. A private
nats-server (tests/services/nats start DIR: it starts in well under a
second) so the shared one is never stopped. `etlconn consume --follow`
runs while the server is stopped and started again on the same JetStream
store (tests/services/nats restart: SIGTERM, then start); messages are
published before and after. The consumer must reconnect by itself (it is
still running afterwards), land everything exactly once, in files in
sequence order, and exit 0 on SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nats_peer as np  # noqa: E402

HALF = 15_000


def checkpoint_next(lake):
    for f in np.glob.glob(f"{lake}/_checkpoints/nats/**/*.json", recursive=True):
        with open(f) as fh:
            pos = json.load(fh).get("position") or {}
        return (pos.get("partitions") or {}).get("T_RESTART", 0)
    return 0


def wait_for(pred, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def main():
    tmp = tempfile.mkdtemp(prefix="etlc-nats-restart-")
    svc = f"{tmp}/server"
    env = np.private_server(svc)
    p = None
    try:
        np.make_stream(env, "T_RESTART", ["restart.>"])
        np.publish_fast(env, "restart.a", range(HALF))
        wait_for(lambda: np.stream_count(env, "T_RESTART") == HALF, 20, "the first half stored")
        lake = f"{tmp}/lake"
        cfg = np.write_config(f"{tmp}/c.json", env, stream="T_RESTART", subject="restart.>")
        p = subprocess.Popen([np.ETLCONN, "consume", "-c", cfg, "--lake", lake, "--follow",
                              "--max-messages", "1000", "--max-seconds", "300ms"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: checkpoint_next(lake) > 1000, 20, "the first batches")
        t0 = time.time()
        subprocess.run([np.SERVICE, "restart", svc], check=True, capture_output=True)
        print(f"server restarted in {time.time() - t0:.2f} s at checkpoint {checkpoint_next(lake)}")
        np.publish_fast(env, "restart.a", range(HALF, 2 * HALF))
        wait_for(lambda: np.stream_count(env, "T_RESTART") == 2 * HALF, 20, "the second half stored")
        try:
            wait_for(lambda: checkpoint_next(lake) == 2 * HALF + 1, 40, "everything landed")
        except AssertionError:
            p.kill()
            raise AssertionError(f"not everything landed: checkpoint at {checkpoint_next(lake)}, "
                                 f"consumer log: {p.communicate()[1][-2000:]}")
        assert p.poll() is None, f"the consumer stopped: {p.stderr.read()[-1000:]}"
        p.send_signal(signal.SIGTERM)
        out, errs = p.communicate(timeout=30)
        assert p.returncode == 0, f"exit {p.returncode}: {errs[-1000:]}"
        assert "reconnected to the server" in errs, f"the restart went unnoticed: {errs[-1000:]}"
        files = np.data_files(lake)
        np.check_exactly_once(np.read_ids(files), range(2 * HALF))
        print(f"ok: {2 * HALF} messages exactly once in {len(files)} files across a broker restart")
    finally:
        if p and p.poll() is None:
            p.kill()
        subprocess.run([np.SERVICE, "stop", svc], capture_output=True)


if __name__ == "__main__":
    main()
