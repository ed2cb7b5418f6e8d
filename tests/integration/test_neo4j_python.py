#!/usr/bin/env python3
"""The Python API's lifecycle of the neo4j connector (python/tests/servers/test_neo4j.py)
against the run's shared Neo4j. shared-service: neo4j"""
import python_suite

python_suite.main("servers/test_neo4j.py")
