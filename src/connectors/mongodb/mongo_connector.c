/* The mongodb connector: a MongoDB (or wire-compatible) server through
 * libmongoc. One client per connector (libmongoc's single-threaded client),
 * so the core calls it one thread at a time; the records capability reads
 * collections and pipelines page by page (mongo_pages.c). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mongo_internal.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libmongoc's own log lines (e.g. "Couldn't send endSessions" at exit) go
 * to etlconn's logger at debug level, redacted like every other line. */
static void mongo_log(mongoc_log_level_t level, const char *domain, const char *message, void *ud)
{
    (void)ud;
    etlc_log(level <= MONGOC_LOG_LEVEL_ERROR ? ETLC_LOG_WARN : ETLC_LOG_DEBUG, "mongodb",
             "%s: %s", domain, message);
}

/* Debian's libmongoc 1.23 initialises itself before main (its deprecated
 * automatic init) and creates /dev/shm/mongoc-<pid> for its counters in
 * every process that loads it, mongodb used or not. A process that is
 * killed leaves that file behind, and a later process given the same pid
 * prints "Falling back to malloc for counters" on stderr. The counters stay
 * mapped: removing the name only hides them from external readers. Runs
 * after libmongoc's constructor (a dependency's constructors run first). */
__attribute__((constructor)) static void mongo_unlink_counters_name(void)
{
    char name[32];
    snprintf(name, sizeof name, "mongoc-%u", (unsigned)getpid());
    shm_unlink(name);
}

static void mongo_init(void)
{
    mongoc_init();
    mongoc_log_set_handler(mongo_log, NULL);
    atexit(mongoc_cleanup);
}

int etlc__mongo_error(const bson_error_t *be, const char *what, etlc_error *err)
{
    int code = ETLC_QUERY;
    bool retry = false;
    if ((be->domain == MONGOC_ERROR_CLIENT && be->code == MONGOC_ERROR_CLIENT_AUTHENTICATE) ||
        ((be->domain == MONGOC_ERROR_SERVER || be->domain == MONGOC_ERROR_QUERY) && be->code == 18))
        code = ETLC_AUTH;
    else if ((be->domain == MONGOC_ERROR_SERVER || be->domain == MONGOC_ERROR_QUERY) && be->code == 13)
        code = ETLC_AUTH_DENIED;
    else if (be->domain == MONGOC_ERROR_SERVER_SELECTION)
        code = ETLC_CONNECT, retry = true;
    else if (be->domain == MONGOC_ERROR_STREAM)
        code = ETLC_IO, retry = true;
    else if (be->domain == MONGOC_ERROR_BSON || be->domain == MONGOC_ERROR_COMMAND)
        code = ETLC_INVALID_ARGUMENT;
    /* etlc_error_set redacts: a password inside a uri in the message is masked. */
    int rc = etlc_error_set(err, code, "mongodb: %s: %s", what, be->message);
    err->native_code = (int)be->code;
    err->retryable = retry;
    return rc;
}

static void mongo_close(void *vctx)
{
    mongo_ctx *ctx = vctx;
    if (ctx->client)
        mongoc_client_destroy(ctx->client);
    free(ctx->database);
    *ctx = (mongo_ctx){0};
}

static int set_text(mongoc_uri_t *uri, const char *key, const char *v)
{
    return !v || mongoc_uri_set_option_as_utf8(uri, key, v) ? 0 : -1;
}

/* The separate keys onto uri (each overriding the uri's own part). */
static int apply_keys(mongoc_uri_t *uri, const etlc_config *cfg, etlc_error *err)
{
    const char *user = etlc__config_text(cfg, "username"), *pw = etlc__config_text(cfg, "password");
    const char *src = etlc__config_text(cfg, "auth_source"), *mech = etlc__config_text(cfg, "auth_mechanism");
    bool ok = (!user || mongoc_uri_set_username(uri, user)) && (!pw || mongoc_uri_set_password(uri, pw)) &&
              (!src || mongoc_uri_set_auth_source(uri, src)) && (!mech || mongoc_uri_set_auth_mechanism(uri, mech));
    if (etlc_config_get_bool(cfg, "tls"))
        ok = ok && mongoc_uri_set_option_as_bool(uri, MONGOC_URI_TLS, true);
    ok = ok && set_text(uri, MONGOC_URI_TLSCAFILE, etlc__config_text(cfg, "tls_ca_file")) == 0 &&
         set_text(uri, MONGOC_URI_TLSCERTIFICATEKEYFILE, etlc__config_text(cfg, "tls_certificate_key_file")) == 0 &&
         set_text(uri, MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD,
                  etlc__config_text(cfg, "tls_certificate_key_password")) == 0;
    if (etlc_config_get_bool(cfg, "tls_allow_invalid_certificates"))
        ok = ok && mongoc_uri_set_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDCERTIFICATES, true);
    if (etlc_config_get_bool(cfg, "tls_allow_invalid_hostnames"))
        ok = ok && mongoc_uri_set_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDHOSTNAMES, true);
    int64_t ct = etlc_config_get_int(cfg, "connect_timeout"), st = etlc_config_get_int(cfg, "server_selection_timeout");
    int64_t so = etlc_config_get_int(cfg, "socket_timeout");
    ok = ok && mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, ct > 0 ? (int32_t)ct : 1) &&
         mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, st > 0 ? (int32_t)st : 1) &&
         mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, (int32_t)so);
    const char *app = etlc__config_text(cfg, "app_name");
    ok = ok && mongoc_uri_set_appname(uri, app ? app : "etlconn");
    return ok ? 0 : etlc_error_set(err, ETLC_CONFIG, "mongodb: an authentication or TLS option was "
                                   "refused by libmongoc (check auth_mechanism and the TLS keys)");
}

static int build_uri(const etlc_config *cfg, mongoc_uri_t **out, etlc_error *err)
{
    const char *text = etlc__config_text(cfg, "uri");
    bson_error_t be;
    mongoc_uri_t *uri;
    if (text) {
        uri = mongoc_uri_new_with_error(text, &be);
        if (!uri) /* the message may quote the uri: the redactor masks its password */
            return etlc_error_set(err, ETLC_CONFIG, "mongodb: uri is not a valid MongoDB URI: %s",
                                  be.message);
    } else {
        const char *host = etlc_config_get_string(cfg, "host");
        uri = mongoc_uri_new_for_host_port(host, (uint16_t)etlc_config_get_int(cfg, "port"));
        if (!uri)
            return etlc_error_set(err, ETLC_CONFIG, "mongodb: host '%s' is not a valid host name", host);
    }
    if (mongoc_uri_get_password(uri))
        etlc_redact_register_secret(mongoc_uri_get_password(uri));
    int rc = apply_keys(uri, cfg, err);
    if (rc != 0)
        mongoc_uri_destroy(uri);
    else
        *out = uri;
    return rc;
}

static int ping(mongo_ctx *ctx, bson_t *reply, etlc_error *err)
{
    bson_t cmd = BSON_INITIALIZER;
    bson_error_t be;
    BSON_APPEND_INT32(&cmd, "ping", 1);
    bool ok = mongoc_client_command_simple(ctx->client, ctx->database, &cmd, NULL, reply, &be);
    bson_destroy(&cmd);
    return ok ? 0 : etlc__mongo_error(&be, "ping", err);
}

/* Connect = build the client and ping, which authenticates: bad
 * credentials fail here, as ETLC_AUTH, not at the first fetch. */
static int mongo_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    mongo_ctx *ctx = vctx;
    pthread_once(&init_once, mongo_init);
    ctx->batch_size = etlc_config_get_int(cfg, "batch_size");
    mongoc_uri_t *uri = NULL;
    int rc = build_uri(cfg, &uri, err);
    if (rc != 0)
        return rc;
    const char *db = etlc__config_text(cfg, "database");
    if (!db)
        db = mongoc_uri_get_database(uri);
    if (!db || !*db) {
        mongoc_uri_destroy(uri);
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "mongodb: set database (or name one in "
                              "the uri path: mongodb://host/database)");
    }
    /* As in a uri's path: credentials live in the database read unless
     * auth_source (authSource) says otherwise. */
    bson_iter_t src;
    if (mongoc_uri_get_username(uri) &&
        !bson_iter_init_find_case(&src, mongoc_uri_get_credentials(uri), MONGOC_URI_AUTHSOURCE) &&
        !mongoc_uri_set_auth_source(uri, db)) {
        mongoc_uri_destroy(uri);
        return etlc_error_set(err, ETLC_CONFIG, "mongodb: database '%s' cannot be the auth source", db);
    }
    ctx->database = etlc__strdup(db);
    bson_error_t be;
    ctx->client = ctx->database ? mongoc_client_new_from_uri_with_error(uri, &be) : NULL;
    mongoc_uri_destroy(uri);
    if (!ctx->database)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    if (!ctx->client)
        return etlc__mongo_error(&be, "cannot create a client", err);
    mongoc_client_set_error_api(ctx->client, MONGOC_ERROR_API_VERSION_2);
    snprintf(ctx->source, sizeof ctx->source, "%s",
             etlc__config_text(cfg, "source") ? etlc__config_text(cfg, "source") : ctx->database);
    bson_t reply;
    rc = ping(ctx, &reply, err);
    bson_destroy(&reply);
    return rc;
}

/* Healthy when ping answers; the version from buildInfo. */
static int mongo_test(void *vctx, etlc_health *health, etlc_error *err)
{
    mongo_ctx *ctx = vctx;
    (void)err;
    etlc_error e = {0};
    double t0 = etlc__monotonic_ms();
    bson_t reply;
    int rc = ping(ctx, &reply, &e);
    bson_destroy(&reply);
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = rc == 0;
    bson_t cmd = BSON_INITIALIZER;
    BSON_APPEND_INT32(&cmd, "buildInfo", 1);
    bson_iter_t it;
    if (rc == 0) { /* command_simple initialises reply whatever it returns */
        if (mongoc_client_command_simple(ctx->client, "admin", &cmd, NULL, &reply, NULL) &&
            bson_iter_init_find(&it, &reply, "version") && BSON_ITER_HOLDS_UTF8(&it))
            snprintf(health->server_version, sizeof health->server_version, "MongoDB %s",
                     bson_iter_utf8(&it, NULL));
        bson_destroy(&reply);
    }
    bson_destroy(&cmd);
    if (rc == 0)
        snprintf(health->detail, sizeof health->detail, "ping answered; database \"%s\"", ctx->database);
    else
        snprintf(health->detail, sizeof health->detail, "%s", e.message);
    return 0;
}

static bool mongo_alive(void *vctx) { return ((mongo_ctx *)vctx)->client != NULL; }

static void mongo_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((mongo_ctx *)vctx)->source);
}

static const etlc_records_ops mongo_records = {.fetch_pages = etlc__mongo_fetch_pages};
static const char *const mongo_aliases[] = {"mongo", NULL};

const etlc_connector_ops etlc_connector_mongodb = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "mongodb",
    .aliases = mongo_aliases,
    .description = "MongoDB collections and aggregation pipelines as typed records (libmongoc)",
    .options = &etlc__mongo_options,
    .context_size = sizeof(mongo_ctx),
    .connect = mongo_connect,
    .test = mongo_test,
    .alive = mongo_alive,
    .source_name = mongo_source_name,
    .close = mongo_close,
    .records = &mongo_records,
};
