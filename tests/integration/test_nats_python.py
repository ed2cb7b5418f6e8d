#!/usr/bin/env python3
"""The Python API's lifecycle of the nats connector (python/tests/servers/test_nats.py)
against the run's shared NATS. shared-service: nats"""
import python_suite

python_suite.main("servers/test_nats.py")
