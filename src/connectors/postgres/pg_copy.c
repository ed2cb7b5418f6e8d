/* Streaming parser for COPY ... TO STDOUT (FORMAT binary):
 *   header:  "PGCOPY\n\377\r\n\0", int32 flags, int32 extension length + bytes
 *   tuple:   int16 field count, then per field int32 length (-1 = NULL) + bytes
 *   trailer: int16 -1
 * Bytes arrive in arbitrary chunks; only an incomplete tuple is kept between
 * calls, so memory stays bounded by the largest row. */
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

static const char copy_signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};

int etlc__pg_copy_init(pg_copy_parser *p, size_t nfields, etlc_error *err)
{
    memset(p, 0, sizeof *p);
    p->nfields = nfields;
    p->fields = calloc(nfields ? nfields : 1, sizeof *p->fields);
    if (!p->fields)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting a COPY");
    return 0;
}

void etlc__pg_copy_free(pg_copy_parser *p)
{
    etlc__buf_free(&p->pending);
    free(p->fields);
    memset(p, 0, sizeof *p);
}

static uint32_t rd32(const unsigned char *q)
{
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static int malformed(etlc_error *err, const pg_copy_parser *p, const char *what)
{
    return etlc_error_set(err, ETLC_PROTOCOL, "malformed binary COPY data after %llu rows: %s",
                          (unsigned long long)p->tuples, what);
}

/* Parse what is complete in [s, s+n); *used gets the bytes consumed. */
static int parse(pg_copy_parser *p, const unsigned char *s, size_t n, size_t *used,
                 pg_copy_tuple_fn fn, void *ud, etlc_error *err)
{
    size_t pos = 0;
    *used = 0;
    if (!p->header_done) {
        if (n < 19)
            return 0;
        if (memcmp(s, copy_signature, sizeof copy_signature) != 0)
            return malformed(err, p, "bad signature");
        uint32_t ext = rd32(s + 15);
        if (ext > (1u << 20))
            return malformed(err, p, "header extension too long");
        if (n < 19 + (size_t)ext)
            return 0;
        pos = 19 + ext;
        p->header_done = true;
        *used = pos;
    }
    while (pos + 2 <= n) {
        if (p->trailer_seen)
            return malformed(err, p, "data after the trailer");
        int16_t count = (int16_t)(s[pos] << 8 | s[pos + 1]);
        if (count == -1) {
            p->trailer_seen = true;
            pos += 2;
            *used = pos;
            continue;
        }
        if (count < 0 || (size_t)count != p->nfields)
            return malformed(err, p, "tuple has the wrong number of fields");
        size_t q = pos + 2;
        bool complete = true;
        for (size_t f = 0; f < p->nfields; f++) {
            if (q + 4 > n) {
                complete = false;
                break;
            }
            int32_t flen = (int32_t)rd32(s + q);
            q += 4;
            if (flen == -1) {
                p->fields[f].data = NULL;
                p->fields[f].len = 0;
                continue;
            }
            if (flen < 0)
                return malformed(err, p, "negative field length");
            if (q + (size_t)flen > n) {
                complete = false;
                break;
            }
            p->fields[f].data = (const char *)s + q;
            p->fields[f].len = (size_t)flen;
            q += (size_t)flen;
        }
        if (!complete)
            break;
        int rc = fn(ud, p->fields, p->nfields, err);
        if (rc != 0)
            return rc;
        p->tuples++;
        pos = q;
        *used = pos;
    }
    return 0;
}

int etlc__pg_copy_feed(pg_copy_parser *p, const char *data, size_t len, pg_copy_tuple_fn fn,
                       void *userdata, etlc_error *err)
{
    size_t used = 0;
    int rc;
    if (p->pending.len == 0) {
        /* Fast path: parse straight from libpq's buffer, keep only the tail. */
        rc = parse(p, (const unsigned char *)data, len, &used, fn, userdata, err);
        if (rc == 0 && used < len && etlc__buf_append(&p->pending, data + used, len - used) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering a COPY row");
        return rc;
    }
    if (etlc__buf_append(&p->pending, data, len) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering a COPY row");
    rc = parse(p, (const unsigned char *)p->pending.data, p->pending.len, &used, fn, userdata, err);
    if (rc == 0 && used > 0) {
        memmove(p->pending.data, p->pending.data + used, p->pending.len - used);
        p->pending.len -= used;
        p->pending.data[p->pending.len] = '\0';
    }
    return rc;
}

int etlc__pg_copy_finish(pg_copy_parser *p, etlc_error *err)
{
    if (!p->header_done)
        return malformed(err, p, "no header");
    if (p->pending.len)
        return malformed(err, p, "the stream ended inside a row");
    if (!p->trailer_seen)
        return malformed(err, p, "the stream ended without its trailer");
    return 0;
}
