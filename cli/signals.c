/* SIGINT and SIGTERM stop fetch, extract and load cleanly: the handler
 * requests the process-wide cancel token (one atomic store, safe in a
 * handler), the run stops at its next batch, aborts its sinks and the
 * command exits 130. The handler is reset on entry (SA_RESETHAND), so a
 * second signal of the same kind ends the process at once. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void on_signal(int sig)
{
    (void)sig;
    etlc_cancel_request(etlc_cancel_process());
    static const char msg[] = "etlconn: stopping (nothing partial is kept); interrupt again to quit at once\n";
    if (!g_cli.quiet) {
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
    }
}

etlc_cancel *cli_cancel_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return etlc_cancel_process();
}

bool cli_cancelled(void) { return etlc_cancel_requested(etlc_cancel_process()); }
