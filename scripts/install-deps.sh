#!/usr/bin/env bash
# Install what etlconn's build and tests need, only when missing, and say so.
# Debian packages (build deps, sqlite3 CLI, test servers such as postgresql) and PyPI packages
# (pyarrow, duckdb, polars, fastparquet: independent Parquet readers and writers used by the tests;
# pymongo: the bson module fastparquet uses to write BSON columns; test peers: see below;
# nginx-light: the static server of bench/rest_*.sh and bench/soap_rows.sh).
set -euo pipefail

debs=(
  build-essential cmake ninja-build pkg-config
  libjansson-dev libyaml-dev libsqlite3-dev sqlite3 libssl-dev libzstd-dev libsnappy-dev
  liblz4-dev libbrotli-dev
  zlib1g-dev libcurl4-openssl-dev libcmocka-dev
  libpq-dev postgresql freetds-dev
  python3 python3-pip python3-dev openssl
  libmariadb-dev mariadb-server
  vsftpd
  libxml2-dev apache2-bin apache2-utils
  nginx-light
  libssh2-1-dev openssh-server openssh-client passwd procps iproute2
  libmongoc-dev libbson-dev
  librdkafka-dev kcat
  nats-server libnats-dev
  rabbitmq-server librabbitmq-dev
)
# node + npm for tests/services/jsonserver (json-server from npm): by command,
# since a nodesource nodejs package carries npm itself.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  debs+=(nodejs npm)
fi
# Java 17+ and Maven for tests/java/parquet-mr-writer (parquet-mr, the Java
# Parquet writer Spark and Trino use): by command, since any JDK will do.
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  debs+=(default-jdk-headless)
fi
# Go for tests/services/ferretdb (FerretDB, the MongoDB wire-protocol peer, is
# built from the Go module proxy once per machine): by command, since any Go
# will do (an older one fetches the go1.24 toolchain module itself).
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  debs+=(golang-go)
fi
if ! command -v mvn >/dev/null 2>&1; then
  debs+=(maven)
fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

# module to import = PyPI package to install (pyftpdlib and pyOpenSSL: the
# FTP/FTPS test peer; wsgidav + cheroot: the WebDAV peer; spyne + lxml: the
# SOAP peer; cryptography: the gsheets stand-in's RSA keys and RS256 checks;
# neo4j: the official Bolt driver the neo4j connector's tests and bench compare with;
# pika: the AMQP producer of the amqp tests and bench.
# tests/services/gsheets pip downloads google-api-python-client (for
# sheets.v4.json) into the build tree; cassandra-driver: the real client that
# writes the Cassandra tests' rows and checks tests/services/cassandra is up.)
# The Python package (python/): pytest runs its tests, scikit-build-core builds
# its wheel (pip install --no-build-isolation ./python), pydantic validates its
# results (optional for users, tested here).
pymods=(pyarrow duckdb polars fastparquet pymongo pyftpdlib OpenSSL wsgidav cheroot cryptography spyne lxml
        neo4j cassandra pytest scikit_build_core pydantic)
pypkgs=(pyarrow duckdb polars fastparquet pymongo pyftpdlib pyOpenSSL wsgidav cheroot cryptography spyne lxml
        neo4j cassandra-driver pytest scikit-build-core 'pydantic>=2')
# confluent-kafka: the kafka tests' producer and topic admin, and bench/kafka_parquet.sh's reference
pymods+=(confluent_kafka)
pypkgs+=(confluent-kafka)
# nats-py: the NATS tests' producer and bench reference
pymods+=(nats)
pypkgs+=(nats-py)
pymods+=(pika)
pypkgs+=(pika)
pymissing=()
for i in "${!pymods[@]}"; do
  python3 -c "import ${pymods[$i]}" 2>/dev/null || pymissing+=("${pypkgs[$i]}")
done
if [ ${#pymissing[@]} -gt 0 ]; then
  echo "install-deps: installing PyPI packages: ${pymissing[*]}"
  python3 -m pip install -q "${pymissing[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${pymissing[@]}"
else
  echo "install-deps: Python packages present (${pypkgs[*]})"
fi
