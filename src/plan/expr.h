/*
 * expr.h: analyzed, typed scalar expressions (part of read-only plans).
 *
 * The analyzer (sql/analyze*.c) builds these from the AST after name
 * resolution and type checking; the executor (exec/expr.c) evaluates them
 * against one row of a column batch.  Nodes are allocated from the view's
 * arena and never modified after planning.
 */
#ifndef SL_EXPR_H
#define SL_EXPR_H

#include "util/types.h"

typedef enum sl_expr_kind {
    SL_E_CONST,     /* constval */
    SL_E_COLUMN,    /* colno: index of the stream column in the batch */
    SL_E_OP,        /* binary operator op on args[0], args[1] */
    SL_E_NEG,       /* unary minus on args[0] */
    SL_E_AND,       /* nargs >= 2, three-valued */
    SL_E_OR,        /* nargs >= 2, three-valued */
    SL_E_NOT,       /* args[0] */
    SL_E_ISNULL,    /* args[0] IS NULL */
    SL_E_ISNOTNULL, /* args[0] IS NOT NULL */
    SL_E_CAST,      /* args[0] converted to type (with typmod) */
    SL_E_CASE,      /* args: when1, then1, ..., whenN, thenN, else (nargs odd):
                       the first true when's then, later ones not evaluated */
    SL_E_COALESCE,  /* the first non-NULL of args; later ones not evaluated */
    SL_E_NULLIF,    /* args[0], or NULL when it equals args[1] (one type) */
    SL_E_MINMAX,    /* GREATEST (op SL_OP_GT) / LEAST (SL_OP_LT) of args (one
                       type), NULLs skipped: NULL only when all are */
    SL_E_ANY,       /* args[0] = ANY (args[1..]) (op SL_OP_EQ), or <> ALL (op
                       SL_OP_NE): every argument evaluated, as the array is */
    SL_E_DISTINCT,  /* args[0] IS DISTINCT FROM args[1] (op SL_OP_NE), or IS
                       NOT DISTINCT FROM (SL_OP_EQ): never NULL */
    SL_E_BOOLTEST,  /* args[0] IS [NOT] TRUE / FALSE / UNKNOWN (booltest) */
    SL_E_FUNC,      /* a built-in function (func: plan/func.h) of args */
    SL_E_ANYALL     /* args[0] op ANY (args[1]), an array; ALL when `all`:
                       PostgreSQL's ScalarArrayOpExpr */
} sl_expr_kind_t;

typedef enum sl_booltest {
    SL_BT_TRUE, SL_BT_NOT_TRUE, SL_BT_FALSE, SL_BT_NOT_FALSE,
    SL_BT_UNKNOWN, SL_BT_NOT_UNKNOWN
} sl_booltest_t;

typedef enum sl_op {
    SL_OP_ADD, SL_OP_SUB, SL_OP_MUL, SL_OP_DIV, SL_OP_MOD,
    SL_OP_EQ, SL_OP_NE, SL_OP_LT, SL_OP_LE, SL_OP_GT, SL_OP_GE,
    SL_OP_CONCAT
} sl_op_t;

typedef struct sl_expr {
    sl_expr_kind_t kind;
    sl_type_t type;        /* result type */
    int typmod;            /* -1 unless a varchar(n) column or cast */
    int location;          /* 1-based position in the statement, 0 = none */
    sl_op_t op;            /* SL_E_OP */
    int colno;             /* SL_E_COLUMN */
    sl_datum_t constval;   /* SL_E_CONST (text bytes in the plan arena) */
    sl_booltest_t booltest; /* SL_E_BOOLTEST */
    int func;              /* SL_E_FUNC: sl_func_id_t */
    const void *aux;       /* SL_E_FUNC: a regular expression compiled at
                              plan time (regex_t), owned by the plan */
    int nargs;
    struct sl_expr **args;
    bool all;              /* SL_E_ANYALL: op ALL (array) */
} sl_expr_t;

#endif
