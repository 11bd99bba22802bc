/*
 * sluice_scan.c: where a statement typed into the shell ends.
 *
 * A small hand-written lexer that knows just enough SQL to find the ';' that
 * ends a statement: it skips 'strings' (with '' doubling), E'strings' (with
 * backslash escapes), "identifiers", $tag$ dollar quotes $tag$, nested
 * comments and -- line comments, and ignores a ';' inside parentheses (as
 * psql does).  A backslash at the top level starts a meta-command.  The
 * state survives across lines so multi-line input works; the prompt shows
 * it (sl_scan_prompt_char).  Also: splitting a meta-command's arguments and
 * normalizing identifiers.  Interface in sluice.h.
 */
#include "sluice.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

static bool ident_byte(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool tag_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

void sl_scan_reset(sl_scan_t *s)
{
    sl_scan_t init = SL_SCAN_INIT;
    *s = init;
}

/* At p[i] == '$' on the top level: if a dollar quote opens here, stores
 * its tag and returns the length of the opening delimiter; else 0. */
static size_t dollar_open(sl_scan_t *s, const char *p, size_t len, size_t i)
{
    size_t j = i + 1;
    if (j < len && p[j] != '$') {
        if (!tag_start((unsigned char)p[j]))
            return 0;
        while (j < len && (isalnum((unsigned char)p[j]) || p[j] == '_' ||
                           (unsigned char)p[j] >= 0x80))
            j++;
    }
    if (j >= len || p[j] != '$' || j - i - 1 >= sizeof(s->tag))
        return 0;
    s->taglen = j - i - 1;
    memcpy(s->tag, p + i + 1, s->taglen);
    return j - i + 1;
}

sl_scan_result_t sl_scan_next(sl_scan_t *s, const char *p, size_t len, size_t *used)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        switch (s->state) {
        case SL_SCAN_TOP:
            if (c == ';' && s->paren_depth == 0) {
                s->prev_ident = false;
                *used = i + 1;
                return SL_SCAN_SEMICOLON;
            }
            if (c == '\\') {
                *used = i;
                return SL_SCAN_BACKSLASH;
            }
            if (c == '\'') {
                bool e = i > 0 && (p[i - 1] == 'E' || p[i - 1] == 'e') &&
                         (i < 2 || !ident_byte((unsigned char)p[i - 2]));
                s->state = e ? SL_SCAN_ESTRING : SL_SCAN_SQUOTE;
            } else if (c == '"') {
                s->state = SL_SCAN_DQUOTE;
            } else if (c == '-' && i + 1 < len && p[i + 1] == '-') {
                s->state = SL_SCAN_LINE_COMMENT;
                i++;
            } else if (c == '/' && i + 1 < len && p[i + 1] == '*') {
                s->state = SL_SCAN_COMMENT;
                s->comment_depth = 1;
                i++;
            } else if (c == '$' && !s->prev_ident) {
                size_t n = dollar_open(s, p, len, i);
                if (n > 0) {
                    s->state = SL_SCAN_DOLLAR;
                    i += n - 1;
                }
            } else if (c == '(') {
                s->paren_depth++;
            } else if (c == ')') {
                if (s->paren_depth > 0)
                    s->paren_depth--;
            }
            s->prev_ident = s->state == SL_SCAN_TOP && ident_byte(c);
            break;
        case SL_SCAN_SQUOTE:
            if (c == '\'') {
                if (i + 1 < len && p[i + 1] == '\'')
                    i++;
                else
                    s->state = SL_SCAN_TOP;
            }
            break;
        case SL_SCAN_ESTRING:
            if (c == '\\' && i + 1 < len)
                i++;
            else if (c == '\'') {
                if (i + 1 < len && p[i + 1] == '\'')
                    i++;
                else
                    s->state = SL_SCAN_TOP;
            }
            break;
        case SL_SCAN_DQUOTE:
            if (c == '"') {
                if (i + 1 < len && p[i + 1] == '"')
                    i++;
                else {
                    s->state = SL_SCAN_TOP;
                    s->prev_ident = true;
                }
            }
            break;
        case SL_SCAN_DOLLAR:
            if (c == '$' && i + s->taglen + 1 < len &&
                memcmp(p + i + 1, s->tag, s->taglen) == 0 &&
                p[i + 1 + s->taglen] == '$') {
                i += s->taglen + 1;
                s->state = SL_SCAN_TOP;
                s->prev_ident = false;
            }
            break;
        case SL_SCAN_COMMENT:
            if (c == '*' && i + 1 < len && p[i + 1] == '/') {
                i++;
                if (--s->comment_depth == 0)
                    s->state = SL_SCAN_TOP;
            } else if (c == '/' && i + 1 < len && p[i + 1] == '*') {
                i++;
                s->comment_depth++;
            }
            break;
        case SL_SCAN_LINE_COMMENT:
            if (c == '\n') {
                s->state = SL_SCAN_TOP;
                s->prev_ident = false;
            }
            break;
        }
        i++;
    }
    *used = len;
    return SL_SCAN_MORE;
}

char sl_scan_prompt_char(const sl_scan_t *s, bool buffer_empty)
{
    switch (s->state) {
    case SL_SCAN_SQUOTE:
    case SL_SCAN_ESTRING:
        return '\'';
    case SL_SCAN_DQUOTE:
        return '"';
    case SL_SCAN_DOLLAR:
        return '$';
    case SL_SCAN_COMMENT:
        return '*';
    default:
        break;
    }
    if (s->paren_depth > 0)
        return '(';
    return buffer_empty ? '=' : '-';
}

int sl_scan_args(const char *p, size_t len, char **argv, int max, size_t *used)
{
    size_t i = 0;
    int n = 0;
    sl_buf_t w = SL_BUF_INIT;

    for (;;) {
        while (i < len && isspace((unsigned char)p[i]))
            i++;
        if (i >= len || p[i] == '\\')
            break;
        sl_buf_reset(&w);
        while (i < len && !isspace((unsigned char)p[i]) && p[i] != '\\') {
            if (p[i] == '\'') {
                i++;
                while (i < len) {
                    if (p[i] == '\'') {
                        if (i + 1 < len && p[i + 1] == '\'') {
                            sl_buf_putc(&w, '\'');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    sl_buf_putc(&w, p[i++]);
                }
            } else if (p[i] == '"') {
                sl_buf_putc(&w, p[i++]);
                while (i < len) {
                    sl_buf_putc(&w, p[i]);
                    if (p[i++] == '"') {
                        if (i < len && p[i] == '"') {
                            sl_buf_putc(&w, p[i++]);
                            continue;
                        }
                        break;
                    }
                }
            } else {
                sl_buf_putc(&w, p[i++]);
            }
        }
        if (n < max)
            argv[n++] = sl_xstrdup(sl_buf_cstr(&w));
    }
    sl_buf_free(&w);
    *used = i;
    return n;
}

/* Appends one name part (quoted or not) from *pp to b; stops at an
 * unquoted '.' or the end. */
static void ident_part(const char **pp, sl_buf_t *b)
{
    const char *p = *pp;
    while (*p && *p != '.') {
        if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"') {
                    if (p[1] == '"') {
                        sl_buf_putc(b, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                sl_buf_putc(b, *p++);
            }
        } else {
            sl_buf_putc(b, (char)tolower((unsigned char)*p));
            p++;
        }
    }
    *pp = p;
}

char *sl_scan_ident(const char *word, char **schema)
{
    sl_buf_t a = SL_BUF_INIT, b = SL_BUF_INIT;
    const char *p = word;
    ident_part(&p, &a);
    *schema = NULL;
    if (*p == '.') {
        p++;
        ident_part(&p, &b);
        *schema = sl_xstrdup(sl_buf_cstr(&a));
        char *r = sl_xstrdup(sl_buf_cstr(&b));
        sl_buf_free(&a);
        sl_buf_free(&b);
        return r;
    }
    char *r = sl_xstrdup(sl_buf_cstr(&a));
    sl_buf_free(&a);
    return r;
}

bool sl_scan_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}
