# PostgreSQL data-warehouse destination (libpq; reuses the postgres
# connector's conninfo builder and SQLSTATE mapping).
if(NOT ETLCONN_WITH_POSTGRES)
  message(FATAL_ERROR "the dw destination needs the postgres connector (ETLCONN_WITH_POSTGRES=ON) or ETLCONN_WITH_DW=OFF")
endif()
file(GLOB _dw_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_dw_sources})
