/*
 * pgwire_stub_server.c: a stand-in for sluiced that runs only the pgwire
 * listener (src/net) over the real statement splitter (libsql), with a
 * small sl_command_prepare of its own, so tests/e2e/pgwire.sh can drive the
 * protocol layer through real psql before (or without) the whole server.
 *
 *   CREATE STREAM s (...)   backend_sql CREATE TABLE s (...); done() adds s
 *   DROP STREAM s           backend_sql DROP TABLE s; done() removes s
 *   SHOW STREAMS            rows (name, columns, views) from that list
 *   SHOW <setting>          one row
 *
 * Flags as sluiced's: --pg CONNINFO --pgwire-port N; prints the same ready
 * line; SIGTERM/SIGINT stop it.  Not built by make; build from a configured
 * tree with:
 *
 *   gcc -std=gnu11 -include config.h -Isrc -o tests/e2e/pgwire_stub_server \
 *     tests/e2e/pgwire_stub_server.c src/net/libnet.a src/sql/libsql.a \
 *     src/plan/libplan.a src/catalog/libcatalog.a src/util/libutil.a \
 *     -levent -lpq -lm
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "net/pgwire.h"

sl_server_t sl_server;

#define MAX_STREAMS 64

static struct {
    char *name;
    char *columns;
} streams[MAX_STREAMS];
static int nstreams;

typedef struct pending {
    bool create;
    char *name;
    char *columns;
} pending_t;

void sl_log(const char *level, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:  ", level);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int find_stream(const char *name)
{
    for (int i = 0; i < nstreams; i++)
        if (strcmp(streams[i].name, name) == 0)
            return i;
    return -1;
}

static void done_ddl(void *arg, bool ok)
{
    pending_t *p = arg;
    if (!ok)
        return;
    int i = find_stream(p->name);
    if (p->create && i < 0 && nstreams < MAX_STREAMS) {
        streams[nstreams].name = sl_xstrdup(p->name);
        streams[nstreams].columns = sl_xstrdup(p->columns);
        nstreams++;
    } else if (!p->create && i >= 0) {
        free(streams[i].name);
        free(streams[i].columns);
        streams[i] = streams[--nstreams];
    }
}

int sl_command_prepare(sl_server_t *srv, const sl_txn_ddl_t *txn, const sl_stmt_t *stmt,
                       sl_arena_t *a, sl_command_t *cmd, sl_error_t *err)
{
    memset(cmd, 0, sizeof(*cmd));
    switch (stmt->kind) {
    case SL_STMT_CREATE_STREAM: {
        cmd->tag = "CREATE STREAM";
        if (find_stream(stmt->name) >= 0) {
            if (stmt->if_not_exists) {
                cmd->notice = sl_sprintf(a, "relation \"%s\" already exists, skipping",
                                         stmt->name);
                return SL_OK;
            }
            return sl_error_set(err, SL_ERRCODE_DUPLICATE_TABLE, stmt->name_location,
                                "relation \"%s\" already exists", stmt->name);
        }
        sl_buf_t cols = SL_BUF_INIT;
        char tbuf[64];
        for (int c = 0; c < stmt->ncols; c++)
            sl_buf_printf(&cols, "%s%s %s", c ? ", " : "", stmt->cols[c].name,
                          sl_type_sql(stmt->cols[c].type, stmt->cols[c].typmod, tbuf,
                                      sizeof(tbuf)));
        pending_t *p = sl_alloc0(a, sizeof(*p));
        p->create = true;
        p->name = sl_strdup(a, stmt->name);
        p->columns = sl_strdup(a, sl_buf_cstr(&cols));
        cmd->backend_sql = sl_sprintf(a, "CREATE TABLE \"%s\" (%s)", stmt->name, p->columns);
        sl_buf_free(&cols);
        cmd->done = done_ddl;
        cmd->arg = p;
        return SL_OK;
    }
    case SL_STMT_DROP_STREAM: {
        cmd->tag = "DROP STREAM";
        if (find_stream(stmt->name) < 0)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, stmt->name_location,
                                "stream \"%s\" does not exist", stmt->name);
        pending_t *p = sl_alloc0(a, sizeof(*p));
        p->name = sl_strdup(a, stmt->name);
        cmd->backend_sql = sl_sprintf(a, "DROP TABLE \"%s\"", stmt->name);
        cmd->done = done_ddl;
        cmd->arg = p;
        return SL_OK;
    }
    case SL_STMT_SHOW_STREAMS: {
        static const char *names[] = {"name", "columns", "views"};
        static sl_type_t types[] = {SL_T_TEXT, SL_T_TEXT, SL_T_TEXT};
        cmd->tag = "SHOW";
        cmd->ncols = 3;
        cmd->colnames = names;
        cmd->coltypes = types;
        cmd->nrows = nstreams;
        cmd->cells = sl_alloc0(a, sizeof(char *) * (size_t)(3 * nstreams + 1));
        for (int i = 0; i < nstreams; i++) {
            cmd->cells[i * 3] = streams[i].name;
            cmd->cells[i * 3 + 1] = streams[i].columns;
            cmd->cells[i * 3 + 2] = "0";
        }
        return SL_OK;
    }
    case SL_STMT_SHOW_SETTING: {
        cmd->tag = "SHOW";
        cmd->ncols = 1;
        cmd->colnames = sl_alloc(a, sizeof(char *));
        cmd->colnames[0] = stmt->name;
        cmd->coltypes = sl_alloc(a, sizeof(sl_type_t));
        cmd->coltypes[0] = SL_T_TEXT;
        cmd->nrows = 1;
        cmd->cells = sl_alloc0(a, sizeof(char *));
        cmd->cells[0] = "stub";
        return SL_OK;
    }
    default:
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, stmt->name_location,
                            "not supported by the pgwire stub server");
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    if (sl_server.pgwire) {
        sl_pgwire_stop(sl_server.pgwire);
        sl_server.pgwire = NULL;
    }
    event_base_loopexit(sl_server.base, NULL);
}

int main(int argc, char **argv)
{
    const char *pg = getenv("SLUICE_PG");
    int port = 7432;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
            pg = argv[++i];
        else if (strcmp(argv[i], "--pgwire-port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strncmp(argv[i], "--", 2) == 0 && i + 1 < argc)
            i++;    /* other sluiced flags: ignored */
    }
    if (pg == NULL) {
        fprintf(stderr, "pgwire_stub_server: --pg CONNINFO is required\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sl_server.pg_conninfo = sl_xstrdup(pg);
    sl_server.cfg.pg_timeout_ms = 5000;
    sl_server.base = event_base_new();
    struct event *term = evsignal_new(sl_server.base, SIGTERM, on_signal, NULL);
    struct event *intr = evsignal_new(sl_server.base, SIGINT, on_signal, NULL);
    event_add(term, NULL);
    event_add(intr, NULL);
    sl_error_t err;
    sl_error_clear(&err);
    if (sl_pgwire_start(&sl_server, "127.0.0.1", port, &sl_server.pgwire, &err) != SL_OK) {
        fprintf(stderr, "pgwire_stub_server: cannot start: %s\n", err.message);
        return 1;
    }
    sl_log("LOG", "sluiced ready: pgwire 127.0.0.1:%d, http 127.0.0.1:0, postgresql \"%s\"",
           sl_pgwire_port(sl_server.pgwire), pg);
    event_base_dispatch(sl_server.base);
    if (sl_server.pgwire)
        sl_pgwire_stop(sl_server.pgwire);
    event_free(term);
    event_free(intr);
    event_base_free(sl_server.base);
    for (int i = 0; i < nstreams; i++) {
        free(streams[i].name);
        free(streams[i].columns);
    }
    free(sl_server.pg_conninfo);
    return 0;
}

/* Its DDL is not checked after a ROLLBACK TO SAVEPOINT (server.h). */
char *sl_command_txn_check_sql(const sl_txn_ddl_t *txn, sl_arena_t *a)
{
    (void)txn;
    (void)a;
    return NULL;
}

void sl_command_txn_checked(sl_txn_ddl_t *txn, const bool *holds)
{
    (void)txn;
    (void)holds;
}
