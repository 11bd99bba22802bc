/*
 * sluice_input.c: the shell's statement loop.
 *
 * sl_shell_run_source reads lines from a terminal (GNU readline, callback
 * mode so SIGINT can clear the line), a file or a -c string; feeds them to
 * the scanner (sluice_scan.c), which says where a statement ends or a
 * meta-command starts; sends complete statements with sl_shell_exec and
 * prints what comes back (sluice_print.c).  Ctrl-C while a statement runs
 * sends PQcancel from the signal handler (PQcancel is async-signal-safe);
 * Ctrl-C at the prompt discards the line and the statement being typed.
 * A statement typed over several lines is one history entry, its lines
 * joined by newlines, added when it is sent (as psql does); history lives
 * in $SLUICE_HISTORY or ~/.sluice_history, one entry per line of the file
 * with its newlines stored as \x01 (psql's convention), appended after
 * every entry so it survives a killed shell.  Interface in sluice.h.
 */
#include "sluice.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "util/arena.h"

sl_shell_t *sl_shell;
volatile sig_atomic_t sl_shell_interrupted;
volatile sig_atomic_t sl_shell_busy;

static void on_sigint(int sig)
{
    int saved = errno;
    sl_shell_interrupted = 1;
    if (sl_shell_busy && sl_shell && sl_shell->cancel) {
        char errbuf[256];
        PQcancel(sl_shell->cancel, errbuf, sizeof(errbuf));
    }
    errno = saved;
}

void sl_shell_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;            /* no SA_RESTART: select() must wake up */
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* "sluice:file:line: " for scripts read from a file, else "". */
static void location_prefix(sl_shell_t *sh, char *buf, size_t n)
{
    buf[0] = '\0';
    if (sh->src && sh->src->kind == SL_SRC_FILE)
        snprintf(buf, n, "sluice:%s:%d: ", sh->src->name, sh->src->lineno);
}

void sl_shell_error(sl_shell_t *sh, const char *fmt, ...)
{
    char prefix[512];
    va_list ap;
    location_prefix(sh, prefix, sizeof(prefix));
    fflush(sh->out);
    fputs(prefix, stderr);
    if (prefix[0])
        fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void sl_shell_report(sl_shell_t *sh, const PGresult *res, const char *sql)
{
    char prefix[512];
    sl_diag_t d;
    sl_buf_t b = SL_BUF_INIT;
    location_prefix(sh, prefix, sizeof(prefix));
    sl_diag_from_result(&d, res, sql);
    if (d.message == NULL) {
        /* Made up by libpq (lost connection): no fields, only text. */
        const char *m = PQresultErrorMessage(res);
        if (m == NULL || *m == '\0')
            m = PQerrorMessage(sh->conn);
        sl_buf_printf(&b, "%s%s", prefix, m);
        if (b.len && b.data[b.len - 1] != '\n')
            sl_buf_putc(&b, '\n');
    } else {
        sl_print_diag(&b, &d, prefix);
    }
    fflush(sh->out);
    fputs(sl_buf_cstr(&b), stderr);
    sl_buf_free(&b);
}

/* psql's notice layout ("NOTICE:  ..."), through our printer. */
static void on_notice(void *arg, const PGresult *res)
{
    sl_shell_t *sh = arg;
    sl_diag_t d;
    sl_buf_t b = SL_BUF_INIT;
    sl_diag_from_result(&d, res, NULL);
    if (d.message == NULL) {
        fputs(PQresultErrorMessage(res), stderr);
        return;
    }
    d.context = NULL;
    char prefix[512];
    location_prefix(sh, prefix, sizeof(prefix));
    sl_print_diag(&b, &d, prefix);
    fflush(sh->out);
    fputs(sl_buf_cstr(&b), stderr);
    sl_buf_free(&b);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_timing(sl_shell_t *sh, double ms)
{
    fprintf(sh->out, "Time: %.3f ms", ms);
    if (ms >= 1000.0) {
        double s = ms / 1000.0;
        long mins = (long)(s / 60);
        double secs = s - mins * 60.0;
        if (mins >= 60)
            fprintf(sh->out, " (%02ld:%02ld:%06.3f)", mins / 60, mins % 60, secs);
        else
            fprintf(sh->out, " (%02ld:%06.3f)", mins, secs);
    }
    fputc('\n', sh->out);
}

/* Streams COPY ... FROM STDIN data: from the script being read, or from
 * stdin for -c and the terminal.  Ends at "\." or end of input. */
static void copy_in(sl_shell_t *sh)
{
    FILE *fp = stdin;
    if (sh->src && sh->src->kind == SL_SRC_FILE && sh->src->fp)
        fp = sh->src->fp;
    if (fp == stdin && isatty(fileno(stdin)))
        fprintf(stderr, "Enter data to be copied followed by a newline.\n"
                "End with a backslash and a period on a line by itself, or an EOF signal.\n");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    const char *err = NULL;
    for (;;) {
        if (fp == stdin && isatty(fileno(stdin))) {
            fputs(">> ", stderr);
            fflush(stderr);
        }
        n = getline(&line, &cap, fp);
        if (n < 0)
            break;
        if (fp == (sh->src ? sh->src->fp : NULL))
            sh->src->lineno++;
        if (strcmp(line, "\\.\n") == 0 || strcmp(line, "\\.") == 0 ||
            strcmp(line, "\\.\r\n") == 0)
            break;
        if (sl_shell_interrupted) {
            err = "canceled by user";
            break;
        }
        if (PQputCopyData(sh->conn, line, (int)n) != 1)
            break;
    }
    clearerr(fp);
    free(line);
    PQputCopyEnd(sh->conn, err);
}

static void copy_out(sl_shell_t *sh)
{
    char *buf;
    int n;
    while ((n = PQgetCopyData(sh->conn, &buf, 0)) > 0) {
        fwrite(buf, 1, (size_t)n, sh->out);
        PQfreemem(buf);
    }
}

int sl_shell_exec(sl_shell_t *sh, const char *sql)
{
    int rc = 0;
    if (sh->conn == NULL || PQstatus(sh->conn) != CONNECTION_OK) {
        sl_shell_error(sh, "You are currently not connected to a database.");
        sh->conn_lost = true;
        return -1;
    }
    if (sh->echo_queries) {
        fprintf(sh->out, "%s\n", sql);
    }
    if (sql != sh->last_query) {
        char *copy = sl_xstrdup(sql);
        free(sh->last_query);
        sh->last_query = copy;
    }
    double start = now_ms();
    sl_shell_interrupted = 0;
    sl_shell_busy = 1;
    if (!PQsendQuery(sh->conn, sql)) {
        sl_shell_busy = 0;
        sl_shell_error(sh, "%s", PQerrorMessage(sh->conn));
        rc = -1;
    } else {
        PGresult *res;
        while ((res = PQgetResult(sh->conn)) != NULL) {
            switch (PQresultStatus(res)) {
            case PGRES_TUPLES_OK:
                sl_print_result(sh->out, res, &sh->popt, sh->title);
                break;
            case PGRES_COMMAND_OK:
                if (!sh->quiet)
                    fprintf(sh->out, "%s\n", PQcmdStatus(res));
                break;
            case PGRES_EMPTY_QUERY:
                break;
            case PGRES_COPY_OUT:
                copy_out(sh);
                break;
            case PGRES_COPY_IN:
                copy_in(sh);
                break;
            default:
                sl_shell_report(sh, res, sql);
                rc = -1;
                break;
            }
            PQclear(res);
            if (PQstatus(sh->conn) == CONNECTION_BAD)
                break;
        }
        sl_shell_busy = 0;
    }
    if (sh->timing)
        print_timing(sh, now_ms() - start);
    fflush(sh->out);
    if (PQstatus(sh->conn) == CONNECTION_BAD) {
        rc = -1;
        if (sh->interactive) {
            fprintf(stderr, "The connection to the server was lost. Attempting reset: ");
            PQreset(sh->conn);
            bool ok = PQstatus(sh->conn) == CONNECTION_OK;
            fprintf(stderr, "%s\n", ok ? "Succeeded." : "Failed.");
            if (ok) {
                PQfreeCancel(sh->cancel);
                sh->cancel = PQgetCancel(sh->conn);
                PQsetNoticeReceiver(sh->conn, on_notice, sh);
                sh->probed = false;
            }
        } else {
            sh->conn_lost = true;
        }
    }
    return rc;
}

PGresult *sl_shell_query(sl_shell_t *sh, const char *sql, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (sh->conn == NULL || PQstatus(sh->conn) != CONNECTION_OK) {
        if (errmsg)
            *errmsg = sl_xstrdup("not connected");
        return NULL;
    }
    sl_shell_busy = 1;
    PGresult *res = PQexec(sh->conn, sql);
    sl_shell_busy = 0;
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    if (errmsg) {
        const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        if (m == NULL)
            m = PQerrorMessage(sh->conn);
        *errmsg = sl_xstrdup(m);
        size_t l = strlen(*errmsg);
        while (l > 0 && (*errmsg)[l - 1] == '\n')
            (*errmsg)[--l] = '\0';
    }
    PQclear(res);
    return NULL;
}

void sl_shell_setup_conn(sl_shell_t *sh)
{
    PQsetNoticeReceiver(sh->conn, on_notice, sh);
}

/* ---- reading lines -------------------------------------------------------- */

typedef enum { READ_LINE, READ_EOF, READ_INTR } read_status_t;

static char *tty_line;
static bool tty_done;

static void on_tty_line(char *line)
{
    tty_line = line;
    tty_done = true;
    rl_callback_handler_remove();
}

/* Reads one line from the terminal with readline in callback mode, so a
 * SIGINT interrupts select() and clears the line. */
static read_status_t read_tty(const char *prompt, char **out)
{
    tty_line = NULL;
    tty_done = false;
    sl_shell_interrupted = 0;
    rl_callback_handler_install(prompt, on_tty_line);
    int fd = fileno(rl_instream ? rl_instream : stdin);
    while (!tty_done) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        int r = select(fd + 1, &fds, NULL, NULL, NULL);
        if (r < 0) {
            if (errno == EINTR) {
                if (sl_shell_interrupted) {
                    sl_shell_interrupted = 0;
                    rl_free_line_state();
                    rl_callback_sigcleanup();
                    rl_replace_line("", 0);
                    rl_point = rl_end = 0;
                    rl_crlf();
                    rl_callback_handler_remove();
                    return READ_INTR;
                }
                continue;
            }
            rl_callback_handler_remove();
            return READ_EOF;
        }
        rl_callback_read_char();
    }
    *out = tty_line;
    return tty_line ? READ_LINE : READ_EOF;
}

static read_status_t read_line(sl_source_t *src, const char *prompt, char **out)
{
    switch (src->kind) {
    case SL_SRC_TTY:
        src->lineno++;
        return read_tty(prompt, out);
    case SL_SRC_FILE: {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, src->fp);
        if (n < 0) {
            free(line);
            return READ_EOF;
        }
        src->lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        *out = line;
        return READ_LINE;
    }
    case SL_SRC_STRING: {
        const char *p = src->str + src->pos;
        if (*p == '\0' && (src->pos > 0 || src->lineno > 0))
            return READ_EOF;
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        *out = sl_xmalloc(n + 1);
        memcpy(*out, p, n);
        (*out)[n] = '\0';
        src->pos += n + (e ? 1 : 0);
        src->lineno++;
        return READ_LINE;
    }
    }
    return READ_EOF;
}

static void history_send(sl_shell_t *sh, sl_source_t *src);

/* Sends the statement in src->query (if any), then empties it.  On a
 * terminal the lines typed for it become a history entry first, so a
 * statement that never returns is still in the history. */
static int send_buffer(sl_shell_t *sh, sl_source_t *src)
{
    int rc = 0;
    if (src->kind == SL_SRC_TTY)
        history_send(sh, src);
    if (!sl_scan_blank(src->query.data ? src->query.data : "", src->query.len)) {
        char *sql = sl_xstrdup(sl_buf_cstr(&src->query));
        size_t n = strlen(sql);
        while (n > 0 && (sql[n - 1] == '\n' || sql[n - 1] == '\r' || sql[n - 1] == ' ' ||
                         sql[n - 1] == '\t'))
            sql[--n] = '\0';
        sl_buf_reset(&src->query);
        sl_scan_reset(&src->scan);
        rc = sl_shell_exec(sh, sql);
        free(sql);
    }
    sl_buf_reset(&src->query);
    sl_scan_reset(&src->scan);
    return rc;
}

/* Appends text to the statement being typed, dropping leading blanks. */
static void buffer_add(sl_source_t *src, const char *p, size_t n)
{
    /* A blank buffer means no token has started, so these blanks are
     * outside any literal. */
    if (src->query.len == 0 || sl_scan_blank(src->query.data, src->query.len)) {
        sl_buf_reset(&src->query);
        while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            p++;
            n--;
        }
    }
    sl_buf_append(&src->query, p, n);
}

/* Runs one input line: statements ended by ';' and meta-commands. */
static int process_line(sl_shell_t *sh, sl_source_t *src, const char *line)
{
    sl_buf_t text = SL_BUF_INIT;
    sl_buf_puts(&text, line);
    sl_buf_putc(&text, '\n');
    size_t pos = 0, len = text.len;
    int rc = 0;
    while (pos < len && rc == 0 && !sh->quit) {
        size_t used;
        sl_scan_result_t r = sl_scan_next(&src->scan, text.data + pos, len - pos, &used);
        buffer_add(src, text.data + pos, used);
        pos += used;
        if (r == SL_SCAN_SEMICOLON) {
            rc = send_buffer(sh, src);
        } else if (r == SL_SCAN_BACKSLASH) {
            size_t mused = 0;
            rc = sl_meta_run(sh, text.data + pos, len - pos, &mused);
            pos += mused ? mused : 1;
        }
    }
    sl_buf_free(&text);
    return rc;
}

static void make_prompt(sl_shell_t *sh, sl_source_t *src, char *buf, size_t n)
{
    const char *db = sh->conn ? PQdb(sh->conn) : NULL;
    bool empty = src->query.len == 0 || sl_scan_blank(src->query.data, src->query.len);
    char c = sl_scan_prompt_char(&src->scan, empty);
    snprintf(buf, n, "%s%c> ", db && *db ? db : "sluice", c);
}

/* psql's stand-in for a newline inside a history file entry. */
#define NL_IN_HISTORY '\x01'

static void history_newlines(char *s, char from, char to)
{
    for (; *s; s++)
        if (*s == from)
            *s = to;
}

/* Adds a line typed at the terminal to the pending history entry; an empty
 * line outside quotes and comments is left out (it adds nothing to the
 * statement), as in psql. */
static void history_append(sl_source_t *src, const char *line)
{
    if (line[0] == '\0' && src->scan.state == SL_SCAN_TOP)
        return;
    sl_buf_puts(&src->history, line);
    sl_buf_putc(&src->history, '\n');
}

/* Makes the pending lines one history entry (without the last newline) and
 * appends it to the history file; a blank entry or a repeat of the last one
 * is dropped.  Empties src->history. */
static void history_send(sl_shell_t *sh, sl_source_t *src)
{
    size_t n = src->history.len;
    while (n > 0 && src->history.data[n - 1] == '\n')
        n--;
    if (n == 0 || sl_scan_blank(src->history.data, n)) {
        sl_buf_reset(&src->history);
        return;
    }
    src->history.data[n] = '\0';
    const char *entry = src->history.data;
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last == NULL || strcmp(last->line, entry) != 0) {
        add_history(entry);
        if (sh->history_file) {
            /* The file holds one entry per line: encode the newlines in
             * readline's copy while it is written, then restore them. */
            HIST_ENTRY *e = history_get(history_base + history_length - 1);
            history_newlines(e->line, '\n', NL_IN_HISTORY);
            append_history(1, sh->history_file);
            history_newlines(e->line, NL_IN_HISTORY, '\n');
        }
    }
    sl_buf_reset(&src->history);
}

int sl_shell_run_source(sl_shell_t *sh, sl_source_t *src)
{
    sl_source_t *prev = sh->src;
    int rc = 0;
    sh->src = src;
    sl_scan_reset(&src->scan);
    for (;;) {
        if (sh->quit)
            break;
        char prompt[256], *line = NULL;
        make_prompt(sh, src, prompt, sizeof(prompt));
        read_status_t st = read_line(src, prompt, &line);
        if (st == READ_INTR) {
            sl_buf_reset(&src->query);
            sl_buf_reset(&src->history);
            sl_scan_reset(&src->scan);
            continue;
        }
        if (st == READ_EOF) {
            if (src->kind == SL_SRC_TTY) {
                fputs("\\q\n", stdout);
            } else if (send_buffer(sh, src) < 0) {
                rc = -1;
            }
            break;
        }
        if (src->kind == SL_SRC_TTY)
            history_append(src, line);
        int r = process_line(sh, src, line);
        free(line);
        /* Meta-commands, and statements sent by \g, end the entry here. */
        if (src->kind == SL_SRC_TTY &&
            (src->query.len == 0 || sl_scan_blank(src->query.data, src->query.len)))
            history_send(sh, src);
        if (r < 0 && (src->kind != SL_SRC_TTY || sh->conn_lost)) {
            rc = -1;
            break;
        }
    }
    sl_buf_free(&src->query);
    sl_buf_free(&src->history);
    sh->src = prev;
    return rc;
}

/* ---- history ---------------------------------------------------------------- */

void sl_shell_history_open(sl_shell_t *sh)
{
    const char *env = getenv("SLUICE_HISTORY");
    using_history();
    if (env && *env) {
        sh->history_file = sl_xstrdup(env);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || *home == '\0') {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (home == NULL)
            return;
        size_t n = strlen(home) + sizeof("/.sluice_history");
        sh->history_file = sl_xmalloc(n);
        snprintf(sh->history_file, n, "%s/.sluice_history", home);
    }
    int fd = open(sh->history_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        free(sh->history_file);
        sh->history_file = NULL;
        return;
    }
    close(fd);
    read_history(sh->history_file);
    for (int i = 0; i < history_length; i++) {
        HIST_ENTRY *e = history_get(history_base + i);
        if (e)
            history_newlines(e->line, NL_IN_HISTORY, '\n');
    }
}

void sl_shell_history_close(sl_shell_t *sh)
{
    if (sh->history_file)
        history_truncate_file(sh->history_file, 2000);
}
