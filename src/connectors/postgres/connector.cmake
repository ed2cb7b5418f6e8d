# PostgreSQL connector (libpq).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
file(GLOB _postgres_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_postgres_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBPQ)
list(APPEND ETLCONN_PC_REQUIRES libpq)
