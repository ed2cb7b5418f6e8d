/* libFuzzer target: etlc_parse_date / etlc_parse_timestamp must never crash
 * or hit UB, and every value they accept must format and parse back to the
 * same value. The input's first 8 bytes, read as an int64 of microseconds
 * (and an int32 of days), must also format and parse back. See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etlconn/etlconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void timestamp_round_trip(int64_t us, const char *from)
{
    char buf[48];
    int64_t back = 0;
    etlc_format_timestamp(us, buf, sizeof buf);
    if (etlc_parse_timestamp(buf, strlen(buf), &back) != 0 || back != us) {
        fprintf(stderr, "timestamp %lld (from '%s') formats as '%s', reads back as %lld\n",
                (long long)us, from, buf, (long long)back);
        abort();
    }
}

static void date_round_trip(int32_t days, const char *from)
{
    char buf[48];
    int32_t back = 0;
    etlc_format_date(days, buf, sizeof buf);
    if (etlc_parse_date(buf, strlen(buf), &back) != 0 || back != days) {
        fprintf(stderr, "date %d (from '%s') formats as '%s', reads back as %d\n", (int)days,
                from, buf, (int)back);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: the parsers take a length. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    int64_t us;
    int32_t days;
    if (etlc_parse_timestamp(s, size, &us) == 0)
        timestamp_round_trip(us, "parsed");
    if (etlc_parse_date(s, size, &days) == 0)
        date_round_trip(days, "parsed");
    free(s);
    if (size >= 8) {
        uint64_t u = 0;
        for (int i = 0; i < 8; i++)
            u = u << 8 | data[i];
        timestamp_round_trip((int64_t)u, "raw bytes");
        /* Dates the parser can read: years of at most 6 digits. */
        int32_t d = (int32_t)(uint32_t)u;
        if (d >= etlc_days_from_civil(-999999, 1, 1) && d <= etlc_days_from_civil(999999, 12, 31))
            date_round_trip(d, "raw bytes");
    }
    return 0;
}
