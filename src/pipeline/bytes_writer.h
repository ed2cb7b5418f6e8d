/* etlconn — a lake file written and hashed on a second thread (internal).
 *
 * The thread receiving a large file's bytes (libcurl's callback, the SFTP
 * read loop) only copies them into one of a few fixed buffers; a writer
 * thread appends each full buffer to the lake file (write + SHA-256), so
 * the network, the disk and the hash overlap. Memory stays bounded
 * (ETLC__WRITER_SLOTS buffers of ETLC__WRITER_SLOT_BYTES). The lake file
 * belongs to the writer between start and finish: the caller touches it
 * only again after finish, whose result says whether every byte put was
 * written and hashed. Nothing is committed here: commit, abort, the size
 * check and the fsync stay with the caller, after finish. */
#ifndef ETLCONN_PIPELINE_BYTES_WRITER_H
#define ETLCONN_PIPELINE_BYTES_WRITER_H

#include "etlconn/lake.h"

#define ETLC__WRITER_SLOTS 4
#define ETLC__WRITER_SLOT_BYTES ((size_t)512 * 1024)

typedef struct etlc__bytes_writer etlc__bytes_writer;

/* Start the writer thread over `file`. */
int etlc__bytes_writer_start(etlc_lake_file *file, etlc__bytes_writer **out, etlc_error *err);
/* Copy data in (blocking while every buffer is queued); the writer's
 * first failure, once there is one, is returned here and by finish. */
int etlc__bytes_writer_put(etlc__bytes_writer *w, const void *data, size_t len, etlc_error *err);
/* Write what is left (unless `drop`: a failed transfer, whose file is
 * aborted anyway), stop the thread and free the writer. 0 when every
 * byte put is in the file; else the writer's failure. NULL-safe. */
int etlc__bytes_writer_finish(etlc__bytes_writer *w, bool drop, etlc_error *err);

#endif
