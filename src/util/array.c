/*
 * array.c: arrays of the scalar types (see array.h):
 * the type table, the packed representation and its shape, PostgreSQL
 * 15's array_in (explicit bounds, ArrayCount's state machine and its
 * DETAIL messages, then ReadArrayStr's de-quoting) and array_out,
 * comparison, equality and hashing.
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

#define SHAPED UINT32_C(0x80000000)   /* the count's flag: a shape follows */

static uint32_t header_word(const sl_datum_t *a)
{
    uint32_t w = 0;
    if (a->v.s.n >= 4)
        memcpy(&w, a->v.s.p, 4);
    return w;
}

uint32_t sl_array_count(const sl_datum_t *a)
{
    return header_word(a) & ~SHAPED;
}

/* Bytes before the first element. */
static size_t header_len(const sl_datum_t *a)
{
    uint32_t w = header_word(a);
    if (a->v.s.n < 4)
        return a->v.s.n;
    return (w & SHAPED) ? 5 + 8 * (size_t)(unsigned char)a->v.s.p[4] : 4;
}

void sl_array_shape(const sl_datum_t *a, sl_array_shape_t *sh)
{
    uint32_t w = header_word(a);
    memset(sh, 0, sizeof(*sh));
    if ((w & ~SHAPED) == 0)
        return;
    if (!(w & SHAPED)) {
        sh->ndim = 1;
        sh->dims[0] = (int)w;
        sh->lbs[0] = 1;
        return;
    }
    sh->ndim = (unsigned char)a->v.s.p[4];
    for (int k = 0; k < sh->ndim; k++) {
        int32_t d, l;
        memcpy(&d, a->v.s.p + 5 + 8 * k, 4);
        memcpy(&l, a->v.s.p + 9 + 8 * k, 4);
        sh->dims[k] = d;
        sh->lbs[k] = l;
    }
}

void sl_array_iter_init(sl_array_iter_t *it, sl_type_t array_type, const sl_datum_t *a)
{
    it->elem = sl_type_elem(array_type);
    it->left = sl_array_count(a);
    it->p = a->v.s.p + header_len(a);
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
    ab->shape.ndim = 0;
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

void sl_array_build_shape(sl_array_builder_t *ab, const sl_array_shape_t *sh)
{
    ab->shape = *sh;
}

void sl_array_build_end(sl_array_builder_t *ab, sl_arena_t *a, sl_datum_t *out)
{
    const sl_array_shape_t *sh = &ab->shape;
    bool shaped = ab->n > 0 && sh->ndim > 0 && !(sh->ndim == 1 && sh->lbs[0] == 1);
    size_t extra = shaped ? 1 + 8 * (size_t)sh->ndim : 0;
    uint32_t w = ab->n | (shaped ? SHAPED : 0);
    char *p = sl_alloc(a, ab->b.len + extra);
    memcpy(p, &w, 4);
    if (shaped) {
        p[4] = (char)sh->ndim;
        for (int k = 0; k < sh->ndim; k++) {
            int32_t d = sh->dims[k], l = sh->lbs[k];
            memcpy(p + 5 + 8 * k, &d, 4);
            memcpy(p + 9 + 8 * k, &l, 4);
        }
    }
    memcpy(p + 4 + extra, ab->b.data + 4, ab->b.len - 4);
    memset(out, 0, sizeof(*out));
    out->v.s.p = p;
    out->v.s.n = (uint32_t)(ab->b.len + extra);
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
 * when it has no element) and dims their lengths. */
static int array_check(const char *s, uint32_t n, int *ndim_out, int *dims, sl_error_t *err)
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
    for (int k = 0; k < ndim; k++)
        dims[k] = nelems_last[k];
    return SL_OK;
}

/* atoi's reading of s[0..n): a sign, then digits up to the first other
 * character (PostgreSQL reads explicit bounds so). */
static int bound_value(const char *s, uint32_t n)
{
    uint32_t k = 0;
    bool neg = false;
    if (k < n && (s[k] == '+' || s[k] == '-'))
        neg = s[k++] == '-';
    int64_t v = 0;
    for (; k < n && s[k] >= '0' && s[k] <= '9'; k++)
        if (v < INT64_C(1) << 40)
            v = v * 10 + (s[k] - '0');
    v = neg ? -v : v;
    return (int)(v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
}

static bool bound_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+';
}

/* ReadArrayDimensions: "[lb:ub]" or "[ub]" items before '=' into sh, with
 * array_in's messages; *pi moves past the '=' and the blanks after it
 * (sh->ndim stays 0 without explicit dimensions). */
static int read_bounds(const char *s, uint32_t n, uint32_t *pi, sl_array_shape_t *sh,
                       sl_error_t *err)
{
    uint32_t i = *pi;
    for (;;) {
        while (i < n && array_isspace(s[i]))
            i++;
        if (i >= n || s[i] != '[')
            break;
        i++;
        if (sh->ndim >= MAXDIM)
            return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                                "number of array dimensions (%d) exceeds the maximum allowed (%d)",
                                sh->ndim + 1, MAXDIM);
        uint32_t q = i;
        while (q < n && bound_char(s[q]))
            q++;
        if (q == i)
            return malformed(s, n, err, "\"[\" must introduce explicitly-specified array "
                                        "dimensions.", 0);
        int lb = 1;
        if (q < n && s[q] == ':') {
            lb = bound_value(s + i, q - i);
            i = q + 1;
            for (q = i; q < n && bound_char(s[q]); q++)
                ;
            if (q == i)
                return malformed(s, n, err, "Missing array dimension value.", 0);
        }
        if (q >= n || s[q] != ']')
            return malformed(s, n, err, "Missing \"%c\" after array dimensions.", ']');
        int ub = bound_value(s + i, q - i);
        i = q + 1;
        if (ub < lb)
            return sl_error_set(err, "2202E", 0, "upper bound cannot be less than lower bound");
        sh->dims[sh->ndim] = (int)((int64_t)ub - lb + 1 > INT32_MAX ? INT32_MAX : (int64_t)ub - lb + 1);
        sh->lbs[sh->ndim++] = lb;
    }
    if (sh->ndim > 0) {
        if (i >= n || s[i] != '=')
            return malformed(s, n, err, "Missing \"%c\" after array dimensions.", '=');
        i++;
        while (i < n && array_isspace(s[i]))
            i++;
        if (i >= n || s[i] != '{')
            return malformed(s, n, err, "Array contents must start with \"{\".", 0);
    }
    *pi = i;
    return SL_OK;
}

int sl_array_input(sl_type_t array_type, int typmod, const char *s, uint32_t n,
                   sl_arena_t *a, sl_datum_t *out, sl_error_t *err)
{
    sl_type_t elem = sl_type_elem(array_type);
    sl_array_shape_t given, sh;
    memset(&given, 0, sizeof(given));
    memset(&sh, 0, sizeof(sh));
    uint32_t i = 0;
    if (read_bounds(s, n, &i, &given, err) != SL_OK)
        return SL_ERR;
    if (given.ndim == 0 && (i >= n || s[i] != '{'))
        return malformed(s, n, err, "Array value must start with \"{\" or dimension information.", 0);
    /* ArrayCount quotes the text from its '{' */
    if (array_check(s + i, n - i, &sh.ndim, sh.dims, err) != SL_OK)
        return SL_ERR;
    for (int k = 0; k < sh.ndim; k++)
        sh.lbs[k] = 1;
    if (given.ndim > 0) {
        bool match = given.ndim == sh.ndim;
        for (int k = 0; match && k < sh.ndim; k++)
            match = given.dims[k] == sh.dims[k];
        if (!match)
            return malformed(s, n, err, "Specified array dimensions do not match array contents.", 0);
        sh = given;
    }
    uint64_t total = sh.ndim > 0 ? 1 : 0;
    for (int k = 0; k < sh.ndim; k++)
        total *= (uint64_t)sh.dims[k];

    sl_array_builder_t ab;
    sl_array_build_begin(&ab, elem);
    sl_array_build_shape(&ab, &sh);
    sl_buf_t item = SL_BUF_INIT;
    for (uint64_t got = 0; got < total; got++) {
        /* the braces, delimiters and blanks between elements */
        while (s[i] == '{' || s[i] == '}' || s[i] == ',' || array_isspace(s[i]))
            i++;
        /* ReadArrayStr: one element up to its ',' or '}' */
        bool in_quotes = false, quoted = false;
        size_t keep = 0;   /* length without trailing unquoted whitespace */
        sl_buf_reset(&item);
        for (;; i++) {
            char c = s[i];
            if (c == '\\') {
                sl_buf_putc(&item, s[++i]);
                keep = item.len;
                quoted = true;
            } else if (c == '"') {
                in_quotes = !in_quotes;
                if (!in_quotes)
                    keep = item.len;
                quoted = true;
            } else if (in_quotes) {
                sl_buf_putc(&item, c);
            } else if (c == ',' || c == '}') {
                break;
            } else {
                sl_buf_putc(&item, c);
                if (!array_isspace(c))
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
    sl_array_shape_t sh;
    sl_datum_t v;
    sl_buf_t tmp = SL_BUF_INIT;
    sl_array_shape(d, &sh);
    sl_array_iter_init(&it, array_type, d);
    bool bounds = false;
    for (int k = 0; k < sh.ndim; k++)
        bounds |= sh.lbs[k] != 1;
    if (bounds) {   /* [lb:ub]... = before the braces */
        for (int k = 0; k < sh.ndim; k++)
            sl_buf_printf(b, "[%d:%d]", sh.lbs[k], sh.lbs[k] + sh.dims[k] - 1);
        sl_buf_putc(b, '=');
    }
    int ndim = sh.ndim > 0 ? sh.ndim : 1, idx[SL_ARRAY_MAXDIM] = {0};
    for (int k = 0; k < ndim; k++)
        sl_buf_putc(b, '{');
    for (bool first = true; sl_array_next(&it, &v); first = false) {
        if (!first) {
            /* the next index, the last varying fastest: close and reopen
             * the levels it carried over */
            int j = ndim - 1, carried = 0;
            idx[j]++;
            while (j > 0 && idx[j] >= sh.dims[j]) {
                idx[j--] = 0;
                idx[j]++;
                carried++;
            }
            for (int k = 0; k < carried; k++)
                sl_buf_putc(b, '}');
            sl_buf_putc(b, ',');
            for (int k = 0; k < carried; k++)
                sl_buf_putc(b, '{');
        }
        put_elem(it.elem, &v, b, &tmp);
    }
    for (int k = 0; k < ndim; k++)
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

/* Arrays of equal elements: fewer dimensions first, then by the
 * dimensions' lengths, then by their lower bounds (array_cmp). */
static int shape_cmp(const sl_datum_t *x, const sl_datum_t *y)
{
    sl_array_shape_t a, b;
    sl_array_shape(x, &a);
    sl_array_shape(y, &b);
    if (a.ndim != b.ndim)
        return a.ndim < b.ndim ? -1 : 1;
    for (int k = 0; k < a.ndim; k++)
        if (a.dims[k] != b.dims[k])
            return a.dims[k] < b.dims[k] ? -1 : 1;
    for (int k = 0; k < a.ndim; k++)
        if (a.lbs[k] != b.lbs[k])
            return a.lbs[k] < b.lbs[k] ? -1 : 1;
    return 0;
}

int sl_array_cmp(sl_type_t array_type, const sl_datum_t *x, const sl_datum_t *y)
{
    sl_array_iter_t ix, iy;
    sl_datum_t a, b;
    sl_array_iter_init(&ix, array_type, x);
    sl_array_iter_init(&iy, array_type, y);
    for (;;) {
        bool ha = sl_array_next(&ix, &a), hb = sl_array_next(&iy, &b);
        if (!ha || !hb)
            return ha ? 1 : hb ? -1 : shape_cmp(x, y);
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
    if (sl_array_count(x) != sl_array_count(y) || shape_cmp(x, y) != 0)
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
