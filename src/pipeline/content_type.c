/* Content types of files landed as is: by extension, by magic bytes. */
#include <string.h>
#include <strings.h>

#include "pipeline/content_type.h"

typedef struct by_ext {
    const char *ext;
    const char *type;
} by_ext;

static const by_ext extensions[] = {
    {"csv", "text/csv"}, {"tsv", "text/tab-separated-values"}, {"txt", "text/plain"},
    {"log", "text/plain"}, {"json", "application/json"}, {"jsonl", "application/x-ndjson"},
    {"ndjson", "application/x-ndjson"}, {"xml", "application/xml"}, {"html", "text/html"},
    {"htm", "text/html"}, {"yaml", "application/yaml"}, {"yml", "application/yaml"},
    {"md", "text/markdown"}, {"parquet", "application/vnd.apache.parquet"},
    {"avro", "application/avro"}, {"orc", "application/x-orc"}, {"gz", "application/gzip"},
    {"zst", "application/zstd"}, {"bz2", "application/x-bzip2"}, {"xz", "application/x-xz"},
    {"zip", "application/zip"}, {"tar", "application/x-tar"}, {"pdf", "application/pdf"},
    {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xls", "application/vnd.ms-excel"}, {"sqlite", "application/vnd.sqlite3"},
    {"db", "application/vnd.sqlite3"},
};

typedef struct by_magic {
    const char *magic;
    size_t len;
    const char *type;
    int container; /* compressed or archive: wins over a text extension */
} by_magic;

static const by_magic magics[] = {
    {"PAR1", 4, "application/vnd.apache.parquet", 0},
    {"\x1f\x8b", 2, "application/gzip", 1},
    {"\x28\xb5\x2f\xfd", 4, "application/zstd", 1},
    {"BZh", 3, "application/x-bzip2", 1},
    {"\xfd" "7zXZ\0", 6, "application/x-xz", 1},
    {"PK\x03\x04", 4, "application/zip", 1},
    {"%PDF-", 5, "application/pdf", 0},
    {"\x89PNG\r\n\x1a\n", 8, "image/png", 0},
    {"\xff\xd8\xff", 3, "image/jpeg", 0},
    {"GIF8", 4, "image/gif", 0},
    {"Obj\x01", 4, "application/avro", 0},
    {"SQLite format 3", 16, "application/vnd.sqlite3", 0},
};

static const char *type_by_ext(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return NULL;
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
        if (strcasecmp(dot + 1, extensions[i].ext) == 0)
            return extensions[i].type;
    return NULL;
}

static const by_magic *type_by_magic(const unsigned char *head, size_t n)
{
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (n >= magics[i].len && memcmp(head, magics[i].magic, magics[i].len) == 0)
            return &magics[i];
    return NULL;
}

/* Printable ASCII, whitespace, or bytes of multi-byte UTF-8 sequences. */
static int looks_textual(const unsigned char *head, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = head[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            return 0;
        if (c == 0x7f)
            return 0;
    }
    return 1;
}

static int text_like(const char *type)
{
    return strncmp(type, "text/", 5) == 0 || strcmp(type, "application/json") == 0 ||
           strcmp(type, "application/x-ndjson") == 0 || strcmp(type, "application/xml") == 0 ||
           strcmp(type, "application/yaml") == 0;
}

const char *etlc__content_type(const char *name, const unsigned char *head, size_t n)
{
    const char *ext = name ? type_by_ext(name) : NULL;
    const by_magic *magic = head ? type_by_magic(head, n) : NULL;
    /* "x.xlsx" is a zip inside and keeps its own type; "x.csv" that is gzip does not. */
    if (magic && (!ext || (magic->container && text_like(ext))))
        return magic->type;
    if (ext)
        return ext;
    return looks_textual(head, n) ? "text/plain" : "application/octet-stream";
}
