/*
 * lexer.re: the SQL lexer (re2c 3.0), PostgreSQL's lexical rules.
 *
 *   sl__lex_init / sl__lex   scan a NUL-terminated query into tokens
 *   sl__lex_pos              byte offset -> 1-based character position
 *   sl__keyword              keyword lookup (case-insensitive)
 *
 * Tokens are (pointer, length) slices of the query (sql/ast.h).  Keywords
 * are recognized here and mapped to the grammar's TK_* codes; non-reserved
 * ones fall back to identifiers in the grammar (%fallback).  Strings,
 * quoted identifiers and dollar quotes are returned raw (quotes included);
 * sql/ast.c decodes them.  Comments (-- and nested block comments) and
 * whitespace are skipped.  An unterminated quote or comment yields
 * SL_TK_ERROR with lx->errmsg set and the token running to the end.
 */
#include "sql/sql_int.h"

#include <stdlib.h>
#include <string.h>

#include "grammar/sql.h"

/* Keywords, sorted for bsearch.  Which of them are reserved is decided by
 * the grammar's %fallback list, not here. */
static const struct keyword {
    const char *name;
    int code;
} keywords[] = {
    {"activate", TK_ACTIVATE}, {"add", TK_ADD},
    {"all", TK_ALL},           {"alter", TK_ALTER},
    {"and", TK_AND},           {"any", TK_ANY},
    {"array", TK_ARRAY},
    {"as", TK_AS},             {"asc", TK_ASC},
    {"asymmetric", TK_ASYMMETRIC}, {"between", TK_BETWEEN},
    {"both", TK_BOTH},         {"by", TK_BY},
    {"cascade", TK_CASCADE},   {"case", TK_CASE},
    {"cast", TK_CAST},         {"character", TK_CHARACTER},
    {"column", TK_COLUMN},
    {"continuous", TK_CONTINUOUS}, {"create", TK_CREATE},
    {"cross", TK_CROSS},       {"deactivate", TK_DEACTIVATE},
    {"desc", TK_DESC},
    {"distinct", TK_DISTINCT}, {"double", TK_DOUBLE},
    {"drop", TK_DROP},         {"else", TK_ELSE},
    {"end", TK_END},           {"escape", TK_ESCAPE},
    {"exists", TK_EXISTS},     {"explain", TK_EXPLAIN},
    {"extract", TK_EXTRACT},
    {"false", TK_FALSE},       {"filter", TK_FILTER},
    {"for", TK_FOR},           {"from", TK_FROM},
    {"full", TK_FULL},         {"grant", TK_GRANT},
    {"group", TK_GROUP},       {"having", TK_HAVING},
    {"if", TK_IF},             {"ilike", TK_ILIKE},
    {"in", TK_IN},             {"inner", TK_INNER},
    {"insert", TK_INSERT},     {"is", TK_IS},
    {"join", TK_JOIN},         {"leading", TK_LEADING},
    {"left", TK_LEFT},         {"like", TK_LIKE},
    {"limit", TK_LIMIT},       {"not", TK_NOT},
    {"null", TK_NULL},         {"offset", TK_OFFSET},
    {"on", TK_ON},             {"option", TK_OPTION},
    {"or", TK_OR},             {"order", TK_ORDER},
    {"outer", TK_OUTER},       {"over", TK_OVER},
    {"partition", TK_PARTITION}, {"position", TK_POSITION},
    {"precision", TK_PRECISION}, {"privileges", TK_PRIVILEGES},
    {"restrict", TK_RESTRICT}, {"revoke", TK_REVOKE},
    {"right", TK_RIGHT},       {"role", TK_ROLE},
    {"select", TK_SELECT},     {"show", TK_SHOW},
    {"some", TK_SOME},
    {"stream", TK_STREAM},     {"streams", TK_STREAMS},
    {"substring", TK_SUBSTRING}, {"symmetric", TK_SYMMETRIC},
    {"then", TK_THEN},         {"time", TK_TIME},
    {"to", TK_TO},             {"token", TK_TOKEN},
    {"trailing", TK_TRAILING}, {"trim", TK_TRIM},
    {"true", TK_TRUE},         {"truncate", TK_TRUNCATE},
    {"union", TK_UNION},       {"unknown", TK_UNKNOWN},
    {"using", TK_USING},       {"varying", TK_VARYING},
    {"view", TK_VIEW},         {"views", TK_VIEWS},
    {"when", TK_WHEN},
    {"where", TK_WHERE},       {"with", TK_WITH},
    {"within", TK_WITHIN},     {"without", TK_WITHOUT},
    {"zone", TK_ZONE},
};

static int keyword_cmp(const void *k, const void *e)
{
    return strcmp(k, ((const struct keyword *)e)->name);
}

int sl__keyword(const char *p, int n)
{
    char low[16];
    const struct keyword *kw;

    if (n >= (int)sizeof(low))
        return 0;
    for (int i = 0; i < n; i++)
        low[i] = (p[i] >= 'A' && p[i] <= 'Z') ? p[i] + ('a' - 'A') : p[i];
    low[n] = 0;
    kw = bsearch(low, keywords, sizeof(keywords) / sizeof(keywords[0]),
                 sizeof(keywords[0]), keyword_cmp);
    return kw ? kw->code : 0;
}

void sl__lex_init(sl_lexer_t *lx, const char *query, size_t len)
{
    lx->base = query;
    lx->cur = query;
    lx->lim = query + len;
    lx->pos_off = 0;
    lx->pos_chars = 0;
    lx->errmsg = NULL;
}

int sl__lex_pos(sl_lexer_t *lx, int off)
{
    if (off < lx->pos_off) {
        lx->pos_off = 0;
        lx->pos_chars = 0;
    }
    for (const char *p = lx->base + lx->pos_off; p < lx->base + off; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            lx->pos_chars++;
    lx->pos_off = off;
    return lx->pos_chars + 1;
}

/* Fills *tok with the slice [start, end) and returns code. */
static int emit(sl_lexer_t *lx, sl_token_t *tok, const char *start,
                const char *end, int code, unsigned flags)
{
    lx->cur = end;
    tok->p = start;
    tok->n = (int)(end - start);
    tok->off = (int)(start - lx->base);
    tok->pos = sl__lex_pos(lx, tok->off);
    tok->flags = flags;
    return code;
}

/* A lexical error: the token runs from start to the end of the input. */
static int lex_error(sl_lexer_t *lx, sl_token_t *tok, const char *start,
                     const char *msg)
{
    lx->errmsg = msg;
    return emit(lx, tok, start, lx->lim, SL_TK_ERROR, 0);
}

/*
 * A run of operator characters, cut as PostgreSQL does: at a comment start,
 * and without trailing + / - unless the run holds one of ~!@#%^&|`?.
 * Returns the token code for the (possibly shortened) operator.
 */
static int operator_token(const char *start, const char **end)
{
    const char *e = *end;
    size_t n;

    for (const char *p = start + 1; p < e; p++)
        if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
            e = p;
            break;
        }
    n = (size_t)(e - start);
    bool special = false;    /* only within the run: the query may be long */
    for (size_t i = 0; i < n && !special; i++)
        special = strchr("~!@#%^&|`?", start[i]) != NULL;
    if (n > 1 && !special)
        while (n > 1 && (start[n - 1] == '+' || start[n - 1] == '-'))
            n--;
    *end = start + n;
    if (n == 1) {
        switch (start[0]) {
        case '+': return TK_PLUS;
        case '-': return TK_MINUS;
        case '*': return TK_STAR;
        case '/': return TK_SLASH;
        case '%': return TK_PERCENT;
        case '=': return TK_EQ;
        case '<': return TK_LT;
        case '>': return TK_GT;
        default: return TK_OPERATOR;
        }
    }
    if (n == 2) {
        if (memcmp(start, "<=", 2) == 0) return TK_LE;
        if (memcmp(start, ">=", 2) == 0) return TK_GE;
        if (memcmp(start, "<>", 2) == 0) return TK_NE;
        if (memcmp(start, "!=", 2) == 0) return TK_NE;
        if (memcmp(start, "||", 2) == 0) return TK_CONCAT;
    }
    return TK_OPERATOR;
}

/* Skips the (nested) block comment at start; returns the byte after it or
 * NULL when it is not closed before lim. */
static const char *skip_comment(const char *start, const char *lim)
{
    const char *cur = start + 2;
    int depth = 1;

    while (depth > 0) {
        if (cur >= lim)
            return NULL;
        if (cur[0] == '/' && cur[1] == '*') {
            depth++;
            cur += 2;
        } else if (cur[0] == '*' && cur[1] == '/') {
            depth--;
            cur += 2;
        } else {
            cur++;
        }
    }
    return cur;
}

int sl__lex(sl_lexer_t *lx, sl_token_t *tok)
{
    const char *cur = lx->cur, *mar, *start;

    for (;;) {
        start = cur;
        /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:define:YYCURSOR = cur;
        re2c:define:YYMARKER = mar;
        re2c:yyfill:enable = 0;

        digit = [0-9];
        identstart = [A-Za-z_\x80-\xff];
        ident = identstart [A-Za-z0-9_$\x80-\xff]*;
        tag = identstart [A-Za-z0-9_\x80-\xff]*;
        opchar = [~!@#^&|`?<>=+*/%-];

        "\x00" {
            if (start >= lx->lim)
                return emit(lx, tok, start, start, 0, 0);
            return emit(lx, tok, start, cur, TK_ILLEGAL, 0);
        }
        [ \t\n\r\f\v]+ { continue; }
        "--" [^\n\x00]* { continue; }
        ident {
            int kw = sl__keyword(start, (int)(cur - start));
            return emit(lx, tok, start, cur, kw ? kw : TK_ID, 0);
        }
        ["] ([^"\x00] | ["]["])* ["] {
            if (cur - start == 2)
                return lex_error(lx, tok, start, "zero-length delimited identifier");
            return emit(lx, tok, start, cur, TK_ID, SL_TOKF_QUOTED);
        }
        ["] { return lex_error(lx, tok, start, "unterminated quoted identifier"); }
        ['] ([^'\x00] | [']['])* ['] {
            return emit(lx, tok, start, cur, TK_STRING, 0);
        }
        ['] { return lex_error(lx, tok, start, "unterminated quoted string"); }
        [eE] ['] ([^'\\\x00] | [']['] | [\\][^\x00])* ['] {
            return emit(lx, tok, start, cur, TK_STRING, SL_TOKF_ESCAPE);
        }
        [eE] ['] { return lex_error(lx, tok, start, "unterminated quoted string"); }
        digit+ { return emit(lx, tok, start, cur, TK_INTEGER, 0); }
        (digit+ "." digit* | "." digit+) ([eE] [+-]? digit+)? {
            return emit(lx, tok, start, cur, TK_DECIMAL, 0);
        }
        digit+ [eE] [+-]? digit+ { return emit(lx, tok, start, cur, TK_DECIMAL, 0); }
        "$" digit+ { return emit(lx, tok, start, cur, TK_PARAM, 0); }
        "$" tag? "$" {
            size_t taglen = (size_t)(cur - start);
            const char *p = cur;
            for (;;) {
                p = memchr(p, '$', (size_t)(lx->lim - p));
                if (p == NULL)
                    return lex_error(lx, tok, start,
                                     "unterminated dollar-quoted string");
                if ((size_t)(lx->lim - p) >= taglen && memcmp(p, start, taglen) == 0)
                    break;
                p++;
            }
            return emit(lx, tok, start, p + taglen, TK_STRING, SL_TOKF_DOLLAR);
        }
        "::" { return emit(lx, tok, start, cur, TK_TYPECAST, 0); }
        opchar+ {
            const char *end = cur;
            if (start[0] == '/' && start[1] == '*') {
                /* A block comment (the run only looked like an operator). */
                cur = skip_comment(start, lx->lim);
                if (cur == NULL)
                    return lex_error(lx, tok, start, "unterminated /* comment");
                continue;
            }
            int code = operator_token(start, &end);
            return emit(lx, tok, start, end, code, 0);
        }
        "(" { return emit(lx, tok, start, cur, TK_LP, 0); }
        "[" { return emit(lx, tok, start, cur, TK_LBRACKET, 0); }
        "]" { return emit(lx, tok, start, cur, TK_RBRACKET, 0); }
        ":" { return emit(lx, tok, start, cur, TK_COLON, 0); }
        ")" { return emit(lx, tok, start, cur, TK_RP, 0); }
        "," { return emit(lx, tok, start, cur, TK_COMMA, 0); }
        "." { return emit(lx, tok, start, cur, TK_DOT, 0); }
        ";" { return emit(lx, tok, start, cur, TK_SEMI, 0); }
        * { return emit(lx, tok, start, cur, TK_ILLEGAL, 0); }
        */
    }
}
