/*
 * window.c: window parameters and arithmetic; see window.h.
 */
#include "plan/window.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

static int syntax(const char *s, size_t n, sl_error_t *err)
{
    return sl_error_set(err, "22007", 0, "invalid input syntax for type interval: \"%.*s\"",
                        (int)n, s);
}

/* Microseconds per unit named u[0..n) (lower case), 0 for months/years,
 * -1 when unknown. */
static int64_t unit_us(const char *u, size_t n)
{
    static const struct { const char *name; int64_t us; } units[] = {
        {"microsecond", 1}, {"microseconds", 1}, {"us", 1}, {"usec", 1}, {"usecs", 1},
        {"millisecond", 1000}, {"milliseconds", 1000}, {"ms", 1000}, {"msec", 1000},
        {"msecs", 1000},
        {"second", 1000000}, {"seconds", 1000000}, {"s", 1000000}, {"sec", 1000000},
        {"secs", 1000000},
        {"minute", 60000000}, {"minutes", 60000000}, {"m", 60000000}, {"min", 60000000},
        {"mins", 60000000},
        {"hour", INT64_C(3600000000)}, {"hours", INT64_C(3600000000)},
        {"h", INT64_C(3600000000)}, {"hr", INT64_C(3600000000)}, {"hrs", INT64_C(3600000000)},
        {"day", INT64_C(86400000000)}, {"days", INT64_C(86400000000)},
        {"d", INT64_C(86400000000)},
        {"week", INT64_C(604800000000)}, {"weeks", INT64_C(604800000000)},
        {"w", INT64_C(604800000000)},
        {"month", 0}, {"months", 0}, {"mon", 0}, {"mons", 0}, {"year", 0}, {"years", 0},
        {"y", 0}, {"yr", 0}, {"yrs", 0}, {"decade", 0}, {"decades", 0}, {"century", 0},
        {"centuries", 0}, {"millennium", 0}, {"millennia", 0},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0)
            return units[i].us;
    return -1;
}

/* Adds v (a possibly fractional count) times unit to *acc, checked. */
static bool add_scaled(long double v, int64_t unit, long double *acc)
{
    *acc += v * (long double)unit;
    return *acc < 9.2e18L && *acc > -9.2e18L;
}

int sl_window_duration(const char *s, size_t n, int64_t *us, sl_error_t *err)
{
    size_t i = 0;
    long double acc = 0;
    bool any = false, ago = false;
    while (i < n) {
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        if (i >= n)
            break;
        if (s[i] == '@') {
            i++;
            continue;
        }
        /* a number, maybe signed, maybe with a fraction */
        size_t st = i;
        if (s[i] == '+' || s[i] == '-')
            i++;
        size_t d0 = i;
        while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'))
            i++;
        if (i == d0) {
            /* "ago" after at least one item */
            size_t w = i;
            while (w < n && isalpha((unsigned char)s[w]))
                w++;
            if (any && w - i == 3 && strncasecmp(s + i, "ago", 3) == 0) {
                ago = true;
                i = w;
                continue;
            }
            return syntax(s, n, err);
        }
        char num[64];
        if (i - st >= sizeof(num))
            return syntax(s, n, err);
        memcpy(num, s + st, i - st);
        num[i - st] = '\0';
        if (i < n && s[i] == ':') {
            /* [-]HH:MM[:SS[.f]] */
            long double parts[3] = {0, 0, 0};
            int np = 0;
            bool neg = num[0] == '-';
            size_t p = st + (num[0] == '-' || num[0] == '+');
            while (np < 3) {
                size_t q = p;
                while (q < n && (isdigit((unsigned char)s[q]) || (np == 2 && s[q] == '.')))
                    q++;
                if (q == p || q - p >= sizeof(num))
                    return syntax(s, n, err);
                memcpy(num, s + p, q - p);
                num[q - p] = '\0';
                char *end;
                parts[np++] = strtold(num, &end);
                if (*end)
                    return syntax(s, n, err);
                if (q < n && s[q] == ':' && np < 3)
                    p = q + 1;
                else {
                    p = q;
                    break;
                }
            }
            if (np < 2)
                return syntax(s, n, err);
            long double t = parts[0] * 3600e6L + parts[1] * 60e6L + parts[2] * 1e6L;
            acc += neg ? -t : t;
            i = p;
            any = true;
            continue;
        }
        char *end;
        long double v = strtold(num, &end);
        if (*end || end == num)
            return syntax(s, n, err);
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        size_t u0 = i;
        while (i < n && isalpha((unsigned char)s[i]))
            i++;
        int64_t unit = 1000000;   /* a bare number: seconds, as PostgreSQL */
        if (i > u0) {
            char u[16];
            if (i - u0 >= sizeof(u))
                return syntax(s, n, err);
            for (size_t k = 0; k < i - u0; k++)
                u[k] = (char)tolower((unsigned char)s[u0 + k]);
            unit = unit_us(u, i - u0);
            if (unit < 0)
                return syntax(s, n, err);
            if (unit == 0)
                return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                    "window size must not contain months or years: \"%.*s\"",
                                    (int)n, s);
        }
        if (!add_scaled(v, unit, &acc))
            return sl_error_set(err, "22015", 0, "interval out of range");
        any = true;
    }
    if (!any)
        return syntax(s, n, err);
    if (ago)
        acc = -acc;
    long double r = acc < 0 ? acc - 0.5L : acc + 0.5L;
    *us = (int64_t)r;
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
