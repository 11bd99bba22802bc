/*
 * pgwire.c: the PostgreSQL v3 protocol listener of sluiced (pgwire.h) and
 * the life of a client connection:
 *
 *   accept -> startup packet (SSLRequest answered 'S' and the connection
 *   continued over TLS when ssl_cert_file is set, else 'N'; GSSENCRequest
 *   'N'; ssl_require refuses plain sessions; CancelRequest relayed to the session's backend without blocking,
 *   max_client_connections: FATAL 53300) -> non-blocking libpq
 *   connect to the backing PostgreSQL (PQconnectPoll on loop events) ->
 *   AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery ->
 *   READY: pgwire_relay.c handles messages on both sockets -> close
 *   (deferred, after flushing the client's output).
 *
 * Connections are never freed inside their own callbacks: sl__pw_close
 * only marks them and a one-shot event frees them later.  A client not
 * READY within authentication_timeout is closed; while the backend
 * connection is being made its input is not read past SL_PW_HIGH_WATER.
 */
#include "net/pgwire_int.h"
#include "net/listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#define CLOSE_FLUSH_TIMEOUT_S 5

static void conn_free(sl_pwconn_t *c);

/* ---- sending, backpressure ---- */

void sl__pw_send_client(sl_pwconn_t *c, sl_pkt_t *p)
{
    if (p->buf.len > 0 && c->state != SL_PW_CLOSING)
        evbuffer_add(bufferevent_get_output(c->client), p->buf.data, p->buf.len);
    sl_pkt_reset(p);
}

void sl__pw_send_backend(sl_pwconn_t *c, sl_pkt_t *p)
{
    if (p->buf.len > 0 && c->backend && c->state != SL_PW_CLOSING) {
        sl__pw_flush_backend(c);    /* relayed bytes staged before p go first */
        evbuffer_add(bufferevent_get_output(c->backend), p->buf.data, p->buf.len);
    }
    sl_pkt_reset(p);
}

void sl__pw_flow(sl_pwconn_t *c)
{
    if (c->state != SL_PW_READY || c->backend == NULL)
        return;
    size_t cout = evbuffer_get_length(bufferevent_get_output(c->client));
    size_t bout = evbuffer_get_length(bufferevent_get_output(c->backend));
    size_t cin = evbuffer_get_length(bufferevent_get_input(c->client));

    bool pause_backend = c->backend_paused ? cout > SL_PW_LOW_WATER : cout > SL_PW_HIGH_WATER;
    if (pause_backend != c->backend_paused) {
        if (pause_backend)
            sl__pw_reading(c, c->backend, false);
        else
            sl__pw_reading(c, c->backend, true);
        c->backend_paused = pause_backend;
    }
    /* A running Sluice query leaves later client messages buffered: stop
     * reading once a lot has piled up. */
    bool blocked = (c->job != NULL && !c->copy_in && cin > SL_PW_HIGH_WATER) || c->terminating;
    bool pause_client = blocked ||
        (c->client_paused ? bout > SL_PW_LOW_WATER : bout > SL_PW_HIGH_WATER);
    if (pause_client != c->client_paused) {
        if (pause_client)
            sl__pw_reading(c, c->client, false);
        else
            sl__pw_reading(c, c->client, true);
        c->client_paused = pause_client;
    }
}

/* ---- closing ---- */

/* The client's output not yet taken by its socket: for TLS, the plaintext
 * before the filter and the records after it. */
static size_t client_pending(sl_pwconn_t *c)
{
    size_t n = evbuffer_get_length(bufferevent_get_output(c->client));
    if (c->tls)
        n += evbuffer_get_length(bufferevent_get_output(bufferevent_get_underlying(c->client)));
    return n;
}

/* Frees a closing connection once its output is out; a TLS client's last
 * records have no callback of their own, so they are polled for (every
 * 10 ms, CLOSE_FLUSH_TIMEOUT_S at most). */
static void on_free(evutil_socket_t fd, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->tls && client_pending(c) > 0 && ++c->close_polls < CLOSE_FLUSH_TIMEOUT_S * 100) {
        struct timeval tv = {0, 10000};
        event_add(c->free_ev, &tv);
        return;
    }
    conn_free(c);
}

void sl__pw_close(sl_pwconn_t *c)
{
    if (c->state == SL_PW_CLOSING)
        return;
    c->state = SL_PW_CLOSING;
    sl__pw_reading(c, c->client, false);
    if (c->backend) {
        sl__pw_reading(c, c->backend, false);
        bufferevent_disable(c->backend, EV_READ | EV_WRITE);
    }
    if (c->poll_ev)
        event_del(c->poll_ev);
    if (client_pending(c) == 0) {
        event_active(c->free_ev, EV_TIMEOUT, 1);
    } else if (c->tls) {
        struct timeval tv = {0, 10000};
        event_add(c->free_ev, &tv);
    } else {
        /* The write callback fires once the output is empty. */
        bufferevent_setwatermark(c->client, EV_WRITE, 0, 0);
        struct timeval tv = {CLOSE_FLUSH_TIMEOUT_S, 0};
        event_add(c->free_ev, &tv);
    }
}

void sl__pw_fatal(sl_pwconn_t *c, sl_error_t *err)
{
    sl_pkt_t p = SL_PKT_INIT;
    err->severity = "FATAL";
    sl_pkt_error(&p, err);
    sl__pw_send_client(c, &p);
    sl_pkt_free(&p);
    sl__pw_close(c);
}

/*
 * For a TLS client: queues close_notify and sends, without blocking and
 * best effort, what the filter has encrypted but the socket has not taken
 * (the last message before a close, say a FATAL).  The plaintext output
 * was already handed to the filter as it was queued.
 */
static void tls_flush_raw(sl_pwconn_t *c)
{
    if (!c->tls)
        return;
    SSL *ssl = bufferevent_openssl_get_ssl(c->client);
    if (ssl && SSL_is_init_finished(ssl))
        SSL_shutdown(ssl);
    struct bufferevent *u = bufferevent_get_underlying(c->client);
    struct evbuffer *o = bufferevent_get_output(u);
    size_t n = evbuffer_get_length(o);
    if (n == 0)
        return;
    if (n > SL_PW_HIGH_WATER)
        n = SL_PW_HIGH_WATER;
    unsigned char *bytes = evbuffer_pullup(o, (ev_ssize_t)n);
    if (bytes)
        (void)!send(bufferevent_getfd(u), bytes, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Frees c now: its job, both sockets, libpq objects, its arena.  c is dead
 * after the call.  Never called from c's own bufferevent callbacks. */
static void conn_free(sl_pwconn_t *c)
{
    sl__pw_job_abort(c);
    if (c->counted)
        c->pw->nsessions--;
    event_free(c->startup_ev);
    if (c->poll_ev)
        event_free(c->poll_ev);
    if (c->backend)
        bufferevent_free(c->backend);   /* leaves the fd to PQfinish */
    if (c->cancel)
        PQfreeCancel(c->cancel);
    if (c->pg)
        PQfinish(c->pg);
    tls_flush_raw(c);
    bufferevent_free(c->client);
    event_free(c->free_ev);
    if (c->prev)
        c->prev->next = c->next;
    else
        c->pw->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->pending);
    sl_arena_free(c->arena);
}

/* ---- callbacks on the two sockets ---- */

static void startup_input(sl_pwconn_t *c);

static void client_read(struct bufferevent *bev, void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->state == SL_PW_STARTUP)
        startup_input(c);
    else if (c->state == SL_PW_READY)
        sl__pw_client_input(c);
    else if (c->state == SL_PW_CONNECTING &&
             evbuffer_get_length(bufferevent_get_input(bev)) > SL_PW_HIGH_WATER) {
        /* Messages stay buffered until the backend is there, but not
         * without bound: sl__pw_flow reads on once READY. */
        bufferevent_disable(bev, EV_READ);
        c->client_paused = true;
    }
}

static void client_write(struct bufferevent *bev, void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->state == SL_PW_CLOSING) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            event_active(c->free_ev, EV_TIMEOUT, 1);
        return;
    }
    sl__pw_flow(c);
}

static void client_event(struct bufferevent *bev, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        /* Nothing more can reach the client: free without flushing. */
        evbuffer_drain(bufferevent_get_output(bev),
                       evbuffer_get_length(bufferevent_get_output(bev)));
        if (c->tls) {
            struct evbuffer *o = bufferevent_get_output(bufferevent_get_underlying(bev));
            evbuffer_drain(o, evbuffer_get_length(o));
        }
        c->state = SL_PW_CLOSING;
        event_active(c->free_ev, EV_TIMEOUT, 1);
    }
}

static void backend_read(struct bufferevent *bev, void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->state == SL_PW_READY)
        sl__pw_backend_input(c);
}

static void backend_write(struct bufferevent *bev, void *arg)
{
    sl__pw_flow(arg);
}

static void backend_event(struct bufferevent *bev, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) || c->state == SL_PW_CLOSING)
        return;
    if (c->fatal_relayed || c->terminating) {
        sl__pw_close(c);
        return;
    }
    sl_error_t err;
    sl_error_clear(&err);
    sl_error_set(&err, SL_ERRCODE_CONNECTION_FAILURE, 0,
                 "terminating connection because the backing PostgreSQL closed it");
    sl__pw_fatal(c, &err);
}

/* ---- the backing PostgreSQL ---- */

static void on_poll(evutil_socket_t fd, short what, void *arg);

static int connect_timeout_ms(const sl_pwconn_t *c)
{
    int ms = c->pw->srv->cfg.pg_timeout_ms;
    return ms > 0 ? ms : 10000;
}

/* Waits for PQsocket to become readable / writable (it may change between
 * PQconnectPoll calls when libpq tries another address). */
static void arm_poll(sl_pwconn_t *c, short what)
{
    if (c->poll_ev)
        event_free(c->poll_ev);
    c->poll_ev = event_new(c->pw->srv->base, PQsocket(c->pg), what, on_poll, c);
    int ms = connect_timeout_ms(c);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(c->poll_ev, &tv);
}

static void connect_failed(sl_pwconn_t *c, const char *why)
{
    sl_error_t err;
    sl_error_clear(&err);
    char msg[400];
    snprintf(msg, sizeof(msg), "%s", why);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = 0;
    sl_error_set(&err, SL_ERRCODE_CONNECTION_FAILURE, 0,
                 "could not connect to the backing PostgreSQL: %s", msg);
    sl_log_warning("pgwire: %s", err.message);
    sl__pw_fatal(c, &err);
}

/* Parameters psql and drivers expect after authentication. */
static const char *const reported_params[] = {
    "server_version", "server_encoding", "client_encoding", "DateStyle",
    "IntervalStyle", "TimeZone", "integer_datetimes", "standard_conforming_strings",
    "is_superuser", "session_authorization", "application_name",
    "default_transaction_read_only", "in_hot_standby",
};

static void connected(sl_pwconn_t *c)
{
    event_free(c->poll_ev);
    c->poll_ev = NULL;
    evutil_socket_t fd = PQsocket(c->pg);
    evutil_make_socket_nonblocking(fd);
    c->cancel = PQgetCancel(c->pg);
    c->pid = PQbackendPID(c->pg);
    evutil_secure_rng_get_bytes(&c->key, sizeof(c->key));
    c->txn_status = 'I';
    /* sslmode in --pg may have made it TLS: relay over libpq's own session
     * (libpq frees it in PQfinish) */
    SSL *ssl = PQsslInUse(c->pg) ? PQsslStruct(c->pg, "OpenSSL") : NULL;
    c->backend = ssl ? bufferevent_openssl_socket_new(c->pw->srv->base, fd, ssl,
                                                      BUFFEREVENT_SSL_OPEN, 0)
                     : bufferevent_socket_new(c->pw->srv->base, fd, 0);
    if (c->backend == NULL) {
        connect_failed(c, "could not relay over the TLS connection");
        return;
    }
    bufferevent_setcb(c->backend, backend_read, backend_write, backend_event, c);
    bufferevent_setwatermark(c->backend, EV_WRITE, SL_PW_LOW_WATER, 0);
    bufferevent_enable(c->backend, EV_READ | EV_WRITE);

    sl_pkt_t p = SL_PKT_INIT;
    sl_pkt_auth_ok(&p);
    for (size_t i = 0; i < sizeof(reported_params) / sizeof(reported_params[0]); i++) {
        const char *v = PQparameterStatus(c->pg, reported_params[i]);
        if (v)
            sl_pkt_parameter_status(&p, reported_params[i], v);
    }
    sl_pkt_backend_key_data(&p, c->pid, c->key);
    sl_pkt_ready_for_query(&p, c->txn_status);
    c->state = SL_PW_READY;
    event_del(c->startup_ev);
    sl__pw_send_client(c, &p);
    sl_pkt_free(&p);
    sl__pw_client_input(c);   /* anything the client sent meanwhile */
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    if (what & EV_TIMEOUT) {
        connect_failed(c, "timeout expired");
        return;
    }
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        arm_poll(c, EV_READ);
        break;
    case PGRES_POLLING_WRITING:
        arm_poll(c, EV_WRITE);
        break;
    case PGRES_POLLING_OK:
        connected(c);
        break;
    default:
        connect_failed(c, PQerrorMessage(c->pg));
        break;
    }
}

/* Appends " -c name=value" with spaces and backslashes escaped as libpq's
 * options parser expects. */
static void add_guc_option(sl_buf_t *b, const char *name, const char *value)
{
    sl_buf_printf(b, "%s-c %s=", b->len ? " " : "", name);
    for (const char *s = value; *s; s++) {
        if (*s == ' ' || *s == '\\')
            sl_buf_putc(b, '\\');
        sl_buf_putc(b, *s);
    }
}

/*
 * Starts the non-blocking connection to the backing PostgreSQL with the
 * server's conninfo, the client's application_name, client_encoding,
 * options and other settings from its startup packet (as -c options), and
 * no GSS encryption; TLS only when the conninfo (or PGSSLMODE) names an
 * sslmode, else plain (sslmode=disable rather than libpq's prefer).
 */
static void backend_connect(sl_pwconn_t *c, const sl_pkt_startup_t *su)
{
    const char *conninfo = c->pw->srv->pg_conninfo ? c->pw->srv->pg_conninfo : "";
    const char *kw[8], *val[8];
    int n = 0;
    sl_buf_t opts = SL_BUF_INIT;

    bool sslmode_given = getenv("PGSSLMODE") != NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, NULL);
    for (PQconninfoOption *o = parsed; o && o->keyword; o++) {
        if (strcmp(o->keyword, "options") == 0 && o->val && o->val[0])
            sl_buf_puts(&opts, o->val);
        if (strcmp(o->keyword, "sslmode") == 0 && o->val && o->val[0])
            sslmode_given = true;
    }
    if (parsed)
        PQconninfoFree(parsed);
    kw[n] = "dbname"; val[n++] = conninfo;
    const char *app = sl_pkt_startup_param(su, "application_name");
    const char *enc = sl_pkt_startup_param(su, "client_encoding");
    if (app) {
        kw[n] = "application_name"; val[n++] = app;
    }
    if (enc) {
        kw[n] = "client_encoding"; val[n++] = enc;
    }
    for (int i = 0; i < su->nparams; i++) {
        const char *name = su->names[i], *v = su->values[i];
        if (strcmp(name, "options") == 0) {
            if (v[0])
                sl_buf_printf(&opts, "%s%s", opts.len ? " " : "", v);
        } else if (strcmp(name, "application_name") != 0 &&
                   strcmp(name, "client_encoding") != 0 && strcmp(name, "user") != 0 &&
                   strcmp(name, "database") != 0 && strcmp(name, "replication") != 0 &&
                   strncmp(name, "_pq_.", 5) != 0) {
            add_guc_option(&opts, name, v);
        }
    }
    if (opts.len) {
        kw[n] = "options"; val[n++] = sl_strdup(c->arena, sl_buf_cstr(&opts));
    }
    sl_buf_free(&opts);
    if (!sslmode_given) {
        kw[n] = "sslmode"; val[n++] = "disable";
    }
    kw[n] = "gssencmode"; val[n++] = "disable";
    kw[n] = NULL; val[n] = NULL;

    c->state = SL_PW_CONNECTING;
    c->pg = PQconnectStartParams(kw, val, 1);
    if (c->pg == NULL) {
        connect_failed(c, "out of memory");
        return;
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        connect_failed(c, PQerrorMessage(c->pg));
        return;
    }
    arm_poll(c, EV_WRITE);
}

/* ---- startup ---- */

/*
 * CancelRequest: cancels the backend query of the session we gave (pid,
 * key) by sending the backend's own CancelRequest to the address the
 * session's backend socket is connected to, without blocking the loop:
 * PQcancel connects and then waits for the postmaster to close, so a
 * stalled postmaster would freeze sluiced.  A non-blocking socket, one
 * write of 16 bytes, closed once written or after pg_timeout; like
 * PostgreSQL's, the cancel is best effort and answered with nothing.
 */
struct sl_pw_cancel {
    sl_pgwire_t *pw;
    sl_pw_cancel_t *prev, *next;
    evutil_socket_t fd;
    struct event *ev;
    unsigned char pkt[16];
};

/*
 * The head of libpq's struct pg_cancel (libpq-int.h, libpq 9.x to 16): the
 * remote address, the backend's PID and its secret key, which libpq 15 has
 * no function for.  The PID found there is checked against PQbackendPID
 * before the key is trusted.
 */
typedef struct libpq_cancel_head {
    struct {
        struct sockaddr_storage addr;
        socklen_t salen;
    } raddr;
    int be_pid;
    int be_key;
} libpq_cancel_head_t;

/* Frees k (closes its socket); k is dead after the call. */
static void cancel_free(sl_pw_cancel_t *k)
{
    if (k->prev)
        k->prev->next = k->next;
    else
        k->pw->cancels = k->next;
    if (k->next)
        k->next->prev = k->prev;
    k->pw->ncancels--;
    event_free(k->ev);
    evutil_closesocket(k->fd);
    free(k);
}

static void on_cancel_io(evutil_socket_t fd, short what, void *arg)
{
    sl_pw_cancel_t *k = arg;
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (what & EV_TIMEOUT) {
        sl_log_warning("pgwire: could not send cancel request: timeout expired");
    } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
        sl_log_warning("pgwire: could not send cancel request: %s",
                       evutil_socket_error_to_string(soerr ? soerr : EVUTIL_SOCKET_ERROR()));
    } else if (send(fd, k->pkt, sizeof(k->pkt), MSG_NOSIGNAL | MSG_DONTWAIT) !=
               (ssize_t)sizeof(k->pkt)) {
        sl_log_warning("pgwire: could not send cancel request: %s",
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    cancel_free(k);
}

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Starts sending a CancelRequest for x's backend; returns at once. */
static void cancel_send(sl_pgwire_t *pw, sl_pwconn_t *x)
{
    const libpq_cancel_head_t *ch = (const libpq_cancel_head_t *)x->cancel;
    if (PQlibVersion() >= 170000 || ch->be_pid != PQbackendPID(x->pg)) {
        sl_log_warning("pgwire: cannot relay cancel requests with libpq %d", PQlibVersion());
        return;
    }
    if (pw->ncancels >= SL_PW_MAX_CANCELS) {
        sl_log_warning("pgwire: cancel request dropped: %d already in flight", pw->ncancels);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    if (getpeername(PQsocket(x->pg), (struct sockaddr *)&ss, &sslen) != 0) {
        sl_log_warning("pgwire: could not send cancel request: %s",
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return;
    }
    evutil_socket_t fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sl_log_warning("pgwire: could not send cancel request: %s",
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return;
    }
    if (connect(fd, (struct sockaddr *)&ss, sslen) != 0 && errno != EINPROGRESS) {
        sl_log_warning("pgwire: could not send cancel request: %s",
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        evutil_closesocket(fd);
        return;
    }
    sl_pw_cancel_t *k = sl_xcalloc(1, sizeof(*k));
    k->pw = pw;
    k->fd = fd;
    put_be32(k->pkt, 16);
    put_be32(k->pkt + 4, SL_PKT_CANCEL_REQUEST);
    put_be32(k->pkt + 8, (uint32_t)ch->be_pid);
    put_be32(k->pkt + 12, (uint32_t)ch->be_key);
    k->ev = event_new(pw->srv->base, fd, EV_WRITE, on_cancel_io, k);
    int ms = connect_timeout_ms(x);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(k->ev, &tv);
    k->next = pw->cancels;
    if (pw->cancels)
        pw->cancels->prev = k;
    pw->cancels = k;
    pw->ncancels++;
}

static void cancel_session(sl_pgwire_t *pw, int32_t pid, int32_t key)
{
    for (sl_pwconn_t *x = pw->conns; x; x = x->next) {
        if (x->state == SL_PW_READY && x->cancel && x->pid == pid && x->key == key) {
            cancel_send(pw, x);
            return;
        }
    }
}

/* The most pgwire sessions at once (server.c lowers the setting to what
 * the backing PostgreSQL leaves); 0 = no limit. */
static int session_limit(const sl_pgwire_t *pw)
{
    return pw->srv->cfg.max_client_connections;
}

/*
 * Answers an SSLRequest with 'S' and continues c's connection over TLS: the
 * socket's bufferevent goes under an OpenSSL filter (which owns it) that
 * runs the handshake and becomes c->client, with the same callbacks and
 * watermarks.  The socket's own output holds at most 256 KiB of encrypted
 * bytes, so the plaintext waiting in c->client's output is what
 * backpressure (sl__pw_flow) sees, as on a plain socket.  Bytes after the
 * SSLRequest that came before the 'S' are refused, as by PostgreSQL
 * (they would bypass the encryption).
 */
static void tls_start(sl_pwconn_t *c)
{
    struct bufferevent *sock = c->client;
    if (evbuffer_get_length(bufferevent_get_input(sock)) > 0) {
        sl_error_t err;
        sl_error_clear(&err);
        sl_error_set(&err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                     "received unencrypted data after SSL request");
        sl_error_detail(&err, "This could be either a client-software bug or evidence of an "
                              "attempted man-in-the-middle attack.");
        sl__pw_fatal(c, &err);
        return;
    }
    SSL *ssl = SSL_new(c->pw->srv->ssl_ctx);
    if (ssl == NULL) {
        sl_log_warning("pgwire: could not create a TLS session: out of memory");
        evbuffer_add(bufferevent_get_output(sock), "N", 1);
        return;
    }
    evbuffer_add(bufferevent_get_output(sock), "S", 1);
    bufferevent_setwatermark(sock, EV_WRITE, 0, SL_PW_LOW_WATER);
    struct bufferevent *f = bufferevent_openssl_filter_new(
        c->pw->srv->base, sock, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (f == NULL) {
        /* the 'S' is queued: nothing sane can follow it */
        SSL_free(ssl);
        sl__pw_close(c);
        return;
    }
    c->client = f;
    c->tls = true;
    bufferevent_setcb(f, client_read, client_write, client_event, c);
    bufferevent_setwatermark(f, EV_WRITE, SL_PW_LOW_WATER, 0);
    bufferevent_enable(f, EV_READ | EV_WRITE);
}

/* Handles the startup packets buffered from a new client. */
static void startup_input(sl_pwconn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->client);
    while (c->state == SL_PW_STARTUP) {
        unsigned char head[4];
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        size_t avail = evbuffer_get_length(in);
        evbuffer_copyout(in, head, sizeof(head));
        int rc = sl_pkt_read_header(head, avail, true, SL_PKT_MAX_STARTUP, &h, &err);
        if (rc == SL_AGAIN)
            return;
        if (rc != SL_OK) {
            sl__pw_fatal(c, &err);
            return;
        }
        size_t blen = h.size - 4;
        char *body = sl_alloc(c->arena, blen);
        evbuffer_drain(in, 4);
        evbuffer_remove(in, body, blen);
        sl_pkt_startup_t su;
        if (sl_pkt_parse_startup(body, blen, c->arena, &su, &err) != SL_OK) {
            sl__pw_fatal(c, &err);
            return;
        }
        switch (su.code) {
        case SL_PKT_SSL_REQUEST:
            if (c->pw->srv->ssl_ctx && !c->tls) {
                tls_start(c);
                return;
            }
            evbuffer_add(bufferevent_get_output(c->client), "N", 1);
            continue;
        case SL_PKT_GSSENC_REQUEST:
            evbuffer_add(bufferevent_get_output(c->client), "N", 1);
            continue;
        case SL_PKT_CANCEL_REQUEST:
            cancel_session(c->pw, su.cancel_pid, su.cancel_key);
            sl__pw_close(c);
            return;
        default:
            break;
        }
        if (!c->tls && c->pw->srv->ssl_ctx && strcmp(c->pw->srv->cfg.ssl_require, "on") == 0) {
            sl_error_set(&err, "28000", 0,
                         "SSL connection is required");
            sl_error_hint(&err, "Connect with sslmode=require (ssl_require is on).");
            sl__pw_fatal(c, &err);
            return;
        }
        if (sl_pkt_startup_param(&su, "replication") != NULL &&
            strcmp(sl_pkt_startup_param(&su, "replication"), "false") != 0 &&
            strcmp(sl_pkt_startup_param(&su, "replication"), "0") != 0 &&
            strcmp(sl_pkt_startup_param(&su, "replication"), "off") != 0) {
            sl_error_set(&err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                         "replication connections are not supported by sluiced");
            sl__pw_fatal(c, &err);
            return;
        }
        /* 3.1+ or protocol options: say what we speak (3.0, none). */
        int nopts = 0;
        const char **opts = sl_alloc(c->arena, sizeof(char *) * (size_t)(su.nparams + 1));
        for (int i = 0; i < su.nparams; i++)
            if (strncmp(su.names[i], "_pq_.", 5) == 0)
                opts[nopts++] = su.names[i];
        if ((su.code & 0xffff) != 0 || nopts > 0) {
            sl_pkt_t p = SL_PKT_INIT;
            sl_pkt_negotiate_protocol(&p, 0, nopts, opts);
            sl__pw_send_client(c, &p);
            sl_pkt_free(&p);
        }
        int limit = session_limit(c->pw);
        if (limit > 0 && c->pw->nsessions >= limit) {
            sl_error_set(&err, "53300", 0, "sorry, too many clients already");
            sl__pw_fatal(c, &err);
            return;
        }
        c->counted = true;
        c->pw->nsessions++;
        backend_connect(c, &su);
        return;
    }
}

/* authentication_timeout: the client is not READY yet.  PostgreSQL closes
 * an incomplete startup silently and ends a slow authentication with
 * FATAL 57014. */
static void on_startup_timeout(evutil_socket_t fd, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->state == SL_PW_STARTUP) {
        sl__pw_close(c);
    } else if (c->state == SL_PW_CONNECTING) {
        sl_error_t err;
        sl_error_clear(&err);
        sl_error_set(&err, "57014", 0, "canceling authentication due to timeout");
        sl__pw_fatal(c, &err);
    }
}

/* ---- the listener ---- */

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    sl_pgwire_t *pw = arg;
    sl_arena_t *a = sl_arena_new(pw->arena, "pgwire connection");
    sl_pwconn_t *c = sl_alloc0(a, sizeof(*c));
    c->pw = pw;
    c->arena = a;
    c->qarena = sl_arena_new(a, "pgwire query");
    c->state = SL_PW_STARTUP;
    c->txn_status = 'I';
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    evutil_make_socket_nonblocking(fd);
    c->client = bufferevent_socket_new(pw->srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->client, client_read, client_write, client_event, c);
    bufferevent_setwatermark(c->client, EV_WRITE, SL_PW_LOW_WATER, 0);
    bufferevent_enable(c->client, EV_READ | EV_WRITE);
    c->free_ev = evtimer_new(pw->srv->base, on_free, c);
    c->startup_ev = evtimer_new(pw->srv->base, on_startup_timeout, c);
    int ms = pw->srv->cfg.authentication_timeout_ms > 0 ? pw->srv->cfg.authentication_timeout_ms
                                                        : 60000;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->startup_ev, &tv);
    c->next = pw->conns;
    if (pw->conns)
        pw->conns->prev = c;
    pw->conns = c;
}

/* Out of descriptors (EMFILE) the listening socket stays readable: pause
 * accepting instead of spinning (listen.h). */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    sl_pgwire_t *pw = arg;
    sl_accept_pause_error(&pw->accept_pause);
}

int sl_pgwire_start(sl_server_t *srv, const char *addr, int port,
                    sl_pgwire_t **out, sl_error_t *err)
{
    int bound_port;
    struct evconnlistener *l = sl_listen_tcp(srv->base, addr, port, on_accept, NULL,
                                             &bound_port, err);
    if (l == NULL)
        return SL_ERR;

    sl_arena_t *a = sl_arena_new(NULL, "pgwire");
    sl_pgwire_t *pw = sl_alloc0(a, sizeof(*pw));
    pw->arena = a;
    pw->srv = srv;
    pw->listener = l;
    evconnlistener_set_cb(l, on_accept, pw);
    evconnlistener_set_error_cb(l, on_accept_error);
    sl_accept_pause_init(&pw->accept_pause, srv->base, l, "pgwire");

    pw->port = bound_port;
    *out = pw;
    return SL_OK;
}

int sl_pgwire_port(const sl_pgwire_t *pw)
{
    return pw->port;
}

void sl_pgwire_stop(sl_pgwire_t *pw)
{
    if (pw == NULL)
        return;
    sl_accept_pause_stop(&pw->accept_pause);
    evconnlistener_free(pw->listener);
    while (pw->cancels)
        cancel_free(pw->cancels);
    sl_error_t err;
    sl_error_clear(&err);
    sl_error_set(&err, SL_ERRCODE_ADMIN_SHUTDOWN, 0,
                 "terminating connection due to administrator command");
    err.severity = "FATAL";
    sl_pkt_t p = SL_PKT_INIT;
    sl_pkt_error(&p, &err);
    while (pw->conns) {
        sl_pwconn_t *c = pw->conns;
        /* Best effort, one non-blocking send of what is queued (a
         * bufferevent's output cannot be drained by us) plus the FATAL. */
        if (c->tls) {
            /* the filter encrypts what is queued into the socket's output */
            if (c->state != SL_PW_CLOSING)
                evbuffer_add(bufferevent_get_output(c->client), p.buf.data, p.buf.len);
            conn_free(c);
            continue;
        }
        struct evbuffer *o = bufferevent_get_output(c->client);
        size_t n = evbuffer_get_length(o);
        if (n > SL_PW_HIGH_WATER)
            n = SL_PW_HIGH_WATER;
        char *bytes = sl_xmalloc(n + p.buf.len);
        evbuffer_copyout(o, bytes, n);
        if (c->state != SL_PW_CLOSING) {
            memcpy(bytes + n, p.buf.data, p.buf.len);
            n += p.buf.len;
        }
        if (n > 0)
            (void)!send(bufferevent_getfd(c->client), bytes, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        free(bytes);
        conn_free(c);
    }
    sl_pkt_free(&p);
    sl_arena_free(pw->arena);
}
