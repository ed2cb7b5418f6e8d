/* etlconn — helpers shared across the library's files (not public API). */
#ifndef ETLCONN_INTERNAL_H
#define ETLCONN_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etlconn/etlconn.h"
#include "etlconn/connector_api.h"

/* The non-secret set values as etlc_config_fingerprint gives them, without
 * the ETLC_OPT_TUNING options: what a checkpoint's identity is made of
 * (config_dump.c). */
int etlc__config_identity(const etlc_config *cfg, char **normalized);

/* A string option's value, NULL when unset or empty (config_get.c). */
const char *etlc__config_text(const etlc_config *cfg, const char *key);

/* NULL-safe string copies; NULL only for NULL input or no memory. */
char *etlc__strdup(const char *s);
char *etlc__strndup(const char *s, size_t n);
/* Overwrite then free (for secrets). NULL ok. */
void etlc__free_secret(char *s);
int etlc__strcasecmp(const char *a, const char *b);
/* Levenshtein distance, capped at 255; for "did you mean". */
unsigned etlc__edit_distance(const char *a, const char *b);

/* A growable byte buffer, always NUL-terminated when data != NULL. */
typedef struct etlc__buf {
    char *data;
    size_t len;
    size_t cap;
} etlc__buf;

int etlc__buf_reserve(etlc__buf *b, size_t extra);          /* 0 or -1 on ENOMEM */
int etlc__buf_append(etlc__buf *b, const void *data, size_t len);
int etlc__buf_puts(etlc__buf *b, const char *s);
int etlc__buf_putc(etlc__buf *b, char c);
int etlc__buf_printf(etlc__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append `s` as a JSON string literal with quotes and escapes. Invalid
 * UTF-8 bytes become U+FFFD. */
int etlc__buf_json_string(etlc__buf *b, const char *s, size_t len);
void etlc__buf_reset(etlc__buf *b);   /* len = 0, keeps memory */
void etlc__buf_free(etlc__buf *b);
/* Hand over the data (caller frees); the buffer is left empty. */
char *etlc__buf_take(etlc__buf *b);

/* SHA-256 of a byte range as 64 lowercase hex chars + NUL. Returns 0, or
 * -1 (out = "") when OpenSSL fails (out of memory). */
int etlc__sha256_hex(const void *data, size_t len, char out[65]);

/* fsync the directory that contains `path`. 0 or errno. */
int etlc__fsync_parent_dir(const char *path);
/* mkdir -p; 0 or errno. */
int etlc__mkdirs(const char *path, unsigned mode);


/* 0, or ETLC_CANCELLED (err filled) once `cancel` was requested; NULL never is. */
int etlc__cancel_check(const etlc_cancel *cancel, etlc_error *err);
/* Call action(userdata) once, from a helper thread, if `cancel` is requested
 * before etlc__cancel_watch_stop (which joins: after it the action never
 * runs). For connectors blocked in a server wait (PQcancel). A NULL token
 * starts nothing (*out NULL). 0, or ETLC_NO_MEMORY when no thread could start. */
typedef struct etlc__cancel_watch etlc__cancel_watch;
int etlc__cancel_watch_start(const etlc_cancel *cancel, void (*action)(void *userdata), void *userdata,
                             etlc__cancel_watch **out);
void etlc__cancel_watch_stop(etlc__cancel_watch *w); /* NULL ok */

/* A monotonic clock in milliseconds (for latencies and timeouts). */
double etlc__monotonic_ms(void);

/* Format a message with the redactor applied (malloc'd). */
char *etlc__vformat_redacted(const char *fmt, va_list ap);
/* Format the whole text, redact it, then cut it into dst[dstsz] (never cut
 * first: a cut could split a secret the redactor would then miss). */
void etlc__format_redacted_into(char *dst, size_t dstsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A driver's message copied from its fixed-size buffer of `cap` bytes
 * (malloc'd; NULL when out of memory). When the buffer was full the driver
 * may have cut a secret in two: a tail that begins a registered secret
 * (3+ characters) is masked. Redact the result as usual afterwards. */
char *etlc__redact_driver_message(const char *msg, size_t cap);

/* At most `max` characters of s[0..len) for a message, cut only after the
 * whole text is redacted (malloc'd; NULL when out of memory). */
char *etlc__redacted_excerpt(const char *s, size_t len, size_t max);

/* Length of the plain decimal number that starts s ([+-]digits[.digits]
 * [e[+-]digits]), 0 if none: what strtod reads minus hex, inf and nan. */
size_t etlc__decimal_len(const char *s);

/* Check a connection URL's credentials before parsing it (url_check.c):
 * an unencoded reserved character in the user or password, or a broken
 * percent-escape anywhere, gives ETLC_CONFIG_RANGE with a message naming
 * `what` ("MySQL") and the separate `password` key, never quoting the URL.
 * last_at_ends_userinfo: the parser splits at the last '@' of the authority
 * (so "u:a@b@host" is fine), otherwise at the first. */
int etlc__url_check_userinfo(const char *url, const char *what, bool last_at_ends_userinfo,
                             etlc_error *err);

/* ---- SQL capability helpers (sql.c) ---- */
/* Deep-copy cell (col,row) of a batch into an owned value. */
int etlc__value_copy_cell(const etlc_batch *b, size_t col, size_t row, etlc_value *out, etlc_error *err);
/* A consumer keeping column 0 of the first row in *out (snapshot_scalar). */
typedef struct etlc__scalar_capture {
    etlc_value *out;
    bool seen;
} etlc__scalar_capture;
etlc_batch_consumer etlc__scalar_consumer(etlc__scalar_capture *cap);

/* Direct batch writes for a producer that knows its column types (the
 * PostgreSQL COPY decoder): after etlc__batch_reserve_capacity every column
 * has storage for `capacity` rows, and the put helpers write the value of
 * the row being built without the per-value checks of etlc_batch_append_*.
 * The caller guarantees: column index valid, column of that type, one value
 * per column per row, the batch not full; etlc__batch_end_row_unchecked
 * closes a row whose every column got a value. Mixing with the checked
 * appends is fine. */
int etlc__batch_reserve_capacity(etlc_batch *b, etlc_error *err);
/* 0, or -1 out of memory (nothing appended). */
int etlc__batch_put_var(etlc_batch *b, size_t col, const void *data, size_t len);
/* Drop the values appended to the row being built (the row not ended), so
 * it can be built again another way. types_before (NULL: none was NULL)
 * are the column types before the row: a column it promoted from NULL is
 * NULL again. */
void etlc__batch_abort_row(etlc_batch *b, const etlc_type *types_before);
static inline void etlc__batch_put_i64(etlc_batch *b, size_t col, int64_t v)
{
    etlc_column *c = &b->cols[col];
    c->fixed.i64[b->nrows] = v;
    c->nulls[b->nrows] = 0;
    c->count++;
}
static inline void etlc__batch_put_i32(etlc_batch *b, size_t col, int32_t v)
{
    etlc_column *c = &b->cols[col];
    c->fixed.i32[b->nrows] = v;
    c->nulls[b->nrows] = 0;
    c->count++;
}
static inline void etlc__batch_put_f64(etlc_batch *b, size_t col, double v)
{
    etlc_column *c = &b->cols[col];
    c->fixed.f64[b->nrows] = v;
    c->nulls[b->nrows] = 0;
    c->count++;
}
static inline void etlc__batch_end_row_unchecked(etlc_batch *b) { b->nrows++; }

/* Scaled decimals: a DECIMAL column of known precision (1..38) may carry its
 * values as integers scaled by 10^scale in `fixed` (16 bytes a row) instead
 * of text; its spans are then empty. Only a producer asked for them
 * (etlc_fetch_request.decimals_scaled) writes them, so only a consumer that
 * reads them (the Parquet writer, etlc__value_copy_cell) ever sees them:
 * it saves the text both ways for every numeric value. */
__extension__ typedef __int128 etlc__i128;
__extension__ typedef unsigned __int128 etlc__u128;
/* Give column `col` (DECIMAL, no rows yet) scaled storage for `capacity`
 * rows, or (on false) take it away. 0 or -1 out of memory. */
int etlc__batch_use_scaled(etlc_batch *b, size_t col, bool on);
static inline const etlc__i128 *etlc__column_scaled(const etlc_column *c)
{
    return c->def.type == ETLC_TYPE_DECIMAL ? (const etlc__i128 *)(const void *)c->fixed.b : NULL;
}
static inline void etlc__batch_put_scaled(etlc_batch *b, size_t col, etlc__i128 v)
{
    etlc_column *c = &b->cols[col];
    ((etlc__i128 *)(void *)c->fixed.b)[b->nrows] = v;
    c->offsets[b->nrows + 1] = c->offsets[b->nrows];
    c->nulls[b->nrows] = 0;
    c->count++;
}
/* Decimal text of v / 10^scale ("-12.3400"); buf holds >= 48 bytes. Length. */
size_t etlc__scaled_text(etlc__i128 v, int scale, char *buf);

#define ETLC__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
