/* Oracle connector internals shared by its files. */
#ifndef ETLCONN_ORACLE_INTERNAL_H
#define ETLCONN_ORACLE_INTERNAL_H

#include "connectors/oracle/oci_min.h"
#include "core/internal.h"

/* The OCI entry points, resolved from libclntsh with dlsym(). */
typedef struct oci_api {
    void *lib;
    OCIEnvNlsCreate_fn EnvNlsCreate;
    OCIHandleAlloc_fn HandleAlloc;
    OCIHandleFree_fn HandleFree;
    OCIDescriptorAlloc_fn DescriptorAlloc;
    OCIDescriptorFree_fn DescriptorFree;
    OCILogon2_fn Logon2;
    OCILogoff_fn Logoff;
    OCIStmtPrepare2_fn StmtPrepare2;
    OCIStmtRelease_fn StmtRelease;
    OCIStmtExecute_fn StmtExecute;
    OCIDefineByPos_fn DefineByPos;
    OCIBindByPos_fn BindByPos;
    OCIStmtFetch2_fn StmtFetch2;
    OCIParamGet_fn ParamGet;
    OCIAttrGet_fn AttrGet;
    OCIAttrSet_fn AttrSet;
    OCIErrorGet_fn ErrorGet;
    OCIServerVersion_fn ServerVersion;
    OCIPing_fn Ping;
    OCIDateTimeGetDate_fn DateTimeGetDate;
    OCIDateTimeGetTime_fn DateTimeGetTime;
    OCIDateTimeGetTimeZoneOffset_fn DateTimeGetTimeZoneOffset;
} oci_api;

typedef struct oracle_ctx {
    oci_api api;
    OCIEnv *env;
    OCIError *errh;
    OCISvcCtx *svc;
    char *display;        /* EZConnect form or alias, for messages (no secret) */
    char *source;         /* service name / SID / alias for lake paths */
    int64_t prefetch_rows;
    int64_t lob_max_bytes;
} oracle_ctx;

extern const etlc_option_table etlc__oracle_options;

/* ---- connect strings (oracle_dsn.c) ------------------------------------- */

/* "host:port/service_name" (IPv6 hosts in brackets; no service -> "host:port"). */
int etlc__oracle_ezconnect(const char *host, int64_t port, const char *service_name, char **out, etlc_error *err);
/* A full Oracle Net descriptor with CONNECT_TIMEOUT, for SERVICE_NAME or SID. */
int etlc__oracle_descriptor(const char *host, int64_t port, const char *service_name, const char *sid,
                            int timeout_s, char **out, etlc_error *err);
/* Parse "[//]host[:port][/service_name][:server][/instance][?params]". */
typedef struct etlc__oracle_ez {
    char host[256];
    int port;             /* 1521 when absent */
    char service_name[256];
} etlc__oracle_ez;
int etlc__oracle_parse_ezconnect(const char *dsn, etlc__oracle_ez *out, etlc_error *err);
/* From the config: the string handed to OCILogon2, a display form and a
 * source name. Checks the host/service_name/sid/dsn combinations. */
int etlc__oracle_resolve(const etlc_config *cfg, char **connect_string, char **display, char **source,
                         etlc_error *err);

/* ---- the client library (oracle_oci.c) ---------------------------------- */

/* dlopen the Oracle client: `client_lib` (a file or a directory) when set,
 * else libclntsh.so and its versioned names through the loader's path. */
int etlc__oci_load(oci_api *api, const char *client_lib, etlc_error *err);

/* ---- errors (oracle_errors.c) ------------------------------------------- */

int etlc__oracle_code_for(int ora, bool connecting, bool *retryable);
int etlc__oracle_error(etlc_error *err, const oci_api *api, OCIError *errh, sword status, bool connecting,
                       const char *what);

/* ---- types (oracle_types.c) --------------------------------------------- */

typedef struct oracle_col {
    char *name;
    etlc_type type;
    int precision, scale;
    ub2 dtype;            /* described type */
    ub2 define_type;      /* what OCI converts it to */
    sb4 buf_size;
    void *buf;
    void *desc;           /* OCIDateTime* for timestamps */
    ub4 desc_type;
    sb2 ind;
    ub2 rlen, rcode;
    OCIDefine *def;
} oracle_col;

/* Decide the record type and the define (type, buffer size) of a column. */
void etlc__oracle_plan_column(ub2 dtype, int precision, int scale, ub2 data_size, ub2 char_size,
                              int64_t lob_max_bytes, oracle_col *col);
/* Oracle's 7-byte DATE -> microseconds since the epoch (no zone: UTC). */
int etlc__oracle_decode_date(const ub1 d[7], int64_t *micros);
/* Oracle's text form of a NUMBER ("-.5", "1.5E+20") -> plain decimal text. */
int etlc__oracle_number_text(const char *in, size_t len, char *out, size_t outsz);
/* Append the fetched value of `col` to column `i` of the batch. */
int etlc__oracle_append(oracle_ctx *ctx, etlc_batch *b, size_t i, oracle_col *col, uint64_t row,
                        etlc_error *err);

#endif
