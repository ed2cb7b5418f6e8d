/* The stream capability through a test connector with a tiny "broker":
 * two partitions of numbered messages and committed offsets kept in a
 * file. commit(positions) must come only after the file holding those
 * messages is visible in the lake (the connector checks by reading the
 * lake), never after a failed landing, and a crash between landing and
 * commit (a real one: a child process exits inside commit) is replayed
 * onto the same file name instead of a second copy. */
#include "testutil.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/capabilities.h"

#define NPART 2
static const char *const part_names[NPART] = {"p0", "p1"};

static const etlc_option st_options[] = {
    {"messages", ETLC_OPT_INT, "10", 0, 0, NULL, 0, "messages per partition"},
    {"broker_file", ETLC_OPT_PATH, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "committed offsets"},
    {"lake_dir", ETLC_OPT_PATH, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "lake to check at commit"},
    {"crash_in_commit", ETLC_OPT_BOOL, "false", 0, 0, NULL, 0, "exit the process inside commit"},
    {"block_when_idle", ETLC_OPT_BOOL, "false", 0, 0, NULL, 0, "an idle poll waits for cancel (5 s at most)"},
};
static const etlc_option_table st_table = {"streamtest", "STREAMTEST", st_options, 5, NULL};

typedef struct st_ctx {
    int64_t messages;
    char broker[4096], lake[4096];
    bool crash, block;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool cancel;
    int64_t read_pos[NPART];
    etlc_batch *batch;
    etlc_stream_position pos;
    const etlc_stream_callbacks *cb;
} st_ctx;

static int commit_calls, commit_violations, assigned_calls, revoked_calls;

static void broker_read(const char *file, int64_t out[NPART])
{
    out[0] = out[1] = 0;
    FILE *f = fopen(file, "r");
    if (f) {
        long long a = 0, b = 0;
        if (fscanf(f, "%lld %lld", &a, &b) == 2)
            out[0] = a, out[1] = b;
        fclose(f);
    }
}

static int st_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    st_ctx *ctx = vctx;
    ctx->messages = etlc_config_get_int(cfg, "messages");
    snprintf(ctx->broker, sizeof ctx->broker, "%s", etlc_config_get_string(cfg, "broker_file"));
    snprintf(ctx->lake, sizeof ctx->lake, "%s", etlc_config_get_string(cfg, "lake_dir"));
    ctx->crash = etlc_config_get_bool(cfg, "crash_in_commit");
    ctx->block = etlc_config_get_bool(cfg, "block_when_idle");
    pthread_mutex_init(&ctx->lock, NULL);
    pthread_cond_init(&ctx->wake, NULL);
    static const etlc_column_def defs[] = {{(char *)"partition", ETLC_TYPE_TEXT, 0, 0},
                                           {(char *)"offset", ETLC_TYPE_INT64, 0, 0}};
    return etlc_batch_new(defs, 2, 1000, &ctx->batch, err);
}

static void st_close(void *vctx)
{
    st_ctx *ctx = vctx;
    etlc_batch_free(ctx->batch);
    pthread_mutex_destroy(&ctx->lock);
    pthread_cond_destroy(&ctx->wake);
}

/* Set once a poll waits idle (the cancel test cancels only then). */
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static bool idle_waiting;

/* An idle poll in block mode: wait until cancel (another thread) or 5 s. */
static int wait_for_cancel(st_ctx *ctx, etlc_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&idle_lock);
    idle_waiting = true;
    pthread_mutex_unlock(&idle_lock);
    pthread_mutex_lock(&ctx->lock);
    while (!ctx->cancel && pthread_cond_timedwait(&ctx->wake, &ctx->lock, &until) == 0)
        ;
    bool cancelled = ctx->cancel;
    pthread_mutex_unlock(&ctx->lock);
    return cancelled ? etlc_error_set(err, ETLC_CANCELLED, "streamtest: poll cancelled") : 0;
}

static int st_subscribe(void *vctx, const char *resource, const etlc_stream_position *start,
                        size_t nstart, const char *state, const etlc_stream_callbacks *cb,
                        void **sub, etlc_error *err)
{
    st_ctx *ctx = vctx;
    (void)resource, (void)state, (void)err;
    broker_read(ctx->broker, ctx->read_pos); /* the group's committed offsets */
    for (size_t i = 0; i < nstart; i++)      /* the checkpoint wins: seek */
        for (int p = 0; p < NPART; p++)
            if (strcmp(start[i].partition, part_names[p]) == 0)
                ctx->read_pos[p] = start[i].next;
    ctx->cb = cb;
    if (cb->assigned)
        cb->assigned(cb->userdata, part_names, NPART);
    assigned_calls++;
    *sub = ctx;
    return 0;
}

static int st_poll(void *vctx, void *sub, const etlc_stream_limits *limits,
                   etlc_stream_batch *out, etlc_error *err)
{
    st_ctx *ctx = vctx;
    (void)sub;
    size_t max_records = limits->max_records;
    int p = ctx->read_pos[0] <= ctx->read_pos[1] ? 0 : 1; /* the one further behind */
    if (ctx->read_pos[p] >= ctx->messages)
        p = 1 - p;
    etlc_batch_reset(ctx->batch);
    *out = (etlc_stream_batch){0};
    if (ctx->read_pos[p] >= ctx->messages)
        return ctx->block ? wait_for_cancel(ctx, err) : 0; /* nothing more: an empty poll */
    int64_t first = ctx->read_pos[p], end = first + (int64_t)max_records;
    if (end > ctx->messages)
        end = ctx->messages;
    for (int64_t o = first; o < end; o++) {
        int rc = etlc_batch_append_var(ctx->batch, 0, ETLC_TYPE_TEXT, part_names[p], 2, err);
        rc = rc ? rc : etlc_batch_append_int64(ctx->batch, 1, o, err);
        rc = rc ? rc : etlc_batch_end_row(ctx->batch, err);
        if (rc)
            return rc;
    }
    ctx->read_pos[p] = end;
    ctx->pos = (etlc_stream_position){.partition = part_names[p], .first = first, .next = end};
    *out = (etlc_stream_batch){.batch = ctx->batch, .positions = &ctx->pos, .npositions = 1};
    return 0;
}

/* Is every message of `pos` in a visible (non-hidden) file under dir? */
static void scan_lake(const char *dir, bool *seen, const char *part)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || e->d_name[0] == '_')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            scan_lake(path, seen, part);
            continue;
        }
        char *text = tu_read_file(path, NULL);
        char needle[32];
        snprintf(needle, sizeof needle, "\"partition\":\"%s\",\"offset\":", part);
        for (char *s = text ? strstr(text, needle) : NULL; s; s = strstr(s + 1, needle))
            seen[atoi(s + strlen(needle))] = true;
        free(text);
    }
    closedir(d);
}

static int st_commit(void *vctx, void *sub, const etlc_stream_position *positions, size_t n,
                     etlc_error *err)
{
    st_ctx *ctx = vctx;
    (void)sub, (void)err;
    commit_calls++;
    int64_t committed[NPART];
    broker_read(ctx->broker, committed);
    for (size_t i = 0; i < n; i++) {
        bool seen[1000] = {false};
        scan_lake(ctx->lake, seen, positions[i].partition);
        for (int64_t o = positions[i].first; o < positions[i].next; o++)
            if (!seen[o])
                commit_violations++;
        committed[strcmp(positions[i].partition, "p0") == 0 ? 0 : 1] = positions[i].next;
    }
    if (ctx->crash)
        _exit(3); /* the process dies after landing, before the broker hears of it */
    FILE *f = fopen(ctx->broker, "w");
    fprintf(f, "%lld %lld\n", (long long)committed[0], (long long)committed[1]);
    fclose(f);
    return 0;
}

static void st_unsubscribe(void *vctx, void *sub)
{
    st_ctx *ctx = vctx;
    (void)sub;
    if (ctx->cb && ctx->cb->revoked)
        ctx->cb->revoked(ctx->cb->userdata, part_names, NPART);
    revoked_calls++;
}

static int cancel_calls;

static void st_cancel(void *vctx, void *sub)
{
    st_ctx *ctx = vctx;
    (void)sub;
    pthread_mutex_lock(&ctx->lock);
    ctx->cancel = true;
    cancel_calls++;
    pthread_cond_signal(&ctx->wake);
    pthread_mutex_unlock(&ctx->lock);
}

static const etlc_stream_ops st_stream = {.subscribe = st_subscribe, .poll = st_poll,
                                          .commit = st_commit, .cancel = st_cancel,
                                          .unsubscribe = st_unsubscribe};
static const etlc_connector_ops st_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "streamtest", .description = "stream test",
    .options = &st_table, .context_size = sizeof(st_ctx), .connect = st_connect,
    .close = st_close, .stream = &st_stream};
/* The same broker as a consumer group that keeps the positions itself. */
static const etlc_stream_ops st_stream_group = {
    .flags = ETLC_STREAM_SOURCE_POSITIONS, .subscribe = st_subscribe, .poll = st_poll,
    .commit = st_commit, .cancel = st_cancel, .unsubscribe = st_unsubscribe};
static const etlc_connector_ops st_ops_group = {
    .abi_version = ETLC_ABI_VERSION, .name = "streamtest", .description = "stream test (group)",
    .options = &st_table, .context_size = sizeof(st_ctx), .connect = st_connect,
    .close = st_close, .stream = &st_stream_group};
static const etlc_connector_ops *use_ops = &st_ops;

static etlc__consume_control *control; /* for the cancel test */
static bool block_when_idle;

static int consume(const char *dir, bool crash, const char *lake_root, etlc_result **r)
{
    char broker[4400], lake[4400];
    snprintf(broker, sizeof broker, "%s/broker.txt", dir);
    snprintf(lake, sizeof lake, "%s/lake", dir);
    etlc_kv dict[] = {{"broker_file", broker}, {"lake_dir", lake},
                      {"crash_in_commit", crash ? "true" : "false"},
                      {"block_when_idle", block_when_idle ? "true" : "false"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 4};
    etlc_config *cfg = NULL;
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(&st_table, &src, &cfg, &err), 0);
    assert_int_equal(etlc_connector_open(use_ops, cfg, &c, &err), 0);
    etlc__consume_options o = {.resource = "orders", .max_records = 4, .max_idle_polls = 1,
                               .control = control};
    etlc_land_options land = {.lake_root = lake_root ? lake_root : lake, .sink.format = "jsonl"};
    int rc = etlc__consume_stream(c, &o, &land, r, &err);
    assert_non_null(*r);
    assert_int_equal(etlc_result_validate(*r, &err), 0);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    return rc;
}

/* A crash inside the source's commit: with a checkpoint the replay starts
 * after the landed batch (the checkpoint had it before the commit); with
 * positions kept by the source (a group) it lands the same batch on the
 * same name. Either way every message is in exactly one visible file. */
static void crash_in_commit_then_replay(bool group)
{
    use_ops = group ? &st_ops_group : &st_ops;
    char *dir = tu_tempdir("cap-stream");
    char lake[4400];
    snprintf(lake, sizeof lake, "%s/lake/streamtest", dir); /* the data, not _checkpoints */
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&st_ops, &err), 0);

    /* A child process dies inside the first commit: the first batch's file is landed. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        etlc_result *r = NULL;
        consume(dir, true, NULL, &r);
        _exit(0); /* not reached: commit exits with 3 */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    assert_int_equal(tu_count_files(lake), 1); /* the first batch's file */
    int64_t broker[NPART];
    char broker_file[4400];
    snprintf(broker_file, sizeof broker_file, "%s/broker.txt", dir);
    broker_read(broker_file, broker);
    assert_int_equal(broker[0] + broker[1], 0); /* the broker never heard of it */

    /* The replay: the same first batch lands on the same name, then the rest. */
    commit_calls = commit_violations = assigned_calls = revoked_calls = 0;
    etlc_result *r = NULL;
    tu_capture_logs();
    etlc_log_set_level(ETLC_LOG_INFO);
    assert_int_equal(consume(dir, false, NULL, &r), 0);
    assert_int_equal(assigned_calls, 1);
    assert_int_equal(revoked_calls, 1);
    assert_non_null(strstr(tu_logs(), "partition 'p1' assigned")); /* the driver's callbacks ran */
    assert_non_null(strstr(tu_logs(), "partition 'p0' revoked"));
    /* p0: 0-3, 4-7, 8-9; p1 the same; with a checkpoint p0's 0-3 is done */
    assert_int_equal(r->item_count, group ? 6 : 5);
    assert_int_equal(r->record_count, group ? 20 : 16);
    if (group)
        assert_non_null(strstr(r->items[0].path, "/p0/00000000000000000000-00000.jsonl"));
    assert_int_equal(commit_calls, group ? 6 : 5);
    assert_int_equal(commit_violations, 0); /* every commit came after its file was visible */
    assert_int_equal(tu_count_files(lake), 6); /* six files, not seven */
    broker_read(broker_file, broker);
    assert_int_equal(broker[0], 10);
    assert_int_equal(broker[1], 10);
    etlc_result_free(r);

    /* Nothing new: an empty poll ends the run; nothing landed or committed. */
    commit_calls = 0;
    assert_int_equal(consume(dir, false, NULL, &r), 0);
    assert_int_equal(r->item_count, 0);
    assert_int_equal(commit_calls, 0);
    etlc_result_free(r);
    tu_rmtree(dir);
    free(dir);
    use_ops = &st_ops;
}

static void commits_follow_visible_files_and_checkpoint_skips(void **state)
{
    (void)state;
    crash_in_commit_then_replay(false);
}

static void group_replays_overwrite(void **state)
{
    (void)state;
    crash_in_commit_then_replay(true);
}

static void a_failed_landing_is_never_committed(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cap-stream-fail");
    char bad_lake[4400], blocker[4500];
    snprintf(bad_lake, sizeof bad_lake, "%s/badlake", dir);
    /* The lake's "streamtest" directory cannot be created: a file sits there. */
    mkdir(bad_lake, 0755);
    snprintf(blocker, sizeof blocker, "%s/streamtest", bad_lake);
    assert_int_equal(tu_write_file(blocker, "in the way\n"), 0);
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&st_ops, &err), 0);
    commit_calls = 0;
    etlc_result *r = NULL;
    assert_int_not_equal(consume(dir, false, bad_lake, &r), 0);
    assert_int_equal(commit_calls, 0);
    assert_int_equal(r->item_count, 0);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    char broker_file[4400];
    snprintf(broker_file, sizeof broker_file, "%s/broker.txt", dir);
    int64_t broker[NPART];
    broker_read(broker_file, broker);
    assert_int_equal(broker[0] + broker[1], 0);
    etlc_result_free(r);
    tu_rmtree(dir);
    free(dir);
}

/* Cancel once the consumer waits in an idle poll (20 s at most). */
static void *cancel_later(void *arg)
{
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&idle_lock);
        bool waiting = idle_waiting;
        pthread_mutex_unlock(&idle_lock);
        if (waiting)
            break;
        usleep(10 * 1000);
    }
    etlc__consume_cancel(arg);
    return NULL;
}

static void cancel_from_another_thread_wakes_a_waiting_poll(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cap-stream-cancel");
    char lake[4400], broker_file[4400];
    snprintf(lake, sizeof lake, "%s/lake/streamtest", dir);
    snprintf(broker_file, sizeof broker_file, "%s/broker.txt", dir);
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&st_ops, &err), 0);
    etlc__consume_control ctl;
    etlc__consume_control_init(&ctl);
    control = &ctl;
    block_when_idle = true; /* after the 20 messages, poll waits for cancel */
    commit_calls = cancel_calls = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &ctl), 0);
    etlc_result *r = NULL;
    assert_int_equal(consume(dir, false, NULL, &r), ETLC_CANCELLED);
    pthread_join(t, NULL);
    assert_int_equal(cancel_calls, 1); /* (a 5 s timeout would return 0, not CANCELLED) */
    /* What was landed and committed before stays, and the broker agrees. */
    assert_int_equal(commit_calls, 6);
    assert_int_equal(r->item_count, 6);
    assert_int_equal(r->status, ETLC_STATUS_PARTIAL);
    assert_int_equal(tu_count_files(lake), 6);
    int64_t broker[NPART];
    broker_read(broker_file, broker);
    assert_int_equal(broker[0] + broker[1], 20);
    etlc_result_free(r);
    /* A cancel before the consume starts stops it at once. */
    block_when_idle = false;
    assert_int_equal(consume(dir, false, NULL, &r), ETLC_CANCELLED);
    assert_int_equal(r->item_count, 0);
    etlc_result_free(r);
    control = NULL;
    etlc__consume_control_destroy(&ctl);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commits_follow_visible_files_and_checkpoint_skips),
        cmocka_unit_test(group_replays_overwrite),
        cmocka_unit_test(a_failed_landing_is_never_committed),
        cmocka_unit_test(cancel_from_another_thread_wakes_a_waiting_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
