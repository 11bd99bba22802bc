/*
 * ndjson.c: the NDJSON decoder (request body -> column batch); see ndjson.h.
 *
 * A hand-written single-pass scanner, bounds-checked (the body need not be
 * NUL-terminated).  Per line: '{', then "key": value pairs, '}', optional
 * blanks and '\r', then '\n' or the end of the body.  Field names are
 * matched against the previous line's field order first (events of one
 * stream almost always repeat it), then against every column.  Values of
 * known columns are converted on the spot: bigint/integer/smallint JSON
 * numbers have a fast path; everything else goes through sl_type_input
 * (a jsonb column takes any JSON value's text, JSON null as SQL NULL).
 * Strings without escapes stay in the body; unescaped ones are copied into
 * the batch's arena.  Unknown fields are skipped, validating their JSON,
 * nested or not.  No heap allocation per event beyond batch growth.
 *
 * Errors name the 1-based line and, for conversion errors, the column;
 * malformed JSON says what was expected and at which 1-based byte of the
 * line ("invalid JSON: expected ':' at byte 12").
 */
#include "ingest/ndjson.h"
#include "util/array.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 256      /* nesting limit for skipped values */
#define FIELD_CACHE 64     /* remembered field positions per line */
#define MAX_KEY 256        /* longest unescaped key we try to match */

typedef struct field_memo {
    const char *key;       /* points into the body */
    uint32_t n;
    int col;               /* column index, -1 = unknown field */
} field_memo_t;

typedef struct dec {
    const sl_stream_t *s;
    const char *end;
    const char *line_start;
    long line;
    sl_batch_t *b;
    sl_arena_t *a;
    sl_ingest_error_t *ierr;
    uint32_t *colname_len;
    bool multiline;        /* application/json: newlines are whitespace */
    int nmemo;
    field_memo_t memo[FIELD_CACHE];
} dec_t;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static inline const char *skip_ws(dec_t *d, const char *p, const char *e)
{
    for (; p < e; p++) {
        if (is_ws(*p))
            continue;
        if (*p != '\n' || !d->multiline)
            break;
        d->line++;
        d->line_start = p + 1;
    }
    return p;
}

/* Fills the error for malformed JSON at p; returns SL_ERR. */
static int json_error(dec_t *d, const char *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int json_error(dec_t *d, const char *p, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    d->ierr->line = d->line;
    d->ierr->column[0] = '\0';
    snprintf(d->ierr->message, sizeof(d->ierr->message),
             "invalid JSON: %s at byte %ld", what, (long)(p - d->line_start) + 1);
    memcpy(d->ierr->sqlstate, SL_ERRCODE_INVALID_TEXT_REP, 6);
    return SL_ERR;
}

/* Fills the error for a value of column col that does not convert. */
static int column_error(dec_t *d, int col, const char *sqlstate,
                        const char *msg)
{
    d->ierr->line = d->line;
    snprintf(d->ierr->column, sizeof(d->ierr->column), "%s", d->s->cols[col].name);
    snprintf(d->ierr->message, sizeof(d->ierr->message), "%s", msg);
    snprintf(d->ierr->sqlstate, sizeof(d->ierr->sqlstate), "%s", sqlstate);
    return SL_ERR;
}

/* Scans a JSON string whose opening quote is at p.  Sets *raw_end to the
 * closing quote and *escaped when it contains backslashes.  Returns SL_OK
 * or SL_ERR (unterminated, control character). */
static int scan_string(dec_t *d, const char *p, const char **raw_end,
                       bool *escaped)
{
    const char *q = p + 1, *e = d->end;
    bool esc = false;
    for (;;) {
        while (q < e && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
            q++;
        if (q >= e || *q == '\n')
            return json_error(d, q, "unterminated string");
        if (*q == '"')
            break;
        if (*q == '\\') {
            esc = true;
            if (q + 1 >= e || q[1] == '\n')
                return json_error(d, q, "unterminated string");
            q += 2;
            continue;
        }
        return json_error(d, q, "unescaped control character 0x%02x",
                          (unsigned char)*q);
    }
    *raw_end = q;
    *escaped = esc;
    return SL_OK;
}

static int put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Reads 4 hex digits at p (bounds already known); -1 when invalid. */
static int32_t hex4(const char *p, const char *e)
{
    if (e - p < 4)
        return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = sl_hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Decodes the escaped string body p[0..q) (between the quotes) into out,
 * which has room for q - p bytes (unescaping never grows), or only
 * validates it when out is NULL.  Sets *outn.  Returns SL_OK or SL_ERR for
 * a bad escape. */
static int unescape(dec_t *d, const char *p, const char *q, char *out,
                    uint32_t *outn)
{
    char sink[4];
    char *o = out ? out : sink;
    while (p < q) {
        if (out == NULL)
            o = sink;
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        const char *at = p;
        p++;
        switch (*p++) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            int32_t cp = hex4(p, q);
            if (cp < 0)
                return json_error(d, at, "invalid Unicode escape");
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                int32_t lo = (q - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2, q) : -1;
                if (lo < 0xdc00 || lo > 0xdfff)
                    return json_error(d, at, "invalid Unicode surrogate pair");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return json_error(d, at, "invalid Unicode surrogate pair");
            } else if (cp == 0) {
                d->ierr->line = d->line;
                d->ierr->column[0] = '\0';
                snprintf(d->ierr->message, sizeof(d->ierr->message),
                         "unsupported Unicode escape sequence: \\u0000 cannot "
                         "be converted to text (byte %ld)",
                         (long)(at - d->line_start) + 1);
                memcpy(d->ierr->sqlstate, "22P05", 6);
                return SL_ERR;
            }
            o += put_utf8(o, (uint32_t)cp);
            break;
        }
        default:
            return json_error(d, at, "invalid escape sequence");
        }
    }
    *outn = out ? (uint32_t)(o - out) : 0;
    return SL_OK;
}

static bool is_num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
}

static bool literal_at(const char *p, const char *e, const char *w, size_t n)
{
    return (size_t)(e - p) >= n && memcmp(p, w, n) == 0;
}

/* Skips one JSON value at p (validating it); sets *pp after it. */
static int skip_value(dec_t *d, const char **pp, int depth)
{
    const char *p = *pp, *e = d->end;
    if (p >= e || *p == '\n')
        return json_error(d, p, "expected a value");
    switch (*p) {
    case '"': {
        const char *q;
        bool esc;
        if (scan_string(d, p, &q, &esc) != SL_OK)
            return SL_ERR;
        if (esc) {
            uint32_t n;
            if (unescape(d, p + 1, q, NULL, &n) != SL_OK)
                return SL_ERR;
        }
        *pp = q + 1;
        return SL_OK;
    }
    case '{':
    case '[': {
        if (depth >= MAX_DEPTH)
            return json_error(d, p, "nesting too deep");
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = skip_ws(d, p + 1, e);
        if (p < e && *p == close) {
            *pp = p + 1;
            return SL_OK;
        }
        for (;;) {
            if (obj) {
                const char *q;
                bool esc;
                if (p >= e || *p != '"')
                    return json_error(d, p, "expected string");
                if (scan_string(d, p, &q, &esc) != SL_OK)
                    return SL_ERR;
                p = skip_ws(d, q + 1, e);
                if (p >= e || *p != ':')
                    return json_error(d, p, "expected ':'");
                p = skip_ws(d, p + 1, e);
            }
            if (skip_value(d, &p, depth + 1) != SL_OK)
                return SL_ERR;
            p = skip_ws(d, p, e);
            if (p < e && *p == ',') {
                p = skip_ws(d, p + 1, e);
                continue;
            }
            if (p < e && *p == close) {
                *pp = p + 1;
                return SL_OK;
            }
            return json_error(d, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    case 't':
        if (!literal_at(p, e, "true", 4))
            return json_error(d, p, "expected a value");
        *pp = p + 4;
        return SL_OK;
    case 'f':
        if (!literal_at(p, e, "false", 5))
            return json_error(d, p, "expected a value");
        *pp = p + 5;
        return SL_OK;
    case 'n':
        if (!literal_at(p, e, "null", 4))
            return json_error(d, p, "expected a value");
        *pp = p + 4;
        return SL_OK;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            while (p < e && is_num_char(*p))
                p++;
            *pp = p;
            return SL_OK;
        }
        return json_error(d, p, "expected a value");
    }
}

/* Converts text s[0..n) into column col of row r with the type's input
 * function. */
static int convert(dec_t *d, int col, int r, const char *s, uint32_t n)
{
    const sl_column_t *c = &d->s->cols[col];
    sl_error_t err;
    err.sqlstate[0] = '\0';   /* all sl_error_set needs; a full clear is 1.5 KB a value */
    sl_datum_t *out = &d->b->cols[col][r];
    if (sl_type_input(c->type, c->typmod, s, n, d->a, out, &err) != SL_OK)
        return column_error(d, col, err.sqlstate, err.message);
    out->null = false;
    return SL_OK;
}

/* A JSON array being read into an array column, as PostgreSQL's
 * json_populate_record reads one (populate_array_json): the first element
 * that is not an array fixes the number of dimensions (an empty innermost
 * array too); below that depth every item must be an array, at it every
 * item is an element (an array or object there is an element's text). */
typedef struct jarray {
    dec_t *d;
    int col;
    sl_type_t et;
    int typmod;
    sl_array_builder_t ab;
    int ndims;                        /* -1 until known */
    int dims[SL_ARRAY_MAXDIM];        /* -1 until the first sub-array ends */
    int sizes[SL_ARRAY_MAXDIM];       /* items so far at each depth */
} jarray_t;

/* One element at *pp: its text through the element type's input (a
 * string unescaped, a number as written, so numeric elements are exact;
 * an array or object as written, any JSON value for jsonb); JSON null a
 * NULL element. */
static int jarray_element(jarray_t *j, const char **pp)
{
    dec_t *d = j->d;
    const char *p = *pp, *e = d->end, *s = p, *q;
    uint32_t n = 0;
    sl_datum_t v;
    sl_error_t err;
    memset(&v, 0, sizeof(v));
    sl_error_clear(&err);
    if (literal_at(p, e, "null", 4)) {
        v.null = true;
        p += 4;
    } else if (*p == '"' && j->et != SL_T_JSONB) {
        bool esc;
        if (scan_string(d, p, &q, &esc) != SL_OK)
            return SL_ERR;
        s = p + 1;
        n = (uint32_t)(q - s);
        if (esc) {
            char *buf = sl_alloc(d->a, (size_t)(q - p));
            if (unescape(d, p + 1, q, buf, &n) != SL_OK)
                return SL_ERR;
            s = buf;
        }
        p = q + 1;
    } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
        for (q = p; q < e && is_num_char(*q); q++)
            ;
        n = (uint32_t)(q - p);
        p = q;
    } else if (literal_at(p, e, "true", 4) || literal_at(p, e, "false", 5)) {
        n = *p == 't' ? 4 : 5;
        p += n;
    } else if (*p == '"' || *p == '[' || *p == '{') {
        q = p;
        if (skip_value(d, &q, 1) != SL_OK)
            return SL_ERR;
        n = (uint32_t)(q - p);
        p = q;
    } else {
        return json_error(d, p, "expected a value");
    }
    if (!v.null && sl_type_input(j->et, j->typmod, s, n, d->a, &v, &err) != SL_OK)
        return column_error(d, j->col, err.sqlstate, err.message);
    sl_array_build_add(&j->ab, &v);
    *pp = p;
    return SL_OK;
}

/* The array at *pp ('['), at depth ndim (0: the column's value). */
static int jarray_level(jarray_t *j, const char **pp, int ndim)
{
    dec_t *d = j->d;
    const char *p = skip_ws(d, *pp + 1, d->end), *e = d->end;
    j->sizes[ndim] = 0;
    if (p < e && *p == ']') {
        p++;
    } else {
        for (;;) {
            if (p >= e)
                return json_error(d, p, "expected a value");
            int depth = ndim + 1;
            if (*p == '[' && (j->ndims < 0 || depth < j->ndims)) {
                if (depth >= SL_ARRAY_MAXDIM) {
                    char msg[96];
                    snprintf(msg, sizeof(msg), "number of array dimensions (%d) exceeds the "
                             "maximum allowed (%d)", depth + 1, SL_ARRAY_MAXDIM);
                    return column_error(d, j->col, SL_ERRCODE_PROGRAM_LIMIT, msg);
                }
                if (jarray_level(j, &p, depth) != SL_OK)
                    return SL_ERR;
            } else {
                if (j->ndims < 0)
                    j->ndims = depth;
                if (depth < j->ndims) {
                    char msg[160];
                    int k = snprintf(msg, sizeof(msg), "expected JSON array: see the array "
                                     "element ");
                    for (int i = 0; i < depth && k < (int)sizeof(msg); i++)
                        k += snprintf(msg + k, sizeof(msg) - (size_t)k, "[%d]", j->sizes[i]);
                    return column_error(d, j->col, SL_ERRCODE_INVALID_TEXT_REP, msg);
                }
                if (jarray_element(j, &p) != SL_OK)
                    return SL_ERR;
            }
            j->sizes[ndim]++;
            p = skip_ws(d, p, e);
            if (p < e && *p == ',') {
                p = skip_ws(d, p + 1, e);
                continue;
            }
            if (p < e && *p == ']') {
                p++;
                break;
            }
            return json_error(d, p, "expected ',' or ']'");
        }
    }
    if (j->ndims < 0)
        j->ndims = ndim + 1;
    if (ndim < j->ndims) {
        if (j->dims[ndim] < 0)
            j->dims[ndim] = j->sizes[ndim];
        else if (j->dims[ndim] != j->sizes[ndim])
            return column_error(d, j->col, SL_ERRCODE_INVALID_TEXT_REP,
                                "malformed JSON array: Multidimensional arrays must have "
                                "sub-arrays with matching dimensions.");
    }
    *pp = p;
    return SL_OK;
}

/* A JSON array at *pp ('[') into array column col of row r (jarray_t). */
static int parse_array_value(dec_t *d, int col, int r, const char **pp)
{
    const sl_column_t *c = &d->s->cols[col];
    jarray_t j = {.d = d, .col = col, .et = sl_type_elem(c->type), .typmod = c->typmod,
                  .ndims = -1};
    for (int k = 0; k < SL_ARRAY_MAXDIM; k++)
        j.dims[k] = -1;
    sl_array_build_begin(&j.ab, j.et);
    if (jarray_level(&j, pp, 0) != SL_OK) {
        sl_array_build_abort(&j.ab);
        return SL_ERR;
    }
    sl_array_shape_t sh = {.ndim = j.ab.n ? j.ndims : 0};
    for (int k = 0; k < sh.ndim; k++) {
        sh.dims[k] = j.dims[k];
        sh.lbs[k] = 1;
    }
    sl_array_build_shape(&j.ab, &sh);
    sl_array_build_end(&j.ab, d->a, &d->b->cols[col][r]);
    return SL_OK;
}

/* Parses the value at *pp into column col of row r. */
static int parse_column_value(dec_t *d, int col, int r, const char **pp)
{
    const char *p = *pp, *e = d->end;
    sl_type_t t = d->s->cols[col].type;
    sl_datum_t *out = &d->b->cols[col][r];
    if (p >= e || *p == '\n')
        return json_error(d, p, "expected a value");
    char ch = *p;
    if (t == SL_T_JSONB && ch != 'n') {
        /* any JSON value; null is SQL NULL, as json_populate_record has it */
        const char *q = p;
        if (skip_value(d, &q, 0) != SL_OK)
            return SL_ERR;
        *pp = q;
        return convert(d, col, r, p, (uint32_t)(q - p));
    }
    if (ch == '-' || (ch >= '0' && ch <= '9')) {
        const char *q = p;
        if (t == SL_T_INT8 || t == SL_T_INT4 || t == SL_T_INT2) {
            /* fast path: up to 18 digits, no fraction or exponent */
            bool neg = *q == '-';
            q += neg;
            const char *ds = q;
            uint64_t u = 0; /* wraps harmlessly past 18 digits */
            while (q < e && (unsigned)(*q - '0') < 10u)
                u = u * 10 + (uint64_t)(*q++ - '0');
            long nd = q - ds;
            if (nd > 0 && nd <= 18 && (q >= e || !is_num_char(*q))) {
                int64_t v = neg ? -(int64_t)u : (int64_t)u;
                if (t == SL_T_INT8 ||
                    (t == SL_T_INT4 && v >= INT32_MIN && v <= INT32_MAX) ||
                    (t == SL_T_INT2 && v >= INT16_MIN && v <= INT16_MAX)) {
                    out->v.i = v;
                    out->null = false;
                    *pp = q;
                    return SL_OK;
                }
            }
            q = p;
        }
        while (q < e && is_num_char(*q))
            q++;
        *pp = q;
        return convert(d, col, r, p, (uint32_t)(q - p));
    }
    if (ch == '"') {
        const char *q;
        bool esc;
        if (scan_string(d, p, &q, &esc) != SL_OK)
            return SL_ERR;
        *pp = q + 1;
        if (!esc)
            return convert(d, col, r, p + 1, (uint32_t)(q - p - 1));
        char *buf = sl_alloc(d->a, (size_t)(q - p));
        uint32_t n;
        if (unescape(d, p + 1, q, buf, &n) != SL_OK)
            return SL_ERR;
        return convert(d, col, r, buf, n);
    }
    if (ch == 't' || ch == 'f') {
        bool v = ch == 't';
        size_t l = v ? 4 : 5;
        if (!literal_at(p, e, v ? "true" : "false", l))
            return json_error(d, p, "expected a value");
        *pp = p + l;
        if (t == SL_T_BOOL) {
            out->v.i = v;
            out->null = false;
            return SL_OK;
        }
        return convert(d, col, r, v ? "true" : "false", (uint32_t)l);
    }
    if (ch == 'n') {
        if (!literal_at(p, e, "null", 4))
            return json_error(d, p, "expected a value");
        *pp = p + 4;
        out->null = true;
        return SL_OK;
    }
    if (ch == '[' && sl_type_is_array(t))
        return parse_array_value(d, col, r, pp);
    if (ch == '{' || ch == '[') {
        char msg[128];
        snprintf(msg, sizeof(msg), "cannot cast jsonb %s to type %s",
                 ch == '{' ? "object" : "array", sl_type_name(t));
        return column_error(d, col, SL_ERRCODE_INVALID_PARAMETER, msg);
    }
    return json_error(d, p, "expected a value");
}

/* Column index of field name k[0..n), or -1. */
static int lookup_column(dec_t *d, const char *k, uint32_t n)
{
    for (int c = 0; c < d->s->ncols; c++)
        if (d->colname_len[c] == n && memcmp(d->s->cols[c].name, k, n) == 0)
            return c;
    return -1;
}

/* Parses one object starting at '{' into a new row; *pp ends after '}'. */
static int parse_object(dec_t *d, const char **pp)
{
    const char *p = *pp + 1, *e = d->end;
    int r = sl_batch_add_row(d->b);
    int field = 0;
    p = skip_ws(d, p, e);
    if (p < e && *p == '}') {
        *pp = p + 1;
        return SL_OK;
    }
    for (;; field++) {
        if (p >= e || *p != '"')
            return json_error(d, p, "expected string");
        const char *q;
        bool esc;
        if (scan_string(d, p, &q, &esc) != SL_OK)
            return SL_ERR;
        const char *k = p + 1;
        uint32_t kn = (uint32_t)(q - k);
        int col;
        /* memo entries are valid for fields 0 .. nmemo-1 of this body */
        field_memo_t *m = field < FIELD_CACHE ? &d->memo[field] : NULL;
        if (m && field >= d->nmemo) {
            m->key = NULL;
            m->n = UINT32_MAX;
            d->nmemo = field + 1;
        }
        if (!esc) {
            if (m && m->n == kn && memcmp(m->key, k, kn) == 0) {
                col = m->col;
            } else {
                col = lookup_column(d, k, kn);
                if (m) {
                    m->key = k;
                    m->n = kn;
                    m->col = col;
                }
            }
        } else {
            char kb[MAX_KEY];
            uint32_t n;
            if (m)
                m->n = UINT32_MAX; /* unescaped keys are not remembered */
            if (kn <= MAX_KEY) {
                if (unescape(d, k, q, kb, &n) != SL_OK)
                    return SL_ERR;
                col = lookup_column(d, kb, n);
            } else {
                if (unescape(d, k, q, NULL, &n) != SL_OK)
                    return SL_ERR;
                col = -1;
            }
        }
        p = skip_ws(d, q + 1, e);
        if (p >= e || *p != ':')
            return json_error(d, p, "expected ':'");
        p = skip_ws(d, p + 1, e);
        if (col >= 0) {
            if (parse_column_value(d, col, r, &p) != SL_OK)
                return SL_ERR;
        } else {
            if (skip_value(d, &p, 0) != SL_OK)
                return SL_ERR;
        }
        p = skip_ws(d, p, e);
        if (p < e && *p == ',') {
            p = skip_ws(d, p + 1, e);
            continue;
        }
        if (p < e && *p == '}') {
            *pp = p + 1;
            return SL_OK;
        }
        return json_error(d, p, "expected ',' or '}'");
    }
}

static void dec_init(dec_t *d, const sl_stream_t *s, const char *body, size_t len,
                     sl_arena_t *a, sl_ingest_error_t *ierr, bool multiline)
{
    d->s = s;
    d->end = body + len;
    d->line = multiline ? 1 : 0;
    d->line_start = body;
    d->a = a;
    d->ierr = ierr;
    d->multiline = multiline;
    d->nmemo = 0;
    memset(ierr, 0, sizeof(*ierr));
    d->colname_len = sl_alloc(a, sizeof(uint32_t) * (size_t)(s->ncols + 1));
    for (int c = 0; c < s->ncols; c++)
        d->colname_len[c] = (uint32_t)strlen(s->cols[c].name);
}

int sl_ndjson_decode(const sl_stream_t *s, const char *body, size_t len,
                     sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr)
{
    dec_t d;
    dec_init(&d, s, body, len, a, ierr, false);

    d.b = sl_batch_for_lines(a, s, body, len);

    const char *p = body, *e = d.end;
    while (p < e) {
        d.line_start = p;
        d.line++;
        p = skip_ws(&d, p, e);
        if (p >= e)
            break;
        if (*p == '\n') {
            p++;
            continue;
        }
        if (*p != '{')
            return json_error(&d, p, "expected '{' (each line must be a JSON object)");
        if (parse_object(&d, &p) != SL_OK)
            return SL_ERR;
        p = skip_ws(&d, p, e);
        if (p < e) {
            if (*p != '\n')
                return json_error(&d, p, "expected end of line");
            p++;
        }
    }
    *out = d.b;
    return SL_OK;
}

int sl_json_decode(const sl_stream_t *s, const char *body, size_t len,
                   sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr)
{
    dec_t d;
    dec_init(&d, s, body, len, a, ierr, true);
    d.b = sl_batch_new(a, s, 16);

    const char *p = skip_ws(&d, body, d.end), *e = d.end;
    if (p < e && *p == '[') {
        p = skip_ws(&d, p + 1, e);
        if (p < e && *p == ']') {
            p++;
        } else {
            for (;;) {
                if (p >= e || *p != '{')
                    return json_error(&d, p, "expected '{' (each array element must be a "
                                             "JSON object)");
                if (parse_object(&d, &p) != SL_OK)
                    return SL_ERR;
                p = skip_ws(&d, p, e);
                if (p < e && *p == ',') {
                    p = skip_ws(&d, p + 1, e);
                    continue;
                }
                if (p < e && *p == ']') {
                    p++;
                    break;
                }
                return json_error(&d, p, "expected ',' or ']'");
            }
        }
    } else if (p < e && *p == '{') {
        if (parse_object(&d, &p) != SL_OK)
            return SL_ERR;
    } else if (p < e) {
        return json_error(&d, p, "expected a JSON object or an array of objects");
    }
    p = skip_ws(&d, p, e);
    if (p < e)
        return json_error(&d, p, "expected end of input");
    *out = d.b;
    return SL_OK;
}
