# mongodb connector (alias mongo): collections and aggregation pipelines as
# typed record batches (records capability), through libmongoc/libbson 1.23
# from Debian (libmongoc-dev, libbson-dev).
pkg_check_modules(LIBMONGOC REQUIRED IMPORTED_TARGET libmongoc-1.0)
file(GLOB _mongodb_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_mongodb_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBMONGOC)
list(APPEND ETLCONN_PC_REQUIRES libmongoc-1.0)
