#!/usr/bin/env python3
"""The Python API's lifecycle of the soap connector (python/tests/servers/test_soap.py)
against the run's shared spyne service. shared-service: soap"""
import python_suite

python_suite.main("servers/test_soap.py")
