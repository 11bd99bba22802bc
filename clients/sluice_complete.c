/*
 * sluice_complete.c: tab completion for the interactive shell (readline).
 *
 * What is offered depends on the word before the cursor's word:
 *   after FROM, JOIN, INTO, TABLE, UPDATE, STREAM, VIEW, \d, \ingest
 *                          stream, continuous view and table names
 *   \i, \ir, \o, the second argument of \ingest
 *                          file names (readline's own completer)
 *   a leading backslash    meta-command names
 *   elsewhere              SQL keywords, then column and relation names
 * Names are asked from the server at each completion: SHOW STREAMS and
 * SHOW CONTINUOUS VIEWS on sluiced, pg_catalog for tables, views and their
 * columns (both kinds of server).  Keywords come out in the case the user
 * started typing them in (upper case when nothing was typed).
 */
#include "sluice.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <readline/readline.h>

#include "util/arena.h"

static const char *const keywords[] = {
    "ABORT", "ACTIVATE", "ADD", "ALL", "ALTER", "AND", "ANY", "AS", "ASC", "AVG",
    "BEGIN", "BETWEEN", "BIGINT", "BOOLEAN", "BY", "CASCADE", "CASE", "CAST",
    "COALESCE", "COLUMN", "COMMIT", "CONTINUOUS", "COPY", "COUNT", "CREATE",
    "DATE", "DATE_TRUNC", "DEACTIVATE", "DELETE", "DESC", "DISTINCT", "DOUBLE",
    "DROP", "ELSE", "END", "EXISTS", "EXPLAIN", "FALSE", "FILTER", "FROM",
    "FULL", "GROUP", "HAVING", "IF", "ILIKE", "IN", "INNER", "INSERT",
    "INTEGER", "INTERVAL", "INTO", "IS", "JOIN", "JSONB", "LEFT", "LIKE",
    "LIMIT", "MAX", "MIN", "NOT", "NULL", "NULLIF", "NUMERIC", "OFFSET", "ON",
    "OR", "ORDER", "OUTER", "PRECISION", "REAL", "RIGHT", "ROLLBACK", "SELECT",
    "SET", "SHOW", "SMALLINT", "STDIN", "STREAM", "STREAMS", "SUM", "TABLE",
    "TEXT", "THEN", "TIMESTAMP", "TIMESTAMPTZ", "TRUE", "TRUNCATE", "UPDATE",
    "USING", "VALUES", "VARCHAR", "VIEW", "VIEWS", "WHEN", "WHERE", "WITH",
    NULL
};

static const char *const meta_commands[] = {
    "\\?", "\\a", "\\c", "\\conninfo", "\\d", "\\dm", "\\ds", "\\dt", "\\dv",
    "\\echo", "\\g", "\\i", "\\ingest", "\\ir", "\\o", "\\p", "\\pset", "\\q",
    "\\r", "\\t", "\\timing", "\\watch", "\\x", NULL
};

/* Candidates for the current completion (malloc'd strings). */
static char **cands;
static int ncands, capcands;

static void cand_add(const char *s)
{
    for (int i = 0; i < ncands; i++)
        if (strcmp(cands[i], s) == 0)
            return;
    if (ncands == capcands) {
        capcands = capcands ? capcands * 2 : 64;
        cands = sl_xrealloc(cands, sizeof(char *) * (size_t)capcands);
    }
    cands[ncands++] = sl_xstrdup(s);
}

static void cands_clear(void)
{
    for (int i = 0; i < ncands; i++)
        free(cands[i]);
    ncands = 0;
}

static void add_query_column(const char *sql, int col)
{
    sl_shell_t *sh = sl_shell;
    if (sh == NULL || sh->conn == NULL || PQstatus(sh->conn) != CONNECTION_OK ||
        PQtransactionStatus(sh->conn) == PQTRANS_INERROR)
        return;
    PGresult *res = sl_shell_query(sh, sql, NULL);
    if (res == NULL)
        return;
    for (int i = 0; i < PQntuples(res); i++)
        cand_add(PQgetvalue(res, i, col));
    PQclear(res);
}

static void add_relations(void)
{
    sl_meta_probe(sl_shell);
    if (sl_shell && sl_shell->is_sluice) {
        add_query_column("SHOW STREAMS", 0);
        add_query_column("SHOW CONTINUOUS VIEWS", 0);
    }
    add_query_column("SELECT c.relname FROM pg_catalog.pg_class c "
                     "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname <> 'pg_catalog' "
                     "AND n.nspname <> 'information_schema' "
                     "AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1 LIMIT 1000", 0);
}

/* Column names of streams (parsed from SHOW STREAMS) and visible tables. */
static void add_columns(void)
{
    sl_shell_t *sh = sl_shell;
    sl_meta_probe(sh);
    if (sh && sh->is_sluice && PQtransactionStatus(sh->conn) != PQTRANS_INERROR) {
        PGresult *res = sl_shell_query(sh, "SHOW STREAMS", NULL);
        for (int i = 0; res && i < PQntuples(res); i++) {
            const char *p = PQgetvalue(res, i, 1);
            while (*p) {
                while (*p == ' ' || *p == ',')
                    p++;
                const char *s = p;
                while (*p && *p != ' ' && *p != ',')
                    p++;
                if (p > s) {
                    char name[256];
                    snprintf(name, sizeof(name), "%.*s", (int)(p - s), s);
                    cand_add(name);
                }
                int depth = 0;    /* skip the type */
                while (*p && (depth > 0 || *p != ',')) {
                    depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
                    p++;
                }
            }
        }
        if (res)
            PQclear(res);
    }
    add_query_column("SELECT DISTINCT a.attname FROM pg_catalog.pg_attribute a "
                     "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                     "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE c.relkind IN ('r','p','v','m','f') AND a.attnum > 0 "
                     "AND NOT a.attisdropped AND n.nspname <> 'pg_catalog' "
                     "AND n.nspname <> 'information_schema' "
                     "AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1 LIMIT 2000", 0);
}

static bool keyword_case_lower;

static void add_keywords(const char *text)
{
    keyword_case_lower = text[0] && islower((unsigned char)text[0]);
    for (int i = 0; keywords[i]; i++) {
        char kw[64];
        size_t n = strlen(keywords[i]);
        for (size_t j = 0; j <= n; j++)
            kw[j] = keyword_case_lower ? (char)tolower((unsigned char)keywords[i][j])
                                       : keywords[i][j];
        cand_add(kw);
    }
}

static int gen_index;
static size_t gen_len;

/* readline generator over cands: case-insensitive prefix match. */
static char *generator(const char *text, int state)
{
    if (state == 0) {
        gen_index = 0;
        gen_len = strlen(text);
    }
    while (gen_index < ncands) {
        const char *c = cands[gen_index++];
        if (strncasecmp(c, text, gen_len) == 0)
            return strdup(c);
    }
    return NULL;
}

/* The word before position end in line (upper-cased into buf), and the
 * index of the word being completed (0: first word of the line). */
static int previous_word(const char *line, int end, char *buf, size_t n)
{
    int i = end, words = 0;
    buf[0] = '\0';
    while (i > 0 && !isspace((unsigned char)line[i - 1]) && line[i - 1] != '(' &&
           line[i - 1] != ',')
        i--;
    int wend = i;
    while (wend > 0 && (isspace((unsigned char)line[wend - 1]) || line[wend - 1] == ','))
        wend--;
    int wstart = wend;
    while (wstart > 0 && !isspace((unsigned char)line[wstart - 1]) && line[wstart - 1] != '(' &&
           line[wstart - 1] != ',')
        wstart--;
    size_t len = (size_t)(wend - wstart);
    if (len >= n)
        len = n - 1;
    for (size_t k = 0; k < len; k++)
        buf[k] = (char)toupper((unsigned char)line[wstart + k]);
    buf[len] = '\0';
    for (int k = 0; k < i; k++)
        if (!isspace((unsigned char)line[k]) && (k == 0 || isspace((unsigned char)line[k - 1])))
            words++;
    return words;
}

static char **complete(const char *text, int start, int end)
{
    char prev[64];
    const char *line = rl_line_buffer;
    int word = previous_word(line, start, prev, sizeof(prev));
    cands_clear();
    rl_attempted_completion_over = 1;

    const char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\\') {
        if (word == 0) {
            for (int i = 0; meta_commands[i]; i++)
                cand_add(meta_commands[i]);
        } else if (strncmp(p, "\\d", 2) == 0 && (p[2] == ' ' || p[2] == '+')) {
            add_relations();
        } else if (strncmp(p, "\\ingest", 7) == 0 && word == 1) {
            sl_meta_probe(sl_shell);
            if (sl_shell && sl_shell->is_sluice)
                add_query_column("SHOW STREAMS", 0);
        } else if (strncmp(p, "\\ingest", 7) == 0 && word == 3) {
            cand_add("ndjson");
            cand_add("csv");
            cand_add("json");
        } else if (strncmp(p, "\\i", 2) == 0 || strncmp(p, "\\o", 2) == 0 ||
                   strncmp(p, "\\ingest", 7) == 0) {
            rl_attempted_completion_over = 0;   /* file names */
            return NULL;
        }
        return ncands ? rl_completion_matches(text, generator) : NULL;
    }
    if (strcmp(prev, "FROM") == 0 || strcmp(prev, "JOIN") == 0 || strcmp(prev, "INTO") == 0 ||
        strcmp(prev, "TABLE") == 0 || strcmp(prev, "UPDATE") == 0 ||
        strcmp(prev, "STREAM") == 0 || strcmp(prev, "VIEW") == 0 ||
        strcmp(prev, "TRUNCATE") == 0 || strcmp(prev, "EXISTS") == 0) {
        add_relations();
    } else if (strcmp(prev, "CONTINUOUS") == 0) {
        cand_add(text[0] && islower((unsigned char)text[0]) ? "view" : "VIEW");
        cand_add(text[0] && islower((unsigned char)text[0]) ? "views" : "VIEWS");
    } else {
        add_keywords(text);
        if (text[0] != '\0') {
            add_columns();
            add_relations();
        }
    }
    return ncands ? rl_completion_matches(text, generator) : NULL;
}

void sl_complete_init(void)
{
    rl_readline_name = "sluice";
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,)";  /* not \\ */
}
