/* The per-partition buffers: librdkafka hands out the messages of several
 * partitions interleaved; a micro-batch is one partition's, in order, so
 * each partition's messages wait here until its batch is cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"

kafka_part *etlc__kafka_part_get(kafka_sub *s, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < s->nparts; i++)
        if (s->parts[i].partition == partition && strcmp(s->parts[i].topic, topic) == 0)
            return &s->parts[i];
    if (s->nparts == s->capparts) {
        /* Entries are never removed (a handed-out batch names one by its
         * `name`, a string of its own); growing moves them, so no caller
         * keeps an entry pointer across a librdkafka poll. */
        size_t cap = s->capparts ? s->capparts * 2 : 16;
        kafka_part *v = realloc(s->parts, cap * sizeof *v);
        if (!v)
            return NULL;
        s->parts = v;
        s->capparts = cap;
    }
    kafka_part *p = &s->parts[s->nparts];
    memset(p, 0, sizeof *p);
    etlc__buf name = {0};
    p->topic = etlc__strdup(topic);
    if (!p->topic || etlc__buf_printf(&name, "%s/partition=%d", topic, (int)partition) != 0) {
        free(p->topic);
        etlc__buf_free(&name);
        return NULL;
    }
    p->name = etlc__buf_take(&name);
    p->partition = partition;
    p->intent_first = p->intent_next = -1;
    s->nparts++;
    return p;
}

kafka_part *etlc__kafka_part_by_name(kafka_sub *s, const char *name)
{
    for (size_t i = 0; i < s->nparts; i++)
        if (strcmp(s->parts[i].name, name) == 0)
            return &s->parts[i];
    return NULL;
}

size_t etlc__kafka_msg_bytes(const rd_kafka_message_t *m)
{
    size_t n = m->key_len + m->len;
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h) {
        const char *name;
        const void *value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) == 0; i++)
            n += strlen(name) + size;
    }
    return n;
}

void etlc__kafka_part_drop(kafka_sub *s, kafka_part *p)
{
    for (size_t i = 0; i < p->n; i++)
        rd_kafka_message_destroy(p->msgs[p->head + i]);
    s->total_msgs -= p->n;
    s->total_bytes -= p->bytes;
    p->head = p->n = 0;
    p->bytes = 0;
}

int etlc__kafka_part_push(kafka_sub *s, kafka_part *p, rd_kafka_message_t *m)
{
    if (p->head > 0 && p->head + p->n == p->cap) { /* slide the live part to the front */
        memmove(p->msgs, p->msgs + p->head, p->n * sizeof *p->msgs);
        p->head = 0;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        rd_kafka_message_t **v = realloc(p->msgs, cap * sizeof *v);
        if (!v) {
            rd_kafka_message_destroy(m);
            return ETLC_NO_MEMORY;
        }
        p->msgs = v;
        p->cap = cap;
    }
    if (p->n == 0)
        p->since_ms = etlc__monotonic_ms();
    size_t bytes = etlc__kafka_msg_bytes(m);
    p->msgs[p->head + p->n++] = m;
    p->bytes += bytes;
    s->total_msgs++;
    s->total_bytes += bytes;
    return 0;
}
