/* Authentication, in this order among what the server allows and the
 * config gives: the agent (use_agent), the private key (with its
 * passphrase), the password (method "password", then "keyboard-interactive"). Messages name the user and the methods tried,
 * never a secret. */
#include <stdio.h>
#include <string.h>

#include "ssh_internal.h"

static bool allows(const char *methods, const char *m)
{
    size_t n = strlen(m);
    for (const char *s = methods; s && *s;) {
        size_t seg = strcspn(s, ",");
        if (seg == n && strncmp(s, m, n) == 0)
            return true;
        s += seg + (s[seg] == ',');
    }
    return false;
}

static bool agent_auth(ssh_ctx *ctx)
{
    LIBSSH2_AGENT *agent = libssh2_agent_init(ctx->session);
    bool ok = false;
    if (agent && libssh2_agent_connect(agent) == 0) {
        if (libssh2_agent_list_identities(agent) == 0) {
            struct libssh2_agent_publickey *id = NULL, *prev = NULL;
            while (!ok && libssh2_agent_get_identity(agent, &id, prev) == 0) {
                ok = libssh2_agent_userauth(agent, ctx->username, id) == 0;
                prev = id;
            }
        }
        libssh2_agent_disconnect(agent);
    } else {
        etlc_log(ETLC_LOG_INFO, "ssh", "use_agent: no ssh-agent reachable (SSH_AUTH_SOCK)");
    }
    if (agent)
        libssh2_agent_free(agent);
    return ok;
}

/* keyboard-interactive (servers that take passwords only this way, PAM):
 * every prompt that does not echo gets the password, the others "". The
 * session's abstract pointer is the connector's context. */
static LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(kbd_answer)
{
    (void)name;
    (void)name_len;
    (void)instruction;
    (void)instruction_len;
    const ssh_ctx *ctx = *abstract;
    for (int i = 0; i < num_prompts; i++) {
        const char *answer = prompts[i].echo ? "" : ctx->password;
        responses[i].text = strdup(answer); /* libssh2 frees it */
        responses[i].length = responses[i].text ? (unsigned)strlen(answer) : 0;
    }
}

static void note(etlc__buf *tried, const char *what)
{
    (void)etlc__buf_printf(tried, "%s%s", tried->len ? ", " : "", what);
}

int etlc__ssh_authenticate(ssh_ctx *ctx, etlc_error *err)
{
    const char *methods = libssh2_userauth_list(ctx->session, ctx->username,
                                                (unsigned)strlen(ctx->username));
    if (!methods)
        return libssh2_userauth_authenticated(ctx->session)
                   ? 0 /* "none" was accepted */
                   : etlc__ssh_fail(ctx, ETLC_AUTH, err, "cannot ask %s:%d how user '%s' may log in",
                                    ctx->host, ctx->port, ctx->username);
    etlc__buf tried = {0};
    bool ok = false;
    bool pk = allows(methods, "publickey");
    if (!ok && ctx->use_agent && pk) {
        note(&tried, "ssh-agent");
        ok = agent_auth(ctx);
    }
    if (!ok && ctx->private_key && pk && !etlc__ssh_lost(ctx)) {
        note(&tried, "private_key");
        ok = libssh2_userauth_publickey_fromfile(ctx->session, ctx->username, NULL, ctx->private_key,
                                                 ctx->passphrase) == 0;
        if (!ok) {
            char *m = NULL;
            libssh2_session_last_error(ctx->session, &m, NULL, 0);
            etlc_log(ETLC_LOG_INFO, "ssh", "private key '%s' not accepted for '%s': %s",
                     ctx->private_key, ctx->username, m ? m : "?");
        }
    }
    if (!ok && ctx->password && allows(methods, "password") && !etlc__ssh_lost(ctx)) {
        note(&tried, "password");
        ok = libssh2_userauth_password(ctx->session, ctx->username, ctx->password) == 0;
    }
    if (!ok && ctx->password && allows(methods, "keyboard-interactive") && !etlc__ssh_lost(ctx)) {
        note(&tried, "keyboard-interactive");
        ok = libssh2_userauth_keyboard_interactive(ctx->session, ctx->username, kbd_answer) == 0;
    }
    int rc = 0;
    if (!ok)
        rc = etlc_error_set(err, ETLC_AUTH, "ssh: authentication of user '%s' on %s:%d failed "
                            "(tried: %s; the server allows: %s)", ctx->username, ctx->host, ctx->port,
                            tried.len ? tried.data : "nothing: set password, private_key or use_agent",
                            methods);
    etlc__buf_free(&tried);
    return rc;
}
