/*
 * encoding.c: client encodings by PostgreSQL's names, and conversion to
 * and from UTF-8 with glibc's iconv (see encoding.h).
 */
#include "util/encoding.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"

#define NO_CD ((void *)-1)

/*
 * Every client encoding of PostgreSQL 15 (pg_enc2name_tbl less the
 * server-only ones; SJIS, BIG5, GBK, UHC, GB18030, JOHAB, SHIFT_JIS_2004
 * are client-only there): its name, glibc's iconv name (the Windows code
 * pages where PostgreSQL's tables follow them), and how long a character
 * is by its first byte, for the bytes an error shows:
 * 0 one byte, 'U' UTF-8, 'J' EUC-JP, 'C' two bytes if high, 'T' EUC-TW,
 * 'S' Shift JIS, 'G' GB18030.
 */
typedef struct enc_info {
    const char *name;
    const char *iconv;          /* NULL: no converter (SQL_ASCII needs none) */
    char mb;
} enc_info_t;

static const enc_info_t encodings[] = {
    [SL_ENC_SQL_ASCII] = {"SQL_ASCII", NULL, 0},
    [SL_ENC_UTF8] = {"UTF8", "UTF-8", 'U'},
    {"EUC_JP", "EUC-JP", 'J'},
    {"EUC_CN", "EUC-CN", 'C'},
    {"EUC_KR", "EUC-KR", 'C'},
    {"EUC_TW", "EUC-TW", 'T'},
    {"EUC_JIS_2004", "EUC-JISX0213", 'J'},
    {"MULE_INTERNAL", NULL, 'C'},
    {"LATIN1", "ISO-8859-1", 0},
    {"LATIN2", "ISO-8859-2", 0},
    {"LATIN3", "ISO-8859-3", 0},
    {"LATIN4", "ISO-8859-4", 0},
    {"LATIN5", "ISO-8859-9", 0},
    {"LATIN6", "ISO-8859-10", 0},
    {"LATIN7", "ISO-8859-13", 0},
    {"LATIN8", "ISO-8859-14", 0},
    {"LATIN9", "ISO-8859-15", 0},
    {"LATIN10", "ISO-8859-16", 0},
    {"WIN1256", "CP1256", 0},
    {"WIN1258", "CP1258", 0},
    {"WIN866", "CP866", 0},
    {"WIN874", "CP874", 0},
    {"KOI8R", "KOI8-R", 0},
    {"WIN1251", "CP1251", 0},
    {"WIN1252", "CP1252", 0},
    {"ISO_8859_5", "ISO-8859-5", 0},
    {"ISO_8859_6", "ISO-8859-6", 0},
    {"ISO_8859_7", "ISO-8859-7", 0},
    {"ISO_8859_8", "ISO-8859-8", 0},
    {"WIN1250", "CP1250", 0},
    {"WIN1253", "CP1253", 0},
    {"WIN1254", "CP1254", 0},
    {"WIN1255", "CP1255", 0},
    {"WIN1257", "CP1257", 0},
    {"KOI8U", "KOI8-U", 0},
    {"SJIS", "CP932", 'S'},
    {"BIG5", "CP950", 'C'},
    {"GBK", "CP936", 'C'},
    {"UHC", "CP949", 'C'},
    {"GB18030", "GB18030", 'G'},
    {"JOHAB", "JOHAB", 'C'},
    {"SHIFT_JIS_2004", "SHIFT_JISX0213", 'S'},
};
#define NENC ((int)(sizeof(encodings) / sizeof(encodings[0])))

/* PostgreSQL's other spellings (pg_encname_tbl), cleaned as below. */
static const struct {
    const char *alias, *name;
} aliases[] = {
    {"abc", "WIN1258"}, {"alt", "WIN866"}, {"iso88591", "LATIN1"},
    {"iso88592", "LATIN2"}, {"iso88593", "LATIN3"}, {"iso88594", "LATIN4"},
    {"iso88599", "LATIN5"}, {"iso885910", "LATIN6"}, {"iso885913", "LATIN7"},
    {"iso885914", "LATIN8"}, {"iso885915", "LATIN9"}, {"iso885916", "LATIN10"},
    {"koi8", "KOI8R"}, {"mskanji", "SJIS"}, {"shiftjis", "SJIS"}, {"tcvn", "WIN1258"},
    {"tcvn5712", "WIN1258"}, {"unicode", "UTF8"}, {"vscii", "WIN1258"}, {"win", "WIN1251"},
    {"win932", "SJIS"}, {"win936", "GBK"}, {"win949", "UHC"}, {"win950", "BIG5"},
    {"windows866", "WIN866"}, {"windows874", "WIN874"}, {"windows932", "SJIS"},
    {"windows936", "GBK"}, {"windows949", "UHC"}, {"windows950", "BIG5"},
    {"windows1250", "WIN1250"}, {"windows1251", "WIN1251"}, {"windows1252", "WIN1252"},
    {"windows1253", "WIN1253"}, {"windows1254", "WIN1254"}, {"windows1255", "WIN1255"},
    {"windows1256", "WIN1256"}, {"windows1257", "WIN1257"}, {"windows1258", "WIN1258"},
};

/* PostgreSQL's clean_encoding_name: letters and digits, lower case. */
static void clean(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = 0;
}

int sl_enc_lookup(const char *name)
{
    char want[32], have[32];
    if (name == NULL || strlen(name) >= sizeof(want))
        return -1;
    clean(name, want, sizeof(want));
    for (int i = 0; i < NENC; i++) {
        clean(encodings[i].name, have, sizeof(have));
        if (strcmp(want, have) == 0)
            return i;
    }
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(want, aliases[i].alias) == 0)
            return sl_enc_lookup(aliases[i].name);
    return -1;
}

const char *sl_enc_name(int id)
{
    return id >= 0 && id < NENC ? encodings[id].name : "UNKNOWN";
}

void sl_enc_close(sl_enc_t *e)
{
    if (e->to_utf8 != NO_CD)
        iconv_close((iconv_t)e->to_utf8);
    if (e->from_utf8 != NO_CD)
        iconv_close((iconv_t)e->from_utf8);
    e->to_utf8 = e->from_utf8 = NO_CD;
}

void sl_enc_set(sl_enc_t *e, int id)
{
    if (id < -1 || id >= NENC || id == e->id)
        return;
    sl_enc_close(e);
    e->id = id;
}

bool sl_enc_is_utf8(const sl_enc_t *e)
{
    return e->id == SL_ENC_UTF8 || e->id == SL_ENC_SQL_ASCII;
}

/* Length of the character at s by its first byte(s) in encoding id, as
 * PostgreSQL's pg_encoding_mblen reckons it. */
static size_t char_len(int id, const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    switch (encodings[id].mb) {
    case 'U':
        return (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
    case 'J':
        return c == 0x8f ? 3 : 2;
    case 'T':
        return c == 0x8e ? 4 : 2;
    case 'S':
        return c >= 0xa1 && c <= 0xdf ? 1 : 2;
    case 'G':
        return n > 1 && s[1] >= 0x30 && s[1] <= 0x39 ? 4 : 2;
    case 'C':
        return 2;
    default:
        return 1;
    }
}

/* "0xe9 0x41": the bytes of the character at s (at most 8, as PostgreSQL). */
static void show_bytes(int id, const char *s, size_t n, char *out, size_t cap)
{
    size_t k = n > 0 ? char_len(id, (const unsigned char *)s, n) : 0;
    if (k > n)
        k = n;
    if (k > 8)
        k = 8;
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < k && o + 6 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s0x%02x", i ? " " : "",
                              (unsigned char)s[i]);
}

static int invalid_bytes(int id, const char *s, size_t n, sl_error_t *err)
{
    char b[48];
    show_bytes(id, s, n, b, sizeof(b));
    return sl_error_set(err, "22021", 0, "invalid byte sequence for encoding \"%s\": %s",
                        encodings[id].name, b);
}

static int no_equivalent(int from, int to, const char *s, size_t n, sl_error_t *err)
{
    char b[48];
    show_bytes(from, s, n, b, sizeof(b));
    return sl_error_set(err, "22P05", 0, "character with byte sequence %s in encoding \"%s\" "
                        "has no equivalent in encoding \"%s\"", b, encodings[from].name,
                        encodings[to].name);
}

/* The position of the first invalid UTF-8 sequence in s, or n. */
static size_t utf8_bad(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80 && s[i] != 0) {
            i++;
            continue;
        }
        size_t k = s[i] == 0 ? 0 : sl_utf8_seqlen(s + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

/* Opens the converter *cd (to UTF-8 or from it) for encoding id if not
 * open yet; 0A000 if there is none (MULE_INTERNAL, an unknown id). */
static int open_cd(void **cd, bool to_utf8, int id, sl_error_t *err)
{
    if (*cd != NO_CD)
        return SL_OK;
    const char *name = id >= 0 ? encodings[id].iconv : NULL;
    iconv_t h = (iconv_t)-1;
    if (name != NULL)
        h = to_utf8 ? iconv_open("UTF-8", name) : iconv_open(name, "UTF-8");
    if (h == (iconv_t)-1)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "conversion between %s and UTF8 is not supported", sl_enc_name(id));
    *cd = (void *)h;
    return SL_OK;
}

/*
 * Runs cd over s (n bytes) into a NUL-terminated copy in a.  At a
 * sequence cd cannot take: *bad = its offset and SL_ERR, unless lossy,
 * which writes '?' and skips the character (skip(s) bytes of it).
 */
static int run(iconv_t cd, const char *s, size_t n, bool lossy, int skip_id, sl_arena_t *a,
               const char **out, size_t *out_len, size_t *bad)
{
    size_t cap = n * 2 + 16, used = 0;
    char *o = sl_alloc(a, cap);
    char *in = (char *)s;
    size_t left = n;
    bool flushed = false;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (!flushed) {
        char *op = o + used;
        size_t room = cap - used - 1;
        bool flush = left == 0;          /* input done: shift state out */
        size_t r = flush ? iconv(cd, NULL, NULL, &op, &room) : iconv(cd, &in, &left, &op, &room);
        int e = errno;
        used = (size_t)(op - o);
        if (r != (size_t)-1) {
            flushed = flush;
            continue;
        }
        if (e != E2BIG) {
            /* EILSEQ, or EINVAL: a sequence cut short at the end */
            if (lossy && flush) {
                flushed = true;     /* what state held is lost */
                continue;
            }
            if (!lossy) {
                *bad = (size_t)(in - s);
                return SL_ERR;
            }
            if (room > 0) {
                o[used++] = '?';
                size_t k = char_len(skip_id, (const unsigned char *)in, left);
                k = k > left ? left : k;
                in += k;
                left -= k;
                continue;
            }
        }
        o = sl_realloc(a, o, cap, cap * 2);
        cap *= 2;
    }
    o[used] = 0;
    *out = o;
    if (out_len)
        *out_len = used;
    return SL_OK;
}

int sl_enc_to_utf8(sl_enc_t *e, const char *s, size_t n, sl_arena_t *a, const char **out,
                   size_t *out_len, sl_error_t *err)
{
    if (sl_enc_is_utf8(e)) {
        size_t bad = utf8_bad(s, n);
        if (bad < n)
            return invalid_bytes(SL_ENC_UTF8, s + bad, n - bad, err);
        *out = s;
        if (out_len)
            *out_len = n;
        return SL_OK;
    }
    if (open_cd(&e->to_utf8, true, e->id, err) != SL_OK)
        return SL_ERR;
    size_t bad = 0;
    if (run((iconv_t)e->to_utf8, s, n, false, e->id, a, out, out_len, &bad) == SL_OK)
        return SL_OK;
    /* A single-byte encoding has no invalid bytes, only unmapped ones; in a
     * multibyte one iconv does not tell the two apart: malformed. */
    if (encodings[e->id].mb == 0)
        return no_equivalent(e->id, SL_ENC_UTF8, s + bad, n - bad, err);
    return invalid_bytes(e->id, s + bad, n - bad, err);
}

int sl_enc_from_utf8(sl_enc_t *e, const char *s, size_t n, bool lossy, sl_arena_t *a,
                     const char **out, size_t *out_len, sl_error_t *err)
{
    if (sl_enc_is_utf8(e)) {
        *out = s;
        if (out_len)
            *out_len = n;
        return SL_OK;
    }
    if (open_cd(&e->from_utf8, false, e->id, err) != SL_OK) {
        if (!lossy)
            return SL_ERR;
        /* nothing to convert with: ASCII survives, the rest is '?' */
        char *o = sl_alloc(a, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n;) {
            size_t l = char_len(SL_ENC_UTF8, (const unsigned char *)s + i, n - i);
            o[k++] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
            i += l > n - i ? n - i : l;
        }
        o[k] = 0;
        *out = o;
        if (out_len)
            *out_len = k;
        sl_error_clear(err);
        return SL_OK;
    }
    size_t bad = 0;
    if (run((iconv_t)e->from_utf8, s, n, lossy, SL_ENC_UTF8, a, out, out_len, &bad) == SL_OK)
        return SL_OK;
    return no_equivalent(SL_ENC_UTF8, e->id, s + bad, n - bad, err);
}
