/* error.c: filling sl_error_t; see error.h. */
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_error_vset(sl_error_t *err, const char *sqlstate, int position,
                  const char *fmt, va_list ap)
{
    if (err == NULL || sl_error_isset(err))
        return SL_ERR;
    memset(err, 0, sizeof(*err));
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate);
    err->severity = "ERROR";
    err->position = position;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    return SL_ERR;
}

int sl_error_set(sl_error_t *err, const char *sqlstate, int position,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl_error_vset(err, sqlstate, position, fmt, ap);
    va_end(ap);
    return SL_ERR;
}

void sl_error_detail(sl_error_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

void sl_error_hint(sl_error_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}

void sl_error_clear(sl_error_t *err)
{
    memset(err, 0, sizeof(*err));
}

void sl__panic(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "PANIC at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
