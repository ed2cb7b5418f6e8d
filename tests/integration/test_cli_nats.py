#!/usr/bin/env python3
"""nats connector end to end against a real nats-server with JetStream
(shared-service: nats): health check (and that the password never shows),
a poison message in json
mode (a dead-letter file with its sequence; the stream goes on), a field
that changes type across batches (each file has its own type:
docs/streams.md), messages pending past the checkpoint (landed at once, in
order), and core NATS (at-most-once: what arrives while subscribed lands, in
order). The 100,000-message round trip is test_cli_nats_roundtrip.py."""
import json
import os
import subprocess
import sys
import tempfile
import time

import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nats_peer as np  # noqa: E402

ENV = np.shared_env()
TMP = tempfile.mkdtemp(prefix="etlc-nats-")


def test_health_and_secrets():
    np.make_stream(ENV, "T_HEALTH", ["health.>"])
    cfg = np.write_config(f"{TMP}/health.json", ENV, stream="T_HEALTH", subject="health.>")
    r = np.etlconn(["test", "-c", cfg])
    assert "healthy" in r.stdout and "stream 'T_HEALTH'" in r.stdout, r.stdout
    missing = np.write_config(f"{TMP}/missing.json", ENV, stream="NO_SUCH_STREAM", subject="x.>")
    r = np.etlconn(["test", "-c", missing], check=False)
    assert r.returncode != 0 and "not found" in r.stdout + r.stderr, (r.stdout, r.stderr)
    bad = np.write_config(f"{TMP}/bad.json", ENV, stream="T_HEALTH",
                          extra={"password": "wrong-secret-pw-12345"})
    r = np.etlconn(["test", "-c", bad], check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "AUTH" in out.upper(), out
    assert "wrong-secret-pw-12345" not in out, "the password was printed"
    r = np.etlconn(["config", "show", "-c", cfg])
    assert ENV["ETLC_TEST_NATS_PASSWORD"] not in r.stdout + r.stderr, "config show printed the password"


def test_poison_and_drift():
    np.make_stream(ENV, "T_POISON", ["poison.>"])

    def payload(i):
        if i == 7:
            return b"{not json"
        if i < 10:
            return json.dumps({"id": i, "x": i}).encode()
        return json.dumps({"id": i, "x": f"text-{i}"}).encode()  # x changes type
    np.publish_acked(ENV, "poison.a", range(10), payload)
    lake = f"{TMP}/poison-lake"
    cfg = np.write_config(f"{TMP}/poison.json", ENV, stream="T_POISON", subject="poison.>",
                          extra={"ack_policy": "explicit", "durable": "poison_dur"})
    r = np.etlconn(["consume", "-c", cfg, "--lake", lake, "--max-seconds", "1", "--compact"])
    assert json.loads(r.stdout)["status"] == "success", r.stdout
    np.publish_acked(ENV, "poison.a", range(10, 15), payload)
    np.etlconn(["consume", "-c", cfg, "--lake", lake, "--max-seconds", "1", "--compact"])
    files = np.data_files(lake)
    assert len(files) == 2, files
    floor, pending, policy = np.consumer_state(ENV, "T_POISON", "poison_dur")
    assert (floor, pending) == (15, 0) and policy.endswith("explicit"), (floor, pending, policy)
    first, second = (pq.read_table(f) for f in files)
    assert str(first.schema.field("x").type) == "int64", first.schema
    assert str(second.schema.field("x").type) == "string", second.schema
    assert sorted(first.column("id").to_pylist()) == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    dead = [f for f in np.glob.glob(f"{lake}/nats/**/_dead_letter/**/*.parquet", recursive=True)]
    assert len(dead) == 1, dead
    d = pq.read_table(dead[0]).to_pydict()
    assert d["sequence"] == [8] and d["value"] == [b"{not json"] and "JSON" in d["error"][0], d
    assert os.path.basename(dead[0]).startswith("00000000000000000001-"), dead[0]


def pull_without_ack(env, stream, durable, n):
    """Take n messages from the durable and never ack them (a consumer that
    died after the checkpoint, before its acks)."""
    async def run():
        nc = await np._connect(env)
        sub = await nc.jetstream().pull_subscribe_bind(durable=durable, stream=stream)
        msgs = await sub.fetch(n, timeout=5)
        await nc.close()
        return [m.metadata.sequence.stream for m in msgs]
    return np.asyncio.run(run())


def test_pending_redelivered_in_order():
    """Messages delivered past the checkpoint and never acked: JetStream
    would redeliver them only after ack_wait (60 s), newer ones first. The
    next run re-creates the consumer at the checkpoint: it lands them at
    once, in a file named by the checkpoint's next sequence."""
    np.make_stream(ENV, "T_ORDER", ["order.>"])
    np.publish_fast(ENV, "order.a", range(100))
    lake = f"{TMP}/order-lake"
    cfg = np.write_config(f"{TMP}/order.json", ENV, stream="T_ORDER", subject="order.>",
                          extra={"durable": "order_dur", "ack_wait": "60s"})
    np.etlconn(["consume", "-c", cfg, "--lake", lake, "--max-messages", "30", "--compact"])
    assert pull_without_ack(ENV, "T_ORDER", "order_dur", 20) == list(range(31, 51))
    np.publish_fast(ENV, "order.a", range(100, 200))
    t0 = time.time()
    np.etlconn(["consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-seconds", "1",
                "--compact"])
    assert time.time() - t0 < 30, "waited for ack_wait instead of re-creating the consumer"
    files = np.data_files(lake)
    names = [int(os.path.basename(f).split("-")[0]) for f in files]
    assert names[:2] == [1, 31], names
    np.check_exactly_once(np.read_ids(files), range(200))


def test_redelivery_within_a_batch():
    """ack_wait (1 s) shorter than the batch window (2.5 s): JetStream
    redelivers the batch's messages while it is still gathering; the second
    copies are dropped, the file holds each message once, in order."""
    np.make_stream(ENV, "T_REDELIVER", ["redeliver.>"])
    np.publish_fast(ENV, "redeliver.a", range(20))
    lake = f"{TMP}/redeliver-lake"
    cfg = np.write_config(f"{TMP}/redeliver.json", ENV, stream="T_REDELIVER", subject="redeliver.>",
                          extra={"ack_wait": "1s", "durable": "redeliver_dur"})
    r = np.etlconn(["consume", "-c", cfg, "--lake", lake, "--max-seconds", "2500ms", "--compact"])
    assert json.loads(r.stdout)["record_count"] == 20, r.stdout[:300]
    files = np.data_files(lake)
    assert len(files) == 1, files
    assert pq.read_table(files[0]).column("id").to_pylist() == list(range(20))
    floor, pending, _ = np.consumer_state(ENV, "T_REDELIVER", "redeliver_dur")
    assert (floor, pending) == (20, 0), (floor, pending)
    deliveries = np.consumer_deliveries(ENV, "T_REDELIVER", "redeliver_dur")
    assert deliveries > 20, f"no redelivery happened ({deliveries} deliveries): the test proves nothing"


def test_core_nats():
    lake = f"{TMP}/core-lake"
    cfg = np.write_config(f"{TMP}/core.json", ENV, subject="core.t1")
    p = subprocess.Popen([np.ETLCONN, "consume", "-c", cfg, "--lake", lake, "--max-seconds", "3",
                          "--max-messages", "100", "--compact"], stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)  # subscribed by then: core NATS keeps nothing for late subscribers
    np.publish_fast(ENV, "core.t1", range(100))
    out, _ = p.communicate(timeout=30)
    result = json.loads(out)
    assert result["status"] == "success" and result["record_count"] == 100, out[:500]
    files = np.data_files(lake)
    assert len(files) == 1 and "/core/" in files[0], files
    t = pq.read_table(files[0]).to_pydict()
    assert t["id"] == list(range(100)), "core NATS: not all, or not in order"
    seqs = t["_sequence"]
    assert seqs == list(range(seqs[0], seqs[0] + 100))
    assert abs(seqs[0] - time.time() * 1e6) < 600e6, "the counter starts at the run's start time"


if __name__ == "__main__":
    failed = 0
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            t0 = time.time()
            try:
                fn()
                print(f"ok   {name} ({time.time() - t0:.1f} s)")
            except Exception as e:  # report every test, fail at the end
                failed += 1
                print(f"FAIL {name}: {e!r}")
    sys.exit(1 if failed else 0)
