/* etlconn — one include for the whole public API. */
#ifndef ETLCONN_H
#define ETLCONN_H

#define ETLCONN_VERSION "0.1.0"
#define ETLCONN_VERSION_MAJOR 0
#define ETLCONN_VERSION_MINOR 1
#define ETLCONN_VERSION_PATCH 0

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

#ifdef __cplusplus
extern "C" {
#endif
/* Library version string, e.g. "0.1.0". */
const char *etlc_version(void);
#ifdef __cplusplus
}
#endif
#endif
