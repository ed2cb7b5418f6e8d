#!/usr/bin/env python3
"""The Python API's lifecycle of the ftp connector (python/tests/servers/test_ftp.py)
against the run's shared pyftpdlib. shared-service: ftp"""
import python_suite

python_suite.main("servers/test_ftp.py")
