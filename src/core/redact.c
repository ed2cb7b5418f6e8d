/* The one redaction function applied to every log line, error message and
 * config dump. It masks registered secret values, URL passwords,
 * secret-looking key=value pairs and Authorization / Bearer / Basic tokens. */
#include <ctype.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* ---- registered secret values ------------------------------------------- */

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t secrets_count, secrets_cap;

static void secrets_wipe(void)
{
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; i < secrets_count; i++)
        etlc__free_secret(secrets[i]);
    free(secrets);
    secrets = NULL;
    secrets_count = secrets_cap = 0;
    pthread_mutex_unlock(&secrets_lock);
}

/* Shorter values are never registered: masking them everywhere would eat
 * ordinary words ("set", "and") out of the very messages being protected. */
#define SECRET_MIN_LEN 4

/* Words of our own messages: registered as secrets they would blank the
 * messages themselves (the key=value rules still mask them as values). */
static bool common_word(const char *v)
{
    static const char *const words[] = {"true", "false", "null", "none", "default", "password",
                                        "passwd", "secret", "token", "credentials", "unset", "empty"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (etlc__strcasecmp(v, words[i]) == 0)
            return true;
    return false;
}

void etlc_redact_register_secret(const char *value)
{
    if (!value || strlen(value) < SECRET_MIN_LEN || common_word(value))
        return;
    static int atexit_done;
    pthread_mutex_lock(&secrets_lock);
    if (!atexit_done) {
        atexit(secrets_wipe);
        atexit_done = 1;
    }
    for (size_t i = 0; i < secrets_count; i++) {
        if (strcmp(secrets[i], value) == 0) {
            pthread_mutex_unlock(&secrets_lock);
            return;
        }
    }
    if (secrets_count == secrets_cap) {
        size_t cap = secrets_cap ? secrets_cap * 2 : 16;
        char **p = realloc(secrets, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&secrets_lock);
            return;
        }
        secrets = p;
        secrets_cap = cap;
    }
    char *copy = etlc__strdup(value);
    if (copy) {
        /* Keep longest first so a secret containing another is masked whole. */
        size_t len = strlen(copy), i = secrets_count;
        while (i > 0 && strlen(secrets[i - 1]) < len) {
            secrets[i] = secrets[i - 1];
            i--;
        }
        secrets[i] = copy;
        secrets_count++;
    }
    pthread_mutex_unlock(&secrets_lock);
}

/* Replace every registered secret in `b` (in place, via a second buffer). */
static int mask_registered(etlc__buf *b)
{
    pthread_mutex_lock(&secrets_lock);
    int rc = 0;
    for (size_t k = 0; k < secrets_count && rc == 0; k++) {
        const char *sec = secrets[k];
        size_t slen = strlen(sec);
        if (!b->data || !strstr(b->data, sec))
            continue;
        etlc__buf out = {0};
        const char *p = b->data, *hit;
        while ((hit = strstr(p, sec)) != NULL) {
            if (etlc__buf_append(&out, p, (size_t)(hit - p)) || etlc__buf_puts(&out, ETLC_REDACTED)) {
                rc = -1;
                break;
            }
            p = hit + slen;
        }
        if (rc == 0 && etlc__buf_puts(&out, p) == 0) {
            etlc__buf_free(b);
            *b = out;
        } else {
            etlc__buf_free(&out);
            rc = -1;
        }
    }
    pthread_mutex_unlock(&secrets_lock);
    return rc;
}

char *etlc__redact_driver_message(const char *msg, size_t cap)
{
    char *out = etlc__strdup(msg ? msg : "");
    size_t n = out ? strlen(out) : 0;
    if (!out || n + 1 < cap)
        return out; /* the driver's buffer was not full: nothing was cut */
    /* The driver cut the text at its buffer's end: a secret may straddle
     * that cut, leaving its beginning at the end. Mask such a tail. */
    pthread_mutex_lock(&secrets_lock);
    size_t cut = n;
    for (size_t k = 0; k < secrets_count; k++) {
        size_t slen = strlen(secrets[k]);
        for (size_t m = slen - 1 < n ? slen - 1 : n; m >= 3 && n - m < cut; m--)
            if (memcmp(out + n - m, secrets[k], m) == 0) {
                cut = n - m;
                break;
            }
    }
    pthread_mutex_unlock(&secrets_lock);
    if (cut < n) {
        memset(out + cut, 0, n - cut);
        char *masked = realloc(out, cut + sizeof ETLC_REDACTED);
        if (!masked) {
            free(out);
            return NULL;
        }
        memcpy(masked + cut, ETLC_REDACTED, sizeof ETLC_REDACTED);
        out = masked;
    }
    return out;
}

/* ---- pattern rules -------------------------------------------------------- */

static const char *const secret_words[] = {
    "password", "passwd", "pwd", "pass", "secret", "token", "api_key", "apikey",
    "access_key", "secret_key", "private_key", "credentials", "credential", "auth_token",
    "session_key", "sas", "signature",
};

static bool ident_char(unsigned char c) { return isalnum(c) || c == '_' || c == '-' || c == '.'; }

/* Does the identifier s[0..len) name a secret? It must end with a secret
 * word that starts the identifier or follows '_', '-' or '.'. */
static bool secret_identifier(const char *s, size_t len)
{
    char low[64];
    if (len == 0 || len >= sizeof low)
        return false;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)(s[i] == '-' ? '_' : tolower((unsigned char)s[i]));
    low[len] = '\0';
    for (size_t w = 0; w < ETLC__ARRAY_LEN(secret_words); w++) {
        size_t wl = strlen(secret_words[w]);
        if (wl > len || strcmp(low + len - wl, secret_words[w]) != 0)
            continue;
        if (wl == len || low[len - wl - 1] == '_' || low[len - wl - 1] == '.')
            return true;
    }
    return false;
}

/* Is s[j..k), the word after "key:", a lowercase word that a sentence goes
 * on from ("credentials: set access_key_id and ...")? Values are kept
 * masked when they hold capitals, digits or symbols, or end the text. */
static bool prose_word(const char *s, size_t j, size_t k)
{
    for (size_t m = j; m < k; m++)
        if (!islower((unsigned char)s[m]))
            return false;
    return s[k] == ' ' && isalpha((unsigned char)s[k + 1]);
}

/* After a secret key at s[i], find where its value starts and ends.
 * Returns false if no separator follows. */
static bool value_span(const char *s, size_t i, size_t *vstart, size_t *vend)
{
    size_t j = i;
    if (s[j] == '"' || s[j] == '\'')
        j++; /* closing quote of a quoted key */
    while (s[j] == ' ' || s[j] == '\t')
        j++;
    if (s[j] != '=' && s[j] != ':')
        return false;
    bool colon = s[j] == ':';
    j++;
    if (colon && s[j] == '/' && s[j + 1] == '/')
        return false; /* "scheme://", handled by the URL rule */
    while (s[j] == ' ' || s[j] == '\t')
        j++;
    if (s[j] == '"' || s[j] == '\'') {
        char q = s[j++];
        size_t k = j;
        while (s[k] && s[k] != q) {
            if (s[k] == '\\' && s[k + 1])
                k++;
            k++;
        }
        *vstart = j;
        *vend = k;
        return true;
    }
    size_t k = j;
    while (s[k] && !isspace((unsigned char)s[k]) && s[k] != '&' && s[k] != ';' && s[k] != ',' &&
           s[k] != '}' && s[k] != ')' && s[k] != ']')
        k++;
    if (k == j)
        return false;
    if (colon && prose_word(s, j, k))
        return false; /* "needs credentials: set access_key_id": a sentence, not a value */
    *vstart = j;
    *vend = k;
    return true;
}

/* scheme://user:password@host -> scheme://user:***@host. Returns the end of
 * the masked span (or 0 if `i` does not start "://" with a password). */
static bool url_password_span(const char *s, size_t i, size_t *pstart, size_t *pend)
{
    if (strncmp(s + i, "://", 3) != 0)
        return false;
    size_t j = i + 3, colon = 0;
    for (; s[j] && s[j] != '@'; j++) {
        unsigned char c = (unsigned char)s[j];
        if (c == '/' || c == '?' || c == '#' || isspace(c))
            return false;
        if (c == ':' && !colon)
            colon = j;
    }
    if (s[j] != '@' || !colon)
        return false;
    *pstart = colon + 1;
    *pend = j;
    return *pend > *pstart;
}

static bool word_at(const char *s, size_t i, const char *word)
{
    size_t n = strlen(word);
    if (i > 0 && ident_char((unsigned char)s[i - 1]))
        return false;
    for (size_t k = 0; k < n; k++)
        if (tolower((unsigned char)s[i + k]) != word[k])
            return false;
    return true;
}

static int mask_patterns(const char *s, etlc__buf *out)
{
    size_t i = 0, copied = 0, n = strlen(s);
    while (i < n) {
        size_t vs, ve;
        /* Authorization headers: mask the rest of the line. */
        if (word_at(s, i, "authorization") || word_at(s, i, "proxy-authorization")) {
            size_t k = i + (tolower((unsigned char)s[i]) == 'p' ? 19 : 13);
            if (s[k] == '"') k++;
            while (s[k] == ' ') k++;
            if (s[k] == ':' || s[k] == '=') {
                k++;
                while (s[k] == ' ' || s[k] == '"') k++;
                size_t e = k;
                while (s[e] && s[e] != '\n' && s[e] != '\r' && s[e] != '"')
                    e++;
                if (e > k) {
                    if (etlc__buf_append(out, s + copied, k - copied) || etlc__buf_puts(out, ETLC_REDACTED))
                        return -1;
                    i = copied = e;
                    continue;
                }
            }
        }
        /* Bearer / Basic tokens anywhere. Only a token-shaped word (8+ chars
         * of base64/token alphabet) counts, so prose such as "Instant
         * Client Basic (or Basic Light)" stays readable. */
        if (word_at(s, i, "bearer ") || word_at(s, i, "basic ")) {
            size_t k = i + (tolower((unsigned char)s[i]) == 'b' && tolower((unsigned char)s[i + 1]) == 'e' ? 7 : 6);
            size_t e = k;
            while (isalnum((unsigned char)s[e]) || strchr("+/=._~-", s[e]) != NULL) {
                if (!s[e])
                    break;
                e++;
            }
            bool token_end = !s[e] || isspace((unsigned char)s[e]) || s[e] == '"' || s[e] == '\'' || s[e] == ',';
            if (e >= k + 8 && token_end) {
                if (etlc__buf_append(out, s + copied, k - copied) || etlc__buf_puts(out, ETLC_REDACTED))
                    return -1;
                i = copied = e;
                continue;
            }
        }
        if (url_password_span(s, i, &vs, &ve)) {
            if (etlc__buf_append(out, s + copied, vs - copied) || etlc__buf_puts(out, ETLC_REDACTED))
                return -1;
            i = copied = ve;
            continue;
        }
        if (ident_char((unsigned char)s[i]) && (i == 0 || !ident_char((unsigned char)s[i - 1]))) {
            size_t e = i;
            while (ident_char((unsigned char)s[e]))
                e++;
            if (secret_identifier(s + i, e - i) && value_span(s, e, &vs, &ve)) {
                bool already = ve - vs == strlen(ETLC_REDACTED) && strncmp(s + vs, ETLC_REDACTED, ve - vs) == 0;
                if (!already) {
                    if (etlc__buf_append(out, s + copied, vs - copied) || etlc__buf_puts(out, ETLC_REDACTED))
                        return -1;
                    copied = ve;
                }
                i = ve;
                continue;
            }
            i = e;
            continue;
        }
        i++;
    }
    return etlc__buf_append(out, s + copied, n - copied);
}

char *etlc_redact_dup(const char *in)
{
    if (!in)
        return NULL;
    etlc__buf b = {0};
    if (etlc__buf_puts(&b, in) != 0 || mask_registered(&b) != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    etlc__buf out = {0};
    int rc = mask_patterns(b.data, &out);
    /* The copy held secrets: wipe before freeing. */
    memset(b.data, 0, b.len);
    etlc__buf_free(&b);
    if (rc != 0) {
        etlc__buf_free(&out);
        return NULL;
    }
    return etlc__buf_take(&out);
}

size_t etlc_redact(const char *in, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return 0;
    char *r = etlc_redact_dup(in ? in : "");
    if (!r) {
        /* Out of memory: say nothing rather than risk a secret. */
        snprintf(out, outsz, "%s", "(message withheld: out of memory while redacting)");
        return strlen(out);
    }
    size_t n = strlen(r);
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, r, n);
    out[n] = '\0';
    free(r);
    return n;
}
