/*
 * pgwire.c: the PostgreSQL v3 protocol listener of sluiced (pgwire.h) and
 * the life of a client connection:
 *
 *   accept -> startup packet (SSLRequest answered 'S' and the connection
 *   continued over TLS when ssl_cert_file is set, else 'N'; GSSENCRequest
 *   'N'; ssl_require refuses plain sessions; CancelRequest relayed to the session's backend without blocking,
 *   max_client_connections: FATAL 53300) -> non-blocking connect to the
 *   backing PostgreSQL as the client's user and database (TLS when --pg's
 *   sslmode asks), its authentication exchange relayed to the client ->
 *   AuthenticationOk, ParameterStatus, BackendKeyData (our key),
 *   ReadyForQuery -> READY: pgwire_relay.c handles messages on both
 *   sockets -> close
 *   (deferred, after flushing the client's output).
 *
 * Connections are never freed inside their own callbacks: sl__pw_close
 * only marks them and a one-shot event frees them later.  A client not
 * READY within authentication_timeout is closed; while the backend
 * connection is being made its input is not read past SL_PW_HIGH_WATER.
 */
#include "net/pgwire_int.h"
#include "net/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CLOSE_FLUSH_TIMEOUT_S 5

static void conn_free(sl_pwconn_t *c);

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}


/* ---- sending, backpressure ---- */

void sl__pw_queued(struct bufferevent *bev)
{
    if (!(bufferevent_get_enabled(bev) & EV_WRITE))
        bufferevent_enable(bev, EV_WRITE);
}

void sl__pw_write(struct bufferevent *bev, const void *data, size_t len)
{
    struct evbuffer *out = bufferevent_get_output(bev);
    if (len > 0 && evbuffer_get_length(out) == 0 && bufferevent_get_underlying(bev) == NULL &&
        bufferevent_openssl_get_ssl(bev) == NULL) {
        ssize_t w = send(bufferevent_getfd(bev), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {        /* else queued: the bufferevent meets the error */
            data = (const char *)data + w;
            len -= (size_t)w;
        }
    }
    if (len > 0) {
        evbuffer_add(out, data, len);
        sl__pw_queued(bev);
    }
}

void sl__pw_send_client(sl_pwconn_t *c, sl_pkt_t *p)
{
    if (p->buf.len > 0 && c->state != SL_PW_CLOSING)
        sl__pw_write(c->client, p->buf.data, p->buf.len);
    sl_pkt_reset(p);
}

void sl__pw_send_backend(sl_pwconn_t *c, sl_pkt_t *p)
{
    if (p->buf.len > 0 && c->backend && c->state != SL_PW_CLOSING) {
        sl__pw_flush_backend(c);    /* relayed bytes staged before p go first */
        sl__pw_write(c->backend, p->buf.data, p->buf.len);
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
    sl__pw_pool_unwait(c);
    sl__pw_pool_put(c);   /* keeps the backend connection when it may */
    sl__pw_job_abort(c);
    if (c->counted)
        c->pw->nsessions--;
    event_free(c->startup_ev);
    if (c->dns_req)
        evdns_getaddrinfo_cancel(c->dns_req);
    if (c->poll_ev)
        event_free(c->poll_ev);
    if (c->backend)
        bufferevent_free(c->backend);   /* closes be_fd */
    else if (c->be_fd >= 0)
        evutil_closesocket(c->be_fd);
    sl_pkt_free(&c->startup);
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
    sl_buf_free(&c->params);
    sl_arena_free(c->arena);
}

/* ---- callbacks on the two sockets ---- */

static void startup_input(sl_pwconn_t *c);
static void auth_client_input(sl_pwconn_t *c);
static void backend_startup_input(sl_pwconn_t *c);
static void connect_failed(sl_pwconn_t *c, const char *why);

static void client_read(struct bufferevent *bev, void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->state == SL_PW_STARTUP)
        startup_input(c);
    else if (c->state == SL_PW_READY)
        sl__pw_client_input(c);
    else if (c->state == SL_PW_CONNECTING)
        auth_client_input(c);
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
    else if (c->state == SL_PW_CONNECTING)
        backend_startup_input(c);
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
    if (c->state == SL_PW_CONNECTING) {
        unsigned long e = bufferevent_get_openssl_error(bev);
        char why[300] = "server closed the connection unexpectedly";
        if (e)
            snprintf(why, sizeof(why), "SSL error: %s", ERR_reason_error_string(e));
        connect_failed(c, why);
        return;
    }
    sl_error_t err;
    sl_error_clear(&err);
    sl_error_set(&err, SL_ERRCODE_CONNECTION_FAILURE, 0,
                 "terminating connection because the backing PostgreSQL closed it");
    sl__pw_fatal(c, &err);
}

/* ---- the backing PostgreSQL ---- */

/*
 * A client session's backend connection is made by hand, not by libpq, so
 * that the authentication exchange can be relayed: connect (non-blocking)
 * to --pg's host and port -> SSLRequest and an OpenSSL client handshake
 * when --pg names an sslmode that asks for TLS -> a StartupMessage with the
 * client's user, database and settings -> the backend's authentication
 * requests go to the client and the client's PasswordMessage / SASL
 * messages to the backend (AuthenticationSASL offers SCRAM-SHA-256 only:
 * channel binding cannot cross a relay) -> AuthenticationOk,
 * ParameterStatus, BackendKeyData (our own key), ReadyForQuery -> READY.
 * An ErrorResponse on the way reaches the client as PostgreSQL sent it.
 */

#define DEFAULT_SOCKET_DIR "/var/run/postgresql"   /* Debian's libpq default */
#define AUTH_MESSAGE_MAX 65535                     /* PG_MAX_AUTH_TOKEN_LENGTH */

static int connect_timeout_ms(const sl_pwconn_t *c)
{
    int ms = c->pw->srv->cfg.pg_timeout_ms;
    return ms > 0 ? ms : 10000;
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

/* The value of keyword kw in --pg, else libpq's default (environment
 * variables included); NULL when neither has one. */
static const char *option_value(PQconninfoOption *parsed, PQconninfoOption *defs,
                                const char *kw)
{
    for (PQconninfoOption *o = parsed; o && o->keyword; o++)
        if (strcmp(o->keyword, kw) == 0 && o->val && o->val[0])
            return o->val;
    for (PQconninfoOption *o = defs; o && o->keyword; o++)
        if (strcmp(o->keyword, kw) == 0 && o->val && o->val[0])
            return o->val;
    return NULL;
}

/* The elements of a comma-separated list (host, hostaddr, port) copied
 * into a, an empty one NULL; *n gets their count (0 for NULL). */
static const char **split_list(sl_arena_t *a, const char *list, int *n)
{
    *n = 0;
    if (list == NULL)
        return NULL;
    int k = 1;
    for (const char *p = list; *p; p++)
        k += *p == ',';
    const char **out = sl_alloc0(a, sizeof(char *) * (size_t)k);
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        out[*n] = len ? sl_strndup(a, p, len) : NULL;
        (*n)++;
        p += len;
        if (*p == '\0')
            break;
    }
    return out;
}

/* Element i of a list of n (one element applies to every host). */
static const char *nth(const char **list, int n, int i)
{
    return n == 0 ? NULL : list[n == 1 ? 0 : (i < n ? i : n - 1)];
}

/* Fills pw->be from --pg (srv->pg_conninfo) as libpq would read it: its
 * first host, environment defaults, sslmode only when given (else plain). */
static void target_parse(sl_pgwire_t *pw)
{
    const char *conninfo = pw->srv->pg_conninfo ? pw->srv->pg_conninfo : "";
    PQconninfoOption *defs = PQconndefaults();
    PQconninfoOption *parsed = PQconninfoParse(conninfo, NULL);
    sl_arena_t *a = pw->arena;
    const char *v;
    int nh, na, np;
    const char **hosts = split_list(a, option_value(parsed, defs, "host"), &nh);
    const char **addrs = split_list(a, option_value(parsed, defs, "hostaddr"), &na);
    const char **ports = split_list(a, option_value(parsed, defs, "port"), &np);
    /* libpq: hostaddr, when given, has one entry per host (or stands
     * alone); port one for all or one per host (else sluiced's own
     * connection would not have started). */
    int n = nh > na ? nh : na;
    if (n == 0)
        n = 1;
    pw->be.nhosts = n;
    pw->be.host = sl_alloc0(a, sizeof(char *) * (size_t)n);
    pw->be.hostaddr = sl_alloc0(a, sizeof(char *) * (size_t)n);
    pw->be.port = sl_alloc0(a, sizeof(char *) * (size_t)n);
    for (int i = 0; i < n; i++) {
        pw->be.host[i] = i < nh ? hosts[i] : NULL;
        pw->be.hostaddr[i] = i < na ? addrs[i] : NULL;
        pw->be.port[i] = nth(ports, np, i) ? nth(ports, np, i) : "5432";
    }
    if ((v = option_value(parsed, defs, "options")))
        pw->be.options = sl_strdup(a, v);
    if (getenv("PGSSLMODE") || option_value(parsed, NULL, "sslmode"))
        pw->be.sslmode = sl_strdup(a, option_value(parsed, defs, "sslmode"));
    if ((v = option_value(parsed, defs, "sslrootcert")))
        pw->be.sslrootcert = sl_strdup(a, v);
    if ((v = option_value(parsed, NULL, "sslcert")))
        pw->be.sslcert = sl_strdup(a, v);
    if ((v = option_value(parsed, NULL, "sslkey")))
        pw->be.sslkey = sl_strdup(a, v);
    v = option_value(parsed, defs, "dbname");
    if (v == NULL)
        v = option_value(parsed, defs, "user");
    pw->be.dbname = v ? sl_strdup(a, v) : NULL;
    if (parsed)
        PQconninfoFree(parsed);
    if (defs)
        PQconninfoFree(defs);
}

static bool unix_host(const char *h)
{
    return h == NULL || h[0] == '/' || h[0] == '@';
}

/* sslmode asks for TLS (prefer falls back to plain on 'N'); never over a
 * unix socket, as in libpq. */
static bool on_socket(const sl_pwconn_t *c)
{
    return unix_host(c->pw->be.host[c->ihost]) && c->pw->be.hostaddr[c->ihost] == NULL;
}

static bool wants_tls(const sl_pwconn_t *c)
{
    const char *m = c->pw->be.sslmode;
    return m && !on_socket(c) && strcmp(m, "disable") != 0 && strcmp(m, "allow") != 0;
}

static bool requires_tls(const sl_pwconn_t *c)
{
    return wants_tls(c) && strcmp(c->pw->be.sslmode, "prefer") != 0;
}

static void try_connect(sl_pwconn_t *c);

/* The addresses of a lookup into c->addrs. */
static void take_addrs(sl_pwconn_t *c, struct evutil_addrinfo *res)
{
    int n = 0;
    for (struct evutil_addrinfo *ai = res; ai; ai = ai->ai_next)
        n++;
    c->addrs = sl_alloc0(c->arena, sizeof(struct sockaddr_storage) * (size_t)n);
    c->addrlens = sl_alloc0(c->arena, sizeof(socklen_t) * (size_t)n);
    c->naddrs = 0;
    c->iaddr = 0;
    for (struct evutil_addrinfo *ai = res; ai; ai = ai->ai_next, c->naddrs++) {
        memcpy(&c->addrs[c->naddrs], ai->ai_addr, ai->ai_addrlen);
        c->addrlens[c->naddrs] = (socklen_t)ai->ai_addrlen;
    }
}

/* Host ihost failed (why): the next one of --pg, as libpq tries them, or
 * FATAL to the client after the last. */
static void host_failed(sl_pwconn_t *c, const char *why);

static void on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
    sl_pwconn_t *c = arg;
    c->dns_req = NULL;
    if (result == EVUTIL_EAI_CANCEL)
        return;                 /* the connection is going away */
    if (c->state != SL_PW_CONNECTING) {
        if (result == 0)
            evutil_freeaddrinfo(res);
        return;                 /* closing meanwhile */
    }
    sl_pgwire_t *pw = c->pw;
    const char *host = pw->be.host[c->ihost], *addr = pw->be.hostaddr[c->ihost];
    if (result != 0) {
        char why[300];
        snprintf(why, sizeof(why), "could not translate host name \"%s\" to address: %s",
                 addr ? addr : host, evutil_gai_strerror(result));
        host_failed(c, why);
        return;
    }
    take_addrs(c, res);
    evutil_freeaddrinfo(res);
    try_connect(c);
}

/*
 * Looks host ihost of --pg up, then connects (try_connect).  A socket
 * folder, an address or a name in /etc/hosts is answered at once; other
 * names go to DNS without blocking the loop (evdns), the lookup cancelled
 * if the client leaves first.
 */
static void resolve(sl_pwconn_t *c)
{
    sl_pgwire_t *pw = c->pw;
    const char *host = pw->be.host[c->ihost], *port = pw->be.port[c->ihost];
    const char *hostaddr = pw->be.hostaddr[c->ihost];
    if (on_socket(c)) {
        const char *dir = host ? host : DEFAULT_SOCKET_DIR;
        struct sockaddr_un *un = sl_alloc0(c->arena, sizeof(struct sockaddr_storage));
        un->sun_family = AF_UNIX;
        int n = snprintf(un->sun_path, sizeof(un->sun_path), "%s/.s.PGSQL.%s", dir, port);
        if (n < 0 || (size_t)n >= sizeof(un->sun_path)) {
            host_failed(c, "unix socket path is too long");
            return;
        }
        if (dir[0] == '@')
            un->sun_path[0] = 0;    /* abstract namespace */
        c->addrs = (struct sockaddr_storage *)un;
        c->addrlens = sl_alloc(c->arena, sizeof(socklen_t));
        c->addrlens[0] = dir[0] == '@' ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)
                                       : (socklen_t)sizeof(*un);
        c->naddrs = 1;
        c->iaddr = 0;
        try_connect(c);
        return;
    }
    struct evutil_addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (hostaddr)
        hints.ai_flags = EVUTIL_AI_NUMERICHOST;
    const char *name = hostaddr ? hostaddr : host;
    if (pw->be.dns == NULL) {
        /* no resolver (no resolv.conf): the system's, blocking */
        struct evutil_addrinfo *res = NULL;
        int rc = evutil_getaddrinfo(name, port, &hints, &res);
        on_resolved(rc, rc == 0 ? res : NULL, c);
        return;
    }
    c->dns_req = evdns_getaddrinfo(pw->be.dns, name, port, &hints, on_resolved, c);
}

static void on_backend_io(evutil_socket_t fd, short what, void *arg);

/* Waits for what on c->be_fd (0: a pure timer) with pg_timeout. */
static void arm_poll(sl_pwconn_t *c, short what)
{
    if (c->poll_ev)
        event_free(c->poll_ev);
    c->poll_ev = what ? event_new(c->pw->srv->base, c->be_fd, what, on_backend_io, c)
                      : evtimer_new(c->pw->srv->base, on_backend_io, c);
    int ms = connect_timeout_ms(c);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(c->poll_ev, &tv);
}

/* "connection to server at ..." (or "on socket ...") failed: why. */
static void address_failed(sl_pwconn_t *c, const char *why)
{
    sl_pgwire_t *pw = c->pw;
    char msg[600];
    const char *bhost = pw->be.host[c->ihost], *bport = pw->be.port[c->ihost];
    if (c->addrs[0].ss_family == AF_UNIX) {
        snprintf(msg, sizeof(msg), "connection to server on socket \"%s/.s.PGSQL.%s\" failed: %s",
                 bhost ? bhost : DEFAULT_SOCKET_DIR, bport, why);
    } else {
        char addr[64] = "?";
        const struct sockaddr_storage *ss = &c->addrs[c->iaddr < c->naddrs ? c->iaddr : 0];
        if (ss->ss_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, addr, sizeof(addr));
        else if (ss->ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, addr, sizeof(addr));
        const char *host = bhost && !unix_host(bhost) ? bhost : addr;
        if (strcmp(host, addr) == 0)
            snprintf(msg, sizeof(msg), "connection to server at \"%s\", port %s failed: %s",
                     host, bport, why);
        else
            snprintf(msg, sizeof(msg), "connection to server at \"%s\" (%s), port %s failed: %s",
                     host, addr, bport, why);
    }
    host_failed(c, msg);
}

static void host_failed(sl_pwconn_t *c, const char *why)
{
    if (c->ihost + 1 < c->pw->be.nhosts) {
        if (c->be_fd >= 0) {
            evutil_closesocket(c->be_fd);
            c->be_fd = -1;
        }
        c->ihost++;
        c->naddrs = c->iaddr = 0;
        resolve(c);
        return;
    }
    connect_failed(c, why);
}

/* Connects to the next address; on failure of the last, the next host. */
static void try_connect(sl_pwconn_t *c)
{
    int e = 0;
    for (; c->iaddr < c->naddrs; c->iaddr++) {
        if (c->be_fd >= 0) {
            evutil_closesocket(c->be_fd);
            c->be_fd = -1;
        }
        const struct sockaddr_storage *ss = &c->addrs[c->iaddr];
        c->be_fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->be_fd < 0) {
            e = errno;
            continue;
        }
        if (ss->ss_family != AF_UNIX) {
            int one = 1;
            setsockopt(c->be_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        if (connect(c->be_fd, (const struct sockaddr *)ss, c->addrlens[c->iaddr]) == 0 ||
            errno == EINPROGRESS || errno == EAGAIN) {
            c->be_phase = 'c';
            arm_poll(c, EV_WRITE);
            return;
        }
        e = errno;
    }
    c->iaddr = c->naddrs - 1;
    address_failed(c, strerror(e));
}

static void backend_read(struct bufferevent *bev, void *arg);
static void backend_write(struct bufferevent *bev, void *arg);
static void backend_event(struct bufferevent *bev, short what, void *arg);
static void auth_client_input(sl_pwconn_t *c);

/* Makes the client side of a TLS session to the backend; NULL after a
 * FATAL to the client. */
static SSL *tls_client(sl_pwconn_t *c)
{
    sl_pgwire_t *pw = c->pw;
    const char *mode = pw->be.sslmode;
    bool verify = strncmp(mode, "verify-", 7) == 0;
    if (pw->be.ssl_ctx == NULL) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        if (ctx == NULL) {
            connect_failed(c, "could not create SSL context");
            return NULL;
        }
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (verify) {
            char path[4096];
            const char *root = pw->be.sslrootcert;
            if (root == NULL && getenv("HOME")) {
                snprintf(path, sizeof(path), "%s/.postgresql/root.crt", getenv("HOME"));
                root = path;
            }
            if (root == NULL || SSL_CTX_load_verify_locations(ctx, root, NULL) != 1) {
                SSL_CTX_free(ctx);
                char why[4200];
                snprintf(why, sizeof(why), "could not read root certificate file \"%s\"",
                         root ? root : "~/.postgresql/root.crt");
                connect_failed(c, why);
                return NULL;
            }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        }
        pw->be.ssl_ctx = ctx;
    }
    SSL *ssl = SSL_new(pw->be.ssl_ctx);
    if (ssl == NULL) {
        connect_failed(c, "could not create SSL session");
        return NULL;
    }
    const char *host = pw->be.host[c->ihost];
    bool numeric = false;
    if (host) {
        unsigned char tmp[sizeof(struct in6_addr)];
        numeric = inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
    }
    if (host && !unix_host(host) && !numeric)
        SSL_set_tlsext_host_name(ssl, host);
    if (strcmp(mode, "verify-full") == 0 && host && !unix_host(host))
        SSL_set1_host(ssl, host);
    if (pw->be.sslcert &&
        (SSL_use_certificate_chain_file(ssl, pw->be.sslcert) != 1 ||
         SSL_use_PrivateKey_file(ssl, pw->be.sslkey ? pw->be.sslkey : pw->be.sslcert,
                                 SSL_FILETYPE_PEM) != 1)) {
        SSL_free(ssl);
        connect_failed(c, "could not load the client certificate or key (sslcert, sslkey)");
        return NULL;
    }
    return ssl;
}

/* The socket is connected (and its SSLRequest answered): puts it under a
 * bufferevent (TLS when tls), queues the StartupMessage and any password
 * message the client already sent, and waits for the backend's answer. */
static void start_session(sl_pwconn_t *c, bool tls)
{
    SSL *ssl = NULL;
    if (tls && (ssl = tls_client(c)) == NULL)
        return;
    struct event_base *base = c->pw->srv->base;
    c->backend = ssl ? bufferevent_openssl_socket_new(base, c->be_fd, ssl,
                                                      BUFFEREVENT_SSL_CONNECTING,
                                                      BEV_OPT_CLOSE_ON_FREE)
                     : bufferevent_socket_new(base, c->be_fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->backend == NULL) {
        if (ssl)
            SSL_free(ssl);
        connect_failed(c, "out of memory");
        return;
    }
    c->be_phase = 'a';
    bufferevent_setcb(c->backend, backend_read, backend_write, backend_event, c);
    bufferevent_setwatermark(c->backend, EV_WRITE, SL_PW_LOW_WATER, 0);
    bufferevent_enable(c->backend, EV_READ | EV_WRITE);
    sl__pw_send_backend(c, &c->startup);
    arm_poll(c, 0);
}

/* Readiness of the raw backend socket (connect, SSLRequest answer), or
 * pg_timeout expired before the backend first answered. */
static void on_backend_io(evutil_socket_t fd, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    if (what & EV_TIMEOUT) {
        if (c->be_phase == 'a')
            connect_failed(c, "timeout expired");
        else
            address_failed(c, "timeout expired");
        return;
    }
    if (c->be_phase == 'c') {
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (soerr != 0) {
            if (c->iaddr + 1 < c->naddrs) {
                c->iaddr++;
                try_connect(c);
            } else {
                address_failed(c, strerror(soerr));
            }
            return;
        }
        if (!wants_tls(c)) {
            start_session(c, false);
            return;
        }
        unsigned char req[8];
        put_be32(req, 8);
        put_be32(req + 4, SL_PKT_SSL_REQUEST);
        if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
            address_failed(c, strerror(errno));
            return;
        }
        c->be_phase = 's';
        arm_poll(c, EV_READ);
        return;
    }
    /* 's': one byte answers the SSLRequest */
    char b;
    ssize_t n = recv(fd, &b, 1, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        arm_poll(c, EV_READ);
        return;
    }
    if (n <= 0) {
        connect_failed(c, "server closed the connection unexpectedly");
    } else if (b == 'S') {
        start_session(c, true);
    } else if (b == 'N') {
        if (requires_tls(c))
            connect_failed(c, "server does not support SSL, but SSL was required");
        else
            start_session(c, false);
    } else {
        connect_failed(c, "received invalid response to SSL negotiation");
    }
}

/* Appends the body of an AuthenticationSASL message (after the code) to p
 * without the mechanisms that need channel binding (-PLUS). */
static void sasl_without_plus(sl_pkt_t *p, const char *body, size_t len)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, body, len);
    sl_pkt_begin(p, 'R');
    sl_pkt_put_int32(p, sl_pkt_get_int32(&r));
    for (;;) {
        const char *m = sl_pkt_get_string(&r);
        if (m == NULL || m[0] == 0)
            break;
        size_t n = strlen(m);
        if (n >= 5 && strcmp(m + n - 5, "-PLUS") == 0)
            continue;
        sl_pkt_put_string(p, m);
    }
    sl_pkt_put_byte(p, 0);
    sl_pkt_finish(p);
}

/*
 * The backend's messages until ReadyForQuery: authentication requests go
 * to the client (auth_wait: the client's answer is owed), ParameterStatus
 * and notices are relayed, BackendKeyData is kept and our own sent, an
 * ErrorResponse is relayed and ends the connection.  c may be CLOSING
 * after the call (still alive).
 */
static void backend_startup_messages(sl_pwconn_t *c, sl_pkt_t *p)
{
    struct evbuffer *in = bufferevent_get_input(c->backend);
    while (c->state == SL_PW_CONNECTING) {
        unsigned char head[5];
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            return;
        evbuffer_copyout(in, head, avail < 5 ? avail : 5);
        int rc = sl_pkt_read_header(head, avail, false, AUTH_MESSAGE_MAX, &h, &err);
        if (rc == SL_AGAIN)
            return;
        if (rc != SL_OK) {
            sl__pw_send_client(c, p);
            connect_failed(c, "invalid message length during authentication");
            return;
        }
        if (c->poll_ev) {
            event_free(c->poll_ev);   /* the backend answers: no pg_timeout now */
            c->poll_ev = NULL;
        }
        char *body = sl_alloc(c->qarena, h.size - 5 + 1);
        evbuffer_drain(in, 5);
        evbuffer_remove(in, body, h.size - 5);
        size_t blen = h.size - 5;
        sl_pkt_reader_t r;
        sl_pkt_reader_init(&r, body, blen);
        switch (h.type) {
        case 'R': {
            int32_t code = sl_pkt_get_int32(&r);
            if (code == 10) {
                sasl_without_plus(p, body, blen);
            } else {
                sl_pkt_begin(p, 'R');
                sl_pkt_put_bytes(p, body, blen);
                sl_pkt_finish(p);
            }
            /* cleartext, md5, GSS, GSS continue, SSPI, SASL, SASL continue */
            c->auth_wait = code == 3 || code == 5 || code == 7 || code == 8 || code == 9 ||
                           code == 10 || code == 11;
            if (code != 0)
                c->challenged = true;   /* its backend is never kept */
            break;
        }
        case 'K':
            c->be_pid = sl_pkt_get_int32(&r);
            c->be_key = sl_pkt_get_int32(&r);
            c->pid = c->be_pid;
            evutil_secure_rng_get_bytes(&c->key, sizeof(c->key));
            sl_pkt_backend_key_data(p, c->pid, c->key);
            break;
        case 'v':
            break;    /* we asked for 3.0 and no options: nothing to tell */
        case 'S': case 'N': case 'E': case 'Z':
            if (h.type == 'S') {
                sl__pw_enc_param(c, body, blen);
                sl__pw_param_note(c, body, blen);
            }
            sl_pkt_begin(p, h.type);
            sl_pkt_put_bytes(p, body, blen);
            sl_pkt_finish(p);
            break;
        default:
            sl__pw_send_client(c, p);
            connect_failed(c, "unexpected message from the server during authentication");
            return;
        }
        if (h.type == 'E' || h.type == 'Z' || c->auth_wait || p->buf.len > SL_PW_LOW_WATER)
            sl__pw_send_client(c, p);   /* before what follows them */
        if (h.type == 'E') {
            c->fatal_relayed = true;
            sl__pw_close(c);
            return;
        }
        if (h.type == 'Z') {
            c->txn_status = blen > 0 ? body[0] : 'I';
            c->state = SL_PW_READY;
            c->was_ready = true;
            event_del(c->startup_ev);
            sl__pw_client_input(c);   /* anything the client sent meanwhile */
            if (c->state == SL_PW_READY && evbuffer_get_length(in) > 0)
                sl__pw_backend_input(c);
            return;
        }
        if (c->auth_wait)
            auth_client_input(c);
    }
}

static void backend_startup_input(sl_pwconn_t *c)
{
    sl_pkt_t p = SL_PKT_INIT;   /* what goes to the client, sent in one go */
    backend_startup_messages(c, &p);
    sl__pw_send_client(c, &p);
    sl_pkt_free(&p);
}

/*
 * The client's answer to an authentication request (PasswordMessage,
 * SASLInitialResponse, SASLResponse: all 'p') goes to the backend as is;
 * anything else is FATAL 08P01 as in PostgreSQL.  Other messages wait in
 * the client's input until READY (not read past SL_PW_HIGH_WATER).
 */
static void auth_client_input(sl_pwconn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->client);
    while (c->state == SL_PW_CONNECTING && c->auth_wait && c->backend) {
        unsigned char head[5];
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            break;
        evbuffer_copyout(in, head, avail < 5 ? avail : 5);
        if (head[0] != 'p') {
            sl_error_set(&err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                         "expected password response, got message type %d", head[0]);
            sl__pw_fatal(c, &err);
            return;
        }
        int rc = sl_pkt_read_header(head, avail, false, AUTH_MESSAGE_MAX, &h, &err);
        if (rc == SL_AGAIN)
            break;
        if (rc != SL_OK) {
            sl__pw_fatal(c, &err);
            return;
        }
        evbuffer_remove_buffer(in, bufferevent_get_output(c->backend), h.size);
        sl__pw_queued(c->backend);
        c->auth_wait = false;
    }
    if (c->state == SL_PW_CONNECTING && evbuffer_get_length(in) > SL_PW_HIGH_WATER) {
        /* Messages stay buffered until READY, but not without bound:
         * sl__pw_flow reads on once READY. */
        bufferevent_disable(c->client, EV_READ);
        c->client_paused = true;
    }
}

static int session_limit(const sl_pgwire_t *pw);

/* c opens a backend connection of its own. */
static void connect_new(sl_pwconn_t *c)
{
    sl_pgwire_t *pw = c->pw;
    /* kept backends count against the PostgreSQL connections it leaves */
    int limit = session_limit(pw);
    if (limit > 0 && pw->nidle > 0 && pw->nsessions + pw->nidle > limit)
        sl__pw_pool_evict(pw);
    resolve(c);
}

/*
 * c was given a kept backend connection (pgwire_pool.c): the client is
 * greeted as PostgreSQL would (AuthenticationOk, the backend's
 * ParameterStatus values, our own BackendKeyData, ReadyForQuery) and the
 * session is READY at once.
 */
static void resume_kept(sl_pwconn_t *c)
{
    bufferevent_setcb(c->backend, backend_read, backend_write, backend_event, c);
    bufferevent_setwatermark(c->backend, EV_WRITE, SL_PW_LOW_WATER, 0);
    bufferevent_enable(c->backend, EV_READ);   /* writing: sl__pw_write */
    sl_pkt_t p = SL_PKT_INIT;
    sl_pkt_auth_ok(&p);
    for (size_t at = 0; at < c->params.len;) {
        const char *name = c->params.data + at, *value = name + strlen(name) + 1;
        size_t next = (size_t)(value + strlen(value) + 1 - c->params.data);
        sl__pw_enc_param(c, name, next - at);
        sl_pkt_parameter_status(&p, name, value);
        at = next;
    }
    c->pid = c->be_pid;
    evutil_secure_rng_get_bytes(&c->key, sizeof(c->key));
    sl_pkt_backend_key_data(&p, c->pid, c->key);
    sl_pkt_ready_for_query(&p, 'I');
    sl__pw_send_client(c, &p);
    sl_pkt_free(&p);
    c->txn_status = 'I';
    c->state = SL_PW_READY;
    c->was_ready = true;
    event_del(c->startup_ev);
    sl__pw_client_input(c);   /* anything the client sent meanwhile */
}

/*
 * Starts connecting the client's session to the backing PostgreSQL as the
 * user and database of its StartupMessage, with its other parameters
 * (application_name, client_encoding, settings) and --pg's options put
 * before the client's own.
 */
static void backend_connect(sl_pwconn_t *c, const sl_pkt_startup_t *su)
{
    sl_pgwire_t *pw = c->pw;
    const char *user = sl_pkt_startup_param(su, "user");
    const char *db = sl_pkt_startup_param(su, "database");
    /* until the backend's greeting reports what it took */
    int enc = sl_enc_lookup(sl_pkt_startup_param(su, "client_encoding"));
    if (enc >= 0)
        sl_enc_set(&c->enc, enc);
    c->database = sl_strdup(c->arena, db && db[0] ? db : user ? user : "");
    c->user = sl_strdup(c->arena, user ? user : "");

    sl_buf_t opts = SL_BUF_INIT;
    if (pw->be.options)
        sl_buf_puts(&opts, pw->be.options);
    sl_pkt_t *p = &c->startup;
    sl_pkt_begin(p, 0);
    sl_pkt_put_int32(p, (int32_t)SL_PKT_PROTOCOL_3_0);
    for (int i = 0; i < su->nparams; i++) {
        const char *name = su->names[i], *v = su->values[i];
        if (strcmp(name, "options") == 0) {
            if (v[0])
                sl_buf_printf(&opts, "%s%s", opts.len ? " " : "", v);
        } else if (strcmp(name, "replication") != 0 && strncmp(name, "_pq_.", 5) != 0) {
            sl_pkt_put_string(p, name);
            sl_pkt_put_string(p, v);
        }
    }
    if (opts.len) {
        sl_pkt_put_string(p, "options");
        sl_pkt_put_string(p, sl_buf_cstr(&opts));
    }
    sl_buf_free(&opts);
    sl_pkt_put_byte(p, 0);
    sl_pkt_finish(p);
    char *key = sl_alloc(c->arena, p->buf.len);
    memcpy(key, p->buf.data, p->buf.len);
    c->pool_key = key;
    c->pool_key_len = p->buf.len;

    c->state = SL_PW_CONNECTING;
    int kept = sl__pw_pool_take(c);
    if (kept == SL_PW_KEPT_TAKEN)
        resume_kept(c);
    else if (kept == SL_PW_KEPT_NONE)
        connect_new(c);
}

void sl__pw_kept_ready(sl_pwconn_t *c, bool ok)
{
    if (c->state != SL_PW_CONNECTING)
        return;
    if (ok)
        resume_kept(c);
    else
        connect_new(c);
}

int sl__pw_command_prepare(sl_pwconn_t *c, const sl_stmt_t *st, sl_arena_t *a,
                           sl_command_t *cmd, sl_error_t *err)
{
    const char *home = c->pw->be.dbname;
    if (home && c->database && strcmp(c->database, home) != 0) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                     "Sluice statements cannot run in database \"%s\"", c->database);
        sl_error_hint(err, "Connect to database \"%s\", the one sluiced manages.", home);
        return SL_ERR;
    }
    if (sl_command_prepare(c->pw->srv, &c->txn, st, a, cmd, err) != SL_OK)
        return SL_ERR;
    if (sl__pw_enc_command(c, cmd, a, err) != SL_OK) {
        if (cmd->done)
            cmd->done(cmd->arg, SL_DDL_FAILED);   /* never sent */
        cmd->done = NULL;
        return SL_ERR;
    }
    return SL_OK;
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

/* Starts sending a CancelRequest for x's backend; returns at once. */
static void cancel_send(sl_pgwire_t *pw, sl_pwconn_t *x)
{
    if (pw->ncancels >= SL_PW_MAX_CANCELS) {
        sl_log_warning("pgwire: cancel request dropped: %d already in flight", pw->ncancels);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    if (getpeername(x->be_fd, (struct sockaddr *)&ss, &sslen) != 0) {
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
    put_be32(k->pkt + 8, (uint32_t)x->be_pid);
    put_be32(k->pkt + 12, (uint32_t)x->be_key);
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
        if (x->state == SL_PW_READY && x->be_fd >= 0 && x->pid == pid && x->key == key) {
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
        sl__pw_write(sock, "N", 1);
        return;
    }
    sl__pw_write(sock, "S", 1);     /* the filter enables sock's writing */
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
            sl__pw_write(c->client, "N", 1);
            continue;
        case SL_PKT_GSSENC_REQUEST:
            sl__pw_write(c->client, "N", 1);
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
    c->be_fd = -1;
    sl__pw_enc_init(c);
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    evutil_make_socket_nonblocking(fd);
    c->client = bufferevent_socket_new(pw->srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->client, client_read, client_write, client_event, c);
    bufferevent_setwatermark(c->client, EV_WRITE, SL_PW_LOW_WATER, 0);
    bufferevent_enable(c->client, EV_READ);    /* writing: sl__pw_write */
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
    target_parse(pw);
    pw->be.dns = evdns_base_new(srv->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                               EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    *out = pw;
    return SL_OK;
}

int sl_pgwire_port(const sl_pgwire_t *pw)
{
    return pw->port;
}

void sl_pgwire_stop_accepting(sl_pgwire_t *pw)
{
    if (pw == NULL)
        return;
    sl__pw_pool_stop(pw);
    sl_accept_pause_stop(&pw->accept_pause);
    evconnlistener_disable(pw->listener);
}

void sl_pgwire_stop(sl_pgwire_t *pw)
{
    if (pw == NULL)
        return;
    sl__pw_pool_stop(pw);
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
    if (pw->be.ssl_ctx)
        SSL_CTX_free(pw->be.ssl_ctx);
    if (pw->be.dns)
        evdns_base_free(pw->be.dns, 0);
    sl_arena_free(pw->arena);
}
