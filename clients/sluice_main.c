/*
 * sluice_main.c: the `sluice` shell's entry point: psql's flags and
 * environment, connecting, and the exit codes.
 *
 * Connection parameters come, in order of precedence, from -h/-p/-U/-d (or
 * the positional "dbname [user]"), a conninfo string or URI given as the
 * dbname, and libpq's PG* environment variables.  When none of them names a
 * host (or a port), sluice connects to the local sluiced, 127.0.0.1:7432,
 * as user "postgres" (unless -U or PGUSER names one) and database
 * "postgres": the embedded cluster's superuser and sluiced's database there
 * (the backing PostgreSQL authenticates sessions, so a made-up name fails).
 *
 * Exit codes (psql's, with ON_ERROR_STOP always on): 0 success, 1 a fatal
 * error of the shell (bad flag, missing file) or a failed -c command, 2
 * the connection failed or was lost in a script, 3 a statement or
 * meta-command failed in a script (-f, or stdin that is not a terminal).
 * The first error stops the script.
 */
#include "sluice.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <readline/readline.h>

#include "util/arena.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "7432"
#define DEFAULT_DB "postgres"
#define DEFAULT_USER "postgres"

typedef struct action {
    char kind;              /* 'c' or 'f' */
    const char *arg;
} action_t;

static void usage(FILE *out)
{
    fprintf(out,
"sluice is the interactive terminal of Sluice (and works with PostgreSQL).\n"
"\n"
"Usage:\n"
"  sluice [OPTION]... [DBNAME [USERNAME]]\n"
"\n"
"General options:\n"
"  -c, --command=COMMAND    run one command (SQL or meta-command); repeatable\n"
"  -f, --file=FILENAME      execute commands from file; repeatable, \"-\" is stdin\n"
"  -d, --dbname=DBNAME      database name, or a conninfo string / URI\n"
"  -X, --no-psqlrc          accepted for psql compatibility (no startup file)\n"
"  -V, --version            print the version and exit\n"
"  -?, --help               show this help and exit\n"
"\n"
"Input and output options:\n"
"  -e, --echo-queries       echo statements sent to the server\n"
"  -q, --quiet              no banner, no command tags\n"
"  -o, --output=FILENAME    send query results to file (or |pipe)\n"
"\n"
"Output format options:\n"
"  -A, --no-align           unaligned table output mode\n"
"  -F, --field-separator=S  field separator for unaligned output (default \"|\")\n"
"  -P, --pset=VAR[=ARG]     set printing option VAR to ARG (see \\pset)\n"
"  -t, --tuples-only        print rows only\n"
"  -x, --expanded           turn on expanded table output\n"
"\n"
"Connection options:\n"
"  -h, --host=HOSTNAME      server host or socket directory (default %s)\n"
"  -p, --port=PORT          server port (default %s)\n"
"  -U, --username=USERNAME  user name\n"
"  -w, --no-password        never prompt for a password\n"
"  -W, --password           prompt for a password\n"
"\n"
"Without -h/-p, a conninfo host/port or PGHOST/PGPORT, sluice connects to the\n"
"local sluiced (%s:%s, user and database \"%s\"). Inside the shell, type \\? for help.\n",
            DEFAULT_HOST, DEFAULT_PORT, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_DB);
}

/* Reads a password from the terminal without echo; malloc'd or NULL. */
static char *prompt_password(const char *user)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (tty == NULL)
        return NULL;
    struct termios old, quiet;
    fprintf(tty, "Password for user %s: ", user ? user : "");
    fflush(tty);
    bool have = tcgetattr(fileno(tty), &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    char buf[1024];
    char *r = fgets(buf, sizeof(buf), tty) ? sl_xstrdup(buf) : NULL;
    if (have)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (r)
        r[strcspn(r, "\r\n")] = '\0';
    return r;
}

static bool never_prompt;
static bool force_prompt;

int sl_shell_connect(sl_shell_t *sh, const char *const *keys, const char *const *vals)
{
    const char *k[32], *v[32];
    int n = 0;
    char *password = NULL;
    for (; keys[n] && n < 30; n++) {
        k[n] = keys[n];
        v[n] = vals[n];
    }
    if (force_prompt) {
        password = prompt_password(NULL);
        k[n] = "password";
        v[n++] = password;
    }
    k[n] = NULL;
    v[n] = NULL;
    PGconn *conn;
    for (;;) {
        conn = PQconnectdbParams(k, v, 1);
        if (PQstatus(conn) == CONNECTION_BAD && PQconnectionNeedsPassword(conn) &&
            password == NULL && !never_prompt && isatty(fileno(stdin))) {
            password = prompt_password(PQuser(conn));
            PQfinish(conn);
            if (password == NULL)
                return -1;
            k[n] = "password";
            v[n] = password;
            k[n + 1] = v[n + 1] = NULL;
            continue;
        }
        break;
    }
    free(password);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "sluice: error: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return -1;
    }
    if (sh->conn)
        PQfinish(sh->conn);
    if (sh->cancel)
        PQfreeCancel(sh->cancel);
    sh->conn = conn;
    sh->cancel = PQgetCancel(conn);
    sh->probed = false;
    sh->conn_lost = false;
    sl_shell_setup_conn(sh);
    sl_meta_probe(sh);
    return 0;
}

/* True when the conninfo string/URI s sets keyword key. */
static bool conninfo_sets(const char *s, const char *key)
{
    if (s == NULL || (strchr(s, '=') == NULL && strncmp(s, "postgresql://", 13) != 0 &&
                      strncmp(s, "postgres://", 11) != 0))
        return false;
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(s, &err);
    bool set = false;
    if (opts == NULL) {
        PQfreemem(err);
        return false;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (strcmp(o->keyword, key) == 0 && o->val && *o->val)
            set = true;
    PQconninfoFree(opts);
    return set;
}

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

/* Applies "-P name=value" like \pset name value. */
static int pset_flag(sl_shell_t *sh, const char *arg)
{
    char cmd[1024];
    const char *eq = strchr(arg, '=');
    if (eq)
        snprintf(cmd, sizeof(cmd), "\\pset %.*s '%s'", (int)(eq - arg), arg, eq + 1);
    else
        snprintf(cmd, sizeof(cmd), "\\pset %s", arg);
    bool q = sh->quiet;
    sh->quiet = true;
    size_t used;
    int rc = sl_meta_run(sh, cmd, strlen(cmd), &used);
    sh->quiet = q;
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"command", required_argument, NULL, 'c'},
        {"file", required_argument, NULL, 'f'},
        {"dbname", required_argument, NULL, 'd'},
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"username", required_argument, NULL, 'U'},
        {"no-password", no_argument, NULL, 'w'},
        {"password", no_argument, NULL, 'W'},
        {"echo-queries", no_argument, NULL, 'e'},
        {"quiet", no_argument, NULL, 'q'},
        {"output", required_argument, NULL, 'o'},
        {"no-align", no_argument, NULL, 'A'},
        {"field-separator", required_argument, NULL, 'F'},
        {"pset", required_argument, NULL, 'P'},
        {"tuples-only", no_argument, NULL, 't'},
        {"expanded", no_argument, NULL, 'x'},
        {"no-psqlrc", no_argument, NULL, 'X'},
        {"set", required_argument, NULL, 'v'},
        {"variable", required_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, '?'},
        {NULL, 0, NULL, 0}
    };
    static sl_shell_t shell;
    sl_shell_t *sh = &shell;
    sl_shell = sh;
    sh->out = stdout;
    sh->popt.null_str = "";
    sh->popt.fieldsep = "|";

    const char *host = NULL, *port = NULL, *user = NULL, *dbname = NULL;
    const char *output = NULL;
    action_t *actions = sl_xcalloc((size_t)argc + 1, sizeof(action_t));
    int nactions = 0;
    char **psets = sl_xcalloc((size_t)argc + 1, sizeof(char *));
    int npsets = 0;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:f:d:h:p:U:wWeqo:AF:P:txXv:V?", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': case 'f':
            actions[nactions].kind = (char)c;
            actions[nactions++].arg = optarg;
            break;
        case 'd': dbname = optarg; break;
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'U': user = optarg; break;
        case 'w': never_prompt = true; break;
        case 'W': force_prompt = true; break;
        case 'e': sh->echo_queries = true; break;
        case 'q': sh->quiet = true; break;
        case 'o': output = optarg; break;
        case 'A': sh->popt.format = SL_FMT_UNALIGNED; break;
        case 'F': sh->popt.fieldsep = optarg; break;
        case 'P': psets[npsets++] = optarg; break;
        case 't': sh->popt.tuples_only = true; break;
        case 'x': sh->popt.expanded = SL_X_ON; break;
        case 'X': case 'v': break;
        case 'V':
            printf("sluice (Sluice) %s\n", PACKAGE_VERSION);
            return 0;
        case '?':
            if (optopt == 0 || optopt == '?') {
                usage(stdout);
                return 0;
            }
            /* fall through */
        default:
            if (optopt)
                fprintf(stderr, "sluice: error: invalid option or missing argument: -%c\n", optopt);
            else
                fprintf(stderr, "sluice: error: invalid option: %s\n", argv[optind - 1]);
            fprintf(stderr, "Try \"sluice --help\" for more information.\n");
            return 1;
        }
    }
    if (optind < argc && dbname == NULL)
        dbname = argv[optind++];
    if (optind < argc && user == NULL)
        user = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "sluice: warning: extra command-line argument \"%s\" ignored\n", argv[optind]);
    }

    /* Connection keywords: the dbname (maybe a conninfo) first, so the flags
     * after it win; our defaults only where nothing else says. */
    const char *keys[16], *vals[16];
    int nk = 0;
    bool default_host = host == NULL && !env_set("PGHOST") && !env_set("PGHOSTADDR") &&
                        !env_set("PGSERVICE") && !conninfo_sets(dbname, "host") &&
                        !conninfo_sets(dbname, "hostaddr") && !conninfo_sets(dbname, "service");
    bool default_port = port == NULL && !env_set("PGPORT") && !env_set("PGSERVICE") &&
                        !conninfo_sets(dbname, "port") && !conninfo_sets(dbname, "service");
    if (dbname) {
        keys[nk] = "dbname";
        vals[nk++] = dbname;
    } else if (default_host && !env_set("PGDATABASE")) {
        keys[nk] = "dbname";
        vals[nk++] = DEFAULT_DB;
    }
    if (host || default_host) {
        keys[nk] = "host";
        vals[nk++] = host ? host : DEFAULT_HOST;
    }
    if (port || default_port) {
        keys[nk] = "port";
        vals[nk++] = port ? port : DEFAULT_PORT;
    }
    if (user || (default_host && !env_set("PGUSER") && !conninfo_sets(dbname, "user"))) {
        keys[nk] = "user";
        vals[nk++] = user ? user : DEFAULT_USER;
    }
    keys[nk] = "fallback_application_name";
    vals[nk++] = "sluice";
    keys[nk] = NULL;
    vals[nk] = NULL;

    for (int i = 0; i < npsets; i++)
        if (pset_flag(sh, psets[i]) < 0)
            return 1;
    sl_shell_signals();
    if (sl_shell_connect(sh, keys, vals) < 0)
        return 2;

    if (output) {
        char cmd[4096];
        snprintf(cmd, sizeof(cmd), "\\o %s", output);
        size_t used;
        if (sl_meta_run(sh, cmd, strlen(cmd), &used) < 0)
            return 1;
    }

    int rc = 0;
    if (nactions > 0) {
        for (int i = 0; i < nactions && rc == 0 && !sh->quit; i++) {
            sl_source_t src = {0};
            if (actions[i].kind == 'c') {
                src.kind = SL_SRC_STRING;
                src.str = actions[i].arg;
                src.name = "-c";
                if (sl_shell_run_source(sh, &src) < 0)
                    rc = sh->conn_lost ? 2 : 1;     /* psql -c: 1 */
            } else {
                bool is_stdin = strcmp(actions[i].arg, "-") == 0;
                src.kind = SL_SRC_FILE;
                src.fp = is_stdin ? stdin : fopen(actions[i].arg, "r");
                src.name = is_stdin ? "<stdin>" : actions[i].arg;
                if (src.fp == NULL) {
                    fprintf(stderr, "sluice: error: %s: %m\n", actions[i].arg);
                    rc = 1;
                    break;
                }
                if (sl_shell_run_source(sh, &src) < 0)
                    rc = sh->conn_lost ? 2 : 3;
                if (!is_stdin)
                    fclose(src.fp);
            }
        }
    } else if (isatty(fileno(stdin))) {
        sl_source_t src = {0};
        src.kind = SL_SRC_TTY;
        src.name = "<tty>";
        sh->interactive = true;
        struct winsize ws;
        if (ioctl(fileno(stdout), TIOCGWINSZ, &ws) == 0)
            sh->popt.term_width = ws.ws_col;
        sl_shell_history_open(sh);
        sl_complete_init();
        if (!sh->quiet) {
            const char *sv = PQparameterStatus(sh->conn, "server_version");
            if (sh->is_sluice)
                printf("sluice (%s), server: Sluice (HTTP ingest at %s)\n", PACKAGE_VERSION,
                       sh->http_address);
            else
                printf("sluice (%s), server: PostgreSQL %s\n", PACKAGE_VERSION, sv ? sv : "?");
            printf("Type \"\\?\" for help.\n\n");
        }
        sl_shell_run_source(sh, &src);
        sl_shell_history_close(sh);
    } else {
        sl_source_t src = {0};
        src.kind = SL_SRC_FILE;
        src.fp = stdin;
        src.name = "<stdin>";
        if (sl_shell_run_source(sh, &src) < 0)
            rc = sh->conn_lost ? 2 : 3;
    }

    if (sh->out != stdout) {
        if (sh->out_pipe)
            pclose(sh->out);
        else
            fclose(sh->out);
    }
    fflush(stdout);
    if (sh->cancel)
        PQfreeCancel(sh->cancel);
    PQfinish(sh->conn);
    free(sh->last_query);
    free(sh->http_address);
    free(sh->probe_error);
    free(sh->null_str);
    free(sh->fieldsep);
    free(sh->history_file);
    free(actions);
    free(psets);
    return rc;
}
