/*
 * analyze.c: semantic analysis of CREATE STREAM and CREATE CONTINUOUS VIEW
 * (sl_analyze_stream, sl_analyze_view in sql.h).
 *
 * sl_analyze_view reads top-down like PostgreSQL's transformSelectStmt:
 * unsupported clauses, FROM (one stream), select list, WHERE, GROUP BY
 * (columns, expressions, ordinals, output names), HAVING, then the grouping
 * check, which also rewrites select-list and HAVING expressions over the
 * state table (group keys -> group columns, aggregates -> final values)
 * before they are deparsed to SQL.  The plan is allocated from v->arena
 * and keeps nothing of the statement's arena.
 */
#include "sql/sql.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sql/analyze_int.h"

/* The WITH (...) options each statement knows (NULL-terminated); what they
 * mean is read where they are used. */
static const char *const stream_options[] = {"event_time", "max_lateness", "idle_timeout",
                                              NULL};
static const char *const view_options[] = {"sw", "step_factor", "ttl", "ttl_column", "emit",
                                            NULL};

/* 22023 for an option name not in known, or one given twice. */
static int check_options(const sl_stmt_t *stmt, const char *const *known, sl_error_t *err)
{
    for (int i = 0; i < stmt->noptions; i++) {
        const sl_option_t *o = &stmt->options[i];
        int k = 0;
        while (known[k] && strcmp(known[k], o->name) != 0)
            k++;
        if (!known[k])
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, o->location,
                                "unrecognized parameter \"%s\"", o->name);
        for (int j = 0; j < i; j++)
            if (strcmp(stmt->options[j].name, o->name) == 0)
                return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, o->location,
                                    "parameter \"%s\" specified more than once", o->name);
    }
    return SL_OK;
}

const sl_option_t *sl_stmt_option(const sl_stmt_t *st, const char *name)
{
    for (int i = 0; i < st->noptions; i++)
        if (strcmp(st->options[i].name, name) == 0)
            return &st->options[i];
    return NULL;
}

int sl_analyze_stream(const sl_stmt_t *stmt, const sl_catalog_t *cat,
                      sl_stream_t *s, bool *exists, sl_error_t *err)
{
    sl_actx_t ctx = {.a = s->arena, .err = err};

    *exists = false;
    if (sl_catalog_stream(cat, stmt->name) || sl_catalog_view(cat, stmt->name)) {
        if (stmt->if_not_exists) {
            *exists = true;
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_DUPLICATE_TABLE, stmt->name_location,
                            "relation \"%s\" already exists", stmt->name);
    }
    if (stmt->ncols == 0)
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, stmt->name_location,
                            "a stream needs at least one column");
    if (check_options(stmt, stream_options, err) != SL_OK)
        return SL_ERR;
    sl_column_t *cols = sl_alloc0(s->arena, (size_t)stmt->ncols * sizeof(*cols));
    sl__hindex_t names = {0};
    for (int i = 0; i < stmt->ncols; i++) {
        const sl_coldef_t *c = &stmt->cols[i];
        uint32_t h = sl__str_hash(c->name);
        for (int pos = -1, j; (j = sl__hindex_next(&names, h, &pos)) >= 0;)
            if (strcmp(stmt->cols[j].name, c->name) == 0)
                return sl_error_set(err, SL_ERRCODE_DUPLICATE_COLUMN, c->location,
                                    "column \"%s\" specified more than once", c->name);
        sl__hindex_add(s->arena, &names, h, i);
        if (c->typname) {
            if (sl__resolve_type(&ctx, c->typname, c->typmod, c->type_location, true,
                                 &cols[i].type, &cols[i].typmod) != SL_OK)
                return SL_ERR;
        } else {
            cols[i].type = c->type;
            cols[i].typmod = c->typmod;
        }
        cols[i].name = sl_strdup(s->arena, c->name);
    }
    s->cols = cols;
    s->ncols = stmt->ncols;
    return sl__analyze_stream_time(stmt, s, err);
}

int sl_analyze_alter_stream(const sl_stmt_t *stmt, const sl_stream_t *s, sl_arena_t *a,
                            sl_column_t *col, sl_error_t *err)
{
    sl_actx_t ctx = {.a = a, .err = err};
    const sl_coldef_t *c = &stmt->cols[0];

    assert(stmt->ncols == 1);
    if (sl_stream_column(s, c->name) >= 0)
        return sl_error_set(err, SL_ERRCODE_DUPLICATE_COLUMN, c->location,
                            "column \"%s\" of relation \"%s\" already exists", c->name,
                            s->name);
    if (s->ncols >= SL_SQL_MAX_COLUMNS)
        return sl_error_set(err, SL_ERRCODE_TOO_MANY_COLUMNS, c->location,
                            "tables can have at most %d columns", SL_SQL_MAX_COLUMNS);
    if (c->typname) {
        if (sl__resolve_type(&ctx, c->typname, c->typmod, c->type_location, true, &col->type,
                             &col->typmod) != SL_OK)
            return SL_ERR;
    } else {
        col->type = c->type;
        col->typmod = c->typmod;
    }
    col->name = sl_strdup(a, c->name);
    return SL_OK;
}

/* PostgreSQL's name for an output column: the column, function or (for a
 * cast of something nameless) type name; strength 2, 1 or 0 (none). */
static int figure_colname(const sl_ast_node_t *n, const char **name)
{
    switch (n->kind) {
    case SL_A_COLREF:
    case SL_A_FUNC:
        *name = n->str;
        return 2;
    case SL_A_BOOL:
        *name = "bool";
        return 1;
    case SL_A_SUBSCRIPT:
        return figure_colname(n->args[0], name);
    case SL_A_ARRAY:
        *name = "array";
        return 2;
    case SL_A_CAST: {
        if (figure_colname(n->args[0], name) == 2)
            return 2;
        /* an array type is named as its element type: '{1}'::int[] is int4 */
        char elem[64];
        size_t l = strlen(n->typname);
        const char *tn = n->typname;
        if (l > 2 && l < sizeof(elem) && strcmp(tn + l - 2, "[]") == 0) {
            memcpy(elem, tn, l - 2);
            elem[l - 2] = '\0';
            tn = elem;
        }
        sl_type_t t = sl_type_from_name(tn);
        *name = t == SL_T_UNKNOWN ? n->typname : sl__type_internal_name(t, tn);
        return 1;
    }
    default:
        return 0;
    }
}

static const char *output_name(const sl_ast_node_t *target)
{
    const char *name = "?column?";
    if (target->str)
        return target->str;
    figure_colname(target->args[0], &name);
    return name;
}

/* The group key equal to e (whose hash is h), or -1. */
static int find_group_key(const sl_view_plan_t *plan, const sl__hindex_t *keys,
                          const sl_expr_t *e, uint32_t h)
{
    for (int pos = -1, g; (g = sl__hindex_next(keys, h, &pos)) >= 0;)
        if (sl__expr_equal(e, plan->group[g].expr))
            return g;
    return -1;
}

/* groupify's walk, bottom-up so that each node's hash comes from its
 * arguments' and the whole tree costs O(size): sets *h to e's hash and
 * *col to the first stream column left outside group keys (or NULL). */
static sl_expr_t *groupify_rec(sl_actx_t *ctx, const sl_view_plan_t *plan,
                               const sl__hindex_t *keys, sl_expr_t *e, uint32_t *h,
                               const sl_expr_t **col)
{
    sl_expr_t **args = NULL;
    const sl_expr_t *first = NULL;
    uint32_t eh = sl__expr_hash_shallow(e);
    if (e->nargs > 0) {
        args = sl_alloc(ctx->a, (size_t)e->nargs * sizeof(*args));
        for (int i = 0; i < e->nargs; i++) {
            uint32_t ah;
            const sl_expr_t *c = NULL;
            args[i] = groupify_rec(ctx, plan, keys, e->args[i], &ah, &c);
            eh = sl__hash_mix(eh, ah);
            if (first == NULL)
                first = c;
        }
    }
    *h = eh;
    *col = NULL;
    int g = find_group_key(plan, keys, e, eh);
    if (g >= 0) {
        sl_expr_t *r = sl_alloc0(ctx->a, sizeof(*r));
        r->kind = SL__E_GROUPREF;
        r->type = e->type;
        r->typmod = e->typmod;
        r->location = e->location;
        r->colno = g;
        return r;
    }
    if ((int)e->kind == (int)SL__E_AGGREF || e->kind == SL_E_CONST)
        return e;
    if (e->kind == SL_E_COLUMN) {
        *col = e;
        return e;
    }
    sl_expr_t *c = sl_alloc(ctx->a, sizeof(*c));
    *c = *e;
    c->args = args;
    *col = first;
    return c;
}

/* Rewrites e over the state table: group-key subtrees -> SL__E_GROUPREF;
 * a stream column left over is the 42803 grouping error. */
static sl_expr_t *groupify(sl_actx_t *ctx, const sl_view_plan_t *plan,
                           const sl__hindex_t *keys, sl_expr_t *e)
{
    uint32_t h;
    const sl_expr_t *col = NULL;
    sl_expr_t *r = groupify_rec(ctx, plan, keys, e, &h, &col);
    if (col) {
        sl_error_set(ctx->err, SL_ERRCODE_GROUPING_ERROR, col->location,
                     "column \"%s.%s\" must appear in the GROUP BY clause or be "
                     "used in an aggregate function",
                     ctx->relname, ctx->stream->cols[col->colno].name);
        return NULL;
    }
    return r;
}

static bool contains_column(const sl_expr_t *e);

static bool contains_agg(const sl_expr_t *e)
{
    if ((int)e->kind == (int)SL__E_AGGREF)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (contains_agg(e->args[i]))
            return true;
    return false;
}

static bool contains_column(const sl_expr_t *e)
{
    if (e->kind == SL_E_COLUMN)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (contains_column(e->args[i]))
            return true;
    return false;
}

/* The expression to evaluate per event for output column t (see
 * sl_output_col_t.check): t itself when it computes something from group
 * keys alone, NULL when it is a key, reads no column or holds an
 * aggregate. */
static sl_expr_t *output_check(const sl_view_plan_t *plan, const sl__hindex_t *keys,
                               sl_expr_t *t)
{
    if (t->kind == SL_E_COLUMN || !contains_column(t) || contains_agg(t))
        return NULL;
    if (find_group_key(plan, keys, t, sl__expr_hash(t)) >= 0)
        return NULL;
    return t;
}

/* GROUP BY item -> the AST to group by: an ordinal or an output-column
 * name (when not a stream column) refers to a select-list entry. */
static const sl_ast_node_t *group_item(sl_actx_t *ctx, const sl_ast_node_t *sel,
                                       sl__hindex_t *names, const sl_ast_node_t *g)
{
    if (g->kind == SL_A_INT) {
        long k = strtol(g->str, NULL, 10);
        if (g->len > 9 || k < 1 || k > sel->ntargets) {
            sl_error_set(ctx->err, "42P10", g->location,
                         "GROUP BY position %s is not in select list", g->str);
            return NULL;
        }
        return sel->targets[k - 1]->args[0];
    }
    if (g->kind == SL_A_COLREF && g->qual == NULL &&
        sl_stream_column(ctx->stream, g->str) < 0) {
        const sl_ast_node_t *found = NULL;
        if (names->cap == 0)   /* output names, built on first use */
            for (int i = 0; i < sel->ntargets; i++)
                sl__hindex_add(ctx->a, names, sl__str_hash(output_name(sel->targets[i])), i);
        for (int pos = -1, i; (i = sl__hindex_next(names, sl__str_hash(g->str), &pos)) >= 0;)
            if (strcmp(output_name(sel->targets[i]), g->str) == 0) {
                if (found) {
                    sl_error_set(ctx->err, "42702", g->location,
                                 "GROUP BY \"%s\" is ambiguous", g->str);
                    return NULL;
                }
                found = sel->targets[i]->args[0];
            }
        if (found)
            return found;
    }
    return g;
}

static char *deparse_str(sl_arena_t *a, const sl_view_plan_t *plan, const sl_expr_t *e)
{
    sl_buf_t b = SL_BUF_INIT;
    sl__deparse(plan, e, &b);
    char *s = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

/* sel with each * (or alias.*) of its select list replaced by the
 * stream's columns in order, as PostgreSQL expands it (allocated from
 * ctx->a); sel itself when it has none; NULL on error. */
static const sl_ast_node_t *expand_stars(sl_actx_t *ctx, const sl_ast_node_t *sel)
{
    int nstar = 0;
    for (int i = 0; i < sel->ntargets; i++)
        nstar += sel->targets[i]->args[0]->kind == SL_A_STAR;
    if (nstar == 0)
        return sel;
    long n = sel->ntargets + (long)nstar * (ctx->stream->ncols - 1);
    if (n > SL_SQL_MAX_TARGETS) {
        sl_error_set(ctx->err, SL_ERRCODE_TOO_MANY_COLUMNS, 0,
                     "target lists can have at most %d entries", SL_SQL_MAX_TARGETS);
        return NULL;
    }
    sl_ast_node_t *copy = sl_alloc(ctx->a, sizeof(*copy));
    *copy = *sel;
    copy->targets = sl_alloc(ctx->a, (size_t)n * sizeof(*copy->targets));
    copy->ntargets = 0;
    for (int i = 0; i < sel->ntargets; i++) {
        const sl_ast_node_t *star = sel->targets[i]->args[0];
        if (star->kind != SL_A_STAR) {
            copy->targets[copy->ntargets++] = sel->targets[i];
            continue;
        }
        if (star->qual && strcmp(star->qual, ctx->relname) != 0) {
            sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_TABLE, star->location,
                         "missing FROM-clause entry for table \"%s\"", star->qual);
            return NULL;
        }
        for (int c = 0; c < ctx->stream->ncols; c++) {
            sl_ast_node_t *col = sl__ast_new(ctx->a, SL_A_COLREF, star->location);
            col->str = ctx->stream->cols[c].name;
            col->len = (int)strlen(col->str);
            copy->targets[copy->ntargets++] =
                sl__ast_unary(ctx->a, SL_A_TARGET, star->location, col);
        }
    }
    return copy;
}

/* A view with neither aggregate, GROUP BY nor HAVING: a continuous
 * transform (plan.h).  Each select-list entry becomes a column of the
 * view's append-only table, evaluated per event; the finalizing view reads
 * the columns as they are. */
static int plan_transform(sl_actx_t *ctx, sl_view_plan_t *plan, const sl_ast_node_t *sel,
                          sl_expr_t **targets)
{
    sl__hindex_t outnames = {0};
    int n = sel->ntargets;

    if (n > SL_SQL_MAX_COLUMNS)
        return sl__too_many_columns(ctx, 0);
    plan->transform = true;
    plan->group = sl_alloc0(ctx->a, (size_t)n * sizeof(*plan->group));
    plan->out = sl_alloc0(ctx->a, (size_t)n * sizeof(*plan->out));
    for (int i = 0; i < n; i++) {
        sl_expr_t *e = targets[i];
        const char *name = output_name(sel->targets[i]);
        uint32_t h = sl__str_hash(name);
        for (int pos = -1, j; (j = sl__hindex_next(&outnames, h, &pos)) >= 0;)
            if (strcmp(plan->out[j].name, name) == 0)
                return sl_error_set(ctx->err, SL_ERRCODE_DUPLICATE_COLUMN, 0,
                                    "column \"%s\" specified more than once", name);
        sl__hindex_add(ctx->a, &outnames, h, i);
        sl_group_key_t *k = &plan->group[i];
        k->expr = e;
        k->type = e->type;
        k->typmod = e->typmod;
        k->colname = sl_strdup(ctx->a, name);
        sl_output_col_t *o = &plan->out[i];
        o->name = k->colname;
        o->type = e->type;
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_put_ident(&b, name);
        o->sql = sl_strdup(ctx->a, sl_buf_cstr(&b));
        sl_buf_free(&b);
    }
    plan->ngroup = plan->nout = n;
    return SL_OK;
}

int sl_analyze_view(const sl_stmt_t *stmt, const sl_catalog_t *cat,
                    sl_view_t *v, bool *exists, sl_error_t *err)
{
    const sl_ast_node_t *sel = stmt->select;
    sl_actx_t ctx = {.a = v->arena, .err = err};
    sl_view_plan_t *plan;
    sl_expr_t **targets, *having = NULL;
    sl__hindex_t keys = {0}, names = {0}, outnames = {0};
    int gcap;

    *exists = false;
    if (sl_catalog_view(cat, stmt->name) || sl_catalog_stream(cat, stmt->name)) {
        if (stmt->if_not_exists) {
            *exists = true;
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_DUPLICATE_TABLE, stmt->name_location,
                            "relation \"%s\" already exists", stmt->name);
    }
    if (sel == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "no SELECT to analyze");
    if (check_options(stmt, view_options, err) != SL_OK)
        return SL_ERR;
    if (sel->unsupported) {
        /* what to do instead */
        static const char *const hints[][2] = {
            {"UNION", "Create one continuous view per stream, or combine the views with a "
                      "plain PostgreSQL view (CREATE VIEW ... AS SELECT ... UNION ALL "
                      "SELECT ...)."},
            {"ORDER BY", "Order the rows when reading the view (SELECT ... FROM v ORDER BY "
                         "...): its table keeps no order."},
            {"LIMIT or OFFSET", "Limit the rows when reading the view (SELECT ... FROM v "
                                "ORDER BY ... LIMIT n)."},
            {"SELECT DISTINCT ON", "Group by the columns (GROUP BY), or apply DISTINCT ON "
                                   "when reading the view."},
            {"JOIN", "A continuous view reads one stream: join its table with others when "
                     "reading it (a plain PostgreSQL view over the continuous view)."},
            {"a FROM list with more than one item",
             "A continuous view reads one stream: join its table with others when reading "
             "it (a plain PostgreSQL view over the continuous view)."},
            {"a subquery in FROM", "Read the stream itself (its WHERE and expressions), or "
                                   "build a plain PostgreSQL view over the continuous view."},
            {"a schema-qualified stream", "Streams belong to no schema: name the stream "
                                          "alone."},
        };
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, sel->unsupported_location,
                     "%s is not supported in continuous views", sel->unsupported);
        for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
            if (strcmp(sel->unsupported, hints[i][0]) == 0)
                sl_error_hint(err, "%s", hints[i][1]);
        return SL_ERR;
    }

    /* FROM: exactly one stream. */
    if (sel->from == NULL)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, sel->location,
                            "a continuous view must read from a stream (FROM is missing)");
    sl_stream_t *s = sl_catalog_stream(cat, sel->from);
    if (s == NULL) {
        if (sl_catalog_view(cat, sel->from))
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, sel->from_location,
                                "continuous views over continuous views are not "
                                "supported yet");
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, sel->from_location,
                            "relation \"%s\" does not exist", sel->from);
    }
    ctx.stream = s;
    ctx.relname = sel->from_alias ? sel->from_alias : sel->from;

    plan = sl_alloc0(v->arena, sizeof(*plan));
    plan->name = sl_strdup(v->arena, stmt->name);
    plan->schema = sl_strdup(v->arena, "public");
    plan->stream = s;

    /* Select list. */
    if ((sel = expand_stars(&ctx, sel)) == NULL)
        return SL_ERR;
    targets = sl_alloc0(v->arena, (size_t)sel->ntargets * sizeof(*targets));
    for (int i = 0; i < sel->ntargets; i++) {
        targets[i] = sl__transform(&ctx, sel->targets[i]->args[0], SL_CTX_TARGET);
        if (targets[i] && targets[i]->type == SL_T_UNKNOWN)
            targets[i] = sl__coerce(&ctx, targets[i], SL_T_TEXT, -1);
        if (targets[i] == NULL)
            return SL_ERR;
    }

    if (sel->where) {
        plan->where = sl__coerce_bool(&ctx, sl__transform(&ctx, sel->where, SL_CTX_WHERE),
                                      "WHERE");
        if (plan->where == NULL)
            return SL_ERR;
        sl_plan_set_quals(plan, v->arena);
    }

    /* SELECT DISTINCT without aggregates is GROUP BY its select list. */
    if (sel->distinct_location && (ctx.naggs > 0 || sel->ngroup > 0 || sel->having)) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, sel->distinct_location,
                     "SELECT DISTINCT with aggregates or GROUP BY is not supported in "
                     "continuous views");
        sl_error_hint(err, "List the columns in GROUP BY instead.");
        return SL_ERR;
    }
    gcap = sel->distinct_location ? sel->ntargets : sel->ngroup;
    plan->group = sl_alloc0(v->arena, (size_t)(gcap ? gcap : 1) * sizeof(*plan->group));
    for (int i = 0; i < gcap; i++) {
        const sl_ast_node_t *g = sel->distinct_location
                                     ? sel->targets[i]->args[0]
                                     : group_item(&ctx, sel, &names, sel->group[i]);
        if (g == NULL)
            return SL_ERR;
        sl_expr_t *e = sl__transform(&ctx, g, SL_CTX_GROUP);
        if (e && e->type == SL_T_UNKNOWN)
            e = sl__coerce(&ctx, e, SL_T_TEXT, -1);
        if (e == NULL)
            return SL_ERR;
        uint32_t h = sl__expr_hash(e);
        if (find_group_key(plan, &keys, e, h) >= 0)
            continue;
        if (plan->ngroup + ctx.nstate >= SL_SQL_MAX_COLUMNS)
            return sl__too_many_columns(&ctx, g->location);
        sl__hindex_add(v->arena, &keys, h, plan->ngroup);
        sl_group_key_t *k = &plan->group[plan->ngroup++];
        k->expr = e;
        k->type = e->type;
        k->typmod = e->typmod;
        k->colname = e->kind == SL_E_COLUMN ? sl_strdup(v->arena, s->cols[e->colno].name)
                                            : sl_sprintf(v->arena, "_g%d", plan->ngroup);
    }

    if (sel->having) {
        having = sl__coerce_bool(&ctx, sl__transform(&ctx, sel->having, SL_CTX_HAVING),
                                 "HAVING");
        if (having == NULL)
            return SL_ERR;
    }

    if (ctx.naggs == 0 && plan->ngroup == 0 && having == NULL) {
        if (plan_transform(&ctx, plan, sel, targets) != SL_OK ||
            sl__analyze_view_window(&ctx, stmt, plan) != SL_OK ||
            sl__analyze_view_time(&ctx, stmt, plan) != SL_OK)
            return SL_ERR;
        v->plan = plan;
        v->stream = s;
        v->schema = plan->schema;
        return SL_OK;
    }
    plan->naggs = ctx.naggs;
    plan->aggs = ctx.aggs;
    if (sl__analyze_view_window(&ctx, stmt, plan) != SL_OK)
        return SL_ERR;

    /* Grouping check and the finalizing view's SQL. */
    plan->nout = sel->ntargets;
    plan->out = sl_alloc0(v->arena, (size_t)sel->ntargets * sizeof(*plan->out));
    for (int i = 0; i < sel->ntargets; i++) {
        sl_output_col_t *o = &plan->out[i];
        sl_expr_t *e = groupify(&ctx, plan, &keys, targets[i]);
        if (e == NULL)
            return SL_ERR;
        o->name = sl_strdup(v->arena, output_name(sel->targets[i]));
        o->type = e->type;
        o->sql = deparse_str(v->arena, plan, e);
        o->check = output_check(plan, &keys, targets[i]);
        uint32_t h = sl__str_hash(o->name);
        for (int pos = -1, j; (j = sl__hindex_next(&outnames, h, &pos)) >= 0;)
            if (strcmp(plan->out[j].name, o->name) == 0)
                return sl_error_set(err, SL_ERRCODE_DUPLICATE_COLUMN, 0,
                                    "column \"%s\" specified more than once", o->name);
        sl__hindex_add(v->arena, &outnames, h, i);
    }
    if (having) {
        sl_expr_t *e = groupify(&ctx, plan, &keys, having);
        if (e == NULL)
            return SL_ERR;
        plan->having_sql = deparse_str(v->arena, plan, e);
    }
    if (sl__analyze_view_time(&ctx, stmt, plan) != SL_OK)   /* analyze_slide.c */
        return SL_ERR;

    v->plan = plan;
    v->stream = s;
    v->schema = plan->schema;
    return SL_OK;
}
