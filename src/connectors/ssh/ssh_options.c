/* The ssh connector's options: the one table that drives validation, env
 * variables (SSH_*), docs and `etlconn options ssh`. The bytes fragment
 * (include/exclude/ages/after_landing) is applied by the bytes driver; of
 * the net fragments, connect_timeout, low_speed_time (a stalled session)
 * and the retry settings (connection attempts) are used. */
#include "core/bytes_options.h"
#include "net/http.h"
#include "ssh_internal.h"

static const etlc_option ssh_options[] = {
    {.name = "host", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "SSH server host name or address"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "22",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535,
     .description = "SSH server port"},
    {.name = "username", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "User to log in as"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password (password authentication), tried after the agent and the key"},
    {.name = "private_key", .type = ETLC_OPT_PATH,
     .description = "Private key file (OpenSSH or PEM format) for public key authentication"},
    {.name = "private_key_passphrase", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Passphrase of private_key when it is encrypted"},
    {.name = "use_agent", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Try the keys of the ssh-agent at $SSH_AUTH_SOCK first"},
    {.name = "known_hosts", .type = ETLC_OPT_PATH,
     .description = "OpenSSH known_hosts file the server's host key must be in (default: ~/.ssh/known_hosts unless host_key_sha256 is set)"},
    {.name = "host_key_sha256", .type = ETLC_OPT_STRING,
     .description = "Pin: the server's host key SHA256 fingerprint as OpenSSH prints it (\"SHA256:...\" or the base64 alone)"},
    {.name = "host_key_algorithms", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_LIST,
     .description = "Host key types to ask the server for, in order (e.g. ssh-ed25519); unset: those known_hosts lists for the host first, then libssh2's order"},
    {.name = "root", .type = ETLC_OPT_STRING, .default_value = ".",
     .description = "Remote directory files are listed from; names and lake paths are relative to it (\".\": the login directory)"},
    {.name = "follow_symlinks", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Follow symbolic links to files and directories (off: links are skipped)"},
    {.name = "chunk_size", .type = ETLC_OPT_INT, .default_value = "1048576",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 4096, .max = 67108864,
     .description = "Bytes read at a time (libssh2 keeps reads of up to this much in flight); bounds the memory a file needs"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths and results (default: the host)"},
};

static const etlc_option_table *const ssh_fragments[] = {
    &etlc__bytes_fragment, &etlc__net_fragment_limits, &etlc__net_fragment_retry, NULL,
};

const etlc_option_table etlc__ssh_options = {
    .protocol = "ssh",
    .env_prefix = "SSH",
    .options = ssh_options,
    .count = sizeof ssh_options / sizeof ssh_options[0],
    .fragments = ssh_fragments,
};
