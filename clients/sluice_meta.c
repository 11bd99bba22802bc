/*
 * sluice_meta.c: the shell's backslash commands.
 *
 *   \q \? \x \timing \o \pset \a \t \conninfo \c \i \ir \g \r \p \echo
 *   \watch [SEC]           re-run the last query until Ctrl-C
 *   \d [NAME]              streams, continuous views and tables; or one of
 *                          them described (SHOW STREAMS / SHOW CONTINUOUS
 *                          VIEWS on sluiced, pg_catalog everywhere)
 *   \ingest STREAM FILE [FORMAT]   see sluice_ingest.c
 *
 * Whether the server is sluiced is found once per connection by
 * sl_meta_probe (SHOW http_address answers only there).  Interface in
 * sluice.h.
 */
#include "sluice.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"

#define MAX_ARGS 16
#define MAX_INCLUDE_DEPTH 16

typedef struct meta {
    sl_shell_t *sh;
    const char *cmd;        /* name without the backslash */
    int argc;
    char *argv[MAX_ARGS];
    const char *rest;       /* raw text after the name (this line) */
    size_t restlen;
} meta_t;

void sl_meta_probe(sl_shell_t *sh)
{
    if (sh->probed || sh->conn == NULL)
        return;
    if (PQtransactionStatus(sh->conn) != PQTRANS_IDLE)
        return;     /* never risk aborting the user's transaction */
    char *err = NULL;
    PGresult *res = sl_shell_query(sh, "SHOW http_address", &err);
    sh->probed = true;
    free(sh->http_address);
    free(sh->probe_error);
    sh->http_address = NULL;
    sh->probe_error = NULL;
    if (res && PQntuples(res) == 1 && PQnfields(res) == 1) {
        sh->is_sluice = true;
        sh->http_address = sl_xstrdup(PQgetvalue(res, 0, 0));
    } else {
        sh->is_sluice = false;
        sh->probe_error = err ? err : sl_xstrdup("unexpected answer");
        err = NULL;
    }
    if (res)
        PQclear(res);
    free(err);
}

static bool on_off(const char *arg, bool cur, bool *ok)
{
    *ok = true;
    if (arg == NULL)
        return !cur;
    if (strcasecmp(arg, "on") == 0 || strcasecmp(arg, "true") == 0 || strcmp(arg, "1") == 0)
        return true;
    if (strcasecmp(arg, "off") == 0 || strcasecmp(arg, "false") == 0 || strcmp(arg, "0") == 0)
        return false;
    *ok = false;
    return cur;
}

static void say(sl_shell_t *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(sl_shell_t *sh, const char *fmt, ...)
{
    if (sh->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static int cmd_help(meta_t *m)
{
    fputs(
"General\n"
"  \\q                     quit sluice\n"
"  \\?                     show this help\n"
"  \\watch [SEC]           run the last query every SEC seconds (default 2) until Ctrl-C\n"
"\n"
"Query buffer\n"
"  \\g                     send the query buffer (or the last query)\n"
"  \\p                     show the query buffer (or the last query)\n"
"  \\r                     reset (clear) the query buffer\n"
"\n"
"Input/Output\n"
"  \\i FILE                execute commands from file\n"
"  \\ir FILE               as \\i, relative to the running script\n"
"  \\o [FILE | |CMD]       send query results to file or pipe (\\o alone: stdout)\n"
"  \\echo [TEXT]           write text to standard output\n"
"\n"
"Sluice\n"
"  \\d                     list streams, continuous views and tables\n"
"  \\d NAME                describe a stream, continuous view, table or view\n"
"  \\dt, \\dv, \\dm, \\ds [PATTERN]\n"
"                         list tables, views, materialized views, sequences\n"
"  \\ingest STREAM FILE [FORMAT]\n"
"                         send a file of events over HTTP; FORMAT is ndjson\n"
"                         (default), csv or json\n"
"\n"
"Formatting\n"
"  \\a                     toggle aligned / unaligned output\n"
"  \\t [on|off]            rows only\n"
"  \\x [on|off|auto]       expanded output\n"
"  \\pset NAME [VALUE]     null, format, tuples_only, fieldsep, expanded\n"
"  \\timing [on|off]       show how long each statement takes\n"
"\n"
"Connection\n"
"  \\conninfo              show the current connection\n"
"  \\c [DBNAME [USER [HOST [PORT]]]]  connect anew (\"-\" keeps a value)\n",
        m->sh->out);
    return 0;
}

static int cmd_x(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    const char *a = m->argc > 0 ? m->argv[0] : NULL;
    if (a && strcasecmp(a, "auto") == 0) {
        sh->popt.expanded = SL_X_AUTO;
    } else {
        bool ok;
        bool v = on_off(a, sh->popt.expanded == SL_X_ON, &ok);
        if (!ok) {
            sl_shell_error(sh, "\\x: unrecognized value \"%s\": Boolean or \"auto\" expected", a);
            return -1;
        }
        sh->popt.expanded = v ? SL_X_ON : SL_X_OFF;
    }
    say(sh, "Expanded display is %s.", sh->popt.expanded == SL_X_ON ? "on"
        : sh->popt.expanded == SL_X_AUTO ? "used automatically" : "off");
    return 0;
}

static int cmd_timing(meta_t *m)
{
    bool ok;
    bool v = on_off(m->argc ? m->argv[0] : NULL, m->sh->timing, &ok);
    if (!ok) {
        sl_shell_error(m->sh, "\\timing: unrecognized value \"%s\": Boolean expected", m->argv[0]);
        return -1;
    }
    m->sh->timing = v;
    say(m->sh, "Timing is %s.", v ? "on" : "off");
    return 0;
}

static int cmd_o(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    const char *r = m->rest;
    size_t n = m->restlen;
    while (n > 0 && isspace((unsigned char)*r)) {
        r++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)r[n - 1]))
        n--;
    FILE *f = NULL;
    bool pipe = false;
    if (n > 0 && r[0] == '|') {
        char *cmd = sl_xmalloc(n);
        memcpy(cmd, r + 1, n - 1);
        cmd[n - 1] = '\0';
        fflush(stdout);
        f = popen(cmd, "w");
        if (f == NULL) {
            sl_shell_error(sh, "%s: %s", cmd, strerror(errno));
            free(cmd);
            return -1;
        }
        free(cmd);
        pipe = true;
    } else if (m->argc > 0) {
        f = fopen(m->argv[0], "w");
        if (f == NULL) {
            sl_shell_error(sh, "%s: %s", m->argv[0], strerror(errno));
            return -1;
        }
    }
    if (sh->out != stdout) {
        if (sh->out_pipe)
            pclose(sh->out);
        else
            fclose(sh->out);
    }
    sh->out = f ? f : stdout;
    sh->out_pipe = pipe;
    return 0;
}

static void set_str(char **slot, const char **popt, const char *v)
{
    char *c = sl_xstrdup(v);
    free(*slot);
    *slot = c;
    *popt = c;
}

static int cmd_pset(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    if (m->argc == 0) {
        fprintf(sh->out, "expanded                 %s\nfieldsep                 '%s'\n"
                "format                   %s\nnull                     '%s'\n"
                "tuples_only              %s\n",
                sh->popt.expanded == SL_X_ON ? "on" : sh->popt.expanded == SL_X_AUTO ? "auto" : "off",
                sh->popt.fieldsep, sh->popt.format == SL_FMT_ALIGNED ? "aligned" : "unaligned",
                sh->popt.null_str, sh->popt.tuples_only ? "on" : "off");
        return 0;
    }
    const char *name = m->argv[0], *val = m->argc > 1 ? m->argv[1] : NULL;
    bool ok = true;
    if (strcmp(name, "null") == 0) {
        if (val)
            set_str(&sh->null_str, &sh->popt.null_str, val);
        say(sh, "Null display is \"%s\".", sh->popt.null_str);
    } else if (strcmp(name, "fieldsep") == 0) {
        if (val)
            set_str(&sh->fieldsep, &sh->popt.fieldsep, val);
        say(sh, "Field separator is \"%s\".", sh->popt.fieldsep);
    } else if (strcmp(name, "format") == 0) {
        if (val == NULL || strncmp(val, "aligned", strlen(val)) == 0)
            sh->popt.format = val ? SL_FMT_ALIGNED : sh->popt.format;
        else if (strncmp(val, "unaligned", strlen(val)) == 0)
            sh->popt.format = SL_FMT_UNALIGNED;
        else {
            sl_shell_error(sh, "\\pset: allowed formats are aligned, unaligned");
            return -1;
        }
        say(sh, "Output format is %s.", sh->popt.format == SL_FMT_ALIGNED ? "aligned" : "unaligned");
    } else if (strcmp(name, "tuples_only") == 0) {
        sh->popt.tuples_only = on_off(val, sh->popt.tuples_only, &ok);
        if (ok)
            say(sh, "Tuples only is %s.", sh->popt.tuples_only ? "on" : "off");
    } else if (strcmp(name, "expanded") == 0 || strcmp(name, "x") == 0) {
        meta_t x = *m;
        x.argc = m->argc - 1;
        memmove(x.argv, m->argv + 1, sizeof(char *) * (size_t)x.argc);
        return cmd_x(&x);
    } else {
        sl_shell_error(sh, "\\pset: unknown option: %s", name);
        return -1;
    }
    if (!ok) {
        sl_shell_error(sh, "\\pset: unrecognized value \"%s\" for \"%s\": Boolean expected", val, name);
        return -1;
    }
    return 0;
}

static int cmd_a(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    sh->popt.format = sh->popt.format == SL_FMT_ALIGNED ? SL_FMT_UNALIGNED : SL_FMT_ALIGNED;
    say(sh, "Output format is %s.", sh->popt.format == SL_FMT_ALIGNED ? "aligned" : "unaligned");
    return 0;
}

static int cmd_t(meta_t *m)
{
    bool ok;
    m->sh->popt.tuples_only = on_off(m->argc ? m->argv[0] : NULL, m->sh->popt.tuples_only, &ok);
    if (!ok) {
        sl_shell_error(m->sh, "\\t: unrecognized value \"%s\": Boolean expected", m->argv[0]);
        return -1;
    }
    say(m->sh, "Tuples only is %s.", m->sh->popt.tuples_only ? "on" : "off");
    return 0;
}

static int cmd_conninfo(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    PGconn *c = sh->conn;
    if (c == NULL || PQstatus(c) != CONNECTION_OK) {
        fprintf(sh->out, "You are currently not connected to a database.\n");
        return 0;
    }
    const char *host = PQhost(c);
    if (host && host[0] == '/')
        fprintf(sh->out, "You are connected to database \"%s\" as user \"%s\" via socket in \"%s\" at port \"%s\".\n",
                PQdb(c), PQuser(c), host, PQport(c));
    else
        fprintf(sh->out, "You are connected to database \"%s\" as user \"%s\" on host \"%s\" at port \"%s\".\n",
                PQdb(c), PQuser(c), host ? host : "", PQport(c));
    sl_meta_probe(sh);
    const char *sv = PQparameterStatus(c, "server_version");
    if (sh->is_sluice)
        fprintf(sh->out, "Server: Sluice (HTTP ingest at %s), PostgreSQL protocol, server_version %s.\n",
                sh->http_address, sv ? sv : "?");
    else
        fprintf(sh->out, "Server: PostgreSQL %s.\n", sv ? sv : "?");
    return 0;
}

static int cmd_connect(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    const char *keys[8], *vals[8];
    const char *cur[4] = {
        sh->conn ? PQdb(sh->conn) : NULL, sh->conn ? PQuser(sh->conn) : NULL,
        sh->conn ? PQhost(sh->conn) : NULL, sh->conn ? PQport(sh->conn) : NULL
    };
    static const char *names[4] = {"dbname", "user", "host", "port"};
    int n = 0;
    for (int i = 0; i < 4; i++) {
        const char *v = (i < m->argc && strcmp(m->argv[i], "-") != 0) ? m->argv[i] : cur[i];
        if (v && *v) {
            keys[n] = names[i];
            vals[n++] = v;
        }
    }
    keys[n] = "fallback_application_name";
    vals[n++] = "sluice";
    keys[n] = vals[n] = NULL;
    /* Keep the copies alive across the reconnect (they point into conn). */
    char *copy[8] = {0};
    for (int i = 0; i < n; i++)
        vals[i] = copy[i] = sl_xstrdup(vals[i]);
    int rc = sl_shell_connect(sh, keys, vals);
    if (rc == 0)
        say(sh, "You are now connected to database \"%s\" as user \"%s\".",
            PQdb(sh->conn), PQuser(sh->conn));
    else
        fprintf(stderr, "Previous connection kept\n");
    for (int i = 0; i < n; i++)
        free(copy[i]);
    return rc;
}

static int cmd_include(meta_t *m, bool relative)
{
    sl_shell_t *sh = m->sh;
    if (m->argc < 1) {
        sl_shell_error(sh, "\\%s: missing required argument", m->cmd);
        return -1;
    }
    if (sh->include_depth >= MAX_INCLUDE_DEPTH) {
        sl_shell_error(sh, "\\%s: files nested too deeply", m->cmd);
        return -1;
    }
    char *path = sl_xstrdup(m->argv[0]);
    if (relative && path[0] != '/' && sh->src && sh->src->kind == SL_SRC_FILE &&
        strchr(sh->src->name, '/')) {
        char *dir = sl_xstrdup(sh->src->name);
        char *d = dirname(dir);
        size_t n = strlen(d) + strlen(path) + 2;
        char *full = sl_xmalloc(n);
        snprintf(full, n, "%s/%s", d, path);
        free(dir);
        free(path);
        path = full;
    }
    sl_source_t src = {0};
    src.kind = SL_SRC_FILE;
    src.fp = fopen(path, "r");
    src.name = path;
    if (src.fp == NULL) {
        sl_shell_error(sh, "%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    sh->include_depth++;
    int rc = sl_shell_run_source(sh, &src);
    sh->include_depth--;
    fclose(src.fp);
    free(path);
    return rc;
}

/* The statement \g, \p and \watch act on: the buffer being typed if it has
 * one (the buffer is then emptied), else the last one sent.  malloc'd. */
static char *take_query(sl_shell_t *sh)
{
    sl_source_t *src = sh->src;
    if (src && src->query.len > 0 && !sl_scan_blank(src->query.data, src->query.len)) {
        char *q = sl_xstrdup(src->query.data);
        sl_buf_reset(&src->query);
        sl_scan_reset(&src->scan);
        return q;
    }
    return sh->last_query ? sl_xstrdup(sh->last_query) : NULL;
}

static int cmd_g(meta_t *m)
{
    char *q = take_query(m->sh);
    if (q == NULL)
        return 0;
    int rc = sl_shell_exec(m->sh, q);
    free(q);
    return rc;
}

static int cmd_p(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    if (sh->src && sh->src->query.len > 0 && !sl_scan_blank(sh->src->query.data, sh->src->query.len))
        fprintf(sh->out, "%s\n", sh->src->query.data);
    else if (sh->last_query)
        fprintf(sh->out, "%s\n", sh->last_query);
    else
        fprintf(sh->out, "Query buffer is empty.\n");
    return 0;
}

static int cmd_r(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    if (sh->src) {
        sl_buf_reset(&sh->src->query);
        sl_scan_reset(&sh->src->scan);
    }
    say(sh, "Query buffer reset (cleared).");
    return 0;
}

static int cmd_echo(meta_t *m)
{
    for (int i = 0; i < m->argc; i++)
        fprintf(m->sh->out, "%s%s", i ? " " : "", m->argv[i]);
    fputc('\n', m->sh->out);
    return 0;
}

/* Sleeps ms milliseconds; false when Ctrl-C interrupted it. */
static bool sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0) {
        if (errno != EINTR || sl_shell_interrupted)
            return false;
    }
    return !sl_shell_interrupted;
}

static int cmd_watch(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    double secs = 2.0;
    if (m->argc > 0) {
        char *end;
        const char *a = m->argv[0];
        if (strncmp(a, "i=", 2) == 0 || strncmp(a, "interval=", 9) == 0)
            a = strchr(a, '=') + 1;
        secs = strtod(a, &end);
        if (*end != '\0' || secs < 0) {
            sl_shell_error(sh, "\\watch: incorrect interval value \"%s\"", m->argv[0]);
            return -1;
        }
    }
    char *q = take_query(sh);
    if (q == NULL) {
        sl_shell_error(sh, "\\watch cannot be used with an empty query");
        return -1;
    }
    int rc = 0;
    sl_shell_interrupted = 0;
    for (;;) {
        char title[256], when[128];
        time_t t = time(NULL);
        strftime(when, sizeof(when), "%a %d %b %Y %I:%M:%S %p %Z", localtime(&t));
        snprintf(title, sizeof(title), "%s (every %gs)\n", when, secs);
        sh->title = title;
        rc = sl_shell_exec(sh, q);
        sh->title = NULL;
        if (rc < 0 || sl_shell_interrupted)
            break;
        if (!sleep_ms((long)(secs * 1000)))
            break;
    }
    sl_shell_interrupted = 0;
    free(q);
    return rc;
}

/* ---- \d ------------------------------------------------------------------------- */

typedef struct rows {
    int ncols, nrows, cap;
    char **cells;           /* malloc'd strings */
} rows_t;

static void rows_add(rows_t *r, const char *const *vals)
{
    if (r->nrows == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->cells = sl_xrealloc(r->cells, sizeof(char *) * (size_t)r->cap * r->ncols);
    }
    for (int c = 0; c < r->ncols; c++)
        r->cells[(size_t)r->nrows * r->ncols + c] = sl_xstrdup(vals[c] ? vals[c] : "");
    r->nrows++;
}

static void rows_free(rows_t *r)
{
    for (int i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
}

static void rows_print(sl_shell_t *sh, const rows_t *r, const char *title,
                       const char *const *names, const char *footer)
{
    sl_table_t t = {title, r->ncols, r->nrows, names, NULL,
                    (const char *const *)r->cells, footer};
    sl_popt_t opt = sh->popt;
    opt.null_str = "";
    sl_print_table(sh->out, &t, &opt);
}

static int cmp_rows2(const void *a, const void *b)
{
    char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : strcmp(x[1], y[1]);
}

/* Runs sql; on failure prints the error and returns NULL. */
static PGresult *must_query(sl_shell_t *sh, const char *sql)
{
    char *err = NULL;
    PGresult *res = sl_shell_query(sh, sql, &err);
    if (res == NULL) {
        sl_shell_error(sh, "ERROR:  %s", err ? err : "query failed");
        free(err);
    }
    return res;
}

/* psql's name pattern as an anchored regular expression: `*` any text,
 * `?` one character, "quoted" text as it is, other letters lower-cased;
 * a dot outside quotes ends the schema's part (*schema gets it, else
 * stays empty). */
static void name_pattern(const char *pat, sl_buf_t *schema, sl_buf_t *name)
{
    sl_buf_t *cur = name;
    bool quoted = false;
    sl_buf_puts(name, "^(");
    for (const char *p = pat; *p; p++) {
        if (*p == '"') {
            if (quoted && p[1] == '"') {
                sl_buf_putc(cur, '"');
                p++;
            } else {
                quoted = !quoted;
            }
        } else if (!quoted && *p == '.' && cur == name) {
            sl_buf_puts(schema, sl_buf_cstr(name));
            sl_buf_puts(schema, ")$");
            sl_buf_reset(name);
            sl_buf_puts(name, "^(");
        } else if (!quoted && *p == '*') {
            sl_buf_puts(cur, ".*");
        } else if (!quoted && *p == '?') {
            sl_buf_putc(cur, '.');
        } else if (strchr("|*+?()[]{}.^$\\", *p) != NULL) {
            sl_buf_putc(cur, '\\');
            sl_buf_putc(cur, *p);
        } else {
            sl_buf_putc(cur, quoted ? *p : (char)tolower((unsigned char)*p));
        }
    }
    sl_buf_puts(name, ")$");
}

/* Appends " AND col ~ 'regex'" (a safely quoted literal). */
static void match_clause(sl_shell_t *sh, sl_buf_t *q, const char *col, sl_buf_t *re)
{
    char *lit = PQescapeLiteral(sh->conn, sl_buf_cstr(re), strlen(sl_buf_cstr(re)));
    if (lit == NULL)
        return;
    sl_buf_printf(q, " AND %s OPERATOR(pg_catalog.~) %s COLLATE pg_catalog.default", col, lit);
    PQfreemem(lit);
}

/* \d, \dt, \dv, \dm, \ds: relations of the kinds (pg_class.relkind
 * letters; NULL: every kind, and the streams) whose name matches pattern
 * (NULL: all that are visible). */
static int list_relations(sl_shell_t *sh, const char *kinds, const char *pattern)
{
    static const char *names[] = {"Schema", "Name", "Type", "Owner"};
    rows_t r = {4, 0, 0, NULL};
    PGresult *views = NULL;
    int rc = 0;
    sl_buf_t q = SL_BUF_INIT, sre = SL_BUF_INIT, nre = SL_BUF_INIT;

    if (pattern != NULL)
        name_pattern(pattern, &sre, &nre);
    sl_buf_puts(&q,
        "SELECT n.nspname, c.relname, CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' "
        "WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' "
        "WHEN 'p' THEN 'partitioned table' END, pg_catalog.pg_get_userbyid(c.relowner) "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN (");
    const char *k = kinds ? kinds : "rpvmSf";
    for (const char *c = k; *c; c++)
        sl_buf_printf(&q, "%s'%c'", c == k ? "" : ",", *c);
    sl_buf_puts(&q, ")");
    if (sre.len > 0) {
        match_clause(sh, &q, "n.nspname", &sre);
    } else {
        sl_buf_puts(&q, " AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' "
                        "AND n.nspname <> 'information_schema' "
                        "AND pg_catalog.pg_table_is_visible(c.oid)");
    }
    if (pattern != NULL)
        match_clause(sh, &q, "c.relname", &nre);
    sl_buf_puts(&q, " ORDER BY 1, 2");

    sl_meta_probe(sh);
    if (sh->is_sluice && kinds == NULL) {
        /* a stream's owner is its relation's, sluice_stream."name" */
        PGresult *streams = must_query(sh,
            "SHOW STREAMS");
        if (streams == NULL) {
            rc = -1;
            goto out;
        }
        PGresult *owners = sl_shell_query(sh,
            "SELECT c.relname, pg_catalog.pg_get_userbyid(c.relowner) "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'sluice_stream'", NULL);
        for (int i = 0; i < PQntuples(streams); i++) {
            const char *v[4] = {"", PQgetvalue(streams, i, 0), "stream", ""};
            for (int j = 0; owners && j < PQntuples(owners); j++)
                if (strcmp(PQgetvalue(owners, j, 0), v[1]) == 0)
                    v[3] = PQgetvalue(owners, j, 1);
            rows_add(&r, v);
        }
        if (owners)
            PQclear(owners);
        PQclear(streams);
    }
    if (sh->is_sluice && (kinds == NULL || strchr(kinds, 'v') != NULL)) {
        views = must_query(sh, "SHOW CONTINUOUS VIEWS");
        if (views == NULL) {
            rc = -1;
            goto out;
        }
    }
    PGresult *rels = must_query(sh, sl_buf_cstr(&q));
    if (rels == NULL) {
        rc = -1;
        goto out;
    }
    for (int i = 0; i < PQntuples(rels); i++) {
        const char *v[4] = {PQgetvalue(rels, i, 0), PQgetvalue(rels, i, 1),
                            PQgetvalue(rels, i, 2), PQgetvalue(rels, i, 3)};
        char full[1024];
        snprintf(full, sizeof(full), "%s.%s", v[0], v[1]);
        for (int j = 0; views && j < PQntuples(views); j++)
            if (strcmp(PQgetvalue(views, j, 2), full) == 0)
                v[2] = "continuous view";
        rows_add(&r, v);
    }
    /* Continuous views whose relation is not visible (other schema). */
    for (int j = 0; views && pattern == NULL && j < PQntuples(views); j++) {
        bool seen = false;
        for (int i = 0; i < PQntuples(rels); i++) {
            char full[1024];
            snprintf(full, sizeof(full), "%s.%s", PQgetvalue(rels, i, 0), PQgetvalue(rels, i, 1));
            if (strcmp(PQgetvalue(views, j, 2), full) == 0)
                seen = true;
        }
        if (!seen) {
            char schema[512];
            const char *rel = PQgetvalue(views, j, 2), *dot = strchr(rel, '.');
            snprintf(schema, sizeof(schema), "%.*s", dot ? (int)(dot - rel) : 0, rel);
            const char *v[4] = {schema, PQgetvalue(views, j, 0), "continuous view", ""};
            rows_add(&r, v);
        }
    }
    PQclear(rels);
    qsort(r.cells, (size_t)r.nrows, sizeof(char *) * 4, cmp_rows2);
    if (r.nrows == 0 && pattern != NULL)
        fprintf(sh->out, "Did not find any relation named \"%s\".\n", pattern);
    else if (r.nrows == 0)
        fprintf(sh->out, "Did not find any relations.\n");
    else
        rows_print(sh, &r, "List of relations", names, NULL);
out:
    if (views)
        PQclear(views);
    rows_free(&r);
    sl_buf_free(&q);
    sl_buf_free(&sre);
    sl_buf_free(&nre);
    return rc;
}

/* Splits SHOW STREAMS' "a bigint, b numeric(10,2)" into column rows. */
static void stream_columns(const char *text, rows_t *r)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        const char *start = p;
        int depth = 0;
        bool quoted = false;
        while (*p && (depth > 0 || quoted || *p != ',')) {
            if (*p == '"')
                quoted = !quoted;
            else if (!quoted && *p == '(')
                depth++;
            else if (!quoted && *p == ')')
                depth--;
            p++;
        }
        size_t n = (size_t)(p - start);
        char *col = sl_xmalloc(n + 1);
        memcpy(col, start, n);
        col[n] = '\0';
        char *sp = col;
        bool q = false;
        while (*sp && (q || *sp != ' ')) {
            if (*sp == '"')
                q = !q;
            sp++;
        }
        const char *type = "";
        if (*sp) {
            *sp = '\0';
            type = sp + 1;
        }
        const char *v[2] = {col, type};
        rows_add(r, v);
        free(col);
    }
}

/* Column | Type | Collation | Nullable | Default of relation oid into r
 * (r->ncols is 5). */
static int relation_columns(sl_shell_t *sh, const char *oid, rows_t *r)
{
    sl_buf_t q = SL_BUF_INIT;
    sl_buf_puts(&q, "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
                    "COALESCE((SELECT co.collname FROM pg_catalog.pg_collation co, "
                    "pg_catalog.pg_type ty WHERE co.oid = a.attcollation AND ty.oid = a.atttypid "
                    "AND a.attcollation <> ty.typcollation), ''), "
                    "CASE WHEN a.attnotnull THEN 'not null' ELSE '' END, "
                    "COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') "
                    "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d "
                    "ON d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef "
                    "WHERE a.attrelid = ");
    sl_buf_put_literal(&q, oid, strlen(oid));
    sl_buf_puts(&q, "::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
    PGresult *res = must_query(sh, sl_buf_cstr(&q));
    sl_buf_free(&q);
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *v[5] = {PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                            PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                            PQgetvalue(res, i, 4)};
        rows_add(r, v);
    }
    PQclear(res);
    return 0;
}

/* Finds relation schema.name (schema NULL: the visible one): its oid,
 * qualified name and relkind, malloc'd; false when absent. */
static bool find_relation(sl_shell_t *sh, const char *schema, const char *name,
                          char **oid, char **qname, char *kind)
{
    sl_buf_t q = SL_BUF_INIT;
    sl_buf_puts(&q, "SELECT c.oid, n.nspname || '.' || c.relname, c.relkind "
                    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE c.relname = ");
    sl_buf_put_literal(&q, name, strlen(name));
    if (schema) {
        sl_buf_puts(&q, " AND n.nspname = ");
        sl_buf_put_literal(&q, schema, strlen(schema));
    } else {
        sl_buf_puts(&q, " AND pg_catalog.pg_table_is_visible(c.oid)");
    }
    sl_buf_puts(&q, " AND c.relkind IN ('r','p','v','m','S','f')");
    char *err = NULL;
    PGresult *res = sl_shell_query(sh, sl_buf_cstr(&q), &err);
    sl_buf_free(&q);
    free(err);
    bool found = res && PQntuples(res) > 0;
    if (found) {
        *oid = sl_xstrdup(PQgetvalue(res, 0, 0));
        *qname = sl_xstrdup(PQgetvalue(res, 0, 1));
        *kind = PQgetvalue(res, 0, 2)[0];
    }
    if (res)
        PQclear(res);
    return found;
}

static int describe_stream(sl_shell_t *sh, PGresult *streams, int row, PGresult *views)
{
    static const char *names[] = {"Column", "Type"};
    const char *name = PQgetvalue(streams, row, 0);
    rows_t r = {2, 0, 0, NULL};
    stream_columns(PQgetvalue(streams, row, 1), &r);
    sl_buf_t title = SL_BUF_INIT, foot = SL_BUF_INIT;
    sl_buf_printf(&title, "Stream \"%s\"", name);
    int n = 0;
    for (int j = 0; views && j < PQntuples(views); j++)
        if (strcmp(PQgetvalue(views, j, 1), name) == 0) {
            if (n++ == 0)
                sl_buf_puts(&foot, "Continuous views:\n");
            sl_buf_printf(&foot, "    %s\n", PQgetvalue(views, j, 0));
        }
    if (foot.len && foot.data[foot.len - 1] == '\n')
        foot.data[--foot.len] = '\0';
    rows_print(sh, &r, sl_buf_cstr(&title), names, foot.len ? foot.data : "");
    sl_buf_free(&title);
    sl_buf_free(&foot);
    rows_free(&r);
    return 0;
}

/* The view's window, emit and statistics lines (sluice.view_stats). */
static void view_footer_stats(sl_shell_t *sh, const char *view, sl_buf_t *foot)
{
    sl_buf_puts(foot, "\nWindow: none (every event since the view was created)"
                      "\nEmit: every flush, updating its rows in place");
    char *lit = PQescapeLiteral(sh->conn, view, strlen(view));
    if (lit == NULL)
        return;
    sl_buf_t q = SL_BUF_INIT;
    sl_buf_printf(&q, "SELECT events, matched, groups_written, flushes, "
                      "coalesce(to_char(last_flush, 'YYYY-MM-DD HH24:MI:SS.MS TZ'), 'never') "
                      "FROM sluice.view_stats WHERE view_name = %s", lit);
    PQfreemem(lit);
    char *err = NULL;
    PGresult *res = sl_shell_query(sh, sl_buf_cstr(&q), &err);
    sl_buf_free(&q);
    free(err);
    if (res && PQntuples(res) == 1 && PQnfields(res) == 5)
        sl_buf_printf(foot,
                      "\nStatistics: %s events, %s matched its WHERE, %s group rows "
                      "written in %s flushes, last flush %s",
                      PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
                      PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
    else
        sl_buf_puts(foot, "\nStatistics: not available");
    PQclear(res);
}

static int describe_view(sl_shell_t *sh, PGresult *views, int row)
{
    static const char *names[] = {"Column", "Type"};
    const char *rel = PQgetvalue(views, row, 2);
    const char *dot = strchr(rel, '.');
    char *schema = dot ? sl_xstrdup(rel) : NULL;
    if (schema)
        schema[dot - rel] = '\0';
    char *oid = NULL, *qname = NULL, kind;
    rows_t r = {5, 0, 0, NULL};
    int rc = 0;
    if (find_relation(sh, schema, dot ? dot + 1 : rel, &oid, &qname, &kind))
        rc = relation_columns(sh, oid, &r);
    /* Keep Column | Type only. */
    rows_t r2 = {2, 0, 0, NULL};
    for (int i = 0; i < r.nrows; i++)
        rows_add(&r2, (const char *const *)&r.cells[i * 5]);
    sl_buf_t title = SL_BUF_INIT, foot = SL_BUF_INIT;
    sl_buf_printf(&title, "Continuous view \"%s\"", PQgetvalue(views, row, 0));
    sl_buf_printf(&foot, "Stream: %s\nRelation: %s", PQgetvalue(views, row, 1), rel);
    view_footer_stats(sh, PQgetvalue(views, row, 0), &foot);
    sl_buf_printf(&foot, "\nView definition:\n    %s", PQgetvalue(views, row, 3));
    if (rc == 0)
        rows_print(sh, &r2, sl_buf_cstr(&title), names, sl_buf_cstr(&foot));
    sl_buf_free(&title);
    sl_buf_free(&foot);
    rows_free(&r);
    rows_free(&r2);
    free(schema);
    free(oid);
    free(qname);
    return rc;
}

static int describe_relation(sl_shell_t *sh, const char *schema, const char *name,
                             const char *word)
{
    static const char *names[] = {"Column", "Type", "Collation", "Nullable", "Default"};
    char *oid = NULL, *qname = NULL, kind = 0;
    if (!find_relation(sh, schema, name, &oid, &qname, &kind)) {
        sl_shell_error(sh, "Did not find any relation named \"%s\".", word);
        return -1;
    }
    rows_t r = {5, 0, 0, NULL};
    int rc = relation_columns(sh, oid, &r);
    const char *what = kind == 'v' ? "View" : kind == 'm' ? "Materialized view"
                     : kind == 'S' ? "Sequence" : kind == 'f' ? "Foreign table"
                     : kind == 'p' ? "Partitioned table" : "Table";
    sl_buf_t title = SL_BUF_INIT, foot = SL_BUF_INIT;
    sl_buf_printf(&title, "%s \"%s\"", what, qname);
    if (rc == 0 && (kind == 'v' || kind == 'm')) {
        sl_buf_t q = SL_BUF_INIT;
        sl_buf_puts(&q, "SELECT pg_catalog.pg_get_viewdef(");
        sl_buf_put_literal(&q, oid, strlen(oid));
        sl_buf_puts(&q, "::pg_catalog.oid, true)");
        PGresult *res = must_query(sh, sl_buf_cstr(&q));
        sl_buf_free(&q);
        if (res && PQntuples(res) == 1) {
            const char *def = PQgetvalue(res, 0, 0);
            size_t n = strlen(def);
            while (n > 0 && (def[n - 1] == '\n' || def[n - 1] == ' '))
                n--;
            sl_buf_printf(&foot, "View definition:\n%.*s", (int)n, def);
        }
        if (res)
            PQclear(res);
    }
    if (rc == 0)
        rows_print(sh, &r, sl_buf_cstr(&title), names, sl_buf_cstr(&foot));
    sl_buf_free(&title);
    sl_buf_free(&foot);
    rows_free(&r);
    free(oid);
    free(qname);
    return rc;
}

static int cmd_d(meta_t *m)
{
    sl_shell_t *sh = m->sh;
    if (m->argc == 0)
        return list_relations(sh, NULL, NULL);
    int rc = 0;
    for (int a = 0; a < m->argc && rc == 0; a++) {
        char *schema = NULL;
        char *name = sl_scan_ident(m->argv[a], &schema);
        bool done = false;
        sl_meta_probe(sh);
        if (sh->is_sluice && schema == NULL) {
            PGresult *streams = must_query(sh, "SHOW STREAMS");
            PGresult *views = must_query(sh, "SHOW CONTINUOUS VIEWS");
            for (int i = 0; streams && i < PQntuples(streams) && !done; i++)
                if (strcmp(PQgetvalue(streams, i, 0), name) == 0) {
                    rc = describe_stream(sh, streams, i, views);
                    done = true;
                }
            for (int i = 0; views && i < PQntuples(views) && !done; i++)
                if (strcmp(PQgetvalue(views, i, 0), name) == 0) {
                    rc = describe_view(sh, views, i);
                    done = true;
                }
            if (streams)
                PQclear(streams);
            if (views)
                PQclear(views);
        }
        if (!done)
            rc = describe_relation(sh, schema, name, m->argv[a]);
        free(name);
        free(schema);
    }
    return rc;
}

static int cmd_ingest(meta_t *m)
{
    if (m->argc < 2 || m->argc > 3) {
        sl_shell_error(m->sh, "\\ingest: usage: \\ingest STREAM FILE [ndjson|csv|json]");
        return -1;
    }
    return sl_ingest_file(m->sh, m->argv[0], m->argv[1], m->argc > 2 ? m->argv[2] : "ndjson");
}

int sl_meta_run(sl_shell_t *sh, const char *p, size_t len, size_t *used)
{
    meta_t m;
    memset(&m, 0, sizeof(m));
    m.sh = sh;
    size_t i = 1;   /* past the backslash */
    if (len < 1 || p[0] != '\\') {
        *used = 0;
        return -1;
    }
    if (i < len && p[i] == '\\') {      /* "\\": separator, SQL follows */
        *used = 2;
        return 0;
    }
    char name[32];
    size_t n = 0;
    if (i < len && (p[i] == '?' || p[i] == '!'))
        name[n++] = p[i++];
    else
        while (i < len && n < sizeof(name) - 1 && !isspace((unsigned char)p[i]) && p[i] != '\\')
            name[n++] = p[i++];
    name[n] = '\0';
    m.cmd = name;
    size_t eol = i;
    while (eol < len && p[eol] != '\n')
        eol++;
    m.rest = p + i;
    m.restlen = eol - i;
    size_t aused = 0;
    m.argc = sl_scan_args(p + i, eol - i, m.argv, MAX_ARGS, &aused);
    *used = i + aused;
    if (strcmp(name, "o") == 0 || strcmp(name, "out") == 0)
        *used = eol;    /* "\o |cmd args" takes the whole line */

    int rc;
    if (strcmp(name, "q") == 0 || strcmp(name, "quit") == 0) {
        sh->quit = true;
        rc = 0;
    } else if (strcmp(name, "?") == 0) {
        rc = cmd_help(&m);
    } else if (strcmp(name, "x") == 0) {
        rc = cmd_x(&m);
    } else if (strcmp(name, "timing") == 0) {
        rc = cmd_timing(&m);
    } else if (strcmp(name, "o") == 0 || strcmp(name, "out") == 0) {
        rc = cmd_o(&m);
    } else if (strcmp(name, "pset") == 0) {
        rc = cmd_pset(&m);
    } else if (strcmp(name, "a") == 0) {
        rc = cmd_a(&m);
    } else if (strcmp(name, "t") == 0) {
        rc = cmd_t(&m);
    } else if (strcmp(name, "conninfo") == 0) {
        rc = cmd_conninfo(&m);
    } else if (strcmp(name, "c") == 0 || strcmp(name, "connect") == 0) {
        rc = cmd_connect(&m);
    } else if (strcmp(name, "i") == 0 || strcmp(name, "include") == 0) {
        rc = cmd_include(&m, false);
    } else if (strcmp(name, "ir") == 0 || strcmp(name, "include_relative") == 0) {
        rc = cmd_include(&m, true);
    } else if (strcmp(name, "g") == 0) {
        rc = cmd_g(&m);
    } else if (strcmp(name, "p") == 0 || strcmp(name, "print") == 0) {
        rc = cmd_p(&m);
    } else if (strcmp(name, "r") == 0 || strcmp(name, "reset") == 0) {
        rc = cmd_r(&m);
    } else if (strcmp(name, "echo") == 0) {
        rc = cmd_echo(&m);
    } else if (strcmp(name, "watch") == 0) {
        rc = cmd_watch(&m);
    } else if (strcmp(name, "d") == 0 || strcmp(name, "d+") == 0 || strcmp(name, "dS") == 0) {
        rc = cmd_d(&m);
    } else if (strcmp(name, "dt") == 0 || strcmp(name, "dv") == 0 || strcmp(name, "dm") == 0 ||
               strcmp(name, "ds") == 0) {
        static const char *const kinds[] = {"rp", "v", "m", "S"};
        rc = list_relations(sh, kinds[strchr("tvms", name[1]) - "tvms"],
                            m.argc > 0 ? m.argv[0] : NULL);
    } else if (strcmp(name, "ingest") == 0) {
        rc = cmd_ingest(&m);
    } else {
        sl_shell_error(sh, "invalid command \\%s", name);
        if (sh->interactive)
            fprintf(stderr, "Try \\? for help.\n");
        rc = -1;
    }
    fflush(sh->out);
    for (int a = 0; a < m.argc; a++)
        free(m.argv[a]);
    return rc;
}
