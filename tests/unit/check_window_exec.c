/*
 * check_window_exec.c: event-time windows in the executor (exec/op_window.c)
 * with plans from the analyzer: tumble and hop windows left out when the
 * watermark closed them (an event late when its first window is closed),
 * hop's expansion into one group row per window, session merges (the group
 * rows keep their starts, the merged-away start is a rename), late session
 * events, the sweep of closed sessions and the frontier it leaves; the
 * session index counted in sl_exec_memory (max_memory) and emptied by a
 * TRUNCATE.
 */
#include <check.h>
#include "ck_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "ingest/ndjson.h"
#include "sql/sql.h"

#define S INT64_C(1000000)
/* 2026-01-01 00:00:00 UTC in microseconds since 2000-01-01 */
#define T0 INT64_C(820540800000000)

static sl_catalog_t cat;
static sl_arena_t *arena;
static sl_stream_t *ev;
static sl_view_t *view;

static void setup(void)
{
    arena = sl_arena_new(NULL, "test");
    sl_catalog_init(&cat);
    const char *q = "create stream ev (k int, v int, ts timestamptz) "
                    "with (event_time = 'ts', max_lateness = '10 s')";
    sl_stmt_t *st;
    int n;
    bool exists;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_sql_split(q, strlen(q), arena, &st, &n, &err), SL_OK);
    ev = sl_stream_new(st->name);
    ck_assert_int_eq(sl_analyze_stream(st, &cat, ev, &exists, &err), SL_OK);
    sl_catalog_add_stream(&cat, ev);
    view = NULL;
}

static void teardown(void)
{
    if (view) {
        sl_exec_free(view->exec);
        sl_arena_free(view->arena);
    }
    sl_catalog_destroy(&cat);
    sl_arena_free(arena);
}

static void make_view(const char *sel)
{
    const char *q = sl_sprintf(arena, "CREATE CONTINUOUS VIEW v AS %s", sel);
    sl_stmt_t *st;
    int n;
    bool exists;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_sql_split(q, strlen(q), arena, &st, &n, &err), SL_OK);
    view = sl_view_new(st->name);
    ck_assert_msg(sl_analyze_view(st, &cat, view, &exists, &err) == SL_OK, "%s", err.message);
    view->exec = sl_exec_new(view->plan);
}

/* Feeds "k v seconds" events (after T0) with the watermark wm[i]
 * (seconds after T0; -1: none); returns the late rows as "0,2". */
static const char *feed(const char *const *evs, const int *wm, int n)
{
    static char late[256];
    sl_buf_t body = SL_BUF_INIT;
    for (int i = 0; i < n; i++) {
        int k, v, sec;
        ck_assert_int_eq(sscanf(evs[i], "%d %d %d", &k, &v, &sec), 3);
        sl_buf_printf(&body, "{\"k\": %d, \"v\": %d, \"ts\": \"2026-01-01T00:%02d:%02dZ\"}\n", k,
                      v, sec / 60, sec % 60);
    }
    sl_arena_t *a = sl_arena_new(NULL, "batch");
    sl_batch_t *b;
    sl_ingest_error_t ie;
    ck_assert_int_eq(sl_ndjson_decode(ev, body.data, body.len, a, &b, &ie), SL_OK);
    int64_t *w = sl_alloc(a, sizeof(int64_t) * (size_t)n);
    for (int i = 0; i < n; i++)
        w[i] = wm[i] < 0 ? INT64_MIN : T0 + wm[i] * S;
    sl_exec_pending_t *p;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_exec_prepare(view->exec, b, w, a, &p, NULL, &err), SL_OK);
    sl_exec_apply(view->exec, p);
    const int *rows;
    int nl = sl_exec_late(p, &rows);
    late[0] = '\0';
    for (int i = 0; i < nl; i++)
        snprintf(late + strlen(late), sizeof(late) - strlen(late), "%s%d", i ? "," : "",
                 rows[i]);
    sl_arena_free(a);
    sl_buf_free(&body);
    return late;
}

/* The current delta's groups as "k@start:count" (start in seconds after
 * T0), sorted, joined by spaces; detaches it. */
static const char *groups(void)
{
    static char out[1024];
    sl_delta_t *d = sl_exec_detach(view->exec);
    char *items[64];
    int n = d ? sl_delta_ngroups(d) : 0;
    ck_assert_int_le(n, 64);
    const sl_view_plan_t *p = view->plan;
    for (int g = 0; g < n; g++) {
        sl_buf_t k = SL_BUF_INIT, c = SL_BUF_INIT;
        sl_delta_value(d, g, 0, &k);
        sl_delta_value(d, g, p->ngroup, &c);  /* count(*)'s state */
        int w = p->window_key;
        sl_buf_t ws = SL_BUF_INIT;
        sl_delta_value(d, g, w, &ws);
        /* "2026-01-01 00:MM:SS+00" */
        int mm = 0, ss = 0;
        sscanf(sl_buf_cstr(&ws) + 14, "%d:%d", &mm, &ss);
        int sec = mm * 60 + ss;
        if (strncmp(sl_buf_cstr(&ws), "2025-12-31 23:59:", 17) == 0)
            sec = -(60 - atoi(sl_buf_cstr(&ws) + 17));
        items[g] = sl_sprintf(arena, "%s@%d:%s", sl_buf_cstr(&k), sec, sl_buf_cstr(&c));
        sl_buf_free(&k);
        sl_buf_free(&c);
        sl_buf_free(&ws);
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
            char *t = items[j];
            items[j] = items[j - 1];
            items[j - 1] = t;
        }
    out[0] = '\0';
    for (int g = 0; g < n; g++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", g ? " " : "", items[g]);
    if (d)
        sl_delta_free(d);
    return out;
}

START_TEST(test_tumble)
{
    make_view("SELECT k, tumble(ts, '10 seconds') AS w, count(*) FROM ev GROUP BY k, w");
    const char *e[] = {"1 1 5", "1 2 15", "1 3 3", "2 4 21"};
    /* the third comes when the watermark is 20: [0, 10) closed */
    int wm[] = {-1, -1, 20, 20};
    ck_assert_str_eq(feed(e, wm, 4), "2");
    ck_assert_str_eq(groups(), "1@0:1 1@10:1 2@20:1");
    /* on the edge: a window ending at the watermark is closed */
    const char *e2[] = {"1 1 29", "1 1 30"};
    int wm2[] = {30, 30};
    ck_assert_str_eq(feed(e2, wm2, 2), "0");
    ck_assert_str_eq(groups(), "1@30:1");
    unsigned long long seen, matched;
    sl_exec_counts(view->exec, &seen, &matched);
    ck_assert_int_eq(seen, 6);
    ck_assert_int_eq(matched, 6);
    ck_assert_int_eq(sl_exec_late_count(view->exec), 2);
}
END_TEST

START_TEST(test_hop)
{
    make_view("SELECT k, hop(ts, '5 s', '15 s') AS w, count(*) FROM ev WHERE v > 0 "
              "GROUP BY k, w");
    /* 12 s: windows starting at 0, 5, 10; filtered-out events never late */
    const char *e[] = {"1 1 12", "1 0 1"};
    int wm[] = {-1, 100};
    ck_assert_str_eq(feed(e, wm, 2), "");
    ck_assert_str_eq(groups(), "1@0:1 1@10:1 1@5:1");
    /* watermark 15: [0, 15) closed, the event is late but counts in the
     * others; watermark 25: all three closed */
    const char *e2[] = {"2 1 12", "3 1 12"};
    int wm2[] = {15, 25};
    ck_assert_str_eq(feed(e2, wm2, 2), "0,1");
    ck_assert_str_eq(groups(), "2@10:1 2@5:1");
}
END_TEST

START_TEST(test_session)
{
    make_view("SELECT k, session(ts, '10 s') AS s, window_end(session(ts, '10 s')), count(*) "
              "FROM ev GROUP BY k, s");
    const char *e[] = {"1 1 0", "1 1 18", "2 1 5", "1 1 9"};
    int wm[] = {-1, -1, -1, -1};
    ck_assert_str_eq(feed(e, wm, 4), "");
    /* 9 bridges [0, 10) and [18, 28): one session from 0; the row of 18
     * stays in the delta, a rename moves it */
    ck_assert_str_eq(groups(), "1@0:2 1@18:1 2@5:1");
    sl_exec_renames_t *r = sl_exec_take_renames(view->exec);
    ck_assert_int_eq(sl_exec_renames_count(r), 1);
    sl_buf_t b = SL_BUF_INIT;
    ck_assert(sl_exec_rename_value(r, 0, 0, false, &b));
    ck_assert_str_eq(sl_buf_cstr(&b), "1");
    sl_buf_reset(&b);
    ck_assert(sl_exec_rename_value(r, 0, 1, false, &b));
    ck_assert_str_eq(sl_buf_cstr(&b), "2026-01-01 00:00:18+00");
    sl_buf_reset(&b);
    ck_assert(sl_exec_rename_value(r, 0, 1, true, &b));
    ck_assert_str_eq(sl_buf_cstr(&b), "2026-01-01 00:00:00+00");
    sl_buf_free(&b);
    /* a failed flush puts them back, in front */
    sl_exec_restore_renames(view->exec, r);
    r = sl_exec_take_renames(view->exec);
    ck_assert_int_eq(sl_exec_renames_count(r), 1);
    sl_exec_renames_free(r);
    ck_assert_int_eq(sl_exec_sessions(view->exec), 2);
    /* watermark 30: [0, 28) is closed; an event touching it is late, one
     * starting a session that would be closed at once too */
    const char *e2[] = {"1 1 27", "1 1 12", "2 1 40"};
    int wm2[] = {30, 30, 30};
    ck_assert_str_eq(feed(e2, wm2, 3), "0,1");
    ck_assert_str_eq(groups(), "2@40:1");
    /* the sweep (at a detach, by the stream's watermark) drops sessions a
     * gap after they closed; an event before the last one dropped stays
     * late */
    ev->max_event = T0 + 110 * S;   /* watermark 100 */
    const char *e3[] = {"3 1 100"};
    int wm3[] = {100};
    ck_assert_str_eq(feed(e3, wm3, 1), "");
    ck_assert_str_eq(groups(), "3@100:1");
    ck_assert_int_eq(sl_exec_sessions(view->exec), 1);
    const char *e4[] = {"1 1 95", "1 1 27"};
    int wm4[] = {100, 100};
    /* 95: a new session [95, 105), open; 27: before k=1's swept session's end */
    ck_assert_str_eq(feed(e4, wm4, 2), "1");
    ck_assert_str_eq(groups(), "1@95:1");
}
END_TEST

/* max_memory counts a session view's index (sl_exec_memory): it grows with
 * the groups' sessions held, shrinks as the sweep drops closed ones, and a
 * TRUNCATE (sl_exec_truncated) empties it and its frontiers. */
START_TEST(test_session_memory)
{
    make_view("SELECT k, session(ts, '10 s') AS s, count(*) FROM ev GROUP BY k, s");
    sl_delta_free(sl_exec_detach(view->exec));
    size_t empty = sl_exec_memory(view->exec);
    ck_assert_uint_gt(empty, 0);
    char lines[500][16];
    const char *e[500];
    int wm[500];
    for (int i = 0; i < 500; i++) {
        snprintf(lines[i], sizeof(lines[i]), "%d 1 %d", i, i % 50);
        e[i] = lines[i];
        wm[i] = -1;
    }
    ck_assert_str_eq(feed(e, wm, 500), "");
    /* the delta flushed: only the index stays, 500 groups' sessions */
    sl_delta_free(sl_exec_detach(view->exec));
    ck_assert_int_eq(sl_exec_sessions(view->exec), 500);
    size_t held = sl_exec_memory(view->exec);
    ck_assert_uint_ge(held, empty + 500 * (sizeof(sl_datum_t) + 2 * sizeof(int64_t)));
    /* a merge's rename counts until the flush takes it */
    const char *m[] = {"7 1 20"};    /* k=7 has [7, 17): a second one [20, 30) */
    const char *m2[] = {"7 1 15"};   /* bridges them: a rename */
    int w1[] = {-1};
    feed(m, w1, 1);
    feed(m2, w1, 1);
    sl_delta_free(sl_exec_detach(view->exec));
    size_t with_rename = sl_exec_memory(view->exec);
    sl_exec_renames_free(sl_exec_take_renames(view->exec));
    ck_assert_uint_gt(with_rename, sl_exec_memory(view->exec));
    /* watermark 200: every session closed a gap ago leaves memory */
    ev->max_event = T0 + 210 * S;
    sl_delta_free(sl_exec_detach(view->exec));
    ck_assert_int_eq(sl_exec_sessions(view->exec), 0);
    ck_assert_uint_lt(sl_exec_memory(view->exec), held);
    ev->max_event = INT64_MIN;
    /* TRUNCATE: sessions forgotten, as in a new view: an event that would
     * have joined k=2's session [2, 12) opens its own */
    ck_assert_str_eq(feed(e, wm, 100), "");
    sl_delta_free(sl_exec_detach(view->exec));
    ck_assert_int_eq(sl_exec_sessions(view->exec), 100);
    sl_exec_truncated(view->exec);
    ck_assert_int_eq(sl_exec_sessions(view->exec), 0);
    ck_assert_uint_eq(sl_exec_memory(view->exec), empty);
    const char *t[] = {"2 1 5"};
    int tw[] = {-1};
    ck_assert_str_eq(feed(t, tw, 1), "");
    ck_assert_str_eq(groups(), "2@5:1");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("window_exec");
    TCase *tc = tcase_create("window_exec");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_tumble);
    tcase_add_test(tc, test_hop);
    tcase_add_test(tc, test_session);
    tcase_add_test(tc, test_session_memory);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
