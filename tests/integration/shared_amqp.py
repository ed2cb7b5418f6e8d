"""The shared RabbitMQ of a test run (tests/services/rabbitmq, started once
by the CTest fixture service.rabbitmq.start) for the amqp tests: its
settings, a pika connection, a publisher, queue names of the test's own,
the lake's files read back with pyarrow. A test that imports this says
"shared-service: rabbitmq" in its docstring."""
import glob
import json
import os
import subprocess
import uuid

import pika
import pyarrow.parquet as pq

ETLCONN = os.environ["ETLCONN"]


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v
    return env


def shared_env():
    d = os.environ.get("ETLCONN_SERVICES_DIR") or os.path.join(
        os.environ.get("ETLCONN_BINARY_DIR", "build"), "services", "shared")
    path = os.path.join(d, "rabbitmq", "env")
    if not os.path.exists(path):
        raise SystemExit(f"FAIL - {path} missing: the fixture service.rabbitmq.start did not run "
                         "(run the test through ctest)")
    return read_env(path)


class Broker:
    def __init__(self, env):
        self.env = env
        self.port = int(env["AMQP_PORT"])

    def params(self):
        return pika.ConnectionParameters(
            "127.0.0.1", self.port, "/",
            pika.PlainCredentials(self.env["AMQP_USERNAME"], self.env["AMQP_PASSWORD"]),
            connection_attempts=20, retry_delay=0.5)

    def queue(self, stem):
        """A durable queue of this test's own (a distinct name per call)."""
        name = f"{stem}-{uuid.uuid4().hex[:8]}"
        c = pika.BlockingConnection(self.params())
        c.channel().queue_declare(name, durable=True)
        c.close()
        return name

    def publish(self, queue, bodies, props=None, wait=True):
        """Publish persistent messages; with wait, until the queue holds them all."""
        c = pika.BlockingConnection(self.params())
        ch = c.channel()
        before = ch.queue_declare(queue, passive=True).method.message_count if wait else 0
        n = 0
        for i, body in enumerate(bodies):
            p = props(i) if props else pika.BasicProperties()
            p.delivery_mode = 2
            # The blocking wrapper flushes the socket after every publish (3x
            # the CPU): publish on the channel underneath, flush now and then.
            ch._impl.basic_publish("", queue, body, p)
            n += 1
            if n % 2000 == 0:
                c.process_data_events(0)
        c.process_data_events(0)
        if wait:
            for _ in range(600):
                if ch.queue_declare(queue, passive=True).method.message_count >= before + n:
                    break
                c.sleep(0.05)
        c.close()
        return n

    def depth(self, queue):
        c = pika.BlockingConnection(self.params())
        m = c.channel().queue_declare(queue, passive=True).method
        c.close()
        return m.message_count

    def cli_env(self, **extra):
        """The connector's settings by environment (AMQP_* is its prefix)."""
        e = dict(os.environ)
        for k in ("AMQP_HOST", "AMQP_PORT", "AMQP_VHOST", "AMQP_USERNAME", "AMQP_PASSWORD"):
            e[k] = self.env[k]
        e.update(extra)
        return e


def etlconn(args, env, timeout=120):
    return subprocess.run([ETLCONN] + args, env=env, capture_output=True, text=True, timeout=timeout)


def data_files(lake):
    return sorted(f for f in glob.glob(os.path.join(lake, "amqp", "**", "*.parquet"), recursive=True)
                  if "/_dead_letter/" not in f)


def dead_files(lake):
    return sorted(glob.glob(os.path.join(lake, "amqp", "**", "_dead_letter", "**", "*.parquet"),
                            recursive=True))


def rows_of(files):
    out = []
    for f in files:
        out += [(f, r) for r in pq.read_table(f).to_pylist()]
    return out


def first_of(path):
    """The first position a file's name says it holds."""
    return int(os.path.basename(path).split("-")[0])


def json_bodies(ids, pad=""):
    return (json.dumps({"id": i, "name": f"n{i}", "amount": i * 0.5, "pad": pad}).encode() for i in ids)
