/* Plugins: shared objects exporting ETLC_PLUGIN_SYMBOL, loaded one by one or
 * from ETLCONN_PLUGIN_PATH. A loaded plugin is never unloaded: the registry
 * hands out pointers into it for the life of the process. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/internal.h"

/* Plugins resolve the etlc_* functions they call against the host program.
 * A program linked with the static library only contains the archive
 * members it references, so this table references what the plugin API
 * offers (records, errors, logging, config getters): whenever the plugin
 * loader is linked in, so are they. */
typedef void (*etlc__any_fn)(void);
const etlc__any_fn etlc__plugin_api[] = {
    (etlc__any_fn)etlc_batch_new,          (etlc__any_fn)etlc_batch_free,
    (etlc__any_fn)etlc_batch_reset,        (etlc__any_fn)etlc_batch_full,
    (etlc__any_fn)etlc_batch_append_null,  (etlc__any_fn)etlc_batch_append_bool,
    (etlc__any_fn)etlc_batch_append_int64, (etlc__any_fn)etlc_batch_append_double,
    (etlc__any_fn)etlc_batch_append_date,  (etlc__any_fn)etlc_batch_append_timestamp,
    (etlc__any_fn)etlc_batch_append_var,   (etlc__any_fn)etlc_batch_end_row,
    (etlc__any_fn)etlc_error_set,          (etlc__any_fn)etlc_error_prefix,
    (etlc__any_fn)etlc_log,                (etlc__any_fn)etlc_redact_register_secret,
    (etlc__any_fn)etlc_config_has,         (etlc__any_fn)etlc_config_get_string,
    (etlc__any_fn)etlc_config_get_int,     (etlc__any_fn)etlc_config_get_bool,
    (etlc__any_fn)etlc_config_get_float,   (etlc__any_fn)etlc_config_get_duration_ms,
    (etlc__any_fn)etlc_config_get_list,    (etlc__any_fn)etlc_now_us,
    (etlc__any_fn)etlc_glob_match,
};

int etlc_plugin_load(const char *path, etlc_error *err)
{
    if (!path || !*path)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "no plugin path given");
    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        return etlc_error_set(err, ETLC_PLUGIN, "cannot load plugin '%s': %s", path,
                              why ? why : "unknown dlopen error");
    }
    dlerror();
    void *sym = dlsym(handle, ETLC_PLUGIN_SYMBOL);
    const char *why = dlerror();
    if (why || !sym) {
        dlclose(handle);
        return etlc_error_set(err, ETLC_PLUGIN,
                              "plugin '%s' does not export the function '%s' every etlconn plugin "
                              "must define",
                              path, ETLC_PLUGIN_SYMBOL);
    }
    etlc_plugin_register_fn reg;
    memcpy(&reg, &sym, sizeof reg); /* object pointer to function pointer, as POSIX allows */
    const etlc_connector_ops *ops = reg();
    if (!ops) {
        dlclose(handle);
        return etlc_error_set(err, ETLC_PLUGIN, "plugin '%s': %s() returned no connector", path,
                              ETLC_PLUGIN_SYMBOL);
    }
    int rc = etlc_registry_add(ops, err);
    if (rc != 0) {
        etlc_error_prefix(err, "plugin '%s'", path);
        dlclose(handle);
        return rc;
    }
    etlc_log(ETLC_LOG_INFO, "plugin", "loaded connector '%s' from %s", ops->name, path);
    return 0;
}

/* ---- ETLCONN_PLUGIN_PATH -------------------------------------------------- */

typedef struct load_report {
    int first_code;
    etlc_error first;
    unsigned failures;
} load_report;

static void report_failure(load_report *rep, const etlc_error *e)
{
    etlc_log(ETLC_LOG_ERROR, "plugin", "%s", e->message);
    if (rep->failures++ == 0) {
        rep->first_code = e->code;
        rep->first = *e;
    }
}

static void load_one(const char *path, load_report *rep)
{
    etlc_error e = {0};
    if (etlc_plugin_load(path, &e) != 0)
        report_failure(rep, &e);
}

static bool has_so_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int so_filter(const struct dirent *d) { return d->d_name[0] != '.' && has_so_suffix(d->d_name); }

static void load_entry(const char *entry, load_report *rep)
{
    struct stat st;
    etlc_error e = {0};
    if (stat(entry, &st) != 0) {
        etlc_error_set(&e, ETLC_PLUGIN, "ETLCONN_PLUGIN_PATH entry '%s': %s", entry,
                       strerror(errno));
        report_failure(rep, &e);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        load_one(entry, rep);
        return;
    }
    struct dirent **names = NULL;
    int n = scandir(entry, &names, so_filter, alphasort);
    if (n < 0) {
        etlc_error_set(&e, ETLC_PLUGIN, "ETLCONN_PLUGIN_PATH directory '%s' cannot be read: %s",
                       entry, strerror(errno));
        report_failure(rep, &e);
        return;
    }
    etlc__buf path = {0};
    for (int i = 0; i < n; i++) {
        etlc__buf_reset(&path);
        if (etlc__buf_printf(&path, "%s/%s", entry, names[i]->d_name) != 0) {
            etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory loading plugins from '%s'", entry);
            report_failure(rep, &e);
        } else {
            load_one(path.data, rep);
        }
        free(names[i]);
    }
    free(names);
    etlc__buf_free(&path);
}

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;
static bool env_loaded;

int etlc_plugins_load_env(etlc_error *err)
{
    /* The lock is held while loading so a concurrent caller waits until the
     * plugins are registered rather than seeing a half-loaded registry. */
    pthread_mutex_lock(&env_lock);
    if (env_loaded) {
        pthread_mutex_unlock(&env_lock);
        return 0;
    }
    env_loaded = true;
    load_report rep = {0};
    const char *env = getenv("ETLCONN_PLUGIN_PATH");
    char *copy = env && *env ? etlc__strdup(env) : NULL;
    if (env && *env && !copy) {
        env_loaded = false;
        pthread_mutex_unlock(&env_lock);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading ETLCONN_PLUGIN_PATH");
    }
    for (char *save = NULL, *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok;
         tok = strtok_r(NULL, ":", &save))
        load_entry(tok, &rep);
    free(copy);
    pthread_mutex_unlock(&env_lock);
    if (rep.failures == 0)
        return 0;
    if (err) {
        *err = rep.first;
        if (rep.failures > 1)
            etlc_error_prefix(err, "%u plugins failed to load; the first", rep.failures);
    }
    return rep.first_code;
}
