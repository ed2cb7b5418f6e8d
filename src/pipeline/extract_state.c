/* The extraction's state file and its JSON values, written atomically:
 * temp file in the same directory, fsync, rename, fsync the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/extract_internal.h"
#include "core/json_load.h"

void etlc__ext_cursor_clear(ext_cursor *c)
{
    for (size_t i = 0; i < EXT_MAX_CURSOR_COLS; i++)
        etlc_value_clear(&c->v[i]);
    c->kind = EXT_CURSOR_NONE;
    c->n = 0;
}

int etlc__ext_value_copy(etlc_value *dst, const etlc_value *src, etlc_error *err)
{
    etlc_value_clear(dst);
    *dst = *src;
    dst->data = NULL;
    if (src->data) {
        dst->data = etlc__strndup(src->data, src->len);
        if (!dst->data) {
            dst->type = ETLC_TYPE_NULL;
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying a cursor value");
        }
    }
    return 0;
}

int etlc__ext_cursor_copy(ext_cursor *dst, const ext_cursor *src, etlc_error *err)
{
    etlc__ext_cursor_clear(dst);
    dst->kind = src->kind;
    dst->n = src->n;
    for (size_t i = 0; i < src->n; i++) {
        int rc = etlc__ext_value_copy(&dst->v[i], &src->v[i], err);
        if (rc) {
            etlc__ext_cursor_clear(dst);
            return rc;
        }
    }
    return 0;
}

static const char *const kind_names[] = {"none", "after_row", "after_value", "from_value"};

json_t *etlc__ext_value_json(const etlc_value *v)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_string(etlc_type_name(v->type)));
    switch (v->type) {
    case ETLC_TYPE_NULL: break;
    case ETLC_TYPE_BOOL:
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_DATE:
    case ETLC_TYPE_TIMESTAMP: json_object_set_new(o, "value", json_integer(v->i64)); break;
    case ETLC_TYPE_DOUBLE: json_object_set_new(o, "value", json_real(v->f64)); break;
    case ETLC_TYPE_BYTES: {
        etlc__buf hex = {0};
        int hrc = etlc__buf_reserve(&hex, 2 * v->len);
        for (size_t i = 0; i < v->len && hrc == 0; i++)
            hrc = etlc__buf_printf(&hex, "%02x", (unsigned char)v->data[i]);
        if (hrc) { /* no silently shorter value */
            etlc__json_note_failed_allocation();
            etlc__buf_free(&hex);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "hex", json_string(hex.data ? hex.data : ""));
        etlc__buf_free(&hex);
        break;
    }
    default: json_object_set_new(o, "value", json_stringn(v->data ? v->data : "", v->len)); break;
    }
    return o;
}

int etlc__ext_value_from_json(const json_t *j, etlc_value *v, etlc_error *err)
{
    memset(v, 0, sizeof *v);
    const char *tname = json_string_value(json_object_get(j, "type"));
    int t = tname ? etlc_type_parse(tname) : -1;
    if (t < 0)
        return etlc_error_set(err, ETLC_DATA, "state value has no known 'type' (%s)", tname ? tname : "missing");
    v->type = (etlc_type)t;
    const json_t *val = json_object_get(j, "value");
    switch (v->type) {
    case ETLC_TYPE_NULL: return 0;
    case ETLC_TYPE_BOOL:
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_DATE:
    case ETLC_TYPE_TIMESTAMP:
        if (!json_is_integer(val))
            break;
        v->i64 = json_integer_value(val);
        return 0;
    case ETLC_TYPE_DOUBLE:
        if (!json_is_number(val))
            break;
        v->f64 = json_number_value(val);
        return 0;
    case ETLC_TYPE_BYTES: {
        const char *hex = json_string_value(json_object_get(j, "hex"));
        if (!hex || strlen(hex) % 2)
            break;
        size_t n = strlen(hex) / 2;
        v->data = malloc(n + 1);
        if (!v->data)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the state");
        for (size_t i = 0; i < n; i++) {
            unsigned byte;
            if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
                etlc_value_clear(v);
                return etlc_error_set(err, ETLC_DATA, "state value has a bad 'hex' string");
            }
            v->data[i] = (char)byte;
        }
        v->data[n] = '\0';
        v->len = n;
        return 0;
    }
    default:
        if (!json_is_string(val))
            break;
        v->len = json_string_length(val);
        v->data = etlc__strndup(json_string_value(val), v->len);
        if (!v->data)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the state");
        return 0;
    }
    v->type = ETLC_TYPE_NULL;
    return etlc_error_set(err, ETLC_DATA, "state value of type %s has a missing or mistyped 'value'", tname);
}

json_t *etlc__ext_cursor_json(const ext_cursor *c)
{
    json_t *o = json_object(), *vals = json_array();
    if (!o || !vals) {
        json_decref(o);
        json_decref(vals);
        return NULL;
    }
    json_object_set_new(o, "kind", json_string(kind_names[c->kind]));
    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(vals, etlc__ext_value_json(&c->v[i]));
    json_object_set_new(o, "values", vals);
    return o;
}

int etlc__ext_cursor_from_json(const json_t *j, ext_cursor *c, etlc_error *err)
{
    etlc__ext_cursor_clear(c);
    if (!j || json_is_null(j))
        return 0;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const json_t *vals = json_object_get(j, "values");
    int k = -1;
    for (int i = 0; kind && i < 4; i++)
        if (strcmp(kind, kind_names[i]) == 0)
            k = i;
    if (k < 0 || !json_is_array(vals) || json_array_size(vals) > EXT_MAX_CURSOR_COLS)
        return etlc_error_set(err, ETLC_DATA, "state cursor is malformed (kind '%s')", kind ? kind : "missing");
    c->kind = (ext_cursor_kind)k;
    for (size_t i = 0; i < json_array_size(vals); i++) {
        int rc = etlc__ext_value_from_json(json_array_get(vals, i), &c->v[i], err);
        if (rc) {
            etlc__ext_cursor_clear(c);
            return rc;
        }
        c->n = i + 1;
    }
    return 0;
}

char *etlc__ext_json_text(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : etlc__strdup("null");
}

static int errno_err(etlc_error *err, int e, const char *what, const char *path)
{
    int rc = etlc_error_set(err, etlc_code_from_errno(e), "%s '%s': %s", what, path, strerror(e));
    if (err)
        err->native_code = e;
    return rc;
}

int etlc__ext_write_json_atomic(const char *path, const json_t *j, etlc_error *err)
{
    unsigned long json_failed = etlc__json_failed_allocations();
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    etlc__buf tmp = {0}, dir = {0};
    /* jansson may lose a failed allocation and dump malformed text */
    if (!text || etlc__json_failed_allocations() != json_failed || etlc__buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid())) {
        free(text);
        etlc__buf_free(&tmp);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the state '%s'", path);
    }
    const char *slash = strrchr(path, '/');
    if (slash && slash != path && etlc__buf_append(&dir, path, (size_t)(slash - path)) == 0) {
        int e = etlc__mkdirs(dir.data, 0755);
        if (e) {
            free(text);
            etlc__buf_free(&tmp);
            etlc__buf_free(&dir);
            return errno_err(err, e, "cannot create the state directory", path);
        }
    }
    etlc__buf_free(&dir);
    int rc = 0;
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = errno_err(err, errno, "cannot create the temporary state file", tmp.data);
        goto out;
    }
    size_t len = strlen(text), off = 0;
    while (off < len && rc == 0) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = errno_err(err, errno, "cannot write the state file", tmp.data);
        else
            off += (size_t)n;
    }
    if (rc == 0 && write(fd, "\n", 1) != 1)
        rc = errno_err(err, errno, "cannot write the state file", tmp.data);
    if (rc == 0 && fsync(fd) != 0)
        rc = errno_err(err, errno, "cannot fsync the state file", tmp.data);
    if (close(fd) != 0 && rc == 0)
        rc = errno_err(err, errno, "cannot close the state file", tmp.data);
    /* Keep the old state under a second name until the new one is durable:
     * when the directory fsync fails after the rename, the old state goes
     * back (the caller reports the failure with the state unchanged). */
    etlc__buf old = {0};
    bool have_old = false;
    if (rc == 0 && etlc__buf_printf(&old, "%s.old", tmp.data) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the state '%s'", path);
    if (rc == 0) {
        unlink(old.data);
        have_old = link(path, old.data) == 0;
    }
    if (rc == 0 && rename(tmp.data, path) != 0)
        rc = errno_err(err, errno, "cannot rename the state file into", path);
    else if (rc == 0) {
        int e = etlc__fsync_parent_dir(path);
        if (e) {
            rc = errno_err(err, e, "cannot fsync the directory of the state", path);
            if (have_old ? rename(old.data, path) == 0 : unlink(path) == 0)
                have_old = false;
            else
                etlc_error_prefix(err, "the new state could not be taken back either");
            etlc__fsync_parent_dir(path);
        }
    }
    if (have_old)
        unlink(old.data);
    etlc__buf_free(&old);
    if (rc)
        unlink(tmp.data);
out:
    free(text);
    etlc__buf_free(&tmp);
    return rc;
}

int etlc__ext_read_json(const char *path, json_t **out, etlc_error *err)
{
    *out = NULL;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 0;
    /* Read it ourselves (not json_load_file): an allocation failure must be
     * NO_MEMORY, not a "cannot be read" that looks like a damaged state. */
    etlc__buf text = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_err(err, errno, "cannot open state file", path);
    for (;;) {
        if (etlc__buf_reserve(&text, 4096) != 0) {
            close(fd);
            etlc__buf_free(&text);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading state file '%s'", path);
        }
        ssize_t n = read(fd, text.data + text.len, text.cap - text.len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            etlc__buf_free(&text);
            return errno_err(err, e, "cannot read state file", path);
        }
        if (n == 0)
            break;
        text.len += (size_t)n;
        text.data[text.len] = '\0';
    }
    close(fd);
    json_error_t je;
    bool out_of_memory;
    json_t *j = etlc__json_loadb(text.data, text.len, 0, &je, &out_of_memory);
    etlc__buf_free(&text);
    if (out_of_memory)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading state file '%s'", path);
    if (!j)
        return etlc_error_set(err, ETLC_DATA, "state file '%s' cannot be read: %s (line %d)", path, je.text,
                              je.line);
    if (!json_is_object(j)) {
        json_decref(j);
        return etlc_error_set(err, ETLC_DATA, "state file '%s' does not hold a JSON object", path);
    }
    *out = j;
    return 0;
}

int etlc__ext_remove_durable(const char *path, etlc_error *err)
{
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return 0;
        return errno_err(err, errno, "cannot remove", path);
    }
    int e = etlc__fsync_parent_dir(path);
    return e ? errno_err(err, e, "cannot fsync the directory of", path) : 0;
}

void etlc__ext_remove_stale_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? etlc__strndup(path, (size_t)(slash - path)) : etlc__strdup(".");
    const char *base = slash ? slash + 1 : path;
    etlc__buf prefix = {0};
    if (!dir || etlc__buf_printf(&prefix, ".%s.tmp-", base)) {
        free(dir);
        etlc__buf_free(&prefix);
        return;
    }
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix.data, prefix.len) != 0)
            continue;
        long pid = strtol(de->d_name + prefix.len, NULL, 10);
        /* Only temp files of processes that are gone: a live writer keeps its own. */
        if (pid <= 0 || pid == (long)getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            etlc__buf full = {0};
            if (etlc__buf_printf(&full, "%s/%s", dir, de->d_name) == 0 && unlink(full.data) == 0)
                etlc_log(ETLC_LOG_INFO, "extract", "removed a stale temporary file '%s'", full.data);
            etlc__buf_free(&full);
        }
    }
    if (d)
        closedir(d);
    free(dir);
    etlc__buf_free(&prefix);
}
