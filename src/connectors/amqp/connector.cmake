# amqp connector: RabbitMQ and other AMQP 0-9-1 brokers through rabbitmq-c
# (librabbitmq, pkg-config librabbitmq; Debian: librabbitmq-dev).
pkg_check_modules(LIBRABBITMQ REQUIRED IMPORTED_TARGET librabbitmq)
file(GLOB _amqp_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_amqp_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBRABBITMQ)
list(APPEND ETLCONN_PC_REQUIRES librabbitmq)
