/* Retry timing: exponential backoff with full jitter, Retry-After parsing. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "net/http.h"

/* xorshift64*: enough to spread clients apart, not for secrets. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

long etlc__backoff_full_jitter(long base_ms, long cap_ms, unsigned attempt, uint64_t *rng)
{
    if (base_ms <= 0 || cap_ms <= 0 || attempt == 0)
        return 0;
    long ceiling = base_ms;
    for (unsigned i = 1; i < attempt && ceiling < cap_ms; i++)
        ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    return (long)(next_random(rng) % ((uint64_t)ceiling + 1));
}

long etlc__backoff_ms(long base_ms, long cap_ms, unsigned attempt)
{
    static atomic_ullong seed_counter;
    static _Thread_local uint64_t rng;
    if (!rng) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
              (atomic_fetch_add(&seed_counter, 1) + 1) * 0x9E3779B97F4A7C15ull;
    }
    return etlc__backoff_full_jitter(base_ms, cap_ms, attempt, &rng);
}

int etlc__retry_after_ms(const char *value, int64_t now, long *delay_ms)
{
    *delay_ms = 0;
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (isdigit((unsigned char)*value)) {
        long long secs = 0;
        const char *p = value;
        for (; isdigit((unsigned char)*p); p++)
            secs = secs < 100000000 ? secs * 10 + (*p - '0') : secs; /* saturate */
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            return -1;
        *delay_ms = (long)(secs * 1000);
        return 0;
    }
    /* curl_getdate reads all three HTTP-date forms (RFC 7231 7.1.1.1). */
    time_t when = curl_getdate(value, NULL);
    if (when == (time_t)-1)
        return -1;
    int64_t delta = (int64_t)when - now;
    *delay_ms = delta <= 0 ? 0 : delta > 100000000 ? 100000000000L : (long)(delta * 1000);
    return 0;
}

void etlc__sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
