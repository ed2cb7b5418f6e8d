#!/usr/bin/env python3
"""kafka round trip (#11): 100,000 JSON messages with known ids over 4
partitions -> `etlconn consume kafka --until-idle` -> Parquet -> pyarrow:
0 missing, 0 duplicate, values equal; every file one partition's messages
in order and named by its first offset; the group's committed offsets are
the ends of the partitions; a second run lands nothing.

shared-service: kafka
"""
import json
import re
import tempfile

import kafka_peer as kp

N, PARTS = 100_000, 4
c = kp.Checks()
bootstrap = kp.shared_bootstrap()
topic, group = kp.unique("roundtrip"), kp.unique("g-roundtrip")
kp.create_topic(bootstrap, topic, PARTS)
kp.produce(bootstrap, topic, range(N), PARTS)

with tempfile.TemporaryDirectory() as tmp:
    cfg = kp.write_config(tmp + "/kafka.json", bootstrap, group, topic)
    lake = tmp + "/lake"
    r = kp.consume(cfg, lake, "--until-idle", "--max-messages", "20000", "--max-seconds", "2")
    c.check("consume exits 0", r.returncode == 0, r.stderr[-2000:])
    rows = c.exactly_once(lake, range(N))
    bad = []
    for _, row in rows:
        i = row["id"]
        want = json.loads(kp.payload(i))
        tags = row["tags"]
        tags = json.loads(tags) if isinstance(tags, str) else tags
        if (row["name"], row["price"], tags, row["_key"], row["_topic"]) != (
                want["name"], want["price"], want["tags"], str(i).encode(), topic) or \
                row["_partition"] != i % PARTS:
            bad.append(row)
    c.check("every value equals what was produced (fields, key, topic, partition)", not bad, bad[:3])
    c.check("timestamps are set", all(r["_timestamp"] is not None for _, r in rows[:1000]))
    ends = kp.group_offsets(bootstrap, group, topic, PARTS)
    c.check("the group committed each partition's end", sum(ends.values()) == N and
            all(v > 0 for v in ends.values()), ends)
    c.check("no dead letters", not kp.lake_files(lake, dead=True), kp.lake_files(lake, dead=True)[:3])
    c.check("no temporary file left", not kp.hidden_files(lake), kp.hidden_files(lake)[:3])
    files = kp.lake_files(lake)
    layout = re.compile(r"/kafka/%s/[0-9a-f]{16}/%s/partition=[0-3]/[0-9]{20}-00000\.parquet$" % (group, topic))
    c.check("files are kafka/<group>/<hash>/<topic>/partition=<p>/<first offset>-00000.parquet",
            files and all(layout.search(f) for f in files), files[:3])
    r = kp.consume(cfg, lake, "--until-idle", "--max-seconds", "1")
    c.check("a second consume exits 0", r.returncode == 0, r.stderr[-2000:])
    c.check("a second consume lands nothing", kp.lake_files(lake) == files)
c.finish()
