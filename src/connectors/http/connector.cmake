# http connector: REST/JSON APIs through the shared libcurl layer (src/net):
# records (paged JSON -> record batches) and bytes (a raw body landed as is).
file(GLOB _http_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_http_sources})
