/* What to load: files, directories (recursive) and IngestionResult JSON
 * files, resolved to a sorted list of inputs; and file hashes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dw_internal.h"

typedef struct input_list {
    dw_input *v;
    size_t n, cap;
} input_list;

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int format_of(const char *path, const char **f)
{
    *f = etlc__format_of_name(path);
    return *f ? 0 : -1;
}

static int add(input_list *l, const char *path, const char *f, const char *columns, etlc_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        dw_input *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing files");
        l->v = v;
        l->cap = cap;
    }
    dw_input *in = &l->v[l->n];
    memset(in, 0, sizeof *in);
    in->format = f;
    in->path = etlc__strdup(path);
    in->columns = columns ? etlc__strdup(columns) : NULL;
    if (!in->path || (columns && !in->columns)) {
        free(in->path);
        free(in->columns);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing files");
    }
    l->n++;
    return 0;
}

static int cmp_input(const void *a, const void *b)
{
    return strcmp(((const dw_input *)a)->path, ((const dw_input *)b)->path);
}

static int walk(input_list *l, const char *dir, etlc_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return etlc_error_set(err, etlc_code_from_errno(errno), "cannot read directory \"%s\": %s", dir,
                              strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.') /* ., .., and the lake's hidden temporary files */
            continue;
        etlc__buf p = {0};
        if (etlc__buf_printf(&p, "%s/%s", dir, e->d_name)) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing files");
            break;
        }
        struct stat st;
        const char *f;
        if (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(l, p.data, err);
        else if (S_ISREG(st.st_mode) && format_of(p.data, &f) == 0)
            rc = add(l, p.data, f, NULL, err);
        etlc__buf_free(&p);
    }
    closedir(d);
    return rc;
}

/* Items of an IngestionResult: paths as written (relative to the working
 * directory), else relative to the JSON file's directory. */
static int from_result(input_list *l, const char *path, etlc_error *err)
{
    size_t len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return etlc_error_set(err, etlc_code_from_errno(errno), "cannot open \"%s\": %s", path, strerror(errno));
    etlc__buf text = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (etlc__buf_append(&text, chunk, n)) {
            fclose(fp);
            etlc__buf_free(&text);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", path);
        }
    fclose(fp);
    (void)len;
    etlc_result *r = NULL;
    int rc = etlc_result_from_json(text.data ? text.data : "", &r, err);
    etlc__buf_free(&text);
    if (rc)
        return etlc_error_prefix(err, "\"%s\" is not an IngestionResult", path);
    const char *slash = strrchr(path, '/');
    for (size_t i = 0; rc == 0 && i < r->item_count; i++) {
        const etlc_item *it = &r->items[i];
        const char *f;
        if (!it->path || format_of(it->path, &f) != 0) {
            rc = etlc_error_set(err, ETLC_UNSUPPORTED, "%s: item %zu (%s) is not a parquet, jsonl or csv file",
                                path, i, it->path ? it->path : "no path");
            break;
        }
        etlc__buf p = {0};
        struct stat st;
        if (it->path[0] != '/' && stat(it->path, &st) != 0 && slash)
            rc = etlc__buf_printf(&p, "%.*s/%s", (int)(slash - path), path, it->path);
        else
            rc = etlc__buf_puts(&p, it->path);
        if (rc) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing files");
            break;
        }
        rc = add(l, p.data, f, etlc_meta_get(&it->metadata, "columns"), err);
        etlc__buf_free(&p);
    }
    etlc_result_free(r);
    return rc;
}

int etlc__dw_collect(const char *const *paths, size_t npaths, dw_input **inputs, size_t *ninputs,
                     etlc_error *err)
{
    input_list l = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < npaths; i++) {
        struct stat st;
        const char *f;
        if (stat(paths[i], &st) != 0) {
            rc = etlc_error_set(err, etlc_code_from_errno(errno), "cannot load \"%s\": %s", paths[i],
                                strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            size_t before = l.n;
            rc = walk(&l, paths[i], err);
            if (rc == 0 && l.n - before > 1)
                qsort(l.v + before, l.n - before, sizeof *l.v, cmp_input);
        } else if (ends_with(paths[i], ".json")) {
            rc = from_result(&l, paths[i], err);
        } else if (format_of(paths[i], &f) == 0) {
            rc = add(&l, paths[i], f, NULL, err);
        } else {
            rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "\"%s\": not a .parquet, .jsonl, .csv file, a "
                                "directory or an IngestionResult .json", paths[i]);
        }
    }
    if (rc) {
        etlc__dw_inputs_free(l.v, l.n);
        return rc;
    }
    *inputs = l.v;
    *ninputs = l.n;
    return 0;
}

void etlc__dw_inputs_free(dw_input *inputs, size_t n)
{
    for (size_t i = 0; inputs && i < n; i++) {
        free(inputs[i].path);
        free(inputs[i].columns);
    }
    free(inputs);
}

int etlc__dw_file_sha256(const char *path, char hex[65], int64_t *bytes, etlc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return etlc_error_set(err, etlc_code_from_errno(errno), "cannot open \"%s\": %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *buf = malloc(1 << 20);
    int rc = md && buf && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0
           : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory hashing \"%s\"", path);
    int64_t total = 0;
    while (rc == 0) {
        ssize_t n = read(fd, buf, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = etlc_error_set(err, etlc_code_from_errno(errno), "cannot read \"%s\": %s", path, strerror(errno));
        if (n <= 0)
            break;
        total += n;
        if (EVP_DigestUpdate(md, buf, (size_t)n) != 1)
            rc = etlc_error_set(err, ETLC_INTERNAL, "sha256 failed on \"%s\"", path);
    }
    unsigned char dig[32];
    unsigned dlen = 0;
    if (rc == 0 && EVP_DigestFinal_ex(md, dig, &dlen) != 1)
        rc = etlc_error_set(err, ETLC_INTERNAL, "sha256 failed on \"%s\"", path);
    for (unsigned i = 0; rc == 0 && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", dig[i]);
    EVP_MD_CTX_free(md);
    free(buf);
    close(fd);
    *bytes = total;
    return rc;
}

int etlc__dw_input_open(const dw_input *in, size_t batch_rows, const dw_ctx *ctx, etlc__format_reader **out,
                        etlc_error *err)
{
    etlc__format_reader_options o = {.format = in->format, .columns = in->columns, .batch_rows = batch_rows,
                                     .flatten = ctx->flatten};
    int rc = etlc__format_reader_open_path(in->path, &o, out, err);
    if (rc == 0)
        etlc__format_reader_set_max_page_bytes(*out, ctx->max_page_bytes);
    return rc;
}
