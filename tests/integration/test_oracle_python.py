#!/usr/bin/env python3
"""The Python API's lifecycle of the oracle connector (python/tests/servers/test_oracle.py)
as far as it goes without a server: no Oracle database or client library exists on the
build machine, so it checks configuration errors and the missing-client error."""
import python_suite

python_suite.main("servers/test_oracle.py")
