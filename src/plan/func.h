/*
 * func.h: the catalog of built-in scalar functions a continuous view may
 * call, with PostgreSQL's names, argument and result types.
 *
 * The analyzer (sql/analyze_func.c) picks a signature among a name's
 * entries as PostgreSQL's overload resolution would and builds an
 * SL_E_FUNC node with the entry's id; the executor (exec/func.c) has one
 * evaluator per id.  An id may serve several signatures (abs of each
 * numeric type): its evaluator looks at the node's argument types.
 */
#ifndef SL_FUNC_H
#define SL_FUNC_H

#include <stdbool.h>

#include "util/types.h"

typedef enum sl_func_id {
    SL_F_ABS, SL_F_SIGN, SL_F_ROUND, SL_F_TRUNC, SL_F_CEIL, SL_F_FLOOR,
    SL_F_MOD, SL_F_POWER, SL_F_SQRT, SL_F_CBRT, SL_F_EXP, SL_F_LN, SL_F_LOG10,
    SL_F_LOG, SL_F_WIDTH_BUCKET,
    SL_F_LOWER, SL_F_UPPER, SL_F_INITCAP, SL_F_LENGTH, SL_F_OCTET_LENGTH,
    SL_F_SUBSTR, SL_F_STRPOS, SL_F_REPLACE, SL_F_TRANSLATE, SL_F_BTRIM,
    SL_F_LTRIM, SL_F_RTRIM, SL_F_LPAD, SL_F_RPAD, SL_F_SPLIT_PART, SL_F_LEFT,
    SL_F_RIGHT, SL_F_REVERSE, SL_F_REPEAT, SL_F_CONCAT, SL_F_CONCAT_WS,
    SL_F_MD5, SL_F_STARTS_WITH, SL_F_ASCII, SL_F_CHR,
    SL_F_LIKE, SL_F_ILIKE, SL_F_REGEX, SL_F_REGEXP_REPLACE,
    SL_F_TEXTCAT, SL_F_LIKE_ESCAPE,
    SL_F_DATE_TRUNC, SL_F_DATE_PART, SL_F_EXTRACT, SL_F_TO_TIMESTAMP,
    SL_F_NOW,
    SL_F_ARRIVAL_STEP,  /* (step bigint µs): now() truncated to the step,
                           aligned to the Unix epoch; no SQL name (a
                           sliding window's group key, plan.h) */
    SL_F_TUMBLE, SL_F_HOP, SL_F_WINDOW_END, SL_F_SESSION,   /* plan/window.h */
    /* arrays (exec/array_ops.c; regexp_match in exec/func.c) */
    SL_F_REGEXP_MATCH, SL_F_CARDINALITY, SL_F_ARRAY_LENGTH, SL_F_ARRAY_POSITION,
    SL_F_ARRAY_TO_STRING, SL_F_SUBSCRIPT, SL_F_SLICE, SL_F_ARRAY, SL_F_ARRAY_LOWER,
    SL_F_ARRAY_UPPER, SL_F_STRING_TO_ARRAY,
    SL_F_ARRAY_CONTAINS, SL_F_ARRAY_CONTAINED, SL_F_ARRAY_OVERLAP,   /* @> <@ && */
    SL_F_ARRAY_CAT, SL_F_ARRAY_APPEND, SL_F_ARRAY_PREPEND,
    /* jsonb (exec/jsonb_ops.c): functions, then operators (-> ->> #> #>>
       ? ?| ?& @> <@: analyzed in sql/analyze_jsonb.c, not by name) */
    SL_F_JSONB_TYPEOF, SL_F_JSONB_ARRAY_LENGTH, SL_F_TO_JSONB,
    SL_F_JSONB_GET, SL_F_JSONB_GET_TEXT, SL_F_JSONB_PATH, SL_F_JSONB_PATH_TEXT,
    SL_F_JSONB_EXISTS, SL_F_JSONB_EXISTS_ANY, SL_F_JSONB_EXISTS_ALL,
    SL_F_JSONB_CONTAINS, SL_F_JSONB_CONTAINED,
    /* exec/func_time.c */
    SL_F_EXTRACT_DATE, SL_F_TIME_PART, SL_F_MAKE_DATE, SL_F_MAKE_TIME, SL_F_MAKE_TIMESTAMP,
    SL_F_AGE, SL_F_TO_CHAR, SL_F_TO_CHAR_NUM,
    SL_F_COUNT_
} sl_func_id_t;

/* Pseudo argument type of a variadic "any" function (concat). */
#define SL_T_ANY SL_T_NTYPES

typedef struct sl_func_sig {
    const char *name;
    sl_func_id_t id;
    int nargs;              /* -1: any number of arguments of any type */
    sl_type_t args[7];
    sl_type_t result;
    bool strict;            /* NULL in any argument gives NULL */
} sl_func_sig_t;

/* The entries for name (lower case), consecutive; NULL (and *n = 0) when
 * Sluice has no function of that name. */
const sl_func_sig_t *sl_func_lookup(const char *name, int *n);

/* PostgreSQL's name of function id (the first of its entries). */
const char *sl_func_name(int id);

/* Whether PostgreSQL has a function of that name that Sluice lacks (so
 * calling it is "not supported", 0A000, rather than "does not exist"). */
bool sl_func_pg_has(const char *name);
/* Whether PostgreSQL's function `name` returns a set (unnest, generate_series ...). */
bool sl_func_pg_srf(const char *name);

/*
 * like_escape(pattern, escape): the pattern with `escape` turned into
 * backslash escapes (an empty escape: none, every backslash doubled), as
 * PostgreSQL rewrites a LIKE ... ESCAPE pattern.  Allocates from a; 22025
 * "invalid escape string" when escape is more than one character.
 */
int sl_func_like_escape(const char *pat, size_t n, const char *esc, size_t en,
                        sl_arena_t *a, sl_datum_t *out, sl_error_t *err);

/* Compiles a POSIX extended regular expression (glibc's regcomp, an
 * approximation of PostgreSQL's advanced ones) into *re (a regex_t, freed
 * with regfree by the caller); 2201B "invalid regular expression: ..." on
 * failure.  Classes ([:alpha:] ...) and \d \s \w hold ASCII characters
 * only, as PostgreSQL's under the C collation; with icase, ASCII letters of
 * the pattern are folded: match it against a subject folded by
 * sl_func_fold_ascii. */
int sl_func_regex_compile(const char *pat, size_t n, bool icase, bool nosub, void *re,
                          sl_error_t *err);

/* Lower-cases the ASCII letters of s[0..n) in place. */
void sl_func_fold_ascii(char *s, size_t n);

/* The locale_t that regcomp and regexec run under (uselocale), or NULL. */
void *sl_func_regex_locale(void);

#endif
