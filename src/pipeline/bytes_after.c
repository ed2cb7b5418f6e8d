/* after_landing delete|move: the source-side clean-up of a landed file.
 * The driver calls it only after the file's lake commit AND the checkpoint
 * commit that covers it, so a failure here (or a crash before it) never
 * takes a file back or loses one: the next run sees the file unchanged
 * (already landed) and tries the action again. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/bytes_driver.h"

static void note(etlc__bytes_job *j, size_t item, const char *text)
{
    etlc_result *r = j->l->result;
    if (item < r->item_count)
        (void)etlc_meta_set(&r->items[item].metadata, "after_landing", text); /* best effort */
}

bool etlc__bytes_after_landing(etlc__bytes_job *j, const etlc__listed *e, size_t item)
{
    etlc__cap_land *l = j->l;
    if (j->set.after == ETLC__AFTER_KEEP)
        return true;
    etlc_resource res = {.name = e->name, .size = e->size, .mtime_us = e->mtime_us, .etag = e->etag};
    etlc_error err = {0};
    char *to = NULL;
    int rc;
    etlc__connector_enter(l->c);
    if (j->set.after == ETLC__AFTER_DELETE) {
        rc = l->c->ops->bytes->remove(l->c->ctx, &res, &err);
    } else {
        to = etlc__bytes_move_target(&j->set, e->name);
        rc = to ? l->c->ops->bytes->move(l->c->ctx, &res, to, &err)
                : etlc_error_set(&err, ETLC_NO_MEMORY, "out of memory naming the move target");
    }
    etlc__connector_leave(l->c);
    etlc__buf text = {0};
    if (rc == 0)
        (void)etlc__buf_printf(&text, to ? "moved to %s" : "deleted", to);
    else
        (void)etlc__buf_printf(&text, "failed: %s", err.message[0] ? err.message : etlc_code_str(rc));
    if (rc != 0)
        etlc_log(ETLC_LOG_WARN, l->c->ops->name, "after_landing %s of '%s' %s (the file is landed "
                 "and stays; the next run tries again)",
                 j->set.after == ETLC__AFTER_DELETE ? "delete" : "move", e->name,
                 text.data ? text.data : "failed");
    if (text.data)
        note(j, item, text.data);
    etlc__buf_free(&text);
    free(to);
    return rc == 0;
}
