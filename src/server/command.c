/*
 * command.c: carrying out Sluice's own statements for a pgwire client.
 *
 * sl_command_prepare analyzes a statement against the in-memory catalog and
 * says what the pgwire layer must do (server.h sl_command_t): the DDL and
 * catalog rows to run on the client's backend connection, and a done
 * callback that applies the change to the in-memory catalog once that
 * transaction has committed (or throws the prepared objects away).
 */
#include "server/server.h"
#include "exec/exec.h"
#include "sink/ddl.h"
#include "server/reconcile.h"
#include "sink/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pending_ddl {
    sl_server_t *srv;
    sl_stmt_kind_t kind;
    sl_stream_t *stream;    /* CREATE STREAM: new; DROP STREAM: target */
    sl_view_t *view;        /* CREATE VIEW: new; DROP VIEW: target */
} pending_ddl_t;

static void set_rows(sl_command_t *cmd, sl_arena_t *a, int ncols,
                     const char **names, int nrows)
{
    cmd->ncols = ncols;
    cmd->colnames = sl_alloc(a, sizeof(char *) * (size_t)ncols);
    cmd->coltypes = sl_alloc(a, sizeof(sl_type_t) * (size_t)ncols);
    for (int c = 0; c < ncols; c++) {
        cmd->colnames[c] = names[c];
        cmd->coltypes[c] = SL_T_TEXT;
    }
    cmd->nrows = nrows;
    cmd->cells = sl_alloc0(a, sizeof(char *) * (size_t)(nrows * ncols + 1));
}

static char *stream_columns_text(const sl_stream_t *s, sl_arena_t *a)
{
    sl_buf_t b = SL_BUF_INIT;
    char tbuf[64];
    for (int c = 0; c < s->ncols; c++)
        sl_buf_printf(&b, "%s%s %s", c ? ", " : "", s->cols[c].name,
                      sl_type_sql(s->cols[c].type, s->cols[c].typmod, tbuf, sizeof(tbuf)));
    char *r = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

static int show_streams(sl_server_t *srv, sl_arena_t *a, sl_command_t *cmd)
{
    static const char *names[] = {"name", "columns", "views"};
    sl_catalog_t *cat = &srv->catalog;
    set_rows(cmd, a, 3, names, cat->nstreams);
    for (int i = 0; i < cat->nstreams; i++) {
        sl_stream_t *s = cat->streams[i];
        cmd->cells[i * 3] = s->name;
        cmd->cells[i * 3 + 1] = stream_columns_text(s, a);
        cmd->cells[i * 3 + 2] = sl_sprintf(a, "%d", s->nviews);
    }
    cmd->tag = sl_sprintf(a, "SHOW");
    return SL_OK;
}

static int show_views(sl_server_t *srv, sl_arena_t *a, sl_command_t *cmd)
{
    static const char *names[] = {"name", "stream", "relation", "query"};
    sl_catalog_t *cat = &srv->catalog;
    set_rows(cmd, a, 4, names, cat->nviews);
    for (int i = 0; i < cat->nviews; i++) {
        sl_view_t *v = cat->views[i];
        cmd->cells[i * 4] = v->name;
        cmd->cells[i * 4 + 1] = v->stream->name;
        cmd->cells[i * 4 + 2] = sl_sprintf(a, "%s.%s", v->schema ? v->schema : "public", v->name);
        cmd->cells[i * 4 + 3] = v->sql;
    }
    cmd->tag = "SHOW";
    return SL_OK;
}

static int show_setting(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                        sl_command_t *cmd, sl_error_t *err)
{
    const char *value;
    if (strcmp(stmt->name, "http_address") == 0)
        value = srv->http_address ? srv->http_address : "";
    else if (strcmp(stmt->name, "sluice_version") == 0)
        value = PACKAGE_VERSION;
    else
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, stmt->name_location,
                            "unrecognized configuration parameter \"%s\"", stmt->name);
    const char *names[1] = {stmt->name};
    set_rows(cmd, a, 1, names, 1);
    cmd->cells[0] = sl_strdup(a, value);
    cmd->tag = "SHOW";
    return SL_OK;
}

/* Whether s is still one of the catalog's streams (compared by address:
 * after a late answer it may have been dropped and freed meanwhile). */
static bool stream_in_catalog(const sl_catalog_t *cat, const sl_stream_t *s)
{
    for (int i = 0; i < cat->nstreams; i++)
        if (cat->streams[i] == s)
            return true;
    return false;
}

static void apply_ddl(pending_ddl_t *p, bool ok)
{
    sl_catalog_t *cat = &p->srv->catalog;
    switch (p->kind) {
    case SL_STMT_CREATE_STREAM:
        if (ok && sl_catalog_stream(cat, p->stream->name) == NULL)
            sl_catalog_add_stream(cat, p->stream);
        else
            sl_catalog_drop_stream(cat, p->stream);  /* never added: frees */
        break;
    case SL_STMT_CREATE_VIEW:
        if (ok && sl_catalog_view(cat, p->view->name) == NULL &&
            stream_in_catalog(cat, p->view->stream)) {
            p->view->exec = sl_exec_new(p->view->plan);
            sl_catalog_add_view(cat, p->view);
        } else {
            sl_arena_free(p->view->arena);
        }
        break;
    case SL_STMT_DROP_VIEW:
        if (ok && sl_catalog_view(cat, p->view->name) == p->view) {
            if (p->srv->sink)
                sl_sink_forget_view(p->srv->sink, p->view);
            sl_catalog_drop_view(cat, p->view, sl_exec_free);
        }
        break;
    case SL_STMT_DROP_STREAM:
        if (ok && sl_catalog_stream(cat, p->stream->name) == p->stream) {
            while (p->stream->nviews > 0) {
                sl_view_t *v = p->stream->views[p->stream->nviews - 1];
                if (p->srv->sink)
                    sl_sink_forget_view(p->srv->sink, v);
                sl_catalog_drop_view(cat, v, sl_exec_free);
            }
            sl_catalog_drop_stream(cat, p->stream);
        }
        break;
    default:
        break;
    }
}

/* The lookup after a lost answer (reconcile.h): a CREATE committed if its
 * catalog row exists, a DROP if its row is gone. */
static void reconciled(void *arg, int exists)
{
    pending_ddl_t *p = arg;
    bool create = p->kind == SL_STMT_CREATE_STREAM || p->kind == SL_STMT_CREATE_VIEW;
    const char *name = p->view ? p->view->name : p->stream->name;
    bool ok = exists >= 0 && (create ? exists == 1 : exists == 0);
    if (exists >= 0)
        sl_log_info("the lost %s of \"%s\" %s", create ? "CREATE" : "DROP", name,
                    ok ? "had committed: applied" : "had not committed");
    apply_ddl(p, ok);
    free(p);
}

static void done_ddl(void *arg, sl_ddl_outcome_t outcome)
{
    pending_ddl_t *p = arg;
    if (outcome != SL_DDL_UNKNOWN) {
        apply_ddl(p, outcome == SL_DDL_COMMITTED);
        return;
    }
    /* p lives in the client's query arena, which goes with the client */
    pending_ddl_t *copy = sl_xmalloc(sizeof(*copy));
    *copy = *p;
    bool is_view = p->kind == SL_STMT_CREATE_VIEW || p->kind == SL_STMT_DROP_VIEW;
    sl_reconcile_lookup(p->srv, is_view ? "views" : "streams",
                        is_view ? p->view->name : p->stream->name, reconciled, copy);
}

static pending_ddl_t *pending_new(sl_server_t *srv, sl_arena_t *a,
                                  sl_stmt_kind_t kind, sl_command_t *cmd)
{
    pending_ddl_t *p = sl_alloc0(a, sizeof(*p));
    p->srv = srv;
    p->kind = kind;
    cmd->done = done_ddl;
    cmd->arg = p;
    cmd->in_txn_forbidden = true;
    return p;
}

static int create_stream(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                         sl_command_t *cmd, sl_error_t *err)
{
    sl_catalog_t *cat = &srv->catalog;
    cmd->tag = "CREATE STREAM";
    if (sl_catalog_view(cat, stmt->name) != NULL) {
        if (stmt->if_not_exists) {
            cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping", stmt->name);
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_DUPLICATE_TABLE, stmt->name_location,
                            "relation \"%s\" already exists", stmt->name);
    }
    sl_stream_t *s = sl_stream_new(stmt->name);
    bool exists = false;
    if (sl_analyze_stream(stmt, cat, s, &exists, err) != SL_OK || exists) {
        sl_catalog_drop_stream(cat, s);
        if (exists)
            cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping", stmt->name);
        return sl_error_isset(err) ? SL_ERR : SL_OK;
    }
    s->sql = sl_strdup(s->arena, stmt->text);
    pending_ddl_t *p = pending_new(srv, a, stmt->kind, cmd);
    p->stream = s;
    sl_buf_t sql = SL_BUF_INIT;
    sl_ddl_create_stream(s, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&sql);
    return SL_OK;
}

static int create_view(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                       sl_command_t *cmd, sl_error_t *err)
{
    sl_catalog_t *cat = &srv->catalog;
    cmd->tag = "CREATE CONTINUOUS VIEW";
    if (sl_catalog_stream(cat, stmt->name) != NULL) {
        if (stmt->if_not_exists) {
            cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping", stmt->name);
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_DUPLICATE_TABLE, stmt->name_location,
                            "relation \"%s\" already exists", stmt->name);
    }
    sl_view_t *v = sl_view_new(stmt->name);
    bool exists = false;
    if (sl_analyze_view(stmt, cat, v, &exists, err) != SL_OK || exists) {
        sl_arena_free(v->arena);
        if (exists)
            cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping", stmt->name);
        return sl_error_isset(err) ? SL_ERR : SL_OK;
    }
    v->sql = sl_strdup(v->arena, stmt->text);
    if (v->schema == NULL)
        v->schema = sl_strdup(v->arena, "public");
    pending_ddl_t *p = pending_new(srv, a, stmt->kind, cmd);
    p->view = v;
    sl_buf_t sql = SL_BUF_INIT;
    sl_ddl_create_view(v, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&sql);
    return SL_OK;
}

static int drop_view(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                     sl_command_t *cmd, sl_error_t *err)
{
    cmd->tag = "DROP CONTINUOUS VIEW";
    sl_view_t *v = sl_catalog_view(&srv->catalog, stmt->name);
    if (v == NULL) {
        if (stmt->if_exists) {
            cmd->notice = sl_sprintf(a, "continuous view \"%s\" does not exist, skipping",
                                     stmt->name);
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "continuous view \"%s\" does not exist", stmt->name);
    }
    pending_ddl_t *p = pending_new(srv, a, stmt->kind, cmd);
    p->view = v;
    sl_buf_t sql = SL_BUF_INIT;
    sl_ddl_drop_view(v, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&sql);
    return SL_OK;
}

static int drop_stream(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                       sl_command_t *cmd, sl_error_t *err)
{
    cmd->tag = "DROP STREAM";
    sl_stream_t *s = sl_catalog_stream(&srv->catalog, stmt->name);
    if (s == NULL) {
        if (stmt->if_exists) {
            cmd->notice = sl_sprintf(a, "stream \"%s\" does not exist, skipping", stmt->name);
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "stream \"%s\" does not exist", stmt->name);
    }
    sl_buf_t names = SL_BUF_INIT;
    for (int i = 0; i < s->nviews; i++)
        sl_buf_printf(&names, "%scontinuous view %s", i ? "\n" : "", s->views[i]->name);
    if (s->nviews > 0 && !stmt->cascade) {
        sl_error_set(err, SL_ERRCODE_DEPENDENT_OBJECTS, 0,
                     "cannot drop stream %s because other objects depend on it", s->name);
        sl_error_detail(err, "%s depend%s on stream %s", sl_buf_cstr(&names),
                        s->nviews == 1 ? "s" : "", s->name);
        sl_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
        sl_buf_free(&names);
        return SL_ERR;
    }
    if (s->nviews == 1)
        cmd->notice = sl_sprintf(a, "drop cascades to %s", sl_buf_cstr(&names));
    else if (s->nviews > 1)
        cmd->notice = sl_sprintf(a, "drop cascades to %d other objects", s->nviews);
    sl_buf_free(&names);
    pending_ddl_t *p = pending_new(srv, a, stmt->kind, cmd);
    p->stream = s;
    sl_buf_t sql = SL_BUF_INIT;
    for (int i = 0; i < s->nviews; i++) {
        sl_ddl_drop_view(s->views[i], &sql);
        sl_buf_putc(&sql, '\n');
    }
    sl_ddl_drop_stream(s, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&sql);
    return SL_OK;
}

int sl_command_prepare(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                       sl_command_t *cmd, sl_error_t *err)
{
    memset(cmd, 0, sizeof(*cmd));
    switch (stmt->kind) {
    case SL_STMT_CREATE_STREAM:
        return create_stream(srv, stmt, a, cmd, err);
    case SL_STMT_DROP_STREAM:
        return drop_stream(srv, stmt, a, cmd, err);
    case SL_STMT_CREATE_VIEW:
        return create_view(srv, stmt, a, cmd, err);
    case SL_STMT_DROP_VIEW:
        return drop_view(srv, stmt, a, cmd, err);
    case SL_STMT_SHOW_STREAMS:
        return show_streams(srv, a, cmd);
    case SL_STMT_SHOW_VIEWS:
        return show_views(srv, a, cmd);
    case SL_STMT_SHOW_SETTING:
        return show_setting(srv, stmt, a, cmd, err);
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                            "statement kind %d is not a Sluice command", (int)stmt->kind);
    }
}
