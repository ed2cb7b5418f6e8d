# PostgreSQL data-warehouse destination (libpq; shares the libpq option
# list, conninfo builder and SQLSTATE mapping with the postgres source
# through src/connectors/pq_common, built when either is on).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
file(GLOB _dw_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_dw_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBPQ)
list(APPEND ETLCONN_PC_REQUIRES libpq)
