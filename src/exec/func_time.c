/*
 * func_time.c: evaluation of date, time and uuid operations and of the
 * date/time functions added with them, with PostgreSQL 15's results and
 * errors (session TimeZone UTC, DateStyle ISO):
 *
 *   sl__date_op       date +/- integer, date - date, date + time,
 *                     date +/- interval, time +/- interval, time - time
 *   sl__date_cast     date <-> timestamp[tz], timestamp[tz] -> date, time
 *   extract / date_part over date and time, make_date, make_time,
 *   make_timestamp[tz], age(timestamp, timestamp), and to_char over
 *   timestamps (PostgreSQL's template patterns) and over numbers
 *   (sl__func_time_eval, dispatched from func.c).
 */
#include "exec/exec_int.h"
#include "plan/func.h"
#include "util/datetime.h"
#include "util/interval.h"
#include "util/numeric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY SL_US_PER_DAY
/* First day (since 2000-01-01) past timestamp's range: 294277-01-01. */
#define TS_END_DAYS INT64_C(106751992)

static int date_range(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "date out of range");
}

static int ts_range(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "timestamp out of range");
}

static bool date_finite(int64_t d)
{
    return d != SL_DATE_NOBEGIN && d != SL_DATE_NOEND;
}

/* date2timestamp: 22008 past timestamp's range. */
static int date_to_ts(int64_t d, int64_t *out, sl_error_t *err)
{
    if (d == SL_DATE_NOBEGIN) {
        *out = INT64_MIN;
        return SL_OK;
    }
    if (d == SL_DATE_NOEND) {
        *out = INT64_MAX;
        return SL_OK;
    }
    if (d >= TS_END_DAYS)
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "date out of range for timestamp");
    *out = d * US_PER_DAY;
    return SL_OK;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int sl__date_cast(sl_type_t from, sl_type_t to, const sl_datum_t *in, sl_datum_t *out,
                  sl_error_t *err)
{
    bool ts_from = from == SL_T_TIMESTAMP || from == SL_T_TIMESTAMPTZ;
    if (from == SL_T_DATE && (to == SL_T_TIMESTAMP || to == SL_T_TIMESTAMPTZ))
        return date_to_ts(in->v.i, &out->v.i, err);
    if (ts_from && to == SL_T_DATE) {
        int64_t v = in->v.i;
        out->v.i = v == INT64_MIN ? SL_DATE_NOBEGIN : v == INT64_MAX ? SL_DATE_NOEND
                                                                     : floordiv(v, US_PER_DAY);
        return SL_OK;
    }
    if (ts_from && to == SL_T_TIME) {
        int64_t v = in->v.i;
        if (v == INT64_MIN || v == INT64_MAX) {
            out->null = true;
            return SL_OK;
        }
        out->v.i = v - floordiv(v, US_PER_DAY) * US_PER_DAY;
        return SL_OK;
    }
    return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0, "cannot cast type %s to %s",
                        sl_type_name(from), sl_type_name(to));
}

static int64_t time_wrap(int64_t t)
{
    t -= t / US_PER_DAY * US_PER_DAY;
    return t < 0 ? t + US_PER_DAY : t;
}

int sl__date_op(const sl_expr_t *e, const sl_datum_t *x, const sl_datum_t *y, sl_datum_t *out,
                sl_error_t *err)
{
    sl_type_t lt = e->args[0]->type, rt = e->args[1]->type;
    bool add = e->op == SL_OP_ADD;
    if (e->type == SL_T_DATE) {   /* date +/- int, int + date */
        int64_t d = lt == SL_T_DATE ? x->v.i : y->v.i;
        int64_t k = lt == SL_T_DATE ? y->v.i : x->v.i;
        if (!add)
            k = -k;
        if (!date_finite(d)) {
            out->v.i = d;
            return SL_OK;
        }
        int64_t r = d + k;
        if (r < SL_DATE_MIN || r >= SL_DATE_END)
            return date_range(err);
        out->v.i = r;
        return SL_OK;
    }
    if (lt == SL_T_DATE && rt == SL_T_DATE) {   /* date - date */
        if (!date_finite(x->v.i) || !date_finite(y->v.i))
            return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                                "cannot subtract infinite dates");
        out->v.i = x->v.i - y->v.i;
        return SL_OK;
    }
    if (e->type == SL_T_TIMESTAMP && (lt == SL_T_TIME || rt == SL_T_TIME)) {
        int64_t ts = 0, t = lt == SL_T_TIME ? x->v.i : y->v.i;
        if (date_to_ts(lt == SL_T_DATE ? x->v.i : y->v.i, &ts, err) != SL_OK)
            return SL_ERR;
        if (ts != INT64_MIN && ts != INT64_MAX) {
            ts += t;
            if (!sl_timestamp_valid(ts))
                return ts_range(err);
        }
        out->v.i = ts;
        return SL_OK;
    }
    if (e->type == SL_T_TIMESTAMP) {   /* date +/- interval */
        int64_t ts = 0;
        const sl_interval_t *iv = lt == SL_T_INTERVAL ? &x->v.iv : &y->v.iv;
        sl_interval_t neg;
        if (date_to_ts(lt == SL_T_DATE ? x->v.i : y->v.i, &ts, err) != SL_OK)
            return SL_ERR;
        if (!add) {
            if (sl_interval_neg(iv, &neg, err) != SL_OK)
                return SL_ERR;
            iv = &neg;
        }
        return sl_timestamp_pl_interval(ts, iv, &out->v.i, err);
    }
    if (e->type == SL_T_TIME) {   /* time +/- interval */
        int64_t t = lt == SL_T_TIME ? x->v.i : y->v.i;
        int64_t span = (lt == SL_T_INTERVAL ? x->v.iv : y->v.iv).us;
        out->v.i = time_wrap(add ? t + span % US_PER_DAY : t - span % US_PER_DAY);
        return SL_OK;
    }
    if (e->type == SL_T_INTERVAL && lt == SL_T_TIME) {   /* time - time */
        memset(&out->v.iv, 0, sizeof(out->v.iv));
        out->v.iv.us = x->v.i - y->v.i;
        return SL_OK;
    }
    return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                        "operator on types %s and %s is not supported", sl_type_name(lt),
                        sl_type_name(rt));
}

/* ---- a timestamp's fields ---- */

typedef struct tsf {
    int64_t year;       /* astronomical: 0 = 1 BC */
    int mon, mday, hour, min, sec, wday, yday;
    int64_t fsec, days; /* days since 1970-01-01 */
} tsf_t;

static void ts_fields(int64_t v, tsf_t *f)
{
    int64_t d = floordiv(v, US_PER_DAY), us = v - d * US_PER_DAY;
    d += SL_DAYS_1970_TO_2000;
    f->days = d;
    sl_civil_from_days(d, &f->year, &f->mon, &f->mday);
    f->hour = (int)(us / (3600 * US_PER_SEC));
    f->min = (int)(us / (60 * US_PER_SEC) % 60);
    f->sec = (int)(us / US_PER_SEC % 60);
    f->fsec = us % US_PER_SEC;
    f->wday = (int)(((d + 4) % 7 + 7) % 7);   /* 0 = Sunday */
    f->yday = (int)(d - sl_days_from_civil(f->year, 1, 1)) + 1;
}

static int64_t iso_year_start(int64_t y)
{
    int64_t jan4 = sl_days_from_civil(y, 1, 4);
    return jan4 - ((jan4 + 3) % 7 + 7) % 7;
}

/* ISO 8601 year and week of a day (days since 1970). */
static void iso_week(int64_t days, int64_t y, int64_t *iy, int *week)
{
    *iy = y;
    if (days < iso_year_start(y))
        (*iy)--;
    else if (days >= iso_year_start(y + 1))
        (*iy)++;
    *week = (int)((days - iso_year_start(*iy)) / 7 + 1);
}

/* ---- units (PostgreSQL's DecodeUnits names) ---- */

enum { X_US, X_MS, X_SECOND, X_MINUTE, X_HOUR, X_DAY, X_WEEK, X_MONTH, X_QUARTER, X_YEAR,
       X_DECADE, X_CENTURY, X_MILLENNIUM, X_EPOCH, X_DOW, X_ISODOW, X_DOY, X_ISOYEAR,
       X_JULIAN, X_TZ };

static int unit_of(const char *p, size_t n, char *low, size_t lowcap)
{
    static const struct { const char *name; int u; } units[] = {
        {"microsecond", X_US}, {"microseconds", X_US}, {"us", X_US}, {"usec", X_US},
        {"usecs", X_US}, {"useconds", X_US}, {"millisecond", X_MS}, {"milliseconds", X_MS},
        {"ms", X_MS}, {"msec", X_MS}, {"msecs", X_MS}, {"mseconds", X_MS},
        {"second", X_SECOND}, {"seconds", X_SECOND}, {"sec", X_SECOND}, {"secs", X_SECOND},
        {"s", X_SECOND}, {"minute", X_MINUTE}, {"minutes", X_MINUTE}, {"min", X_MINUTE},
        {"mins", X_MINUTE}, {"m", X_MINUTE}, {"hour", X_HOUR}, {"hours", X_HOUR},
        {"hr", X_HOUR}, {"hrs", X_HOUR}, {"h", X_HOUR}, {"day", X_DAY}, {"days", X_DAY},
        {"d", X_DAY}, {"week", X_WEEK}, {"weeks", X_WEEK}, {"w", X_WEEK},
        {"month", X_MONTH}, {"months", X_MONTH}, {"mon", X_MONTH}, {"mons", X_MONTH},
        {"quarter", X_QUARTER}, {"qtr", X_QUARTER}, {"year", X_YEAR}, {"years", X_YEAR},
        {"yr", X_YEAR}, {"yrs", X_YEAR}, {"y", X_YEAR}, {"decade", X_DECADE},
        {"decades", X_DECADE}, {"dec", X_DECADE}, {"decs", X_DECADE},
        {"century", X_CENTURY}, {"centuries", X_CENTURY}, {"cent", X_CENTURY},
        {"c", X_CENTURY}, {"millennium", X_MILLENNIUM}, {"millennia", X_MILLENNIUM},
        {"mil", X_MILLENNIUM}, {"mils", X_MILLENNIUM}, {"epoch", X_EPOCH}, {"dow", X_DOW},
        {"isodow", X_ISODOW}, {"doy", X_DOY}, {"isoyear", X_ISOYEAR}, {"julian", X_JULIAN},
        {"j", X_JULIAN}, {"timezone", X_TZ}, {"timezone_h", X_TZ}, {"timezone_m", X_TZ},
    };
    size_t k = n < lowcap - 1 ? n : lowcap - 1;
    for (size_t i = 0; i < k; i++)
        low[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
    low[k] = '\0';
    if (n >= lowcap)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(units[i].name, low) == 0)
            return units[i].u;
    return -1;
}

static int unit_err(const char *low, bool known, const char *tname, sl_error_t *err)
{
    return sl_error_set(err, known ? SL_ERRCODE_FEATURE_NOT_SUPPORTED : SL_ERRCODE_INVALID_PARAMETER,
                        0, "unit \"%s\" %s for type %s", low,
                        known ? "not supported" : "not recognized", tname);
}

/* extract(unit from date) (PostgreSQL 14+'s extract_date). */
static int f_extract_date(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                          sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s;
    char low[64];
    int u = unit_of(a[0].v.s.p, a[0].v.s.n, low, sizeof(low));
    if (u < 0)
        return unit_err(low, false, "date", err);
    int64_t d = a[1].v.i;
    bool mono = u == X_YEAR || u == X_DECADE || u == X_CENTURY || u == X_MILLENNIUM ||
                u == X_JULIAN || u == X_ISOYEAR || u == X_EPOCH;
    bool osc = u == X_DAY || u == X_MONTH || u == X_QUARTER || u == X_WEEK || u == X_DOW ||
               u == X_ISODOW || u == X_DOY;
    if (!mono && !osc)
        return unit_err(low, true, "date", err);
    if (!date_finite(d)) {
        if (osc)
            out->null = true;
        else
            out->v.f = d == SL_DATE_NOBEGIN ? -INFINITY : INFINITY;
        return SL_OK;
    }
    tsf_t f;
    ts_fields(d * US_PER_DAY, &f);
    int64_t r = 0, iy;
    int wk;
    switch (u) {
    case X_DAY: r = f.mday; break;
    case X_MONTH: r = f.mon; break;
    case X_QUARTER: r = (f.mon - 1) / 3 + 1; break;
    case X_WEEK: iso_week(f.days, f.year, &iy, &wk); r = wk; break;
    case X_DOW: r = f.wday; break;
    case X_ISODOW: r = f.wday == 0 ? 7 : f.wday; break;
    case X_DOY: r = f.yday; break;
    case X_YEAR: r = f.year > 0 ? f.year : f.year - 1; break;
    case X_DECADE: r = f.year >= 0 ? f.year / 10 : -((8 - (f.year - 1)) / 10); break;
    case X_CENTURY: r = f.year > 0 ? (f.year + 99) / 100 : -((99 - (f.year - 1)) / 100); break;
    case X_MILLENNIUM:
        r = f.year > 0 ? (f.year + 999) / 1000 : -((999 - (f.year - 1)) / 1000);
        break;
    case X_ISOYEAR: iso_week(f.days, f.year, &iy, &wk); r = iy <= 0 ? iy - 1 : iy; break;
    case X_JULIAN: r = f.days + INT64_C(2440588); break;
    case X_EPOCH: r = f.days * 86400; break;
    }
    out->v.f = (double)r;
    return SL_OK;
}

/* extract / date_part over time (time_part_common). */
static int f_time_part(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                       sl_datum_t *out, sl_error_t *err)
{
    char low[64];
    int u = unit_of(a[0].v.s.p, a[0].v.s.n, low, sizeof(low));
    const char *tname = "time without time zone";
    if (u < 0)
        return unit_err(low, false, tname, err);
    int64_t t = a[1].v.i;
    int64_t sec_us = t % (60 * US_PER_SEC);
    if (e->type == SL_T_NUMERIC) {   /* extract: exact, at PostgreSQL's scales */
        char num[48];
        switch (u) {
        case X_US: snprintf(num, sizeof(num), "%lld", (long long)sec_us); break;
        case X_MS:
            snprintf(num, sizeof(num), "%lld.%03lld", (long long)(sec_us / 1000),
                     (long long)(sec_us % 1000));
            break;
        case X_SECOND:
            snprintf(num, sizeof(num), "%lld.%06lld", (long long)(sec_us / US_PER_SEC),
                     (long long)(sec_us % US_PER_SEC));
            break;
        case X_MINUTE: snprintf(num, sizeof(num), "%lld", (long long)(t / (60 * US_PER_SEC) % 60)); break;
        case X_HOUR: snprintf(num, sizeof(num), "%lld", (long long)(t / (3600 * US_PER_SEC))); break;
        case X_EPOCH:
            snprintf(num, sizeof(num), "%lld.%06lld", (long long)(t / US_PER_SEC),
                     (long long)(t % US_PER_SEC));
            break;
        default: return unit_err(low, true, tname, err);
        }
        size_t l = strlen(num);   /* the datum may point into the text: in the arena */
        char *p = sl_alloc(s, l + 1);
        memcpy(p, num, l + 1);
        return sl_numeric_input(p, (uint32_t)l, -1, s, out, err);
    }
    switch (u) {
    case X_US: out->v.f = (double)sec_us; break;
    case X_MS: out->v.f = (double)(sec_us / US_PER_SEC) * 1000.0 + (double)(sec_us % US_PER_SEC) / 1000.0; break;
    case X_SECOND: out->v.f = (double)(sec_us / US_PER_SEC) + (double)(sec_us % US_PER_SEC) / 1e6; break;
    case X_MINUTE: out->v.f = (double)(t / (60 * US_PER_SEC) % 60); break;
    case X_HOUR: out->v.f = (double)(t / (3600 * US_PER_SEC)); break;
    case X_EPOCH: out->v.f = (double)t / 1e6; break;
    default: return unit_err(low, true, tname, err);
    }
    return SL_OK;
}

/* ---- make_date, make_time, make_timestamp[tz] ---- */

/* float_time_overflows */
static bool float_time_overflows(int64_t hour, int64_t min, double sec)
{
    if (hour < 0 || hour > 24 || min < 0 || min >= 60)
        return true;
    if (!(sec >= 0.0 && sec <= 60.0))
        return true;
    double us = rint(sec * 1e6);
    if (us < 0 || us > 60e6)
        return true;
    return (double)((hour * 60 + min) * 60) * 1e6 + us > (double)US_PER_DAY;
}

/* The year as ValidateDate takes a signed one (negative = BC); 22008. */
static int make_days(int64_t year, int64_t mon, int64_t mday, int64_t *days, sl_error_t *err,
                     const char *what)
{
    int64_t y = year;
    if (y < 0)
        y = y + 1;   /* -1 is 1 BC, astronomical 0 */
    if (year == 0 || mon < 1 || mon > 12 || mday < 1 || mday > 31 ||
        mday > sl_days_in_month(y, (int)mon))
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "date field value out of range: %lld-%02lld-%02lld",
                            (long long)year, (long long)mon, (long long)mday);
    if (!((y > -4713 || (y == -4713 && mon >= 11)) && (y < 5874898 || (y == 5874898 && mon < 6))))
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "%s out of range: %lld-%02lld-%02lld", what, (long long)year,
                            (long long)mon, (long long)mday);
    *days = sl_days_from_civil(y, (int)mon, (int)mday) - SL_DAYS_1970_TO_2000;
    return SL_OK;
}

static int f_make_date(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                       sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s;
    int64_t d;
    if (make_days(a[0].v.i, a[1].v.i, a[2].v.i, &d, err, "date") != SL_OK)
        return SL_ERR;
    if (d < SL_DATE_MIN || d >= SL_DATE_END)
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "date out of range: %lld-%02lld-%02lld", (long long)a[0].v.i,
                            (long long)a[1].v.i, (long long)a[2].v.i);
    out->v.i = d;
    return SL_OK;
}

static int f_make_time(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                       sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s;
    int64_t h = a[0].v.i, m = a[1].v.i;
    double sec = a[2].v.f;
    if (float_time_overflows(h, m, sec))
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "time field value out of range: %lld:%02lld:%02g", (long long)h,
                            (long long)m, sec);
    out->v.i = (h * 60 + m) * 60 * US_PER_SEC + (int64_t)rint(sec * 1e6);
    return SL_OK;
}

/* make_timestamp_internal: the wall-clock timestamp of the fields. */
static int make_ts(const sl_datum_t *a, int64_t *out, sl_error_t *err)
{
    int64_t d;
    if (make_days(a[0].v.i, a[1].v.i, a[2].v.i, &d, err, "date") != SL_OK)
        return SL_ERR;
    int64_t h = a[3].v.i, m = a[4].v.i;
    double sec = a[5].v.f;
    if (float_time_overflows(h, m, sec))
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "time field value out of range: %lld:%02lld:%02g", (long long)h,
                            (long long)m, sec);
    int64_t time = (h * 60 + m) * 60 * US_PER_SEC + (int64_t)rint(sec * 1e6), v = 0;
    if (__builtin_mul_overflow(d, US_PER_DAY, &v) || __builtin_add_overflow(v, time, &v) ||
        (v < 0 && d > 0) || (v > 0 && d < -1) || !sl_timestamp_valid(v) || v == INT64_MAX ||
        v == INT64_MIN)
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                            "timestamp out of range: %lld-%02lld-%02lld %lld:%02lld:%02g",
                            (long long)a[0].v.i, (long long)a[1].v.i, (long long)a[2].v.i,
                            (long long)h, (long long)m, sec);
    *out = v;
    return SL_OK;
}

static int f_make_timestamp(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                            sl_datum_t *out, sl_error_t *err)
{
    (void)s;
    int64_t v = 0;
    if (make_ts(a, &v, err) != SL_OK)
        return SL_ERR;
    if (e->nargs == 7) {
        int west;
        if (sl_tz_offset_for_local(a[6].v.s.p, a[6].v.s.n, v, &west, err) != SL_OK)
            return SL_ERR;
        v += (int64_t)west * US_PER_SEC;
        if (!sl_timestamp_valid(v))
            return ts_range(err);
    }
    out->v.i = v;
    return SL_OK;
}

/* ---- age ---- */

static int f_age(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)e; (void)s;
    int64_t d1 = a[0].v.i, d2 = a[1].v.i;
    if (d1 == INT64_MIN || d1 == INT64_MAX || d2 == INT64_MIN || d2 == INT64_MAX)
        return ts_range(err);
    tsf_t t1, t2;
    ts_fields(d1, &t1);
    ts_fields(d2, &t2);
    int64_t fsec = t1.fsec - t2.fsec, sec = t1.sec - t2.sec, min = t1.min - t2.min,
            hour = t1.hour - t2.hour, mday = t1.mday - t2.mday, mon = t1.mon - t2.mon,
            year = t1.year - t2.year;
    bool flip = d1 < d2;
    if (flip) {
        fsec = -fsec; sec = -sec; min = -min; hour = -hour; mday = -mday; mon = -mon;
        year = -year;
    }
    while (fsec < 0) { fsec += US_PER_SEC; sec--; }
    while (sec < 0) { sec += 60; min--; }
    while (min < 0) { min += 60; hour--; }
    while (hour < 0) { hour += 24; mday--; }
    while (mday < 0) {
        const tsf_t *t = flip ? &t1 : &t2;
        mday += sl_days_in_month(t->year, t->mon);
        mon--;
    }
    while (mon < 0) { mon += 12; year--; }
    if (flip) {
        fsec = -fsec; sec = -sec; min = -min; hour = -hour; mday = -mday; mon = -mon;
        year = -year;
    }
    int64_t months = year * 12 + mon;
    if (months < INT32_MIN || months > INT32_MAX || mday < INT32_MIN || mday > INT32_MAX)
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "interval out of range");
    memset(&out->v.iv, 0, sizeof(out->v.iv));
    out->v.iv.months = (int32_t)months;
    out->v.iv.days = (int32_t)mday;
    out->v.iv.us = ((hour * 60 + min) * 60 + sec) * US_PER_SEC + fsec;
    return SL_OK;
}

/* ---- to_char(timestamp, text): PostgreSQL's template patterns ---- */

enum {
    K_A_D, K_A_M, K_AD, K_AM, K_B_C, K_BC, K_CC, K_DAY, K_DDD, K_DD, K_DY, K_Day, K_Dy, K_D,
    K_FF1, K_FF2, K_FF3, K_FF4, K_FF5, K_FF6, K_FX, K_HH24, K_HH12, K_HH, K_IDDD, K_ID, K_IW,
    K_IYYY, K_IYY, K_IY, K_I, K_J, K_MI, K_MM, K_MONTH, K_MON, K_MS, K_Month, K_Mon, K_OF,
    K_P_M, K_PM, K_Q, K_RM, K_SSSS, K_SS, K_TZH, K_TZM, K_TZ, K_US, K_WW, K_W, K_Y_YYY,
    K_YYYY, K_YYY, K_YY, K_Y, K_a_d, K_a_m, K_ad, K_am, K_b_c, K_bc, K_day, K_dy, K_month,
    K_mon, K_p_m, K_pm, K_rm, K_tz
};

typedef struct kw {
    const char *name;
    int len, id;
} kw_t;

/* In PostgreSQL's search order: the first entry that is a prefix wins. */
static const kw_t kws[] = {
    {"A.D.", 4, K_A_D}, {"A.M.", 4, K_A_M}, {"AD", 2, K_AD}, {"AM", 2, K_AM},
    {"B.C.", 4, K_B_C}, {"BC", 2, K_BC}, {"CC", 2, K_CC}, {"DAY", 3, K_DAY},
    {"DDD", 3, K_DDD}, {"DD", 2, K_DD}, {"DY", 2, K_DY}, {"Day", 3, K_Day}, {"Dy", 2, K_Dy},
    {"D", 1, K_D}, {"FF1", 3, K_FF1}, {"FF2", 3, K_FF2}, {"FF3", 3, K_FF3},
    {"FF4", 3, K_FF4}, {"FF5", 3, K_FF5}, {"FF6", 3, K_FF6}, {"FX", 2, K_FX},
    {"HH24", 4, K_HH24}, {"HH12", 4, K_HH12}, {"HH", 2, K_HH}, {"IDDD", 4, K_IDDD},
    {"ID", 2, K_ID}, {"IW", 2, K_IW}, {"IYYY", 4, K_IYYY}, {"IYY", 3, K_IYY},
    {"IY", 2, K_IY}, {"I", 1, K_I}, {"J", 1, K_J}, {"MI", 2, K_MI}, {"MM", 2, K_MM},
    {"MONTH", 5, K_MONTH}, {"MON", 3, K_MON}, {"MS", 2, K_MS}, {"Month", 5, K_Month},
    {"Mon", 3, K_Mon}, {"OF", 2, K_OF}, {"P.M.", 4, K_P_M}, {"PM", 2, K_PM}, {"Q", 1, K_Q},
    {"RM", 2, K_RM}, {"SSSSS", 5, K_SSSS}, {"SSSS", 4, K_SSSS}, {"SS", 2, K_SS},
    {"TZH", 3, K_TZH}, {"TZM", 3, K_TZM}, {"TZ", 2, K_TZ}, {"US", 2, K_US},
    {"WW", 2, K_WW}, {"W", 1, K_W}, {"Y,YYY", 5, K_Y_YYY}, {"YYYY", 4, K_YYYY},
    {"YYY", 3, K_YYY}, {"YY", 2, K_YY}, {"Y", 1, K_Y}, {"a.d.", 4, K_a_d},
    {"a.m.", 4, K_a_m}, {"ad", 2, K_ad}, {"am", 2, K_am}, {"b.c.", 4, K_b_c},
    {"bc", 2, K_bc}, {"cc", 2, K_CC}, {"day", 3, K_day}, {"ddd", 3, K_DDD}, {"dd", 2, K_DD},
    {"dy", 2, K_dy}, {"d", 1, K_D}, {"ff1", 3, K_FF1}, {"ff2", 3, K_FF2}, {"ff3", 3, K_FF3},
    {"ff4", 3, K_FF4}, {"ff5", 3, K_FF5}, {"ff6", 3, K_FF6}, {"fx", 2, K_FX},
    {"hh24", 4, K_HH24}, {"hh12", 4, K_HH12}, {"hh", 2, K_HH}, {"iddd", 4, K_IDDD},
    {"id", 2, K_ID}, {"iw", 2, K_IW}, {"iyyy", 4, K_IYYY}, {"iyy", 3, K_IYY},
    {"iy", 2, K_IY}, {"i", 1, K_I}, {"j", 1, K_J}, {"mi", 2, K_MI}, {"mm", 2, K_MM},
    {"month", 5, K_month}, {"mon", 3, K_mon}, {"ms", 2, K_MS}, {"of", 2, K_OF},
    {"p.m.", 4, K_p_m}, {"pm", 2, K_pm}, {"q", 1, K_Q}, {"rm", 2, K_rm},
    {"sssss", 5, K_SSSS}, {"ssss", 4, K_SSSS}, {"ss", 2, K_SS}, {"tzh", 3, K_TZH},
    {"tzm", 3, K_TZM}, {"tz", 2, K_tz}, {"us", 2, K_US}, {"ww", 2, K_WW}, {"w", 1, K_W},
    {"y,yyy", 5, K_Y_YYY}, {"yyyy", 4, K_YYYY}, {"yyy", 3, K_YYY}, {"yy", 2, K_YY},
    {"y", 1, K_Y},
};

static const kw_t *kw_find(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
        if ((size_t)kws[i].len <= n && memcmp(p, kws[i].name, (size_t)kws[i].len) == 0)
            return &kws[i];
    return NULL;
}

static const char *const months_full[] = {"January", "February", "March", "April", "May",
                                          "June", "July", "August", "September", "October",
                                          "November", "December"};
static const char *const days_full[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const rm_upper[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII",
                                       "IX", "X", "XI", "XII"};

#define SUF_FM 1
#define SUF_TM 2
#define SUF_TH 4
#define SUF_th 8

/* Appends the ordinal suffix of the number just written (str_numth). */
static void put_th(sl_buf_t *b, size_t start, int suf)
{
    const char *s = b->data + start;
    size_t n = b->len - start;
    if (n == 0)
        return;
    char last = s[n - 1];
    const char *th;
    if (n > 1 && s[n - 2] == '1')
        th = "th";
    else
        th = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
    if (suf & SUF_TH) {
        char up[3] = {(char)(th[0] - 32), (char)(th[1] - 32), 0};
        sl_buf_puts(b, up);
    } else {
        sl_buf_puts(b, th);
    }
}

/* A name in the case the pattern asks (0 upper, 1 initcap, 2 lower),
 * padded to 9 unless fill mode (or TM). */
static void put_name(sl_buf_t *b, const char *name, int cas, bool pad, size_t maxlen)
{
    char t[16];
    size_t n = strlen(name);
    if (n > maxlen)
        n = maxlen;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (cas == 0 && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (cas == 2 && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        t[i] = c;
    }
    t[n] = '\0';
    if (pad)
        sl_buf_printf(b, "%-9s", t);
    else
        sl_buf_puts(b, t);
}

static int64_t adjust_year(int64_t y)
{
    return y <= 0 ? -(y - 1) : y;
}

static void to_char_ts(int64_t v, bool tz, const char *fmt, size_t fn, sl_buf_t *b)
{
    tsf_t f;
    ts_fields(v, &f);
    int64_t iy;
    int iw;
    iso_week(f.days, f.year, &iy, &iw);
    int isodow = f.wday == 0 ? 7 : f.wday;
    const char *p = fmt, *e = fmt + fn;
    while (p < e) {
        int suf = 0;
        if (e - p >= 2 && (memcmp(p, "FM", 2) == 0 || memcmp(p, "fm", 2) == 0)) {
            suf |= SUF_FM;
            p += 2;
        } else if (e - p >= 2 && (memcmp(p, "TM", 2) == 0 || memcmp(p, "tm", 2) == 0)) {
            suf |= SUF_TM;
            p += 2;
        }
        const kw_t *k = p < e ? kw_find(p, (size_t)(e - p)) : NULL;
        if (k == NULL) {
            if (p >= e)
                break;
            if (*p == '"') {
                p++;
                while (p < e) {
                    if (*p == '"') {
                        p++;
                        break;
                    }
                    if (*p == '\\' && p + 1 < e)
                        p++;
                    sl_buf_putc(b, *p++);
                }
            } else {
                if (*p == '\\' && p + 1 < e && p[1] == '"')
                    p++;
                sl_buf_putc(b, *p++);
            }
            continue;
        }
        p += k->len;
        if (e - p >= 2 && (memcmp(p, "TH", 2) == 0 || memcmp(p, "th", 2) == 0)) {
            suf |= p[0] == 'T' ? SUF_TH : SUF_th;
            p += 2;
        } else if (e - p >= 2 && memcmp(p, "SP", 2) == 0) {
            p += 2;
        }
        bool fm = suf & SUF_FM;
        size_t start = b->len;
        bool num = true;
        int64_t y = adjust_year(f.year), i;
        switch (k->id) {
        case K_A_M: case K_P_M: sl_buf_puts(b, f.hour >= 12 ? "P.M." : "A.M."); num = false; break;
        case K_AM: case K_PM: sl_buf_puts(b, f.hour >= 12 ? "PM" : "AM"); num = false; break;
        case K_a_m: case K_p_m: sl_buf_puts(b, f.hour >= 12 ? "p.m." : "a.m."); num = false; break;
        case K_am: case K_pm: sl_buf_puts(b, f.hour >= 12 ? "pm" : "am"); num = false; break;
        case K_A_D: case K_B_C: sl_buf_puts(b, f.year <= 0 ? "B.C." : "A.D."); num = false; break;
        case K_AD: case K_BC: sl_buf_puts(b, f.year <= 0 ? "BC" : "AD"); num = false; break;
        case K_a_d: case K_b_c: sl_buf_puts(b, f.year <= 0 ? "b.c." : "a.d."); num = false; break;
        case K_ad: case K_bc: sl_buf_puts(b, f.year <= 0 ? "bc" : "ad"); num = false; break;
        case K_HH: case K_HH12:
            sl_buf_printf(b, "%0*d", fm ? 0 : 2, f.hour % 12 == 0 ? 12 : f.hour % 12);
            break;
        case K_HH24: sl_buf_printf(b, "%0*d", fm ? 0 : 2, f.hour); break;
        case K_MI: sl_buf_printf(b, "%0*d", fm ? 0 : 2, f.min); break;
        case K_SS: sl_buf_printf(b, "%0*d", fm ? 0 : 2, f.sec); break;
        case K_FF1: sl_buf_printf(b, "%01d", (int)(f.fsec / 100000)); break;
        case K_FF2: sl_buf_printf(b, "%02d", (int)(f.fsec / 10000)); break;
        case K_FF3: case K_MS: sl_buf_printf(b, "%03d", (int)(f.fsec / 1000)); break;
        case K_FF4: sl_buf_printf(b, "%04d", (int)(f.fsec / 100)); break;
        case K_FF5: sl_buf_printf(b, "%05d", (int)(f.fsec / 10)); break;
        case K_FF6: case K_US: sl_buf_printf(b, "%06d", (int)f.fsec); break;
        case K_SSSS: sl_buf_printf(b, "%d", f.hour * 3600 + f.min * 60 + f.sec); break;
        case K_tz: if (tz) sl_buf_puts(b, "utc"); num = false; break;
        case K_TZ: if (tz) sl_buf_puts(b, "UTC"); num = false; break;
        case K_TZH: sl_buf_puts(b, "+00"); num = false; break;
        case K_TZM: sl_buf_puts(b, "00"); break;
        case K_OF: sl_buf_printf(b, "+%0*d", fm ? 0 : 2, 0); num = false; break;
        case K_MONTH: case K_Month: case K_month:
            put_name(b, months_full[f.mon - 1], k->id == K_MONTH ? 0 : k->id == K_Month ? 1 : 2,
                     !fm && !(suf & SUF_TM), 16);
            num = false;
            break;
        case K_MON: case K_Mon: case K_mon:
            put_name(b, months_full[f.mon - 1], k->id == K_MON ? 0 : k->id == K_Mon ? 1 : 2,
                     false, 3);
            num = false;
            break;
        case K_DAY: case K_Day: case K_day:
            put_name(b, days_full[f.wday], k->id == K_DAY ? 0 : k->id == K_Day ? 1 : 2,
                     !fm && !(suf & SUF_TM), 16);
            num = false;
            break;
        case K_DY: case K_Dy: case K_dy:
            put_name(b, days_full[f.wday], k->id == K_DY ? 0 : k->id == K_Dy ? 1 : 2, false, 3);
            num = false;
            break;
        case K_DDD: sl_buf_printf(b, "%0*d", fm ? 0 : 3, f.yday); break;
        case K_IDDD: sl_buf_printf(b, "%0*d", fm ? 0 : 3, (iw - 1) * 7 + isodow); break;
        case K_DD: sl_buf_printf(b, "%0*d", fm ? 0 : 2, f.mday); break;
        case K_MM: sl_buf_printf(b, "%0*d", fm ? 0 : 2, f.mon); break;
        case K_D: sl_buf_printf(b, "%d", f.wday + 1); break;
        case K_ID: sl_buf_printf(b, "%d", isodow); break;
        case K_WW: sl_buf_printf(b, "%0*d", fm ? 0 : 2, (f.yday - 1) / 7 + 1); break;
        case K_IW: sl_buf_printf(b, "%0*d", fm ? 0 : 2, iw); break;
        case K_Q: sl_buf_printf(b, "%d", (f.mon - 1) / 3 + 1); break;
        case K_CC:
            i = f.year > 0 ? (f.year - 1) / 100 + 1 : f.year / 100 - 1;
            if (i <= 99 && i >= -99)
                sl_buf_printf(b, "%0*lld", fm ? 0 : (i >= 0 ? 2 : 3), (long long)i);
            else
                sl_buf_printf(b, "%lld", (long long)i);
            break;
        case K_Y_YYY:
            i = y / 1000;
            sl_buf_printf(b, "%lld,%03lld", (long long)i, (long long)(y - i * 1000));
            break;
        case K_YYYY: case K_IYYY:
            if (k->id == K_IYYY)
                y = adjust_year(iy);
            sl_buf_printf(b, "%0*lld", fm ? 0 : (y >= 0 ? 4 : 5), (long long)y);
            break;
        case K_YYY: case K_IYY:
            if (k->id == K_IYY)
                y = adjust_year(iy);
            i = y % 1000;
            sl_buf_printf(b, "%0*lld", fm ? 0 : (i >= 0 ? 3 : 4), (long long)i);
            break;
        case K_YY: case K_IY:
            if (k->id == K_IY)
                y = adjust_year(iy);
            i = y % 100;
            sl_buf_printf(b, "%0*lld", fm ? 0 : (i >= 0 ? 2 : 3), (long long)i);
            break;
        case K_Y: case K_I:
            if (k->id == K_I)
                y = adjust_year(iy);
            i = y % 10;
            sl_buf_printf(b, "%0*lld", fm ? 0 : (i >= 0 ? 1 : 2), (long long)i);
            break;
        case K_RM: case K_rm: {
            const char *r = rm_upper[f.mon - 1];
            char t[8];
            size_t n = strlen(r);
            for (size_t j = 0; j <= n; j++)
                t[j] = k->id == K_rm && r[j] ? (char)(r[j] + 32) : r[j];
            if (fm)
                sl_buf_puts(b, t);
            else
                sl_buf_printf(b, "%-4s", t);
            num = false;
            break;
        }
        case K_W: sl_buf_printf(b, "%d", (f.mday - 1) / 7 + 1); break;
        case K_J: sl_buf_printf(b, "%lld", (long long)(f.days + 2440588)); break;
        case K_FX: num = false; break;
        default: num = false; break;
        }
        if (num && (suf & (SUF_TH | SUF_th)))
            put_th(b, start, suf);
    }
}

static int f_to_char_ts(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                        sl_datum_t *out, sl_error_t *err)
{
    (void)err;
    int64_t v = a[0].v.i;
    if (v == INT64_MIN || v == INT64_MAX || a[1].v.s.n == 0) {
        out->null = true;
        return SL_OK;
    }
    sl_buf_t b = SL_BUF_INIT;
    to_char_ts(v, e->args[0]->type == SL_T_TIMESTAMPTZ, a[1].v.s.p, a[1].v.s.n, &b);
    char *p = sl_alloc(s, b.len + 1);
    if (b.len)
        memcpy(p, b.data, b.len);
    p[b.len] = '\0';
    out->v.s.p = p;
    out->v.s.n = (uint32_t)b.len;
    sl_buf_free(&b);
    return SL_OK;
}

/* ---- to_char(number, text) ---- */

/*
 * PostgreSQL 15's number formatting (formatting.c's NUM_ path), for
 * output: the template is parsed into nodes with its NUMDesc (digit
 * positions before and after the point, where zeros start, sign and fill
 * flags, V's shift), each type prepares its digits as a string (numstr:
 * the value rounded to the template's fraction digits, or '#'s when it
 * overflows the integer positions), and one processor walks the nodes
 * writing digits, blanks, signs, separators and text from it.  Keywords
 * are matched case-sensitively as PostgreSQL's table has them (9 0 . , B
 * C D EEEE FM G L MI PL PR RN SG SP S TH V and their lower case forms);
 * other characters, and double-quoted text, are copied.  The C locale's
 * symbols: "." "," "-" "+" and " " for L.
 */
enum {
    NK_CHAR, NK_COMMA, NK_DEC, NK_0, NK_9, NK_B, NK_C, NK_D, NK_E, NK_FM, NK_G, NK_L,
    NK_MI, NK_PL, NK_PR, NK_RN, NK_rn, NK_SG, NK_SP, NK_S, NK_TH, NK_th, NK_V
};

/* PostgreSQL's keyword order: the first that matches wins (SG before S). */
static const struct { const char *name; uint8_t len, id; } num_kw[] = {
    {",", 1, NK_COMMA}, {".", 1, NK_DEC}, {"0", 1, NK_0}, {"9", 1, NK_9},
    {"B", 1, NK_B}, {"C", 1, NK_C}, {"D", 1, NK_D}, {"EEEE", 4, NK_E},
    {"FM", 2, NK_FM}, {"G", 1, NK_G}, {"L", 1, NK_L}, {"MI", 2, NK_MI},
    {"PL", 2, NK_PL}, {"PR", 2, NK_PR}, {"RN", 2, NK_RN}, {"SG", 2, NK_SG},
    {"SP", 2, NK_SP}, {"S", 1, NK_S}, {"TH", 2, NK_TH}, {"V", 1, NK_V},
    {"b", 1, NK_B}, {"c", 1, NK_C}, {"d", 1, NK_D}, {"eeee", 4, NK_E},
    {"fm", 2, NK_FM}, {"g", 1, NK_G}, {"l", 1, NK_L}, {"mi", 2, NK_MI},
    {"pl", 2, NK_PL}, {"pr", 2, NK_PR}, {"rn", 2, NK_rn}, {"sg", 2, NK_SG},
    {"sp", 2, NK_SP}, {"s", 1, NK_S}, {"th", 2, NK_th}, {"v", 1, NK_V},
};

enum {
    NF_DECIMAL = 1 << 1, NF_LDECIMAL = 1 << 2, NF_ZERO = 1 << 3, NF_BLANK = 1 << 4,
    NF_FILLMODE = 1 << 5, NF_LSIGN = 1 << 6, NF_BRACKET = 1 << 7, NF_MINUS = 1 << 8,
    NF_PLUS = 1 << 9, NF_ROMAN = 1 << 10, NF_MULTI = 1 << 11, NF_PLUS_POST = 1 << 12,
    NF_MINUS_POST = 1 << 13, NF_EEEE = 1 << 14
};
enum { LSIGN_PRE = -1, LSIGN_NONE = 0, LSIGN_POST = 1 };

typedef struct numdesc {
    int pre, post, lsign, pre_lsign_num, multi, zero_start, zero_end;
    unsigned flag;
} numdesc_t;

typedef struct numnode {
    uint8_t id;    /* NK_* */
    char ch;       /* NK_CHAR: one byte of text */
} numnode_t;

static int num_syntax(sl_error_t *err, const char *msg)
{
    return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0, "%s", msg);
}

/* NUMDesc_prepare: one action node's effect on d; 42601 as PostgreSQL. */
static int num_prepare(numdesc_t *d, int id, sl_error_t *err)
{
    if ((d->flag & NF_EEEE) && id != NK_E)
        return num_syntax(err, "\"EEEE\" must be the last pattern used");
    switch (id) {
    case NK_9:
        if (d->flag & NF_BRACKET)
            return num_syntax(err, "\"9\" must be ahead of \"PR\"");
        if (d->flag & NF_MULTI)
            d->multi++;
        else if (d->flag & NF_DECIMAL)
            d->post++;
        else
            d->pre++;
        break;
    case NK_0:
        if (d->flag & NF_BRACKET)
            return num_syntax(err, "\"0\" must be ahead of \"PR\"");
        if (!(d->flag & NF_ZERO) && !(d->flag & NF_DECIMAL)) {
            d->flag |= NF_ZERO;
            d->zero_start = d->pre + 1;
        }
        if (!(d->flag & NF_DECIMAL))
            d->pre++;
        else
            d->post++;
        d->zero_end = d->pre + d->post;
        break;
    case NK_B:
        if (d->pre == 0 && d->post == 0 && !(d->flag & NF_ZERO))
            d->flag |= NF_BLANK;
        break;
    case NK_D:
    case NK_DEC:
        if (id == NK_D)
            d->flag |= NF_LDECIMAL;
        if (d->flag & NF_DECIMAL)
            return num_syntax(err, "multiple decimal points");
        if (d->flag & NF_MULTI)
            return num_syntax(err, "cannot use \"V\" and decimal point together");
        d->flag |= NF_DECIMAL;
        break;
    case NK_FM:
        d->flag |= NF_FILLMODE;
        break;
    case NK_S:
        if (d->flag & NF_LSIGN)
            return num_syntax(err, "cannot use \"S\" twice");
        if (d->flag & (NF_PLUS | NF_MINUS | NF_BRACKET))
            return num_syntax(err, "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together");
        if (!(d->flag & NF_DECIMAL)) {
            d->lsign = LSIGN_PRE;
            d->pre_lsign_num = d->pre;
            d->flag |= NF_LSIGN;
        } else if (d->lsign == LSIGN_NONE) {
            d->lsign = LSIGN_POST;
            d->flag |= NF_LSIGN;
        }
        break;
    case NK_MI:
        if (d->flag & NF_LSIGN)
            return num_syntax(err, "cannot use \"S\" and \"MI\" together");
        d->flag |= NF_MINUS;
        if (d->flag & NF_DECIMAL)
            d->flag |= NF_MINUS_POST;
        break;
    case NK_PL:
        if (d->flag & NF_LSIGN)
            return num_syntax(err, "cannot use \"S\" and \"PL\" together");
        d->flag |= NF_PLUS;
        if (d->flag & NF_DECIMAL)
            d->flag |= NF_PLUS_POST;
        break;
    case NK_SG:
        if (d->flag & NF_LSIGN)
            return num_syntax(err, "cannot use \"S\" and \"SG\" together");
        d->flag |= NF_MINUS | NF_PLUS;
        break;
    case NK_PR:
        if (d->flag & (NF_LSIGN | NF_PLUS | NF_MINUS))
            return num_syntax(err, "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together");
        d->flag |= NF_BRACKET;
        break;
    case NK_RN:
    case NK_rn:
        d->flag |= NF_ROMAN;
        break;
    case NK_V:
        if (d->flag & NF_DECIMAL)
            return num_syntax(err, "cannot use \"V\" and decimal point together");
        d->flag |= NF_MULTI;
        break;
    case NK_E:
        if (d->flag & NF_EEEE)
            return num_syntax(err, "cannot use \"EEEE\" twice");
        if (d->flag & (NF_BLANK | NF_FILLMODE | NF_LSIGN | NF_BRACKET | NF_MINUS | NF_PLUS |
                       NF_ROMAN | NF_MULTI)) {
            num_syntax(err, "\"EEEE\" is incompatible with other formats");
            sl_error_detail(err, "\"EEEE\" may only be used together with digit and decimal "
                                 "point patterns.");
            return SL_ERR;
        }
        d->flag |= NF_EEEE;
        break;
    default:
        break;
    }
    return SL_OK;
}

/* parse_format for numbers: fmt[0..fn) into nodes (malloc'd, *nn of them)
 * and d. */
static int num_parse(const char *fmt, size_t fn, numnode_t **nodes, size_t *nn, numdesc_t *d,
                     sl_error_t *err)
{
    numnode_t *n = malloc((fn ? fn : 1) * sizeof(*n));
    size_t k = 0;
    memset(d, 0, sizeof(*d));
    for (size_t i = 0; i < fn;) {
        size_t w;
        for (w = 0; w < sizeof(num_kw) / sizeof(num_kw[0]); w++)
            if (fn - i >= num_kw[w].len && memcmp(fmt + i, num_kw[w].name, num_kw[w].len) == 0)
                break;
        if (w < sizeof(num_kw) / sizeof(num_kw[0])) {
            n[k].id = num_kw[w].id;
            n[k++].ch = 0;
            i += num_kw[w].len;
            if (num_prepare(d, num_kw[w].id, err) != SL_OK) {
                free(n);
                return SL_ERR;
            }
        } else if (fmt[i] == '"') {   /* quoted text; backslash quotes a character */
            i++;
            while (i < fn) {
                if (fmt[i] == '"') {
                    i++;
                    break;
                }
                if (fmt[i] == '\\' && i + 1 < fn)
                    i++;
                n[k].id = NK_CHAR;
                n[k++].ch = fmt[i++];
            }
        } else {
            if (fmt[i] == '\\' && i + 1 < fn && fmt[i + 1] == '"')
                i++;
            n[k].id = NK_CHAR;
            n[k++].ch = fmt[i++];
        }
    }
    *nodes = n;
    *nn = k;
    return SL_OK;
}

/* NUM_processor's state while writing. */
typedef struct numproc {
    numdesc_t d;
    const char *number, *number_p, *last_relevant;
    char sign;               /* '+', '-' or 0 (Roman numerals) */
    bool sign_wrote, num_in;
    int num_count, num_curr, out_pre_spaces;
    sl_buf_t *out;
} numproc_t;

/* IS_PREDEC_SPACE: "0.1" through "9.9" is " .1". */
static bool predec_space(const numproc_t *p)
{
    return !(p->d.flag & NF_ZERO) && p->number == p->number_p && p->number[0] == '0' &&
           p->d.post != 0;
}

/* NUM_numpart_to_char: a digit position or the point. */
static void num_part(numproc_t *p, int id)
{
    if (p->d.flag & NF_ROMAN)
        return;
    p->num_in = false;
    bool fm = p->d.flag & NF_FILLMODE;
    if (!p->sign_wrote &&
        (p->num_curr >= p->out_pre_spaces ||
         ((p->d.flag & NF_ZERO) && p->d.zero_start == p->num_curr)) &&
        (!predec_space(p) || (p->last_relevant && *p->last_relevant == '.'))) {
        if (p->d.flag & NF_LSIGN) {
            if (p->d.lsign == LSIGN_PRE) {
                sl_buf_putc(p->out, p->sign == '-' ? '-' : '+');
                p->sign_wrote = true;
            }
        } else if (p->d.flag & NF_BRACKET) {
            sl_buf_putc(p->out, p->sign == '+' ? ' ' : '<');
            p->sign_wrote = true;
        } else if (p->sign == '+') {
            if (!fm)
                sl_buf_putc(p->out, ' ');
            p->sign_wrote = true;
        } else if (p->sign == '-') {
            sl_buf_putc(p->out, '-');
            p->sign_wrote = true;
        }
    }
    if (p->num_curr < p->out_pre_spaces &&
        (p->d.zero_start > p->num_curr || !(p->d.flag & NF_ZERO))) {
        if (!fm)
            sl_buf_putc(p->out, ' ');
    } else if ((p->d.flag & NF_ZERO) && p->num_curr < p->out_pre_spaces &&
               p->d.zero_start <= p->num_curr) {
        sl_buf_putc(p->out, '0');
        p->num_in = true;
    } else {
        if (*p->number_p == '.') {
            if (!p->last_relevant || *p->last_relevant != '.' || fm)
                sl_buf_putc(p->out, '.');
        } else if (p->last_relevant && p->number_p > p->last_relevant && id != NK_0) {
            ;   /* FM: no trailing fraction zeros */
        } else if (predec_space(p)) {
            if (!fm)
                sl_buf_putc(p->out, ' ');
            else if (p->last_relevant && *p->last_relevant == '.')
                sl_buf_putc(p->out, '0');   /* FM9.9 of 0 is "0." */
        } else {
            sl_buf_putc(p->out, *p->number_p);   /* past the end: a NUL ends the text */
            p->num_in = true;
        }
        if (*p->number_p)
            p->number_p++;
    }
    int end = p->num_count + (p->out_pre_spaces ? 1 : 0) + ((p->d.flag & NF_DECIMAL) ? 1 : 0);
    if (p->last_relevant && p->last_relevant == p->number_p)
        end = p->num_curr;
    if (p->num_curr + 1 == end) {
        if (p->sign_wrote && (p->d.flag & NF_BRACKET))
            sl_buf_putc(p->out, p->sign == '+' ? ' ' : '>');
        else if ((p->d.flag & NF_LSIGN) && p->d.lsign == LSIGN_POST)
            sl_buf_putc(p->out, p->sign == '-' ? '-' : '+');
    }
    p->num_curr++;
}

/* get_th: the ordinal suffix of number's last digit; 22P02 when it is no
 * digit. */
static int num_th(const char *number, bool upper, sl_buf_t *b, sl_error_t *err)
{
    size_t len = strlen(number);
    char last = len ? number[len - 1] : '\0';
    if (last < '0' || last > '9')
        return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0, "\"%s\" is not a number", number);
    if (len > 1 && number[len - 2] == '1')
        last = 0;
    const char *s = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
    sl_buf_putc(b, upper ? (char)(s[0] - 32) : s[0]);
    sl_buf_putc(b, upper ? (char)(s[1] - 32) : s[1]);
    return SL_OK;
}

/* NUM_processor for to_char: the output of nodes over numstr (number),
 * out_pre_spaces and sign; the text ends at a NUL written (as SG of a
 * Roman numeral writes one). */
static int num_processor(const numnode_t *nodes, size_t nn, const numdesc_t *d,
                         const char *number, int out_pre_spaces, char sign, sl_buf_t *b,
                         sl_error_t *err)
{
    numproc_t p = {.d = *d, .number = number, .number_p = number, .out = b};
    if (p.d.zero_start)
        p.d.zero_start--;
    if (p.d.flag & NF_EEEE) {
        sl_buf_puts(b, number);
        return SL_OK;
    }
    if (p.d.flag & NF_ROMAN) {   /* Roman numerals: only FM stays */
        p.d.lsign = p.d.pre_lsign_num = p.d.post = p.d.pre = 0;
        p.d.flag = (p.d.flag & NF_FILLMODE) | NF_ROMAN;
    }
    p.sign = sign;
    if (p.d.flag & (NF_PLUS | NF_MINUS)) {
        /* MI / PL / SG write the sign themselves */
        p.sign_wrote = !((p.d.flag & NF_PLUS) && !(p.d.flag & NF_MINUS));
    } else {
        if (p.sign != '-' && (p.d.flag & NF_FILLMODE))
            p.d.flag &= ~(unsigned)NF_BRACKET;
        p.sign_wrote = p.sign == '+' && (p.d.flag & NF_FILLMODE) && !(p.d.flag & NF_LSIGN);
        if (p.d.lsign == LSIGN_PRE && p.d.pre == p.d.pre_lsign_num)
            p.d.lsign = LSIGN_POST;
    }
    p.num_count = p.d.post + p.d.pre - 1;
    p.out_pre_spaces = out_pre_spaces;
    if ((p.d.flag & NF_FILLMODE) && (p.d.flag & NF_DECIMAL)) {
        /* get_last_relevant_decnum: the last non-zero fraction digit (or
         * the point), at least the last '0' position */
        const char *q = strchr(number, '.');
        if (q) {
            p.last_relevant = q;
            for (const char *r = q + 1; *r; r++)
                if (*r != '0')
                    p.last_relevant = r;
            if (p.d.zero_end > p.out_pre_spaces) {
                int lz = (int)strlen(number) - 1;
                if (lz > p.d.zero_end - p.out_pre_spaces)
                    lz = p.d.zero_end - p.out_pre_spaces;
                if (p.last_relevant < number + lz)
                    p.last_relevant = number + lz;
            }
        }
    }
    if (!p.sign_wrote && p.out_pre_spaces == 0)
        p.num_count++;
    bool fm = p.d.flag & NF_FILLMODE;
    for (size_t i = 0; i < nn; i++) {
        int id = nodes[i].id;
        switch (id) {
        case NK_CHAR:
            sl_buf_putc(b, nodes[i].ch);
            break;
        case NK_9:
        case NK_0:
        case NK_DEC:
        case NK_D:
            num_part(&p, id);
            break;
        case NK_COMMA:
        case NK_G:
            if (p.num_in)
                sl_buf_putc(b, ',');
            else if (!fm)
                sl_buf_putc(b, ' ');
            break;
        case NK_L:
            sl_buf_putc(b, ' ');
            break;
        case NK_RN:
        case NK_rn: {
            size_t at = b->len, l = strlen(p.number_p);
            if (!fm)
                for (; l < 15; l++)
                    sl_buf_putc(b, ' ');
            sl_buf_puts(b, p.number_p);
            if (id == NK_rn)
                for (size_t k = at; k < b->len; k++)
                    if (b->data[k] >= 'A' && b->data[k] <= 'Z')
                        b->data[k] = (char)(b->data[k] + 32);
            break;
        }
        case NK_TH:
        case NK_th:
            if ((p.d.flag & NF_ROMAN) || p.number[0] == '#' || p.sign == '-' ||
                (p.d.flag & NF_DECIMAL))
                break;
            if (num_th(p.number, id == NK_TH, b, err) != SL_OK)
                return SL_ERR;
            break;
        case NK_MI:
            if (p.sign == '-')
                sl_buf_putc(b, '-');
            else if (!fm)
                sl_buf_putc(b, ' ');
            break;
        case NK_PL:
            if (p.sign == '+')
                sl_buf_putc(b, '+');
            else if (!fm)
                sl_buf_putc(b, ' ');
            break;
        case NK_SG:
            sl_buf_putc(b, p.sign);
            break;
        default:   /* S, PR (written with the digits), B, C, SP, FM, V */
            break;
        }
    }
    return SL_OK;
}

/* int_to_roman: 1..3999 as Roman numerals, '#' x 15 otherwise. */
static void roman(int64_t v, char *out)
{
    static const char *const rm100[] = {"", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"};
    static const char *const rm10[] = {"", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"};
    static const char *const rm1[] = {"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"};
    if (v < 1 || v > 3999) {
        memset(out, '#', 15);
        out[15] = '\0';
        return;
    }
    out[0] = '\0';
    for (int64_t k = 0; k < v / 1000; k++)
        strcat(out, "M");
    strcat(out, rm100[v / 100 % 10]);
    strcat(out, rm10[v / 10 % 10]);
    strcat(out, rm1[v % 10]);
}

/*
 * numeric_out_sci(nv, post) as to_char's EEEE writes it: the significand
 * of finite nv rounded to post places (9.99 at one place is "10.0": the
 * exponent is not adjusted), 'e', the exponent as %+03d.
 */
static void num_sci(const sl_num_t *nv, int post, sl_buf_t *b)
{
    sl_num_t r;
    sl_num_init(&r);
    sl_num_set(&r, nv);
    long ex = 0;
    if (mpz_sgn(r.v) != 0) {
        long l = (long)mpz_sizeinbase(r.v, 10);   /* exact or one too many */
        mpz_t t;
        mpz_init(t);
        mpz_ui_pow_ui(t, 10, (unsigned long)(l - 1));
        if (mpz_cmpabs(r.v, t) < 0)
            l--;
        mpz_clear(t);
        ex = l - 1 - r.dscale;
        r.dscale = (int)(l - 1);   /* the significand: one digit before the point */
    }
    sl_error_t e = {0};
    sl_num_round(&r, post, &e);   /* a significand below 10: in range */
    sl_num_format(&r, b);
    sl_buf_printf(b, "e%+03ld", ex);
    sl_num_clear(&r);
}

/* The '#'s of a value that overflows pre integer positions. */
static void num_overflow(sl_buf_t *s, int pre, int post)
{
    sl_buf_reset(s);
    for (int k = 0; k < pre + post + 1; k++)
        sl_buf_putc(s, k == pre ? '.' : '#');
}

/*
 * to_char of a number of type t: an integer (iv; int8 when t is
 * SL_T_INT8), a float (x, DBL_DIG or FLT_DIG significant digits) or a
 * numeric (nv), as int4_to_char, int8_to_char, float8_to_char,
 * float4_to_char and numeric_to_char prepare it.
 */
static int to_char_num(sl_type_t t, double x, int64_t iv, const sl_num_t *nv, const char *fmt,
                       size_t fn, sl_buf_t *b, sl_error_t *err)
{
    numnode_t *nodes;
    size_t nn;
    numdesc_t d;
    if (num_parse(fmt, fn, &nodes, &nn, &d, err) != SL_OK)
        return SL_ERR;
    bool is_int = sl_type_is_integer(t);
    int dig = t == SL_T_FLOAT4 ? 6 : 15;
    sl_buf_t s = SL_BUF_INIT;   /* numstr */
    int out_pre_spaces = 0, rc = SL_OK;
    char sign = 0;
    sl_num_t r;
    sl_num_init(&r);
    if (nv)
        sl_num_set(&r, nv);
    else if (is_int)
        sl_num_set_int(&r, iv);
    if (d.flag & NF_ROMAN) {
        int64_t v = 0;
        if (is_int || nv) {   /* int84 / numeric_int4(round(value)) */
            rc = sl_num_round(&r, 0, err);
            if (rc == SL_OK)
                rc = sl_num_to_int(&r, 32, &v, err);
        } else {   /* (int) rint(value): out of int's range is no numeral */
            double rv = rint(x);
            v = isnan(rv) || rv < 1 || rv > 3999 ? 0 : (int64_t)rv;
        }
        char rn[32];
        roman(v, rn);
        sl_buf_puts(&s, rn);
    } else if (d.flag & NF_EEEE) {
        if (!is_int && !nv ? (isnan(x) || isinf(x)) : (nv && nv->kind != SL_NUM_FINITE)) {
            sl_buf_putc(&s, ' ');
            for (int k = 1; k < d.pre + d.post + 6; k++)
                sl_buf_putc(&s, k == d.pre + 1 ? '.' : '#');
        } else if (nv || t == SL_T_INT8) {   /* numeric_out_sci */
            num_sci(&r, d.post, &s);
            if (s.data[0] != '-') {
                sl_buf_t t2 = SL_BUF_INIT;
                sl_buf_putc(&t2, ' ');
                sl_buf_append(&t2, s.data, s.len);
                sl_buf_free(&s);
                s = t2;
            }
        } else {   /* "%+.*e" of the double */
            sl_buf_printf(&s, "%+.*e", d.post, is_int ? (double)iv : x);
            if (s.data[0] == '+')
                s.data[0] = ' ';
        }
    } else {
        if (nv || is_int) {
            /* value * 10^multi (int4mul / int8mul range for integers),
             * rounded to post places: numeric_out's text, integers padded
             * with post zeros */
            if (d.flag & NF_MULTI) {
                mpz_t m;
                mpz_init(m);
                mpz_ui_pow_ui(m, 10, (unsigned long)d.multi);
                mpz_mul(r.v, r.v, m);
                mpz_clear(m);
                if (is_int) {
                    int64_t lim = t == SL_T_INT8 ? INT64_MAX : INT32_MAX;
                    if (mpz_cmp_si(r.v, lim) > 0 || mpz_cmp_si(r.v, -lim - 1) < 0)
                        rc = sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "%s out of range",
                                          t == SL_T_INT8 ? "bigint" : "integer");
                }
                d.pre += d.multi;
            }
            if (rc == SL_OK)
                rc = sl_num_round(&r, d.post, err);
            if (rc == SL_OK)
                sl_num_format(&r, &s);
        } else {
            char tmp[400];
            double v = x;
            if (d.flag & NF_MULTI) {   /* in real's precision for real */
                v = t == SL_T_FLOAT4 ? (double)((float)x * (float)pow(10, d.multi))
                                     : x * pow(10, d.multi);
                d.pre += d.multi;
            }
            /* PostgreSQL's snprintf names NaN and the infinities */
            bool named = isnan(v) || isinf(v);
            if (named)
                snprintf(tmp, sizeof(tmp), "%s", isnan(v) ? "NaN" : "Infinity");
            else
                snprintf(tmp, sizeof(tmp), "%.0f", fabs(v));
            int plen = (int)strlen(tmp);
            if (plen >= dig)   /* only DBL_DIG (FLT_DIG) significant digits */
                d.post = 0;
            else if (plen + d.post > dig)
                d.post = dig - plen;
            if (named)
                snprintf(tmp, sizeof(tmp), "%s", isnan(v) ? "NaN" : v < 0 ? "-Infinity" : "Infinity");
            else
                snprintf(tmp, sizeof(tmp), "%.*f", d.post, v);
            sl_buf_puts(&s, tmp);
        }
        if (rc == SL_OK) {
            sign = s.len && s.data[0] == '-' ? '-' : '+';
            if (sign == '-') {
                memmove(s.data, s.data + 1, s.len - 1);
                s.len--;
            }
            sl_buf_putc(&s, '\0');
            s.len--;
            const char *dot = strchr(s.data, '.');
            int pre_len = dot ? (int)(dot - s.data) : (int)s.len;
            if (pre_len < d.pre)
                out_pre_spaces = d.pre - pre_len;
            else if (pre_len > d.pre)
                num_overflow(&s, d.pre, d.post);
        }
    }
    sl_num_clear(&r);
    if (rc == SL_OK) {
        sl_buf_putc(&s, '\0');   /* numstr as a C string */
        size_t at = b->len;
        rc = num_processor(nodes, nn, &d, s.data, out_pre_spaces, sign, b, err);
        sl_buf_putc(b, '\0');
        b->len = at + strlen(b->data + at);   /* up to a NUL written */
    }
    sl_buf_free(&s);
    free(nodes);
    return rc;
}

static int f_to_char_num(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                         sl_datum_t *out, sl_error_t *err)
{
    if (a[1].v.s.n == 0) {   /* an empty template: '' (timestamps' to_char gives NULL) */
        out->v.s.p = "";
        out->v.s.n = 0;
        return SL_OK;
    }
    sl_type_t t = e->args[0]->type;
    double v = t == SL_T_FLOAT4 ? (double)(float)a[0].v.f : t == SL_T_FLOAT8 ? a[0].v.f : 0;
    sl_num_t nv;
    if (t == SL_T_NUMERIC) {   /* exact: digits from the numeric itself */
        sl_num_init(&nv);
        sl_numeric_get(&a[0], &nv);
    }
    sl_buf_t b = SL_BUF_INIT;
    int rc = to_char_num(t, v, a[0].v.i, t == SL_T_NUMERIC ? &nv : NULL, a[1].v.s.p,
                         a[1].v.s.n, &b, err);
    if (t == SL_T_NUMERIC)
        sl_num_clear(&nv);
    if (rc != SL_OK) {
        sl_buf_free(&b);
        return SL_ERR;
    }
    char *p = sl_alloc(s, b.len + 1);
    if (b.len)
        memcpy(p, b.data, b.len);
    p[b.len] = '\0';
    out->v.s.p = p;
    out->v.s.n = (uint32_t)b.len;
    sl_buf_free(&b);
    return SL_OK;
}

int sl__func_time_eval(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                       sl_datum_t *out, sl_error_t *err)
{
    switch (e->func) {
    case SL_F_EXTRACT_DATE: return f_extract_date(e, a, s, out, err);
    case SL_F_TIME_PART: return f_time_part(e, a, s, out, err);
    case SL_F_MAKE_DATE: return f_make_date(e, a, s, out, err);
    case SL_F_MAKE_TIME: return f_make_time(e, a, s, out, err);
    case SL_F_MAKE_TIMESTAMP: return f_make_timestamp(e, a, s, out, err);
    case SL_F_AGE: return f_age(e, a, s, out, err);
    case SL_F_TO_CHAR: return f_to_char_ts(e, a, s, out, err);
    case SL_F_TO_CHAR_NUM: return f_to_char_num(e, a, s, out, err);
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unknown function %d", e->func);
    }
}
