"""The shared PostgreSQL of a run (the CTest fixture service.postgres; a
test says "shared-service: postgres") for the Python load tests: its
settings, a database of the test's own, and psql."""
import os
import subprocess


def pg_env():
    """NAME=VALUE lines of the fixture's env file."""
    env = {}
    for line in open(os.path.join(os.environ["ETLCONN_SERVICES_DIR"], "postgres", "env")):
        k, _, v = line.strip().partition("=")
        if k:
            env[k] = v
    return env


class SharedPg:
    """`db` is the test's own database; `env` sets DW_* (etlconn load) and PGPASSWORD."""

    def __init__(self, db):
        self.pg = pg_env()
        self.db = db
        self.env = dict(os.environ, PGPASSWORD=self.pg["PG_PASSWORD"], DW_HOST=self.pg["PG_HOST"],
                        DW_PORT=self.pg["PG_PORT"], DW_DATABASE=db, DW_USERNAME=self.pg["PG_USERNAME"],
                        DW_PASSWORD=self.pg["PG_PASSWORD"])

    def psql(self, sql, db=None):
        """Rows as text, fields split by \\x1f, NULL as <NULL>; raises on an error."""
        r = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\x1f", "-P", "null=<NULL>", "-v",
                            "ON_ERROR_STOP=1", "-h", self.pg["PG_HOST"], "-p", self.pg["PG_PORT"], "-U",
                            self.pg["PG_USERNAME"], "-d", db or self.db, "-c", sql],
                           env=self.env, capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return r.stdout
