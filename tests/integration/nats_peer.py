"""What the nats tests share: the server's settings (the CTest fixture
service.nats, or a private one), a stream per test, producers (nats-py),
etlconn configs, and reading the lake back with pyarrow."""
import asyncio
import glob
import json
import os
import subprocess

import nats
import pyarrow.parquet as pq

ETLCONN = os.environ.get("ETLCONN", "build/etlconn")
SOURCE_DIR = os.environ.get("ETLCONN_SOURCE_DIR", ".")
SERVICE = os.path.join(SOURCE_DIR, "tests", "services", "nats")


def read_env(path):
    env = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        if k:
            env[k] = v
    return env


def shared_env():
    """The run's shared server (tests say "shared-service: nats")."""
    return read_env(os.path.join(os.environ["ETLCONN_SERVICES_DIR"], "nats", "env"))


def private_server(directory):
    """A server of the test's own (for a restart): its env."""
    out = subprocess.run([SERVICE, "start", directory], check=True, capture_output=True, text=True)
    return read_env(out.stdout.strip())


async def _connect(env):
    return await nats.connect(env["ETLC_TEST_NATS_URL"], user=env["ETLC_TEST_NATS_USER"],
                              password=env["ETLC_TEST_NATS_PASSWORD"], max_reconnect_attempts=-1,
                              reconnect_time_wait=0.2)


def make_stream(env, stream, subjects):
    async def run():
        nc = await _connect(env)
        js = nc.jetstream()
        try:
            await js.delete_stream(stream)
        except Exception:
            pass
        await js.add_stream(name=stream, subjects=subjects)
        await nc.close()
    asyncio.run(run())


def stream_count(env, stream):
    async def run():
        nc = await _connect(env)
        info = await nc.jetstream().stream_info(stream)
        await nc.close()
        return info.state.messages
    return asyncio.run(run())


def body(i):
    return json.dumps({"id": i, "name": f"name-{i}", "amount": i * 0.5}).encode()


def publish_fast(env, subject, ids, payload=body):
    """Core publishes into the stream's subject (no per-message ack), flushed."""
    async def run():
        nc = await _connect(env)
        for n, i in enumerate(ids):
            await nc.publish(subject, payload(i))
            if n % 5000 == 4999:
                await nc.flush()
        await nc.flush()
        await nc.close()
    asyncio.run(run())


def publish_acked(env, subject, ids, payload=body, pause=0.0):
    """JetStream publishes, each acked; Nats-Msg-Id makes a retry after a lost
    ack store the message once."""
    async def run():
        nc = await _connect(env)
        js = nc.jetstream()
        for i in ids:
            while True:
                try:
                    await js.publish(subject, payload(i), headers={"Nats-Msg-Id": str(i)}, timeout=2)
                    break
                except Exception:
                    await asyncio.sleep(0.1)
            if pause:
                await asyncio.sleep(pause)
        await nc.close()
    asyncio.run(run())


def write_config(path, env, stream=None, subject=None, extra=None):
    cfg = {"protocol": "nats", "servers": [env["ETLC_TEST_NATS_URL"]],
           "user": env["ETLC_TEST_NATS_USER"], "password": env["ETLC_TEST_NATS_PASSWORD"]}
    if stream:
        cfg["stream"] = stream
    if subject:
        cfg["subject"] = subject
    cfg.update(extra or {})
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def etlconn(args, check=True, **kw):
    r = subprocess.run([ETLCONN] + args, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"etlconn {' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r


def data_files(lake):
    """Visible data files (not dead letters, not temporaries, not checkpoints)."""
    out = []
    for f in glob.glob(os.path.join(lake, "nats", "**", "*.parquet"), recursive=True):
        rel = os.path.relpath(f, lake)
        if "/_dead_letter/" in "/" + rel or any(p.startswith(".") for p in rel.split("/")):
            continue
        out.append(f)
    return sorted(out)


def temp_files(lake):
    return [f for f in glob.glob(os.path.join(lake, "nats", "**", ".*"), recursive=True)]


def read_ids(files, id_column="id", seq_column="_sequence"):
    """(ids, per-file checks): every file's rows in strictly increasing
    sequence order starting at the sequence in its name."""
    ids = []
    for f in files:
        t = pq.read_table(f)
        seqs = t.column(seq_column).to_pylist()
        first = int(os.path.basename(f).split("-")[0])
        assert seqs and seqs[0] == first, f"{f}: first sequence {seqs[:1]} is not its name's {first}"
        assert all(a < b for a, b in zip(seqs, seqs[1:])), f"{f}: sequences out of order"
        ids.extend(t.column(id_column).to_pylist())
    return ids


def check_exactly_once(ids, expected):
    seen = {}
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
    missing = [i for i in expected if i not in seen]  # noqa: E501
    dups = [i for i, n in seen.items() if n > 1]
    want = set(expected)
    extra = [i for i in seen if i not in want]
    assert not missing, f"{len(missing)} missing, e.g. {missing[:10]}"
    assert not dups, f"{len(dups)} duplicated, e.g. {dups[:10]}"
    assert not extra, f"{len(extra)} unexpected ids, e.g. {extra[:10]}"


def default_durable(stream, subject):
    import hashlib
    return "etlconn_" + hashlib.sha256(f"{stream}\n{subject}".encode()).hexdigest()[:16]


def consumer_deliveries(env, stream, durable):
    """Deliveries the consumer made, redeliveries included (its consumer sequence)."""
    async def run():
        nc = await _connect(env)
        ci = await nc.jetstream().consumer_info(stream, durable)
        await nc.close()
        return ci.delivered.consumer_seq
    return asyncio.run(run())


def consumer_state(env, stream, durable):
    """(ack floor stream sequence, pending acks, ack policy) of a consumer."""
    async def run():
        nc = await _connect(env)
        ci = await nc.jetstream().consumer_info(stream, durable)
        await nc.close()
        return ci.ack_floor.stream_seq, ci.num_ack_pending, str(ci.config.ack_policy)
    return asyncio.run(run())
