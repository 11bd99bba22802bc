/*
 * sluice_http.c: the pure parts of \ingest's HTTP/1.1 client: parsing a
 * response head (status, Content-Length, chunked, Connection: close) and
 * cutting a file into request bodies at line boundaries.  The sockets are
 * in sluice_ingest.c.  Interface in sluice.h.
 */
#include "sluice.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Value of header name in the head lines [p, e), trimmed; false if absent.
 * Only the first occurrence counts. */
static bool header_value(const char *p, const char *e, const char *name,
                         const char **v, size_t *vlen)
{
    size_t nlen = strlen(name);
    const char *line = memchr(p, '\n', (size_t)(e - p));   /* skip status line */
    while (line && line < e) {
        line++;
        const char *eol = memchr(line, '\n', (size_t)(e - line));
        if (eol == NULL)
            eol = e;
        if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
            line[nlen] == ':') {
            const char *s = line + nlen + 1, *t = eol;
            while (s < t && isspace((unsigned char)*s))
                s++;
            while (t > s && isspace((unsigned char)t[-1]))
                t--;
            *v = s;
            *vlen = (size_t)(t - s);
            return true;
        }
        line = eol < e ? eol : NULL;
    }
    return false;
}

int sl_http_parse_head(const char *p, size_t len, sl_http_head_t *h)
{
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
            end = p + i + 4;
            break;
        }
    if (end == NULL)
        return len > 65536 ? -1 : 0;
    memset(h, 0, sizeof(*h));
    h->head_len = (size_t)(end - p);
    h->content_length = -1;
    if (len < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
        !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) ||
        !isdigit((unsigned char)p[11]))
        return -1;
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (p[7] == '0')
        h->close = true;    /* HTTP/1.0 closes unless told otherwise */
    const char *v;
    size_t vlen;
    if (header_value(p, end, "Content-Length", &v, &vlen)) {
        char tmp[32];
        if (vlen == 0 || vlen >= sizeof(tmp))
            return -1;
        memcpy(tmp, v, vlen);
        tmp[vlen] = '\0';
        char *stop;
        long long n = strtoll(tmp, &stop, 10);
        if (*stop != '\0' || n < 0)
            return -1;
        h->content_length = n;
    }
    if (header_value(p, end, "Transfer-Encoding", &v, &vlen) && vlen >= 7 &&
        strncasecmp(v + vlen - 7, "chunked", 7) == 0)
        h->chunked = true;
    if (header_value(p, end, "Connection", &v, &vlen)) {
        if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
            h->close = true;
        else if (vlen == 10 && strncasecmp(v, "keep-alive", 10) == 0)
            h->close = false;
    }
    return 1;
}

size_t sl_ingest_cut(const char *p, size_t len, size_t max)
{
    if (len <= max)
        return len;
    for (size_t i = max; i > 0; i--)
        if (p[i - 1] == '\n')
            return i;
    /* One line longer than max: send up to its end. */
    const char *nl = memchr(p + max, '\n', len - max);
    return nl ? (size_t)(nl - p) + 1 : len;
}
