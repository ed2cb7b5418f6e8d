#!/usr/bin/env python3
"""The Python API's lifecycle of the ssh connector (python/tests/servers/test_ssh.py)
against the run's shared OpenSSH sshd. shared-service: sshd"""
import python_suite

python_suite.main("servers/test_ssh.py")
