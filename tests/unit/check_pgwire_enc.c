/* check_pgwire_enc.c: unit tests of net/pgwire_enc.c, the session's
 * client_encoding at the edges of Sluice statements: ParameterStatus
 * tracking, a command's answer converted (22P05 for what LATIN1 lacks), a
 * DDL's backend_sql wrapped in ASCII, the check query's literals in ASCII,
 * and the wrapper's context lines cut from a backend error. */
#include <check.h>
#include <string.h>

#include "ck_run.h"
#include "net/pgwire_int.h"

static sl_pwconn_t conn;
static sl_pwconn_t *c = &conn;

static void setup(void)
{
    memset(&conn, 0, sizeof(conn));
    c->arena = sl_arena_new(NULL, "conn");
    c->qarena = sl_arena_new(c->arena, "query");
    sl__pw_enc_init(c);
}

static void teardown(void) { sl_arena_free(c->arena); }

/* A ParameterStatus body: name\0value\0. */
static void param(const char *name, const char *value)
{
    char b[128];
    size_t n = strlen(name) + 1, m = strlen(value) + 1;
    memcpy(b, name, n);
    memcpy(b + n, value, m);
    sl__pw_enc_param(c, b, n + m);
}

START_TEST(parameter_status)
{
    ck_assert(sl_enc_is_utf8(&c->enc));
    param("client_encoding", "LATIN1");
    ck_assert_str_eq(sl_enc_name(c->enc.id), "LATIN1");
    param("application_name", "UTF8");                  /* not ours */
    ck_assert_str_eq(sl_enc_name(c->enc.id), "LATIN1");
    param("client_encoding", "WIN1252");
    ck_assert_str_eq(sl_enc_name(c->enc.id), "WIN1252");
    param("client_encoding", "KLINGON");                /* refused later */
    sl_error_t err;
    sl_error_clear(&err);
    const char *out;
    ck_assert_int_eq(sl__pw_enc_in(c, "x", 1, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    param("client_encoding", "UTF8");
    ck_assert(sl_enc_is_utf8(&c->enc));
}
END_TEST

START_TEST(command_answer)
{
    param("client_encoding", "LATIN1");
    const char *names[] = {"name", "n"};
    char *cells[] = {"caf\xc3\xa9", "1"};
    sl_command_t cmd = {0};
    cmd.ncols = 2;
    cmd.nrows = 1;
    cmd.colnames = names;
    cmd.cells = cells;
    cmd.notice = "relation \"caf\xc3\xa9\xe6\x97\xa5\" already exists, skipping";
    cmd.backend_sql = "INSERT INTO t VALUES ('caf\xc3\xa9');";
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl__pw_enc_command(c, &cmd, c->qarena, &err), SL_OK);
    ck_assert_str_eq(cmd.cells[0], "caf\xe9");
    ck_assert_str_eq(cmd.notice, "relation \"caf\xe9?\" already exists, skipping");
    ck_assert(sl__pw_enc_wrapped(cmd.backend_sql));
    ck_assert_str_eq(cmd.backend_sql,                  /* its UTF-8 bytes, in ASCII */
                     "DO $sluice_enc$BEGIN EXECUTE convert_from(decode('494e5345525420494e544f20742056414c554553202827636166c3a927293b', 'hex'), "
                     "'UTF8'); END$sluice_enc$");
    /* ASCII SQL goes as it is */
    sl_command_t ddl = {0};
    ddl.backend_sql = "DROP TABLE x;";
    ck_assert_int_eq(sl__pw_enc_command(c, &ddl, c->qarena, &err), SL_OK);
    ck_assert_str_eq(ddl.backend_sql, "DROP TABLE x;");
    /* a row LATIN1 cannot show */
    char *jp[] = {"\xe6\x97\xa5", "1"};
    sl_command_t show = {0};
    show.ncols = 2;
    show.nrows = 1;
    show.colnames = names;
    show.cells = jp;
    ck_assert_int_eq(sl__pw_enc_command(c, &show, c->qarena, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22P05");
}
END_TEST

START_TEST(check_sql_literals)
{
    const char *sql = "SELECT EXISTS (SELECT FROM sluice.streams WHERE name = 's\xc3\xa9' AND "
                      "sql = E'a\\\\b''\xc3\xa9'), \"x'\" = 'plain'";
    ck_assert_ptr_eq(sl__pw_enc_check_sql(c, sql), sql);          /* UTF8 client */
    param("client_encoding", "LATIN1");
    ck_assert_str_eq(sl__pw_enc_check_sql(c, sql),
                     "SELECT EXISTS (SELECT FROM sluice.streams WHERE name = "
                     "convert_from(decode('73c3a9', 'hex'), 'UTF8') AND "
                     "sql = convert_from(decode('615c6227c3a9', 'hex'), 'UTF8')), "
                     "\"x'\" = 'plain'");
}
END_TEST

/* An ErrorResponse body of fields (code, value) ending with a NUL. */
static size_t error_body(char *b, const char *const *f, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i += 2) {
        b[len++] = f[i][0];
        size_t k = strlen(f[i + 1]) + 1;
        memcpy(b + len, f[i + 1], k);
        len += k;
    }
    b[len++] = 0;
    return len;
}

START_TEST(context_cut)
{
    char b[512];
    const char *raise[] = {"S", "ERROR", "W",
                           "PL/pgSQL function inline_code_block line 1 at RAISE\n"
                           "SQL statement \"DO 'BEGIN ...'\"\n"
                           "PL/pgSQL function inline_code_block line 1 at EXECUTE",
                           "M", "relation \"x\" already exists"};
    size_t len = error_body(b, raise, 6);
    len = sl__pw_enc_cut_context(b, len);
    ck_assert_str_eq(sl_pkt_error_field(b, len, 'W'),
                     "PL/pgSQL function inline_code_block line 1 at RAISE");
    ck_assert_str_eq(sl_pkt_error_field(b, len, 'M'), "relation \"x\" already exists");
    const char *plain[] = {"S", "ERROR", "W",
                           "SQL statement \"CREATE TABLE ...\"\n"
                           "PL/pgSQL function inline_code_block line 1 at EXECUTE",
                           "M", "permission denied"};
    len = error_body(b, plain, 6);
    len = sl__pw_enc_cut_context(b, len);
    ck_assert_ptr_null(sl_pkt_error_field(b, len, 'W'));
    ck_assert_str_eq(sl_pkt_error_field(b, len, 'M'), "permission denied");
    ck_assert_str_eq(sl_pkt_error_field(b, len, 'S'), "ERROR");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pgwire_enc");
    TCase *tc = tcase_create("pgwire_enc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, parameter_status);
    tcase_add_test(tc, command_answer);
    tcase_add_test(tc, check_sql_literals);
    tcase_add_test(tc, context_cut);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
