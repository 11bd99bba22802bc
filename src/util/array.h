/*
 * array.h: arrays of Sluice's scalar types, with
 * PostgreSQL 15's input (array_in), output (array_out), comparison
 * (btarraycmp) and equality (array_eq: NULL elements equal each other).
 *
 * An array type is its own sl_type_t (SL_T_INT8_ARRAY ...); its element
 * type follows from it, its typmod is the elements' (varchar(n)[]: n,
 * numeric(p,s)[]: numeric's typmod, applied to each element on input).  A non-NULL array
 * value is a datum whose .v.s slice holds a self-contained packed list:
 *
 *     uint32 count, then per element a tag byte (0 NULL, 1 value) and
 *     for a value: 8 bytes (int64 or double: .v.i / .v.f of the element:
 *     integers, floats, booleans, timestamps, date, time), 16 bytes
 *     (interval .v.iv, uuid .v.u), or, for a slice type (text, numeric's
 *     text, jsonb's canonical text), a uint32 length and the bytes.
 *
 * The count's top bit says a shape follows it (an array of more than one
 * dimension, or with a lower bound other than 1): a byte ndim and per
 * dimension an int32 length and an int32 lower bound, before the elements.
 *
 * The bytes hold no pointers, so copying the slice (into a delta's arena,
 * as text is copied) copies the array.  Integers are unaligned: read with
 * memcpy (sl_array_next does).
 */
#ifndef SL_ARRAY_H
#define SL_ARRAY_H

#include "util/types.h"

/* Whether t is an array type; its element type (SL_T_UNKNOWN when t is
 * not an array); the array type of element type t (SL_T_UNKNOWN when
 * Sluice has none). */
static inline bool sl_type_is_array(sl_type_t t)
{
    /* two consecutive ranges in types.h */
    return (t >= SL_T_BOOL_ARRAY && t <= SL_T_TIMESTAMP_ARRAY) ||
           (t >= SL_T_NUMERIC_ARRAY && t <= SL_T_UUID_ARRAY);
}
sl_type_t sl_type_elem(sl_type_t t);
sl_type_t sl_type_array_of(sl_type_t t);

/* An array's shape as PostgreSQL keeps it: ndim (0 for an empty array,
 * at most SL_ARRAY_MAXDIM), each dimension's length and lower bound.  The
 * elements are stored flat, the last subscript varying fastest. */
#define SL_ARRAY_MAXDIM 6
typedef struct sl_array_shape {
    int ndim;
    int dims[SL_ARRAY_MAXDIM];
    int lbs[SL_ARRAY_MAXDIM];
} sl_array_shape_t;

void sl_array_shape(const sl_datum_t *a, sl_array_shape_t *sh);

/* Reading the elements of a non-NULL array datum in order. */
typedef struct sl_array_iter {
    sl_type_t elem;
    const char *p, *end;
    uint32_t left;
} sl_array_iter_t;

uint32_t sl_array_count(const sl_datum_t *a);
void sl_array_iter_init(sl_array_iter_t *it, sl_type_t array_type, const sl_datum_t *a);
/* The next element into *out (text points into the array's bytes); false
 * at the end. */
bool sl_array_next(sl_array_iter_t *it, sl_datum_t *out);

/* Building an array: elements appended to a growing buffer, then copied
 * into arena a as a datum. */
typedef struct sl_array_builder {
    sl_type_t elem;
    uint32_t n;
    sl_buf_t b;
    sl_array_shape_t shape;   /* ndim 0: one dimension of n, from 1 */
} sl_array_builder_t;

void sl_array_build_begin(sl_array_builder_t *ab, sl_type_t elem);
void sl_array_build_add(sl_array_builder_t *ab, const sl_datum_t *v);
/* The shape of the array being built (its element count must be the
 * product of the dimensions by the end); without it the array is
 * one-dimensional from 1. */
void sl_array_build_shape(sl_array_builder_t *ab, const sl_array_shape_t *sh);
/* Finishes into *out (allocated from a) and frees the builder. */
void sl_array_build_end(sl_array_builder_t *ab, sl_arena_t *a, sl_datum_t *out);
void sl_array_build_abort(sl_array_builder_t *ab);

/*
 * array_in: parses s[0..n) ('{1,2,NULL}', '{"a b",c}') as an array of
 * array_type whose elements have typmod; elements go through the element
 * type's input (sl_type_input).  22P02 "malformed array literal" with
 * PostgreSQL's DETAIL, the element's own error; up to six dimensions and
 * explicit bounds ('[0:1]={a,b}', '[1:2][1:1]={{1},{2}}') as PostgreSQL
 * takes them.
 */
int sl_array_input(sl_type_t array_type, int typmod, const char *s, uint32_t n,
                   sl_arena_t *a, sl_datum_t *out, sl_error_t *err);

/* array_out: {1,2,NULL}, {"a b",c,"",NULL}, {t,f}, {{1,2},{3,4}},
 * [0:1]={a,b}. */
void sl_array_output(sl_type_t array_type, const sl_datum_t *d, sl_buf_t *b);
/* array_out of a list of elements (array_agg's state). */
void sl_array_output_datums(sl_type_t elem, const sl_datum_t *v, uint32_t n, sl_buf_t *b);

/* btarraycmp: element by element (NULL after any value, NULLs equal),
 * then the shorter first, then fewer dimensions, then the dimensions'
 * lengths and lower bounds.  Equality (same shape, equal elements) and
 * hashing agree with it. */
int sl_array_cmp(sl_type_t array_type, const sl_datum_t *x, const sl_datum_t *y);
bool sl_array_eq(sl_type_t array_type, const sl_datum_t *x, const sl_datum_t *y);
uint64_t sl_array_hash(sl_type_t array_type, const sl_datum_t *d);

#endif
