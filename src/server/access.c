/*
 * access.c: the token snapshot; see access.h.
 *
 * One connection of sluiced's own (PQconnectStart / PQconnectPoll on
 * socket events, as reconcile.c), kept open; a query per refresh.  Each
 * refresh that starts gets the next generation number; a waiting lookup
 * is answered by the first snapshot of a generation started after it
 * began to wait (so never by a query that may predate what it waits for).
 */
#include "server/access.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

/* Min time between refreshes asked for by unknown tokens: a client
 * sending bad tokens cannot keep PostgreSQL busier than this. */
#define ON_DEMAND_MIN_MS 100

typedef struct obj {
    char kind;                  /* 's' stream, 'v' view */
    const char *name;
    int bits;                   /* SL_PRIV_* */
} obj_t;

struct sl_grantee {
    char hash[65];
    const char *role;
    int nobj;
    obj_t *obj;
};

typedef struct waiter {
    char hash[65];
    uint64_t gen;               /* answered by a snapshot of gen or later */
    int64_t since_ms;
    sl_access_cb cb;
    void *arg;
    struct waiter *next;
} waiter_t;

struct sl_access {
    sl_server_t *srv;
    PGconn *conn;
    struct event *sock;         /* socket, one-shot */
    struct event *tick;         /* timer: refresh, reconnect, waiters' timeout */
    bool connected, querying;
    uint64_t started, loaded;   /* generations: last query sent, last snapshot */
    bool stale;                 /* changed since the snapshot was read */
    uint64_t change_gen;        /* the first generation that saw the change */
    int64_t last_query_ms;
    char problem[256];          /* why the last refresh failed ("" if it did not) */
    sl_arena_t *arena;          /* the snapshot */
    int n;
    sl_grantee_t *g;            /* sorted by hash */
    waiter_t *waiters;
};

static const char snapshot_sql[] =
    "SELECT encode(t.hash, 'hex'), t.role, o.kind, o.name, "
    "coalesce(has_table_privilege(t.role, o.rel, 'INSERT'), false), "
    "coalesce(has_table_privilege(t.role, o.rel, 'SELECT') "
    "         OR pg_has_role(t.role, c.relowner, 'USAGE'), false) "
    "FROM sluice.tokens t JOIN pg_roles r ON r.rolname = t.role "
    "LEFT JOIN (SELECT 's' AS kind, name, sluice.stream_rel(name)::oid AS rel FROM sluice.streams "
    "           UNION ALL SELECT 'v', name, to_regclass(format('%I.%I', schema_name, name))::oid "
    "           FROM sluice.views) o ON true "
    "LEFT JOIN pg_class c ON c.oid = o.rel ORDER BY 1";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sl_token_new(char *out)
{
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        abort();                /* no randomness: no token */
    memcpy(out, SL_TOKEN_PREFIX, 4);
    for (int i = 0; i < 32; i++)
        snprintf(out + 4 + 2 * i, 3, "%02x", raw[i]);
}

void sl_token_hash(const char *token, size_t len, char *hex)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

const char *sl_access_role(const sl_grantee_t *g)
{
    return g->role;
}

int sl_access_stream(const sl_grantee_t *g, const char *stream)
{
    for (int i = 0; i < g->nobj; i++)
        if (g->obj[i].kind == 's' && strcmp(g->obj[i].name, stream) == 0)
            return g->obj[i].bits;
    return 0;
}

bool sl_access_view(const sl_grantee_t *g, const char *view)
{
    for (int i = 0; i < g->nobj; i++)
        if (g->obj[i].kind == 'v' && strcmp(g->obj[i].name, view) == 0)
            return (g->obj[i].bits & SL_PRIV_SELECT) != 0;
    return false;
}

static const sl_grantee_t *find(const sl_access_t *acc, const char *hash)
{
    int lo = 0, hi = acc->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(acc->g[mid].hash, hash);
        if (c == 0)
            return &acc->g[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* Answers the waiters the snapshot (or a failure, why) may answer. */
static void answer_waiters(sl_access_t *acc, const char *why)
{
    int64_t now = now_ms();
    int64_t limit = acc->srv->cfg.pg_timeout_ms;
    waiter_t **pp = &acc->waiters;
    while (*pp) {
        waiter_t *w = *pp;
        bool ready = acc->loaded >= w->gen && !acc->stale;
        bool expired = why != NULL && now - w->since_ms >= limit;
        if (!ready && !expired) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->cb(w->arg, ready ? find(acc, w->hash) : NULL, ready ? NULL : why);
        free(w);
    }
}

static void sock_wait(sl_access_t *acc, short what, event_callback_fn fn)
{
    if (acc->sock)
        event_free(acc->sock);
    acc->sock = event_new(acc->srv->base, PQsocket(acc->conn), what, fn, acc);
    event_add(acc->sock, NULL);
}

static void drop_conn(sl_access_t *acc, const char *why)
{
    if (acc->sock) {
        event_free(acc->sock);
        acc->sock = NULL;
    }
    if (acc->conn)
        PQfinish(acc->conn);
    acc->conn = NULL;
    acc->connected = acc->querying = false;
    snprintf(acc->problem, sizeof(acc->problem), "%s", why);
    char *nl = strchr(acc->problem, '\n');
    if (nl)
        *nl = 0;
}

/* Reads the result rows into a new snapshot. */
static void take_snapshot(sl_access_t *acc, PGresult *res)
{
    sl_arena_t *a = sl_arena_new(NULL, "access snapshot");
    int rows = PQntuples(res), n = 0;
    sl_grantee_t *g = sl_alloc0(a, sizeof(*g) * (size_t)(rows + 1));
    for (int r = 0; r < rows; r++) {
        const char *hash = PQgetvalue(res, r, 0);
        if (n == 0 || strcmp(g[n - 1].hash, hash) != 0) {
            snprintf(g[n].hash, sizeof(g[n].hash), "%s", hash);
            g[n].role = sl_strdup(a, PQgetvalue(res, r, 1));
            g[n].obj = sl_alloc0(a, sizeof(obj_t) * (size_t)(rows - r));
            n++;
        }
        if (PQgetisnull(res, r, 2))
            continue;
        sl_grantee_t *e = &g[n - 1];
        obj_t *o = &e->obj[e->nobj++];
        o->kind = PQgetvalue(res, r, 2)[0];
        o->name = sl_strdup(a, PQgetvalue(res, r, 3));
        o->bits = (PQgetvalue(res, r, 4)[0] == 't' ? SL_PRIV_INSERT : 0) |
                  (PQgetvalue(res, r, 5)[0] == 't' ? SL_PRIV_SELECT : 0);
    }
    if (acc->arena)
        sl_arena_free(acc->arena);
    acc->arena = a;
    acc->g = g;
    acc->n = n;
}

static void start_query(sl_access_t *acc);

static void on_result(evutil_socket_t fd, short what, void *arg)
{
    sl_access_t *acc = arg;
    (void)fd, (void)what;
    if (!PQconsumeInput(acc->conn)) {
        drop_conn(acc, PQerrorMessage(acc->conn));
        answer_waiters(acc, acc->problem);
        return;
    }
    if (PQisBusy(acc->conn)) {
        sock_wait(acc, EV_READ, on_result);
        return;
    }
    PGresult *res;
    bool ok = false;
    while ((res = PQgetResult(acc->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            take_snapshot(acc, res);
            ok = true;
        } else {
            snprintf(acc->problem, sizeof(acc->problem), "%s", PQresultErrorMessage(res));
        }
        PQclear(res);
    }
    acc->querying = false;
    if (ok) {
        acc->problem[0] = 0;
        if (acc->loaded < acc->started)
            acc->loaded = acc->started;
        /* stale until a query that started after the change has answered */
        if (acc->stale && acc->loaded >= acc->change_gen)
            acc->stale = false;
    }
    answer_waiters(acc, ok ? NULL : acc->problem);
    if (acc->waiters != NULL || acc->stale)
        start_query(acc);
}

static void start_query(sl_access_t *acc)
{
    if (!acc->connected || acc->querying)
        return;
    if (!PQsendQuery(acc->conn, snapshot_sql) || PQflush(acc->conn) < 0) {
        drop_conn(acc, PQerrorMessage(acc->conn));
        return;
    }
    acc->querying = true;
    acc->started++;
    acc->last_query_ms = now_ms();
    sock_wait(acc, EV_READ, on_result);
}

static void on_connect(evutil_socket_t fd, short what, void *arg)
{
    sl_access_t *acc = arg;
    (void)fd, (void)what;
    PostgresPollingStatusType st = PQconnectPoll(acc->conn);
    if (st == PGRES_POLLING_FAILED) {
        drop_conn(acc, PQerrorMessage(acc->conn));
    } else if (st == PGRES_POLLING_OK) {
        if (PQsetnonblocking(acc->conn, 1) != 0) {
            drop_conn(acc, PQerrorMessage(acc->conn));
            return;
        }
        acc->connected = true;
        start_query(acc);
    } else {
        sock_wait(acc, st == PGRES_POLLING_READING ? EV_READ : EV_WRITE, on_connect);
    }
}

static void connect_start(sl_access_t *acc)
{
    acc->conn = PQconnectStart(acc->srv->pg_conninfo);
    if (acc->conn == NULL || PQstatus(acc->conn) == CONNECTION_BAD) {
        drop_conn(acc, acc->conn ? PQerrorMessage(acc->conn) : "out of memory");
        return;
    }
    sock_wait(acc, EV_WRITE, on_connect);
}

/* Every 100 ms: reconnect, refresh when due, time waiters out. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    sl_access_t *acc = arg;
    (void)fd, (void)what;
    if (acc->conn == NULL)
        connect_start(acc);
    else if (!acc->querying && (acc->stale || acc->waiters != NULL ||
                                now_ms() - acc->last_query_ms >= SL_ACCESS_REFRESH_MS))
        start_query(acc);
    if (acc->problem[0] && acc->waiters)
        answer_waiters(acc, acc->problem);
}

sl_access_t *sl_access_start(sl_server_t *srv)
{
    sl_access_t *acc = sl_xcalloc(1, sizeof(*acc));
    acc->srv = srv;
    acc->stale = true;
    acc->change_gen = 1;
    acc->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, acc);
    struct timeval tv = {0, ON_DEMAND_MIN_MS * 1000};
    event_add(acc->tick, &tv);
    connect_start(acc);
    return acc;
}

void sl_access_free(sl_access_t *acc)
{
    if (acc == NULL)
        return;
    while (acc->waiters) {
        waiter_t *w = acc->waiters;
        acc->waiters = w->next;
        w->cb(w->arg, NULL, "sluiced is shutting down");
        free(w);
    }
    drop_conn(acc, "");
    event_free(acc->tick);
    if (acc->arena)
        sl_arena_free(acc->arena);
    free(acc);
}

void sl_access_changed(sl_access_t *acc)
{
    if (acc == NULL)
        return;
    acc->stale = true;
    acc->change_gen = acc->started + 1;   /* one in flight may predate it */
    start_query(acc);
}

void sl_access_lookup(sl_access_t *acc, const char *token, size_t len, sl_access_cb cb,
                      void *arg)
{
    char hash[65];
    sl_token_hash(token, len, hash);
    if (!acc->stale && acc->loaded > 0) {
        const sl_grantee_t *g = find(acc, hash);
        if (g != NULL) {
            cb(arg, g, NULL);
            return;
        }
    }
    waiter_t *w = sl_xcalloc(1, sizeof(*w));
    memcpy(w->hash, hash, sizeof(hash));
    w->gen = acc->started + 1;  /* a query not yet sent */
    w->since_ms = now_ms();
    w->cb = cb;
    w->arg = arg;
    w->next = acc->waiters;
    acc->waiters = w;
    if (now_ms() - acc->last_query_ms >= ON_DEMAND_MIN_MS)
        start_query(acc);       /* else on_tick sends it */
}

void sl_access_cancel(sl_access_t *acc, void *arg)
{
    for (waiter_t **pp = &acc->waiters; *pp;) {
        waiter_t *w = *pp;
        if (w->arg == arg) {
            *pp = w->next;
            free(w);
        } else {
            pp = &w->next;
        }
    }
}
