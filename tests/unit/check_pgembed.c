/*
 * check_pgembed.c: Check suite for src/server/pgembed.c.  Starts real
 * PostgreSQL clusters in temporary directories (skipped, exit 77, when the
 * server binaries are not installed): first start (initdb), reuse, the
 * data directory lock, a stale postmaster.pid, an orphaned postmaster
 * after its sluiced was killed, a long data directory path, a data
 * directory the postgres user cannot reach (as root), stop.
 */
#include "server/pgembed.h"

#include <check.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmpdir(void)
{
    char *d = strdup("/tmp/check_pgembed_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    ck_assert_int_eq(chmod(d, 0755), 0);   /* as root, user postgres must reach it */
    return d;
}

static void rm_tree(const char *d)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    ck_assert_int_eq(system(cmd), 0);
}

/* Runs sql over conninfo; returns the first value (malloc'd) or NULL. */
static char *query1(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    char *v = NULL;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
            v = strdup(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    PQfinish(c);
    return v;
}

static int count_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

START_TEST(test_start_reuse_stop)
{
    char *d = tmpdir();
    char data[512], log[600], pidfile[600];
    snprintf(data, sizeof(data), "%s/data", d);   /* does not exist yet */
    snprintf(log, sizeof(log), "%s/pg.log", data);
    snprintf(pidfile, sizeof(pidfile), "%s/pg/postmaster.pid", data);
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    ck_assert_msg(sl_pgembed_start(data, &e, &ci, &err) == SL_OK, "start: %s", err.message);
    char want[700];
    snprintf(want, sizeof(want), "host=%s port=5432 user=postgres dbname=postgres", data);
    ck_assert_str_eq(ci, want);
    char *v = query1(ci, "SELECT current_user || ' ' || current_setting('listen_addresses') || "
                         "'|' || current_setting('server_encoding')");
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v, "postgres |UTF8");
    free(v);
    v = query1(ci, "CREATE TABLE kept AS SELECT 42 AS x; SELECT x FROM kept");
    ck_assert_str_eq(v, "42");
    free(v);

    /* A second user of the same data directory is refused. */
    sl_pgembed_t *e2 = NULL;
    char *ci2 = NULL;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pgembed_start(data, &e2, &ci2, &err), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, "in use by another sluiced"));
    ck_assert_ptr_null(e2);

    sl_pgembed_stop(e);
    free(ci);
    ck_assert_int_ne(access(pidfile, F_OK), 0);   /* clean shutdown */

    /* Restart: the cluster is reused (one initdb in the log), data kept. */
    sl_error_clear(&err);
    ck_assert_msg(sl_pgembed_start(data, &e, &ci, &err) == SL_OK, "restart: %s", err.message);
    v = query1(ci, "SELECT x FROM kept");
    ck_assert_str_eq(v, "42");
    free(v);
    ck_assert_int_eq(count_in_file(log, ": initdb ----"), 1);
    ck_assert_int_eq(count_in_file(log, ": starting postgres ----"), 2);
    sl_pgembed_stop(e);
    free(ci);
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_stale_pidfile)
{
    char *d = tmpdir();
    char pidfile[600];
    snprintf(pidfile, sizeof(pidfile), "%s/pg/postmaster.pid", d);
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    ck_assert_msg(sl_pgembed_start(d, &e, &ci, &err) == SL_OK, "start: %s", err.message);
    sl_pgembed_stop(e);
    free(ci);

    /* A pid file naming a live process that is not postgres (our own pid:
     * the pid was reused), then one naming a dead process. */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    pid_t pids[] = {getpid(), dead};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(pidfile, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%d\n%s/pg\n1700000000\n5432\n%s\n\n  5432001     32768\nready   \n",
                (int)pids[i], d, d);
        fclose(f);
        sl_error_clear(&err);
        ck_assert_msg(sl_pgembed_start(d, &e, &ci, &err) == SL_OK, "start over stale pid %d: %s",
                      (int)pids[i], err.message);
        char *v = query1(ci, "SELECT 1");
        ck_assert_str_eq(v, "1");
        free(v);
        sl_pgembed_stop(e);
        free(ci);
    }
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_killed_sluiced)
{
    char *d = tmpdir();
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    /* A "sluiced" that starts the cluster and is then killed with SIGKILL. */
    pid_t child = fork();
    if (child == 0) {
        sl_error_t err;
        sl_error_clear(&err);
        sl_pgembed_t *e;
        char *ci;
        char ok = sl_pgembed_start(d, &e, &ci, &err) == SL_OK ? 'y' : 'n';
        if (write(fds[1], &ok, 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char ok = 0;
    ck_assert_int_eq(read(fds[0], &ok, 1), 1);
    ck_assert_int_eq(ok, 'y');
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);

    /* The next start must succeed whatever state the orphan is in. */
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    ck_assert_msg(sl_pgembed_start(d, &e, &ci, &err) == SL_OK, "start after kill: %s",
                  err.message);
    char *v = query1(ci, "SELECT 7");
    ck_assert_str_eq(v, "7");
    free(v);
    sl_pgembed_stop(e);
    free(ci);
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_long_path)
{
    char *d = tmpdir();
    char data[600];
    snprintf(data, sizeof(data),
             "%s/a-rather-long-directory-name-for-the-data/and-another-level-of-it/"
             "so-the-socket-path-is-too-long", d);
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    ck_assert_msg(sl_pgembed_start(data, &e, &ci, &err) == SL_OK, "start: %s", err.message);
    ck_assert_ptr_nonnull(strstr(ci, "host=/tmp/sluice-pg-"));
    char sockdir[64];
    ck_assert_int_eq(sscanf(ci, "host=%63s", sockdir), 1);
    struct stat st;
    ck_assert_int_eq(stat(sockdir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0755);
    char *v = query1(ci, "SELECT 'long'");
    ck_assert_str_eq(v, "long");
    free(v);
    sl_pgembed_stop(e);
    free(ci);
    ck_assert_int_ne(access(sockdir, F_OK), 0);   /* removed at stop */
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_not_a_cluster)
{
    char *d = tmpdir();
    char pg[600];
    snprintf(pg, sizeof(pg), "%s/pg", d);
    ck_assert_int_eq(mkdir(pg, 0700), 0);
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    ck_assert_int_eq(sl_pgembed_start(d, &e, &ci, &err), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, "is not a PostgreSQL cluster"));
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_startup_failure_shows_log)
{
    char *d = tmpdir();
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    ck_assert_msg(sl_pgembed_start(d, &e, &ci, &err) == SL_OK, "start: %s", err.message);
    sl_pgembed_stop(e);
    free(ci);
    /* Break the configuration: postgres exits at start with a FATAL line. */
    char conf[600];
    snprintf(conf, sizeof(conf), "%s/pg/postgresql.auto.conf", d);
    FILE *f = fopen(conf, "a");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "shared_buffers = 'lots'\n");
    fclose(f);
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pgembed_start(d, &e, &ci, &err), SL_ERR);
    ck_assert_msg(strstr(err.message, "PostgreSQL exited during start-up") != NULL, "%s",
                  err.message);
    ck_assert_msg(strstr(err.message, "shared_buffers") != NULL, "log tail: %s", err.message);
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_unreachable_data_dir)
{
    if (geteuid() != 0)
        return;   /* only root switches users */
    char *d = tmpdir();
    ck_assert_int_eq(chmod(d, 0700), 0);   /* like /root: postgres cannot pass */
    char data[600], link[700], target[700];
    snprintf(data, sizeof(data), "%s/data", d);
    snprintf(link, sizeof(link), "%s/pg", data);
    sl_error_t err;
    sl_error_clear(&err);
    sl_pgembed_t *e = NULL;
    char *ci = NULL;
    for (int round = 0; round < 2; round++) {   /* create, then reuse */
        ck_assert_msg(sl_pgembed_start(data, &e, &ci, &err) == SL_OK, "start: %s", err.message);
        ck_assert_ptr_nonnull(strstr(ci, "host=/tmp/sluice-pg-"));
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        ck_assert_int_gt(n, 0);
        target[n] = '\0';
        ck_assert_ptr_nonnull(strstr(target, "/var/lib/sluice/pg-"));
        char *v = query1(ci, round == 0 ? "CREATE TABLE t AS SELECT 5 AS x; SELECT x FROM t"
                                        : "SELECT x FROM t");
        ck_assert_str_eq(v, "5");
        free(v);
        sl_pgembed_stop(e);
        free(ci);
    }
    rm_tree(target);
    rmdir("/var/lib/sluice");   /* if we made it and nothing else is there */
    rm_tree(d);
    free(d);
}
END_TEST

int main(void)
{
    char bin[512];
    snprintf(bin, sizeof(bin), "%s/postgres", SL_PG_BINDIR);
    if (access(bin, X_OK) != 0) {
        printf("SKIP: PostgreSQL server binaries not found in %s\n", SL_PG_BINDIR);
        return 77;
    }
    Suite *s = suite_create("pgembed");
    TCase *tc = tcase_create("cluster");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test_start_reuse_stop);
    tcase_add_test(tc, test_stale_pidfile);
    tcase_add_test(tc, test_killed_sluiced);
    tcase_add_test(tc, test_long_path);
    tcase_add_test(tc, test_not_a_cluster);
    tcase_add_test(tc, test_startup_failure_shows_log);
    tcase_add_test(tc, test_unreachable_data_dir);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
