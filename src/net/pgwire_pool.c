/*
 * pgwire_pool.c: backend connections kept for the next client (see
 * pgwire_int.h).  A kept connection (sl_pw_idle_t) owns its bufferevent;
 * its life:
 *
 *   session ends cleanly -> Query "DISCARD ALL" (resetting, pg_timeout)
 *     -> CommandComplete, ParameterStatus (values reset), ReadyForQuery 'I'
 *     -> idle (backend_idle_timeout) -> taken by a client with the same
 *        StartupMessage, or closed (Terminate) at its timeout, when the
 *        pool is full, at shutdown, or on anything else the backend says.
 *
 * Why only without a password: sluiced connects from its own address, so
 * PostgreSQL's pg_hba.conf judges every StartupMessage it sends the same
 * way; a backend that let one client in without a password would let in
 * the next client sending the same packet.  Where it asked for one, the
 * next client has to prove it again, which needs a new backend.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/pgwire_int.h"
#include "server/server.h"
#include "util/arena.h"

#define PARAM_MAX 4096          /* a longer ParameterStatus: never kept */

struct sl_pw_idle {
    sl_pw_idle_t *prev, *next;  /* pw->idle, oldest first */
    sl_pgwire_t *pw;
    struct bufferevent *bev;    /* plain socket, closed with it */
    struct event *timer;        /* reset, then idle, timeout */
    char *key;                  /* the StartupMessage it was opened with */
    size_t keylen;
    sl_buf_t params;            /* ParameterStatus values (name NUL value NUL) */
    int32_t be_pid, be_key;
    bool resetting;             /* DISCARD ALL not yet answered */
    sl_pwconn_t *waiter;        /* a client with the same StartupMessage
                                   that came meanwhile: it gets it next */
};

/* ---- ParameterStatus values ---- */

/* Sets name's value in b (name NUL value NUL ...), in place of the old. */
static void params_set(sl_buf_t *b, const char *name, const char *value)
{
    sl_buf_t out = SL_BUF_INIT;
    size_t at = 0;
    while (at < b->len) {
        const char *n = b->data + at, *v = n + strlen(n) + 1;
        size_t next = (size_t)(v + strlen(v) + 1 - b->data);
        if (strcmp(n, name) != 0)
            sl_buf_append(&out, n, next - at);
        at = next;
    }
    sl_buf_append(&out, name, strlen(name) + 1);
    sl_buf_append(&out, value, strlen(value) + 1);
    sl_buf_free(b);
    *b = out;
}

/* A ParameterStatus body (name NUL value NUL) into b; false if malformed
 * or too long to keep. */
static bool params_note(sl_buf_t *b, const char *body, size_t len)
{
    if (len > PARAM_MAX || len < 2 || body[len - 1] != 0)
        return false;
    const char *name = body, *end = memchr(body, 0, len);
    if (end == NULL || (size_t)(end - body) + 1 >= len)
        return false;
    const char *value = end + 1;
    if (memchr(value, 0, len - (size_t)(value - body)) != body + len - 1)
        return false;
    params_set(b, name, value);
    return true;
}

void sl__pw_param_note(sl_pwconn_t *c, const char *body, size_t len)
{
    if (!params_note(&c->params, body, len))
        c->params_bad = true;
}

void sl__pw_param_peek(sl_pwconn_t *c, struct evbuffer *in, size_t off, size_t len)
{
    if (len > PARAM_MAX) {
        c->params_bad = true;
        return;
    }
    char body[PARAM_MAX];
    struct evbuffer_ptr ptr;
    evbuffer_ptr_set(in, &ptr, off, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &ptr, body, len);
    sl__pw_param_note(c, body, len);
}

/* ---- the kept connections ---- */

static void idle_free(sl_pw_idle_t *e, bool terminate)
{
    sl_pgwire_t *pw = e->pw;
    sl_pwconn_t *waiter = e->waiter;
    if (e->prev)
        e->prev->next = e->next;
    else
        pw->idle = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        pw->idle_tail = e->prev;
    pw->nidle--;
    if (e->bev && terminate) {
        /* best effort: PostgreSQL logs no "unexpected EOF" then (over
         * TLS, a record on the non-blocking socket, then close_notify) */
        static const char x[5] = {'X', 0, 0, 0, 4};
        SSL *ssl = bufferevent_openssl_get_ssl(e->bev);
        if (ssl == NULL) {
            (void)!send(bufferevent_getfd(e->bev), x, sizeof(x), MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            if (evbuffer_get_length(bufferevent_get_output(e->bev)) == 0 &&
                SSL_write(ssl, x, sizeof(x)) == (int)sizeof(x))
                (void)SSL_shutdown(ssl);
            ERR_clear_error();
        }
    }
    event_free(e->timer);
    if (e->bev)
        bufferevent_free(e->bev);
    sl_buf_free(&e->params);
    free(e->key);
    free(e);
    if (waiter) {
        waiter->pool_wait = NULL;
        sl__pw_kept_ready(waiter, false);   /* it connects anew */
    }
}

/* Moves e's backend to c and frees e. */
static void hand_over(sl_pw_idle_t *e, sl_pwconn_t *c)
{
    c->backend = e->bev;
    c->be_fd = bufferevent_getfd(e->bev);
    c->be_pid = e->be_pid;
    c->be_key = e->be_key;
    sl_buf_free(&c->params);
    c->params = e->params;
    e->params = (sl_buf_t)SL_BUF_INIT;
    e->bev = NULL;                /* c's now */
    e->waiter = NULL;
    c->pool_wait = NULL;
    idle_free(e, false);
}

static void arm(sl_pw_idle_t *e, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(e->timer, &tv);
}

static void on_idle_timer(evutil_socket_t fd, short what, void *arg)
{
    sl_pw_idle_t *e = arg;
    if (e->resetting)
        sl_log_warning("pgwire: a kept backend connection (pid %d) did not answer DISCARD ALL "
                    "in time: closed", (int)e->be_pid);
    idle_free(e, true);
}

/* What a kept backend says: the answers to DISCARD ALL, then nothing; an
 * error, a notification or anything else closes it. */
static void idle_read(struct bufferevent *bev, void *arg)
{
    sl_pw_idle_t *e = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        unsigned char head[5];
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        if (avail < 5)
            return;
        evbuffer_copyout(in, head, 5);
        int rc = sl_pkt_read_header(head, avail, false, PARAM_MAX, &h, &err);
        if (rc == SL_AGAIN)
            return;
        bool ok = rc == SL_OK && e->resetting;
        if (ok && h.type == 'S') {
            char body[PARAM_MAX];
            evbuffer_drain(in, 5);
            evbuffer_remove(in, body, h.size - 5);
            ok = params_note(&e->params, body, h.size - 5);
        } else if (ok && (h.type == 'C' || h.type == 'N')) {
            evbuffer_drain(in, h.size);
        } else if (ok && h.type == 'Z' && h.size == 6) {
            char status[6];
            evbuffer_remove(in, status, 6);
            ok = status[5] == 'I' && evbuffer_get_length(in) == 0;
            if (ok && e->waiter && e->waiter->state != SL_PW_CONNECTING) {
                e->waiter->pool_wait = NULL;   /* it is closing */
                e->waiter = NULL;
            }
            if (ok && e->waiter) {
                sl_pwconn_t *c = e->waiter;
                hand_over(e, c);
                sl__pw_kept_ready(c, true);
                return;
            }
            if (ok) {
                e->resetting = false;
                arm(e, e->pw->srv->cfg.backend_idle_timeout_s * 1000);
                return;
            }
        } else {
            ok = false;
        }
        if (!ok) {
            if (h.type == 'E' || !e->resetting)
                sl_log_info("pgwire: a kept backend connection (pid %d) ended: closed",
                            (int)e->be_pid);
            idle_free(e, h.type != 'E');
            return;
        }
    }
}

static void idle_event(struct bufferevent *bev, short what, void *arg)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        idle_free(arg, false);
}

/* Whether c's session ended with its backend idle and nothing of it in
 * flight either way, on a connection PostgreSQL opened without a password. */
static bool poolable(const sl_pwconn_t *c)
{
    if (c->backend == NULL || !c->was_ready || c->challenged || c->params_bad ||
        c->fatal_relayed || c->terminating || c->pool_key == NULL)
        return false;
    if (c->txn_status != 'I' || c->pending_head != c->pending_len || c->unsynced != 0 || c->job ||
        c->copy_in || c->back_left || c->relay_left || c->nheld || c->flushwait)
        return false;
    if (evbuffer_get_length(bufferevent_get_input(c->backend)) != 0 ||
        evbuffer_get_length(bufferevent_get_output(c->backend)) != 0 ||
        (c->to_backend && evbuffer_get_length(c->to_backend) != 0))
        return false;
    return true;
}

bool sl__pw_pool_put(sl_pwconn_t *c)
{
    sl_pgwire_t *pw = c->pw;
    int size = pw->srv->cfg.backend_pool_size;
    if (size <= 0 || pw->stopping || !poolable(c))
        return false;
    while (pw->nidle >= size)
        idle_free(pw->idle, true);

    sl_pw_idle_t *e = sl_xmalloc(sizeof(*e));
    memset(e, 0, sizeof(*e));
    e->pw = pw;
    e->bev = c->backend;
    e->key = sl_xmalloc(c->pool_key_len);
    memcpy(e->key, c->pool_key, c->pool_key_len);
    e->keylen = c->pool_key_len;
    e->params = c->params;
    c->params = (sl_buf_t)SL_BUF_INIT;
    e->be_pid = c->be_pid;
    e->be_key = c->be_key;
    e->resetting = true;
    e->timer = evtimer_new(pw->srv->base, on_idle_timer, e);
    c->backend = NULL;
    c->be_fd = -1;
    if (c->backend_rev)
        event_del(c->backend_rev);   /* the relay's own reading (freed with c) */
    /* back to the bufferevent's own reading */
    evbuffer_unfreeze(bufferevent_get_input(e->bev), 0);
    bufferevent_setcb(e->bev, idle_read, NULL, idle_event, e);
    bufferevent_setwatermark(e->bev, EV_WRITE, 0, 0);
    bufferevent_enable(e->bev, EV_READ);       /* writing: sl__pw_write */

    e->prev = pw->idle_tail;
    if (pw->idle_tail)
        pw->idle_tail->next = e;
    else
        pw->idle = e;
    pw->idle_tail = e;
    pw->nidle++;

    sl_pkt_t p = SL_PKT_INIT;
    sl_pkt_query(&p, "DISCARD ALL");
    sl__pw_write(e->bev, p.buf.data, p.buf.len);
    sl_pkt_free(&p);
    arm(e, pw->srv->cfg.pg_timeout_ms > 0 ? pw->srv->cfg.pg_timeout_ms : 5000);
    return true;
}

int sl__pw_pool_take(sl_pwconn_t *c)
{
    sl_pgwire_t *pw = c->pw;
    sl_pw_idle_t *resetting = NULL;
    /* the most recently kept first: its caches are the warmest */
    for (sl_pw_idle_t *e = pw->idle_tail; e; e = e->prev) {
        if (e->keylen != c->pool_key_len || memcmp(e->key, c->pool_key, e->keylen) != 0)
            continue;
        if (!e->resetting) {
            hand_over(e, c);
            return SL_PW_KEPT_TAKEN;
        }
        if (e->waiter == NULL && resetting == NULL)
            resetting = e;
    }
    if (resetting == NULL)
        return SL_PW_KEPT_NONE;
    /* A client that reconnects at once finds its last backend still in
     * DISCARD ALL: it waits for that (pg_timeout at most) rather than
     * open another. */
    resetting->waiter = c;
    c->pool_wait = resetting;
    return SL_PW_KEPT_WAIT;
}

void sl__pw_pool_unwait(sl_pwconn_t *c)
{
    if (c->pool_wait) {
        c->pool_wait->waiter = NULL;
        c->pool_wait = NULL;
    }
}

void sl__pw_pool_evict(sl_pgwire_t *pw)
{
    if (pw->idle)
        idle_free(pw->idle, true);
}

void sl__pw_pool_stop(sl_pgwire_t *pw)
{
    pw->stopping = true;
    while (pw->idle)
        idle_free(pw->idle, true);
}
