/*
 * sluice_ingest.c: \ingest STREAM FILE [FORMAT], events sent over HTTP.
 *
 * The HTTP address is the server's own answer to SHOW http_address (so it
 * only works against sluiced).  The file is read in ~1 MiB pieces cut at
 * line boundaries (sl_ingest_cut); each piece is one
 * POST /v1/streams/{stream} over one keep-alive HTTP/1.1 connection with a
 * Content-Length (json is sent whole: it is one document).  The shell
 * waits for each answer: 200 {"accepted":N} adds N to the count; 503 with
 * Retry-After is retried a few times; any other status prints the server's
 * JSON error and stops.  A progress bar (bytes, events, rate) is drawn on
 * stderr when it is a terminal; Ctrl-C stops between or during requests.
 * The plain-socket client is here; the pure parsing is in sluice_http.c.
 */
#include "sluice.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"

#define CHUNK (1024 * 1024)
#define MAX_JSON (256 * 1024 * 1024)
#define MAX_RETRIES 5

typedef struct http {
    int fd;
    char host[256];
    char port[16];
    bool reused;            /* fd has carried a request before */
    char auth[128];         /* "Authorization: Bearer ...\r\n" or "" */
} http_t;

static int http_connect(http_t *h, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(h->host, h->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "could not resolve %s: %s", h->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "could not connect to %s:%s: %s", h->host, h->port,
                 strerror(saved ? saved : ECONNREFUSED));
        return -1;
    }
    h->fd = fd;
    h->reused = false;
    return 0;
}

static void http_close(http_t *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
}

/* Sends all of iov; -1 with errno on failure (EINTR after Ctrl-C). */
static int send_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        struct msghdr msg;
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)n;
        ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR && !sl_shell_interrupted)
                continue;
            return -1;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* Reads more bytes into b; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t recv_more(int fd, sl_buf_t *b)
{
    for (;;) {
        sl_buf_reserve(b, 65536);
        ssize_t r = recv(fd, b->data + b->len, 65536, 0);
        if (r < 0 && errno == EINTR && !sl_shell_interrupted)
            continue;
        if (r > 0) {
            b->len += (size_t)r;
            b->data[b->len] = '\0';
        }
        return r;
    }
}

/* Decodes a chunked body in raw[0..n) into out; 1 done, 0 need more, -1 bad. */
static int dechunk(const char *raw, size_t n, sl_buf_t *out)
{
    size_t i = 0;
    sl_buf_reset(out);
    for (;;) {
        const char *eol = memchr(raw + i, '\n', n - i);
        if (eol == NULL)
            return 0;
        char *stop;
        unsigned long sz = strtoul(raw + i, &stop, 16);
        if (stop == raw + i)
            return -1;
        i = (size_t)(eol - raw) + 1;
        if (sz == 0)
            return 1;
        if (n - i < sz + 2)
            return 0;
        sl_buf_append(out, raw + i, sz);
        i += sz + 2;
    }
}

typedef struct answer {
    int status;
    long retry_after;
    sl_buf_t body;
} answer_t;

/* One POST; retries once on a fresh connection when a reused one turns out
 * closed.  Returns 0 with ans filled, or -1 with err set. */
static int http_post(http_t *h, const char *path, const char *ctype,
                     const char *body, size_t n, answer_t *ans, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (h->fd < 0 && http_connect(h, err, errlen) < 0)
            return -1;
        bool reused = h->reused;
        char head[1024];
        int hl = snprintf(head, sizeof(head),
                          "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: sluice/%s\r\n"
                          "%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                          path, h->host, h->port, PACKAGE_VERSION, h->auth, ctype, n);
        struct iovec iov[2] = {{head, (size_t)hl}, {(void *)body, n}};
        sl_buf_t raw = SL_BUF_INIT;
        int rc = send_all(h->fd, iov, 2);
        sl_http_head_t hd;
        int parsed = 0;
        ssize_t r = 1;
        if (rc == 0) {
            while ((parsed = sl_http_parse_head(raw.data ? raw.data : "", raw.len, &hd)) == 0) {
                r = recv_more(h->fd, &raw);
                if (r <= 0)
                    break;
            }
        }
        if (sl_shell_interrupted) {
            sl_buf_free(&raw);
            http_close(h);
            snprintf(err, errlen, "canceled");
            return -1;
        }
        if (rc < 0 || r <= 0 || parsed <= 0) {
            int e = errno;
            bool nothing = raw.len == 0;
            sl_buf_free(&raw);
            http_close(h);
            if (reused && nothing && attempt == 0)
                continue;       /* the server closed an idle connection */
            if (parsed < 0)
                snprintf(err, errlen, "malformed HTTP response from %s:%s", h->host, h->port);
            else
                snprintf(err, errlen, "HTTP request to %s:%s failed: %s", h->host, h->port,
                         rc < 0 || r < 0 ? strerror(e) : "connection closed");
            return -1;
        }
        /* The body. */
        sl_buf_reset(&ans->body);
        for (;;) {
            const char *b = raw.data + hd.head_len;
            size_t have = raw.len - hd.head_len;
            int done;
            if (hd.chunked) {
                done = dechunk(b, have, &ans->body);
            } else if (hd.content_length >= 0) {
                done = have >= (size_t)hd.content_length;
                if (done) {
                    sl_buf_reset(&ans->body);
                    sl_buf_append(&ans->body, b, (size_t)hd.content_length);
                }
            } else {
                done = 0;   /* until the server closes */
            }
            if (done < 0) {
                snprintf(err, errlen, "malformed chunked response");
                sl_buf_free(&raw);
                http_close(h);
                return -1;
            }
            if (done)
                break;
            r = recv_more(h->fd, &raw);
            if (r <= 0) {
                if (r == 0 && hd.content_length < 0 && !hd.chunked) {
                    sl_buf_reset(&ans->body);
                    sl_buf_append(&ans->body, raw.data + hd.head_len, raw.len - hd.head_len);
                    hd.close = true;
                    break;
                }
                snprintf(err, errlen, sl_shell_interrupted ? "canceled" : "connection closed mid-answer");
                sl_buf_free(&raw);
                http_close(h);
                return -1;
            }
        }
        ans->status = hd.status;
        ans->retry_after = -1;
        for (size_t i = 0; i + 14 < hd.head_len; i++)
            if (strncasecmp(raw.data + i, "\r\nRetry-After:", 14) == 0) {
                ans->retry_after = strtol(raw.data + i + 14, NULL, 10);
                break;
            }
        sl_buf_free(&raw);
        if (hd.close)
            http_close(h);
        else
            h->reused = true;
        return 0;
    }
    snprintf(err, errlen, "HTTP request failed");
    return -1;
}

/* Events a 200 answer counts ({"accepted":N}); -1 if absent. */
static long long accepted(const char *body)
{
    const char *p = strstr(body ? body : "", "\"accepted\"");
    if (p == NULL)
        return -1;
    p += 10;
    while (*p == ' ' || *p == ':')
        p++;
    return strtoll(p, NULL, 10);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(off_t done, off_t total, long long events, double start)
{
    double el = now_s() - start;
    double rate = el > 0 ? done / el / (1024.0 * 1024.0) : 0;
    int width = 30, fill = total > 0 ? (int)((double)done * width / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[width] = '\0';
    fprintf(stderr, "\r\033[K[%s] %3d%%  %.1f/%.1f MiB  %lld events  %.1f MiB/s",
            bar, total > 0 ? (int)(done * 100 / total) : 100,
            done / (1024.0 * 1024.0), total / (1024.0 * 1024.0), events, rate);
    fflush(stderr);
}

/* Splits "host:port" / "[v6]:port"; an unspecified host becomes the
 * pgwire connection's host. */
static int split_address(sl_shell_t *sh, const char *addr, http_t *h)
{
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon[1] == '\0')
        return -1;
    const char *hs = addr, *he = colon;
    if (*hs == '[' && he > hs && he[-1] == ']') {
        hs++;
        he--;
    }
    snprintf(h->host, sizeof(h->host), "%.*s", (int)(he - hs), hs);
    snprintf(h->port, sizeof(h->port), "%s", colon + 1);
    if (h->host[0] == '\0' || strcmp(h->host, "0.0.0.0") == 0 || strcmp(h->host, "::") == 0) {
        const char *ph = PQhost(sh->conn);
        snprintf(h->host, sizeof(h->host), "%s", ph && ph[0] && ph[0] != '/' ? ph : "127.0.0.1");
    }
    return 0;
}

static void set_token(http_t *h, const char *token)
{
    snprintf(h->auth, sizeof(h->auth), "Authorization: Bearer %s\r\n", token);
}

/*
 * The server asks for a token (401) and SLUICE_TOKEN gave none: one for
 * the session's role, made over the shell's own connection (CREATE TOKEN
 * FOR ROLE current_user) and dropped again when \ingest ends.  Not inside
 * a transaction block, where it would count only at COMMIT.  Returns the
 * token (malloc'd) or NULL with the reason printed.
 */
static char *session_token(sl_shell_t *sh)
{
    if (PQtransactionStatus(sh->conn) != PQTRANS_IDLE) {
        sl_shell_error(sh, "\\ingest: the server needs a token: set SLUICE_TOKEN, or run "
                           "\\ingest outside a transaction block so that the shell makes one");
        return NULL;
    }
    char *token = NULL;
    PGresult *r = PQexec(sh->conn, "SELECT quote_ident(current_user)");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        sl_buf_t q = SL_BUF_INIT;
        sl_buf_printf(&q, "CREATE TOKEN FOR ROLE %s", PQgetvalue(r, 0, 0));
        PQclear(r);
        r = PQexec(sh->conn, sl_buf_cstr(&q));
        sl_buf_free(&q);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            token = strdup(PQgetvalue(r, 0, 0));
    }
    if (token == NULL)
        sl_shell_error(sh, "\\ingest: the server needs a token and none could be made: %s",
                       PQresultErrorMessage(r));
    PQclear(r);
    return token;
}

static void drop_session_token(sl_shell_t *sh, char *token)
{
    if (token == NULL)
        return;
    sl_buf_t q = SL_BUF_INIT;
    sl_buf_printf(&q, "DROP TOKEN '%s'", token);   /* slt_ and hex digits only */
    PQclear(PQexec(sh->conn, sl_buf_cstr(&q)));
    sl_buf_free(&q);
    free(token);
}

int sl_ingest_file(sl_shell_t *sh, const char *stream_arg, const char *file,
                   const char *format)
{
    const char *ctype;
    if (strcmp(format, "ndjson") == 0)
        ctype = "application/x-ndjson";
    else if (strcmp(format, "csv") == 0)
        ctype = "text/csv";
    else if (strcmp(format, "json") == 0)
        ctype = "application/json";
    else {
        sl_shell_error(sh, "\\ingest: unknown format \"%s\" (ndjson, csv or json)", format);
        return -1;
    }
    sl_meta_probe(sh);
    if (!sh->is_sluice) {
        sl_shell_error(sh, "\\ingest needs a Sluice server (SHOW http_address failed: %s)",
                       sh->probed ? (sh->probe_error ? sh->probe_error : "?")
                                  : "not tried inside a transaction block");
        return -1;
    }
    http_t h = {.fd = -1};
    if (split_address(sh, sh->http_address, &h) < 0) {
        sl_shell_error(sh, "\\ingest: the server's http_address \"%s\" is not host:port",
                       sh->http_address);
        return -1;
    }
    const char *env_token = getenv("SLUICE_TOKEN");
    char *own_token = NULL;
    if (env_token && env_token[0])
        set_token(&h, env_token);
    char *schema = NULL;
    char *stream = sl_scan_ident(stream_arg, &schema);
    free(schema);
    FILE *fp = fopen(file, "rb");
    if (fp == NULL) {
        sl_shell_error(sh, "\\ingest: %s: %s", file, strerror(errno));
        free(stream);
        return -1;
    }
    struct stat st;
    off_t total = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;

    sl_buf_t path = SL_BUF_INIT;
    sl_buf_puts(&path, "/v1/streams/");
    for (const unsigned char *p = (const unsigned char *)stream; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '-' || *p == '.')
            sl_buf_putc(&path, (char)*p);
        else
            sl_buf_printf(&path, "%%%02X", *p);
    }

    bool tty = isatty(fileno(stderr));
    bool whole = strcmp(format, "json") == 0;
    sl_buf_t data = SL_BUF_INIT;
    answer_t ans = {0};
    ans.body = (sl_buf_t)SL_BUF_INIT;
    char err[512];
    long long events = 0;
    off_t sent = 0;
    int rc = 0;
    bool eof = false;
    double start = now_s();
    sl_shell_interrupted = 0;

    while (rc == 0) {
        /* Fill past a chunk, holding at least one whole line (json:
         * everything). */
        while (!eof && (whole || data.len <= CHUNK ||
                        memchr(data.data, '\n', data.len) == NULL)) {
            sl_buf_reserve(&data, CHUNK);
            size_t r = fread(data.data + data.len, 1, CHUNK, fp);
            data.len += r;
            data.data[data.len] = '\0';
            if (r == 0) {
                if (ferror(fp)) {
                    sl_shell_error(sh, "\\ingest: %s: %s", file, strerror(errno));
                    rc = -1;
                }
                eof = true;
            }
            if (whole && data.len > MAX_JSON) {
                sl_shell_error(sh, "\\ingest: %s: a json file is sent whole and this one is over %d MiB; use ndjson",
                               file, MAX_JSON >> 20);
                rc = -1;
                eof = true;
            }
        }
        if (rc < 0 || data.len == 0)
            break;
        size_t n = whole ? data.len : sl_ingest_cut(data.data, data.len, CHUNK);
        if (sl_scan_blank(data.data, n)) {
            memmove(data.data, data.data + n, data.len - n);
            data.len -= n;
            sent += (off_t)n;
            continue;
        }
        int tries = 0;
        for (;;) {
            if (http_post(&h, path.data, ctype, data.data, n, &ans, err, sizeof(err)) < 0) {
                if (tty)
                    fputs("\r\033[K", stderr);
                if (sl_shell_interrupted)
                    sl_shell_error(sh, "\\ingest: canceled after %lld events into %s", events, stream);
                else
                    sl_shell_error(sh, "\\ingest: %s (%lld events ingested before)", err, events);
                rc = -1;
                break;
            }
            if (ans.status == 401 && h.auth[0] == '\0' && own_token == NULL) {
                own_token = session_token(sh);
                if (own_token == NULL) {
                    rc = -1;
                    break;
                }
                set_token(&h, own_token);
                continue;
            }
            if (ans.status == 503 && tries++ < MAX_RETRIES) {
                long wait = ans.retry_after > 0 ? ans.retry_after : 1;
                if (wait > 30)
                    wait = 30;
                struct timespec ts = {wait, 0};
                if (nanosleep(&ts, NULL) < 0 && sl_shell_interrupted) {
                    sl_shell_error(sh, "\\ingest: canceled after %lld events into %s", events, stream);
                    rc = -1;
                    break;
                }
                continue;
            }
            break;
        }
        if (rc < 0)
            break;
        if (ans.status != 200) {
            if (tty)
                fputs("\r\033[K", stderr);
            const char *b = sl_buf_cstr(&ans.body);
            size_t bl = strlen(b);
            while (bl > 0 && (b[bl - 1] == '\n' || b[bl - 1] == '\r'))
                bl--;
            sl_shell_error(sh, "\\ingest: HTTP %d from %s:%s: %.*s", ans.status, h.host, h.port,
                           (int)bl, b);
            if (events > 0 || sent > 0)
                sl_shell_error(sh, "\\ingest: %lld events were ingested before (bytes 0-%lld of %s)",
                               events, (long long)sent, file);
            rc = -1;
            break;
        }
        long long a = accepted(ans.body.data);
        if (a > 0)
            events += a;
        sent += (off_t)n;
        memmove(data.data, data.data + n, data.len - n);
        data.len -= n;
        if (tty)
            progress(sent, total > sent ? total : sent, events, start);
        if (sl_shell_interrupted) {
            if (tty)
                fputs("\r\033[K", stderr);
            sl_shell_error(sh, "\\ingest: canceled after %lld events into %s", events, stream);
            rc = -1;
        }
    }
    if (rc == 0) {
        if (tty)
            fputs("\r\033[K", stderr);
        fprintf(sh->out, "ingested %lld events into %s\n", events, stream);
        if (sh->timing)
            fprintf(sh->out, "Time: %.3f ms\n", (now_s() - start) * 1000.0);
    }
    sl_shell_interrupted = 0;
    http_close(&h);
    drop_session_token(sh, own_token);
    fclose(fp);
    sl_buf_free(&data);
    sl_buf_free(&ans.body);
    sl_buf_free(&path);
    free(stream);
    return rc;
}
