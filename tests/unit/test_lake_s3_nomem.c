/* Allocation failures in the S3 lake: fail the 1st, 2nd, ... allocation of
 * each scenario; every run must give ETLC_NO_MEMORY (or reach the end) and
 * leave no allocation behind. No server: the endpoint is a refused port,
 * which is where the scenarios end.
 *
 * Failures injected into allocations that libraries make (libcurl keeps or
 * loses some blocks of its own then, and reports assorted codes) only have
 * to not crash; failures of etlconn's own allocations are checked fully.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/internal.h"
#include "sinks/s3_client.h"

#include "nomem_alloc.h"


typedef int (*scenario_fn)(void);
static etlc_error last_err;

static void each_allocation_fails(const char *what, scenario_fn fn)
{
    assert_int_equal(fn(), 0); /* warm-up: one-time library state (curl, redactor) */
    etlc__fault_reset();
    assert_int_equal(fn(), 0); /* counts what a run allocates */
    long total = nomem_seen();
    ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
    ERR_clear_error();
    long stride = nomem_stride(total > 400 ? total / 200 : 1);
    long n, runs = 0, in_library = 0;
    for (n = 1; n < 20000; n += stride) {
        long before = nomem_heap_in_use();
        nomem_arm(n);
        int rc = fn();
        nomem_disarm();
        ERR_clear_error();
        runs++;
        long leaked = nomem_heap_in_use() - before;
        if (nomem_failed_in_library()) {
            in_library++;
            if (rc == 0 && nomem_seen() < n)
                break;
            continue;
        }
        if (leaked)
            fail_msg("%s: failing allocation %ld leaked %ld byte(s) (rc %s)", what, n, leaked,
                     etlc_code_name(rc));
        if (rc == 0 && nomem_seen() < n)
            break; /* the failure fell past the last allocation */
        if (rc != 0 && rc != ETLC_NO_MEMORY)
            fail_msg("%s: failing allocation %ld gave %s, not NO_MEMORY: %s", what, n,
                     etlc_code_name(rc), last_err.message);
    }
    print_message("%s: %ld of %ld allocations failed in turn, stride %ld (%ld inside libraries)\n", what,
                  runs - 1, total, stride, in_library);
    assert_true(runs - in_library > 5); /* etlconn itself did allocate */
}

static const char *SECRET = "nomem-s3-secret-value";

static etlc_lake_s3_options refused_options(void)
{
    etlc_lake_s3_options o = {.endpoint = "http://127.0.0.1:1", .region = "eu-west-1",
                              .bucket = "nomem-bucket", .prefix = "/a/b/", .path_style = true,
                              .access_key_id = "AKIDNOMEM", .secret_access_key = SECRET,
                              .part_size = 5u * 1024 * 1024, .max_retries = -1};
    return o;
}

/* Open (no request), buffer a file across several growths, abort it. */
static int do_open_write_abort(void)
{
    etlc_lake_s3_options o = refused_options();
    o.skip_bucket_check = true;
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    int rc = etlc_lake_open_s3(&o, &lake, &err);
    if (rc == 0) {
        etlc_lake_file *f = NULL;
        rc = etlc_lake_file_create(lake, "dt=1/x y.jsonl", &f, &err);
        static char chunk[100 * 1024];
        for (int i = 0; rc == 0 && i < 3; i++)
            rc = etlc_lake_file_write(f, chunk, sizeof chunk, &err);
        etlc_lake_file_abort(f);
    }
    etlc_lake_free(lake);
    last_err = err;
    return rc;
}

/* Open with the bucket check: a request is built and sent (refused). */
static int do_open_refused(void)
{
    etlc_lake_s3_options o = refused_options();
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    int rc = etlc_lake_open_s3(&o, &lake, &err);
    etlc_lake_free(lake);
    last_err = err;
    return rc == ETLC_CONNECT_REFUSED ? 0 : (rc == 0 ? ETLC_INTERNAL : rc);
}

/* Commit of a small file (PUT) and a multipart start, both refused. */
static int do_commit_refused(void)
{
    etlc_lake_s3_options o = refused_options();
    o.skip_bucket_check = true;
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    int rc = etlc_lake_open_s3(&o, &lake, &err);
    if (rc == 0) {
        etlc_lake_file *f = NULL;
        rc = etlc_lake_file_create(lake, "small.csv", &f, &err);
        if (rc == 0)
            rc = etlc_lake_file_write(f, "a,b\n", 4, &err);
        if (rc == 0) {
            uint64_t bytes;
            char sha[65], *final_path = NULL;
            rc = etlc_lake_file_commit(f, &bytes, sha, &final_path, &err);
            free(final_path);
        } else {
            etlc_lake_file_abort(f);
        }
        if (rc == ETLC_CONNECT_REFUSED)
            rc = etlc_lake_file_create(lake, "big.bin", &f, &err);
        if (rc == 0) {
            static char part[5u * 1024 * 1024];
            rc = etlc_lake_file_write(f, part, sizeof part, &err);
            etlc_lake_file_abort(f);
            /* The scenario is meant to end at the multipart start (unless the
             * redactor itself ran out of memory and withheld the message). */
            if (rc == ETLC_CONNECT_REFUSED && !strstr(err.message, "create multipart upload") &&
                !strstr(err.message, "withheld"))
                rc = ETLC_INTERNAL;
        }
    }
    etlc_lake_free(lake);
    last_err = err;
    return rc == ETLC_CONNECT_REFUSED ? 0 : (rc == 0 ? ETLC_INTERNAL : rc);
}

static int do_encode(void)
{
    etlc__buf b = {0};
    etlc__s3_param p[] = {{"uploadId", "a/b=c"}, {"partNumber", "3"}, {"uploads", NULL}};
    int rc = etlc__s3_canonical_query(&b, p, 3) || etlc__s3_uri_encode(&b, "k y/\xc3\xa9", true) ||
                     etlc__s3_xml_escape(&b, "<&>")
                 ? ETLC_NO_MEMORY
                 : 0;
    etlc__buf_free(&b);
    const char *xml = "<R><Code>X&amp;Y&#39;</Code><UploadId>u1</UploadId></R>";
    char *code = etlc__s3_xml_text(xml, strlen(xml), "Code");
    if (rc == 0 && !code)
        rc = ETLC_NO_MEMORY;
    free(code);
    return rc;
}

static void nomem_open_write_abort(void **state)
{
    (void)state;
    each_allocation_fails("open/write/abort", do_open_write_abort);
}

static void nomem_open_refused(void **state)
{
    (void)state;
    each_allocation_fails("open (refused)", do_open_refused);
}

static void nomem_commit_refused(void **state)
{
    (void)state;
    each_allocation_fails("commit (refused)", do_commit_refused);
}

static void nomem_encode(void **state)
{
    (void)state;
    each_allocation_fails("encode", do_encode);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_encode),
        cmocka_unit_test(nomem_open_write_abort),
        cmocka_unit_test(nomem_open_refused),
        cmocka_unit_test(nomem_commit_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
