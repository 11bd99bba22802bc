/*
 * jsonb.h: PostgreSQL 15's jsonb in Sluice.
 *
 * A jsonb datum is its canonical text, a (pointer, length) slice in .v.s
 * like text: exactly what PostgreSQL's jsonb_out prints for the value
 * (object keys de-duplicated, last wins, ordered shorter first then
 * bytewise; ", " and ": " as separators; numbers as numeric_out prints
 * them; strings escaped as escape_json does).  Because the form is fixed,
 * every operation below walks it without validating, and a sub-value
 * (j -> 'k') is a slice of its parent's bytes, canonical itself.
 *
 * sl_jsonb_input is jsonb_in: the same grammar, the same errors (22P02
 * "invalid input syntax for type json" with PostgreSQL's DETAIL, 22P05
 * for \u0000, 22003 for a number numeric cannot hold, 22021 for bad
 * UTF-8), nesting bounded by SL_JSONB_MAX_DEPTH (54001 beyond), a number's
 * text by SL_JSONB_MAX_EXPANSION (54000).
 *
 * Comparison is jsonb's btree order (Object > Array > Boolean > Number >
 * String > Null, containers by size first, a top-level empty array below
 * any scalar); strings by the text collation (util/types.h).  Hash and
 * equality are value-based (1.0 equals 1.00), as jsonb's hash opclass is.
 */
#ifndef SL_JSONB_H
#define SL_JSONB_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/types.h"

#define SL_JSONB_MAX_DEPTH 1000
/* Digits an exponent may add to a number's text (1e1000 is fine, 1e5000
 * is refused with 54000, though PostgreSQL takes it). */
#define SL_JSONB_MAX_EXPANSION 1024

/* Kinds in jsonb's btree type order. */
typedef enum sl_jb_kind {
    SL_JB_NULL, SL_JB_STRING, SL_JB_NUMBER, SL_JB_BOOL, SL_JB_ARRAY, SL_JB_OBJECT
} sl_jb_kind_t;

/* A jsonb value: a slice of canonical text. */
typedef struct sl_jb {
    const char *p;
    uint32_t n;
} sl_jb_t;

/* Parses JSON text s[0..n) as jsonb_in does into out (.v.s: canonical
 * text allocated from a).  SL_OK or SL_ERR with PostgreSQL's error. */
int sl_jsonb_input(const char *s, uint32_t n, sl_arena_t *a, sl_datum_t *out,
                   sl_error_t *err);

/* to_jsonb: datum d (NULL or not) of type t as jsonb into out, PostgreSQL's
 * rendering of each type (numbers as numbers but NaN and the infinities as
 * strings, timestamps as ISO 8601 strings in UTC, arrays as arrays, the
 * other types as the JSON string of their text). */
int sl_jsonb_from_datum(sl_type_t t, const sl_datum_t *d, sl_arena_t *a, sl_datum_t *out,
                        sl_error_t *err);

sl_jb_kind_t sl_jsonb_kind(sl_jb_t j);
/* jsonb_typeof: "object", "array", "string", "number", "boolean", "null". */
const char *sl_jsonb_typeof(sl_jb_t j);
/* jsonb_array_length; 22023 for a scalar or an object. */
int sl_jsonb_array_length(sl_jb_t j, int64_t *len, sl_error_t *err);

/* btree order: <0, 0, >0. */
int sl_jsonb_cmp(sl_jb_t a, sl_jb_t b);
bool sl_jsonb_eq(sl_jb_t a, sl_jb_t b);
uint64_t sl_jsonb_hash(sl_jb_t j);

/* j -> key (an object's field; key as raw text); false when absent or j
 * is no object. */
bool sl_jsonb_field(sl_jb_t j, const char *key, uint32_t kn, sl_jb_t *out);
/* j -> idx (an array's element, negative from the end; a top-level scalar
 * is a one-element array, as in PostgreSQL); false when out of range. */
bool sl_jsonb_elem(sl_jb_t j, int64_t idx, sl_jb_t *out);
/* ->> of a value: a string unescaped (a slice of j when it has no escape,
 * else copied into a), other values as their text; false for null. */
bool sl_jsonb_text(sl_jb_t j, sl_arena_t *a, const char **p, uint32_t *n);

/* A path (#>, #>>) or key list (?|, ?&): a text[] literal parsed. */
typedef struct sl_jb_path {
    int n;
    const char **p;      /* element bytes, NULL for a NULL element */
    uint32_t *len;
} sl_jb_path_t;
/* Parses a one-dimensional text[] literal ('{a,0,"b c"}') as array_in
 * does for text[]: 22P02 "malformed array literal" otherwise. */
int sl_jsonb_parse_path(const char *s, uint32_t n, sl_arena_t *a, sl_jb_path_t *out,
                        sl_error_t *err);
/* j #> path: false for no value (absent, NULL element, not an index). */
bool sl_jsonb_get_path(sl_jb_t j, const sl_jb_path_t *path, sl_jb_t *out);

/* j ? key: a top-level key, or a string element of an array (or the
 * top-level scalar string). */
bool sl_jsonb_exists(sl_jb_t j, const char *key, uint32_t kn);
/* a @> b with PostgreSQL's containment rules. */
bool sl_jsonb_contains(sl_jb_t a, sl_jb_t b);

/*
 * jsonb -> type t (int2/4/8, float4/8, numeric, bool) as PostgreSQL's
 * casts do: 22023 "cannot cast jsonb string to type integer", 22003 for
 * a number out of range (numbers round half away from zero).  Numbers
 * reach float and numeric through that type's input function, so
 * sl_type_input's numeric is the seam.
 */
int sl_jsonb_cast(sl_jb_t j, sl_type_t t, sl_arena_t *a, sl_datum_t *out, sl_error_t *err);

#endif
