#!/usr/bin/env python3
"""The Python API's lifecycle of the http connector (python/tests/servers/test_http.py)
against the run's shared json-server and httpbin peer. shared-service: jsonserver
shared-service: httpbin"""
import python_suite

python_suite.main("servers/test_http.py")
