/* The SQLite connector: engine, health check and streaming fetch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_internal.h"

int etlc__sqlite_error(etlc_error *err, sqlite3 *db, int rc, const char *what)
{
    int code;
    bool retry = false;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = ETLC_BUSY; retry = true; break;
    case SQLITE_CANTOPEN: code = ETLC_CONNECT_NOT_FOUND; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: code = ETLC_CONNECT; break;
    case SQLITE_AUTH: code = ETLC_AUTH; break;
    case SQLITE_PERM:
    case SQLITE_READONLY: code = ETLC_AUTH_DENIED; break;
    case SQLITE_FULL: code = ETLC_IO_NO_SPACE; break;
    case SQLITE_IOERR: code = ETLC_IO; break;
    case SQLITE_NOMEM: code = ETLC_NO_MEMORY; break;
    case SQLITE_INTERRUPT: code = ETLC_CANCELLED; break;
    case SQLITE_RANGE:
    case SQLITE_MISMATCH: code = ETLC_INVALID_ARGUMENT; break;
    default: code = ETLC_QUERY; break;
    }
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    etlc_error_set(err, code, "%s: %s (sqlite code %d)", what, msg, rc);
    if (err) {
        err->native_code = rc;
        err->retryable = retry;
    }
    return code;
}

static void sqlite_close(void *vctx)
{
    sqlite_ctx *ctx = vctx;
    if (ctx->db)
        sqlite3_close_v2(ctx->db);
    ctx->db = NULL;
    free(ctx->path);
    free(ctx->path_origin);
    ctx->path = ctx->path_origin = NULL;
}

static int sqlite_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    sqlite_ctx *ctx = vctx;
    const char *path = etlc_config_get_string(cfg, "database_path");
    const char *origin = "unknown";
    etlc_layer layer;
    etlc_config_provenance(cfg, "database_path", &layer, &origin);
    ctx->path = etlc__strdup(path);
    ctx->path_origin = etlc__strdup(origin);
    if (!ctx->path || !ctx->path_origin)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening SQLite database");
    bool memory = strcmp(path, ":memory:") == 0;
    ctx->read_only = etlc_config_get_bool(cfg, "read_only") && !memory;
    ctx->busy_timeout_ms = etlc_config_get_duration_ms(cfg, "busy_timeout");
    int flags = ctx->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (memory || (!ctx->read_only && etlc_config_get_bool(cfg, "create_if_missing")))
        flags |= SQLITE_OPEN_CREATE;
    /* One thread uses a connector at a time (the connector's mutex), so
     * SQLite's own per-call mutex is not needed. */
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &ctx->db, flags, NULL);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_CANTOPEN) {
            etlc_error_set(err, ETLC_CONNECT_NOT_FOUND,
                           "SQLite database_path '%s' (from %s) cannot be opened: %s%s", path, origin,
                           ctx->db ? sqlite3_errmsg(ctx->db) : sqlite3_errstr(rc),
                           flags & SQLITE_OPEN_CREATE ? "" : " (does the file exist? set create_if_missing=true to create it)");
            if (err)
                err->native_code = rc;
            return ETLC_CONNECT_NOT_FOUND;
        }
        char what[1200];
        snprintf(what, sizeof what, "cannot open SQLite database '%s' (from %s)", path, origin);
        return etlc__sqlite_error(err, ctx->db, rc, what);
    }
    sqlite3_extended_result_codes(ctx->db, 1);
    sqlite3_busy_timeout(ctx->db, (int)ctx->busy_timeout_ms);
    /* Reading the schema proves the file is a database now, not at the first query. */
    rc = sqlite3_exec(ctx->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        char what[1200];
        snprintf(what, sizeof what, "SQLite database_path '%s' (from %s) is not usable", path, origin);
        return etlc__sqlite_error(err, ctx->db, rc, what);
    }
    etlc_log(ETLC_LOG_DEBUG, "sqlite", "opened %s (%s)", path, ctx->read_only ? "read-only" : "read-write");
    return ETLC_OK;
}

static int sqlite_test(void *vctx, etlc_health *health, etlc_error *err)
{
    sqlite_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ctx->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    long long tables = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    health->latency_ms = etlc__monotonic_ms() - t0;
    snprintf(health->server_version, sizeof health->server_version, "SQLite %s", sqlite3_libversion());
    if (rc != SQLITE_ROW) {
        health->healthy = false;
        etlc__format_redacted_into(health->detail, sizeof health->detail, "%s: %s", ctx->path, sqlite3_errmsg(ctx->db));
        /* Out of memory says nothing about the database: the check could not run. */
        if ((rc & 0xff) == SQLITE_NOMEM)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking SQLite database '%s'", ctx->path);
        return ETLC_OK;
    }
    health->healthy = true;
    snprintf(health->detail, sizeof health->detail, "%s (%s, %lld tables)", ctx->path,
             ctx->read_only ? "read-only" : "read-write", tables);
    (void)err;
    return ETLC_OK;
}

static bool sqlite_alive(void *vctx)
{
    sqlite_ctx *ctx = vctx;
    return ctx->db != NULL;
}

static void sqlite_source_name(void *vctx, char *buf, size_t bufsz)
{
    sqlite_ctx *ctx = vctx;
    if (!ctx->path || strcmp(ctx->path, ":memory:") == 0) {
        snprintf(buf, bufsz, "memory");
        return;
    }
    const char *base = strrchr(ctx->path, '/');
    base = base ? base + 1 : ctx->path;
    size_t n = strcspn(base, ".");
    if (n == 0)
        n = strlen(base);
    snprintf(buf, bufsz, "%.*s", (int)n, base);
}

static int bind_params(sqlite3_stmt *st, const etlc_fetch_request *req, sqlite3 *db, etlc_error *err)
{
    int expected = sqlite3_bind_parameter_count(st);
    if ((size_t)expected != req->nparams)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "the query has %d parameter placeholder(s) but %zu value(s) were given",
                              expected, req->nparams);
    for (size_t i = 0; i < req->nparams; i++) {
        const etlc_param *p = &req->params[i];
        int idx = (int)i + 1, rc;
        switch (p->type) {
        case ETLC_TYPE_NULL: rc = sqlite3_bind_null(st, idx); break;
        case ETLC_TYPE_BOOL:
        case ETLC_TYPE_INT64: rc = sqlite3_bind_int64(st, idx, p->i64); break;
        case ETLC_TYPE_DOUBLE: rc = sqlite3_bind_double(st, idx, p->f64); break;
        case ETLC_TYPE_BYTES: rc = sqlite3_bind_blob64(st, idx, p->data, p->len, SQLITE_TRANSIENT); break;
        default: rc = sqlite3_bind_text64(st, idx, p->data, p->len, SQLITE_TRANSIENT, SQLITE_UTF8); break;
        }
        if (rc != SQLITE_OK) {
            char what[64];
            snprintf(what, sizeof what, "cannot bind parameter %d", idx);
            return etlc__sqlite_error(err, db, rc, what);
        }
    }
    return ETLC_OK;
}

static int make_batch(sqlite3_stmt *st, size_t rows, etlc_batch **out, etlc_error *err)
{
    size_t ncols = (size_t)sqlite3_column_count(st);
    etlc_column_def *defs = calloc(ncols ? ncols : 1, sizeof *defs);
    if (!defs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    for (size_t i = 0; i < ncols; i++) {
        defs[i].name = (char *)sqlite3_column_name(st, (int)i);
        defs[i].type = etlc__sqlite_decltype(sqlite3_column_decltype(st, (int)i), &defs[i].precision, &defs[i].scale);
    }
    int rc = etlc_batch_new(defs, ncols, rows, out, err);
    free(defs);
    return rc;
}

/* One statement, or an error: sqlite3_prepare compiles only the first
 * statement and would silently ignore "SELECT 1; DROP TABLE t". The tail is
 * compiled (never run) to tell comments and whitespace from a statement. */
static int prepare_one(sqlite3 *db, const char *sql, sqlite3_stmt **out, etlc_error *err)
{
    const char *tail = NULL;
    *out = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, out, &tail);
    if (rc != SQLITE_OK)
        return etlc__sqlite_error(err, db, rc, "cannot prepare query");
    if (!*out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "the query is empty (only comments or whitespace)");
    while (tail && *tail) {
        sqlite3_stmt *next = NULL;
        const char *rest = NULL;
        rc = sqlite3_prepare_v2(db, tail, -1, &next, &rest);
        sqlite3_finalize(next);
        if (rc != SQLITE_OK || next) {
            sqlite3_finalize(*out);
            *out = NULL;
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "the query holds more than one statement (one ends at byte %zu); "
                                  "fetch runs a single statement", (size_t)(tail - sql));
        }
        if (rest == tail)
            break;
        tail = rest; /* a lone ';' or a comment: keep looking */
    }
    return ETLC_OK;
}

/* SQLite's progress hook: a non-zero answer interrupts the statement. */
static int interrupt_if_cancelled(void *cancel) { return etlc_cancel_requested(cancel); }

static int fetch_on(sqlite_ctx *ctx, sqlite3 *db, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err);

/* With a cancel token, a statement that computes long before (or between)
 * rows is interrupted too, not only stopped at the next batch. */
int etlc__sqlite_fetch_on(sqlite_ctx *ctx, sqlite3 *db, const etlc_fetch_request *req,
                          etlc_batch_consumer consumer, etlc_error *err)
{
    if (req->cancel)
        sqlite3_progress_handler(db, 10000, interrupt_if_cancelled, (void *)req->cancel);
    int rc = fetch_on(ctx, db, req, consumer, err);
    if (req->cancel)
        sqlite3_progress_handler(db, 0, NULL, NULL);
    return rc;
}

static int fetch_on(sqlite_ctx *ctx, sqlite3 *db, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err)
{
    if (!req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    sqlite3_stmt *st = NULL;
    int rc = prepare_one(db, req->query, &st, err);
    if (rc != ETLC_OK)
        return rc;
    if (sqlite3_column_count(st) == 0) {
        sqlite3_finalize(st);
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "the statement returns no columns; fetch runs queries that return rows");
    }
    etlc_batch *batch = NULL;
    rc = bind_params(st, req, db, err);
    if (rc == ETLC_OK)
        rc = make_batch(st, req->batch_rows ? req->batch_rows : 10000, &batch, err);
    uint64_t row = 0;
    while (rc == ETLC_OK) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            char what[64];
            snprintf(what, sizeof what, "query failed at row %llu", (unsigned long long)row + 1);
            rc = etlc__sqlite_error(err, db, step, what);
            break;
        }
        for (size_t c = 0; c < batch->ncols && rc == ETLC_OK; c++)
            rc = etlc__sqlite_append_value(batch, c, st, row, err);
        if (rc == ETLC_OK)
            rc = etlc_batch_end_row(batch, err);
        row++;
        if (rc == ETLC_OK)
            rc = etlc_batch_flush(batch, consumer, false, err);
    }
    if (rc == ETLC_OK)
        rc = etlc_batch_flush(batch, consumer, true, err);
    if (rc == ETLC_OK)
        etlc_log(ETLC_LOG_INFO, "sqlite", "fetched %llu rows from %s", (unsigned long long)row, ctx->path);
    etlc_batch_free(batch);
    sqlite3_finalize(st);
    return rc;
}

static int sqlite_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                        etlc_error *err)
{
    sqlite_ctx *ctx = vctx;
    return etlc__sqlite_fetch_on(ctx, ctx->db, req, consumer, err);
}

static const char *const sqlite_aliases[] = {"sqlite3", NULL};

const etlc_connector_ops etlc_connector_sqlite = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "sqlite",
    .aliases = sqlite_aliases,
    .description = "SQLite database files (embedded; the default source)",
    .options = &etlc__sqlite_options,
    .context_size = sizeof(sqlite_ctx),
    .connect = sqlite_connect,
    .fetch = sqlite_fetch,
    .test = sqlite_test,
    .alive = sqlite_alive,
    .source_name = sqlite_source_name,
    .close = sqlite_close,
    .sql = &etlc__sqlite_sql_ops,
};

#ifdef ETLCONN_FAULT_INJECTION
/* Test builds: SQLite allocates through the injector (core/fault.h) as it
 * did under the old malloc interposition. Set before main, since
 * SQLITE_CONFIG_MALLOC is refused once SQLite is initialized. */
#include "core/fault.h"

static sqlite3_mem_methods sqlite_default_mem;

static void *sqlite_fi_malloc(int n)
{
    return etlc__fi_should_fail(ETLC__FAULT_SQLITE) ? NULL : sqlite_default_mem.xMalloc(n);
}

static void *sqlite_fi_realloc(void *p, int n)
{
    return etlc__fi_should_fail(ETLC__FAULT_SQLITE) ? NULL : sqlite_default_mem.xRealloc(p, n);
}

__attribute__((constructor)) static void sqlite_route_allocations(void)
{
    sqlite3_mem_methods m;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default_mem) != SQLITE_OK)
        return;
    m = sqlite_default_mem;
    m.xMalloc = sqlite_fi_malloc;
    m.xRealloc = sqlite_fi_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK)
        etlc__fault_note_routed(ETLC__FAULT_SQLITE);
}
#endif
