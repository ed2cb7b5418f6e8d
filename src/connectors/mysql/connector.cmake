# MariaDB/MySQL connector (MariaDB Connector/C, pkg-config libmariadb).
pkg_check_modules(LIBMARIADB REQUIRED IMPORTED_TARGET libmariadb)
file(GLOB _mysql_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_mysql_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBMARIADB)
list(APPEND ETLCONN_PC_REQUIRES libmariadb)
