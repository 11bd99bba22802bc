/*
 * pgwire_enc.c: a session's client_encoding at the edges of its Sluice
 * statements.  Relayed messages pass untouched (the backend converts them
 * itself); what sluiced reads or writes itself is converted here, so that
 * everything inside (parser, catalog, sl_command_t as built) is UTF-8:
 *
 *   ParameterStatus client_encoding   the session's encoding (c->enc): the
 *                                     backend reports it at startup and
 *                                     after each change (SET, \encoding)
 *   Query / Parse text in             sl__pw_enc_in: to UTF-8 (22021 ...)
 *   forwarded runs of a job out       sl__pw_enc_out: back to the client's
 *   a command's answer out            sl__pw_enc_command: notice, column
 *                                     names, rows to the client's encoding
 *                                     (22P05 for a character it lacks);
 *                                     backend_sql made encoding-proof
 *   sluiced's own errors out          sl__pw_enc_error ('?' for what the
 *                                     encoding lacks)
 *   the check after ROLLBACK TO       sl__pw_enc_check_sql: its literals
 *   SAVEPOINT out                     in ASCII
 *
 * A Sluice DDL's backend_sql is UTF-8, but the backend reads the session's
 * Query messages in the client's encoding.  Converting it back could fail
 * for names and definitions other sessions wrote (a LATIN1 session's DROP
 * STREAM CASCADE of a view named in Japanese), and switching the backend's
 * client_encoding around it would leave a failed transaction block in
 * UTF8 until its ROLLBACK.  So a backend_sql with non-ASCII bytes, for a
 * client that is not UTF8 or SQL_ASCII, is sent as pure ASCII: a DO block
 * that runs EXECUTE on the UTF-8 bytes given in hex (convert_from decodes
 * them into the database's encoding).  Its errors come back in the client's
 * encoding as any; the context lines the wrapping adds are cut.  The check
 * query after a ROLLBACK TO SAVEPOINT returns a row, which a DO block
 * cannot; its non-ASCII bytes are all inside string literals (names and
 * definitions), each of which becomes convert_from(decode('<hex>', 'hex'),
 * 'UTF8').  (A SET client_encoding in the same Query would not do: the
 * backend converts a whole Query message before it runs any of it.)
 */
#include "net/pgwire_int.h"

#include <string.h>

#include <event2/buffer.h>

#include "util/buf.h"

#define PARAM_PEEK 64   /* bytes of a ParameterStatus read for its name */

static const char wrap_head[] = "DO $sluice_enc$BEGIN EXECUTE convert_from(decode('";
static const char wrap_tail[] = "', 'hex'), 'UTF8'); END$sluice_enc$";

void sl__pw_enc_param(sl_pwconn_t *c, const char *body, size_t len)
{
    static const char name[] = "client_encoding";
    if (len < sizeof(name) + 1 || memcmp(body, name, sizeof(name)) != 0)
        return;
    char value[32];
    size_t n = len - sizeof(name);
    if (n > sizeof(value))
        n = sizeof(value);
    memcpy(value, body + sizeof(name), n);
    if (memchr(value, 0, n) == NULL)
        return;
    /* one sluiced does not know (none of PostgreSQL 15's): its Sluice
     * statements fail with 0A000 rather than be read wrong */
    sl_enc_set(&c->enc, sl_enc_lookup(value));
}

void sl__pw_enc_param_peek(sl_pwconn_t *c, struct evbuffer *in, size_t off, size_t len)
{
    char peek[PARAM_PEEK];
    size_t n = len < sizeof(peek) ? len : sizeof(peek);
    struct evbuffer_ptr ptr;
    evbuffer_ptr_set(in, &ptr, off, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &ptr, peek, n);
    sl__pw_enc_param(c, peek, n);
}

static void enc_close(void *arg)
{
    sl_enc_close(arg);
}

void sl__pw_enc_init(sl_pwconn_t *c)
{
    c->enc = (sl_enc_t)SL_ENC_INIT;
    sl_arena_on_free(c->arena, enc_close, &c->enc);
}

int sl__pw_enc_in(sl_pwconn_t *c, const char *q, size_t n, const char **out, size_t *out_len,
                  sl_error_t *err)
{
    return sl_enc_to_utf8(&c->enc, q, n, c->qarena, out, out_len, err);
}

const char *sl__pw_enc_out(sl_pwconn_t *c, const char *sql)
{
    const char *out;
    sl_error_t err;
    sl_error_clear(&err);
    /* text that came from the client converts back; lossy never fails */
    sl_enc_from_utf8(&c->enc, sql, strlen(sql), true, c->qarena, &out, NULL, &err);
    return out;
}

/* Converts *s (NUL-terminated) in place to the client's encoding, in a. */
static int text_out(sl_pwconn_t *c, const char **s, bool lossy, sl_arena_t *a, sl_error_t *err)
{
    if (*s == NULL)
        return SL_OK;
    return sl_enc_from_utf8(&c->enc, *s, strlen(*s), lossy, a, s, NULL, err);
}

static bool has_high_bytes(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

int sl__pw_enc_command(sl_pwconn_t *c, sl_command_t *cmd, sl_arena_t *a, sl_error_t *err)
{
    if (sl_enc_is_utf8(&c->enc))
        return SL_OK;
    /* Rows first: they can fail (cmd is then half converted: not sent). */
    const char **names = sl_alloc0(a, sizeof(char *) * (size_t)(cmd->ncols + 1));
    for (int i = 0; i < cmd->ncols; i++) {
        names[i] = cmd->colnames[i];
        if (text_out(c, &names[i], false, a, err) != SL_OK)
            return SL_ERR;
    }
    size_t ncells = (size_t)cmd->nrows * (size_t)cmd->ncols;
    for (size_t i = 0; i < ncells; i++) {
        const char *v = cmd->cells[i];
        if (text_out(c, &v, false, a, err) != SL_OK)
            return SL_ERR;
        cmd->cells[i] = (char *)v;
    }
    cmd->colnames = names;
    text_out(c, &cmd->notice, true, a, err);
    if (cmd->backend_sql && has_high_bytes(cmd->backend_sql)) {
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(cmd->backend_sql);
        char *w = sl_alloc(a, sizeof(wrap_head) + 2 * n + sizeof(wrap_tail));
        char *o = w;
        memcpy(o, wrap_head, sizeof(wrap_head) - 1);
        o += sizeof(wrap_head) - 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char b = (unsigned char)cmd->backend_sql[i];
            *o++ = hex[b >> 4];
            *o++ = hex[b & 15];
        }
        memcpy(o, wrap_tail, sizeof(wrap_tail));
        cmd->backend_sql = w;
    }
    return SL_OK;
}

static void put_hex(sl_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        sl_buf_putc(b, hex[(unsigned char)s[i] >> 4]);
        sl_buf_putc(b, hex[(unsigned char)s[i] & 15]);
    }
}

static bool ident_char(char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || (unsigned char)ch >= 0x80;
}

const char *sl__pw_enc_check_sql(sl_pwconn_t *c, const char *sql)
{
    if (sl_enc_is_utf8(&c->enc) || !has_high_bytes(sql))
        return sql;
    sl_buf_t b = SL_BUF_INIT, lit = SL_BUF_INIT;
    const char *p = sql;
    while (*p) {
        if (*p == '"') {                                /* an identifier as is */
            const char *q = p + 1;
            while (*q && !(q[0] == '"' && q[1] != '"'))
                q += q[0] == '"' ? 2 : 1;
            q += *q ? 1 : 0;
            sl_buf_append(&b, p, (size_t)(q - p));
            p = q;
            continue;
        }
        bool esc = (*p == 'E' || *p == 'e') && p[1] == '\'' && (p == sql || !ident_char(p[-1]));
        if (*p != '\'' && !esc) {
            sl_buf_putc(&b, *p++);
            continue;
        }
        /* a literal: its bytes, then ASCII in place of it if it needs */
        const char *start = p;
        p += esc ? 2 : 1;
        bool high = false;
        sl_buf_reset(&lit);
        while (*p && !(p[0] == '\'' && p[1] != '\'')) {
            if (p[0] == '\'' || (esc && p[0] == '\\' && p[1])) {
                sl_buf_putc(&lit, p[1]);
                p += 2;
                continue;
            }
            high |= (unsigned char)*p >= 0x80;
            sl_buf_putc(&lit, *p++);
        }
        p += *p ? 1 : 0;
        if (!high) {
            sl_buf_append(&b, start, (size_t)(p - start));
            continue;
        }
        sl_buf_puts(&b, "convert_from(decode('");
        put_hex(&b, lit.data, lit.len);
        sl_buf_puts(&b, "', 'hex'), 'UTF8')");
    }
    const char *r = sl_strdup(c->qarena, sl_buf_cstr(&b));
    sl_buf_free(&b);
    sl_buf_free(&lit);
    return r;
}

/* Copies t to the fixed field dst (cap bytes), cut at a character. */
static void put_field(sl_pwconn_t *c, char *dst, size_t cap, sl_arena_t *a)
{
    const char *s = dst;
    sl_error_t ignored;
    sl_error_clear(&ignored);
    if (text_out(c, &s, true, a, &ignored) != SL_OK || s == dst)
        return;
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memmove(dst, s, n);
    dst[n] = 0;
}

void sl__pw_enc_error(sl_pwconn_t *c, sl_error_t *err)
{
    if (sl_enc_is_utf8(&c->enc))
        return;
    put_field(c, err->message, sizeof(err->message), c->qarena);
    put_field(c, err->detail, sizeof(err->detail), c->qarena);
    put_field(c, err->hint, sizeof(err->hint), c->qarena);
}

bool sl__pw_enc_wrapped(const char *sql)
{
    return sql != NULL && strncmp(sql, wrap_head, sizeof(wrap_head) - 1) == 0;
}

size_t sl__pw_enc_cut_context(char *body, size_t len)
{
    /* fields: code, NUL-terminated value; a NUL ends them */
    size_t i = 0;
    while (i < len && body[i] != 0) {
        char *val = body + i + 1;
        char *nul = memchr(val, 0, len - i - 1);
        if (nul == NULL)
            return len;
        size_t next = (size_t)(nul - body) + 1;
        if (body[i] != 'W') {
            i = next;
            continue;
        }
        /* the wrapping's own lines come last: its EXECUTE's statement */
        char *cut = NULL;
        for (char *p = val; (p = strstr(p, "SQL statement \"")) != NULL; p++)
            if (p == val || p[-1] == '\n')
                cut = p;
        if (cut == NULL)
            return len;
        if (cut > val && cut[-1] == '\n')
            cut--;
        if (cut == val) {
            /* all of it is the wrapping's: drop the field */
            memmove(body + i, body + next, len - next);
            return len - (next - i);
        }
        size_t keep = (size_t)(cut - body) + 1;   /* through a new NUL */
        *cut = 0;
        memmove(body + keep, body + next, len - next);
        return len - (next - keep);
    }
    return len;
}
