/*
 * analyze_dml.c: INSERT INTO stream and COPY stream against the stream's
 * columns (sql.h): the target column list, each VALUES expression typed
 * and coerced to its column's type as PostgreSQL assigns it, and COPY's
 * options.
 *
 * Parameters ($n) become unknown-typed literals holding the bound text
 * before analysis, so a parameter is read by its column's input function,
 * as a quoted literal would be.  DEFAULT is NULL (streams have no
 * defaults).
 */
#include "sql/analyze_int.h"

#include <stdlib.h>
#include <string.h>

int sl_analyze_dml_targets(const sl_stmt_t *stmt, const sl_stream_t *s, sl_arena_t *a,
                           int **colnos, int *n, sl_error_t *err)
{
    const sl_dml_t *d = stmt->dml;
    int nt = d->ncols > 0 ? d->ncols : s->ncols;
    int *cols = sl_alloc0(a, sizeof(int) * (size_t)(nt + 1));
    if (d->ncols == 0) {
        for (int i = 0; i < nt; i++)
            cols[i] = i;
    }
    for (int i = 0; i < d->ncols; i++) {
        cols[i] = -1;
        for (int c = 0; c < s->ncols; c++)
            if (strcmp(s->cols[c].name, d->cols[i]) == 0)
                cols[i] = c;
        if (cols[i] < 0)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, d->col_locations[i],
                                "column \"%s\" of relation \"%s\" does not exist", d->cols[i],
                                s->name);
        for (int k = 0; k < i; k++)
            if (cols[k] == cols[i])
                return sl_error_set(err, SL_ERRCODE_DUPLICATE_COLUMN, d->col_locations[i],
                                    "column \"%s\" specified more than once", d->cols[i]);
    }
    *colnos = cols;
    *n = nt;
    return SL_OK;
}

static int max_param(const sl_ast_node_t *n)
{
    if (n == NULL)
        return 0;
    int m = n->kind == SL_A_PARAM ? atoi(n->str + 1) : 0;
    for (int i = 0; i < n->nargs; i++) {
        int k = max_param(n->args[i]);
        if (k > m)
            m = k;
    }
    return m;
}

int sl_dml_nparams(const sl_stmt_t *stmt)
{
    int m = 0;
    if (stmt->dml == NULL)
        return 0;
    for (int r = 0; r < stmt->dml->nrows; r++) {
        const sl_ast_node_t *row = stmt->dml->rows[r];
        for (int i = 0; i < row->ntargets; i++) {
            int k = max_param(row->targets[i]);
            if (k > m)
                m = k;
        }
    }
    return m;
}

/* n with its parameters replaced by their values (a copy where needed;
 * n itself when it holds none).  NULL with 42P02 for a missing one. */
static sl_ast_node_t *bind_params(const sl_ast_node_t *n, const char *const *params,
                                  int nparams, sl_arena_t *a, sl_error_t *err)
{
    if (n->kind == SL_A_PARAM) {
        int k = atoi(n->str + 1);
        if (k < 1 || k > nparams) {
            sl_error_set(err, "42P02", n->location, "there is no parameter %s", n->str);
            return NULL;
        }
        const char *v = params[k - 1];
        sl_ast_node_t *lit = sl__ast_new(a, v ? SL_A_STR : SL_A_NULL, n->location);
        if (v) {
            lit->len = (int)strlen(v);
            lit->str = sl_strndup(a, v, (size_t)lit->len);
        }
        return lit;
    }
    if (max_param(n) == 0)
        return (sl_ast_node_t *)n;
    sl_ast_node_t *c = sl_alloc(a, sizeof(*c));
    *c = *n;
    c->args = sl_alloc(a, sizeof(sl_ast_node_t *) * (size_t)(n->nargs + 1));
    for (int i = 0; i < n->nargs; i++)
        if ((c->args[i] = bind_params(n->args[i], params, nparams, a, err)) == NULL)
            return NULL;
    return c;
}

/* PostgreSQL's assignment casts between Sluice's types: unknown literals,
 * numbers among themselves, the two timestamps, anything into text. */
static bool assignable(sl_type_t from, sl_type_t to)
{
    bool time_from = from == SL_T_TIMESTAMP || from == SL_T_TIMESTAMPTZ;
    bool time_to = to == SL_T_TIMESTAMP || to == SL_T_TIMESTAMPTZ;
    return from == to || from == SL_T_UNKNOWN || to == SL_T_TEXT ||
           (sl_type_is_numeric(from) && sl_type_is_numeric(to)) || (time_from && time_to) ||
           (from == SL_T_DATE && time_to) || (time_from && (to == SL_T_DATE || to == SL_T_TIME));
}

int sl_analyze_insert(const sl_stmt_t *stmt, const sl_stream_t *s,
                      const char *const *params, int nparams, sl_arena_t *a,
                      sl_insert_plan_t *out, sl_error_t *err)
{
    const sl_dml_t *d = stmt->dml;
    int *cols = NULL, nt = 0;
    if (sl_analyze_dml_targets(stmt, s, a, &cols, &nt, err) != SL_OK)
        return SL_ERR;
    int nrows = d->default_values ? 1 : d->nrows;
    out->stream = s;
    out->nrows = nrows;
    out->cells = sl_alloc0(a, sizeof(sl_expr_t *) * ((size_t)nrows * (size_t)s->ncols + 1));
    if (d->default_values)
        return SL_OK;

    /* Expressions see no columns: a name in VALUES is 42703. */
    sl_stream_t none = {.name = s->name};
    sl_actx_t ctx = {.a = a, .err = err, .stream = &none, .relname = s->name};
    for (int r = 0; r < nrows; r++) {
        const sl_ast_node_t *row = d->rows[r];
        if (row->ntargets > nt)
            return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, row->targets[nt]->location,
                                "INSERT has more expressions than target columns");
        if (row->ntargets < nt && d->ncols > 0)
            return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR,
                                d->col_locations[row->ntargets],
                                "INSERT has more target columns than expressions");
        for (int i = 0; i < row->ntargets; i++) {
            const sl_ast_node_t *n = row->targets[i];
            if (n->kind == SL_A_COLREF && n->qual == NULL && strcmp(n->str, "default") == 0)
                continue;   /* DEFAULT: NULL */
            const sl_column_t *col = &s->cols[cols[i]];
            sl_ast_node_t *b = bind_params(n, params, nparams, a, err);
            sl_expr_t *e = b ? sl__transform(&ctx, b, SL_CTX_WHERE) : NULL;
            if (e != NULL && !assignable(e->type, col->type)) {
                sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, n->location,
                             "column \"%s\" is of type %s but expression is of type %s",
                             col->name, sl_type_name(col->type), sl_type_name(e->type));
                sl_error_hint(err, "You will need to rewrite or cast the expression.");
                return SL_ERR;
            }
            if (e != NULL)
                e = sl__coerce(&ctx, e, col->type, col->typmod);
            if (e == NULL)
                return SL_ERR;
            out->cells[(size_t)r * (size_t)s->ncols + (size_t)cols[i]] = e;
        }
    }
    return SL_OK;
}

/* ---- COPY ---- */

/* A one-byte COPY option value (DELIMITER, QUOTE, ESCAPE). */
static int copy_char(const char *opt, const char *v, int pos, char *out, sl_error_t *err)
{
    if (strlen(v) != 1)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, pos,
                            "COPY %s must be a single one-byte character", opt);
    *out = v[0];
    return SL_OK;
}

/* One COPY option with its value (NULL when none is written). */
static int copy_option(sl_copy_opts_t *o, const char *opt, const char *v, int pos,
                       sl_error_t *err)
{
    if (strcmp(opt, "format") == 0) {
        if (v && strcmp(v, "text") == 0)
            o->format = SL_COPY_TEXT;
        else if (v && strcmp(v, "csv") == 0)
            o->format = SL_COPY_CSV;
        else if (v && strcmp(v, "binary") == 0)
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, pos,
                                "COPY format \"binary\" is not supported for streams");
        else
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, pos,
                                "COPY format \"%s\" not recognized", v ? v : "");
        return SL_OK;
    }
    if (strcmp(opt, "header") == 0) {
        if (v == NULL || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
            o->header = true;
        else if (strcmp(v, "false") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
            o->header = false;
        else
            return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, pos,
                                "header requires a Boolean value");
        return SL_OK;
    }
    if (strcmp(opt, "encoding") == 0 || strcmp(opt, "freeze") == 0 ||
        strncmp(opt, "force", 5) == 0)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, pos,
                            "COPY option \"%s\" is not supported for streams", opt);
    bool known = strcmp(opt, "delimiter") == 0 || strcmp(opt, "quote") == 0 ||
                 strcmp(opt, "escape") == 0 || strcmp(opt, "null") == 0;
    if (!known)
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, pos, "option \"%s\" not recognized",
                            opt);
    if (v == NULL)
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, pos, "%s requires a parameter", opt);
    if (strcmp(opt, "delimiter") == 0)
        return copy_char("delimiter", v, pos, &o->delimiter, err);
    if (strcmp(opt, "quote") == 0)
        return copy_char("quote", v, pos, &o->quote, err);
    if (strcmp(opt, "escape") == 0)
        return copy_char("escape", v, pos, &o->escape, err);
    o->null_string = v;
    return SL_OK;
}

int sl_analyze_copy(const sl_stmt_t *stmt, sl_copy_opts_t *o, sl_error_t *err)
{
    const sl_dml_t *d = stmt->dml;
    memset(o, 0, sizeof(*o));
    if (d->copy_file) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, d->copy_location,
                     "COPY into a stream reads only FROM STDIN");
        sl_error_hint(err, "Use psql's \\copy to send a file from the client.");
        return SL_ERR;
    }
    for (int i = 0; i < d->nopts; i++)
        if (copy_option(o, d->optnames[i], d->optvalues[i], d->optlocations[i], err) != SL_OK)
            return SL_ERR;
    bool csv = o->format == SL_COPY_CSV;
    if (o->delimiter == 0)
        o->delimiter = csv ? ',' : '\t';
    if (o->null_string == NULL)
        o->null_string = csv ? "" : "\\N";
    if (!csv && (o->quote || o->escape))
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "COPY %s available only in CSV mode", o->quote ? "quote" : "escape");
    if (o->quote == 0)
        o->quote = '"';
    if (o->escape == 0)
        o->escape = o->quote;
    if (csv && (o->delimiter != ',' || o->quote != '"' || o->escape != '"' ||
                o->null_string[0] != 0))
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "COPY into a stream in CSV format takes only the default "
                            "DELIMITER, NULL, QUOTE and ESCAPE");
    if (!csv && (o->delimiter == '\\' || o->delimiter == '\n' || o->delimiter == '\r'))
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "COPY delimiter cannot be \"%c\"", o->delimiter);
    return SL_OK;
}
