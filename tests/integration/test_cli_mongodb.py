#!/usr/bin/env python3
"""The mongodb connector from the CLI against FerretDB v1.24.2 on SQLite (a
real MongoDB wire-protocol server; tests/services/ferretdb), checked with
pymongo and pyarrow:
 - every BSON type FerretDB stores -> its column type, value by value against
   what pymongo inserted (Decimal128: FerretDB 1.x refuses it, so
   tests/unit/test_mongo_batch.c checks it with libbson alone);
 - filter + projection + sort + limit, and an aggregation pipeline;
 - the column rule across pages (docs/parquet.md): a NULL-only column takes
   the type of a later page; another type on a later page is DATA_SCHEMA;
 - incremental reads by a watermark with ties on it, across page boundaries
   and runs: no document lost, none twice;
 - authentication failure (SCRAM, FerretDB's new auth): exit 1, AUTH, and the
   password appears nowhere (neither from `password` nor inside `uri`).

shared-service: ferretdb
"""
import datetime as dt
import json
import os
import tempfile

import bson
from bson import json_util
from bson.binary import Binary

from mongo_peer import Peer, check, finish, item_paths, lake_rows, stray_files

UTC = dt.timezone.utc
peer = Peer("etlc_cli_mongodb_%d" % os.getpid())
db = peer.client[peer.db]
tmp = tempfile.mkdtemp(prefix="etlc-mongo-")


def relaxed(v):
    return json.loads(json_util.dumps(v, json_options=json_util.RELAXED_JSON_OPTIONS))


def round_trip():
    docs = []
    for i in range(23):
        d = {"_id": bson.ObjectId(), "i32": i - 11, "i64": bson.Int64(-(1 << 62) + i * 7919),
             "dbl": i / 8 - 1.5, "s": "text %d é ✓" % i,
             "at": dt.datetime(1969, 12, 31, 23, 59, 58, 123000) + dt.timedelta(days=i * 400),
             "bin": Binary(bytes(range(i, i + 5)) + b"\x00\xff"), "ok": i % 2 == 0,
             "nested": {"a": i, "when": dt.datetime(2024, 5, 1, 12, 0, i), "deep": {"x": [1, "b"]}},
             "arr": [i, "two", {"three": 3.5}, None], "oid": bson.ObjectId()}
        if i % 3:
            d["sparse"] = i * 10            # missing from every third document -> NULL
        if i == 4:
            d["ok"] = None                  # an explicit null -> NULL
        docs.append(d)
    db.types.insert_many(docs)
    r, res = peer.fetch(os.path.join(tmp, "types"), "types", 'sort={"_id": 1}', batch=7)
    check("round trip: exit 0", r.returncode == 0, r.stderr)
    paths = item_paths(res)
    check("round trip: 4 pages of 7, 7, 7, 2", [it["record_count"] for it in res["items"]] == [7, 7, 7, 2],
          res and [it["record_count"] for it in res["items"]])
    import pyarrow.parquet as pq
    schema = pq.read_schema(paths[0])
    want = {"_id": "string", "i32": "int64", "i64": "int64", "dbl": "double", "s": "string",
            "at": "timestamp[us, tz=UTC]", "bin": "binary", "ok": "bool", "sparse": "int64",
            "oid": "string"}
    got = {f.name: str(f.type) for f in schema}
    check("round trip: column types", all(got.get(k) == v for k, v in want.items()), got)
    check("round trip: nested and arrays are JSON columns",
          "json" in got.get("nested", "") and "json" in got.get("arr", ""), got)
    rows = lake_rows(paths)
    check("round trip: 23 rows", len(rows) == 23, len(rows))
    bad = []
    for d, row in zip(docs, rows):
        exp = {"_id": str(d["_id"]), "i32": d["i32"], "i64": int(d["i64"]), "dbl": d["dbl"], "s": d["s"],
               "at": d["at"].replace(tzinfo=UTC), "bin": bytes(d["bin"]), "ok": d["ok"],
               "sparse": d.get("sparse"), "oid": str(d["oid"])}
        for k, v in exp.items():
            if row[k] != v:
                bad.append((k, row[k], v))
        for k in ("nested", "arr"):
            if json.loads(row[k]) != relaxed(d[k]):
                bad.append((k, row[k], relaxed(d[k])))
    check("round trip: every value equals what pymongo inserted", not bad, bad[:5])
    check("round trip: nothing but whole pages in the lake", not stray_files(os.path.join(tmp, "types")))


def query_forms():
    db.q.insert_many([{"k": i, "grp": i % 3, "pad": "x" * i} for i in range(30)])
    r, res = peer.fetch(os.path.join(tmp, "q"), "q", 'filter={"grp": 1}', 'projection={"_id": 0, "k": 1}',
                        'sort={"k": -1}', "limit=4")
    rows = lake_rows(item_paths(res))
    check("find: filter, projection, sort, limit", r.returncode == 0 and rows == [{"k": k} for k in (28, 25, 22, 19)],
          (r.stderr, rows))
    pipe = '[{"$match": {"k": {"$gte": 3}}}, {"$group": {"_id": "$grp", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]'
    r, res = peer.fetch(os.path.join(tmp, "agg"), "q", "pipeline=" + pipe)
    rows = lake_rows(item_paths(res))
    check("aggregate: pipeline", r.returncode == 0 and rows == [{"_id": 0, "n": 9}, {"_id": 1, "n": 9}, {"_id": 2, "n": 9}],
          (r.stderr, rows))
    r, _ = peer.fetch(os.path.join(tmp, "bad"), "q", "filtre={}")
    check("unknown parameter: exit 2 naming it", r.returncode in (1, 2) and "filtre" in r.stderr, (r.returncode, r.stderr))
    r, _ = peer.fetch(os.path.join(tmp, "bad"), "q", "filter={not json")
    check("bad JSON filter: refused naming the parameter", r.returncode != 0 and "'filter'" in r.stderr, r.stderr)


def type_rule():
    # A column NULL on the first page takes its type from a later page.
    db.late.insert_many([{"_id": i, "v": None if i < 5 else i * 2} for i in range(10)])
    r, res = peer.fetch(os.path.join(tmp, "late"), "late", 'sort={"_id": 1}', batch=5)
    rows = lake_rows(item_paths(res))
    check("NULL-only column promoted by a later page", r.returncode == 0 and
          [x["v"] for x in rows] == [None] * 5 + [10, 12, 14, 16, 18], (r.stderr, rows))
    # Another type on a later page: DATA_SCHEMA naming the field, never silent nulls.
    db.change.insert_many([{"_id": i, "v": i if i < 5 else "s%d" % i} for i in range(10)])
    lake = os.path.join(tmp, "change")
    r, res = peer.fetch(lake, "change", 'sort={"_id": 1}', batch=5)
    check("type change across pages: exit 1 with DATA_SCHEMA naming the field",
          r.returncode == 1 and "DATA_SCHEMA" in r.stderr and '"v"' in r.stderr, (r.returncode, r.stderr))
    landed = [p for p in item_paths(res)]
    rows = lake_rows(landed)
    check("type change: only the whole first page landed", [x["v"] for x in rows] == [0, 1, 2, 3, 4], rows)
    check("type change: nothing partial in the lake", not stray_files(lake), stray_files(lake))


def incremental():
    lake = os.path.join(tmp, "inc")
    # Ties: four documents per watermark value; pages of 3 split every group.
    db.ev.insert_many([{"k": i, "u": i // 4} for i in range(10)])
    seen = []
    r, res = peer.fetch(lake, "ev", "watermark=u", batch=3)
    seen += [x["k"] for x in lake_rows(item_paths(res))]
    check("incremental run 1: all 10", r.returncode == 0 and sorted(seen) == list(range(10)), (r.stderr, seen))
    r, res = peer.fetch(lake, "ev", "watermark=u", batch=3)
    check("incremental run 2: nothing new, nothing again", r.returncode == 0 and res["record_count"] == 0,
          (r.stderr, res and res["record_count"]))
    # New documents tying the last watermark value (u=2), and beyond it.
    db.ev.insert_many([{"k": 10 + i, "u": 2} for i in range(4)] + [{"k": 20, "u": 5}, {"k": 21, "u": 3}])
    db.ev.insert_one({"k": 99})                    # no watermark: never read incrementally
    r, res = peer.fetch(lake, "ev", "watermark=u", batch=3)
    new = [x["k"] for x in lake_rows(item_paths(res))]
    seen += new
    check("incremental run 3: the tied and later documents, once",
          r.returncode == 0 and sorted(new) == [10, 11, 12, 13, 20, 21], (r.stderr, new))
    check("incremental: no loss, no duplicate over the runs", sorted(seen) == list(range(14)) + [20, 21], seen)
    cps = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(lake, "_checkpoints")) for f in fs if f.endswith(".json")]
    wm = json.load(open(cps[0]))["position"]["watermark"] if cps else None
    check("incremental: the checkpoint keeps (watermark, _id)", wm and '"w"' in wm and '"id"' in wm, wm)
    # watermark=_id alone.
    r, res = peer.fetch(os.path.join(tmp, "inc_id"), "ev", "watermark=_id", batch=4)
    check("incremental by _id: every document", r.returncode == 0 and res["record_count"] == 17,
          (r.stderr, res and res["record_count"]))


def auth_failure():
    pw = "Wrong-Pw-%d-zz" % os.getpid()
    r = peer.etlconn("test", "mongodb", "--set", "password=" + pw)
    check("auth: wrong password, test exits 1", r.returncode == 1 and "Authentication failed" in r.stderr + r.stdout,
          (r.returncode, r.stderr, r.stdout))
    check("auth: password in no output", pw not in r.stdout + r.stderr)
    r, _ = peer.fetch(os.path.join(tmp, "auth"), "ev", env={"MONGODB_PASSWORD": pw})
    check("auth: fetch exits 1 with AUTH", r.returncode == 1 and "AUTH" in r.stderr, (r.returncode, r.stderr))
    check("auth: fetch output without the password", pw not in r.stdout + r.stderr)
    uri = "mongodb://%s:%s@127.0.0.1:%s/%s?authSource=%s" % (
        peer.svc["MONGODB_USERNAME"], pw, peer.svc["MONGODB_PORT"], peer.db, peer.svc["MONGODB_AUTH_SOURCE"])
    env = {"MONGODB_URI": uri, "MONGODB_PASSWORD": "", "MONGODB_USERNAME": "", "MONGODB_AUTH_SOURCE": ""}
    r, _ = peer.fetch(os.path.join(tmp, "auth"), "ev", env=dict(env, ETLCONN_LOG_LEVEL="debug"))
    check("auth: uri with a wrong password exits 1 with AUTH", r.returncode == 1 and "AUTH" in r.stderr,
          (r.returncode, r.stderr))
    check("auth: the uri's password in no output (debug log included)", pw not in r.stdout + r.stderr)
    r = peer.etlconn("config", "show", "mongodb", env=env)
    check("auth: config show masks the uri", r.returncode == 0 and "uri = ***" in r.stdout and
          pw not in r.stdout + r.stderr, (r.stdout, r.stderr))
    good = dict(env, MONGODB_URI=uri.replace(pw, peer.svc["MONGODB_PASSWORD"]))
    r = peer.etlconn("test", "mongodb", env=good)
    check("auth: the right password in the uri is healthy", r.returncode == 0 and "healthy" in r.stdout,
          (r.stdout, r.stderr))
    check("auth: the right password in no output", peer.svc["MONGODB_PASSWORD"] not in r.stdout + r.stderr)


round_trip()
query_forms()
type_rule()
incremental()
auth_failure()
peer.client.drop_database(peer.db)
finish()
