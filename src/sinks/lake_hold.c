/* What a hold says about itself: the JSON text written into a local lock
 * file or an S3 lease object, and the ETLC_BUSY message built from it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/json_load.h"
#include "sinks/lake_backend.h"

int64_t etlc__lake_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int set_time(json_t *o, const char *key, int64_t us)
{
    char text[40];
    etlc_format_timestamp(us, text, sizeof text);
    return json_object_set_new(o, key, json_string(text));
}

char *etlc__lake_hold_json(const char *holder, const char *token, int64_t acquired_us,
                           int64_t expires_us)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "holder", json_string(holder ? holder : ""));
    if (token)
        bad |= json_object_set_new(o, "token", json_string(token));
    bad |= set_time(o, "acquired_at", acquired_us);
    if (expires_us)
        bad |= set_time(o, "expires_at", expires_us);
    char *text = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

static void get_time(json_t *o, const char *key, int64_t *us)
{
    const char *s = json_string_value(json_object_get(o, key));
    int64_t v;
    if (s && etlc_parse_timestamp(s, strlen(s), &v) == 0)
        *us = v;
}

/* -2 when out of memory copying it. */
static int get_string(json_t *o, const char *key, char **out)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (out && v) {
        free(*out);
        *out = etlc__strdup(v);
        if (!*out)
            return -2;
    }
    return 0;
}

int etlc__lake_hold_parse(const char *text, size_t len, char **holder, char **token,
                          int64_t *acquired_us, int64_t *expires_us)
{
    /* Not json_loadb: jansson can overrun its buffer after a failed
     * allocation (core/json_load.c). And out of memory is not "not a
     * hold": an S3 lease taken for expired would be taken over. */
    bool oom = false;
    json_t *o = text && len ? etlc__json_loadb(text, len, 0, NULL, &oom) : NULL;
    if (oom)
        return -2;
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    int rc = get_string(o, "holder", holder);
    rc = rc ? rc : get_string(o, "token", token);
    if (acquired_us)
        get_time(o, "acquired_at", acquired_us);
    if (expires_us)
        get_time(o, "expires_at", expires_us);
    json_decref(o);
    return rc;
}

int etlc__lake_busy_error(etlc_error *err, const char *relpath, const char *text, size_t len)
{
    char *holder = NULL;
    int64_t since = 0;
    int parsed = etlc__lake_hold_parse(text, len, &holder, NULL, &since, NULL);
    if (parsed == -2) {
        free(holder);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading who holds '%s'", relpath);
    }
    if (parsed != 0 || !holder) {
        /* Read while the winner was still writing its name. */
        free(holder);
        return etlc_error_set(err, ETLC_BUSY,
                              "'%s' is held by another run (its holder is still being written)",
                              relpath);
    }
    char when[40] = "an unknown time";
    if (since)
        etlc_format_timestamp(since, when, sizeof when);
    int rc = etlc_error_set(err, ETLC_BUSY, "'%s' is held by %s since %s", relpath, holder, when);
    free(holder);
    return rc;
}
