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
    SL_STMT_TRUNCATE_VIEW,
    SL_STMT_INSERT,           /* INSERT INTO stream ...: .name, .dml */
    SL_STMT_COPY,             /* COPY stream ... FROM STDIN: .name, .dml */
    SL_STMT_EXPLAIN_VIEW,     /* EXPLAIN CONTINUOUS VIEW name */
    SL_STMT_ALTER_STREAM,     /* ALTER STREAM name ADD [COLUMN]: .cols[0] */
    SL_STMT_ACTIVATE_VIEW,    /* ACTIVATE CONTINUOUS VIEW name */
    SL_STMT_DEACTIVATE_VIEW   /* DEACTIVATE CONTINUOUS VIEW name */
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

/*
 * INSERT INTO stream [(cols)] {VALUES (...), ... | DEFAULT VALUES | query}
 * and COPY stream [(cols)] FROM STDIN [options]: Sluice's only when the name
 * is a stream (sl_sql_streams_t), else forwarded untouched.
 */
typedef enum sl_copy_format { SL_COPY_TEXT, SL_COPY_CSV } sl_copy_format_t;

typedef struct sl_dml {
    int ncols;                /* the column list; 0: all, in order */
    char **cols;              /* folded names */
    int *col_locations;
    /* INSERT */
    bool default_values;      /* DEFAULT VALUES: one row of NULLs */
    int nrows;                /* VALUES rows: SL_A_SELECT nodes whose */
    sl_ast_node_t **rows;     /*   targets are the row's expressions */
    int query_start;          /* INSERT ... query: byte offset of the query
                                 (SELECT, WITH, TABLE, VALUES in
                                 parentheses), -1 for VALUES */
    /* COPY: options as written (sl_analyze_copy checks them) */
    bool copy_to;             /* COPY stream TO ...: refused */
    bool copy_file;           /* FROM 'file' / PROGRAM: refused */
    int copy_location;
    int nopts;
    const char **optnames;    /* folded: "format", "header", "delimiter" ... */
    const char **optvalues;   /* NULL when none was written */
    int *optlocations;
} sl_dml_t;

/* COPY's options, checked (sl_analyze_copy). */
typedef struct sl_copy_opts {
    sl_copy_format_t format;
    bool header;              /* skip the first line */
    char delimiter;           /* '\t' text, ',' csv */
    const char *null_string;  /* "\\N" text, "" csv */
    char quote, escape;       /* csv: '"' both by default */
} sl_copy_opts_t;

/* One WITH (name = value) option of CREATE STREAM / CREATE CONTINUOUS VIEW. */
typedef struct sl_option {
    const char *name;         /* folded */
    const char *value;        /* a string literal decoded; a number or a
                                 word as written (words folded) */
    int location;             /* 1-based, of the name */
    int value_location;
} sl_option_t;

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
    int ncols;                /* CREATE STREAM; ALTER STREAM: its one column */
    sl_coldef_t *cols;
    sl_ast_node_t *select;    /* CREATE CONTINUOUS VIEW ... AS <select> */
    int select_start;         /* byte offset of SELECT in the query */
    int privileges;           /* GRANT / REVOKE: SL_PRIV_* bits */
    int nroles;               /* GRANT / REVOKE: the roles' names */
    char **roles;             /* (a NULL item: PUBLIC) */
    bool grant_option;        /* WITH GRANT OPTION / GRANT OPTION FOR */
    const char *token;        /* DROP TOKEN 'token' (else .name: the role) */
    sl_dml_t *dml;            /* SL_STMT_INSERT / SL_STMT_COPY */
    int noptions;             /* CREATE STREAM / VIEW ... WITH (...) */
    const sl_option_t *options;
} sl_stmt_t;

/* The statement's option called name (folded), NULL when not given. */
const sl_option_t *sl_stmt_option(const sl_stmt_t *st, const char *name);

/* Which unqualified names are streams, for classifying INSERT and COPY
 * (a pgwire session asks its session catalog); NULL: none is. */
typedef struct sl_sql_streams {
    bool (*is_stream)(void *arg, const char *name);
    void *arg;
} sl_sql_streams_t;

/*
 * The fast path of the relay: true when query (NUL-terminated, len bytes)
 * is surely one statement that sl_sql_split would classify as forwarded
 * (no ';' but trailing ones, and a first token no Sluice statement begins
 * with), found without lexing past that token or allocating.  False says
 * nothing: split it.
 */
bool sl_sql_forwarded(const char *query, size_t len);
/* The same, where INSERT INTO s / COPY s are Sluice's when s is a stream:
 * lexes at most the few tokens up to the name. */
bool sl_sql_forwarded_in(const char *query, size_t len, const sl_sql_streams_t *streams);

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
/* The same with streams (sl_sql_forwarded_in). */
int sl_sql_split_in(const char *query, size_t len, const sl_sql_streams_t *streams,
                    sl_arena_t *a, sl_stmt_t **stmts, int *nstmts, sl_error_t *err);

/*
 * INSERT INTO s VALUES analyzed against stream s: for each row, one typed
 * expression per stream column (NULL: the column gets NULL), coerced to the
 * column's type as PostgreSQL assigns (unknown literals through the
 * type's input function, others cast).  params[i] is the text of $i+1
 * (NULL: SQL NULL), nparams of them; a $n beyond them is 42P02.  Errors:
 * 42703 unknown column (with position), 42701 a column named twice, 42601
 * "INSERT has more expressions than target columns" (and the reverse).
 */
typedef struct sl_insert_plan {
    const sl_stream_t *stream;
    int nrows;
    struct sl_expr **cells;   /* nrows * stream->ncols, row-major */
} sl_insert_plan_t;

int sl_analyze_insert(const sl_stmt_t *stmt, const sl_stream_t *s,
                      const char *const *params, int nparams, sl_arena_t *a,
                      sl_insert_plan_t *out, sl_error_t *err);
/* Stream column of each target of stmt's column list (all columns in order
 * without one), into a; *n targets.  42703 / 42701 as above. */
int sl_analyze_dml_targets(const sl_stmt_t *stmt, const sl_stream_t *s, sl_arena_t *a,
                           int **colnos, int *n, sl_error_t *err);
/* COPY stream FROM STDIN's options as PostgreSQL checks them (22023 /
 * 42601 for bad ones), where Sluice's decoders can follow them (0A000 for
 * binary, a file, a csv DELIMITER, NULL or QUOTE of its own, ENCODING,
 * FORCE_*). */
int sl_analyze_copy(const sl_stmt_t *stmt, sl_copy_opts_t *out, sl_error_t *err);
/* The highest $n in stmt's VALUES (0: none). */
int sl_dml_nparams(const sl_stmt_t *stmt);

/*
 * Checks CREATE STREAM (duplicate columns 42701, duplicate stream 42P07
 * unless IF NOT EXISTS) and fills the new stream s (allocated by the caller
 * with sl_stream_new) with its columns.  Sets *exists when IF NOT EXISTS
 * found it already there (s is then left empty).
 */
int sl_analyze_stream(const sl_stmt_t *stmt, const sl_catalog_t *cat,
                      sl_stream_t *s, bool *exists, sl_error_t *err);

/*
 * Checks ALTER STREAM s ADD COLUMN against stream s and fills *col (name
 * from a): 42701 "column "c" of relation "s" already exists", 42704 for a
 * type Sluice does not know (as CREATE STREAM), 54011 past the column limit.
 */
int sl_analyze_alter_stream(const sl_stmt_t *stmt, const sl_stream_t *s, sl_arena_t *a,
                            sl_column_t *col, sl_error_t *err);

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

/*
 * EXPLAIN CONTINUOUS VIEW: v's plan as PostgreSQL-style EXPLAIN lines (its
 * operator tree: the stream it reads, WHERE, group keys or columns,
 * aggregates with their state columns' types, HAVING, the state table and
 * finalizing view, whether it is active).  Lines allocated from a; returns
 * their number.
 */
int sl_explain_view(const sl_view_t *v, sl_arena_t *a, char ***lines);

/* Folds an unquoted identifier to lower case as PostgreSQL does. */
void sl_sql_fold_ident(char *s);

#endif
