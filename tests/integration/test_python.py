#!/usr/bin/env python3
"""The Python package's pytest suite (python/tests) but for the connector
lifecycles against other servers (python/tests/servers: one runner each,
test_<connector>_python.py), against the SQLite files it makes and the run's
shared PostgreSQL. shared-service: postgres"""
import python_suite

python_suite.main("", ignore=["servers"])
