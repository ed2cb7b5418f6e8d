#!/usr/bin/env python3
"""The Python API's lifecycle of the cassandra connector (python/tests/servers/test_cassandra.py)
against the run's shared Cassandra. shared-service: cassandra"""
import python_suite

python_suite.main("servers/test_cassandra.py")
