/*
 * interval.h: TEMPORARY stand-in for the lead's interval type (main), with
 * the announced interface; replaced by main's at the merge.
 */
#ifndef SL_INTERVAL_H
#define SL_INTERVAL_H

#include <stdint.h>

#include "util/error.h"

typedef struct sl_interval { int64_t us; int32_t days; int32_t months; } sl_interval_t;

int sl_interval_input(const char *s, uint32_t n, sl_interval_t *out, sl_error_t *err);

#endif
