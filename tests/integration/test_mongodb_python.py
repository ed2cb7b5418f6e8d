#!/usr/bin/env python3
"""The Python API's lifecycle of the mongodb connector (python/tests/servers/test_mongodb.py)
against the run's shared FerretDB. shared-service: ferretdb"""
import python_suite

python_suite.main("servers/test_mongodb.py")
