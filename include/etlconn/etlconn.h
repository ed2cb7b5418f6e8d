/* etlconn — one include for the whole public API.
 *
 * Threads (each header says it for its own objects; docs/threads.md has the
 * table): a loaded config is immutable and shareable; the cache, the façade,
 * the registry and the log are thread-safe; a connector may be shared and
 * runs calls in parallel when it is ETLC_CONNECTOR_CONCURRENT (postgres,
 * mysql), else one at a time; results, batches, lakes, sinks and writers
 * are one thread per object; a cancel token is safe from any thread and
 * from a signal handler. */
#ifndef ETLCONN_H
#define ETLCONN_H

#define ETLCONN_VERSION "0.1.0"
#define ETLCONN_VERSION_MAJOR 0
#define ETLCONN_VERSION_MINOR 1
#define ETLCONN_VERSION_PATCH 0

#include "export.h"
#include "error.h"
#include "log.h"
#include "cancel.h"
#include "config.h"
#include "record.h"
#include "result.h"
#include "lake.h"
#include "connector.h"
#include "sqlite.h"
#include "parquet.h"
#include "extract.h"
#include "dw.h"
#include "http.h"
#include "arrow.h"

ETLC_BEGIN_DECLS
/* Library version string, e.g. "0.1.0". */
const char *etlc_version(void);
ETLC_END_DECLS
#endif
