/* The shared option fragment of bytes-capability connectors. */
#ifndef ETLCONN_CORE_BYTES_OPTIONS_H
#define ETLCONN_CORE_BYTES_OPTIONS_H

#include "etlconn/config.h"

/* include, exclude, min_age, max_age, resume, after_landing, move_to.
 * Put it in a connector's `.fragments` list; the bytes driver applies it. */
extern const etlc_option_table etlc__bytes_fragment;

#endif
