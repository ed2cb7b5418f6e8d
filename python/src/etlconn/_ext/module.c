/* etlconn._etlconn: the façade, config, errors and logging over libetlconn.
 * Thin on purpose: the Python package (the etlconn/ .py files) shapes the API. */
#include <stdlib.h>
#include <string.h>

#include "ext.h"

static PyObject *error_factory; /* etlconn.errors._from_code */
static PyObject *log_handler;   /* etlconn.logs._emit or None */
static PyObject *connector_type;

PyObject *ext_raise(const etlc_error *err)
{
    PyObject *exc = NULL;
    if (error_factory)
        exc = PyObject_CallFunction(error_factory, "isisls", err->code, etlc_code_name(err->code),
                                    (int)err->retryable, err->message, err->native_code,
                                    err->native_state);
    if (!exc) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, err->message);
        return NULL;
    }
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

char *ext_strdup(PyObject *str)
{
    PyObject *b = PyUnicode_AsUTF8String(str);
    if (!b)
        return NULL;
    char *p = NULL;
    Py_ssize_t n = 0;
    if (PyBytes_AsStringAndSize(b, &p, &n) == 0)
        p = strdup(p);
    else
        p = NULL;
    Py_DECREF(b);
    if (!p && !PyErr_Occurred())
        PyErr_NoMemory();
    return p;
}

/* UTF-8 text of a str kept alive by `keep`; NULL with an exception. */
static const char *kept_utf8(PyObject *keep, PyObject *str)
{
    if (!PyUnicode_Check(str)) {
        PyErr_SetString(PyExc_TypeError, "configuration keys and values must be str");
        return NULL;
    }
    PyObject *b = PyUnicode_AsUTF8String(str);
    if (!b)
        return NULL;
    int rc = PyList_Append(keep, b);
    Py_DECREF(b);
    return rc == 0 ? PyBytes_AsString(b) : NULL;
}

static int kv_from(PyObject *keep, PyObject *seq, etlc_kv **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (seq == Py_None)
        return 0;
    PyObject *fast = PySequence_List(seq);
    if (!fast)
        return -1;
    Py_ssize_t len = PyList_Size(fast);
    *out = calloc((size_t)len + 1, sizeof **out);
    int rc = *out ? 0 : (PyErr_NoMemory(), -1);
    for (Py_ssize_t i = 0; rc == 0 && i < len; i++) {
        PyObject *pair = PyList_GetItem(fast, i); /* borrowed */
        PyObject *k = PySequence_GetItem(pair, 0), *v = k ? PySequence_GetItem(pair, 1) : NULL;
        const char *ks = v ? kept_utf8(keep, k) : NULL, *vs = ks ? kept_utf8(keep, v) : NULL;
        Py_XDECREF(k);
        Py_XDECREF(v);
        if (!vs)
            rc = -1;
        else
            (*out)[(*n)++] = (etlc_kv){ks, vs};
    }
    Py_DECREF(fast);
    return rc;
}

int ext_sources_from(ext_sources *s, PyObject *file, PyObject *env_prefix, PyObject *dict,
                     PyObject *overrides)
{
    memset(s, 0, sizeof *s);
    s->keep = PyList_New(0);
    if (!s->keep)
        return -1;
    if (file != Py_None && !(s->file = ext_strdup(file)))
        return -1;
    if (env_prefix != Py_None && !(s->env_prefix = ext_strdup(env_prefix)))
        return -1;
    s->src.file = s->file;
    s->src.env_prefix = s->env_prefix;
    if (kv_from(s->keep, dict, &s->dict, &s->src.dict_len) != 0 ||
        kv_from(s->keep, overrides, &s->overrides, &s->src.overrides_len) != 0)
        return -1;
    s->src.dict = s->dict;
    s->src.overrides = s->overrides;
    return 0;
}

void ext_sources_free(ext_sources *s)
{
    free(s->dict);
    free(s->overrides);
    free(s->file);
    free(s->env_prefix);
    Py_XDECREF(s->keep);
    memset(s, 0, sizeof *s);
}

PyObject *ext_health_dict(const etlc_health *h)
{
    return Py_BuildValue("{s:O,s:d,s:s,s:s}", "healthy", h->healthy ? Py_True : Py_False,
                         "latency_ms", h->latency_ms, "server_version", h->server_version,
                         "detail", h->detail);
}

/* ---- config -------------------------------------------------------------- */

static PyObject *entry_tuple(const etlc_config_entry *e)
{
    const etlc_option *o = e->option;
    return Py_BuildValue("(sszssOO)", o->name, etlc_opt_type_name(o->type), e->value,
                         etlc_layer_name(e->layer), e->origin ? e->origin : "",
                         e->is_set ? Py_True : Py_False,
                         (o->flags & ETLC_OPT_SECRET) ? Py_True : Py_False);
}

/* load_config(protocol, file, env_prefix, dict, overrides, allow_missing)
 * -> (protocol, [(key, type, value|None, layer, origin, is_set, secret)], missing|None) */
static PyObject *py_load_config(PyObject *self, PyObject *args)
{
    PyObject *proto, *file, *prefix, *dict, *ovr;
    int allow_missing = 0;
    if (!PyArg_ParseTuple(args, "OOOOOp", &proto, &file, &prefix, &dict, &ovr, &allow_missing))
        return NULL;
    ext_sources s;
    char *protocol = NULL;
    PyObject *out = NULL;
    if (ext_sources_from(&s, file, prefix, dict, ovr) != 0 ||
        (proto != Py_None && !(protocol = ext_strdup(proto))))
        goto done;
    s.src.allow_missing_required = allow_missing;
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    int rc;
    /* Without the GIL: the registry may load plugins and log under its
     * lock, and log lines need the GIL to reach Python. */
    Py_BEGIN_ALLOW_THREADS
    rc = etlc_load_connection_config(protocol, &s.src, &cfg, &err);
    Py_END_ALLOW_THREADS
    if (rc != 0) {
        ext_raise(&err);
        goto done;
    }
    size_t n = etlc_config_count(cfg);
    PyObject *entries = PyList_New(0);
    for (size_t i = 0; entries && i < n; i++) {
        etlc_config_entry e;
        PyObject *t = etlc_config_entry_at(cfg, i, &e) ? entry_tuple(&e) : NULL;
        if (!t || PyList_Append(entries, t) != 0)
            Py_CLEAR(entries);
        Py_XDECREF(t);
    }
    char *missing = etlc_config_missing(cfg);
    if (entries)
        out = Py_BuildValue("(sNz)", etlc_config_table(cfg)->protocol, entries, missing);
    free(missing);
    etlc_config_free(cfg);
done:
    free(protocol);
    ext_sources_free(&s);
    return out;
}

/* ---- registry ------------------------------------------------------------ */

static PyObject *options_list(const etlc_option_table *t)
{
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && t && i < etlc_option_count(t); i++) {
        const etlc_option *o = etlc_option_at(t, i);
        PyObject *d = Py_BuildValue("{s:s,s:s,s:z,s:z,s:O,s:O,s:s}", "name", o->name, "type",
                                    etlc_opt_type_name(o->type), "default", o->default_value,
                                    "choices", o->choices,
                                    "required", (o->flags & ETLC_OPT_REQUIRED) ? Py_True : Py_False,
                                    "secret", (o->flags & ETLC_OPT_SECRET) ? Py_True : Py_False,
                                    "description", o->description ? o->description : "");
        if (!d || PyList_Append(list, d) != 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    return list;
}

/* What a connector can do: "fetch" (record batches), "sql", "records",
 * "bytes", "stream", "load" (the ops it sets). */
static PyObject *capabilities_list(const etlc_connector_ops *ops)
{
    const char *names[6];
    size_t n = 0;
    if (ops && ops->fetch)
        names[n++] = "fetch";
    if (ops && ops->sql)
        names[n++] = "sql";
    if (ops && ops->records)
        names[n++] = "records";
    if (ops && ops->bytes)
        names[n++] = "bytes";
    if (ops && ops->stream)
        names[n++] = "stream";
    if (ops && ops->load)
        names[n++] = "load";
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *s = PyUnicode_FromString(names[i]);
        if (!s || PyList_SetItem(list, (Py_ssize_t)i, s) != 0)
            Py_CLEAR(list);
    }
    return list;
}

static PyObject *protocol_dict(const etlc_protocol_info *p)
{
    PyObject *aliases = PyList_New(0);
    for (size_t j = 0; aliases && p->aliases && p->aliases[j]; j++) {
        PyObject *a = PyUnicode_FromString(p->aliases[j]);
        if (!a || PyList_Append(aliases, a) != 0)
            Py_CLEAR(aliases);
        Py_XDECREF(a);
    }
    const etlc_option_table *t = p->ops ? p->ops->options : NULL;
    PyObject *opts = aliases ? options_list(t) : NULL;
    PyObject *caps = opts ? capabilities_list(p->ops) : NULL;
    if (!caps) {
        Py_XDECREF(aliases);
        Py_XDECREF(opts);
        return NULL;
    }
    return Py_BuildValue("{s:s,s:N,s:s,s:O,s:O,s:z,s:N,s:z,s:N}", "name", p->name, "aliases", aliases,
                         "description", p->description ? p->description : "", "built_in",
                         p->built_in ? Py_True : Py_False, "plugin", p->plugin ? Py_True : Py_False,
                         "kind", p->ops ? etlc_connector_ops_kind(p->ops) : NULL, "capabilities", caps,
                         "env_prefix",
                         t ? t->env_prefix : NULL, "options", opts);
}

static PyObject *py_protocols(PyObject *self, PyObject *unused)
{
    const etlc_protocol_info *list = NULL;
    size_t n;
    Py_BEGIN_ALLOW_THREADS /* plugins may load (and log) on first use */
    n = etlc_registry_list(&list);
    Py_END_ALLOW_THREADS
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out && i < n; i++) {
        PyObject *d = protocol_dict(&list[i]);
        if (!d || PyList_Append(out, d) != 0)
            Py_CLEAR(out);
        Py_XDECREF(d);
    }
    return out;
}

/* ---- façade -------------------------------------------------------------- */

static PyObject *py_get_connection(PyObject *self, PyObject *args)
{
    PyObject *proto, *file, *prefix, *dict, *ovr;
    int no_reuse = 0;
    if (!PyArg_ParseTuple(args, "OOOOOp", &proto, &file, &prefix, &dict, &ovr, &no_reuse))
        return NULL;
    ext_sources s;
    char *protocol = NULL;
    PyObject *out = NULL;
    if (ext_sources_from(&s, file, prefix, dict, ovr) == 0 &&
        (proto == Py_None || (protocol = ext_strdup(proto)))) {
        etlc_connector *c = NULL;
        etlc_error err = {0};
        etlc_get_options go = {.no_reuse = no_reuse};
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = protocol ? etlc_get_connection(protocol, &s.src, &go, &c, &err)
                      : etlc_create_connector(&s.src, &c, &err);
        Py_END_ALLOW_THREADS
        out = rc != 0 ? ext_raise(&err) : ext_connector_wrap(connector_type, c);
    }
    free(protocol);
    ext_sources_free(&s);
    return out;
}

static PyObject *py_test_connection(PyObject *self, PyObject *args)
{
    PyObject *proto, *file, *prefix, *dict, *ovr;
    if (!PyArg_ParseTuple(args, "OOOOO", &proto, &file, &prefix, &dict, &ovr))
        return NULL;
    ext_sources s;
    char *protocol = NULL;
    PyObject *out = NULL;
    if (ext_sources_from(&s, file, prefix, dict, ovr) == 0 &&
        (proto == Py_None || (protocol = ext_strdup(proto)))) {
        etlc_health h = {0};
        etlc_error err = {0};
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = etlc_test_connection(protocol, &s.src, &h, &err);
        Py_END_ALLOW_THREADS
        out = rc != 0 ? ext_raise(&err) : ext_health_dict(&h);
    }
    free(protocol);
    ext_sources_free(&s);
    return out;
}

static PyObject *py_close_all(PyObject *self, PyObject *unused)
{
    Py_BEGIN_ALLOW_THREADS
    etlc_close_all_connections();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *py_cache_size(PyObject *self, PyObject *unused)
{
    size_t n;
    Py_BEGIN_ALLOW_THREADS /* the cache's lock: never wait for it holding the GIL */
    n = etlc_cache_size();
    Py_END_ALLOW_THREADS
    return PyLong_FromSize_t(n);
}

/* ---- errors, logging, redaction ------------------------------------------ */

static PyObject *py_set_error_factory(PyObject *self, PyObject *fn)
{
    Py_XINCREF(fn);
    PyObject *old = error_factory;
    error_factory = fn;
    Py_XDECREF(old);
    Py_RETURN_NONE;
}

static PyObject *py_codes(PyObject *self, PyObject *unused)
{
    const int *codes = NULL;
    size_t n = etlc_code_all(&codes);
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out && i < n; i++) {
        PyObject *t = Py_BuildValue("(iss)", codes[i], etlc_code_name(codes[i]), etlc_code_str(codes[i]));
        if (!t || PyList_Append(out, t) != 0)
            Py_CLEAR(out);
        Py_XDECREF(t);
    }
    return out;
}

/* Lines arrive already redacted, from any thread. */
static void log_to_python(etlc_log_level level, const char *component, const char *message,
                          void *userdata)
{
    PyGILState_STATE g = PyGILState_Ensure();
    if (log_handler) {
        PyObject *r = PyObject_CallFunction(log_handler, "iss", (int)level, component, message);
        if (!r)
            PyErr_Clear(); /* a failing handler must not break the fetch */
        Py_XDECREF(r);
    }
    PyGILState_Release(g);
}

static PyObject *py_set_log_handler(PyObject *self, PyObject *args)
{
    PyObject *fn;
    int level;
    if (!PyArg_ParseTuple(args, "Oi", &fn, &level))
        return NULL;
    if (fn == Py_None) {
        etlc_log_set_callback(NULL, NULL);
        Py_CLEAR(log_handler);
    } else {
        Py_INCREF(fn);
        PyObject *old = log_handler;
        log_handler = fn;
        Py_XDECREF(old);
        etlc_log_set_callback(log_to_python, NULL);
    }
    etlc_log_set_level((etlc_log_level)level);
    Py_RETURN_NONE;
}

static PyObject *py_redact(PyObject *self, PyObject *text)
{
    char *in = ext_strdup(text);
    if (!in)
        return NULL;
    char *out = etlc_redact_dup(in);
    free(in);
    if (!out)
        return PyErr_NoMemory();
    PyObject *r = PyUnicode_DecodeUTF8(out, (Py_ssize_t)strlen(out), "replace");
    free(out);
    return r;
}

static PyObject *py_register_secret(PyObject *self, PyObject *text)
{
    char *in = ext_strdup(text);
    if (!in)
        return NULL;
    etlc_redact_register_secret(in);
    free(in);
    Py_RETURN_NONE;
}

static PyObject *py_version(PyObject *self, PyObject *unused) { return PyUnicode_FromString(etlc_version()); }

static PyMethodDef methods[] = {
    {"version", py_version, METH_NOARGS, "libetlconn's version"},
    {"protocols", py_protocols, METH_NOARGS, "the registry: one dict per protocol"},
    {"load_config", py_load_config, METH_VARARGS, "load a connector's layered config"},
    {"get_connection", py_get_connection, METH_VARARGS, "a (cached) connector"},
    {"test_connection", py_test_connection, METH_VARARGS, "connect and health-check"},
    {"close_all_connections", py_close_all, METH_NOARGS, "close every cached connector"},
    {"cache_size", py_cache_size, METH_NOARGS, "live cache entries"},
    {"set_error_factory", py_set_error_factory, METH_O, "exception builder"},
    {"codes", py_codes, METH_NOARGS, "every (code, name, message)"},
    {"set_log_handler", py_set_log_handler, METH_VARARGS, "route log lines to a callable"},
    {"redact", py_redact, METH_O, "mask secrets in a text"},
    {"register_secret", py_register_secret, METH_O, "mask this value everywhere"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_etlconn", NULL, -1, methods,
                                        NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__etlconn(void); /* the one exported name */
PyMODINIT_FUNC PyInit__etlconn(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    connector_type = PyType_FromSpec(&ext_connector_spec);
    if (!connector_type || PyModule_AddObject(m, "Connector", connector_type) != 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(connector_type); /* the module holds one reference, we keep one */
    return m;
}
