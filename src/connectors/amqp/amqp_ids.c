/* Dedupe ids: what lets a consumer drop the redelivery of a message it has
 * already landed (docs/connectors/amqp.md, "What is guaranteed"). The id
 * is the message_id property when the producer set one, else a hash of
 * routing key, headers and body: 128 bits of SHA-256, as 32 hex digits. */
#include <stdlib.h>
#include <string.h>

#include "amqp_internal.h"

int etlc__amqp_message_id(const amqp_envelope_t *env, const etlc__msg_header *headers,
                          size_t nheaders, etlc__buf *scratch, char out[AMQP_ID_LEN])
{
    const amqp_basic_properties_t *p = &env->message.properties;
    etlc__buf_reset(scratch);
    int bad;
    if ((p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) && p->message_id.len > 0) {
        bad = etlc__buf_append(scratch, "id", 3) ||
              etlc__buf_append(scratch, p->message_id.bytes, p->message_id.len);
    } else {
        bad = etlc__buf_append(scratch, "content", 8) ||
              etlc__buf_append(scratch, env->routing_key.bytes, env->routing_key.len) ||
              etlc__buf_putc(scratch, '\0');
        for (size_t i = 0; !bad && i < nheaders; i++)
            bad = etlc__buf_puts(scratch, headers[i].name) || etlc__buf_putc(scratch, '\0') ||
                  etlc__buf_putc(scratch, headers[i].value ? 'v' : 'n') ||
                  etlc__buf_append(scratch, headers[i].value ? headers[i].value : "", headers[i].len) ||
                  etlc__buf_putc(scratch, '\0');
        bad = bad || etlc__buf_append(scratch, env->message.body.bytes, env->message.body.len);
    }
    char hex[65];
    if (bad || etlc__sha256_hex(scratch->len ? scratch->data : "", scratch->len, hex) != 0)
        return -1;
    memcpy(out, hex, AMQP_ID_LEN - 1);
    out[AMQP_ID_LEN - 1] = '\0';
    return 0;
}

int etlc__amqp_idset_add(amqp_idset *s, const char *id)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        void *v = realloc(s->ids, cap * sizeof *s->ids);
        if (!v)
            return -1;
        s->ids = v;
        s->cap = cap;
    }
    memcpy(s->ids[s->n], id, AMQP_ID_LEN);
    s->ids[s->n][AMQP_ID_LEN - 1] = '\0';
    s->n++;
    return 0;
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, AMQP_ID_LEN); }

void etlc__amqp_idset_sort(amqp_idset *s)
{
    if (s->n > 1)
        qsort(s->ids, s->n, sizeof *s->ids, cmp_id);
}

bool etlc__amqp_idset_has(const amqp_idset *s, const char *id)
{
    char key[AMQP_ID_LEN] = {0};
    memcpy(key, id, AMQP_ID_LEN - 1);
    return s->n && bsearch(key, s->ids, s->n, sizeof *s->ids, cmp_id) != NULL;
}

void etlc__amqp_idset_clear(amqp_idset *s) { s->n = 0; }

void etlc__amqp_idset_free(amqp_idset *s)
{
    free(s->ids);
    *s = (amqp_idset){0};
}
