/*
 * jsonb.c: jsonb as canonical text (see jsonb.h).
 *
 *   input       a lexer and recursive-descent parser with the grammar,
 *               token boundaries and error DETAILs of PostgreSQL 15's
 *               jsonapi.c, writing canonical text: objects sorted and
 *               de-duplicated at their closing brace, numbers through a
 *               small decimal normalizer (numeric_in's scale rules and
 *               limits), strings re-escaped as escape_json does
 *   walking     canonical text has one shape, so a value is skipped by
 *               matching brackets outside strings; fields and elements are
 *               found by walking their container
 *   order       jsonb's btree comparison, containment, hash
 *   casts       jsonb to numbers and boolean with PostgreSQL's messages
 */
#include "util/jsonb.h"
#include "util/array.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* A byte buffer that starts in the caller's stack array and moves to the
 * heap only when it outgrows it (jsonb_in runs once per event). */
typedef struct jbuf {
    char *data;
    size_t len, cap;
    char *stack;
} jbuf_t;

#define JB_INIT(arr) {arr, 0, sizeof(arr), arr}

static void jb_grow(jbuf_t *b, size_t extra)
{
    size_t cap = b->cap * 2;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = b->data == b->stack ? malloc(cap) : realloc(b->data, cap);
    if (p == NULL)
        sl_panic("out of memory");
    if (b->data == b->stack)
        memcpy(p, b->data, b->len);
    b->data = p;
    b->cap = cap;
}

static inline void jb_append(jbuf_t *b, const void *s, size_t n)
{
    if (b->len + n > b->cap)
        jb_grow(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void jb_putc(jbuf_t *b, char c)
{
    if (b->len + 1 > b->cap)
        jb_grow(b, 1);
    b->data[b->len++] = c;
}

#define jb_puts(b, lit) jb_append((b), (lit), sizeof(lit) - 1)

static void jb_free(jbuf_t *b)
{
    if (b->data != b->stack)
        free(b->data);
}

/* ------------------------------------------------------------------ */
/* input                                                               */
/* ------------------------------------------------------------------ */

typedef enum tok {
    T_OBJ_START, T_OBJ_END, T_ARR_START, T_ARR_END, T_COMMA, T_COLON,
    T_STRING, T_NUMBER, T_TRUE, T_FALSE, T_NULL, T_END
} tok_t;

/* Parsing contexts of report_parse_error. */
typedef enum pctx {
    C_VALUE, C_STRING, C_ARRAY_NEXT, C_OBJECT_START, C_OBJECT_LABEL,
    C_OBJECT_NEXT, C_END
} pctx_t;

typedef struct entry {
    uint32_t koff, klen;   /* unescaped key: in keys (kraw: in the input) */
    const char *kraw;
    uint32_t voff, vlen;   /* canonical value: in out */
    uint32_t idx;
} entry_t;

typedef struct parser {
    const char *s, *e;     /* input */
    const char *p;         /* next byte to lex */
    tok_t tok;
    const char *ts, *te;   /* current token */
    bool esc;              /* string token holds a backslash */
    jbuf_t str;          /* string token unescaped (when esc) */
    jbuf_t out;          /* canonical text being built */
    jbuf_t keys;         /* unescaped keys of open objects */
    jbuf_t tmp;          /* an object's values while it is rebuilt */
    entry_t *ents;         /* fields of open objects, innermost last */
    size_t nents, capents;
    int depth;
    sl_error_t *err;
} parser_t;

static bool json_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c >= 0x80;
}

static int utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

static int syntax_error(parser_t *P, const char *fmt, const char *tok, size_t tn)
{
    sl_error_set(P->err, SL_ERRCODE_INVALID_TEXT_REP, 0, "invalid input syntax for type json");
    if (tok)
        sl_error_detail(P->err, fmt, (int)(tn > 200 ? 200 : tn), tok);
    else
        sl_error_detail(P->err, "%s", fmt);
    return SL_ERR;
}

static int invalid_token(parser_t *P, const char *from, const char *to)
{
    return syntax_error(P, "Token \"%.*s\" is invalid.", from, (size_t)(to - from));
}

static void put_utf8(jbuf_t *b, uint32_t cp)
{
    char u[4];
    int n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    jb_append(b, u, (size_t)n);
}

/* json_lex_string: the string token at P->ts; sets P->te, P->esc and, when
 * it holds escapes, P->str. */
static int lex_string(parser_t *P)
{
    const char *s = P->ts, *e = P->e;
    int hi = -1;
    P->esc = false;
    for (;;) {
        s++;
        /* a run of plain bytes: not '"', '\\' nor a control character */
        const char *run = s;
        while (s < e && (unsigned char)*s >= 0x20 && *s != '"' && *s != '\\')
            s++;
        if (s > run) {
            if (hi != -1)
                return syntax_error(P, "Unicode low surrogate must follow a high surrogate.", NULL, 0);
            if (P->esc)
                jb_append(&P->str, run, (size_t)(s - run));
        }
        if (s >= e)
            return invalid_token(P, P->ts, s);
        if (*s == '"')
            break;
        if ((unsigned char)*s < 32) {
            sl_error_set(P->err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                         "invalid input syntax for type json");
            sl_error_detail(P->err, "Character with value 0x%02x must be escaped.",
                            (unsigned char)*s);
            return SL_ERR;
        }
        if (*s == '\\') {
            if (!P->esc) {
                P->esc = true;
                P->str.len = 0;
                jb_append(&P->str, P->ts + 1, (size_t)(s - P->ts - 1));
            }
            s++;
            if (s >= e)
                return invalid_token(P, P->ts, s);
            if (*s == 'u') {
                int ch = 0;
                for (int i = 1; i <= 4; i++) {
                    s++;
                    if (s >= e)
                        return invalid_token(P, P->ts, s);
                    int h = sl_hexval(*s);
                    if (h < 0)
                        return syntax_error(P, "\"\\u\" must be followed by four hexadecimal digits.",
                                            NULL, 0);
                    ch = ch * 16 + h;
                }
                if (ch >= 0xd800 && ch <= 0xdbff) {
                    if (hi != -1)
                        return syntax_error(P, "Unicode high surrogate must not follow a high surrogate.",
                                            NULL, 0);
                    hi = ch;
                    continue;
                }
                if (ch >= 0xdc00 && ch <= 0xdfff) {
                    if (hi == -1)
                        return syntax_error(P, "Unicode low surrogate must follow a high surrogate.",
                                            NULL, 0);
                    ch = 0x10000 + ((hi & 0x3ff) << 10) + (ch & 0x3ff);
                    hi = -1;
                }
                if (hi != -1)
                    return syntax_error(P, "Unicode low surrogate must follow a high surrogate.",
                                        NULL, 0);
                if (ch == 0) {
                    sl_error_set(P->err, "22P05", 0, "unsupported Unicode escape sequence");
                    sl_error_detail(P->err, "\\u0000 cannot be converted to text.");
                    return SL_ERR;
                }
                put_utf8(&P->str, (uint32_t)ch);
                continue;
            }
            if (hi != -1)
                return syntax_error(P, "Unicode low surrogate must follow a high surrogate.", NULL, 0);
            char c;
            switch (*s) {
            case '"': case '\\': case '/': c = *s; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            default: {
                int l = utf8_len((unsigned char)*s);
                if (l > e - s)
                    l = (int)(e - s);
                return syntax_error(P, "Escape sequence \"\\%.*s\" is invalid.", s, (size_t)l);
            }
            }
            jb_putc(&P->str, c);
            continue;
        }
        if (hi != -1)
            return syntax_error(P, "Unicode low surrogate must follow a high surrogate.", NULL, 0);
        if (P->esc)
            jb_putc(&P->str, *s);
    }
    if (hi != -1)
        return syntax_error(P, "Unicode low surrogate must follow a high surrogate.", NULL, 0);
    P->te = s + 1;
    return SL_OK;
}

/* json_lex_number: the number token at P->ts (after an optional '-'). */
static int lex_number(parser_t *P, const char *s)
{
    const char *e = P->e;
    bool bad = false;
    if (s < e && *s == '0') {
        s++;
    } else if (s < e && *s >= '1' && *s <= '9') {
        while (s < e && *s >= '0' && *s <= '9')
            s++;
    } else {
        bad = true;
    }
    if (s < e && *s == '.') {
        s++;
        if (s == e || !(*s >= '0' && *s <= '9'))
            bad = true;
        else
            while (s < e && *s >= '0' && *s <= '9')
                s++;
    }
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < e && (*s == '+' || *s == '-'))
            s++;
        if (s == e || !(*s >= '0' && *s <= '9'))
            bad = true;
        else
            while (s < e && *s >= '0' && *s <= '9')
                s++;
    }
    for (; s < e && json_alnum((unsigned char)*s); s++)
        bad = true;
    P->te = s;
    if (bad)
        return invalid_token(P, P->ts, s);
    P->tok = T_NUMBER;
    return SL_OK;
}

/* json_lex: the next token into P->tok / ts / te. */
static int lex(parser_t *P)
{
    const char *s = P->p, *e = P->e;
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    P->ts = s;
    if (s >= e) {
        P->tok = T_END;
        P->te = s;
        P->p = s;
        return SL_OK;
    }
    int rc = SL_OK;
    switch (*s) {
    case '{': P->tok = T_OBJ_START; P->te = s + 1; break;
    case '}': P->tok = T_OBJ_END; P->te = s + 1; break;
    case '[': P->tok = T_ARR_START; P->te = s + 1; break;
    case ']': P->tok = T_ARR_END; P->te = s + 1; break;
    case ',': P->tok = T_COMMA; P->te = s + 1; break;
    case ':': P->tok = T_COLON; P->te = s + 1; break;
    case '"':
        P->tok = T_STRING;
        rc = lex_string(P);
        break;
    case '-':
        rc = lex_number(P, s + 1);
        break;
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        rc = lex_number(P, s);
        break;
    default: {
        const char *q = s;
        while (q < e && json_alnum((unsigned char)*q))
            q++;
        if (q == s)
            return invalid_token(P, s, s + 1);
        size_t l = (size_t)(q - s);
        if (l == 4 && memcmp(s, "true", 4) == 0)
            P->tok = T_TRUE;
        else if (l == 5 && memcmp(s, "false", 5) == 0)
            P->tok = T_FALSE;
        else if (l == 4 && memcmp(s, "null", 4) == 0)
            P->tok = T_NULL;
        else
            return invalid_token(P, s, q);
        P->te = q;
        break;
    }
    }
    if (rc == SL_OK)
        P->p = P->te;
    return rc;
}

static int parse_error(parser_t *P, pctx_t ctx)
{
    static const char *const msg[] = {
        [C_VALUE] = "Expected JSON value, but found \"%.*s\".",
        [C_STRING] = "Expected string, but found \"%.*s\".",
        [C_ARRAY_NEXT] = "Expected \",\" or \"]\", but found \"%.*s\".",
        [C_OBJECT_START] = "Expected string or \"}\", but found \"%.*s\".",
        [C_OBJECT_LABEL] = "Expected \":\", but found \"%.*s\".",
        [C_OBJECT_NEXT] = "Expected \",\" or \"}\", but found \"%.*s\".",
        [C_END] = "Expected end of input, but found \"%.*s\".",
    };
    if (P->tok == T_END)
        return syntax_error(P, "The input string ended unexpectedly.", NULL, 0);
    return syntax_error(P, msg[ctx], P->ts, (size_t)(P->te - P->ts));
}

static int expect(parser_t *P, pctx_t ctx, tok_t t)
{
    if (P->tok != t)
        return parse_error(P, ctx);
    return lex(P);
}

/* escape_json: s[0..n) as a JSON string with quotes. */
static void put_escaped(jbuf_t *b, const char *s, size_t n)
{
    jb_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jb_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '\b': jb_puts(b, "\\b"); break;
        case '\f': jb_puts(b, "\\f"); break;
        case '\n': jb_puts(b, "\\n"); break;
        case '\r': jb_puts(b, "\\r"); break;
        case '\t': jb_puts(b, "\\t"); break;
        case '"': jb_puts(b, "\\\""); break;
        case '\\': jb_puts(b, "\\\\"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
            jb_append(b, u, 6);
            break;
        }
        }
    }
    jb_append(b, s + run, n - run);
    jb_putc(b, '"');
}

/* The current string token, canonical, onto out. */
static void put_string_token(parser_t *P)
{
    if (P->esc)
        put_escaped(&P->out, P->str.data, P->str.len);
    else
        jb_append(&P->out, P->ts, (size_t)(P->te - P->ts));
}

static int parse_value(parser_t *P, pctx_t ctx);
static int number(const char *s, uint32_t n, jbuf_t *b, sl_error_t *err);

/* A number token, canonical, onto out: plain integers and decimals are
 * their own canonical text (but for a negative zero); an exponent goes
 * through the normalizer. */
static int put_number(parser_t *P, const char *s, uint32_t n)
{
    bool negzero = n >= 2 && s[0] == '-' && s[1] == '0';
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == 'e' || c == 'E')
            return number(s, n, &P->out, P->err);
        if (c >= '1' && c <= '9')
            negzero = false;
    }
    if (negzero) {
        s++;
        n--;
    }
    jb_append(&P->out, s, n);
    return SL_OK;
}

static int depth_error(parser_t *P)
{
    sl_error_set(P->err, SL_ERRCODE_STATEMENT_TOO_COMPLEX, 0, "stack depth limit exceeded");
    sl_error_detail(P->err, "jsonb values nest at most %d levels in Sluice.", SL_JSONB_MAX_DEPTH);
    return SL_ERR;
}

static int parse_array(parser_t *P)
{
    if (++P->depth > SL_JSONB_MAX_DEPTH)
        return depth_error(P);
    if (lex(P) != SL_OK)
        return SL_ERR;
    jb_putc(&P->out, '[');
    if (P->tok != T_ARR_END) {
        if (parse_value(P, C_VALUE) != SL_OK)
            return SL_ERR;
        while (P->tok == T_COMMA) {
            if (lex(P) != SL_OK)
                return SL_ERR;
            jb_puts(&P->out, ", ");
            if (parse_value(P, C_VALUE) != SL_OK)
                return SL_ERR;
        }
    }
    if (expect(P, C_ARRAY_NEXT, T_ARR_END) != SL_OK)
        return SL_ERR;
    jb_putc(&P->out, ']');
    P->depth--;
    return SL_OK;
}

static const char *entry_key(const parser_t *P, const entry_t *x)
{
    return x->kraw ? x->kraw : P->keys.data + x->koff;
}

/* jsonb key order: shorter first, then bytewise; then input order. */
static int entry_cmp(const parser_t *P, const entry_t *x, const entry_t *y)
{
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    int c = x->klen ? memcmp(entry_key(P, x), entry_key(P, y), x->klen) : 0;
    if (c != 0)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void sort_entries(const parser_t *P, entry_t *v, size_t n)
{
    /* insertion sort for the usual few keys; merge sort above that */
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            entry_t x = v[i];
            size_t j = i;
            while (j > 0 && entry_cmp(P, &v[j - 1], &x) > 0) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    sort_entries(P, v, h);
    sort_entries(P, v + h, n - h);
    entry_t *m = malloc(n * sizeof(*m));
    if (m == NULL)
        sl_panic("out of memory");
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        m[k++] = entry_cmp(P, &v[i], &v[j]) <= 0 ? v[i++] : v[j++];
    while (i < h)
        m[k++] = v[i++];
    while (j < n)
        m[k++] = v[j++];
    memcpy(v, m, n * sizeof(*m));
    free(m);
}

static int parse_object(parser_t *P)
{
    if (++P->depth > SL_JSONB_MAX_DEPTH)
        return depth_error(P);
    if (lex(P) != SL_OK)
        return SL_ERR;
    size_t base = P->out.len, ebase = P->nents, kbase = P->keys.len;
    uint32_t idx = 0;
    if (P->tok == T_STRING) {
        for (;;) {
            if (P->tok != T_STRING)
                return parse_error(P, C_STRING);
            entry_t x = {.idx = idx++};
            if (P->esc) {
                x.koff = (uint32_t)P->keys.len;
                x.klen = (uint32_t)P->str.len;
                jb_append(&P->keys, P->str.data, P->str.len);
            } else {
                x.kraw = P->ts + 1;
                x.klen = (uint32_t)(P->te - P->ts - 2);
            }
            if (lex(P) != SL_OK || expect(P, C_OBJECT_LABEL, T_COLON) != SL_OK)
                return SL_ERR;
            x.voff = (uint32_t)P->out.len;
            if (parse_value(P, C_VALUE) != SL_OK)
                return SL_ERR;
            x.vlen = (uint32_t)(P->out.len - x.voff);
            if (P->nents == P->capents) {
                entry_t *ne = malloc(2 * P->capents * sizeof(*ne));
                if (ne == NULL)
                    sl_panic("out of memory");
                memcpy(ne, P->ents, P->capents * sizeof(*ne));
                if (P->capents > 32)
                    free(P->ents);   /* not the caller's stack array */
                P->ents = ne;
                P->capents *= 2;
            }
            P->ents[P->nents++] = x;
            if (P->tok != T_COMMA)
                break;
            if (lex(P) != SL_OK)
                return SL_ERR;
        }
    } else if (P->tok != T_OBJ_END) {
        return parse_error(P, C_OBJECT_START);
    }
    if (expect(P, C_OBJECT_NEXT, T_OBJ_END) != SL_OK)
        return SL_ERR;
    /* Rebuild: keys sorted, the last of equal keys kept. */
    entry_t *v = P->ents + ebase;
    size_t n = P->nents - ebase;
    sort_entries(P, v, n);
    P->tmp.len = 0;
    jb_append(&P->tmp, P->out.data + base, P->out.len - base);
    P->out.len = base;
    jb_putc(&P->out, '{');
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && v[i].klen == v[i + 1].klen &&
            memcmp(entry_key(P, &v[i]), entry_key(P, &v[i + 1]), v[i].klen) == 0)
            continue;
        if (!first)
            jb_puts(&P->out, ", ");
        first = false;
        put_escaped(&P->out, entry_key(P, &v[i]), v[i].klen);
        jb_puts(&P->out, ": ");
        jb_append(&P->out, P->tmp.data + (v[i].voff - base), v[i].vlen);
    }
    jb_putc(&P->out, '}');
    P->nents = ebase;
    P->keys.len = kbase;
    P->depth--;
    return SL_OK;
}

static int parse_value(parser_t *P, pctx_t ctx)
{
    switch (P->tok) {
    case T_OBJ_START:
        return parse_object(P);
    case T_ARR_START:
        return parse_array(P);
    case T_STRING:
        put_string_token(P);
        return lex(P);
    case T_TRUE:
    case T_FALSE:
    case T_NULL:
        jb_append(&P->out, P->ts, (size_t)(P->te - P->ts));
        return lex(P);
    case T_NUMBER: {
        /* The next token is lexed before the number is converted, as
         * PostgreSQL's parse_scalar does. */
        const char *ns = P->ts;
        uint32_t nn = (uint32_t)(P->te - P->ts);
        if (lex(P) != SL_OK)
            return SL_ERR;
        return put_number(P, ns, nn);
    }
    default:
        return parse_error(P, ctx);
    }
}

/* Valid UTF-8 without NUL, as text input checks (22021). */
static int check_utf8(const char *s, uint32_t n, sl_error_t *err)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {   /* 8 ASCII bytes without NUL at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & UINT64_C(0x8080808080808080)) == 0 &&
                ((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080)) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        size_t l = c ? sl_utf8_seqlen(s + i, n - i) : 0;
        if (l == 0) {
            sl_datum_t d;
            return sl_type_input(SL_T_TEXT, -1, s, n, NULL, &d, err);
        }
        i += l;
    }
    return SL_OK;
}

int sl_jsonb_input(const char *s, uint32_t n, sl_arena_t *a, sl_datum_t *out,
                   sl_error_t *err)
{
    if (check_utf8(s, n, err) != SL_OK)
        return SL_ERR;
    char sout[1024], sstr[256], skeys[256], stmp[512];
    entry_t sents[32];
    parser_t P = {.s = s, .e = s + n, .p = s, .err = err, .str = JB_INIT(sstr),
                  .out = JB_INIT(sout), .keys = JB_INIT(skeys), .tmp = JB_INIT(stmp),
                  .ents = sents, .capents = sizeof(sents) / sizeof(sents[0])};
    int rc = lex(&P);
    if (rc == SL_OK)
        rc = parse_value(&P, C_VALUE);
    if (rc == SL_OK)
        rc = expect(&P, C_END, T_END);
    if (rc == SL_OK) {
        char *t = sl_alloc(a, P.out.len + 1);
        memcpy(t, P.out.data, P.out.len);
        t[P.out.len] = '\0';
        memset(out, 0, sizeof(*out));
        out->v.s.p = t;
        out->v.s.n = (uint32_t)P.out.len;
    }
    jb_free(&P.str);
    jb_free(&P.out);
    jb_free(&P.keys);
    jb_free(&P.tmp);
    if (P.ents != sents)
        free(P.ents);
    return rc;
}

/* ---- numbers ---- */

static int number(const char *s, uint32_t n, jbuf_t *b, sl_error_t *err)
{
    const char *p = s, *e = s + n;
    bool neg = p < e && *p == '-';
    p += neg;
    const char *ip = p;
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    const char *ie = p, *fp = p, *fe = p;
    if (p < e && *p == '.') {
        fp = ++p;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        fe = p;
    }
    long long exp = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = p < e && *p == '-';
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            if (exp < 10000000000LL)
                exp = exp * 10 + (*p - '0');
        if (eneg)
            exp = -exp;
    }
    if (exp >= INT_MAX / 2 || exp <= -(INT_MAX / 2))
        goto overflow;
    long long nint = ie - ip, nfrac = fe - fp;
    long long dscale = nfrac - exp > 0 ? nfrac - exp : 0;
    /* pos: digits before the decimal point, counted in the digit string
     * int digits + fraction digits */
    long long nd = nint + nfrac, pos = nint + exp;
    /* first nonzero digit */
    long long first = -1;
    for (long long i = 0; i < nd; i++) {
        char c = i < nint ? ip[i] : fp[i - nint];
        if (c != '0') {
            first = i;
            break;
        }
    }
    if (dscale > 0x3FFF)
        goto overflow;
    if (first >= 0) {
        long long k = pos - 1 - first;   /* decimal exponent of the leading digit */
        long long w = k >= 0 ? k / 4 : -((-k + 3) / 4);
        if (w > 32767)
            goto overflow;
    }
    {
        /* Sluice's own bound: an exponent may add at most
         * SL_JSONB_MAX_EXPANSION digits to the number's text (1e100000
         * would turn 8 bytes of a request into 100 kB) */
        long long ipart = first >= 0 && first < pos ? pos - first : 1;
        if (ipart + dscale > (long long)n + SL_JSONB_MAX_EXPANSION) {
            sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                         "jsonb number \"%.*s\" is too long for Sluice", (int)(n > 64 ? 64 : n), s);
            sl_error_detail(err, "Its text would have %lld digits; an exponent may add at most %d.",
                            ipart + dscale, SL_JSONB_MAX_EXPANSION);
            return SL_ERR;
        }
    }
#define DIGIT(i) ((i) < 0 || (i) >= nd ? '0' : ((i) < nint ? ip[(i)] : fp[(i) - nint]))
    if (neg && first >= 0)
        jb_putc(b, '-');
    /* integer part: digits [0, pos) without leading zeros */
    long long start = first >= 0 && first < pos ? first : pos;
    if (start >= pos) {
        jb_putc(b, '0');
    } else {
        for (long long i = start; i < pos; i++)
            jb_putc(b, DIGIT(i));
    }
    if (dscale > 0) {
        jb_putc(b, '.');
        for (long long i = pos; i < pos + dscale; i++)
            jb_putc(b, DIGIT(i));
    }
#undef DIGIT
    return SL_OK;
overflow:
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value overflows numeric format");
}

/* Compares canonical numbers by value. */
static int num_cmp(const char *a, uint32_t an, const char *b, uint32_t bn)
{
    bool na = an && a[0] == '-', nb = bn && b[0] == '-';
    const char *ae = a + an, *be = b + bn;
    a += na;
    b += nb;
    const char *ad = memchr(a, '.', (size_t)(ae - a)), *bd = memchr(b, '.', (size_t)(be - b));
    size_t ai = ad ? (size_t)(ad - a) : (size_t)(ae - a);
    size_t bi = bd ? (size_t)(bd - b) : (size_t)(be - b);
    bool za = ai == 1 && a[0] == '0', zb = bi == 1 && b[0] == '0';
    /* strip trailing fraction zeros to compare values */
    const char *af = ad ? ad + 1 : ae, *bf = bd ? bd + 1 : be;
    while (ae > af && ae[-1] == '0')
        ae--;
    while (be > bf && be[-1] == '0')
        be--;
    bool a0 = za && ae == af, b0 = zb && be == bf;
    int sa = a0 ? 0 : na ? -1 : 1, sb = b0 ? 0 : nb ? -1 : 1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int mag;
    if (ai != bi && !(za || zb)) {
        mag = ai < bi ? -1 : 1;
    } else if (za != zb) {
        mag = za ? -1 : 1;
    } else {
        int c = memcmp(a, b, ai);
        if (c != 0) {
            mag = c < 0 ? -1 : 1;
        } else {
            size_t fa = (size_t)(ae - af), fb = (size_t)(be - bf), m = fa < fb ? fa : fb;
            c = m ? memcmp(af, bf, m) : 0;
            mag = c != 0 ? (c < 0 ? -1 : 1) : fa < fb ? -1 : fa > fb ? 1 : 0;
        }
    }
    return sa < 0 ? -mag : mag;
}

/* ------------------------------------------------------------------ */
/* walking canonical text                                              */
/* ------------------------------------------------------------------ */

static const char *skip_string(const char *p)
{
    for (p++; *p != '"'; p++)
        if (*p == '\\')
            p++;
    return p + 1;
}

/* The end of the value at p (before e). */
static const char *skip(const char *p, const char *e)
{
    switch (*p) {
    case '"':
        return skip_string(p);
    case '{':
    case '[': {
        int depth = 0;
        do {
            char c = *p;
            if (c == '"') {
                p = skip_string(p);
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
            p++;
        } while (depth > 0);
        return p;
    }
    case 't':
    case 'n':
        return p + 4;
    case 'f':
        return p + 5;
    default:
        while (p < e && *p != ',' && *p != ']' && *p != '}')
            p++;
        return p;
    }
}

sl_jb_kind_t sl_jsonb_kind(sl_jb_t j)
{
    switch (j.p[0]) {
    case '{': return SL_JB_OBJECT;
    case '[': return SL_JB_ARRAY;
    case '"': return SL_JB_STRING;
    case 't': case 'f': return SL_JB_BOOL;
    case 'n': return SL_JB_NULL;
    default: return SL_JB_NUMBER;
    }
}

const char *sl_jsonb_typeof(sl_jb_t j)
{
    static const char *const names[] = {"null", "string", "number", "boolean", "array", "object"};
    return names[sl_jsonb_kind(j)];
}

/* Iterator over a container's members. */
typedef struct it {
    const char *p, *e;
    bool obj;
} it_t;

static void it_init(it_t *it, sl_jb_t j)
{
    it->obj = j.p[0] == '{';
    it->p = j.p + 1;
    it->e = j.p + j.n;
    if (*it->p == '}' || *it->p == ']')
        it->p = NULL;
}

/* Next member: for an object its key (with quotes) in *k; false at end. */
static bool it_next(it_t *it, sl_jb_t *k, sl_jb_t *v)
{
    if (it->p == NULL)
        return false;
    const char *p = it->p;
    if (it->obj) {
        const char *ke = skip_string(p);
        k->p = p;
        k->n = (uint32_t)(ke - p);
        p = ke + 2;
    }
    const char *ve = skip(p, it->e);
    v->p = p;
    v->n = (uint32_t)(ve - p);
    it->p = *ve == ',' ? ve + 2 : NULL;
    return true;
}

static int64_t count_members(sl_jb_t j)
{
    it_t it;
    sl_jb_t k, v;
    int64_t n = 0;
    it_init(&it, j);
    while (it_next(&it, &k, &v))
        n++;
    return n;
}

int sl_jsonb_array_length(sl_jb_t j, int64_t *len, sl_error_t *err)
{
    sl_jb_kind_t k = sl_jsonb_kind(j);
    if (k == SL_JB_OBJECT)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "cannot get array length of a non-array");
    if (k != SL_JB_ARRAY)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "cannot get array length of a scalar");
    *len = count_members(j);
    return SL_OK;
}

/* Whether the canonical string s (with quotes) holds exactly raw[0..rn). */
static bool string_is(sl_jb_t s, const char *raw, uint32_t rn)
{
    const char *p = s.p + 1, *e = s.p + s.n - 1;
    /* An escape makes the text longer than the string: same length, same
     * bytes and no backslash, or shorter, no match. */
    if ((uint32_t)(e - p) <= rn)
        return (uint32_t)(e - p) == rn &&
               (rn == 0 || (memcmp(p, raw, rn) == 0 && memchr(p, '\\', rn) == NULL));
    if (memchr(p, '\\', (size_t)(e - p)) == NULL)
        return false;
    uint32_t i = 0;
    while (p < e) {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            switch (c) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': c = (char)(sl_hexval(p[2]) * 16 + sl_hexval(p[3])); p += 4; break;
            default: break;   /* " and \ */
            }
        }
        if (i >= rn || raw[i] != c)
            return false;
        i++;
    }
    return i == rn;
}

/* The unescaped bytes of canonical string s, into a (or a slice). */
static void unescape(sl_jb_t s, sl_arena_t *a, const char **out, uint32_t *on)
{
    const char *p = s.p + 1, *e = s.p + s.n - 1;
    const char *bs = p;
    if (e - p <= 32)   /* short (a view's payload->>'kind'): looked at in line */
        while (bs < e && *bs != '\\')
            bs++;
    if (e - p <= 32 ? bs == e : memchr(p, '\\', (size_t)(e - p)) == NULL) {
        *out = p;
        *on = (uint32_t)(e - p);
        return;
    }
    char *r = sl_alloc(a, (size_t)(e - p) + 1), *q = r;
    while (p < e) {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            switch (c) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': c = (char)(sl_hexval(p[2]) * 16 + sl_hexval(p[3])); p += 4; break;
            default: break;
            }
        }
        *q++ = c;
    }
    *q = '\0';
    *out = r;
    *on = (uint32_t)(q - r);
}

/* Whether the canonical key [ks, ke) (with quotes) is raw[0..rn): string_is
 * with the common case (a key as long as raw) compared in line. */
static inline bool key_is(const char *ks, const char *ke, const char *raw, uint32_t rn)
{
    uint32_t n = (uint32_t)(ke - ks) - 2;
    if (n != rn)   /* longer: perhaps an escape; shorter: never */
        return n > rn && string_is((sl_jb_t){ks, n + 2}, raw, rn);
    if (rn > 16)
        return memcmp(ks + 1, raw, rn) == 0 && memchr(raw, '\\', rn) == NULL;
    for (uint32_t i = 0; i < rn; i++)   /* equal bytes, none an escape's backslash */
        if (ks[1 + i] != raw[i] || raw[i] == '\\')
            return false;
    return true;
}

/* The members are walked in place (one per event and key in a view's
 * payload->>'key': no iterator state). */
bool sl_jsonb_field(sl_jb_t j, const char *key, uint32_t kn, sl_jb_t *out)
{
    if (j.p[0] != '{' || j.p[1] == '}')
        return false;
    const char *p = j.p + 1, *e = j.p + j.n;
    for (;;) {
        const char *ke = skip_string(p);
        bool hit = key_is(p, ke, key, kn);
        const char *v = ke + 2, *ve;   /* after ": " */
        if (*v == '"')
            ve = skip_string(v);
        else if ((*v >= '0' && *v <= '9') || *v == '-')   /* a number: up to , or } */
            for (ve = v + 1; *ve != ',' && *ve != '}'; ve++)
                ;
        else
            ve = skip(v, e);
        if (hit) {
            out->p = v;
            out->n = (uint32_t)(ve - v);
            return true;
        }
        if (*ve != ',')
            return false;
        p = ve + 2;   /* after ", " */
    }
}

bool sl_jsonb_elem(sl_jb_t j, int64_t idx, sl_jb_t *out)
{
    if (j.p[0] == '{')
        return false;
    if (j.p[0] != '[') {   /* a top-level scalar: a one-element array */
        if (idx == 0 || idx == -1) {
            *out = j;
            return true;
        }
        return false;
    }
    if (idx < 0) {
        int64_t n = count_members(j);
        if (-idx > n)
            return false;
        idx += n;
    }
    it_t it;
    sl_jb_t k, v;
    it_init(&it, j);
    for (int64_t i = 0; it_next(&it, &k, &v); i++)
        if (i == idx) {
            *out = v;
            return true;
        }
    return false;
}

bool sl_jsonb_text(sl_jb_t j, sl_arena_t *a, const char **p, uint32_t *n)
{
    switch (j.p[0]) {
    case 'n':
        return false;
    case '"':
        unescape(j, a, p, n);
        return true;
    default:
        *p = j.p;
        *n = j.n;
        return true;
    }
}

/* ---- text[] literals ---- */

static int malformed(const char *s, uint32_t n, const char *detail, sl_error_t *err)
{
    sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0, "malformed array literal: \"%.*s\"",
                 (int)(n > 200 ? 200 : n), s);
    sl_error_detail(err, "%s", detail);
    return SL_ERR;
}

static bool arr_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int sl_jsonb_parse_path(const char *s, uint32_t n, sl_arena_t *a, sl_jb_path_t *out,
                        sl_error_t *err)
{
    const char *p = s, *e = s + n;
    while (p < e && arr_space(*p))
        p++;
    if (p >= e || *p != '{')
        return malformed(s, n, "Array value must start with \"{\" or dimension information.", err);
    p++;
    int cap = 8, cnt = 0;
    const char **ep = sl_alloc(a, (size_t)cap * sizeof(*ep));
    uint32_t *el = sl_alloc(a, (size_t)cap * sizeof(*el));
    char *buf = sl_alloc(a, n + 1);
    size_t bl = 0;
    while (p < e && arr_space(*p))
        p++;
    if (p < e && *p == '}') {
        p++;
    } else {
        for (;;) {
            while (p < e && arr_space(*p))
                p++;
            if (p >= e)
                return malformed(s, n, "Unexpected end of input.", err);
            if (*p == '{')
                return malformed(s, n, "Multidimensional arrays are not supported in Sluice's paths.", err);
            const char *start = buf + bl;
            bool quoted = false, any = false, saw_quote = false;
            size_t lastsig = bl;   /* length up to the last non-space or quoted byte */
            while (p < e && (quoted || (*p != ',' && *p != '}'))) {
                char c = *p++;
                if (c == '"') {
                    quoted = !quoted;
                    any = saw_quote = true;
                    lastsig = bl;
                    continue;
                }
                if (c == '\\') {
                    saw_quote = true;
                    if (p >= e)
                        return malformed(s, n, "Unexpected end of input.", err);
                    buf[bl++] = *p++;
                    lastsig = bl;
                    any = true;
                    continue;
                }
                if (!quoted && c == '{')
                    return malformed(s, n, "Unexpected \"{\" character.", err);
                if (!quoted && arr_space(c) && !any)
                    continue;
                buf[bl++] = c;
                if (quoted || !arr_space(c))
                    lastsig = bl;
                if (!arr_space(c))
                    any = true;
            }
            if (quoted || p >= e)
                return malformed(s, n, "Unexpected end of input.", err);
            /* trailing unquoted spaces are dropped */
            bl = lastsig;
            size_t len = (size_t)(buf + bl - start);
            if (!any)
                return malformed(s, n, "Unexpected \",\" character.", err);
            bool null_elem = !saw_quote && len == 4 && strncasecmp(start, "NULL", 4) == 0;
            if (cnt == cap) {
                const char **np = sl_alloc(a, (size_t)cap * 2 * sizeof(*np));
                uint32_t *nl = sl_alloc(a, (size_t)cap * 2 * sizeof(*nl));
                memcpy(np, ep, (size_t)cap * sizeof(*np));
                memcpy(nl, el, (size_t)cap * sizeof(*nl));
                ep = np;
                el = nl;
                cap *= 2;
            }
            ep[cnt] = null_elem ? NULL : start;
            el[cnt] = (uint32_t)len;
            cnt++;
            if (*p++ == '}')
                break;
        }
    }
    while (p < e && arr_space(*p))
        p++;
    if (p != e)
        return malformed(s, n, "Junk after closing right brace.", err);
    out->n = cnt;
    out->p = ep;
    out->len = el;
    return SL_OK;
}

bool sl_jsonb_get_path(sl_jb_t j, const sl_jb_path_t *path, sl_jb_t *out)
{
    for (int i = 0; i < path->n; i++)
        if (path->p[i] == NULL)
            return false;
    sl_jb_t cur = j;
    for (int i = 0; i < path->n; i++) {
        char c = cur.p[0];
        if (c == '{') {
            if (!sl_jsonb_field(cur, path->p[i], path->len[i], &cur))
                return false;
        } else if (c == '[') {
            char num[32];
            if (path->len[i] == 0 || path->len[i] >= sizeof(num))
                return false;
            memcpy(num, path->p[i], path->len[i]);
            num[path->len[i]] = '\0';
            char *end;
            errno = 0;
            long v = strtol(num, &end, 10);
            if (end == num || *end != '\0' || errno != 0 || v > INT_MAX || v < INT_MIN)
                return false;
            if (v == INT_MIN)
                return false;
            if (!sl_jsonb_elem(cur, v, &cur))
                return false;
        } else {
            return false;   /* a scalar (even at the top, unlike ->): no member */
        }
    }
    *out = cur;
    return true;
}

bool sl_jsonb_exists(sl_jb_t j, const char *key, uint32_t kn)
{
    it_t it;
    sl_jb_t k, v;
    switch (j.p[0]) {
    case '{':
        return sl_jsonb_field(j, key, kn, &v);
    case '[':
        it_init(&it, j);
        while (it_next(&it, &k, &v))
            if (v.p[0] == '"' && string_is(v, key, kn))
                return true;
        return false;
    case '"':
        return string_is(j, key, kn);
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* order, equality, hash, containment                                  */
/* ------------------------------------------------------------------ */

static int string_cmp(sl_jb_t a, sl_jb_t b, bool bytewise)
{
    if (bytewise) {
        /* canonical escaping is one-to-one: equal bytes, equal strings */
        if (a.n == b.n && memcmp(a.p, b.p, a.n) == 0)
            return 0;
        return 1;
    }
    sl_arena_t *tmp = NULL;
    sl_datum_t x = {0}, y = {0};
    const char *ap = a.p + 1, *bp = b.p + 1;
    if (memchr(ap, '\\', a.n - 2) || memchr(bp, '\\', b.n - 2)) {
        tmp = sl_arena_new(NULL, "jsonb cmp");
        unescape(a, tmp, &x.v.s.p, &x.v.s.n);
        unescape(b, tmp, &y.v.s.p, &y.v.s.n);
    } else {
        x.v.s.p = ap;
        x.v.s.n = a.n - 2;
        y.v.s.p = bp;
        y.v.s.n = b.n - 2;
    }
    int c = sl_datum_cmp(SL_T_TEXT, &x, &y);
    if (tmp)
        sl_arena_free(tmp);
    return c;
}

static int scalar_cmp(sl_jb_kind_t k, sl_jb_t a, sl_jb_t b, bool bytewise)
{
    switch (k) {
    case SL_JB_NULL:
        return 0;
    case SL_JB_STRING:
        return string_cmp(a, b, bytewise);
    case SL_JB_NUMBER:
        return num_cmp(a.p, a.n, b.p, b.n);
    case SL_JB_BOOL:
        return (a.p[0] == 't') - (b.p[0] == 't');
    default:
        return 0;
    }
}

/* Below the top level: type order, sizes, then members in order. */
static int value_cmp(sl_jb_t a, sl_jb_t b, bool bytewise)
{
    sl_jb_kind_t ka = sl_jsonb_kind(a), kb = sl_jsonb_kind(b);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    if (ka != SL_JB_ARRAY && ka != SL_JB_OBJECT)
        return scalar_cmp(ka, a, b, bytewise);
    int64_t na = count_members(a), nb = count_members(b);
    if (na != nb)
        return na < nb ? -1 : 1;
    it_t ia, ib;
    sl_jb_t xk, xv, yk, yv;
    it_init(&ia, a);
    it_init(&ib, b);
    while (it_next(&ia, &xk, &xv) && it_next(&ib, &yk, &yv)) {
        int c;
        if (ka == SL_JB_OBJECT && (c = string_cmp(xk, yk, bytewise)) != 0)
            return c;
        if ((c = value_cmp(xv, yv, bytewise)) != 0)
            return c;
    }
    return 0;
}

static int top_cmp(sl_jb_t a, sl_jb_t b, bool bytewise)
{
    sl_jb_kind_t ka = sl_jsonb_kind(a), kb = sl_jsonb_kind(b);
    if (ka == SL_JB_OBJECT || kb == SL_JB_OBJECT)
        return value_cmp(a, b, bytewise);
    /* a top-level scalar is a one-element "raw scalar" array */
    bool ra = ka != SL_JB_ARRAY, rb = kb != SL_JB_ARRAY;
    int64_t na = ra ? 1 : count_members(a), nb = rb ? 1 : count_members(b);
    int res = 0;
    if (ra != rb)
        res = ra ? -1 : 1;
    if (na != nb)
        res = na > nb ? 1 : -1;
    if (res != 0)
        return res;
    if (ra)
        return value_cmp(a, b, bytewise);
    return value_cmp(a, b, bytewise);
}

int sl_jsonb_cmp(sl_jb_t a, sl_jb_t b)
{
    int c = top_cmp(a, b, false);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool sl_jsonb_eq(sl_jb_t a, sl_jb_t b)
{
    if (a.n == b.n && memcmp(a.p, b.p, a.n) == 0)
        return true;
    return top_cmp(a, b, true) == 0;
}

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
    h *= UINT64_C(0xff51afd7ed558ccd);
    return h ^ (h >> 29);
}

uint64_t sl_jsonb_hash(sl_jb_t j)
{
    /* The bytes, with numbers stripped of trailing fraction zeros. */
    uint64_t h = UINT64_C(0x6a09e667f3bcc908);
    const char *p = j.p, *e = j.p + j.n;
    while (p < e) {
        char c = *p;
        if (c == '"') {
            const char *q = skip_string(p);
            for (; p < q; p++)
                h = mix(h, (unsigned char)*p);
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            const char *q = p;
            while (q < e && (*q == '-' || *q == '.' || (*q >= '0' && *q <= '9')))
                q++;
            const char *t = q;
            if (memchr(p, '.', (size_t)(q - p))) {
                while (t[-1] == '0')
                    t--;
                if (t[-1] == '.')
                    t--;
            }
            for (; p < t; p++)
                h = mix(h, (unsigned char)*p);
            p = q;
            continue;
        }
        h = mix(h, (unsigned char)c);
        p++;
    }
    return h;
}

static bool scalar_eq(sl_jb_t a, sl_jb_t b)
{
    sl_jb_kind_t k = sl_jsonb_kind(a);
    return k == sl_jsonb_kind(b) && scalar_cmp(k, a, b, true) == 0;
}

/* JsonbDeepContains for two containers of one kind. */
static bool deep_contains(sl_jb_t a, sl_jb_t b)
{
    it_t ib;
    sl_jb_t bk, bv;
    if (b.p[0] == '{') {
        if (count_members(a) < count_members(b))
            return false;
        it_init(&ib, b);
        while (it_next(&ib, &bk, &bv)) {
            /* keys are canonical on both sides: compare their bytes */
            it_t ia;
            sl_jb_t ak, av;
            bool found = false;
            it_init(&ia, a);
            while (it_next(&ia, &ak, &av))
                if (ak.n == bk.n && memcmp(ak.p, bk.p, ak.n) == 0) {
                    found = true;
                    break;
                }
            if (!found)
                return false;
            sl_jb_kind_t ka = sl_jsonb_kind(av), kb = sl_jsonb_kind(bv);
            if (ka != kb)
                return false;
            if (kb == SL_JB_ARRAY || kb == SL_JB_OBJECT) {
                if (!deep_contains(av, bv))
                    return false;
            } else if (!scalar_eq(av, bv)) {
                return false;
            }
        }
        return true;
    }
    it_init(&ib, b);
    while (it_next(&ib, &bk, &bv)) {
        sl_jb_kind_t kb = sl_jsonb_kind(bv);
        it_t ia;
        sl_jb_t ak, av;
        bool found = false;
        it_init(&ia, a);
        while (!found && it_next(&ia, &ak, &av)) {
            if (sl_jsonb_kind(av) != kb)
                continue;
            if (kb == SL_JB_ARRAY || kb == SL_JB_OBJECT)
                found = deep_contains(av, bv);
            else
                found = scalar_eq(av, bv);
        }
        if (!found)
            return false;
    }
    return true;
}

bool sl_jsonb_contains(sl_jb_t a, sl_jb_t b)
{
    sl_jb_kind_t ka = sl_jsonb_kind(a), kb = sl_jsonb_kind(b);
    bool ra = ka != SL_JB_ARRAY && ka != SL_JB_OBJECT;
    bool rb = kb != SL_JB_ARRAY && kb != SL_JB_OBJECT;
    if (ka == SL_JB_OBJECT || kb == SL_JB_OBJECT)
        return ka == kb && deep_contains(a, b);
    /* arrays and raw scalars (one-element pseudo arrays) */
    if (ra && !rb)
        return false;   /* a raw scalar does not contain an array */
    if (ra && rb)
        return scalar_eq(a, b);
    if (rb) {
        it_t ia;
        sl_jb_t ak, av;
        it_init(&ia, a);
        while (it_next(&ia, &ak, &av))
            if (scalar_eq(av, b))
                return true;
        return false;
    }
    return deep_contains(a, b);
}

/* ------------------------------------------------------------------ */
/* casts                                                               */
/* ------------------------------------------------------------------ */

static const char *kind_word(sl_jb_kind_t k)
{
    static const char *const w[] = {"null", "string", "numeric", "boolean", "array", "object"};
    return w[k];
}

int sl_jsonb_cast(sl_jb_t j, sl_type_t t, sl_arena_t *a, sl_datum_t *out, sl_error_t *err)
{
    sl_jb_kind_t k = sl_jsonb_kind(j);
    memset(out, 0, sizeof(*out));
    if (t == SL_T_BOOL && k == SL_JB_BOOL) {
        out->v.i = j.p[0] == 't';
        return SL_OK;
    }
    if (k == SL_JB_NUMBER && t != SL_T_BOOL) {
        if (t == SL_T_INT2 || t == SL_T_INT4 || t == SL_T_INT8) {
            /* numeric -> integer: round half away from zero */
            const char *p = j.p, *e = j.p + j.n;
            bool neg = *p == '-';
            p += neg;
            uint64_t v = 0;
            bool big = false;
            for (; p < e && *p != '.'; p++)
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
                    big = true;
            if (p < e && p[1] >= '5' && __builtin_add_overflow(v, 1, &v))
                big = true;
            int64_t lim = t == SL_T_INT2 ? INT16_MAX : t == SL_T_INT4 ? INT32_MAX : INT64_MAX;
            if (big || v > (uint64_t)lim + (neg ? 1 : 0))
                return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "%s out of range",
                                    t == SL_T_INT2 ? "smallint" : t == SL_T_INT4 ? "integer" : "bigint");
            out->v.i = neg ? (int64_t)(0 - v) : (int64_t)v;
            return SL_OK;
        }
        if (t == SL_T_FLOAT4 || t == SL_T_FLOAT8 || t == SL_T_NUMERIC)
            return sl_type_input(t, -1, j.p, j.n, a, out, err);
    }
    return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0, "cannot cast jsonb %s to type %s",
                        kind_word(k), sl_type_name(t));
}

/* ---- to_jsonb: a value of any type as jsonb ---- */

/*
 * The JSON text of non-null or null datum d of type t, as PostgreSQL's
 * datum_to_jsonb writes it (session TimeZone UTC, DateStyle ISO): the
 * one place where a type meets JSON.  Arrays are JSON arrays of their
 * elements' conversions (NULL as null), so an array of a new element type
 * needs only its element's case here; a type with no case of its own is a
 * JSON string of its text output (date, time, interval, uuid, text).
 */
static void put_json(sl_type_t t, const sl_datum_t *d, sl_buf_t *b)
{
    if (d->null) {
        sl_buf_puts(b, "null");
        return;
    }
    if (sl_type_is_array(t)) {
        /* nested by dimension, as array_to_json_internal: '{{1,2},{3,4}}'
         * is [[1, 2], [3, 4]]; bounds are left out */
        sl_array_shape_t sh;
        sl_array_shape(d, &sh);
        sl_array_iter_t it;
        sl_datum_t e;
        sl_array_iter_init(&it, t, d);
        if (sh.ndim == 0 || sl_array_count(d) == 0) {
            sl_buf_puts(b, "[]");
            return;
        }
        for (int k = 0; k < sh.ndim; k++)
            sl_buf_putc(b, '[');
        for (long i = 0; sl_array_next(&it, &e); i++) {
            if (i > 0) {
                /* the inner dimensions that end before element i */
                int ended = 0;
                long block = 1;
                for (int k = sh.ndim - 1; k > 0; k--) {
                    block *= sh.dims[k];
                    if (i % block != 0)
                        break;
                    ended++;
                }
                for (int c = 0; c < ended; c++)
                    sl_buf_putc(b, ']');
                sl_buf_puts(b, ", ");
                for (int c = 0; c < ended; c++)
                    sl_buf_putc(b, '[');
            }
            put_json(it.elem, &e, b);
        }
        for (int k = 0; k < sh.ndim; k++)
            sl_buf_putc(b, ']');
        return;
    }
    if (t == SL_T_BOOL) {
        sl_buf_puts(b, d->v.i ? "true" : "false");
        return;
    }
    if (t == SL_T_JSONB) {
        sl_buf_append(b, d->v.s.p, d->v.s.n);
        return;
    }
    sl_buf_t v = SL_BUF_INIT;
    sl_type_output(t, d, &v);
    const char *s = sl_buf_cstr(&v);
    bool number = t == SL_T_INT2 || t == SL_T_INT4 || t == SL_T_INT8 || t == SL_T_FLOAT4 ||
                  t == SL_T_FLOAT8 || t == SL_T_NUMERIC;
    if (number && strcmp(s, "NaN") != 0 && strcmp(s, "Infinity") != 0 &&
        strcmp(s, "-Infinity") != 0) {
        sl_buf_append(b, v.data, v.len);   /* jsonb_in makes 1e+100 numeric's digits */
    } else if ((t == SL_T_TIMESTAMPTZ || t == SL_T_TIMESTAMP) && isdigit((unsigned char)s[0])) {
        /* JsonEncodeDateTime: ISO 8601, "T" between date and time, the
         * offset with its minutes; " BC" stays last */
        sl_buf_t x = SL_BUF_INIT;
        const char *sp = strchr(s, ' ');
        sl_buf_append(&x, s, (size_t)(sp - s));
        sl_buf_putc(&x, 'T');
        const char *rest = sp + 1, *bc = strstr(rest, " BC");
        size_t rn = bc ? (size_t)(bc - rest) : strlen(rest);
        sl_buf_append(&x, rest, rn);
        if (t == SL_T_TIMESTAMPTZ)
            sl_buf_puts(&x, ":00");   /* "+00" -> "+00:00" */
        if (bc)
            sl_buf_puts(&x, " BC");
        sl_buf_put_json_string(b, x.data, x.len);
        sl_buf_free(&x);
    } else {
        sl_buf_put_json_string(b, v.data, v.len);
    }
    sl_buf_free(&v);
}

int sl_jsonb_from_datum(sl_type_t t, const sl_datum_t *d, sl_arena_t *a, sl_datum_t *out,
                        sl_error_t *err)
{
    sl_buf_t b = SL_BUF_INIT;
    put_json(t, d, &b);
    int rc = sl_jsonb_input(b.data, (uint32_t)b.len, a, out, err);
    sl_buf_free(&b);
    return rc;
}
