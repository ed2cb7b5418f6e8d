/* etlconn's CPython extension (limited API, abi3): what its files share. */
#ifndef ETLCONN_PY_EXT_H
#define ETLCONN_PY_EXT_H

#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03080000
#endif
#include <Python.h>

#include "etlconn/etlconn.h"
#include "etlconn/connector_api.h" /* ops->options for the registry listing */

/* Raise the Python exception for an etlconn error (the package's factory
 * picks the class by code); returns NULL for `return ext_raise(&err);`. */
PyObject *ext_raise(const etlc_error *err);

/* Config layers from Python arguments; strings stay owned by `keep`
 * (a list holding the UTF-8 bytes objects) until ext_sources_free. */
typedef struct ext_sources {
    etlc_config_sources src;
    etlc_kv *dict, *overrides;
    PyObject *keep;
    char *file, *env_prefix;
} ext_sources;

/* file (str|None), env_prefix (str|None), dict and overrides: sequences of
 * (key, value) str pairs. 0, or -1 with a Python exception set. */
int ext_sources_from(ext_sources *s, PyObject *file, PyObject *env_prefix, PyObject *dict,
                     PyObject *overrides);
void ext_sources_free(ext_sources *s);

/* UTF-8 copy of a str (malloc'd); NULL with an exception. */
char *ext_strdup(PyObject *str);

PyObject *ext_health_dict(const etlc_health *h);

/* Ctrl-C for one call (interrupt.c). begin: a fresh cancel token for the
 * call and, when `wanted` (Python's main thread with Python's default
 * SIGINT handler), a SIGINT handler that requests it; -1 with an exception
 * if no token could be made. end: the handler put back, the token freed;
 * true when SIGINT came (raise KeyboardInterrupt). */
#include <signal.h>
typedef struct ext_interrupt {
    etlc_cancel *token;
    struct sigaction old;
    int installed;
} ext_interrupt;
int ext_interrupt_begin(ext_interrupt *it, int wanted);
int ext_interrupt_end(ext_interrupt *it);

/* The Connector type (connector.c). */
extern PyType_Spec ext_connector_spec;
PyObject *ext_connector_wrap(PyObject *type, etlc_connector *c);

#endif
