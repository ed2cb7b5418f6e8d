/* Loading the Oracle client (OCI) at run time. etlconn is built without
 * any Oracle SDK; the library comes from Oracle Instant Client when the
 * user installs it. (The hint avoids "Basic" followed by a space: the
 * redactor would take the next word for an HTTP Basic credential.) The library stays loaded once opened: OCI keeps
 * threads and state that must not be unmapped under them. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oracle_internal.h"

#define OCI_INSTALL_HINT                                                                              \
    "install Oracle Instant Client Basic, or Basic-Light, and put its directory in LD_LIBRARY_PATH, " \
    "or set client_lib (ORACLE_CLIENT_LIB) to the path of libclntsh.so"

static const char *const default_names[] = {
    "libclntsh.so", "libclntsh.so.23.1", "libclntsh.so.21.1", "libclntsh.so.19.1",
    "libclntsh.so.18.1", "libclntsh.so.12.1", "libclntsh.so.11.1", NULL,
};

static int resolve(oci_api *api, const char *where, etlc_error *err)
{
    struct { const char *name; void **slot; } syms[] = {
        {"OCIEnvNlsCreate", (void **)&api->EnvNlsCreate},
        {"OCIHandleAlloc", (void **)&api->HandleAlloc},
        {"OCIHandleFree", (void **)&api->HandleFree},
        {"OCIDescriptorAlloc", (void **)&api->DescriptorAlloc},
        {"OCIDescriptorFree", (void **)&api->DescriptorFree},
        {"OCILogon2", (void **)&api->Logon2},
        {"OCILogoff", (void **)&api->Logoff},
        {"OCIStmtPrepare2", (void **)&api->StmtPrepare2},
        {"OCIStmtRelease", (void **)&api->StmtRelease},
        {"OCIStmtExecute", (void **)&api->StmtExecute},
        {"OCIDefineByPos", (void **)&api->DefineByPos},
        {"OCIBindByPos", (void **)&api->BindByPos},
        {"OCIStmtFetch2", (void **)&api->StmtFetch2},
        {"OCIParamGet", (void **)&api->ParamGet},
        {"OCIAttrGet", (void **)&api->AttrGet},
        {"OCIAttrSet", (void **)&api->AttrSet},
        {"OCIErrorGet", (void **)&api->ErrorGet},
        {"OCIServerVersion", (void **)&api->ServerVersion},
        {"OCIPing", (void **)&api->Ping},
        {"OCIDateTimeGetDate", (void **)&api->DateTimeGetDate},
        {"OCIDateTimeGetTime", (void **)&api->DateTimeGetTime},
        {"OCIDateTimeGetTimeZoneOffset", (void **)&api->DateTimeGetTimeZoneOffset},
    };
    for (size_t i = 0; i < ETLC__ARRAY_LEN(syms); i++) {
        void *fn = dlsym(api->lib, syms[i].name);
        if (!fn)
            return etlc_error_set(err, ETLC_CONNECT,
                                  "oracle: %s is not a usable Oracle client library (it has no %s); " OCI_INSTALL_HINT,
                                  where, syms[i].name);
        memcpy(syms[i].slot, &fn, sizeof fn); /* object pointer -> function pointer, as dlsym documents */
    }
    return ETLC_OK;
}

int etlc__oci_load(oci_api *api, const char *client_lib, etlc_error *err)
{
    memset(api, 0, sizeof *api);
    if (client_lib && *client_lib) {
        char path[4200];
        struct stat st;
        bool dir = stat(client_lib, &st) == 0 && S_ISDIR(st.st_mode);
        snprintf(path, sizeof path, dir ? "%s/libclntsh.so" : "%s", client_lib);
        api->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!api->lib) {
            const char *why = dlerror();
            return etlc_error_set(err, ETLC_CONNECT, "oracle: cannot load the Oracle client library '%s' (client_lib): %s; "
                                  OCI_INSTALL_HINT, path, why ? why : "unknown error");
        }
        etlc_log(ETLC_LOG_DEBUG, "oracle", "loaded OCI from %s", path);
        return resolve(api, path, err);
    }
    char tried[512] = "";
    size_t n = 0;
    for (size_t i = 0; default_names[i] && !api->lib; i++) {
        api->lib = dlopen(default_names[i], RTLD_NOW | RTLD_LOCAL);
        if (api->lib) {
            etlc_log(ETLC_LOG_DEBUG, "oracle", "loaded OCI as %s", default_names[i]);
            return resolve(api, default_names[i], err);
        }
        n += (size_t)snprintf(tried + n, n < sizeof tried ? sizeof tried - n : 0, "%s%s", i ? ", " : "",
                              default_names[i]);
    }
    /* $ORACLE_HOME/lib, where a full client installs it. */
    const char *home = getenv("ORACLE_HOME");
    if (home && *home) {
        char path[4200];
        snprintf(path, sizeof path, "%s/lib/libclntsh.so", home);
        api->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (api->lib)
            return resolve(api, path, err);
        n += (size_t)snprintf(tried + n, n < sizeof tried ? sizeof tried - n : 0, ", %s", path);
    }
    return etlc_error_set(err, ETLC_CONNECT, "oracle: the Oracle client library (OCI) was not found (tried %s); "
                          OCI_INSTALL_HINT, tried);
}
