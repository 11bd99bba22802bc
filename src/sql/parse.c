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
#include "sql/ast.h"
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
    return code == TK_CREATE || code == TK_DROP || code == TK_SHOW || code == TK_GRANT ||
           code == TK_REVOKE || code == TK_TRUNCATE || code == TK_EXPLAIN ||
           code == TK_ALTER || code == TK_ACTIVATE || code == TK_DEACTIVATE;
}

/* GRANT / REVOKE whose object is ON STREAM (the privileges before ON are
 * keywords and commas, so the first ON at depth 0 is the one). */
static bool on_stream(const toklist_t *l)
{
    for (int i = 1; i + 1 < l->n; i++)
        if (l->code[i] == TK_ON)
            return l->code[i + 1] == TK_STREAM;
    return false;
}

/* Whether code (a token, unquoted) is the plain word w. */
static bool word_is(int code, const sl_token_t *t, const char *w)
{
    size_t n = strlen(w);
    return code != TK_STRING && !(t->flags & SL_TOKF_QUOTED) && t->n == (int)n &&
           strncasecmp(t->p, w, n) == 0;
}

/*
 * The name a token spells, folded as PostgreSQL folds identifiers (quoted:
 * as written, "" for "), into buf; false when the token is no identifier
 * or the name does not fit.  Needs no arena (the relay's fast path).
 */
static bool tok_name(int code, const sl_token_t *t, char *buf, size_t cap)
{
    if (t->n <= 0 || (size_t)t->n >= cap || code == TK_STRING || code == TK_PARAM)
        return false;
    if (t->flags & SL_TOKF_QUOTED) {
        size_t o = 0;
        for (int i = 1; i < t->n - 1; i++) {
            buf[o++] = t->p[i];
            if (t->p[i] == '"')
                i++;
        }
        buf[o] = 0;
        return o > 0;
    }
    unsigned char c0 = (unsigned char)t->p[0];
    if (!(c0 == '_' || c0 >= 0x80 || (c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z')))
        return false;
    memcpy(buf, t->p, (size_t)t->n);
    buf[t->n] = 0;
    sl_sql_fold_ident(buf);
    return true;
}

/* Index of the stream name in INSERT INTO name / COPY name when those
 * words start the statement (tokens code/tok, n of them) and name is
 * unqualified; -1 otherwise. */
static int dml_name_index(const int *code, const sl_token_t *tok, int n)
{
    if (n >= 3 && word_is(code[0], &tok[0], "insert") && word_is(code[1], &tok[1], "into"))
        return (n > 3 && code[3] == TK_DOT) ? -1 : 2;
    if (n >= 2 && word_is(code[0], &tok[0], "copy") && code[1] != TK_LP)
        return (n > 2 && code[2] == TK_DOT) ? -1 : 1;
    return -1;
}

static bool names_stream(const sl_sql_streams_t *streams, int code, const sl_token_t *t)
{
    char name[256];
    return streams != NULL && tok_name(code, t, name, sizeof(name)) &&
           streams->is_stream(streams->arg, name);
}

/* Which of Sluice's statements the leading keywords announce, or
 * SL_STMT_FORWARD; the grammar decides the exact kind. */
static sl_stmt_kind_t classify(const toklist_t *l, const sl_sql_streams_t *streams)
{
    if (l->n == 0)
        return SL_STMT_EMPTY;
    if (streams != NULL && l->n >= 2 && (l->code[0] == TK_ID || l->code[0] == TK_INSERT)) {
        int k = dml_name_index(l->code, l->tok, l->n);
        if (k >= 0 && names_stream(streams, l->code[k], &l->tok[k]))
            return word_is(l->code[0], &l->tok[0], "insert") ? SL_STMT_INSERT : SL_STMT_COPY;
        return SL_STMT_FORWARD;
    }
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
    if (c0 == TK_CREATE && c1 == TK_TOKEN)
        return SL_STMT_CREATE_TOKEN;
    if (c0 == TK_DROP && c1 == TK_TOKEN)
        return SL_STMT_DROP_TOKEN;
    if ((c0 == TK_GRANT || c0 == TK_REVOKE) && on_stream(l))
        return c0 == TK_GRANT ? SL_STMT_GRANT : SL_STMT_REVOKE;
    if (c0 == TK_TRUNCATE && c1 == TK_CONTINUOUS && l->n > 2 && l->code[2] == TK_VIEW)
        return SL_STMT_TRUNCATE_VIEW;
    if (c0 == TK_EXPLAIN && c1 == TK_CONTINUOUS && l->n > 2 && l->code[2] == TK_VIEW)
        return SL_STMT_EXPLAIN_VIEW;
    if (c0 == TK_ALTER && c1 == TK_STREAM)
        return SL_STMT_ALTER_STREAM;
    if (c0 == TK_ACTIVATE && c1 == TK_CONTINUOUS)
        return SL_STMT_ACTIVATE_VIEW;
    if (c0 == TK_DEACTIVATE && c1 == TK_CONTINUOUS)
        return SL_STMT_DEACTIVATE_VIEW;
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
static int parse_tokens(const toklist_t *l, int from, int first_code, int end_pos,
                        sl_stmt_t *st, sl_arena_t *a, sl_error_t *err)
{
    sl_parse_t ps = {.a = a, .stmt = st, .err = err, .end_pos = end_pos};
    void *p = sl__parserAlloc(malloc, &ps);
    sl_token_t eof;

    for (int i = from; i < l->n && !ps.failed; i++)
        sl__parser(p, i == from ? first_code : not_la(l, i), l->tok[i]);
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

static int parse_stmt(const toklist_t *l, int end_pos, sl_stmt_t *st,
                      sl_arena_t *a, sl_error_t *err)
{
    return parse_tokens(l, 0, l->code[0], end_pos, st, a, err);
}

/* ---- INSERT INTO stream / COPY stream: read here, VALUES by the grammar ---- */

static bool at_end(const toklist_t *l, int i)
{
    return i >= l->n || l->code[i] == TK_SEMI;
}

static int dml_syntax(const toklist_t *l, int i, int end_pos, sl_error_t *err)
{
    if (at_end(l, i))
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, end_pos, "syntax error at end of input");
    return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, l->tok[i].pos,
                        "syntax error at or near \"%.*s\"", l->tok[i].n, l->tok[i].p);
}

static bool is_word(const toklist_t *l, int i, const char *w)
{
    return !at_end(l, i) && word_is(l->code[i], &l->tok[i], w);
}

/* An optional column list "(a, b)" at *i into d. */
static int dml_columns(const toklist_t *l, int *i, sl_dml_t *d, sl_arena_t *a, int end_pos,
                       sl_error_t *err)
{
    if (at_end(l, *i) || l->code[*i] != TK_LP)
        return SL_OK;
    int k = *i + 1, cap = 0;
    for (;;) {
        char name[256];
        if (at_end(l, k) || !tok_name(l->code[k], &l->tok[k], name, sizeof(name)))
            return dml_syntax(l, k, end_pos, err);
        if (d->ncols == cap) {
            int ncap = cap ? 2 * cap : 8;
            d->cols = sl_realloc(a, d->cols, sizeof(char *) * (size_t)cap,
                                 sizeof(char *) * (size_t)ncap);
            d->col_locations = sl_realloc(a, d->col_locations, sizeof(int) * (size_t)cap,
                                          sizeof(int) * (size_t)ncap);
            cap = ncap;
        }
        d->cols[d->ncols] = sl_strdup(a, name);
        d->col_locations[d->ncols++] = l->tok[k].pos;
        k++;
        if (!at_end(l, k) && l->code[k] == TK_COMMA) {
            k++;
            continue;
        }
        if (!at_end(l, k) && l->code[k] == TK_RP)
            break;
        return dml_syntax(l, k, end_pos, err);
    }
    *i = k + 1;
    return SL_OK;
}

/* Notes one COPY option as written (checked by sl_analyze_copy). */
static void copy_note(sl_dml_t *d, sl_arena_t *a, const char *opt, const char *v, int pos)
{
    if ((d->nopts & (d->nopts - 1)) == 0) {   /* 0, 1, 2, 4 ...: grow */
        int ncap = d->nopts ? 2 * d->nopts : 4;
        d->optnames = sl_realloc(a, d->optnames, sizeof(char *) * (size_t)d->nopts,
                                 sizeof(char *) * (size_t)ncap);
        d->optvalues = sl_realloc(a, d->optvalues, sizeof(char *) * (size_t)d->nopts,
                                  sizeof(char *) * (size_t)ncap);
        d->optlocations = sl_realloc(a, d->optlocations, sizeof(int) * (size_t)d->nopts,
                                     sizeof(int) * (size_t)ncap);
    }
    d->optnames[d->nopts] = opt;
    d->optvalues[d->nopts] = v;
    d->optlocations[d->nopts++] = pos;
}

/* The text of token i as an option word or value (strings decoded). */
static const char *opt_text(const toklist_t *l, int i, sl_arena_t *a)
{
    if (l->code[i] == TK_STRING)
        return sl__ast_literal(a, SL_A_STR, &l->tok[i])->str;
    char *w = sl_strndup(a, l->tok[i].p, (size_t)l->tok[i].n);
    if (!(l->tok[i].flags & SL_TOKF_QUOTED))
        sl_sql_fold_ident(w);
    else
        w = sl_strndup(a, l->tok[i].p + 1, (size_t)l->tok[i].n - 2);
    return w;
}

/* COPY's options after FROM STDIN: "[WITH] (opt [value], ...)" or the
 * old "[WITH] [CSV] [HEADER] [DELIMITER [AS] 'c'] [NULL [AS] 's'] ...",
 * noted as written (the old words as their new names). */
static int copy_options(const toklist_t *l, int i, sl_dml_t *d, sl_arena_t *a, int end_pos,
                        sl_error_t *err)
{
    if (!at_end(l, i) && l->code[i] == TK_WITH)
        i++;
    if (!at_end(l, i) && l->code[i] == TK_LP) {
        i++;
        for (;;) {
            if (at_end(l, i) || l->code[i] == TK_STRING)
                return dml_syntax(l, i, end_pos, err);
            const char *opt = opt_text(l, i, a);
            int pos = l->tok[i].pos;
            i++;
            const char *v = NULL;
            if (!at_end(l, i) && l->code[i] != TK_COMMA && l->code[i] != TK_RP)
                v = opt_text(l, i++, a);
            copy_note(d, a, opt, v, pos);
            if (!at_end(l, i) && l->code[i] == TK_COMMA) {
                i++;
                continue;
            }
            if (!at_end(l, i) && l->code[i] == TK_RP)
                break;
            return dml_syntax(l, i, end_pos, err);
        }
        i++;
    } else {
        while (!at_end(l, i)) {
            const char *opt = opt_text(l, i, a);
            int pos = l->tok[i].pos;
            i++;
            const char *v = NULL;
            if (strcmp(opt, "csv") == 0) {
                opt = "format";
                v = "csv";
            } else if (strcmp(opt, "binary") == 0) {
                opt = "format";
                v = "binary";
            } else if (strcmp(opt, "delimiter") == 0 || strcmp(opt, "null") == 0 ||
                       strcmp(opt, "quote") == 0 || strcmp(opt, "escape") == 0) {
                if (!at_end(l, i) && l->code[i] == TK_AS)
                    i++;
                if (at_end(l, i) || l->code[i] != TK_STRING)
                    return dml_syntax(l, i, end_pos, err);
                v = opt_text(l, i++, a);
            } else if (strcmp(opt, "header") != 0) {
                return dml_syntax(l, i - 1, end_pos, err);
            }
            copy_note(d, a, opt, v, pos);
        }
    }
    return at_end(l, i) ? SL_OK : dml_syntax(l, i, end_pos, err);
}

/*
 * INSERT INTO name [(cols)] {VALUES ... | DEFAULT VALUES | query} and
 * COPY name [(cols)] {FROM STDIN [options] | TO ...}: the name is a
 * stream (classify).  VALUES goes to the grammar as VALUES_START.
 */
static int parse_dml(const toklist_t *l, const char *query, int end_pos, sl_stmt_t *st,
                     sl_arena_t *a, sl_error_t *err)
{
    bool insert = st->kind == SL_STMT_INSERT;
    int i = insert ? 2 : 1;
    sl_dml_t *d = sl_alloc0(a, sizeof(*d));
    char name[256];
    st->dml = d;
    d->query_start = -1;
    tok_name(l->code[i], &l->tok[i], name, sizeof(name));
    st->name = sl_strdup(a, name);
    st->name_location = l->tok[i].pos;
    i++;
    if (dml_columns(l, &i, d, a, end_pos, err) != SL_OK)
        return SL_ERR;
    if (!insert) {
        if (!at_end(l, i) && l->code[i] == TK_FROM) {
            if (at_end(l, i + 1))
                return dml_syntax(l, i + 1, end_pos, err);
            if (!is_word(l, i + 1, "stdin")) {
                d->copy_file = true;   /* a file or PROGRAM: refused by the analyzer */
                d->copy_location = l->tok[i + 1].pos;
                return SL_OK;
            }
            return copy_options(l, i + 2, d, a, end_pos, err);
        }
        if (is_word(l, i, "to")) {
            d->copy_to = true;
            return SL_OK;
        }
        return dml_syntax(l, i, end_pos, err);
    }
    if (is_word(l, i, "values"))
        return parse_tokens(l, i, TK_VALUES_START, end_pos, st, a, err);
    if (is_word(l, i, "default") && is_word(l, i + 1, "values")) {
        d->default_values = true;
        return at_end(l, i + 2) ? SL_OK : dml_syntax(l, i + 2, end_pos, err);
    }
    if (!at_end(l, i) && (l->code[i] == TK_SELECT || l->code[i] == TK_WITH ||
                          l->code[i] == TK_LP || is_word(l, i, "table"))) {
        d->query_start = l->tok[i].off;
        (void)query;
        return SL_OK;
    }
    return dml_syntax(l, i, end_pos, err);
}

bool sl_sql_forwarded(const char *query, size_t len)
{
    return sl_sql_forwarded_in(query, len, NULL);
}

bool sl_sql_forwarded_in(const char *query, size_t len, const sl_sql_streams_t *streams)
{
    const char *semi = memchr(query, ';', len);
    for (const char *p = semi; p && p < query + len; p++)
        if (*p != ';' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f')
            return false;       /* maybe more than one statement */
    sl_lexer_t lx;
    sl_token_t t;
    sl__lex_init(&lx, query, len);
    int code = sl__lex(&lx, &t);
    if (code == 0 || code == SL_TK_ERROR || may_be_sluice(code))
        return false;
    if (streams != NULL && (code == TK_ID || code == TK_INSERT) &&
        (word_is(code, &t, "insert") || word_is(code, &t, "copy"))) {
        /* INSERT INTO name / COPY name: the name and the token after it. */
        int codes[4] = {code};
        sl_token_t toks[4] = {t};
        int n = 1;
        while (n < 4) {
            codes[n] = sl__lex(&lx, &toks[n]);
            if (codes[n] == 0 || codes[n] == SL_TK_ERROR)
                break;
            n++;
        }
        int k = dml_name_index(codes, toks, n);
        return k < 0 || !names_stream(streams, codes[k], &toks[k]);
    }
    return true;
}

int sl_sql_split(const char *query, size_t len, sl_arena_t *a,
                 sl_stmt_t **stmts, int *nstmts, sl_error_t *err)
{
    return sl_sql_split_in(query, len, NULL, a, stmts, nstmts, err);
}

int sl_sql_split_in(const char *query, size_t len, const sl_sql_streams_t *streams,
                    sl_arena_t *a, sl_stmt_t **stmts, int *nstmts, sl_error_t *err)
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
        st->kind = classify(&l, streams);

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
            if (st->kind == SL_STMT_INSERT || st->kind == SL_STMT_COPY
                    ? parse_dml(&l, query, end_pos, st, a, err) != SL_OK
                    : parse_stmt(&l, end_pos, st, a, err) != SL_OK) {
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
