/*
 * explain.c: EXPLAIN CONTINUOUS VIEW, a view's plan as text lines (sql.h).
 *
 * The operator tree of plan.h, drawn as PostgreSQL's EXPLAIN draws one
 * (root first, "->" before each input, details indented under their node):
 *
 *   Upsert on sluice_mrel."v"  |  Append on sluice_mrel."v" (transform)
 *     Finalizing View, Output (final SQL per column), Having, Active
 *     ->  HashAggregate        |  ->  Project
 *           Group Key, Aggregate (with its state columns and types)
 *           ->  Filter (WHERE as SQL, when there is one)
 *                 ->  Stream Scan on s
 *
 * Expressions over the stream are written by sl__deparse (deparse.c).
 */
#include "sql/analyze_int.h"

#include <stdio.h>
#include <string.h>

typedef struct lines {
    sl_arena_t *a;
    int n, cap;
    char **v;
} lines_t;

static void add(lines_t *l, int indent, sl_buf_t *b)
{
    if (l->n == l->cap) {
        int ncap = l->cap ? 2 * l->cap : 16;
        l->v = sl_realloc(l->a, l->v, sizeof(char *) * (size_t)l->cap,
                          sizeof(char *) * (size_t)ncap);
        l->cap = ncap;
    }
    l->v[l->n++] = sl_sprintf(l->a, "%*s%s", indent, "", sl_buf_cstr(b));
    sl_buf_reset(b);
}

/* One aggregate call as written, then its state columns and their types. */
static void put_agg(const sl_view_plan_t *p, int i, sl_buf_t *b)
{
    const sl_aggref_t *r = &p->aggs[i];
    char tbuf[64];
    sl_buf_printf(b, "%s(", r->fname ? r->fname : sl_agg_name(r->kind));
    if (r->kind == SL_AGG_COUNT_STAR) {
        sl_buf_putc(b, '*');
    } else {
        if (r->distinct)
            sl_buf_puts(b, "DISTINCT ");
        if (r->arg)
            sl__deparse(p, r->arg, b);
        if (r->arg2) {
            sl_buf_puts(b, ", ");
            sl__deparse(p, r->arg2, b);
        }
        if (r->delim_sql)
            sl_buf_printf(b, ", %s", r->delim_sql);
        if (r->order && r->arg) {
            sl_buf_puts(b, " ORDER BY ");
            sl__deparse(p, r->arg, b);
            if (r->order < 0)
                sl_buf_puts(b, " DESC");
        }
    }
    sl_buf_putc(b, ')');
    if (r->filter) {
        sl_buf_puts(b, " FILTER (WHERE ");
        sl__deparse(p, r->filter, b);
        sl_buf_putc(b, ')');
    }
    sl_buf_puts(b, "  state: ");
    for (int j = 0; j < r->nstate; j++) {
        if (j > 0)
            sl_buf_puts(b, ", ");
        sl_agg_state_colname(r, i + 1, j, b);
        sl_buf_printf(b, " %s", sl_type_sql(r->state_type[j], -1, tbuf, sizeof(tbuf)));
    }
}

/* An interval option as written: '5 minutes' (its SQL without the cast). */
static void put_interval_sql(const char *sql, sl_buf_t *b)
{
    const char *cast = strstr(sql, "::interval");
    sl_buf_append(b, sql, cast ? (size_t)(cast - sql) : strlen(sql));
}

/* Microseconds as PostgreSQL prints an interval of them: 1 day 00:00:15.5 */
static void put_us(int64_t us, sl_buf_t *b)
{
    int64_t days = us / 86400000000LL, rest = us % 86400000000LL;
    if (days)
        sl_buf_printf(b, "%lld day%s ", (long long)days, days == 1 ? "" : "s");
    sl_buf_printf(b, "%02lld:%02lld:%02lld", (long long)(rest / 3600000000LL),
                  (long long)(rest / 60000000 % 60), (long long)(rest / 1000000 % 60));
    if (rest % 1000000) {
        char frac[8];
        snprintf(frac, sizeof(frac), "%06lld", (long long)(rest % 1000000));
        for (int i = 5; i > 0 && frac[i] == '0'; i--)
            frac[i] = 0;
        sl_buf_printf(b, ".%s", frac);
    }
}

int sl_explain_view(const sl_view_t *v, sl_arena_t *a, char ***out)
{
    const sl_view_plan_t *p = v->plan;
    lines_t l = {.a = a};
    sl_buf_t b = SL_BUF_INIT;
    char tbuf[64];
    int d = 2;

    sl_buf_puts(&b, p->transform ? "Append on sluice_mrel." : "Upsert on sluice_mrel.");
    sl_buf_put_ident(&b, v->name);
    if (p->transform)
        sl_buf_puts(&b, "  (continuous transform)");
    add(&l, 0, &b);
    sl_buf_puts(&b, "Finalizing View: ");
    sl_buf_put_ident(&b, v->schema ? v->schema : "public");
    sl_buf_putc(&b, '.');
    sl_buf_put_ident(&b, v->name);
    add(&l, d, &b);
    for (int i = 0; i < p->nout; i++) {
        sl_buf_printf(&b, "%s ", i == 0 ? "Output:" : "       ");
        sl_buf_put_ident(&b, p->out[i].name);
        sl_buf_printf(&b, " %s := %s", sl_type_sql(p->out[i].type, -1, tbuf, sizeof(tbuf)),
                      p->out[i].sql);
        add(&l, d, &b);
    }
    if (p->having_sql) {
        sl_buf_printf(&b, "Having: %s", p->having_sql);
        add(&l, d, &b);
    }
    sl_buf_printf(&b, "Active: %s", v->inactive ? "false" : "true");
    add(&l, d, &b);
    if (p->time.sw_us > 0) {
        sl_buf_puts(&b, "Sliding Window: ");
        put_interval_sql(p->time.sw_sql, &b);
        sl_buf_puts(&b, " of arrival time, step ");
        put_us(p->time.step_us, &b);
        sl_buf_printf(&b, " (step_factor %d) in \"_step\" timestamptz", p->time.step_factor);
        add(&l, d, &b);
    }
    if (p->time.ttl_us > 0) {
        sl_buf_puts(&b, "TTL: ");
        put_interval_sql(p->time.ttl_sql, &b);
        sl_buf_puts(&b, " on ");
        sl_buf_put_ident(&b, p->time.ttl_column);
        add(&l, d, &b);
    }

    sl_buf_puts(&b, p->transform ? "->  Project" : "->  HashAggregate");
    add(&l, d, &b);
    d += 6;
    int nkeys = p->ngroup - (p->time.sw_us > 0);   /* not the arrival step */
    for (int g = 0; g < nkeys; g++) {
        sl_buf_puts(&b, g == 0 ? (p->transform ? "Columns: " : "Group Key: ")
                               : (p->transform ? "         " : "           "));
        sl__deparse(p, p->group[g].expr, &b);
        sl_buf_puts(&b, " AS ");
        sl_buf_put_ident(&b, p->group[g].colname);
        sl_buf_printf(&b, " %s",
                      sl_type_sql(p->group[g].type, p->group[g].typmod, tbuf, sizeof(tbuf)));
        add(&l, d, &b);
    }
    for (int i = 0; i < p->naggs; i++) {
        sl_buf_puts(&b, "Aggregate: ");
        put_agg(p, i, &b);
        add(&l, d, &b);
    }
    if (p->where) {
        sl_buf_puts(&b, "->  Filter");
        add(&l, d, &b);
        d += 6;
        sl_buf_puts(&b, "Filter: ");
        sl__deparse(p, p->where, &b);
        add(&l, d, &b);
    }
    sl_buf_puts(&b, "->  Stream Scan on ");
    sl_buf_put_ident(&b, p->stream->name);
    add(&l, d, &b);
    sl_buf_free(&b);
    *out = l.v;
    return l.n;
}
