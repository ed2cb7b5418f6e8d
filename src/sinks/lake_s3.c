/* The S3 lake backend: small files are buffered and PUT once at commit,
 * big ones are multipart uploads completed at commit, so an object is
 * visible only whole. Memory per file is bounded by one part. */
#include <stdlib.h>
#include <string.h>

#include "sinks/lake_backend.h"
#include "sinks/lake_s3.h"
#include "sinks/s3_client.h"

typedef struct s3_lake {
    etlc__s3_client *client;
    char *prefix;          /* "" or "a/b/" */
    size_t part_size;
    size_t threshold;
} s3_lake;

typedef struct s3_file {
    etlc_lake *lake;
    char *key;
    unsigned char *buf;    /* bytes not yet sent */
    size_t len, cap;
    char *upload_id;       /* NULL until multipart starts */
    char **etags;
    unsigned parts, etags_cap;
    bool sealed;           /* everything sent, only completion left */
    int failed;            /* etlc code of an earlier failure; commit refuses */
} s3_file;

static s3_lake *lake_state(etlc_lake *lake) { return lake->state; }

/* A content type from the extension, for tools that browse the bucket. */
static const char *content_type_for(const char *key)
{
    static const struct { const char *ext; const char *type; } types[] = {
        {".jsonl", "application/x-ndjson"}, {".ndjson", "application/x-ndjson"},
        {".json", "application/json"},      {".csv", "text/csv"},
        {".parquet", "application/vnd.apache.parquet"},
    };
    const char *dot = strrchr(key, '.');
    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < ETLC__ARRAY_LEN(types); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    }
    return "application/octet-stream";
}

static void file_release(s3_file *sf)
{
    free(sf->key);
    free(sf->buf);
    free(sf->upload_id);
    for (unsigned i = 0; i < sf->parts; i++)
        free(sf->etags[i]);
    free(sf->etags);
    memset(sf, 0, sizeof *sf);
}

static void abort_upload(s3_file *sf)
{
    if (!sf->upload_id)
        return;
    etlc_error e;
    etlc_error_clear(&e);
    if (etlc__s3_multipart_abort(lake_state(sf->lake)->client, sf->key, sf->upload_id, &e) != 0)
        etlc_log(ETLC_LOG_WARN, "lake.s3",
                 "could not abort multipart upload of '%s' (a bucket lifecycle rule for "
                 "incomplete uploads will reclaim it): %s",
                 sf->key, e.message);
    free(sf->upload_id);
    sf->upload_id = NULL;
}

static int s3_create(etlc_lake *lake, const char *relpath, void *fstate, etlc_error *err)
{
    s3_file *sf = fstate;
    sf->lake = lake;
    etlc__buf key = {0};
    if (etlc__buf_printf(&key, "%s%s", lake_state(lake)->prefix, relpath) != 0) {
        etlc__buf_free(&key);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting S3 object '%s'",
                              relpath);
    }
    sf->key = etlc__buf_take(&key);
    return 0;
}

/* Grow the buffer to hold `need` bytes, never beyond `limit`. */
static int buf_grow(s3_file *sf, size_t need, size_t limit)
{
    if (need <= sf->cap)
        return 0;
    size_t cap = sf->cap ? sf->cap : 64 * 1024;
    while (cap < need)
        cap = cap > limit / 2 ? limit : cap * 2;
    if (cap > limit)
        cap = limit;
    unsigned char *p = realloc(sf->buf, cap);
    if (!p)
        return -1;
    sf->buf = p;
    sf->cap = cap;
    return 0;
}

static int fail(s3_file *sf, int rc)
{
    sf->failed = rc;
    abort_upload(sf); /* free the server's storage now, not at abort() */
    return rc;
}

static int start_multipart(s3_file *sf, etlc_error *err)
{
    s3_lake *sl = lake_state(sf->lake);
    int rc = etlc__s3_multipart_create(sl->client, sf->key, content_type_for(sf->key),
                                       &sf->upload_id, err);
    return rc ? fail(sf, rc) : 0;
}

/* Send the first `n` buffered bytes as the next part. */
static int send_part(s3_file *sf, size_t n, etlc_error *err)
{
    s3_lake *sl = lake_state(sf->lake);
    if (sf->parts == sf->etags_cap) {
        unsigned cap = sf->etags_cap ? sf->etags_cap * 2 : 16;
        char **p = realloc(sf->etags, cap * sizeof *p);
        if (!p)
            return fail(sf, etlc_error_set(err, ETLC_NO_MEMORY,
                                           "out of memory uploading S3 object '%s'", sf->key));
        sf->etags = p;
        sf->etags_cap = cap;
    }
    if (sf->parts >= 10000)
        return fail(sf, etlc_error_set(err, ETLC_DATA,
                                       "S3 object '%s' needs more than 10000 parts; raise "
                                       "part_size", sf->key));
    char *etag = NULL;
    int rc = etlc__s3_multipart_upload_part(sl->client, sf->key, sf->upload_id, sf->parts + 1,
                                            sf->buf, n, &etag, err);
    if (rc)
        return fail(sf, rc);
    sf->etags[sf->parts++] = etag;
    memmove(sf->buf, sf->buf + n, sf->len - n);
    sf->len -= n;
    return 0;
}

static int s3_write(void *fstate, const void *data, size_t len, etlc_error *err)
{
    s3_file *sf = fstate;
    s3_lake *sl = lake_state(sf->lake);
    if (sf->failed)
        return etlc_error_set(err, sf->failed, "S3 object '%s' already failed; abort it",
                              sf->key);
    const unsigned char *p = data;
    size_t limit = sl->threshold > sl->part_size ? sl->threshold : sl->part_size;
    while (len > 0) {
        size_t room = limit - sf->len;
        size_t take = len < room ? len : room;
        if (buf_grow(sf, sf->len + take, limit) != 0)
            return fail(sf, etlc_error_set(err, ETLC_NO_MEMORY,
                                           "out of memory buffering S3 object '%s'", sf->key));
        memcpy(sf->buf + sf->len, p, take);
        sf->len += take;
        p += take;
        len -= take;
        if (!sf->upload_id && sf->len >= sl->threshold) {
            int rc = start_multipart(sf, err);
            if (rc)
                return rc;
        }
        while (sf->upload_id && sf->len >= sl->part_size) {
            int rc = send_part(sf, sl->part_size, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Send what is buffered (a multipart upload of one short part for a small
 * file) so memory is released; the object stays invisible until commit. */
static int s3_seal(void *fstate, etlc_error *err)
{
    s3_file *sf = fstate;
    if (sf->failed)
        return etlc_error_set(err, sf->failed, "S3 object '%s' already failed; abort it",
                              sf->key);
    if (sf->sealed || (sf->len == 0 && !sf->upload_id))
        return 0; /* empty: nothing held, PUT at commit */
    if (!sf->upload_id) {
        int rc = start_multipart(sf, err);
        if (rc)
            return rc;
    }
    if (sf->len > 0 || sf->parts == 0) {
        int rc = send_part(sf, sf->len, err);
        if (rc)
            return rc;
    }
    free(sf->buf);
    sf->buf = NULL;
    sf->cap = 0;
    sf->sealed = true;
    return 0;
}

static int final_path_for(etlc_lake *lake, const char *key, char **final_path, etlc_error *err)
{
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "s3://%s/%s", etlc__s3_client_bucket(lake_state(lake)->client),
                         key) != 0) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming S3 object '%s'", key);
    }
    *final_path = etlc__buf_take(&b);
    return 0;
}

static int s3_commit(void *fstate, char **final_path, etlc_error *err)
{
    s3_file *sf = fstate;
    s3_lake *sl = lake_state(sf->lake);
    *final_path = NULL;
    int rc = 0;
    char *path = NULL;
    if (sf->failed) {
        rc = etlc_error_set(err, sf->failed, "S3 object '%s' failed earlier; not committed",
                            sf->key);
        goto done;
    }
    /* Name it first: no memory afterwards must not leave an orphan object. */
    rc = final_path_for(sf->lake, sf->key, &path, err);
    if (rc)
        goto done;
    if (!sf->upload_id) {
        rc = etlc__s3_put_object(sl->client, sf->key, sf->buf, sf->len,
                                 content_type_for(sf->key), err);
    } else {
        if (!sf->sealed && (sf->len > 0 || sf->parts == 0))
            rc = send_part(sf, sf->len, err);
        if (rc == 0)
            rc = etlc__s3_multipart_complete(sl->client, sf->key, sf->upload_id, sf->etags,
                                             sf->parts, err);
        if (rc == 0) {
            free(sf->upload_id); /* completed: nothing to abort */
            sf->upload_id = NULL;
        }
    }
done:
    abort_upload(sf);
    if (rc == 0) {
        *final_path = path;
        path = NULL;
    }
    free(path);
    file_release(sf);
    return rc;
}

static void s3_abort(void *fstate)
{
    s3_file *sf = fstate;
    if (sf->lake)
        abort_upload(sf);
    file_release(sf);
}

static int s3_remove_committed(etlc_lake *lake, const char *final_path, etlc_error *err)
{
    s3_lake *sl = lake_state(lake);
    etlc__buf scheme = {0};
    if (etlc__buf_printf(&scheme, "s3://%s/", etlc__s3_client_bucket(sl->client)) != 0) {
        etlc__buf_free(&scheme);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory removing '%s'", final_path);
    }
    int rc;
    if (strncmp(final_path, scheme.data, scheme.len) != 0)
        rc = etlc_error_set(err, ETLC_IO_PATH, "'%s' is not an object of this lake (%s)",
                            final_path, lake->root);
    else
        rc = etlc__s3_delete_object(sl->client, final_path + scheme.len, err);
    etlc__buf_free(&scheme);
    return rc;
}

static void s3_close(etlc_lake *lake)
{
    s3_lake *sl = lake->state;
    if (!sl)
        return;
    etlc__s3_client_free(sl->client);
    free(sl->prefix);
    free(sl);
    lake->state = NULL;
}

const etlc_lake_backend etlc__lake_backend_s3 = {
    .name = "s3",
    .file_state_size = sizeof(s3_file),
    .create = s3_create,
    .write = s3_write,
    .seal = s3_seal,
    .commit = s3_commit,
    .abort = s3_abort,
    .remove_committed = s3_remove_committed,
    .close = s3_close,
    .manage = &etlc__lake_s3_manage,
};

etlc__s3_client *etlc__lake_s3_client(etlc_lake *lake)
{
    return lake && lake->backend == &etlc__lake_backend_s3 ? lake_state(lake)->client : NULL;
}

const char *etlc__lake_s3_prefix(etlc_lake *lake) { return lake_state(lake)->prefix; }

char *etlc__lake_s3_key(etlc_lake *lake, const char *relpath)
{
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s%s", etlc__lake_s3_prefix(lake), relpath) != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

/* ---- opening --------------------------------------------------------------- */

static const char *first_set(const char *a, const char *env1, const char *env2)
{
    if (a && *a)
        return a;
    const char *v = env1 ? getenv(env1) : NULL;
    if (v && *v)
        return v;
    v = env2 ? getenv(env2) : NULL;
    return (v && *v) ? v : NULL;
}

/* "/a//b/" -> "a//b/" checked: leading and trailing slashes are dropped, the
 * rest must be a valid relative path; result is "" or "a/b/". */
static int normalize_prefix(const char *in, char **out, etlc_error *err)
{
    *out = NULL;
    const char *s = in ? in : "";
    while (*s == '/')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    char *core = etlc__strndup(s, n);
    if (!core)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading S3 prefix");
    if (n > 0) {
        int rc = etlc_lake_check_relpath(core, err);
        if (rc) {
            free(core);
            return etlc_error_prefix(err, "S3 prefix");
        }
    }
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s%s", core, n ? "/" : "") != 0) {
        free(core);
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading S3 prefix");
    }
    free(core);
    *out = etlc__buf_take(&b);
    return 0;
}

/* Bucket names: 3-63 of [a-z0-9.-] (plus '_' and upper case, which some
 * S3-compatible stores allow); the name goes into URLs and host names. */
static int check_bucket(const char *bucket, etlc_error *err)
{
    size_t n = strlen(bucket);
    bool ok = n >= 3 && n <= 63;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = bucket[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '.' || ch == '-' || ch == '_';
    }
    if (!ok)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "S3 bucket '%s' is not a valid bucket name (3-63 of a-z 0-9 . -)",
                              bucket);
    return 0;
}

int etlc_lake_open_s3(const etlc_lake_s3_options *opts, etlc_lake **out, etlc_error *err)
{
    *out = NULL;
    if (!opts)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "S3 lake options are NULL");
    if (!opts->bucket || !*opts->bucket)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "S3 lake needs a bucket");
    int rc = check_bucket(opts->bucket, err);
    if (rc)
        return rc;

    size_t part = opts->part_size ? opts->part_size : ETLC_LAKE_S3_DEFAULT_PART_SIZE;
    if (part < ETLC_LAKE_S3_MIN_PART_SIZE || part > (size_t)5 * 1024 * 1024 * 1024)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "S3 part_size %zu is out of range (5 MiB to 5 GiB)", part);
    size_t threshold = opts->multipart_threshold ? opts->multipart_threshold : part;

    const char *region = first_set(opts->region, "AWS_REGION", "AWS_DEFAULT_REGION");
    if (!region)
        region = "us-east-1";
    const char *access = opts->access_key_id && *opts->access_key_id ? opts->access_key_id : NULL;
    const char *secret = opts->secret_access_key && *opts->secret_access_key
                             ? opts->secret_access_key
                             : NULL;
    const char *token = opts->session_token && *opts->session_token ? opts->session_token : NULL;
    if (!access && !secret) {
        /* Take the whole credential set from the environment, never half. */
        access = first_set(NULL, "AWS_ACCESS_KEY_ID", NULL);
        secret = first_set(NULL, "AWS_SECRET_ACCESS_KEY", NULL);
        if (!token)
            token = first_set(NULL, "AWS_SESSION_TOKEN", NULL);
    }
    if (!access || !secret)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                              "S3 lake s3://%s needs credentials: set access_key_id and "
                              "secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                              opts->bucket);
    etlc_redact_register_secret(secret);
    if (token)
        etlc_redact_register_secret(token);

    etlc__buf endpoint = {0};
    const char *ep = first_set(opts->endpoint, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
    if (ep ? etlc__buf_puts(&endpoint, ep) : etlc__buf_printf(&endpoint, "https://s3.%s.amazonaws.com", region)) {
        etlc__buf_free(&endpoint);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening S3 lake");
    }

    etlc_lake *lake = calloc(1, sizeof *lake);
    s3_lake *sl = calloc(1, sizeof *sl);
    etlc__buf root = {0};
    if (!lake || !sl) {
        free(lake);
        free(sl);
        etlc__buf_free(&endpoint);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening S3 lake");
    }
    lake->backend = &etlc__lake_backend_s3;
    lake->state = sl;
    sl->part_size = part;
    sl->threshold = threshold;
    rc = normalize_prefix(opts->prefix, &sl->prefix, err);
    if (rc)
        goto fail;
    size_t plen = strlen(sl->prefix);
    if (etlc__buf_printf(&root, "s3://%s%s%.*s", opts->bucket, plen ? "/" : "",
                         (int)(plen ? plen - 1 : 0), sl->prefix) != 0) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening S3 lake");
        goto fail;
    }
    lake->root = etlc__buf_take(&root);

    etlc__s3_config cfg = {
        .endpoint = endpoint.data,
        .region = region,
        .bucket = opts->bucket,
        .path_style = opts->path_style,
        .access_key_id = access,
        .secret_access_key = secret,
        .session_token = token,
        .max_retries = opts->max_retries == 0 ? 4 : (opts->max_retries < 0 ? 0 : opts->max_retries),
        .timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 300000,
        .connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000,
    };
    rc = etlc__s3_client_new(&cfg, &sl->client, err);
    if (rc)
        goto fail;
    rc = opts->skip_bucket_check ? 0 : etlc__s3_head_bucket(sl->client, err);
    if (rc) {
        etlc_error_prefix(err, "cannot open S3 lake %s", lake->root);
        goto fail;
    }
    etlc__buf_free(&endpoint);
    *out = lake;
    return 0;
fail:
    etlc__buf_free(&endpoint);
    etlc__buf_free(&root);
    etlc_lake_free(lake);
    return rc;
}

int etlc_lake_open_uri(const char *uri, const etlc_lake_s3_options *s3_defaults, etlc_lake **out,
                       etlc_error *err)
{
    *out = NULL;
    if (!uri || !*uri)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "lake URI is empty");
    if (strncmp(uri, "file://", 7) == 0) {
        if (uri[7] != '/')
            return etlc_error_set(err, ETLC_CONFIG_RANGE,
                                  "lake URI '%s': file:// needs an absolute path (file:///dir)",
                                  uri);
        return etlc_lake_open_local(uri + 7, out, err);
    }
    if (strncmp(uri, "s3://", 5) != 0) {
        if (strstr(uri, "://"))
            return etlc_error_set(err, ETLC_CONFIG_RANGE,
                                  "lake URI '%s': scheme not supported (use s3://, file:// or "
                                  "a directory)", uri);
        return etlc_lake_open_local(uri, out, err);
    }
    const char *bucket = uri + 5;
    size_t blen = strcspn(bucket, "/");
    char *bucket_copy = etlc__strndup(bucket, blen);
    if (!bucket_copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening lake '%s'", uri);
    etlc_lake_s3_options o;
    if (s3_defaults)
        o = *s3_defaults;
    else
        memset(&o, 0, sizeof o);
    o.bucket = bucket_copy;
    o.prefix = bucket[blen] == '/' ? bucket + blen + 1 : "";
    if (first_set(o.endpoint, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))
        o.path_style = true; /* custom endpoints (SeaweedFS, MinIO) are path-style */
    int rc = blen ? etlc_lake_open_s3(&o, out, err)
                  : etlc_error_set(err, ETLC_CONFIG_RANGE, "lake URI '%s' has no bucket", uri);
    free(bucket_copy);
    return rc;
}
