/* One NATS message into the micro-batch: subject, sequence (or counter),
 * timestamp, headers (every value of every key, in nats.c's order) and the
 * payload. NATS has no message key: `key` stays NULL. */
#include <stdlib.h>
#include <string.h>

#include "nats_internal.h"

#define MAX_HEADERS 256

/* The headers of `m` into hdr (at most MAX_HEADERS pairs); *keys and
 * *values are nats.c's arrays, freed by the caller. */
static int collect_headers(natsMsg *m, etlc__msg_header *hdr, size_t *n)
{
    const char **keys = NULL;
    int nkeys = 0;
    *n = 0;
    natsStatus s = natsMsgHeader_Keys(m, &keys, &nkeys);
    if (s == NATS_NOT_FOUND)
        return 0;
    if (s != NATS_OK)
        return s == NATS_NO_MEMORY ? ETLC_NO_MEMORY : 0;
    for (int k = 0; k < nkeys && *n < MAX_HEADERS; k++) {
        const char **values = NULL;
        int nvalues = 0;
        if (natsMsgHeader_Values(m, keys[k], &values, &nvalues) != NATS_OK)
            continue;
        for (int v = 0; v < nvalues && *n < MAX_HEADERS; v++)
            hdr[(*n)++] = (etlc__msg_header){.name = keys[k], .value = values[v],
                                             .len = strlen(values[v])};
        free((void *)values); /* the strings belong to the message */
    }
    free((void *)keys);
    return 0;
}

int etlc__nats_add(nats_sub *s, natsMsg *m, int64_t position, int64_t timestamp_ns,
                   etlc_error *err)
{
    etlc__msg_header hdr[MAX_HEADERS];
    size_t nhdr = 0;
    if (collect_headers(m, hdr, &nhdr) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "nats: out of memory reading headers");
    etlc__msg msg = {
        .resource = natsMsg_GetSubject(m),
        .position = position,
        .timestamp_us = timestamp_ns > 0 ? timestamp_ns / 1000 : ETLC__NO_TIMESTAMP,
        .value = natsMsg_GetData(m),
        .value_len = (size_t)natsMsg_GetDataLength(m),
        .headers = nhdr ? hdr : NULL,
        .nheaders = nhdr,
    };
    if (!msg.value)
        msg.value = "";
    return etlc__msg_batch_add(s->mb, &msg, err);
}
