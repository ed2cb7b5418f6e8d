/* Temporary files of writers that died (kill -9, a crash) before commit or
 * abort: a local lake's ".<name>.tmp-<pid>-<hex>" (and its ".old") stay
 * hidden from readers but would pile up; the next writer into the same
 * directory removes those whose process is gone. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/lake_backend.h"

/* The writer's pid in ".<name>.tmp-<pid>-<16 hex>[.old]", or 0. */
static long temporary_pid(const char *entry)
{
    if (entry[0] != '.')
        return 0;
    const char *t = NULL;
    for (const char *s = entry; (s = strstr(s, ".tmp-")) != NULL; s++)
        t = s; /* the last one: a name may itself hold ".tmp-" */
    if (!t)
        return 0;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (pid <= 0 || *end != '-' || strspn(end + 1, "0123456789abcdef") != 16)
        return 0;
    const char *rest = end + 17;
    return *rest == '\0' || strcmp(rest, ".old") == 0 ? pid : 0;
}

int etlc__lake_sweep_dead_temporaries(etlc_lake *lake, const char *dir_relpath)
{
    if (strcmp(lake->backend->name, "local") != 0)
        return 0;
    etlc__buf dir = {0}, path = {0};
    if (etlc__buf_printf(&dir, "%s%s%s", lake->root, dir_relpath && *dir_relpath ? "/" : "",
                         dir_relpath ? dir_relpath : "") != 0) {
        etlc__buf_free(&dir);
        return 0;
    }
    DIR *d = opendir(dir.data);
    int removed = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        long pid = temporary_pid(e->d_name);
        if (pid == 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        etlc__buf_reset(&path);
        if (etlc__buf_printf(&path, "%s/%s", dir.data, e->d_name) == 0 && unlink(path.data) == 0)
            removed++;
    }
    if (d)
        closedir(d);
    if (removed)
        etlc_log(ETLC_LOG_INFO, "lake", "removed %d temporary file(s) of writers that died in '%s'",
                 removed, dir.data);
    etlc__buf_free(&dir);
    etlc__buf_free(&path);
    return removed;
}
