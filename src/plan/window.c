/*
 * window.c: window parameters and arithmetic; see window.h.
 */
#include "plan/window.h"

#include <string.h>

int sl_window_duration(const char *s, size_t n, int64_t *us, sl_error_t *err)
{
    sl_interval_t v;
    if (sl_interval_input(s, (uint32_t)n, &v, err) != SL_OK)
        return SL_ERR;
    if (v.months != 0)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "window size must not contain months or years: \"%.*s\"",
                            (int)n, s);
    return sl_window_interval(&v, us, err);
}

int sl_window_interval(const sl_interval_t *v, int64_t *us, sl_error_t *err)
{
    if (v->months != 0)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "window size must not contain months or years");
    *us = (int64_t)v->days * INT64_C(86400000000) + v->us;   /* |days| < 2^31: fits */
    return SL_OK;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t sl_window_start(const sl_window_t *w, int64_t ts)
{
    int64_t d64, s64;
    if (!__builtin_sub_overflow(ts, w->origin, &d64)) {
        /* the common case, without 128-bit division */
        int64_t q = d64 / w->slide, r = d64 % w->slide;
        if (r < 0)
            q--;
        if (!__builtin_mul_overflow(q, w->slide, &s64) &&
            !__builtin_add_overflow(s64, w->origin, &s64) && s64 > INT64_MIN)
            return s64;
    }
    __int128 d = (__int128)ts - w->origin;
    int64_t k;
    if (d > INT64_MAX || d < INT64_MIN)
        k = (int64_t)(d / w->slide) - (d < 0 && d % w->slide != 0);
    else
        k = floordiv((int64_t)d, w->slide);
    __int128 s = (__int128)w->origin + (__int128)k * w->slide;
    if (s < INT64_MIN + 1)
        return INT64_MIN + 1;
    return (int64_t)s;
}

int64_t sl_window_end(const sl_window_t *w, int64_t start)
{
    __int128 e = (__int128)start + w->size;
    return e >= INT64_MAX ? INT64_MAX : (int64_t)e;
}

int64_t sl_window_first_end(const sl_window_t *w, int64_t ts)
{
    __int128 e = (__int128)sl_window_start(w, ts) + w->slide;
    return e >= INT64_MAX ? INT64_MAX : (int64_t)e;
}
