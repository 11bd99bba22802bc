/* conninfo.c: secrets of libpq connection strings masked; see conninfo.h. */
#include "util/conninfo.h"
#include "util/arena.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Where a secret value sits in the connection string: outer includes its
 * quotes (what mask replaces), inner is the text between them (what a
 * message may quote). */
typedef struct secret {
    size_t outer, outer_len;
    size_t inner, inner_len;
} secret_t;

typedef void (*secret_fn)(void *arg, const secret_t *s);

static bool is_secret_key(const char *k, size_t n)
{
    return (n == 8 && memcmp(k, "password", 8) == 0) ||
           (n == 11 && memcmp(k, "sslpassword", 11) == 0);
}

static void found(secret_fn fn, void *arg, size_t outer, size_t outer_end, size_t inner,
                  size_t inner_end)
{
    secret_t s = {outer, outer_end - outer, inner, inner_end - inner};
    fn(arg, &s);
}

/* key=value pairs as libpq's conninfo_parse reads them.  Where libpq
 * would stop with an error: a word without = is skipped, but after a
 * secret's key without = the whole rest is treated as secret (it may be
 * the password). */
static void keyvalue_secrets(const char *ci, secret_fn fn, void *arg)
{
    size_t n = strlen(ci), i = 0;
    while (i < n) {
        while (i < n && isspace((unsigned char)ci[i]))
            i++;
        if (i == n)
            break;
        size_t key = i;
        while (i < n && ci[i] != '=' && !isspace((unsigned char)ci[i]))
            i++;
        size_t key_len = i - key;
        while (i < n && isspace((unsigned char)ci[i]))
            i++;
        if (i == n || ci[i] != '=') {
            if (is_secret_key(ci + key, key_len)) {
                found(fn, arg, key, n, key, n);
                return;
            }
            continue;     /* a stray word: the next one is read as a key */
        }
        i++;
        while (i < n && isspace((unsigned char)ci[i]))
            i++;
        size_t outer = i, inner, inner_end;
        if (i < n && ci[i] == '\'') {
            inner = ++i;
            while (i < n && ci[i] != '\'')
                i += (ci[i] == '\\' && i + 1 < n) ? 2 : 1;
            inner_end = i;
            if (i < n)
                i++;      /* the closing quote */
        } else {
            inner = i;
            while (i < n && !isspace((unsigned char)ci[i]))
                i += (ci[i] == '\\' && i + 1 < n) ? 2 : 1;
            inner_end = i;
        }
        if (is_secret_key(ci + key, key_len))
            found(fn, arg, outer, i, inner, inner_end);
    }
}

/* Length of a URI's scheme prefix, 0 for the key=value form (libpq's
 * uri_prefix_length). */
static size_t uri_prefix(const char *ci)
{
    if (strncmp(ci, "postgresql://", 13) == 0)
        return 13;
    if (strncmp(ci, "postgres://", 11) == 0)
        return 11;
    return 0;
}

/* A URI as libpq's conninfo_uri_parse reads it: user:password@ ends at
 * the first @ before any /, then ?key=value&... with percent-encoded keys. */
static void uri_secrets(const char *ci, size_t start, secret_fn fn, void *arg)
{
    size_t n = strlen(ci), i = start;
    while (i < n && ci[i] != '@' && ci[i] != '/')
        i++;
    if (i < n && ci[i] == '@') {
        const char *colon = memchr(ci + start, ':', i - start);
        if (colon != NULL) {
            size_t pw = (size_t)(colon - ci) + 1;
            found(fn, arg, pw, i, pw, i);
        }
        start = i + 1;
    }
    const char *q = strchr(ci + start, '?');
    if (q == NULL)
        return;
    i = (size_t)(q - ci) + 1;
    while (i < n) {
        char key[16];
        size_t key_len = 0;
        bool too_long = false;
        while (i < n && ci[i] != '=' && ci[i] != '&') {
            char c = ci[i++];
            if (c == '%' && i + 1 < n && sl_hexval(ci[i]) >= 0 && sl_hexval(ci[i + 1]) >= 0) {
                c = (char)(sl_hexval(ci[i]) * 16 + sl_hexval(ci[i + 1]));
                i += 2;
            }
            if (key_len < sizeof(key))
                key[key_len++] = c;
            else
                too_long = true;
        }
        size_t value = i < n && ci[i] == '=' ? i + 1 : i;
        i = value;
        while (i < n && ci[i] != '&')
            i++;
        if (!too_long && is_secret_key(key, key_len))
            found(fn, arg, value, i, value, i);
        if (i < n)
            i++;      /* the & */
    }
}

static void each_secret(const char *ci, secret_fn fn, void *arg)
{
    size_t p = uri_prefix(ci);
    if (p > 0)
        uri_secrets(ci, p, fn, arg);
    else
        keyvalue_secrets(ci, fn, arg);
}

typedef struct mask_state {
    const char *ci;
    size_t copied;        /* ci[0..copied) is in out already */
    sl_buf_t *out;
} mask_state_t;

static void mask_one(void *arg, const secret_t *s)
{
    mask_state_t *m = arg;
    sl_buf_append(m->out, m->ci + m->copied, s->outer - m->copied);
    sl_buf_puts(m->out, SL_CONNINFO_MASK);
    m->copied = s->outer + s->outer_len;
}

void sl_conninfo_mask(const char *conninfo, sl_buf_t *out)
{
    mask_state_t m = {conninfo, 0, out};
    each_secret(conninfo, mask_one, &m);
    sl_buf_puts(out, conninfo + m.copied);
}

typedef struct scrub_state {
    secret_t *s;
    int n, cap;
} scrub_state_t;

static void collect_one(void *arg, const secret_t *s)
{
    scrub_state_t *st = arg;
    if (s->inner_len == 0)
        return;
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 4;
        st->s = sl_xrealloc(st->s, sizeof(*st->s) * (size_t)st->cap);
    }
    st->s[st->n++] = *s;
}

void sl_conninfo_scrub(const char *conninfo, const char *text, sl_buf_t *out)
{
    scrub_state_t st = {NULL, 0, 0};
    each_secret(conninfo, collect_one, &st);
    size_t i = 0, n = strlen(text);
    while (i < n) {
        int hit = -1;
        for (int k = 0; k < st.n; k++) {
            const secret_t *s = &st.s[k];
            if (s->inner_len <= n - i && memcmp(text + i, conninfo + s->inner, s->inner_len) == 0 &&
                (hit < 0 || s->inner_len > st.s[hit].inner_len))
                hit = k;
        }
        if (hit >= 0) {
            sl_buf_puts(out, SL_CONNINFO_MASK);
            i += st.s[hit].inner_len;
        } else {
            sl_buf_putc(out, text[i++]);
        }
    }
    free(st.s);
}
