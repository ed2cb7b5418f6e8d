/* Ctrl-C during a long call made from Python's main thread. The call runs
 * with the GIL released, so Python's own SIGINT handler would only set a
 * flag nobody reads until the call returns — a consume that follows a
 * stream never would. For the call's duration a handler of ours requests
 * the call's cancel token (async-signal-safe); the run stops cleanly
 * between batches (nothing partial kept, nothing acknowledged ahead of its
 * data) and the call raises KeyboardInterrupt. Python's handler is put
 * back after the call. */
#include <signal.h>
#include <string.h>

#include "ext.h"

static etlc_cancel *volatile interrupt_token;
static volatile sig_atomic_t interrupt_seen;

static void on_sigint(int sig)
{
    (void)sig;
    interrupt_seen = 1;
    etlc_cancel_request(interrupt_token);
}

int ext_interrupt_begin(ext_interrupt *it, int wanted)
{
    memset(it, 0, sizeof *it);
    etlc_error err = {0};
    if (etlc_cancel_new(&it->token, &err) != 0) {
        ext_raise(&err);
        return -1;
    }
    if (!wanted)
        return 0;
    interrupt_token = it->token;
    interrupt_seen = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* the run checks the token; system calls go on */
    it->installed = sigaction(SIGINT, &sa, &it->old) == 0;
    return 0;
}

int ext_interrupt_end(ext_interrupt *it)
{
    int seen = 0;
    if (it->installed) {
        sigaction(SIGINT, &it->old, NULL);
        seen = interrupt_seen != 0;
        interrupt_token = NULL;
        interrupt_seen = 0;
    }
    etlc_cancel_free(it->token);
    it->token = NULL;
    return seen;
}
