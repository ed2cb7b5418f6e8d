/* A one-line progress display on stderr, only when it is a terminal. */
#include <stdio.h>
#include <time.h>

#include "cli.h"

static double started;
static bool shown;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void cli_progress_cb(void *userdata, uint64_t records, uint64_t batches)
{
    (void)userdata;
    if (!g_cli.progress)
        return;
    double t = now_s();
    if (!shown)
        started = t;
    shown = true;
    double el = t - started;
    fprintf(stderr, "\r%llu records, %llu batches, %.0f records/s   ", (unsigned long long)records,
            (unsigned long long)batches, el > 0 ? records / el : 0.0);
    fflush(stderr);
}

void cli_progress_done(void)
{
    if (shown) {
        fputc('\n', stderr);
        shown = false;
    }
}
