"""Runs part of the Python package's pytest suite (python/tests) against
the package as built in this build tree (<build>/python/etlconn: the .py
files and the abi3 extension, on PYTHONPATH). Each ctest runner
(test_python.py, test_<connector>_python.py) names its part and declares
the shared services that part uses, so `ctest -L <server>` picks it.

Not built under sanitizers (ETLCONN_PYTHON is off there: an instrumented
extension cannot load into an uninstrumented python); `pip install
./python` is test_python_wheel.py."""
import os
import subprocess
import sys
import tempfile


def main(*parts, ignore=()):
    """pytest over python/tests/<part>..., without python/tests/<ignore>..."""
    src = os.environ["ETLCONN_SOURCE_DIR"]
    build = os.environ["ETLCONN_BINARY_DIR"]
    pkg = os.path.join(build, "python")
    if not os.path.exists(os.path.join(pkg, "etlconn", "__init__.py")):
        sys.exit(f"{pkg}/etlconn is missing: build the tree first (cmake --build)")
    tests = os.path.join(src, "python", "tests")
    # tests/integration too: the lifecycle tests reuse its peers (kafka_peer, shared_amqp, ...)
    peers = os.path.join(src, "tests", "integration")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([pkg, peers] + [os.environ.get("PYTHONPATH", "")]),
               PYTHONDONTWRITEBYTECODE="1")
    args = [os.path.join(tests, p) for p in parts] + [f"--ignore={os.path.join(tests, p)}" for p in ignore]
    with tempfile.TemporaryDirectory(prefix="pytest-etlconn-", dir=os.path.join(build, "tests")) as tmp:
        rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA",
                              "--durations=5", "--basetemp", os.path.join(tmp, "t")] + args,
                             env=env, cwd=tmp)
    sys.exit(rc)
