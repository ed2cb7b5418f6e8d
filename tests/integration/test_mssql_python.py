#!/usr/bin/env python3
"""The Python API's lifecycle of the mssql connector (python/tests/servers/test_mssql.py)
as far as it goes without a server: no SQL Server exists on the build machine, so it
stops at the wire (closed, silent and hanging-up loopback ports)."""
import python_suite

python_suite.main("servers/test_mssql.py")
