"""What the kafka tests share: the broker of the run (the CTest fixture
service.kafka; a test says "shared-service: kafka") or a private one, topics
of the test's own with several partitions, a producer of numbered messages,
`etlconn consume kafka` as a child process, and the lake read back with
pyarrow to count every message exactly once."""
import glob
import json
import os
import random
import subprocess
import sys
import threading
import time

import pyarrow.parquet as pq
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ETLCONN = os.environ["ETLCONN"]
SOURCE_DIR = os.environ.get("ETLCONN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SERVICE = os.path.join(SOURCE_DIR, "tests", "services", "kafka")


def read_env(path):
    env = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        if k:
            env[k] = v
    return env


def shared_bootstrap():
    """host:port of the run's shared broker."""
    return read_env(os.path.join(os.environ["ETLCONN_SERVICES_DIR"], "kafka", "env"))["KAFKA_BOOTSTRAP_SERVERS"]


def unique(prefix):
    """A topic or group name no other test (or earlier run) uses."""
    return "%s-%d-%06d" % (prefix, os.getpid(), random.randrange(10**6))


def create_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for _, f in admin.create_topics([NewTopic(topic, partitions, 1)]).items():
        f.result(30)
    for _ in range(100):  # until every partition has a leader
        md = admin.list_topics(topic, timeout=10).topics.get(topic)
        if md and not md.error and len(md.partitions) == partitions and all(
                p.leader >= 0 for p in md.partitions.values()):
            return
        time.sleep(0.1)
    raise RuntimeError("topic %s not ready" % topic)


def payload(i):
    """The value of message i (JSON; `id` names it)."""
    return json.dumps({"id": i, "name": "item-%d" % i, "price": i * 0.25, "tags": ["a", str(i % 7)]})


def produce(bootstrap, topic, ids, partitions, value=payload, rate=None):
    """Messages with key = id, spread over the partitions by id; `rate`
    messages per second (None: as fast as possible)."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all",
                  "enable.idempotence": True})
    t0 = time.monotonic()
    for n, i in enumerate(ids):
        while True:
            try:
                p.produce(topic, value=value(i).encode(), key=str(i).encode(), partition=i % partitions)
                break
            except BufferError:
                p.poll(0.05)
        if rate and n % 100 == 0:
            ahead = n / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        p.poll(0)
    if p.flush(60) != 0:
        raise RuntimeError("producer could not deliver everything")


def produce_in_background(bootstrap, topic, ids, partitions, rate):
    t = threading.Thread(target=produce, args=(bootstrap, topic, ids, partitions), kwargs={"rate": rate})
    t.start()
    return t


def write_config(path, bootstrap, group, topic, value_format="json", **extra):
    cfg = {"protocol": "kafka", "bootstrap_servers": [bootstrap], "group_id": group, "topic": topic,
           "value_format": value_format, "session_timeout": "2s", "heartbeat_interval": "300ms"}
    cfg.update(extra)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def consume_argv(cfg, lake, *args):
    # The config names the protocol: with -c, a lone positional would be the topic.
    return [ETLCONN, "consume", "-c", cfg, "--lake", lake, "--format", "parquet"] + list(args)


def consume(cfg, lake, *args, timeout=120):
    """Run one consume to its end; the completed process."""
    return subprocess.run(consume_argv(cfg, lake, *args), capture_output=True, text=True, timeout=timeout)


def start_consumer(cfg, lake, *args, log=None):
    return subprocess.Popen(consume_argv(cfg, lake, *args), stdout=subprocess.DEVNULL,
                            stderr=log if log else subprocess.DEVNULL)


def group_offsets(bootstrap, group, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return {tp.partition: tp.offset
                for tp in c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)}
    finally:
        c.close()


def lake_files(lake, dead=False):
    """Visible (not hidden) files under the lake, records or dead letters."""
    out = []
    for root, dirs, files in os.walk(lake):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        in_dead = "_dead_letter" in root.split(os.sep)
        for f in files:
            if not f.startswith(".") and in_dead == dead:
                out.append(os.path.join(root, f))
    return sorted(out)


def hidden_files(lake):
    return [os.path.join(r, f) for r, _, fs in os.walk(lake) for f in fs if f.startswith(".")]


def read_rows(lake):
    """Every record of every visible Parquet file: (path, row dict) pairs.
    A partial file fails to read here."""
    rows = []
    for path in lake_files(lake):
        if not path.endswith(".parquet"):
            raise AssertionError("a visible file that is not Parquet: %s" % path)
        for r in pq.read_table(path).to_pylist():
            rows.append((path, r))
    return rows


def col(row, name):
    """An envelope column: `_name` in json mode, `name` otherwise."""
    return row["_" + name] if "_" + name in row else row[name]


def message_id(row):
    """The id of the message a row holds (json: the id field; raw/text: the value)."""
    if "id" in row:
        return row["id"]
    v = row["value"]
    return json.loads(v.decode() if isinstance(v, bytes) else v)["id"]


class Checks:
    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, name, ok, detail=""):
        self.count += 1
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:2000]), flush=True)
        if not ok:
            self.failures.append(name)

    def exactly_once(self, lake, ids, partitions_of=None):
        """Each id in exactly one row; rows of one file are one partition's, in order."""
        rows = read_rows(lake)
        seen = {}
        for _, r in rows:
            i = message_id(r)
            seen[i] = seen.get(i, 0) + 1
        want = set(ids)
        missing = sorted(want - set(seen))
        dups = sorted(i for i, n in seen.items() if n > 1)
        extra = sorted(set(seen) - want)
        self.check("every message landed (%d of %d)" % (len(want) - len(missing), len(want)),
                   not missing, missing[:20])
        self.check("no message landed twice", not dups, dups[:20])
        self.check("nothing landed that was not produced", not extra, extra[:20])
        by_file = {}
        for path, r in rows:
            by_file.setdefault(path, []).append((col(r, "partition"), col(r, "offset")))
        bad = [p for p, v in by_file.items()
               if len({x[0] for x in v}) != 1 or [x[1] for x in v] != sorted(x[1] for x in v)]
        self.check("each file holds one partition's messages in offset order", not bad, bad[:5])
        first_ok = [p for p, v in by_file.items() if int(os.path.basename(p).split("-")[0]) == v[0][1]]
        self.check("each file is named by its first offset", len(first_ok) == len(by_file),
                   sorted(set(by_file) - set(first_ok))[:5])
        return rows

    def finish(self):
        if self.failures:
            print("%d of %d checks failed: %s" % (len(self.failures), self.count, self.failures))
            sys.exit(1)
        print("all %d checks passed" % self.count)
