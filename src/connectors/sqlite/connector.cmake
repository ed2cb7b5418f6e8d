# SQLite connector: the embedded default source.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
file(GLOB _sqlite_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_sqlite_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::SQLITE3)
list(APPEND ETLCONN_PC_REQUIRES sqlite3)
