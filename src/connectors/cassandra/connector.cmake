# cassandra connector: our own CQL native protocol (v4/v5) client -- Debian
# has no C driver. Plain TCP or TLS (OpenSSL's libssl), LZ4 frame and v5
# segment compression (liblz4, already required by the Parquet sink), v5
# segment CRC32 from zlib (already required by the core).
pkg_check_modules(CQL_SSL REQUIRED IMPORTED_TARGET libssl)
file(GLOB _cassandra_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_cassandra_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::CQL_SSL)
list(APPEND ETLCONN_PC_REQUIRES libssl)
