/*
 * jsonb_ops.c: evaluators of jsonb's functions and operators (the
 * SL_F_JSONB_* ids of plan/func.h), over util/jsonb.h.  Arguments are never
 * NULL here (the functions are strict).  A path (#>, #>>) or key list (?|,
 * ?&) is a constant text[] literal parsed at plan time into e->aux
 * (sql/analyze_jsonb.c), or a text[] value read per row.  Results that
 * are part of an argument are slices of it (no copy); unescaped strings go
 * to scratch.
 */
#include "exec/exec_int.h"
#include "plan/func.h"
#include "util/array.h"
#include "util/jsonb.h"

#include <string.h>

static sl_jb_t jb_of(const sl_datum_t *d)
{
    return (sl_jb_t){d->v.s.p, d->v.s.n};
}

static void set_slice(sl_datum_t *out, const char *p, uint32_t n)
{
    out->v.s.p = p;
    out->v.s.n = n;
}

static void set_null(sl_datum_t *out)
{
    memset(out, 0, sizeof(*out));
    out->null = true;
}

/* The result of -> / #> (as_text false) or ->> / #>> for value v. */
static void result(sl_jb_t v, bool as_text, sl_arena_t *scratch, sl_datum_t *out)
{
    if (!as_text) {
        set_slice(out, v.p, v.n);
        return;
    }
    const char *p;
    uint32_t n;
    if (sl_jsonb_text(v, scratch, &p, &n))
        set_slice(out, p, n);
    else
        set_null(out);
}

SL__JSONB_FN(sl__jsonb_typeof)
{
    (void)e; (void)scratch; (void)err;
    const char *t = sl_jsonb_typeof(jb_of(&a[0]));
    set_slice(out, t, (uint32_t)strlen(t));
    return SL_OK;
}

/* to_jsonb(x) of any type (util/jsonb.c's conversion) */
SL__JSONB_FN(sl__jsonb_to_jsonb)
{
    return sl_jsonb_from_datum(e->args[0]->type, &a[0], scratch, out, err);
}

SL__JSONB_FN(sl__jsonb_array_length)
{
    (void)e; (void)scratch;
    return sl_jsonb_array_length(jb_of(&a[0]), &out->v.i, err);
}

/* j -> key / index, j ->> key / index */
SL__JSONB_FN(sl__jsonb_get)
{
    (void)err;
    sl_jb_t v;
    bool found = e->args[1]->type == SL_T_TEXT
                     ? sl_jsonb_field(jb_of(&a[0]), a[1].v.s.p, a[1].v.s.n, &v)
                     : sl_jsonb_elem(jb_of(&a[0]), a[1].v.i, &v);
    if (!found)
        set_null(out);
    else
        result(v, e->func == SL_F_JSONB_GET_TEXT, scratch, out);
    return SL_OK;
}

/* j -> key, j ->> key with j a datum (perhaps NULL) and the key e's
 * constant text second argument: sl__jsonb_get without evaluating the
 * arguments (expr.c's shortcut for a column's field). */
void sl__jsonb_get_key(const sl_expr_t *e, const sl_datum_t *j, sl_arena_t *scratch,
                       sl_datum_t *out)
{
    const sl_datum_t *key = &e->args[1]->constval;
    sl_jb_t v;
    memset(out, 0, sizeof(*out));
    if (j->null || !sl_jsonb_field(jb_of(j), key->v.s.p, key->v.s.n, &v))
        out->null = true;
    else
        result(v, e->func == SL_F_JSONB_GET_TEXT, scratch, out);
}

/* The parsed path or key list of e (plan time), or read now from the
 * text[] value or text literal d (in scratch). */
static int path_of(const sl_expr_t *e, const sl_datum_t *d, sl_arena_t *scratch,
                   const sl_jb_path_t **path, sl_jb_path_t *local, sl_error_t *err)
{
    if (e->aux != NULL) {
        *path = e->aux;
        return SL_OK;
    }
    *path = local;
    if (e->args[1]->type == SL_T_TEXT_ARRAY) {
        uint32_t n = sl_array_count(d);
        local->n = (int)n;
        local->p = sl_alloc(scratch, (n ? n : 1) * sizeof(*local->p));
        local->len = sl_alloc(scratch, (n ? n : 1) * sizeof(*local->len));
        sl_array_iter_t it;
        sl_datum_t v;
        sl_array_iter_init(&it, SL_T_TEXT_ARRAY, d);
        for (uint32_t i = 0; i < n && sl_array_next(&it, &v); i++) {
            local->p[i] = v.null ? NULL : v.v.s.p;
            local->len[i] = v.null ? 0 : v.v.s.n;
        }
        return SL_OK;
    }
    return sl_jsonb_parse_path(d->v.s.p, d->v.s.n, scratch, local, err);
}

/* j #> path, j #>> path */
SL__JSONB_FN(sl__jsonb_path)
{
    const sl_jb_path_t *path;
    sl_jb_path_t local;
    if (path_of(e, &a[1], scratch, &path, &local, err) != SL_OK)
        return SL_ERR;
    sl_jb_t v;
    if (!sl_jsonb_get_path(jb_of(&a[0]), path, &v))
        set_null(out);
    else
        result(v, e->func == SL_F_JSONB_PATH_TEXT, scratch, out);
    return SL_OK;
}

SL__JSONB_FN(sl__jsonb_exists)
{
    (void)e; (void)scratch; (void)err;
    out->v.i = sl_jsonb_exists(jb_of(&a[0]), a[1].v.s.p, a[1].v.s.n);
    return SL_OK;
}

/* j ?| keys (any), j ?& keys (all); NULL keys are ignored. */
SL__JSONB_FN(sl__jsonb_exists_list)
{
    const sl_jb_path_t *keys;
    sl_jb_path_t local;
    if (path_of(e, &a[1], scratch, &keys, &local, err) != SL_OK)
        return SL_ERR;
    bool all = e->func == SL_F_JSONB_EXISTS_ALL;
    bool v = all;
    for (int i = 0; i < keys->n; i++) {
        if (keys->p[i] == NULL)
            continue;
        bool has = sl_jsonb_exists(jb_of(&a[0]), keys->p[i], keys->len[i]);
        if (all && !has) {
            v = false;
            break;
        }
        if (!all && has) {
            v = true;
            break;
        }
    }
    out->v.i = v;
    return SL_OK;
}

/* a @> b, a <@ b */
SL__JSONB_FN(sl__jsonb_contains)
{
    (void)scratch; (void)err;
    out->v.i = e->func == SL_F_JSONB_CONTAINS ? sl_jsonb_contains(jb_of(&a[0]), jb_of(&a[1]))
                                              : sl_jsonb_contains(jb_of(&a[1]), jb_of(&a[0]));
    return SL_OK;
}
