#!/usr/bin/env python3
"""The Python API's lifecycle of the webdav connector (python/tests/servers/test_webdav.py)
against the run's shared wsgidav WebDAV server. shared-service: webdav"""
import python_suite

python_suite.main("servers/test_webdav.py")
