/* Structure signatures of Neo4j's graph, temporal and spatial values. */
#ifndef ETLCONN_NEO4J_TEMPORAL_H
#define ETLCONN_NEO4J_TEMPORAL_H

#include "neo4j_internal.h"

enum {
    N4J_TAG_NODE = 'N', N4J_TAG_REL = 'R', N4J_TAG_UNBOUND_REL = 'r', N4J_TAG_PATH = 'P',
    N4J_TAG_DATE = 'D', N4J_TAG_TIME = 'T', N4J_TAG_LOCAL_TIME = 't', N4J_TAG_DATE_TIME = 'I',
    N4J_TAG_DATE_TIME_ZONE_ID = 'i', N4J_TAG_LOCAL_DATE_TIME = 'd', N4J_TAG_DURATION = 'E',
    N4J_TAG_LEGACY_DATE_TIME = 'F', N4J_TAG_LEGACY_DATE_TIME_ZONE_ID = 'f',
    N4J_TAG_POINT2D = 'X', N4J_TAG_POINT3D = 'Y'
};

/* A temporal value's parts: seconds are UTC (local for LocalDateTime). */
typedef struct n4j_instant {
    bool has_date, has_time, has_offset;
    int64_t days;       /* Date; for date-times the UTC (or local) day */
    int64_t seconds;    /* date-times: seconds since 1970-01-01 */
    int64_t nanos;      /* date-times: 0..999999999; times: nanoseconds of the day */
    int64_t offset_s;   /* Time / DateTime: seconds east of UTC */
    const char *zone;   /* DateTimeZoneId: the zone id (not NUL-terminated) */
    size_t zone_len;
} n4j_instant;

int etlc__n4j_field_int(const n4j_msg *m, const n4j_val *v, size_t i, int64_t *out, etlc_error *err);
int etlc__n4j_instant(const n4j_msg *m, const n4j_val *v, n4j_instant *t, etlc_error *err);
/* Microseconds since 1970 UTC (nanoseconds truncated); DATA_TYPE when out of range. */
int etlc__n4j_timestamp_us(const n4j_instant *t, int64_t *us, etlc_error *err);
/* ISO-8601 text of a temporal structure (Duration too), nanoseconds kept. */
int etlc__n4j_temporal_text(etlc__buf *b, const n4j_msg *m, const n4j_val *v, etlc_error *err);

#endif
