"""What the mongodb tests share: the run's FerretDB (the CTest fixture
service.ferretdb; a test says "shared-service: ferretdb"), a pymongo client
on a database of the test's own, the etlconn command with MONGODB_* set,
and the lake's Parquet files read back with pyarrow."""
import glob
import json
import os
import subprocess

import pymongo
import pyarrow.parquet as pq

ETLCONN = os.environ["ETLCONN"]
failures = []
checks = [0]


def check(name, ok, detail=""):
    checks[0] += 1
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def finish():
    print(f"{checks[0] - len(failures)}/{checks[0]} checks passed")
    raise SystemExit(1 if failures else 0)


def service_env():
    env = {}
    for line in open(os.path.join(os.environ["ETLCONN_SERVICES_DIR"], "ferretdb", "env")):
        k, _, v = line.strip().partition("=")
        if k:
            env[k] = v
    return env


class Peer:
    """`db` is the test's own database; `env` sets MONGODB_* for etlconn."""

    def __init__(self, db, port=None, auth=True):
        self.svc = service_env()
        self.db = db
        port = port or int(self.svc["MONGODB_PORT"])
        kw = {}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MONGODB_")}
        self.env.update(MONGODB_HOST="127.0.0.1", MONGODB_PORT=str(port), MONGODB_DATABASE=db,
                        MONGODB_SERVER_SELECTION_TIMEOUT="3s", MONGODB_CONNECT_TIMEOUT="3s")
        if auth:
            kw = dict(username=self.svc["MONGODB_USERNAME"], password=self.svc["MONGODB_PASSWORD"],
                      authSource=self.svc["MONGODB_AUTH_SOURCE"])
            self.env.update(MONGODB_USERNAME=kw["username"], MONGODB_PASSWORD=kw["password"],
                            MONGODB_AUTH_SOURCE=kw["authSource"])
        self.client = pymongo.MongoClient("127.0.0.1", port, serverSelectionTimeoutMS=5000, **kw)
        self.client.drop_database(db)

    def etlconn(self, *args, env=None):
        e = dict(self.env, **(env or {}))
        return subprocess.run([ETLCONN, *args], env=e, capture_output=True, text=True, timeout=120)

    def fetch(self, lake, collection, *params, batch=None, env=None, extra=()):
        args = ["fetch", "mongodb", collection, "--lake", lake, "--compact", *extra]
        for p in params:
            args += ["--param", p]
        if batch:  # one file per page, whether or not the records driver rolls pages into files
            args += ["--batch-size", str(batch), "--max-records-per-file", str(batch)]
        r = self.etlconn(*args, env=env)
        res = None
        try:
            res = json.loads(r.stdout) if r.stdout.strip() else None
        except ValueError:
            pass
        return r, res


def lake_rows(paths):
    """Every row of the given Parquet files, in file order (list of dicts)."""
    rows = []
    for p in paths:
        rows += pq.read_table(p).to_pylist()
    return rows


def item_paths(res):
    return [it["path"] for it in (res or {}).get("items", [])]


def stray_files(lake):
    """Files in the lake that are neither landed pages nor checkpoint state."""
    out = []
    for f in glob.glob(os.path.join(lake, "**", "*"), recursive=True):
        if os.path.isdir(f) or "/_checkpoints/" in f:
            continue
        if not (os.path.basename(f).startswith("page-") and f.endswith(".parquet")):
            out.append(f)
    return out
