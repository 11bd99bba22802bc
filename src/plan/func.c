/*
 * func.c: the catalog of built-in scalar functions (func.h), and the names
 * of PostgreSQL's functions that Sluice does not have.
 *
 * Entries of one name are consecutive and in the order the analyzer prefers
 * among equally good matches (double precision before numeric, as
 * PostgreSQL prefers its category's preferred type).
 */
#include "plan/func.h"

#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define I2 SL_T_INT2
#define I4 SL_T_INT4
#define I8 SL_T_INT8
#define F4 SL_T_FLOAT4
#define F8 SL_T_FLOAT8
#define NUM SL_T_NUMERIC
#define TXT SL_T_TEXT
#define BOOL SL_T_BOOL
#define TSTZ SL_T_TIMESTAMPTZ
#define TS SL_T_TIMESTAMP
#define JB SL_T_JSONB
#define DATE SL_T_DATE
#define TIME SL_T_TIME
#define IV SL_T_INTERVAL

static const sl_func_sig_t funcs[] = {
    {"abs", SL_F_ABS, 1, {I2}, I2, true},
    {"abs", SL_F_ABS, 1, {I4}, I4, true},
    {"abs", SL_F_ABS, 1, {I8}, I8, true},
    {"abs", SL_F_ABS, 1, {F4}, F4, true},
    {"abs", SL_F_ABS, 1, {F8}, F8, true},
    {"abs", SL_F_ABS, 1, {NUM}, NUM, true},
    {"age", SL_F_AGE, 2, {TSTZ, TSTZ}, IV, true},
    {"age", SL_F_AGE, 2, {TS, TS}, IV, true},
    {"ascii", SL_F_ASCII, 1, {TXT}, I4, true},
    {"btrim", SL_F_BTRIM, 1, {TXT}, TXT, true},
    {"btrim", SL_F_BTRIM, 2, {TXT, TXT}, TXT, true},
    {"cbrt", SL_F_CBRT, 1, {F8}, F8, true},
    {"ceil", SL_F_CEIL, 1, {F8}, F8, true},
    {"ceil", SL_F_CEIL, 1, {NUM}, NUM, true},
    {"ceiling", SL_F_CEIL, 1, {F8}, F8, true},
    {"ceiling", SL_F_CEIL, 1, {NUM}, NUM, true},
    {"char_length", SL_F_LENGTH, 1, {TXT}, I4, true},
    {"character_length", SL_F_LENGTH, 1, {TXT}, I4, true},
    {"chr", SL_F_CHR, 1, {I4}, TXT, true},
    {"concat", SL_F_CONCAT, -1, {0}, TXT, false},
    {"concat_ws", SL_F_CONCAT_WS, -1, {TXT}, TXT, false},
    {"date_part", SL_F_DATE_PART, 2, {TXT, TSTZ}, F8, true},
    {"date_part", SL_F_DATE_PART, 2, {TXT, TS}, F8, true},
    {"date_part", SL_F_DATE_PART, 2, {TXT, DATE}, F8, true},
    {"date_part", SL_F_TIME_PART, 2, {TXT, TIME}, F8, true},
    {"date_trunc", SL_F_DATE_TRUNC, 2, {TXT, TSTZ}, TSTZ, true},
    {"date_trunc", SL_F_DATE_TRUNC, 2, {TXT, TS}, TS, true},
    {"exp", SL_F_EXP, 1, {F8}, F8, true},
    {"exp", SL_F_EXP, 1, {NUM}, NUM, true},
    {"extract", SL_F_EXTRACT, 2, {TXT, TSTZ}, NUM, true},
    {"extract", SL_F_EXTRACT, 2, {TXT, TS}, NUM, true},
    {"extract", SL_F_EXTRACT_DATE, 2, {TXT, DATE}, NUM, true},
    {"extract", SL_F_TIME_PART, 2, {TXT, TIME}, NUM, true},
    {"floor", SL_F_FLOOR, 1, {F8}, F8, true},
    {"floor", SL_F_FLOOR, 1, {NUM}, NUM, true},
    {"hop", SL_F_HOP, 3, {TSTZ, TXT, TXT}, TSTZ, true},
    {"hop", SL_F_HOP, 3, {TS, TXT, TXT}, TS, true},
    {"hop", SL_F_HOP, 3, {TSTZ, SL_T_INTERVAL, SL_T_INTERVAL}, TSTZ, true},
    {"hop", SL_F_HOP, 3, {TS, SL_T_INTERVAL, SL_T_INTERVAL}, TS, true},
    {"initcap", SL_F_INITCAP, 1, {TXT}, TXT, true},
    {"jsonb_array_length", SL_F_JSONB_ARRAY_LENGTH, 1, {JB}, I4, true},
    {"jsonb_typeof", SL_F_JSONB_TYPEOF, 1, {JB}, TXT, true},
    {"left", SL_F_LEFT, 2, {TXT, I4}, TXT, true},
    {"length", SL_F_LENGTH, 1, {TXT}, I4, true},
    {"like_escape", SL_F_LIKE_ESCAPE, 2, {TXT, TXT}, TXT, true},
    {"ln", SL_F_LN, 1, {F8}, F8, true},
    {"ln", SL_F_LN, 1, {NUM}, NUM, true},
    {"log", SL_F_LOG10, 1, {F8}, F8, true},
    {"log", SL_F_LOG10, 1, {NUM}, NUM, true},
    {"log", SL_F_LOG, 2, {NUM, NUM}, NUM, true},
    {"log10", SL_F_LOG10, 1, {F8}, F8, true},
    {"log10", SL_F_LOG10, 1, {NUM}, NUM, true},
    {"lower", SL_F_LOWER, 1, {TXT}, TXT, true},
    {"lpad", SL_F_LPAD, 2, {TXT, I4}, TXT, true},
    {"lpad", SL_F_LPAD, 3, {TXT, I4, TXT}, TXT, true},
    {"ltrim", SL_F_LTRIM, 1, {TXT}, TXT, true},
    {"ltrim", SL_F_LTRIM, 2, {TXT, TXT}, TXT, true},
    {"make_date", SL_F_MAKE_DATE, 3, {I4, I4, I4}, DATE, true},
    {"make_time", SL_F_MAKE_TIME, 3, {I4, I4, F8}, TIME, true},
    {"make_timestamp", SL_F_MAKE_TIMESTAMP, 6, {I4, I4, I4, I4, I4, F8}, TS, true},
    {"make_timestamptz", SL_F_MAKE_TIMESTAMP, 6, {I4, I4, I4, I4, I4, F8}, TSTZ, true},
    {"make_timestamptz", SL_F_MAKE_TIMESTAMP, 7, {I4, I4, I4, I4, I4, F8, TXT}, TSTZ, true},
    {"md5", SL_F_MD5, 1, {TXT}, TXT, true},
    {"mod", SL_F_MOD, 2, {I2, I2}, I2, true},
    {"mod", SL_F_MOD, 2, {I4, I4}, I4, true},
    {"mod", SL_F_MOD, 2, {I8, I8}, I8, true},
    {"mod", SL_F_MOD, 2, {NUM, NUM}, NUM, true},
    {"now", SL_F_NOW, 0, {0}, TSTZ, true},
    {"octet_length", SL_F_OCTET_LENGTH, 1, {TXT}, I4, true},
    {"position", SL_F_STRPOS, 2, {TXT, TXT}, I4, true},
    {"pow", SL_F_POWER, 2, {F8, F8}, F8, true},
    {"pow", SL_F_POWER, 2, {NUM, NUM}, NUM, true},
    {"power", SL_F_POWER, 2, {F8, F8}, F8, true},
    {"power", SL_F_POWER, 2, {NUM, NUM}, NUM, true},
    {"regexp_match", SL_F_REGEXP_MATCH, 2, {TXT, TXT}, SL_T_TEXT_ARRAY, true},
    {"regexp_match", SL_F_REGEXP_MATCH, 3, {TXT, TXT, TXT}, SL_T_TEXT_ARRAY, true},
    {"regexp_replace", SL_F_REGEXP_REPLACE, 3, {TXT, TXT, TXT}, TXT, true},
    {"regexp_replace", SL_F_REGEXP_REPLACE, 4, {TXT, TXT, TXT, TXT}, TXT, true},
    {"repeat", SL_F_REPEAT, 2, {TXT, I4}, TXT, true},
    {"replace", SL_F_REPLACE, 3, {TXT, TXT, TXT}, TXT, true},
    {"reverse", SL_F_REVERSE, 1, {TXT}, TXT, true},
    {"right", SL_F_RIGHT, 2, {TXT, I4}, TXT, true},
    {"round", SL_F_ROUND, 1, {F8}, F8, true},
    {"round", SL_F_ROUND, 1, {NUM}, NUM, true},
    {"round", SL_F_ROUND, 2, {NUM, I4}, NUM, true},
    {"rpad", SL_F_RPAD, 2, {TXT, I4}, TXT, true},
    {"rpad", SL_F_RPAD, 3, {TXT, I4, TXT}, TXT, true},
    {"rtrim", SL_F_RTRIM, 1, {TXT}, TXT, true},
    {"rtrim", SL_F_RTRIM, 2, {TXT, TXT}, TXT, true},
    {"session", SL_F_SESSION, 2, {TSTZ, TXT}, TSTZ, true},
    {"session", SL_F_SESSION, 2, {TS, TXT}, TS, true},
    {"session", SL_F_SESSION, 2, {TSTZ, SL_T_INTERVAL}, TSTZ, true},
    {"session", SL_F_SESSION, 2, {TS, SL_T_INTERVAL}, TS, true},
    {"sign", SL_F_SIGN, 1, {F8}, F8, true},
    {"sign", SL_F_SIGN, 1, {NUM}, NUM, true},
    {"split_part", SL_F_SPLIT_PART, 3, {TXT, TXT, I4}, TXT, true},
    {"sqrt", SL_F_SQRT, 1, {F8}, F8, true},
    {"sqrt", SL_F_SQRT, 1, {NUM}, NUM, true},
    {"starts_with", SL_F_STARTS_WITH, 2, {TXT, TXT}, BOOL, true},
    {"strpos", SL_F_STRPOS, 2, {TXT, TXT}, I4, true},
    {"substr", SL_F_SUBSTR, 2, {TXT, I4}, TXT, true},
    {"substr", SL_F_SUBSTR, 3, {TXT, I4, I4}, TXT, true},
    {"substring", SL_F_SUBSTR, 2, {TXT, I4}, TXT, true},
    {"substring", SL_F_SUBSTR, 3, {TXT, I4, I4}, TXT, true},
    {"textcat", SL_F_TEXTCAT, 2, {TXT, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR, 2, {TSTZ, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR, 2, {TS, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR_NUM, 2, {I4, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR_NUM, 2, {I8, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR_NUM, 2, {F4, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR_NUM, 2, {F8, TXT}, TXT, true},
    {"to_char", SL_F_TO_CHAR_NUM, 2, {NUM, TXT}, TXT, true},
    {"to_jsonb", SL_F_TO_JSONB, -1, {0}, SL_T_JSONB, true},   /* one argument */
    {"to_timestamp", SL_F_TO_TIMESTAMP, 1, {F8}, TSTZ, true},
    {"translate", SL_F_TRANSLATE, 3, {TXT, TXT, TXT}, TXT, true},
    {"trunc", SL_F_TRUNC, 1, {F8}, F8, true},
    {"trunc", SL_F_TRUNC, 1, {NUM}, NUM, true},
    {"trunc", SL_F_TRUNC, 2, {NUM, I4}, NUM, true},
    {"tumble", SL_F_TUMBLE, 2, {TSTZ, TXT}, TSTZ, true},
    {"tumble", SL_F_TUMBLE, 2, {TS, TXT}, TS, true},
    {"tumble", SL_F_TUMBLE, 3, {TSTZ, TXT, TSTZ}, TSTZ, true},
    {"tumble", SL_F_TUMBLE, 3, {TS, TXT, TS}, TS, true},
    {"tumble", SL_F_TUMBLE, 2, {TSTZ, SL_T_INTERVAL}, TSTZ, true},
    {"tumble", SL_F_TUMBLE, 2, {TS, SL_T_INTERVAL}, TS, true},
    {"tumble", SL_F_TUMBLE, 3, {TSTZ, SL_T_INTERVAL, TSTZ}, TSTZ, true},
    {"tumble", SL_F_TUMBLE, 3, {TS, SL_T_INTERVAL, TS}, TS, true},
    {"upper", SL_F_UPPER, 1, {TXT}, TXT, true},
    {"width_bucket", SL_F_WIDTH_BUCKET, 4, {F8, F8, F8, I4}, I4, true},
    {"width_bucket", SL_F_WIDTH_BUCKET, 4, {NUM, NUM, NUM, I4}, I4, true},
    {"window_end", SL_F_WINDOW_END, 1, {TSTZ}, TSTZ, true},
    {"window_end", SL_F_WINDOW_END, 1, {TS}, TS, true},
};

const char *sl_func_name(int id)
{
    for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
        if ((int)funcs[i].id == id)
            return funcs[i].name;
    return "?";
}

const sl_func_sig_t *sl_func_lookup(const char *name, int *n)
{
    /* Sorted by name: a binary search for the first entry of name. */
    size_t lo = 0, hi = sizeof(funcs) / sizeof(funcs[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(funcs[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < sizeof(funcs) / sizeof(funcs[0]) && strcmp(funcs[end].name, name) == 0)
        end++;
    *n = (int)(end - lo);
    return *n ? &funcs[lo] : NULL;
}

/* Every built-in function name of PostgreSQL, and those returning sets. */
#include "plan/pg_functions.inc"

static int name_cmp(const void *k, const void *e)
{
    return strcmp(k, *(const char *const *)e);
}

bool sl_func_pg_has(const char *name)
{
    return bsearch(name, pg_names, sizeof(pg_names) / sizeof(pg_names[0]),
                   sizeof(pg_names[0]), name_cmp) != NULL;
}

bool sl_func_pg_srf(const char *name)
{
    return bsearch(name, pg_srf_names, sizeof(pg_srf_names) / sizeof(pg_srf_names[0]),
                   sizeof(pg_srf_names[0]), name_cmp) != NULL;
}

static int u8len(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

static void set_text(sl_datum_t *out, const char *p, size_t n)
{
    out->v.s.p = p;
    out->v.s.n = (uint32_t)n;
}

/* like_escape(pattern, escape): the pattern with `escape` turned into
 * backslash escapes (an empty escape: none), as PostgreSQL rewrites it. */
int sl_func_like_escape(const char *p, size_t n, const char *esc, size_t en, sl_arena_t *a,
                    sl_datum_t *out, sl_error_t *err)
{
    char *r = sl_alloc(a, 2 * n + 1), *q = r;
    if (en == 0) {
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '\\')
                *q++ = '\\';
            *q++ = p[i];
        }
    } else {
        int el = u8len((unsigned char)esc[0]);
        if ((size_t)el != en) {
            sl_error_set(err, "22025", 0, "invalid escape string");
            sl_error_hint(err, "Escape string must be empty or one character.");
            return SL_ERR;
        }
        if (esc[0] == '\\') {
            memcpy(r, p, n);
            q = r + n;
        } else {
            bool after = false;
            for (size_t i = 0; i < n;) {
                size_t l = (size_t)u8len((unsigned char)p[i]);
                if (i + l > n)
                    l = n - i;
                if (l == en && memcmp(p + i, esc, l) == 0 && !after) {
                    *q++ = '\\';
                    after = true;
                } else if (p[i] == '\\') {
                    *q++ = '\\';
                    if (!after)
                        *q++ = '\\';
                    after = false;
                } else {
                    memcpy(q, p + i, l);
                    q += l;
                    after = false;
                }
                i += l;
            }
        }
    }
    out->null = false;
    set_text(out, r, (size_t)(q - r));
    return SL_OK;
}

/* C.UTF-8 (created on first use), so that regular expressions see UTF-8
 * characters as PostgreSQL does (`.` is one character), whatever the
 * process's locale; (locale_t)0 when the machine lacks it (bytes then). */
void *sl_func_regex_locale(void)
{
    static locale_t loc;
    static bool tried;
    if (!tried) {
        tried = true;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    return loc;
}

/* ASCII members of a [:class:] (PostgreSQL's classes under the C
 * collation), or NULL to keep the class as written. */
static const char *ascii_class(const char *name, size_t n, bool icase)
{
    static const struct { const char *name, *set; } classes[] = {
        {"alpha", "A-Za-z"}, {"upper", "A-Z"}, {"lower", "a-z"}, {"digit", "0-9"},
        {"alnum", "0-9A-Za-z"}, {"xdigit", "0-9A-Fa-f"}, {"space", " \t\n\r\f\v"},
        {"blank", " \t"}, {"punct", "!-/:-@[-`{-~"}, {"word", "_0-9A-Za-z"},
    };
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (strlen(classes[i].name) == n && memcmp(classes[i].name, name, n) == 0) {
            if (icase && (i == 1 || i == 2))
                return "A-Za-z";   /* [:upper:] / [:lower:] match either case */
            return classes[i].set;
        }
    return NULL;
}

/*
 * Rewrites a PostgreSQL pattern for glibc's ERE: character classes and the
 * escapes \d \s \w (and \D \S \W) become their ASCII sets, as PostgreSQL
 * has them under the C collation; with icase, ASCII letters outside escapes
 * are lower-cased (the subject is folded the same way at match time).
 */
static char *rewrite_pattern(const char *pat, size_t n, bool icase)
{
    sl_buf_t b = SL_BUF_INIT;
    bool in_bracket = false;
    for (size_t i = 0; i < n; i++) {
        char c = pat[i];
        if (!in_bracket && c == '\\' && i + 1 < n) {
            static const char *const esc[] = {"d", "[0-9]", "D", "[^0-9]", "s", "[ \t\n\r\f\v]",
                                              "S", "[^ \t\n\r\f\v]", "w", "[_0-9A-Za-z]",
                                              "W", "[^_0-9A-Za-z]"};
            const char *rep = NULL;
            for (size_t k = 0; k < sizeof(esc) / sizeof(esc[0]); k += 2)
                if (pat[i + 1] == esc[k][0])
                    rep = esc[k + 1];
            if (rep) {
                sl_buf_puts(&b, rep);
            } else {
                sl_buf_putc(&b, c);
                sl_buf_putc(&b, pat[i + 1]);
            }
            i++;
            continue;
        }
        if (!in_bracket && c == '[') {
            in_bracket = true;
            sl_buf_putc(&b, c);
            /* a leading ^ and a leading ] belong to the set */
            if (i + 1 < n && pat[i + 1] == '^')
                sl_buf_putc(&b, pat[++i]);
            if (i + 1 < n && pat[i + 1] == ']')
                sl_buf_putc(&b, pat[++i]);
            continue;
        }
        if (in_bracket && c == '[' && i + 1 < n && pat[i + 1] == ':') {
            const char *end = memchr(pat + i + 2, ':', n - i - 2);
            if (end && (size_t)(end - pat) + 1 < n && end[1] == ']') {
                const char *set = ascii_class(pat + i + 2, (size_t)(end - pat - i - 2), icase);
                if (set)
                    sl_buf_puts(&b, set);
                else
                    sl_buf_append(&b, pat + i, (size_t)(end - pat - i) + 2);
                i = (size_t)(end - pat) + 1;
                continue;
            }
        }
        if (in_bracket && c == ']')
            in_bracket = false;
        sl_buf_putc(&b, icase && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
    }
    char *r = sl_xstrdup(b.len ? sl_buf_cstr(&b) : "");
    sl_buf_free(&b);
    return r;
}

int sl_func_regex_compile(const char *pat, size_t n, bool icase, bool nosub, void *rev,
                          sl_error_t *err)
{
    regex_t *re = rev;
    char buf[256];
    char *p = rewrite_pattern(pat, n, icase);
    locale_t loc = sl_func_regex_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    int rc = regcomp(re, p, REG_EXTENDED | (nosub ? REG_NOSUB : 0));
    if (loc)
        uselocale(old);
    free(p);
    if (rc != 0) {
        regerror(rc, re, buf, sizeof(buf));
        return sl_error_set(err, "2201B", 0, "invalid regular expression: %s", buf);
    }
    return SL_OK;
}

void sl_func_fold_ascii(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] + 32);
}
