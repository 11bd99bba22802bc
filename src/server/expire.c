/*
 * expire.c: background deletes of expired rows; see expire.h.
 *
 *   DELETE FROM sluice_mrel."v" WHERE ctid = ANY (ARRAY(
 *       SELECT ctid FROM sluice_mrel."v" WHERE "_step" <= now() - '5 minutes'::interval
 *       LIMIT 1000 FOR UPDATE SKIP LOCKED))
 *
 * (for a TTL the condition is the column's value < now() - ttl).  The
 * connection is non-blocking (PQconnectStart / PQconnectPoll on socket
 * events, as access.c).  A round visits the views by position in the
 * catalog, looked up again after every answer (a view dropped meanwhile is
 * simply not found; one skipped by a shift of positions waits for the
 * next round; only its name is kept across the wait, for the log); a view
 * whose batch came back full is asked again at once.
 */
#include "server/expire.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/conninfo.h"

#define TICK_MS 250
#define LOG_EVERY_MS 60000

struct sl_expire {
    sl_server_t *srv;
    PGconn *conn;
    struct event *sock;         /* socket, one-shot */
    struct event *tick;         /* timer: reconnect, start a round */
    bool connected, busy;
    bool in_round;
    int pos;                    /* catalog position of the view under way */
    char *name;                 /* its name, for the log (malloc'd) */
    int64_t round_ms;           /* when the last round started */
    int64_t logged_ms;          /* last warning (rate-limited) */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void warn(sl_expire_t *ex, const char *what, const char *msg)
{
    if (now_ms() - ex->logged_ms < LOG_EVERY_MS)
        return;
    ex->logged_ms = now_ms();
    sl_buf_t line = SL_BUF_INIT;   /* libpq may quote the connection string */
    sl_conninfo_scrub(ex->srv->pg_conninfo, msg ? msg : "", &line);
    const char *text = sl_buf_cstr(&line);
    const char *nl = strchr(text, '\n');
    sl_log_warning("expiring old rows: %s: %.*s", what,
                   (int)(nl ? (size_t)(nl - text) : strlen(text)), text);
    sl_buf_free(&line);
}

bool sl_expire_sql(const sl_view_t *v, int limit, sl_buf_t *sql)
{
    const sl_view_time_t *t = &v->plan->time;
    if (t->sw_us <= 0 && t->ttl_us <= 0)
        return false;
    /* emitting on window close: the closed windows the view shows expire
     * (open ones wait in the state table until they close) */
    const char *table = v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE ? "\"sluice_closed\"."
                                                                  : "\"sluice_mrel\".";
    sl_buf_printf(sql, "DELETE FROM %s", table);
    sl_buf_put_ident(sql, v->name);
    sl_buf_printf(sql, " WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s", table);
    sl_buf_put_ident(sql, v->name);
    if (t->sw_us > 0)
        sl_buf_printf(sql, " WHERE \"_step\" <= now() - %s", t->sw_sql);
    else
        sl_buf_printf(sql, " WHERE (%s) < %s", t->ttl_expr, t->ttl_cutoff);
    sl_buf_printf(sql, " LIMIT %d FOR UPDATE SKIP LOCKED))", limit);
    return true;
}

static void sock_wait(sl_expire_t *ex, short what, event_callback_fn fn)
{
    if (ex->sock)
        event_free(ex->sock);
    ex->sock = event_new(ex->srv->base, PQsocket(ex->conn), what, fn, ex);
    event_add(ex->sock, NULL);
}

static void drop_conn(sl_expire_t *ex, const char *why)
{
    if (ex->sock) {
        event_free(ex->sock);
        ex->sock = NULL;
    }
    if (ex->conn) {
        if (ex->connected)
            warn(ex, "connection lost", why);
        PQfinish(ex->conn);
    }
    ex->conn = NULL;
    ex->connected = ex->busy = ex->in_round = false;
    free(ex->name);
    ex->name = NULL;
}

static void on_result(evutil_socket_t fd, short what, void *arg);

/* Sends the next batch of the round: the view at ex->pos or after it that
 * has old rows to delete; ends the round after the last view. */
static void next_batch(sl_expire_t *ex)
{
    const sl_catalog_t *cat = &ex->srv->catalog;
    sl_buf_t sql = SL_BUF_INIT;

    if (ex->srv->shutting_down) {
        ex->in_round = false;
        return;
    }
    for (; ex->pos < cat->nviews; ex->pos++) {
        const sl_view_t *v = cat->views[ex->pos];
        /* a view being dropped is left alone: no delete waits for the DROP */
        if (v->broken || v->drop_pending > 0 || v->id < 0)
            continue;
        sl_buf_puts(&sql, "SET lock_timeout = 1000; ");
        if (sl_expire_sql(v, SL_EXPIRE_BATCH, &sql))
            break;
        sl_buf_reset(&sql);
    }
    if (ex->pos >= cat->nviews) {
        ex->in_round = false;
        sl_buf_free(&sql);
        return;
    }
    if (!PQsendQuery(ex->conn, sl_buf_cstr(&sql)) || PQflush(ex->conn) < 0) {
        sl_buf_free(&sql);
        drop_conn(ex, PQerrorMessage(ex->conn));
        return;
    }
    sl_buf_free(&sql);
    free(ex->name);
    ex->name = sl_xstrdup(cat->views[ex->pos]->name);
    ex->busy = true;
    sock_wait(ex, EV_READ, on_result);
}

static void on_result(evutil_socket_t fd, short what, void *arg)
{
    sl_expire_t *ex = arg;
    (void)fd, (void)what;
    if (!PQconsumeInput(ex->conn)) {
        drop_conn(ex, PQerrorMessage(ex->conn));
        return;
    }
    if (PQisBusy(ex->conn)) {
        sock_wait(ex, EV_READ, on_result);
        return;
    }
    PGresult *res;
    long deleted = 0;
    while ((res = PQgetResult(ex->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            deleted = atol(PQcmdTuples(res));
        } else {
            /* Dropped meanwhile (42P01), or its table locked by a DDL
             * (TRUNCATE in an open transaction ...) beyond lock_timeout
             * (55P03): next round.  Anything else is worth a warning. */
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            if (state == NULL || (strcmp(state, "42P01") != 0 && strcmp(state, "55P03") != 0))
                warn(ex, ex->name ? ex->name : "?", PQresultErrorMessage(res));
        }
        PQclear(res);
    }
    ex->busy = false;
    if (deleted < SL_EXPIRE_BATCH)      /* this view is done for the round */
        ex->pos++;
    if (ex->in_round)
        next_batch(ex);
}

static void on_connect(evutil_socket_t fd, short what, void *arg)
{
    sl_expire_t *ex = arg;
    (void)fd, (void)what;
    PostgresPollingStatusType st = PQconnectPoll(ex->conn);
    if (st == PGRES_POLLING_FAILED) {
        warn(ex, "cannot connect", PQerrorMessage(ex->conn));
        drop_conn(ex, "");
    } else if (st == PGRES_POLLING_OK) {
        if (PQsetnonblocking(ex->conn, 1) != 0) {
            drop_conn(ex, PQerrorMessage(ex->conn));
            return;
        }
        event_free(ex->sock);
        ex->sock = NULL;
        ex->connected = true;
    } else {
        sock_wait(ex, st == PGRES_POLLING_READING ? EV_READ : EV_WRITE, on_connect);
    }
}

static void connect_start(sl_expire_t *ex)
{
    ex->conn = PQconnectStart(ex->srv->pg_conninfo);
    if (ex->conn == NULL || PQstatus(ex->conn) == CONNECTION_BAD) {
        if (ex->conn)
            warn(ex, "cannot connect", PQerrorMessage(ex->conn));
        drop_conn(ex, "");
        return;
    }
    sock_wait(ex, EV_WRITE, on_connect);
}

/* Whether some view has a sliding window or a TTL. */
static bool needed(const sl_catalog_t *cat)
{
    for (int i = 0; i < cat->nviews; i++) {
        const sl_view_time_t *t = &cat->views[i]->plan->time;
        if (t->sw_us > 0 || t->ttl_us > 0)
            return true;
    }
    return false;
}

/* Every TICK_MS: (re)connect when some view needs deletes (and close the
 * connection when none does), start a round when one is due. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    sl_expire_t *ex = arg;
    (void)fd, (void)what;
    if (ex->srv->shutting_down)
        return;
    if (!needed(&ex->srv->catalog)) {
        if (ex->conn != NULL && !ex->busy) {
            ex->connected = false;   /* closed on purpose: no warning */
            drop_conn(ex, "");
        }
        return;
    }
    if (ex->conn == NULL) {
        connect_start(ex);
        return;
    }
    if (!ex->connected || ex->busy || ex->in_round ||
        now_ms() - ex->round_ms < SL_EXPIRE_ROUND_MS)
        return;
    ex->round_ms = now_ms();
    ex->in_round = true;
    ex->pos = 0;
    next_batch(ex);
}

sl_expire_t *sl_expire_start(sl_server_t *srv)
{
    sl_expire_t *ex = sl_xcalloc(1, sizeof(*ex));
    ex->srv = srv;
    ex->logged_ms = -LOG_EVERY_MS;
    ex->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, ex);
    struct timeval tv = {0, TICK_MS * 1000};
    event_add(ex->tick, &tv);
    return ex;
}

void sl_expire_free(sl_expire_t *ex)
{
    if (ex == NULL)
        return;
    if (ex->sock) {
        event_free(ex->sock);
        ex->sock = NULL;
    }
    if (ex->conn)
        PQfinish(ex->conn);
    event_free(ex->tick);
    free(ex->name);
    free(ex);
}
