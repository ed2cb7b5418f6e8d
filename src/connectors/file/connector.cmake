# file connector: local paths and globs landed as they are (bytes capability).
# Plain POSIX: no extra library.
file(GLOB _file_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_file_sources})
