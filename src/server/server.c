/*
 * server.c: sluiced's life: settings, the backing PostgreSQL (embedded or
 * given), the catalog, the listeners, the flush loop, shutdown.
 *
 * sl_server_main reads top-down as the server's life:
 *   settings -> backing PostgreSQL -> install + load catalog -> event loop
 *   with pgwire, HTTP and the sink -> ready line -> run -> on SIGTERM/SIGINT
 *   stop listening, final flush, answer what is pending -> exit 0.
 */
#include "server/server.h"
#include "exec/exec.h"
#include "net/http.h"
#include "net/pgwire.h"
#include "server/access.h"
#include "server/expire.h"
#include "server/pgembed.h"
#include "sink/ddl.h"
#include "sink/idem.h"
#include "sink/sink.h"
#include "util/conninfo.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

sl_server_t sl_server;

void sl_log(const char *level, const char *fmt, ...)
{
    struct timeval tv;
    struct tm tm;
    char ts[32];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fprintf(stderr, "%s.%03d UTC [%d] %s:  ", ts, (int)(tv.tv_usec / 1000), (int)getpid(),
            level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

/* Text in views compares as in the backing database (its SELECT is the
 * oracle): take its collation (util/types.h). */
static int use_database_collation(PGconn *conn, sl_error_t *err)
{
    const char *q = PQserverVersion(conn) >= 150000
                        ? "SELECT datcollate, datlocprovider::text FROM pg_database "
                          "WHERE datname = current_database()"
                        : "SELECT datcollate, 'c' FROM pg_database "
                          "WHERE datname = current_database()";
    PGresult *res = PQexec(conn, q);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                     "could not read the database's collation: %s", PQresultErrorMessage(res));
        PQclear(res);
        return SL_ERR;
    }
    int rc = SL_OK;
    const char *coll = PQgetvalue(res, 0, 0);
    if (strcmp(PQgetvalue(res, 0, 1), "c") != 0) {
        rc = sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                          "the backing database uses an ICU collation, which Sluice "
                          "cannot follow yet");
        sl_error_hint(err, "Use a database with a libc collation (CREATE DATABASE ... "
                           "LOCALE_PROVIDER libc), e.g. LC_COLLATE C.");
    } else if (sl_collation_set(coll, err) == SL_OK) {
        if (strcmp(sl_collation_name(), "C") != 0)
            sl_log_info("text compares in the database's collation \"%s\"", coll);
    } else {
        rc = SL_ERR;
    }
    PQclear(res);
    return rc;
}

/* Connections sluiced opens besides its clients' sessions: the sink's, a
 * few lookups after lost DDL answers (reconcile.c). */
#define OWN_CONNECTIONS 3

/*
 * Lowers cfg.max_client_connections to the slots the backing PostgreSQL
 * leaves: max_connections less the reserved ones (superuser_reserved_
 * connections, PostgreSQL 16's reserved_connections), the connections
 * others hold now and sluiced's own, so that pgwire clients can never take
 * the slots kept for a superuser (psql to fix things) or for the sink.
 */
static int client_limit(sl_server_t *srv, PGconn *conn, sl_error_t *err)
{
    PGresult *res = PQexec(conn,
                           "SELECT current_setting('max_connections')::int, "
                           "current_setting('superuser_reserved_connections')::int + "
                           "coalesce(current_setting('reserved_connections', true), '0')::int, "
                           "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                           "'client backend' AND pid <> pg_backend_pid())::int");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                     "could not read the backing PostgreSQL's max_connections: %s",
                     PQresultErrorMessage(res));
        PQclear(res);
        return SL_ERR;
    }
    int max = atoi(PQgetvalue(res, 0, 0)), reserved = atoi(PQgetvalue(res, 0, 1));
    int others = atoi(PQgetvalue(res, 0, 2));
    PQclear(res);
    int room = max - reserved - others - OWN_CONNECTIONS;
    if (room < 1) {
        sl_log_warning("the backing PostgreSQL has no connection slots left for pgwire clients "
                       "(max_connections %d, %d reserved, %d in use): allowing one",
                       max, reserved, others);
        room = 1;
    }
    int *limit = &srv->cfg.max_client_connections;
    if (*limit == 0 || *limit > room) {
        if (*limit > room)
            sl_log_info("max_client_connections lowered from %d to %d: the backing PostgreSQL "
                        "has max_connections %d, %d reserved, %d in use, %d kept for sluiced",
                        *limit, room, max, reserved, others, OWN_CONNECTIONS);
        *limit = room;
    }
    return SL_OK;
}

/* Listener callbacks run in one turn of the loop before the sink's events
 * are looked for again (see the event_config in sl_server_main). */
#define SL_MAX_DISPATCH 16

static bool sqlstate_is(const PGresult *r, const char *code)
{
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return st != NULL && strcmp(st, code) == 0;
}

/* Streams of a catalog written before streams had relations (owner and
 * privileges, sql/catalog.sql) get one now, owned by sluiced's role. */
static int stream_relations(PGconn *conn, sl_server_t *srv, sl_error_t *err)
{
    sl_buf_t sql = SL_BUF_INIT;
    sl_buf_puts(&sql, "SELECT pg_advisory_xact_lock(7432001);\n");
    size_t head = sql.len;
    for (int i = 0; i < srv->catalog.nstreams; i++) {
        const sl_stream_t *s = srv->catalog.streams[i];
        const char *pv[1] = {s->name};
        PGresult *r = PQexecParams(conn, "SELECT sluice.stream_rel($1) IS NULL", 1, NULL, pv,
                                   NULL, NULL, 0);
        bool missing = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                       PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (missing) {
            sl_ddl_stream_relation(s, &sql);
            sl_buf_putc(&sql, '\n');
        }
    }
    int rc = SL_OK;
    if (sql.len > head) {
        PGresult *r = PQexec(conn, sl_buf_cstr(&sql));
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK &&
            !sqlstate_is(r, SL_ERRCODE_DUPLICATE_TABLE))
            rc = sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                              "could not create the relations of older streams: %s",
                              PQresultErrorMessage(r));
        PQclear(r);
    }
    sl_buf_free(&sql);
    return rc;
}

/* The stored watermarks of the streams with event time (sluice.watermarks,
 * written by the flushes): their windows stay closed across a restart. */
static void watermarks_load(PGconn *conn, sl_server_t *srv)
{
    PGresult *r = PQexec(conn, "SELECT stream, max_event FROM sluice.watermarks");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        sl_log_warning("could not read sluice.watermarks: %s", PQresultErrorMessage(r));
        PQclear(r);
        return;
    }
    int64_t now = sl_sink_clock_us();
    for (int i = 0; i < PQntuples(r); i++) {
        sl_stream_t *s = sl_catalog_stream(&srv->catalog, PQgetvalue(r, i, 0));
        if (s == NULL || s->event_time < 0)
            continue;
        s->max_event = s->max_event_stored = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        s->last_event = now;
    }
    PQclear(r);
}

/* "SELECT <other keys>::text AS cN ..., start AS s, end AS e FROM <schema>.v"
 * of a session view's table (times as microseconds since 2000-01-01). */
static void session_rows(const sl_view_t *v, const char *schema, sl_buf_t *sql)
{
    const sl_view_plan_t *p = v->plan;
    const char *epoch = p->group[p->window_key].type == SL_T_TIMESTAMP
                            ? "'2000-01-01 00:00:00'::timestamp"
                            : "'2000-01-01 00:00:00+00'::timestamptz";
    sl_buf_puts(sql, "SELECT ");
    for (int g = 0; g < p->ngroup; g++) {
        if (g == p->window_key)
            continue;
        sl_buf_put_ident(sql, p->group[g].colname);
        sl_buf_printf(sql, "::text AS c%d, ", g);
    }
    sl_buf_puts(sql, "(extract(epoch FROM ");
    sl_buf_put_ident(sql, p->group[p->window_key].colname);
    sl_buf_printf(sql, " - %s) * 1000000)::bigint AS s, (extract(epoch FROM ", epoch);
    sl_agg_final_sql(&p->aggs[p->session_agg], p->session_agg + 1, NULL, sql);
    sl_buf_printf(sql, " - %s) * 1000000)::bigint + %lld AS e FROM %s.", epoch,
                  (long long)p->window->size, schema);
    sl_buf_put_ident(sql, v->name);
}

/* o.cN IS NOT DISTINCT FROM x.cN AND ...: the same other group keys. */
static void session_same_keys(const sl_view_plan_t *p, const char *x, sl_buf_t *sql)
{
    sl_buf_puts(sql, "true");
    for (int g = 0; g < p->ngroup; g++)
        if (g != p->window_key)
            sl_buf_printf(sql, " AND o.c%d IS NOT DISTINCT FROM %s.c%d", g, x, g);
}

/* Feeds the rows of a session query to v's index: columns as
 * session_rows; closed: frontier only, else open unless ended by limit. */
static int session_feed(PGconn *conn, sl_view_t *v, const char *sql, bool closed, int64_t limit)
{
    const sl_view_plan_t *p = v->plan;
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        sl_log_warning("could not read the sessions of continuous view \"%s\": %s", v->name,
                       PQresultErrorMessage(r));
        PQclear(r);
        return 0;
    }
    sl_arena_t *a = sl_arena_new(NULL, "sessions load");
    sl_datum_t *keys = sl_alloc0(a, sizeof(sl_datum_t) * (size_t)(p->ngroup + 1));
    int n = 0, nc = PQnfields(r);
    for (int row = 0; row < PQntuples(r); row++) {
        int64_t start = strtoll(PQgetvalue(r, row, nc - 2), NULL, 10);
        int64_t end = strtoll(PQgetvalue(r, row, nc - 1), NULL, 10);
        bool ok = true;
        for (int g = 0, c = 0; g < p->ngroup && ok; g++) {
            memset(&keys[g], 0, sizeof(keys[g]));
            if (g == p->window_key)
                continue;
            if (PQgetisnull(r, row, c)) {
                keys[g].null = true;
            } else {
                sl_error_t err;
                sl_error_clear(&err);
                ok = sl_type_input(p->group[g].type, p->group[g].typmod, PQgetvalue(r, row, c),
                                   (uint32_t)PQgetlength(r, row, c), a, &keys[g], &err) == SL_OK;
            }
            c++;
        }
        if (ok) {
            sl_exec_session_add(v->exec, keys, start, end, closed || end <= limit);
            n += !closed && end > limit;
        }
    }
    sl_arena_free(a);
    PQclear(r);
    return n;
}

/* A session window's sessions read back at start: its open sessions, and
 * for their groups the end of the last closed one (an event before it
 * is late), so that events after a restart are placed as before it. */
static void sessions_load(PGconn *conn, sl_view_t *v)
{
    const sl_view_plan_t *p = v->plan;
    if (v->exec == NULL || p->session_agg < 0)
        return;
    const sl_stream_t *st = p->stream;
    int64_t wm = st->max_event == INT64_MIN ? INT64_MIN : st->max_event - st->max_lateness;
    int64_t limit = wm == INT64_MIN ? INT64_MIN : wm - p->window->size;
    sl_buf_t sql = SL_BUF_INIT;
    /* the state table: open sessions, and closed ones of the same groups */
    sl_buf_puts(&sql, "WITH r AS (");
    session_rows(v, "\"sluice_mrel\"", &sql);
    sl_buf_printf(&sql, ") SELECT * FROM r WHERE e > %lld OR EXISTS (SELECT 1 FROM r o "
                        "WHERE o.e > %lld AND ", (long long)limit, (long long)limit);
    session_same_keys(p, "r", &sql);
    sl_buf_puts(&sql, ")");
    int n = session_feed(conn, v, sl_buf_cstr(&sql), false, limit);
    if (p->emit == SL_EMIT_ON_WINDOW_CLOSE) {
        /* the closed sessions of those groups moved on to sluice_closed */
        sl_buf_reset(&sql);
        sl_buf_puts(&sql, "WITH o AS (");
        session_rows(v, "\"sluice_mrel\"", &sql);
        sl_buf_puts(&sql, "), c AS (");
        session_rows(v, "\"sluice_closed\"", &sql);
        sl_buf_puts(&sql, ") SELECT * FROM c WHERE EXISTS (SELECT 1 FROM o WHERE ");
        session_same_keys(p, "c", &sql);
        sl_buf_puts(&sql, ")");
        session_feed(conn, v, sl_buf_cstr(&sql), true, limit);
    }
    sl_buf_free(&sql);
    if (n > 0)
        sl_log_info("continuous view \"%s\": %d open sessions read back", v->name, n);
}

/* Runs the catalog schema and reloads every stream and view, blocking
 * (before the event loop starts); an entry that does not load is left out
 * with a warning.  Returns SL_OK, or SL_ERR with err set when PostgreSQL or
 * the catalog tables cannot be reached. */
static int catalog_load(sl_server_t *srv, sl_error_t *err)
{
    PGconn *conn = PQconnectdb(srv->pg_conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        /* libpq's message for a malformed string may quote a token of it,
         * the password say. */
        sl_buf_t msg = SL_BUF_INIT;
        sl_conninfo_scrub(srv->pg_conninfo, PQerrorMessage(conn), &msg);
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, 0,
                     "could not connect to the backing PostgreSQL: %s", sl_buf_cstr(&msg));
        sl_buf_free(&msg);
        PQfinish(conn);
        return SL_ERR;
    }
    if (use_database_collation(conn, err) != SL_OK || client_limit(srv, conn, err) != SL_OK) {
        PQfinish(conn);
        return SL_ERR;
    }
    /* The catalog SQL is idempotent (IF NOT EXISTS): its "already exists"
     * notices on every restart are noise. */
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    PGresult *res = PQexec(conn, sl_catalog_sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                     "could not install the Sluice catalog: %s", PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        return SL_ERR;
    }
    PQclear(res);
    res = PQexec(conn, "SELECT 's', name, sql, id, true FROM sluice.streams "
                       "UNION ALL SELECT 'v', name, sql, id, active FROM sluice.views "
                       "ORDER BY 1, 4");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "could not read the Sluice catalog: %s",
                     PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        return SL_ERR;
    }
    /* An entry that no longer loads (its text edited in PostgreSQL, a
     * stream left out before its views, a rule this version enforces) is
     * left out with a warning naming it: everything else is served. */
    int skipped = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *kind = PQgetvalue(res, r, 0);
        const char *name = PQgetvalue(res, r, 1);
        const char *text = PQgetvalue(res, r, 2);
        sl_arena_t *a = sl_arena_new(NULL, "catalog load");
        sl_stmt_t *stmts = NULL;
        int n = 0;
        bool exists = false;
        sl_error_t rerr;
        sl_error_clear(&rerr);
        int rc = sl_sql_split(text, strlen(text), a, &stmts, &n, &rerr);
        if (rc == SL_OK && (n != 1 || (stmts[0].kind != (kind[0] == 's' ? SL_STMT_CREATE_STREAM
                                                                          : SL_STMT_CREATE_VIEW) ||
                                       strcmp(stmts[0].name, name) != 0)))
            rc = sl_error_set(&rerr, SL_ERRCODE_INTERNAL_ERROR, 0,
                              "it is not one CREATE %s statement for \"%s\"",
                              kind[0] == 's' ? "STREAM" : "CONTINUOUS VIEW", name);
        if (rc == SL_OK && kind[0] == 's') {
            sl_stream_t *s = sl_stream_new(stmts[0].name);
            rc = sl_analyze_stream(&stmts[0], &srv->catalog, s, &exists, &rerr);
            if (rc == SL_OK && exists)
                rc = sl_error_set(&rerr, SL_ERRCODE_DUPLICATE_TABLE, 0,
                                  "relation \"%s\" already exists", name);
            if (rc == SL_OK) {
                s->sql = sl_strdup(s->arena, text);
                sl_catalog_add_stream(&srv->catalog, s);
            } else {
                sl_catalog_drop_stream(&srv->catalog, s);
            }
        } else if (rc == SL_OK) {
            sl_view_t *v = sl_view_new(stmts[0].name);
            rc = sl_analyze_view(&stmts[0], &srv->catalog, v, &exists, &rerr);
            if (rc == SL_OK && exists)
                rc = sl_error_set(&rerr, SL_ERRCODE_DUPLICATE_TABLE, 0,
                                  "relation \"%s\" already exists", name);
            if (rc == SL_OK) {
                v->sql = sl_strdup(v->arena, text);
                if (v->schema == NULL)
                    v->schema = sl_strdup(v->arena, "public");
                v->exec = sl_exec_new(v->plan);
                v->inactive = strcmp(PQgetvalue(res, r, 4), "f") == 0;
                sl_catalog_add_view(&srv->catalog, v);
            } else {
                sl_arena_free(v->arena);
            }
        }
        if (rc != SL_OK) {
            skipped++;
            sl_log_warning("%s \"%s\" left out: its CREATE statement stored in %s does not "
                           "load: %s",
                           kind[0] == 's' ? "stream" : "continuous view", name,
                           kind[0] == 's' ? "sluice.streams" : "sluice.views", rerr.message);
        }
        sl_arena_free(a);
    }
    if (stream_relations(conn, srv, err) != SL_OK) {
        PQclear(res);
        PQfinish(conn);
        return SL_ERR;
    }
    watermarks_load(conn, srv);
    for (int i = 0; i < srv->catalog.nviews; i++)
        sessions_load(conn, srv->catalog.views[i]);
    if (skipped > 0)
        sl_log_warning("catalog loaded: %d streams, %d continuous views, %d entries left out "
                       "(fix their sql in PostgreSQL and restart, or delete their rows)",
                       srv->catalog.nstreams, srv->catalog.nviews, skipped);
    else
        sl_log_info("catalog loaded: %d streams, %d continuous views", srv->catalog.nstreams,
                    srv->catalog.nviews);
    PQclear(res);
    PQfinish(conn);
    return SL_OK;
}

/* This sluiced's identity for fencing (sink.h): instance_name, or the host
 * name and the HTTP port its clients send to (and retry against). */
static char *instance_name(const sl_server_t *srv)
{
    if (srv->cfg.instance_name && srv->cfg.instance_name[0])
        return sl_xstrdup(srv->cfg.instance_name);
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    char name[300];
    snprintf(name, sizeof(name), "%s:%d", host, sl_http_port(srv->http));
    return sl_xstrdup(name);
}

/* ---- shutdown ---- */

static struct event *shutdown_check;
static struct timeval shutdown_started;

static void on_shutdown_check(evutil_socket_t fd, short what, void *arg)
{
    sl_server_t *srv = arg;
    struct timeval now;
    gettimeofday(&now, NULL);
    long ms = (now.tv_sec - shutdown_started.tv_sec) * 1000 +
              (now.tv_usec - shutdown_started.tv_usec) / 1000;
    /* A flush is cancelled after pg_timeout and dropped after twice that
     * (sink.h); past that and a second, what is still in flight is
     * answered as unknown. */
    if (sl_sink_idle(srv->sink)) {
        event_base_loopexit(srv->base, NULL);
    } else if (ms > 2L * srv->cfg.pg_timeout_ms + 1000) {
        sl_sink_abandon(srv->sink);
        event_base_loopexit(srv->base, NULL);
    } else {
        sl_sink_flush_now(srv->sink);
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    sl_server_t *srv = arg;
    if (srv->shutting_down)
        return;
    sl_log_info("received %s: final flush, then exit", sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv->shutting_down = true;
    gettimeofday(&shutdown_started, NULL);
    /* Sessions end after the final flush (main), which answers the INSERT
     * and COPY statements waiting for it, as it does HTTP requests. */
    sl_pgwire_stop_accepting(srv->pgwire);
    sl_http_stop_accepting(srv->http);
    sl_sink_flush_now(srv->sink);
    shutdown_check = event_new(srv->base, -1, EV_PERSIST, on_shutdown_check, srv);
    struct timeval tv = {0, 20000};
    event_add(shutdown_check, &tv);
}

/* ---- main ---- */

static int fail(const char *what, const sl_error_t *err)
{
    fprintf(stderr, "sluiced: %s: %s\n", what, err->message);
    if (err->detail[0])
        fprintf(stderr, "DETAIL:  %s\n", err->detail);
    if (err->hint[0])
        fprintf(stderr, "HINT:  %s\n", err->hint);
    return 1;
}

/* Sets err from OpenSSL's oldest queued error (and clears the queue). */
static int tls_error(sl_error_t *err, const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char why[256];
    if (e)
        ERR_error_string_n(e, why, sizeof(why));
    else
        snprintf(why, sizeof(why), "unknown error");
    ERR_clear_error();
    return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0, "%s \"%s\": %s", what, file, why);
}

/*
 * The TLS context of both listeners from ssl_cert_file and ssl_key_file
 * (config.c checks that both or neither are set): TLS 1.2 or newer, no
 * renegotiation, partial writes allowed (httpd writes from a moving buffer).
 * Returns SL_OK with *out (NULL without TLS), or SL_ERR with err set when a
 * file does not load or the key does not match the certificate.
 */
static int tls_context(const sl_config_t *cfg, SSL_CTX **out, sl_error_t *err)
{
    *out = NULL;
    if (cfg->ssl_cert_file[0] == '\0')
        return SL_OK;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return tls_error(err, "could not create the TLS context for", cfg->ssl_cert_file);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    int rc = SL_OK;
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->ssl_cert_file) != 1)
        rc = tls_error(err, "could not load server certificate file", cfg->ssl_cert_file);
    else if (SSL_CTX_use_PrivateKey_file(ctx, cfg->ssl_key_file, SSL_FILETYPE_PEM) != 1)
        rc = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH
                 ? tls_error(err, "private key does not match the certificate in",
                             cfg->ssl_cert_file)
                 : tls_error(err, "could not load private key file", cfg->ssl_key_file);
    else if (SSL_CTX_check_private_key(ctx) != 1)
        rc = tls_error(err, "private key does not match the certificate in",
                       cfg->ssl_cert_file);
    if (rc != SL_OK) {
        SSL_CTX_free(ctx);
        return rc;
    }
    *out = ctx;
    return SL_OK;
}

int sl_server_main(int argc, char **argv)
{
    sl_server_t *srv = &sl_server;
    sl_error_t err;
    int exit_now = 0;
    sl_error_clear(&err);

    if (sl_config_load(&srv->cfg, argc, argv, &exit_now, &err) != SL_OK)
        return fail("invalid configuration", &err);
    if (exit_now)
        return 0;
    signal(SIGPIPE, SIG_IGN);
    /* sluiced's own connections (catalog, sink) speak UTF-8, whatever the
     * environment says for the clients' psql: Sluice holds UTF-8 only. */
    setenv("PGCLIENTENCODING", "UTF8", 1);
    if (tls_context(&srv->cfg, &srv->ssl_ctx, &err) != SL_OK) {
        fail("invalid TLS configuration", &err);
        sl_config_free(&srv->cfg);
        return 1;
    }
    sl_catalog_init(&srv->catalog);

    /* The backing PostgreSQL: given, or our own embedded cluster. */
    if (srv->cfg.pg && srv->cfg.pg[0]) {
        srv->pg_conninfo = sl_xstrdup(srv->cfg.pg);
    } else {
        if (sl_pgembed_start(srv->cfg.data_dir, &srv->embed, &srv->pg_conninfo, &err) != SL_OK)
            return fail("could not start the embedded PostgreSQL", &err);
        sl_log_info("embedded PostgreSQL running in %s", srv->cfg.data_dir);
    }
    int rc = 1;
    srv->idem = sl_idem_new();
    if (catalog_load(srv, &err) != SL_OK) {
        fail("cannot start", &err);
        goto out_embed;
    }

    /* Two priorities: the sink's events (0) run before the listeners' (1),
     * and the loop stops running listener callbacks after SL_MAX_DISPATCH
     * of them to look for new events, so a flush's answer is read (and its
     * waiting requests acknowledged) promptly even under a flood of
     * requests.  Counted, not timed: a time limit needs libevent's precise
     * clock (the coarse one ticks every 4 ms), and that clock arms a timerfd
     * before every epoll_wait, one more system call per turn of the loop:
     * a quarter of the relay's per-transaction system calls. */
    struct event_config *ecfg = event_config_new();
    event_config_set_max_dispatch_interval(ecfg, NULL, SL_MAX_DISPATCH, 1);
    /* The changes to what the loop waits for are applied once per turn,
     * before epoll_wait, one epoll_ctl per socket whose interest changed:
     * a bufferevent's write interest added and dropped, or its reading
     * handed to the relay's own event, within one turn costs nothing.
     * (libevent's caveat, sockets cloned by dup(), does not apply: none
     * are.) */
    event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    srv->base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
    if (srv->base)
        event_base_priority_init(srv->base, SL_PRIO_COUNT);
    struct event *sigterm = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    struct event *sigint = evsignal_new(srv->base, SIGINT, on_signal, srv);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);

    if (sl_pgwire_start(srv, srv->cfg.listen_address, srv->cfg.pgwire_port, &srv->pgwire,
                        &err) != SL_OK) {
        fail("cannot start", &err);
        goto out_base;
    }
    if (sl_http_start(srv, srv->cfg.listen_address, srv->cfg.http_port, &srv->http, &err) !=
        SL_OK) {
        fail("cannot start", &err);
        goto out_pgwire;
    }
    char addr[300];
    snprintf(addr, sizeof(addr), "%s:%d", srv->cfg.listen_address, sl_http_port(srv->http));
    srv->http_address = sl_xstrdup(addr);
    srv->instance = instance_name(srv);
    srv->sink = sl_sink_start(srv);
    srv->expire = sl_expire_start(srv);
    if (strcmp(srv->cfg.http_auth, "token") == 0)
        srv->access = sl_access_start(srv);

    /* The connection string as given, for psql, but never its password. */
    sl_buf_t shown = SL_BUF_INIT;
    sl_conninfo_mask(srv->pg_conninfo, &shown);
    if (srv->ssl_ctx)
        sl_log_info("TLS on: pgwire answers SSLRequest%s, the HTTP port speaks HTTPS only",
                    strcmp(srv->cfg.ssl_require, "on") == 0 ? " (and requires it)" : "");
    if (srv->access == NULL && strcmp(srv->cfg.listen_address, "127.0.0.1") != 0 &&
        strcmp(srv->cfg.listen_address, "localhost") != 0 &&
        strcmp(srv->cfg.listen_address, "::1") != 0)
        sl_log_warning("http_auth = none on %s: anyone who reaches the HTTP port may "
                       "ingest and list the catalog", srv->cfg.listen_address);
    sl_log_info("sluiced ready: pgwire %s:%d, http %s:%d, postgresql \"%s\"",
                srv->cfg.listen_address, sl_pgwire_port(srv->pgwire), srv->cfg.listen_address,
                sl_http_port(srv->http), sl_buf_cstr(&shown));
    sl_buf_free(&shown);
    event_base_dispatch(srv->base);
    rc = 0;
    /* Every request had a true answer (committed, or 503: nothing
     * applied) unless a flush could not be waited for. */
    if (sl_sink_unknown_outcomes(srv->sink) > 0 || !sl_sink_idle(srv->sink)) {
        sl_log_warning("exiting with %lu requests whose outcome is unknown (answered 504)",
                       sl_sink_unknown_outcomes(srv->sink));
        rc = 1;
    }

    sl_sink_free(srv->sink);
    srv->sink = NULL;
    sl_http_free(srv->http);
    sl_access_free(srv->access);
    srv->access = NULL;
    sl_expire_free(srv->expire);
    srv->expire = NULL;
    if (shutdown_check)
        event_free(shutdown_check);
out_pgwire:
    if (srv->pgwire)
        sl_pgwire_stop(srv->pgwire);
out_base:
    event_free(sigterm);
    event_free(sigint);
    event_base_free(srv->base);
out_embed:
    for (int i = 0; i < srv->catalog.nviews; i++) {
        sl_exec_free(srv->catalog.views[i]->exec);
        srv->catalog.views[i]->exec = NULL;
    }
    sl_catalog_destroy(&srv->catalog);
    sl_idem_free(srv->idem);
    srv->idem = NULL;
    if (srv->embed)
        sl_pgembed_stop(srv->embed);
    free(srv->pg_conninfo);
    free(srv->http_address);
    free(srv->instance);
    sl_config_free(&srv->cfg);
    SSL_CTX_free(srv->ssl_ctx);
    srv->ssl_ctx = NULL;
    if (rc == 0)
        sl_log_info("sluiced stopped");
    return rc;
}
