/* FreeTDS's error and message handlers, routed into the connection's diag
 * and the log, and the mapping from what they saw to etlc codes.
 *
 * db-lib's handlers are process-wide. Each connection's DBPROCESS carries
 * its diag as user data; during dbopen() (no DBPROCESS yet) the handlers
 * use the diag of the login running on the same thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "mssql_internal.h"

static _Thread_local mssql_diag *login_diag;

void etlc__mssql_login_diag(mssql_diag *diag) { login_diag = diag; }

static mssql_diag *diag_of(DBPROCESS *dbproc)
{
    mssql_diag *d = dbproc ? (mssql_diag *)dbgetuserdata(dbproc) : NULL;
    return d ? d : login_diag;
}

static int on_error(DBPROCESS *dbproc, int severity, int dberr, int oserr, char *dberrstr, char *oserrstr)
{
    /* Informational conversions (e.g. "changed database context") are not failures. */
    if (dberr == SYBESMSG) /* "check messages from the server": the message handler has them */
        return INT_CANCEL;
    etlc_log(ETLC_LOG_DEBUG, "mssql", "db-lib error %d (severity %d)%s%s%s%s", dberr, severity,
             dberrstr ? ": " : "", dberrstr ? dberrstr : "", oserr > 0 && oserrstr ? "; os: " : "",
             oserr > 0 && oserrstr ? oserrstr : "");
    mssql_diag *d = diag_of(dbproc);
    /* The first error is the cause; FreeTDS follows it with generic ones
     * ("connection failed"). An OS error seen later still fills oserr. */
    if (d && d->dberr == 0) {
        d->dberr = dberr;
        d->severity = severity;
        etlc_redact(dberrstr ? dberrstr : "", d->dbmsg, sizeof d->dbmsg); /* redact, then cut */
    }
    if (d && d->oserr <= 0 && oserr > 0)
        d->oserr = oserr;
    /* Cancel the failing call (timeouts included) so it returns FAIL. */
    return INT_CANCEL;
}

static int on_message(DBPROCESS *dbproc, DBINT msgno, int msgstate, int severity, char *msgtext, char *srvname,
                      char *procname, int line)
{
    (void)srvname;
    bool is_error = severity > 10;
    etlc_log(is_error ? ETLC_LOG_WARN : ETLC_LOG_DEBUG, "mssql", "server message %d (severity %d, state %d%s%s, line %d): %s",
             (int)msgno, severity, msgstate, procname && *procname ? ", procedure " : "",
             procname && *procname ? procname : "", line, msgtext ? msgtext : "");
    mssql_diag *d = diag_of(dbproc);
    if (is_error && d && d->msgno == 0) {
        d->msgno = (int)msgno;
        d->msgstate = msgstate;
        if (d->severity < severity)
            d->severity = severity;
        etlc_redact(msgtext ? msgtext : "", d->srvmsg, sizeof d->srvmsg); /* redact, then cut */
    }
    return 0;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = FAIL;

static void init_dblib(void)
{
    init_status = dbinit();
    if (init_status == SUCCEED) {
        dberrhandle(on_error);
        dbmsghandle(on_message);
    }
}

int etlc__mssql_init(etlc_error *err)
{
    pthread_once(&init_once, init_dblib);
    if (init_status != SUCCEED)
        return etlc_error_set(err, ETLC_INTERNAL, "mssql: FreeTDS db-lib failed to initialise (dbinit)");
    return ETLC_OK;
}

int etlc__mssql_code_for(const mssql_diag *d, bool connecting, bool *retryable)
{
    *retryable = false;
    switch (d->msgno) { /* the server's own number is the most precise */
    case 18456: return ETLC_AUTH;                 /* login failed */
    case 18486: case 18487: case 18488: return ETLC_AUTH_DENIED; /* locked, expired, must change */
    case 4060: return ETLC_CONNECT_NOT_FOUND;    /* cannot open the requested database */
    case 229: case 230: case 262: case 300: case 916: return ETLC_AUTH_DENIED;
    case 1205: *retryable = true; return ETLC_BUSY; /* deadlock victim */
    case 1222: *retryable = true; return ETLC_BUSY; /* lock request timeout */
    case 3980: case 3617: return ETLC_CANCELLED;
    default: break;
    }
    if (d->oserr == ECONNREFUSED) {
        *retryable = true;
        return ETLC_CONNECT_REFUSED;
    }
    if (d->dberr == SYBETIME || d->oserr == ETIMEDOUT) {
        *retryable = true;
        return connecting ? ETLC_CONNECT_TIMEOUT : ETLC_TIMEOUT;
    }
    switch (d->dberr) {
    case SYBEUHST: case SYBEINTF: return ETLC_CONNECT_NOT_FOUND;
    case SYBEMEM: return ETLC_NO_MEMORY;
    case SYBEPWD: return ETLC_AUTH;
    case SYBECONN: case SYBEFCON: case SYBESOCK:
        *retryable = true;
        return ETLC_CONNECT;
    case SYBEREAD: case SYBEWRIT: case SYBESEOF: case SYBEDDNE:
        *retryable = !connecting;
        return connecting ? ETLC_CONNECT : ETLC_PROTOCOL;
    case SYBEBTOK: case SYBESYNC: return ETLC_PROTOCOL;
    default: break;
    }
    if (d->msgno != 0)
        return connecting ? ETLC_CONNECT : ETLC_QUERY;
    return connecting ? ETLC_CONNECT : ETLC_QUERY;
}

int etlc__mssql_error(etlc_error *err, const mssql_diag *d, bool connecting, const char *what)
{
    bool retryable;
    int code = etlc__mssql_code_for(d, connecting, &retryable);
    /* Built whole: etlc_error_set redacts it before cutting it to size. */
    etlc__buf detail = {0};
    int brc = 0;
    if (d->msgno)
        brc |= etlc__buf_printf(&detail, "%s (server msg %d, severity %d, state %d)", d->srvmsg,
                                d->msgno, d->severity, d->msgstate);
    if (d->dberr)
        brc |= etlc__buf_printf(&detail, "%s%s (db-lib %d)", detail.len ? "; " : "",
                                d->dbmsg[0] ? d->dbmsg : "error", d->dberr);
    if (d->oserr > 0)
        brc |= etlc__buf_printf(&detail, "%s%s", detail.len ? ": " : "", strerror(d->oserr));
    etlc_error_set(err, code, "%s: %s", what,
                   brc ? "(message withheld: out of memory)" : detail.len ? detail.data : "no message from FreeTDS");
    etlc__buf_free(&detail);
    if (err) {
        err->native_code = d->msgno ? d->msgno : d->dberr;
        err->retryable = retryable;
    }
    return code;
}
