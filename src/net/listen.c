/* listen.c: TCP listening sockets for the front ends; see listen.h. */
#include "net/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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
