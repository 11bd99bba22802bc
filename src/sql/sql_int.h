/*
 * sql_int.h: private interface shared by the SQL front end's files: the
 * re2c lexer (grammar/lexer.re), the Lemon parser (grammar/sql.y) and its
 * driver (parse.c).
 *
 * Token codes are the TK_* of the generated grammar/sql.h; the lexer
 * returns 0 at the end of input and SL_TK_ERROR for an unterminated quote,
 * dollar quote or comment.
 */
#ifndef SL_SQL_INT_H
#define SL_SQL_INT_H

#include <stddef.h>

#include "sql/ast.h"
#include "util/error.h"

#define SL_TK_ERROR (-1)

/* Lexer over one NUL-terminated query string (not owned). */
typedef struct sl_lexer {
    const char *base;       /* the query */
    const char *cur;        /* next byte to scan */
    const char *lim;        /* base + len (points at the NUL) */
    int pos_off;            /* char position cache: pos_chars characters */
    int pos_chars;          /*   precede byte offset pos_off */
    const char *errmsg;     /* SL_TK_ERROR: "unterminated quoted string" */
} sl_lexer_t;

void sl__lex_init(sl_lexer_t *lx, const char *query, size_t len);
/* Scans the next token into *tok; returns its TK_* code, 0 at the end. */
int sl__lex(sl_lexer_t *lx, sl_token_t *tok);
/* 1-based character position of byte offset off (UTF-8 aware); offsets
 * must mostly grow between calls (the count is cached). */
int sl__lex_pos(sl_lexer_t *lx, int off);
/* TK_* code of keyword p[0..n) (any case), or 0 for a plain identifier. */
int sl__keyword(const char *p, int n);

/* Parse state: Lemon's %extra_context. */
typedef struct sl_parse {
    sl_arena_t *a;
    sl_stmt_t *stmt;        /* filled by the statement rules */
    sl_error_t *err;
    int end_pos;            /* character position just past the input */
    bool failed;
} sl_parse_t;

/* Lemon's generated entry points (%name sl__parser). */
void *sl__parserAlloc(void *(*mallocProc)(size_t), sl_parse_t *ps);
void sl__parser(void *p, int major, sl_token_t minor);
void sl__parserFree(void *p, void (*freeProc)(void *));

#endif
