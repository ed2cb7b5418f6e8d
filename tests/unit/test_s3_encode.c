/* S3 encoding helpers and option checks that need no server. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/internal.h"
#include "sinks/s3_client.h"

static void test_uri_encode(void **state)
{
    (void)state;
    etlc__buf b = {0};
    assert_int_equal(etlc__s3_uri_encode(&b, "dt=2024-01-01/a b+c~_.-\xc3\xa9.jsonl", true), 0);
    assert_string_equal(b.data, "dt%3D2024-01-01/a%20b%2Bc~_.-%C3%A9.jsonl");
    etlc__buf_reset(&b);
    assert_int_equal(etlc__s3_uri_encode(&b, "a/b", false), 0);
    assert_string_equal(b.data, "a%2Fb");
    etlc__buf_reset(&b);
    assert_int_equal(etlc__s3_uri_encode(&b, "", true), 0);
    assert_string_equal(b.data, "");
    etlc__buf_free(&b);
}

static void test_canonical_query(void **state)
{
    (void)state;
    etlc__buf b = {0};
    etlc__s3_param p[] = {{"uploadId", "x/y+z="}, {"partNumber", "7"}};
    assert_int_equal(etlc__s3_canonical_query(&b, p, 2), 0);
    assert_string_equal(b.data, "partNumber=7&uploadId=x%2Fy%2Bz%3D");
    etlc__buf_reset(&b);
    /* Valueless keys sign as "k=", and encoded names sort byte-wise. */
    etlc__s3_param q[] = {{"uploads", NULL}, {"prefix", "a b"}, {"Zeta", ""}};
    assert_int_equal(etlc__s3_canonical_query(&b, q, 3), 0);
    assert_string_equal(b.data, "Zeta=&prefix=a%20b&uploads=");
    etlc__buf_free(&b);
}

static void test_xml(void **state)
{
    (void)state;
    const char *x = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>"
                    "<Message>The &quot;bucket&quot; &amp; &#39;more&#x27; &#1;</Message><Empty/>"
                    "<UploadIdMarker></UploadIdMarker><Upload><UploadId>1</UploadId></Upload>"
                    "<Upload><UploadId>2</UploadId></Upload></Error>";
    size_t n = strlen(x);
    char *code = etlc__s3_xml_text(x, n, "Code");
    char *msg = etlc__s3_xml_text(x, n, "Message");
    char *empty = etlc__s3_xml_text(x, n, "Empty");
    char *id = etlc__s3_xml_text(x, n, "UploadId");
    assert_string_equal(code, "NoSuchBucket");
    assert_string_equal(msg, "The \"bucket\" & 'more' &#1;");
    assert_string_equal(empty, "");
    assert_string_equal(id, "1");
    assert_null(etlc__s3_xml_text(x, n, "Missing"));
    assert_int_equal(etlc__s3_xml_count(x, n, "Upload"), 2);
    assert_int_equal(etlc__s3_xml_count(x, n, "Error"), 1);
    free(code);
    free(msg);
    free(empty);
    free(id);

    etlc__buf b = {0};
    assert_int_equal(etlc__s3_xml_escape(&b, "\"e<t>&'"), 0);
    assert_string_equal(b.data, "&quot;e&lt;t&gt;&amp;&apos;");
    etlc__buf_free(&b);
}

/* The S3 client retries with the HTTP layer's full-jitter backoff from
 * 100 ms capped at 3.2 s: every delay lies in [0, ceiling]. */
static void test_backoff_bounded(void **state)
{
    (void)state;
    for (unsigned a = 1; a < 40; a++) {
        long ceiling = a >= 6 ? 3200 : 100L << (a - 1);
        for (int i = 0; i < 50; i++) {
            long ms = etlc__backoff_ms(100, 3200, a);
            assert_true(ms >= 0);
            assert_true(ms <= ceiling);
        }
    }
}

static void clear_aws_env(void)
{
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
}

/* Option checks fail before any request is made. */
static void test_open_s3_option_errors(void **state)
{
    (void)state;
    clear_aws_env();
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    etlc_lake_s3_options o = {.endpoint = "http://127.0.0.1:1", .bucket = "bkt",
                              .access_key_id = "AK", .secret_access_key = "sekrit-value-1"};

    etlc_lake_s3_options no_bucket = o;
    no_bucket.bucket = NULL;
    assert_int_equal(etlc_lake_open_s3(&no_bucket, &lake, &err), ETLC_CONFIG_MISSING_KEY);
    assert_null(lake);

    etlc_lake_s3_options bad_bucket = o;
    bad_bucket.bucket = "a/b";
    assert_int_equal(etlc_lake_open_s3(&bad_bucket, &lake, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "a/b"));

    etlc_lake_s3_options small_part = o;
    small_part.part_size = 1024 * 1024;
    assert_int_equal(etlc_lake_open_s3(&small_part, &lake, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "part_size"));

    etlc_lake_s3_options bad_endpoint = o;
    bad_endpoint.endpoint = "ftp://example";
    assert_int_equal(etlc_lake_open_s3(&bad_endpoint, &lake, &err), ETLC_CONFIG_RANGE);

    etlc_lake_s3_options cred_endpoint = o;
    cred_endpoint.endpoint = "http://user:pw@127.0.0.1:1";
    assert_int_equal(etlc_lake_open_s3(&cred_endpoint, &lake, &err), ETLC_CONFIG_RANGE);

    etlc_lake_s3_options bad_prefix = o;
    bad_prefix.prefix = "a/../b";
    assert_int_equal(etlc_lake_open_s3(&bad_prefix, &lake, &err), ETLC_IO_PATH);

    etlc_lake_s3_options no_creds = o;
    no_creds.access_key_id = no_creds.secret_access_key = NULL;
    assert_int_equal(etlc_lake_open_s3(&no_creds, &lake, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "AWS_ACCESS_KEY_ID"));

    /* Half the credentials is not filled in from the environment. */
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value", 1);
    etlc_lake_s3_options half = o;
    half.secret_access_key = NULL;
    assert_int_equal(etlc_lake_open_s3(&half, &lake, &err), ETLC_CONFIG_MISSING_KEY);
    clear_aws_env();

    assert_int_equal(etlc_lake_open_uri("s3://", NULL, &lake, &err), ETLC_CONFIG_RANGE);
    assert_int_equal(etlc_lake_open_uri("gs://bucket/x", NULL, &lake, &err), ETLC_CONFIG_RANGE);
    assert_int_equal(etlc_lake_open_uri("file://relative", NULL, &lake, &err), ETLC_CONFIG_RANGE);
    assert_null(lake);
}

static void test_open_uri_local(void **state)
{
    (void)state;
    char *dir = tu_tempdir("s3-uri-local");
    etlc__buf uri = {0};
    assert_int_equal(etlc__buf_printf(&uri, "file://%s/lake", dir), 0);
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_uri(uri.data, NULL, &lake, &err), 0);
    assert_non_null(lake);
    assert_non_null(strstr(etlc_lake_root(lake), "/lake"));
    assert_null(strstr(etlc_lake_root(lake), "file:"));
    etlc_lake_free(lake);
    etlc__buf_free(&uri);
    tu_rmtree(dir);
    free(dir);
}

/* s3:// URIs: bucket and prefix from the URI, the rest from the defaults;
 * skip_bucket_check keeps this offline. */
static void test_open_uri_s3_roots(void **state)
{
    (void)state;
    clear_aws_env();
    etlc_lake_s3_options d = {.endpoint = "http://127.0.0.1:1", .access_key_id = "AK",
                              .secret_access_key = "uri-secret-value-77", .skip_bucket_check = true};
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_uri("s3://bkt", &d, &lake, &err), 0);
    assert_string_equal(etlc_lake_root(lake), "s3://bkt");
    etlc_lake_free(lake);
    assert_int_equal(etlc_lake_open_uri("s3://bkt/raw/etl/", &d, &lake, &err), 0);
    assert_string_equal(etlc_lake_root(lake), "s3://bkt/raw/etl");
    etlc_lake_free(lake);
    assert_int_equal(etlc_lake_open_uri("s3://bkt//raw", &d, &lake, &err), 0);
    assert_string_equal(etlc_lake_root(lake), "s3://bkt/raw");
    etlc_lake_free(lake);
    assert_int_equal(etlc_lake_open_uri("s3://bkt/a/../b", &d, &lake, &err), ETLC_IO_PATH);
    assert_null(lake);
}

/* A refused connection fails fast as CONNECT_REFUSED and is not retried. */
static void test_connection_refused(void **state)
{
    (void)state;
    clear_aws_env();
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    etlc_lake_s3_options o = {.endpoint = "http://127.0.0.1:1", .bucket = "bkt", .path_style = true,
                              .access_key_id = "AKIDEXAMPLE",
                              .secret_access_key = "refused-secret-value-42"};
    assert_int_equal(etlc_lake_open_s3(&o, &lake, &err), ETLC_CONNECT_REFUSED);
    assert_null(lake);
    /* Refused is transient for the HTTP layer: retried, and still marked retryable. */
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "after 5 attempts"));
    assert_non_null(strstr(err.message, "bkt"));
    assert_null(strstr(err.message, "refused-secret-value-42"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_canonical_query),
        cmocka_unit_test(test_xml),
        cmocka_unit_test(test_backoff_bounded),
        cmocka_unit_test(test_open_s3_option_errors),
        cmocka_unit_test(test_open_uri_local),
        cmocka_unit_test(test_open_uri_s3_roots),
        cmocka_unit_test(test_connection_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
