/*
 * sql.y: the Lemon grammar of Sluice's own statements.
 *
 *   CREATE STREAM [IF NOT EXISTS] s (col type, ...)
 *   DROP STREAM [IF EXISTS] s [CASCADE | RESTRICT]
 *   CREATE CONTINUOUS VIEW [IF NOT EXISTS] v AS SELECT ...
 *   DROP CONTINUOUS VIEW [IF EXISTS] v
 *   TRUNCATE CONTINUOUS VIEW v
 *   EXPLAIN CONTINUOUS VIEW v
 *   ACTIVATE CONTINUOUS VIEW v | DEACTIVATE CONTINUOUS VIEW v
 *   ALTER STREAM s ADD [COLUMN] col type
 *   SHOW STREAMS | SHOW CONTINUOUS VIEWS | SHOW setting
 *   GRANT {INSERT | SELECT | ALL} ON STREAM s TO role, ... [WITH GRANT OPTION]
 *   REVOKE [GRANT OPTION FOR] ... ON STREAM s FROM role, ... [CASCADE | RESTRICT]
 *   CREATE TOKEN FOR ROLE r | DROP TOKEN 'token' | DROP TOKEN FOR ROLE r
 *
 * The parse driver (sql/parse.c) feeds one statement's tokens, then its
 * ';' if any, then end of input.  Actions only build the statement and AST
 * nodes through sql/ast.c constructors; every check is the analyzer's.
 * Clauses a continuous view cannot have (ORDER BY, LIMIT, joins ...) are
 * parsed and noted on the SELECT so the analyzer reports 0A000.  The first
 * syntax error is reported with its position (42601).
 *
 * Precedence follows PostgreSQL's table (lowest first): OR, AND, NOT, IS,
 * comparison, BETWEEN IN LIKE ILIKE, ESCAPE, other operators (||, ~), + -,
 * * / %, unary minus, ::, [ (a subscript; after a type name, T[]).
 */

%name sl__parser
%token_prefix TK_
%token_type {sl_token_t}
%default_type {sl_token_t}
%extra_context {sl_parse_t *ps}

%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

#define YYNOERRORRECOVERY 1
#define A (ps->a)

/* The first error of the statement wins; the driver feeds no more tokens. */
static void limit_error(sl_parse_t *ps, const char *sqlstate, int pos, const char *msg,
                        const char *detail)
{
    if (ps->failed)
        return;
    ps->failed = true;
    sl_error_set(ps->err, sqlstate, pos, "%s", msg);
    if (detail)
        sl_error_detail(ps->err, "%s", detail);
}

/* Every expression node is checked as it is built, so no walk over an
 * expression recurses deeper than SL_SQL_MAX_DEPTH (sql.h); a function's
 * arguments are limited as in PostgreSQL. */
#define BOUND(E) do { \
        if ((E)->depth > SL_SQL_MAX_DEPTH) \
            limit_error(ps, SL_ERRCODE_STATEMENT_TOO_COMPLEX, (E)->location, \
                        "statement is too complex", \
                        "Expressions can be nested at most " SL_STR(SL_SQL_MAX_DEPTH) \
                        " levels deep."); \
        else if ((E)->kind == SL_A_FUNC && (E)->nargs > SL_SQL_MAX_ARGS) \
            limit_error(ps, SL_ERRCODE_TOO_MANY_ARGUMENTS, (E)->location, \
                        "cannot pass more than " SL_STR(SL_SQL_MAX_ARGS) \
                        " arguments to a function", NULL); \
    } while (0)
/* A role of GRANT / REVOKE: its name in str, NULL for PUBLIC. */
static sl_ast_node_t *grantee(sl_arena_t *a, const sl_token_t *t)
{
    sl_ast_node_t *n = sl__ast_new(a, SL_A_STR, t->pos);
    bool pub = !(t->flags & SL_TOKF_QUOTED) && t->n == 6 && strncasecmp(t->p, "public", 6) == 0;
    n->str = pub ? NULL : sl__ast_ident(a, t);
    return n;
}
/* The names of a grantee list (NULL items for PUBLIC). */
/* WITH (...) options while parsing: newest first. */
typedef struct optlist {
    sl_option_t opt;
    struct optlist *next;
    int n;
} optlist_t;

static optlist_t *option_value(sl_arena_t *a, const char *value, const sl_token_t *t)
{
    optlist_t *o = sl_alloc0(a, sizeof(*o));
    o->opt.value = value;
    o->opt.value_location = t->pos;
    o->n = 1;
    return o;
}

/* The statement's options in the order written. */
static void set_options(sl_arena_t *a, sl_stmt_t *st, const optlist_t *l)
{
    if (!l)
        return;
    sl_option_t *v = sl_alloc(a, sizeof(*v) * (size_t)l->n);
    st->noptions = l->n;
    for (int i = l->n - 1; l; l = l->next, i--)
        v[i] = l->opt;
    st->options = v;
}

static char **role_names(sl_arena_t *a, const sl_ast_list_t *l)
{
    char **r = sl_alloc0(a, sizeof(char *) * (size_t)(l->n + 1));
    for (int i = 0; i < l->n; i++)
        r[i] = l->items[i]->str;
    return r;
}
/* The list first, rest... (IN's operand before its list). */
static sl_ast_list_t *cons(sl_arena_t *a, sl_ast_node_t *first, sl_ast_list_t *rest)
{
    sl_ast_list_t *l = sl__ast_list(a, first);
    for (int i = 0; rest && i < rest->n; i++)
        l = sl__ast_list_add(a, l, rest->items[i]);
    return l;
}
static sl_ast_list_t *list3(sl_arena_t *a, sl_ast_node_t *x, sl_ast_node_t *y, sl_ast_node_t *z)
{
    sl_ast_list_t *l = sl__ast_list(a, x);
    if (y)
        l = sl__ast_list_add(a, l, y);
    if (z)
        l = sl__ast_list_add(a, l, z);
    return l;
}
#define SL_STR(x) SL_STR_(x)
#define SL_STR_(x) #x
static sl_ast_node_t *like_node(sl_parse_t *ps, int pos, int variant, sl_ast_node_t *x,
                                sl_ast_node_t *p, sl_ast_node_t *esc)
{
    sl_ast_node_t *e = sl__ast_expr(ps->a, SL_A_LIKE, pos, variant, list3(ps->a, x, p, esc));
    BOUND(e);
    return e;
}
}

%syntax_error {
    (void)yymajor;
    if (!ps->failed) {
        ps->failed = true;
        if (TOKEN.n == 0)
            sl_error_set(ps->err, SL_ERRCODE_SYNTAX_ERROR, ps->end_pos,
                         "syntax error at end of input");
        else
            sl_error_set(ps->err, SL_ERRCODE_SYNTAX_ERROR, TOKEN.pos,
                         "syntax error at or near \"%.*s\"", TOKEN.n, TOKEN.p);
    }
}

%parse_failure {
    ps->failed = true;
}

/* Nesting that the parser stacks (parentheses, NOT NOT ..., - - ...)
 * ends here, at about the same depth as BOUND's. */
%stack_size 1000
%stack_overflow {
    limit_error(ps, SL_ERRCODE_STATEMENT_TOO_COMPLEX, 0, "statement is too complex",
                "Expressions can be nested at most " SL_STR(SL_SQL_MAX_DEPTH) " levels deep.");
}

/* Terminals only the lexer produces (never accepted by a rule). */
%token ILLEGAL OPERATOR PARAM.
/* NOT before IN / LIKE / ILIKE / BETWEEN (sql/parse.c looks ahead). */
%token NOT_LA.

/* Non-reserved keywords: usable as names wherever a keyword does not fit. */
%fallback ID ACTIVATE ADD ALTER ASC BY CASCADE CHARACTER COLUMN CONTINUOUS DEACTIVATE
    DESC DOUBLE EXISTS EXPLAIN FILTER IF INSERT OPTION PRIVILEGES PRECISION RESTRICT
    REVOKE ROLE SHOW STREAM STREAMS TIME TOKEN TRUNCATE VARYING VIEW VIEWS WITHOUT ZONE
    ESCAPE UNKNOWN POSITION SUBSTRING TRIM EXTRACT OVER PARTITION WITHIN.

%left OR.
%left AND.
%right NOT.
%nonassoc IS.
%nonassoc EQ NE LT LE GT GE.
%nonassoc BETWEEN IN LIKE ILIKE NOT_LA.
%nonassoc ESCAPE.
%left CONCAT OPERATOR.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UMINUS.
%left TYPECAST.
%left LBRACKET.

input ::= stmt opt_semi.
opt_semi ::= .
opt_semi ::= SEMI.

/* ---------------------------------------------------------------- DDL */

stmt ::= CREATE STREAM ifnotexists(E) name(N) LP coldefs(C) RP withopts(O). {
    ps->stmt->kind = SL_STMT_CREATE_STREAM;
    set_options(A, ps->stmt, O);
    ps->stmt->if_not_exists = E;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
    ps->stmt->ncols = C->n;
    ps->stmt->cols = C->items;
}
stmt ::= DROP STREAM ifexists(E) name(N) dropbehavior(C). {
    ps->stmt->kind = SL_STMT_DROP_STREAM;
    ps->stmt->if_exists = E;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
    ps->stmt->cascade = C;
}
stmt ::= CREATE CONTINUOUS VIEW ifnotexists(E) name(N) withopts(O) AS selectset(S). {
    ps->stmt->kind = SL_STMT_CREATE_VIEW;
    set_options(A, ps->stmt, O);
    ps->stmt->if_not_exists = E;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
    ps->stmt->select = S;
    ps->stmt->select_start = S->select_off;
}
stmt ::= DROP CONTINUOUS VIEW ifexists(E) name(N). {
    ps->stmt->kind = SL_STMT_DROP_VIEW;
    ps->stmt->if_exists = E;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}
stmt ::= TRUNCATE CONTINUOUS VIEW name(N). {
    ps->stmt->kind = SL_STMT_TRUNCATE_VIEW;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}
stmt ::= EXPLAIN CONTINUOUS VIEW name(N). {
    ps->stmt->kind = SL_STMT_EXPLAIN_VIEW;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}
stmt ::= ACTIVATE CONTINUOUS VIEW name(N). {
    ps->stmt->kind = SL_STMT_ACTIVATE_VIEW;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}
stmt ::= DEACTIVATE CONTINUOUS VIEW name(N). {
    ps->stmt->kind = SL_STMT_DEACTIVATE_VIEW;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}
stmt ::= ALTER STREAM name(N) ADD optcolumn name(C) typename(T). {
    sl_coldef_list_t *l = sl__ast_coldef(A, NULL, &C, &T);
    ps->stmt->kind = SL_STMT_ALTER_STREAM;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
    ps->stmt->ncols = l->n;
    ps->stmt->cols = l->items;
}
optcolumn ::= .
optcolumn ::= COLUMN.
stmt ::= SHOW STREAMS. { ps->stmt->kind = SL_STMT_SHOW_STREAMS; }
stmt ::= SHOW CONTINUOUS VIEWS. { ps->stmt->kind = SL_STMT_SHOW_VIEWS; }
stmt ::= SHOW name(N). {
    ps->stmt->kind = SL_STMT_SHOW_SETTING;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}

/* ---------------------------------------------------- privileges, tokens */

stmt ::= GRANT privileges(P) ON STREAM name(N) TO grantees(G) grantoption(O). {
    ps->stmt->kind = SL_STMT_GRANT;
    ps->stmt->privileges = P;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
    ps->stmt->nroles = G->n;
    ps->stmt->roles = role_names(A, G);
    ps->stmt->grant_option = O;
}
stmt ::= REVOKE grantoptionfor(O) privileges(P) ON STREAM name(N) FROM grantees(G)
         dropbehavior(C). {
    ps->stmt->kind = SL_STMT_REVOKE;
    ps->stmt->privileges = P;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
    ps->stmt->nroles = G->n;
    ps->stmt->roles = role_names(A, G);
    ps->stmt->grant_option = O;
    ps->stmt->cascade = C;
}
stmt ::= CREATE TOKEN FOR ROLE name(N). {
    ps->stmt->kind = SL_STMT_CREATE_TOKEN;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}
stmt ::= DROP TOKEN STRING(X). {
    ps->stmt->kind = SL_STMT_DROP_TOKEN;
    sl_ast_node_t *lit = sl__ast_literal(A, SL_A_STR, &X);
    ps->stmt->token = lit->str;
    ps->stmt->name_location = X.pos;
}
stmt ::= DROP TOKEN FOR ROLE name(N). {
    ps->stmt->kind = SL_STMT_DROP_TOKEN;
    ps->stmt->name = sl__ast_ident(A, &N);
    ps->stmt->name_location = N.pos;
}

%type privileges {int}
privileges(P) ::= ALL. { P = SL_PRIV_INSERT | SL_PRIV_SELECT; }
privileges(P) ::= ALL PRIVILEGES. { P = SL_PRIV_INSERT | SL_PRIV_SELECT; }
privileges(P) ::= privlist(L). { P = L; }
%type privlist {int}
privlist(P) ::= privilege(X). { P = X; }
privlist(P) ::= privlist(L) COMMA privilege(X). { P = L | X; }
%type privilege {int}
privilege(P) ::= INSERT. { P = SL_PRIV_INSERT; }
privilege(P) ::= SELECT. { P = SL_PRIV_SELECT; }
/* Roles by name; PUBLIC (unquoted) is every role: a NULL item. */
%type grantees {sl_ast_list_t *}
grantees(L) ::= name(N). { L = sl__ast_list(A, grantee(A, &N)); }
grantees(L) ::= grantees(P) COMMA name(N). { L = sl__ast_list_add(A, P, grantee(A, &N)); }
%type grantoption {bool}
grantoption(O) ::= . { O = false; }
grantoption(O) ::= WITH GRANT OPTION. { O = true; }
%type grantoptionfor {bool}
grantoptionfor(O) ::= . { O = false; }
grantoptionfor(O) ::= GRANT OPTION FOR. { O = true; }

%type ifnotexists {bool}
ifnotexists(E) ::= . { E = false; }
ifnotexists(E) ::= IF NOT EXISTS. { E = true; }
%type ifexists {bool}
ifexists(E) ::= . { E = false; }
ifexists(E) ::= IF EXISTS. { E = true; }
%type dropbehavior {bool}
dropbehavior(C) ::= . { C = false; }
dropbehavior(C) ::= CASCADE. { C = true; }
dropbehavior(C) ::= RESTRICT. { C = false; }

name(N) ::= ID(X). { N = X; }

/* WITH (name = value, ...) after CREATE STREAM's columns and before a
 * continuous view's AS: values are string literals, numbers or words;
 * which names mean something is the analyzer's business. */
%type withopts {optlist_t *}
%destructor withopts { (void)$$; (void)ps; }
withopts(L) ::= . { L = NULL; }
withopts(L) ::= WITH LP optlist(X) RP. { L = X; }
%type optlist {optlist_t *}
%destructor optlist { (void)$$; (void)ps; }
optlist(L) ::= option(O). { L = O; }
optlist(L) ::= optlist(P) COMMA option(O). { L = O; L->next = P; L->n = P->n + 1; }
%type option {optlist_t *}
%destructor option { (void)$$; (void)ps; }
option(O) ::= name(N) EQ optvalue(V). {
    O = V;
    O->opt.name = sl__ast_ident(A, &N);
    O->opt.location = N.pos;
}
%type optvalue {optlist_t *}
%destructor optvalue { (void)$$; (void)ps; }
optvalue(V) ::= STRING(X). { V = option_value(A, sl__ast_literal(A, SL_A_STR, &X)->str, &X); }
optvalue(V) ::= INTEGER(X). { V = option_value(A, sl_strndup(A, X.p, (size_t)X.n), &X); }
optvalue(V) ::= DECIMAL(X). { V = option_value(A, sl_strndup(A, X.p, (size_t)X.n), &X); }
optvalue(V) ::= ID(X). { V = option_value(A, sl__ast_ident(A, &X), &X); }

/* The list lives in the arena: nothing to free on error. */
%type coldefs {sl_coldef_list_t *}
%destructor coldefs { (void)$$; (void)ps; }
coldefs(L) ::= name(N) typename(T). { L = sl__ast_coldef(A, NULL, &N, &T); }
coldefs(L) ::= coldefs(P) COMMA name(N) typename(T). {
    L = sl__ast_coldef(A, P, &N, &T);
    if (L->n > SL_SQL_MAX_COLUMNS)
        limit_error(ps, SL_ERRCODE_TOO_MANY_COLUMNS, N.pos,
                    "tables can have at most " SL_STR(SL_SQL_MAX_COLUMNS) " columns", NULL);
}

%type typename {sl_typename_t}
typename(T) ::= ID(X) typmod(M). {
    const sl_token_t *w[] = {&X, NULL};
    T = sl__ast_typename(A, w, M);
}
typename(T) ::= ID(X) WITH(Y) TIME(Z) ZONE(W). {
    const sl_token_t *w[] = {&X, &Y, &Z, &W, NULL};
    T = sl__ast_typename(A, w, -1);
}
typename(T) ::= ID(X) WITHOUT(Y) TIME(Z) ZONE(W). {
    const sl_token_t *w[] = {&X, &Y, &Z, &W, NULL};
    T = sl__ast_typename(A, w, -1);
}
typename(T) ::= DOUBLE(X) PRECISION(Y). {
    const sl_token_t *w[] = {&X, &Y, NULL};
    T = sl__ast_typename(A, w, -1);
}
typename(T) ::= CHARACTER(X) VARYING(Y) typmod(M). {
    const sl_token_t *w[] = {&X, &Y, NULL};
    T = sl__ast_typename(A, w, M);
}
typename(T) ::= CHARACTER(X) typmod(M). {
    const sl_token_t *w[] = {&X, NULL};
    T = sl__ast_typename(A, w, M);
}

%type typmod {int}
typmod(M) ::= . { M = -1; }
typmod(M) ::= LP INTEGER(N) RP. {
    long v = strtol(N.p, NULL, 10);
    M = (N.n > 9 || v > 10485760) ? 10485760 : (int)v;
}
typmod(M) ::= LP INTEGER(N) COMMA INTEGER(S) RP. {
    long p = strtol(N.p, NULL, 10), s = strtol(S.p, NULL, 10);
    M = SL_TYPMOD_PAIR(N.n > 6 ? 0x7fff : p, S.n > 6 ? 0x7fff : s);
}

/* ------------------------------------------------------------- SELECT */

%type select {sl_ast_node_t *}
%destructor select { (void)$$; (void)ps; }
select(S) ::= SELECT(K) distinct(D) targets(T) from(F) where(W) groupby(G)
              having(H) orderby(O) limit(L). {
    S = F ? F : sl__ast_new(A, SL_A_SELECT, K.pos);
    S->location = K.pos;
    S->select_off = K.off;
    S->ntargets = T->n;
    S->targets = T->items;
    S->where = W;
    S->ngroup = G ? G->n : 0;
    S->group = G ? G->items : NULL;
    S->having = H;
    if (D < 0)
        sl__ast_select_unsupported(S, "SELECT DISTINCT ON", -D);
    S->distinct_location = D > 0 ? D : 0;
    if (O)
        sl__ast_select_unsupported(S, "ORDER BY", O);
    if (L)
        sl__ast_select_unsupported(S, "LIMIT or OFFSET", L);
}

/* SELECT ... UNION [ALL | DISTINCT] SELECT ...: the first SELECT, with the
 * UNION noted for the analyzer's 0A000. */
%type selectset {sl_ast_node_t *}
%destructor selectset { (void)$$; (void)ps; }
selectset(S) ::= select(X). { S = X; }
selectset(S) ::= selectset(X) UNION(U) distinct select. {
    S = X;
    sl__ast_select_unsupported(S, "UNION", U.pos);
}

/* Location of DISTINCT, 0 when absent, negated for DISTINCT ON. */
%type distinct {int}
distinct(D) ::= . { D = 0; }
distinct(D) ::= ALL. { D = 0; }
distinct(D) ::= DISTINCT(K). { D = K.pos; }
distinct(D) ::= DISTINCT(K) ON LP exprlist RP. { D = -K.pos; }

%type targets {sl_ast_list_t *}
%destructor targets { (void)$$; (void)ps; }
targets(L) ::= target(T). { L = sl__ast_list(A, T); }
targets(L) ::= targets(P) COMMA target(T). {
    L = sl__ast_list_add(A, P, T);
    if (L->n > SL_SQL_MAX_TARGETS)
        limit_error(ps, SL_ERRCODE_TOO_MANY_COLUMNS, T->location,
                    "target lists can have at most " SL_STR(SL_SQL_MAX_TARGETS) " entries",
                    NULL);
}

%type target {sl_ast_node_t *}
%destructor target { (void)$$; (void)ps; }
target(T) ::= expr(E). { T = sl__ast_target(A, E, NULL); }
target(T) ::= expr(E) AS name(N). { T = sl__ast_target(A, E, &N); }
target(T) ::= expr(E) ID(N). { T = sl__ast_target(A, E, &N); }
target(T) ::= STAR(S). {
    T = sl__ast_target(A, sl__ast_new(A, SL_A_STAR, S.pos), NULL);
}
target(T) ::= name(Q) DOT STAR. {
    sl_ast_node_t *s = sl__ast_new(A, SL_A_STAR, Q.pos);
    s->qual = sl__ast_ident(A, &Q);
    T = sl__ast_target(A, s, NULL);
}

/* FROM: a SELECT node holding the stream, or NULL without FROM. */
%type from {sl_ast_node_t *}
%destructor from { (void)$$; (void)ps; }
from(F) ::= . { F = NULL; }
from(F) ::= FROM fromlist(L). { F = L; }

%type fromlist {sl_ast_node_t *}
%destructor fromlist { (void)$$; (void)ps; }
fromlist(F) ::= fromitem(I). { F = I; }
fromlist(F) ::= fromlist(P) COMMA(C) fromitem. {
    F = P;
    sl__ast_select_unsupported(F, "a FROM list with more than one item", C.pos);
}

%type fromitem {sl_ast_node_t *}
%destructor fromitem { (void)$$; (void)ps; }
fromitem(F) ::= tableref(T). { F = T; }
fromitem(F) ::= fromitem(P) jointype JOIN(J) tableref joinqual. {
    F = P;
    sl__ast_select_unsupported(F, "JOIN", J.pos);
}
fromitem(F) ::= fromitem(P) CROSS JOIN(J) tableref. {
    F = P;
    sl__ast_select_unsupported(F, "JOIN", J.pos);
}

%type tableref {sl_ast_node_t *}
%destructor tableref { (void)$$; (void)ps; }
tableref(F) ::= name(N) alias(Z). {
    F = sl__ast_new(A, SL_A_SELECT, 0);
    F->from = sl__ast_ident(A, &N);
    F->from_location = N.pos;
    F->from_alias = Z.n ? sl__ast_ident(A, &Z) : NULL;
}
tableref(F) ::= name(S) DOT name alias. {
    F = sl__ast_new(A, SL_A_SELECT, 0);
    F->from = sl__ast_ident(A, &S);
    F->from_location = S.pos;
    sl__ast_select_unsupported(F, "a schema-qualified stream", S.pos);
}
tableref(F) ::= LP(P) select RP alias. {
    F = sl__ast_new(A, SL_A_SELECT, 0);
    sl__ast_select_unsupported(F, "a subquery in FROM", P.pos);
}

jointype ::= .
jointype ::= INNER.
jointype ::= LEFT outer.
jointype ::= RIGHT outer.
jointype ::= FULL outer.
outer ::= .
outer ::= OUTER.
joinqual ::= ON expr.
joinqual ::= USING LP namelist RP.
namelist ::= name.
namelist ::= namelist COMMA name.

/* An alias token, n == 0 when absent. */
alias(Z) ::= . { memset(&Z, 0, sizeof(Z)); }
alias(Z) ::= name(N). { Z = N; }
alias(Z) ::= AS name(N). { Z = N; }

%type where {sl_ast_node_t *}
%destructor where { (void)$$; (void)ps; }
where(W) ::= . { W = NULL; }
where(W) ::= WHERE expr(E). { W = E; }

%type groupby {sl_ast_list_t *}
%destructor groupby { (void)$$; (void)ps; }
groupby(G) ::= . { G = NULL; }
groupby(G) ::= GROUP BY exprlist(L). { G = L; }

%type having {sl_ast_node_t *}
%destructor having { (void)$$; (void)ps; }
having(H) ::= . { H = NULL; }
having(H) ::= HAVING expr(E). { H = E; }

/* Location of ORDER / LIMIT / OFFSET, 0 when absent. */
%type orderby {int}
orderby(O) ::= . { O = 0; }
orderby(O) ::= ORDER(K) BY sortlist. { O = K.pos; }
sortlist ::= sortitem.
sortlist ::= sortlist COMMA sortitem.
sortitem ::= expr.
sortitem ::= expr ASC.
sortitem ::= expr DESC.

%type limit {int}
limit(L) ::= . { L = 0; }
limit(L) ::= LIMIT(K) expr. { L = K.pos; }
limit(L) ::= OFFSET(K) expr. { L = K.pos; }
limit(L) ::= LIMIT(K) expr OFFSET expr. { L = K.pos; }
limit(L) ::= OFFSET(K) expr LIMIT expr. { L = K.pos; }

%type exprlist {sl_ast_list_t *}
%destructor exprlist { (void)$$; (void)ps; }
exprlist(L) ::= expr(E). { L = sl__ast_list(A, E); }
exprlist(L) ::= exprlist(P) COMMA expr(E). { L = sl__ast_list_add(A, P, E); }

/* -------------------------------------------------------- expressions */

%type expr {sl_ast_node_t *}
%destructor expr { (void)$$; (void)ps; }

expr(E) ::= INTEGER(X). { E = sl__ast_literal(A, SL_A_INT, &X); }
expr(E) ::= DECIMAL(X). { E = sl__ast_literal(A, SL_A_DEC, &X); }
expr(E) ::= STRING(X). { E = sl__ast_literal(A, SL_A_STR, &X); }
expr(E) ::= TRUE(X). { E = sl__ast_literal(A, SL_A_BOOL, &X); E->ival = true; }
expr(E) ::= FALSE(X). { E = sl__ast_literal(A, SL_A_BOOL, &X); }
expr(E) ::= NULL(X). { E = sl__ast_literal(A, SL_A_NULL, &X); }
expr(E) ::= name(N). { E = sl__ast_colref(A, NULL, &N); }
expr(E) ::= name(Q) DOT name(N). { E = sl__ast_colref(A, &Q, &N); }
expr(E) ::= LP expr(X) RP. { E = X; }
expr(E) ::= LP(P) select RP. {
    E = sl__ast_unsupported(A, "subqueries", P.pos);
}

/* type 'literal' */
expr(E) ::= ID(T) STRING(X). {
    const sl_token_t *w[] = {&T, NULL};
    sl_typename_t tn = sl__ast_typename(A, w, -1);
    E = sl__ast_cast(A, sl__ast_literal(A, SL_A_STR, &X), &tn, T.pos);
}
expr(E) ::= expr(X) TYPECAST(C) typename(T). { E = sl__ast_cast(A, X, &T, C.pos); BOUND(E); }
expr(E) ::= CAST(C) LP expr(X) AS typename(T) RP. {
    E = sl__ast_cast(A, X, &T, C.pos);
    BOUND(E);
}

expr(E) ::= func(F). { E = F; }
expr(E) ::= func(F) FILTER LP WHERE expr(X) RP. { E = sl__ast_func_filter(A, F, X); BOUND(E); }
/* Ordered-set aggregates and window functions parse, to be refused
 * (0A000 at WITHIN / OVER) instead of failing as a syntax error. */
expr(E) ::= func WITHIN(K) GROUP LP ORDER BY aggorder RP. {
    E = sl__ast_unsupported(A, "ordered-set aggregates (WITHIN GROUP)", K.pos);
}
expr(E) ::= func OVER(K) name. { E = sl__ast_unsupported(A, "window functions (OVER)", K.pos); }
expr(E) ::= func OVER(K) LP overspec RP. {
    E = sl__ast_unsupported(A, "window functions (OVER)", K.pos);
}
overspec ::= .
overspec ::= PARTITION BY exprlist.
overspec ::= ORDER BY aggorder.
overspec ::= PARTITION BY exprlist ORDER BY aggorder.

%type func {sl_ast_node_t *}
%destructor func { (void)$$; (void)ps; }
func(E) ::= name(F) LP RP. { E = sl__ast_func(A, &F, NULL, false, false); BOUND(E); }
func(E) ::= name(F) LP STAR RP. { E = sl__ast_func(A, &F, NULL, true, false); BOUND(E); }
func(E) ::= name(F) LP exprlist(L) RP. { E = sl__ast_func(A, &F, L, false, false); BOUND(E); }
func(E) ::= name(F) LP ALL exprlist(L) RP. { E = sl__ast_func(A, &F, L, false, false); BOUND(E); }
func(E) ::= name(F) LP exprlist(L) ORDER BY aggorder(O) RP. {
    E = sl__ast_func(A, &F, L, false, false);
    sl__ast_func_order(A, E, O);
    BOUND(E);
}
func(E) ::= name(F) LP DISTINCT exprlist(L) RP. {
    E = sl__ast_func(A, &F, L, false, true);
    BOUND(E);
}

/* ORDER BY inside an aggregate's parentheses: the first sort key, with the
 * number of keys in ival-free fields of the node (sl__ast_sortkey). */
%type aggorder {sl_ast_node_t *}
%destructor aggorder { (void)$$; (void)ps; }
aggorder(O) ::= expr(X). { O = sl__ast_sortkey(A, NULL, X, false); }
aggorder(O) ::= expr(X) ASC. { O = sl__ast_sortkey(A, NULL, X, false); }
aggorder(O) ::= expr(X) DESC. { O = sl__ast_sortkey(A, NULL, X, true); }
aggorder(O) ::= aggorder(P) COMMA expr(X). { O = sl__ast_sortkey(A, P, X, false); }
aggorder(O) ::= aggorder(P) COMMA expr(X) ASC. { O = sl__ast_sortkey(A, P, X, false); }
aggorder(O) ::= aggorder(P) COMMA expr(X) DESC. { O = sl__ast_sortkey(A, P, X, true); }

expr(E) ::= MINUS(O) expr(X). [UMINUS] { E = sl__ast_unary(A, SL_A_UMINUS, O.pos, X); BOUND(E); }
expr(E) ::= PLUS(O) expr(X). [UMINUS] { E = sl__ast_unary(A, SL_A_UPLUS, O.pos, X); BOUND(E); }
expr(E) ::= expr(L) PLUS(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) MINUS(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) STAR(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) SLASH(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) PERCENT(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) CONCAT(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) OPERATOR(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) EQ(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) NE(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) LT(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) LE(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) GT(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) GE(O) expr(R). { E = sl__ast_binop(A, &O, L, R); BOUND(E); }
expr(E) ::= expr(L) AND(O) expr(R). { E = sl__ast_bool(A, SL_A_AND, O.pos, L, R); BOUND(E); }
expr(E) ::= expr(L) OR(O) expr(R). { E = sl__ast_bool(A, SL_A_OR, O.pos, L, R); BOUND(E); }
expr(E) ::= NOT(O) expr(X). { E = sl__ast_unary(A, SL_A_NOT, O.pos, X); BOUND(E); }
expr(E) ::= expr(X) IS(O) NULL. { E = sl__ast_unary(A, SL_A_ISNULL, O.pos, X); BOUND(E); }
expr(E) ::= expr(X) IS(O) NOT NULL. { E = sl__ast_unary(A, SL_A_ISNOTNULL, O.pos, X); BOUND(E); }

/* ------------------------------------------ INSERT INTO stream VALUES */

/* sql/parse.c reads "INSERT INTO s [(cols)]" itself and hands the rest
 * over from VALUES, which it feeds as VALUES_START (the lexer never
 * makes one). */
%token VALUES_START.

stmt ::= VALUES_START valuesrows(R). {
    ps->stmt->dml->nrows = R->n;
    ps->stmt->dml->rows = R->items;
}

%type valuesrows {sl_ast_list_t *}
%destructor valuesrows { (void)$$; (void)ps; }
valuesrows(L) ::= valuesrow(R). { L = sl__ast_list(A, R); }
valuesrows(L) ::= valuesrows(P) COMMA valuesrow(R). { L = sl__ast_list_add(A, P, R); }

/* One row: a SELECT node whose targets are the row's expressions. */
%type valuesrow {sl_ast_node_t *}
%destructor valuesrow { (void)$$; (void)ps; }
valuesrow(R) ::= LP(P) exprlist(L) RP. {
    R = sl__ast_new(A, SL_A_SELECT, P.pos);
    R->ntargets = L->n;
    R->targets = L->items;
}

/* $n: a parameter of the extended protocol (sql/analyze_dml.c). */
expr(E) ::= PARAM(X). { E = sl__ast_literal(A, SL_A_PARAM, &X); }

/* CASE, [NOT] IN, BETWEEN, LIKE, IS [NOT] DISTINCT FROM / TRUE / FALSE /
 * UNKNOWN, and functions with SQL's own call syntax. */
%type whens {sl_ast_list_t *}
%destructor whens { (void)$$; (void)ps; }
whens(L) ::= WHEN expr(C) THEN expr(R). { L = list3(A, C, R, NULL); }
whens(L) ::= whens(P) WHEN expr(C) THEN expr(R). {
    L = sl__ast_list_add(A, sl__ast_list_add(A, P, C), R);
}
%type caseelse {sl_ast_node_t *}
%destructor caseelse { (void)$$; (void)ps; }
caseelse(X) ::= . { X = NULL; }
caseelse(X) ::= ELSE expr(Y). { X = Y; }

expr(E) ::= CASE(K) whens(W) caseelse(X) END. {
    if (X)
        W = sl__ast_list_add(A, W, X);
    E = sl__ast_expr(A, SL_A_CASE, K.pos, X ? SL_AV_CASE_ELSE : 0, W);
    BOUND(E);
}
expr(E) ::= CASE(K) expr(Y) whens(W) caseelse(X) END. {
    W = cons(A, Y, W);
    if (X)
        W = sl__ast_list_add(A, W, X);
    E = sl__ast_expr(A, SL_A_CASE, K.pos, SL_AV_CASE_ARG | (X ? SL_AV_CASE_ELSE : 0), W);
    BOUND(E);
}

expr(E) ::= expr(X) IN(K) LP exprlist(L) RP. [IN] {
    E = sl__ast_expr(A, SL_A_IN, K.pos, 0, cons(A, X, L));
    BOUND(E);
}
expr(E) ::= expr(X) NOT_LA(K) IN LP exprlist(L) RP. [IN] {
    E = sl__ast_expr(A, SL_A_IN, K.pos, SL_AV_NOT, cons(A, X, L));
    BOUND(E);
}
expr(E) ::= expr IN LP(P) select RP. [IN] { E = sl__ast_unsupported(A, "subqueries", P.pos); }
expr(E) ::= expr NOT_LA IN LP(P) select RP. [IN] { E = sl__ast_unsupported(A, "subqueries", P.pos); }

%type symmetric {int}
symmetric(S) ::= . { S = 0; }
symmetric(S) ::= ASYMMETRIC. { S = 0; }
symmetric(S) ::= SYMMETRIC. { S = SL_AV_SYMMETRIC; }
expr(E) ::= expr(X) BETWEEN(K) symmetric(S) expr(L) AND expr(H). [BETWEEN] {
    E = sl__ast_expr(A, SL_A_BETWEEN, K.pos, S, list3(A, X, L, H));
    BOUND(E);
}
expr(E) ::= expr(X) NOT_LA(K) BETWEEN symmetric(S) expr(L) AND expr(H). [BETWEEN] {
    E = sl__ast_expr(A, SL_A_BETWEEN, K.pos, S | SL_AV_NOT, list3(A, X, L, H));
    BOUND(E);
}

/* [NOT] LIKE / ILIKE: the node is placed at the operator, as PostgreSQL's. */
expr(E) ::= expr(X) LIKE(K) expr(P). [LIKE] { E = like_node(ps, K.pos, 0, X, P, NULL); }
expr(E) ::= expr(X) ILIKE(K) expr(P). [LIKE] { E = like_node(ps, K.pos, SL_AV_ILIKE, X, P, NULL); }
expr(E) ::= expr(X) NOT_LA(K) LIKE expr(P). [LIKE] { E = like_node(ps, K.pos, SL_AV_NOT, X, P, NULL); }
expr(E) ::= expr(X) NOT_LA(K) ILIKE expr(P). [LIKE] {
    E = like_node(ps, K.pos, SL_AV_NOT | SL_AV_ILIKE, X, P, NULL);
}
expr(E) ::= expr(X) LIKE(K) expr(P) ESCAPE expr(C). [LIKE] {
    E = like_node(ps, K.pos, 0, X, P, C);
}
expr(E) ::= expr(X) ILIKE(K) expr(P) ESCAPE expr(C). [LIKE] {
    E = like_node(ps, K.pos, SL_AV_ILIKE, X, P, C);
}
expr(E) ::= expr(X) NOT_LA(K) LIKE expr(P) ESCAPE expr(C). [LIKE] {
    E = like_node(ps, K.pos, SL_AV_NOT, X, P, C);
}
expr(E) ::= expr(X) NOT_LA(K) ILIKE expr(P) ESCAPE expr(C). [LIKE] {
    E = like_node(ps, K.pos, SL_AV_NOT | SL_AV_ILIKE, X, P, C);
}

expr(E) ::= expr(X) IS(K) DISTINCT FROM expr(Y). [IS] {
    E = sl__ast_expr(A, SL_A_DISTINCT, K.pos, 0, list3(A, X, Y, NULL));
    BOUND(E);
}
expr(E) ::= expr(X) IS(K) NOT DISTINCT FROM expr(Y). [IS] {
    E = sl__ast_expr(A, SL_A_DISTINCT, K.pos, SL_AV_NOT, list3(A, X, Y, NULL));
    BOUND(E);
}
%type truth {int}
truth(T) ::= TRUE. { T = SL_BT_TRUE; }
truth(T) ::= NOT TRUE. { T = SL_BT_NOT_TRUE; }
truth(T) ::= FALSE. { T = SL_BT_FALSE; }
truth(T) ::= NOT FALSE. { T = SL_BT_NOT_FALSE; }
truth(T) ::= UNKNOWN. { T = SL_BT_UNKNOWN; }
truth(T) ::= NOT UNKNOWN. { T = SL_BT_NOT_UNKNOWN; }
expr(E) ::= expr(X) IS(K) truth(T). [IS] {
    E = sl__ast_expr(A, SL_A_BOOLTEST, K.pos, T, list3(A, X, NULL, NULL));
    BOUND(E);
}

expr(E) ::= SUBSTRING(K) LP exprlist(L) RP. { E = sl__ast_call(A, "substring", K.pos, L); BOUND(E); }
expr(E) ::= SUBSTRING(K) LP expr(S) FROM expr(F) RP. {
    E = sl__ast_call(A, "substring", K.pos, list3(A, S, F, NULL));
    BOUND(E);
}
expr(E) ::= SUBSTRING(K) LP expr(S) FROM expr(F) FOR expr(C) RP. {
    E = sl__ast_call(A, "substring", K.pos, list3(A, S, F, C));
    BOUND(E);
}
expr(E) ::= SUBSTRING(K) LP expr(S) FOR expr(C) RP. {
    sl_token_t one = {.p = "1", .n = 1, .pos = K.pos};
    E = sl__ast_call(A, "substring", K.pos, list3(A, S, sl__ast_literal(A, SL_A_INT, &one), C));
    BOUND(E);
}

%type trimspec {int}
trimspec(T) ::= BOTH. { T = 0; }
trimspec(T) ::= LEADING. { T = 1; }
trimspec(T) ::= TRAILING. { T = 2; }
expr(E) ::= TRIM(K) LP exprlist(L) RP. { E = sl__ast_call(A, "btrim", K.pos, L); BOUND(E); }
expr(E) ::= TRIM(K) LP expr(C) FROM exprlist(L) RP. {
    E = sl__ast_call(A, "btrim", K.pos, sl__ast_list_add(A, L, C));
    BOUND(E);
}
expr(E) ::= TRIM(K) LP FROM exprlist(L) RP. { E = sl__ast_call(A, "btrim", K.pos, L); BOUND(E); }
expr(E) ::= TRIM(K) LP trimspec(T) exprlist(L) RP. {
    static const char *const fn[] = {"btrim", "ltrim", "rtrim"};
    E = sl__ast_call(A, fn[T], K.pos, L);
    BOUND(E);
}
expr(E) ::= TRIM(K) LP trimspec(T) expr(C) FROM exprlist(L) RP. {
    static const char *const fn[] = {"btrim", "ltrim", "rtrim"};
    E = sl__ast_call(A, fn[T], K.pos, sl__ast_list_add(A, L, C));
    BOUND(E);
}
expr(E) ::= TRIM(K) LP trimspec(T) FROM exprlist(L) RP. {
    static const char *const fn[] = {"btrim", "ltrim", "rtrim"};
    E = sl__ast_call(A, fn[T], K.pos, L);
    BOUND(E);
}

/* POSITION(a IN b): PostgreSQL takes b_expr operands (no IN, AND ...);
 * here a literal, a column, a function call or a parenthesized expression. */
%type posarg {sl_ast_node_t *}
%destructor posarg { (void)$$; (void)ps; }
posarg(E) ::= STRING(X). { E = sl__ast_literal(A, SL_A_STR, &X); }
posarg(E) ::= name(N). { E = sl__ast_colref(A, NULL, &N); }
posarg(E) ::= name(Q) DOT name(N). { E = sl__ast_colref(A, &Q, &N); }
posarg(E) ::= LP expr(X) RP. { E = X; }
posarg(E) ::= name(F) LP exprlist(L) RP. { E = sl__ast_func(A, &F, L, false, false); BOUND(E); }
expr(E) ::= POSITION(K) LP posarg(X) IN posarg(Y) RP. {
    E = sl__ast_call(A, "position", K.pos, list3(A, Y, X, NULL));
    BOUND(E);
}
expr(E) ::= LEFT(K) LP exprlist(L) RP. { E = sl__ast_call(A, "left", K.pos, L); BOUND(E); }
expr(E) ::= RIGHT(K) LP exprlist(L) RP. { E = sl__ast_call(A, "right", K.pos, L); BOUND(E); }

/* EXTRACT(field FROM x): extract('field', x). */
expr(E) ::= EXTRACT(K) LP name(F) FROM expr(X) RP. {
    sl_ast_node_t *f = sl__ast_new(A, SL_A_STR, F.pos);
    f->str = sl__ast_ident(A, &F);
    f->len = (int)strlen(f->str);
    E = sl__ast_call(A, "extract", K.pos, list3(A, f, X, NULL));
    BOUND(E);
}
expr(E) ::= EXTRACT(K) LP STRING(F) FROM expr(X) RP. {
    E = sl__ast_call(A, "extract", K.pos, list3(A, sl__ast_literal(A, SL_A_STR, &F), X, NULL));
    BOUND(E);
}

/* POSITION, SUBSTRING, TRIM and EXTRACT not followed by ( are column names,
 * as in PostgreSQL (the fallback to ID does not reach where an expression
 * may start with them). */
expr(E) ::= POSITION(N). { E = sl__ast_colref(A, NULL, &N); }
expr(E) ::= SUBSTRING(N). { E = sl__ast_colref(A, NULL, &N); }
expr(E) ::= TRIM(N). { E = sl__ast_colref(A, NULL, &N); }
expr(E) ::= EXTRACT(N). { E = sl__ast_colref(A, NULL, &N); }

/* Arrays: T[] and T ARRAY type names (dimensions ignored, as PostgreSQL
 * does), subscripts, x op ANY | SOME | ALL (array) and ARRAY[...]. */
typename(T) ::= typename(X) LBRACKET RBRACKET. { T = sl__ast_typename_array(A, &X); }
typename(T) ::= typename(X) LBRACKET INTEGER RBRACKET. { T = sl__ast_typename_array(A, &X); }
typename(T) ::= typename(X) ARRAY. { T = sl__ast_typename_array(A, &X); }

expr(E) ::= expr(X) LBRACKET(K) expr(I) RBRACKET. {
    E = sl__ast_expr(A, SL_A_SUBSCRIPT, K.pos, 0, list3(A, X, I, NULL));
    BOUND(E);
}
/* a slice a[lo:hi], either bound left out (ast.h: SL_A_SUBSCRIPT's variant) */
expr(E) ::= expr(X) LBRACKET(K) expr(L) COLON expr(H) RBRACKET. {
    E = sl__ast_expr(A, SL_A_SUBSCRIPT, K.pos, SL_SLICE, list3(A, X, L, H));
    BOUND(E);
}
expr(E) ::= expr(X) LBRACKET(K) COLON expr(H) RBRACKET. {
    E = sl__ast_expr(A, SL_A_SUBSCRIPT, K.pos, SL_SLICE | SL_SLICE_NO_LOWER, list3(A, X, H, NULL));
    BOUND(E);
}
expr(E) ::= expr(X) LBRACKET(K) expr(L) COLON RBRACKET. {
    E = sl__ast_expr(A, SL_A_SUBSCRIPT, K.pos, SL_SLICE | SL_SLICE_NO_UPPER, list3(A, X, L, NULL));
    BOUND(E);
}
expr(E) ::= expr(X) LBRACKET(K) COLON RBRACKET. {
    E = sl__ast_expr(A, SL_A_SUBSCRIPT, K.pos, SL_SLICE | SL_SLICE_NO_LOWER | SL_SLICE_NO_UPPER,
                     list3(A, X, NULL, NULL));
    BOUND(E);
}
expr(E) ::= ARRAY(K) LBRACKET exprlist(L) RBRACKET. {
    E = sl__ast_expr(A, SL_A_ARRAY, K.pos, 0, L);
    BOUND(E);
}
expr(E) ::= ARRAY(K) LBRACKET RBRACKET. {
    E = sl__ast_new(A, SL_A_ARRAY, K.pos);
}
/* ARRAY[[1, 2], [3, 4]]: each bracketed list an ARRAY[...] of its own */
%type subarray {sl_ast_node_t *}
%destructor subarray { (void)$$; (void)ps; }
%type subarrays {sl_ast_list_t *}
%destructor subarrays { (void)$$; (void)ps; }
expr(E) ::= ARRAY(K) LBRACKET subarrays(L) RBRACKET. {
    E = sl__ast_expr(A, SL_A_ARRAY, K.pos, 0, L);
    BOUND(E);
}
subarray(E) ::= LBRACKET(K) exprlist(L) RBRACKET. {
    E = sl__ast_expr(A, SL_A_ARRAY, K.pos, 0, L);
    BOUND(E);
}
subarray(E) ::= LBRACKET(K) subarrays(L) RBRACKET. {
    E = sl__ast_expr(A, SL_A_ARRAY, K.pos, 0, L);
    BOUND(E);
}
subarrays(L) ::= subarray(E). { L = sl__ast_list(A, E); }
subarrays(L) ::= subarrays(P) COMMA subarray(E). { L = sl__ast_list_add(A, P, E); }
expr(E) ::= ARRAY LP(P) select RP. { E = sl__ast_unsupported(A, "subqueries", P.pos); }

%type subquant {bool}
subquant(Q) ::= ANY. { Q = false; }
subquant(Q) ::= SOME. { Q = false; }
subquant(Q) ::= ALL. { Q = true; }
expr(E) ::= expr(X) EQ(O) subquant(Q) LP expr(Y) RP. [EQ] { E = sl__ast_anyall(A, &O, Q, X, Y); BOUND(E); }
expr(E) ::= expr(X) NE(O) subquant(Q) LP expr(Y) RP. [EQ] { E = sl__ast_anyall(A, &O, Q, X, Y); BOUND(E); }
expr(E) ::= expr(X) LT(O) subquant(Q) LP expr(Y) RP. [EQ] { E = sl__ast_anyall(A, &O, Q, X, Y); BOUND(E); }
expr(E) ::= expr(X) LE(O) subquant(Q) LP expr(Y) RP. [EQ] { E = sl__ast_anyall(A, &O, Q, X, Y); BOUND(E); }
expr(E) ::= expr(X) GT(O) subquant(Q) LP expr(Y) RP. [EQ] { E = sl__ast_anyall(A, &O, Q, X, Y); BOUND(E); }
expr(E) ::= expr(X) GE(O) subquant(Q) LP expr(Y) RP. [EQ] { E = sl__ast_anyall(A, &O, Q, X, Y); BOUND(E); }
