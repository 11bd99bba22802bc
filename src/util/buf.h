/*
 * buf.h: a growable byte buffer (malloc-backed, always NUL-terminated).
 * Used to build SQL text, JSON answers and wire messages.
 */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sl_buf {
    char *data;   /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
} sl_buf_t;

#define SL_BUF_INIT {NULL, 0, 0}

void sl_buf_reserve(sl_buf_t *b, size_t extra);
void sl_buf_append(sl_buf_t *b, const void *p, size_t n);
void sl_buf_puts(sl_buf_t *b, const char *s);
void sl_buf_putc(sl_buf_t *b, char c);
void sl_buf_printf(sl_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sl_buf_vprintf(sl_buf_t *b, const char *fmt, va_list ap);
/* Appends s as a double-quoted SQL identifier ("a""b"). */
void sl_buf_put_ident(sl_buf_t *b, const char *s);
/* Appends s as an SQL literal that reads the same whatever
 * standard_conforming_strings is: 'it''s', or E'a\\b' (backslashes
 * doubled) when s holds a backslash. */
void sl_buf_put_literal(sl_buf_t *b, const char *s, size_t n);
/* Appends s (n bytes) as a JSON string with quotes: valid JSON for any
 * bytes (control characters as \u00XX, each byte that does not start a
 * valid UTF-8 sequence as \ufffd). */
void sl_buf_put_json_string(sl_buf_t *b, const char *s, size_t n);
/* Length (1..4) of the valid UTF-8 sequence at s[0..n), or 0 when s does
 * not start with one (stray continuation byte, overlong form, surrogate,
 * beyond U+10FFFF, truncated; n == 0). */
size_t sl_utf8_seqlen(const char *s, size_t n);
/* Appends v[0..n) as an element of a PostgreSQL array literal: always
 * quoted, with " and \ escaped, so any type's text form is safe. */
void sl_buf_put_array_elem(sl_buf_t *b, const char *v, size_t n);
void sl_buf_reset(sl_buf_t *b);       /* len = 0, keeps memory */
void sl_buf_free(sl_buf_t *b);        /* releases memory */
const char *sl_buf_cstr(sl_buf_t *b); /* "" for an empty buffer */

/* Value of a hexadecimal digit, -1 for any other character (escapes in
 * JSON strings and SQL U&'' / E'' literals). */
static inline int sl_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
