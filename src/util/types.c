/*
 * types.c: input and output of Sluice's types with PostgreSQL 15's rules,
 * and the comparison, hashing and equality used by grouping; see types.h.
 *
 *   integers    int2in/int4in/int8in: whitespace, sign, decimal digits
 *   floats      float4in/float8in: strtod plus NaN / [+-]Infinity / inf;
 *               output is the shortest text that reads back exactly
 *   numeric     exact (numeric.c): its output text in .v.s
 *   boolean     boolin's words and unique prefixes; output "true"/"false"
 *   text        valid UTF-8 without NUL; varchar(n) length rule
 *   timestamps  ISO 8601 / RFC 3339 with an optional BC/AD, session
 *               TimeZone UTC, int64 microseconds since 2000-01-01 as in
 *               PostgreSQL (INT64_MIN/MAX = -/+infinity), PostgreSQL's
 *               range 4714-11-24 BC .. 294276-12-31 23:59:59.999999
 *
 * Messages and SQLSTATEs are PostgreSQL's, quoting the input as given.
 */
#include "util/types.h"
#include "util/array.h"
#include "util/jsonb.h"

#include "util/numeric.h"
#include "util/datetime.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY INT64_C(86400000000)

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Quotes at most this many input bytes in a message (PostgreSQL quotes the
 * whole input; messages are bounded here). */
#define QMAX 200

/* ---- integers ---- */

/* Parses s[0..n) as int64 within [min, max]; on failure fills err with
 * the message for type name tname. */
static int int_input(const char *s, uint32_t n, int64_t min, int64_t max,
                     const char *tname, int64_t *out, sl_error_t *err)
{
    const char *p = s, *e = s + n;
    while (p < e && is_space(*p))
        p++;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-'))
        neg = (*p++ == '-');
    if (p == e || !isdigit((unsigned char)*p))
        goto syntax;
    /* Accumulate as a negative number so INT64_MIN fits. */
    int64_t v = 0;
    bool overflow = false;
    while (p < e && isdigit((unsigned char)*p)) {
        int d = *p++ - '0';
        if (!overflow && (__builtin_mul_overflow(v, 10, &v) ||
                          __builtin_sub_overflow(v, d, &v)))
            overflow = true;
    }
    while (p < e && is_space(*p))
        p++;
    if (p != e)
        goto syntax;
    if (!overflow && !neg) {
        if (v == INT64_MIN)
            overflow = true;
        else
            v = -v;
    }
    if (overflow || v < min || v > max)
        return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                            "value \"%.*s\" is out of range for type %s",
                            (int)(n > QMAX ? QMAX : n), s, tname);
    *out = v;
    return SL_OK;
syntax:
    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                        "invalid input syntax for type %s: \"%.*s\"", tname,
                        (int)(n > QMAX ? QMAX : n), s);
}

/* ---- floats ---- */

/* Parses s[0..n) like float8in (single = false) or float4in (single). */
static int float_input(const char *s, uint32_t n, bool single,
                       const char *tname, double *out, sl_error_t *err)
{
    char small[128];
    char *buf = n < sizeof(small) ? small : malloc((size_t)n + 1);
    if (buf == NULL)
        sl_panic("out of memory");
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *p = buf;
    while (*p && is_space(*p))
        p++;
    int rc = SL_OK;
    double v = 0;
    char *end;
    if (*p == '\0')
        goto syntax;
    if (memchr(buf, '\0', n) != NULL)
        goto syntax;
    errno = 0;
    v = single ? (double)strtof(p, &end) : strtod(p, &end);
    if (end == p) {
        /* strtod did not take it: PostgreSQL's own spellings. */
        static const struct {
            const char *w;
            double v;
        } words[] = {{"NaN", NAN},           {"Infinity", INFINITY},
                     {"+Infinity", INFINITY}, {"-Infinity", -INFINITY},
                     {"inf", INFINITY},       {"+inf", INFINITY},
                     {"-inf", -INFINITY}};
        size_t i;
        for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
            size_t l = strlen(words[i].w);
            if (strncasecmp(p, words[i].w, l) == 0) {
                v = words[i].v;
                end = (char *)p + l;
                break;
            }
        }
        if (i == sizeof(words) / sizeof(words[0]))
            goto syntax;
    } else if (errno == ERANGE) {
        /* Denormals are accepted; only true overflow/underflow fails. */
        if (v == 0.0 || isinf(v)) {
            rc = sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                              "\"%.*s\" is out of range for type %s",
                              (int)(end - p > QMAX ? QMAX : end - p), p, tname);
            goto done;
        }
    }
    while (*end && is_space(*end))
        end++;
    if (*end != '\0')
        goto syntax;
    *out = v;
    goto done;
syntax:
    rc = sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                      "invalid input syntax for type %s: \"%.*s\"", tname,
                      (int)(n > QMAX ? QMAX : n), s);
done:
    if (buf != small)
        free(buf);
    return rc;
}

/* Appends the shortest decimal text of v that reads back as the same
 * double (or float, when single). */
static void float_output(double v, bool single, sl_buf_t *b)
{
    if (isnan(v)) {
        sl_buf_puts(b, "NaN");
        return;
    }
    if (isinf(v)) {
        sl_buf_puts(b, v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char tmp[40];
    int lo = single ? 6 : 15, hi = single ? 9 : 17;
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (single ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
            break;
    }
    sl_buf_puts(b, tmp);
}

/* ---- boolean ---- */

static int bool_input(const char *s, uint32_t n, int64_t *out, sl_error_t *err)
{
    const char *p = s, *e = s + n;
    while (p < e && is_space(*p))
        p++;
    while (e > p && is_space(e[-1]))
        e--;
    size_t len = (size_t)(e - p);
    if (len > 0 && memchr(p, '\0', len) == NULL) {
        switch (*p) {
        case 't': case 'T':
            if (strncasecmp(p, "true", len) == 0 && len <= 4)
                return *out = 1, SL_OK;
            break;
        case 'f': case 'F':
            if (strncasecmp(p, "false", len) == 0 && len <= 5)
                return *out = 0, SL_OK;
            break;
        case 'y': case 'Y':
            if (strncasecmp(p, "yes", len) == 0 && len <= 3)
                return *out = 1, SL_OK;
            break;
        case 'n': case 'N':
            if (strncasecmp(p, "no", len) == 0 && len <= 2)
                return *out = 0, SL_OK;
            break;
        case 'o': case 'O':
            /* "o" alone is ambiguous between on and off */
            if (len >= 2 && len <= 2 && strncasecmp(p, "on", 2) == 0)
                return *out = 1, SL_OK;
            if (len >= 2 && len <= 3 && strncasecmp(p, "off", len) == 0)
                return *out = 0, SL_OK;
            break;
        case '1':
            if (len == 1)
                return *out = 1, SL_OK;
            break;
        case '0':
            if (len == 1)
                return *out = 0, SL_OK;
            break;
        }
    }
    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                        "invalid input syntax for type boolean: \"%.*s\"",
                        (int)(n > QMAX ? QMAX : n), s);
}

/* ---- text ---- */

/* Length of the UTF-8 character starting with lead byte c as PostgreSQL's
 * pg_utf_mblen computes it (1 for invalid lead bytes). */
static int utf8_mblen(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    if ((c & 0xf8) == 0xf0)
        return 4;
    return 1;
}

/* Checks s[0..n) is valid UTF-8 without NUL; on failure reports the bad
 * sequence as PostgreSQL's report_invalid_encoding does.  On success sets
 * *nchars to the number of characters. */
static int utf8_verify(const char *s, uint32_t n, uint32_t *nchars,
                       sl_error_t *err)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    uint32_t count = 0;
    while (p < e) {
        /* ASCII fast path, 8 bytes at a time */
        while (e - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if ((w & UINT64_C(0x8080808080808080)) != 0 ||
                ((w - UINT64_C(0x0101010101010101)) & ~w &
                 UINT64_C(0x8080808080808080)) != 0)
                break;
            p += 8;
            count += 8;
        }
        if (p >= e)
            break;
        unsigned char c = *p;
        int l = 1;
        bool ok;
        if (c == 0) {
            ok = false;
        } else if (c < 0x80) {
            ok = true;
        } else {
            l = utf8_mblen(c);
            ok = l > 1 && e - p >= l;
            if (ok) {
                unsigned char c1 = p[1];
                switch (l) {
                case 2:
                    ok = c >= 0xc2 && c1 >= 0x80 && c1 <= 0xbf;
                    break;
                case 3:
                    if (c == 0xe0)
                        ok = c1 >= 0xa0 && c1 <= 0xbf;
                    else if (c == 0xed)
                        ok = c1 >= 0x80 && c1 <= 0x9f;
                    else
                        ok = c1 >= 0x80 && c1 <= 0xbf;
                    ok = ok && p[2] >= 0x80 && p[2] <= 0xbf;
                    break;
                case 4:
                    if (c == 0xf0)
                        ok = c1 >= 0x90 && c1 <= 0xbf;
                    else if (c == 0xf4)
                        ok = c1 >= 0x80 && c1 <= 0x8f;
                    else
                        ok = c <= 0xf4 && c1 >= 0x80 && c1 <= 0xbf;
                    ok = ok && p[2] >= 0x80 && p[2] <= 0xbf && p[3] >= 0x80 &&
                         p[3] <= 0xbf;
                    break;
                }
            }
        }
        if (!ok) {
            char hex[32];
            int jlimit = (int)(e - p) < l ? (int)(e - p) : l;
            int k = 0;
            for (int j = 0; j < jlimit; j++)
                k += snprintf(hex + k, sizeof(hex) - (size_t)k, "%s0x%02x",
                              j ? " " : "", p[j]);
            return sl_error_set(err, "22021", 0,
                                "invalid byte sequence for encoding \"UTF8\": %s",
                                hex);
        }
        p += l;
        count++;
    }
    *nchars = count;
    return SL_OK;
}

static int text_input(int typmod, const char *s, uint32_t n, sl_datum_t *out,
                      sl_error_t *err)
{
    uint32_t nchars = 0;
    if (utf8_verify(s, n, &nchars, err) != SL_OK)
        return SL_ERR;
    if (typmod >= 0 && nchars > (uint32_t)typmod) {
        /* Byte offset of character number typmod. */
        uint32_t off = 0;
        for (int c = 0; c < typmod; c++)
            off += (uint32_t)utf8_mblen((unsigned char)s[off]);
        for (uint32_t j = off; j < n; j++)
            if (s[j] != ' ')
                return sl_error_set(err, SL_ERRCODE_STRING_TOO_LONG, 0,
                                    "value too long for type character varying(%d)",
                                    typmod);
        n = off;
    }
    out->v.s.p = s;
    out->v.s.n = n;
    return SL_OK;
}

/* ---- timestamps ---- */

#define DAYS_1970_TO_2000 SL_DAYS_1970_2000

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    sl_civil_from_days(z, y, m, d);
}

static void ts_output(int64_t v, bool tz, sl_buf_t *b)
{
    if (v == INT64_MAX) {
        sl_buf_puts(b, "infinity");
        return;
    }
    if (v == INT64_MIN) {
        sl_buf_puts(b, "-infinity");
        return;
    }
    int64_t days = v / US_PER_DAY, us = v % US_PER_DAY;
    if (us < 0) {
        us += US_PER_DAY;
        days--;
    }
    days += DAYS_1970_TO_2000;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    bool bc = y <= 0;
    int64_t secs = us / US_PER_SEC, frac = us % US_PER_SEC, yy = bc ? 1 - y : y;
    if (yy <= 9999) {
        /* the digits written in place (a flush writes many: printf's cost) */
        char t[19];
        int f[6] = {m, d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
        t[0] = (char)('0' + yy / 1000);
        t[1] = (char)('0' + yy / 100 % 10);
        t[2] = (char)('0' + yy / 10 % 10);
        t[3] = (char)('0' + yy % 10);
        for (int i = 0; i < 5; i++) {
            t[4 + 3 * i] = "-- ::"[i];
            t[5 + 3 * i] = (char)('0' + f[i] / 10);
            t[6 + 3 * i] = (char)('0' + f[i] % 10);
        }
        sl_buf_append(b, t, sizeof(t));
    } else {
        sl_buf_printf(b, "%04" PRId64 "-%02d-%02d %02d:%02d:%02d", yy, m, d,
                      (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    }
    if (frac) {
        char f[8];
        snprintf(f, sizeof(f), "%06d", (int)frac);
        int l = 6;
        while (f[l - 1] == '0')
            l--;
        sl_buf_putc(b, '.');
        sl_buf_append(b, f, (size_t)l);
    }
    if (tz)
        sl_buf_puts(b, "+00");
    if (bc)
        sl_buf_puts(b, " BC");
}

/* ---- the interface ---- */

int sl_type_input(sl_type_t t, int typmod, const char *s, uint32_t n,
                  sl_arena_t *a, sl_datum_t *out, sl_error_t *err)
{
    sl_datum_t d;
    memset(&d, 0, sizeof(d));
    int rc;
    if (sl_type_is_array(t))
        return sl_array_input(t, typmod, s, n, a, out, err);
    switch (t) {
    case SL_T_BOOL:
        rc = bool_input(s, n, &d.v.i, err);
        break;
    case SL_T_INT2:
        rc = int_input(s, n, INT16_MIN, INT16_MAX, "smallint", &d.v.i, err);
        break;
    case SL_T_INT4:
        rc = int_input(s, n, INT32_MIN, INT32_MAX, "integer", &d.v.i, err);
        break;
    case SL_T_INT8:
        rc = int_input(s, n, INT64_MIN, INT64_MAX, "bigint", &d.v.i, err);
        break;
    case SL_T_FLOAT4:
        rc = float_input(s, n, true, "real", &d.v.f, err);
        break;
    case SL_T_FLOAT8:
        rc = float_input(s, n, false, "double precision", &d.v.f, err);
        break;
    case SL_T_NUMERIC:
        rc = sl_numeric_input(s, n, typmod, a, &d, err);
        break;
    case SL_T_TIMESTAMPTZ:
        rc = sl_ts_input(true, s, n, &d.v.i, err);
        break;
    case SL_T_TIMESTAMP:
        rc = sl_ts_input(false, s, n, &d.v.i, err);
        break;
    case SL_T_DATE:
        rc = sl_date_input(s, n, &d.v.i, err);
        break;
    case SL_T_TIME:
        rc = sl_time_input(s, n, &d.v.i, err);
        break;
    case SL_T_UUID:
        rc = sl_uuid_input(s, n, d.v.u, err);
        break;
    case SL_T_INTERVAL:
        rc = sl_interval_input(s, n, &d.v.iv, err);
        break;
    case SL_T_JSONB:
        rc = sl_jsonb_input(s, n, a, &d, err);
        break;
    case SL_T_TEXT:
    case SL_T_UNKNOWN:
    default:
        rc = text_input(t == SL_T_TEXT ? typmod : -1, s, n, &d, err);
        break;
    }
    (void)a;
    if (rc == SL_OK)
        *out = d;
    return rc;
}

void sl_type_output(sl_type_t t, const sl_datum_t *d, sl_buf_t *b)
{
    char tmp[32];
    if (sl_type_is_array(t)) {
        sl_array_output(t, d, b);
        return;
    }
    switch (t) {
    case SL_T_BOOL:
        sl_buf_puts(b, d->v.i ? "true" : "false");
        break;
    case SL_T_INT2:
    case SL_T_INT4:
    case SL_T_INT8: {
        /* digits from the right (a flush writes a key or count a group) */
        uint64_t u = d->v.i < 0 ? -(uint64_t)d->v.i : (uint64_t)d->v.i;
        int i = sizeof(tmp);
        do {
            tmp[--i] = (char)('0' + (int)(u % 10));
            u /= 10;
        } while (u);
        if (d->v.i < 0)
            tmp[--i] = '-';
        sl_buf_append(b, tmp + i, sizeof(tmp) - (size_t)i);
        break;
    }
    case SL_T_FLOAT4:
        float_output(d->v.f, true, b);
        break;
    case SL_T_FLOAT8:
        float_output(d->v.f, false, b);
        break;
    case SL_T_TIMESTAMPTZ:
        ts_output(d->v.i, true, b);
        break;
    case SL_T_TIMESTAMP:
        ts_output(d->v.i, false, b);
        break;
    case SL_T_INTERVAL:
        sl_interval_output(&d->v.iv, b);
        break;
    case SL_T_DATE:
        sl_date_output(d->v.i, b);
        break;
    case SL_T_TIME:
        sl_time_output(d->v.i, b);
        break;
    case SL_T_UUID:
        sl_uuid_output(d->v.u, b);
        break;
    case SL_T_TEXT:
    case SL_T_UNKNOWN:
    default:
        sl_buf_append(b, d->v.s.p, d->v.s.n);
        break;
    }
}

/* PostgreSQL's float ordering: NaN equals NaN and sorts above all else. */
static int float_cmp(double a, double b)
{
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return a < b ? -1 : a > b ? 1 : 0;
}

/* The text collation: NULL = bytewise. */
static locale_t collation;
static char collation_name[128] = "C";

static bool collation_is_bytewise(const char *name)
{
    return strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0 ||
           strcasecmp(name, "C.UTF-8") == 0 || strcasecmp(name, "C.utf8") == 0;
}

int sl_collation_set(const char *name, sl_error_t *err)
{
    locale_t loc = (locale_t)0;
    if (!collation_is_bytewise(name)) {
        loc = newlocale(LC_COLLATE_MASK, name, (locale_t)0);
        if (loc == (locale_t)0) {
            sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                         "the backing database's collation \"%s\" is not installed here", name);
            sl_error_hint(err, "Generate the locale (e.g. localedef -i en_US -f UTF-8 en_US.UTF-8) "
                               "or use a database created with LC_COLLATE C.");
            return SL_ERR;
        }
    }
    if (collation != (locale_t)0)
        freelocale(collation);
    collation = loc;
    snprintf(collation_name, sizeof(collation_name), "%s", loc ? name : "C");
    return SL_OK;
}

const char *sl_collation_name(void)
{
    return collation_name;
}

static int text_cmp_bytes(const sl_datum_t *a, const sl_datum_t *b)
{
    uint32_t n = a->v.s.n < b->v.s.n ? a->v.s.n : b->v.s.n;
    int c = n ? memcmp(a->v.s.p, b->v.s.p, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return a->v.s.n < b->v.s.n ? -1 : a->v.s.n > b->v.s.n ? 1 : 0;
}

/* strcoll_l needs NUL-terminated strings: short values are copied to the
 * stack, long ones to the heap. */
static int text_cmp_collated(const sl_datum_t *a, const sl_datum_t *b)
{
    char abuf[256], bbuf[256];
    char *x = a->v.s.n < sizeof(abuf) ? abuf : malloc((size_t)a->v.s.n + 1);
    char *y = b->v.s.n < sizeof(bbuf) ? bbuf : malloc((size_t)b->v.s.n + 1);
    if (x == NULL || y == NULL) {
        if (x != abuf)
            free(x);
        if (y != bbuf)
            free(y);
        return text_cmp_bytes(a, b);
    }
    memcpy(x, a->v.s.p, a->v.s.n);
    x[a->v.s.n] = '\0';
    memcpy(y, b->v.s.p, b->v.s.n);
    y[b->v.s.n] = '\0';
    int c = strcoll_l(x, y, collation);
    if (x != abuf)
        free(x);
    if (y != bbuf)
        free(y);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return text_cmp_bytes(a, b);
}

int sl_datum_cmp(sl_type_t t, const sl_datum_t *a, const sl_datum_t *b)
{
    if (sl_type_is_array(t))
        return sl_array_cmp(t, a, b);
    switch (t) {
    case SL_T_FLOAT4:
    case SL_T_FLOAT8:
        return float_cmp(a->v.f, b->v.f);
    case SL_T_NUMERIC:
        return sl_numeric_cmp(a, b);
    case SL_T_TEXT:
    case SL_T_UNKNOWN:
        return collation ? text_cmp_collated(a, b) : text_cmp_bytes(a, b);
    case SL_T_INTERVAL:
        return sl_interval_cmp(&a->v.iv, &b->v.iv);
    case SL_T_JSONB:
        return sl_jsonb_cmp((sl_jb_t){a->v.s.p, a->v.s.n}, (sl_jb_t){b->v.s.p, b->v.s.n});
    case SL_T_UUID: {
        int c = memcmp(a->v.u, b->v.u, 16);
        return c < 0 ? -1 : c > 0;
    }
    default:
        return a->v.i < b->v.i ? -1 : a->v.i > b->v.i ? 1 : 0;
    }
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* Hash of bytes: 8 bytes at a time, each word mixed in. */
static uint64_t hash_bytes(const char *p, uint32_t n)
{
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ mix64(w)) * UINT64_C(0x100000001b3);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ mix64(w ^ ((uint64_t)n << 56))) * UINT64_C(0x100000001b3);
    }
    return mix64(h);
}

uint64_t sl_datum_hash(sl_type_t t, const sl_datum_t *d)
{
    if (d->null)
        return UINT64_C(0x5bd1e9955bd1e995);
    if (sl_type_is_array(t))
        return sl_array_hash(t, d);
    switch (t) {
    case SL_T_NUMERIC:
        return hash_bytes(d->v.s.p, sl_numeric_norm_len(d));
    case SL_T_FLOAT4:
    case SL_T_FLOAT8: {
        double f = d->v.f;
        if (f == 0.0)
            f = 0.0; /* -0.0 hashes as 0.0 */
        if (isnan(f))
            return UINT64_C(0x7ff8000000000000);
        uint64_t w;
        memcpy(&w, &f, 8);
        return mix64(w);
    }
    case SL_T_TEXT:
    case SL_T_UNKNOWN:
        return hash_bytes(d->v.s.p, d->v.s.n);
    case SL_T_INTERVAL: {   /* by span: '1 mon' and '30 days' are equal */
        __int128 span = sl_interval_span(&d->v.iv);
        return mix64((uint64_t)span ^ mix64((uint64_t)(span >> 64)));
    }
    case SL_T_JSONB:
        return sl_jsonb_hash((sl_jb_t){d->v.s.p, d->v.s.n});
    case SL_T_UUID:
        return hash_bytes((const char *)d->v.u, 16);
    default:
        return mix64((uint64_t)d->v.i);
    }
}

bool sl_datum_eq(sl_type_t t, const sl_datum_t *a, const sl_datum_t *b)
{
    if (a->null || b->null)
        return a->null && b->null;
    if (sl_type_is_array(t))
        return sl_array_eq(t, a, b);
    switch (t) {
    case SL_T_FLOAT4:
    case SL_T_FLOAT8:
        return float_cmp(a->v.f, b->v.f) == 0;
    case SL_T_NUMERIC:
        return sl_numeric_cmp(a, b) == 0;
    case SL_T_TEXT:
    case SL_T_UNKNOWN:
        return a->v.s.n == b->v.s.n &&
               (a->v.s.n == 0 || memcmp(a->v.s.p, b->v.s.p, a->v.s.n) == 0);
    case SL_T_INTERVAL:
        return sl_interval_cmp(&a->v.iv, &b->v.iv) == 0;
    case SL_T_JSONB:
        return sl_jsonb_eq((sl_jb_t){a->v.s.p, a->v.s.n}, (sl_jb_t){b->v.s.p, b->v.s.n});
    case SL_T_UUID:
        return memcmp(a->v.u, b->v.u, 16) == 0;
    default:
        return a->v.i == b->v.i;
    }
}

/* ---- the calendar (types.h; sl_days_from_civil ... in datetime.c) ---- */

bool sl_timestamp_valid(int64_t ts)
{
    return ts == INT64_MAX || ts == INT64_MIN || (ts >= SL_TS_MIN && ts < SL_TS_END);
}
