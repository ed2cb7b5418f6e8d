/* libFuzzer target: the webdav connector's PROPFIND reply reader
 * (webdav_propfind.c) and href decoding (webdav_url.c) on arbitrary bytes
 * (not NUL-terminated, as curl hands a body over). Never crash, read past
 * the body or leak; every entry it yields has a plain relative name ("" for
 * the base), a size of -1 or more, and its name, encoded into a URL and
 * decoded back, gives the base path plus the name. See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/webdav/webdav_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE_PATH "/dav/base dir/"

static int check_entry(void *ud, const etlc__webdav_entry *e, etlc_error *err)
{
    const webdav_ctx *ctx = ud;
    if (!e->name || (*e->name && !etlc__webdav_name_ok(e->name)) || e->size < -1)
        abort();
    char *url = etlc__webdav_url(ctx, e->name, false, err);
    if (!url)
        abort(); /* a name the reader accepted must be nameable */
    bool oom = false;
    char *path = etlc__webdav_href_path(url, &oom);
    char want[8192];
    snprintf(want, sizeof want, "%s%s", BASE_PATH, e->name);
    if (*e->name && (!path || strcmp(path, want) != 0)) {
        fprintf(stderr, "name '%s' -> url '%s' -> path '%s'\n", e->name, url, path ? path : "(null)");
        abort();
    }
    free(path);
    free(url);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    webdav_ctx ctx = {.base_url = (char *)"http://h/dav/base%20dir/"};
    etlc_error err = {0};
    etlc__webdav_propfind_parse(body, size, BASE_PATH, check_entry, &ctx, &err);
    free(body);

    /* the input as one href */
    char *href = malloc(size + 1);
    if (!href)
        return 0;
    memcpy(href, data, size);
    href[size] = '\0';
    bool oom = false;
    char *path = etlc__webdav_href_path(href, &oom);
    if (path && (path[0] != '/' || strlen(path) > size))
        abort(); /* decoding only shrinks, and keeps the leading '/' */
    free(path);
    free(href);
    return 0;
}
