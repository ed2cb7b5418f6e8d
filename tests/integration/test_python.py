#!/usr/bin/env python3
"""The Python package's pytest suite (python/tests) against the package as
built in this build tree (<build>/python/etlconn: the .py files and the abi3
extension, PYTHONPATH), the SQLite files it makes and the run's shared
PostgreSQL. shared-service: postgres

Not built under sanitizers (ETLCONN_PYTHON is off there: an instrumented
extension cannot load into an uninstrumented python); `pip install ./python`
is test_python_wheel.py."""
import os
import subprocess
import sys
import tempfile

src = os.environ["ETLCONN_SOURCE_DIR"]
build = os.environ["ETLCONN_BINARY_DIR"]
pkg = os.path.join(build, "python")
if not os.path.exists(os.path.join(pkg, "etlconn", "__init__.py")):
    sys.exit(f"test_python: {pkg}/etlconn is missing: build the tree first (cmake --build)")
env = dict(os.environ, PYTHONPATH=pkg + os.pathsep + os.environ.get("PYTHONPATH", ""),
           PYTHONDONTWRITEBYTECODE="1")
with tempfile.TemporaryDirectory(prefix="pytest-etlconn-", dir=os.path.join(build, "tests")) as tmp:
    rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", "--durations=5",
                          "--basetemp", os.path.join(tmp, "t"), os.path.join(src, "python", "tests")],
                         env=env, cwd=tmp)
sys.exit(rc)
