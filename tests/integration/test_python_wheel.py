#!/usr/bin/env python3
"""`pip install ./python` the way docs/python.md and the README give it,
into a fresh venv, then the package used from outside the source and build
trees: the issue's check (`test_connection('sqlite', ...)`) and a
`fetch_arrow` of a SQLite table. The wheel build recompiles libetlconn (Release,
about 3 minutes on 2 cores), so this test runs once, in the plain build
(not under sanitizers: ETLCONN_PYTHON is off there).

`--no-build-isolation --no-index`: scikit-build-core, pytest, pyarrow come
from `make deps`; nothing is downloaded here."""
import os
import shutil
import subprocess
import sys
import tempfile

src = os.environ["ETLCONN_SOURCE_DIR"]
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
        if detail:
            print("     " + str(detail)[-3000:])


USE = r"""
import os, sqlite3, sys
import etlconn
print("module", etlconn.__file__)
t = etlconn.test_connection("sqlite", database_path=":memory:")
print("health", t.healthy, t.detail)
db = os.path.join(sys.argv[1], "w.db")
con = sqlite3.connect(db)
con.execute("CREATE TABLE t (id INTEGER, name TEXT)")
con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "n%d" % i) for i in range(1000)])
con.commit(); con.close()
table = etlconn.get_connection("sqlite", database_path=db).fetch_arrow("SELECT * FROM t")
print("arrow", table.num_rows, sum(table.column("id").to_pylist()))
"""

with tempfile.TemporaryDirectory(prefix="wheel-") as tmp:
    venv = os.path.join(tmp, "venv")
    subprocess.check_call([sys.executable, "-m", "venv", "--system-site-packages", venv])
    py = os.path.join(venv, "bin", "python")
    env = dict(os.environ, CMAKE_BUILD_PARALLEL_LEVEL=os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2"))
    env.pop("PYTHONPATH", None)
    if shutil.which("ccache"):
        env.setdefault("CMAKE_C_COMPILER_LAUNCHER", "ccache")
    # pip copies nothing into the source tree; its build directory is temporary.
    r = subprocess.run([py, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-index",
                        os.path.join(src, "python")], env=env, cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check("pip install --no-build-isolation ./python builds and installs the wheel", r.returncode == 0,
          r.stdout)
    if r.returncode == 0:
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        u = subprocess.run([py, "-c", USE, work], env=env, cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = u.stdout
        check("the installed package imports and runs (exit 0)", u.returncode == 0, out)
        mod = next((l.split(" ", 1)[1] for l in out.splitlines() if l.startswith("module ")), "")
        check("etlconn is imported from the venv, not the source or build tree",
              mod.startswith(venv + os.sep), mod)
        check("test_connection('sqlite', database_path=':memory:') is healthy",
              "health True" in out, out)
        check("fetch_arrow returns every row", "arrow 1000 499500" in out, out)

if failures:
    print("%d check(s) failed: %s" % (len(failures), failures))
    sys.exit(1)
print("all checks passed")
