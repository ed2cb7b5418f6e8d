#!/usr/bin/env python3
"""The Python API's lifecycle of the amqp connector (python/tests/servers/test_amqp.py)
against the run's shared RabbitMQ. shared-service: rabbitmq"""
import python_suite

python_suite.main("servers/test_amqp.py")
