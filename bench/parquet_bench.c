/* Parquet writer benchmark driver (see bench/parquet_write.sh).
 *
 *   parquet_bench ROWS CODEC OUT.parquet [ROW_GROUP_BYTES [LEVEL [THREADS]]]
 *
 * LEVEL 0 = the codec's default (zstd 1); THREADS 0 = one per online CPU
 * (etlc_parquet_options.threads), 1 = no compression thread.
 * Generates ROWS deterministic rows (ints, doubles, short and long strings,
 * timestamps, 10% NULLs) in reused 8192-row batches and writes them. Only
 * the writer's time is measured (filling batches is excluded). Prints one
 * JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "etlconn/etlconn.h"

static uint64_t rng_state = 0x243F6A8885A308D3ULL;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int to_file(void *ud, const void *p, size_t len, etlc_error *err)
{
    if (fwrite(p, 1, len, (FILE *)ud) != len)
        return etlc_error_set(err, ETLC_IO, "short write");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s ROWS CODEC OUT.parquet [ROW_GROUP_BYTES [LEVEL [THREADS]]]\n",
                argv[0]);
        return 2;
    }
    long long rows = atoll(argv[1]);
    etlc_error err = {0};
    etlc_parquet_options o = {0};
    if (etlc_parquet_codec_parse(argv[2], &o.compression, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    o.row_group_bytes = argc > 4 ? atoll(argv[4]) : 0;
    o.compression_level = argc > 5 ? atoi(argv[5]) : 0;
    o.threads = argc > 6 ? atoi(argv[6]) : 0;
    FILE *f = fopen(argv[3], "wb");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    static char fbuf[1 << 20];
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
    const etlc_column_def defs[] = {
        {"id", ETLC_TYPE_INT64, 0, 0},      {"qty", ETLC_TYPE_INT64, 0, 0},
        {"price", ETLC_TYPE_DOUBLE, 0, 0},  {"code", ETLC_TYPE_TEXT, 0, 0},
        {"comment", ETLC_TYPE_TEXT, 0, 0},  {"ts", ETLC_TYPE_TIMESTAMP, 0, 0},
    };
    etlc_batch *b;
    etlc_parquet_writer *w;
    if (etlc_batch_new(defs, 6, 8192, &b, &err) != 0 ||
        etlc_parquet_writer_open(to_file, f, &o, &w, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    static const char *words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                                  "golf", "hotel", "india", "juliett", "kilo", "lima"};
    char code[16], comment[160];
    double spent = 0;
    for (long long r = 0; r < rows; r++) {
        uint64_t x = rnd();
        etlc_batch_append_int64(b, 0, r, &err);
        if (x % 10 == 1) etlc_batch_append_null(b, 1, &err);
        else etlc_batch_append_int64(b, 1, (int64_t)(x >> 40) % 1000, &err);
        if (x % 10 == 2) etlc_batch_append_null(b, 2, &err);
        else etlc_batch_append_double(b, 2, (double)(x >> 11) / 9007199254740992.0 * 1e4, &err);
        if (x % 10 == 3) etlc_batch_append_null(b, 3, &err);
        else {
            int n = snprintf(code, sizeof code, "SKU-%04u", (unsigned)((x >> 20) % 5000));
            etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, code, (size_t)n, &err);
        }
        if (x % 10 == 4) etlc_batch_append_null(b, 4, &err);
        else {
            uint64_t y = rnd();
            int n = snprintf(comment, sizeof comment, "order %lld %s %s %s note %016llx %s %s",
                             r, words[y % 12], words[(y >> 8) % 12], words[(y >> 16) % 12],
                             (unsigned long long)y, words[(y >> 24) % 12], words[(y >> 32) % 12]);
            etlc_batch_append_var(b, 4, ETLC_TYPE_TEXT, comment, (size_t)n, &err);
        }
        if (x % 10 == 5) etlc_batch_append_null(b, 5, &err);
        else etlc_batch_append_timestamp(b, 5, 1600000000000000LL + r * 1000 + (int64_t)(x % 997), &err);
        if (etlc_batch_end_row(b, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        if (etlc_batch_full(b) || r + 1 == rows) {
            double t0 = now();
            if (etlc_parquet_writer_write(w, b, &err) != 0) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            spent += now() - t0;
            etlc_batch_reset(b);
        }
    }
    double t0 = now();
    etlc_parquet_stats st;
    if (etlc_parquet_writer_close(w, &st, &err) != 0 || fflush(f) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    spent += now() - t0;
    fclose(f);
    etlc_parquet_writer_free(w);
    etlc_batch_free(b);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"rows\":%lld,\"seconds\":%.3f,\"rows_per_s\":%.0f,\"bytes\":%llu,\"row_groups\":%lld,"
           "\"peak_rss_kb\":%ld}\n",
           rows, spent, (double)rows / spent, (unsigned long long)st.bytes, (long long)st.row_groups,
           ru.ru_maxrss);
    return 0;
}
