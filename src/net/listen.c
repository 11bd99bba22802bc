/* listen.c: TCP listening sockets for the front ends; see listen.h. */
#include "net/listen.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct evconnlistener *sl_listen_tcp(struct event_base *base, const char *addr, int port,
                                     evconnlistener_cb cb, void *arg, int *bound_port,
                                     sl_error_t *err)
{
    struct evutil_addrinfo hints, *ai = NULL;
    char portstr[16];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    snprintf(portstr, sizeof(portstr), "%d", port);
    int gai = evutil_getaddrinfo(addr, portstr, &hints, &ai);
    if (gai != 0 || ai == NULL) {
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, 0,
                     "could not resolve listen address \"%s\": %s", addr,
                     evutil_gai_strerror(gai));
        return NULL;
    }
    /* SOMAXCONN is 4096 on current Linux; the kernel caps it at somaxconn. */
    struct evconnlistener *l = evconnlistener_new_bind(
        base, cb, arg, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        SOMAXCONN > 4096 ? SOMAXCONN : 4096, ai->ai_addr, (int)ai->ai_addrlen);
    int e = errno;
    evutil_freeaddrinfo(ai);
    if (l == NULL) {
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, 0, "could not bind %s:%d: %s", addr,
                     port, strerror(e));
        return NULL;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    *bound_port = port;
    if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sslen) == 0) {
        if (ss.ss_family == AF_INET)
            *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return l;
}

/* ---- pausing after accept errors ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_pause_end(evutil_socket_t fd, short what, void *arg)
{
    sl_accept_pause_t *p = arg;
    evconnlistener_enable(p->l);
}

void sl_accept_pause_init(sl_accept_pause_t *p, struct event_base *base,
                          struct evconnlistener *l, const char *who)
{
    memset(p, 0, sizeof(*p));
    p->l = l;
    p->who = who;
    p->timer = evtimer_new(base, on_pause_end, p);
    if (p->timer == NULL)
        abort();
}

void sl_accept_pause_error(sl_accept_pause_t *p)
{
    int e = EVUTIL_SOCKET_ERROR();
    struct timeval tv = {0, SL_ACCEPT_PAUSE_MS * 1000};
    /* Whatever the error, accepting again at once would meet it again. */
    evconnlistener_disable(p->l);
    evtimer_add(p->timer, &tv);
    p->pauses++;
    p->failures++;
    int64_t now = mono_ms();
    if (p->last_log_ms == 0 || now - p->last_log_ms >= SL_ACCEPT_LOG_MS) {
        if (p->failures > 1)
            sl_log_warning("%s: could not accept new connection: %s (%llu times in the last "
                           "%d s); pausing %d ms each time",
                           p->who, evutil_socket_error_to_string(e),
                           (unsigned long long)p->failures, SL_ACCEPT_LOG_MS / 1000,
                           SL_ACCEPT_PAUSE_MS);
        else
            sl_log_warning("%s: could not accept new connection: %s; pausing %d ms",
                           p->who, evutil_socket_error_to_string(e), SL_ACCEPT_PAUSE_MS);
        p->last_log_ms = now;
        p->failures = 0;
    }
}

void sl_accept_pause_stop(sl_accept_pause_t *p)
{
    if (p->timer) {
        event_free(p->timer);
        p->timer = NULL;
    }
}
