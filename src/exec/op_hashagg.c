/*
 * op_hashagg.c: the hash aggregate operator and the delta it accumulates.
 *
 * A delta is the set of groups a view touched since the last flush, each
 * with its aggregates' partial states.  Groups are fixed-size records in
 * one array, in insertion order (so group g is record g):
 *
 *     [uint64 hash][sl_datum_t key[nkeys]][state of agg 0][state of agg 1]...
 *
 *     count(*) / count(x)   int64 n
 *     sum/avg of integers   __int128 sum, int64 n   (n = non-null inputs)
 *     sum/avg of floats     double sum, int64 n
 *     min / max             sl_datum_t (null until the first input)
 *     bool_and / bool_or    int64: 0 no input yet, 1 false, 2 true
 *     bit_and / bit_or      int64 value, int64 inputs
 *     statistics of floats  double N, Sx, Sxx[, Sy, Syy, Sxy]: PostgreSQL's
 *                           float8_accum / float8_regr_accum state, updated
 *                           as they update it (Youngs-Cramer)
 *     statistics of ints    int64 n, __int128 sum x, 192-bit sum x*x
 *     count/sum/avg         a pointer to a hash set of the distinct values
 *       (DISTINCT x)        (in the delta's arena), NULL until the first
 *     string_agg            a pointer to the list of values (a dset_t used
 *                           as an array: val[0 .. n-1]), NULL until the first
 *     sum/avg/statistics    int64 n, a pointer to exact sums (sl__numacc_t,
 *       of numeric          numeric_ops.c, in the delta's arena), NULL
 *                           until the first
 *
 * count(*) with a FILTER counts the rows whose projected filter is true;
 * the other aggregates see NULL arguments on filtered-out rows (project).
 *
 * An open-addressing table (linear probing, power-of-two size, load at
 * most 1/2) of {full hash, record index + 1} slots maps keys to records; a
 * probe compares the slot's hash before touching a record.  For a single
 * key of an integer-like type the hash is a bijection of the value (mix64,
 * a multiply by an odd constant and xorshifts are all invertible), so equal
 * hashes mean equal keys and a lookup never reads a record (a NULL key's
 * constant hash is the one case checked against the record).  Text keys and min/max
 * text are copied into the delta's arena only when a group is created or a
 * min/max changes, so memory grows with groups, never with events, and
 * survives the batch.  Records and table are malloc'd and grow by doubling.
 * A delta carries its own copy of the column layout so it stays usable
 * after the view (and this operator) is gone.
 *
 * push (called from sl_exec_apply) never fails: it first maps every row to
 * its group, then updates every aggregate of a row's record at once (one
 * record visit per row).  What PostgreSQL's transition functions would
 * refuse was refused before, in prepare: sl__hashagg_check runs float sums
 * (float8pl / float4pl: finite + finite = infinite is an error) and float
 * statistics over a scratch copy of the request's groups.
 *
 * A continuous transform (plan->transform: no aggregate, no GROUP BY)
 * uses the same delta with no table: every row is appended as a record of
 * its own (its "keys" are the select list), so unflushed rows are held,
 * counted by sl_delta_memory and bounded by max_memory as groups are.
 */
#include "exec/exec_int.h"
#include "util/array.h"

#include <float.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum upd {
    U_COUNT_STAR,
    U_COUNT,
    U_ISUM,   /* sum and avg over integers */
    U_FSUM,   /* sum and avg over floats / numeric */
    U_MIN,
    U_MAX,
    U_BOOL_AND,
    U_BOOL_OR,
    U_BIT_AND,
    U_BIT_OR,
    U_FSTAT,  /* var / stddev of floats */
    U_FSTAT2, /* corr, covar, regr */
    U_ISTAT,  /* var / stddev of integers */
    U_DISTINCT,
    U_LIST,   /* string_agg: every value, in order */
    U_NSUM,   /* sum and avg over numeric */
    U_NSTAT,  /* var / stddev of numeric */
    U_VSUM    /* sum and avg over interval */
} upd_t;

/* An interval sum: each field summed wide, so adding never fails; a sum
 * out of the interval range is PostgreSQL's to refuse at the flush. */
typedef struct vsum {
    __int128 us;
    int64_t days, months, n;
} vsum_t;

/* The distinct values of a DISTINCT aggregate in one group: open
 * addressing, power-of-two capacity, load at most 1/2, NULL = free slot
 * (values are never NULL).  Equal values by sl_datum_eq are kept once;
 * PostgreSQL's union decides for good (collations, -0 and 0). */
typedef struct dset {
    uint32_t n, cap;
    sl_datum_t *val;
} dset_t;

/* A set's by-reference value (text, numeric, jsonb: a slice, pointer and
 * length) leaves the last 4 bytes of its union unused: the set keeps the
 * value's hash there, so that a probe compares it first and growing does
 * not hash again, without touching more memory. */
_Static_assert(offsetof(sl_datum_t, v.s.n) + sizeof(uint32_t) <= 12,
               "a slice leaves the union's last 4 bytes free");

static inline uint32_t slot_hash(const sl_datum_t *v)
{
    uint32_t h;
    memcpy(&h, v->v.u + 12, sizeof(h));
    return h;
}

static inline void set_slot_hash(sl_datum_t *v, uint32_t h)
{
    memcpy(v->v.u + 12, &h, sizeof(h));
}

/* State of a statistics aggregate over integers (copied in and out with
 * memcpy: records are only 8-byte aligned). */
typedef struct istat {
    int64_t n;
    int64_t pad_;
    __int128 sx;
    unsigned __int128 sxx_lo;   /* sum of squares = sxx_hi * 2^128 + sxx_lo */
    uint64_t sxx_hi;
} istat_t;

typedef struct agg_layout {
    upd_t upd;
    bool single;             /* sum(real): float4pl, added in single precision */
    bool keep_nulls;         /* array_agg: U_LIST keeps NULL values too */
    bool nulls;              /* jsonb_agg: a list that keeps NULLs */
    int off;                 /* state offset in the record */
    sl_type_t argtype;
    int nstate;
    sl_type_t state_type[SL_AGG_MAX_STATE_COLS];
} agg_layout_t;

typedef struct layout {
    bool append;             /* a transform: one record per row, no table */
    int nkeys;
    bool hash_is_key;        /* one integer-like key: hash equality = key equality */
    bool int_keys;           /* every key integer-like (compared and hashed by v.i) */
    sl_type_t *ktype;
    int *ktypmod;
    int naggs;
    agg_layout_t *aggs;
    int nfsum;               /* aggregates with a float sum (U_FSUM) */
    int nfstat;              /* float statistics (U_FSTAT, U_FSTAT2) */
    size_t recsize;
    int ncols;               /* delta columns */
    int *col_agg;            /* for column c >= nkeys: aggregate index */
    int *col_state;          /* ... and its state column */
} layout_t;

typedef struct slot {
    uint64_t hash;
    uint32_t g1;             /* record index + 1, 0 = free */
} slot_t;

struct sl_delta {
    const layout_t *lay;     /* in arena */
    sl_arena_t *arena;       /* layout, text keys, min/max text */
    int ngroups;
    int cap;
    unsigned char *recs;     /* cap records (malloc) */
    slot_t *slots;           /* nslots entries */
    uint32_t nslots;
    double fmax;             /* largest |finite float sum| any group held */
    double xmax;             /* largest |finite value| a float statistic took */
};

typedef struct hashagg {
    sl__op_t op;
    layout_t lay;            /* the template copied into every delta */
    sl_delta_t *cur;
} hashagg_t;

#define HASH_SEED UINT64_C(0x84222325cbf29ce4)

#define NULL_KEY_HASH UINT64_C(0x5bd1e9955bd1e995) /* sl_datum_hash of NULL */

/* Types whose datums are slices (numeric is its text): copied into the
 * delta's arena. */
static bool is_text_key(sl_type_t t)
{
    return sl_type_by_ref(t);
}

/* Types whose datums are their v.i (keys_eq compares them so). */
static bool int_like(sl_type_t t)
{
    return !is_text_key(t) && (sl_type_is_integer(t) || t == SL_T_BOOL ||
                               t == SL_T_TIMESTAMPTZ || t == SL_T_TIMESTAMP);
}

/* ---- layout ---- */

static void layout_build(layout_t *l, const sl_view_plan_t *p)
{
    l->append = p->transform;
    l->nkeys = p->ngroup;
    l->hash_is_key = p->ngroup == 1 && !is_text_key(p->group[0].type) &&
                     (sl_type_is_integer(p->group[0].type) || p->group[0].type == SL_T_BOOL ||
                      p->group[0].type == SL_T_TIMESTAMPTZ ||
                      p->group[0].type == SL_T_TIMESTAMP);
    l->int_keys = true;
    for (int k = 0; k < p->ngroup; k++)
        l->int_keys = l->int_keys && int_like(p->group[k].type);
    l->ktype = sl_xcalloc((size_t)p->ngroup + 1, sizeof(sl_type_t));
    l->ktypmod = sl_xcalloc((size_t)p->ngroup + 1, sizeof(int));
    for (int k = 0; k < p->ngroup; k++) {
        l->ktype[k] = p->group[k].type;
        l->ktypmod[k] = p->group[k].typmod;
    }
    l->naggs = p->naggs;
    l->aggs = sl_xcalloc((size_t)p->naggs + 1, sizeof(agg_layout_t));
    size_t off = sizeof(uint64_t) + sizeof(sl_datum_t) * (size_t)p->ngroup;
    l->ncols = p->ngroup;
    for (int i = 0; i < p->naggs; i++) {
        const sl_aggref_t *a = &p->aggs[i];
        agg_layout_t *al = &l->aggs[i];
        bool integer = sl_type_is_integer(a->argtype);
        size_t sz;
        if (a->distinct) {   /* count, sum, avg */
            al->upd = U_DISTINCT;
            sz = sizeof(dset_t *);
            goto sized;
        }
        if (a->kind == SL_AGG_STRING_AGG || a->kind == SL_AGG_ARRAY_AGG ||
            a->kind == SL_AGG_JSONB_AGG) {
            al->upd = U_LIST;
            al->keep_nulls = a->kind == SL_AGG_ARRAY_AGG;
            al->nulls = a->kind == SL_AGG_JSONB_AGG;
            sz = sizeof(dset_t *);
            goto sized;
        }
        if (a->argtype == SL_T_NUMERIC &&
            (a->kind == SL_AGG_SUM || a->kind == SL_AGG_AVG || a->kind == SL_AGG_VAR_POP ||
             a->kind == SL_AGG_VAR_SAMP || a->kind == SL_AGG_STDDEV_POP ||
             a->kind == SL_AGG_STDDEV_SAMP)) {
            al->upd = a->kind == SL_AGG_SUM || a->kind == SL_AGG_AVG ? U_NSUM : U_NSTAT;
            sz = 16;
            goto sized;
        }
        if (a->argtype == SL_T_INTERVAL && (a->kind == SL_AGG_SUM || a->kind == SL_AGG_AVG)) {
            al->upd = U_VSUM;
            sz = sizeof(vsum_t);
            goto sized;
        }
        switch (a->kind) {
        case SL_AGG_COUNT_STAR: al->upd = U_COUNT_STAR; sz = 8; break;
        case SL_AGG_COUNT: al->upd = U_COUNT; sz = 8; break;
        case SL_AGG_SUM:
        case SL_AGG_AVG:
            al->upd = integer ? U_ISUM : U_FSUM;
            al->single = a->kind == SL_AGG_SUM && a->argtype == SL_T_FLOAT4;
            l->nfsum += !integer;
            sz = integer ? 24 : 16;
            break;
        case SL_AGG_MIN: al->upd = U_MIN; sz = sizeof(sl_datum_t); break;
        case SL_AGG_MAX: al->upd = U_MAX; sz = sizeof(sl_datum_t); break;
        case SL_AGG_BOOL_AND: al->upd = U_BOOL_AND; sz = 8; break;
        case SL_AGG_BOOL_OR: al->upd = U_BOOL_OR; sz = 8; break;
        case SL_AGG_BIT_AND: al->upd = U_BIT_AND; sz = 16; break;
        case SL_AGG_BIT_OR: al->upd = U_BIT_OR; sz = 16; break;
        case SL_AGG_VAR_POP:
        case SL_AGG_VAR_SAMP:
        case SL_AGG_STDDEV_POP:
        case SL_AGG_STDDEV_SAMP:
            al->upd = integer ? U_ISTAT : U_FSTAT;
            sz = integer ? sizeof(istat_t) : 24;
            l->nfstat += !integer;
            break;
        case SL_AGG_CORR:
        case SL_AGG_COVAR_POP:
        case SL_AGG_COVAR_SAMP:
        case SL_AGG_REGR_SLOPE:
        case SL_AGG_REGR_INTERCEPT:
            al->upd = U_FSTAT2;
            sz = 48;
            l->nfstat++;
            break;
        default: sl_panic("unknown aggregate kind %d", a->kind);
        }
sized:
        al->off = (int)off;
        al->argtype = a->argtype;
        al->nstate = a->nstate;
        for (int j = 0; j < a->nstate && j < SL_AGG_MAX_STATE_COLS; j++)
            al->state_type[j] = a->state_type[j];
        off += sz;
        l->ncols += a->nstate;
    }
    l->recsize = (off + 7) & ~(size_t)7;
    l->col_agg = sl_xcalloc((size_t)l->ncols + 1, sizeof(int));
    l->col_state = sl_xcalloc((size_t)l->ncols + 1, sizeof(int));
    int c = p->ngroup;
    for (int i = 0; i < p->naggs; i++)
        for (int j = 0; j < p->aggs[i].nstate; j++, c++) {
            l->col_agg[c] = i;
            l->col_state[c] = j;
        }
}

static void layout_free(layout_t *l)
{
    free(l->ktype);
    free(l->ktypmod);
    free(l->aggs);
    free(l->col_agg);
    free(l->col_state);
}

/* Copy of l whose arrays live in arena a. */
static const layout_t *layout_copy(const layout_t *l, sl_arena_t *a)
{
    layout_t *c = sl_alloc(a, sizeof(*c));
    *c = *l;
    c->ktype = sl_alloc(a, sizeof(sl_type_t) * (size_t)(l->nkeys + 1));
    memcpy(c->ktype, l->ktype, sizeof(sl_type_t) * (size_t)l->nkeys);
    c->ktypmod = sl_alloc(a, sizeof(int) * (size_t)(l->nkeys + 1));
    memcpy(c->ktypmod, l->ktypmod, sizeof(int) * (size_t)l->nkeys);
    c->aggs = sl_alloc(a, sizeof(agg_layout_t) * (size_t)(l->naggs + 1));
    memcpy(c->aggs, l->aggs, sizeof(agg_layout_t) * (size_t)l->naggs);
    c->col_agg = sl_alloc(a, sizeof(int) * (size_t)(l->ncols + 1));
    memcpy(c->col_agg, l->col_agg, sizeof(int) * (size_t)l->ncols);
    c->col_state = sl_alloc(a, sizeof(int) * (size_t)(l->ncols + 1));
    memcpy(c->col_state, l->col_state, sizeof(int) * (size_t)l->ncols);
    return c;
}

/* ---- deltas ---- */

static sl_delta_t *delta_new(const layout_t *l)
{
    sl_arena_t *a = sl_arena_new(NULL, "delta");
    sl_delta_t *d = sl_alloc0(a, sizeof(*d));
    d->arena = a;
    d->lay = layout_copy(l, a);
    return d;
}

void sl_delta_free(sl_delta_t *d)
{
    if (d == NULL)
        return;
    free(d->recs);
    free(d->slots);
    sl_arena_free(d->arena);
}

static inline unsigned char *rec_at(const sl_delta_t *d, int g)
{
    return d->recs + (size_t)g * d->lay->recsize;
}

static inline sl_datum_t *rec_keys(unsigned char *rec)
{
    return (sl_datum_t *)(rec + sizeof(uint64_t));
}

/* sl_datum_hash of an integer-like value (types.c's mix64), in line. */
static inline uint64_t int_hash(const sl_datum_t *d)
{
    if (d->null)
        return NULL_KEY_HASH;
    uint64_t x = (uint64_t)d->v.i;
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static inline uint64_t hash_keys(const layout_t *l, const sl_datum_t *keys)
{
    uint64_t h = HASH_SEED;
    if (l->int_keys)   /* say (k, tumble(ts, ...)): no call a key */
        for (int k = 0; k < l->nkeys; k++)
            h = (h ^ int_hash(&keys[k])) * UINT64_C(0x9e3779b97f4a7c15);
    else
        for (int k = 0; k < l->nkeys; k++)
            h = (h ^ sl_datum_hash(l->ktype[k], &keys[k])) * UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static inline bool keys_eq(const layout_t *l, const sl_datum_t *a, const sl_datum_t *b)
{
    if (l->int_keys) {
        for (int k = 0; k < l->nkeys; k++)
            if (a[k].null != b[k].null || (!a[k].null && a[k].v.i != b[k].v.i))
                return false;
        return true;
    }
    for (int k = 0; k < l->nkeys; k++) {
        sl_type_t t = l->ktype[k];
        if (sl_type_is_integer(t) || t == SL_T_BOOL || t == SL_T_TIMESTAMPTZ ||
            t == SL_T_TIMESTAMP) {
            if (a[k].null != b[k].null || (!a[k].null && a[k].v.i != b[k].v.i))
                return false;
        } else if (!sl_datum_eq(t, &a[k], &b[k])) {
            return false;
        }
    }
    return true;
}

static void table_grow(sl_delta_t *d)
{
    uint32_t n = d->nslots ? d->nslots * 2 : 64;
    slot_t *slots = sl_xcalloc(n, sizeof(slot_t));
    uint32_t mask = n - 1;
    for (uint32_t j = 0; j < d->nslots; j++) {
        const slot_t *o = &d->slots[j];
        if (o->g1 == 0)
            continue;
        uint32_t i = (uint32_t)o->hash & mask;
        while (slots[i].g1)
            i = (i + 1) & mask;
        slots[i] = *o;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = n;
}

/* Copies text bytes into the delta's arena. */
static void own_text(sl_delta_t *d, sl_datum_t *v)
{
    if (v->null || v->v.s.n == 0)
        return;
    char *p = sl_alloc(d->arena, v->v.s.n);
    memcpy(p, v->v.s.p, v->v.s.n);
    v->v.s.p = p;
}

/* Index of the group with these keys (hash h), created when absent. */
static int find_or_insert(sl_delta_t *d, uint64_t h, const sl_datum_t *keys)
{
    const layout_t *l = d->lay;
    if ((uint32_t)(d->ngroups + 1) * 2 > d->nslots)
        table_grow(d);
    uint32_t mask = d->nslots - 1;
    uint32_t i = (uint32_t)h & mask;
    bool check = !l->hash_is_key || h == NULL_KEY_HASH;
    for (;;) {
        const slot_t *sl = &d->slots[i];
        if (sl->g1 == 0)
            break;
        if (sl->hash == h &&
            (!check || keys_eq(l, rec_keys(rec_at(d, (int)sl->g1 - 1)), keys)))
            return (int)sl->g1 - 1;
        i = (i + 1) & mask;
    }
    if (d->ngroups == d->cap) {
        int ncap = d->cap ? d->cap * 2 : 64;
        d->recs = sl_xrealloc(d->recs, (size_t)ncap * l->recsize);
        d->cap = ncap;
    }
    int g = d->ngroups++;
    d->slots[i].hash = h;
    d->slots[i].g1 = (uint32_t)g + 1;
    unsigned char *rec = rec_at(d, g);
    memset(rec, 0, l->recsize);
    memcpy(rec, &h, sizeof(h));
    sl_datum_t *rk = rec_keys(rec);
    for (int k = 0; k < l->nkeys; k++) {
        rk[k] = keys[k];
        if (is_text_key(l->ktype[k]))
            own_text(d, &rk[k]);
    }
    for (int a = 0; a < l->naggs; a++)
        if (l->aggs[a].upd == U_MIN || l->aggs[a].upd == U_MAX)
            ((sl_datum_t *)(rec + l->aggs[a].off))->null = true;
    return g;
}

/* Appends a record holding keys (a transform's row; its hash is unused). */
static void append_row(sl_delta_t *d, const sl_datum_t *keys)
{
    const layout_t *l = d->lay;
    if (d->ngroups == d->cap) {
        int ncap = d->cap ? d->cap * 2 : 64;
        d->recs = sl_xrealloc(d->recs, (size_t)ncap * l->recsize);
        d->cap = ncap;
    }
    unsigned char *rec = rec_at(d, d->ngroups++);
    memset(rec, 0, l->recsize);
    sl_datum_t *rk = rec_keys(rec);
    for (int k = 0; k < l->nkeys; k++) {
        rk[k] = keys[k];
        if (is_text_key(l->ktype[k]))
            own_text(d, &rk[k]);
    }
}

/* A transform's push: every row of the chunk appended. */
static void append_push(sl_delta_t *d, const sl__chunk_t *c)
{
    int nk = d->lay->nkeys;
    sl_datum_t *keys = sl_alloc(c->scratch, sizeof(sl_datum_t) * (size_t)(nk + 1));
    for (int i = 0; i < c->nrows; i++) {
        for (int k = 0; k < nk; k++)
            keys[k] = c->cols[k][i];
        append_row(d, keys);
    }
}

/* Folds value v into min/max state m (copying text when it changes). */
static inline void minmax_update(sl_delta_t *d, const agg_layout_t *al, sl_datum_t *m,
                                 const sl_datum_t *v)
{
    if (v->null)
        return;
    if (!m->null) {
        int c = sl_datum_cmp(al->argtype, v, m);
        bool keep = al->upd == U_MIN ? c > 0 : c < 0;
        if (c == 0)   /* numeric ties (1.0, 1.00): the later value, as numeric_smaller */
            keep = al->argtype != SL_T_NUMERIC || v->v.s.n == m->v.s.n;
        if (keep)
            return;
    }
    *m = *v;
    m->null = false;
    if (is_text_key(al->argtype))
        own_text(d, m);
}

static void vsum_add(unsigned char *st, const vsum_t *v)
{
    vsum_t s;
    memcpy(&s, st, sizeof(s));
    s.us += v->us;
    s.days += v->days;
    s.months += v->months;
    s.n += v->n;
    memcpy(st, &s, sizeof(s));
}

static void vsum_add_one(unsigned char *st, const sl_interval_t *iv)
{
    vsum_t v = {.us = iv->us, .days = iv->days, .months = iv->months, .n = 1};
    vsum_add(st, &v);
}

static inline void isum_add(unsigned char *st, __int128 v, int64_t n)
{
    __int128 s;
    int64_t cnt;
    memcpy(&s, st, sizeof(s));
    memcpy(&cnt, st + 16, sizeof(cnt));
    s += v;
    cnt += n;
    memcpy(st, &s, sizeof(s));
    memcpy(st + 16, &cnt, sizeof(cnt));
}

/* s + v as PostgreSQL's float8pl (or float4pl for sum(real), in single
 * precision) computes it; *overflow is set when the sum of two finite
 * values is infinite, where PostgreSQL raises "value out of range:
 * overflow" (Infinity inputs give Infinity without error). */
static inline double fsum_add(bool single, double s, double v, bool *overflow)
{
    double r = single ? (double)((float)s + (float)v) : s + v;
    if (isinf(r) && !isinf(s) && !isinf(v))
        *overflow = true;
    return r;
}

static inline void bool_update(unsigned char *st, bool and, const sl_datum_t *v)
{
    if (v->null)
        return;
    int64_t b = v->v.i ? 2 : 1, *s = (int64_t *)st;
    *s = *s == 0 ? b : and ? (*s < b ? *s : b) : (*s > b ? *s : b);
}

static inline void bit_update(unsigned char *st, bool and, int64_t v, int64_t n)
{
    int64_t *s = (int64_t *)st;
    if (n == 0)
        return;
    s[0] = s[1] == 0 ? v : and ? (s[0] & v) : (s[0] | v);
    s[1] += n;
}

/* float8_accum: one value into {N, Sx, Sxx}, the Youngs-Cramer update as
 * PostgreSQL computes it.  *overflow is set where PostgreSQL raises "value
 * out of range: overflow" (an infinite Sx or Sxx from finite values; the
 * prepare check refuses those rows, push never meets one). */
static inline void fstat_accum(double *t, double x, bool *overflow)
{
    double n = t[0] + 1.0, sx = t[1] + x, sxx = t[2];
    if (t[0] > 0.0) {
        double tmp = x * n - sx;
        sxx += tmp * tmp / (n * t[0]);
        if (isinf(sx) || isinf(sxx)) {
            if (!isinf(t[1]) && !isinf(x))
                *overflow = true;
            sxx = NAN;
        }
    } else if (isnan(x) || isinf(x)) {
        sxx = NAN;
    }
    t[0] = n;
    t[1] = sx;
    t[2] = sxx;
}

/* float8_regr_accum: (y, x) into {N, Sx, Sxx, Sy, Syy, Sxy}; *overflow
 * as for fstat_accum. */
static inline void fstat2_accum(double *t, double y, double x, bool *overflow)
{
    double n = t[0] + 1.0, sx = t[1] + x, sxx = t[2], sy = t[3] + y, syy = t[4], sxy = t[5];
    if (t[0] > 0.0) {
        double tx = x * n - sx, ty = y * n - sy, scale = 1.0 / (n * t[0]);
        sxx += tx * tx * scale;
        syy += ty * ty * scale;
        sxy += tx * ty * scale;
        if ((((isinf(sx) || isinf(sxx)) && !isinf(t[1]) && !isinf(x)) ||
             ((isinf(sy) || isinf(syy)) && !isinf(t[3]) && !isinf(y)) ||
             (isinf(sxy) && !isinf(t[1]) && !isinf(x) && !isinf(t[3]) && !isinf(y))))
            *overflow = true;
        if (isinf(sxx))
            sxx = NAN;
        if (isinf(syy))
            syy = NAN;
        if (isinf(sxy))
            sxy = NAN;
    } else {
        if (isnan(x) || isinf(x))
            sxx = sxy = NAN;
        if (isnan(y) || isinf(y))
            syy = sxy = NAN;
    }
    t[0] = n;
    t[1] = sx;
    t[2] = sxx;
    t[3] = sy;
    t[4] = syy;
    t[5] = sxy;
}

/* float8_combine / float8_regr_combine (npairs 1 or 2): src into dst. */
static void fstat_combine(double *d, const double *s, int npairs)
{
    if (s[0] == 0.0)
        return;
    if (d[0] == 0.0) {
        memcpy(d, s, sizeof(double) * (size_t)(npairs == 1 ? 3 : 6));
        return;
    }
    double n1 = d[0], n2 = s[0], n = n1 + n2;
    double tx = d[1] / n1 - s[1] / n2;
    d[2] = d[2] + s[2] + n1 * n2 * tx * tx / n;
    d[1] += s[1];
    if (npairs == 2) {
        double ty = d[3] / n1 - s[3] / n2;
        d[4] = d[4] + s[4] + n1 * n2 * ty * ty / n;
        d[5] = d[5] + s[5] + n1 * n2 * tx * ty / n;
        d[3] += s[3];
    }
    d[0] = n;
}

static inline void istat_add(unsigned char *st, const istat_t *v)
{
    istat_t s;
    memcpy(&s, st, sizeof(s));
    s.n += v->n;
    s.sx += v->sx;
    unsigned __int128 lo = s.sxx_lo + v->sxx_lo;
    s.sxx_hi += v->sxx_hi + (lo < s.sxx_lo);
    s.sxx_lo = lo;
    memcpy(st, &s, sizeof(s));
}

static inline void istat_accum(unsigned char *st, int64_t x)
{
    unsigned __int128 ax = x < 0 ? (unsigned __int128)(-(__int128)x) : (unsigned __int128)x;
    istat_t v = {.n = 1, .sx = x, .sxx_lo = ax * ax};
    istat_add(st, &v);
}

/* Equality of two set values of type t: text's bytes in line, the other
 * types as sl_datum_eq. */
static inline bool dset_eq(sl_type_t t, const sl_datum_t *a, const sl_datum_t *b)
{
    if (t == SL_T_TEXT || t == SL_T_UNKNOWN)
        return a->v.s.n == b->v.s.n &&
               (a->v.s.n == 0 || memcmp(a->v.s.p, b->v.s.p, a->v.s.n) == 0);
    return sl_datum_eq(t, a, b);
}

/* A set value's hash (its own: slots and stored hashes are the set's
 * alone): text of at most 8 bytes in line, the rest by sl_datum_hash. */
static inline uint32_t dset_hash(sl_type_t t, const sl_datum_t *v)
{
    if ((t == SL_T_TEXT || t == SL_T_UNKNOWN) && v->v.s.n <= 8) {
        const unsigned char *p = (const unsigned char *)v->v.s.p;
        uint64_t w = (uint64_t)v->v.s.n << 59;
        for (uint32_t i = 0; i < v->v.s.n; i++)
            w ^= (uint64_t)p[i] << (8 * i);
        return (uint32_t)((w * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
    }
    return (uint32_t)sl_datum_hash(t, v);
}

/* Adds non-NULL v to the set at st (created on the first value), copying
 * text into the delta's arena. */
static void dset_add(sl_delta_t *d, const agg_layout_t *al, unsigned char *st,
                     const sl_datum_t *v)
{
    dset_t *ds;
    sl_type_t t = al->argtype;
    bool byref = is_text_key(t);
    memcpy(&ds, st, sizeof(ds));
    if (ds == NULL) {
        ds = sl_alloc0(d->arena, sizeof(*ds));
        memcpy(st, &ds, sizeof(ds));
    }
    if (2 * (ds->n + 1) > ds->cap) {
        uint32_t cap = ds->cap ? 2 * ds->cap : 8;
        sl_datum_t *nv = sl_alloc(d->arena, sizeof(sl_datum_t) * cap);
        for (uint32_t i = 0; i < cap; i++)
            nv[i].null = true;
        for (uint32_t i = 0; i < ds->cap; i++) {
            if (ds->val[i].null)
                continue;
            uint32_t j = (byref ? slot_hash(&ds->val[i]) : dset_hash(t, &ds->val[i])) & (cap - 1);
            while (!nv[j].null)
                j = (j + 1) & (cap - 1);
            nv[j] = ds->val[i];
        }
        ds->val = nv;   /* the old array stays in the arena until the delta goes */
        ds->cap = cap;
    }
    uint32_t h = dset_hash(t, v), mask = ds->cap - 1, j = h & mask;
    for (; !ds->val[j].null; j = (j + 1) & mask)
        if ((!byref || slot_hash(&ds->val[j]) == h) && dset_eq(t, &ds->val[j], v))
            return;
    ds->val[j] = *v;
    if (byref) {
        set_slot_hash(&ds->val[j], h);
        own_text(d, &ds->val[j]);
    }
    ds->n++;
}

/* Appends the n non-NULL values vals to the list at st (prepend: before
 * the values already there), copying text into the delta's arena. */
static void list_add(sl_delta_t *d, const agg_layout_t *al, unsigned char *st,
                     const sl_datum_t *vals, uint32_t n, bool prepend)
{
    dset_t *l;
    memcpy(&l, st, sizeof(l));
    if (l == NULL) {
        l = sl_alloc0(d->arena, sizeof(*l));
        memcpy(st, &l, sizeof(l));
    }
    if (l->n + n > l->cap) {
        uint32_t cap = l->cap ? 2 * l->cap : 8;
        while (cap < l->n + n)
            cap *= 2;
        sl_datum_t *nv = sl_alloc(d->arena, sizeof(sl_datum_t) * cap);
        if (l->n)
            memcpy(nv + (prepend ? n : 0), l->val, sizeof(sl_datum_t) * l->n);
        l->val = nv;   /* the old array stays in the arena until the delta goes */
        l->cap = cap;
    } else if (prepend) {
        memmove(l->val + n, l->val, sizeof(sl_datum_t) * l->n);
    }
    sl_datum_t *dst = l->val + (prepend ? 0 : l->n);
    for (uint32_t k = 0; k < n; k++) {
        dst[k] = vals[k];
        if (is_text_key(al->argtype))
            own_text(d, &dst[k]);
    }
    l->n += n;
}

/* The exact sums of a numeric aggregate's state st, created on demand. */
static sl__numacc_t *nsum_acc(sl_delta_t *d, unsigned char *st)
{
    sl__numacc_t *acc;
    memcpy(&acc, st + 8, sizeof(acc));
    if (acc == NULL) {
        acc = sl__numacc_new(d->arena);
        memcpy(st + 8, &acc, sizeof(acc));
    }
    return acc;
}

static void nsum_add(sl_delta_t *d, unsigned char *st, const sl_datum_t *v, bool squares)
{
    sl__numacc_add(nsum_acc(d, st), v, squares);
    (*(int64_t *)st)++;
}

/* ---- the operator ---- */

static int hashagg_push(sl__op_t *op, sl__chunk_t *c, sl_error_t *err)
{
    hashagg_t *ha = (hashagg_t *)op;
    sl_delta_t *d = ha->cur;
    const layout_t *l = d->lay;
    int n = c->nrows;
    if (n == 0)
        return SL_OK;
    if (l->append) {
        append_push(d, c);
        return SL_OK;
    }
    int *gidx = sl_alloc(c->scratch, sizeof(int) * (size_t)n);
    int nk = l->nkeys;
    sl_datum_t kbuf[8];
    sl_datum_t *keys = nk <= 8 ? kbuf : sl_alloc(c->scratch, sizeof(sl_datum_t) * (size_t)nk);

    /* 1. rows -> groups */
    if (nk == 1 && !is_text_key(l->ktype[0])) {
        const sl_datum_t *kc = c->cols[0];
        for (int i = 0; i < n; i++)
            gidx[i] = find_or_insert(d, hash_keys(l, &kc[i]), &kc[i]);
    } else {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < nk; k++)
                keys[k] = c->cols[k][i];
            gidx[i] = find_or_insert(d, hash_keys(l, keys), keys);
        }
    }

    /* 2. aggregates: every state of a row's record while it is at hand */
    unsigned char *recs = d->recs;
    size_t rs = l->recsize;
    int na = l->naggs;
    const sl_datum_t *const *args = (const sl_datum_t *const *)c->cols + nk;
    for (int i = 0; i < n; i++) {
        unsigned char *rec = recs + (size_t)gidx[i] * rs;
        for (int a = 0; a < na; a++) {
            const agg_layout_t *al = &l->aggs[a];
            unsigned char *st = rec + al->off;
            const sl_datum_t *v = args[a] ? &args[a][i] : NULL;
            switch (al->upd) {
            case U_COUNT_STAR:
                if (v == NULL || (!v->null && v->v.i))   /* FILTER */
                    (*(int64_t *)st)++;
                break;
            case U_COUNT:
                if (!v->null)
                    (*(int64_t *)st)++;
                break;
            case U_ISUM:
                if (!v->null)
                    isum_add(st, v->v.i, 1);
                break;
            case U_FSUM:
                if (!v->null) {
                    bool ignored = false; /* refused in prepare: sl__hashagg_check */
                    double r = fsum_add(al->single, *(double *)st, v->v.f, &ignored);
                    *(double *)st = r;
                    if (fabs(r) > d->fmax && fabs(r) <= DBL_MAX)
                        d->fmax = fabs(r);
                    (*(int64_t *)(st + 8))++;
                }
                break;
            case U_MIN:
            case U_MAX:
                minmax_update(d, al, (sl_datum_t *)st, v);
                break;
            case U_BOOL_AND:
            case U_BOOL_OR:
                bool_update(st, al->upd == U_BOOL_AND, v);
                break;
            case U_BIT_AND:
            case U_BIT_OR:
                if (!v->null)
                    bit_update(st, al->upd == U_BIT_AND, v->v.i, 1);
                break;
            case U_FSTAT:
                if (!v->null) {
                    bool ignored = false; /* refused in prepare: sl__hashagg_check */
                    fstat_accum((double *)st, v->v.f, &ignored);
                    if (fabs(v->v.f) > d->xmax && fabs(v->v.f) <= DBL_MAX)
                        d->xmax = fabs(v->v.f);
                }
                break;
            case U_FSTAT2: {
                const sl_datum_t *x = &c->args2[a][i];
                if (!v->null && !x->null) {
                    bool ignored = false;
                    fstat2_accum((double *)st, v->v.f, x->v.f, &ignored);
                    if (fabs(v->v.f) <= DBL_MAX)
                        d->xmax = fmax(d->xmax, fabs(v->v.f));
                    if (fabs(x->v.f) <= DBL_MAX)
                        d->xmax = fmax(d->xmax, fabs(x->v.f));
                }
                break;
            }
            case U_ISTAT:
                if (!v->null)
                    istat_accum(st, v->v.i);
                break;
            case U_DISTINCT:
                if (!v->null)
                    dset_add(d, al, st, v);
                break;
            case U_NSUM:
            case U_NSTAT:
                if (!v->null)
                    nsum_add(d, st, v, al->upd == U_NSTAT);
                break;
            case U_VSUM:
                if (!v->null)
                    vsum_add_one(st, &v->v.iv);
                break;
            case U_LIST:
                /* array_agg and jsonb_agg keep NULLs, not the rows its FILTER left out
                 * (their filter value is in args2: op_project.c) */
                if (!v->null || ((al->keep_nulls || al->nulls) && (c->args2[a] == NULL ||
                                                    (!c->args2[a][i].null && c->args2[a][i].v.i))))
                    list_add(d, al, st, v, 1, false);
                break;
            }
        }
    }
    return SL_OK;
}

/* Index of the group with these keys (hash h) in d, or -1; changes
 * nothing. */
static int find_group(const sl_delta_t *d, uint64_t h, const sl_datum_t *keys)
{
    if (d->nslots == 0)
        return -1;
    const layout_t *l = d->lay;
    uint32_t mask = d->nslots - 1;
    bool check = !l->hash_is_key || h == NULL_KEY_HASH;
    for (uint32_t i = (uint32_t)h & mask; d->slots[i].g1; i = (i + 1) & mask) {
        const slot_t *sl = &d->slots[i];
        if (sl->hash == h &&
            (!check || keys_eq(l, rec_keys(rec_at(d, (int)sl->g1 - 1)), keys)))
            return (int)sl->g1 - 1;
    }
    return -1;
}

/*
 * The prepare half of float sums and statistics: runs the chunk's rows
 * through each float sum (sum and avg over real / double precision) and
 * float statistic (float8_accum / float8_regr_accum) as push will,
 * starting from the current delta's states, and refuses the request with
 * 22003 "value out of range: overflow" at the first row whose step
 * PostgreSQL would refuse, so push never meets one.  Statistics need the
 * replay only when some |value| reaches 1e100.
 * Read-only: the running sums of the request's groups live in a scratch
 * hash table.  Nothing to do (O(1)) for views without a float sum, and
 * one pass over the arguments when no sum can come near the largest
 * float: the delta's largest |sum| plus the request's sum of |values|
 * (with room for rounding) bounds every partial sum, since a sum that
 * became infinite or NaN never raises again.
 */
int sl__hashagg_check(sl__op_t *op, sl__chunk_t *c, sl_error_t *err)
{
    hashagg_t *ha = (hashagg_t *)op;
    const sl_delta_t *d = ha->cur;
    const layout_t *l = d->lay;
    int n = c->nrows, nk = l->nkeys, nf = l->nfsum + l->nfstat;
    if (nf == 0 || n == 0)
        return SL_OK;
    bool maybe = false;
    for (int a = 0; a < l->naggs && !maybe; a++) {
        upd_t u = l->aggs[a].upd;
        if (u != U_FSUM && u != U_FSTAT && u != U_FSTAT2)
            continue;
        const sl_datum_t *col = c->cols[nk + a];
        double abs_sum = 0, absmax = d->xmax;
        for (int i = 0; i < n; i++)
            if (!col[i].null && fabs(col[i].v.f) <= DBL_MAX) {
                abs_sum += fabs(col[i].v.f);
                absmax = fmax(absmax, fabs(col[i].v.f));
            }
        if (u == U_FSUM) {
            double bound = (d->fmax + abs_sum) * (1.0 + (n + 2.0) * 1.2e-7);
            maybe = !(bound < (l->aggs[a].single ? FLT_MAX : DBL_MAX) / 2);
            continue;
        }
        /* Statistics: with every |value| below 1e100 no sum, product or
         * Youngs-Cramer step (about 8 max^2 per value) comes near the
         * largest double. */
        for (int i = 0; u == U_FSTAT2 && i < n; i++)
            if (!c->args2[a][i].null && fabs(c->args2[a][i].v.f) <= DBL_MAX)
                absmax = fmax(absmax, fabs(c->args2[a][i].v.f));
        maybe = !(absmax < 1e100);
    }
    if (!maybe)
        return SL_OK;
    uint32_t cap = 16;
    while (cap < (uint32_t)n * 2)
        cap *= 2;
    slot_t *tab = sl_alloc0(c->scratch, sizeof(slot_t) * cap);   /* g1 = entry + 1 */
    int *first = sl_alloc(c->scratch, sizeof(int) * (size_t)n);    /* entry -> chunk row */
    /* per entry and checked aggregate: its sum, or its 3 / 6 statistics */
    double *sums = sl_alloc(c->scratch, sizeof(double) * 6 * (size_t)n * (size_t)nf);
    int *fagg = sl_alloc(c->scratch, sizeof(int) * (size_t)nf);
    for (int a = 0, j = 0; a < l->naggs; a++)
        if (l->aggs[a].upd == U_FSUM || l->aggs[a].upd == U_FSTAT || l->aggs[a].upd == U_FSTAT2)
            fagg[j++] = a;
    sl_datum_t *keys = sl_alloc(c->scratch, sizeof(sl_datum_t) * (size_t)(2 * nk + 1));
    sl_datum_t *other = keys + nk;
    int nent = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nk; k++)
            keys[k] = c->cols[k][i];
        uint64_t h = hash_keys(l, keys);
        uint32_t s = (uint32_t)h & (cap - 1);
        int e = -1;
        for (; tab[s].g1; s = (s + 1) & (cap - 1)) {
            if (tab[s].hash != h)
                continue;
            int r = first[tab[s].g1 - 1];
            for (int k = 0; k < nk; k++)
                other[k] = c->cols[k][r];
            if (keys_eq(l, other, keys)) {
                e = (int)tab[s].g1 - 1;
                break;
            }
        }
        if (e < 0) {
            e = nent++;
            tab[s].hash = h;
            tab[s].g1 = (uint32_t)e + 1;
            first[e] = i;
            int g = find_group(d, h, keys);
            for (int j = 0; j < nf; j++) {
                double *sp = &sums[((size_t)e * nf + j) * 6];
                upd_t u = l->aggs[fagg[j]].upd;
                size_t nd = u == U_FSUM ? 1 : u == U_FSTAT ? 3 : 6;
                if (g < 0)
                    memset(sp, 0, sizeof(double) * nd);
                else
                    memcpy(sp, rec_at(d, g) + l->aggs[fagg[j]].off, sizeof(double) * nd);
            }
        }
        for (int j = 0; j < nf; j++) {
            const agg_layout_t *al = &l->aggs[fagg[j]];
            const sl_datum_t *v = &c->cols[nk + fagg[j]][i];
            double *sp = &sums[((size_t)e * nf + j) * 6];
            bool overflow = false;
            if (v->null)
                continue;
            if (al->upd == U_FSUM) {
                *sp = fsum_add(al->single, *sp, v->v.f, &overflow);
            } else if (al->upd == U_FSTAT) {
                fstat_accum(sp, v->v.f, &overflow);
            } else {
                const sl_datum_t *x = &c->args2[fagg[j]][i];
                if (!x->null)
                    fstat2_accum(sp, v->v.f, x->v.f, &overflow);
            }
            if (overflow) {
                c->err_row = c->sel ? c->sel[i] : i;
                return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                                    "value out of range: overflow");
            }
        }
    }
    return SL_OK;
}

/* Hands over the current delta (NULL when it has no group) and starts a
 * new one. */
static sl_delta_t *hashagg_flush(sl__op_t *op)
{
    hashagg_t *ha = (hashagg_t *)op;
    if (ha->cur->ngroups == 0)
        return NULL;
    sl_delta_t *d = ha->cur;
    ha->cur = delta_new(&ha->lay);
    return d;
}

static void hashagg_end(sl__op_t *op)
{
    hashagg_t *ha = (hashagg_t *)op;
    sl_delta_free(ha->cur);
    layout_free(&ha->lay);
    free(ha);
}

static const sl__op_vt_t hashagg_vt = {"hashagg", hashagg_push, hashagg_flush, hashagg_end};

/* New hash aggregate for plan's group keys and aggregates, with an empty
 * delta; freed by its end. */
sl__op_t *sl__op_hashagg_init(const sl_view_plan_t *plan)
{
    hashagg_t *ha = sl_xcalloc(1, sizeof(*ha));
    ha->op.vt = &hashagg_vt;
    ha->op.plan = plan;
    layout_build(&ha->lay, plan);
    ha->cur = delta_new(&ha->lay);
    return &ha->op;
}

size_t sl_delta_memory(const sl_delta_t *d)
{
    return (size_t)d->cap * d->lay->recsize + (size_t)d->nslots * sizeof(slot_t) +
           sl_arena_size(d->arena);
}

size_t sl__hashagg_memory(const sl__op_t *op)
{
    return sl_delta_memory(((const hashagg_t *)op)->cur);
}

int sl__hashagg_ngroups(const sl__op_t *op)
{
    return ((const hashagg_t *)op)->cur->ngroups;
}

void sl__hashagg_merge(sl__op_t *op, sl_delta_t *src)
{
    hashagg_t *ha = (hashagg_t *)op;
    sl_delta_t *d = ha->cur;
    const layout_t *l = d->lay;
    if (src == NULL)
        return;
    if (src->lay->recsize != l->recsize || src->lay->naggs != l->naggs ||
        src->lay->nkeys != l->nkeys)
        sl_panic("sl_exec_restore: delta of another plan");
    if (src->xmax > d->xmax)
        d->xmax = src->xmax;
    if (l->append) {
        for (int g = 0; g < src->ngroups; g++)
            append_row(d, rec_keys(rec_at(src, g)));
        sl_delta_free(src);
        return;
    }
    for (int g = 0; g < src->ngroups; g++) {
        unsigned char *sr = rec_at(src, g);
        uint64_t h;
        memcpy(&h, sr, sizeof(h));
        int dg = find_or_insert(d, h, rec_keys(sr));
        unsigned char *dr = rec_at(d, dg);
        for (int a = 0; a < l->naggs; a++) {
            const agg_layout_t *al = &l->aggs[a];
            unsigned char *ss = sr + al->off, *ds = dr + al->off;
            switch (al->upd) {
            case U_COUNT_STAR:
            case U_COUNT:
                *(int64_t *)ds += *(int64_t *)ss;
                break;
            case U_ISUM: {
                __int128 s;
                int64_t n;
                memcpy(&s, ss, sizeof(s));
                memcpy(&n, ss + 16, sizeof(n));
                isum_add(ds, s, n);
                break;
            }
            case U_FSUM: {
                /* Two deltas' sums may overflow here (a failed flush
                 * merged back): Infinity then goes to PostgreSQL as is. */
                bool ignored = false;
                double r = fsum_add(al->single, *(double *)ds, *(double *)ss, &ignored);
                *(double *)ds = r;
                if (fabs(r) > d->fmax && fabs(r) <= DBL_MAX)
                    d->fmax = fabs(r);
                *(int64_t *)(ds + 8) += *(int64_t *)(ss + 8);
                break;
            }
            case U_MIN:
            case U_MAX:
                minmax_update(d, al, (sl_datum_t *)ds, (const sl_datum_t *)ss);
                break;
            case U_BOOL_AND:
            case U_BOOL_OR: {
                int64_t b = *(int64_t *)ss;
                sl_datum_t v = {.null = b == 0, .v.i = b == 2};
                bool_update(ds, al->upd == U_BOOL_AND, &v);
                break;
            }
            case U_BIT_AND:
            case U_BIT_OR:
                bit_update(ds, al->upd == U_BIT_AND, ((int64_t *)ss)[0], ((int64_t *)ss)[1]);
                break;
            case U_FSTAT:
            case U_FSTAT2:
                fstat_combine((double *)ds, (const double *)ss, al->upd == U_FSTAT ? 1 : 2);
                break;
            case U_ISTAT: {
                istat_t v;
                memcpy(&v, ss, sizeof(v));
                istat_add(ds, &v);
                break;
            }
            case U_DISTINCT: {
                const dset_t *set;
                memcpy(&set, ss, sizeof(set));
                for (uint32_t k = 0; set && k < set->cap; k++)
                    if (!set->val[k].null)
                        dset_add(d, al, ds, &set->val[k]);
                break;
            }
            case U_NSUM:
            case U_NSTAT: {
                const sl__numacc_t *sa;
                memcpy(&sa, ss + 8, sizeof(sa));
                if (sa != NULL) {
                    sl__numacc_merge(nsum_acc(d, ds), sa);
                    *(int64_t *)ds += *(int64_t *)ss;
                }
                break;
            }
            case U_VSUM: {
                vsum_t v;
                memcpy(&v, ss, sizeof(v));
                vsum_add(ds, &v);
                break;
            }
            case U_LIST: {
                /* src is the older delta (a failed flush): its values first */
                const dset_t *list;
                memcpy(&list, ss, sizeof(list));
                if (list && list->n)
                    list_add(d, al, ds, list->val, list->n, true);
                break;
            }
            }
        }
    }
    sl_delta_free(src);
}

/* ---- reading a delta ---- */

int sl_delta_ngroups(const sl_delta_t *d)
{
    return d->ngroups;
}

int sl_delta_ncols(const sl_delta_t *d)
{
    return d->lay->ncols;
}

sl_type_t sl_delta_coltype(const sl_delta_t *d, int c, int *typmod)
{
    const layout_t *l = d->lay;
    if (c < l->nkeys) {
        if (typmod)
            *typmod = l->ktypmod[c];
        return l->ktype[c];
    }
    if (typmod)
        *typmod = -1;
    return l->aggs[l->col_agg[c]].state_type[l->col_state[c]];
}

static void put_int128(sl_buf_t *out, __int128 v)
{
    if (v >= INT64_MIN && v <= INT64_MAX) {   /* 64-bit digits: no 128-bit division */
        sl_datum_t d = {.v.i = (int64_t)v};
        sl_type_output(SL_T_INT8, &d, out);
        return;
    }
    char buf[48];
    int i = sizeof(buf);
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--i] = '-';
    sl_buf_puts(out, buf + i);
}

/* The sum as an interval's text, or (out of range) as fields PostgreSQL
 * reads and refuses. */
static void vsum_output(const vsum_t *s, sl_buf_t *out)
{
    if (s->us >= INT64_MIN && s->us <= INT64_MAX && s->days >= INT32_MIN &&
        s->days <= INT32_MAX && s->months >= INT32_MIN && s->months <= INT32_MAX) {
        sl_interval_t iv = {.us = (int64_t)s->us, .days = (int32_t)s->days,
                            .months = (int32_t)s->months};
        sl_interval_output(&iv, out);
        return;
    }
    sl_buf_printf(out, "%lld mons %lld days ", (long long)s->months, (long long)s->days);
    put_int128(out, s->us);
    sl_buf_puts(out, " us");
}

/* hi * 2^128 + lo in decimal. */
static void put_uint192(sl_buf_t *out, uint64_t hi, unsigned __int128 lo)
{
    /* Limbs of 32 bits, most significant first, divided by 10^9 in turn. */
    uint32_t limb[6] = {(uint32_t)(hi >> 32), (uint32_t)hi, (uint32_t)(lo >> 96),
                        (uint32_t)(lo >> 64), (uint32_t)(lo >> 32), (uint32_t)lo};
    uint32_t chunk[8];
    int nchunk = 0;
    bool zero;
    do {
        uint64_t rem = 0;
        zero = true;
        for (int k = 0; k < 6; k++) {
            uint64_t cur = (rem << 32) | limb[k];
            limb[k] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
            zero = zero && limb[k] == 0;
        }
        chunk[nchunk++] = (uint32_t)rem;
    } while (!zero);
    sl_buf_printf(out, "%u", chunk[nchunk - 1]);
    for (int k = nchunk - 2; k >= 0; k--)
        sl_buf_printf(out, "%09u", chunk[k]);
}

bool sl_delta_value(const sl_delta_t *d, int g, int c, sl_buf_t *out)
{
    const layout_t *l = d->lay;
    unsigned char *rec = rec_at(d, g);
    if (c < l->nkeys) {
        const sl_datum_t *k = &rec_keys(rec)[c];
        if (k->null)
            return false;
        sl_type_output(l->ktype[c], k, out);
        return true;
    }
    const agg_layout_t *al = &l->aggs[l->col_agg[c]];
    int j = l->col_state[c];
    unsigned char *st = rec + al->off;
    char tmp[32];
    switch (al->upd) {
    case U_COUNT_STAR:
    case U_COUNT:
        put_int128(out, *(int64_t *)st);
        return true;
    case U_ISUM:
    case U_FSUM: {
        int64_t n = *(int64_t *)(st + (al->upd == U_ISUM ? 16 : 8));
        if (j == 1) { /* avg's count */
            snprintf(tmp, sizeof(tmp), "%lld", (long long)n);
            sl_buf_puts(out, tmp);
            return true;
        }
        if (n == 0)
            return false;
        if (al->upd == U_ISUM) {
            __int128 s;
            memcpy(&s, st, sizeof(s));
            put_int128(out, s);
        } else {
            sl_datum_t v = {.v.f = *(double *)st};
            sl_type_output(SL_T_FLOAT8, &v, out);
        }
        return true;
    }
    case U_MIN:
    case U_MAX: {
        const sl_datum_t *m = (const sl_datum_t *)st;
        if (m->null)
            return false;
        sl_type_output(al->argtype, m, out);
        return true;
    }
    case U_BOOL_AND:
    case U_BOOL_OR:
        if (*(int64_t *)st == 0)
            return false;
        sl_buf_puts(out, *(int64_t *)st == 2 ? "true" : "false");
        return true;
    case U_BIT_AND:
    case U_BIT_OR: {
        if (((int64_t *)st)[1] == 0)
            return false;
        snprintf(tmp, sizeof(tmp), "%lld", (long long)((int64_t *)st)[0]);
        sl_buf_puts(out, tmp);
        return true;
    }
    case U_FSTAT:
    case U_FSTAT2: {
        sl_datum_t v = {.v.f = ((double *)st)[j]};
        sl_type_output(SL_T_FLOAT8, &v, out);
        return true;
    }
    case U_DISTINCT:
    case U_LIST: {
        /* the set or list as an array literal: {"1","2"} */
        const dset_t *set;
        memcpy(&set, st, sizeof(set));
        if (set == NULL || set->n == 0)
            return false;
        if (al->keep_nulls) {   /* array_agg: array_out of the values */
            sl_array_output_datums(al->argtype, set->val, set->n, out);
            return true;
        }
        sl_buf_t v = SL_BUF_INIT;
        sl_buf_putc(out, '{');
        uint32_t end = al->upd == U_LIST ? set->n : set->cap;
        for (uint32_t k = 0, first = 1; k < end; k++) {
            if (set->val[k].null && !al->nulls)
                continue;
            if (!first)
                sl_buf_putc(out, ',');
            first = 0;
            if (set->val[k].null) {
                sl_buf_puts(out, "NULL");
                continue;
            }
            if (al->argtype == SL_T_TEXT || al->argtype == SL_T_UNKNOWN) {   /* as is */
                sl_buf_put_array_elem(out, set->val[k].v.s.p, set->val[k].v.s.n);
                continue;
            }
            sl_buf_reset(&v);
            if ((al->argtype == SL_T_TIMESTAMPTZ || al->argtype == SL_T_TIMESTAMP) && !al->nulls)
                sl_buf_printf(&v, "%lld", (long long)set->val[k].v.i);  /* agg.c put_set */
            else
                sl_type_output(al->argtype, &set->val[k], &v);
            sl_buf_put_array_elem(out, sl_buf_cstr(&v), v.len);
        }
        sl_buf_putc(out, '}');
        sl_buf_free(&v);
        return true;
    }
    case U_NSUM:
    case U_NSTAT: {
        /* sum / avg: (sum, count); statistics: (n, sum x, sum x*x) */
        int64_t n = *(int64_t *)st;
        const sl__numacc_t *acc;
        memcpy(&acc, st + 8, sizeof(acc));
        bool count_col = al->upd == U_NSUM ? j == 1 : j == 0;
        if (count_col) {
            snprintf(tmp, sizeof(tmp), "%lld", (long long)n);
            sl_buf_puts(out, tmp);
            return true;
        }
        if (n == 0 || acc == NULL)
            return false;
        sl__numacc_output(acc, al->upd == U_NSTAT && j == 2, out);
        return true;
    }
    case U_VSUM: {
        vsum_t s;
        memcpy(&s, st, sizeof(s));
        if (j == 1) { /* avg's count */
            snprintf(tmp, sizeof(tmp), "%lld", (long long)s.n);
            sl_buf_puts(out, tmp);
            return true;
        }
        if (s.n == 0)
            return false;
        vsum_output(&s, out);
        return true;
    }
    case U_ISTAT: {
        istat_t s;
        memcpy(&s, st, sizeof(s));
        if (j == 0) {
            snprintf(tmp, sizeof(tmp), "%lld", (long long)s.n);
            sl_buf_puts(out, tmp);
        } else if (j == 1) {
            put_int128(out, s.sx);
        } else {
            put_uint192(out, s.sxx_hi, s.sxx_lo);
        }
        return true;
    }
    }
    return false;
}
