/*
 * interval.c: the interval type (see interval.h).
 *
 * Input reads the string as PostgreSQL's DecodeInterval does: fields are
 * numbers with their unit after them ("3 days", "3days"), times
 * ("04:05:06.5"), year-months ("1-2"), the words "@" (ignored) and "ago"
 * (negates everything).  A number without a unit takes the unit of what
 * follows it: days before a time, seconds at the end.  Each field keeps
 * its own sign.  A fraction spills into the smaller fields as PostgreSQL
 * does: years to (rounded) months, months to days of 30 and then
 * microseconds, weeks to days of 7, days to microseconds.
 */
#include "util/interval.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "util/types.h"

#define US_PER_SEC INT64_C(1000000)
#define US_PER_MIN (60 * US_PER_SEC)
#define US_PER_HOUR (60 * US_PER_MIN)
#define US_PER_DAY (24 * US_PER_HOUR)

typedef enum unit {
    U_NONE, U_US, U_MS, U_SEC, U_MIN, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_YEAR,
    U_DECADE, U_CENTURY, U_MILLENNIUM, U_AGO, U_IGNORE
} unit_t;

/* PostgreSQL's interval units, compared on their first 10 letters as
 * PostgreSQL's token table does ("microseconds" is "microsecon"). */
static const struct {
    const char *word;
    unit_t unit;
} units[] = {
    {"@", U_IGNORE}, {"ago", U_AGO},
    {"c", U_CENTURY}, {"cent", U_CENTURY}, {"centuries", U_CENTURY}, {"century", U_CENTURY},
    {"d", U_DAY}, {"day", U_DAY}, {"days", U_DAY},
    {"dec", U_DECADE}, {"decade", U_DECADE}, {"decades", U_DECADE}, {"decs", U_DECADE},
    {"h", U_HOUR}, {"hour", U_HOUR}, {"hours", U_HOUR}, {"hr", U_HOUR}, {"hrs", U_HOUR},
    {"m", U_MIN}, {"min", U_MIN}, {"mins", U_MIN}, {"minute", U_MIN}, {"minutes", U_MIN},
    {"microsecon", U_US}, {"us", U_US}, {"usec", U_US}, {"usecond", U_US},
    {"useconds", U_US}, {"usecs", U_US},
    {"mil", U_MILLENNIUM}, {"millennia", U_MILLENNIUM}, {"millennium", U_MILLENNIUM},
    {"mils", U_MILLENNIUM},
    {"millisecon", U_MS}, {"ms", U_MS}, {"msec", U_MS}, {"msecond", U_MS},
    {"mseconds", U_MS}, {"msecs", U_MS},
    {"mon", U_MONTH}, {"mons", U_MONTH}, {"month", U_MONTH}, {"months", U_MONTH},
    {"s", U_SEC}, {"sec", U_SEC}, {"second", U_SEC}, {"seconds", U_SEC}, {"secs", U_SEC},
    {"w", U_WEEK}, {"week", U_WEEK}, {"weeks", U_WEEK},
    {"y", U_YEAR}, {"year", U_YEAR}, {"years", U_YEAR}, {"yr", U_YEAR}, {"yrs", U_YEAR},
};

static unit_t unit_of(const char *p, size_t n)
{
    if (n > 10)
        n = 10;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].word) == n && strncasecmp(units[i].word, p, n) == 0)
            return units[i].unit;
    return U_NONE;
}

/* The fields being summed, wide enough to check at the end. */
typedef struct acc {
    __int128 us;
    int64_t days;
    int64_t months;
} acc_t;

#define ACC_LIMIT ((__int128)INT64_MAX)

/* frac * scale microseconds as PostgreSQL's AdjustFractMicroseconds:
 * the whole part, then the rest rounded half to even. */
static __int128 fract_us(double frac, int64_t scale)
{
    double f = frac * (double)scale;
    int64_t whole = (int64_t)f;
    return (__int128)whole + (__int128)rint(f - (double)whole);
}

/* Adds a number (integer part ival, fraction frac, both signed) of unit u. */
static bool add_field(acc_t *a, unit_t u, int64_t ival, double frac)
{
    int64_t years = 0;
    if ((u == U_DAY || u == U_WEEK || u == U_MONTH) && (ival > INT32_MAX || ival < INT32_MIN))
        return false;
    switch (u) {
    case U_US: a->us += ival + fract_us(frac, 1); break;
    case U_MS: a->us += (__int128)ival * 1000 + fract_us(frac, 1000); break;
    case U_SEC: a->us += (__int128)ival * US_PER_SEC + fract_us(frac, US_PER_SEC); break;
    case U_MIN: a->us += (__int128)ival * US_PER_MIN + fract_us(frac, US_PER_MIN); break;
    case U_HOUR: a->us += (__int128)ival * US_PER_HOUR + fract_us(frac, US_PER_HOUR); break;
    case U_DAY:
        a->days += ival;
        a->us += fract_us(frac, US_PER_DAY);
        break;
    case U_WEEK:
    case U_MONTH: {
        int scale = u == U_WEEK ? 7 : 30;
        if (u == U_WEEK)
            a->days += ival * 7;
        else
            a->months += ival;
        double d = frac * scale;
        int64_t whole = (int64_t)d;
        a->days += whole;
        a->us += fract_us(d - (double)whole, US_PER_DAY);
        break;
    }
    case U_YEAR: years = 1; break;
    case U_DECADE: years = 10; break;
    case U_CENTURY: years = 100; break;
    case U_MILLENNIUM: years = 1000; break;
    default: return false;
    }
    if (years) {
        if (ival > INT32_MAX || ival < -INT32_MAX)
            return false;
        a->months += ival * years * 12 + (int64_t)rint(frac * (double)years * 12);
    }
    return a->us <= ACC_LIMIT && a->us >= -ACC_LIMIT - 1 && a->days < INT32_MAX * INT64_C(4) &&
           a->days > -INT32_MAX * INT64_C(4) && a->months < INT32_MAX * INT64_C(4) &&
           a->months > -INT32_MAX * INT64_C(4);
}

/* Reads [sign] digits [. digits] at *pp: the integer part and the signed
 * fraction.  Returns 0, or -1 for no number, -2 for an integer part over
 * int64. */
static int read_number(const char **pp, const char *e, int64_t *ival, double *frac)
{
    const char *p = *pp;
    bool neg = false;
    bool sign = p < e && (*p == '+' || *p == '-');
    if (sign)
        neg = *p++ == '-';
    while (sign && p < e && isspace((unsigned char)*p))
        p++;
    const char *d0 = p;
    int64_t v = 0;
    bool ovf = false;
    while (p < e && isdigit((unsigned char)*p)) {
        if (!ovf && (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v)))
            ovf = true;
        p++;
    }
    bool digits = p > d0;
    double f = 0;
    if (p < e && *p == '.') {
        const char *f0 = p++;
        while (p < e && isdigit((unsigned char)*p))
            p++;
        if (p > f0 + 1) {
            char buf[40];
            size_t l = (size_t)(p - f0) < sizeof(buf) - 2 ? (size_t)(p - f0) : sizeof(buf) - 2;
            buf[0] = '0';
            memcpy(buf + 1, f0, l);
            buf[l + 1] = 0;
            f = strtod(buf, NULL);
            digits = true;
        }
    }
    if (!digits)
        return -1;
    *pp = p;
    if (ovf)
        return -2;
    *ival = neg ? -v : v;
    *frac = neg ? -f : f;
    return 0;
}

/* [sign] h:m[:s[.f]] at *pp into a (the sign applies to every part);
 * false when malformed or out of range (*range set). */
static bool read_time(const char **pp, const char *e, acc_t *a, bool *range)
{
    const char *p = *pp;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    while (p < e && isspace((unsigned char)*p))
        p++;
    int64_t part[3] = {0, 0, 0};
    double frac = 0;
    int k = 0;
    for (;;) {
        const char *d0 = p;
        int64_t v = 0;
        while (p < e && isdigit((unsigned char)*p)) {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v)) {
                *range = true;
                return false;
            }
            p++;
        }
        if (p == d0)
            return false;
        part[k++] = v;
        if (p < e && *p == ':' && k < 3) {
            p++;
            continue;
        }
        if (p < e && *p == '.' && k == 3) {
            int64_t iv;
            const char *q = p;
            if (read_number(&q, e, &iv, &frac) != 0)
                return false;
            p = q;
        }
        break;
    }
    if (k < 2)
        return false;
    if (part[1] > 59 || part[2] > 59) {
        *range = true;
        return false;
    }
    __int128 us = (__int128)part[0] * US_PER_HOUR + part[1] * US_PER_MIN + part[2] * US_PER_SEC +
                  fract_us(frac, US_PER_SEC);
    a->us += neg ? -us : us;
    *pp = p;
    return true;
}

/* ISO 8601 "format with designators": P[nY][nM][nW][nD][T[nH][nM][nS]]. */
static bool iso8601(const char *p, const char *e, acc_t *a, bool *range)
{
    bool time = false, any = false;   /* "PT" alone is zero */
    p++;   /* 'P' */
    while (p < e) {
        if (*p == 'T' && !time) {
            time = any = true;
            p++;
            continue;
        }
        int64_t iv;
        double frac;
        int rc = read_number(&p, e, &iv, &frac);
        if (rc == -2)
            *range = true;
        if (rc != 0 || p >= e)
            return false;
        unit_t u;
        switch (*p++) {
        case 'Y': u = time ? U_NONE : U_YEAR; break;
        case 'M': u = time ? U_MIN : U_MONTH; break;
        case 'W': u = time ? U_NONE : U_WEEK; break;
        case 'D': u = time ? U_NONE : U_DAY; break;
        case 'H': u = time ? U_HOUR : U_NONE; break;
        case 'S': u = time ? U_SEC : U_NONE; break;
        default: u = U_NONE; break;
        }
        if (u == U_NONE)
            return false;
        if (!add_field(a, u, iv, frac)) {
            *range = true;
            return false;
        }
        any = true;
    }
    return any;
}

/* Each unit is one field of PostgreSQL's field mask; a time fills hours,
 * minutes and seconds. */
static unsigned unit_mask(unit_t u)
{
    return 1u << u;
}

/* One field of the postgres-style syntax. */
typedef struct field {
    enum { F_NUMBER, F_UNIT, F_TIME, F_YM } kind;
    const char *p, *e;
    unit_t unit;
} field_t;

#define MAX_FIELDS 64

static bool postgres_syntax(const char *p, const char *e, acc_t *a, bool *range)
{
    field_t f[MAX_FIELDS];
    int nf = 0;
    while (p < e) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (nf == MAX_FIELDS)
            return false;
        field_t *x = &f[nf++];
        x->p = p;
        if (isalpha((unsigned char)*p) || *p == '@') {
            if (*p == '@')
                p++;
            else
                while (p < e && isalpha((unsigned char)*p))
                    p++;
            x->kind = F_UNIT;
            x->unit = unit_of(x->p, (size_t)(p - x->p));
            if (x->unit == U_NONE)
                return false;
        } else if (isdigit((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.') {
            const char *q = p;
            if (*q == '+' || *q == '-') {
                q++;
                while (q < e && isspace((unsigned char)*q))   /* "- 1 hour" */
                    q++;
            }
            while (q < e && (isdigit((unsigned char)*q) || *q == '.'))
                q++;
            x->kind = F_NUMBER;
            if (q < e && *q == ':') {
                x->kind = F_TIME;
                while (q < e && (isdigit((unsigned char)*q) || *q == ':' || *q == '.'))
                    q++;
            } else if (q < e && *q == '-' && q > p && isdigit((unsigned char)q[-1]) &&
                       q + 1 < e && isdigit((unsigned char)q[1]) &&
                       memchr(p, '.', (size_t)(q - p)) == NULL) {   /* years-months */
                x->kind = F_YM;
                q++;
                while (q < e && isdigit((unsigned char)*q))
                    q++;
            }
            p = q;
        } else {
            return false;
        }
        x->e = p;
    }
    if (nf == 0)
        return false;
    /* Right to left, as PostgreSQL reads them: a unit names the number on
     * its left; a bare number takes the unit in force. */
    unit_t pending = U_NONE, deflt = U_SEC;
    bool ago = false, number_seen = false;
    unsigned seen = 0;   /* each unit once, as PostgreSQL's field mask */
    for (int i = nf - 1; i >= 0; i--) {
        field_t *x = &f[i];
        switch (x->kind) {
        case F_UNIT:
            if (x->unit == U_AGO) {
                if (i != nf - 1 || ago)
                    return false;
                ago = true;
            } else if (x->unit != U_IGNORE) {
                if (pending != U_NONE)
                    return false;
                pending = x->unit;
            }
            break;
        case F_TIME: {
            if (pending != U_NONE)
                return false;
            const char *q = x->p;
            unsigned tm = unit_mask(U_HOUR) | unit_mask(U_MIN) | unit_mask(U_SEC);
            if ((seen & tm) || !read_time(&q, x->e, a, range) || q != x->e)
                return false;
            seen |= tm;
            deflt = U_DAY;
            number_seen = true;
            break;
        }
        case F_YM: {
            if (pending != U_NONE)
                return false;
            const char *q = x->p;
            bool neg = *q == '-';
            if (*q == '+' || *q == '-')
                q++;
            while (isspace((unsigned char)*q))
                q++;
            int64_t y = 0, m = 0;
            for (const char *k = q; k < x->e; k++)
                if (!isdigit((unsigned char)*k) && *k != '-')
                    return false;
            while (*q != '-') {
                if (y > INT32_MAX) {
                    *range = true;
                    return false;
                }
                y = y * 10 + (*q++ - '0');
            }
            q++;
            while (q < x->e) {
                if (m > INT32_MAX) {
                    *range = true;
                    return false;
                }
                m = m * 10 + (*q++ - '0');
            }
            if (seen & (unit_mask(U_YEAR) | unit_mask(U_MONTH)))
                return false;
            seen |= unit_mask(U_YEAR) | unit_mask(U_MONTH);
            if (m > 11) {
                *range = true;
                return false;
            }
            if (!add_field(a, U_YEAR, neg ? -y : y, 0) || !add_field(a, U_MONTH, neg ? -m : m, 0)) {
                *range = true;
                return false;
            }
            number_seen = true;
            break;
        }
        case F_NUMBER: {
            const char *q = x->p;
            int64_t iv;
            double frac;
            int rc = read_number(&q, x->e, &iv, &frac);
            if (rc == -2) {
                *range = true;
                return false;
            }
            if (rc != 0 || q != x->e)
                return false;
            unit_t u = pending != U_NONE ? pending : deflt;
            pending = U_NONE;
            if (seen & unit_mask(u))
                return false;
            seen |= unit_mask(u);
            if (!add_field(a, u, iv, frac)) {
                *range = true;
                return false;
            }
            number_seen = true;
            break;
        }
        }
    }
    if (pending != U_NONE || !number_seen)
        return false;
    if (ago) {
        a->us = -a->us;
        a->days = -a->days;
        a->months = -a->months;
    }
    return true;
}

int sl_interval_input(const char *s, uint32_t n, sl_interval_t *out, sl_error_t *err)
{
    const char *p = s, *e = s + n;
    while (p < e && isspace((unsigned char)*p))
        p++;
    while (e > p && isspace((unsigned char)e[-1]))
        e--;
    acc_t a = {0, 0, 0};
    bool range = false;
    bool ok = p < e && (*p == 'P' ? iso8601(p, e, &a, &range) : postgres_syntax(p, e, &a, &range));
    int qn = n > 200 ? 200 : (int)n;
    if (ok && (a.months > INT32_MAX || a.months < INT32_MIN))
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "interval out of range");
    if (ok && (a.us > INT64_MAX || a.us < INT64_MIN || a.days > INT32_MAX ||
               a.days < INT32_MIN)) {
        ok = false;
        range = true;
    }
    if (!ok) {
        if (range)
            return sl_error_set(err, "22015", 0, "interval field value out of range: \"%.*s\"",
                                qn, s);
        return sl_error_set(err, SL_ERRCODE_DATETIME_FORMAT, 0,
                            "invalid input syntax for type interval: \"%.*s\"", qn, s);
    }
    out->us = (int64_t)a.us;
    out->days = (int32_t)a.days;
    out->months = (int32_t)a.months;
    return SL_OK;
}

/* " 3 days", "+3 days" after a negative field, as PostgreSQL prints them. */
static void put_part(sl_buf_t *b, int64_t v, const char *unit, bool *zero, bool *before)
{
    if (v == 0)
        return;
    sl_buf_printf(b, "%s%s%lld %s%s", *zero ? "" : " ", (*before && v > 0) ? "+" : "",
                  (long long)v, unit, v != 1 ? "s" : "");
    *before = v < 0;
    *zero = false;
}

void sl_interval_output(const sl_interval_t *v, sl_buf_t *b)
{
    bool zero = true, before = false;
    put_part(b, v->months / 12, "year", &zero, &before);
    put_part(b, v->months % 12, "mon", &zero, &before);
    put_part(b, v->days, "day", &zero, &before);
    int64_t t = v->us;
    if (!zero && t == 0)
        return;
    bool minus = t < 0;
    uint64_t u = minus ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    uint64_t hours = u / (uint64_t)US_PER_HOUR;
    uint64_t min = u / (uint64_t)US_PER_MIN % 60, sec = u / (uint64_t)US_PER_SEC % 60;
    uint64_t frac = u % (uint64_t)US_PER_SEC;
    sl_buf_printf(b, "%s%s%02llu:%02llu:%02llu", zero ? "" : " ",
                  minus ? "-" : before ? "+" : "", (unsigned long long)hours,
                  (unsigned long long)min, (unsigned long long)sec);
    if (frac) {
        char f[8];
        int l = 6;
        for (int i = 5; i >= 0; i--, frac /= 10)
            f[i] = (char)('0' + frac % 10);
        while (f[l - 1] == '0')
            l--;
        sl_buf_putc(b, '.');
        sl_buf_append(b, f, (size_t)l);
    }
}

__int128 sl_interval_span(const sl_interval_t *v)
{
    return ((__int128)v->months * 30 + v->days) * US_PER_DAY + v->us;
}

int sl_interval_cmp(const sl_interval_t *a, const sl_interval_t *b)
{
    __int128 x = sl_interval_span(a), y = sl_interval_span(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

static int interval_range(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "interval out of range");
}

int sl_interval_pl(const sl_interval_t *a, const sl_interval_t *b, sl_interval_t *out,
                   sl_error_t *err)
{
    sl_interval_t r;
    if (__builtin_add_overflow(a->months, b->months, &r.months) ||
        __builtin_add_overflow(a->days, b->days, &r.days) ||
        __builtin_add_overflow(a->us, b->us, &r.us))
        return interval_range(err);
    *out = r;
    return SL_OK;
}

int sl_interval_neg(const sl_interval_t *a, sl_interval_t *out, sl_error_t *err)
{
    if (a->months == INT32_MIN || a->days == INT32_MIN || a->us == INT64_MIN)
        return interval_range(err);
    out->months = -a->months;
    out->days = -a->days;
    out->us = -a->us;
    return SL_OK;
}

/* Rounds to microsecond precision, as PostgreSQL's TSROUND. */
static double ts_round(double x)
{
    return rint(x * 1000000.0) / 1000000.0;
}

/* a scaled by f (f = factor, or 1 / divisor computed as PostgreSQL does:
 * each part divided, not multiplied by the inverse). */
static int interval_scale(const sl_interval_t *a, double f, bool div, sl_interval_t *out,
                          sl_error_t *err)
{
    double m = div ? a->months / f : a->months * f;
    double d = div ? a->days / f : a->days * f;
    if (isnan(m) || m > INT32_MAX || m < INT32_MIN || isnan(d) || d > INT32_MAX ||
        d < INT32_MIN)
        return interval_range(err);
    sl_interval_t r;
    r.months = (int32_t)m;
    r.days = (int32_t)d;
    /* Fractions of months into days, of days into seconds. */
    double month_rest = ts_round((m - r.months) * 30.0);
    double sec_rest = ts_round((d - r.days + month_rest - (int)month_rest) * 86400.0);
    if (fabs(sec_rest) >= 86400.0) {
        r.days += (int)(sec_rest / 86400.0);
        sec_rest -= (int)(sec_rest / 86400.0) * 86400.0;
    }
    r.days += (int32_t)month_rest;
    double t = rint((div ? (double)a->us / f : (double)a->us * f) + sec_rest * 1000000.0);
    if (isnan(t) || t < -9223372036854775808.0 || t >= 9223372036854775808.0)
        return interval_range(err);
    r.us = (int64_t)t;
    *out = r;
    return SL_OK;
}

int sl_interval_mul(const sl_interval_t *a, double f, sl_interval_t *out, sl_error_t *err)
{
    return interval_scale(a, f, false, out, err);
}

int sl_interval_div(const sl_interval_t *a, double f, sl_interval_t *out, sl_error_t *err)
{
    if (f == 0.0)
        return sl_error_set(err, SL_ERRCODE_DIVISION_BY_ZERO, 0, "division by zero");
    return interval_scale(a, f, true, out, err);
}

static int ts_range(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "timestamp out of range");
}

int sl_timestamp_pl_interval(int64_t ts, const sl_interval_t *v, int64_t *out,
                             sl_error_t *err)
{
    if (ts == INT64_MAX || ts == INT64_MIN) {
        *out = ts;
        return SL_OK;
    }
    if (v->months != 0) {
        int64_t days = ts / US_PER_DAY, us = ts % US_PER_DAY;
        if (us < 0) {
            us += US_PER_DAY;
            days--;
        }
        int64_t y;
        int m, d;
        sl_civil_from_days(days + SL_DAYS_1970_TO_2000, &y, &m, &d);
        int64_t mon = y * 12 + (m - 1) + v->months;
        y = mon >= 0 ? mon / 12 : -((-mon + 11) / 12);
        m = (int)(mon - y * 12) + 1;
        int dim = sl_days_in_month(y, m);
        if (d > dim)
            d = dim;
        /* PostgreSQL refuses dates outside its Julian range here. */
        if (y < -4713 || (y == -4713 && m < 11) || y > 5874898 || (y == 5874898 && m >= 6))
            return ts_range(err);
        if (__builtin_mul_overflow(sl_days_from_civil(y, m, d) - SL_DAYS_1970_TO_2000,
                                   US_PER_DAY, &ts) ||
            __builtin_add_overflow(ts, us, &ts) || !sl_timestamp_valid(ts))
            return ts_range(err);
    }
    if (v->days != 0) {
        int64_t dus;
        if (__builtin_mul_overflow((int64_t)v->days, US_PER_DAY, &dus) ||
            __builtin_add_overflow(ts, dus, &ts) ||
            !sl_timestamp_valid(ts))
            return ts_range(err);
    }
    if (__builtin_add_overflow(ts, v->us, &ts) || !sl_timestamp_valid(ts))
        return ts_range(err);
    *out = ts;
    return SL_OK;
}

int sl_timestamp_mi(int64_t a, int64_t b, sl_interval_t *out, sl_error_t *err)
{
    if (a == INT64_MAX || a == INT64_MIN || b == INT64_MAX || b == INT64_MIN)
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "cannot subtract infinite timestamps");
    int64_t t = a - b;   /* both within the type's range: no overflow */
    int64_t days = t / US_PER_DAY;
    t -= days * US_PER_DAY;
    if (days > 0 && t < 0) {
        t += US_PER_DAY;
        days--;
    } else if (days < 0 && t > 0) {
        t -= US_PER_DAY;
        days++;
    }
    out->months = 0;
    out->days = (int32_t)days;
    out->us = t;
    return SL_OK;
}
