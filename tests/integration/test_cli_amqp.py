#!/usr/bin/env python3
"""`etlconn test amqp` and `etlconn consume amqp` against a real RabbitMQ
(Debian's rabbitmq-server): health (good, bad password, missing queue);
TLS (amqps with the service's CA; refused without it);
a round trip of 100,000 messages with known ids to Parquet, read back with
pyarrow (0 missing, 0 duplicates, values equal, positions in order and
matching the file names, the queue drained = acked); positions that go on
across runs; a poison message in json mode landing as a dead letter with
its position; a field changing type across batches; raw values.

shared-service: rabbitmq
"""
import json
import os
import sys
import tempfile

import pika
import pyarrow.parquet as pq

from shared_amqp import (Broker, data_files, dead_files, etlconn, first_of, json_bodies, rows_of,
                         shared_env)

failures = []


def check(name, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


broker = Broker(shared_env())
env = broker.cli_env()
tmp = tempfile.mkdtemp(prefix="etlc-amqp-")


def consume(queue, lake, *extra, env=env):
    return etlconn(["consume", "amqp", "--queue", queue, "--lake", lake, "--compact", *extra], env)


def test_health():
    q = broker.queue("health")
    broker.publish(q, [b'{"a":1}', b'{"a":2}'])
    r = etlconn(["test", "amqp", "--set", f"queue={q}"], env)
    check("health: healthy with the queue's depth", r.returncode == 0 and "healthy" in r.stdout
          and "2 ready" in r.stdout, r.stdout + r.stderr)
    bad = broker.cli_env(AMQP_PASSWORD="wrong-secret-4711")
    r = etlconn(["test", "amqp"], bad)
    out = r.stdout + r.stderr
    check("health: a wrong password is unhealthy, in words", r.returncode != 0 and
          ("ACCESS_REFUSED" in out or "login" in out), out)
    check("health: the password never appears", "wrong-secret-4711" not in out
          and broker.env["AMQP_PASSWORD"] not in out, out)
    r = consume("no-such-queue-x1", os.path.join(tmp, "missing"))
    check("consume of a missing queue fails at once, in words", r.returncode == 1 and
          "404 NOT_FOUND" in r.stderr and "IO_NOT_FOUND" in r.stderr, r.stderr)
    r = etlconn(["test", "amqp", "--set", "queue=no-such-queue-x1"], env)
    check("health: a missing queue is unhealthy (404 NOT_FOUND)", r.returncode != 0 and
          "NOT_FOUND" in r.stdout + r.stderr, r.stdout + r.stderr)


def test_tls():
    tls = ["--set", "host=localhost", "--set", "tls=true", "--set",
           f"port={broker.env['ETLC_AMQP_TLS_PORT']}"]
    ca = ["--set", f"tls_ca_file={broker.env['ETLC_AMQP_TLS_CA']}"]
    r = etlconn(["test", "amqp", *tls, *ca], env)
    check("tls: healthy over TLS with the CA", r.returncode == 0 and "over TLS" in r.stdout,
          r.stdout + r.stderr)
    r = etlconn(["test", "amqp", *tls], env)
    check("tls: without the CA the certificate is refused, with a hint",
          r.returncode != 0 and "verification failed" in r.stderr and "tls_ca_file" in r.stderr,
          r.stdout + r.stderr)
    q = broker.queue("tls")
    broker.publish(q, json_bodies(range(3)))
    lake = os.path.join(tmp, "tls")
    r = consume(q, lake, "--until-idle", "--max-seconds", "1", *tls, *ca)
    ids = [row["id"] for _, row in rows_of(data_files(lake))]
    check("tls: consume over TLS", r.returncode == 0 and ids == [0, 1, 2], f"{ids} {r.stderr}")


def test_round_trip():
    n = 100_000
    q = broker.queue("roundtrip")
    broker.publish(q, json_bodies(range(n)),
                   props=lambda i: pika.BasicProperties(message_id=f"m-{i}", headers={"k": i % 7}))
    lake = os.path.join(tmp, "rt")
    r = consume(q, lake, "--until-idle", "--max-messages", "20000", "--max-seconds", "2")
    check("round trip: consume exits 0", r.returncode == 0, r.stderr[-2000:])
    files = data_files(lake)
    ids, positions, bad_values, bad_order = [], [], 0, 0
    for f in files:
        t = pq.read_table(f).to_pydict()
        if t["_position"] != list(range(first_of(f), first_of(f) + len(t["_position"]))):
            bad_order += 1
        for i, name, amount, hdr in zip(t["id"], t["name"], t["amount"], t["_headers"]):
            if name != f"n{i}" or amount != i * 0.5 or json.loads(hdr) != [["k", str(i % 7)]]:
                bad_values += 1
        ids += t["id"]
        positions += t["_position"]
    check("round trip: 0 missing", set(ids) == set(range(n)), f"{n - len(set(ids))} missing")
    check("round trip: 0 duplicates", len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} dups")
    check("round trip: values equal (fields and headers)", bad_values == 0, f"{bad_values} differ")
    check("round trip: each file holds consecutive positions from its name's", bad_order == 0
          and sorted(positions) == list(range(n)), f"{bad_order} files out of order")
    check("round trip: messages in queue order", ids == list(range(n)), "order differs")
    check("round trip: all acked (queue empty)", broker.depth(q) == 0, str(broker.depth(q)))
    check("round trip: no dead letters", not dead_files(lake), str(dead_files(lake)))


def test_resume_positions():
    q = broker.queue("resume")
    lake = os.path.join(tmp, "resume")
    broker.publish(q, json_bodies(range(5)))
    r1 = consume(q, lake, "--until-idle", "--max-seconds", "1")
    broker.publish(q, json_bodies(range(5, 8)))
    r2 = consume(q, lake, "--until-idle", "--max-seconds", "1")
    files = data_files(lake)
    check("resume: two runs exit 0", r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr)
    check("resume: the second run goes on at position 5",
          [first_of(f) for f in files] == [0, 5], str(files))
    rows = [r["id"] for _, r in rows_of(files)]
    check("resume: every message once", rows == list(range(8)), str(rows))


def test_poison():
    q = broker.queue("poison")
    lake = os.path.join(tmp, "poison")
    broker.publish(q, [b'{"id": 0}', b'{"id": 1', b'{"id": 2}', b"[1,2]"])
    r = consume(q, lake, "--until-idle", "--max-seconds", "1")
    check("poison: consume goes on and exits 0", r.returncode == 0, r.stderr)
    good = [row["id"] for _, row in rows_of(data_files(lake))]
    dead = [row for _, row in rows_of(dead_files(lake))]
    check("poison: the good messages land", good == [0, 2], str(good))
    check("poison: both bad ones are dead letters with bytes, position and why",
          [(d["value"], d["position"]) for d in dead] == [(b'{"id": 1', 1), (b"[1,2]", 3)]
          and all(d["error"] for d in dead), str(dead))
    check("poison: nothing is left unacked", broker.depth(q) == 0, str(broker.depth(q)))


def test_type_change():
    q = broker.queue("drift")
    lake = os.path.join(tmp, "drift")
    broker.publish(q, [b'{"x": 1}', b'{"x": "one"}'])
    r = consume(q, lake, "--until-idle", "--max-messages", "1", "--max-seconds", "1")
    files = data_files(lake)
    types = [str(pq.read_schema(f).field("x").type) for f in files]
    check("type change: each batch's file has its own type (int64, then string)",
          r.returncode == 0 and types == ["int64", "string"], f"{types} {r.stderr}")
    vals = [row["x"] for _, row in rows_of(files)]
    check("type change: values kept, not nulled", vals == [1, "one"], str(vals))


def test_raw():
    q = broker.queue("raw")
    lake = os.path.join(tmp, "raw")
    bodies = [b"\x00\xffbinary", b"", b"plain"]
    broker.publish(q, bodies)
    r = consume(q, lake, "--until-idle", "--max-seconds", "1", "--value-format", "raw")
    vals = [row["value"] for _, row in rows_of(data_files(lake))]
    check("raw: bodies as bytes (an empty one stays empty)", r.returncode == 0 and vals == bodies,
          f"{vals} {r.stderr}")


for t in (test_health, test_tls, test_round_trip, test_resume_positions, test_poison, test_type_change,
          test_raw):
    t()
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
