# Microsoft SQL Server connector through FreeTDS db-lib (Debian: freetds-dev).
# FreeTDS ships no pkg-config file on every platform, so find it directly;
# it is REQUIRED only while this folder is enabled (-DETLCONN_WITH_MSSQL=OFF
# builds without it and keeps "mssql" in the registry as not built in).
find_path(FREETDS_INCLUDE_DIR sybdb.h PATH_SUFFIXES freetds REQUIRED)
find_library(FREETDS_SYBDB_LIB sybdb REQUIRED)
file(GLOB _mssql_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_mssql_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS ${FREETDS_SYBDB_LIB})
set_source_files_properties(${_mssql_sources} PROPERTIES INCLUDE_DIRECTORIES ${FREETDS_INCLUDE_DIR})
list(APPEND ETLCONN_PC_LIBS -lsybdb)
