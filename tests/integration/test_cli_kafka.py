#!/usr/bin/env python3
"""kafka connector basics (#11): the health check (a metadata request
listing the brokers and the topic), secrets kept out of output, a poison
message in json mode landed as a dead letter with its position (the stream
goes on, nothing dropped), a field that changes type across batches (each
file keeps its own type, nothing nulled), and the text value format.

shared-service: kafka
"""
import json
import subprocess
import tempfile

import pyarrow.parquet as pq

import kafka_peer as kp

c = kp.Checks()
bootstrap = kp.shared_bootstrap()


def run(*args):
    return subprocess.run([kp.ETLCONN] + list(args), capture_output=True, text=True, timeout=120)


def produce_values(topic, values):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap})
    for i, v in enumerate(values):
        p.produce(topic, value=v.encode(), key=str(i).encode(), partition=0)
    p.flush(30)


def tables(lake, dead=False):
    return [pq.read_table(f) for f in kp.lake_files(lake, dead=dead)]


with tempfile.TemporaryDirectory() as tmp:
    # health check
    topic = kp.unique("health")
    kp.create_topic(bootstrap, topic, 3)
    cfg = kp.write_config(tmp + "/h.json", bootstrap, kp.unique("g-health"), topic)
    r = run("test", "-c", cfg)
    c.check("test kafka: healthy, exit 0", r.returncode == 0 and "healthy" in r.stdout, r.stdout + r.stderr)
    c.check("test kafka lists the broker", "1 broker: 1@" + bootstrap in r.stdout, r.stdout)
    c.check("test kafka lists the topic's partitions", "topic '%s': 3 partitions" % topic in r.stdout, r.stdout)
    r = run("test", "-c", cfg, "--set", "topic=no-such-topic-here")
    c.check("a missing topic is unhealthy (exit != 0) and named",
            r.returncode != 0 and "'no-such-topic-here' not found" in r.stdout + r.stderr, r.stdout + r.stderr)

    # secrets: redacted in config dumps, refused (not echoed) in rdkafka_properties
    secret = "s3cr3t-kafka-PW-42"
    scfg = kp.write_config(tmp + "/s.json", bootstrap, "g", topic, sasl_password=secret,
                           ssl_key_password=secret + "k")
    r = run("config", "show", "-c", scfg)
    c.check("config show redacts sasl_password and ssl_key_password",
            r.returncode == 0 and secret not in r.stdout + r.stderr and "sasl_password" in r.stdout,
            r.stdout + r.stderr)
    r = run("consume", "-c", cfg, "--set", "rdkafka_properties=sasl.password=" + secret, "--lake", tmp + "/x")
    c.check("a secret in rdkafka_properties is refused without echoing it",
            r.returncode != 0 and "rdkafka_properties may not set 'sasl.password'" in r.stderr
            and secret not in r.stdout + r.stderr, r.stdout + r.stderr)

    # poison messages in json mode
    topic = kp.unique("poison")
    kp.create_topic(bootstrap, topic, 1)
    values = ['{"id": 0}', 'not json at all', '{"id": 2}', '[1, 2]', '{"id": 4}']
    produce_values(topic, values)
    group = kp.unique("g-poison")
    cfg = kp.write_config(tmp + "/p.json", bootstrap, group, topic)
    lake = tmp + "/poison"
    r = run("consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-seconds", "1")
    c.check("consume with poison messages exits 0", r.returncode == 0, r.stderr[-1500:])
    good = [row for t in tables(lake) for row in t.to_pylist()]
    c.check("the JSON objects are records", [x["id"] for x in good] == [0, 2, 4], good)
    dead = [row for t in tables(lake, dead=True) for row in t.to_pylist()]
    c.check("the two others are dead letters with their offsets and bytes",
            [(col, v) for col, v in [(kp.col(d, "offset"), d["value"]) for d in dead]] ==
            [(1, b"not json at all"), (3, b"[1, 2]")], dead)
    c.check("each dead letter says why", all(d.get("error") for d in dead), dead)
    c.check("dead letters land under _dead_letter/",
            all("/_dead_letter/" in f for f in kp.lake_files(lake, dead=True)), kp.lake_files(lake, dead=True))
    c.check("the group committed past the poison", kp.group_offsets(bootstrap, group, topic, 1) == {0: 5},
            kp.group_offsets(bootstrap, group, topic, 1))

    # a field that changes type across batches: each file has its batch's type
    topic = kp.unique("drift")
    kp.create_topic(bootstrap, topic, 1)
    cfg = kp.write_config(tmp + "/d.json", bootstrap, kp.unique("g-drift"), topic)
    lake = tmp + "/drift"
    produce_values(topic, [json.dumps({"id": i, "v": i}) for i in range(5)])
    r1 = run("consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-seconds", "1")
    produce_values(topic, [json.dumps({"id": 5 + i, "v": "x%d" % i}) for i in range(5)])
    r2 = run("consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-seconds", "1")
    c.check("both drift consumes exit 0", r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr)
    files = kp.lake_files(lake)
    ts = [pq.read_table(f) for f in files]
    c.check("two files", len(ts) == 2, files)
    if len(ts) == 2:
        c.check("the first file's v is int64, the second's text",
                (str(ts[0].schema.field("v").type), str(ts[1].schema.field("v").type)) == ("int64", "string"),
                [t.schema for t in ts])
        c.check("no value nulled or converted", ts[0].column("v").to_pylist() == [0, 1, 2, 3, 4] and
                ts[1].column("v").to_pylist() == ["x%d" % i for i in range(5)],
                [t.column("v").to_pylist() for t in ts])

    # text value format
    topic = kp.unique("text")
    kp.create_topic(bootstrap, topic, 1)
    produce_values(topic, ["héllo", "wörld"])
    cfg = kp.write_config(tmp + "/t.json", bootstrap, kp.unique("g-text"), topic)
    lake = tmp + "/text"
    r = run("consume", "-c", cfg, "--lake", lake, "--until-idle", "--max-seconds", "1", "--value-format", "text")
    rows = [row for t in tables(lake) for row in t.to_pylist()]
    c.check("text values arrive as text with topic, partition, offset",
            r.returncode == 0 and [(x["value"], x["topic"], x["partition"], x["offset"]) for x in rows] ==
            [("héllo", topic, 0, 0), ("wörld", topic, 0, 1)], rows)
c.finish()
