# gsheets connector: Google Sheets values (values.get / values:batchGet) as
# record batches, through the shared libcurl layer (src/net) and OpenSSL
# (RS256 service-account JWTs).
file(GLOB _gsheets_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND ETLCONN_CONNECTOR_SOURCES ${_gsheets_sources})
