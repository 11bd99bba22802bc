/*
 * server.h: the sluiced server struct (the only mutable global) and the
 * statement execution interface used by the pgwire layer.
 *
 * One libevent loop runs network, execution and the PostgreSQL flush.
 */
#ifndef SL_SERVER_H
#define SL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "server/config.h"
#include "sql/sql.h"
#include "util/types.h"

struct event_base;
struct sl_sink;
struct sl_http;
struct sl_pgwire;
struct sl_pgembed;
struct ssl_ctx_st;

/* Event priorities on the server's loop (lower runs first). */
#define SL_PRIO_SINK 0      /* the flush connection and its timer */
#define SL_PRIO_DEFAULT 1   /* listeners and clients */
#define SL_PRIO_COUNT 2

typedef struct sl_server {
    sl_config_t cfg;
    struct event_base *base;
    sl_catalog_t catalog;
    char *pg_conninfo;          /* resolved backing PostgreSQL conninfo */
    char *http_address;         /* "127.0.0.1:7480", for SHOW http_address */
    char *instance;             /* identity for fencing (sink.h) */
    struct sl_sink *sink;
    struct sl_idem *idem;       /* idempotency keys (sink/idem.h) */
    struct sl_http *http;
    struct sl_pgwire *pgwire;
    struct sl_pgembed *embed;
    struct sl_access *access;   /* HTTP tokens (access.h); NULL: http_auth = none */
    struct sl_expire *expire;   /* old rows of sw / ttl views deleted (expire.h) */
    struct ssl_ctx_st *ssl_ctx; /* TLS for pgwire and HTTP (ssl_cert_file); NULL = none */
    bool shutting_down;
} sl_server_t;

extern sl_server_t sl_server;

/*
 * What the pgwire layer does for one Sluice statement (sl_command_prepare):
 *   - if error is set: send it (nothing else);
 *   - else if backend_sql: run it as one simple Query on the client's own
 *     backend connection, inside the client's transaction block if one is
 *     open (the SQL has no BEGIN/COMMIT of its own); relay a PostgreSQL
 *     error if it fails; then, once the transaction it ran in has ended,
 *     call done(arg, outcome) — after which the command is finished with
 *     (SL_DDL_COMMITTED: the in-memory catalog now has the change;
 *     SL_DDL_UNKNOWN when the backend connection was lost while a COMMIT
 *     may have been under way, or a ROLLBACK TO SAVEPOINT left it unclear:
 *     the change is looked up in the catalog tables).  Until a block ends
 *     the command waits in the session's sl_txn_ddl_t;
 *   - then send notice (if any), the rows (if ncols > 0) and
 *     CommandComplete(tag).
 */
/* How the backend_sql of a command ended: committed, failed (nothing
 * changed), or unknown (the backend connection was lost after it was
 * sent: the server looks the change up in the catalog tables). */
typedef enum sl_ddl_outcome {
    SL_DDL_COMMITTED,
    SL_DDL_FAILED,
    SL_DDL_UNKNOWN
} sl_ddl_outcome_t;

typedef struct sl_command {
    const char *tag;            /* "CREATE STREAM", "SHOW", ... */
    const char *notice;         /* NOTICE text (e.g. "... already exists, skipping") */
    const char *notice_detail;  /* its DETAIL, or NULL */
    int ncols;
    const char **colnames;
    sl_type_t *coltypes;
    int nrows;
    char **cells;               /* nrows * ncols, row-major; NULL = SQL NULL */
    char *backend_sql;
    bool backend_notices;       /* relay backend_sql's notices and warnings */
    const char *filter_sql;     /* a query for the client's backend whose rows
                                   name (first column) the rows of cells the
                                   session may see: the others are left out */
    void (*done)(void *arg, sl_ddl_outcome_t outcome);
    void *arg;
} sl_command_t;

/*
 * A session's Sluice DDL whose backend_sql ran inside its open transaction
 * block, oldest first: each done(arg, ...) is called when the block ends
 * (COMMITTED at its COMMIT, FAILED at its ROLLBACK or abort).  Owned by the
 * pgwire connection (items malloc'd); the session's own statements see
 * these changes (sl_command_prepare), other sessions and HTTP do not.
 */
typedef struct sl_txn_ddl_item {
    void (*done)(void *arg, sl_ddl_outcome_t outcome);
    void *arg;
} sl_txn_ddl_item_t;

typedef struct sl_txn_ddl {
    int n, cap;
    sl_txn_ddl_item_t *items;
    bool uncertain;             /* a ROLLBACK left the block open (ROLLBACK
                                   TO SAVEPOINT): which items survived is
                                   checked before the session's next Sluice
                                   statement (sl_command_txn_check_sql), or
                                   looked up after COMMIT (SL_DDL_UNKNOWN) */
} sl_txn_ddl_t;

/* After a ROLLBACK that left the block open (txn->uncertain): a query for
 * the session's backend whose one row holds a boolean per item of txn,
 * whether its change still holds in the transaction (in a); NULL if no
 * item can be checked.  sl_command_txn_checked takes that row (holds[i]
 * for item i): undone changes are no longer seen by the session and never
 * applied. */
char *sl_command_txn_check_sql(const sl_txn_ddl_t *txn, sl_arena_t *a);
void sl_command_txn_checked(sl_txn_ddl_t *txn, const bool *holds);

/* Prepares the command for stmt (allocating from a), as the session with
 * the pending DDL txn (NULL: none) sees the catalog.  Returns SL_OK, or
 * SL_ERR with err set (analysis errors, positions relative to the query). */
int sl_command_prepare(sl_server_t *srv, const sl_txn_ddl_t *txn, const sl_stmt_t *stmt,
                       sl_arena_t *a, sl_command_t *cmd, sl_error_t *err);

/* A query for a session's backend that fails with 42501 ("permission
 * denied for stream s") unless the session's role may insert into stream
 * (its INSERT privilege on sluice_stream.stream), in a. */
char *sl_command_insert_check_sql(const char *stream, sl_arena_t *a);

/* Logging to stderr with a timestamp and level. */
void sl_log(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define sl_log_info(...) sl_log("LOG", __VA_ARGS__)
#define sl_log_warning(...) sl_log("WARNING", __VA_ARGS__)
#define sl_log_error(...) sl_log("ERROR", __VA_ARGS__)

#endif
