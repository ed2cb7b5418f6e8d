# nats connector: core NATS subscriptions and JetStream pull consumers
# (nats.c 3.4, Debian's libnats-dev); the stream capability.
pkg_check_modules(LIBNATS REQUIRED IMPORTED_TARGET libnats)
file(GLOB _nats_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_nats_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBNATS)
list(APPEND ETLCONN_PC_REQUIRES libnats)
