/*
 * parse.c: the parse driver, sl_sql_split (sql.h).
 *
 * One loop: re2c tokens (grammar/lexer.re) are collected up to a top-level
 * ';' (quotes, dollar quotes and comments are whole tokens; ';' inside
 * parentheses does not end a statement, as in psql), the statement is
 * classified by its leading keywords, and Sluice's statements are fed to
 * the Lemon parser (grammar/sql.y) followed by end of input.  Everything
 * else is forwarded to PostgreSQL untouched, lexical oddities included.
 * A Sluice statement longer than SL_SQL_MAX_STATEMENT is refused (54000)
 * before it is parsed.
 */
#include "sql/sql.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grammar/sql.h"
#include "sql/sql_int.h"

/* Tokens of the statement being collected (scratch, malloc-backed). */
typedef struct toklist {
    int n, cap;
    sl_token_t *tok;
    int *code;
} toklist_t;

static void toklist_add(toklist_t *l, int code, const sl_token_t *t)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->tok = sl_xrealloc(l->tok, (size_t)l->cap * sizeof(*l->tok));
        l->code = sl_xrealloc(l->code, (size_t)l->cap * sizeof(*l->code));
    }
    l->tok[l->n] = *t;
    l->code[l->n++] = code;
}

/* True when token i is the identifier word (unquoted: any case). */
static bool tok_is_word(const toklist_t *l, int i, const char *word)
{
    size_t n = strlen(word);
    const sl_token_t *t = &l->tok[i];

    if (t->flags & SL_TOKF_QUOTED)
        return t->n == (int)n + 2 && strncmp(t->p + 1, word, n) == 0;
    return t->n == (int)n && strncasecmp(t->p, word, n) == 0;
}

/* Whether a statement whose first token has this code may be one of
 * Sluice's: every first keyword classify() tests must be listed here
 * (sl_sql_forwarded trusts it). */
static bool may_be_sluice(int code)
{
    return code == TK_CREATE || code == TK_DROP || code == TK_SHOW;
}

/* Which of Sluice's statements the leading keywords announce, or
 * SL_STMT_FORWARD; the grammar decides the exact kind. */
static sl_stmt_kind_t classify(const toklist_t *l)
{
    if (l->n == 0)
        return SL_STMT_EMPTY;
    if (l->n < 2 || !may_be_sluice(l->code[0]))
        return SL_STMT_FORWARD;
    int c0 = l->code[0], c1 = l->code[1];
    if (c0 == TK_CREATE && c1 == TK_STREAM)
        return SL_STMT_CREATE_STREAM;
    if (c0 == TK_CREATE && c1 == TK_CONTINUOUS)
        return SL_STMT_CREATE_VIEW;
    if (c0 == TK_DROP && c1 == TK_STREAM)
        return SL_STMT_DROP_STREAM;
    if (c0 == TK_DROP && c1 == TK_CONTINUOUS)
        return SL_STMT_DROP_VIEW;
    if (c0 == TK_SHOW && c1 == TK_STREAMS)
        return SL_STMT_SHOW_STREAMS;
    if (c0 == TK_SHOW && c1 == TK_CONTINUOUS)
        return SL_STMT_SHOW_VIEWS;
    if (c0 == TK_SHOW && (tok_is_word(l, 1, "http_address") ||
                          tok_is_word(l, 1, "sluice_version")))
        return SL_STMT_SHOW_SETTING;
    return SL_STMT_FORWARD;
}

/* NOT before IN, LIKE, ILIKE or BETWEEN is NOT_LA, which binds as tightly
 * as they do (PostgreSQL's parser looks ahead the same way), so that
 * a = b NOT IN (...) compares a with the IN's result. */
static int not_la(const toklist_t *l, int i)
{
    int c = l->code[i], n = i + 1 < l->n ? l->code[i + 1] : 0;
    if (c == TK_NOT && (n == TK_IN || n == TK_LIKE || n == TK_ILIKE || n == TK_BETWEEN))
        return TK_NOT_LA;
    return c;
}

/*
 * Runs the Lemon parser over one Sluice statement's tokens (the last one
 * may be its ';') and fills st.  Returns SL_OK or SL_ERR (42601).
 */
static int parse_stmt(const toklist_t *l, int end_pos, sl_stmt_t *st,
                      sl_arena_t *a, sl_error_t *err)
{
    sl_parse_t ps = {.a = a, .stmt = st, .err = err, .end_pos = end_pos};
    void *p = sl__parserAlloc(malloc, &ps);
    sl_token_t eof;

    for (int i = 0; i < l->n && !ps.failed; i++)
        sl__parser(p, not_la(l, i), l->tok[i]);
    if (!ps.failed) {
        memset(&eof, 0, sizeof(eof));
        eof.pos = end_pos;
        sl__parser(p, 0, eof);
    }
    sl__parserFree(p, free);
    if (ps.failed && !sl_error_isset(err))
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, end_pos, "syntax error");
    return ps.failed ? SL_ERR : SL_OK;
}

bool sl_sql_forwarded(const char *query, size_t len)
{
    const char *semi = memchr(query, ';', len);
    for (const char *p = semi; p && p < query + len; p++)
        if (*p != ';' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f')
            return false;       /* maybe more than one statement */
    sl_lexer_t lx;
    sl_token_t t;
    sl__lex_init(&lx, query, len);
    int code = sl__lex(&lx, &t);
    return code != 0 && code != SL_TK_ERROR && !may_be_sluice(code);
}

int sl_sql_split(const char *query, size_t len, sl_arena_t *a,
                 sl_stmt_t **stmts, int *nstmts, sl_error_t *err)
{
    sl_lexer_t lx;
    toklist_t l = {0};
    sl_stmt_t *out = NULL;
    int n = 0, cap = 0, rc = SL_OK;
    bool done = false;

    sl__lex_init(&lx, query, len);
    /* "at end of input" points just past the last character. */
    int end_pos = 1;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)query[i] & 0xC0) != 0x80)
            end_pos++;
    while (!done) {
        sl_token_t t;
        int code, depth = 0;
        bool semi = false, lexerr = false;
        sl_token_t semitok;

        l.n = 0;
        for (;;) {
            code = sl__lex(&lx, &t);
            if (code == 0) {
                done = true;
                break;
            }
            if (code == SL_TK_ERROR) {
                lexerr = true;
                done = true;
                toklist_add(&l, code, &t);
                break;
            }
            if (code == TK_SEMI && depth == 0) {
                semi = true;
                semitok = t;
                break;
            }
            if (code == TK_LP)
                depth++;
            else if (code == TK_RP && depth > 0)
                depth--;
            toklist_add(&l, code, &t);
        }
        if (l.n == 0 && !semi && n > 0)
            break;   /* only whitespace after the last ';' */

        if (n == cap) {
            int ncap = cap ? 2 * cap : 4;
            out = sl_realloc(a, out, (size_t)cap * sizeof(*out),
                             (size_t)ncap * sizeof(*out));
            cap = ncap;
        }
        sl_stmt_t *st = &out[n];
        memset(st, 0, sizeof(*st));
        if (l.n > 0) {
            const sl_token_t *last = &l.tok[l.n - 1];
            st->start = l.tok[0].off;
            st->end = last->off + last->n;
        } else {
            st->start = st->end = semi ? semitok.off : (int)len;
        }
        st->text = sl_strndup(a, query + st->start, (size_t)(st->end - st->start));
        st->kind = classify(&l);

        if (st->kind != SL_STMT_FORWARD && st->kind != SL_STMT_EMPTY) {
            if (lexerr) {
                const sl_token_t *e = &l.tok[l.n - 1];
                sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, e->pos,
                             "%s at or near \"%.*s\"", lx.errmsg, e->n, e->p);
                rc = SL_ERR;
                break;
            }
            if (st->end - st->start > SL_SQL_MAX_STATEMENT) {
                sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0, "statement is too long");
                sl_error_detail(err, "Sluice statements can be at most %d bytes long.",
                                SL_SQL_MAX_STATEMENT);
                rc = SL_ERR;
                break;
            }
            if (semi)
                toklist_add(&l, TK_SEMI, &semitok);
            if (parse_stmt(&l, end_pos, st, a, err) != SL_OK) {
                rc = SL_ERR;
                break;
            }
        }
        n++;
    }
    free(l.tok);
    free(l.code);
    *stmts = out;
    *nstmts = n;
    return rc;
}
