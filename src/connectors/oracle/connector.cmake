# Oracle connector: OCI is loaded with dlopen() at connect time, so the build
# needs no Oracle SDK and the binary runs where no Instant Client is
# installed (connecting then fails with a message saying what to install).
file(GLOB _oracle_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_oracle_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS ${CMAKE_DL_LIBS})
