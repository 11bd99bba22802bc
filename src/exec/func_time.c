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
 * PostgreSQL's NUM_processor for output, over the decimal digits of the
 * value rounded to the format's fraction digits: 9 (digit, blank for a
 * leading zero), 0 (digit), . and D (decimal point), , and G (group
 * separator, blank before the first digit), S / SG / PL / MI (sign), PR
 * (angle brackets for a negative value), FM (no padding), EEEE
 * (scientific notation), TH / th (ordinal), V (shift), and quoted text.
 */
/* How a format's sign is written. */
enum { SG_DEFAULT, SG_S_LEAD, SG_PR, SG_OTHER };

static bool at2(const char *fmt, size_t fn, size_t i, char a, char b)
{
    return i + 1 < fn && (fmt[i] == a || fmt[i] == a + 32) && (fmt[i + 1] == b || fmt[i + 1] == b + 32);
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
 * The digits of numeric nv * 10^multi rounded to post places, without sign
 * or point (at least post + 1 of them: "0.5" is "05"), as numeric_round
 * and numeric_out give them; malloc'd.  *neg: the rounded value is below
 * zero (numeric has no -0).  NaN and the infinities are their names.
 * NULL with 22003 when the value times 10^multi overflows numeric.
 */
static char *num_digits(const sl_num_t *nv, int multi, int post, bool *neg, sl_error_t *err)
{
    if (nv->kind != SL_NUM_FINITE) {
        *neg = nv->kind == SL_NUM_NINF;
        return strdup(nv->kind == SL_NUM_NAN ? "NaN" : "Infinity");
    }
    sl_num_t r;
    sl_num_init(&r);
    sl_num_set(&r, nv);
    if (multi > 0) {
        mpz_t t;
        mpz_init(t);
        mpz_ui_pow_ui(t, 10, (unsigned long)multi);
        mpz_mul(r.v, r.v, t);
        mpz_clear(t);
    }
    if (sl_num_round(&r, post, err) != SL_OK) {
        sl_num_clear(&r);
        return NULL;
    }
    *neg = mpz_sgn(r.v) < 0;
    mpz_abs(r.v, r.v);
    char *s = mpz_get_str(NULL, 10, r.v);
    size_t l = strlen(s);
    if (l < (size_t)post + 1) {   /* leading zeros up to one integer digit */
        char *t = malloc((size_t)post + 2);
        size_t z = (size_t)post + 1 - l;
        memset(t, '0', z);
        memcpy(t + z, s, l + 1);
        free(s);
        s = t;
    }
    sl_num_clear(&r);
    return s;
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

static int to_char_num(double x, bool is_int, int64_t iv, const sl_num_t *nv, int dbl_dig,
                       const char *fmt, size_t fn, sl_buf_t *b, sl_error_t *err)
{
    /* RN / rn: Roman numerals of the value rounded to an integer */
    for (size_t i = 0; i + 1 < fn; i++)
        if (at2(fmt, fn, i, 'R', 'N')) {
            bool fm = false;
            for (size_t j = 0; j + 1 < fn; j++)
                fm |= at2(fmt, fn, j, 'F', 'M');
            double r = is_int ? (double)iv : rint(x);
            if (nv) {   /* numeric_int4(round(value)) */
                sl_num_t t;
                int64_t ri = 0;
                sl_num_init(&t);
                sl_num_set(&t, nv);
                int rc = sl_num_round(&t, 0, err);
                if (rc == SL_OK)
                    rc = sl_num_to_int(&t, 32, &ri, err);
                sl_num_clear(&t);
                if (rc != SL_OK)
                    return rc;
                r = (double)ri;
            } else if (!is_int && (isnan(x) || r < INT32_MIN || r > INT32_MAX))
                return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                                    "integer out of range");
            if (is_int && (iv < INT32_MIN || iv > INT32_MAX))
                return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                                    "integer out of range");
            char rn[32];
            roman((int64_t)r, rn);
            /* besides RN only text, quoted text and L are written */
            for (size_t j = 0; j < fn;) {
                char c = fmt[j];
                if (c == '9' || c == '0' || c == '.' || c == 'D' || c == 'd' || c == ',' ||
                    c == 'G' || c == 'g' || c == 'S' || c == 's' || c == 'V' || c == 'v' ||
                    c == 'B' || c == 'b') {
                    if ((c == 'S' || c == 's') && j + 1 < fn && (fmt[j + 1] == 'G' || fmt[j + 1] == 'g'))
                        j++;
                    j++;
                    continue;
                }
                if (at2(fmt, fn, j, 'M', 'I') || at2(fmt, fn, j, 'P', 'L') ||
                    at2(fmt, fn, j, 'P', 'R') || at2(fmt, fn, j, 'T', 'H')) {
                    j += 2;
                    continue;
                }
                if (j + 3 < fn && strncasecmp(fmt + j, "EEEE", 4) == 0) {
                    j += 4;
                    continue;
                }
                if (c == 'L' || c == 'l') {
                    sl_buf_putc(b, ' ');   /* the C locale's currency symbol */
                    j++;
                    continue;
                }
                if (c == '"') {
                    j++;
                    while (j < fn && fmt[j] != '"') {
                        if (fmt[j] == '\\' && j + 1 < fn)
                            j++;
                        sl_buf_putc(b, fmt[j++]);
                    }
                    j++;
                    continue;
                }
                if (at2(fmt, fn, j, 'R', 'N')) {
                    char t[32];
                    snprintf(t, sizeof(t), "%s", rn);
                    if (fmt[j] == 'r')
                        for (char *q = t; *q; q++)
                            if (*q >= 'A' && *q <= 'Z')
                                *q = (char)(*q + 32);
                    if (fm)
                        sl_buf_puts(b, t);
                    else
                        sl_buf_printf(b, "%15s", t);
                    j += 2;
                } else if (at2(fmt, fn, j, 'F', 'M')) {
                    j += 2;
                } else {
                    sl_buf_putc(b, fmt[j++]);
                }
            }
            return SL_OK;
        }

    /* pass 1: the format's shape */
    int pre = 0, post = 0, zs = -1, multi = 0, zero_end = 0;
    bool point = false, fm = false, eeee = false, seen_digit = false;
    int sign = SG_DEFAULT;
    for (size_t i = 0; i < fn;) {
        char c = fmt[i];
        if (c == '9' || c == '0') {
            if (point) {
                post++;
                if (c == '0')
                    zero_end = post;
            } else {
                if (c == '0' && zs < 0)
                    zs = pre;
                pre++;
            }
            seen_digit = true;
            i++;
        } else if (c == '.' || c == 'D' || c == 'd') {
            if (point)
                return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0, "multiple decimal points");
            point = true;
            i++;
        } else if (at2(fmt, fn, i, 'F', 'M')) {
            fm = true;
            i += 2;
        } else if (at2(fmt, fn, i, 'P', 'R')) {
            sign = SG_PR;
            i += 2;
        } else if (at2(fmt, fn, i, 'M', 'I') || at2(fmt, fn, i, 'S', 'G')) {
            sign = SG_OTHER;
            i += 2;
        } else if (at2(fmt, fn, i, 'P', 'L')) {
            i += 2;   /* a '+' there; the sign column stays */
        } else if (c == 'S' || c == 's') {
            sign = seen_digit ? SG_OTHER : SG_S_LEAD;
            i++;
        } else if (i + 3 < fn && strncasecmp(fmt + i, "EEEE", 4) == 0) {
            eeee = true;
            i += 4;
        } else if (c == 'V' || c == 'v') {
            /* the digits after V are integer positions of the value times
             * 10^(their number) */
            for (size_t j = i + 1; j < fn && (fmt[j] == '9' || fmt[j] == '0'); j++)
                multi++;
            i++;
        } else if (c == '"') {
            i++;
            while (i < fn && fmt[i] != '"')
                i += (fmt[i] == '\\' && i + 1 < fn) ? 2 : 1;
            i++;
        } else {
            i++;
        }
    }
    if (zs < 0)
        zs = pre;
    int fmt_post = post;   /* post may shrink below (DBL_DIG) */
    if (eeee) {
        char tmp[64];
        if (nv && nv->kind != SL_NUM_FINITE) {   /* numeric_to_char's '#'s */
            sl_buf_putc(b, ' ');
            for (int k = 1; k < pre + post + 6; k++)
                sl_buf_putc(b, k == pre + 1 ? '.' : '#');
            return SL_OK;
        }
        if (nv) {
            sl_buf_t t = SL_BUF_INIT;
            num_sci(nv, post, &t);
            if (t.data[0] != '-')
                sl_buf_putc(b, ' ');
            sl_buf_append(b, t.data, t.len);
            sl_buf_free(&t);
            return SL_OK;
        }
        if (!is_int && (isnan(x) || isinf(x))) {
            sl_buf_putc(b, ' ');
            for (int k = 0; k < pre + post + (point ? 1 : 0) + 4; k++)
                sl_buf_putc(b, '#');
            return SL_OK;
        }
        snprintf(tmp, sizeof(tmp), "%+.*e", post, is_int ? (double)iv : x);
        char *ep = strchr(tmp, 'e');
        int ex = atoi(ep + 1);
        *ep = '\0';
        sl_buf_putc(b, tmp[0] == '-' ? '-' : ' ');
        sl_buf_puts(b, tmp + 1);
        sl_buf_printf(b, "e%c%02d", ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
        return SL_OK;
    }
    /* the digits of |value| * 10^multi, rounded to post places */
    char digs_buf[512], *digs = digs_buf, *heap = NULL;
    bool neg, overflow = false, no_point = false;
    if (nv) {
        digs = heap = num_digits(nv, multi, post, &neg, err);
        if (digs == NULL)
            return SL_ERR;
        if (nv->kind != SL_NUM_FINITE) {   /* the name, with no point */
            post = 0;
            no_point = true;
        }
    } else if (is_int) {
        neg = iv < 0;
        uint64_t u = iv < 0 ? (uint64_t)0 - (uint64_t)iv : (uint64_t)iv;
        snprintf(digs, sizeof(digs), "%llu", (unsigned long long)u);
        size_t l = strlen(digs);
        for (int k = 0; k < multi + post && l < sizeof(digs) - 1; k++)
            digs[l++] = '0';
        digs[l] = '\0';
    } else {
        if (isnan(x) || isinf(x)) {
            overflow = true;
            neg = x < 0;
            digs[0] = '\0';
        } else {
            double ax = fabs(x) * (multi ? pow(10, multi) : 1);
            char tmp[400];
            snprintf(tmp, sizeof(tmp), "%.0f", ax);
            int plen = (int)strlen(tmp);
            if (plen >= dbl_dig)   /* PostgreSQL keeps DBL_DIG significant digits */
                post = 0;
            else if (plen + post > dbl_dig)
                post = dbl_dig - plen;
            snprintf(digs, sizeof(digs), "%.*f", post, ax);
            char *dot = strchr(digs, '.');
            if (dot)
                memmove(dot, dot + 1, strlen(dot));
            neg = x < 0;
        }
    }
    int nint = (int)strlen(digs) - post;
    const char *id = digs;
    while (nint > 0 && *id == '0') {   /* no leading zeros: "0" is no digit */
        id++;
        nint--;
    }
    /* PostgreSQL's digits always have an integer part ("0.5"): a format
     * without integer positions overflows */
    if (!overflow && (nint > pre || pre == 0))
        overflow = true;
    /* FM: fraction digits down to the last non-zero (or a '0' position) */
    int last = post;
    if (fm && !overflow)
        while (last > zero_end && id[nint + last - 1] == '0')
            last--;
    bool zero_int = nint == 0;
    bool shown_any = false;
    int lead = pre - nint;   /* integer positions before the first digit */
    bool sign_done = sign == SG_OTHER;
    char sign_ch = sign == SG_PR ? (neg ? '<' : ' ')
                   : sign == SG_S_LEAD ? (neg ? '-' : '+') : (neg ? '-' : ' ');
    int pos = 0, fpos = 0;
    bool after_point = false;
#define PUT_SIGN()                                             \
    do {                                                       \
        if (!sign_done) {                                      \
            if (sign_ch != ' ' || !fm)                         \
                sl_buf_putc(b, sign_ch);                       \
            sign_done = true;                                  \
        }                                                      \
    } while (0)
    for (size_t i = 0; i < fn;) {
        char c = fmt[i];
        if (c == '9' || c == '0') {
            if (!after_point) {
                if (overflow) {
                    PUT_SIGN();
                    sl_buf_putc(b, '#');
                } else if (pos >= lead) {
                    PUT_SIGN();
                    sl_buf_putc(b, id[pos - lead]);
                    shown_any = true;
                } else if (pos >= zs || (zero_int && pos == pre - 1 && !(point && fmt_post > 0))) {
                    PUT_SIGN();
                    sl_buf_putc(b, '0');
                    shown_any = true;
                } else if (!fm) {
                    sl_buf_putc(b, ' ');
                }
                pos++;
            } else {
                if (overflow) {
                    if (fpos < post)
                        sl_buf_putc(b, '#');
                } else if (fpos < (fm ? last : post)) {
                    sl_buf_putc(b, id[nint + fpos]);
                    shown_any = true;
                }
                fpos++;
            }
            i++;
        } else if (c == '.' || c == 'D' || c == 'd') {
            if ((fmt_post > 0 || overflow) && !no_point) {   /* no fraction positions: no point */
                if (fm && !overflow && !shown_any && last == 0) {
                    PUT_SIGN();
                    sl_buf_putc(b, '0');   /* FM: "0." rather than "." */
                }
                PUT_SIGN();
                sl_buf_putc(b, '.');
            }
            after_point = true;
            i++;
        } else if (c == ',' || c == 'G' || c == 'g') {
            if (sign_done && (overflow || shown_any || pos > lead || pos > zs))
                sl_buf_putc(b, overflow ? ',' : ',');
            else if (!fm)
                sl_buf_putc(b, ' ');
            i++;
        } else if (at2(fmt, fn, i, 'F', 'M')) {
            i += 2;
        } else if (at2(fmt, fn, i, 'P', 'R')) {
            if (neg)
                sl_buf_putc(b, '>');
            else if (!fm)
                sl_buf_putc(b, ' ');
            i += 2;
        } else if (at2(fmt, fn, i, 'S', 'G')) {
            sl_buf_putc(b, neg ? '-' : '+');
            i += 2;
        } else if (at2(fmt, fn, i, 'P', 'L')) {
            sl_buf_putc(b, neg ? ' ' : '+');
            i += 2;
        } else if (at2(fmt, fn, i, 'M', 'I')) {
            if (neg)
                sl_buf_putc(b, '-');
            else if (!fm)
                sl_buf_putc(b, ' ');
            i += 2;
        } else if (c == 'S' || c == 's') {
            if (sign == SG_OTHER)
                sl_buf_putc(b, neg ? '-' : '+');
            i++;
        } else if (at2(fmt, fn, i, 'T', 'H')) {
            if (!neg && !overflow && !point) {   /* not for a negative or decimal number */
                if (no_point) {   /* get_th of NaN or Infinity */
                    sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                                 "\"%s\" is not a number", digs);
                    free(heap);
                    return SL_ERR;
                }
                int64_t a2 = 0;
                for (int k = nint > 2 ? nint - 2 : 0; k < nint; k++)
                    a2 = a2 * 10 + (id[k] - '0');
                int64_t a1 = a2 % 10;
                const char *th = (a2 >= 11 && a2 <= 13) ? "th"
                                 : a1 == 1 ? "st" : a1 == 2 ? "nd" : a1 == 3 ? "rd" : "th";
                if (c == 'T')
                    sl_buf_printf(b, "%c%c", th[0] - 32, th[1] - 32);
                else
                    sl_buf_puts(b, th);
            }
            i += 2;
        } else if (c == 'V' || c == 'v' || c == 'B' || c == 'b') {
            i++;   /* B: accepted, writes nothing (as PostgreSQL's) */
        } else if (c == 'L' || c == 'l') {
            sl_buf_putc(b, ' ');   /* the C locale's currency symbol */
            i++;
        } else if (i + 3 < fn && strncasecmp(fmt + i, "EEEE", 4) == 0) {
            i += 4;
        } else if (c == '"') {
            i++;
            while (i < fn && fmt[i] != '"') {
                if (fmt[i] == '\\' && i + 1 < fn)
                    i++;
                sl_buf_putc(b, fmt[i++]);
            }
            i++;
        } else {
            if (c == '\\' && i + 1 < fn && fmt[i + 1] == '"')
                i++;
            sl_buf_putc(b, fmt[i++]);
        }
    }
#undef PUT_SIGN
    free(heap);
    return SL_OK;
}

static int f_to_char_num(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                         sl_datum_t *out, sl_error_t *err)
{
    if (a[1].v.s.n == 0) {
        out->null = true;
        return SL_OK;
    }
    sl_type_t t = e->args[0]->type;
    bool is_int = sl_type_is_integer(t);
    double v = is_int || t == SL_T_NUMERIC ? (double)a[0].v.i : a[0].v.f;
    if (t == SL_T_FLOAT4)
        v = (double)(float)v;
    sl_num_t nv;
    if (t == SL_T_NUMERIC) {   /* exact: digits from the numeric itself */
        sl_num_init(&nv);
        sl_numeric_get(&a[0], &nv);
    }
    sl_buf_t b = SL_BUF_INIT;
    int rc = to_char_num(v, is_int, a[0].v.i, t == SL_T_NUMERIC ? &nv : NULL,
                         t == SL_T_FLOAT4 ? 6 : 15, a[1].v.s.p, a[1].v.s.n, &b, err);
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
