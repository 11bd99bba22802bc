/*
 * check_lexer.c: the re2c SQL lexer (grammar/lexer.re): token codes,
 * slices and positions, keyword folding, quoted identifiers, strings,
 * numbers, operators, comments, dollar quotes and lexical errors.
 */
#include <check.h>
#include "ck_run.h"
#include <stdlib.h>
#include <string.h>

#include "grammar/sql.h"
#include "sql/sql_int.h"

#define MAXTOK 64

typedef struct lexed {
    int n;
    int code[MAXTOK];
    sl_token_t tok[MAXTOK];
    const char *errmsg;
} lexed_t;

static lexed_t lex_all(const char *q)
{
    lexed_t r = {0};
    sl_lexer_t lx;
    sl__lex_init(&lx, q, strlen(q));
    for (;;) {
        sl_token_t t;
        int c = sl__lex(&lx, &t);
        if (c == 0)
            break;
        ck_assert_int_lt(r.n, MAXTOK);
        r.code[r.n] = c;
        r.tok[r.n++] = t;
        if (c == SL_TK_ERROR) {
            r.errmsg = lx.errmsg;
            break;
        }
    }
    return r;
}

static void ck_tok(const lexed_t *r, int i, int code, const char *text, int pos)
{
    ck_assert_int_gt(r->n, i);
    ck_assert_int_eq(r->code[i], code);
    ck_assert_int_eq(r->tok[i].n, (int)strlen(text));
    ck_assert(memcmp(r->tok[i].p, text, strlen(text)) == 0);
    ck_assert_int_eq(r->tok[i].pos, pos);
}

START_TEST(test_keywords_and_idents)
{
    lexed_t r = lex_all("SeLeCt Foo, \"Bar\"\"x\" FROM s");
    ck_assert_int_eq(r.n, 6);
    ck_tok(&r, 0, TK_SELECT, "SeLeCt", 1);
    ck_tok(&r, 1, TK_ID, "Foo", 8);
    ck_tok(&r, 2, TK_COMMA, ",", 11);
    ck_tok(&r, 3, TK_ID, "\"Bar\"\"x\"", 13);
    ck_assert(r.tok[3].flags & SL_TOKF_QUOTED);
    ck_tok(&r, 4, TK_FROM, "FROM", 22);
    ck_assert_int_eq(r.tok[4].off, 21);

    sl_arena_t *a = sl_arena_new(NULL, "test");
    ck_assert_str_eq(sl__ast_ident(a, &r.tok[1]), "foo");
    ck_assert_str_eq(sl__ast_ident(a, &r.tok[3]), "Bar\"x");
    sl_arena_free(a);

    ck_assert_int_eq(sl__keyword("STREAM", 6), TK_STREAM);
    ck_assert_int_eq(sl__keyword("streamx", 7), 0);
    ck_assert_int_eq(sl__keyword("averyveryverylongidentifier", 27), 0);
    char buf[] = "MiXeD_Case";
    sl_sql_fold_ident(buf);
    ck_assert_str_eq(buf, "mixed_case");
}
END_TEST

START_TEST(test_positions_count_characters)
{
    /* 'é' is two bytes but one character, as PostgreSQL counts. */
    lexed_t r = lex_all("select 'é', x");
    ck_tok(&r, 1, TK_STRING, "'é'", 8);
    ck_assert_int_eq(r.tok[3].off, 13);
    ck_assert_int_eq(r.tok[3].pos, 13);   /* byte 13, character 12, 1-based 13 */
    lexed_t r2 = lex_all("ééé x");
    ck_assert_int_eq(r2.code[0], TK_ID);  /* high bytes are identifier chars */
    ck_assert_int_eq(r2.tok[1].pos, 5);
}
END_TEST

START_TEST(test_numbers)
{
    lexed_t r = lex_all("1 12.5 .5 3. 1e10 2.5E-3 $1");
    ck_tok(&r, 0, TK_INTEGER, "1", 1);
    ck_tok(&r, 1, TK_DECIMAL, "12.5", 3);
    ck_tok(&r, 2, TK_DECIMAL, ".5", 8);
    ck_tok(&r, 3, TK_DECIMAL, "3.", 11);
    ck_tok(&r, 4, TK_DECIMAL, "1e10", 14);
    ck_tok(&r, 5, TK_DECIMAL, "2.5E-3", 19);
    ck_tok(&r, 6, TK_PARAM, "$1", 26);
}
END_TEST

START_TEST(test_strings)
{
    sl_arena_t *a = sl_arena_new(NULL, "test");
    lexed_t r = lex_all("'it''s' E'a\\nb\\x41\\101\\'' $$a;'b$$ $q$x$$y$q$ e'\\u00e9'");
    ck_assert_int_eq(r.n, 5);
    sl_ast_node_t *n = sl__ast_literal(a, SL_A_STR, &r.tok[0]);
    ck_assert_str_eq(n->str, "it's");
    n = sl__ast_literal(a, SL_A_STR, &r.tok[1]);
    ck_assert(r.tok[1].flags & SL_TOKF_ESCAPE);
    ck_assert_str_eq(n->str, "a\nbAA'");
    n = sl__ast_literal(a, SL_A_STR, &r.tok[2]);
    ck_assert(r.tok[2].flags & SL_TOKF_DOLLAR);
    ck_assert_str_eq(n->str, "a;'b");
    n = sl__ast_literal(a, SL_A_STR, &r.tok[3]);
    ck_assert_str_eq(n->str, "x$$y");
    n = sl__ast_literal(a, SL_A_STR, &r.tok[4]);
    ck_assert_str_eq(n->str, "é");
    sl_arena_free(a);
}
END_TEST

START_TEST(test_operators)
{
    lexed_t r = lex_all("a<=b>=c<>d!=e||f::g%h<-1 a=-1 ~ @@ (x).y;");
    int want[] = {TK_ID, TK_LE, TK_ID, TK_GE, TK_ID, TK_NE, TK_ID, TK_NE, TK_ID,
                  TK_CONCAT, TK_ID, TK_TYPECAST, TK_ID, TK_PERCENT, TK_ID, TK_LT,
                  TK_MINUS, TK_INTEGER, TK_ID, TK_EQ, TK_MINUS, TK_INTEGER,
                  TK_OPERATOR, TK_OPERATOR, TK_LP, TK_ID, TK_RP, TK_DOT, TK_ID, TK_SEMI};
    ck_assert_int_eq(r.n, (int)(sizeof(want) / sizeof(want[0])));
    for (int i = 0; i < r.n; i++)
        ck_assert_int_eq(r.code[i], want[i]);
}
END_TEST

START_TEST(test_comments)
{
    lexed_t r = lex_all("a -- comment ; 'x\n/* outer /* nested */ still */ b+/*c*/c --");
    ck_assert_int_eq(r.n, 4);
    ck_tok(&r, 0, TK_ID, "a", 1);
    ck_tok(&r, 1, TK_ID, "b", 50);
    ck_tok(&r, 2, TK_PLUS, "+", 51);
    ck_tok(&r, 3, TK_ID, "c", 57);
}
END_TEST

START_TEST(test_errors)
{
    lexed_t r = lex_all("select 'abc");
    ck_assert_int_eq(r.code[1], SL_TK_ERROR);
    ck_assert_str_eq(r.errmsg, "unterminated quoted string");
    ck_assert_int_eq(r.tok[1].pos, 8);
    r = lex_all("a /* b /* c */");
    ck_assert_int_eq(r.code[1], SL_TK_ERROR);
    ck_assert_str_eq(r.errmsg, "unterminated /* comment");
    r = lex_all("x \"abc");
    ck_assert_str_eq(r.errmsg, "unterminated quoted identifier");
    r = lex_all("x \"\"");
    ck_assert_str_eq(r.errmsg, "zero-length delimited identifier");
    r = lex_all("$a$ abc $b$");
    ck_assert_str_eq(r.errmsg, "unterminated dollar-quoted string");
    r = lex_all("a \\ b");
    ck_assert_int_eq(r.code[1], TK_ILLEGAL);
}
END_TEST

START_TEST(test_embedded_nul)
{
    const char q[] = "a\0b";
    sl_lexer_t lx;
    sl_token_t t;
    sl__lex_init(&lx, q, 3);
    ck_assert_int_eq(sl__lex(&lx, &t), TK_ID);
    ck_assert_int_eq(sl__lex(&lx, &t), TK_ILLEGAL);
    ck_assert_int_eq(sl__lex(&lx, &t), TK_ID);
    ck_assert_int_eq(sl__lex(&lx, &t), 0);
    ck_assert_int_eq(sl__lex(&lx, &t), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("lexer");
    tcase_add_test(tc, test_keywords_and_idents);
    tcase_add_test(tc, test_positions_count_characters);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_operators);
    tcase_add_test(tc, test_comments);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_embedded_nul);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
