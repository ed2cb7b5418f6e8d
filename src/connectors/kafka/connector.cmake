# kafka connector: topics of a Kafka cluster consumed as micro-batches
# (stream capability) through librdkafka, in a consumer group whose committed
# offsets are the positions (docs/connectors/kafka.md).
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
file(GLOB _kafka_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_kafka_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::RDKAFKA)
list(APPEND ETLCONN_PC_REQUIRES rdkafka)
