/* The generated registry tables (build/generated/registry_builtin.c). */
#ifndef ETLCONN_REGISTRY_BUILTIN_H
#define ETLCONN_REGISTRY_BUILTIN_H

#include "etlconn/connector_api.h"

/* NULL-terminated. */
extern const etlc_connector_ops *const etlc__builtin_connectors[];
/* Known protocols whose folder exists but was switched off at configure time. */
extern const char *const etlc__disabled_connectors[];
/* Known protocols this version does not include yet. */
extern const char *const etlc__absent_connectors[];
/* Pairs alias, name of every known connector's aliases, built in or not;
 * NULL-terminated. */
extern const char *const etlc__known_aliases[];

#endif
