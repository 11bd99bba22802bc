/*
 * pgembed.h: the embedded PostgreSQL cluster sluiced runs when no --pg is
 * given: initdb under <data_dir>/pg on first start (reused after), started
 * as a child listening only on a unix socket in <data_dir>, run as an
 * unprivileged user (postgres, else nobody) when sluiced runs as root, and
 * stopped (fast shutdown) with sluiced.
 */
#ifndef SL_PGEMBED_H
#define SL_PGEMBED_H

#include "util/error.h"

typedef struct sl_pgembed sl_pgembed_t;

/* Blocking (called before the event loop starts).  On success *out is the
 * running cluster and *conninfo (malloc'd) how to reach it. */
int sl_pgembed_start(const char *data_dir, sl_pgembed_t **out,
                     char **conninfo, sl_error_t *err);
/* Stops the cluster and frees e (dead after the call). */
void sl_pgembed_stop(sl_pgembed_t *e);

#endif
