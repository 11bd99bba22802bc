/*
 * analyze_expr.c: expressions of a continuous view, AST -> typed sl_expr_t.
 *
 * Column names are resolved against the one stream in FROM; types follow
 * PostgreSQL: string literals stay "unknown" until they meet another
 * operand and are then parsed as that type (sl_type_input) into a constant;
 * operands of an operator are cast to a common type (int2 < int4 < int8 <
 * numeric < float4 < float8, any float with a non-float4 makes float8), ||
 * works on text; aggregate calls are resolved through plan/agg.h and
 * collected in the context.  Errors carry PostgreSQL's SQLSTATE, wording
 * and position.  Everything is allocated from the plan's arena.
 */
#include "sql/analyze_int.h"
#include "util/array.h"
#include "util/numeric.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const no_op_hint =
    "No operator matches the given name and argument types. "
    "You might need to add explicit type casts.";
static const char *const no_func_hint =
    "No function matches the given name and argument types. "
    "You might need to add explicit type casts.";

sl_expr_t *sl__mk(sl_actx_t *ctx, sl_expr_kind_t kind, sl_type_t type, int location,
                  int nargs)
{
    sl_expr_t *e = sl_alloc0(ctx->a, sizeof(*e));
    e->kind = kind;
    e->type = type;
    e->typmod = -1;
    e->location = location;
    e->nargs = nargs;
    if (nargs > 0)
        e->args = sl_alloc0(ctx->a, (size_t)nargs * sizeof(*e->args));
    return e;
}

/* Like PostgreSQL's exprLocation: the leftmost of the node's own location
 * and its arguments' (an error about "a + 1" points at a). */
static void set_leftmost(sl_expr_t *e)
{
    for (int i = 0; i < e->nargs; i++) {
        int loc = e->args[i]->location;
        if (loc > 0 && (e->location == 0 || loc < e->location))
            e->location = loc;
    }
}

static sl_expr_t *mk2(sl_actx_t *ctx, sl_expr_kind_t kind, sl_type_t type,
                      int location, sl_expr_t *l, sl_expr_t *r)
{
    sl_expr_t *e = sl__mk(ctx, kind, type, location, r ? 2 : 1);
    e->args[0] = l;
    if (r)
        e->args[1] = r;
    set_leftmost(e);
    return e;
}

static bool is_unknown(const sl_expr_t *e)
{
    return e->type == SL_T_UNKNOWN;
}

static bool is_float(sl_type_t t)
{
    return t == SL_T_FLOAT4 || t == SL_T_FLOAT8;
}

static bool is_time(sl_type_t t)
{
    return t == SL_T_TIMESTAMP || t == SL_T_TIMESTAMPTZ;
}

/* Common type of two numeric types for arithmetic and comparison. */
static sl_type_t numeric_common(sl_type_t x, sl_type_t y)
{
    if (is_float(x) || is_float(y))
        return (x == SL_T_FLOAT4 && y == SL_T_FLOAT4) ? SL_T_FLOAT4 : SL_T_FLOAT8;
    if (x == SL_T_NUMERIC || y == SL_T_NUMERIC)
        return SL_T_NUMERIC;
    return x > y ? x : y;   /* int2 < int4 < int8 in the enum */
}

static bool castable(sl_type_t from, sl_type_t to)
{
    if (from == to || from == SL_T_TEXT || to == SL_T_TEXT)
        return true;
    if (sl_type_is_array(from) && sl_type_is_array(to))   /* element by element */
        return castable(sl_type_elem(from), sl_type_elem(to));
    if (sl_type_is_numeric(from) && sl_type_is_numeric(to))
        return true;
    if (is_time(from) && is_time(to))
        return true;
    if (sl__datetime_castable(from, to))
        return true;
    if ((from == SL_T_BOOL && to == SL_T_INT4) || (from == SL_T_INT4 && to == SL_T_BOOL))
        return true;
    if (from == SL_T_JSONB && (sl_type_is_numeric(to) || to == SL_T_BOOL))
        return true;
    return false;
}

sl_expr_t *sl__coerce(sl_actx_t *ctx, sl_expr_t *e, sl_type_t type, int typmod)
{
    if (is_unknown(e) && e->kind == SL_E_CONST) {
        if (!e->constval.null) {
            sl_datum_t d;
            if (sl_type_input(type, typmod, e->constval.v.s.p, e->constval.v.s.n,
                              ctx->a, &d, ctx->err) != SL_OK) {
                if (ctx->err->position == 0)
                    ctx->err->position = e->location;
                return NULL;
            }
            e->constval = d;
        }
        e->type = type;
        e->typmod = typmod;
        return e;
    }
    if (e->kind == SL_E_CONST && !e->constval.null && sl_type_is_integer(e->type) &&
        ((type == SL_T_NUMERIC && typmod < 0) || type == SL_T_FLOAT8 ||
         (sl_type_is_integer(type) && type > e->type))) {
        /* Exact conversions of a constant are done now. */
        if (type == SL_T_NUMERIC) {
            sl_num_t x;
            sl_num_init(&x);
            sl_num_set_int(&x, e->constval.v.i);
            sl_numeric_put(&x, ctx->a, &e->constval);
            sl_num_clear(&x);
        } else if (!sl_type_is_integer(type)) {
            e->constval.v.f = (double)e->constval.v.i;
        }
        e->type = type;
        return e;
    }
    if (e->kind == SL_E_CONST && !e->constval.null && e->type == SL_T_NUMERIC &&
        type == SL_T_FLOAT8) {
        /* a decimal literal next to a float: float8in of its text, as
         * PostgreSQL's constant folding of numeric_float8 gives */
        sl_num_t x;
        double f;
        sl_num_init(&x);
        sl_numeric_get(&e->constval, &x);
        int rc = sl_num_to_double(&x, false, &f, ctx->err);
        sl_num_clear(&x);
        if (rc != SL_OK) {
            ctx->err->position = e->location;
            return NULL;
        }
        e->constval.v.f = f;
        e->type = type;
        return e;
    }
    if (e->type == type && (typmod < 0 || e->typmod == typmod)) {
        if (typmod < 0 && e->typmod >= 0 && e->kind == SL_E_CONST)
            e->typmod = -1;
        return e;
    }
    sl_expr_t *c = mk2(ctx, SL_E_CAST, type, e->location, e, NULL);
    c->typmod = typmod;
    return c;
}

sl_expr_t *sl__coerce_bool(sl_actx_t *ctx, sl_expr_t *e, const char *what)
{
    if (e == NULL)
        return NULL;
    if (is_unknown(e))
        return sl__coerce(ctx, e, SL_T_BOOL, -1);
    if (e->type != SL_T_BOOL) {
        sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, e->location,
                     "argument of %s must be type boolean, not type %s", what,
                     sl_type_name(e->type));
        return NULL;
    }
    return e;
}

/* PostgreSQL types Sluice does not carry (yet): 0A000 rather than 42704. */
static const char *const pg_only_types[] = {
    "time with time zone", "timetz", "json", "jsonb", "bytea", "character",
    "char", "bpchar", "inet", "cidr", "money", "oid", "name", "xml",
    "smallserial", "serial", "bigserial", "point", NULL,
};

int sl__resolve_type(sl_actx_t *ctx, const char *name, int typmod,
                     int location, bool in_stream, sl_type_t *type,
                     int *typmod_out)
{
    size_t len = strlen(name);
    if (len > 2 && strcmp(name + len - 2, "[]") == 0)
        return sl__array_type(ctx, name, typmod, location, in_stream, type, typmod_out);
    sl_type_t t = sl_type_from_name(name);

    if (t == SL_T_UNKNOWN) {
        for (int i = 0; pg_only_types[i]; i++)
            if (strcmp(pg_only_types[i], name) == 0)
                return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                    location, "type %s is not supported yet", name);
        return sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_OBJECT, location,
                            "type \"%s\" does not exist", name);
    }
    (void)in_stream;
    if (t == SL_T_NUMERIC) {
        /* numeric(p) is numeric(p, 0); PostgreSQL's typmod from there */
        *type = t;
        *typmod_out = -1;
        if (typmod < 0)
            return SL_OK;
        bool pair = typmod >= SL_TYPMOD_PAIR_FLAG;
        if (sl_num_typmod(pair ? SL_TYPMOD_PAIR_P(typmod) : typmod,
                          pair ? SL_TYPMOD_PAIR_S(typmod) : 0, typmod_out, ctx->err) != SL_OK) {
            ctx->err->position = location;
            return SL_ERR;
        }
        return SL_OK;
    }
    if (typmod >= SL_TYPMOD_PAIR_FLAG)
        return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, location,
                            "invalid type modifier");
    bool is_varchar = strcmp(name, "varchar") == 0 ||
                      strcmp(name, "character varying") == 0;
    if (typmod >= 0 && !is_varchar && t != SL_T_NUMERIC && !is_time(t) && t != SL_T_TIME)
        return sl_error_set(ctx->err, SL_ERRCODE_SYNTAX_ERROR, location,
                            "type modifier is not allowed for type \"%s\"", name);
    if (is_varchar && typmod == 0)
        return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, location,
                            "length for type varchar must be at least 1");
    *type = t;
    /* Precision of timestamps is not kept (yet). */
    *typmod_out = is_varchar ? typmod : -1;
    return SL_OK;
}

const char *sl__type_internal_name(sl_type_t t, const char *written)
{
    switch (t) {
    case SL_T_BOOL: return "bool";
    case SL_T_INT2: return "int2";
    case SL_T_INT4: return "int4";
    case SL_T_INT8: return "int8";
    case SL_T_FLOAT4: return "float4";
    case SL_T_FLOAT8: return "float8";
    case SL_T_NUMERIC: return "numeric";
    case SL_T_TEXT:
        return (written && strcmp(written, "text") != 0) ? "varchar" : "text";
    case SL_T_TIMESTAMPTZ: return "timestamptz";
    case SL_T_TIMESTAMP: return "timestamp";
    case SL_T_INTERVAL: return "interval";
    case SL_T_DATE: return "date";
    case SL_T_TIME: return "time";
    case SL_T_UUID: return "uuid";
    case SL_T_JSONB: return "jsonb";
    default:
        /* '{1}'::int[] is named as its element type is, as in PostgreSQL */
        if (sl_type_is_array(t))
            return sl__type_internal_name(sl_type_elem(t), written);
        return "unknown";
    }
}

bool sl__expr_equal(const sl_expr_t *x, const sl_expr_t *y)
{
    if (x->kind != y->kind || x->type != y->type || x->typmod != y->typmod ||
        x->nargs != y->nargs)
        return false;
    switch (x->kind) {
    case SL_E_COLUMN:
        return x->colno == y->colno;
    case SL_E_OP:
    case SL_E_FUNC:
    case SL_E_ANY:
    case SL_E_MINMAX:
    case SL_E_DISTINCT:
    case SL_E_BOOLTEST:
    case SL_E_ANYALL:
        if (x->op != y->op || x->func != y->func || x->booltest != y->booltest ||
            x->all != y->all)
            return false;
        break;
    case SL_E_CONST:
        if (x->constval.null || y->constval.null)
            return x->constval.null == y->constval.null;
        if (x->type == SL_T_UNKNOWN)
            return x->constval.v.s.n == y->constval.v.s.n &&
                   memcmp(x->constval.v.s.p, y->constval.v.s.p, x->constval.v.s.n) == 0;
        if (x->type == SL_T_NUMERIC)   /* 1.0 and 1.00 are different constants */
            return x->constval.v.s.n == y->constval.v.s.n &&
                   memcmp(x->constval.v.s.p, y->constval.v.s.p, x->constval.v.s.n) == 0;
        return sl_datum_eq(x->type, &x->constval, &y->constval);
    default:
        if ((int)x->kind == (int)SL__E_AGGREF || (int)x->kind == (int)SL__E_GROUPREF)
            return x->colno == y->colno;
        break;
    }
    for (int i = 0; i < x->nargs; i++)
        if (!sl__expr_equal(x->args[i], y->args[i]))
            return false;
    return true;
}

/* ---- hashing (analyze_int.h) ---- */

uint32_t sl__hash_mix(uint32_t h, uint32_t x)
{
    h ^= x + 0x9e3779b9u + (h << 6) + (h >> 2);
    h *= 0x85ebca6bu;
    return h ^ (h >> 13);
}

static uint32_t bytes_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;      /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

uint32_t sl__str_hash(const char *s)
{
    return bytes_hash(s, strlen(s));
}

uint32_t sl__expr_hash_shallow(const sl_expr_t *e)
{
    uint32_t h = sl__hash_mix((uint32_t)e->kind, (uint32_t)e->type);
    h = sl__hash_mix(h, (uint32_t)e->typmod);
    h = sl__hash_mix(h, (uint32_t)e->nargs);
    switch (e->kind) {
    case SL_E_COLUMN:
        return sl__hash_mix(h, (uint32_t)e->colno);
    case SL_E_OP:
        return sl__hash_mix(h, (uint32_t)e->op);
    case SL_E_CONST:
        if (e->constval.null)
            return sl__hash_mix(h, 1);
        if (e->type == SL_T_UNKNOWN || e->type == SL_T_TEXT || sl_type_is_array(e->type) ||
            e->type == SL_T_JSONB)
            return sl__hash_mix(h, bytes_hash(e->constval.v.s.p, e->constval.v.s.n));
        if (e->type == SL_T_FLOAT4 || e->type == SL_T_FLOAT8 || e->type == SL_T_NUMERIC)
            return h;   /* -0 equals 0, NaN equals NaN: leave it to sl__expr_equal */
        return sl__hash_mix(h, (uint32_t)e->constval.v.i ^ (uint32_t)(e->constval.v.i >> 32));
    default:
        if ((int)e->kind == (int)SL__E_AGGREF || (int)e->kind == (int)SL__E_GROUPREF)
            return sl__hash_mix(h, (uint32_t)e->colno);
        return h;
    }
}

/* Recursion bounded by the expression depth limit (sql.h). */
uint32_t sl__expr_hash(const sl_expr_t *e)
{
    uint32_t h = sl__expr_hash_shallow(e);
    for (int i = 0; i < e->nargs; i++)
        h = sl__hash_mix(h, sl__expr_hash(e->args[i]));
    return h;
}

void sl__hindex_add(sl_arena_t *a, sl__hindex_t *x, uint32_t h, int id)
{
    if (2 * (x->n + 1) > x->cap) {
        sl__hindex_t g = {.n = 0, .cap = x->cap ? 2 * x->cap : 16};
        g.hash = sl_alloc(a, (size_t)g.cap * sizeof(*g.hash));
        g.id = sl_alloc(a, (size_t)g.cap * sizeof(*g.id));
        for (int i = 0; i < g.cap; i++)
            g.id[i] = -1;
        for (int i = 0; i < x->cap; i++)
            if (x->id[i] >= 0)
                sl__hindex_add(a, &g, x->hash[i], x->id[i]);
        *x = g;   /* the old arrays stay in the arena until it goes */
    }
    int i = (int)(h & (uint32_t)(x->cap - 1));
    while (x->id[i] >= 0)
        i = (i + 1) & (x->cap - 1);
    x->hash[i] = h;
    x->id[i] = id;
    x->n++;
}

int sl__hindex_next(const sl__hindex_t *x, uint32_t h, int *pos)
{
    if (x->cap == 0)
        return -1;
    int i = *pos < 0 ? (int)(h & (uint32_t)(x->cap - 1)) : ((*pos + 1) & (x->cap - 1));
    for (; x->id[i] >= 0; i = (i + 1) & (x->cap - 1))
        if (x->hash[i] == h) {
            *pos = i;
            return x->id[i];
        }
    return -1;
}

/* Integer / decimal literal text (optionally negated) -> constant. */
static sl_expr_t *number_const(sl_actx_t *ctx, const sl_ast_node_t *n,
                               bool negate, int location)
{
    const char *s = negate ? sl_sprintf(ctx->a, "-%s", n->str) : n->str;
    sl_expr_t *e = sl__mk(ctx, SL_E_CONST, SL_T_NUMERIC, location, 0);

    if (n->kind == SL_A_INT) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno == 0) {
            e->type = (v >= INT32_MIN && v <= INT32_MAX) ? SL_T_INT4 : SL_T_INT8;
            e->constval.v.i = v;
            return e;
        }
    }
    /* a literal with a point or an exponent, or too long for bigint: an
     * exact numeric (the text in the plan's arena) */
    sl_num_t x;
    sl_num_init(&x);
    int rc = sl_num_parse(&x, s, (uint32_t)strlen(s), ctx->err);
    if (rc == SL_OK)
        sl_numeric_put(&x, ctx->a, &e->constval);
    sl_num_clear(&x);
    if (rc != SL_OK) {
        ctx->err->position = location;
        return NULL;
    }
    return e;
}

static sl_expr_t *column_ref(sl_actx_t *ctx, const sl_ast_node_t *n)
{
    if (n->qual && strcmp(n->qual, ctx->relname) != 0) {
        sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_TABLE, n->qual_location,
                     "missing FROM-clause entry for table \"%s\"", n->qual);
        return NULL;
    }
    if (ctx->colidx.cap == 0)
        for (int i = 0; i < ctx->stream->ncols; i++)
            sl__hindex_add(ctx->a, &ctx->colidx, sl__str_hash(ctx->stream->cols[i].name), i);
    uint32_t h = sl__str_hash(n->str);
    int col = -1;
    for (int pos = -1, i; col < 0 && (i = sl__hindex_next(&ctx->colidx, h, &pos)) >= 0;)
        if (strcmp(ctx->stream->cols[i].name, n->str) == 0)
            col = i;
    if (col < 0) {
        sl_expr_t *now = n->qual ? NULL : sl__current_timestamp(ctx, n);
        if (now != NULL)
            return now;
        if (!n->qual && sl__value_function(ctx, n))
            return NULL;
        if (n->qual)
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_COLUMN, n->location,
                         "column %s.%s does not exist", n->qual, n->str);
        else
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_COLUMN, n->location,
                         "column \"%s\" does not exist", n->str);
        return NULL;
    }
    sl_expr_t *e = sl__mk(ctx, SL_E_COLUMN, ctx->stream->cols[col].type, n->location, 0);
    e->typmod = ctx->stream->cols[col].typmod;
    e->colno = col;
    return e;
}

static const char *type_name_of(const sl_expr_t *e)
{
    return sl_type_name(e->type);
}

static sl_expr_t *no_operator(sl_actx_t *ctx, const sl_ast_node_t *n,
                              const sl_expr_t *l, const sl_expr_t *r)
{
    sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                 "operator does not exist: %s %s %s", type_name_of(l), n->opname,
                 type_name_of(r));
    sl_error_hint(ctx->err, "%s", no_op_hint);
    return NULL;
}

/*
 * + and - among timestamps and intervals, typed as PostgreSQL's operators
 * are: time + interval, interval + time, time - interval, time - time
 * (interval), interval +/- interval.  An unknown literal is an interval,
 * except that in time - 'literal' it is a time, PostgreSQL's first
 * candidate.  Returns false when the operands are not such.
 */
static bool time_arith(sl_actx_t *ctx, sl_op_t op, sl_expr_t **l, sl_expr_t **r,
                       sl_type_t *result)
{
    sl_type_t lt = (*l)->type, rt = (*r)->type;
    bool lu = is_unknown(*l), ru = is_unknown(*r);
    bool liv = lt == SL_T_INTERVAL, riv = rt == SL_T_INTERVAL;
    if ((op == SL_OP_MUL && (liv || riv)) || (op == SL_OP_DIV && liv)) {
        /* interval * float8, float8 * interval, interval / float8 */
        sl_expr_t **num = liv ? r : l;
        if (!is_unknown(*num) && !sl_type_is_numeric((*num)->type))
            return false;
        *num = sl__coerce(ctx, *num, SL_T_FLOAT8, -1);
        *result = SL_T_INTERVAL;
        return true;
    }
    if ((op != SL_OP_ADD && op != SL_OP_SUB) || (lu && ru))
        return false;
    if (!(is_time(lt) || liv || lu) || !(is_time(rt) || riv || ru))
        return false;
    if (op == SL_OP_SUB && is_time(lt) && (ru || is_time(rt))) {
        sl_type_t t = (ru || lt == rt) ? lt : SL_T_TIMESTAMPTZ;
        *l = sl__coerce(ctx, *l, t, -1);
        *r = *l ? sl__coerce(ctx, *r, t, -1) : NULL;
        *result = SL_T_INTERVAL;
        return true;
    }
    if (op == SL_OP_SUB && lu && is_time(rt)) {
        *l = sl__coerce(ctx, *l, rt, -1);
        *result = SL_T_INTERVAL;
        return true;
    }
    if (is_time(lt) && is_time(rt))
        return false;   /* time + time */
    if (op == SL_OP_SUB && is_time(rt))
        return false;   /* interval - time */
    sl_type_t t = is_time(lt) ? lt : is_time(rt) ? rt : SL_T_INTERVAL;
    if (!is_time(lt))
        *l = sl__coerce(ctx, *l, SL_T_INTERVAL, -1);
    if (*l && !is_time(rt))
        *r = sl__coerce(ctx, *r, SL_T_INTERVAL, -1);
    *result = t;
    return true;
}

static sl_expr_t *binop(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_t *l = sl__transform(ctx, n->args[0], where);
    if (l == NULL)
        return NULL;
    sl_expr_t *r = sl__transform(ctx, n->args[1], where);
    if (r == NULL)
        return NULL;
    if (n->op == SL_AST_OP_OTHER)
        return sl__other_operator(ctx, n, l, r);

    sl_op_t op = (sl_op_t)n->op;
    bool cmp = op >= SL_OP_EQ && op <= SL_OP_GE;
    sl_type_t common;

    int dt = sl__date_arith(ctx, op, &l, &r, &common, n->location);
    if (dt < 0)
        return NULL;
    if (dt > 0 || time_arith(ctx, op, &l, &r, &common)) {
        if (l == NULL || r == NULL)
            return NULL;
        sl_expr_t *e = mk2(ctx, SL_E_OP, common, n->location, l, r);
        e->op = op;
        return e;
    }

    if (op == SL_OP_CONCAT) {
        if (sl_type_is_array(l->type) || sl_type_is_array(r->type))
            return sl__array_concat(ctx, n->location, n->opname, l, r);
        if (l->type != SL_T_TEXT && r->type != SL_T_TEXT && !is_unknown(l) &&
            !is_unknown(r))
            return no_operator(ctx, n, l, r);
        common = SL_T_TEXT;
    } else if (is_unknown(l) && is_unknown(r)) {
        if (!cmp) {
            sl_error_set(ctx->err, "42725", n->location,
                         "operator is not unique: unknown %s unknown", n->opname);
            sl_error_hint(ctx->err, "Could not choose a best candidate operator. "
                                    "You might need to add explicit type casts.");
            return NULL;
        }
        common = SL_T_TEXT;
    } else {
        sl_type_t lt = is_unknown(l) ? r->type : l->type;
        sl_type_t rt = is_unknown(r) ? l->type : r->type;
        if (sl_type_is_numeric(lt) && sl_type_is_numeric(rt)) {
            common = numeric_common(lt, rt);
            if (op == SL_OP_MOD && is_float(common))
                common = SL_T_UNKNOWN;
        } else if (cmp && lt == rt) {
            common = lt;
        } else if (cmp && is_time(lt) && is_time(rt)) {
            common = SL_T_TIMESTAMPTZ;
        } else if (cmp && sl__datetime_compare(lt, rt, &common)) {
            /* date with a timestamp: compared as timestamps */
        } else {
            common = SL_T_UNKNOWN;
        }
        if (common == SL_T_UNKNOWN) {
            /* Report the types as PostgreSQL sees them after the literal
             * took the other side's type. */
            if (is_unknown(l) && sl__coerce(ctx, l, lt, -1) == NULL)
                return NULL;
            if (is_unknown(r) && sl__coerce(ctx, r, rt, -1) == NULL)
                return NULL;
            return no_operator(ctx, n, l, r);
        }
    }
    if ((l = sl__coerce(ctx, l, common, -1)) == NULL ||
        (r = sl__coerce(ctx, r, common, -1)) == NULL)
        return NULL;
    sl_expr_t *e = mk2(ctx, SL_E_OP, cmp ? SL_T_BOOL : common, n->location, l, r);
    e->op = op;
    return e;
}

static sl_expr_t *unary_arith(sl_actx_t *ctx, const sl_ast_node_t *n,
                              sl_exprctx_t where)
{
    const sl_ast_node_t *arg = n->args[0];
    bool minus = n->kind == SL_A_UMINUS;

    if (minus && (arg->kind == SL_A_INT || arg->kind == SL_A_DEC))
        return number_const(ctx, arg, true, n->location);
    sl_expr_t *x = sl__transform(ctx, arg, where);
    if (x == NULL)
        return NULL;
    if (is_unknown(x)) {
        sl_error_set(ctx->err, "42725", n->location,
                     "operator is not unique: %s unknown", minus ? "-" : "+");
        sl_error_hint(ctx->err, "Could not choose a best candidate operator. "
                                "You might need to add explicit type casts.");
        return NULL;
    }
    if (!sl_type_is_numeric(x->type) && x->type != SL_T_INTERVAL) {
        sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                     "operator does not exist: %s %s", minus ? "-" : "+",
                     type_name_of(x));
        sl_error_hint(ctx->err, "%s", no_op_hint);
        return NULL;
    }
    if (!minus)
        return x;
    return mk2(ctx, SL_E_NEG, x->type, n->location, x, NULL);
}

static sl_expr_t *boolop(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_kind_t kind = n->kind == SL_A_AND ? SL_E_AND : SL_E_OR;
    const char *what = n->kind == SL_A_AND ? "AND" : "OR";

    /* Flatten a AND b AND c into one node in one pass: the parser's tree
     * leans left, so walk down its left spine of the same operator, then
     * transform the operands left to right (splicing in those that come
     * out as the same operator, from parentheses). */
    int nops = 1;
    const sl_ast_node_t *m = n;
    for (; m->kind == n->kind; m = m->args[0])
        nops++;
    const sl_ast_node_t **ops = sl_alloc(ctx->a, (size_t)nops * sizeof(*ops));
    int k = nops;
    for (m = n; m->kind == n->kind; m = m->args[0])
        ops[--k] = m->args[1];
    ops[0] = m;
    sl_expr_t **x = sl_alloc(ctx->a, (size_t)nops * sizeof(*x));
    int nargs = 0;
    for (int i = 0; i < nops; i++) {
        if ((x[i] = sl__coerce_bool(ctx, sl__transform(ctx, ops[i], where), what)) == NULL)
            return NULL;
        nargs += x[i]->kind == kind ? x[i]->nargs : 1;
    }
    sl_expr_t *e = sl__mk(ctx, kind, SL_T_BOOL, n->location, nargs);
    nargs = 0;
    for (int i = 0; i < nops; i++) {
        if (x[i]->kind == kind)
            for (int j = 0; j < x[i]->nargs; j++)
                e->args[nargs++] = x[i]->args[j];
        else
            e->args[nargs++] = x[i];
    }
    set_leftmost(e);
    return e;
}

static sl_expr_t *cast(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_type_t t;
    int typmod;

    if (sl__resolve_type(ctx, n->typname, n->typmod, n->type_location, false, &t,
                         &typmod) != SL_OK)
        return NULL;
    sl_expr_t *x = n->args[0]->kind == SL_A_ARRAY && n->args[0]->nargs == 0 && sl_type_is_array(t)
                       ? sl__empty_array(ctx, t, n->args[0]->location)   /* ARRAY[]::int[] */
                       : sl__transform(ctx, n->args[0], where);
    if (x == NULL)
        return NULL;
    if (is_unknown(x))
        return sl__coerce(ctx, x, t, typmod);
    if (!castable(x->type, t)) {
        sl_error_set(ctx->err, "42846", n->location, "cannot cast type %s to %s",
                     type_name_of(x), sl_type_name(t));
        return NULL;
    }
    if (x->type == t && typmod < 0 && x->typmod < 0)
        return x;
    sl_expr_t *e = mk2(ctx, SL_E_CAST, t, n->location, x, NULL);
    e->typmod = typmod;
    return e;
}

/* "integer, text" for a 42883 message. */
static const char *arg_types(sl_actx_t *ctx, sl_expr_t **args, int nargs)
{
    sl_buf_t b = SL_BUF_INIT;
    for (int i = 0; i < nargs; i++) {
        if (i > 0)
            sl_buf_puts(&b, ", ");
        sl_buf_puts(&b, type_name_of(args[i]));
    }
    const char *s = sl_strdup(ctx->a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

/* The two arguments (y, x) of corr, covar_* and regr_*: double precision,
 * as PostgreSQL casts any number to it; 42883 for other types. */
static int float8_args(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t **args)
{
    for (int i = 0; i < 2; i++)
        if (!is_unknown(args[i]) && !sl_type_is_numeric(args[i]->type)) {
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                         "function %s(%s) does not exist", n->str,
                         arg_types(ctx, args, 2));
            sl_error_hint(ctx->err, "%s", no_func_hint);
            return SL_ERR;
        }
    for (int i = 0; i < 2; i++)
        if ((args[i] = sl__coerce(ctx, args[i], SL_T_FLOAT8, -1)) == NULL)
            return SL_ERR;
    return SL_OK;
}

/* string_agg(value, delimiter [ORDER BY value [DESC]]): text value, a
 * constant text delimiter (returned as SQL: its value is not evaluated
 * per event), and *order set from the ORDER BY; NULL on error. */
static const char *string_agg_args(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t **args,
                                   int *order)
{
    for (int i = 0; i < 2; i++)
        if (args[i]->type != SL_T_TEXT && !is_unknown(args[i])) {
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                         "function %s(%s) does not exist", n->str, arg_types(ctx, args, 2));
            sl_error_hint(ctx->err, "%s", no_func_hint);
            return NULL;
        }
    for (int i = 0; i < 2; i++)
        if (is_unknown(args[i]) && sl__coerce(ctx, args[i], SL_T_TEXT, -1) == NULL)
            return NULL;
    if (args[1]->kind != SL_E_CONST) {
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, args[1]->location,
                     "string_agg with a delimiter that is not a constant is not supported in "
                     "continuous views");
        return NULL;
    }
    if (n->order) {
        sl_expr_t *o = sl__transform(ctx, n->order, SL_CTX_AGGARG);
        if (o == NULL)
            return NULL;
        if (n->norder > 1 || !sl__expr_equal(o, args[0])) {
            sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, o->location,
                         "string_agg is supported in continuous views only ordered by "
                         "its value");
            sl_error_hint(ctx->err, "Write string_agg(x, ', ' ORDER BY x [DESC]).");
            return NULL;
        }
        *order = n->order_desc ? -1 : 1;
    }
    sl_buf_t b = SL_BUF_INIT;
    if (args[1]->constval.null)
        sl_buf_puts(&b, "NULL");
    else
        sl_buf_put_literal(&b, args[1]->constval.v.s.p, args[1]->constval.v.s.n);
    sl_buf_puts(&b, "::text");
    const char *sql = sl_strdup(ctx->a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return sql;
}

static bool same_opt_expr(const sl_expr_t *x, const sl_expr_t *y)
{
    return (x == NULL && y == NULL) || (x && y && sl__expr_equal(x, y));
}

static sl_expr_t *func(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_t *builtin;
    if (sl__array_call(ctx, n, where, &builtin) || sl__builtin_call(ctx, n, where, &builtin))
        return builtin;
    int kind = sl_agg_lookup(n->str);
    sl_expr_t **args = NULL;
    sl_expr_t *filter = NULL;

    if (kind >= 0) {
        static const char *const where_names[] = {
            [SL_CTX_WHERE] = "WHERE", [SL_CTX_GROUP] = "GROUP BY",
            [SL_CTX_FILTER] = "FILTER",
        };
        if (where == SL_CTX_WHERE || where == SL_CTX_GROUP || where == SL_CTX_FILTER) {
            sl_error_set(ctx->err, SL_ERRCODE_GROUPING_ERROR, n->location,
                         "aggregate functions are not allowed in %s",
                         where_names[where]);
            return NULL;
        }
        if (where == SL_CTX_AGGARG) {
            sl_error_set(ctx->err, SL_ERRCODE_GROUPING_ERROR, n->location,
                         "aggregate function calls cannot be nested");
            return NULL;
        }
    }
    if (n->nargs > 0) {
        args = sl_alloc(ctx->a, (size_t)n->nargs * sizeof(*args));
        for (int i = 0; i < n->nargs; i++) {
            args[i] = sl__transform(ctx, n->args[i],
                                    kind >= 0 ? SL_CTX_AGGARG : where);
            if (args[i] == NULL)
                return NULL;
            /* an unknown literal takes the one type the aggregate has */
            sl_type_t lit = kind == SL_AGG_BOOL_AND || kind == SL_AGG_BOOL_OR ? SL_T_BOOL
                                                                            : SL_T_TEXT;
            if (kind >= 0 && sl_agg_nargs(kind) == 1 && is_unknown(args[i]) &&
                sl__coerce(ctx, args[i], lit, -1) == NULL)
                return NULL;
        }
    }
    if (n->order && kind < 0) {
        sl_error_set(ctx->err, "42809", n->location,
                     "ORDER BY specified, but %s is not an aggregate function", n->str);
        return NULL;
    }
    if (n->distinct && kind < 0) {
        sl_error_set(ctx->err, "42809", n->location,
                     "DISTINCT specified, but %s is not an aggregate function", n->str);
        return NULL;
    }
    if (n->filter && kind < 0) {
        sl_error_set(ctx->err, "42809", n->location,
                     "FILTER specified, but %s is not an aggregate function", n->str);
        return NULL;
    }
    if (n->filter &&
        (filter = sl__coerce_bool(ctx, sl__transform(ctx, n->filter, SL_CTX_FILTER),
                                  "FILTER")) == NULL)
        return NULL;
    if (kind == SL_AGG_COUNT && n->star)
        kind = SL_AGG_COUNT_STAR;
    if (kind < 0) {
        /* Maybe a PostgreSQL function (date_trunc, lower, ...): saying it
         * does not exist would mislead. */
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                     "function %s(%s) is not supported in continuous views yet", n->str,
                     n->star ? "*" : arg_types(ctx, args, n->nargs));
        sl_error_hint(ctx->err, "Continuous views compute count, sum, min, max, avg, "
                      "bool_and, bool_or, bit_and, bit_or and the statistics (stddev, "
                      "variance, corr, ...) over columns, constants and operators.");
        return NULL;
    }
    if ((n->star && kind != SL_AGG_COUNT_STAR) ||
        (!n->star && n->nargs != sl_agg_nargs(kind))) {
        sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                     "function %s(%s) does not exist", n->str,
                     n->star ? "*" : arg_types(ctx, args, n->nargs));
        sl_error_hint(ctx->err, "%s", no_func_hint);
        return NULL;
    }
    const char *delim_sql = NULL;
    int order = 0;
    if (kind == SL_AGG_STRING_AGG) {
        if ((delim_sql = string_agg_args(ctx, n, args, &order)) == NULL)
            return NULL;
    } else if (n->order) {
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                     "ORDER BY in the arguments of %s is not supported in continuous views",
                     n->str);
        if (kind == SL_AGG_JSONB_AGG)
            sl_error_hint(ctx->err, "jsonb_agg keeps the values in the order they arrive; "
                                    "order them when reading the view.");
        else
            sl_error_hint(ctx->err, "The order of the values does not change its result here; "
                                    "only string_agg can be ordered (by its value).");
        return NULL;
    } else if (sl_agg_nargs(kind) == 2 && float8_args(ctx, n, args) != SL_OK) {
        return NULL;
    }
    sl_expr_t *arg = args ? args[0] : NULL;
    sl_expr_t *arg2 = args && n->nargs > 1 && kind != SL_AGG_STRING_AGG ? args[1] : NULL;
    /* The same call twice shares one state (as PostgreSQL does). */
    uint32_t h = sl__hash_mix((uint32_t)kind * 2 + n->distinct, arg ? sl__expr_hash(arg) : 0);
    if (arg2)
        h = sl__hash_mix(h, sl__expr_hash(arg2));
    if (filter)
        h = sl__hash_mix(h, sl__expr_hash(filter));
    for (int pos = -1, i; kind != SL_AGG_STRING_AGG &&
                          (i = sl__hindex_next(&ctx->aggidx, h, &pos)) >= 0;) {
        const sl_aggref_t *o = &ctx->aggs[i];
        if (o->kind == (sl_aggkind_t)kind && o->distinct == n->distinct &&
            same_opt_expr(o->arg, arg) &&
            same_opt_expr(o->arg2, arg2) && same_opt_expr(o->filter, filter)) {
            sl_expr_t *e = sl__mk(ctx, SL__E_AGGREF, o->result_type, n->location, 0);
            e->colno = i;
            return e;
        }
    }
    if (ctx->naggs == ctx->aggcap) {
        int cap = ctx->aggcap ? 2 * ctx->aggcap : 4;
        ctx->aggs = sl_realloc(ctx->a, ctx->aggs, (size_t)ctx->aggcap * sizeof(*ctx->aggs),
                               (size_t)cap * sizeof(*ctx->aggs));
        ctx->aggcap = cap;
    }
    sl_aggref_t *ref = &ctx->aggs[ctx->naggs];
    memset(ref, 0, sizeof(*ref));
    ref->fname = sl_strdup(ctx->a, n->str);
    ref->distinct = n->distinct;
    ref->order = order;
    ref->delim_sql = delim_sql;
    if (sl_agg_resolve(ref, (sl_aggkind_t)kind, arg ? arg->type : SL_T_UNKNOWN,
                       arg ? arg->typmod : -1, n->location, ctx->err) != SL_OK)
        return NULL;
    ref->arg = arg;
    ref->arg2 = arg2;
    ref->filter = filter;
    ctx->nstate += ref->nstate;
    if (ctx->nstate >= SL_SQL_MAX_COLUMNS) {   /* with "_one" or a group key */
        sl__too_many_columns(ctx, n->location);
        return NULL;
    }
    sl__hindex_add(ctx->a, &ctx->aggidx, h, ctx->naggs);
    sl_expr_t *e = sl__mk(ctx, SL__E_AGGREF, ref->result_type, n->location, 0);
    e->colno = ctx->naggs++;
    return e;
}

int sl__too_many_columns(sl_actx_t *ctx, int location)
{
    sl_error_set(ctx->err, SL_ERRCODE_TOO_MANY_COLUMNS, location,
                 "tables can have at most %d columns", SL_SQL_MAX_COLUMNS);
    sl_error_detail(ctx->err, "A continuous view's state table has a column for each "
                    "group key and each aggregate's state.");
    return SL_ERR;
}

sl_expr_t *sl__transform(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_t *e, *x;

    switch (n->kind) {
    case SL_A_INT:
    case SL_A_DEC:
        return number_const(ctx, n, false, n->location);
    case SL_A_STR:
        e = sl__mk(ctx, SL_E_CONST, SL_T_UNKNOWN, n->location, 0);
        e->constval.v.s.p = sl_strndup(ctx->a, n->str, (size_t)n->len);
        e->constval.v.s.n = (uint32_t)n->len;
        return e;
    case SL_A_NULL:
        e = sl__mk(ctx, SL_E_CONST, SL_T_UNKNOWN, n->location, 0);
        e->constval.null = true;
        return e;
    case SL_A_BOOL:
        e = sl__mk(ctx, SL_E_CONST, SL_T_BOOL, n->location, 0);
        e->constval.v.i = n->ival;
        return e;
    case SL_A_COLREF:
        return column_ref(ctx, n);
    case SL_A_BINOP:
        return binop(ctx, n, where);
    case SL_A_UMINUS:
    case SL_A_UPLUS:
        return unary_arith(ctx, n, where);
    case SL_A_AND:
    case SL_A_OR:
        return boolop(ctx, n, where);
    case SL_A_NOT:
        x = sl__coerce_bool(ctx, sl__transform(ctx, n->args[0], where), "NOT");
        return x ? mk2(ctx, SL_E_NOT, SL_T_BOOL, n->location, x, NULL) : NULL;
    case SL_A_ISNULL:
    case SL_A_ISNOTNULL:
        x = sl__transform(ctx, n->args[0], where);
        if (x && is_unknown(x))
            x = sl__coerce(ctx, x, SL_T_TEXT, -1);
        if (x == NULL)
            return NULL;
        return mk2(ctx, n->kind == SL_A_ISNULL ? SL_E_ISNULL : SL_E_ISNOTNULL,
                   SL_T_BOOL, n->location, x, NULL);
    case SL_A_CAST:
        return cast(ctx, n, where);
    case SL_A_FUNC:
        return func(ctx, n, where);
    case SL_A_CASE:
    case SL_A_IN:
    case SL_A_BETWEEN:
    case SL_A_LIKE:
    case SL_A_DISTINCT:
    case SL_A_BOOLTEST:
        return sl__transform_cond(ctx, n, where);
    case SL_A_ANYALL:
    case SL_A_SUBSCRIPT:
    case SL_A_ARRAY:
        return sl__transform_array(ctx, n, where);
    case SL_A_UNSUPPORTED: {
        /* what to do instead, where there is a way */
        static const char *const hints[][2] = {
            {"window functions (OVER)",
             "Compute it when reading: a window function in a SELECT over the view."},
            {"ordered-set aggregates (WITHIN GROUP)",
             "Keep the values in the view (array_agg) and compute the ordered-set aggregate "
             "when reading it."},
            {"subqueries",
             "Filter or join when reading: a continuous view reads only its stream's events."},
        };
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                     "%s are not supported in continuous views", n->str);
        for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
            if (strcmp(n->str, hints[i][0]) == 0)
                sl_error_hint(ctx->err, "%s", hints[i][1]);
        return NULL;
    }
    case SL_A_STAR:
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                     "SELECT * is not supported in continuous views");
        return NULL;
    case SL_A_PARAM:
        sl_error_set(ctx->err, "42P02", n->location, "there is no parameter %s", n->str);
        return NULL;
    case SL_A_TARGET:
    case SL_A_SELECT:
        break;
    }
    sl_error_set(ctx->err, SL_ERRCODE_INTERNAL_ERROR, n->location,
                 "unexpected node %d in an expression", (int)n->kind);
    return NULL;
}
