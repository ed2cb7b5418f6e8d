/* The S3 lake against a real S3-compatible server: SeaweedFS on loopback,
 * the run's one instance (shared-service: seaweedfs; this test works in a
 * bucket of its own). If the server is not there the test FAILS (it is
 * never skipped). Objects are read back both through S3
 * (our client) and through SeaweedFS's filer HTTP API, which does not go
 * through S3 signing at all. Data volume: about 25 MiB in total. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "core/internal.h"
#include "sinks/lake_backend.h"
#include "sinks/lake_s3.h"

#define MIB (1024u * 1024u)

#define S3_PEER_OWN_OPEN_LAKE /* its lakes take base_options() */
#include "s3_peer.h" /* endpoint, ..., bucket, shared_s3_start */

/* ---- helpers --------------------------------------------------------------- */

static etlc_lake_s3_options base_options(const char *prefix)
{
    etlc_lake_s3_options o = {
        .endpoint = endpoint,
        .region = region,
        .bucket = bucket,
        .prefix = prefix,
        .path_style = true,
        .access_key_id = access_key,
        .secret_access_key = secret_key,
        .part_size = 5 * MIB,
    };
    return o;
}

static etlc_lake *open_lake(const char *sub)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/%s", run_prefix, sub);
    etlc_lake_s3_options o = base_options(prefix);
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    int rc = etlc_lake_open_s3(&o, &lake, &err);
    if (rc)
        fail_msg("etlc_lake_open_s3: %s", err.message);
    return lake;
}

/* Deterministic bytes that differ per offset, so misplaced parts show. */
static unsigned char *pattern(size_t len, unsigned seed)
{
    unsigned char *p = malloc(len ? len : 1);
    assert_non_null(p);
    uint32_t x = 2463534242u ^ seed;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
    return p;
}

static char *key_of(etlc_lake *lake, const char *relpath)
{
    /* root is s3://bucket/prefix */
    const char *root = etlc_lake_root(lake);
    const char *after = root + strlen("s3://") + strlen(bucket);
    etlc__buf b = {0};
    assert_int_equal(etlc__buf_printf(&b, "%s%s%s", *after == '/' ? after + 1 : after,
                                      *after ? "/" : "", relpath), 0);
    return etlc__buf_take(&b);
}

/* 0 when the object exists, else its etlc code. */
static int s3_exists(etlc_lake *lake, const char *relpath)
{
    char *key = key_of(lake, relpath);
    etlc_error err = {0};
    int rc = etlc__s3_head_object(etlc__lake_s3_client(lake), key, NULL, &err);
    free(key);
    return rc;
}

static unsigned pending_uploads(etlc_lake *lake, const char *relpath)
{
    char *key = key_of(lake, relpath);
    etlc_error err = {0};
    unsigned n = 99;
    int rc = etlc__s3_multipart_count(etlc__lake_s3_client(lake), key, &n, &err);
    if (rc)
        fail_msg("list multipart uploads: %s", err.message);
    free(key);
    return n;
}

static void assert_s3_content(etlc_lake *lake, const char *relpath, const void *data, size_t len)
{
    char *key = key_of(lake, relpath);
    etlc__buf body = {0};
    etlc_error err = {0};
    int rc = etlc__s3_get_object(etlc__lake_s3_client(lake), key, &body, &err);
    if (rc)
        fail_msg("GET %s: %s", key, err.message);
    assert_int_equal(body.len, len);
    assert_true(len == 0 || memcmp(body.data, data, len) == 0);
    etlc__buf_free(&body);
    free(key);
}

static size_t on_filer_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    return etlc__buf_append(userdata, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

/* Read the object through the filer's plain HTTP API (no S3 involved).
 * Returns the HTTP status; body in *out. */
static long filer_get(etlc_lake *lake, const char *relpath, etlc__buf *out)
{
    char *key = key_of(lake, relpath);
    etlc__buf url = {0};
    assert_int_equal(etlc__buf_printf(&url, "%s/buckets/%s/", filer, bucket), 0);
    assert_int_equal(etlc__s3_uri_encode(&url, key, true), 0);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_filer_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    etlc__buf_free(&url);
    free(key);
    return status;
}

static void write_in_chunks(etlc_lake_file *f, const unsigned char *data, size_t len, size_t chunk)
{
    etlc_error err = {0};
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        int rc = etlc_lake_file_write(f, data + off, n, &err);
        if (rc)
            fail_msg("write at %zu: %s", off, err.message);
    }
}

static void commit_ok(etlc_lake_file *f, const void *data, size_t len, const char *expect_path)
{
    uint64_t bytes = 0;
    char sha[65] = "", expect_sha[65];
    char *final_path = NULL;
    etlc_error err = {0};
    int rc = etlc_lake_file_commit(f, &bytes, sha, &final_path, &err);
    if (rc)
        fail_msg("commit: %s", err.message);
    etlc__sha256_hex(data, len, expect_sha);
    assert_int_equal(bytes, len);
    assert_string_equal(sha, expect_sha);
    assert_string_equal(final_path, expect_path);
    free(final_path);
}

static char *expected_final(etlc_lake *lake, const char *relpath)
{
    etlc__buf b = {0};
    assert_int_equal(etlc__buf_printf(&b, "%s/%s", etlc_lake_root(lake), relpath), 0);
    return etlc__buf_take(&b);
}

/* A listening loopback socket on a free port (never accepted on). */
static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* ---- tests --------------------------------------------------------------- */

static void test_small_file_put_at_commit(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("small");
    const char *rel = "jsonl/src/dt=2026-01-02/a b+c.jsonl"; /* needs URI encoding */
    const char *text = "{\"id\":1}\n{\"id\":2}\n{\"id\":3,\"name\":\"\xc3\xa9t\xc3\xa9\"}\n";
    etlc_lake_file *f = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_file_create(lake, rel, &f, &err), 0);
    write_in_chunks(f, (const unsigned char *)text, strlen(text), 7);
    assert_int_equal(etlc_lake_file_size(f), strlen(text));
    /* Nothing visible before commit. */
    assert_int_equal(s3_exists(lake, rel), ETLC_IO_NOT_FOUND);
    char *expect = expected_final(lake, rel);
    commit_ok(f, text, strlen(text), expect);
    free(expect);

    assert_int_equal(s3_exists(lake, rel), 0);
    assert_s3_content(lake, rel, text, strlen(text));
    etlc__buf body = {0};
    assert_int_equal(filer_get(lake, rel, &body), 200);
    assert_int_equal(body.len, strlen(text));
    assert_memory_equal(body.data, text, strlen(text));
    etlc__buf_free(&body);
    etlc_lake_free(lake);
}

static void test_multipart_file(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("multi");
    const char *rel = "parquet/big.parquet";
    size_t len = 11 * MIB + 12345; /* parts: 5 MiB, 5 MiB, 1 MiB + 12345 */
    unsigned char *data = pattern(len, 1);
    etlc_lake_file *f = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_file_create(lake, rel, &f, &err), 0);
    write_in_chunks(f, data, 6 * MIB, 700 * 1024 + 3);
    /* One part is up, the upload is pending, the object is not visible. */
    assert_int_equal(pending_uploads(lake, rel), 1);
    assert_int_equal(s3_exists(lake, rel), ETLC_IO_NOT_FOUND);
    etlc__buf body = {0};
    assert_int_equal(filer_get(lake, rel, &body), 404);
    etlc__buf_free(&body);
    write_in_chunks(f, data + 6 * MIB, len - 6 * MIB, 1 * MIB + 17);
    assert_int_equal(s3_exists(lake, rel), ETLC_IO_NOT_FOUND);

    char *expect = expected_final(lake, rel);
    commit_ok(f, data, len, expect);
    free(expect);
    assert_int_equal(pending_uploads(lake, rel), 0);
    assert_s3_content(lake, rel, data, len);
    assert_int_equal(filer_get(lake, rel, &body), 200);
    assert_int_equal(body.len, len);
    assert_memory_equal(body.data, data, len);
    etlc__buf_free(&body);
    free(data);
    etlc_lake_free(lake);
}

static void test_multipart_abort_leaves_nothing(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("abort");
    const char *rel = "big-aborted.csv";
    size_t len = 5 * MIB + 100;
    unsigned char *data = pattern(len, 2);
    etlc_lake_file *f = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_file_create(lake, rel, &f, &err), 0);
    write_in_chunks(f, data, len, 1 * MIB);
    assert_int_equal(pending_uploads(lake, rel), 1);
    etlc_lake_file_abort(f);
    assert_int_equal(pending_uploads(lake, rel), 0);
    assert_int_equal(s3_exists(lake, rel), ETLC_IO_NOT_FOUND);
    etlc__buf body = {0};
    assert_int_equal(filer_get(lake, rel, &body), 404);
    etlc__buf_free(&body);

    /* A small file aborted never reached the server at all. */
    assert_int_equal(etlc_lake_file_create(lake, "small-aborted.csv", &f, &err), 0);
    write_in_chunks(f, data, 1000, 1000);
    etlc_lake_file_abort(f);
    assert_int_equal(s3_exists(lake, "small-aborted.csv"), ETLC_IO_NOT_FOUND);
    assert_int_equal(pending_uploads(lake, "small-aborted.csv"), 0);
    free(data);
    etlc_lake_free(lake);
}

static void test_empty_file_and_overwrite(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("empty");
    etlc_lake_file *f = NULL;
    etlc_error err = {0};
    char *expect = expected_final(lake, "e.jsonl");
    assert_int_equal(etlc_lake_file_create(lake, "e.jsonl", &f, &err), 0);
    commit_ok(f, "", 0, expect);
    assert_int_equal(s3_exists(lake, "e.jsonl"), 0);
    assert_s3_content(lake, "e.jsonl", "", 0);

    /* Same deterministic name again: a re-run overwrites, never duplicates. */
    assert_int_equal(etlc_lake_file_create(lake, "e.jsonl", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "second\n", 7, &err), 0);
    commit_ok(f, "second\n", 7, expect);
    assert_s3_content(lake, "e.jsonl", "second\n", 7);
    free(expect);
    etlc_lake_free(lake);
}

/* seal() sends buffered bytes (a one-part multipart upload for a small file)
 * so many finished files do not pin memory; still invisible until commit. */
static void test_seal_then_commit_or_abort(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("seal");
    etlc_lake_file *f = NULL;
    etlc_error err = {0};
    const char *text = "a,b\n1,2\n";
    assert_int_equal(etlc_lake_file_create(lake, "s.csv", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, text, strlen(text), &err), 0);
    assert_int_equal(etlc__lake_file_seal(f, &err), 0);
    assert_int_equal(pending_uploads(lake, "s.csv"), 1);
    assert_int_equal(s3_exists(lake, "s.csv"), ETLC_IO_NOT_FOUND);
    assert_int_not_equal(etlc_lake_file_write(f, "x", 1, &err), 0);
    char *expect = expected_final(lake, "s.csv");
    commit_ok(f, text, strlen(text), expect);
    assert_s3_content(lake, "s.csv", text, strlen(text));

    /* Undo of a multi-file commit removes the object again. */
    assert_int_equal(etlc__lake_remove_committed(lake, expect, &err), 0);
    assert_int_equal(s3_exists(lake, "s.csv"), ETLC_IO_NOT_FOUND);
    assert_int_equal(etlc__lake_remove_committed(lake, "s3://other-bucket/x", &err), ETLC_IO_PATH);
    free(expect);

    assert_int_equal(etlc_lake_file_create(lake, "t.csv", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, text, strlen(text), &err), 0);
    assert_int_equal(etlc__lake_file_seal(f, &err), 0);
    etlc_lake_file_abort(f);
    assert_int_equal(pending_uploads(lake, "t.csv"), 0);
    assert_int_equal(s3_exists(lake, "t.csv"), ETLC_IO_NOT_FOUND);
    etlc_lake_free(lake);
}

static void test_wrong_credentials(void **state)
{
    (void)state;
    tu_capture_logs();
    const char *wrong = "wrong-secret-key-3f9a7c1e55";
    etlc_lake_s3_options o = base_options(run_prefix);
    o.secret_access_key = wrong;
    o.max_retries = -1;
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_s3(&o, &lake, &err), ETLC_AUTH_DENIED);
    assert_null(lake);
    assert_int_equal(err.native_code, 403);
    assert_non_null(strstr(err.message, bucket));
    assert_null(strstr(err.message, wrong));
    assert_null(strstr(err.message, secret_key));
    assert_null(strstr(tu_logs(), wrong));

    /* Unknown access key: also denied. */
    o.secret_access_key = secret_key;
    o.access_key_id = "NOSUCHKEY0000000";
    assert_int_equal(etlc_lake_open_s3(&o, &lake, &err), ETLC_AUTH_DENIED);
    assert_null(strstr(err.message, secret_key));
    tu_clear_logs();
}

static void test_missing_bucket(void **state)
{
    (void)state;
    etlc_lake_s3_options o = base_options("");
    o.bucket = "etlc-no-such-bucket";
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_s3(&o, &lake, &err), ETLC_IO_NOT_FOUND);
    assert_null(lake);
    assert_non_null(strstr(err.message, "etlc-no-such-bucket"));
    assert_non_null(strstr(err.message, "bucket does not exist"));
    assert_false(err.retryable);
}

/* Without the open-time check the same failures surface at write/commit,
 * still mapped, still naming bucket and key, and still leaving nothing. */
static void test_errors_at_commit_without_bucket_check(void **state)
{
    (void)state;
    const char *wrong = "another-wrong-secret-8d2e41";
    etlc_lake_s3_options o = base_options(run_prefix);
    o.secret_access_key = wrong;
    o.skip_bucket_check = true;
    o.max_retries = -1;
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_s3(&o, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    uint64_t bytes = 0;
    char sha[65];
    char *final_path = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "denied.jsonl", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "{}\n", 3, &err), 0);
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final_path, &err), ETLC_AUTH_DENIED);
    assert_null(final_path);
    assert_non_null(strstr(err.message, "denied.jsonl"));
    assert_non_null(strstr(err.message, bucket));
    assert_null(strstr(err.message, wrong));

    /* Multipart: refused when the upload is created, at the first full part. */
    unsigned char *data = pattern(5 * MIB, 3);
    assert_int_equal(etlc_lake_file_create(lake, "denied-big.bin", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, data, 5 * MIB, &err), ETLC_AUTH_DENIED);
    assert_non_null(strstr(err.message, "multipart"));
    assert_int_equal(etlc_lake_file_write(f, "x", 1, &err), ETLC_AUTH_DENIED);
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final_path, &err), ETLC_AUTH_DENIED);
    free(data);
    etlc_lake_free(lake);

    etlc_lake_s3_options nb = base_options("");
    nb.bucket = "etlc-no-such-bucket";
    nb.skip_bucket_check = true;
    assert_int_equal(etlc_lake_open_s3(&nb, &lake, &err), 0);
    assert_int_equal(etlc_lake_file_create(lake, "x.csv", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "a\n", 2, &err), 0);
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final_path, &err), ETLC_IO_NOT_FOUND);
    assert_non_null(strstr(err.message, "etlc-no-such-bucket"));
    assert_non_null(strstr(err.message, "NoSuchBucket"));
    etlc_lake_free(lake);

    /* And nothing landed under the real bucket either. */
    etlc_lake *check = open_lake("");
    assert_int_equal(s3_exists(check, "denied.jsonl"), ETLC_IO_NOT_FOUND);
    assert_int_equal(s3_exists(check, "denied-big.bin"), ETLC_IO_NOT_FOUND);
    assert_int_equal(pending_uploads(check, "denied-big.bin"), 0);
    etlc_lake_free(check);
}

/* Credentials, endpoint and region from the AWS_* environment, bucket and
 * prefix from an s3:// URI (what the CLI's --lake does). */
static void test_open_uri_from_environment(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", access_key, 1);
    setenv("AWS_SECRET_ACCESS_KEY", secret_key, 1);
    setenv("AWS_ENDPOINT_URL", endpoint, 1);
    setenv("AWS_REGION", region, 1);
    char uri[512];
    snprintf(uri, sizeof uri, "s3://%s/%s/uri/", bucket, run_prefix);
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    int rc = etlc_lake_open_uri(uri, NULL, &lake, &err);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_REGION");
    if (rc)
        fail_msg("open_uri %s: %s", uri, err.message);
    char root[512];
    snprintf(root, sizeof root, "s3://%s/%s/uri", bucket, run_prefix);
    assert_string_equal(etlc_lake_root(lake), root);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "x.json", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "{}", 2, &err), 0);
    char *expect = expected_final(lake, "x.json");
    commit_ok(f, "{}", 2, expect);
    free(expect);
    assert_s3_content(lake, "x.json", "{}", 2);
    etlc_lake_free(lake);
}

/* Virtual-host addressing (bucket.host): curl resolves *.localhost to
 * loopback and the server is started with -s3.domainName=localhost. */
static void test_virtual_host_style(void **state)
{
    (void)state;
    const char *port = strrchr(endpoint, ':');
    assert_non_null(port);
    char ep[128];
    snprintf(ep, sizeof ep, "http://localhost%s", port);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/vhost", run_prefix);
    etlc_lake_s3_options o = base_options(prefix);
    o.endpoint = ep;
    o.path_style = false;
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    if (etlc_lake_open_s3(&o, &lake, &err) != 0)
        fail_msg("open (virtual-host) %s: %s", ep, err.message);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "k=v/x y.csv", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "a,b\n", 4, &err), 0);
    char *expect = expected_final(lake, "k=v/x y.csv");
    commit_ok(f, "a,b\n", 4, expect);
    free(expect);
    assert_s3_content(lake, "k=v/x y.csv", "a,b\n", 4);
    etlc__buf body = {0};
    assert_int_equal(filer_get(lake, "k=v/x y.csv", &body), 200);
    assert_string_equal(body.data, "a,b\n");
    etlc__buf_free(&body);
    etlc_lake_free(lake);
}

/* A sink over the S3 lake: rolled parts are sealed (uploaded, invisible)
 * and all appear at finish, with items naming s3:// paths; an aborted sink
 * leaves neither objects nor pending uploads. */
static etlc_batch *int_batch(int from, int n)
{
    etlc_column_def defs[] = {{"n", ETLC_TYPE_INT64, 0, 0}, {"s", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, 2, (size_t)n, &b, &err), 0);
    for (int i = from; i < from + n; i++) {
        char t[16];
        int len = snprintf(t, sizeof t, "v%d", i);
        assert_int_equal(etlc_batch_append_int64(b, 0, i, &err), 0);
        assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, t, (size_t)len, &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    return b;
}

static void test_sink_over_s3(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("sink");
    etlc_error err = {0};
    etlc_result *result = NULL;
    assert_int_equal(etlc_result_new("test", "src", "q", &result, &err), 0);
    etlc_sink_options o = {0};
    o.format = "csv";
    o.path_template = "{protocol}/{source}/{part}.{ext}";
    o.vars.protocol = "test";
    o.vars.source = "src";
    o.max_records_per_file = 3;
    etlc_sink *sink = NULL;
    assert_int_equal(etlc_sink_open(lake, &o, &sink, &err), 0);
    for (int k = 0; k < 2; k++) {
        etlc_batch *b = int_batch(k * 4, 4);
        assert_int_equal(etlc_sink_write(sink, b, &err), 0);
        etlc_batch_free(b);
    }
    assert_int_equal(s3_exists(lake, "test/src/00000.csv"), ETLC_IO_NOT_FOUND);
    assert_int_equal(s3_exists(lake, "test/src/00001.csv"), ETLC_IO_NOT_FOUND);
    /* Parts 0 and 1 were rolled over and sealed: uploaded, not completed. */
    assert_int_equal(pending_uploads(lake, "test/src/"), 2);
    if (etlc_sink_finish(sink, result, &err) != 0)
        fail_msg("sink finish: %s", err.message);
    assert_int_equal(result->item_count, 3);
    const char *want[] = {"n,s\n0,v0\n1,v1\n2,v2\n", "n,s\n3,v3\n4,v4\n5,v5\n", "n,s\n6,v6\n7,v7\n"};
    for (int i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "test/src/%05d.csv", i);
        const etlc_item *it = &result->items[i];
        char *expect = expected_final(lake, rel);
        assert_string_equal(it->path, expect);
        free(expect);
        char sha[65];
        etlc__sha256_hex(want[i], strlen(want[i]), sha);
        assert_string_equal(it->sha256, sha);
        assert_true(it->byte_count == (int64_t)strlen(want[i]));
        assert_s3_content(lake, rel, want[i], strlen(want[i]));
        assert_int_equal(pending_uploads(lake, rel), 0);
    }
    etlc_result_free(result);

    /* Aborted: the sealed first part's upload is aborted too. */
    o.vars.source = "aborted";
    assert_int_equal(etlc_sink_open(lake, &o, &sink, &err), 0);
    etlc_batch *b = int_batch(0, 5);
    assert_int_equal(etlc_sink_write(sink, b, &err), 0);
    etlc_batch_free(b);
    etlc_sink_abort(sink);
    assert_int_equal(s3_exists(lake, "test/aborted/00000.csv"), ETLC_IO_NOT_FOUND);
    assert_int_equal(s3_exists(lake, "test/aborted/00001.csv"), ETLC_IO_NOT_FOUND);
    assert_int_equal(pending_uploads(lake, "test/aborted/"), 0);
    etlc_lake_free(lake);
}

/* A server that accepts the connection but never answers: each attempt
 * times out, is retried a bounded number of times, and ends retryable. */
static void test_timeout_is_retryable_and_bounded(void **state)
{
    (void)state;
    /* The kernel completes the handshake from the listen backlog, so a
     * socket we never accept() on is exactly a server that hangs. */
    int port = 0;
    int fd = listen_loopback(&port);
    assert_true(fd >= 0);
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", port);
    etlc_lake_s3_options o = base_options("");
    o.endpoint = ep;
    o.timeout_ms = 300;
    o.max_retries = 2;
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(etlc_lake_open_s3(&o, &lake, &err), ETLC_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "after 3 attempts"));
    assert_true(secs >= 0.9);  /* three 300 ms attempts */
    assert_true(secs < 10.0);  /* and bounded */
    close(fd);
}

int main(void)
{
    snprintf(run_prefix, sizeof run_prefix, "run-%ld-%d", (long)time(NULL), (int)getpid());
    if (shared_s3_start("etlc-lake-s3") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_file_put_at_commit),
        cmocka_unit_test(test_multipart_file),
        cmocka_unit_test(test_multipart_abort_leaves_nothing),
        cmocka_unit_test(test_empty_file_and_overwrite),
        cmocka_unit_test(test_seal_then_commit_or_abort),
        cmocka_unit_test(test_wrong_credentials),
        cmocka_unit_test(test_missing_bucket),
        cmocka_unit_test(test_errors_at_commit_without_bucket_check),
        cmocka_unit_test(test_open_uri_from_environment),
        cmocka_unit_test(test_virtual_host_style),
        cmocka_unit_test(test_sink_over_s3),
        cmocka_unit_test(test_timeout_is_retryable_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
