/* A watcher that turns a cancel request into an action while a connector
 * is blocked in a wait no batch boundary interrupts (a query the server is
 * still running): a helper thread looks at the token every 50 ms and calls
 * the action once. The token itself cannot wake anyone (requesting it must
 * stay async-signal-safe), hence the polling; stop wakes the thread at once. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/internal.h"

#define WATCH_POLL_MS 50

struct etlc__cancel_watch {
    const etlc_cancel *cancel;
    void (*action)(void *userdata);
    void *userdata;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;       /* guarded by lock */
    pthread_t thread;
};

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *watch_main(void *arg)
{
    etlc__cancel_watch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        if (etlc_cancel_requested(w->cancel)) {
            pthread_mutex_unlock(&w->lock);
            w->action(w->userdata); /* once; the connector sees its wait end */
            return NULL;
        }
        struct timespec ts;
        deadline_in(&ts, WATCH_POLL_MS);
        pthread_cond_timedwait(&w->wake, &w->lock, &ts);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int etlc__cancel_watch_start(const etlc_cancel *cancel, void (*action)(void *userdata), void *userdata,
                             etlc__cancel_watch **out)
{
    *out = NULL;
    if (!cancel)
        return 0;
    etlc__cancel_watch *w = calloc(1, sizeof *w);
    if (!w)
        return ETLC_NO_MEMORY;
    w->cancel = cancel;
    w->action = action;
    w->userdata = userdata;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        free(w);
        return ETLC_NO_MEMORY;
    }
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return ETLC_NO_MEMORY;
    }
    *out = w;
    return 0;
}

void etlc__cancel_watch_stop(etlc__cancel_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL); /* after this the action never runs */
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
