# neo4j connector: our own Bolt 4.4 / 5.x client with PackStream (no C
# driver in Debian); TLS through OpenSSL's libssl.
pkg_check_modules(NEO4J_SSL REQUIRED IMPORTED_TARGET libssl)
file(GLOB _neo4j_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_neo4j_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::NEO4J_SSL)
list(APPEND ETLCONN_PC_REQUIRES libssl)
