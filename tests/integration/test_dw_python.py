#!/usr/bin/env python3
"""The Python API's lifecycle of the dw connector (python/tests/servers/test_dw.py)
against the run's shared PostgreSQL. shared-service: postgres"""
import python_suite

python_suite.main("servers/test_dw.py")
