#!/usr/bin/env bash
# Every benchmark, one after the other (well over an hour on 2 cores: the
# stream and NoSQL servers start and load their data in each script). Sizes:
# SQLITE_ROWS, PARQUET_ROWS, DW_ROWS, BIG_MB and SMALL_FILES (file transfer),
# REST_REQUESTS, REST_RECORDS, REST_PAGE, SOAP_ROWS, STREAM_MESSAGES (Kafka,
# RabbitMQ, NATS), MONGO_DOCS, CASSANDRA_ROWS, NEO4J_NODES; ROUNDS sets the
# interleaved rounds of every script that uses bench/pairs.py. Each prints
# Markdown tables; docs/benchmarks.md records a run of each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/sqlite_export.sh "${SQLITE_ROWS:-2000000}"
bash bench/parquet_write.sh "${PARQUET_ROWS:-5000000}"
bash bench/pg_to_parquet.sh
bash bench/python_arrow.sh
bash bench/sqlite_arrow.sh "${SQLITE_ROWS:-2000000}"
bash bench/dw_load.sh "${DW_ROWS:-3000000}"
bash bench/file_transfer.sh "${BIG_MB:-1024}" "${SMALL_FILES:-10000}"
bash bench/rest_requests.sh "${REST_REQUESTS:-20000}"
bash bench/rest_paged_parquet.sh "${REST_RECORDS:-1000000}" "${REST_PAGE:-10000}"
bash bench/soap_rows.sh "${SOAP_ROWS:-100000}"
bash bench/kafka_parquet.sh "${STREAM_MESSAGES:-1000000}"
bash bench/amqp_parquet.sh "${STREAM_MESSAGES:-1000000}"
bash bench/nats_parquet.sh "${STREAM_MESSAGES:-1000000}"
bash bench/mongodb_parquet.sh "${MONGO_DOCS:-1000000}"
bash bench/cassandra_to_parquet.sh "${CASSANDRA_ROWS:-1000000}"
bash bench/neo4j_parquet.sh "${NEO4J_NODES:-500000}"
