/*
 * lease.c: the ingest lease of streams whose views emit on window close;
 * see lease.h.  One connection holds this sluiced's leases (session advisory
 * locks); a persistent read event on its socket notices its loss, which
 * ends every lease (PostgreSQL released the locks with the session).
 */
#include "sink/lease.h"
#include "sink/sink.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The locks' first keys (the second is hashtext(stream name)): the lease,
 * and what a flush of the holder takes shared while it commits.  Next to
 * the sink's fencing class (sink.c) and sql/catalog.sql's lease_check. */
#define LEASE_CLASS "1397574980"
#define FLUSH_CLASS "1397574981"
/* Held by the lease connection of each instance (hashtext(instance)): how a
 * restarted sluiced finds its predecessor's lease connection. */
#define INSTANCE_CLASS "1397574982"

struct sl_lease {
    sl_server_t *srv;
    PGconn *conn;              /* NULL until a lease is needed, or lost */
    struct event *read_ev;     /* persistent on conn's socket */
    int pid;                   /* conn's backend */
    char **held;               /* names of the streams whose lease it holds */
    int nheld;
    char **lost;               /* ... held when the connection was lost */
    int nlost;
    struct busy {              /* streams another sluiced held when last asked */
        char *stream;
        int64_t until;         /* refused without asking until (monotonic us) */
    } *busy;
    int nbusy;
};

/* How long a stream found held by another sluiced is refused without
 * asking PostgreSQL again (a takeover waits at most that much longer). */
#define BUSY_US 200000

sl_lease_t *sl_lease_new(sl_server_t *srv)
{
    sl_lease_t *l = sl_xcalloc(1, sizeof(*l));
    l->srv = srv;
    return l;
}

/* The connection is gone (or never was): so are the leases. */
static void lease_lost(sl_lease_t *l, const char *why)
{
    if (l->nheld > 0)
        sl_log_warning("the lease connection was lost (%s): this sluiced no longer holds the "
                       "ingest lease of %d stream(s); it takes them again at the next flush "
                       "if no other sluiced has", why, l->nheld);
    l->lost = sl_xrealloc(l->lost, sizeof(char *) * (size_t)(l->nlost + l->nheld + 1));
    for (int i = 0; i < l->nheld; i++)
        l->lost[l->nlost++] = l->held[i];
    free(l->held);
    l->held = NULL;
    l->nheld = 0;
    if (l->read_ev) {
        event_free(l->read_ev);
        l->read_ev = NULL;
    }
    if (l->conn) {
        PQfinish(l->conn);
        l->conn = NULL;
    }
    l->pid = 0;
}

void sl_lease_free(sl_lease_t *l)
{
    if (l == NULL)
        return;
    for (int i = 0; i < l->nheld; i++)
        free(l->held[i]);
    l->nheld = 0;   /* silent: sluiced is stopping */
    lease_lost(l, "stop");
    for (int i = 0; i < l->nlost; i++)
        free(l->lost[i]);
    free(l->lost);
    for (int i = 0; i < l->nbusy; i++)
        free(l->busy[i].stream);
    free(l->busy);
    free(l);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sl_lease_t *l = arg;
    if (!PQconsumeInput(l->conn) || PQstatus(l->conn) != CONNECTION_OK) {
        lease_lost(l, PQerrorMessage(l->conn));
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(l->conn)) != NULL)
        PQfreemem(n);
}

/* Fencing, as the sink's (sink.h): a predecessor of this sluiced (the same
 * instance) whose lease connection PostgreSQL still keeps (a hung process,
 * a machine cut off) would hold its leases for as long; its backend is
 * ended and waited for (up to lock_timeout).  SL_OK, or 57P03 in err. */
static int fence(sl_lease_t *l, sl_error_t *err)
{
    const char *inst = l->srv->instance;
    PGresult *r = PQexecParams(l->conn, "SELECT pg_try_advisory_lock(" INSTANCE_CLASS
                               ", hashtext($1))", 1, NULL, &inst, NULL, NULL, 0);
    bool got = PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
    bool failed = PQresultStatus(r) != PGRES_TUPLES_OK;
    PQclear(r);
    if (!got && !failed) {
        sl_log_info("a lease connection of a predecessor of sluiced \"%s\" is still open: "
                    "ending it", inst);
        r = PQexecParams(l->conn, "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                         "WHERE locktype = 'advisory' AND classid = " INSTANCE_CLASS "::oid "
                         "AND objid = hashtext($1)::oid AND objsubid = 2 AND granted "
                         "AND pid <> pg_backend_pid()", 1, NULL, &inst, NULL, NULL, 0);
        PQclear(r);
        r = PQexecParams(l->conn, "SELECT pg_advisory_lock(" INSTANCE_CLASS ", hashtext($1))",
                         1, NULL, &inst, NULL, NULL, 0);
        failed = PQresultStatus(r) != PGRES_TUPLES_OK;
        PQclear(r);
    }
    if (failed)
        return sl_error_set(err, "57P03", 0, "sluiced could not fence its predecessor's lease "
                            "connection (%s); nothing of this request was applied: retry it",
                            PQerrorMessage(l->conn));
    return SL_OK;
}

/* Opens the lease connection (blocking); SL_OK or 57P03 in err. */
static int lease_connect(sl_lease_t *l, sl_error_t *err)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {l->srv->pg_conninfo, "10", "sluiced lease", NULL};
    l->conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(l->conn) != CONNECTION_OK) {
        sl_error_set(err, "57P03", 0, "sluiced cannot reach PostgreSQL to take a stream's "
                     "ingest lease (%s); nothing of this request was applied: retry it",
                     PQerrorMessage(l->conn));
        PQfinish(l->conn);
        l->conn = NULL;
        return SL_ERR;
    }
    char sql[96];
    snprintf(sql, sizeof(sql), "SET lock_timeout = %d", l->srv->cfg.pg_timeout_ms);
    PGresult *r = PQexec(l->conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || PQsetnonblocking(l->conn, 0) != 0) {
        sl_error_set(err, "57P03", 0, "sluiced cannot set up its lease connection (%s); "
                     "nothing of this request was applied: retry it", PQerrorMessage(l->conn));
        PQfinish(l->conn);
        l->conn = NULL;
        return SL_ERR;
    }
    if (fence(l, err) != SL_OK) {
        PQfinish(l->conn);
        l->conn = NULL;
        return SL_ERR;
    }
    l->pid = PQbackendPID(l->conn);
    l->read_ev = event_new(l->srv->base, PQsocket(l->conn), EV_READ | EV_PERSIST, on_read, l);
    event_add(l->read_ev, NULL);
    return SL_OK;
}

/* Runs sql with the stream's name as $1 (blocking); the result, or NULL
 * after a connection failure (then every lease is lost). */
static PGresult *lease_exec(sl_lease_t *l, const char *sql, const char *stream)
{
    PGresult *r = PQexecParams(l->conn, sql, 1, NULL, &stream, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    if (PQstatus(l->conn) != CONNECTION_OK) {
        PQclear(r);
        lease_lost(l, PQerrorMessage(l->conn));
        return NULL;
    }
    return r;   /* an error of the statement: the caller looks */
}

bool sl_lease_needed(const sl_stream_t *s)
{
    for (int i = 0; i < s->nviews; i++) {
        const sl_view_t *v = s->views[i];
        if (!v->broken && !v->inactive && v->plan && v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE)
            return true;
    }
    return false;
}

bool sl_lease_held(const sl_lease_t *l, const char *stream)
{
    for (int i = 0; i < l->nheld; i++)
        if (strcmp(l->held[i], stream) == 0)
            return true;
    return false;
}

int sl_lease_pid(const sl_lease_t *l)
{
    return l->conn ? l->pid : 0;
}

static int busy_error(const sl_stream_t *s, sl_error_t *err)
{
    sl_error_set(err, "55P03", 0, "stream \"%s\" is being ingested by another sluiced",
                 s->name);
    sl_error_detail(err, "A continuous view over it emits on window close, so one sluiced at a "
                    "time takes its events; nothing of this request was applied.");
    sl_error_hint(err, "Send the stream's events to the sluiced that ingests it, or retry: "
                  "another sluiced takes over when it stops.");
    return SL_ERR;
}

static int unreachable(sl_lease_t *l, sl_error_t *err)
{
    return sl_error_set(err, "57P03", 0, "sluiced lost its connection to PostgreSQL while "
                        "taking a stream's ingest lease (%s); nothing of this request was "
                        "applied: retry it", l->conn ? PQerrorMessage(l->conn) : "closed");
}

/* The entry of a stream found busy (created when create), or NULL. */
static struct busy *busy_entry(sl_lease_t *l, const char *stream, bool create)
{
    for (int i = 0; i < l->nbusy; i++)
        if (strcmp(l->busy[i].stream, stream) == 0)
            return &l->busy[i];
    if (!create)
        return NULL;
    l->busy = sl_xrealloc(l->busy, sizeof(*l->busy) * (size_t)(l->nbusy + 1));
    l->busy[l->nbusy].stream = sl_xstrdup(stream);
    l->busy[l->nbusy].until = 0;
    return &l->busy[l->nbusy++];
}

int sl_lease_take(sl_lease_t *l, sl_stream_t *s, sl_error_t *err)
{
    if (sl_lease_held(l, s->name))
        return SL_OK;
    struct busy *b = busy_entry(l, s->name, false);
    if (b != NULL && sl_sink_clock_us() < b->until)
        return busy_error(s, err);
    if (l->conn == NULL && lease_connect(l, err) != SL_OK)
        return SL_ERR;
    PGresult *r = lease_exec(l, "SELECT pg_try_advisory_lock(" LEASE_CLASS ", hashtext($1))",
                             s->name);
    if (r == NULL)
        return unreachable(l, err);
    bool got = PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!got) {
        busy_entry(l, s->name, true)->until = sl_sink_clock_us() + BUSY_US;
        return busy_error(s, err);
    }
    /* The previous holder's flushes still committing: wait for them (up to
     * lock_timeout), then read what they stored, in a later statement (a
     * statement's snapshot is taken before its locks). */
    r = lease_exec(l, "SELECT pg_advisory_lock(" FLUSH_CLASS ", hashtext($1))", s->name);
    if (r == NULL)
        return unreachable(l, err);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        sl_error_set(err, "57P03", 0, "the previous holder of the ingest lease of stream \"%s\" "
                     "is still flushing (%s); nothing of this request was applied: retry it",
                     s->name, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(r);
        r = lease_exec(l, "SELECT pg_advisory_unlock(" LEASE_CLASS ", hashtext($1))", s->name);
        if (r == NULL)
            return SL_ERR;
        PQclear(r);
        return SL_ERR;
    }
    PQclear(r);
    r = lease_exec(l, "SELECT pg_advisory_unlock(" FLUSH_CLASS ", hashtext($1)), "
                      "(SELECT max_event FROM sluice.watermarks WHERE stream = $1)", s->name);
    if (r == NULL)
        return unreachable(l, err);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        sl_error_set(err, "57P03", 0, "sluiced could not read the watermark of stream \"%s\" "
                     "(%s); nothing of this request was applied: retry it", s->name,
                     PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(r);
        lease_lost(l, "its watermark could not be read");
        return SL_ERR;
    }
    int64_t stored = INT64_MIN;
    if (!PQgetisnull(r, 0, 1))
        stored = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    /* lateness is judged from the holder's watermark on */
    if (stored > s->max_event) {
        s->max_event = stored;
        s->last_event = sl_sink_clock_us();
    }
    if (stored > s->max_event_stored)
        s->max_event_stored = stored;
    l->held = sl_xrealloc(l->held, sizeof(char *) * (size_t)(l->nheld + 1));
    l->held[l->nheld++] = sl_xstrdup(s->name);
    sl_log_info("this sluiced now ingests stream \"%s\" (its views emit on window close: "
                "it holds the stream's ingest lease)", s->name);
    return SL_OK;
}

void sl_lease_retake(sl_lease_t *l, sl_catalog_t *cat)
{
    int keep = 0;
    for (int i = 0; i < l->nlost; i++) {
        sl_stream_t *s = sl_catalog_stream(cat, l->lost[i]);
        sl_error_t err;
        sl_error_clear(&err);
        if (s != NULL && sl_lease_needed(s) && !sl_lease_held(l, s->name) &&
            sl_lease_take(l, s, &err) != SL_OK && strcmp(err.sqlstate, "55P03") != 0) {
            l->lost[keep++] = l->lost[i];   /* PostgreSQL unreachable: later */
            continue;
        }
        if (s != NULL && strcmp(err.sqlstate, "55P03") == 0)
            sl_log_warning("stream \"%s\" is ingested by another sluiced now: this one's "
                           "events of it not flushed yet are answered 503", s->name);
        free(l->lost[i]);
    }
    l->nlost = keep;
}
