/*
 * array.c: one-dimensional arrays of the scalar types (see array.h):
 * the type table, the packed representation, PostgreSQL 15's array_in
 * (ArrayCount's state machine and its DETAIL messages, then ReadArrayStr's
 * de-quoting) and array_out, comparison, equality and hashing.
 */
#include "util/array.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    sl_type_t array, elem;
} array_types[] = {
    {SL_T_BOOL_ARRAY, SL_T_BOOL},
    {SL_T_INT2_ARRAY, SL_T_INT2},
    {SL_T_INT4_ARRAY, SL_T_INT4},
    {SL_T_INT8_ARRAY, SL_T_INT8},
    {SL_T_FLOAT4_ARRAY, SL_T_FLOAT4},
    {SL_T_FLOAT8_ARRAY, SL_T_FLOAT8},
    {SL_T_TEXT_ARRAY, SL_T_TEXT},
    {SL_T_TIMESTAMPTZ_ARRAY, SL_T_TIMESTAMPTZ},
    {SL_T_TIMESTAMP_ARRAY, SL_T_TIMESTAMP},
    {SL_T_NUMERIC_ARRAY, SL_T_NUMERIC},
    {SL_T_INTERVAL_ARRAY, SL_T_INTERVAL},
    {SL_T_JSONB_ARRAY, SL_T_JSONB},
    {SL_T_DATE_ARRAY, SL_T_DATE},
    {SL_T_TIME_ARRAY, SL_T_TIME},
    {SL_T_UUID_ARRAY, SL_T_UUID},
};
#define NARRAY_TYPES (sizeof(array_types) / sizeof(array_types[0]))

sl_type_t sl_type_elem(sl_type_t t)
{
    for (size_t i = 0; i < NARRAY_TYPES; i++)
        if (array_types[i].array == t)
            return array_types[i].elem;
    return SL_T_UNKNOWN;
}

sl_type_t sl_type_array_of(sl_type_t t)
{
    for (size_t i = 0; i < NARRAY_TYPES; i++)
        if (array_types[i].elem == t)
            return array_types[i].array;
    return SL_T_UNKNOWN;
}

/* How an element is packed: a length and bytes (slice types), 16 bytes
 * (.v.iv, .v.u) or 8 (.v.i / .v.f). */
static bool elem_is_text(sl_type_t elem)
{
    return elem == SL_T_TEXT || elem == SL_T_UNKNOWN || elem == SL_T_NUMERIC ||
           elem == SL_T_JSONB;
}

static size_t elem_fixed_size(sl_type_t elem)
{
    return elem == SL_T_INTERVAL || elem == SL_T_UUID ? 16 : 8;
}

/* ---- the packed form ---- */

uint32_t sl_array_count(const sl_datum_t *a)
{
    uint32_t n = 0;
    if (a->v.s.n >= 4)
        memcpy(&n, a->v.s.p, 4);
    return n;
}

void sl_array_iter_init(sl_array_iter_t *it, sl_type_t array_type, const sl_datum_t *a)
{
    it->elem = sl_type_elem(array_type);
    it->left = sl_array_count(a);
    it->p = a->v.s.n >= 4 ? a->v.s.p + 4 : a->v.s.p;
    it->end = a->v.s.p + a->v.s.n;
}

bool sl_array_next(sl_array_iter_t *it, sl_datum_t *out)
{
    memset(out, 0, sizeof(*out));
    if (it->left == 0 || it->p >= it->end)
        return false;
    it->left--;
    if (*it->p++ == 0) {
        out->null = true;
        return true;
    }
    if (elem_is_text(it->elem)) {
        uint32_t n;
        memcpy(&n, it->p, 4);
        out->v.s.p = it->p + 4;
        out->v.s.n = n;
        it->p += 4 + n;
    } else {
        size_t sz = elem_fixed_size(it->elem);
        memcpy(&out->v, it->p, sz);
        it->p += sz;
    }
    return true;
}

void sl_array_build_begin(sl_array_builder_t *ab, sl_type_t elem)
{
    ab->elem = elem;
    ab->n = 0;
    ab->b = (sl_buf_t)SL_BUF_INIT;
    uint32_t zero = 0;
    sl_buf_append(&ab->b, &zero, 4);
}

void sl_array_build_add(sl_array_builder_t *ab, const sl_datum_t *v)
{
    ab->n++;
    sl_buf_putc(&ab->b, v->null ? 0 : 1);
    if (v->null)
        return;
    if (elem_is_text(ab->elem)) {
        uint32_t n = v->v.s.n;
        sl_buf_append(&ab->b, &n, 4);
        if (n)
            sl_buf_append(&ab->b, v->v.s.p, n);
    } else {
        sl_buf_append(&ab->b, &v->v, elem_fixed_size(ab->elem));
    }
}

void sl_array_build_end(sl_array_builder_t *ab, sl_arena_t *a, sl_datum_t *out)
{
    memcpy(ab->b.data, &ab->n, 4);
    char *p = sl_alloc(a, ab->b.len);
    memcpy(p, ab->b.data, ab->b.len);
    memset(out, 0, sizeof(*out));
    out->v.s.p = p;
    out->v.s.n = (uint32_t)ab->b.len;
    sl_buf_free(&ab->b);
}

void sl_array_build_abort(sl_array_builder_t *ab)
{
    sl_buf_free(&ab->b);
}

/* ---- array_in ---- */

static bool array_isspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

#define QMAX 200

static int malformed(const char *s, uint32_t n, sl_error_t *err, const char *detail, char c)
{
    sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0, "malformed array literal: \"%.*s\"",
                 (int)(n > QMAX ? QMAX : n), s);
    if (c)
        sl_error_detail(err, detail, c);
    else
        sl_error_detail(err, "%s", detail);
    return SL_ERR;
}

enum {
    P_NO_LEVEL, P_LEVEL_STARTED, P_ELEM_STARTED, P_QUOTED_ELEM_STARTED,
    P_QUOTED_ELEM_COMPLETED, P_ELEM_DELIMITED, P_LEVEL_COMPLETED, P_LEVEL_DELIMITED
};

#define MAXDIM 6

/* ArrayCount's checks over s[0..n) (from the '{'), with its messages:
 * SL_OK when the text is a well-formed array, *ndim its dimensions (0
 * when it has no element). */
static int array_check(const char *s, uint32_t n, int *ndim_out, sl_error_t *err)
{
    int st = P_NO_LEVEL, nest = 0, ndim = 1;
    int nelems[MAXDIM], nelems_last[MAXDIM] = {0};
    for (int k = 0; k < MAXDIM; k++)
        nelems[k] = 1;
    bool in_quotes = false, empty = true;
    uint32_t i = 0;
    for (bool eoa = false; !eoa; i++) {
        if (st == P_ELEM_STARTED || st == P_QUOTED_ELEM_STARTED)
            empty = false;
        char c = i < n ? s[i] : '\0';
        switch (c) {
        case '\0':
            return malformed(s, n, err, "Unexpected end of input.", 0);
        case '\\':
            if (st != P_LEVEL_STARTED && st != P_ELEM_STARTED && st != P_QUOTED_ELEM_STARTED &&
                st != P_ELEM_DELIMITED)
                return malformed(s, n, err, "Unexpected \"%c\" character.", '\\');
            if (st != P_QUOTED_ELEM_STARTED)
                st = P_ELEM_STARTED;
            if (i + 1 >= n || s[i + 1] == '\0')
                return malformed(s, n, err, "Unexpected end of input.", 0);
            i++;
            break;
        case '"':
            if (st != P_LEVEL_STARTED && st != P_QUOTED_ELEM_STARTED && st != P_ELEM_DELIMITED)
                return malformed(s, n, err, "Unexpected array element.", 0);
            in_quotes = !in_quotes;
            st = in_quotes ? P_QUOTED_ELEM_STARTED : P_QUOTED_ELEM_COMPLETED;
            break;
        case '{':
            if (in_quotes)
                break;
            if (st != P_NO_LEVEL && st != P_LEVEL_STARTED && st != P_LEVEL_DELIMITED)
                return malformed(s, n, err, "Unexpected \"%c\" character.", '{');
            st = P_LEVEL_STARTED;
            if (nest >= MAXDIM)
                return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                                    "number of array dimensions (%d) exceeds the maximum allowed (%d)",
                                    nest + 1, MAXDIM);
            nest++;
            if (ndim < nest)
                ndim = nest;
            break;
        case '}':
            if (in_quotes)
                break;
            if (st != P_ELEM_STARTED && st != P_QUOTED_ELEM_COMPLETED &&
                st != P_LEVEL_COMPLETED && !(nest == 1 && st == P_LEVEL_STARTED))
                return malformed(s, n, err, "Unexpected \"%c\" character.", '}');
            st = P_LEVEL_COMPLETED;
            nest--;
            if (nelems_last[nest] != 0 && nelems[nest] != nelems_last[nest])
                return malformed(s, n, err, "Multidimensional arrays must have sub-arrays "
                                            "with matching dimensions.", 0);
            nelems_last[nest] = nelems[nest];
            nelems[nest] = 1;
            eoa = nest == 0;
            break;
        default:
            if (in_quotes)
                break;
            if (c == ',') {
                if (st != P_ELEM_STARTED && st != P_QUOTED_ELEM_COMPLETED &&
                    st != P_LEVEL_COMPLETED)
                    return malformed(s, n, err, "Unexpected \"%c\" character.", ',');
                st = st == P_LEVEL_COMPLETED ? P_LEVEL_DELIMITED : P_ELEM_DELIMITED;
                nelems[nest - 1]++;
            } else if (!array_isspace(c)) {
                if (st != P_LEVEL_STARTED && st != P_ELEM_STARTED && st != P_ELEM_DELIMITED)
                    return malformed(s, n, err, "Unexpected array element.", 0);
                st = P_ELEM_STARTED;
            }
            break;
        }
    }
    for (; i < n; i++)
        if (!array_isspace(s[i]))
            return malformed(s, n, err, "Junk after closing right brace.", 0);
    *ndim_out = empty ? 0 : ndim;
    return SL_OK;
}

int sl_array_input(sl_type_t array_type, int typmod, const char *s, uint32_t n,
                   sl_arena_t *a, sl_datum_t *out, sl_error_t *err)
{
    sl_type_t elem = sl_type_elem(array_type);
    uint32_t i = 0;
    while (i < n && array_isspace(s[i]))
        i++;
    if (i < n && s[i] == '[')
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "array bounds in array literals are not supported");
    if (i >= n || s[i] != '{')
        return malformed(s, n, err, "Array value must start with \"{\" or dimension information.", 0);
    int ndim = 0;
    /* ArrayCount quotes the text from its '{' */
    if (array_check(s + i, n - i, &ndim, err) != SL_OK)
        return SL_ERR;
    if (ndim > 1)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "multidimensional arrays are not supported");
    bool empty = ndim == 0;

    sl_array_builder_t ab;
    sl_array_build_begin(&ab, elem);
    sl_buf_t item = SL_BUF_INIT;
    i++;   /* past '{' */
    while (!empty) {
        /* ReadArrayStr: one element up to its ',' or the final '}' */
        bool in_quotes = false, leading = true, quoted = false, last = false;
        size_t keep = 0;   /* length without trailing unquoted whitespace */
        sl_buf_reset(&item);
        for (;; i++) {
            char c = s[i];
            if (c == '\\') {
                sl_buf_putc(&item, s[++i]);
                leading = false;
                keep = item.len;
                quoted = true;
            } else if (c == '"') {
                in_quotes = !in_quotes;
                if (in_quotes)
                    leading = false;
                else
                    keep = item.len;
                quoted = true;
            } else if (in_quotes) {
                sl_buf_putc(&item, c);
            } else if (c == ',' || c == '}') {
                last = c == '}';
                i++;
                break;
            } else if (array_isspace(c)) {
                if (!leading)
                    sl_buf_putc(&item, c);
            } else {
                sl_buf_putc(&item, c);
                leading = false;
                keep = item.len;
            }
        }
        sl_datum_t v;
        memset(&v, 0, sizeof(v));
        if (!quoted && keep == 4 && strncasecmp(item.data, "NULL", 4) == 0) {
            v.null = true;
        } else {
            const char *p = keep ? item.data : "";
            if (sl_type_input(elem, typmod, p, (uint32_t)keep, a, &v, err) != SL_OK) {
                sl_buf_free(&item);
                sl_array_build_abort(&ab);
                return SL_ERR;
            }
        }
        sl_array_build_add(&ab, &v);
        if (last)
            break;
    }
    sl_buf_free(&item);
    sl_array_build_end(&ab, a, out);
    return SL_OK;
}

/* ---- array_out ---- */

static void put_elem(sl_type_t elem, const sl_datum_t *v, sl_buf_t *b, sl_buf_t *tmp)
{
    if (v->null) {
        sl_buf_puts(b, "NULL");
        return;
    }
    if (elem == SL_T_BOOL) {
        sl_buf_putc(b, v->v.i ? 't' : 'f');
        return;
    }
    sl_buf_reset(tmp);
    sl_type_output(elem, v, tmp);
    const char *p = tmp->len ? tmp->data : "";
    size_t n = tmp->len;
    bool quote = n == 0 || (n == 4 && strncasecmp(p, "NULL", 4) == 0);
    for (size_t k = 0; k < n && !quote; k++)
        quote = p[k] == '{' || p[k] == '}' || p[k] == ',' || p[k] == '"' || p[k] == '\\' ||
                array_isspace(p[k]);
    if (!quote) {
        sl_buf_append(b, p, n);
        return;
    }
    sl_buf_putc(b, '"');
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '"' || p[k] == '\\')
            sl_buf_putc(b, '\\');
        sl_buf_putc(b, p[k]);
    }
    sl_buf_putc(b, '"');
}

void sl_array_output(sl_type_t array_type, const sl_datum_t *d, sl_buf_t *b)
{
    sl_array_iter_t it;
    sl_datum_t v;
    sl_buf_t tmp = SL_BUF_INIT;
    sl_array_iter_init(&it, array_type, d);
    sl_buf_putc(b, '{');
    for (bool first = true; sl_array_next(&it, &v); first = false) {
        if (!first)
            sl_buf_putc(b, ',');
        put_elem(it.elem, &v, b, &tmp);
    }
    sl_buf_putc(b, '}');
    sl_buf_free(&tmp);
}

void sl_array_output_datums(sl_type_t elem, const sl_datum_t *v, uint32_t n, sl_buf_t *b)
{
    sl_buf_t tmp = SL_BUF_INIT;
    sl_buf_putc(b, '{');
    for (uint32_t k = 0; k < n; k++) {
        if (k > 0)
            sl_buf_putc(b, ',');
        put_elem(elem, &v[k], b, &tmp);
    }
    sl_buf_putc(b, '}');
    sl_buf_free(&tmp);
}

/* ---- comparison ---- */

int sl_array_cmp(sl_type_t array_type, const sl_datum_t *x, const sl_datum_t *y)
{
    sl_array_iter_t ix, iy;
    sl_datum_t a, b;
    sl_array_iter_init(&ix, array_type, x);
    sl_array_iter_init(&iy, array_type, y);
    for (;;) {
        bool ha = sl_array_next(&ix, &a), hb = sl_array_next(&iy, &b);
        if (!ha || !hb)
            return ha ? 1 : hb ? -1 : 0;
        if (a.null || b.null) {
            if (a.null && b.null)
                continue;
            return a.null ? 1 : -1;
        }
        int c = sl_datum_cmp(ix.elem, &a, &b);
        if (c != 0)
            return c;
    }
}

bool sl_array_eq(sl_type_t array_type, const sl_datum_t *x, const sl_datum_t *y)
{
    if (sl_array_count(x) != sl_array_count(y))
        return false;
    sl_array_iter_t ix, iy;
    sl_datum_t a, b;
    sl_array_iter_init(&ix, array_type, x);
    sl_array_iter_init(&iy, array_type, y);
    while (sl_array_next(&ix, &a) && sl_array_next(&iy, &b))
        if (!sl_datum_eq(ix.elem, &a, &b))
            return false;
    return true;
}

uint64_t sl_array_hash(sl_type_t array_type, const sl_datum_t *d)
{
    sl_array_iter_t it;
    sl_datum_t v;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    sl_array_iter_init(&it, array_type, d);
    while (sl_array_next(&it, &v))
        h = (h * UINT64_C(31)) ^ sl_datum_hash(it.elem, &v);
    return h ^ (h >> 29);
}
