/* Placeholder: the plugin template lands with the registry work. */
#include "etlconn/connector.h"
const etlc_connector_ops *etlconn_plugin_register(void);
const etlc_connector_ops *etlconn_plugin_register(void) { return NULL; }
