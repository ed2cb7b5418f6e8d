/* etlconn._etlconn.Connector: one libetlconn connector (cached or not).
 * Network and encode work runs with the GIL released; a connector shared
 * by Python threads runs their calls as the C connector allows (in
 * parallel for ETLC_CONNECTOR_CONCURRENT ones). */
#include <stdlib.h>
#include <string.h>

#include "ext.h"

typedef struct {
    PyObject_HEAD
    etlc_connector *c;
    int busy;     /* calls in progress (changed with the GIL held) */
    int closing;  /* release() asked while busy: the last call releases */
} ConnectorObject;

static void connector_drop(ConnectorObject *self)
{
    etlc_connector *c = self->c;
    self->c = NULL;
    if (c) {
        Py_BEGIN_ALLOW_THREADS
        etlc_connector_release(c);
        Py_END_ALLOW_THREADS
    }
}

static int enter(ConnectorObject *self)
{
    if (!self->c || self->closing) {
        PyErr_SetString(PyExc_ValueError, "the connector is closed");
        return -1;
    }
    self->busy++;
    return 0;
}

static void leave(ConnectorObject *self)
{
    if (--self->busy == 0 && self->closing)
        connector_drop(self);
}

PyObject *ext_connector_wrap(PyObject *type, etlc_connector *c)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot((PyTypeObject *)type, Py_tp_alloc);
    ConnectorObject *self = (ConnectorObject *)alloc((PyTypeObject *)type, 0);
    if (!self) {
        etlc_connector_release(c);
        return NULL;
    }
    self->c = c;
    return (PyObject *)self;
}

static void connector_dealloc(PyObject *obj)
{
    PyTypeObject *tp = Py_TYPE(obj);
    connector_drop((ConnectorObject *)obj);
    freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    tp_free(obj);
    Py_DECREF(tp);
}

static PyObject *connector_release(PyObject *obj, PyObject *unused)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    if (self->busy)
        self->closing = 1;
    else
        connector_drop(self);
    Py_RETURN_NONE;
}

static PyObject *connector_protocol(PyObject *obj, PyObject *unused)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    if (!self->c)
        Py_RETURN_NONE;
    return PyUnicode_FromString(etlc_connector_ops_of(self->c)->name);
}

/* The C connector's address: equal for two holders of one cached connector. */
static PyObject *connector_handle(PyObject *obj, PyObject *unused)
{
    return PyLong_FromVoidPtr(((ConnectorObject *)obj)->c);
}

static PyObject *connector_closed(PyObject *obj, PyObject *unused)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    return PyBool_FromLong(!self->c || self->closing);
}

static PyObject *connector_test(PyObject *obj, PyObject *unused)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    if (enter(self) != 0)
        return NULL;
    etlc_health h = {0};
    etlc_error err = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = etlc_connector_test(self->c, &h, &err);
    Py_END_ALLOW_THREADS
    leave(self);
    return rc != 0 ? ext_raise(&err) : ext_health_dict(&h);
}

/* ---- parameters ---------------------------------------------------------- */

typedef struct params {
    etlc_param *p;
    size_t n;
    PyObject *keep; /* bytes objects whose buffers the params point into */
} params;

static int param_from(params *ps, PyObject *v, etlc_param *p)
{
    if (v == Py_None) {
        p->type = ETLC_TYPE_NULL;
    } else if (PyBool_Check(v)) {
        p->type = ETLC_TYPE_BOOL;
        p->i64 = v == Py_True;
    } else if (PyLong_Check(v)) {
        p->type = ETLC_TYPE_INT64;
        p->i64 = PyLong_AsLongLong(v);
        if (p->i64 == -1 && PyErr_Occurred())
            return -1;
    } else if (PyFloat_Check(v)) {
        p->type = ETLC_TYPE_DOUBLE;
        p->f64 = PyFloat_AsDouble(v);
    } else if (PyUnicode_Check(v) || PyBytes_Check(v)) {
        p->type = PyBytes_Check(v) ? ETLC_TYPE_BYTES : ETLC_TYPE_TEXT;
        PyObject *b = PyBytes_Check(v) ? (Py_INCREF(v), v) : PyUnicode_AsUTF8String(v);
        char *data = NULL;
        Py_ssize_t len = 0;
        if (!b || PyList_Append(ps->keep, b) != 0 || PyBytes_AsStringAndSize(b, &data, &len) != 0) {
            Py_XDECREF(b);
            return -1;
        }
        Py_DECREF(b);
        p->data = data;
        p->len = (size_t)len;
    } else {
        PyErr_SetString(PyExc_TypeError, "a query parameter must be None, bool, int, float, str or bytes");
        return -1;
    }
    return 0;
}

static int params_from(params *ps, PyObject *seq)
{
    memset(ps, 0, sizeof *ps);
    ps->keep = PyList_New(0);
    PyObject *list = ps->keep ? PySequence_List(seq) : NULL;
    if (!list)
        return -1;
    Py_ssize_t n = PyList_Size(list);
    ps->p = calloc((size_t)n + 1, sizeof *ps->p);
    int rc = ps->p ? 0 : (PyErr_NoMemory(), -1);
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++, ps->n++)
        rc = param_from(ps, PyList_GetItem(list, i), &ps->p[i]);
    Py_DECREF(list);
    return rc;
}

static void params_free(params *ps)
{
    free(ps->p);
    Py_XDECREF(ps->keep);
}

/* ---- long calls ---------------------------------------------------------- */

/* A fetch, consume or load: the connector held, and Ctrl-C armed when the
 * caller is Python's main thread (interrupt.c). */
static int call_begin(ConnectorObject *self, ext_interrupt *it, int interruptible)
{
    if (enter(self) != 0)
        return -1;
    if (ext_interrupt_begin(it, interruptible) != 0) {
        leave(self);
        return -1;
    }
    return 0;
}

/* 1 with KeyboardInterrupt set when SIGINT stopped the call (the run's own
 * CANCELLED error is not what the user asked for). */
static int call_end(ConnectorObject *self, ext_interrupt *it)
{
    leave(self);
    if (!ext_interrupt_end(it))
        return 0;
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    return 1;
}

/* ---- fetch and land ------------------------------------------------------ */

/* The result as JSON, or the error raised; frees the result. */
static PyObject *result_json(int rc, etlc_result *result, etlc_error *err, int stopped)
{
    if (stopped) {
        etlc_result_free(result);
        return NULL;
    }
    char *json = NULL;
    Py_BEGIN_ALLOW_THREADS
    if (rc == 0)
        rc = etlc_result_to_json(result, false, &json, err);
    etlc_result_free(result);
    Py_END_ALLOW_THREADS
    PyObject *out = rc != 0 ? ext_raise(err) : PyUnicode_FromString(json);
    free(json);
    return out;
}

/* fetch(query, params, lake_root, format, batch_rows, path_template, parse,
 * keep_raw, interruptible) -> result JSON */
static PyObject *connector_fetch(PyObject *obj, PyObject *args)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    const char *query, *lake = NULL, *format = NULL, *tmpl = NULL, *parse = NULL;
    PyObject *seq;
    Py_ssize_t batch_rows = 0;
    int keep_raw = 0, interruptible = 0;
    if (!PyArg_ParseTuple(args, "zOzznzzpp", &query, &seq, &lake, &format, &batch_rows, &tmpl, &parse,
                          &keep_raw, &interruptible))
        return NULL;
    params ps;
    ext_interrupt it;
    if (params_from(&ps, seq) != 0 || call_begin(self, &it, interruptible) != 0) {
        params_free(&ps);
        return NULL;
    }
    etlc_fetch_request req = {.query = query, .params = ps.p, .nparams = ps.n,
                              .batch_rows = (size_t)batch_rows};
    etlc_land_options land = {.lake_root = lake, .sink = {.format = format, .path_template = tmpl},
                              .parse = parse, .keep_raw = keep_raw, .cancel = it.token};
    etlc_result *result = NULL;
    etlc_error err = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = etlc_connector_fetch(self->c, &req, &land, &result, &err);
    Py_END_ALLOW_THREADS
    int stopped = call_end(self, &it);
    params_free(&ps);
    return result_json(rc, result, &err, stopped);
}

/* consume(resource, max_messages, max_bytes, max_ms, max_batches,
 * until_idle, lake_root, format, path_template, interruptible) -> result JSON */
static PyObject *connector_consume(PyObject *obj, PyObject *args)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    const char *resource, *lake = NULL, *format = NULL, *tmpl = NULL;
    Py_ssize_t max_messages = 0, max_bytes = 0;
    long long max_ms = 0, max_batches = 0;
    int until_idle = 0, interruptible = 0;
    if (!PyArg_ParseTuple(args, "znnLLpzzzp", &resource, &max_messages, &max_bytes, &max_ms, &max_batches,
                          &until_idle, &lake, &format, &tmpl, &interruptible))
        return NULL;
    if (max_messages < 0 || max_bytes < 0 || max_ms < 0 || max_batches < 0) {
        PyErr_SetString(PyExc_ValueError, "consume limits must be >= 0 (0: the default)");
        return NULL;
    }
    ext_interrupt it;
    if (call_begin(self, &it, interruptible) != 0)
        return NULL;
    etlc_consume_request req = {.resource = resource, .max_messages = (size_t)max_messages,
                                .max_bytes = (size_t)max_bytes, .max_ms = max_ms,
                                .max_batches = max_batches, .until_idle = until_idle};
    etlc_land_options land = {.lake_root = lake, .sink = {.format = format, .path_template = tmpl},
                              .cancel = it.token};
    etlc_result *result = NULL;
    etlc_error err = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = etlc_connector_consume(self->c, &req, &land, &result, &err);
    Py_END_ALLOW_THREADS
    return result_json(rc, result, &err, call_end(self, &it));
}

/* A list of str as a NULL-ended array of UTF-8 pointers into `keep`'s bytes. */
static const char **strings_from(PyObject *seq, PyObject *keep, size_t *n)
{
    PyObject *list = PySequence_List(seq);
    if (!list)
        return NULL;
    Py_ssize_t len = PyList_Size(list);
    const char **out = calloc((size_t)len + 1, sizeof *out);
    if (!out)
        PyErr_NoMemory();
    for (Py_ssize_t i = 0; out && i < len; i++) {
        PyObject *b = PyUnicode_AsUTF8String(PyList_GetItem(list, i));
        if (!b || PyList_Append(keep, b) != 0) {
            Py_XDECREF(b);
            free(out);
            out = NULL;
            break;
        }
        out[i] = PyBytes_AsString(b);
        Py_DECREF(b);
    }
    Py_DECREF(list);
    *n = out ? (size_t)len : 0;
    return out;
}

/* load(sources, target, mode, keys, batch_rows, force, interruptible) -> the
 * destination's result JSON */
static PyObject *connector_load(PyObject *obj, PyObject *args)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    PyObject *src_seq, *key_seq;
    const char *target, *mode = NULL;
    Py_ssize_t batch_rows = 0;
    int force = 0, interruptible = 0;
    if (!PyArg_ParseTuple(args, "OszOnpp", &src_seq, &target, &mode, &key_seq, &batch_rows, &force,
                          &interruptible))
        return NULL;
    PyObject *keep = PyList_New(0);
    size_t nsources = 0, nkeys = 0;
    const char **sources = keep ? strings_from(src_seq, keep, &nsources) : NULL;
    const char **keys = sources ? strings_from(key_seq, keep, &nkeys) : NULL;
    ext_interrupt it;
    if (!keys || call_begin(self, &it, interruptible) != 0) {
        free(sources);
        free(keys);
        Py_XDECREF(keep);
        return NULL;
    }
    etlc_load_request req = {.sources = sources, .nsources = nsources, .target = target, .mode = mode,
                             .keys = keys, .nkeys = nkeys, .batch_rows = (size_t)batch_rows,
                             .force = force, .cancel = it.token};
    etlc_error err = {0};
    char *json = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = etlc_connector_load(self->c, &req, &json, &err);
    Py_END_ALLOW_THREADS
    int stopped = call_end(self, &it);
    free(sources);
    free(keys);
    Py_DECREF(keep);
    PyObject *out = stopped ? NULL : rc != 0 ? ext_raise(&err) : PyUnicode_FromString(json);
    free(json);
    return out;
}

/* ---- Arrow --------------------------------------------------------------- */

typedef struct arrow_tap {
    PyObject *callback;      /* callback(schema_address, array_address) */
    PyObject *exc_type, *exc_value, *exc_tb; /* the callback's exception, if any */
} arrow_tap;

/* Export the batch, then hand both addresses to Python (pyarrow's
 * _import_from_c moves the structs' contents; what it did not take is
 * released here). Runs on the fetching thread, GIL taken for the call. */
static int arrow_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    arrow_tap *t = ud;
    struct ArrowSchema *s = calloc(1, sizeof *s);
    struct ArrowArray *a = calloc(1, sizeof *a);
    int rc = s && a ? etlc_batch_to_arrow(batch, s, a, err)
                    : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting a batch");
    if (rc == 0) {
        PyGILState_STATE g = PyGILState_Ensure();
        PyObject *r = PyObject_CallFunction(t->callback, "NN", PyLong_FromVoidPtr(s),
                                            PyLong_FromVoidPtr(a));
        if (!r) {
            PyErr_Fetch(&t->exc_type, &t->exc_value, &t->exc_tb);
            rc = etlc_error_set(err, ETLC_CANCELLED, "stopped by the Python consumer");
        }
        Py_XDECREF(r);
        PyGILState_Release(g);
    }
    if (s && s->release)
        s->release(s);
    if (a && a->release)
        a->release(a);
    free(s);
    free(a);
    return rc;
}

/* fetch_arrow(query, params, batch_rows, callback, interruptible):
 * callback per batch. */
static PyObject *connector_fetch_arrow(PyObject *obj, PyObject *args)
{
    ConnectorObject *self = (ConnectorObject *)obj;
    const char *query;
    PyObject *seq;
    Py_ssize_t batch_rows = 0;
    int interruptible = 0;
    arrow_tap tap = {0};
    if (!PyArg_ParseTuple(args, "zOnOp", &query, &seq, &batch_rows, &tap.callback, &interruptible))
        return NULL;
    params ps;
    ext_interrupt it;
    if (params_from(&ps, seq) != 0 || call_begin(self, &it, interruptible) != 0) {
        params_free(&ps);
        return NULL;
    }
    etlc_fetch_request req = {.query = query, .params = ps.p, .nparams = ps.n,
                              .batch_rows = (size_t)batch_rows, .cancel = it.token};
    etlc_error err = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = etlc_connector_fetch_batches(self->c, &req, (etlc_batch_consumer){arrow_batch, &tap}, &err);
    Py_END_ALLOW_THREADS
    int stopped = call_end(self, &it);
    params_free(&ps);
    if (stopped) {
        Py_XDECREF(tap.exc_type);
        Py_XDECREF(tap.exc_value);
        Py_XDECREF(tap.exc_tb);
        return NULL;
    }
    if (tap.exc_type) {
        PyErr_Restore(tap.exc_type, tap.exc_value, tap.exc_tb);
        return NULL;
    }
    if (rc != 0)
        return ext_raise(&err);
    Py_RETURN_NONE;
}

static PyMethodDef connector_methods[] = {
    {"protocol", connector_protocol, METH_NOARGS, "canonical protocol name"},
    {"handle", connector_handle, METH_NOARGS, "the C connector's address (identity)"},
    {"closed", connector_closed, METH_NOARGS, "released?"},
    {"test", connector_test, METH_NOARGS, "health check"},
    {"fetch", connector_fetch, METH_VARARGS, "fetch and land; IngestionResult JSON"},
    {"fetch_arrow", connector_fetch_arrow, METH_VARARGS, "batches as Arrow C Data"},
    {"consume", connector_consume, METH_VARARGS, "consume a stream and land; IngestionResult JSON"},
    {"load", connector_load, METH_VARARGS, "load lake files into a destination; its result JSON"},
    {"release", connector_release, METH_NOARGS, "return to the cache / close"},
    {NULL, NULL, 0, NULL}};

static PyType_Slot connector_slots[] = {
    {Py_tp_dealloc, (void *)connector_dealloc},
    {Py_tp_methods, connector_methods},
    {Py_tp_doc, (void *)"a libetlconn connector"},
    {0, NULL}};

PyType_Spec ext_connector_spec = {"etlconn._etlconn.Connector", sizeof(ConnectorObject), 0,
                                  Py_TPFLAGS_DEFAULT, connector_slots};
