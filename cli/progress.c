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

void cli_progress_rows(uint64_t rows, double mbytes)
{
    if (!g_cli.progress)
        return;
    double t = now_s();
    if (!shown)
        started = t;
    shown = true;
    double el = t - started;
    if (mbytes >= 0)
        fprintf(stderr, "\r%llu rows, %.1f MB, %.0f rows/s   ", (unsigned long long)rows, mbytes,
                el > 0 ? rows / el : 0.0);
    else
        fprintf(stderr, "\r%llu rows, %.0f rows/s   ", (unsigned long long)rows, el > 0 ? rows / el : 0.0);
    fflush(stderr);
}

void cli_progress_cb(void *userdata, uint64_t records, uint64_t batches)
{
    (void)userdata;
    (void)batches;
    cli_progress_rows(records, -1);
}

void cli_progress_done(void)
{
    if (shown) {
        fputc('\n', stderr);
        shown = false;
    }
}
