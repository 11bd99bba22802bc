/*
 * upsert.c: the statement that combines one view's delta into its state
 * table, and the array parameters that carry the delta's rows.
 *
 *   WITH u ("k", "_a1", "_a2") AS (
 *       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::numeric[])),
 *   w AS (UPDATE sluice_mrel."v" AS t SET "_a1" = t."_a1" + u."_a1", ...
 *         FROM u WHERE t."k" = u."k" RETURNING t."k")
 *   INSERT INTO sluice_mrel."v" AS t ("k", "_a1", "_a2")
 *   SELECT * FROM u WHERE NOT EXISTS (SELECT 1 FROM w WHERE w."k" = u."k")
 *   ORDER BY 1
 *   ON CONFLICT ("k") DO UPDATE SET "_a1" = t."_a1" + EXCLUDED."_a1", ...
 *
 * Groups already in the table (the usual case) are updated by a join, which
 * costs PostgreSQL about a third less than INSERT ... ON CONFLICT DO UPDATE
 * (no speculative insertion, no separate row lock).  The rest go through
 * the upsert: new groups, groups with a NULL key (= never matches; the
 * unique constraint treats NULLs as equal), and groups another sluiced
 * inserted after this statement's snapshot.  Both parts combine with the
 * same expressions, so the result is the same whichever part a group takes.
 *
 * A view with GROUP BY and no aggregate has nothing to combine: its new
 * groups are inserted, ON CONFLICT DO NOTHING (put_insert_groups).  A
 * continuous transform appends its rows (put_append):
 *
 *   INSERT INTO sluice_mrel."v" ("a", "b")
 *   SELECT * FROM unnest($1::integer[], $2::text[])
 *
 * One statement per view per flush whatever the number of groups; the work
 * PostgreSQL does is proportional to the groups touched.  Identifiers are
 * quoted; every value travels in a parameter.
 */
#include "sink/sink.h"
#include "exec/exec.h"
#include "sink/ddl.h"
#include "util/array.h"

#include <string.h>

/* SET list: every state column combined from tbl's value and in's. */
static void put_combine(const sl_view_plan_t *p, const char *in, sl_buf_t *sql)
{
    sl_buf_t col = SL_BUF_INIT;
    for (int i = 0; i < p->naggs; i++) {
        for (int j = 0; j < p->aggs[i].nstate; j++) {
            if (i > 0 || j > 0)
                sl_buf_puts(sql, ", ");
            sl_buf_reset(&col);
            sl_agg_state_colname(&p->aggs[i], i + 1, j, &col);
            sl_buf_put_ident(sql, sl_buf_cstr(&col));
            sl_buf_puts(sql, " = ");
            sl_agg_combine_sql(&p->aggs[i], i + 1, j, "t", in, sql);
        }
    }
    sl_buf_free(&col);
}

/* a."k1" = b."k1" AND ...: equal non-NULL group keys. */
static void put_key_match(const sl_view_plan_t *p, const char *a, const char *b, sl_buf_t *sql)
{
    for (int g = 0; g < p->ngroup; g++) {
        sl_buf_printf(sql, "%s%s.", g ? " AND " : "", a);
        sl_buf_put_ident(sql, p->group[g].colname);
        sl_buf_printf(sql, " = %s.", b);
        sl_buf_put_ident(sql, p->group[g].colname);
    }
}

/* SELECT * FROM unnest($1::t1[], $2::t2[], ...): one array parameter per
 * group key, then (with_states) per state column.  An array-typed key
 * travels as text[] of its array literals and is cast back by name:
 * SELECT c1, c2::bigint[], ... FROM unnest(...) AS x(c1, c2, ...). */
static bool has_array_key(const sl_view_plan_t *p)
{
    for (int g = 0; g < p->ngroup; g++)
        if (sl_type_is_array(p->group[g].type))
            return true;
    return false;
}

/* Type and typmod of unnest column c: the group keys, then (with_states)
 * every aggregate's state columns. */
static sl_type_t col_type(const sl_view_plan_t *p, int c, int *typmod)
{
    *typmod = -1;
    if (c < p->ngroup) {
        *typmod = p->group[c].typmod;
        return p->group[c].type;
    }
    c -= p->ngroup;
    for (int i = 0; i < p->naggs; c -= p->aggs[i].nstate, i++)
        if (c < p->aggs[i].nstate)
            return p->aggs[i].state_type[c];
    return SL_T_UNKNOWN;
}

static void put_unnest(const sl_view_plan_t *p, bool with_states, sl_buf_t *sql)
{
    char tbuf[64];
    int ncols = p->ngroup, tm;
    for (int i = 0; with_states && i < p->naggs; i++)
        ncols += p->aggs[i].nstate;
    bool arrays = false;
    for (int c = 0; c < ncols; c++)
        arrays |= sl_type_is_array(col_type(p, c, &tm));
    if (arrays) {
        sl_buf_puts(sql, "SELECT ");
        for (int c = 0; c < ncols; c++) {
            sl_type_t t = col_type(p, c, &tm);
            sl_buf_printf(sql, "%sc%d", c > 0 ? ", " : "", c + 1);
            if (sl_type_is_array(t))
                sl_buf_printf(sql, "::%s", sl_type_sql(t, tm, tbuf, sizeof(tbuf)));
        }
        sl_buf_puts(sql, " FROM unnest(");
    } else {
        sl_buf_puts(sql, "SELECT * FROM unnest(");
    }
    for (int c = 0; c < ncols; c++) {
        sl_type_t t = col_type(p, c, &tm);
        if (sl_type_is_array(t) || t == SL_T_UNKNOWN)
            t = SL_T_TEXT;
        if (c < p->ngroup)
            sl_buf_printf(sql, "%s$%d::%s[]", c > 0 ? ", " : "", c + 1,
                          sl_type_sql(t, -1, tbuf, sizeof(tbuf)));
        else
            sl_buf_printf(sql, "%s$%d::%s[]", c > 0 ? ", " : "", c + 1, sl_type_name(t));
    }
    sl_buf_putc(sql, ')');
    if (arrays) {
        for (int c = 0; c < ncols; c++)
            sl_buf_printf(sql, "%sc%d", c > 0 ? ", " : " AS x(", c + 1);
        sl_buf_putc(sql, ')');
    }
}

/* A transform: the delta's rows appended to the table. */
static void put_append(const sl_view_t *v, sl_buf_t *sql)
{
    sl_buf_puts(sql, "INSERT INTO \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " (");
    sl_ddl_state_columns(v->plan, 0, false, sql);
    sl_buf_puts(sql, ") ");
    put_unnest(v->plan, false, sql);
}

/* GROUP BY without aggregates: the groups not yet in the table inserted,
 * in key order (as the upsert does, so concurrent flushes cannot
 * deadlock). */
static void put_insert_groups(const sl_view_t *v, sl_buf_t *sql)
{
    const sl_view_plan_t *p = v->plan;
    sl_buf_puts(sql, "INSERT INTO \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " (");
    sl_ddl_state_columns(p, 0, false, sql);
    sl_buf_puts(sql, has_array_key(p) ? ") SELECT * FROM (" : ") ");
    put_unnest(p, false, sql);
    sl_buf_puts(sql, has_array_key(p) ? ") AS u" : " AS u");
    for (int g = 0; g < p->ngroup; g++)
        sl_buf_printf(sql, "%s%d", g ? ", " : " ORDER BY ", g + 1);
    sl_buf_puts(sql, " ON CONFLICT DO NOTHING");
}

void sl_upsert_sql(const sl_view_t *v, sl_buf_t *sql)
{
    const sl_view_plan_t *p = v->plan;

    if (p->transform) {
        put_append(v, sql);
        return;
    }
    if (p->naggs == 0 && p->ngroup > 0) {
        put_insert_groups(v, sql);
        return;
    }

    sl_buf_puts(sql, "WITH u (");
    sl_ddl_state_columns(p, 0, false, sql);
    sl_buf_puts(sql, ") AS (");
    put_unnest(p, true, sql);

    /* w: the groups updated in place. */
    sl_buf_puts(sql, "), w AS (UPDATE \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " AS t SET ");
    put_combine(p, "u", sql);
    sl_buf_puts(sql, " FROM u");
    if (p->ngroup > 0) {
        sl_buf_puts(sql, " WHERE ");
        put_key_match(p, "t", "u", sql);
        sl_buf_puts(sql, " RETURNING ");
        for (int g = 0; g < p->ngroup; g++) {
            sl_buf_printf(sql, "%st.", g ? ", " : "");
            sl_buf_put_ident(sql, p->group[g].colname);
        }
    } else {
        sl_buf_puts(sql, " RETURNING 1");
    }

    /* The others: upserted. */
    sl_buf_puts(sql, ") INSERT INTO \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " AS t (");
    sl_ddl_state_columns(p, 0, false, sql);
    sl_buf_puts(sql, ") SELECT * FROM u WHERE NOT EXISTS (SELECT 1 FROM w");
    if (p->ngroup > 0) {
        sl_buf_puts(sql, " WHERE ");
        put_key_match(p, "w", "u", sql);
    }
    sl_buf_putc(sql, ')');
    /* Rows in key order: every sluiced inserts a view's new groups in the
     * same order, so concurrent flushes wait instead of deadlocking. */
    for (int g = 0; g < p->ngroup; g++)
        sl_buf_printf(sql, "%s%d", g ? ", " : " ORDER BY ", g + 1);
    sl_buf_puts(sql, " ON CONFLICT (");
    if (p->ngroup == 0)
        sl_buf_puts(sql, "\"_one\"");
    for (int g = 0; g < p->ngroup; g++) {
        if (g > 0)
            sl_buf_puts(sql, ", ");
        sl_buf_put_ident(sql, p->group[g].colname);
    }
    sl_buf_puts(sql, ") DO UPDATE SET ");
    put_combine(p, "EXCLUDED", sql);
}

void sl_upsert_params(const void *delta_p, sl_buf_t *params, int nparams)
{
    const sl_delta_t *d = delta_p;
    int ng = sl_delta_ngroups(d);
    sl_buf_t val = SL_BUF_INIT;

    for (int c = 0; c < nparams; c++) {
        sl_buf_t *b = &params[c];
        sl_buf_putc(b, '{');
        for (int g = 0; g < ng; g++) {
            if (g > 0)
                sl_buf_putc(b, ',');
            sl_buf_reset(&val);
            if (sl_delta_value(d, g, c, &val))
                sl_buf_put_array_elem(b, sl_buf_cstr(&val), val.len);
            else
                sl_buf_puts(b, "NULL");
        }
        sl_buf_putc(b, '}');
    }
    sl_buf_free(&val);
}

void sl_upsert_rename_sql(const sl_view_t *v, sl_buf_t *sql)
{
    const sl_view_plan_t *p = v->plan;
    char tbuf[64];
    sl_buf_puts(sql, "WITH d AS (DELETE FROM \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " WHERE ");
    for (int g = 0; g < p->ngroup; g++) {
        sl_type_t t = p->group[g].type == SL_T_UNKNOWN ? SL_T_TEXT : p->group[g].type;
        if (g > 0)
            sl_buf_puts(sql, " AND ");
        sl_buf_put_ident(sql, p->group[g].colname);
        sl_buf_printf(sql, " IS NOT DISTINCT FROM $%d::%s", g + 1,
                      sl_type_sql(t, -1, tbuf, sizeof(tbuf)));
    }
    sl_buf_puts(sql, " RETURNING *) INSERT INTO \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " AS t (");
    sl_ddl_state_columns(p, 0, false, sql);
    sl_buf_puts(sql, ") SELECT ");
    for (int g = 0; g < p->ngroup; g++) {
        if (g > 0)
            sl_buf_puts(sql, ", ");
        if (g == p->window_key)
            sl_buf_printf(sql, "$%d::%s", p->ngroup + 1,
                          sl_type_sql(p->group[g].type, -1, tbuf, sizeof(tbuf)));
        else
            sl_buf_put_ident(sql, p->group[g].colname);
    }
    sl_buf_t col = SL_BUF_INIT;
    for (int i = 0; i < p->naggs; i++)
        for (int j = 0; j < p->aggs[i].nstate; j++) {
            sl_buf_reset(&col);
            sl_agg_state_colname(&p->aggs[i], i + 1, j, &col);
            sl_buf_puts(sql, ", ");
            sl_buf_put_ident(sql, sl_buf_cstr(&col));
        }
    sl_buf_free(&col);
    sl_buf_puts(sql, " FROM d ON CONFLICT (");
    for (int g = 0; g < p->ngroup; g++) {
        if (g > 0)
            sl_buf_puts(sql, ", ");
        sl_buf_put_ident(sql, p->group[g].colname);
    }
    sl_buf_puts(sql, ") DO UPDATE SET ");
    put_combine(p, "EXCLUDED", sql);
}
