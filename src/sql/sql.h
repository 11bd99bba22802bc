/*
 * sql.h: the SQL front end: split a query string into statements, parse
 * Sluice's own statements (Lemon grammar + re2c lexer) and analyze them
 * against the catalog.
 *
 *   sl_sql_split    query text -> statements, each either Sluice's
 *                   (parsed into an AST) or to be forwarded verbatim to
 *                   the backing PostgreSQL
 *   sl_analyze_*    AST -> stream definition / view plan (plan.h),
 *                   with PostgreSQL's errors (42703 with position, 42P01,
 *                   42803, 42883, ...)
 *
 * Positions in errors are 1-based character offsets into the whole query
 * string passed to sl_sql_split (psql draws its caret from them).
 */
#ifndef SL_SQL_H
#define SL_SQL_H

#include <stdbool.h>

#include "catalog/catalog.h"
#include "util/arena.h"
#include "util/error.h"

typedef enum sl_stmt_kind {
    SL_STMT_FORWARD,          /* not Sluice's: relay text to PostgreSQL */
    SL_STMT_EMPTY,            /* only whitespace/comments before ';' */
    SL_STMT_CREATE_STREAM,
    SL_STMT_DROP_STREAM,
    SL_STMT_CREATE_VIEW,
    SL_STMT_DROP_VIEW,
    SL_STMT_SHOW_STREAMS,
    SL_STMT_SHOW_VIEWS,
    SL_STMT_SHOW_SETTING,     /* SHOW http_address etc.: setting in .name */
    SL_STMT_GRANT,            /* GRANT ... ON STREAM name TO roles */
    SL_STMT_REVOKE,           /* REVOKE ... ON STREAM name FROM roles */
    SL_STMT_CREATE_TOKEN,     /* CREATE TOKEN FOR ROLE name */
    SL_STMT_DROP_TOKEN,       /* DROP TOKEN 'token' | DROP TOKEN FOR ROLE name */
    SL_STMT_TRUNCATE_VIEW
} sl_stmt_kind_t;

/* Privileges on a stream (GRANT / REVOKE ... ON STREAM). */
#define SL_PRIV_INSERT 1
#define SL_PRIV_SELECT 2

/*
 * Limits on what one Sluice statement may ask of the server, so that no
 * statement holds the event loop for long or runs the stack out:
 * PostgreSQL's limits where it has them (54011 for target lists and table
 * columns, 54023 for function arguments), and 54000 / 54001 for the length
 * of a statement and the nesting of its expressions (every walk over an
 * expression recurses at most SL_SQL_MAX_DEPTH levels, plus the few
 * implicit casts the analyzer adds per level).
 */
#define SL_SQL_MAX_STATEMENT (1024 * 1024)   /* bytes of one statement */
#define SL_SQL_MAX_DEPTH 1000                /* expression nesting */
#define SL_SQL_MAX_TARGETS 1664              /* select-list entries */
#define SL_SQL_MAX_COLUMNS 1600              /* stream / state table columns */
#define SL_SQL_MAX_ARGS 100                  /* function arguments */

typedef struct sl_ast_node sl_ast_node_t;   /* AST of a SELECT (sql/ast.h) */

typedef struct sl_coldef {
    char *name;
    sl_type_t type;           /* SL_T_UNKNOWN until sl_analyze_stream when
                                 typname is not a type Sluice knows */
    int typmod;
    int location;
    char *typname;            /* type as written, lower case ("varchar") */
    int type_location;
} sl_coldef_t;

typedef struct sl_stmt {
    sl_stmt_kind_t kind;
    int start, end;           /* byte range of the statement in the query,
                                 without the terminating ';' */
    const char *text;         /* NUL-terminated copy of that range */
    char *name;               /* stream/view/setting name, case-folded */
    int name_location;
    bool if_not_exists;       /* CREATE ... IF NOT EXISTS */
    bool if_exists;           /* DROP ... IF EXISTS */
    bool cascade;             /* DROP STREAM ... CASCADE */
    int ncols;                /* CREATE STREAM */
    sl_coldef_t *cols;
    sl_ast_node_t *select;    /* CREATE CONTINUOUS VIEW ... AS <select> */
    int select_start;         /* byte offset of SELECT in the query */
    int privileges;           /* GRANT / REVOKE: SL_PRIV_* bits */
    int nroles;               /* GRANT / REVOKE: the roles' names */
    char **roles;             /* (a NULL item: PUBLIC) */
    bool grant_option;        /* WITH GRANT OPTION / GRANT OPTION FOR */
    const char *token;        /* DROP TOKEN 'token' (else .name: the role) */
} sl_stmt_t;

/*
 * The fast path of the relay: true when query (NUL-terminated, len bytes)
 * is surely one statement that sl_sql_split would classify as forwarded
 * (no ';' but trailing ones, and a first token no Sluice statement begins
 * with), found without lexing past that token or allocating.  False says
 * nothing: split it.
 */
bool sl_sql_forwarded(const char *query, size_t len);

/*
 * Splits query (NUL-terminated, len bytes) into statements at top-level
 * semicolons (quotes, dollar quotes, comments and parentheses respected)
 * and parses those that are Sluice's.  Allocates from a.  On a syntax error
 * in a Sluice statement returns SL_ERR with 42601 and the position; the
 * statements before it are still returned in *stmts / *nstmts, so a caller
 * can run them first, as PostgreSQL does for a multi-statement Query.
 */
int sl_sql_split(const char *query, size_t len, sl_arena_t *a,
                 sl_stmt_t **stmts, int *nstmts, sl_error_t *err);

/*
 * Checks CREATE STREAM (duplicate columns 42701, duplicate stream 42P07
 * unless IF NOT EXISTS) and fills the new stream s (allocated by the caller
 * with sl_stream_new) with its columns.  Sets *exists when IF NOT EXISTS
 * found it already there (s is then left empty).
 */
int sl_analyze_stream(const sl_stmt_t *stmt, const sl_catalog_t *cat,
                      sl_stream_t *s, bool *exists, sl_error_t *err);

/*
 * Analyzes CREATE CONTINUOUS VIEW against the catalog and fills v->plan,
 * v->stream, v->schema (allocated from v->arena).  Errors: 42P01 unknown
 * stream, 42P07 duplicate (a view or stream of that name), 42703 unknown
 * column, 42803 grouping, 42883 unknown function / operator, 42804 type
 * mismatch, 0A000 for SQL not supported in a continuous view.  Sets *exists
 * for IF NOT EXISTS on an existing view.
 */
int sl_analyze_view(const sl_stmt_t *stmt, const sl_catalog_t *cat,
                    sl_view_t *v, bool *exists, sl_error_t *err);

/* Folds an unquoted identifier to lower case as PostgreSQL does. */
void sl_sql_fold_ident(char *s);

#endif
