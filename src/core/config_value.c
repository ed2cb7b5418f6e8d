/* Parse and validate one configuration value for its option type. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config_internal.h"

/* Copy of `s` without leading/trailing white space. */
static char *dup_trimmed(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return etlc__strndup(s, n);
}

static void set_why(char *why, size_t whysz, const char *fmt, double a, double b)
{
    snprintf(why, whysz, fmt, a, b);
}

/* min/max check shared by INT, FLOAT and DURATION. */
static int check_range(const etlc_option *opt, double v, const char *unit, char *why, size_t whysz)
{
    bool lo = (opt->flags & ETLC_OPT_HAS_MIN) != 0, hi = (opt->flags & ETLC_OPT_HAS_MAX) != 0;
    if ((lo && v < opt->min) || (hi && v > opt->max)) {
        char fmt[96];
        if (lo && hi)
            snprintf(fmt, sizeof fmt, "expected a value between %%.15g%s and %%.15g%s", unit, unit);
        else if (lo)
            snprintf(fmt, sizeof fmt, "expected a value of at least %%.15g%s", unit);
        else
            snprintf(fmt, sizeof fmt, "expected a value of at most %%.15g%s", unit);
        set_why(why, whysz, fmt, lo ? opt->min : opt->max, opt->max);
        return ETLC_CONFIG_RANGE;
    }
    return 0;
}

static int parse_int(const etlc_option *opt, const char *s, etlc__value *v, char *why, size_t whysz)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (!*s || *end || end == s || isspace((unsigned char)*s)) {
        snprintf(why, whysz, "expected an integer");
        return ETLC_CONFIG_TYPE;
    }
    if (errno == ERANGE) {
        snprintf(why, whysz, "expected an integer within the 64-bit range");
        return ETLC_CONFIG_RANGE;
    }
    v->i = n;
    return check_range(opt, (double)n, "", why, whysz);
}

static int parse_float(const etlc_option *opt, const char *s, etlc__value *v, char *why, size_t whysz)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || end == s || end != s + etlc__decimal_len(s) || !isfinite(d)) {
        snprintf(why, whysz, "expected a finite number such as 0.5 or 10");
        return ETLC_CONFIG_TYPE;
    }
    v->f = d;
    return check_range(opt, d, "", why, whysz);
}

static int parse_bool(const char *s, etlc__value *v, char *why, size_t whysz)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < ETLC__ARRAY_LEN(yes); i++) {
        if (etlc__strcasecmp(s, yes[i]) == 0) {
            v->b = true;
            return 0;
        }
        if (etlc__strcasecmp(s, no[i]) == 0) {
            v->b = false;
            return 0;
        }
    }
    snprintf(why, whysz, "expected a boolean (true/false, yes/no, on/off, 1/0)");
    return ETLC_CONFIG_TYPE;
}

static int parse_duration(const etlc_option *opt, const char *s, etlc__value *v, char *why,
                          size_t whysz)
{
    static const struct { const char *unit; double ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    char *end;
    double n = strtod(s, &end);
    bool numeric = end != s && end == s + etlc__decimal_len(s); /* no hex, inf or nan */
    if (numeric) {
        while (isspace((unsigned char)*end))
            end++;
        double scale = 0;
        if (!*end)
            scale = 1000; /* a bare number means seconds */
        for (size_t i = 0; i < ETLC__ARRAY_LEN(units) && scale == 0; i++)
            if (etlc__strcasecmp(end, units[i].unit) == 0)
                scale = units[i].ms;
        if (scale != 0 && isfinite(n)) {
            double ms = n * scale;
            if (ms < 0) {
                snprintf(why, whysz, "expected a duration that is not negative");
                return ETLC_CONFIG_RANGE;
            }
            if (ms >= 9.2e18) {
                snprintf(why, whysz, "expected a duration shorter than 100 million days");
                return ETLC_CONFIG_RANGE;
            }
            v->i = (int64_t)llround(ms);
            return check_range(opt, (double)v->i, "ms", why, whysz);
        }
    }
    snprintf(why, whysz, "expected a duration such as 500ms, 30s or 5m (units ms, s, m, h, d; a bare number is seconds)");
    return ETLC_CONFIG_TYPE;
}

/* Match `s` against "a|b|c", case-insensitively; on success the value's
 * text becomes the canonical spelling of the choice. */
static int parse_enum(const etlc_option *opt, etlc__value *v, char *why, size_t whysz)
{
    const char *choices = opt->choices ? opt->choices : "";
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (strlen(v->text) == n && strncasecmp(v->text, p, n) == 0) {
            memcpy(v->text, p, n);
            return 0;
        }
        p += n + (bar ? 1 : 0);
    }
    char list[200];
    size_t j = 0;
    for (const char *c = choices; *c && j + 3 < sizeof list; c++) {
        if (*c == '|') {
            list[j++] = ',';
            list[j++] = ' ';
        } else {
            list[j++] = *c;
        }
    }
    list[j] = '\0';
    snprintf(why, whysz, "expected one of: %s", list);
    return ETLC_CONFIG_RANGE;
}

static int list_push(etlc__value *v, const char *s, size_t n)
{
    char **p = realloc(v->items, (v->n_items + 1) * sizeof *p);
    if (!p)
        return ETLC_NO_MEMORY;
    v->items = p;
    p[v->n_items] = etlc__strndup(s, n);
    if (!p[v->n_items])
        return ETLC_NO_MEMORY;
    v->n_items++;
    return 0;
}

/* Items come from an array, or from splitting text on commas (trimmed, empty dropped). */
static int parse_list(const char *text, const char *const *items, size_t n_items, bool is_list,
                      etlc__value *v)
{
    if (is_list) {
        for (size_t i = 0; i < n_items; i++)
            if (list_push(v, items[i], strlen(items[i])))
                return ETLC_NO_MEMORY;
    } else {
        const char *p = text;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            const char *s = p;
            while (n > 0 && isspace((unsigned char)*s)) {
                s++;
                n--;
            }
            while (n > 0 && isspace((unsigned char)s[n - 1]))
                n--;
            if (n > 0 && list_push(v, s, n))
                return ETLC_NO_MEMORY;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    etlc__buf b = {0};
    int rc = etlc__buf_puts(&b, "");
    for (size_t i = 0; i < v->n_items && rc == 0; i++) {
        if (i > 0)
            rc = etlc__buf_putc(&b, ',');
        if (rc == 0)
            rc = etlc__buf_puts(&b, v->items[i]);
    }
    if (rc != 0) {
        etlc__buf_free(&b);
        return ETLC_NO_MEMORY;
    }
    v->text = etlc__buf_take(&b);
    return 0;
}

static char *expand_home(const char *s)
{
    const char *home = getenv("HOME");
    if (home && *home && s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
        size_t hl = strlen(home), sl = strlen(s + 1);
        char *p = malloc(hl + sl + 1);
        if (p) {
            memcpy(p, home, hl);
            memcpy(p + hl, s + 1, sl + 1);
        }
        return p;
    }
    return etlc__strdup(s);
}

int etlc__value_parse(const etlc_option *opt, const char *text, const char *const *items,
                      size_t n_items, bool is_list, etlc__value *out, char *why, size_t whysz)
{
    memset(out, 0, sizeof *out);
    why[0] = '\0';
    if (opt->type == ETLC_OPT_LIST) {
        int rc = parse_list(text, items, n_items, is_list, out);
        if (rc)
            etlc__value_clear(out, opt->flags & ETLC_OPT_SECRET);
        return rc;
    }
    if (is_list) {
        snprintf(why, whysz, "expected a single %s value, not a list", etlc_opt_type_name(opt->type));
        return ETLC_CONFIG_TYPE;
    }
    bool verbatim = opt->type == ETLC_OPT_STRING || opt->type == ETLC_OPT_PATH;
    out->text = opt->type == ETLC_OPT_PATH ? expand_home(text)
                : verbatim                 ? etlc__strdup(text)
                                           : dup_trimmed(text);
    if (!out->text)
        return ETLC_NO_MEMORY;
    int rc = 0;
    switch (opt->type) {
    case ETLC_OPT_INT: rc = parse_int(opt, out->text, out, why, whysz); break;
    case ETLC_OPT_FLOAT: rc = parse_float(opt, out->text, out, why, whysz); break;
    case ETLC_OPT_BOOL: rc = parse_bool(out->text, out, why, whysz); break;
    case ETLC_OPT_DURATION: rc = parse_duration(opt, out->text, out, why, whysz); break;
    case ETLC_OPT_ENUM: rc = parse_enum(opt, out, why, whysz); break;
    case ETLC_OPT_PATH:
        if (!*out->text) {
            snprintf(why, whysz, "expected a non-empty path");
            rc = ETLC_CONFIG_TYPE;
        }
        break;
    case ETLC_OPT_STRING:
    case ETLC_OPT_LIST:
        break;
    }
    if (rc)
        etlc__value_clear(out, opt->flags & ETLC_OPT_SECRET);
    return rc;
}

void etlc__value_clear(etlc__value *v, bool secret)
{
    if (!v)
        return;
    if (secret)
        etlc__free_secret(v->text);
    else
        free(v->text);
    for (size_t i = 0; i < v->n_items; i++) {
        if (secret)
            etlc__free_secret(v->items[i]);
        else
            free(v->items[i]);
    }
    free(v->items);
    memset(v, 0, sizeof *v);
}

int etlc__value_canonical(const etlc_option *opt, const etlc__value *v, etlc__buf *b)
{
    switch (opt->type) {
    case ETLC_OPT_INT: return etlc__buf_printf(b, "%lld", (long long)v->i);
    case ETLC_OPT_DURATION: return etlc__buf_printf(b, "%lldms", (long long)v->i);
    case ETLC_OPT_BOOL: return etlc__buf_puts(b, v->b ? "true" : "false");
    case ETLC_OPT_FLOAT: return etlc__buf_printf(b, "%.17g", v->f);
    default: break;
    }
    /* Escape so a value cannot forge another "key=value" line. */
    for (const char *p = v->text ? v->text : ""; *p; p++) {
        int rc = *p == '\n'   ? etlc__buf_puts(b, "\\n")
                 : *p == '\\' ? etlc__buf_puts(b, "\\\\")
                              : etlc__buf_putc(b, *p);
        if (rc)
            return rc;
    }
    return 0;
}

char *etlc__option_env_name(const char *prefix, const char *key)
{
    size_t pl = strlen(prefix), kl = strlen(key);
    char *s = malloc(pl + 1 + kl + 1);
    if (!s)
        return NULL;
    memcpy(s, prefix, pl);
    s[pl] = '_';
    for (size_t i = 0; i < kl; i++)
        s[pl + 1 + i] = (key[i] == '-' || key[i] == '.') ? '_' : (char)toupper((unsigned char)key[i]);
    s[pl + 1 + kl] = '\0';
    return s;
}
