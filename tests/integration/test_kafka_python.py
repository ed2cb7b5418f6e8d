#!/usr/bin/env python3
"""The Python API's lifecycle of the kafka connector (python/tests/servers/test_kafka.py)
against the run's shared kafka. shared-service: kafka"""
import python_suite

python_suite.main("servers/test_kafka.py")
