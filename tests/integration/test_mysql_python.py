#!/usr/bin/env python3
"""The Python API's lifecycle of the mysql connector (python/tests/servers/test_mysql.py)
against the run's shared MariaDB. shared-service: mariadb"""
import python_suite

python_suite.main("servers/test_mysql.py")
