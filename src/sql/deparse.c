/*
 * deparse.c: typed expressions -> SQL text over a view's state table.
 *
 * Used for the finalizing view's select list and HAVING (plan.h):
 * group-key expressions became SL__E_GROUPREF (the state table's quoted
 * group column), aggregate calls SL__E_AGGREF (sl_agg_final_sql).  Every
 * node is parenthesized, every identifier quoted and every constant written
 * with an explicit type unless its bare form already has that type, so
 * PostgreSQL computes exactly what the analyzer typed.
 */
#include "sql/analyze_int.h"
#include "plan/func.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_sql[] = {
    [SL_OP_ADD] = "+", [SL_OP_SUB] = "-", [SL_OP_MUL] = "*",
    [SL_OP_DIV] = "/", [SL_OP_MOD] = "%", [SL_OP_EQ] = "=",
    [SL_OP_NE] = "<>", [SL_OP_LT] = "<", [SL_OP_LE] = "<=",
    [SL_OP_GT] = ">", [SL_OP_GE] = ">=", [SL_OP_CONCAT] = "||",
};

static void put_type(sl_buf_t *b, sl_type_t t, int typmod)
{
    char tbuf[64];
    sl_buf_puts(b, sl_type_sql(t == SL_T_UNKNOWN ? SL_T_TEXT : t, typmod, tbuf,
                               sizeof(tbuf)));
}

static void put_const(const sl_expr_t *e, sl_buf_t *b)
{
    if (e->constval.null) {
        sl_buf_puts(b, "NULL::");
        put_type(b, e->type, e->typmod);
        return;
    }
    switch (e->type) {
    case SL_T_BOOL:
        sl_buf_puts(b, e->constval.v.i ? "true" : "false");
        return;
    case SL_T_INT4:
        if (e->constval.v.i < 0)
            sl_buf_printf(b, "(%lld)", (long long)e->constval.v.i);
        else
            sl_buf_printf(b, "%lld", (long long)e->constval.v.i);
        return;
    case SL_T_INT2:
    case SL_T_INT8:
        sl_buf_printf(b, "'%lld'::", (long long)e->constval.v.i);
        put_type(b, e->type, -1);
        return;
    case SL_T_NUMERIC:
        /* the exact text (digits, point, sign, NaN, Infinity) */
        sl_buf_putc(b, '\'');
        sl_buf_append(b, e->constval.v.s.p, e->constval.v.s.n);
        sl_buf_puts(b, "'::numeric");
        return;
    case SL_T_UNKNOWN:
    case SL_T_TEXT:
        sl_buf_put_literal(b, e->constval.v.s.p, e->constval.v.s.n);
        sl_buf_puts(b, "::");
        put_type(b, e->type, e->typmod);
        return;
    default: {
        sl_buf_t v = SL_BUF_INIT;
        sl_type_output(e->type, &e->constval, &v);
        sl_buf_put_literal(b, sl_buf_cstr(&v), v.len);
        sl_buf_free(&v);
        sl_buf_puts(b, "::");
        put_type(b, e->type, e->typmod);
        return;
    }
    }
}

/* The function PostgreSQL calls for e: pattern matching by its operator
 * functions (textlike, texticregexne ...), others by name. */
static const char *func_sql(const sl_expr_t *e)
{
    bool ne = e->op == SL_OP_NE;
    switch (e->kind) {
    case SL_E_COALESCE:
        return "COALESCE";
    case SL_E_NULLIF:
        return "NULLIF";
    case SL_E_MINMAX:
        return e->op == SL_OP_GT ? "GREATEST" : "LEAST";
    default:
        break;
    }
    switch (e->func) {
    case SL_F_LIKE:
        return ne ? "pg_catalog.textnlike" : "pg_catalog.textlike";
    case SL_F_ILIKE:
        return ne ? "pg_catalog.texticnlike" : "pg_catalog.texticlike";
    case SL_F_REGEX:
        if (e->typmod == 1)
            return ne ? "pg_catalog.texticregexne" : "pg_catalog.texticregexeq";
        return ne ? "pg_catalog.textregexne" : "pg_catalog.textregexeq";
    case SL_F_LEFT:
        return "pg_catalog.\"left\"";
    case SL_F_RIGHT:
        return "pg_catalog.\"right\"";
    case SL_F_STRPOS:
        return "pg_catalog.strpos";
    case SL_F_EXTRACT:
        return "pg_catalog.\"extract\"";
    default:
        return sl_func_name(e->func);
    }
}

void sl__deparse(const sl_view_plan_t *plan, const sl_expr_t *e, sl_buf_t *b)
{
    if ((int)e->kind == (int)SL__E_GROUPREF) {
        sl_buf_put_ident(b, plan->group[e->colno].colname);
        return;
    }
    if ((int)e->kind == (int)SL__E_AGGREF) {
        const sl_aggref_t *ref = &plan->aggs[e->colno];
        const char *empty = sl_agg_empty_sql(ref);
        bool wrap = plan->ngroup == 0 && strcmp(empty, "NULL") != 0;
        /* A global aggregate's row exists before any event (plan.h). */
        if (wrap)
            sl_buf_puts(b, "COALESCE(");
        sl_agg_final_sql(ref, e->colno + 1, NULL, b);
        if (wrap)
            sl_buf_printf(b, ", %s)", empty);
        return;
    }
    if (sl__deparse_array(plan, e, b))
        return;
    switch (e->kind) {
    case SL_E_CONST:
        put_const(e, b);
        break;
    case SL_E_COLUMN:
        sl_buf_put_ident(b, plan->stream->cols[e->colno].name);
        break;
    case SL_E_OP:
        sl_buf_putc(b, '(');
        sl__deparse(plan, e->args[0], b);
        sl_buf_printf(b, " %s ", op_sql[e->op]);
        sl__deparse(plan, e->args[1], b);
        sl_buf_putc(b, ')');
        break;
    case SL_E_NEG:
        sl_buf_puts(b, "(- ");
        sl__deparse(plan, e->args[0], b);
        sl_buf_putc(b, ')');
        break;
    case SL_E_AND:
    case SL_E_OR:
        sl_buf_putc(b, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (i > 0)
                sl_buf_puts(b, e->kind == SL_E_AND ? " AND " : " OR ");
            sl__deparse(plan, e->args[i], b);
        }
        sl_buf_putc(b, ')');
        break;
    case SL_E_NOT:
        sl_buf_puts(b, "(NOT ");
        sl__deparse(plan, e->args[0], b);
        sl_buf_putc(b, ')');
        break;
    case SL_E_ISNULL:
    case SL_E_ISNOTNULL:
        sl_buf_putc(b, '(');
        sl__deparse(plan, e->args[0], b);
        sl_buf_puts(b, e->kind == SL_E_ISNULL ? " IS NULL)" : " IS NOT NULL)");
        break;
    case SL_E_CASE:
        sl_buf_puts(b, "(CASE");
        for (int i = 0; i + 1 < e->nargs; i += 2) {
            sl_buf_puts(b, " WHEN ");
            sl__deparse(plan, e->args[i], b);
            sl_buf_puts(b, " THEN ");
            sl__deparse(plan, e->args[i + 1], b);
        }
        sl_buf_puts(b, " ELSE ");
        sl__deparse(plan, e->args[e->nargs - 1], b);
        sl_buf_puts(b, " END)");
        break;
    case SL_E_COALESCE:
    case SL_E_NULLIF:
    case SL_E_MINMAX:
    case SL_E_FUNC:
        if (e->kind == SL_E_FUNC && sl__deparse_jsonb(plan, e, b))
            break;
        if (e->kind == SL_E_FUNC && e->func == SL_F_WINDOW_END && e->aux) {
            /* over the state table the argument is the window's start; a
             * session ends at its last event (max(ts), hidden) + gap */
            const sl_window_t *w = e->aux;
            sl_buf_putc(b, '(');
            if (w->kind == SL_WIN_SESSION && plan->session_agg >= 0)
                sl_agg_final_sql(&plan->aggs[plan->session_agg], plan->session_agg + 1, NULL, b);
            else
                sl__deparse(plan, e->args[0], b);
            sl_buf_printf(b, " + '%lld microseconds'::interval)", (long long)w->size);
            break;
        }
        sl_buf_puts(b, func_sql(e));
        sl_buf_putc(b, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (i > 0)
                sl_buf_puts(b, ", ");
            sl__deparse(plan, e->args[i], b);
        }
        sl_buf_putc(b, ')');
        break;
    case SL_E_ANY:
        sl_buf_putc(b, '(');
        sl__deparse(plan, e->args[0], b);
        sl_buf_puts(b, e->op == SL_OP_EQ ? " = ANY (ARRAY[" : " <> ALL (ARRAY[");
        for (int i = 1; i < e->nargs; i++) {
            if (i > 1)
                sl_buf_puts(b, ", ");
            sl__deparse(plan, e->args[i], b);
        }
        sl_buf_puts(b, "]))");
        break;
    case SL_E_DISTINCT:
        sl_buf_putc(b, '(');
        sl__deparse(plan, e->args[0], b);
        sl_buf_puts(b, e->op == SL_OP_NE ? " IS DISTINCT FROM " : " IS NOT DISTINCT FROM ");
        sl__deparse(plan, e->args[1], b);
        sl_buf_putc(b, ')');
        break;
    case SL_E_BOOLTEST: {
        static const char *const t[] = {
            [SL_BT_TRUE] = " IS TRUE)", [SL_BT_NOT_TRUE] = " IS NOT TRUE)",
            [SL_BT_FALSE] = " IS FALSE)", [SL_BT_NOT_FALSE] = " IS NOT FALSE)",
            [SL_BT_UNKNOWN] = " IS UNKNOWN)", [SL_BT_NOT_UNKNOWN] = " IS NOT UNKNOWN)",
        };
        sl_buf_putc(b, '(');
        sl__deparse(plan, e->args[0], b);
        sl_buf_puts(b, t[e->booltest]);
        break;
    }
    case SL_E_ANYALL:   /* sl__deparse_array */
        break;
    case SL_E_CAST:
        sl_buf_puts(b, "CAST(");
        sl__deparse(plan, e->args[0], b);
        sl_buf_puts(b, " AS ");
        put_type(b, e->type, e->typmod);
        sl_buf_putc(b, ')');
        break;
    }
}
