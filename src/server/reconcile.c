/*
 * reconcile.c: looking a catalog row up after a lost DDL answer; see
 * reconcile.h.  One lookup is one small state machine on the loop:
 * connect (PQconnectPoll on socket events) -> query -> result, with a
 * one-second retry timer for failures.
 */
#include "server/reconcile.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECONCILE_TRIES 60

typedef struct lookup {
    sl_server_t *srv;
    char sql[64];
    char *name;
    void (*cb)(void *arg, int exists);
    void *arg;
    PGconn *conn;
    struct event *ev;      /* socket, one-shot */
    struct event *retry;   /* timer */
    int tries;
    bool querying;
} lookup_t;

static void start(lookup_t *l);

static void finish(lookup_t *l, int exists)
{
    if (l->ev)
        event_free(l->ev);
    event_free(l->retry);
    if (l->conn)
        PQfinish(l->conn);
    l->cb(l->arg, exists);
    free(l->name);
    free(l);
}

static void failed(lookup_t *l, const char *why)
{
    if (l->ev) {
        event_free(l->ev);
        l->ev = NULL;
    }
    if (l->conn) {
        PQfinish(l->conn);
        l->conn = NULL;
    }
    if (++l->tries >= RECONCILE_TRIES) {
        sl_log_error("could not find out whether the change to \"%s\" committed: %s", l->name,
                     why);
        finish(l, -1);
        return;
    }
    struct timeval tv = {1, 0};
    event_add(l->retry, &tv);
}

static void wait_socket(lookup_t *l, short what, event_callback_fn fn)
{
    if (l->ev)
        event_free(l->ev);
    l->ev = event_new(l->srv->base, PQsocket(l->conn), what, fn, l);
    event_add(l->ev, NULL);
}

static void on_result(evutil_socket_t fd, short what, void *arg)
{
    lookup_t *l = arg;
    if (!PQconsumeInput(l->conn)) {
        failed(l, PQerrorMessage(l->conn));
        return;
    }
    if (PQisBusy(l->conn)) {
        wait_socket(l, EV_READ, on_result);
        return;
    }
    PGresult *res = PQgetResult(l->conn);
    int exists = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        exists = PQntuples(res) > 0;
    char why[256];
    snprintf(why, sizeof(why), "%s", PQresultErrorMessage(res));
    PQclear(res);
    if (exists < 0)
        failed(l, why);
    else
        finish(l, exists);
}

static void on_connect(evutil_socket_t fd, short what, void *arg)
{
    lookup_t *l = arg;
    PostgresPollingStatusType st = PQconnectPoll(l->conn);
    if (st == PGRES_POLLING_FAILED) {
        failed(l, PQerrorMessage(l->conn));
    } else if (st == PGRES_POLLING_OK) {
        const char *params[1] = {l->name};
        if (PQsetnonblocking(l->conn, 1) != 0 ||
            !PQsendQueryParams(l->conn, l->sql, 1, NULL, params, NULL, NULL, 0) ||
            PQflush(l->conn) < 0)
            failed(l, PQerrorMessage(l->conn));
        else
            wait_socket(l, EV_READ, on_result);
    } else {
        wait_socket(l, st == PGRES_POLLING_READING ? EV_READ : EV_WRITE, on_connect);
    }
}

static void start(lookup_t *l)
{
    l->conn = PQconnectStart(l->srv->pg_conninfo);
    if (l->conn == NULL || PQstatus(l->conn) == CONNECTION_BAD) {
        failed(l, l->conn ? PQerrorMessage(l->conn) : "out of memory");
        return;
    }
    wait_socket(l, EV_WRITE, on_connect);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    start(arg);
}

void sl_reconcile_lookup(sl_server_t *srv, const char *table, const char *name,
                         void (*cb)(void *arg, int exists), void *arg)
{
    lookup_t *l = sl_xcalloc(1, sizeof(*l));
    l->srv = srv;
    snprintf(l->sql, sizeof(l->sql), "SELECT 1 FROM sluice.%s WHERE name = $1",
             strcmp(table, "views") == 0 ? "views" : "streams");
    l->name = sl_xstrdup(name);
    l->cb = cb;
    l->arg = arg;
    l->retry = evtimer_new(srv->base, on_retry, l);
    start(l);
}
