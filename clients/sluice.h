/*
 * sluice.h: the interface shared by the files of the `sluice` shell, a
 * psql-like client over libpq (see clients/README.md).
 *
 *   sluice_main.c     flags, environment, connecting, exit codes
 *   sluice_input.c    input sources, the statement loop, readline, history,
 *                     Ctrl-C (PQcancel), running queries
 *   sluice_scan.c     finding where a statement ends (quotes, dollar quotes,
 *                     comments, parentheses) and splitting meta-command args
 *   sluice_print.c    aligned / expanded / unaligned tables, psql-style
 *                     error reports with the LINE/caret context
 *   sluice_meta.c     backslash commands (\d, \x, \o, \watch, ...)
 *   sluice_complete.c tab completion of keywords and relation/column names
 *   sluice_ingest.c   \ingest: a file of events over HTTP/1.1 to sluiced
 *   sluice_http.c     \ingest's pure parts: response heads, body cutting
 *
 * sluice_scan.c, sluice_print.c and sluice_http.c are pure (no I/O besides a FILE* to write
 * to), so tests/unit/check_shell_format.c links them alone.
 *
 * Memory: the shell is one process with one sl_shell_t; strings it keeps
 * across statements are malloc'd (sl_x*) and freed when replaced.  Results
 * are PQclear'd by whoever obtained them.
 */
#ifndef SL_SHELL_H
#define SL_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "util/buf.h"

/* ---- sluice_scan.c: statement boundaries -------------------------------- */

typedef enum sl_scan_state {
    SL_SCAN_TOP,        /* plain SQL */
    SL_SCAN_SQUOTE,     /* '...' */
    SL_SCAN_ESTRING,    /* E'...' (backslash escapes) */
    SL_SCAN_DQUOTE,     /* "..." */
    SL_SCAN_DOLLAR,     /* $tag$...$tag$ */
    SL_SCAN_COMMENT,    /* slash-star comment, nested */
    SL_SCAN_LINE_COMMENT /* -- to end of line */
} sl_scan_state_t;

/* Lexical state carried from one line to the next. */
typedef struct sl_scan {
    sl_scan_state_t state;
    int comment_depth;
    int paren_depth;
    bool prev_ident;        /* last top-level byte was part of a word */
    char tag[64];           /* dollar-quote tag between the dollars */
    size_t taglen;
} sl_scan_t;

typedef enum sl_scan_result {
    SL_SCAN_MORE,           /* consumed everything; statement continues */
    SL_SCAN_SEMICOLON,      /* statement ends with the byte before *used */
    SL_SCAN_BACKSLASH       /* a meta-command starts at offset *used */
} sl_scan_result_t;

#define SL_SCAN_INIT {SL_SCAN_TOP, 0, 0, false, {0}, 0}

/* Scans p[0..len).  On SL_SCAN_SEMICOLON, *used counts the bytes up to and
 * including the ';'; on SL_SCAN_BACKSLASH, the bytes before the '\'; on
 * SL_SCAN_MORE, len.  A newline ends a line comment. */
sl_scan_result_t sl_scan_next(sl_scan_t *s, const char *p, size_t len, size_t *used);
/* Resets s to the top level. */
void sl_scan_reset(sl_scan_t *s);
/* psql's %R: '=' (new statement), '-' (continuing), '\'', '"', '$', '*'
 * (in a comment) or '(' (open parenthesis). */
char sl_scan_prompt_char(const sl_scan_t *s, bool buffer_empty);

/* Splits a meta-command's argument text p[0..len) into words: whitespace
 * separates, 'single quotes' are removed ('' is a quote), "double quotes"
 * are kept (identifiers), a backquote is not special.  Stops at an unquoted
 * backslash.  Returns the number of words (at most max), each a malloc'd
 * string in argv; *used says how many bytes were consumed. */
int sl_scan_args(const char *p, size_t len, char **argv, int max, size_t *used);
/* Normalizes an identifier the way the server does: "Quoted" keeps its
 * case (and "" becomes "), unquoted words are lower-cased.  Splits a
 * schema-qualified name at an unquoted dot: *schema is malloc'd or NULL. */
char *sl_scan_ident(const char *word, char **schema);
/* True when s[0..len) holds only whitespace (and nothing to send). */
bool sl_scan_blank(const char *s, size_t len);

/* ---- sluice_print.c: tables and errors ---------------------------------- */

typedef enum sl_format { SL_FMT_ALIGNED, SL_FMT_UNALIGNED } sl_format_t;
typedef enum sl_expanded { SL_X_OFF, SL_X_ON, SL_X_AUTO } sl_expanded_t;

typedef struct sl_popt {
    sl_format_t format;
    sl_expanded_t expanded;
    bool tuples_only;
    const char *null_str;   /* "" by default, like psql */
    const char *fieldsep;   /* unaligned: "|" */
    int term_width;         /* \x auto: terminal columns (0: never expand) */
} sl_popt_t;

/* A result independent of libpq: what the printer needs. */
typedef struct sl_table {
    const char *title;      /* centered above the table, or NULL */
    int ncols;
    int nrows;
    const char *const *colnames;
    const bool *right;      /* per column: right-align (numbers) or NULL */
    const char *const *cells; /* row-major nrows*ncols; NULL = SQL NULL */
    const char *footer;     /* printed instead of "(N rows)" ("": nothing) */
} sl_table_t;

/* Prints t to out as psql does (aligned with header, "(N rows)" and a blank
 * line; expanded records; or unaligned). */
void sl_print_table(FILE *out, const sl_table_t *t, const sl_popt_t *opt);
/* Prints a PGRES_TUPLES_OK result through sl_print_table. */
void sl_print_result(FILE *out, const PGresult *res, const sl_popt_t *opt,
                     const char *title);
/* Display width of the UTF-8 text s[0..n) (wide characters count 2). */
int sl_print_width(const char *s, size_t n);

/* The fields of an error or notice, as libpq reports them. */
typedef struct sl_diag {
    const char *severity;   /* "ERROR" */
    const char *message;
    const char *detail;
    const char *hint;
    const char *context;
    const char *query;      /* statement text sent, for the caret */
    int position;           /* 1-based character offset in query, 0 none */
} sl_diag_t;

/* Appends psql's rendering of d to out: "ERROR:  message", the "LINE n:"
 * context with a caret (at most ~60 columns, cut with "..."), DETAIL, HINT,
 * CONTEXT.  prefix ("sluice:file:3: ") goes before the first line. */
void sl_print_diag(sl_buf_t *out, const sl_diag_t *d, const char *prefix);
/* Fills d from res (pointers into res) with query as the statement. */
void sl_diag_from_result(sl_diag_t *d, const PGresult *res, const char *query);

/* ---- the shell ---------------------------------------------------------- */

typedef enum sl_src_kind { SL_SRC_TTY, SL_SRC_FILE, SL_SRC_STRING } sl_src_kind_t;

/* Where lines come from: a terminal (readline), a file, or a -c string. */
typedef struct sl_source {
    sl_src_kind_t kind;
    FILE *fp;               /* SL_SRC_FILE */
    const char *name;       /* file name for messages, "<stdin>" */
    int lineno;
    const char *str;        /* SL_SRC_STRING */
    size_t pos;
    sl_buf_t query;         /* statement being typed (each source has one) */
    sl_scan_t scan;
    sl_buf_t history;       /* SL_SRC_TTY: lines typed since the last history
                             * entry, each ended by '\n' */
} sl_source_t;

typedef struct sl_shell {
    PGconn *conn;
    PGcancel *cancel;            /* for the SIGINT handler */
    sl_popt_t popt;
    char *null_str;              /* owned storage behind popt.null_str */
    char *fieldsep;
    bool timing;
    bool quiet;
    bool echo_queries;           /* -e */
    FILE *out;                   /* stdout or \o target */
    bool out_pipe;               /* out came from popen */
    char *last_query;            /* last statement sent (\watch, \g) */
    const char *title;           /* \watch: title above the next result */
    bool conn_lost;              /* the connection went bad (exit 2) */
    bool interactive;            /* lines come from a terminal */
    char *history_file;
    int include_depth;           /* \i nesting */
    bool quit;                   /* \q seen */
    sl_source_t *src;            /* current input */
    /* server kind, found once per connection (SHOW http_address) */
    bool probed;
    bool is_sluice;
    char *http_address;          /* "127.0.0.1:7480" */
    char *probe_error;           /* why SHOW http_address failed */
} sl_shell_t;

/* The one shell of the process (signal handler and completion need it). */
extern sl_shell_t *sl_shell;
/* Set by SIGINT; who waits checks and clears it. */
extern volatile sig_atomic_t sl_shell_interrupted;
/* Set while a query runs, so SIGINT sends PQcancel. */
extern volatile sig_atomic_t sl_shell_busy;

/* sluice_main.c */
/* Connects with keys/vals (expand_dbname on), prompting for a password on
 * a terminal when the server asks.  On success replaces sh->conn and its
 * cancel handle and returns 0; else prints libpq's message, returns -1. */
int sl_shell_connect(sl_shell_t *sh, const char *const *keys, const char *const *vals);

/* sluice_input.c */
/* Installs the SIGINT handler. */
void sl_shell_signals(void);
/* Reads and runs src to its end (or \q, or the first error when not
 * interactive).  Returns 0, or -1 after an error that stops a script. */
int sl_shell_run_source(sl_shell_t *sh, sl_source_t *src);
/* Runs the text of one statement; prints results or the error.  Returns 0
 * or -1 on error. */
int sl_shell_exec(sl_shell_t *sh, const char *sql);
/* Runs sql for the shell itself (no timing/echo), returns the result or NULL
 * after printing nothing; *errmsg (malloc'd) gets the primary message. */
PGresult *sl_shell_query(sl_shell_t *sh, const char *sql, char **errmsg);
/* Hooks the notice printer into a new connection. */
void sl_shell_setup_conn(sl_shell_t *sh);
/* Prints an error result (psql layout, with the script position prefix). */
void sl_shell_report(sl_shell_t *sh, const PGresult *res, const char *sql);
/* Prints "sluice: error: ..." (or with file:line prefix) to stderr. */
void sl_shell_error(sl_shell_t *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* History file setup (readline) and saving. */
void sl_shell_history_open(sl_shell_t *sh);
void sl_shell_history_close(sl_shell_t *sh);

/* sluice_meta.c */
/* Runs the meta-command whose text starts at p ("\d foo ...") within
 * p[0..len).  *used gets the bytes consumed.  Returns 0 or -1 on error. */
int sl_meta_run(sl_shell_t *sh, const char *p, size_t len, size_t *used);
/* Finds the server kind once per connection (SHOW http_address). */
void sl_meta_probe(sl_shell_t *sh);

/* sluice_complete.c */
/* Hooks tab completion into readline. */
void sl_complete_init(void);

/* sluice_ingest.c */
/* \ingest: POSTs file (format "ndjson", "csv" or "json") to stream at the
 * server's http_address in ~1 MiB chunks.  Returns 0 or -1 (printed). */
int sl_ingest_file(sl_shell_t *sh, const char *stream, const char *file,
                   const char *format);

/* Parsed HTTP/1.1 response head; exposed for unit tests. */
typedef struct sl_http_head {
    int status;
    long long content_length;   /* -1 when absent */
    bool chunked;
    bool close;                 /* Connection: close */
    size_t head_len;            /* bytes up to and including CRLFCRLF */
} sl_http_head_t;
/* Parses a response head from p[0..len): 1 done, 0 need more, -1 bad. */
int sl_http_parse_head(const char *p, size_t len, sl_http_head_t *h);
/* Length of the chunk to send from p[0..len): all of it when len <= max,
 * else up to the last newline within max bytes (or, for one line longer
 * than max, up to the end of that line). */
size_t sl_ingest_cut(const char *p, size_t len, size_t max);

#endif
