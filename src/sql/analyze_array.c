/*
 * analyze_array.c: array expressions of a continuous view, with
 * PostgreSQL's typing and messages.
 *
 *   sl__transform_array  x op ANY | SOME | ALL (array), arr[i][j]..., ARRAY[...]
 *   sl__array_call       cardinality, array_length, array_lower,
 *                        array_upper, array_position, array_to_string,
 *                        string_to_array
 *   sl__array_type       "bigint[]" -> SL_T_INT8_ARRAY (sl__resolve_type)
 *   sl__deparse_array    the SQL of these nodes over a view's state table
 *
 * A literal on the right of ANY takes the array type of the left operand's
 * type ('{1,2}' next to an integer is an integer[]); the left operand and
 * the elements compare in PostgreSQL's cross-type operators' way: any two
 * integer types exactly, an integer or real against double precision as
 * doubles; other pairs are coerced to their common type first (numeric =
 * ANY (integer[]) as numeric, a date against timestamps as timestamps).
 */
#include "sql/analyze_int.h"

#include <string.h>

#include "plan/func.h"
#include "util/array.h"

static const char *const no_op_hint =
    "No operator matches the given name and argument types. "
    "You might need to add explicit type casts.";

static bool is_unknown(const sl_expr_t *e)
{
    return e->type == SL_T_UNKNOWN;
}

/* Two types whose values the executor compares across (sl__array_cmp). */
static bool comparable(sl_type_t x, sl_type_t y)
{
    if (x == y)
        return true;
    bool nx = sl_type_is_numeric(x) && x != SL_T_NUMERIC;
    bool ny = sl_type_is_numeric(y) && y != SL_T_NUMERIC;
    return nx && ny;
}

static bool is_ts(sl_type_t t)
{
    return t == SL_T_TIMESTAMP || t == SL_T_TIMESTAMPTZ;
}

/* The common type of two element types as PostgreSQL's select_common_type
 * picks it (ARRAY[...], ||, the operands of ANY / ALL): numbers to the
 * float, numeric or widest integer among them, date and the timestamps to
 * the timestamp; false when there is none. */
static bool common_type(sl_type_t t, sl_type_t u, sl_type_t *out)
{
    if (t == u) {
        *out = t;
        return true;
    }
    if (sl_type_is_numeric(t) && sl_type_is_numeric(u)) {
        bool fl = t == SL_T_FLOAT4 || t == SL_T_FLOAT8 || u == SL_T_FLOAT4 || u == SL_T_FLOAT8;
        if (fl)
            *out = t == SL_T_FLOAT4 && u == SL_T_FLOAT4 ? SL_T_FLOAT4 : SL_T_FLOAT8;
        else if (t == SL_T_NUMERIC || u == SL_T_NUMERIC)
            *out = SL_T_NUMERIC;
        else
            *out = t > u ? t : u;   /* int2 < int4 < int8 in the enum */
        return true;
    }
    if (is_ts(t) && is_ts(u)) {
        *out = SL_T_TIMESTAMPTZ;
        return true;
    }
    return sl__datetime_compare(t, u, out);
}

/* common_type, and for two array types the array of their elements'
 * common type (ARRAY[ARRAY[1], ARRAY[2.5]] is numeric[]). */
static bool common_type_or_array(sl_type_t t, sl_type_t u, sl_type_t *out)
{
    if (sl_type_is_array(t) && sl_type_is_array(u)) {
        sl_type_t e;
        if (!common_type(sl_type_elem(t), sl_type_elem(u), &e))
            return false;
        *out = sl_type_array_of(e);
        return true;
    }
    return common_type(t, u, out);
}

static sl_expr_t *no_array_type(sl_actx_t *ctx, sl_type_t elem, int location)
{
    sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, location,
                 "arrays of type %s are not supported yet", sl_type_name(elem));
    return NULL;
}

static sl_expr_t *anyall(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_t *l = sl__transform(ctx, n->args[0], where);
    sl_expr_t *r = l ? sl__transform(ctx, n->args[1], where) : NULL;
    if (r == NULL)
        return NULL;
    if (n->op == SL_AST_OP_OTHER || n->op < SL_OP_EQ || n->op > SL_OP_GE) {
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                     "operator %s with ANY or ALL is not supported in continuous views",
                     n->opname);
        return NULL;
    }
    if (is_unknown(r)) {
        if (is_unknown(l) && (l = sl__coerce(ctx, l, SL_T_TEXT, -1)) == NULL)
            return NULL;
        sl_type_t at = sl_type_array_of(l->type);
        if (at == SL_T_UNKNOWN)
            return no_array_type(ctx, l->type, r->location);
        if ((r = sl__coerce(ctx, r, at, -1)) == NULL)
            return NULL;
    }
    if (!sl_type_is_array(r->type)) {
        sl_error_set(ctx->err, SL_ERRCODE_WRONG_OBJECT_TYPE, n->location,
                     "op ANY/ALL (array) requires array on right side");
        return NULL;
    }
    sl_type_t et = sl_type_elem(r->type), ct;
    if (is_unknown(l) && (l = sl__coerce(ctx, l, et, -1)) == NULL)
        return NULL;
    if (!comparable(l->type, et)) {
        /* as PostgreSQL's operator for the common type: numeric = ANY
         * (integer[]) compares as numeric, a date against timestamps as
         * timestamps ... */
        if (!common_type(l->type, et, &ct)) {
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                         "operator does not exist: %s %s %s", sl_type_name(l->type), n->opname,
                         sl_type_name(et));
            sl_error_hint(ctx->err, "%s", no_op_hint);
            return NULL;
        }
        if (l->type != ct && (l = sl__coerce(ctx, l, ct, -1)) == NULL)
            return NULL;
        if (!comparable(l->type, et) && (r = sl__coerce(ctx, r, sl_type_array_of(ct), -1)) == NULL)
            return NULL;
    }
    sl_expr_t *e = sl__mk(ctx, SL_E_ANYALL, SL_T_BOOL, n->location, 2);
    e->op = (sl_op_t)n->op;
    e->all = (n->variant & SL_AV_ALL) != 0;
    e->args[0] = l;
    e->args[1] = r;
    if (l->location > 0 && l->location < e->location)
        e->location = l->location;
    return e;
}

static sl_expr_t *func_node(sl_actx_t *ctx, sl_func_id_t id, sl_type_t type, int location,
                            sl_expr_t **args, int nargs)
{
    sl_expr_t *e = sl__mk(ctx, SL_E_FUNC, type, location, nargs);
    e->func = id;
    for (int i = 0; i < nargs; i++)
        e->args[i] = args[i];
    return e;
}

/* An int4 argument (unknown literals and smaller integers coerced). */
static sl_expr_t *int4_arg(sl_actx_t *ctx, sl_expr_t *x)
{
    if (is_unknown(x) || x->type == SL_T_INT2)
        return sl__coerce(ctx, x, SL_T_INT4, -1);
    return x->type == SL_T_INT4 ? x : NULL;
}

/* A subscript or slice bound: an assignment cast to integer, as
 * PostgreSQL's subscripts take. */
static sl_expr_t *bound(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_t *x = sl__transform(ctx, n, where);
    if (x == NULL)
        return NULL;
    sl_expr_t *i = sl_type_is_numeric(x->type) ? sl__coerce(ctx, x, SL_T_INT4, -1)
                                               : int4_arg(ctx, x);
    if (i == NULL && !sl_error_isset(ctx->err))
        sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, x->location,
                     "array subscript must have type integer");
    return i;
}

/* An int4 constant (a slice's left-out bound). */
static sl_expr_t *int4_const(sl_actx_t *ctx, int32_t v)
{
    sl_expr_t *e = sl__mk(ctx, SL_E_CONST, SL_T_INT4, 0, 0);
    e->constval.v.i = v;
    return e;
}

/* arr[i][j]...: one subscript per dimension (the chain of subscript nodes
 * the parser builds, innermost first), each an integer; or one slice
 * arr[lo:hi] of the first dimension (the array type, SL_F_SLICE with both
 * bounds: a left-out one is INT32_MIN or INT32_MAX, clamped to the
 * array's bounds at run time). */
static sl_expr_t *subscript(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    const sl_ast_node_t *chain[SL_ARRAY_MAXDIM];
    int nsub = 0;
    bool slice = (n->variant & SL_SLICE) != 0;
    const sl_ast_node_t *base = n;
    if (slice) {
        /* a[i][lo:hi], a[lo:hi][lo:hi]: a slice of several dimensions
         * (the parser keeps no parentheses: (a[1:2])[1:1] reads the same) */
        if (n->args[0]->kind == SL_A_SUBSCRIPT) {
            sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                         "array slices of more than one dimension are not supported in "
                         "continuous views");
            sl_error_hint(ctx->err, "Slice the first dimension only (a[lo:hi]); its other "
                                    "dimensions are kept whole.");
            return NULL;
        }
        nsub = 1;
        base = n->args[0];
    } else {
        /* a chain of element subscripts; a slice below it is its own
         * expression, as in (a[lo:hi])[i] */
        for (; base->kind == SL_A_SUBSCRIPT && !(base->variant & SL_SLICE); base = base->args[0])
            if (nsub++ < SL_ARRAY_MAXDIM)
                chain[SL_ARRAY_MAXDIM - nsub] = base;
    }
    sl_expr_t *a[SL_ARRAY_MAXDIM + 1];
    if ((a[0] = sl__transform(ctx, base, where)) == NULL)
        return NULL;
    if (!sl_type_is_array(a[0]->type)) {
        sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, a[0]->location,
                     "cannot subscript type %s because it does not support subscripting",
                     sl_type_name(a[0]->type));
        return NULL;
    }
    if (nsub > SL_ARRAY_MAXDIM) {
        sl_error_set(ctx->err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                     "number of array dimensions (%d) exceeds the maximum allowed (%d)", nsub,
                     SL_ARRAY_MAXDIM);
        return NULL;
    }
    sl_expr_t *e;
    if (slice) {
        int k = 1;
        if (n->variant & SL_SLICE_NO_LOWER)
            a[1] = int4_const(ctx, INT32_MIN);
        else if ((a[1] = bound(ctx, n->args[k++], where)) == NULL)
            return NULL;
        if (n->variant & SL_SLICE_NO_UPPER)
            a[2] = int4_const(ctx, INT32_MAX);
        else if ((a[2] = bound(ctx, n->args[k], where)) == NULL)
            return NULL;
        e = func_node(ctx, SL_F_SLICE, a[0]->type, n->location, a, 3);
    } else {
        for (int k = 0; k < nsub; k++) {
            if ((a[k + 1] = bound(ctx, chain[SL_ARRAY_MAXDIM - nsub + k]->args[1], where)) == NULL)
                return NULL;
        }
        e = func_node(ctx, SL_F_SUBSCRIPT, sl_type_elem(a[0]->type), n->location, a, nsub + 1);
    }
    e->typmod = a[0]->typmod;
    e->location = a[0]->location;
    return e;
}

/* ARRAY[a, b, ...]: the elements' common type (unknown literals text);
 * ARRAY[arr, arr, ...] of arrays is multidimensional. */
static sl_expr_t *constructor(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    if (n->nargs == 0) {
        sl_error_set(ctx->err, "42P18", n->location, "cannot determine type of empty array");
        sl_error_hint(ctx->err, "Explicitly cast to the desired type, for example "
                                "ARRAY[]::integer[].");
        return NULL;
    }
    sl_expr_t **v = sl_alloc(ctx->a, sizeof(*v) * (size_t)n->nargs);
    sl_type_t t = SL_T_UNKNOWN;
    for (int i = 0; i < n->nargs; i++) {
        if ((v[i] = sl__transform(ctx, n->args[i], where)) == NULL)
            return NULL;
        sl_type_t u = v[i]->type;
        if (u == SL_T_UNKNOWN || u == t)
            continue;
        if (t == SL_T_UNKNOWN) {
            t = u;
        } else if (!common_type_or_array(t, u, &t)) {
            sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, v[i]->location,
                         "ARRAY types %s and %s cannot be matched", sl_type_name(t),
                         sl_type_name(u));
            return NULL;
        }
    }
    if (t == SL_T_UNKNOWN)
        t = SL_T_TEXT;
    /* arrays of arrays are one more dimension of the same array type */
    sl_type_t at = sl_type_is_array(t) ? t : sl_type_array_of(t);
    if (at == SL_T_UNKNOWN)
        return no_array_type(ctx, t, n->location);
    for (int i = 0; i < n->nargs; i++)
        if ((v[i] = sl__coerce(ctx, v[i], t, -1)) == NULL)
            return NULL;
    return func_node(ctx, SL_F_ARRAY, at, n->location, v, n->nargs);
}

/* a @> b, a <@ b, a && b when a or b is an array: anyarray on both sides,
 * an unknown literal taking the other side's type (42883 for two array
 * types).  NULL when the operator is none of them or neither side is an
 * array (no error set), or after an error. */
sl_expr_t *sl__array_operator(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t *l, sl_expr_t *r)
{
    static const struct {
        const char *name;
        sl_func_id_t id;
    } ops[] = {{"@>", SL_F_ARRAY_CONTAINS}, {"<@", SL_F_ARRAY_CONTAINED},
               {"&&", SL_F_ARRAY_OVERLAP}};
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(n->opname, ops[i].name) == 0)
            k = i;
    if (k < 0 || !(sl_type_is_array(l->type) || sl_type_is_array(r->type)))
        return NULL;
    if (is_unknown(l))
        l = sl__coerce(ctx, l, r->type, -1);
    else if (is_unknown(r))
        r = sl__coerce(ctx, r, l->type, -1);
    if (l == NULL || r == NULL)
        return NULL;
    if (l->type != r->type) {
        sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                     "operator does not exist: %s %s %s", sl_type_name(l->type), n->opname,
                     sl_type_name(r->type));
        sl_error_hint(ctx->err, "No operator matches the given name and argument types. "
                                "You might need to add explicit type casts.");
        return NULL;
    }
    sl_expr_t *a[2] = {l, r};
    sl_expr_t *e = func_node(ctx, ops[k].id, SL_T_BOOL, n->location, a, 2);
    if (l->location > 0 && l->location < e->location)
        e->location = l->location;
    return e;
}

/* An empty array constant of type t (ARRAY[] under a cast). */
sl_expr_t *sl__empty_array(sl_actx_t *ctx, sl_type_t t, int location)
{
    sl_array_builder_t ab;
    sl_expr_t *e = sl__mk(ctx, SL_E_CONST, t, location, 0);
    sl_array_build_begin(&ab, sl_type_elem(t));
    sl_array_build_end(&ab, ctx->a, &e->constval);
    return e;
}

sl_expr_t *sl__transform_array(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    switch (n->kind) {
    case SL_A_ANYALL:
        return anyall(ctx, n, where);
    case SL_A_SUBSCRIPT:
        return subscript(ctx, n, where);
    default:
        return constructor(ctx, n, where);
    }
}

static bool no_function(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t **args)
{
    sl_buf_t b = SL_BUF_INIT;
    for (int i = 0; i < n->nargs; i++) {
        if (i > 0)
            sl_buf_puts(&b, ", ");
        sl_buf_puts(&b, sl_type_name(args[i]->type));
    }
    sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                 "function %s(%s) does not exist", n->str, sl_buf_cstr(&b));
    sl_error_hint(ctx->err, "No function matches the given name and argument types. "
                            "You might need to add explicit type casts.");
    sl_buf_free(&b);
    return true;
}

bool sl__array_call(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where,
                    sl_expr_t **out)
{
    static const struct {
        const char *name;
        sl_func_id_t id;
        int minargs, maxargs;
    } fns[] = {
        {"cardinality", SL_F_CARDINALITY, 1, 1},
        {"array_length", SL_F_ARRAY_LENGTH, 2, 2},
        {"array_position", SL_F_ARRAY_POSITION, 2, 2},
        {"array_to_string", SL_F_ARRAY_TO_STRING, 2, 3},
        {"array_lower", SL_F_ARRAY_LOWER, 2, 2},
        {"array_upper", SL_F_ARRAY_UPPER, 2, 2},
        {"string_to_array", SL_F_STRING_TO_ARRAY, 2, 3},
    };
    int f = -1;
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        if (strcmp(n->str, fns[i].name) == 0)
            f = (int)i;
    if (f < 0 || n->star || n->distinct || n->order || n->filter)
        return false;
    *out = NULL;
    sl_expr_t *args[3];
    for (int i = 0; i < n->nargs && i < 3; i++)
        if ((args[i] = sl__transform(ctx, n->args[i], where)) == NULL)
            return true;
    if (n->nargs < fns[f].minargs || n->nargs > fns[f].maxargs)
        return no_function(ctx, n, args);
    if (fns[f].id == SL_F_STRING_TO_ARRAY) {   /* (text, text [, text]) */
        for (int i = 0; i < n->nargs; i++) {
            if (is_unknown(args[i]) && (args[i] = sl__coerce(ctx, args[i], SL_T_TEXT, -1)) == NULL)
                return true;
            if (args[i]->type != SL_T_TEXT)
                return no_function(ctx, n, args);
        }
        *out = func_node(ctx, SL_F_STRING_TO_ARRAY, SL_T_TEXT_ARRAY, n->location, args, n->nargs);
        return true;
    }
    if (is_unknown(args[0])) {
        sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, n->location,
                     "could not determine polymorphic type because input has type unknown");
        return true;
    }
    if (!sl_type_is_array(args[0]->type))
        return no_function(ctx, n, args);
    sl_type_t et = sl_type_elem(args[0]->type), result = SL_T_INT4;
    switch (fns[f].id) {
    case SL_F_ARRAY_LENGTH:
    case SL_F_ARRAY_LOWER:
    case SL_F_ARRAY_UPPER:
        if ((args[1] = int4_arg(ctx, args[1])) == NULL)
            return sl_error_isset(ctx->err) ? true : no_function(ctx, n, args);
        break;
    case SL_F_ARRAY_POSITION:
        if ((is_unknown(args[1]) && (args[1] = sl__coerce(ctx, args[1], et, -1)) == NULL))
            return true;
        if (!comparable(args[1]->type, et))
            return no_function(ctx, n, args);
        break;
    case SL_F_ARRAY_TO_STRING:
        for (int i = 1; i < n->nargs; i++) {
            if (is_unknown(args[i]) && (args[i] = sl__coerce(ctx, args[i], SL_T_TEXT, -1)) == NULL)
                return true;
            if (args[i]->type != SL_T_TEXT)
                return no_function(ctx, n, args);
        }
        result = SL_T_TEXT;
        break;
    default:
        break;
    }
    *out = func_node(ctx, fns[f].id, result, n->location, args, n->nargs);
    return true;
}

int sl__array_type(sl_actx_t *ctx, const char *name, int typmod, int location,
                   bool in_stream, sl_type_t *type, int *typmod_out)
{
    size_t n = strlen(name);
    char *elem = sl_strndup(ctx->a, name, n - 2);
    sl_type_t et;
    if (sl__resolve_type(ctx, elem, typmod, location, in_stream, &et, typmod_out) != SL_OK)
        return SL_ERR;
    *type = sl_type_array_of(et);
    if (*type == SL_T_UNKNOWN)
        return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, location,
                            "arrays of type %s are not supported yet", sl_type_name(et));
    return SL_OK;
}

sl_expr_t *sl__array_concat(sl_actx_t *ctx, int location, const char *opname, sl_expr_t *l,
                            sl_expr_t *r)
{
    /* an unknown literal next to an array is that array type */
    if (is_unknown(r) && sl_type_is_array(l->type) && (r = sl__coerce(ctx, r, l->type, -1)) == NULL)
        return NULL;
    if (is_unknown(l) && sl_type_is_array(r->type) && (l = sl__coerce(ctx, l, r->type, -1)) == NULL)
        return NULL;
    bool la = sl_type_is_array(l->type), ra = sl_type_is_array(r->type);
    sl_type_t le = la ? sl_type_elem(l->type) : l->type, re = ra ? sl_type_elem(r->type) : r->type;
    sl_type_t et;
    if (!common_type(le, re, &et)) {
        sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, location,
                     "operator does not exist: %s %s %s", sl_type_name(l->type), opname,
                     sl_type_name(r->type));
        sl_error_hint(ctx->err, "%s", no_op_hint);
        return NULL;
    }
    sl_type_t at = sl_type_array_of(et);
    sl_expr_t *a[2] = {l, r};
    for (int i = 0; i < 2; i++) {
        bool arr = i == 0 ? la : ra;
        if ((a[i] = sl__coerce(ctx, a[i], arr ? at : et, -1)) == NULL)
            return NULL;
    }
    sl_func_id_t id = la && ra ? SL_F_ARRAY_CAT : la ? SL_F_ARRAY_APPEND : SL_F_ARRAY_PREPEND;
    sl_expr_t *e = func_node(ctx, id, at, location, a, 2);
    if (l->location > 0 && l->location < e->location)
        e->location = l->location;
    return e;
}

bool sl__deparse_array(const sl_view_plan_t *plan, const sl_expr_t *e, sl_buf_t *b)
{
    static const char *const ops[] = {
        [SL_OP_EQ] = "=", [SL_OP_NE] = "<>", [SL_OP_LT] = "<",
        [SL_OP_LE] = "<=", [SL_OP_GT] = ">", [SL_OP_GE] = ">=",
    };
    static const char *const names[] = {
        [SL_F_CARDINALITY] = "pg_catalog.cardinality",
        [SL_F_ARRAY_LENGTH] = "pg_catalog.array_length",
        [SL_F_ARRAY_POSITION] = "pg_catalog.array_position",
        [SL_F_ARRAY_TO_STRING] = "pg_catalog.array_to_string",
        [SL_F_REGEXP_MATCH] = "pg_catalog.regexp_match",
        [SL_F_ARRAY_LOWER] = "pg_catalog.array_lower",
        [SL_F_ARRAY_UPPER] = "pg_catalog.array_upper",
        [SL_F_STRING_TO_ARRAY] = "pg_catalog.string_to_array",
        [SL_F_ARRAY_CAT] = "pg_catalog.array_cat",
        [SL_F_ARRAY_APPEND] = "pg_catalog.array_append",
        [SL_F_ARRAY_PREPEND] = "pg_catalog.array_prepend",
        [SL_F_ARRAY_CONTAINS] = "pg_catalog.arraycontains",
        [SL_F_ARRAY_CONTAINED] = "pg_catalog.arraycontained",
        [SL_F_ARRAY_OVERLAP] = "pg_catalog.arrayoverlap",
    };
    if (e->kind == SL_E_ANYALL) {
        sl_buf_putc(b, '(');
        sl__deparse(plan, e->args[0], b);
        sl_buf_printf(b, " %s %s (", ops[e->op], e->all ? "ALL" : "ANY");
        sl__deparse(plan, e->args[1], b);
        sl_buf_puts(b, "))");
        return true;
    }
    if (e->kind != SL_E_FUNC || e->func < SL_F_REGEXP_MATCH || e->func > SL_F_ARRAY_PREPEND)
        return false;
    if (e->func == SL_F_SUBSCRIPT || e->func == SL_F_SLICE) {
        sl_buf_puts(b, "((");
        sl__deparse(plan, e->args[0], b);
        sl_buf_putc(b, ')');
        if (e->func == SL_F_SLICE) {
            sl_buf_putc(b, '[');
            sl__deparse(plan, e->args[1], b);
            sl_buf_putc(b, ':');
            sl__deparse(plan, e->args[2], b);
            sl_buf_putc(b, ']');
        } else {
            for (int i = 1; i < e->nargs; i++) {
                sl_buf_putc(b, '[');
                sl__deparse(plan, e->args[i], b);
                sl_buf_putc(b, ']');
            }
        }
        sl_buf_putc(b, ')');
        return true;
    }
    sl_buf_puts(b, e->func == SL_F_ARRAY ? "ARRAY[" : names[e->func]);
    if (e->func != SL_F_ARRAY)
        sl_buf_putc(b, '(');
    for (int i = 0; i < e->nargs; i++) {
        if (i > 0)
            sl_buf_puts(b, ", ");
        sl__deparse(plan, e->args[i], b);
    }
    sl_buf_putc(b, e->func == SL_F_ARRAY ? ']' : ')');
    return true;
}
