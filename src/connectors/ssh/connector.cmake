# ssh connector (alias sftp): files over SFTP, landed as they are (bytes
# capability). libssh2 directly, not libcurl's sftp:// (docs/connectors/ssh.md
# says why: listings with exact sizes, mtimes and file types, and the offered
# host key for the refusal message).
pkg_check_modules(LIBSSH2 REQUIRED IMPORTED_TARGET libssh2)
file(GLOB _ssh_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_ssh_sources})
list(APPEND ETLCONN_CONNECTOR_LIBS PkgConfig::LIBSSH2)
list(APPEND ETLCONN_PC_REQUIRES libssh2)
