/*
 * check_fuzz.c: hostile input through the parts that read what users send,
 * with a fixed seed so that a failure repeats.
 *
 *   - NDJSON, JSON and CSV bodies: valid seeds mutated (bytes flipped,
 *     dropped, duplicated, cut, or replaced by JSON/CSV metacharacters, NUL
 *     bytes, broken UTF-8, huge numbers), each body in a buffer of exactly
 *     its length plus the NUL that httpd puts after a body;
 *   - SQL: valid statements mutated the same way at the character and at
 *     the token level, split and parsed, and every CREATE CONTINUOUS VIEW
 *     that still analyzes run over decoded events.
 *
 * What must hold: no crash, no out-of-bounds access (ASan builds), every
 * error has a SQLSTATE of five characters and a message, a body error names
 * a line that exists, a SQL error's position lies inside the query, a body
 * that decodes gives no more rows than it has lines (or objects).
 * SL_FUZZ_ROUNDS scales the number of mutations (default 1).
 */
#include <check.h>
#include "ck_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "exec/exec.h"
#include "ingest/csv.h"
#include "ingest/ndjson.h"
#include "sql/sql.h"

static uint64_t rng;
static int n_ok, n_err, n_views, n_ran;   /* printed: what the inputs reached */

static uint32_t next_rand(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static int rounds(void)
{
    const char *r = getenv("SL_FUZZ_ROUNDS");
    int n = r ? atoi(r) : 1;
    return n > 0 ? n : 1;
}

static const char *const body_tokens[] = {
    "\"", "\\", "{", "}", "[", "]", ",", ":", "\n", "\r\n", "\0", "null", "true",
    "-", "1e999", "99999999999999999999", "-9223372036854775809", "0.0000001",
    "\\u0000", "\\ud800", "\\uDC00\\uD800", "\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98",
    "\"\"", "\"\"\"", "NaN", "Infinity", "2024-02-30T25:61:00Z", "\t", " ",
};
static const char *const sql_tokens[] = {
    "SELECT", "FROM", "WHERE", "GROUP BY", "HAVING", "AND", "OR", "NOT", "IS NULL",
    "count(*)", "sum(", "avg(", "min(", "max(", "(", ")", ",", ";", "'", "''", "\"",
    "$$", "$a$", "--", "/*", "*/", "::", "+", "-", "*", "/", "%", "<", ">=", "<>",
    "=", "9223372036854775808", "1e400", "NULL", "true", "E'\\", "CASE", "JOIN",
    "CREATE STREAM", "CREATE CONTINUOUS VIEW", "DROP STREAM", "AS", "\xff", "\0",
};

/* Writes into out (capacity cap) a mutation of src; returns its length. */
static size_t mutate(const char *src, size_t n, char *out, size_t cap,
                     const char *const *tokens, int ntokens)
{
    size_t len = n < cap ? n : cap;
    memcpy(out, src, len);
    int edits = 1 + (int)(next_rand() % 4);
    for (int e = 0; e < edits; e++) {
        size_t at = len ? next_rand() % (len + 1) : 0;
        switch (next_rand() % 6) {
        case 0:   /* flip a byte */
            if (at < len)
                out[at] = (char)(next_rand() & 0xff);
            break;
        case 1: { /* drop a run */
            size_t k = 1 + next_rand() % 8;
            if (at < len) {
                if (k > len - at)
                    k = len - at;
                memmove(out + at, out + at + k, len - at - k);
                len -= k;
            }
            break;
        }
        case 2: { /* duplicate a run */
            size_t k = 1 + next_rand() % 16;
            if (at < len && len + k <= cap) {
                if (k > len - at)
                    k = len - at;
                memmove(out + at + k, out + at, len - at);
                len += k;
            }
            break;
        }
        case 3:   /* cut */
            len = at;
            break;
        default: { /* insert a token (with its length: tokens may hold a NUL) */
            const char *t = tokens[next_rand() % ntokens];
            size_t k = t[0] ? strlen(t) : 1;
            if (len + k <= cap) {
                memmove(out + at + k, out + at, len - at);
                memcpy(out + at, t, k);
                len += k;
            }
            break;
        }
        }
    }
    return len;
}

static size_t count_byte(const char *p, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == c;
    return k;
}

static void check_ingest_error(const sl_ingest_error_t *ie, size_t nlines)
{
    ck_assert_int_eq((int)strlen(ie->sqlstate), 5);
    ck_assert(ie->message[0] != '\0');
    ck_assert_msg(ie->line >= 0 && (size_t)ie->line <= nlines + 1,
                  "error on line %ld of a body of %zu lines", ie->line, nlines);
}

/* ---- bodies ---- */

static sl_column_t cols[] = {
    {"k", SL_T_INT8, -1},      {"v", SL_T_INT4, -1},   {"s", SL_T_INT2, -1},
    {"name", SL_T_TEXT, -1},   {"code", SL_T_TEXT, 4}, {"ok", SL_T_BOOL, -1},
    {"ts", SL_T_TIMESTAMPTZ, -1}, {"lt", SL_T_TIMESTAMP, -1}, {"f", SL_T_FLOAT8, -1},
    {"r", SL_T_FLOAT4, -1},
};
static sl_stream_t stream = {.name = "s", .ncols = 10, .cols = cols};

static const char *const ndjson_seeds[] = {
    "{\"k\":1,\"v\":-2,\"s\":3,\"name\":\"a\\\"b\\u00e9\",\"code\":\"xy\",\"ok\":true,"
    "\"ts\":\"2024-01-02T03:04:05+02:00\",\"lt\":\"2024-01-02 03:04:05\",\"f\":1.5e3,"
    "\"r\":-0.25}\n{\"k\":null,\"name\":\"\xc3\xa9\xe2\x82\xac\",\"ok\":\"off\"}\n{}\n",
    "{\"v\": 7 , \"k\" : 9, \"x\": {\"a\": [1, {\"b\": \"}\"}], \"c\": null}, \"f\": \"NaN\"}\r\n"
    "\n   \r\n{\"k\":\"12\",\"s\":-32768,\"code\":\"abcd\"}",
    "{\"k\":9223372036854775807,\"v\":2147483647,\"f\":-1e308,\"name\":\"\\n\\t\\\\\"}\n",
};
static const char *const csv_seeds[] = {
    "k,v,s,name,code,ok,ts,lt,f,r\n1,2,3,abc,xy,t,2024-01-02 03:04:05Z,2024-01-02,1.5,2\n"
    ",,,\"\",,,,,,\n\"4\",\"-5\",6,\"a,\"\"b\"\"\nc\",q,false,2024-02-29T00:00:00-05,"
    "2024-02-29,-Infinity,NaN\r\n",
    "7,8,9,\xc3\xa9\xe2\x82\xac,,yes,,,,\n",
};

static void decode_all(const char *body, size_t len)
{
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    size_t nl = count_byte(body, len, '\n');

    if (sl_ndjson_decode(&stream, body, len, a, &b, &ie) == SL_OK) {
        ck_assert_int_le(b->nrows, (int)nl + 1);
        n_ok++;
    } else {
        check_ingest_error(&ie, nl);
        n_err++;
    }
    sl_arena_reset(a);
    if (sl_json_decode(&stream, body, len, a, &b, &ie) == SL_OK)
        ck_assert_int_le(b->nrows, (int)count_byte(body, len, '{'));
    else
        check_ingest_error(&ie, nl);
    for (int header = 0; header < 2; header++) {
        sl_arena_reset(a);
        if (sl_csv_decode(&stream, body, len, header, a, &b, &ie) == SL_OK)
            ck_assert_int_le(b->nrows, (int)nl + 1);
        else
            check_ingest_error(&ie, nl);
    }
    sl_arena_free(a);
}

static void fuzz_bodies(const char *const *seeds, int nseeds, uint64_t seed)
{
    enum { CAP = 4096 };
    char tmp[CAP];
    rng = seed;
    n_ok = n_err = 0;
    int n = 20000 * rounds();
    for (int i = 0; i < n; i++) {
        const char *s = seeds[i % nseeds];
        size_t len = mutate(s, strlen(s), tmp, CAP, body_tokens,
                            (int)(sizeof(body_tokens) / sizeof(body_tokens[0])));
        /* Exactly the body and httpd's NUL: ASan sees any read past it. */
        char *body = malloc(len + 1);
        memcpy(body, tmp, len);
        body[len] = '\0';
        decode_all(body, len);
        free(body);
    }
    printf("fuzz: %d bodies, as NDJSON %d decoded and %d refused\n", n, n_ok, n_err);
}

START_TEST(test_ndjson_bodies)
{
    fuzz_bodies(ndjson_seeds, (int)(sizeof(ndjson_seeds) / sizeof(ndjson_seeds[0])), 0x5eed1);
}
END_TEST

START_TEST(test_csv_bodies)
{
    fuzz_bodies(csv_seeds, (int)(sizeof(csv_seeds) / sizeof(csv_seeds[0])), 0x5eed2);
}
END_TEST

/* ---- SQL ---- */

static const char *const sql_seeds[] = {
    "CREATE STREAM IF NOT EXISTS t (a bigint, b text, c double precision, d boolean, "
    "e timestamptz, f varchar(5), g smallint, h real, i timestamp, j integer)",
    "CREATE CONTINUOUS VIEW v AS SELECT k, count(*), sum(v) AS total, avg(f), min(name), "
    "max(ts) FROM s WHERE (v + 1) * 2 > 3 AND NOT ok IS NULL OR name <> 'x' GROUP BY k",
    "CREATE CONTINUOUS VIEW w AS SELECT name, code, k % 7 AS m, count(v), sum(s), "
    "avg(r) FROM s WHERE k > 1 AND k <= 5 GROUP BY name, code, k % 7 HAVING count(*) > 1",
    "CREATE CONTINUOUS VIEW g AS SELECT count(*), sum(k) / 2 AS half, max(f) - min(f) AS d "
    "FROM s WHERE ts > '2024-01-01' AND lt IS NOT NULL",
    "CREATE CONTINUOUS VIEW y AS SELECT ta[1] AS t1, ta, cardinality(ia) AS c, array_agg(k) FILTER "
    "(WHERE 1 = ANY(ia)), max(ia), regexp_match(name, '(a)(b)?') AS m FROM s WHERE 'a' <> ALL "
    "(ta) OR k < SOME('{1,2}') GROUP BY ta[1], ta, cardinality(ia), regexp_match(name, '(a)(b)?')",
    "DROP CONTINUOUS VIEW IF EXISTS v; DROP STREAM s CASCADE; SHOW STREAMS; "
    "SELECT 'a;b', $$c;d$$ /* ; */ -- ;\n",
};

/* Splits q; for every view that analyzes, runs events through its plan. */
static void sql_one(const char *q, size_t len, sl_catalog_t *cat, sl_batch_t **events,
                    sl_arena_t *a)
{
    sl_stmt_t *stmts;
    int n;
    sl_error_t err;
    sl_error_clear(&err);
    bool fast = sl_sql_forwarded(q, len);
    int rc = sl_sql_split(q, len, a, &stmts, &n, &err);
    for (int i = 0; fast && i < n; i++)     /* the relay's fast path agrees */
        ck_assert(stmts[i].kind == SL_STMT_FORWARD || stmts[i].kind == SL_STMT_EMPTY);
    ck_assert(!fast || rc == SL_OK);
    if (rc != SL_OK) {
        ck_assert_str_eq(err.sqlstate, "42601");
        ck_assert(err.message[0] != '\0');
        ck_assert_msg(err.position >= 0 && (size_t)err.position <= len + 1,
                      "position %d in a query of %zu bytes", err.position, len);
    }
    for (int i = 0; i < n; i++) {
        if (stmts[i].kind != SL_STMT_CREATE_VIEW)
            continue;
        sl_view_t *v = sl_view_new(stmts[i].name);
        bool exists;
        sl_error_clear(&err);
        if (sl_analyze_view(&stmts[i], cat, v, &exists, &err) == SL_OK && !exists) {
            n_views++;
            sl_view_exec_t *x = sl_exec_new(v->plan);
            for (int e = 0; e < 2; e++) {
                sl_exec_pending_t *p;
                int row;
                sl_error_t eerr;
                sl_error_clear(&eerr);
                if (sl_exec_prepare(x, events[e], NULL, a, &p, &row, &eerr) != SL_OK) {
                    ck_assert_int_eq((int)strlen(eerr.sqlstate), 5);
                    ck_assert_int_lt(row, events[e]->nrows);
                    continue;
                }
                n_ran++;
                sl_exec_apply(x, p);
                sl_delta_t *d = sl_exec_detach(x);
                if (d) {
                    sl_buf_t b = SL_BUF_INIT;
                    for (int g = 0; g < sl_delta_ngroups(d); g++)
                        for (int c = 0; c < sl_delta_ncols(d); c++)
                            sl_delta_value(d, g, c, &b);
                    sl_buf_free(&b);
                    sl_delta_free(d);
                }
            }
            sl_exec_free(x);
        } else if (err.sqlstate[0]) {
            ck_assert_int_eq((int)strlen(err.sqlstate), 5);
            ck_assert(err.message[0] != '\0');
            ck_assert_msg(err.position >= 0 && (size_t)err.position <= len + 1,
                          "%s: position %d in a query of %zu bytes", err.message,
                          err.position, len);
        }
        sl_arena_free(v->arena);
    }
}

START_TEST(test_sql)
{
    sl_catalog_t cat;
    sl_catalog_init(&cat);
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    const char *ddl = "CREATE STREAM s (k bigint, v integer, s smallint, name text, "
                      "code varchar(4), ok boolean, ts timestamptz, lt timestamp, "
                      "f double precision, r real, ia bigint[], ta text[])";
    sl_stmt_t *st;
    int nst;
    bool exists;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_sql_split(ddl, strlen(ddl), a, &st, &nst, &err), SL_OK);
    sl_stream_t *s = sl_stream_new(st->name);
    ck_assert_int_eq(sl_analyze_stream(st, &cat, s, &exists, &err), SL_OK);
    sl_catalog_add_stream(&cat, s);

    /* Events for the views to chew on: extreme values (overflow errors are
     * expected there), then ordinary ones. */
    sl_arena_t *ev = sl_arena_new(NULL, "events");
    const char *bodies[2] = {
        "{\"k\":9223372036854775807,\"v\":2147483647,\"s\":32767,\"f\":1e308,\"r\":3e38,"
        "\"name\":\"z\",\"ok\":true,\"ts\":\"2024-01-01T00:00:00Z\"}\n"
        "{\"k\":-9223372036854775808,\"v\":-2147483648,\"s\":-32768,\"f\":-1e308,"
        "\"name\":\"\",\"ok\":false,\"lt\":\"2024-01-01\"}\n{\"k\":0,\"v\":0,\"f\":\"NaN\"}\n{}\n",
        "{\"k\":3,\"v\":10,\"s\":2,\"f\":1.5,\"r\":2,\"name\":\"a\",\"code\":\"xy\",\"ok\":true,"
        "\"ts\":\"2024-03-01T00:00:00Z\",\"lt\":\"2024-03-01\",\"ia\":[1,null,3],\"ta\":[\"a\",\"b c\"]}\n"
        "{\"k\":4,\"v\":-3,\"name\":null,\"ia\":[],\"ta\":\"{x,NULL}\"}\n{}\n",
    };
    sl_batch_t *events[2];
    sl_ingest_error_t ie;
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(sl_ndjson_decode(s, bodies[i], strlen(bodies[i]), ev, &events[i], &ie),
                         SL_OK);

    enum { CAP = 2048 };
    char tmp[CAP];
    rng = 0x5eed3;
    int n = 20000 * rounds();
    n_views = n_ran = 0;
    for (int i = 0; i < n; i++) {
        const char *q = sql_seeds[i % (int)(sizeof(sql_seeds) / sizeof(sql_seeds[0]))];
        size_t len = mutate(q, strlen(q), tmp, CAP, sql_tokens,
                            (int)(sizeof(sql_tokens) / sizeof(sql_tokens[0])));
        /* A query is NUL-terminated (pgwire): stop at the first NUL. */
        char *query = malloc(len + 1);
        memcpy(query, tmp, len);
        query[len] = '\0';
        sql_one(query, strlen(query), &cat, events, a);
        free(query);
        sl_arena_reset(a);
    }
    printf("fuzz: %d queries, %d views analyzed, %d ran over the events\n", n, n_views, n_ran);
    sl_arena_free(a);
    sl_arena_free(ev);
    sl_catalog_destroy(&cat);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz");
    TCase *tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ndjson_bodies);
    tcase_add_test(tc, test_csv_bodies);
    tcase_add_test(tc, test_sql);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
