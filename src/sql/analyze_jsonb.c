/*
 * analyze_jsonb.c: jsonb's operators in continuous views.
 *
 *   j -> text|int   j ->> text|int   (jsonb, text)
 *   j #> path       j #>> path       (path: a text[] literal, '{a,0,b}')
 *   j ? text        j ?| keys        j ?& keys       (boolean)
 *   j @> jsonb      j <@ jsonb                       (boolean)
 *
 * They are generic operators (lexed and parsed as PostgreSQL's Op, one
 * precedence level, left associative) typed as PostgreSQL resolves them: an
 * unknown literal on the right of -> is text, of @> is jsonb; both sides
 * unknown is 42725, other types 42883.  A path or key list is a text[]
 * value (ARRAY['a', 'b'], a column, ...) read when evaluated, or a literal
 * parsed here, once, into the node's aux.  The nodes are SL_E_FUNC with the SL_F_JSONB_* ids; deparse
 * writes them back as operators (sl__deparse_jsonb).
 */
#include "sql/analyze_int.h"
#include "plan/func.h"
#include "util/jsonb.h"

#include <string.h>

static const struct {
    const char *name;
    int id;   /* text result / key variant */
} jops[] = {
    {"->", SL_F_JSONB_GET},        {"->>", SL_F_JSONB_GET_TEXT},
    {"#>", SL_F_JSONB_PATH},       {"#>>", SL_F_JSONB_PATH_TEXT},
    {"?", SL_F_JSONB_EXISTS},      {"?|", SL_F_JSONB_EXISTS_ANY},
    {"?&", SL_F_JSONB_EXISTS_ALL}, {"@>", SL_F_JSONB_CONTAINS},
    {"<@", SL_F_JSONB_CONTAINED},
};

static int jop_id(const char *name)
{
    for (size_t i = 0; i < sizeof(jops) / sizeof(jops[0]); i++)
        if (strcmp(jops[i].name, name) == 0)
            return jops[i].id;
    return -1;
}

bool sl__jsonb_op_name(const char *name)
{
    return jop_id(name) >= 0;
}

static sl_expr_t *no_op(sl_actx_t *ctx, const sl_ast_node_t *n, const sl_expr_t *l,
                        const sl_expr_t *r)
{
    sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_FUNCTION, n->location,
                 "operator does not exist: %s %s %s", sl_type_name(l->type), n->opname,
                 sl_type_name(r->type));
    sl_error_hint(ctx->err, "No operator matches the given name and argument types. "
                            "You might need to add explicit type casts.");
    return NULL;
}

static bool unknown(const sl_expr_t *e)
{
    return e->type == SL_T_UNKNOWN;
}

sl_expr_t *sl__jsonb_operator(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t *l,
                              sl_expr_t *r)
{
    int id = jop_id(n->opname);
    bool contain = id == SL_F_JSONB_CONTAINS || id == SL_F_JSONB_CONTAINED;
    if (unknown(l) && (unknown(r) || !contain || r->type != SL_T_JSONB)) {
        sl_error_set(ctx->err, "42725", n->location, "operator is not unique: %s %s %s",
                     sl_type_name(l->type), n->opname, sl_type_name(r->type));
        sl_error_hint(ctx->err, "Could not choose a best candidate operator. "
                                "You might need to add explicit type casts.");
        return NULL;
    }
    if (unknown(l) && (l = sl__coerce(ctx, l, SL_T_JSONB, -1)) == NULL)
        return NULL;
    if (l->type != SL_T_JSONB)
        return no_op(ctx, n, l, r);
    sl_type_t result = SL_T_BOOL;
    const sl_jb_path_t *path = NULL;
    switch (id) {
    case SL_F_JSONB_GET:
    case SL_F_JSONB_GET_TEXT:
        if (r->type == SL_T_INT2)
            r = sl__coerce(ctx, r, SL_T_INT4, -1);
        else if (unknown(r))
            r = sl__coerce(ctx, r, SL_T_TEXT, -1);
        else if (r->type != SL_T_TEXT && r->type != SL_T_INT4)
            return no_op(ctx, n, l, r);
        result = id == SL_F_JSONB_GET ? SL_T_JSONB : SL_T_TEXT;
        break;
    case SL_F_JSONB_EXISTS:
        if (unknown(r))
            r = sl__coerce(ctx, r, SL_T_TEXT, -1);
        else if (r->type != SL_T_TEXT)
            return no_op(ctx, n, l, r);
        break;
    case SL_F_JSONB_PATH:
    case SL_F_JSONB_PATH_TEXT:
    case SL_F_JSONB_EXISTS_ANY:
    case SL_F_JSONB_EXISTS_ALL:
        if (r->type == SL_T_TEXT_ARRAY) {   /* a text[] value: read when evaluated */
            if (id == SL_F_JSONB_PATH)
                result = SL_T_JSONB;
            else if (id == SL_F_JSONB_PATH_TEXT)
                result = SL_T_TEXT;
            break;
        }
        if (!unknown(r) || r->kind != SL_E_CONST) {
            if (unknown(r)) {
                sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, r->location,
                             "the right operand of %s must be a text[] literal in a continuous "
                             "view", n->opname);
                sl_error_hint(ctx->err, "Write the path as a constant, e.g. j #> '{a,0,b}'.");
                return NULL;
            }
            return no_op(ctx, n, l, r);
        }
        if (!r->constval.null) {
            sl_jb_path_t *p = sl_alloc0(ctx->a, sizeof(*p));
            if (sl_jsonb_parse_path(r->constval.v.s.p, r->constval.v.s.n, ctx->a, p,
                                    ctx->err) != SL_OK) {
                ctx->err->position = r->location;
                return NULL;
            }
            path = p;
        }
        r = sl__coerce(ctx, r, SL_T_TEXT, -1);
        if (id == SL_F_JSONB_PATH)
            result = SL_T_JSONB;
        else if (id == SL_F_JSONB_PATH_TEXT)
            result = SL_T_TEXT;
        break;
    default:   /* @> <@ */
        if (unknown(r))
            r = sl__coerce(ctx, r, SL_T_JSONB, -1);
        else if (r->type != SL_T_JSONB)
            return no_op(ctx, n, l, r);
        break;
    }
    if (r == NULL)
        return NULL;
    sl_expr_t *e = sl__mk(ctx, SL_E_FUNC, result, n->location, 2);
    e->func = id;
    e->args[0] = l;
    e->args[1] = r;
    e->aux = path;
    if (l->location > 0 && l->location < e->location)
        e->location = l->location;
    return e;
}

bool sl__deparse_jsonb(const sl_view_plan_t *plan, const sl_expr_t *e, sl_buf_t *b)
{
    const char *name = NULL;
    for (size_t i = 0; i < sizeof(jops) / sizeof(jops[0]); i++)
        if (jops[i].id == e->func)
            name = jops[i].name;
    if (e->kind != SL_E_FUNC || name == NULL)
        return false;
    bool list = e->func == SL_F_JSONB_PATH || e->func == SL_F_JSONB_PATH_TEXT ||
                e->func == SL_F_JSONB_EXISTS_ANY || e->func == SL_F_JSONB_EXISTS_ALL;
    sl_buf_putc(b, '(');
    sl__deparse(plan, e->args[0], b);
    sl_buf_printf(b, " %s ", name);
    if (list)
        sl_buf_puts(b, "CAST(");
    sl__deparse(plan, e->args[1], b);
    if (list)
        sl_buf_puts(b, " AS text[])");
    sl_buf_putc(b, ')');
    return true;
}
