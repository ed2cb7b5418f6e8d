/* Temporary files of dead writers in a local lake directory: a temporary
 * is ".<name>.tmp-<pid>-<hex>" (lake_local.c). Only those of processes that
 * are gone are removed, so a live writer keeps its own — also one in this
 * process (an embedder's parallel run). Like the checkpoint hold, this
 * assumes the writers of a local lake directory run on this host. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/lake_backend.h"

/* The writer's pid in ".<name>.tmp-<pid>-<16 hex>[.old]", or 0. */
static long temp_writer(const char *entry)
{
    if (entry[0] != '.')
        return 0;
    const char *t = NULL;
    for (const char *s = entry; (s = strstr(s, ".tmp-")) != NULL; s++)
        t = s; /* the last one: a name may itself hold ".tmp-" */
    if (!t || t == entry)
        return 0;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (pid <= 0 || *end != '-' || strspn(end + 1, "0123456789abcdef") != 16)
        return 0;
    const char *rest = end + 17;
    return *rest == '\0' || strcmp(rest, ".old") == 0 ? pid : 0;
}

bool etlc__lake_process_gone(long pid)
{
    return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int etlc__remove_dead_temps(const char *dir, const char *who)
{
    DIR *d = opendir(dir);
    int removed = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        long pid = temp_writer(de->d_name);
        if (!pid || !etlc__lake_process_gone(pid))
            continue;
        etlc__buf full = {0};
        if (etlc__buf_printf(&full, "%s/%s", dir, de->d_name) == 0 && unlink(full.data) == 0) {
            etlc_log(ETLC_LOG_INFO, who, "removed '%s', left by a run (pid %ld) that was killed", full.data, pid);
            removed++;
        }
        etlc__buf_free(&full);
    }
    if (d)
        closedir(d);
    return removed;
}

int etlc__lake_sweep_dead_temporaries(etlc_lake *lake, const char *dir_relpath)
{
    if (strcmp(lake->backend->name, "local") != 0)
        return 0;
    etlc__buf dir = {0};
    int removed = etlc__buf_printf(&dir, "%s%s%s", lake->root, dir_relpath && *dir_relpath ? "/" : "",
                                   dir_relpath ? dir_relpath : "") == 0
                      ? etlc__remove_dead_temps(dir.data, "lake")
                      : 0;
    etlc__buf_free(&dir);
    return removed;
}

