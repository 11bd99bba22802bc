/* buf.c: growable NUL-terminated byte buffer; see buf.h. */
#include "util/buf.h"
#include "util/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sl_buf_reserve(sl_buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = sl_xrealloc(b->data, cap);
    b->cap = cap;
}

void sl_buf_append(sl_buf_t *b, const void *p, size_t n)
{
    sl_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sl_buf_puts(sl_buf_t *b, const char *s)
{
    sl_buf_append(b, s, strlen(s));
}

void sl_buf_putc(sl_buf_t *b, char c)
{
    sl_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void sl_buf_vprintf(sl_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    sl_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sl_buf_printf(sl_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void sl_buf_put_ident(sl_buf_t *b, const char *s)
{
    sl_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            sl_buf_putc(b, '"');
        sl_buf_putc(b, *s);
    }
    sl_buf_putc(b, '"');
}

void sl_buf_put_literal(sl_buf_t *b, const char *s, size_t n)
{
    /* With standard_conforming_strings off, a backslash in '' escapes the
     * next character (the closing quote, say), so a text holding one is
     * written as E'' with the backslashes doubled: read alike under either
     * setting. */
    if (n > 0 && memchr(s, '\\', n) != NULL)
        sl_buf_putc(b, 'E');
    sl_buf_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            sl_buf_putc(b, s[i]);
        sl_buf_putc(b, s[i]);
    }
    sl_buf_putc(b, '\'');
}

size_t sl_utf8_seqlen(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;   /* range of the second byte */
    if (u[0] >= 0xc2 && u[0] <= 0xdf) {
        len = 2;
    } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
        len = 3;
        if (u[0] == 0xe0)
            lo = 0xa0;        /* shorter forms are overlong */
        else if (u[0] == 0xed)
            hi = 0x9f;        /* U+D800..U+DFFF are surrogates */
    } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
        len = 4;
        if (u[0] == 0xf0)
            lo = 0x90;        /* overlong */
        else if (u[0] == 0xf4)
            hi = 0x8f;        /* beyond U+10FFFF */
    } else {
        return 0;             /* continuation byte, C0, C1, F5..FF */
    }
    if (n < len || u[1] < lo || u[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (u[i] < 0x80 || u[i] > 0xbf)
            return 0;
    return len;
}

void sl_buf_put_json_string(sl_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sl_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':  sl_buf_puts(b, "\\\""); break;
        case '\\': sl_buf_puts(b, "\\\\"); break;
        case '\n': sl_buf_puts(b, "\\n"); break;
        case '\r': sl_buf_puts(b, "\\r"); break;
        case '\t': sl_buf_puts(b, "\\t"); break;
        default:
            if (c < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sl_buf_append(b, u, 6);
            } else if (c < 0x80) {
                sl_buf_putc(b, (char)c);
            } else {
                /* Names and messages may echo bytes of a URL or a body:
                 * each byte that does not start a valid UTF-8 sequence
                 * becomes U+FFFD, so the answer is always valid JSON. */
                size_t len = sl_utf8_seqlen(s + i, n - i);
                if (len == 0) {
                    sl_buf_puts(b, "\\ufffd");
                    i++;
                } else {
                    sl_buf_append(b, s + i, len);
                    i += len;
                }
                continue;
            }
        }
        i++;
    }
    sl_buf_putc(b, '"');
}

void sl_buf_reset(sl_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sl_buf_free(sl_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *sl_buf_cstr(sl_buf_t *b)
{
    return b->data ? b->data : "";
}

/* Appends v as an element of a PostgreSQL array literal: always quoted,
 * with " and \ escaped, so any type's text form is safe. */
void sl_buf_put_array_elem(sl_buf_t *b, const char *v, size_t n)
{
    sl_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"' || v[i] == '\\')
            sl_buf_putc(b, '\\');
        sl_buf_putc(b, v[i]);
    }
    sl_buf_putc(b, '"');
}
