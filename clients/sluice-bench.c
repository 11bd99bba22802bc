/*
 * sluice-bench.c: HTTP/1.1 keep-alive load generator for sluiced's ingest.
 *
 *   sluice-bench [-H host] [-p port] [--stream s] [-c connections]
 *                [-b body-bytes] [-d seconds | -n events] [--keys 1000]
 *
 * Each of -c connections POSTs NDJSON bodies of about -b bytes, lines
 * {"k":<0..keys-1>,"v":<random>} (every key, scattered; with --payload also
 * "payload":{"kind":"buy"|"view"|...,"u":<0..49>,"tags":[...]}, a jsonb
 * column's value), to /v1/streams/<stream>, one request in
 * flight per connection, until -d seconds have passed or -n events were
 * sent; then it waits for the answers still due.  sluiced answers a request
 * after the flush that commits it (every 100 ms by default), so throughput
 * is about connections * events-per-body / flush interval until sluiced
 * saturates: use hundreds of connections (the open-file limit is raised to
 * its hard maximum).  It counts 200 answers
 * and the events they acknowledged ({"accepted": N}), and prints events/s,
 * requests/s, MiB/s and errors; the machine-readable last line is
 *   RESULT events=E requests=R errors=X seconds=S events_per_s=.. requests_per_s=.. mib_per_s=..
 * With --ts-step-us N every line also carries "ts":"2026-01-01T...Z", the
 * event time of the events in the order they are sent, N us apart (a copy
 * of the body is stamped per request).
 * Bodies are built once (--variants of them) and sent by reference.  It only
 * talks to the address given (meant for loopback).  Exit status 0 when no
 * request failed, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE   /* memmem */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

typedef struct request {
    char *bytes;            /* headers + body, sent as one reference */
    size_t len;
    long events;
    size_t *ts_at;          /* --ts-step-us: where each line's timestamp is */
} request_t;

/* "2026-01-01T00:00:00.000000Z": the fixed-width timestamp of --ts-step-us */
#define TS_LEN 27

typedef struct conn {
    struct bench *b;
    struct bufferevent *bev;
    int id;
    bool busy;              /* a request is in flight */
    bool connected;
    long inflight_events;
    long content_length;    /* -1 while reading headers */
    int status;
} conn_t;

typedef struct bench {
    const char *host;
    int port;
    const char *stream;
    int nconns;
    long body_bytes;
    double seconds;         /* 0 = bounded by max_events */
    long max_events;        /* 0 = bounded by seconds */
    int keys;
    int variants;
    int payload;            /* --payload: a JSON object per event */
    int quiet;
    long ts_step_us;        /* > 0: lines carry "ts", in-order event time */
    long long ts_next;      /* event number of the next line sent */

    struct event_base *base;
    struct sockaddr_in addr;
    request_t *reqs;
    conn_t *conns;
    int next_req;
    double t_start, t_end, deadline;
    bool stopping;
    int open_conns;
    long sent_events;
    long requests_ok, events_acked, errors, bytes_sent;
    int errors_shown;
} bench_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: fast, deterministic per seed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Builds b->variants complete requests of about body_bytes each.  Line i
 * (counted across all bodies) has k = i * 2654435761 mod keys: every key
 * occurs, evenly and in a scattered order; more bodies are built (up to
 * 1024) when the bodies would hold fewer lines than keys. */
static void build_requests(bench_t *b)
{
    uint64_t line_no = 0;
    int cap_variants = b->variants;
    b->reqs = NULL;
    for (int i = 0; i < cap_variants; i++) {
        size_t cap = (size_t)b->body_bytes + 64;
        char *body = malloc(cap);
        size_t len = 0;
        long events = 0;
        for (;;) {
            static const char *const kinds[] = {"buy", "view", "cart", "search", "view"};
            char line[224];
            int n = snprintf(line, sizeof(line), "{\"k\":%d,\"v\":%d",
                             (int)((line_no * 2654435761ULL) % (uint64_t)b->keys),
                             (int)(rng() % 1000000));
            if (b->payload)
                n += snprintf(line + n, sizeof(line) - (size_t)n,
                              ",\"payload\":{\"kind\":\"%s\",\"u\":%d,\"tags\":[\"t%d\",\"x\"]}",
                              kinds[line_no % 5], (int)(rng() % 50), (int)(line_no % 7));
            n += snprintf(line + n, sizeof(line) - (size_t)n,
                          b->ts_step_us > 0 ? ",\"ts\":\"2026-01-01T00:00:00.000000Z\"}\n" : "}\n");
            if (len + (size_t)n > (size_t)b->body_bytes && events > 0)
                break;
            memcpy(body + len, line, (size_t)n);
            len += (size_t)n;
            events++;
            line_no++;
        }
        if (i == 0) {
            long need = (b->keys + events - 1) / events;
            if (need > cap_variants)
                cap_variants = need > 1024 ? 1024 : (int)need;
            b->reqs = calloc((size_t)cap_variants, sizeof(request_t));
        }
        char head[512];
        int hn = snprintf(head, sizeof(head),
                          "POST /v1/streams/%s HTTP/1.1\r\nHost: %s:%d\r\n"
                          "Content-Type: application/x-ndjson\r\nContent-Length: %zu\r\n\r\n",
                          b->stream, b->host, b->port, len);
        request_t *r = &b->reqs[i];
        if (b->ts_step_us > 0) {
            /* the offset of every line's timestamp, patched at each send */
            r->ts_at = malloc(sizeof(size_t) * (size_t)events);
            size_t at = 0;
            for (long e = 0; e < events; e++) {
                char *q = memmem(body + at, len - at, "\"ts\":\"", 6);
                r->ts_at[e] = (size_t)hn + (size_t)(q - body) + 6;
                at = (size_t)(q - body) + 6 + TS_LEN;
            }
        }
        r->len = (size_t)hn + len;
        r->bytes = malloc(r->len);
        memcpy(r->bytes, head, (size_t)hn);
        memcpy(r->bytes + hn, body, len);
        r->events = events;
        free(body);
    }
    b->variants = cap_variants;
}

static void conn_open(conn_t *c);
static void maybe_finish(bench_t *b);

static void free_copy(const void *data, size_t len, void *arg)
{
    (void)len; (void)arg;
    free((void *)data);
}

/* Writes the event times of the next r->events events (ts_step_us apart
 * from 2026-01-01 00:00:00 UTC) into the request copy out. */
static void stamp_times(bench_t *b, const request_t *r, char *out)
{
    static long long cached_sec = -1;
    static char cached[TS_LEN + 1];
    for (long e = 0; e < r->events; e++) {
        long long us = (b->ts_next++) * b->ts_step_us;
        long long sec = us / 1000000;
        if (sec != cached_sec) {
            time_t t = (time_t)(1767225600LL + sec);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
            cached_sec = sec;
        }
        char *p = out + r->ts_at[e];
        memcpy(p, cached, TS_LEN);
        long frac = (long)(us % 1000000);
        for (int d = 25; d >= 20; d--, frac /= 10)
            p[d] = (char)('0' + frac % 10);
    }
}

/* Sends the next request on c, unless the run is over. */
static void conn_send(conn_t *c)
{
    bench_t *b = c->b;
    if (!b->stopping && b->seconds > 0 && now_s() >= b->deadline)
        b->stopping = true;
    if (!b->stopping && b->max_events > 0 && b->sent_events >= b->max_events)
        b->stopping = true;
    if (b->stopping) {
        maybe_finish(b);
        return;
    }
    request_t *r = &b->reqs[b->next_req];
    b->next_req = (b->next_req + 1) % b->variants;
    if (b->ts_step_us > 0) {
        /* a copy with the next event times (the prebuilt body may still be
         * in flight on another connection) */
        char *copy = malloc(r->len);
        memcpy(copy, r->bytes, r->len);
        stamp_times(b, r, copy);
        evbuffer_add_reference(bufferevent_get_output(c->bev), copy, r->len, free_copy, NULL);
    } else {
        evbuffer_add_reference(bufferevent_get_output(c->bev), r->bytes, r->len, NULL, NULL);
    }
    c->busy = true;
    c->inflight_events = r->events;
    c->content_length = -1;
    c->status = 0;
    b->sent_events += r->events;
    b->bytes_sent += (long)r->len;
}

/* Ends the event loop once no request is in flight. */
static void maybe_finish(bench_t *b)
{
    if (!b->stopping)
        return;
    for (int i = 0; i < b->nconns; i++)
        if (b->conns[i].busy)
            return;
    if (b->t_end == 0)
        b->t_end = now_s();
    event_base_loopbreak(b->base);
}

static void conn_drop(conn_t *c, const char *why)
{
    bench_t *b = c->b;
    if (c->busy || !c->connected) {
        b->errors++;
        if (b->errors_shown++ < 5)
            fprintf(stderr, "sluice-bench: %s: %s\n",
                    c->connected ? "connection lost with a request in flight" : "cannot connect",
                    why);
    }
    c->busy = false;
    c->connected = false;
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    if (!b->stopping && b->errors < 100)
        conn_open(c);
    else if (!b->stopping) {
        fprintf(stderr, "sluice-bench: too many errors, stopping\n");
        b->stopping = true;
    }
    if (b->stopping)
        maybe_finish(b);
}

/* Parses answers: status line, headers (Content-Length), body. */
static void on_read(struct bufferevent *bev, void *arg)
{
    conn_t *c = arg;
    bench_t *b = c->b;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        if (c->content_length < 0) {
            struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
            if (end.pos < 0)
                return;
            size_t hlen = (size_t)end.pos + 4;
            char *h = (char *)evbuffer_pullup(in, (ssize_t)hlen);
            int status = 0;
            if (sscanf(h, "HTTP/1.%*d %d", &status) != 1) {
                conn_drop(c, "malformed response");
                return;
            }
            long cl = 0;
            for (char *p = h; p < h + hlen;) {
                char *nl = memchr(p, '\n', (size_t)(h + hlen - p));
                if (!nl)
                    break;
                if (strncasecmp(p, "Content-Length:", 15) == 0)
                    cl = strtol(p + 15, NULL, 10);
                else if (strncasecmp(p, "Transfer-Encoding:", 18) == 0) {
                    conn_drop(c, "chunked responses are not supported");
                    return;
                }
                p = nl + 1;
            }
            evbuffer_drain(in, hlen);
            c->status = status;
            c->content_length = cl;
        }
        if ((long)evbuffer_get_length(in) < c->content_length)
            return;
        char body[512];
        size_t n = (size_t)c->content_length < sizeof(body) - 1 ? (size_t)c->content_length
                                                                  : sizeof(body) - 1;
        evbuffer_copyout(in, body, n);
        body[n] = '\0';
        evbuffer_drain(in, (size_t)c->content_length);
        if (!c->busy) {
            conn_drop(c, "unexpected response");
            return;
        }
        c->busy = false;
        if (c->status == 200) {
            long acc = c->inflight_events;
            char *a = strstr(body, "\"accepted\"");
            if (a && (a = strchr(a, ':')))
                acc = strtol(a + 1, NULL, 10);
            b->requests_ok++;
            b->events_acked += acc;
        } else {
            b->errors++;
            if (b->errors_shown++ < 5)
                fprintf(stderr, "sluice-bench: HTTP %d: %s\n", c->status, body);
        }
        c->content_length = -1;
        conn_send(c);
        if (!c->busy)
            return;
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    conn_t *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        int one = 1;
        setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->b->open_conns++;
        c->connected = true;
        conn_send(c);
        return;
    }
    if (what & BEV_EVENT_ERROR)
        conn_drop(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    else if (what & BEV_EVENT_EOF)
        conn_drop(c, "server closed the connection");
}

static void conn_open(conn_t *c)
{
    bench_t *b = c->b;
    c->bev = bufferevent_socket_new(b->base, -1, BEV_OPT_CLOSE_ON_FREE);
    c->busy = false;
    c->content_length = -1;
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&b->addr, sizeof(b->addr)) != 0) {
        b->errors++;
        fprintf(stderr, "sluice-bench: cannot connect to %s:%d\n", b->host, b->port);
        bufferevent_free(c->bev);
        c->bev = NULL;
        b->stopping = true;
    }
}

/* Ends a -d run: stop sending, wait for the answers in flight (10 s). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    b->stopping = true;
    maybe_finish(b);
}

static void on_giveup(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    for (int i = 0; i < b->nconns; i++)
        if (b->conns[i].busy) {
            b->conns[i].busy = false;
            b->errors++;
        }
    fprintf(stderr, "sluice-bench: gave up waiting for answers in flight\n");
    if (b->t_end == 0)
        b->t_end = now_s();
    event_base_loopbreak(b->base);
}

static void usage(FILE *f)
{
    fprintf(f,
            "sluice-bench: HTTP load generator for sluiced's ingest (NDJSON POSTs).\n\n"
            "Usage: sluice-bench [OPTION]...\n"
            "  -H, --host ADDR        IPv4 address of sluiced's HTTP listener (127.0.0.1)\n"
            "  -p, --port N           its port (7480)\n"
            "  -s, --stream NAME      stream to post to (s)\n"
            "  -c, --connections N    keep-alive connections, one request in flight each (8)\n"
            "  -b, --body-bytes N     request body size (65536)\n"
            "  -d, --duration SECS    run this long (10)\n"
            "  -n, --events N         or stop after sending N events\n"
            "  -k, --keys N           distinct keys k in 0..N-1 (1000)\n"
            "      --variants N       distinct prebuilt bodies (16; more if keys need them)\n"
            "      --payload          add a JSON object \"payload\" to each event (a jsonb column)\n"
            "      --seed N           random seed\n"
            "      --ts-step-us N     add \"ts\" to every event: 2026-01-01 plus N us per\n"
            "                         event sent, in order (0: none)\n"
            "  -q, --quiet            print only the RESULT line\n"
            "  -h, --help             this help\n");
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "sluice-bench: invalid value for %s: \"%s\" (%ld..%ld)\n", opt, s, min,
                max);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    bench_t b = {.host = "127.0.0.1", .port = 7480, .stream = "s", .nconns = 8,
                 .body_bytes = 65536, .seconds = 10, .keys = 1000, .variants = 16};
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'},      {"port", required_argument, NULL, 'p'},
        {"stream", required_argument, NULL, 's'},    {"connections", required_argument, NULL, 'c'},
        {"body-bytes", required_argument, NULL, 'b'}, {"duration", required_argument, NULL, 'd'},
        {"events", required_argument, NULL, 'n'},    {"keys", required_argument, NULL, 'k'},
        {"variants", required_argument, NULL, 'V'},  {"seed", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
        {"ts-step-us", required_argument, NULL, 'T'},
        {"payload", no_argument, NULL, 'P'},
        {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "H:p:s:c:b:d:n:k:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'H': b.host = optarg; break;
        case 'p': b.port = (int)parse_long("--port", optarg, 1, 65535); break;
        case 's': b.stream = optarg; break;
        case 'c': b.nconns = (int)parse_long("--connections", optarg, 1, 10000); break;
        case 'b': b.body_bytes = parse_long("--body-bytes", optarg, 32, 1L << 30); break;
        case 'd': b.seconds = (double)parse_long("--duration", optarg, 1, 86400); b.max_events = 0; break;
        case 'n': b.max_events = parse_long("--events", optarg, 1, LONG_MAX); b.seconds = 0; break;
        case 'k': b.keys = (int)parse_long("--keys", optarg, 1, 1 << 30); break;
        case 'V': b.variants = (int)parse_long("--variants", optarg, 1, 1024); break;
        case 'S': rng_state = (uint64_t)parse_long("--seed", optarg, 1, LONG_MAX); break;
        case 'q': b.quiet = 1; break;
        case 'T': b.ts_step_us = parse_long("--ts-step-us", optarg, 0, 1000000000); break;
        case 'P': b.payload = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sluice-bench: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    for (const char *p = b.stream; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9'))) {
            fprintf(stderr, "sluice-bench: stream names here are plain identifiers\n");
            return 2;
        }
    memset(&b.addr, 0, sizeof(b.addr));
    b.addr.sin_family = AF_INET;
    b.addr.sin_port = htons((uint16_t)b.port);
    if (inet_pton(AF_INET, b.host, &b.addr.sin_addr) != 1) {
        fprintf(stderr, "sluice-bench: --host must be an IPv4 address, not \"%s\"\n", b.host);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Durable acks wait for a flush: throughput needs many connections. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && (rlim_t)b.nconns + 16 > rl.rlim_cur) {
        fprintf(stderr, "sluice-bench: %d connections need more than the %lu open files allowed\n",
                b.nconns, (unsigned long)rl.rlim_cur);
        return 2;
    }
    build_requests(&b);
    b.base = event_base_new();
    b.conns = calloc((size_t)b.nconns, sizeof(conn_t));
    struct event *deadline = NULL, *giveup = NULL;
    b.t_start = now_s();
    if (b.seconds > 0) {
        b.deadline = b.t_start + b.seconds;
        struct timeval tv = {(time_t)b.seconds, 0};
        deadline = evtimer_new(b.base, on_deadline, &b);
        evtimer_add(deadline, &tv);
        /* answers still due 30 s after the deadline count as errors */
        struct timeval tv2 = {(time_t)b.seconds + 30, 0};
        giveup = evtimer_new(b.base, on_giveup, &b);
        evtimer_add(giveup, &tv2);
    }
    for (int i = 0; i < b.nconns; i++) {
        b.conns[i].b = &b;
        b.conns[i].id = i;
        conn_open(&b.conns[i]);
    }
    event_base_dispatch(b.base);
    if (b.t_end == 0)
        b.t_end = now_s();

    double secs = b.t_end - b.t_start;
    if (secs <= 0)
        secs = 1e-9;
    double eps = b.events_acked / secs, rps = b.requests_ok / secs;
    double mibps = (double)b.bytes_sent / secs / (1024.0 * 1024.0);
    if (!b.quiet) {
        printf("sluice-bench: %s:%d stream %s, %d connections, %ld-byte bodies (%ld events)\n",
               b.host, b.port, b.stream, b.nconns, b.body_bytes, b.reqs[0].events);
        printf("  duration     %.2f s\n", secs);
        printf("  requests     %ld ok, %ld errors\n", b.requests_ok, b.errors);
        printf("  events       %ld acknowledged\n", b.events_acked);
        printf("  events/s     %.0f\n", eps);
        printf("  requests/s   %.0f\n", rps);
        printf("  MiB/s        %.1f\n", mibps);
    }
    printf("RESULT events=%ld requests=%ld errors=%ld seconds=%.3f events_per_s=%.0f "
           "requests_per_s=%.0f mib_per_s=%.1f\n",
           b.events_acked, b.requests_ok, b.errors, secs, eps, rps, mibps);

    for (int i = 0; i < b.nconns; i++)
        if (b.conns[i].bev)
            bufferevent_free(b.conns[i].bev);
    if (deadline)
        event_free(deadline);
    if (giveup)
        event_free(giveup);
    event_base_free(b.base);
    for (int i = 0; i < b.variants; i++)
        free(b.reqs[i].bytes);
    free(b.reqs);
    free(b.conns);
    return b.errors == 0 ? 0 : 1;
}
