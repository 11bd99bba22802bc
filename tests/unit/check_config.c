/*
 * check_config.c: Check suite for src/server/config.c (defaults, file,
 * environment, flags, precedence, errors, --help).
 */
#include "server/config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes text to a fresh temporary file; returns its malloc'd path. */
static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/check_config_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    return path;
}

/* Loads argv (NULL-terminated, argv[0] included); returns the result code. */
static int load(sl_config_t *cfg, sl_error_t *err, int *exit_now, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    sl_error_clear(err);
    return sl_config_load(cfg, argc, argv, exit_now, err);
}

static void clear_env(void)
{
    const char *vars[] = {"SLUICE_PG", "SLUICE_DATA_DIR", "SLUICE_LISTEN_ADDRESS",
                          "SLUICE_PGWIRE_PORT", "SLUICE_HTTP_PORT", "SLUICE_FLUSH_INTERVAL",
                          "SLUICE_MAX_BODY_SIZE", "SLUICE_PG_TIMEOUT", "SLUICE_LOG_LEVEL",
                          "SLUICE_CONFIG", "SLUICE_HTTP_AUTH"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

START_TEST(test_defaults)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *argv[] = {"sluiced", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
    ck_assert_int_eq(exit_now, 0);
    ck_assert_str_eq(cfg.pg, "");
    ck_assert_str_eq(cfg.data_dir, "./sluice-data");
    ck_assert_str_eq(cfg.listen_address, "127.0.0.1");
    ck_assert_int_eq(cfg.pgwire_port, 7432);
    ck_assert_int_eq(cfg.http_port, 7480);
    ck_assert_int_eq(cfg.flush_interval_ms, 100);
    ck_assert_uint_eq(cfg.max_body_size, 67108864);
    ck_assert_int_eq(cfg.pg_timeout_ms, 5000);
    ck_assert_str_eq(cfg.log_level, "info");
    ck_assert_ptr_null(cfg.config_file);
    ck_assert_uint_eq(cfg.max_inflight_body, 268435456);
    ck_assert_int_eq(cfg.request_timeout_ms, 60000);
    ck_assert_int_eq(cfg.authentication_timeout_ms, 60000);
    ck_assert_int_eq(cfg.max_client_connections, 0);
    ck_assert_uint_eq(cfg.max_query_size, 67108864);
    sl_config_free(&cfg);
}
END_TEST

/* The network limits of issue 6: flags, sizes with suffixes, ranges. */
START_TEST(test_net_limits)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *argv[] = {"sluiced", "--max-inflight-body", "32MB", "--request-timeout=1500",
                    "--authentication-timeout", "1000", "--max-client-connections", "9",
                    "--max-query-size", "1MB", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
    ck_assert_uint_eq(cfg.max_inflight_body, 32u << 20);
    ck_assert_int_eq(cfg.request_timeout_ms, 1500);
    ck_assert_int_eq(cfg.authentication_timeout_ms, 1000);
    ck_assert_int_eq(cfg.max_client_connections, 9);
    ck_assert_uint_eq(cfg.max_query_size, 1u << 20);
    sl_config_free(&cfg);
    char *bad[] = {"sluiced", "--max-query-size", "2GB", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, bad), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, "--max-query-size"));
    sl_config_free(&cfg);
    char *bad2[] = {"sluiced", "--authentication-timeout", "0", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, bad2), SL_ERR);
    sl_config_free(&cfg);
}
END_TEST

/* http_auth: auto is token unless the listeners are on a loopback address. */
START_TEST(test_http_auth)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    static const struct {
        const char *addr, *mode, *want;
    } cases[] = {
        {"127.0.0.1", NULL, "none"},     {"::1", NULL, "none"},
        {"localhost", NULL, "none"},     {"0.0.0.0", NULL, "token"},
        {"10.1.2.3", NULL, "token"},     {"::", NULL, "token"},
        {"0.0.0.0", "none", "none"},     {"127.0.0.1", "token", "token"},
        {"127.0.0.1", "auto", "none"},   {"192.168.0.1", "auto", "token"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[] = {"sluiced", "--listen-address", (char *)cases[i].addr,
                        cases[i].mode ? "--http-auth" : NULL, (char *)cases[i].mode, NULL};
        ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
        ck_assert_msg(strcmp(cfg.http_auth, cases[i].want) == 0, "%s %s: %s", cases[i].addr,
                      cases[i].mode ? cases[i].mode : "(default)", cfg.http_auth);
        sl_config_free(&cfg);
    }
    char *bad[] = {"sluiced", "--http-auth", "basic", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, bad), SL_ERR);
    sl_config_free(&cfg);
}
END_TEST

START_TEST(test_flags_both_forms)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *argv[] = {"sluiced", "--pg", "host=/tmp dbname=x", "--http-port=0",
                    "--pgwire-port", "65535", "--data-dir=/var/lib/s",
                    "--flush-interval", "250", "--max-body-size=2MB",
                    "--log-level", "DEBUG", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
    ck_assert_str_eq(cfg.pg, "host=/tmp dbname=x");
    ck_assert_int_eq(cfg.http_port, 0);
    ck_assert_int_eq(cfg.pgwire_port, 65535);
    ck_assert_str_eq(cfg.data_dir, "/var/lib/s");
    ck_assert_int_eq(cfg.flush_interval_ms, 250);
    ck_assert_uint_eq(cfg.max_body_size, 2 * 1024 * 1024);
    ck_assert_str_eq(cfg.log_level, "debug");
    sl_config_free(&cfg);
}
END_TEST

START_TEST(test_file_env_flag_precedence)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *path = write_tmp("# a comment\n"
                           "\n"
                           "  http_port = 9000   # trailing comment\n"
                           "pgwire_port=9001\n"
                           "pg = 'host=/tmp user=\\'x\\' # not a comment'\n"
                           "data-dir = \"/srv/sluice data\"\n"
                           "flush_interval = 50\n");
    setenv("SLUICE_CONFIG", path, 1);
    setenv("SLUICE_PGWIRE_PORT", "9101", 1);
    setenv("SLUICE_FLUSH_INTERVAL", "60", 1);
    char *argv[] = {"sluiced", "--flush-interval", "70", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
    ck_assert_int_eq(cfg.http_port, 9000);          /* file */
    ck_assert_int_eq(cfg.pgwire_port, 9101);        /* env beats file */
    ck_assert_int_eq(cfg.flush_interval_ms, 70);    /* flag beats env */
    ck_assert_str_eq(cfg.pg, "host=/tmp user='x' # not a comment");
    ck_assert_str_eq(cfg.data_dir, "/srv/sluice data");
    ck_assert_str_eq(cfg.config_file, path);
    sl_config_free(&cfg);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_config_flag_beats_env)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *a = write_tmp("http_port = 1111\n");
    char *b = write_tmp("http_port = 2222\n");
    setenv("SLUICE_CONFIG", a, 1);
    char *argv[] = {"sluiced", "--config", b, NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
    ck_assert_int_eq(cfg.http_port, 2222);
    sl_config_free(&cfg);
    unlink(a);
    unlink(b);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_unknown_flag)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *argv[] = {"sluiced", "--no-such-thing=1", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22023");
    ck_assert_str_eq(err.message, "unknown option \"--no-such-thing\"");
    sl_config_free(&cfg);
}
END_TEST

START_TEST(test_bad_numbers)
{
    const char *bad[][2] = {{"--http-port", "65536"}, {"--http-port", "-1"},
                            {"--pgwire-port", "12x"}, {"--flush-interval", "0"},
                            {"--flush-interval", ""}, {"--max-body-size", "3TB"},
                            {"--pg-timeout", "99999999999999999999"}};
    clear_env();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_config_t cfg;
        sl_error_t err;
        int exit_now;
        char *argv[] = {"sluiced", (char *)bad[i][0], (char *)bad[i][1], NULL};
        ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_ERR);
        ck_assert_msg(strstr(err.message, bad[i][0]) != NULL, "message names the flag: %s",
                      err.message);
        sl_config_free(&cfg);
    }
}
END_TEST

START_TEST(test_bad_env_and_enum)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    setenv("SLUICE_HTTP_PORT", "http", 1);
    char *argv[] = {"sluiced", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, "SLUICE_HTTP_PORT"));
    sl_config_free(&cfg);
    clear_env();
    char *argv2[] = {"sluiced", "--log-level", "loud", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv2), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, "debug|info|warning|error"));
    sl_config_free(&cfg);
}
END_TEST

START_TEST(test_missing_value_and_positional)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *argv[] = {"sluiced", "--http-port", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_ERR);
    ck_assert_str_eq(err.message, "option --http-port requires a value");
    sl_config_free(&cfg);
    char *argv2[] = {"sluiced", "stray", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv2), SL_ERR);
    ck_assert_str_eq(err.message, "unexpected argument \"stray\"");
    sl_config_free(&cfg);
    /* --pg host=h password=secret, unquoted in a shell: no secret shown */
    char *argv3[] = {"sluiced", "--pg", "host=h", "password=secret", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv3), SL_ERR);
    ck_assert_str_eq(err.message, "unexpected argument \"password=********\"");
    sl_config_free(&cfg);
}
END_TEST

START_TEST(test_file_errors)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    char *path = write_tmp("http_port = 1\n\nbogus_key = 3\n");
    char *argv[] = {"sluiced", "--config", path, NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_ERR);
    char want[256];
    snprintf(want, sizeof(want), "%s:3: unknown setting \"bogus_key\"", path);
    ck_assert_str_eq(err.message, want);
    sl_config_free(&cfg);
    unlink(path);
    free(path);

    path = write_tmp("pg = 'unterminated\n");
    char *argv2[] = {"sluiced", "--config", path, NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv2), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, ":1: unterminated quoted value"));
    sl_config_free(&cfg);
    unlink(path);
    free(path);

    path = write_tmp("just words\n");
    char *argv3[] = {"sluiced", "--config", path, NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv3), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, ":1: syntax error"));
    sl_config_free(&cfg);
    unlink(path);
    free(path);

    char *argv4[] = {"sluiced", "--config=/nonexistent/sluice.conf", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv4), SL_ERR);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/sluice.conf"));
    sl_config_free(&cfg);
}
END_TEST

START_TEST(test_help_and_version)
{
    sl_config_t cfg;
    sl_error_t err;
    int exit_now;
    clear_env();
    /* --help wins even over a broken setting given before it. */
    fflush(stdout);
    int saved = dup(1);
    ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
    char *argv[] = {"sluiced", "--http-port", "x", "--help", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv), SL_OK);
    ck_assert_int_eq(exit_now, 1);
    sl_config_free(&cfg);
    char *argv2[] = {"sluiced", "--version", NULL};
    ck_assert_int_eq(load(&cfg, &err, &exit_now, argv2), SL_OK);
    ck_assert_int_eq(exit_now, 1);
    sl_config_free(&cfg);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sl_config_usage(f);
    fclose(f);
    const char *must[] = {"--pg CONNINFO", "SLUICE_PG", "--data-dir DIR", "./sluice-data",
                          "--pgwire-port N", "7432", "--http-port N", "7480",
                          "--flush-interval MS", "SLUICE_FLUSH_INTERVAL", "--max-body-size",
                          "--pg-timeout", "--log-level", "--listen-address", "--config FILE",
                          "--help", "--version"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        ck_assert_msg(strstr(text, must[i]) != NULL, "usage mentions %s", must[i]);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_net_limits);
    tcase_add_test(tc, test_http_auth);
    tcase_add_test(tc, test_flags_both_forms);
    tcase_add_test(tc, test_file_env_flag_precedence);
    tcase_add_test(tc, test_config_flag_beats_env);
    tcase_add_test(tc, test_unknown_flag);
    tcase_add_test(tc, test_bad_numbers);
    tcase_add_test(tc, test_bad_env_and_enum);
    tcase_add_test(tc, test_missing_value_and_positional);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_help_and_version);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
