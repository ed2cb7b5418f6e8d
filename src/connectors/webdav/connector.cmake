# WebDAV connector: PROPFIND listings parsed with libxml2, GET/DELETE/MOVE
# through the shared HTTP layer (src/net).
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
file(GLOB _webdav_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_webdav_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBXML2)
list(APPEND ETLCONN_PC_REQUIRES libxml-2.0)
