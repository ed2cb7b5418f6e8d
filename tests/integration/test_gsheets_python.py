#!/usr/bin/env python3
"""The Python API's lifecycle of the gsheets connector (python/tests/servers/test_gsheets.py)
against the run's shared Sheets stand-in. shared-service: gsheets"""
import python_suite

python_suite.main("servers/test_gsheets.py")
