# soap connector: WSDL read with libxml2 (DOM, small), requests through the
# shared libcurl layer (src/net), responses parsed as a stream (SAX push).
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
file(GLOB _soap_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_soap_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBXML2)
list(APPEND ETLCONN_PC_REQUIRES libxml-2.0)
