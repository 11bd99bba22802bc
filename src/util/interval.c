/* interval.c: TEMPORARY stand-in (see interval.h): "N unit ..." and HH:MM:SS. */
#include "util/interval.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int sl_interval_input(const char *s, uint32_t n, sl_interval_t *out, sl_error_t *err)
{
    char buf[256];
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    memset(out, 0, sizeof(*out));
    char *p = buf;
    int any = 0;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *e;
        double v = strtod(p, &e);
        if (e == p)
            goto bad;
        if (*e == ':') {
            long h = strtol(p, &e, 10), m = 0;
            double sec = 0;
            if (*e != ':')
                goto bad;
            m = strtol(e + 1, &e, 10);
            if (*e == ':')
                sec = strtod(e + 1, &e);
            out->us += (int64_t)h * 3600000000LL + (int64_t)m * 60000000LL + (int64_t)(sec * 1e6);
            p = e;
            any = 1;
            continue;
        }
        p = e;
        while (isspace((unsigned char)*p))
            p++;
        char *u = p;
        while (isalpha((unsigned char)*p))
            p++;
        size_t ul = (size_t)(p - u);
        char unit[32] = {0};
        if (ul == 0 || ul >= sizeof(unit))
            goto bad;
        for (size_t i = 0; i < ul; i++)
            unit[i] = (char)tolower((unsigned char)u[i]);
        if (ul > 1 && unit[ul - 1] == 's' && strcmp(unit, "ms") != 0 && strcmp(unit, "us") != 0)
            unit[ul - 1] = 0;
        if (!strcmp(unit, "microsecond") || !strcmp(unit, "us")) out->us += (int64_t)v;
        else if (!strcmp(unit, "millisecond") || !strcmp(unit, "ms")) out->us += (int64_t)(v * 1e3);
        else if (!strcmp(unit, "second") || !strcmp(unit, "sec") || !strcmp(unit, "s")) out->us += (int64_t)(v * 1e6);
        else if (!strcmp(unit, "minute") || !strcmp(unit, "min") || !strcmp(unit, "m")) out->us += (int64_t)(v * 6e7);
        else if (!strcmp(unit, "hour") || !strcmp(unit, "hr") || !strcmp(unit, "h")) out->us += (int64_t)(v * 3.6e9);
        else if (!strcmp(unit, "day") || !strcmp(unit, "d")) out->days += (int32_t)v;
        else if (!strcmp(unit, "week") || !strcmp(unit, "w")) out->days += (int32_t)(7 * v);
        else if (!strcmp(unit, "month") || !strcmp(unit, "mon")) out->months += (int32_t)v;
        else if (!strcmp(unit, "year") || !strcmp(unit, "y")) out->months += (int32_t)(12 * v);
        else goto bad;
        any = 1;
    }
    if (any)
        return SL_OK;
bad:
    return sl_error_set(err, SL_ERRCODE_DATETIME_FORMAT, 0,
                        "invalid input syntax for type interval: \"%s\"", buf);
}
