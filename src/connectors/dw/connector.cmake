# PostgreSQL data-warehouse destination (libpq; reuses the postgres
# connector's conninfo builder and SQLSTATE mapping).
if(NOT ETLCONN_WITH_POSTGRES)
  message(STATUS "dw is compiled out: it needs the postgres connector (ETLCONN_WITH_POSTGRES=ON)")
  set(ETLCONN_CONNECTOR_OFF ON)
  return()
endif()
file(GLOB _dw_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_dw_sources})
