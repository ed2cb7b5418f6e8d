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

/* The pid of a temporary's writer, 0 when `name` is no temporary. */
static long temp_writer(const char *name)
{
    if (name[0] != '.')
        return 0;
    const char *tag = NULL;
    for (const char *p = strstr(name, ".tmp-"); p; p = strstr(p + 1, ".tmp-"))
        tag = p;
    if (!tag || tag == name)
        return 0;
    char *end;
    long pid = strtol(tag + 5, &end, 10);
    return pid > 0 && *end == '-' && end[1] && strspn(end + 1, "0123456789abcdef") == strlen(end + 1) ? pid : 0;
}

bool etlc__lake_process_gone(long pid)
{
    return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

void etlc__remove_dead_temps(const char *dir, const char *who)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        long pid = temp_writer(de->d_name);
        if (!pid || !etlc__lake_process_gone(pid))
            continue;
        etlc__buf full = {0};
        if (etlc__buf_printf(&full, "%s/%s", dir, de->d_name) == 0 && unlink(full.data) == 0)
            etlc_log(ETLC_LOG_INFO, who, "removed '%s', left by a run (pid %ld) that was killed", full.data, pid);
        etlc__buf_free(&full);
    }
    if (d)
        closedir(d);
}

