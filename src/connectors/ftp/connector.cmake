# ftp connector: FTP and FTPS (explicit AUTH TLS, implicit) through libcurl
# and the shared net layer (src/net). libcurl is always linked: no extra library.
file(GLOB _ftp_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_ftp_sources})
