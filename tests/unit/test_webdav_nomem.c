/* Allocation failures while reading a PROPFIND reply (libxml2's own
 * allocations included) and naming what it lists: allocation 1, 2, ... of
 * the scenario fails in turn; every run says out of memory (or succeeds
 * when libxml2 copes) and keeps nothing. Built with
 * -DETLCONN_FAULT_INJECTION=ON only. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/webdav/webdav_internal.h"
#include "nomem_alloc.h"
#include "nomem_loop.h"

static const char reply[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:multistatus xmlns:D=\"DAV:\" xmlns:lp1=\"DAV:\">"
    "<D:response><D:href>/dav/</D:href><D:propstat><D:prop><lp1:resourcetype><D:collection/>"
    "</lp1:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
    "<D:response><D:href>http://h/dav/a%20b/caf%C3%A9.csv</D:href><D:propstat><D:prop>"
    "<D:resourcetype/><D:getcontentlength>12</D:getcontentlength>"
    "<D:getlastmodified>Sat, 28 Nov 2026 15:45:34 GMT</D:getlastmodified>"
    "<D:getetag>\"e-1\"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
    "</D:response>"
    "<D:response><D:href>/dav/x.txt</D:href><D:propstat><D:prop><D:getcontentlength>3"
    "</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
    "</D:multistatus>";

typedef struct names {
    char *joined;
    size_t n;
} names;

static int keep_url(void *ud, const etlc__webdav_entry *e, etlc_error *err)
{
    names *ns = ud;
    webdav_ctx ctx = {.base_url = (char *)"http://h/dav/"};
    char *url = etlc__webdav_url(&ctx, e->name, e->collection, err);
    if (!url)
        return err->code;
    etlc__buf b = {0};
    int bad = etlc__buf_printf(&b, "%s%s|", ns->joined ? ns->joined : "", url);
    free(url);
    if (bad) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory in the test");
    }
    free(ns->joined);
    ns->joined = etlc__buf_take(&b);
    ns->n++;
    return 0;
}

static int scenario(void *ctx, etlc_error *err)
{
    names *ns = ctx;
    free(ns->joined);
    *ns = (names){0};
    int rc = etlc__webdav_propfind_parse(reply, sizeof reply - 1, "/dav/", keep_url, ns, err);
    if (rc == 0 && strcmp(ns->joined, "http://h/dav/|http://h/dav/a%20b/caf%C3%A9.csv|"
                                      "http://h/dav/x.txt|") != 0)
        fail_msg("listed %s", ns->joined);
    free(ns->joined);
    ns->joined = NULL;
    return rc;
}

static void each_allocation_fails(void **state)
{
    (void)state;
    names ns = {0};
    nomem_each_allocation_fails("webdav PROPFIND reply", scenario, NULL, &ns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(each_allocation_fails)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
