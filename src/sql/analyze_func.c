/*
 * analyze_func.c: conditional expressions, pattern matching and built-in
 * function calls, AST -> typed sl_expr_t, with PostgreSQL's typing.
 *
 *   sl__transform_cond   CASE, [NOT] IN, [NOT] BETWEEN [SYMMETRIC],
 *                        [NOT] LIKE / ILIKE [ESCAPE], IS [NOT] DISTINCT
 *                        FROM, IS [NOT] TRUE / FALSE / UNKNOWN
 *   sl__builtin_call     COALESCE, NULLIF, GREATEST, LEAST and the
 *                        functions of plan/func.h; names Sluice lacks
 *   sl__other_operator   ~ ~* !~ !~* (regular expressions)
 *
 * As PostgreSQL's parser does, BETWEEN becomes comparisons joined by AND /
 * OR, simple CASE compares its operand with each WHEN value (`=`), IN
 * becomes `= ANY (list)` over the list items without columns (when there
 * are at least two and they share a type with the operand) OR-ed with
 * `x = item` for the others; so typing, errors and the SQL re-emitted for
 * PostgreSQL follow from the comparison operators.  Result types of CASE,
 * COALESCE, GREATEST and LEAST are PostgreSQL's select_common_type.
 */
#include "sql/analyze_int.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "plan/func.h"

static sl_ast_node_t *ast_op(sl_actx_t *ctx, const char *op, int location, sl_ast_node_t *l,
                             sl_ast_node_t *r)
{
    sl_token_t t = {.p = op, .n = (int)strlen(op), .pos = location};
    return sl__ast_binop(ctx->a, &t, l, r);
}

static sl_ast_node_t *ast_bool(sl_actx_t *ctx, sl_ast_kind_t k, int location, sl_ast_node_t *l,
                               sl_ast_node_t *r)
{
    return sl__ast_bool(ctx->a, k, location, l, r);
}

/* Rank in PostgreSQL's implicit-cast order within a category; -1 = none. */
static int num_rank(sl_type_t t)
{
    switch (t) {
    case SL_T_INT2: return 0;
    case SL_T_INT4: return 1;
    case SL_T_INT8: return 2;
    case SL_T_NUMERIC: return 3;
    case SL_T_FLOAT4: return 4;
    case SL_T_FLOAT8: return 5;
    default: return -1;
    }
}

static int category(sl_type_t t)
{
    if (num_rank(t) >= 0)
        return 1;
    if (t == SL_T_TIMESTAMP || t == SL_T_TIMESTAMPTZ || t == SL_T_DATE)
        return 2;
    return 10 + (int)t;
}

/* select_common_type: NULL and an error (42804 "<what> types x and y
 * cannot be matched") when what is not NULL, else SL_T_NTYPES silently. */
static sl_type_t common_type(sl_actx_t *ctx, sl_expr_t **v, int n, const char *what)
{
    sl_type_t t = SL_T_UNKNOWN;
    for (int i = 0; i < n; i++) {
        sl_type_t u = v[i]->type;
        if (u == SL_T_UNKNOWN)
            continue;
        if (t == SL_T_UNKNOWN) {
            t = u;
            continue;
        }
        if (u == t)
            continue;
        if (category(u) != category(t)) {
            if (what) {
                sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, v[i]->location,
                             "%s types %s and %s cannot be matched", what, sl_type_name(t),
                             sl_type_name(u));
            }
            return SL_T_NTYPES;
        }
        if (category(t) == 1)
            t = num_rank(u) > num_rank(t) ? u : t;
        else if (t != SL_T_TIMESTAMPTZ && u != SL_T_TIMESTAMPTZ)
            t = SL_T_TIMESTAMP;   /* date and timestamp */
        else
            t = SL_T_TIMESTAMPTZ;
    }
    return t == SL_T_UNKNOWN ? SL_T_TEXT : t;
}

static bool coerce_all(sl_actx_t *ctx, sl_expr_t **v, int n, sl_type_t t)
{
    for (int i = 0; i < n; i++)
        if ((v[i] = sl__coerce(ctx, v[i], t, -1)) == NULL)
            return false;
    return true;
}

static bool has_column(const sl_ast_node_t *n)
{
    if (n == NULL)
        return false;
    if (n->kind == SL_A_COLREF)
        return true;
    for (int i = 0; i < n->nargs; i++)
        if (has_column(n->args[i]))
            return true;
    return false;
}

static sl_expr_t *transform_case(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    bool has_arg = n->variant & SL_AV_CASE_ARG, has_else = n->variant & SL_AV_CASE_ELSE;
    int first = has_arg, npairs = (n->nargs - first - has_else) / 2;
    sl_expr_t *e = sl__mk(ctx, SL_E_CASE, SL_T_UNKNOWN, n->location, 2 * npairs + 1);
    sl_expr_t **res = sl_alloc(ctx->a, sizeof(*res) * (size_t)(npairs + 1));
    for (int i = 0; i < npairs; i++) {
        sl_ast_node_t *w = n->args[first + 2 * i];
        if (has_arg)
            w = ast_op(ctx, "=", w->location, n->args[0], w);
        sl_expr_t *c = sl__coerce_bool(ctx, sl__transform(ctx, w, where), "CASE/WHEN");
        if (c == NULL)
            return NULL;
        e->args[2 * i] = c;
        if ((res[i] = sl__transform(ctx, n->args[first + 2 * i + 1], where)) == NULL)
            return NULL;
    }
    if (has_else) {
        if ((res[npairs] = sl__transform(ctx, n->args[n->nargs - 1], where)) == NULL)
            return NULL;
    } else {
        res[npairs] = sl__mk(ctx, SL_E_CONST, SL_T_UNKNOWN, 0, 0);
        res[npairs]->constval.null = true;
    }
    /* PostgreSQL looks at the ELSE first (it names the types in that order). */
    sl_expr_t **order = sl_alloc(ctx->a, sizeof(*order) * (size_t)(npairs + 1));
    order[0] = res[npairs];
    memcpy(order + 1, res, sizeof(*res) * (size_t)npairs);
    sl_type_t t = common_type(ctx, order, npairs + 1, "CASE");
    if (t == SL_T_NTYPES || !coerce_all(ctx, res, npairs + 1, t))
        return NULL;
    for (int i = 0; i < npairs; i++)
        e->args[2 * i + 1] = res[i];
    e->args[2 * npairs] = res[npairs];
    e->type = t;
    return e;
}

static sl_expr_t *transform_in(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    bool neg = n->variant & SL_AV_NOT;
    const char *op = neg ? "<>" : "=";
    int nconst = 0;
    for (int i = 1; i < n->nargs; i++)
        nconst += !has_column(n->args[i]);

    sl_ast_node_t *rest = NULL;          /* the items compared one by one */
    sl_expr_t *any = NULL;
    bool use_any = nconst > 1;
    if (use_any) {
        sl_expr_t **v = sl_alloc(ctx->a, sizeof(*v) * (size_t)(nconst + 1));
        if ((v[0] = sl__transform(ctx, n->args[0], where)) == NULL)
            return NULL;
        for (int i = 1, k = 1; i < n->nargs; i++)
            if (!has_column(n->args[i]) &&
                (v[k++] = sl__transform(ctx, n->args[i], where)) == NULL)
                return NULL;
        sl_type_t t = common_type(ctx, v, nconst + 1, NULL);
        if (t == SL_T_NTYPES) {
            use_any = false;
        } else {
            if (!coerce_all(ctx, v, nconst + 1, t))
                return NULL;
            any = sl__mk(ctx, SL_E_ANY, SL_T_BOOL, n->location, nconst + 1);
            memcpy(any->args, v, sizeof(*v) * (size_t)(nconst + 1));
            any->op = neg ? SL_OP_NE : SL_OP_EQ;
        }
    }
    for (int i = 1; i < n->nargs; i++) {
        if (use_any && !has_column(n->args[i]))
            continue;
        sl_ast_node_t *c = ast_op(ctx, op, n->location, n->args[0], n->args[i]);
        rest = rest ? ast_bool(ctx, neg ? SL_A_AND : SL_A_OR, n->location, rest, c) : c;
    }
    if (rest == NULL)
        return any;
    sl_expr_t *r = sl__transform(ctx, rest, where);
    if (r == NULL || any == NULL)
        return r;
    sl_expr_kind_t k = neg ? SL_E_AND : SL_E_OR;
    int m = r->kind == k ? r->nargs : 1;
    sl_expr_t *e = sl__mk(ctx, k, SL_T_BOOL, n->location, m + 1);
    e->args[0] = any;
    for (int i = 0; i < m; i++)
        e->args[1 + i] = r->kind == k ? r->args[i] : r;
    return e;
}

static sl_expr_t *transform_between(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_ast_node_t *x = n->args[0], *lo = n->args[1], *hi = n->args[2];
    int at = n->location;
    sl_ast_node_t *t;
    if (!(n->variant & SL_AV_NOT)) {
        t = ast_bool(ctx, SL_A_AND, at, ast_op(ctx, ">=", at, x, lo), ast_op(ctx, "<=", at, x, hi));
        if (n->variant & SL_AV_SYMMETRIC)
            t = ast_bool(ctx, SL_A_OR, at, t,
                         ast_bool(ctx, SL_A_AND, at, ast_op(ctx, ">=", at, x, hi),
                                  ast_op(ctx, "<=", at, x, lo)));
    } else {
        t = ast_bool(ctx, SL_A_OR, at, ast_op(ctx, "<", at, x, lo), ast_op(ctx, ">", at, x, hi));
        if (n->variant & SL_AV_SYMMETRIC)
            t = ast_bool(ctx, SL_A_AND, at, t,
                         ast_bool(ctx, SL_A_OR, at, ast_op(ctx, "<", at, x, hi),
                                  ast_op(ctx, ">", at, x, lo)));
    }
    return sl__transform(ctx, t, where);
}

static sl_expr_t *no_text_op(sl_actx_t *ctx, int location, const char *op, const sl_expr_t *l,
                             const sl_expr_t *r)
{
    sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, location,
                 "operator does not exist: %s %s %s", sl_type_name(l->type), op,
                 sl_type_name(r->type));
    sl_error_hint(ctx->err, "No operator matches the given name and argument types. "
                            "You might need to add explicit type casts.");
    return NULL;
}

static bool texty(const sl_expr_t *e)
{
    return e->type == SL_T_TEXT || e->type == SL_T_UNKNOWN;
}

static sl_expr_t *func_node(sl_actx_t *ctx, int id, sl_type_t type, int location, sl_expr_t *a,
                            sl_expr_t *b)
{
    sl_expr_t *e = sl__mk(ctx, SL_E_FUNC, type, location, 2);
    e->func = id;
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

static sl_expr_t *transform_like(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    static const char *const ops[] = {"~~", "!~~", "~~*", "!~~*"};
    const char *op = ops[(n->variant & SL_AV_NOT ? 1 : 0) + (n->variant & SL_AV_ILIKE ? 2 : 0)];
    sl_expr_t *s = sl__transform(ctx, n->args[0], where);
    sl_expr_t *p = s ? sl__transform(ctx, n->args[1], where) : NULL;
    if (p == NULL)
        return NULL;
    if (n->nargs == 3) {
        sl_expr_t *esc = sl__transform(ctx, n->args[2], where);
        if (esc == NULL)
            return NULL;
        if (!texty(p) || !texty(esc)) {
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, p->location,
                         "function like_escape(%s, %s) does not exist",
                         sl_type_name(p->type), sl_type_name(esc->type));
            return NULL;
        }
        if ((p = sl__coerce(ctx, p, SL_T_TEXT, -1)) == NULL ||
            (esc = sl__coerce(ctx, esc, SL_T_TEXT, -1)) == NULL)
            return NULL;
        if (p->kind == SL_E_CONST && esc->kind == SL_E_CONST) {
            /* PostgreSQL folds like_escape of constants when planning. */
            sl_expr_t *c = sl__mk(ctx, SL_E_CONST, SL_T_TEXT, p->location, 0);
            c->constval.null = true;
            if (!p->constval.null && !esc->constval.null &&
                sl_func_like_escape(p->constval.v.s.p, p->constval.v.s.n, esc->constval.v.s.p,
                                    esc->constval.v.s.n, ctx->a, &c->constval,
                                    ctx->err) != SL_OK)
                return NULL;
            p = c;
        } else {
            p = func_node(ctx, SL_F_LIKE_ESCAPE, SL_T_TEXT, p->location, p, esc);
        }
    }
    if (!texty(s) || !texty(p))
        return no_text_op(ctx, n->location, op, s, p);
    if ((s = sl__coerce(ctx, s, SL_T_TEXT, -1)) == NULL ||
        (p = sl__coerce(ctx, p, SL_T_TEXT, -1)) == NULL)
        return NULL;
    sl_expr_t *e = func_node(ctx, n->variant & SL_AV_ILIKE ? SL_F_ILIKE : SL_F_LIKE, SL_T_BOOL,
                             n->location, s, p);
    e->op = n->variant & SL_AV_NOT ? SL_OP_NE : SL_OP_EQ;
    return e;
}

/* An `=` between l and r as PostgreSQL resolves it (for NULLIF and IS
 * DISTINCT FROM): the comparison node, whose args are the coerced sides. */
static sl_expr_t *equality(sl_actx_t *ctx, sl_ast_node_t *l, sl_ast_node_t *r, int location,
                           sl_exprctx_t where)
{
    sl_expr_t *eq = sl__transform(ctx, ast_op(ctx, "=", location, l, r), where);
    if (eq && eq->kind != SL_E_OP) {
        sl_error_set(ctx->err, SL_ERRCODE_INTERNAL_ERROR, location, "unexpected equality");
        return NULL;
    }
    return eq;
}

sl_expr_t *sl__transform_cond(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where)
{
    sl_expr_t *e, *x;
    switch (n->kind) {
    case SL_A_CASE:
        return transform_case(ctx, n, where);
    case SL_A_IN:
        return transform_in(ctx, n, where);
    case SL_A_BETWEEN:
        return transform_between(ctx, n, where);
    case SL_A_LIKE:
        return transform_like(ctx, n, where);
    case SL_A_DISTINCT:
        if ((x = equality(ctx, n->args[0], n->args[1], n->location, where)) == NULL)
            return NULL;
        e = sl__mk(ctx, SL_E_DISTINCT, SL_T_BOOL, n->location, 2);
        e->args[0] = x->args[0];
        e->args[1] = x->args[1];
        e->op = n->variant & SL_AV_NOT ? SL_OP_EQ : SL_OP_NE;
        return e;
    case SL_A_BOOLTEST: {
        static const char *const what[] = {
            [SL_BT_TRUE] = "IS TRUE", [SL_BT_NOT_TRUE] = "IS NOT TRUE",
            [SL_BT_FALSE] = "IS FALSE", [SL_BT_NOT_FALSE] = "IS NOT FALSE",
            [SL_BT_UNKNOWN] = "IS UNKNOWN", [SL_BT_NOT_UNKNOWN] = "IS NOT UNKNOWN",
        };
        x = sl__coerce_bool(ctx, sl__transform(ctx, n->args[0], where), what[n->variant]);
        if (x == NULL)
            return NULL;
        e = sl__mk(ctx, SL_E_BOOLTEST, SL_T_BOOL, n->location, 1);
        e->args[0] = x;
        e->booltest = (sl_booltest_t)n->variant;
        return e;
    }
    default:
        sl_error_set(ctx->err, SL_ERRCODE_INTERNAL_ERROR, n->location,
                     "unexpected node %d in an expression", (int)n->kind);
        return NULL;
    }
}

/* ---- regular expressions ---- */

static void free_regex(void *re)
{
    regfree(re);
}

/* Compiles a constant pattern once, at plan time (freed with the plan). */
static int precompile(sl_actx_t *ctx, sl_expr_t *e, const sl_expr_t *pat, bool icase, bool nosub)
{
    if (pat->kind != SL_E_CONST || pat->constval.null)
        return SL_OK;
    regex_t *re = sl_alloc0(ctx->a, sizeof(*re));
    if (sl_func_regex_compile(pat->constval.v.s.p, pat->constval.v.s.n, icase, nosub, re,
                              ctx->err) != SL_OK) {
        ctx->err->position = pat->location;
        return SL_ERR;
    }
    sl_arena_on_free(ctx->a, free_regex, re);
    e->aux = re;
    return SL_OK;
}

sl_expr_t *sl__other_operator(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t *l, sl_expr_t *r)
{
    static const char *const ops[] = {"~", "!~", "~*", "!~*"};
    sl_expr_t *ae = sl__array_operator(ctx, n, l, r);
    if (ae != NULL || sl_error_isset(ctx->err))
        return ae;
    if (sl__jsonb_op_name(n->opname))
        return sl__jsonb_operator(ctx, n, l, r);
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(n->opname, ops[i]) == 0)
            k = i;
    if (k < 0 || !texty(l) || !texty(r))
        return no_text_op(ctx, n->location, n->opname, l, r);
    if ((l = sl__coerce(ctx, l, SL_T_TEXT, -1)) == NULL ||
        (r = sl__coerce(ctx, r, SL_T_TEXT, -1)) == NULL)
        return NULL;
    sl_expr_t *e = func_node(ctx, SL_F_REGEX, SL_T_BOOL, n->location, l, r);
    e->op = k & 1 ? SL_OP_NE : SL_OP_EQ;
    e->typmod = k >= 2;   /* case-insensitive */
    if (l->location > 0 && l->location < e->location)
        e->location = l->location;
    if (precompile(ctx, e, r, k >= 2, true) != SL_OK)
        return NULL;
    return e;
}

/* ---- function calls ---- */

static bool implicit_cast(sl_type_t from, sl_type_t to)
{
    if (from == to || from == SL_T_UNKNOWN)
        return true;
    if (num_rank(from) >= 0 && num_rank(to) >= 0)
        return num_rank(from) < num_rank(to);
    if (from == SL_T_DATE && (to == SL_T_TIMESTAMP || to == SL_T_TIMESTAMPTZ))
        return true;
    return from == SL_T_TIMESTAMP && to == SL_T_TIMESTAMPTZ;
}

static const char *arg_list(sl_actx_t *ctx, sl_expr_t **args, int nargs)
{
    sl_buf_t b = SL_BUF_INIT;
    for (int i = 0; i < nargs; i++) {
        if (i > 0)
            sl_buf_puts(&b, ", ");
        sl_buf_puts(&b, sl_type_name(args[i]->type));
    }
    const char *s = sl_strdup(ctx->a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

static sl_expr_t *no_function(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t **args)
{
    sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                 "function %s(%s) does not exist", n->str, arg_list(ctx, args, n->nargs));
    sl_error_hint(ctx->err, "No function matches the given name and argument types. "
                            "You might need to add explicit type casts.");
    return NULL;
}

/* COALESCE / GREATEST / LEAST: args of one common type. */
static sl_expr_t *variadic_common(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t **args,
                                  sl_expr_kind_t kind, const char *what)
{
    sl_type_t t = common_type(ctx, args, n->nargs, what);
    if (t == SL_T_NTYPES || !coerce_all(ctx, args, n->nargs, t))
        return NULL;
    sl_expr_t *e = sl__mk(ctx, kind, t, n->location, n->nargs);
    memcpy(e->args, args, sizeof(*args) * (size_t)n->nargs);
    return e;
}

bool sl__builtin_call(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where,
                      sl_expr_t **out)
{
    static const char *const special[] = {"coalesce", "greatest", "least", "nullif"};
    int nsig = 0, sp = -1;
    const sl_func_sig_t *sigs = sl_func_lookup(n->str, &nsig);
    for (int i = 0; i < 4; i++)
        if (strcmp(n->str, special[i]) == 0)
            sp = i;
    if (sigs == NULL && sp < 0) {
        if (sl_agg_lookup(n->str) >= 0)
            return false;
    }
    *out = NULL;
    /* PostgreSQL's ParseFuncOrColumn, in its order */
    if (n->star) {
        sl_error_set(ctx->err, SL_ERRCODE_WRONG_OBJECT_TYPE, n->location,
                     "%s(*) specified, but %s is not an aggregate function", n->str, n->str);
        return true;
    }
    if (n->distinct || n->order || n->filter) {
        sl_error_set(ctx->err, SL_ERRCODE_WRONG_OBJECT_TYPE, n->location,
                     "%s specified, but %s is not an aggregate function",
                     n->distinct ? "DISTINCT" : n->order ? "ORDER BY" : "FILTER", n->str);
        return true;
    }
    if (sp == 3) {   /* NULLIF(a, b): NULL when a = b, else a */
        if (n->nargs != 2) {
            sl_error_set(ctx->err, SL_ERRCODE_SYNTAX_ERROR, n->location,
                         "syntax error at or near \"%s\"", n->str);
            return true;
        }
        /* PostgreSQL has = between any two integer types and between
         * real and double precision: the first argument keeps its type. */
        sl_expr_t *l = sl__transform(ctx, n->args[0], where);
        sl_expr_t *r = l ? sl__transform(ctx, n->args[1], where) : NULL;
        if (r == NULL)
            return true;
        bool ints = sl_type_is_integer(l->type) && sl_type_is_integer(r->type);
        bool floats = (l->type == SL_T_FLOAT4 || l->type == SL_T_FLOAT8) &&
                      (r->type == SL_T_FLOAT4 || r->type == SL_T_FLOAT8);
        if (!ints && !floats) {
            sl_expr_t *eq = equality(ctx, n->args[0], n->args[1], n->location, where);
            if (eq == NULL)
                return true;
            l = eq->args[0];
            r = eq->args[1];
        }
        sl_expr_t *e = sl__mk(ctx, SL_E_NULLIF, l->type, n->location, 2);
        e->typmod = l->typmod;
        e->args[0] = l;
        e->args[1] = r;
        *out = e;
        return true;
    }
    sl_expr_t **args = sl_alloc(ctx->a, sizeof(*args) * (size_t)(n->nargs ? n->nargs : 1));
    for (int i = 0; i < n->nargs; i++)
        if ((args[i] = sl__transform(ctx, n->args[i], where)) == NULL)
            return true;
    if (sp >= 0) {
        if (n->nargs == 0) {
            sl_error_set(ctx->err, SL_ERRCODE_SYNTAX_ERROR, n->location,
                         "syntax error at or near \")\"");
            return true;
        }
        static const char *const what[] = {"COALESCE", "GREATEST", "LEAST"};
        *out = variadic_common(ctx, n, args, sp == 0 ? SL_E_COALESCE : SL_E_MINMAX, what[sp]);
        if (*out && sp > 0)
            (*out)->op = sp == 1 ? SL_OP_GT : SL_OP_LT;
        return true;
    }
    if (sigs == NULL) {
        if (sl_func_pg_srf(n->str)) {
            sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                         "set-returning functions are not supported in continuous views");
            sl_error_hint(ctx->err, "Keep the value whole in the view and expand it when reading "
                                    "the view (for example with %s in a SELECT over it), or "
                                    "send one event per element.", n->str);
            return true;
        }
        if (sl_func_pg_has(n->str)) {
            sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                         "function %s(%s) is not supported in continuous views yet", n->str,
                         arg_list(ctx, args, n->nargs));
            return true;
        }
        no_function(ctx, n, args);
        return true;
    }
    /* The candidate with the most exact argument types, then the most
     * arguments of their category's preferred type, then the first. */
    const sl_func_sig_t *best = NULL;
    int best_exact = -1, best_pref = -1;
    for (int c = 0; c < nsig; c++) {
        const sl_func_sig_t *f = &sigs[c];
        if (f->nargs >= 0 && f->nargs != n->nargs)
            continue;
        int exact = 0, pref = 0;
        bool ok = true;
        for (int i = 0; i < n->nargs && f->nargs >= 0; i++) {
            sl_type_t want = f->args[i], have = args[i]->type;
            if (!implicit_cast(have, want)) {
                ok = false;
                break;
            }
            exact += have == want;
            pref += have != want && (want == SL_T_FLOAT8 || want == SL_T_TEXT ||
                                     want == SL_T_TIMESTAMPTZ);
        }
        if (f->nargs < 0 && f->args[0] == SL_T_TEXT &&
            (n->nargs < 1 || !implicit_cast(args[0]->type, SL_T_TEXT)))
            ok = false;
        if (ok && (exact > best_exact || (exact == best_exact && pref > best_pref))) {
            best = f;
            best_exact = exact;
            best_pref = pref;
        }
    }
    if (best == NULL) {
        no_function(ctx, n, args);
        return true;
    }
    if (best->id == SL_F_TO_JSONB && n->nargs != 1) {   /* to_jsonb(anyelement) */
        no_function(ctx, n, args);
        return true;
    }
    if (best->id == SL_F_TO_JSONB && args[0]->type == SL_T_UNKNOWN) {
        sl_error_set(ctx->err, SL_ERRCODE_DATATYPE_MISMATCH, n->location,
                     "could not determine polymorphic type because input has type unknown");
        return true;
    }
    for (int i = 0; i < n->nargs; i++) {
        sl_type_t want = best->nargs >= 0 ? best->args[i]
                         : (i == 0 && best->args[0] == SL_T_TEXT) ? SL_T_TEXT
                         : args[i]->type == SL_T_UNKNOWN ? SL_T_TEXT : SL_T_NTYPES;
        if (want != SL_T_NTYPES && (args[i] = sl__coerce(ctx, args[i], want, -1)) == NULL)
            return true;
    }
    sl_expr_t *e = sl__mk(ctx, SL_E_FUNC, best->result, n->location, n->nargs);
    e->func = best->id;
    if (n->nargs > 0)       /* now(): no arguments, args is NULL */
        memcpy(e->args, args, sizeof(*args) * (size_t)n->nargs);
    if ((best->id == SL_F_TUMBLE || best->id == SL_F_HOP || best->id == SL_F_WINDOW_END ||
         best->id == SL_F_SESSION) &&
        sl__analyze_window_call(ctx, e) != SL_OK)
        return true;
    if (best->id == SL_F_REGEXP_REPLACE || best->id == SL_F_REGEXP_MATCH) {
        int flagarg = best->id == SL_F_REGEXP_MATCH ? 2 : 3;
        const sl_expr_t *fl = n->nargs == flagarg + 1 ? args[flagarg] : NULL;
        bool icase = false;
        if (fl == NULL || (fl->kind == SL_E_CONST && !fl->constval.null)) {
            for (uint32_t i = 0; fl && i < fl->constval.v.s.n; i++)   /* the last of i / c wins */
                if (fl->constval.v.s.p[i] == 'i' || fl->constval.v.s.p[i] == 'c')
                    icase = fl->constval.v.s.p[i] == 'i';
            if (precompile(ctx, e, args[1], icase, false) != SL_OK)
                return true;
        }
    }
    *out = e;
    return true;
}

sl_expr_t *sl__current_timestamp(sl_actx_t *ctx, const sl_ast_node_t *n)
{
    if (strcmp(n->str, "current_timestamp") != 0)
        return NULL;
    sl_expr_t *e = sl__mk(ctx, SL_E_FUNC, SL_T_TIMESTAMPTZ, n->location, 0);
    e->func = SL_F_NOW;
    return e;
}

bool sl__value_function(sl_actx_t *ctx, const sl_ast_node_t *n)
{
    static const char *const names[] = {
        "current_date", "current_time", "localtime",
        "localtimestamp", "current_user", "session_user", "current_role",
        "current_catalog", "current_schema", "user",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(n->str, names[i]) == 0) {
            sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, n->location,
                         "%s is not supported in continuous views yet", names[i]);
            return true;
        }
    return false;
}
