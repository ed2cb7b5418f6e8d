/* The webdav connector's PROPFIND reply reader and names, without a
 * server: namespaces and prefixes as servers write them, hrefs (absolute
 * URLs, percent-encoding, outside the base, '..', control bytes), per
 * propstat status, and replies that must be refused (DTDs and entities,
 * malformed XML, not a multistatus). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/webdav/webdav_internal.h"

typedef struct seen {
    char text[2048];
    int64_t size[16], mtime[16];
    char etag[16][64];
    size_t n;
} seen;

static int record(void *ud, const etlc__webdav_entry *e, etlc_error *err)
{
    seen *s = ud;
    (void)err;
    snprintf(s->text + strlen(s->text), sizeof s->text - strlen(s->text), "%s%s|", e->name,
             e->collection ? "/" : "");
    if (s->n < 16) {
        s->size[s->n] = e->size;
        s->mtime[s->n] = e->mtime_us;
        snprintf(s->etag[s->n], sizeof s->etag[0], "%s", e->etag ? e->etag : "(none)");
    }
    s->n++;
    return 0;
}

static int parse(const char *xml, seen *s, etlc_error *err)
{
    memset(s, 0, sizeof *s);
    return etlc__webdav_propfind_parse(xml, strlen(xml), "/dav/base dir/", record, s, err);
}

#define RESP(href, props, status)                                                          \
    "<D:response><D:href>" href "</D:href><D:propstat><D:prop>" props "</D:prop>"           \
    "<D:status>HTTP/1.1 " status "</D:status></D:propstat></D:response>"

static void reads_a_multistatus(void **state)
{
    (void)state;
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<D:multistatus xmlns:D=\"DAV:\">"
        RESP("/dav/base%20dir/", "<D:resourcetype><D:collection/></D:resourcetype>", "200 OK")
        RESP("http://host:8080/dav/base%20dir/a%20b.csv",
             "<D:resourcetype/><D:getcontentlength> 12 </D:getcontentlength>"
             "<D:getlastmodified>Sat, 28 Nov 2026 15:45:34 GMT</D:getlastmodified>"
             "<D:getetag>\"abc-1\"</D:getetag>", "200 OK")
        "<D:response><D:href>/dav/base%20dir/sub/</D:href>"
        "<D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>"
        "<D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
        "<D:propstat><D:prop><D:getetag>hidden</D:getetag></D:prop>"
        "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>"
        RESP("/dav/base%20dir/sub/caf%C3%A9%25.txt", "<D:getcontentlength>0</D:getcontentlength>",
             "200 OK")
        "</D:multistatus>";
    seen s;
    etlc_error err = {0};
    assert_int_equal(parse(xml, &s, &err), 0);
    assert_string_equal(s.text, "/|a b.csv|sub/|sub/caf\xc3\xa9%.txt|");
    assert_int_equal(s.size[1], 12);
    assert_int_equal(s.mtime[1], 1795880734LL * 1000000);
    assert_string_equal(s.etag[1], "\"abc-1\"");
    assert_string_equal(s.etag[2], "(none)"); /* only 200 propstats count */
    assert_int_equal(s.size[2], -1);
    assert_int_equal(s.size[3], 0);
}

static void any_prefix_and_default_namespace(void **state)
{
    (void)state;
    const char *xml =
        "<multistatus xmlns=\"DAV:\" xmlns:x=\"urn:other\"><response>"
        "<href>/dav/base%20dir/x.csv</href><propstat><prop><getcontentlength>3</getcontentlength>"
        "<x:getcontentlength>99</x:getcontentlength></prop><status>HTTP/1.1 200 OK</status>"
        "</propstat></response>"
        "<x:response><href>/dav/base%20dir/not-dav.csv</href></x:response></multistatus>";
    seen s;
    etlc_error err = {0};
    assert_int_equal(parse(xml, &s, &err), 0);
    assert_string_equal(s.text, "x.csv|");
    assert_int_equal(s.size[0], 3);
}

static void odd_hrefs_are_skipped(void **state)
{
    (void)state;
    const char *xml =
        "<D:multistatus xmlns:D=\"DAV:\">"
        RESP("/elsewhere/x.csv", "", "200 OK")
        RESP("/dav/base%20dir/../../etc/passwd", "", "200 OK")
        RESP("/dav/base%20dir/a%00b", "", "200 OK")
        RESP("/dav/base%20dir/a%0Ab", "", "200 OK")
        RESP("/dav/base%20dir/a%2Fb", "", "200 OK")
        RESP("/dav/base%20dir/bad%zz", "", "200 OK")
        RESP("/dav/base%20dir//double", "", "200 OK")
        RESP("relative/x.csv", "", "200 OK")
        RESP("", "", "200 OK")
        RESP("/dav/base%20dir/ok.csv", "", "200 OK")
        "</D:multistatus>";
    seen s;
    etlc_error err = {0};
    assert_int_equal(parse(xml, &s, &err), 0);
    assert_string_equal(s.text, "ok.csv|");
}

static void refuses_dtds_and_bad_replies(void **state)
{
    (void)state;
    const char *bad[] = {
        /* an entity bomb: refused for carrying a DTD at all */
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
        "<D:multistatus xmlns:D=\"DAV:\">" RESP("/dav/base%20dir/&c;", "", "200 OK") "</D:multistatus>",
        /* an external entity (file read) */
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<D:multistatus xmlns:D=\"DAV:\">" RESP("/dav/base%20dir/&x;", "", "200 OK") "</D:multistatus>",
        "<D:multistatus xmlns:D=\"DAV:\"><D:response>",
        "<multistatus><response/></multistatus>", /* no DAV: namespace */
        "<D:prop xmlns:D=\"DAV:\"/>",
        "",
        "not xml at all",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        seen s;
        etlc_error err = {0};
        int rc = parse(bad[i], &s, &err);
        if (rc != ETLC_PROTOCOL)
            fail_msg("case %zu: rc %d (%s), want PROTOCOL", i, rc, err.message);
        assert_int_equal(s.n, 0);
    }
}

static void names_round_trip(void **state)
{
    (void)state;
    webdav_ctx ctx = {.base_url = (char *)"http://h/dav/base%20dir/"};
    etlc_error err = {0};
    char *u = etlc__webdav_url(&ctx, "sub/caf\xc3\xa9 100%.csv", false, &err);
    assert_string_equal(u, "http://h/dav/base%20dir/sub/caf%C3%A9%20100%25.csv");
    bool oom = false;
    char *p = etlc__webdav_href_path(u, &oom);
    assert_string_equal(p, "/dav/base dir/sub/caf\xc3\xa9 100%.csv");
    free(u);
    free(p);
    u = etlc__webdav_url(&ctx, "a/b", true, &err);
    assert_string_equal(u, "http://h/dav/base%20dir/a/b/");
    free(u);
    const char *refused[] = {"../x", "/abs", "a//b", "a/./b", "a/", "a\nb"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_null(etlc__webdav_url(&ctx, refused[i], false, &err));
        assert_int_equal(err.code, ETLC_IO_PATH);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_multistatus),
        cmocka_unit_test(any_prefix_and_default_namespace),
        cmocka_unit_test(odd_hrefs_are_skipped),
        cmocka_unit_test(refuses_dtds_and_bad_replies),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
