/*
 * check_parser.c: sl_sql_split and the Lemon grammar: statement splitting
 * and classification, every Sluice statement, the SELECT AST, syntax
 * errors with positions.
 */
#include <check.h>
#include "ck_run.h"
#include <stdlib.h>
#include <string.h>

#include "sql/ast.h"
#include "sql/sql.h"

static sl_arena_t *arena;
static sl_error_t err;
static sl_stmt_t *stmts;
static int nstmts;

static void setup(void)
{
    arena = sl_arena_new(NULL, "test");
    sl_error_clear(&err);
}

static void teardown(void)
{
    sl_arena_free(arena);
}

static int split(const char *q)
{
    sl_error_clear(&err);
    return sl_sql_split(q, strlen(q), arena, &stmts, &nstmts, &err);
}

/* Parses one Sluice statement that must succeed. */
static sl_stmt_t *parse1(const char *q)
{
    int rc = split(q);
    ck_assert_msg(rc == SL_OK, "%s: %s", q, err.message);
    ck_assert_int_eq(nstmts, 1);
    return &stmts[0];
}

static void ck_syntax(const char *q, const char *msg, int pos)
{
    ck_assert_msg(split(q) == SL_ERR, "no error for %s", q);
    ck_assert_str_eq(err.sqlstate, "42601");
    ck_assert_str_eq(err.message, msg);
    ck_assert_int_eq(err.position, pos);
}

static const char *select_text(const sl_stmt_t *st)
{
    sl_buf_t b = SL_BUF_INIT;
    sl__ast_print(st->select, &b);
    const char *s = sl_strdup(arena, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

START_TEST(test_split_forward)
{
    const char *q = "SELECT 'a;b' ; /* x; */ select $$;$$, \"c;\" -- ;\n;  ;"
                    "  insert into t values (1;2)";
    ck_assert_int_eq(split(q), SL_OK);
    ck_assert_int_eq(nstmts, 4);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_FORWARD);
    ck_assert_str_eq(stmts[0].text, "SELECT 'a;b'");
    ck_assert_int_eq(stmts[0].start, 0);
    ck_assert_int_eq(stmts[0].end, 12);
    ck_assert_int_eq(stmts[1].kind, SL_STMT_FORWARD);
    ck_assert_str_eq(stmts[1].text, "select $$;$$, \"c;\"");
    ck_assert_int_eq(stmts[2].kind, SL_STMT_EMPTY);
    ck_assert_str_eq(stmts[2].text, "");
    /* ';' inside parentheses does not end a statement (as in psql). */
    ck_assert_int_eq(stmts[3].kind, SL_STMT_FORWARD);
    ck_assert_str_eq(stmts[3].text, "insert into t values (1;2)");
    ck_assert_int_eq(stmts[3].start, (int)(strstr(q, "insert") - q));
    ck_assert_int_eq(stmts[3].end, (int)strlen(q));
}
END_TEST

START_TEST(test_with_options)
{
    const char *q = "CREATE STREAM s (a int) WITH (Event_Time = 'a', max_lateness = '10 s', "
                    "x = 5, y = Foo, z = 1.5e3)";
    ck_assert_int_eq(split(q), SL_OK);
    ck_assert_int_eq(nstmts, 1);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_CREATE_STREAM);
    ck_assert_int_eq(stmts[0].noptions, 5);
    ck_assert_str_eq(stmts[0].options[0].name, "event_time");
    ck_assert_str_eq(stmts[0].options[0].value, "a");
    ck_assert_int_eq(stmts[0].options[0].location, (int)(strstr(q, "Event") - q) + 1);
    ck_assert_int_eq(stmts[0].options[0].value_location, (int)(strstr(q, "'a'") - q) + 1);
    ck_assert_str_eq(stmts[0].options[1].value, "10 s");
    ck_assert_str_eq(stmts[0].options[2].value, "5");
    ck_assert_str_eq(stmts[0].options[3].value, "foo");
    ck_assert_str_eq(stmts[0].options[4].value, "1.5e3");
    ck_assert_ptr_eq(sl_stmt_option(&stmts[0], "y"), &stmts[0].options[3]);
    ck_assert_ptr_null(sl_stmt_option(&stmts[0], "w"));

    ck_assert_int_eq(split("CREATE CONTINUOUS VIEW v WITH (sw = '1 hour') AS SELECT count(*) FROM s"),
                     SL_OK);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_CREATE_VIEW);
    ck_assert_int_eq(stmts[0].noptions, 1);
    ck_assert_str_eq(stmts[0].options[0].name, "sw");
    ck_assert_str_eq(stmts[0].options[0].value, "1 hour");
    ck_assert_ptr_nonnull(stmts[0].select);

    ck_assert_int_eq(split("CREATE STREAM s (a int) WITH ()"), SL_ERR);
    ck_assert_int_eq(split("CREATE STREAM s (a int) WITH (x)"), SL_ERR);
}
END_TEST

START_TEST(test_split_empty_and_junk)
{
    ck_assert_int_eq(split("  -- nothing\n"), SL_OK);
    ck_assert_int_eq(nstmts, 1);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_EMPTY);
    ck_assert_int_eq(split("select 1;  "), SL_OK);
    ck_assert_int_eq(nstmts, 1);
    /* Lexical oddities in forwarded SQL are PostgreSQL's business. */
    ck_assert_int_eq(split("select 'unterminated"), SL_OK);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_FORWARD);
    ck_assert_int_eq(split("select \\x; show all; show streams"), SL_OK);
    ck_assert_int_eq(nstmts, 3);
    ck_assert_int_eq(stmts[1].kind, SL_STMT_FORWARD);
    ck_assert_int_eq(stmts[2].kind, SL_STMT_SHOW_STREAMS);
    ck_assert_int_eq(split("create table stream (a int); drop table x; "
                           "create \"stream\" s (a int)"), SL_OK);
    for (int i = 0; i < nstmts; i++)
        ck_assert_int_eq(stmts[i].kind, SL_STMT_FORWARD);
}
END_TEST

/* The relay's fast path: true only for what split forwards whole. */
START_TEST(test_forwarded_fast_path)
{
    static const char *const yes[] = {
        "SELECT abalance FROM pgbench_accounts WHERE aid = 1;",
        "  select 1 ;; \n", "/* c */ insert into t values (1)", "-- c\nbegin", ";",
        "create_x_stream", "\"create\" stream s (a int)",
    };
    static const char *const no[] = {
        "", "  -- only a comment\n", "select 1; select 2", "select ';'",
        "CREATE STREAM s (a int)", "create table t (a int)", "drop stream s",
        "SHOW streams", "show all", "/* unterminated", "select 1; show streams",
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        ck_assert_msg(sl_sql_forwarded(yes[i], strlen(yes[i])), "%s", yes[i]);
        ck_assert_int_eq(split(yes[i]), SL_OK);
        for (int k = 0; k < nstmts; k++)
            ck_assert_msg(stmts[k].kind == SL_STMT_FORWARD || stmts[k].kind == SL_STMT_EMPTY,
                          "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ck_assert_msg(!sl_sql_forwarded(no[i], strlen(no[i])), "%s", no[i]);
}
END_TEST

/* Streams named "ev" and "Q x" for INSERT / COPY classification. */
static bool is_stream(void *arg, const char *name)
{
    (void)arg;
    return strcmp(name, "ev") == 0 || strcmp(name, "Q x") == 0;
}
static const sl_sql_streams_t streams = {is_stream, NULL};

static int split_in(const char *q)
{
    sl_error_clear(&err);
    return sl_sql_split_in(q, strlen(q), &streams, arena, &stmts, &nstmts, &err);
}

START_TEST(test_dml_classification)
{
    static const char *const fwd[] = {
        "INSERT INTO t VALUES (1) RETURNING *", "insert into public.ev values (1)",
        "COPY t FROM STDIN", "copy (select 1) to stdout", "INSERT INTO \"EV\" VALUES (1)",
        "insert ev", "COPY public.ev TO STDOUT", "insertinto ev",
    };
    for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
        ck_assert_msg(sl_sql_forwarded_in(fwd[i], strlen(fwd[i]), &streams), "%s", fwd[i]);
        ck_assert_int_eq(split_in(fwd[i]), SL_OK);
        ck_assert_msg(stmts[0].kind == SL_STMT_FORWARD, "%s", fwd[i]);
    }
    static const char *const ours[] = {
        "INSERT INTO ev VALUES (1)", "insert into EV (a) select 1", "COPY ev FROM STDIN",
        "copy \"Q x\" to stdout", "INSERT INTO ev DEFAULT VALUES;",
    };
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
        ck_assert_msg(!sl_sql_forwarded_in(ours[i], strlen(ours[i]), &streams), "%s", ours[i]);
        ck_assert_msg(split_in(ours[i]) == SL_OK, "%s: %s", ours[i], err.message);
        ck_assert_msg(stmts[0].kind == SL_STMT_INSERT || stmts[0].kind == SL_STMT_COPY, "%s",
                      ours[i]);
        ck_assert_ptr_nonnull(stmts[0].dml);
    }
    /* Without streams (sl_sql_split) nothing of this is Sluice's. */
    ck_assert(sl_sql_forwarded("INSERT INTO ev VALUES (1)", 25));
}
END_TEST

START_TEST(test_insert_values)
{
    ck_assert_int_eq(split_in("INSERT INTO ev (a, \"B\") VALUES (1, 'x'), (-2.5, $2::int), "
                              "(DEFAULT, NULL)"), SL_OK);
    const sl_dml_t *d = stmts[0].dml;
    ck_assert_str_eq(stmts[0].name, "ev");
    ck_assert_int_eq(d->ncols, 2);
    ck_assert_str_eq(d->cols[1], "B");
    ck_assert_int_eq(d->col_locations[1], 20);
    ck_assert_int_eq(d->nrows, 3);
    ck_assert_int_eq(d->query_start, -1);
    ck_assert_int_eq(d->rows[1]->ntargets, 2);
    ck_assert_int_eq(sl_dml_nparams(&stmts[0]), 2);
    ck_assert_int_eq(split_in("INSERT INTO ev WITH q AS (SELECT 1) SELECT * FROM q"), SL_OK);
    ck_assert_int_eq(stmts[0].dml->query_start, 15);
    ck_assert_int_eq(split_in("INSERT INTO ev VALUES (1) RETURNING a"), SL_ERR);
    ck_assert_str_eq(err.message, "syntax error at or near \"RETURNING\"");
    ck_assert_int_eq(err.position, 27);
    ck_assert_int_eq(split_in("INSERT INTO ev (a"), SL_ERR);
    ck_assert_str_eq(err.message, "syntax error at end of input");
}
END_TEST

/* COPY q's options through sl_analyze_copy: its return code. */
static int copy_opts(const char *q, sl_copy_opts_t *o)
{
    ck_assert_msg(split_in(q) == SL_OK, "%s: %s", q, err.message);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_COPY);
    return sl_analyze_copy(&stmts[0], o, &err);
}

START_TEST(test_copy_options)
{
    sl_copy_opts_t o;
    ck_assert_int_eq(copy_opts("COPY ev (a, b) FROM STDIN", &o), SL_OK);
    ck_assert_int_eq(stmts[0].dml->ncols, 2);
    ck_assert_int_eq(o.format, SL_COPY_TEXT);
    ck_assert_int_eq(o.delimiter, '\t');
    ck_assert_str_eq(o.null_string, "\\N");
    ck_assert_int_eq(copy_opts("copy ev from stdin with (format csv, header true)", &o), SL_OK);
    ck_assert(o.format == SL_COPY_CSV && o.header && o.delimiter == ',');
    ck_assert_str_eq(o.null_string, "");
    ck_assert_int_eq(copy_opts("COPY ev FROM STDIN DELIMITER AS '|' NULL '' HEADER", &o), SL_OK);
    ck_assert(o.format == SL_COPY_TEXT && o.header && o.delimiter == '|');
    ck_assert_int_eq(copy_opts("COPY ev FROM STDIN csv header", &o), SL_OK);
    ck_assert(o.format == SL_COPY_CSV && o.header);
    ck_assert_int_eq(split_in("COPY ev TO STDOUT"), SL_OK);
    ck_assert(stmts[0].dml->copy_to);
    ck_assert_int_eq(copy_opts("COPY ev FROM STDIN (FORMAT binary)", &o), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_int_eq(copy_opts("COPY ev FROM '/etc/passwd'", &o), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_int_eq(err.position, 14);
    sl_error_clear(&err);
    ck_assert_int_eq(copy_opts("COPY ev FROM STDIN (bogus 1)", &o), SL_ERR);
    ck_assert_str_eq(err.message, "option \"bogus\" not recognized");
    sl_error_clear(&err);
    ck_assert_int_eq(copy_opts("COPY ev FROM STDIN (FORMAT csv, DELIMITER ';')", &o), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    sl_error_clear(&err);
    ck_assert_int_eq(copy_opts("COPY ev FROM STDIN (DELIMITER 'ab')", &o), SL_ERR);
    ck_assert_str_eq(err.message, "COPY delimiter must be a single one-byte character");
    ck_assert_int_eq(split_in("COPY ev FROM STDIN WITH (FORMAT"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42601");
}
END_TEST

START_TEST(test_create_stream)
{
    sl_stmt_t *st = parse1("CREATE STREAM IF NOT EXISTS Clicks (user_id bigint, "
                           "\"URL\" varchar(20), ts timestamp with time zone, "
                           "x double precision, y character varying, z int, "
                           "t timestamp without time zone, stream text);");
    ck_assert_int_eq(st->kind, SL_STMT_CREATE_STREAM);
    ck_assert(st->if_not_exists);
    ck_assert_str_eq(st->name, "clicks");
    ck_assert_int_eq(st->name_location, 29);
    ck_assert_int_eq(st->ncols, 8);
    ck_assert_str_eq(st->cols[0].name, "user_id");
    ck_assert_int_eq(st->cols[0].type, SL_T_INT8);
    ck_assert_str_eq(st->cols[1].name, "URL");
    ck_assert_int_eq(st->cols[1].type, SL_T_TEXT);
    ck_assert_int_eq(st->cols[1].typmod, 20);
    ck_assert_int_eq(st->cols[2].type, SL_T_TIMESTAMPTZ);
    ck_assert_str_eq(st->cols[2].typname, "timestamp with time zone");
    ck_assert_int_eq(st->cols[3].type, SL_T_FLOAT8);
    ck_assert_int_eq(st->cols[4].type, SL_T_TEXT);
    ck_assert_int_eq(st->cols[4].typmod, -1);
    ck_assert_int_eq(st->cols[5].type, SL_T_INT4);
    ck_assert_int_eq(st->cols[6].type, SL_T_TIMESTAMP);
    ck_assert_str_eq(st->cols[7].name, "stream");
    ck_assert_str_eq(st->text, "CREATE STREAM IF NOT EXISTS Clicks (user_id bigint, "
                               "\"URL\" varchar(20), ts timestamp with time zone, "
                               "x double precision, y character varying, z int, "
                               "t timestamp without time zone, stream text)");

    st = parse1("create stream s (a foo)");
    ck_assert_int_eq(st->cols[0].type, SL_T_UNKNOWN);   /* analyzer: 42704 */
    ck_assert_str_eq(st->cols[0].typname, "foo");
    ck_assert_int_eq(st->cols[0].type_location, 20);
}
END_TEST

START_TEST(test_drop_show)
{
    sl_stmt_t *st = parse1("DROP STREAM IF EXISTS s CASCADE");
    ck_assert_int_eq(st->kind, SL_STMT_DROP_STREAM);
    ck_assert(st->if_exists && st->cascade);
    ck_assert_str_eq(st->name, "s");
    st = parse1("drop stream views restrict");
    ck_assert(!st->if_exists && !st->cascade);
    ck_assert_str_eq(st->name, "views");
    st = parse1("DROP CONTINUOUS VIEW \"My View\"");
    ck_assert_int_eq(st->kind, SL_STMT_DROP_VIEW);
    ck_assert_str_eq(st->name, "My View");
    st = parse1("drop continuous view if exists v;");
    ck_assert(st->if_exists);
    st = parse1("TRUNCATE CONTINUOUS VIEW \"My View\";");
    ck_assert_int_eq(st->kind, SL_STMT_TRUNCATE_VIEW);
    ck_assert_str_eq(st->name, "My View");
    st = parse1("truncate continuous");            /* a table named continuous */
    ck_assert_int_eq(st->kind, SL_STMT_FORWARD);
    st = parse1("truncate t, continuous view");
    ck_assert_int_eq(st->kind, SL_STMT_FORWARD);
    st = parse1("create stream truncate (truncate int)");
    ck_assert_str_eq(st->name, "truncate");
    st = parse1("SHOW STREAMS");
    ck_assert_int_eq(st->kind, SL_STMT_SHOW_STREAMS);
    st = parse1("show continuous views");
    ck_assert_int_eq(st->kind, SL_STMT_SHOW_VIEWS);
    st = parse1("SHOW HTTP_ADDRESS");
    ck_assert_int_eq(st->kind, SL_STMT_SHOW_SETTING);
    ck_assert_str_eq(st->name, "http_address");
    st = parse1("show sluice_version");
    ck_assert_str_eq(st->name, "sluice_version");
}
END_TEST

START_TEST(test_grant_token)
{
    sl_stmt_t *st = parse1("GRANT INSERT ON STREAM s TO alice, \"Bob\", public");
    ck_assert_int_eq(st->kind, SL_STMT_GRANT);
    ck_assert_str_eq(st->name, "s");
    ck_assert_int_eq(st->privileges, SL_PRIV_INSERT);
    ck_assert_int_eq(st->nroles, 3);
    ck_assert_str_eq(st->roles[0], "alice");
    ck_assert_str_eq(st->roles[1], "Bob");
    ck_assert_ptr_null(st->roles[2]);              /* PUBLIC */
    ck_assert(!st->grant_option);
    st = parse1("grant select, insert on stream s to \"public\" with grant option");
    ck_assert_int_eq(st->privileges, SL_PRIV_INSERT | SL_PRIV_SELECT);
    ck_assert_str_eq(st->roles[0], "public");      /* quoted: a role's name */
    ck_assert(st->grant_option);
    st = parse1("GRANT ALL PRIVILEGES ON STREAM s TO r");
    ck_assert_int_eq(st->privileges, SL_PRIV_INSERT | SL_PRIV_SELECT);
    st = parse1("REVOKE GRANT OPTION FOR SELECT ON STREAM s FROM r CASCADE");
    ck_assert_int_eq(st->kind, SL_STMT_REVOKE);
    ck_assert(st->grant_option && st->cascade);
    ck_assert_int_eq(st->privileges, SL_PRIV_SELECT);
    st = parse1("CREATE TOKEN FOR ROLE Ingest");
    ck_assert_int_eq(st->kind, SL_STMT_CREATE_TOKEN);
    ck_assert_str_eq(st->name, "ingest");
    st = parse1("DROP TOKEN 'slt_ab'");
    ck_assert_int_eq(st->kind, SL_STMT_DROP_TOKEN);
    ck_assert_str_eq(st->token, "slt_ab");
    st = parse1("drop token for role r");
    ck_assert_ptr_null(st->token);
    ck_assert_str_eq(st->name, "r");
    /* GRANT on anything but a stream is PostgreSQL's */
    ck_assert_int_eq(split("GRANT SELECT ON t TO r"), SL_OK);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_FORWARD);
    ck_assert_int_eq(split("GRANT SELECT (a) ON TABLE stream TO r"), SL_OK);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_FORWARD);
    ck_assert_int_eq(split("REVOKE r FROM s"), SL_OK);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_FORWARD);
    ck_syntax("GRANT DELETE ON STREAM s TO r", "syntax error at or near \"DELETE\"", 7);
    ck_syntax("GRANT INSERT ON STREAM s", "syntax error at end of input", 25);
}
END_TEST

START_TEST(test_create_view)
{
    const char *q = "select 1; CREATE CONTINUOUS VIEW v AS SELECT url, count(*) AS hits, "
                    "sum(x * 2) total, count(DISTINCT u), c.url::text FROM clicks c "
                    "WHERE x > -1 AND NOT y IS NULL OR z <> 'a' || 'b' "
                    "GROUP BY url, 2 HAVING count(*) > 10";
    ck_assert_int_eq(split(q), SL_OK);
    ck_assert_int_eq(nstmts, 2);
    sl_stmt_t *st = &stmts[1];
    ck_assert_int_eq(st->kind, SL_STMT_CREATE_VIEW);
    ck_assert_str_eq(st->name, "v");
    ck_assert_int_eq(st->select_start, (int)(strstr(q, "SELECT") - q));
    ck_assert_str_eq(select_text(st),
                     "SELECT url, count(*) AS hits, sum((x * 2)) AS total, "
                     "count(DISTINCT u), CAST(c.url AS text) FROM clicks AS c "
                     "WHERE (((x > (- 1)) AND (NOT (y IS NULL))) OR (z <> ('a' || 'b'))) "
                     "GROUP BY url, 2 HAVING (count(*) > 10)");
    ck_assert_ptr_null(st->select->unsupported);
}
END_TEST

START_TEST(test_aggregate_clauses)
{
    sl_stmt_t *st = parse1("create continuous view v as select count(*) filter (where a > 1), "
                           "string_agg(t, ',' order by t desc, u) FILTER (WHERE NOT b), "
                           "sum(DISTINCT x) filter (where y), count(filter) from s");
    ck_assert_str_eq(select_text(st),
                     "SELECT count(*) FILTER (WHERE (a > 1)), "
                     "string_agg(t, ',' ORDER BY t DESC, <1 more>) FILTER (WHERE (NOT b)), "
                     "sum(DISTINCT x) FILTER (WHERE y), count(filter) FROM s");
    /* FILTER needs its parentheses and WHERE, as in PostgreSQL */
    ck_assert_int_eq(split("create continuous view v as select count(*) filter a from s"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42601");
    ck_assert_int_eq(split("create continuous view v as select count(*) filter (a) from s"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42601");
}
END_TEST

START_TEST(test_precedence)
{
    sl_stmt_t *st = parse1("create continuous view v as select a + b * c - d / e % f, "
                           "-a::int, a = b is null, not a = b, a || b + c, "
                           "cast(a as varchar(3)), timestamptz '2020-01-01', "
                           "f(), g(all x, y), \"Count\"(*) from s");
    ck_assert_str_eq(select_text(st),
                     "SELECT ((a + (b * c)) - ((d / e) % f)), (- CAST(a AS int)), "
                     "((a = b) IS NULL), (NOT (a = b)), (a || (b + c)), "
                     "CAST(a AS varchar(3)), CAST('2020-01-01' AS timestamptz), "
                     "f(), g(x, y), Count(*) FROM s");
    /* IN, BETWEEN and LIKE bind tighter than comparisons (NOT before them
     * too), looser than || and ~; BETWEEN's AND is its own. */
    st = parse1("create continuous view v as select a = b not in (1, 2), "
                "not a not between 1 and 2 and c, a like b || 'x' escape '!', "
                "a ~ b is distinct from c, x is not true, "
                "case when a then 1 when b then 2 else 3 end, case a when 1 then 2 end, "
                "substring(a from 2 for 3), substring(a for 2), position('x' in a), "
                "trim(leading 'x' from a), trim(a), left(a, 1) from s");
    ck_assert_str_eq(select_text(st),
                     "SELECT (a = IN/1(b, 1, 2)), ((NOT BETWEEN/1(a, 1, 2)) AND c), "
                     "LIKE/0(a, (b || 'x'), '!'), DISTINCT/0((a ~ b), c), "
                     "BOOLTEST/1(x), CASE/2(a, 1, b, 2, 3), CASE/1(a, 1, 2), "
                     "substring(a, 2, 3), substring(a, 1, 2), position(a, 'x'), "
                     "ltrim(a, 'x'), btrim(a), left(a, 1) FROM s");
    st = parse1("create continuous view v as select position, trim + 1, extract, "
                "substring from s group by position");
    ck_assert_str_eq(select_text(st),
                     "SELECT position, (trim + 1), extract, substring FROM s GROUP BY position");
    /* jsonb's operators are generic operators: one level, left associative,
     * above comparisons and LIKE, below + and -; "->-1" is "->" then -1. */
    st = parse1("create continuous view v as select j->'a'->>'b' = 'x', j #>> '{a,0}' || 'y', "
                "j ? 'k' and j @> '{}', j->-1, j -> 1 + 2, j->>'a' like 'x%', "
                "j ?| '{a}' is null, j<@j from s");
    ck_assert_str_eq(select_text(st),
                     "SELECT (((j -> 'a') ->> 'b') = 'x'), ((j #>> '{a,0}') || 'y'), "
                     "((j ? 'k') AND (j @> '{}')), (j -> (- 1)), (j -> (1 + 2)), "
                     "LIKE/0((j ->> 'a'), 'x%'), ((j ?| '{a}') IS NULL), (j <@ j) FROM s");
    /* Non-reserved keywords are names. */
    st = parse1("create continuous view stream as select stream, views, time "
                "from streams group by stream");
    ck_assert_str_eq(st->name, "stream");
    ck_assert_str_eq(select_text(st),
                     "SELECT stream, views, time FROM streams GROUP BY stream");
}
END_TEST

/* Arrays: op ANY / SOME / ALL binds as its comparison operator, a
 * subscript tighter than anything, [] after a type name is the array type. */
START_TEST(test_arrays)
{
    sl_stmt_t *st = parse1("create continuous view v as select a = any(b) and c, "
                           "not a + 1 <> all (b), a < some(b || c), -a[1], a[i + 1]::text, "
                           "x::int[], cast(x as bigint array), x::varchar(3)[][], "
                           "array[1, a], array[], f(a)[2] from s where a = any ('{1,2}')");
    ck_assert_str_eq(select_text(st),
                     "SELECT ((a = ANY (b)) AND c), (NOT ((a + 1) <> ALL (b))), "
                     "(a < ANY ((b || c))), (- (a)[1]), CAST((a)[(i + 1)] AS text), "
                     "CAST(x AS int[]), CAST(x AS bigint[]), CAST(x AS varchar[](3)), "
                     "ARRAY[1, a], ARRAY[], (f(a))[2] FROM s WHERE (a = ANY ('{1,2}'))");
    ck_syntax("create continuous view v as select a = any b from s",
              "syntax error at or near \"b\"", 44);
    ck_syntax("create continuous view v as select a[1 from s",
              "syntax error at or near \"from\"", 40);
    /* slices, either bound left out */
    st = parse1("create continuous view v as select a[1:2], a[:k + 1], a[2:][1], a[:], "
                "(a || b)[i:i]::text from s");
    ck_assert_str_eq(select_text(st),
                     "SELECT (a)[1:2], (a)[:(k + 1)], ((a)[2:])[1], (a)[:], "
                     "CAST(((a || b))[i:i] AS text) FROM s");
    ck_syntax("create continuous view v as select a[1:2:3] from s",
              "syntax error at or near \":\"", 41);
}
END_TEST

START_TEST(test_unsupported_clauses)
{
    sl_stmt_t *st = parse1("create continuous view v as select count(*) from s "
                           "order by 1 limit 5");
    ck_assert_str_eq(st->select->unsupported, "ORDER BY");
    ck_assert_int_eq(st->select->unsupported_location, 52);
    st = parse1("create continuous view v as select distinct a from s");
    ck_assert_ptr_null(st->select->unsupported);
    ck_assert_int_eq(st->select->distinct_location, 36);
    st = parse1("create continuous view v as select distinct on (a) a from s");
    ck_assert_str_eq(st->select->unsupported, "SELECT DISTINCT ON");
    st = parse1("create continuous view v as select a from s join t on s.a = t.a");
    ck_assert_str_eq(st->select->unsupported, "JOIN");
    st = parse1("create continuous view v as select a from s, t");
    ck_assert_str_eq(st->select->unsupported, "a FROM list with more than one item");
    st = parse1("create continuous view v as select a from (select 1) x");
    ck_assert_str_eq(st->select->unsupported, "a subquery in FROM");
    st = parse1("create continuous view v as select (select 1) from s");
    ck_assert_int_eq(st->select->targets[0]->args[0]->kind, SL_A_UNSUPPORTED);
}
END_TEST

START_TEST(test_syntax_errors)
{
    ck_syntax("CREATE STREAM s (a int,)", "syntax error at or near \")\"", 24);
    ck_syntax("create stream s ()", "syntax error at or near \")\"", 18);
    ck_syntax("create stream s (a int", "syntax error at end of input", 23);
    ck_syntax("create stream s (a int; select 1", "syntax error at or near \";\"", 23);
    ck_syntax("drop stream s; create continuous view v as select 'é' frm s",
              "syntax error at or near \"s\"", 59);   /* frm is an alias */
    ck_assert_int_eq(nstmts, 1);   /* the statement before the error */
    ck_assert_int_eq(stmts[0].kind, SL_STMT_DROP_STREAM);
    ck_syntax("create continuous view v as select a from s where",
              "syntax error at end of input", 50);
    ck_syntax("create continuous view v as select a from s where 'x",
              "unterminated quoted string at or near \"'x\"", 51);
    /* OVER parses (to be refused by analysis); a frame clause does not */
    ck_syntax("create continuous view v as select count(*) over (rows 1) from s",
              "syntax error at or near \"rows\"", 51);
    ck_syntax("show streams extra", "syntax error at or near \"extra\"", 14);
    ck_syntax("explain continuous view", "syntax error at end of input", 24);
    ck_syntax("explain continuous view v w", "syntax error at or near \"w\"", 27);
    ck_syntax("alter stream s add", "syntax error at end of input", 19);
    ck_syntax("alter stream s add column c", "syntax error at end of input", 28);
    ck_syntax("alter stream s drop column c", "syntax error at or near \"drop\"", 16);
    ck_syntax("deactivate continuous view", "syntax error at end of input", 27);
}
END_TEST

/* EXPLAIN / ALTER STREAM / (DE)ACTIVATE CONTINUOUS VIEW, and UNION noted
 * for the analyzer's 0A000. */
START_TEST(test_stmts)
{
    sl_stmt_t *st = parse1("EXPLAIN CONTINUOUS VIEW \"My View\";");
    ck_assert_int_eq(st->kind, SL_STMT_EXPLAIN_VIEW);
    ck_assert_str_eq(st->name, "My View");
    ck_assert_int_eq(st->name_location, 25);
    st = parse1("explain select 1");                /* PostgreSQL's EXPLAIN */
    ck_assert_int_eq(st->kind, SL_STMT_FORWARD);
    st = parse1("explain continuous");               /* a table named continuous */
    ck_assert_int_eq(st->kind, SL_STMT_FORWARD);
    st = parse1("alter stream s add column c double precision");
    ck_assert_int_eq(st->kind, SL_STMT_ALTER_STREAM);
    ck_assert_str_eq(st->name, "s");
    ck_assert_int_eq(st->ncols, 1);
    ck_assert_str_eq(st->cols[0].name, "c");
    ck_assert_str_eq(st->cols[0].typname, "double precision");
    ck_assert_int_eq(st->cols[0].location, 27);
    st = parse1("ALTER STREAM s ADD \"Col\" varchar(12)");
    ck_assert_int_eq(st->kind, SL_STMT_ALTER_STREAM);
    ck_assert_str_eq(st->cols[0].name, "Col");
    ck_assert_int_eq(st->cols[0].typmod, 12);
    st = parse1("alter stream s add column column int");   /* non-reserved */
    ck_assert_str_eq(st->cols[0].name, "column");
    st = parse1("alter table s add column c int");
    ck_assert_int_eq(st->kind, SL_STMT_FORWARD);
    st = parse1("DEACTIVATE CONTINUOUS VIEW v");
    ck_assert_int_eq(st->kind, SL_STMT_DEACTIVATE_VIEW);
    ck_assert_str_eq(st->name, "v");
    st = parse1("activate continuous view v;");
    ck_assert_int_eq(st->kind, SL_STMT_ACTIVATE_VIEW);
    st = parse1("create stream activate (add int, alter int, explain int, deactivate int)");
    ck_assert_str_eq(st->name, "activate");
    ck_assert_str_eq(st->cols[3].name, "deactivate");
    st = parse1("create continuous view v as select a from s union all select a from t");
    ck_assert_int_eq(st->kind, SL_STMT_CREATE_VIEW);
    ck_assert_str_eq(st->select->unsupported, "UNION");
    ck_assert_int_eq(st->select->unsupported_location, 45);
    st = parse1("create continuous view v as select a from s union select 1 union select 2");
    ck_assert_str_eq(st->select->unsupported, "UNION");
    ck_assert_int_eq(st->select->unsupported_location, 45);
}
END_TEST

/* "prefix" + n copies of unit (joined by sep) + "suffix", in the arena. */
static const char *repeat(const char *prefix, const char *unit, const char *sep, int n,
                          const char *suffix)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_puts(&b, prefix);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            sl_buf_puts(&b, sep);
        sl_buf_puts(&b, unit);
    }
    sl_buf_puts(&b, suffix);
    const char *s = sl_strdup(arena, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

static void ck_limit(const char *q, const char *sqlstate, const char *msg)
{
    ck_assert_msg(split(q) == SL_ERR, "no error for a %zu-byte statement", strlen(q));
    ck_assert_str_eq(err.sqlstate, sqlstate);
    ck_assert_str_eq(err.message, msg);
}

/* Hostile sizes: errors from the parser, never a crash or a stack overflow
 * later (the analyzer, deparser and executor recurse over what parses). */
START_TEST(test_limits)
{
    const char *v = "create continuous view v as select ";
    /* a flat chain of 100000 terms is 100000 levels deep */
    ck_limit(repeat(v, "1", " + ", 100000, " from s"), "54001", "statement is too complex");
    ck_assert_str_eq(err.detail, "Expressions can be nested at most 1000 levels deep.");
    ck_limit(repeat(v, "k", " OR ", 100000, " from s"), "54001", "statement is too complex");
    ck_limit(repeat(v, "k", "::int", 2000, " from s"), "54001", "statement is too complex");
    ck_limit(repeat("create continuous view v as select count(", "k", " || ", 1500, ") from s"),
             "54001",
             "statement is too complex");
    /* nesting the parser stacks: parentheses, NOT NOT ..., - - ... */
    ck_limit(repeat(repeat(v, "(", "", 100000, "1"), ")", "", 100000, " from s"), "54001",
             "statement is too complex");
    ck_limit(repeat(v, "NOT", " ", 100000, " true from s"), "54001", "statement is too complex");
    ck_limit(repeat(v, "-", " ", 100000, "1 from s"), "54001", "statement is too complex");
    /* the largest allowed still parse */
    parse1(repeat(v, "1", " + ", 1000, " from s"));
    parse1(repeat(v, "k", " AND ", 1000, " from s"));
    parse1(repeat(repeat(v, "(", "", 200, "1"), ")", "", 200, " from s"));
    ck_limit(repeat(v, "1", " + ", 1001, " from s"), "54001", "statement is too complex");

    /* PostgreSQL's limits on lists */
    ck_limit(repeat(v, "count(*)", ", ", 1665, " from s"), "54011",
             "target lists can have at most 1664 entries");
    ck_assert_int_gt(err.position, 1);
    ck_assert_int_eq(parse1(repeat(v, "count(*)", ", ", 1664, " from s"))->select->ntargets,
                     1664);
    ck_limit(repeat("create continuous view v as select f(", "1", ", ", 101, ") from s"),
             "54023", "cannot pass more than 100 arguments to a function");
    parse1(repeat("create continuous view v as select f(", "1", ", ", 100, ") from s"));
    ck_limit(repeat("create stream s (", "c int", ", ", 1601, ")"), "54011",
             "tables can have at most 1600 columns");

    /* statement length: Sluice's own statements only */
    const char *big = repeat("create continuous view v as select count(*)", " ", "",
                             1024 * 1024, "from s");
    ck_limit(big, "54000", "statement is too long");
    ck_assert_str_eq(err.detail, "Sluice statements can be at most 1048576 bytes long.");
    const char *fwd = repeat("select", " ", "", 2 * 1024 * 1024, "1");
    ck_assert_int_eq(split(fwd), SL_OK);
    ck_assert_int_eq(stmts[0].kind, SL_STMT_FORWARD);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("parser");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_split_forward);
    tcase_add_test(tc, test_split_empty_and_junk);
    tcase_add_test(tc, test_forwarded_fast_path);
    tcase_add_test(tc, test_create_stream);
    tcase_add_test(tc, test_drop_show);
    tcase_add_test(tc, test_grant_token);
    tcase_add_test(tc, test_create_view);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_arrays);
    tcase_add_test(tc, test_aggregate_clauses);
    tcase_add_test(tc, test_unsupported_clauses);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_stmts);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_dml_classification);
    tcase_add_test(tc, test_insert_values);
    tcase_add_test(tc, test_copy_options);
    tcase_add_test(tc, test_with_options);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
