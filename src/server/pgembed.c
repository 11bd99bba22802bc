/*
 * pgembed.c: the embedded PostgreSQL cluster (pgembed.h).
 *
 * Layout under the data directory D (made absolute):
 *   D/sluiced.lock   flock'ed while a sluiced uses D (a second one fails)
 *   D/pg/            the cluster (initdb'ed into D/pg.tmp, then renamed, so
 *                    a killed initdb never leaves a half cluster behind)
 *   D/pg.log         initdb's and postgres's output (appended)
 *   D/.s.PGSQL.5432  the unix socket, if D is short enough for the 107-byte
 *                    socket path limit; else a mkdtemp dir under /tmp
 * As root, if that user cannot reach D (e.g. D is under /root), the cluster
 * lives in /var/lib/sluice/pg-<hash of D> with D/pg a symlink to it.
 * postgres runs as a child in its own session (a terminal's Ctrl-C reaches
 * only sluiced, which flushes before stopping it), listens on no TCP
 * address, and gets SIGINT (fast shutdown) if sluiced dies.  As root the
 * cluster runs as user postgres (else nobody), or as the owner of an
 * existing cluster.
 *
 * Interface: sl_pgembed_start, sl_pgembed_stop.
 */
#define _GNU_SOURCE
#include "server/pgembed.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG_PORT "5432"
#define START_TIMEOUT_MS 60000   /* crash recovery after a kill can take a while */
#define INITDB_TIMEOUT_MS 180000
#define STOP_TIMEOUT_MS 60000
#define ERRCODE_SYSTEM "58000"

struct sl_pgembed {
    pid_t pid;              /* the postmaster, our child; 0 once reaped */
    char *data_dir;         /* absolute */
    char *pgdata;           /* data_dir/pg, or the external cluster it links to */
    char *sockdir;
    bool tmp_sockdir;       /* mkdtemp'ed: removed at stop */
    char *logpath;
    int logfd;
    int lockfd;
    bool as_user;           /* drop privileges to uid/gid in children */
    uid_t uid;
    gid_t gid;
    char *username;
    bool unreachable;       /* the user cannot reach data_dir: see use_external_cluster */
    char *link_from;        /* D/pg, to become a symlink to pgdata after initdb */
};

extern char **environ;

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Sets err to "<reason>; end of LOG:" followed by the last lines of the
 * log that fit in the message.  Returns SL_ERR. */
static int fail_with_log(sl_pgembed_t *e, sl_error_t *err, const char *reason)
{
    char tail[4096] = "";
    int fd = open(e->logpath, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        off_t size = lseek(fd, 0, SEEK_END);
        off_t from = size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0;
        ssize_t n = pread(fd, tail, sizeof(tail) - 1, from);
        tail[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    size_t len = strlen(tail);
    while (len > 0 && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
        tail[--len] = '\0';
    /* Keep whole lines from the end that fit beside the reason. */
    size_t room = sizeof(err->message) - strlen(reason) - strlen(e->logpath) - 40;
    const char *start = tail;
    if (len > room) {
        start = tail + len - room;
        const char *nl = strchr(start, '\n');
        start = nl ? nl + 1 : start;
    }
    if (*start)
        sl_error_set(err, ERRCODE_SYSTEM, 0, "%s; the end of %s:\n%s", reason, e->logpath, start);
    else
        sl_error_set(err, ERRCODE_SYSTEM, 0, "%s (see %s)", reason, e->logpath);
    return SL_ERR;
}

/* mkdir -p with mode for the directories it creates.  Returns 0 or -1. */
static int mkdir_p(const char *path, mode_t mode)
{
    char *p = xasprintf("%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, mode) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* rm -rf path (no error if it does not exist). */
static void rm_rf(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Drops to e's unprivileged user (child side); returns 0 or -1. */
static int drop_privileges(const sl_pgembed_t *e)
{
    if (!e->as_user)
        return 0;
    if (initgroups(e->username, e->gid) != 0 && setgroups(0, NULL) != 0)
        return -1;
    if (setgid(e->gid) != 0 || setuid(e->uid) != 0)
        return -1;
    return 0;
}

/* Starts argv[0] with argv as a child: own session, stdin /dev/null,
 * stdout/stderr to the log, environment without PG* variables, cwd /,
 * as e's user; SIGINT to it if we die (pdeath).  Returns the pid or -1. */
static pid_t spawn(sl_pgembed_t *e, char *const argv[])
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* child */
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, 0);
    dup2(e->logfd, 1);
    dup2(e->logfd, 2);
    setsid();
    if (drop_privileges(e) != 0) {
        fprintf(stderr, "sluiced: could not switch to user %s: %s\n", e->username,
                strerror(errno));
        _exit(127);
    }
    /* After setuid: a credential change clears the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, SIGINT);
    if (getppid() != parent)
        _exit(1);
    if (chdir("/") != 0)
        _exit(127);
    size_t n = 0;
    for (char **v = environ; *v; v++)
        n++;
    char **env = calloc(n + 1, sizeof(char *));
    size_t k = 0;
    for (char **v = environ; env && *v; v++)
        if (strncmp(*v, "PG", 2) != 0)
            env[k++] = *v;
    execve(argv[0], argv, env ? env : environ);
    fprintf(stderr, "sluiced: could not run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Waits up to timeout_ms for child pid; returns 1 and *status if it
 * exited, 0 on timeout. */
static int wait_child(pid_t pid, int *status, long timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 1;
        if (now_ms() >= deadline)
            return 0;
        sleep_ms(20);
    }
}

static void describe_status(int status, char *buf, size_t n)
{
    if (WIFEXITED(status))
        snprintf(buf, n, "exit code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, n, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, n, "status %d", status);
}

static void log_marker(sl_pgembed_t *e, const char *what)
{
    char line[512];
    time_t t = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S UTC", &tm);
    int n = snprintf(line, sizeof(line), "---- %s sluiced [%d]: %s ----\n", ts, (int)getpid(),
                     what);
    if (write(e->logfd, line, (size_t)n) < 0)
        return;
}

/* True if the unprivileged user can create files in dir (and reach it). */
static bool user_can_write(sl_pgembed_t *e, const char *dir)
{
    if (!e->as_user)
        return true;
    pid_t pid = fork();
    if (pid == 0) {
        if (drop_privileges(e) != 0)
            _exit(2);
        _exit(access(dir, W_OK | X_OK) == 0 ? 0 : 1);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Is pid a live (not zombie) process whose program is postgres? */
static bool is_live_postgres(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    if (rp == NULL || rp[1] == '\0' || rp[2] == 'Z' || rp[2] == 'X')
        return false;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *base = strrchr(buf, '/');
    base = base ? base + 1 : buf;
    return strncmp(base, "postgres", 8) == 0 || strncmp(base, "postmaster", 10) == 0;
}

/* Deals with D/pg/postmaster.pid left by an earlier sluiced that was
 * killed: if its postmaster still runs (an orphan; we hold the data dir
 * lock, so no live sluiced owns it) stop it; if the pid now names another
 * program, remove the stale file.  A dead pid postgres handles itself.
 * Returns SL_OK or SL_ERR if the orphan would not stop. */
static int clear_orphan(sl_pgembed_t *e, sl_error_t *err)
{
    char *pidfile = xasprintf("%s/postmaster.pid", e->pgdata);
    FILE *f = fopen(pidfile, "r");
    int rc = SL_OK;
    long pid = 0;
    if (f == NULL || fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
        if (f)
            fclose(f);
        free(pidfile);
        return SL_OK;
    }
    fclose(f);
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
        free(pidfile);
        return SL_OK;   /* dead: postgres removes the stale file */
    }
    if (!is_live_postgres((pid_t)pid)) {
        unlink(pidfile);   /* pid reused by another program */
        free(pidfile);
        return SL_OK;
    }
    log_marker(e, "stopping the postmaster left running by an earlier sluiced");
    kill((pid_t)pid, SIGINT);
    long deadline = now_ms() + STOP_TIMEOUT_MS;
    while (is_live_postgres((pid_t)pid) && now_ms() < deadline)
        sleep_ms(50);
    if (is_live_postgres((pid_t)pid)) {
        kill((pid_t)pid, SIGQUIT);
        sleep_ms(2000);
    }
    if (is_live_postgres((pid_t)pid)) {
        char reason[300];
        snprintf(reason, sizeof(reason),
                 "a PostgreSQL (pid %ld) left by an earlier sluiced still runs in %s", pid,
                 e->pgdata);
        rc = fail_with_log(e, err, reason);
    }
    free(pidfile);
    return rc;
}

/* Creates the cluster in D/pg.tmp with initdb and renames it to D/pg.
 * Returns SL_OK or SL_ERR with err set. */
static int run_initdb(sl_pgembed_t *e, sl_error_t *err)
{
    char *tmp = xasprintf("%s.tmp", e->pgdata);
    char *bin = xasprintf("%s/initdb", SL_PG_BINDIR);
    int rc = SL_OK;
    rm_rf(tmp);
    if (mkdir(tmp, 0700) != 0 || (e->as_user && chown(tmp, e->uid, e->gid) != 0)) {
        rc = sl_error_set(err, ERRCODE_SYSTEM, 0, "could not create directory \"%s\": %s", tmp,
                          strerror(errno));
        goto out;
    }
    log_marker(e, "initdb");
    char *argv[] = {bin, "-D", tmp, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--locale=C", "-N", NULL};
    pid_t pid = spawn(e, argv);
    int status = 0;
    if (pid < 0) {
        rc = sl_error_set(err, ERRCODE_SYSTEM, 0, "could not fork: %s", strerror(errno));
        goto out;
    }
    if (!wait_child(pid, &status, INITDB_TIMEOUT_MS)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        rc = fail_with_log(e, err, "initdb did not finish in time");
        goto out;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[64], reason[256];
        describe_status(status, how, sizeof(how));
        snprintf(reason, sizeof(reason), "initdb failed (%s)", how);
        rc = fail_with_log(e, err, reason);
        goto out;
    }
    if (rename(tmp, e->pgdata) != 0)
        rc = sl_error_set(err, ERRCODE_SYSTEM, 0, "could not rename \"%s\" to \"%s\": %s", tmp,
                          e->pgdata, strerror(errno));
out:
    if (rc != SL_OK)
        rm_rf(tmp);
    free(tmp);
    free(bin);
    return rc;
}

/* The malloc'd conninfo for the cluster's socket in sockdir (the path
 * quoted as libpq expects when it has spaces, quotes or backslashes). */
static char *conninfo_for(const char *sockdir)
{
    size_t n = strlen(sockdir);
    char *q = malloc(2 * n + 3), *o = q;
    if (q == NULL)
        abort();
    *o++ = '\'';
    for (const char *s = sockdir; *s; s++) {
        if (*s == '\'' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '\'';
    *o = '\0';
    bool plain = strpbrk(sockdir, " '\\\t") == NULL;
    char *ci = xasprintf("host=%s port=" PG_PORT " user=postgres dbname=postgres",
                         plain ? sockdir : q);
    free(q);
    return ci;
}

/* Frees e and everything it holds (the postmaster must be gone). */
static void pgembed_free(sl_pgembed_t *e)
{
    if (e->tmp_sockdir && e->sockdir)
        rmdir(e->sockdir);
    if (e->logfd >= 0)
        close(e->logfd);
    if (e->lockfd >= 0)
        close(e->lockfd);
    free(e->data_dir);
    free(e->pgdata);
    free(e->sockdir);
    free(e->logpath);
    free(e->username);
    free(e->link_from);
    free(e);
}

/* As root, when the unprivileged user cannot reach the data dir (a parent
 * such as /root is not searchable by others), the cluster lives in
 * EXTERNAL_BASE/pg-<hash of the data dir path> instead, D/pg is a symlink
 * to it, and the socket goes to /tmp.  Sets e->pgdata.  Returns SL_OK, or
 * SL_ERR if D/pg is a real directory there (it cannot be used). */
#define EXTERNAL_BASE "/var/lib/sluice"
static int use_external_cluster(sl_pgembed_t *e, sl_error_t *err)
{
    struct stat st;
    e->unreachable = true;
    if (lstat(e->pgdata, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *target = realpath(e->pgdata, NULL);
        if (target == NULL)
            return sl_error_set(err, ERRCODE_SYSTEM, 0, "\"%s\" is a dangling symbolic link",
                                e->pgdata);
        free(e->pgdata);
        e->pgdata = target;
        return SL_OK;
    }
    if (lstat(e->pgdata, &st) == 0) {
        sl_error_set(err, ERRCODE_SYSTEM, 0,
                     "user \"%s\", which runs the embedded PostgreSQL, cannot reach \"%s\"",
                     e->username, e->pgdata);
        sl_error_hint(err, "Every parent directory must be searchable by others "
                           "(chmod o+x), or choose another --data-dir.");
        return SL_ERR;
    }
    uint64_t h = 1469598103934665603ULL;    /* FNV-1a of the data dir path */
    for (const char *c = e->data_dir; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    if (mkdir_p(EXTERNAL_BASE, 0755) != 0)
        return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not create \"%s\": %s",
                            EXTERNAL_BASE, strerror(errno));
    e->link_from = e->pgdata;
    e->pgdata = xasprintf(EXTERNAL_BASE "/pg-%016llx", (unsigned long long)h);
    return SL_OK;
}

/* Sets up e->data_dir (absolute, created), the lock, the user and the log.
 * Returns SL_OK or SL_ERR with err set. */
static int prepare_dirs(sl_pgembed_t *e, const char *data_dir, sl_error_t *err)
{
    if (mkdir_p(data_dir, 0755) != 0)
        return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not create data directory \"%s\": %s",
                            data_dir, strerror(errno));
    char *abs = realpath(data_dir, NULL);
    if (abs == NULL)
        return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not resolve data directory \"%s\": %s",
                            data_dir, strerror(errno));
    e->data_dir = abs;
    e->pgdata = xasprintf("%s/pg", abs);
    e->logpath = xasprintf("%s/pg.log", abs);

    char *lock = xasprintf("%s/sluiced.lock", abs);
    e->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (e->lockfd < 0 || flock(e->lockfd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        if (e->lockfd >= 0 && saved == EWOULDBLOCK) {
            sl_error_set(err, ERRCODE_SYSTEM, 0,
                         "data directory \"%s\" is in use by another sluiced", abs);
            sl_error_hint(err, "Stop the other sluiced, or give this one another --data-dir.");
        } else {
            sl_error_set(err, ERRCODE_SYSTEM, 0, "could not lock \"%s\": %s", lock,
                         strerror(saved));
        }
        free(lock);
        return SL_ERR;
    }
    free(lock);

    if (geteuid() == 0) {
        struct stat st;
        struct passwd *pw = NULL;
        /* An existing cluster keeps its owner; else postgres, else nobody. */
        if (stat(e->pgdata, &st) == 0 && st.st_uid != 0)
            pw = getpwuid(st.st_uid);
        if (pw == NULL)
            pw = getpwnam("postgres");
        if (pw == NULL)
            pw = getpwnam("nobody");
        if (pw == NULL || pw->pw_uid == 0)
            return sl_error_set(err, ERRCODE_SYSTEM, 0,
                                "PostgreSQL cannot run as root and there is no user "
                                "\"postgres\" or \"nobody\" to run it as");
        e->as_user = true;
        e->uid = pw->pw_uid;
        e->gid = pw->pw_gid;
        e->username = xasprintf("%s", pw->pw_name);
        /* The socket lives in the data dir: the user must create files there. */
        if (chown(abs, e->uid, e->gid) != 0 || chmod(abs, 0755) != 0)
            return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not chown \"%s\" to %s: %s", abs,
                                e->username, strerror(errno));
        if (!user_can_write(e, abs) && use_external_cluster(e, err) != SL_OK)
            return SL_ERR;
    }
    e->logfd = open(e->logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (e->logfd < 0)
        return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not open \"%s\": %s", e->logpath,
                            strerror(errno));
    return SL_OK;
}

/* Chooses the socket directory: the data dir if the socket path fits in
 * sun_path (107 bytes) and the path is plain, else a fresh dir in /tmp.
 * Returns SL_OK or SL_ERR. */
static int choose_sockdir(sl_pgembed_t *e, sl_error_t *err)
{
    if (!e->unreachable && strlen(e->data_dir) + strlen("/.s.PGSQL." PG_PORT ".lock") < 100 &&
        strpbrk(e->data_dir, " ,'\"\\\t") == NULL) {
        e->sockdir = xasprintf("%s", e->data_dir);
        return SL_OK;
    }
    char tmpl[] = "/tmp/sluice-pg-XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not create a socket directory: %s",
                            strerror(errno));
    e->sockdir = xasprintf("%s", tmpl);
    e->tmp_sockdir = true;
    if (chmod(tmpl, 0755) != 0 || (e->as_user && chown(tmpl, e->uid, e->gid) != 0))
        return sl_error_set(err, ERRCODE_SYSTEM, 0, "could not set up \"%s\": %s", tmpl,
                            strerror(errno));
    return SL_OK;
}

int sl_pgembed_start(const char *data_dir, sl_pgembed_t **out, char **conninfo,
                     sl_error_t *err)
{
    sl_pgembed_t *e = calloc(1, sizeof(*e));
    if (e == NULL)
        abort();
    e->logfd = e->lockfd = -1;
    *out = NULL;
    *conninfo = NULL;

    char *postgres = xasprintf("%s/postgres", SL_PG_BINDIR);
    char *version = NULL, *ci = NULL, *sockopt = NULL;
    if (access(postgres, X_OK) != 0) {
        sl_error_set(err, ERRCODE_SYSTEM, 0, "PostgreSQL server binaries not found in %s",
                     SL_PG_BINDIR);
        sl_error_hint(err, "Install postgresql-15, or pass --pg CONNINFO to use a running "
                           "PostgreSQL.");
        goto fail;
    }
    if (prepare_dirs(e, data_dir, err) != SL_OK)
        goto fail;

    version = xasprintf("%s/PG_VERSION", e->pgdata);
    if (!exists(version)) {
        if (exists(e->pgdata)) {
            sl_error_set(err, ERRCODE_SYSTEM, 0,
                         "\"%s\" exists but is not a PostgreSQL cluster (no PG_VERSION)",
                         e->pgdata);
            sl_error_hint(err, "Remove it to have sluiced create a new cluster.");
            goto fail;
        }
        if (run_initdb(e, err) != SL_OK)
            goto fail;
    }
    if (e->link_from && symlink(e->pgdata, e->link_from) != 0) {
        sl_error_set(err, ERRCODE_SYSTEM, 0, "could not link \"%s\" to \"%s\": %s",
                     e->link_from, e->pgdata, strerror(errno));
        goto fail;
    }
    if (clear_orphan(e, err) != SL_OK || choose_sockdir(e, err) != SL_OK)
        goto fail;

    sockopt = xasprintf("unix_socket_directories=%s", e->sockdir);
    char *argv[] = {postgres, "-D", e->pgdata, "-p", PG_PORT,
                    "-c", "listen_addresses=", "-c", sockopt,
                    "-c", "unix_socket_permissions=0777", "-c", "logging_collector=off",
                    NULL};
    log_marker(e, "starting postgres");
    e->pid = spawn(e, argv);
    if (e->pid < 0) {
        e->pid = 0;
        sl_error_set(err, ERRCODE_SYSTEM, 0, "could not fork: %s", strerror(errno));
        goto fail;
    }

    /* Wait until it accepts connections (or dies, or takes too long). */
    ci = conninfo_for(e->sockdir);
    char *ping = xasprintf("%s connect_timeout=2", ci);
    long deadline = now_ms() + START_TIMEOUT_MS;
    PGPing p = PQPING_NO_RESPONSE;
    for (;;) {
        int status;
        pid_t r = waitpid(e->pid, &status, WNOHANG);
        if (r == e->pid) {
            char how[64], reason[256];
            e->pid = 0;
            describe_status(status, how, sizeof(how));
            snprintf(reason, sizeof(reason), "PostgreSQL exited during start-up (%s)", how);
            fail_with_log(e, err, reason);
            break;
        }
        p = PQping(ping);
        if (p == PQPING_OK)
            break;
        if (now_ms() >= deadline) {
            char reason[256];
            snprintf(reason, sizeof(reason),
                     "PostgreSQL did not accept connections within %d s", START_TIMEOUT_MS / 1000);
            fail_with_log(e, err, reason);
            break;
        }
        sleep_ms(50);
    }
    free(ping);
    if (p != PQPING_OK)
        goto fail;
    free(postgres);
    free(version);
    free(sockopt);
    *out = e;
    *conninfo = ci;
    return SL_OK;

fail:
    free(postgres);
    free(version);
    free(sockopt);
    free(ci);
    sl_pgembed_stop(e);
    return SL_ERR;
}

void sl_pgembed_stop(sl_pgembed_t *e)
{
    if (e == NULL)
        return;
    if (e->pid > 0) {
        int status;
        kill(e->pid, SIGINT);   /* fast shutdown */
        if (!wait_child(e->pid, &status, STOP_TIMEOUT_MS)) {
            kill(e->pid, SIGQUIT);  /* immediate shutdown */
            if (!wait_child(e->pid, &status, 5000)) {
                kill(e->pid, SIGKILL);
                waitpid(e->pid, &status, 0);
            }
        }
        e->pid = 0;
    }
    pgembed_free(e);
}
