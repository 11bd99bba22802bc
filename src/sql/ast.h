/*
 * ast.h: tokens and the abstract syntax tree of Sluice's statements.
 *
 * The grammar (grammar/sql.y) builds these nodes only through the small
 * constructors below (ast.c); it checks nothing.  Name resolution and typing
 * happen in analyze*.c.  Every node and string is allocated from the
 * statement's arena (the one given to sl_sql_split); nodes never point into
 * the query text, so the AST outlives it.
 *
 * Locations are 1-based character positions in the whole query string (what
 * PostgreSQL puts in an error's position field); 0 means none.
 */
#ifndef SL_AST_H
#define SL_AST_H

#include <stdbool.h>

#include "plan/expr.h"
#include "sql/sql.h"
#include "util/arena.h"

/*
 * A token: a (pointer, length) slice of the query text, which the caller of
 * sl_sql_split owns for the duration of the parse.  off is the byte offset
 * of the slice, pos its 1-based character position.
 */
typedef struct sl_token {
    const char *p;
    int n;
    int off;
    int pos;
    unsigned flags;         /* SL_TOKF_* */
} sl_token_t;

#define SL_TOKF_QUOTED 1u   /* "quoted identifier" */
#define SL_TOKF_ESCAPE 2u   /* E'...' string with backslash escapes */
#define SL_TOKF_DOLLAR 4u   /* $tag$...$tag$ string */

typedef enum sl_ast_kind {
    SL_A_INT,          /* integer literal: str = digits */
    SL_A_DEC,          /* decimal / exponent literal: str */
    SL_A_STR,          /* string literal: str (decoded), len */
    SL_A_BOOL,         /* TRUE / FALSE: ival */
    SL_A_NULL,
    SL_A_COLREF,       /* [qual.]name */
    SL_A_STAR,         /* * in a target list ([qual.]*) */
    SL_A_BINOP,        /* args[0] op args[1]; opname for an unknown op */
    SL_A_UMINUS,       /* - args[0] */
    SL_A_UPLUS,        /* + args[0] */
    SL_A_AND,          /* args[0] AND args[1] */
    SL_A_OR,
    SL_A_NOT,          /* NOT args[0] */
    SL_A_ISNULL,       /* args[0] IS NULL */
    SL_A_ISNOTNULL,
    SL_A_CAST,         /* args[0]::typname(typmod) */
    SL_A_FUNC,         /* name(args) / name(*) / name(DISTINCT args) */
    SL_A_UNSUPPORTED,  /* a construct kept for a 0A000 error: str says what */
    SL_A_CASE,         /* CASE [args[0]] WHEN a THEN b ... [ELSE e] END:
                          variant SL_AV_CASE_ARG / SL_AV_CASE_ELSE say which
                          of the first and last args are there */
    SL_A_IN,           /* args[0] [NOT] IN (args[1..]): variant SL_AV_NOT */
    SL_A_BETWEEN,      /* args[0] [NOT] BETWEEN [SYMMETRIC] args[1] AND
                          args[2]: SL_AV_NOT, SL_AV_SYMMETRIC */
    SL_A_LIKE,         /* args[0] [NOT] LIKE|ILIKE args[1] [ESCAPE args[2]]:
                          SL_AV_NOT, SL_AV_ILIKE */
    SL_A_DISTINCT,     /* args[0] IS [NOT] DISTINCT FROM args[1]: SL_AV_NOT */
    SL_A_BOOLTEST,     /* args[0] IS [NOT] TRUE|FALSE|UNKNOWN: variant is an
                          sl_booltest_t */
    SL_A_TARGET,       /* args[0] [AS name] in a select list */
    SL_A_SELECT,       /* see the select fields */
    SL_A_PARAM,        /* $n: str = "$n" (INSERT INTO stream VALUES) */
    SL_A_ANYALL,       /* args[0] op ANY|SOME|ALL (args[1]): op, opname as
                          BINOP; variant SL_AV_ALL */
    SL_A_SUBSCRIPT,    /* args[0][args[1]]; variant SL_SLICE: a slice
                          args[0][lo:hi], args[1] lo and args[2] hi
                          unless SL_SLICE_NO_LOWER / _NO_UPPER (then the
                          bounds there are, in order, in args[1..]) */
    SL_A_ARRAY         /* ARRAY[args...] */
} sl_ast_kind_t;

#define SL_SLICE 1
#define SL_SLICE_NO_LOWER 2
#define SL_SLICE_NO_UPPER 4
#define SL_AV_NOT 1
#define SL_AV_SYMMETRIC 2
#define SL_AV_ILIKE 2
#define SL_AV_CASE_ARG 1
#define SL_AV_CASE_ELSE 2
#define SL_AV_ALL 1

#define SL_AST_OP_OTHER (-1)   /* a binary operator Sluice does not know */

struct sl_ast_node {
    sl_ast_kind_t kind;
    int location;          /* 1-based character position, 0 = none */
    char *str;             /* literal text / name / function / alias */
    int len;               /* bytes of str (strings may hold any byte) */
    char *qual;            /* COLREF / STAR qualifier, or NULL */
    int qual_location;
    int op;                /* BINOP: sl_op_t or SL_AST_OP_OTHER */
    char *opname;          /* BINOP: operator as written */
    bool ival;             /* BOOL value */
    bool star;             /* FUNC: f(*) */
    bool distinct;         /* FUNC: f(DISTINCT ...) */
    sl_ast_node_t *filter; /* FUNC: f(...) FILTER (WHERE filter), or NULL */
    sl_ast_node_t *order;  /* FUNC: f(... ORDER BY order [DESC], ...), or NULL */
    bool order_desc;       /* ... its first key is DESC */
    int norder;            /* ... the number of sort keys */
    char *typname;         /* CAST: type name, lower case, words joined */
    int typmod;            /* CAST: (n) or -1 */
    int type_location;
    int nargs;
    sl_ast_node_t **args;
    int variant;           /* SL_A_CASE ... SL_A_BOOLTEST: SL_AV_* bits */
    int depth;             /* levels of the tree under and with this node
                              (1 for a leaf), kept by the constructors */

    /* SL_A_SELECT */
    int select_off;        /* byte offset of SELECT */
    int ntargets;
    sl_ast_node_t **targets;
    char *from;            /* the stream (folded), NULL without FROM */
    int from_location;
    char *from_alias;
    sl_ast_node_t *where;
    int ngroup;
    sl_ast_node_t **group;
    sl_ast_node_t *having;
    int distinct_location; /* SELECT DISTINCT (not DISTINCT ON), 0 = none */
    const char *unsupported;   /* first construct not supported in a view */
    int unsupported_location;
};

/* A growable list used while parsing; items end in an arena array. */
typedef struct sl_ast_list {
    int n, cap;
    sl_ast_node_t **items;
} sl_ast_list_t;

/* Column definitions collected by the grammar for CREATE STREAM. */
typedef struct sl_coldef_list {
    int n, cap;
    sl_coldef_t *items;
} sl_coldef_list_t;

/* Type name as written, e.g. "double precision" with typmod 10; a pair
 * (p, s) as in numeric(10, 2) is SL_TYPMOD_PAIR(p, s) (each clamped to
 * 0x7fff), which the analyzer turns into the type's own typmod. */
#define SL_TYPMOD_PAIR_FLAG 0x40000000
#define SL_TYPMOD_PAIR(p, s) (SL_TYPMOD_PAIR_FLAG | ((int)(p) << 15) | (int)(s))
#define SL_TYPMOD_PAIR_P(m) (((m) >> 15) & 0x7fff)
#define SL_TYPMOD_PAIR_S(m) ((m) & 0x7fff)
typedef struct sl_typename {
    char *name;
    int typmod;
    int location;
} sl_typename_t;

/* Constructors (ast.c).  All allocate from a; tokens are copied. */
char *sl__ast_ident(sl_arena_t *a, const sl_token_t *t);
sl_ast_node_t *sl__ast_new(sl_arena_t *a, sl_ast_kind_t kind, int location);
sl_ast_node_t *sl__ast_literal(sl_arena_t *a, sl_ast_kind_t kind,
                               const sl_token_t *t);
sl_ast_node_t *sl__ast_colref(sl_arena_t *a, const sl_token_t *qual,
                              const sl_token_t *name);
sl_ast_node_t *sl__ast_unary(sl_arena_t *a, sl_ast_kind_t kind, int location,
                             sl_ast_node_t *arg);
sl_ast_node_t *sl__ast_binop(sl_arena_t *a, const sl_token_t *op,
                             sl_ast_node_t *l, sl_ast_node_t *r);
sl_ast_node_t *sl__ast_bool(sl_arena_t *a, sl_ast_kind_t kind, int location,
                            sl_ast_node_t *l, sl_ast_node_t *r);
sl_ast_node_t *sl__ast_cast(sl_arena_t *a, sl_ast_node_t *arg,
                            const sl_typename_t *type, int location);
sl_ast_node_t *sl__ast_func(sl_arena_t *a, const sl_token_t *name,
                            sl_ast_list_t *args, bool star, bool distinct);
/* A sort key of ORDER BY inside an aggregate call: the first key x (prev
 * NULL) as a holder node, or prev with one more key counted. */
sl_ast_node_t *sl__ast_sortkey(sl_arena_t *a, sl_ast_node_t *prev, sl_ast_node_t *x, bool desc);
/* Attaches the sort keys (sl__ast_sortkey) to the call f. */
void sl__ast_func_order(sl_arena_t *a, sl_ast_node_t *f, sl_ast_node_t *keys);
/* Attaches FILTER (WHERE filter) to the call f; returns f. */
sl_ast_node_t *sl__ast_func_filter(sl_arena_t *a, sl_ast_node_t *f, sl_ast_node_t *filter);
/* A CASE, IN, BETWEEN, LIKE, DISTINCT or BOOLTEST node over args. */
sl_ast_node_t *sl__ast_expr(sl_arena_t *a, sl_ast_kind_t kind, int location,
                            int variant, sl_ast_list_t *args);
/* A call of the function `name` written with SQL's special syntax
 * (SUBSTRING(s FROM i), TRIM(BOTH FROM s), POSITION(a IN b)). */
sl_ast_node_t *sl__ast_call(sl_arena_t *a, const char *name, int location,
                            sl_ast_list_t *args);
sl_ast_node_t *sl__ast_unsupported(sl_arena_t *a, const char *what,
                                   int location);
sl_ast_node_t *sl__ast_target(sl_arena_t *a, sl_ast_node_t *expr,
                              const sl_token_t *alias);
/* Notes the first unsupported construct of a SELECT. */
void sl__ast_select_unsupported(sl_ast_node_t *sel, const char *what,
                                int location);

sl_ast_list_t *sl__ast_list(sl_arena_t *a, sl_ast_node_t *first);
sl_ast_list_t *sl__ast_list_add(sl_arena_t *a, sl_ast_list_t *l,
                                sl_ast_node_t *n);
sl_coldef_list_t *sl__ast_coldef(sl_arena_t *a, sl_coldef_list_t *l,
                                 const sl_token_t *name,
                                 const sl_typename_t *type);
/* Type name from up to four words (NULL-terminated list of tokens). */
sl_typename_t sl__ast_typename(sl_arena_t *a, const sl_token_t *const *words,
                               int typmod);

/* Arrays: x op ANY / ALL (arr); a type name with [] appended (once:
 * PostgreSQL ignores further dimensions). */
sl_ast_node_t *sl__ast_anyall(sl_arena_t *a, const sl_token_t *op, bool all,
                              sl_ast_node_t *l, sl_ast_node_t *r);
sl_typename_t sl__ast_typename_array(sl_arena_t *a, const sl_typename_t *t);

/* Deparses an AST expression (for tests and messages). */
void sl__ast_print(const sl_ast_node_t *n, sl_buf_t *b);

#endif
