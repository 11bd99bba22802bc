/*
 * ddl.c: DDL and catalog rows for streams and views; see ddl.h.
 *
 * A view v is the state table sluice_mrel."v" (group keys unique with NULLS
 * NOT DISTINCT, as GROUP BY treats NULLs as one group) and the finalizing
 * view "<schema>"."v" that computes final values (plan.h); a transform's
 * table is append-only, with neither unique key nor fill factor.
 */
#include "sink/ddl.h"

#include <string.h>

/* The stream's relation: an empty view with its columns, whose owner and
 * privileges are the stream's (sql/catalog.sql). */
static void put_stream_rel(const sl_stream_t *s, sl_buf_t *sql)
{
    sl_buf_puts(sql, "\"sluice_stream\".");
    sl_buf_put_ident(sql, s->name);
}

static void stream_relation(const sl_stream_t *s, bool replace, sl_buf_t *sql)
{
    char tbuf[64];
    sl_buf_puts(sql, replace ? "CREATE OR REPLACE VIEW " : "CREATE VIEW ");
    put_stream_rel(s, sql);
    sl_buf_puts(sql, " AS SELECT ");
    for (int c = 0; c < s->ncols; c++) {
        sl_buf_puts(sql, c ? ", NULL::" : "NULL::");
        sl_buf_puts(sql, sl_type_sql(s->cols[c].type, s->cols[c].typmod, tbuf, sizeof(tbuf)));
        sl_buf_puts(sql, " AS ");
        sl_buf_put_ident(sql, s->cols[c].name);
    }
    sl_buf_puts(sql, " WHERE false;");
}

void sl_ddl_stream_relation(const sl_stream_t *s, sl_buf_t *sql)
{
    stream_relation(s, false, sql);
}

void sl_ddl_alter_stream(const sl_stream_t *s, sl_buf_t *sql)
{
    /* CREATE OR REPLACE VIEW may add columns at the end; owner and grants stay */
    stream_relation(s, true, sql);
    sl_buf_puts(sql, "\nUPDATE sluice.streams SET sql = ");
    sl_buf_put_literal(sql, s->sql, strlen(s->sql));
    sl_buf_puts(sql, " WHERE name = ");
    sl_buf_put_literal(sql, s->name, strlen(s->name));
    sl_buf_puts(sql, ";");
}

void sl_ddl_activate_view(const sl_view_t *v, bool active, sl_buf_t *sql)
{
    sl_buf_printf(sql, "UPDATE sluice.views SET active = %s WHERE name = ",
                  active ? "true" : "false");
    sl_buf_put_literal(sql, v->name, strlen(v->name));
    sl_buf_puts(sql, ";");
}

void sl_ddl_create_stream(const sl_stream_t *s, sl_buf_t *sql)
{
    sl_ddl_stream_relation(s, sql);
    sl_buf_puts(sql, "\nINSERT INTO sluice.streams (name, sql) VALUES (");
    sl_buf_put_literal(sql, s->name, strlen(s->name));
    sl_buf_puts(sql, ", ");
    sl_buf_put_literal(sql, s->sql, strlen(s->sql));
    sl_buf_puts(sql, ");");
}

void sl_ddl_drop_stream(const sl_stream_t *s, sl_buf_t *sql)
{
    /* The row first: who may delete it is read off the relation. */
    sl_buf_puts(sql, "DELETE FROM sluice.streams WHERE name = ");
    sl_buf_put_literal(sql, s->name, strlen(s->name));
    sl_buf_puts(sql, ";\nDELETE FROM sluice.watermarks WHERE stream = ");
    sl_buf_put_literal(sql, s->name, strlen(s->name));
    sl_buf_puts(sql, ";\nDROP VIEW IF EXISTS ");
    put_stream_rel(s, sql);
    sl_buf_puts(sql, ";");
}

static void put_view_ident(const sl_view_t *v, sl_buf_t *sql)
{
    sl_buf_put_ident(sql, v->schema ? v->schema : "public");
    sl_buf_putc(sql, '.');
    sl_buf_put_ident(sql, v->name);
}

int sl_ddl_state_columns(const sl_view_plan_t *p, int ncol, bool with_types, sl_buf_t *sql)
{
    sl_buf_t col = SL_BUF_INIT;
    char tbuf[64];
    for (int g = 0; g < p->ngroup; g++, ncol++) {
        if (ncol > 0)
            sl_buf_puts(sql, ", ");
        sl_buf_put_ident(sql, p->group[g].colname);
        if (with_types)
            sl_buf_printf(sql, " %s", sl_type_sql(p->group[g].type, p->group[g].typmod,
                                                   tbuf, sizeof(tbuf)));
    }
    for (int i = 0; i < p->naggs; i++) {
        for (int j = 0; j < p->aggs[i].nstate; j++, ncol++) {
            if (ncol > 0)
                sl_buf_puts(sql, ", ");
            sl_buf_reset(&col);
            sl_agg_state_colname(&p->aggs[i], i + 1, j, &col);
            sl_buf_put_ident(sql, sl_buf_cstr(&col));
            if (with_types)
                sl_buf_printf(sql, " %s", sl_type_name(p->aggs[i].state_type[j]));
        }
    }
    sl_buf_free(&col);
    return ncol;
}

static void put_mrel(const sl_view_t *v, sl_buf_t *sql)
{
    sl_buf_puts(sql, "\"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
}

/* The FROM of a sliding window's finalizing view (plan.h): the output
 * columns over the states of each group combined across the steps still
 * in the window,
 *
 *   SELECT out... FROM (SELECT "k", sum("_a1")::bigint AS "_a1", ...
 *     FROM sluice_mrel."v" WHERE "_step" > now() - '5 minutes'::interval
 *     GROUP BY "k") AS t [WHERE having]
 *
 * (no GROUP BY for a global aggregate: always one row); a transform's rows
 * are filtered alone. */
static void put_window_from(const sl_view_t *v, sl_buf_t *sql)
{
    const sl_view_plan_t *p = v->plan;
    int nkeys = p->ngroup - 1;      /* the last key is the step */
    sl_buf_t col = SL_BUF_INIT;

    if (p->transform) {
        sl_buf_puts(sql, " FROM ");
        put_mrel(v, sql);
        sl_buf_printf(sql, " AS t WHERE \"_step\" > now() - %s", p->time.sw_sql);
        return;
    }
    sl_buf_puts(sql, " FROM (SELECT ");
    int n = 0;
    for (int g = 0; g < nkeys; g++, n++) {
        sl_buf_puts(sql, n ? ", " : "");
        sl_buf_put_ident(sql, p->group[g].colname);
    }
    for (int i = 0; i < p->naggs; i++)
        for (int j = 0; j < p->aggs[i].nstate; j++, n++) {
            sl_buf_puts(sql, n ? ", " : "");
            sl_agg_window_sql(&p->aggs[i], i + 1, j, sql);
            sl_buf_reset(&col);
            sl_agg_state_colname(&p->aggs[i], i + 1, j, &col);
            sl_buf_puts(sql, " AS ");
            sl_buf_put_ident(sql, sl_buf_cstr(&col));
        }
    if (n == 0)
        sl_buf_puts(sql, "1");
    sl_buf_puts(sql, " FROM ");
    put_mrel(v, sql);
    sl_buf_printf(sql, " WHERE \"_step\" > now() - %s", p->time.sw_sql);
    for (int g = 0; g < nkeys; g++) {
        sl_buf_puts(sql, g ? ", " : " GROUP BY ");
        sl_buf_put_ident(sql, p->group[g].colname);
    }
    sl_buf_puts(sql, ") AS t");
    sl_buf_free(&col);
}

/* Indexes the background deletes use (server/expire.c): the arrival step
 * of a sliding window, a TTL's column when it is one of the table's. */
static void put_time_indexes(const sl_view_t *v, sl_buf_t *sql)
{
    const char *col = v->plan->time.sw_us > 0 ? "_step" : v->plan->time.ttl_index;
    if (col == NULL)
        return;
    sl_buf_puts(sql, ";\nCREATE INDEX ON ");
    if (v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE) {
        /* a TTL deletes closed windows (server/expire.c) */
        sl_buf_puts(sql, "\"sluice_closed\".");
        sl_buf_put_ident(sql, v->name);
    } else {
        put_mrel(v, sql);
    }
    sl_buf_puts(sql, " (");
    sl_buf_put_ident(sql, col);
    sl_buf_putc(sql, ')');
}

void sl_ddl_create_view(const sl_view_t *v, sl_buf_t *sql)
{
    const sl_view_plan_t *p = v->plan;
    int ncol = 0;

    sl_buf_puts(sql, "CREATE TABLE \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    sl_buf_puts(sql, " (");
    if (p->ngroup == 0) {
        sl_buf_puts(sql, "\"_one\" boolean NOT NULL DEFAULT true UNIQUE");
        ncol++;
    }
    ncol = sl_ddl_state_columns(p, ncol, true, sql);
    if (p->ngroup > 0 && !p->transform) {
        sl_buf_puts(sql, ", UNIQUE NULLS NOT DISTINCT (");
        for (int g = 0; g < p->ngroup; g++) {
            if (g > 0)
                sl_buf_puts(sql, ", ");
            sl_buf_put_ident(sql, p->group[g].colname);
        }
        sl_buf_puts(sql, ")");
    }
    /* Every flush updates its groups' rows in place: half-empty pages let
     * PostgreSQL make those HOT updates (no new index entries), which keeps
     * a 1000-group flush at a few milliseconds as the table churns. */
    sl_buf_puts(sql, p->transform ? ");\n"   /* append-only: a plain table */
                                  : ") WITH (fillfactor = 50, "
                                    "autovacuum_vacuum_scale_factor = 0.05);\n");
    bool closed = p->emit == SL_EMIT_ON_WINDOW_CLOSE;
    if (closed) {
        /* closed windows' rows, moved there by the flush (sink.c) */
        sl_buf_puts(sql, "CREATE TABLE \"sluice_closed\".");
        sl_buf_put_ident(sql, v->name);
        sl_buf_puts(sql, " (LIKE \"sluice_mrel\".");
        sl_buf_put_ident(sql, v->name);
        sl_buf_puts(sql, ");\n");
    }
    sl_buf_puts(sql, "CREATE VIEW ");
    put_view_ident(v, sql);
    sl_buf_puts(sql, " AS SELECT ");
    for (int o = 0; o < p->nout; o++) {
        if (o > 0)
            sl_buf_puts(sql, ", ");
        sl_buf_puts(sql, p->out[o].sql);
        sl_buf_puts(sql, " AS ");
        sl_buf_put_ident(sql, p->out[o].name);
    }
    if (p->time.sw_us > 0) {
        put_window_from(v, sql);
    } else if (p->ngroup == 0) {
        /* A global aggregate has one row even before the first event. */
        sl_buf_puts(sql, " FROM (SELECT) AS \"_empty\" LEFT JOIN \"sluice_mrel\".");
        sl_buf_put_ident(sql, v->name);
        sl_buf_puts(sql, " AS t ON true");
    } else {
        sl_buf_puts(sql, closed ? " FROM \"sluice_closed\"." : " FROM \"sluice_mrel\".");
        sl_buf_put_ident(sql, v->name);
        sl_buf_puts(sql, " AS t");
    }
    if (p->having_sql) {
        sl_buf_puts(sql, " WHERE ");
        sl_buf_puts(sql, p->having_sql);
    }
    put_time_indexes(v, sql);
    /* The state table is the creating role's; sluiced's own connection,
     * which flushes into it, is the role owning the catalog schema. */
    sl_buf_puts(sql, ";\nDO $sl$ BEGIN EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE "
                     "ON \"sluice_mrel\".%I TO %I', ");
    sl_buf_put_literal(sql, v->name, strlen(v->name));
    sl_buf_puts(sql, ", (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = "
                     "n.nspowner WHERE n.nspname = 'sluice')); END $sl$");
    if (closed) {
        sl_buf_printf(sql, ";\nDO $sl$ BEGIN EXECUTE format('GRANT SELECT, INSERT%s ON "
                           "\"sluice_closed\".%%I TO %%I', ",
                      p->time.ttl_us > 0 ? ", DELETE" : "");
        sl_buf_put_literal(sql, v->name, strlen(v->name));
        sl_buf_puts(sql, ", (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = "
                         "n.nspowner WHERE n.nspname = 'sluice')); END $sl$");
    }
    sl_buf_puts(sql, ";\nINSERT INTO sluice.views (name, schema_name, stream, sql) VALUES (");
    sl_buf_put_literal(sql, v->name, strlen(v->name));
    sl_buf_puts(sql, ", ");
    const char *schema = v->schema ? v->schema : "public";
    sl_buf_put_literal(sql, schema, strlen(schema));
    sl_buf_puts(sql, ", ");
    sl_buf_put_literal(sql, v->stream->name, strlen(v->stream->name));
    sl_buf_puts(sql, ", ");
    sl_buf_put_literal(sql, v->sql, strlen(v->sql));
    sl_buf_puts(sql, ");");     /* its view_stats row follows (a trigger) */
}

void sl_ddl_drop_view(const sl_view_t *v, sl_buf_t *sql)
{
    /* The row first: who may delete it is read off the relations. */
    sl_buf_puts(sql, "DELETE FROM sluice.views WHERE name = ");
    sl_buf_put_literal(sql, v->name, strlen(v->name));
    sl_buf_puts(sql, ";\nDROP VIEW IF EXISTS ");
    put_view_ident(v, sql);
    sl_buf_puts(sql, ";\nDROP TABLE IF EXISTS \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    if (v->plan && v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE) {
        sl_buf_puts(sql, ";\nDROP TABLE IF EXISTS \"sluice_closed\".");
        sl_buf_put_ident(sql, v->name);
    }
    sl_buf_puts(sql, ";");
}

void sl_ddl_truncate_view(const sl_view_t *v, sl_buf_t *sql)
{
    sl_buf_puts(sql, "TRUNCATE \"sluice_mrel\".");
    sl_buf_put_ident(sql, v->name);
    if (v->plan && v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE) {
        sl_buf_puts(sql, ", \"sluice_closed\".");
        sl_buf_put_ident(sql, v->name);
    }
    sl_buf_puts(sql, ";");
}
