/*
 * command.c: carrying out Sluice's own statements for a pgwire client.
 *
 * sl_command_prepare analyzes a statement against the in-memory catalog and
 * says what the pgwire layer must do (server.h sl_command_t): the DDL and
 * catalog rows to run on the client's backend connection, and a done
 * callback that applies the change to the in-memory catalog once that
 * transaction has committed (or throws the prepared objects away).
 *
 * Inside a client's transaction block the done callbacks wait in the
 * session's sl_txn_ddl_t until the block ends; meanwhile the session sees
 * its own changes: statements are prepared against a session catalog
 * (session_catalog) made of the shared one minus the session's pending
 * DROPs plus its pending CREATEs.  Pending objects carry provisional
 * negative ids, so no key of theirs matches an object of the shared
 * catalog.
 */
#include "server/server.h"
#include "exec/exec.h"
#include "sink/ddl.h"
#include "server/access.h"
#include "server/reconcile.h"
#include "sink/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A DDL statement between its prepare and the backend's answer (a turn of
 * the event loop or more, during which other sessions run DDL too).  It
 * holds the objects it names by key -- name plus the catalog id they had
 * when prepared (catalog.h) -- and looks them up again when the answer
 * comes; a CREATE owns its new object until it is added to the catalog or
 * freed.  Allocated with malloc by pending_new and freed once applied
 * (done_ddl, or reconciled after a lost answer).
 */
typedef struct pending_ddl {
    sl_server_t *srv;
    sl_stmt_kind_t kind;
    sl_stream_t *new_stream;    /* CREATE STREAM: owned until applied */
    sl_view_t *new_view;        /* CREATE VIEW: owned until applied */
    int64_t id;                 /* DROP: the target's catalog id */
    int64_t stream_id;          /* CREATE VIEW: its stream's catalog id */
    char *stream_name;          /* CREATE VIEW: its stream's name */
    bool dead;                  /* CREATE: dropped again later in the same
                                   transaction, or undone by a ROLLBACK TO
                                   SAVEPOINT, so never applied */
    bool undone;                /* DROP: undone by a ROLLBACK TO SAVEPOINT */
    char *sql;                  /* the object's CREATE text: its catalog
                                   row's sql (malloc'd) */
    struct pending_ddl *next;   /* in the queue of lookups (reconciled) */
    char *col_name;             /* ALTER STREAM: the new column (malloc'd) */
    sl_type_t col_type;
    int col_typmod;
    bool active;                /* ACTIVATE (true) / DEACTIVATE */
    const void *target;         /* (DE)ACTIVATE of a view created
                                   in the same transaction (provisional id):
                                   that object, compared, never followed */
    int nheld;                  /* DROP: the shared views whose drop_pending
                                   it raised, by catalog id */
    int64_t *held;              /* (malloc'd) */
    char name[];                /* the statement's object */
} pending_ddl_t;

/* The pending DDL behind a deferred command, or NULL (not one of ours). */
static void done_ddl(void *arg, sl_ddl_outcome_t outcome);
static void reconciled(void *arg, int exists);
static void release_views(struct pending_ddl *p);

static pending_ddl_t *txn_item(const sl_txn_ddl_t *txn, int i)
{
    return txn->items[i].done == done_ddl ? txn->items[i].arg : NULL;
}

static bool txn_drops(const sl_txn_ddl_t *txn, sl_stmt_kind_t kind, int64_t id)
{
    for (int i = 0; i < txn->n; i++) {
        pending_ddl_t *p = txn_item(txn, i);
        if (p != NULL && p->kind == kind && p->id == id && !p->undone)
            return true;
    }
    return false;
}

/*
 * The catalog as the session sees it inside its transaction: the shared
 * catalog without what the session dropped, with what it created (arrays
 * in a; the objects are the shared or pending ones themselves).  The
 * shared catalog itself when nothing is pending.  A stream's views are
 * found by scanning views (views_of), not its views array.
 */
static const sl_catalog_t *session_catalog(sl_server_t *srv, const sl_txn_ddl_t *txn,
                                           sl_arena_t *a)
{
    if (txn == NULL || txn->n == 0)
        return &srv->catalog;
    const sl_catalog_t *shared = &srv->catalog;
    sl_catalog_t *cat = sl_alloc0(a, sizeof(*cat));
    int maxs = shared->nstreams + txn->n, maxv = shared->nviews + txn->n;
    cat->streams = sl_alloc(a, sizeof(sl_stream_t *) * (size_t)(maxs + 1));
    cat->views = sl_alloc(a, sizeof(sl_view_t *) * (size_t)(maxv + 1));
    cat->version = shared->version;
    for (int i = 0; i < shared->nstreams; i++)
        if (!txn_drops(txn, SL_STMT_DROP_STREAM, shared->streams[i]->id))
            cat->streams[cat->nstreams++] = shared->streams[i];
    for (int i = 0; i < shared->nviews; i++) {
        sl_view_t *v = shared->views[i];
        if (!txn_drops(txn, SL_STMT_DROP_VIEW, v->id) &&
            !txn_drops(txn, SL_STMT_DROP_STREAM, v->stream->id))
            cat->views[cat->nviews++] = v;
    }
    for (int i = 0; i < txn->n; i++) {
        pending_ddl_t *p = txn_item(txn, i);
        if (p == NULL || p->dead)
            continue;
        if (p->new_stream != NULL)
            cat->streams[cat->nstreams++] = p->new_stream;
        if (p->new_view != NULL)
            cat->views[cat->nviews++] = p->new_view;
    }
    return cat;
}

/* Whether the session's transaction altered stream name (pending). */
static bool txn_alters(const sl_txn_ddl_t *txn, const char *name)
{
    for (int i = 0; txn != NULL && i < txn->n; i++) {
        pending_ddl_t *p = txn_item(txn, i);
        if (p != NULL && !p->dead && p->kind == SL_STMT_ALTER_STREAM &&
            strcmp(p->name, name) == 0)
            return true;
    }
    return false;
}

/* A DROP of name (a view, or a stream with its views) makes the session's
 * pending CREATEs of them dead: they never reach the shared catalog. */
static void txn_bury(const sl_txn_ddl_t *txn, sl_stmt_kind_t kind, const char *name)
{
    for (int i = 0; txn != NULL && i < txn->n; i++) {
        pending_ddl_t *p = txn_item(txn, i);
        if (p == NULL || p->dead)
            continue;
        if (kind == SL_STMT_DROP_VIEW && p->kind == SL_STMT_CREATE_VIEW &&
            strcmp(p->name, name) == 0)
            p->dead = true;
        if (kind == SL_STMT_DROP_STREAM &&
            ((p->kind == SL_STMT_CREATE_STREAM && strcmp(p->name, name) == 0) ||
             (p->kind == SL_STMT_CREATE_VIEW && strcmp(p->stream_name, name) == 0)))
            p->dead = true;
    }
}

char *sl_command_txn_check_sql(const sl_txn_ddl_t *txn, sl_arena_t *a)
{
    sl_buf_t b = SL_BUF_INIT;
    bool any = false;
    sl_buf_puts(&b, "SELECT ");
    for (int i = 0; i < txn->n; i++) {
        pending_ddl_t *p = txn_item(txn, i);
        if (i > 0)
            sl_buf_puts(&b, ", ");
        if (p == NULL || p->sql == NULL) {
            sl_buf_puts(&b, "true");
            continue;
        }
        /* a CREATE holds while its row exists, a DROP while it does not,
         * an ALTER while its row has the text it wrote, an (DE)ACTIVATE
         * while its row has the flag it set */
        bool activate = p->kind == SL_STMT_ACTIVATE_VIEW || p->kind == SL_STMT_DEACTIVATE_VIEW;
        bool create = p->kind == SL_STMT_CREATE_STREAM || p->kind == SL_STMT_CREATE_VIEW ||
                      p->kind == SL_STMT_ALTER_STREAM || activate;
        bool view = p->kind == SL_STMT_CREATE_VIEW || p->kind == SL_STMT_DROP_VIEW || activate;
        sl_buf_printf(&b, "%sEXISTS (SELECT FROM sluice.%s WHERE name = ", create ? "" : "NOT ",
                      view ? "views" : "streams");
        sl_buf_put_literal(&b, p->name, strlen(p->name));
        sl_buf_puts(&b, " AND sql = ");
        sl_buf_put_literal(&b, p->sql, strlen(p->sql));
        if (activate)
            sl_buf_puts(&b, p->active ? " AND active" : " AND NOT active");
        sl_buf_puts(&b, ")");
        any = true;
    }
    char *r = any ? sl_strdup(a, sl_buf_cstr(&b)) : NULL;
    sl_buf_free(&b);
    return r;
}

void sl_command_txn_checked(sl_txn_ddl_t *txn, const bool *holds)
{
    for (int i = 0; i < txn->n; i++) {
        pending_ddl_t *p = txn_item(txn, i);
        if (p == NULL || p->sql == NULL)
            continue;
        if (p->kind == SL_STMT_CREATE_STREAM || p->kind == SL_STMT_CREATE_VIEW ||
            p->kind == SL_STMT_ALTER_STREAM || p->kind == SL_STMT_ACTIVATE_VIEW ||
            p->kind == SL_STMT_DEACTIVATE_VIEW) {
            p->dead = !holds[i];    /* a DROP of it may have been undone too */
        } else if (!holds[i] && !p->undone) {
            p->undone = true;
            release_views(p);
        }
    }
}

/* Provisional ids of pending objects: negative, never reused. */
static int64_t last_provisional;

/* The views of s in cat, into a. */
static int views_of(const sl_catalog_t *cat, const sl_stream_t *s, sl_arena_t *a,
                    sl_view_t ***out)
{
    sl_view_t **vs = sl_alloc(a, sizeof(sl_view_t *) * (size_t)(cat->nviews + 1));
    int n = 0;
    for (int i = 0; i < cat->nviews; i++)
        if (cat->views[i]->stream == s)
            vs[n++] = cat->views[i];
    *out = vs;
    return n;
}

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

/* SHOW STREAMS / SHOW CONTINUOUS VIEWS: what the session's role may see
 * (sql/catalog.sql's sluice.stream_visible, view_visible), asked of its
 * backend (filter_sql). */
static int show_streams(const sl_catalog_t *cat, sl_arena_t *a, sl_command_t *cmd)
{
    static const char *names[] = {"name", "columns", "views"};
    set_rows(cmd, a, 3, names, cat->nstreams);
    for (int i = 0; i < cat->nstreams; i++) {
        sl_stream_t *s = cat->streams[i];
        sl_view_t **vs;
        cmd->cells[i * 3] = s->name;
        cmd->cells[i * 3 + 1] = stream_columns_text(s, a);
        cmd->cells[i * 3 + 2] = sl_sprintf(a, "%d", views_of(cat, s, a, &vs));
    }
    cmd->filter_sql = "SELECT name FROM sluice.streams WHERE sluice.stream_visible(name)";
    cmd->tag = sl_sprintf(a, "SHOW");
    return SL_OK;
}

static int show_views(const sl_catalog_t *cat, sl_arena_t *a, sl_command_t *cmd)
{
    static const char *names[] = {"name", "stream", "relation", "query"};
    set_rows(cmd, a, 4, names, cat->nviews);
    for (int i = 0; i < cat->nviews; i++) {
        sl_view_t *v = cat->views[i];
        cmd->cells[i * 4] = v->name;
        cmd->cells[i * 4 + 1] = v->stream->name;
        cmd->cells[i * 4 + 2] = sl_sprintf(a, "%s.%s", v->schema ? v->schema : "public", v->name);
        cmd->cells[i * 4 + 3] = v->sql;
    }
    cmd->filter_sql = "SELECT name FROM sluice.views WHERE sluice.view_visible(schema_name, name)";
    cmd->tag = "SHOW";
    return SL_OK;
}

/* EXPLAIN CONTINUOUS VIEW v: one text column "QUERY PLAN", a row a line. */
static int explain_view(const sl_catalog_t *cat, const sl_stmt_t *stmt, sl_arena_t *a,
                        sl_command_t *cmd, sl_error_t *err)
{
    sl_view_t *v = sl_catalog_view(cat, stmt->name);
    if (v == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "continuous view \"%s\" does not exist", stmt->name);
    char **lines;
    int n = sl_explain_view(v, a, &lines);
    static const char *names[] = {"QUERY PLAN"};
    set_rows(cmd, a, 1, names, n);
    for (int i = 0; i < n; i++)
        cmd->cells[i] = lines[i];
    cmd->tag = "EXPLAIN";
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

/* The stream / view named name if it is still the object with catalog id
 * id (NULL if it was dropped meanwhile, or dropped and created again). */
static sl_stream_t *stream_by_key(const sl_catalog_t *cat, const char *name, int64_t id)
{
    sl_stream_t *s = sl_catalog_stream(cat, name);
    return s != NULL && s->id == id ? s : NULL;
}

static sl_view_t *view_by_key(const sl_catalog_t *cat, const char *name, int64_t id)
{
    sl_view_t *v = sl_catalog_view(cat, name);
    return v != NULL && v->id == id ? v : NULL;
}

static void drop_view_now(sl_server_t *srv, sl_view_t *v)
{
    if (srv->sink)
        sl_sink_forget_view(srv->sink, v);
    sl_catalog_drop_view(&srv->catalog, v, sl_exec_free);
}

/* Applies p's change to the in-memory catalog if ok (the backend
 * committed it), and frees what p owns either way.  Every object is looked
 * up again by its key: the backend's guard (guard_begin) serialized this
 * statement with every other Sluice DDL, so a committed DROP found its
 * target and a committed CREATE found its name free and its stream. */
/* The shared view with catalog id id, or NULL. */
static sl_view_t *view_by_id(const sl_catalog_t *cat, int64_t id)
{
    for (int i = 0; i < cat->nviews; i++)
        if (cat->views[i]->id == id)
            return cat->views[i];
    return NULL;
}

/* A DROP holds the shared views among vs back from the sink until it is
 * applied or thrown away (release). */
static void hold_views(pending_ddl_t *p, sl_server_t *srv, sl_view_t **vs, int n)
{
    p->held = sl_xmalloc(sizeof(int64_t) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        if (view_by_id(&srv->catalog, vs[i]->id) == vs[i]) {
            vs[i]->drop_pending++;
            p->held[p->nheld++] = vs[i]->id;
        }
    }
}

static void release_views(pending_ddl_t *p)
{
    for (int i = 0; i < p->nheld; i++) {
        sl_view_t *v = view_by_id(&p->srv->catalog, p->held[i]);
        if (v != NULL)
            v->drop_pending--;
    }
    free(p->held);
    p->held = NULL;
    p->nheld = 0;
}

static void apply_ddl(pending_ddl_t *p, bool ok)
{
    sl_catalog_t *cat = &p->srv->catalog;
    char *sql = p->sql;
    release_views(p);
    p->sql = NULL;
    if (p->dead || p->undone)
        ok = false;
    switch (p->kind) {
    case SL_STMT_CREATE_STREAM:
        if (ok && sl_catalog_stream(cat, p->name) == NULL && sl_catalog_view(cat, p->name) == NULL)
            sl_catalog_add_stream(cat, p->new_stream);
        else
            sl_catalog_drop_stream(cat, p->new_stream);  /* never added: frees */
        p->new_stream = NULL;
        break;
    case SL_STMT_CREATE_VIEW: {
        sl_stream_t *s = ok ? stream_by_key(cat, p->stream_name, p->stream_id) : NULL;
        if (ok && p->stream_id < 0) {
            /* its stream was created in the same transaction, applied
             * just before: the very object the view was analyzed against */
            s = sl_catalog_stream(cat, p->stream_name);
            if (s != p->new_view->stream)
                s = NULL;
        }
        if (ok && s == NULL)
            sl_log_error("CREATE CONTINUOUS VIEW \"%s\" committed but its stream \"%s\" is "
                         "gone from memory: restart sluiced to reload the catalog",
                         p->name, p->stream_name);
        if (s != NULL && sl_catalog_view(cat, p->name) == NULL &&
            sl_catalog_stream(cat, p->name) == NULL) {
            p->new_view->stream = s;
            p->new_view->exec = sl_exec_new(p->new_view->plan);
            sl_catalog_add_view(cat, p->new_view);
        } else {
            sl_arena_free(p->new_view->arena);
        }
        p->new_view = NULL;
        break;
    }
    case SL_STMT_DROP_VIEW: {
        sl_view_t *v = ok ? view_by_key(cat, p->name, p->id) : NULL;
        if (v != NULL)
            drop_view_now(p->srv, v);
        break;
    }
    case SL_STMT_DROP_STREAM: {
        sl_stream_t *s = ok ? stream_by_key(cat, p->name, p->id) : NULL;
        if (s != NULL) {
            while (s->nviews > 0)
                drop_view_now(p->srv, s->views[s->nviews - 1]);
            sl_catalog_drop_stream(cat, s);
        }
        break;
    }
    case SL_STMT_ALTER_STREAM: {
        sl_stream_t *s = ok ? stream_by_key(cat, p->name, p->id) : NULL;
        if (ok && s == NULL)
            sl_log_error("ALTER STREAM \"%s\" committed but the stream is gone from memory: "
                         "restart sluiced to reload the catalog", p->name);
        if (s != NULL && sl_stream_column(s, p->col_name) < 0) {
            sl_column_t col = {.name = p->col_name, .type = p->col_type,
                               .typmod = p->col_typmod};
            sl_catalog_alter_stream(cat, s, &col, sql);
        }
        free(p->col_name);
        p->col_name = NULL;
        break;
    }
    case SL_STMT_ACTIVATE_VIEW:
    case SL_STMT_DEACTIVATE_VIEW: {
        sl_view_t *v = ok ? view_by_key(cat, p->name, p->id) : NULL;
        if (ok && p->id < 0) {
            v = sl_catalog_view(cat, p->name);       /* created in the same transaction */
            if ((const void *)v != p->target)
                v = NULL;
        }
        if (v != NULL)
            v->inactive = !p->active;
        break;
    }
    case SL_STMT_TRUNCATE_VIEW: {
        /* its in-memory windows go with its rows (a view just created) */
        sl_view_t *v = ok ? view_by_key(cat, p->name, p->id) : NULL;
        if (v != NULL && v->exec != NULL)
            sl_exec_truncated(v->exec);
        break;
    }
    default:
        break;
    }
    free(sql);
}

/* DDL whose outcome is looked up in the catalog tables, one at a time in
 * the order they were given, so that a CREATE STREAM is applied before a
 * CREATE CONTINUOUS VIEW on it from the same transaction. */
static pending_ddl_t *lookup_head, *lookup_tail;

static void lookup_next(void)
{
    pending_ddl_t *p = lookup_head;
    if (p == NULL)
        return;
    bool is_view = p->kind == SL_STMT_CREATE_VIEW || p->kind == SL_STMT_DROP_VIEW;
    sl_reconcile_lookup(p->srv, is_view ? "views" : "streams", p->name, reconciled, p);
}

/* The lookup after a lost answer (reconcile.h): a CREATE committed if its
 * catalog row exists, a DROP if its row is gone. */
static void reconciled(void *arg, int exists)
{
    pending_ddl_t *p = arg;
    bool create = p->kind == SL_STMT_CREATE_STREAM || p->kind == SL_STMT_CREATE_VIEW;
    bool ok = exists >= 0 && (create ? exists == 1 : exists == 0);
    if (exists >= 0)
        sl_log_info("the lost %s of \"%s\" %s", create ? "CREATE" : "DROP", p->name,
                    ok ? "had committed: applied" : "had not committed");
    apply_ddl(p, ok);
    lookup_head = p->next;
    if (lookup_head == NULL)
        lookup_tail = NULL;
    free(p);
    lookup_next();
}

static void done_ddl(void *arg, sl_ddl_outcome_t outcome)
{
    /* (also the tag of deferred commands that are ours: txn_item) */
    pending_ddl_t *p = arg;
    if (outcome == SL_DDL_UNKNOWN &&
        (p->kind == SL_STMT_ALTER_STREAM || p->kind == SL_STMT_ACTIVATE_VIEW ||
         p->kind == SL_STMT_DEACTIVATE_VIEW))
        sl_log_warning("the answer to %s of \"%s\" was lost: if it committed, restart "
                       "sluiced to load it",
                       p->kind == SL_STMT_ALTER_STREAM ? "ALTER STREAM" : "(DE)ACTIVATE",
                       p->name);
    if (outcome != SL_DDL_UNKNOWN || p->kind == SL_STMT_TRUNCATE_VIEW ||
        p->kind == SL_STMT_ALTER_STREAM || p->kind == SL_STMT_ACTIVATE_VIEW ||
        p->kind == SL_STMT_DEACTIVATE_VIEW) {
        apply_ddl(p, outcome == SL_DDL_COMMITTED);
        free(p);
        return;
    }
    p->next = NULL;
    if (lookup_tail != NULL) {
        lookup_tail->next = p;
        lookup_tail = p;
        return;
    }
    lookup_head = lookup_tail = p;
    lookup_next();
}

/* A pending DDL for the object name (malloc'd, see pending_ddl_t), set as
 * cmd's done callback. */
static pending_ddl_t *pending_new(sl_server_t *srv, sl_stmt_kind_t kind, const char *name,
                                  sl_command_t *cmd)
{
    size_t n = strlen(name) + 1;
    pending_ddl_t *p = sl_xmalloc(sizeof(*p) + n);
    memset(p, 0, sizeof(*p));
    memcpy(p->name, name, n);
    p->srv = srv;
    p->kind = kind;
    cmd->done = done_ddl;
    cmd->arg = p;
    return p;
}

/*
 * The guard that opens every DDL's backend transaction.  Sluice's DDL
 * statements are prepared against the in-memory catalog, which another
 * session's DDL may change before this one reaches PostgreSQL; so the
 * backend first takes one transaction-level advisory lock shared by all
 * Sluice DDL (of every sluiced on the database), then checks in the
 * catalog tables that what the statement was prepared against still
 * holds, and fails with PostgreSQL's error if not (the second of two
 * DROPs of one view gets 42P01, as in PostgreSQL).  Written as a DO block:
 * guard_begin opens its body, guard_fail adds one check, guard_end closes
 * it.  The body is a string literal, so names are quoted twice.
 */
#define SL_DDL_LOCK_KEY 7432002

static void guard_begin(sl_buf_t *body)
{
    sl_buf_printf(body, "BEGIN PERFORM pg_advisory_xact_lock(%d); ", SL_DDL_LOCK_KEY);
}

/* IF cond THEN raise sqlstate with message msg. */
static void guard_fail(sl_buf_t *body, const char *cond, const char *sqlstate, const char *msg)
{
    sl_buf_printf(body, "IF %s THEN RAISE EXCEPTION USING ERRCODE = '%s', MESSAGE = ", cond,
                  sqlstate);
    sl_buf_put_literal(body, msg, strlen(msg));
    sl_buf_puts(body, "; END IF; ");
}

static void guard_end(sl_buf_t *body, sl_buf_t *sql)
{
    sl_buf_puts(body, "END");
    sl_buf_puts(sql, "DO ");
    sl_buf_put_literal(sql, sl_buf_cstr(body), strlen(sl_buf_cstr(body)));
    sl_buf_puts(sql, ";\n");
}

/* The condition "name is taken by a stream or a view", into a. */
static const char *name_taken(sl_arena_t *a, const char *name)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_puts(&b, "EXISTS (SELECT FROM sluice.streams WHERE name = ");
    sl_buf_put_literal(&b, name, strlen(name));
    sl_buf_puts(&b, " UNION ALL SELECT FROM sluice.views WHERE name = ");
    sl_buf_put_literal(&b, name, strlen(name));
    sl_buf_puts(&b, ")");
    char *r = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

/* The condition "table has no row named name". */
static const char *row_missing(sl_arena_t *a, const char *table, const char *name)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_printf(&b, "NOT EXISTS (SELECT FROM sluice.%s WHERE name = ", table);
    sl_buf_put_literal(&b, name, strlen(name));
    sl_buf_puts(&b, ")");
    char *r = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

/* The condition "s's catalog row no longer has the text s was loaded or
 * created with" (an ALTER STREAM committed since: a statement prepared
 * against s, which holds it by its old id, must not go on). */
static const char *stream_changed(sl_arena_t *a, const sl_stream_t *s)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_puts(&b, "NOT EXISTS (SELECT FROM sluice.streams WHERE name = ");
    sl_buf_put_literal(&b, s->name, strlen(s->name));
    sl_buf_puts(&b, " AND sql = ");
    sl_buf_put_literal(&b, s->sql, strlen(s->sql));
    sl_buf_puts(&b, ")");
    char *r = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

/* The condition "NOT fn(name[, priv])", fn one of sql/catalog.sql's
 * sluice.stream_* functions (stream ownership and privileges). */
static const char *stream_lacks(sl_arena_t *a, const char *fn, const char *name,
                                const char *priv)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_printf(&b, "NOT coalesce(sluice.%s(", fn);
    sl_buf_put_literal(&b, name, strlen(name));
    if (priv)
        sl_buf_printf(&b, ", '%s'", priv);
    sl_buf_puts(&b, "), false)");
    char *r = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

static int create_stream(sl_server_t *srv, const sl_catalog_t *cat, const sl_stmt_t *stmt,
                         sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
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
        sl_catalog_drop_stream(&srv->catalog, s);     /* never added: frees */
        if (exists)
            cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping", stmt->name);
        return sl_error_isset(err) ? SL_ERR : SL_OK;
    }
    s->sql = sl_strdup(s->arena, stmt->text);
    s->id = -++last_provisional;
    pending_ddl_t *p = pending_new(srv, stmt->kind, s->name, cmd);
    p->sql = sl_xstrdup(s->sql);
    p->new_stream = s;
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, name_taken(a, s->name), SL_ERRCODE_DUPLICATE_TABLE,
               sl_sprintf(a, "relation \"%s\" already exists", s->name));
    guard_end(&g, &sql);
    sl_ddl_create_stream(s, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

static int create_view(sl_server_t *srv, const sl_catalog_t *cat, const sl_txn_ddl_t *txn,
                       const sl_stmt_t *stmt, sl_arena_t *a, sl_command_t *cmd,
                       sl_error_t *err)
{
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
    if (sl_analyze_view(stmt, cat, v, &exists, err) == SL_OK && !exists &&
        txn_alters(txn, v->stream->name)) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                     "stream \"%s\" was altered in this transaction block", v->stream->name);
        sl_error_hint(err, "COMMIT the ALTER STREAM first, then create the view.");
    }
    if (sl_error_isset(err) || exists) {
        sl_arena_free(v->arena);
        if (exists)
            cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping", stmt->name);
        return sl_error_isset(err) ? SL_ERR : SL_OK;
    }
    v->sql = sl_strdup(v->arena, stmt->text);
    if (v->schema == NULL)
        v->schema = sl_strdup(v->arena, "public");
    v->id = -++last_provisional;
    pending_ddl_t *p = pending_new(srv, stmt->kind, v->name, cmd);
    p->sql = sl_xstrdup(v->sql);
    p->new_view = v;
    p->stream_name = sl_strdup(v->arena, v->stream->name);
    p->stream_id = v->stream->id;
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT, cond = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, name_taken(a, v->name), SL_ERRCODE_DUPLICATE_TABLE,
               sl_sprintf(a, "relation \"%s\" already exists", v->name));
    /* the stream must still be the one the view was analyzed against:
     * there (not dropped meanwhile), and not altered since */
    guard_fail(&g, row_missing(a, "streams", v->stream->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "relation \"%s\" does not exist", v->stream->name));
    guard_fail(&g, stream_changed(a, v->stream), "40001",
               sl_sprintf(a, "stream \"%s\" was altered concurrently", v->stream->name));
    /* reading a stream takes SELECT on it, as a view over a table does */
    guard_fail(&g, stream_lacks(a, "stream_privilege", v->stream->name, "SELECT"),
               SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "permission denied for stream %s", v->stream->name));
    guard_end(&g, &sql);
    sl_ddl_create_view(v, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&cond);
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

static int drop_view(sl_server_t *srv, const sl_catalog_t *cat, const sl_txn_ddl_t *txn,
                     const sl_stmt_t *stmt, sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    cmd->tag = "DROP CONTINUOUS VIEW";
    sl_view_t *v = sl_catalog_view(cat, stmt->name);
    if (v == NULL) {
        if (stmt->if_exists) {
            cmd->notice = sl_sprintf(a, "continuous view \"%s\" does not exist, skipping",
                                     stmt->name);
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "continuous view \"%s\" does not exist", stmt->name);
    }
    pending_ddl_t *p = pending_new(srv, stmt->kind, v->name, cmd);
    p->id = v->id;
    p->sql = sl_xstrdup(v->sql);
    hold_views(p, srv, &v, 1);
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, row_missing(a, "views", v->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "continuous view \"%s\" does not exist", v->name));
    guard_end(&g, &sql);
    sl_ddl_drop_view(v, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    txn_bury(txn, SL_STMT_DROP_VIEW, v->name);
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

/* TRUNCATE CONTINUOUS VIEW v: empties v's table on the client's backend
 * connection, so PostgreSQL checks the client's TRUNCATE privilege.  Until
 * the client's transaction ends the view is held back from flushes (as for
 * a DROP), so that no flush waits for the TRUNCATE's lock; events that are
 * not flushed yet when it commits are written after it.  As for a DROP,
 * requests answered meanwhile hold their rows for this view in memory
 * only until it ends (a crash then loses them from this view alone).
 * Nothing changes in the catalog. */
static int truncate_view(sl_server_t *srv, const sl_catalog_t *cat, const sl_stmt_t *stmt,
                         sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    cmd->tag = "TRUNCATE CONTINUOUS VIEW";
    sl_view_t *v = sl_catalog_view(cat, stmt->name);
    if (v == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "continuous view \"%s\" does not exist", stmt->name);
    pending_ddl_t *p = pending_new(srv, stmt->kind, v->name, cmd);
    p->id = v->id;
    hold_views(p, srv, &v, 1);
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, row_missing(a, "views", v->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "continuous view \"%s\" does not exist", v->name));
    guard_end(&g, &sql);
    sl_ddl_truncate_view(v, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}


/* The ')' closing the column list of a stored CREATE STREAM text (not that
 * of a WITH (...) after it), quotes skipped; NULL if none. */
static const char *column_list_end(const char *sql)
{
    int depth = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '"' || *p == '\'') {
            char q = *p;
            while (p[1] && !(p[1] == q && p[2] != q))
                p += p[1] == q ? 2 : 1;
            if (!p[1])
                return NULL;
            p++;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p;
        }
    }
    return NULL;
}

/*
 * ALTER STREAM s ADD [COLUMN] c type: on the client's backend, the stream's
 * relation gets c at the end (CREATE OR REPLACE VIEW keeps its owner and
 * grants) and its catalog row the equivalent CREATE STREAM text (the
 * stored one with c before its closing parenthesis), which a restart
 * loads.  Once committed the in-memory stream gains c: existing columns
 * keep their positions, so views over them run unchanged.  Inside a
 * transaction block the session sees c after COMMIT (a second ALTER of
 * the stream, a view over it or its DROP waits for the COMMIT: 0A000; so
 * does the ALTER of a stream created in the block).
 */
static int alter_stream(sl_server_t *srv, const sl_catalog_t *cat, const sl_txn_ddl_t *txn,
                        const sl_stmt_t *stmt, sl_arena_t *a, sl_command_t *cmd,
                        sl_error_t *err)
{
    cmd->tag = "ALTER STREAM";
    sl_stream_t *s = sl_catalog_stream(cat, stmt->name);
    if (s == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "stream \"%s\" does not exist", stmt->name);
    sl_column_t col;
    if (sl_analyze_alter_stream(stmt, s, a, &col, err) != SL_OK)
        return SL_ERR;
    if (txn_alters(txn, s->name)) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, stmt->name_location,
                     "stream \"%s\" was altered in this transaction block already", s->name);
        sl_error_hint(err, "COMMIT the first ALTER STREAM, then alter it again.");
        return SL_ERR;
    }
    if (s->id < 0) {
        /* its pending CREATE is checked against the text it stored */
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, stmt->name_location,
                     "stream \"%s\" was created in this transaction block", s->name);
        sl_error_hint(err, "Name the column in CREATE STREAM, or COMMIT first.");
        return SL_ERR;
    }
    const char *close = column_list_end(s->sql);
    if (close == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                            "the stored CREATE STREAM text of \"%s\" has no column list",
                            s->name);
    char tbuf[64];
    sl_buf_t text = SL_BUF_INIT;
    sl_buf_append(&text, s->sql, (size_t)(close - s->sql));
    sl_buf_puts(&text, ", ");
    sl_buf_put_ident(&text, col.name);
    sl_buf_printf(&text, " %s%s", sl_type_sql(col.type, col.typmod, tbuf, sizeof(tbuf)), close);
    /* the stream as it becomes, for its relation's DDL */
    sl_stream_t ns = *s;
    ns.cols = sl_alloc(a, sizeof(sl_column_t) * (size_t)(s->ncols + 1));
    memcpy(ns.cols, s->cols, sizeof(sl_column_t) * (size_t)s->ncols);
    ns.cols[ns.ncols++] = col;
    ns.sql = sl_strdup(a, sl_buf_cstr(&text));
    sl_buf_free(&text);

    pending_ddl_t *p = pending_new(srv, stmt->kind, s->name, cmd);
    p->id = s->id;
    p->sql = sl_xstrdup(ns.sql);
    p->col_name = sl_xstrdup(col.name);
    p->col_type = col.type;
    p->col_typmod = col.typmod;
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, row_missing(a, "streams", s->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "stream \"%s\" does not exist", s->name));
    guard_fail(&g, stream_lacks(a, "stream_owned", s->name, NULL),
               SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "must be owner of stream %s", s->name));
    /* the stream must still be the one the statement was prepared against */
    guard_fail(&g, stream_changed(a, s), "40001",
               sl_sprintf(a, "stream \"%s\" was altered concurrently", s->name));
    guard_end(&g, &sql);
    sl_ddl_alter_stream(&ns, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

/* ACTIVATE / DEACTIVATE CONTINUOUS VIEW v (PipelineDB's): a deactivated
 * view is not fed (pipeline.c skips it; its table stays readable).  The
 * catalog row's active flag is set on the client's backend, by the owner
 * of the view's relation (as PostgreSQL's ALTER VIEW asks); the in-memory
 * view follows once that commits. */
static int activate_view(sl_server_t *srv, const sl_catalog_t *cat, const sl_stmt_t *stmt,
                         sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    bool on = stmt->kind == SL_STMT_ACTIVATE_VIEW;
    cmd->tag = on ? "ACTIVATE CONTINUOUS VIEW" : "DEACTIVATE CONTINUOUS VIEW";
    sl_view_t *v = sl_catalog_view(cat, stmt->name);
    if (v == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "continuous view \"%s\" does not exist", stmt->name);
    pending_ddl_t *p = pending_new(srv, stmt->kind, v->name, cmd);
    p->id = v->id;
    p->target = v->id < 0 ? v : NULL;
    p->active = on;
    p->sql = sl_xstrdup(v->sql);         /* its row, for ROLLBACK TO SAVEPOINT */
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT, cond = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, row_missing(a, "views", v->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "continuous view \"%s\" does not exist", v->name));
    sl_buf_puts(&cond, "NOT coalesce(pg_has_role((SELECT c.relowner FROM pg_class c "
                       "WHERE c.oid = to_regclass(format('%I.%I', ");
    sl_buf_put_literal(&cond, v->schema ? v->schema : "public",
                       strlen(v->schema ? v->schema : "public"));
    sl_buf_puts(&cond, ", ");
    sl_buf_put_literal(&cond, v->name, strlen(v->name));
    sl_buf_puts(&cond, "))), 'USAGE'), false)");
    guard_fail(&g, sl_buf_cstr(&cond), SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "must be owner of continuous view %s", v->name));
    guard_end(&g, &sql);
    sl_ddl_activate_view(v, on, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&cond);
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

/* name as PostgreSQL's quote_identifier writes it in messages: as is when
 * it is a plain lower-case identifier, else double-quoted (into a). */
static const char *quoted_name(sl_arena_t *a, const char *name)
{
    bool plain = (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';
    for (const char *c = name; plain && *c; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
    if (plain)
        return name;
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_put_ident(&b, name);
    const char *r = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

/* DROP STREAM ... CASCADE of a stream with several views: PostgreSQL's
 * NOTICE "drop cascades to N other objects", its DETAIL a line per view
 * (as many as fit in a DETAIL, then "and N other objects"). */
static void cascade_notice(sl_command_t *cmd, sl_arena_t *a, sl_view_t **vs, int nv)
{
    sl_buf_t d = SL_BUF_INIT;
    int i;
    cmd->notice = sl_sprintf(a, "drop cascades to %d other objects", nv);
    for (i = 0; i < nv; i++) {
        if (d.len + strlen(vs[i]->name) + 80 > sizeof(((sl_error_t *)0)->detail))
            break;
        sl_buf_printf(&d, "%sdrop cascades to continuous view %s", i ? "\n" : "",
                      quoted_name(a, vs[i]->name));
    }
    if (i < nv)
        sl_buf_printf(&d, "\nand %d other objects", nv - i);
    cmd->notice_detail = sl_strdup(a, sl_buf_cstr(&d));
    sl_buf_free(&d);
}

static int drop_stream(sl_server_t *srv, const sl_catalog_t *cat, const sl_txn_ddl_t *txn,
                       const sl_stmt_t *stmt, sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    cmd->tag = "DROP STREAM";
    sl_stream_t *s = sl_catalog_stream(cat, stmt->name);
    if (s == NULL) {
        if (stmt->if_exists) {
            cmd->notice = sl_sprintf(a, "stream \"%s\" does not exist, skipping", stmt->name);
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "stream \"%s\" does not exist", stmt->name);
    }
    if (txn_alters(txn, s->name)) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, stmt->name_location,
                     "stream \"%s\" was altered in this transaction block", s->name);
        sl_error_hint(err, "COMMIT the ALTER STREAM first, then drop the stream.");
        return SL_ERR;
    }
    sl_view_t **vs;
    int nv = views_of(cat, s, a, &vs);     /* the session's, pending ones too */
    sl_buf_t names = SL_BUF_INIT;
    for (int i = 0; i < nv; i++)
        sl_buf_printf(&names, "%scontinuous view %s", i ? "\n" : "",
                      quoted_name(a, vs[i]->name));
    if (nv > 0 && !stmt->cascade) {
        sl_error_set(err, SL_ERRCODE_DEPENDENT_OBJECTS, 0,
                     "cannot drop stream %s because other objects depend on it", s->name);
        sl_error_detail(err, "%s depend%s on stream %s", sl_buf_cstr(&names),
                        nv == 1 ? "s" : "", s->name);
        sl_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
        sl_buf_free(&names);
        return SL_ERR;
    }
    if (nv == 1)
        cmd->notice = sl_sprintf(a, "drop cascades to %s", sl_buf_cstr(&names));
    else if (nv > 1)
        cascade_notice(cmd, a, vs, nv);
    sl_buf_free(&names);
    pending_ddl_t *p = pending_new(srv, stmt->kind, s->name, cmd);
    p->id = s->id;
    p->sql = sl_xstrdup(s->sql);
    hold_views(p, srv, vs, nv);
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT, cond = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, row_missing(a, "streams", s->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "stream \"%s\" does not exist", s->name));
    guard_fail(&g, stream_lacks(a, "stream_owned", s->name, NULL),
               SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "must be owner of stream %s", s->name));
    guard_fail(&g, stream_changed(a, s), "40001",
               sl_sprintf(a, "stream \"%s\" was altered concurrently", s->name));
    /* a view created on it since (by another session) would be left behind */
    sl_buf_puts(&cond, "EXISTS (SELECT FROM sluice.views WHERE stream = ");
    sl_buf_put_literal(&cond, s->name, strlen(s->name));
    for (int i = 0; i < nv; i++) {
        sl_buf_puts(&cond, " AND name <> ");
        sl_buf_put_literal(&cond, vs[i]->name, strlen(vs[i]->name));
    }
    sl_buf_puts(&cond, ")");
    guard_fail(&g, sl_buf_cstr(&cond), SL_ERRCODE_DEPENDENT_OBJECTS,
               sl_sprintf(a, "cannot drop stream %s because other objects depend on it",
                          s->name));
    guard_end(&g, &sql);
    for (int i = 0; i < nv; i++) {
        sl_ddl_drop_view(vs[i], &sql);
        sl_buf_putc(&sql, '\n');
    }
    sl_ddl_drop_stream(s, &sql);
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    txn_bury(txn, SL_STMT_DROP_STREAM, s->name);
    sl_buf_free(&cond);
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

/* ---- privileges and tokens ---- */

/* A GRANT, REVOKE or token change committed (or may have): the token
 * snapshot is stale (access.h). */
static void access_done(void *arg, sl_ddl_outcome_t outcome)
{
    sl_server_t *srv = arg;
    if (outcome != SL_DDL_FAILED)
        sl_access_changed(srv->access);
}

/* GRANT / REVOKE ... ON STREAM s: the same on the stream's relation, so
 * PostgreSQL decides who may grant what (a non-owner's grant warns "no
 * privileges were granted", as for a table). */
static int grant(sl_server_t *srv, const sl_catalog_t *cat, const sl_stmt_t *stmt,
                 sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    bool is_grant = stmt->kind == SL_STMT_GRANT;
    cmd->tag = is_grant ? "GRANT" : "REVOKE";
    sl_stream_t *s = sl_catalog_stream(cat, stmt->name);
    if (s == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                            "stream \"%s\" does not exist", stmt->name);
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    guard_fail(&g, row_missing(a, "streams", s->name), SL_ERRCODE_UNDEFINED_TABLE,
               sl_sprintf(a, "stream \"%s\" does not exist", s->name));
    /* a role with no privilege on it at all: PostgreSQL's error, worded
     * for the stream (with some, PostgreSQL warns of what it left out) */
    sl_buf_t cond = SL_BUF_INIT;
    sl_buf_printf(&cond, "%s AND %s", stream_lacks(a, "stream_owned", s->name, NULL),
                  stream_lacks(a, "stream_privilege", s->name,
                               "INSERT, SELECT, INSERT WITH GRANT OPTION, "
                               "SELECT WITH GRANT OPTION"));
    guard_fail(&g, sl_buf_cstr(&cond), SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "permission denied for stream %s", s->name));
    sl_buf_free(&cond);
    guard_end(&g, &sql);
    sl_buf_puts(&sql, is_grant ? "GRANT " : "REVOKE ");
    if (!is_grant && stmt->grant_option)
        sl_buf_puts(&sql, "GRANT OPTION FOR ");
    const int privs = stmt->privileges;
    sl_buf_puts(&sql, (privs & SL_PRIV_INSERT) && (privs & SL_PRIV_SELECT) ? "INSERT, SELECT"
                      : (privs & SL_PRIV_INSERT)                          ? "INSERT"
                                                                          : "SELECT");
    sl_buf_puts(&sql, " ON \"sluice_stream\".");
    sl_buf_put_ident(&sql, s->name);
    sl_buf_puts(&sql, is_grant ? " TO " : " FROM ");
    for (int i = 0; i < stmt->nroles; i++) {
        if (i > 0)
            sl_buf_puts(&sql, ", ");
        if (stmt->roles[i] == NULL)
            sl_buf_puts(&sql, "PUBLIC");
        else
            sl_buf_put_ident(&sql, stmt->roles[i]);
    }
    if (is_grant && stmt->grant_option)
        sl_buf_puts(&sql, " WITH GRANT OPTION");
    if (!is_grant && stmt->cascade)
        sl_buf_puts(&sql, " CASCADE");
    sl_buf_puts(&sql, ";");
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    cmd->backend_notices = true;
    cmd->done = access_done;
    cmd->arg = srv;
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

/* The guard's checks that role exists and that the current role may
 * manage its tokens (it is that role, or a superuser). */
static void token_role_checks(sl_buf_t *g, sl_arena_t *a, const char *role, const char *what)
{
    sl_buf_t cond = SL_BUF_INIT, lit = SL_BUF_INIT;
    sl_buf_put_literal(&lit, role, strlen(role));
    sl_buf_printf(&cond, "NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s)",
                  sl_buf_cstr(&lit));
    guard_fail(g, sl_buf_cstr(&cond), SL_ERRCODE_UNDEFINED_OBJECT,
               sl_sprintf(a, "role \"%s\" does not exist", role));
    sl_buf_reset(&cond);
    sl_buf_printf(&cond, "current_user <> %s AND NOT (SELECT rolsuper FROM pg_roles "
                         "WHERE rolname = current_user)", sl_buf_cstr(&lit));
    guard_fail(g, sl_buf_cstr(&cond), SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "permission denied to %s tokens of role \"%s\"", what, role));
    sl_buf_free(&cond);
    sl_buf_free(&lit);
}

char *sl_command_insert_check_sql(const char *stream, sl_arena_t *a)
{
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    sl_buf_puts(&g, "BEGIN ");      /* no DDL lock: a read of privileges */
    guard_fail(&g, stream_lacks(a, "stream_privilege", stream, "INSERT"),
               SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
               sl_sprintf(a, "permission denied for stream %s", stream));
    guard_end(&g, &sql);
    char *r = sl_strdup(a, sl_buf_cstr(&sql));
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return r;
}

/* CREATE TOKEN FOR ROLE r: a new random token, answered once (one row);
 * only its SHA-256 goes to sluice.tokens. */
static int create_token(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                        sl_command_t *cmd)
{
    char token[SL_TOKEN_LEN + 1], hash[65];
    sl_token_new(token);
    sl_token_hash(token, SL_TOKEN_LEN, hash);
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    token_role_checks(&g, a, stmt->name, "create");
    guard_end(&g, &sql);
    sl_buf_printf(&sql, "INSERT INTO sluice.tokens (hash, role) VALUES ('\\x%s'::bytea, ", hash);
    sl_buf_put_literal(&sql, stmt->name, strlen(stmt->name));
    sl_buf_puts(&sql, ");");
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    static const char *names[] = {"token"};
    set_rows(cmd, a, 1, names, 1);
    cmd->cells[0] = sl_strdup(a, token);
    cmd->tag = "CREATE TOKEN";
    cmd->done = access_done;
    cmd->arg = srv;
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

/* DROP TOKEN 'token' (one the current role may see: its own, or any for a
 * superuser) or DROP TOKEN FOR ROLE r (all of r's). */
static int drop_token(sl_server_t *srv, const sl_stmt_t *stmt, sl_arena_t *a,
                      sl_command_t *cmd)
{
    sl_buf_t sql = SL_BUF_INIT, g = SL_BUF_INIT;
    guard_begin(&g);
    if (stmt->token != NULL) {
        char hash[65], cond[200];
        sl_token_hash(stmt->token, strlen(stmt->token), hash);
        snprintf(cond, sizeof(cond),
                 "NOT EXISTS (SELECT FROM sluice.tokens WHERE hash = '\\x%s'::bytea)", hash);
        guard_fail(&g, cond, SL_ERRCODE_UNDEFINED_OBJECT, "token does not exist");
        guard_end(&g, &sql);
        sl_buf_printf(&sql, "DELETE FROM sluice.tokens WHERE hash = '\\x%s'::bytea;", hash);
    } else {
        token_role_checks(&g, a, stmt->name, "drop");
        guard_end(&g, &sql);
        sl_buf_puts(&sql, "DELETE FROM sluice.tokens WHERE role = ");
        sl_buf_put_literal(&sql, stmt->name, strlen(stmt->name));
        sl_buf_puts(&sql, ";");
    }
    cmd->backend_sql = sl_strdup(a, sl_buf_cstr(&sql));
    cmd->tag = "DROP TOKEN";
    cmd->done = access_done;
    cmd->arg = srv;
    sl_buf_free(&g);
    sl_buf_free(&sql);
    return SL_OK;
}

int sl_command_prepare(sl_server_t *srv, const sl_txn_ddl_t *txn, const sl_stmt_t *stmt,
                       sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    memset(cmd, 0, sizeof(*cmd));
    const sl_catalog_t *cat = session_catalog(srv, txn, a);
    switch (stmt->kind) {
    case SL_STMT_CREATE_STREAM:
        return create_stream(srv, cat, stmt, a, cmd, err);
    case SL_STMT_DROP_STREAM:
        return drop_stream(srv, cat, txn, stmt, a, cmd, err);
    case SL_STMT_CREATE_VIEW:
        return create_view(srv, cat, txn, stmt, a, cmd, err);
    case SL_STMT_DROP_VIEW:
        return drop_view(srv, cat, txn, stmt, a, cmd, err);
    case SL_STMT_TRUNCATE_VIEW:
        return truncate_view(srv, cat, stmt, a, cmd, err);
    case SL_STMT_SHOW_STREAMS:
        return show_streams(cat, a, cmd);
    case SL_STMT_SHOW_VIEWS:
        return show_views(cat, a, cmd);
    case SL_STMT_SHOW_SETTING:
        return show_setting(srv, stmt, a, cmd, err);
    case SL_STMT_EXPLAIN_VIEW:
        return explain_view(cat, stmt, a, cmd, err);
    case SL_STMT_ALTER_STREAM:
        return alter_stream(srv, cat, txn, stmt, a, cmd, err);
    case SL_STMT_ACTIVATE_VIEW:
    case SL_STMT_DEACTIVATE_VIEW:
        return activate_view(srv, cat, stmt, a, cmd, err);
    case SL_STMT_GRANT:
    case SL_STMT_REVOKE:
        return grant(srv, cat, stmt, a, cmd, err);
    case SL_STMT_CREATE_TOKEN:
        return create_token(srv, stmt, a, cmd);
    case SL_STMT_DROP_TOKEN:
        return drop_token(srv, stmt, a, cmd);
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                            "statement kind %d is not a Sluice command", (int)stmt->kind);
    }
}
