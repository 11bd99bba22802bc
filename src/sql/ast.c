/*
 * ast.c: constructors of AST nodes for the grammar (see ast.h), identifier
 * and string literal decoding, and an AST printer for tests.
 *
 * Everything is allocated from the statement's arena; token text is copied
 * (decoded), so nodes never point into the query.
 */
#include "sql/ast.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void sl_sql_fold_ident(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s += 'a' - 'A';
}

/*
 * Name from an identifier token: "quoted" keeps its case with "" -> ",
 * unquoted folds to lower case.
 */
char *sl__ast_ident(sl_arena_t *a, const sl_token_t *t)
{
    if (t->flags & SL_TOKF_QUOTED) {
        char *s = sl_alloc(a, (size_t)t->n), *o = s;
        for (int i = 1; i < t->n - 1; i++) {
            *o++ = t->p[i];
            if (t->p[i] == '"')
                i++;
        }
        *o = 0;
        return s;
    }
    char *s = sl_strndup(a, t->p, (size_t)t->n);
    sl_sql_fold_ident(s);
    return s;
}

sl_ast_node_t *sl__ast_new(sl_arena_t *a, sl_ast_kind_t kind, int location)
{
    sl_ast_node_t *n = sl_alloc0(a, sizeof(*n));
    n->kind = kind;
    n->location = location;
    n->typmod = -1;
    n->depth = 1;
    return n;
}

/* n's depth from its arguments' (each already bounded by the grammar). */
static void set_depth(sl_ast_node_t *n)
{
    for (int i = 0; i < n->nargs; i++)
        if (n->args[i] && n->args[i]->depth >= n->depth)
            n->depth = n->args[i]->depth + 1;
}

/* Appends code point cp as UTF-8. */
static char *put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Decodes the body of E'...' (backslash escapes as PostgreSQL's). */
static int decode_escape(const char *p, int n, char *o0)
{
    char *o = o0;
    for (int i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\'' && i + 1 < n && p[i + 1] == '\'') {
            *o++ = '\'';
            i++;
            continue;
        }
        if (c != '\\' || i + 1 >= n) {
            *o++ = c;
            continue;
        }
        c = p[++i];
        switch (c) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && i + 1 < n && sl_hexval(p[i + 1]) >= 0)
                v = v * 16 + sl_hexval(p[++i]), k++;
            if (k == 0)
                *o++ = 'x';
            else
                *o++ = (char)v;
            break;
        }
        case 'u':
        case 'U': {
            int want = c == 'u' ? 4 : 8, k = 0;
            unsigned long cp = 0;
            while (k < want && i + 1 + k < n && sl_hexval(p[i + 1 + k]) >= 0)
                cp = cp * 16 + (unsigned long)sl_hexval(p[i + 1 + k]), k++;
            if (k == want && cp > 0 && cp <= 0x10FFFF) {
                i += want;
                o = put_utf8(o, cp);
            } else {
                *o++ = c;
            }
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '7')
                    v = v * 8 + (p[++i] - '0'), k++;
                *o++ = (char)v;
            } else {
                *o++ = c;
            }
        }
    }
    *o = 0;
    return (int)(o - o0);
}

sl_ast_node_t *sl__ast_literal(sl_arena_t *a, sl_ast_kind_t kind,
                               const sl_token_t *t)
{
    sl_ast_node_t *n = sl__ast_new(a, kind, t->pos);

    if (kind == SL_A_INT || kind == SL_A_DEC || kind == SL_A_PARAM) {
        n->str = sl_strndup(a, t->p, (size_t)t->n);
        n->len = t->n;
    } else if (kind == SL_A_STR) {
        char *s = sl_alloc(a, (size_t)t->n + 1);
        if (t->flags & SL_TOKF_DOLLAR) {
            int tag = (int)((const char *)memchr(t->p + 1, '$', (size_t)t->n - 1) - t->p) + 1;
            n->len = t->n - 2 * tag;
            memcpy(s, t->p + tag, (size_t)n->len);
            s[n->len] = 0;
        } else if (t->flags & SL_TOKF_ESCAPE) {
            n->len = decode_escape(t->p + 2, t->n - 3, s);
        } else {
            char *o = s;
            for (int i = 1; i < t->n - 1; i++) {
                *o++ = t->p[i];
                if (t->p[i] == '\'')
                    i++;
            }
            *o = 0;
            n->len = (int)(o - s);
        }
        n->str = s;
    }
    return n;
}

sl_ast_node_t *sl__ast_colref(sl_arena_t *a, const sl_token_t *qual,
                              const sl_token_t *name)
{
    sl_ast_node_t *n = sl__ast_new(a, SL_A_COLREF, qual ? qual->pos : name->pos);
    n->str = sl__ast_ident(a, name);
    if (qual) {
        n->qual = sl__ast_ident(a, qual);
        n->qual_location = qual->pos;
    }
    return n;
}

static sl_ast_node_t **args2(sl_arena_t *a, sl_ast_node_t *l, sl_ast_node_t *r)
{
    sl_ast_node_t **v = sl_alloc(a, 2 * sizeof(*v));
    v[0] = l;
    v[1] = r;
    return v;
}

sl_ast_node_t *sl__ast_unary(sl_arena_t *a, sl_ast_kind_t kind, int location,
                             sl_ast_node_t *arg)
{
    sl_ast_node_t *n = sl__ast_new(a, kind, location);
    n->nargs = 1;
    n->args = args2(a, arg, NULL);
    set_depth(n);
    return n;
}

sl_ast_node_t *sl__ast_binop(sl_arena_t *a, const sl_token_t *op,
                             sl_ast_node_t *l, sl_ast_node_t *r)
{
    static const struct {
        const char *name;
        sl_op_t op;
    } ops[] = {
        {"+", SL_OP_ADD}, {"-", SL_OP_SUB}, {"*", SL_OP_MUL},
        {"/", SL_OP_DIV}, {"%", SL_OP_MOD}, {"=", SL_OP_EQ},
        {"<>", SL_OP_NE}, {"!=", SL_OP_NE}, {"<", SL_OP_LT},
        {"<=", SL_OP_LE}, {">", SL_OP_GT}, {">=", SL_OP_GE},
        {"||", SL_OP_CONCAT},
    };
    sl_ast_node_t *n = sl__ast_new(a, SL_A_BINOP, op->pos);

    n->opname = sl_strndup(a, op->p, (size_t)op->n);
    n->op = SL_AST_OP_OTHER;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(ops[i].name, n->opname) == 0)
            n->op = (int)ops[i].op;
    if (strcmp(n->opname, "!=") == 0)
        n->opname = "<>";   /* PostgreSQL names it so in messages */
    n->nargs = 2;
    n->args = args2(a, l, r);
    set_depth(n);
    return n;
}

sl_ast_node_t *sl__ast_bool(sl_arena_t *a, sl_ast_kind_t kind, int location,
                            sl_ast_node_t *l, sl_ast_node_t *r)
{
    sl_ast_node_t *n = sl__ast_new(a, kind, location);
    n->nargs = 2;
    n->args = args2(a, l, r);
    set_depth(n);
    return n;
}

sl_ast_node_t *sl__ast_cast(sl_arena_t *a, sl_ast_node_t *arg,
                            const sl_typename_t *type, int location)
{
    sl_ast_node_t *n = sl__ast_unary(a, SL_A_CAST, location, arg);
    n->typname = type->name;
    n->typmod = type->typmod;
    n->type_location = type->location;
    return n;
}

sl_ast_node_t *sl__ast_func(sl_arena_t *a, const sl_token_t *name,
                            sl_ast_list_t *args, bool star, bool distinct)
{
    sl_ast_node_t *n = sl__ast_new(a, SL_A_FUNC, name->pos);
    n->str = sl__ast_ident(a, name);
    n->star = star;
    n->distinct = distinct;
    if (args) {
        n->nargs = args->n;
        n->args = args->items;
    }
    set_depth(n);
    return n;
}

sl_ast_node_t *sl__ast_sortkey(sl_arena_t *a, sl_ast_node_t *prev, sl_ast_node_t *x, bool desc)
{
    if (prev) {
        prev->norder++;
        if (x->depth >= prev->depth)
            prev->depth = x->depth + 1;
        return prev;
    }
    sl_ast_node_t *h = sl__ast_new(a, SL_A_FUNC, x->location);  /* a holder only */
    h->order = x;
    h->order_desc = desc;
    h->norder = 1;
    h->depth = x->depth + 1;
    return h;
}

void sl__ast_func_order(sl_arena_t *a, sl_ast_node_t *f, sl_ast_node_t *keys)
{
    (void)a;
    f->order = keys->order;
    f->order_desc = keys->order_desc;
    f->norder = keys->norder;
    if (keys->depth >= f->depth)
        f->depth = keys->depth + 1;
}

sl_ast_node_t *sl__ast_func_filter(sl_arena_t *a, sl_ast_node_t *f, sl_ast_node_t *filter)
{
    (void)a;
    f->filter = filter;
    if (filter->depth >= f->depth)
        f->depth = filter->depth + 1;
    return f;
}

sl_ast_node_t *sl__ast_expr(sl_arena_t *a, sl_ast_kind_t kind, int location,
                            int variant, sl_ast_list_t *args)
{
    sl_ast_node_t *n = sl__ast_new(a, kind, location);
    n->variant = variant;
    n->nargs = args->n;
    n->args = args->items;
    set_depth(n);
    return n;
}

sl_ast_node_t *sl__ast_call(sl_arena_t *a, const char *name, int location,
                            sl_ast_list_t *args)
{
    sl_ast_node_t *n = sl__ast_new(a, SL_A_FUNC, location);
    n->str = sl_strdup(a, name);
    n->nargs = args->n;
    n->args = args->items;
    set_depth(n);
    return n;
}

sl_ast_node_t *sl__ast_unsupported(sl_arena_t *a, const char *what,
                                   int location)
{
    sl_ast_node_t *n = sl__ast_new(a, SL_A_UNSUPPORTED, location);
    n->str = (char *)what;
    return n;
}

sl_ast_node_t *sl__ast_target(sl_arena_t *a, sl_ast_node_t *expr,
                              const sl_token_t *alias)
{
    sl_ast_node_t *n = sl__ast_unary(a, SL_A_TARGET, expr->location, expr);
    if (alias)
        n->str = sl__ast_ident(a, alias);
    return n;
}

void sl__ast_select_unsupported(sl_ast_node_t *sel, const char *what,
                                int location)
{
    if (sel->unsupported == NULL) {
        sel->unsupported = what;
        sel->unsupported_location = location;
    }
}

sl_ast_list_t *sl__ast_list(sl_arena_t *a, sl_ast_node_t *first)
{
    sl_ast_list_t *l = sl_alloc0(a, sizeof(*l));
    return sl__ast_list_add(a, l, first);
}

sl_ast_list_t *sl__ast_list_add(sl_arena_t *a, sl_ast_list_t *l,
                                sl_ast_node_t *n)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 4;
        l->items = sl_realloc(a, l->items, (size_t)l->cap * sizeof(*l->items),
                              (size_t)cap * sizeof(*l->items));
        l->cap = cap;
    }
    l->items[l->n++] = n;
    return l;
}

sl_coldef_list_t *sl__ast_coldef(sl_arena_t *a, sl_coldef_list_t *l,
                                 const sl_token_t *name,
                                 const sl_typename_t *type)
{
    if (l == NULL)
        l = sl_alloc0(a, sizeof(*l));
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        l->items = sl_realloc(a, l->items, (size_t)l->cap * sizeof(*l->items),
                              (size_t)cap * sizeof(*l->items));
        l->cap = cap;
    }
    sl_coldef_t *c = &l->items[l->n++];
    c->name = sl__ast_ident(a, name);
    c->location = name->pos;
    c->typname = type->name;
    c->typmod = type->typmod;
    c->type_location = type->location;
    c->type = sl_type_from_name(type->name);
    return l;
}

sl_typename_t sl__ast_typename(sl_arena_t *a, const sl_token_t *const *words,
                               int typmod)
{
    sl_typename_t tn;
    sl_buf_t b = SL_BUF_INIT;

    tn.location = words[0]->pos;
    tn.typmod = typmod;
    for (int i = 0; words[i]; i++) {
        if (i > 0)
            sl_buf_putc(&b, ' ');
        sl_buf_puts(&b, sl__ast_ident(a, words[i]));
    }
    tn.name = sl_strdup(a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return tn;
}

sl_ast_node_t *sl__ast_anyall(sl_arena_t *a, const sl_token_t *op, bool all,
                              sl_ast_node_t *l, sl_ast_node_t *r)
{
    sl_ast_node_t *n = sl__ast_binop(a, op, l, r);
    n->kind = SL_A_ANYALL;
    n->variant = all ? SL_AV_ALL : 0;
    return n;
}

sl_typename_t sl__ast_typename_array(sl_arena_t *a, const sl_typename_t *t)
{
    sl_typename_t tn = *t;
    size_t n = strlen(t->name);
    if (n < 2 || strcmp(t->name + n - 2, "[]") != 0)
        tn.name = sl_sprintf(a, "%s[]", t->name);
    return tn;
}

static const char *kind_names[] = {
    [SL_A_AND] = "AND", [SL_A_OR] = "OR",
};

/* Prints n fully parenthesized, e.g. "((a + 1) > 2)". */
void sl__ast_print(const sl_ast_node_t *n, sl_buf_t *b)
{
    if (n == NULL) {
        sl_buf_puts(b, "<null>");
        return;
    }
    switch (n->kind) {
    case SL_A_INT:
    case SL_A_DEC:
    case SL_A_PARAM:
        sl_buf_puts(b, n->str);
        break;
    case SL_A_STR:
        sl_buf_put_literal(b, n->str, (size_t)n->len);
        break;
    case SL_A_BOOL:
        sl_buf_puts(b, n->ival ? "TRUE" : "FALSE");
        break;
    case SL_A_NULL:
        sl_buf_puts(b, "NULL");
        break;
    case SL_A_COLREF:
    case SL_A_STAR:
        if (n->qual)
            sl_buf_printf(b, "%s.", n->qual);
        sl_buf_puts(b, n->kind == SL_A_STAR ? "*" : n->str);
        break;
    case SL_A_BINOP:
        sl_buf_putc(b, '(');
        sl__ast_print(n->args[0], b);
        sl_buf_printf(b, " %s ", n->opname);
        sl__ast_print(n->args[1], b);
        sl_buf_putc(b, ')');
        break;
    case SL_A_AND:
    case SL_A_OR:
        sl_buf_putc(b, '(');
        sl__ast_print(n->args[0], b);
        sl_buf_printf(b, " %s ", kind_names[n->kind]);
        sl__ast_print(n->args[1], b);
        sl_buf_putc(b, ')');
        break;
    case SL_A_UMINUS:
    case SL_A_UPLUS:
    case SL_A_NOT:
        sl_buf_puts(b, n->kind == SL_A_UMINUS ? "(- " : n->kind == SL_A_UPLUS ? "(+ " : "(NOT ");
        sl__ast_print(n->args[0], b);
        sl_buf_putc(b, ')');
        break;
    case SL_A_ISNULL:
    case SL_A_ISNOTNULL:
        sl_buf_putc(b, '(');
        sl__ast_print(n->args[0], b);
        sl_buf_puts(b, n->kind == SL_A_ISNULL ? " IS NULL)" : " IS NOT NULL)");
        break;
    case SL_A_CAST:
        sl_buf_puts(b, "CAST(");
        sl__ast_print(n->args[0], b);
        sl_buf_printf(b, " AS %s", n->typname);
        if (n->typmod >= 0)
            sl_buf_printf(b, "(%d)", n->typmod);
        sl_buf_putc(b, ')');
        break;
    case SL_A_FUNC:
        sl_buf_printf(b, "%s(%s", n->str, n->distinct ? "DISTINCT " : "");
        if (n->star)
            sl_buf_putc(b, '*');
        for (int i = 0; i < n->nargs; i++) {
            if (i > 0)
                sl_buf_puts(b, ", ");
            sl__ast_print(n->args[i], b);
        }
        if (n->order) {
            sl_buf_puts(b, " ORDER BY ");
            sl__ast_print(n->order, b);
            if (n->order_desc)
                sl_buf_puts(b, " DESC");
            if (n->norder > 1)
                sl_buf_printf(b, ", <%d more>", n->norder - 1);
        }
        sl_buf_putc(b, ')');
        if (n->filter) {
            sl_buf_puts(b, " FILTER (WHERE ");
            sl__ast_print(n->filter, b);
            sl_buf_putc(b, ')');
        }
        break;
    case SL_A_UNSUPPORTED:
        sl_buf_printf(b, "<%s>", n->str);
        break;
    case SL_A_ANYALL:
        sl_buf_putc(b, '(');
        sl__ast_print(n->args[0], b);
        sl_buf_printf(b, " %s %s (", n->opname, n->variant & SL_AV_ALL ? "ALL" : "ANY");
        sl__ast_print(n->args[1], b);
        sl_buf_puts(b, "))");
        break;
    case SL_A_SUBSCRIPT: {
        sl_buf_putc(b, '(');
        sl__ast_print(n->args[0], b);
        sl_buf_puts(b, ")[");
        int i = 1;
        if (!(n->variant & SL_SLICE_NO_LOWER) && i < n->nargs)
            sl__ast_print(n->args[i++], b);
        if (n->variant & SL_SLICE)
            sl_buf_putc(b, ':');
        if ((n->variant & SL_SLICE) && !(n->variant & SL_SLICE_NO_UPPER) && i < n->nargs)
            sl__ast_print(n->args[i], b);
        sl_buf_putc(b, ']');
        break;
    }
    case SL_A_ARRAY:
        sl_buf_puts(b, "ARRAY[");
        for (int i = 0; i < n->nargs; i++) {
            if (i > 0)
                sl_buf_puts(b, ", ");
            sl__ast_print(n->args[i], b);
        }
        sl_buf_putc(b, ']');
        break;
    case SL_A_CASE:
    case SL_A_IN:
    case SL_A_BETWEEN:
    case SL_A_LIKE:
    case SL_A_DISTINCT:
    case SL_A_BOOLTEST: {
        static const char *const names[] = {
            [SL_A_CASE] = "CASE", [SL_A_IN] = "IN", [SL_A_BETWEEN] = "BETWEEN",
            [SL_A_LIKE] = "LIKE", [SL_A_DISTINCT] = "DISTINCT", [SL_A_BOOLTEST] = "BOOLTEST",
        };
        sl_buf_printf(b, "%s/%d(", names[n->kind], n->variant);
        for (int i = 0; i < n->nargs; i++) {
            if (i > 0)
                sl_buf_puts(b, ", ");
            sl__ast_print(n->args[i], b);
        }
        sl_buf_putc(b, ')');
        break;
    }
    case SL_A_TARGET:
        sl__ast_print(n->args[0], b);
        if (n->str)
            sl_buf_printf(b, " AS %s", n->str);
        break;
    case SL_A_SELECT:
        sl_buf_puts(b, "SELECT ");
        for (int i = 0; i < n->ntargets; i++) {
            if (i > 0)
                sl_buf_puts(b, ", ");
            sl__ast_print(n->targets[i], b);
        }
        if (n->from) {
            sl_buf_printf(b, " FROM %s", n->from);
            if (n->from_alias)
                sl_buf_printf(b, " AS %s", n->from_alias);
        }
        if (n->where) {
            sl_buf_puts(b, " WHERE ");
            sl__ast_print(n->where, b);
        }
        for (int i = 0; i < n->ngroup; i++) {
            sl_buf_puts(b, i == 0 ? " GROUP BY " : ", ");
            sl__ast_print(n->group[i], b);
        }
        if (n->having) {
            sl_buf_puts(b, " HAVING ");
            sl__ast_print(n->having, b);
        }
        break;
    }
}
