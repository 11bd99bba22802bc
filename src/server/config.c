/*
 * config.c: sluiced's settings (config.h lists every key).
 *
 * One table (settings[]) names each setting's key, flag, environment
 * variable, default, kind and meaning; loading, --help and validation are
 * all driven by it.  Precedence, lowest first: built-in defaults, the
 * `key = value` file (--config FILE or SLUICE_CONFIG), SLUICE_<KEY>
 * environment variables, command-line flags (`--flag value` or
 * `--flag=value`).
 *
 * Interface: sl_config_load, sl_config_free, sl_config_usage.
 */
#include "server/config.h"
#include "util/conninfo.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
    KIND_STRING,
    KIND_INT,       /* int within [min, max] */
    KIND_SIZE,      /* byte count, optional kB/MB/GB suffix, within [min, max] */
    KIND_ENUM,      /* one of a '|'-separated list */
} kind_t;

typedef struct setting {
    const char *key;        /* in the file: data_dir */
    const char *flag;       /* --data-dir */
    const char *env;        /* SLUICE_DATA_DIR */
    const char *argname;    /* DIR, for --help */
    const char *dflt;       /* default as text */
    kind_t kind;
    long long min, max;
    const char *choices;    /* KIND_ENUM */
    size_t offset;          /* into sl_config_t */
    const char *help;
} setting_t;

#define OFF(f) offsetof(sl_config_t, f)

static const setting_t settings[] = {
    {"pg", "--pg", "SLUICE_PG", "CONNINFO", "", KIND_STRING, 0, 0, NULL, OFF(pg),
     "backing PostgreSQL (libpq conninfo); empty = run an embedded cluster"},
    {"data_dir", "--data-dir", "SLUICE_DATA_DIR", "DIR", "./sluice-data", KIND_STRING, 0, 0,
     NULL, OFF(data_dir), "where the embedded PostgreSQL cluster and its log live"},
    {"listen_address", "--listen-address", "SLUICE_LISTEN_ADDRESS", "ADDR", "127.0.0.1",
     KIND_STRING, 0, 0, NULL, OFF(listen_address), "address the pgwire and HTTP listeners bind"},
    {"pgwire_port", "--pgwire-port", "SLUICE_PGWIRE_PORT", "N", "7432", KIND_INT, 0, 65535, NULL,
     OFF(pgwire_port), "PostgreSQL wire protocol port (0 = any free port)"},
    {"http_port", "--http-port", "SLUICE_HTTP_PORT", "N", "7480", KIND_INT, 0, 65535, NULL,
     OFF(http_port), "HTTP ingest port (0 = any free port)"},
    {"flush_interval", "--flush-interval", "SLUICE_FLUSH_INTERVAL", "MS", "100", KIND_INT, 1,
     3600000, NULL, OFF(flush_interval_ms), "milliseconds between flushes into PostgreSQL"},
    {"max_body_size", "--max-body-size", "SLUICE_MAX_BODY_SIZE", "BYTES", "67108864", KIND_SIZE,
     1, (long long)1 << 40, NULL, OFF(max_body_size),
     "largest accepted HTTP request body (suffix kB, MB, GB allowed)"},
    {"max_memory", "--max-memory", "SLUICE_MAX_MEMORY", "BYTES", "1073741824", KIND_SIZE, 0,
     (long long)1 << 50, NULL, OFF(max_memory),
     "memory for views' unflushed groups; over it ingest answers 503 (0 = no limit)"},
    {"max_inflight_body", "--max-inflight-body", "SLUICE_MAX_INFLIGHT_BODY", "BYTES", "268435456",
     KIND_SIZE, 0, (long long)1 << 50, NULL, OFF(max_inflight_body),
     "HTTP request bodies of all clients held at once; over it 503 (0 = no limit)"},
    {"request_timeout", "--request-timeout", "SLUICE_REQUEST_TIMEOUT", "MS", "60000", KIND_INT,
     0, 86400000, NULL, OFF(request_timeout_ms),
     "an HTTP request (head and body) not received this long: 408 (0 = no limit)"},
    {"authentication_timeout", "--authentication-timeout", "SLUICE_AUTHENTICATION_TIMEOUT", "MS",
     "60000", KIND_INT, 1, 600000, NULL, OFF(authentication_timeout_ms),
     "a pgwire client not through startup this long is disconnected"},
    {"max_client_connections", "--max-client-connections", "SLUICE_MAX_CLIENT_CONNECTIONS", "N",
     "0", KIND_INT, 0, 1000000, NULL, OFF(max_client_connections),
     "pgwire sessions at once; never more than the backing PostgreSQL's max_connections "
     "leaves after its superuser_reserved_connections and sluiced's own (0 = that many)"},
    {"backend_pool_size", "--backend-pool-size", "SLUICE_BACKEND_POOL_SIZE", "N", "16", KIND_INT,
     0, 100000, NULL, OFF(backend_pool_size),
     "idle backend connections kept (after DISCARD ALL) for the next pgwire client with the "
     "same user, database and settings, only where PostgreSQL asked no password (0 = none)"},
    {"backend_idle_timeout", "--backend-idle-timeout", "SLUICE_BACKEND_IDLE_TIMEOUT", "S", "60",
     KIND_INT, 1, 86400, NULL, OFF(backend_idle_timeout_s),
     "seconds a kept backend connection waits for its next client before it is closed"},
    {"max_query_size", "--max-query-size", "SLUICE_MAX_QUERY_SIZE", "BYTES", "67108864",
     KIND_SIZE, 1024, 0x3fffffff, NULL, OFF(max_query_size),
     "largest pgwire Query or Parse message (sluiced reads them whole); larger: 54000"},
    {"late_events_retention", "--late-events-retention", "SLUICE_LATE_EVENTS_RETENTION", "S",
     "604800", KIND_INT, 1, 2000000000, NULL, OFF(late_events_retention_s),
     "seconds a late event stays in sluice.late_events (deleted every 600 flushes)"},
    {"pg_timeout", "--pg-timeout", "SLUICE_PG_TIMEOUT", "MS", "5000", KIND_INT, 1, 86400000,
     NULL, OFF(pg_timeout_ms), "PostgreSQL unreachable this long: ingest answers 503"},
    {"instance_name", "--instance-name", "SLUICE_INSTANCE_NAME", "NAME", "", KIND_STRING, 0, 0,
     NULL, OFF(instance_name),
     "this sluiced's identity in the backing PostgreSQL; a restart with the same name fences "
     "its predecessor (empty = host name and HTTP port)"},
    {"ssl_cert_file", "--ssl-cert-file", "SLUICE_SSL_CERT_FILE", "FILE", "", KIND_STRING, 0, 0,
     NULL, OFF(ssl_cert_file),
     "PEM certificate (chain) for TLS on the pgwire and HTTP ports; empty = no TLS"},
    {"ssl_key_file", "--ssl-key-file", "SLUICE_SSL_KEY_FILE", "FILE", "", KIND_STRING, 0, 0,
     NULL, OFF(ssl_key_file), "PEM private key of ssl_cert_file (both or neither)"},
    {"ssl_require", "--ssl-require", "SLUICE_SSL_REQUIRE", "on|off", "off", KIND_ENUM, 0, 0,
     "off|on", OFF(ssl_require),
     "with TLS configured, refuse pgwire clients that do not ask for SSL (HTTP is always TLS)"},
    {"http_auth", "--http-auth", "SLUICE_HTTP_AUTH", "auto|none|token", "auto", KIND_ENUM, 0, 0,
     "auto|none|token", OFF(http_auth),
     "HTTP requests need \"Authorization: Bearer TOKEN\" (CREATE TOKEN FOR ROLE) with token; "
     "auto = token unless listen_address is loopback"},
    {"log_level", "--log-level", "SLUICE_LOG_LEVEL", "LEVEL", "info", KIND_ENUM, 0, 0,
     "debug|info|warning|error", OFF(log_level), "least severe message logged"},
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static char **str_field(sl_config_t *cfg, const setting_t *s)
{
    return (char **)((char *)cfg + s->offset);
}

/* Parses an integer with an optional size suffix (KIND_SIZE only).
 * Returns 0 and *out, or -1 if text is not a valid number in range. */
static int parse_number(const setting_t *s, const char *text, long long *out)
{
    errno = 0;
    char *end;
    while (isspace((unsigned char)*text))
        text++;
    if (*text == '\0' || (*text == '-' && s->min >= 0))
        return -1;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (s->kind == KIND_SIZE && *end) {
        long long mult;
        if (strcasecmp(end, "b") == 0)
            mult = 1;
        else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0)
            mult = 1024;
        else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0)
            mult = 1024 * 1024;
        else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0)
            mult = 1024LL * 1024 * 1024;
        else
            return -1;
        if (v > INT64_MAX / mult)
            return -1;
        v *= mult;
        end += strlen(end);
    }
    if (*end)
        return -1;
    if (v < s->min || v > s->max)
        return -1;
    *out = v;
    return 0;
}

/* Stores text as setting s's value; source names where it came from (for
 * the error message: "--http-port", "SLUICE_HTTP_PORT", "file.conf:3").
 * Returns SL_OK or SL_ERR with err set. */
static int apply(sl_config_t *cfg, const setting_t *s, const char *text, const char *source,
                 sl_error_t *err)
{
    long long v;
    switch (s->kind) {
    case KIND_STRING:
        free(*str_field(cfg, s));
        *str_field(cfg, s) = strdup(text);
        if (*str_field(cfg, s) == NULL)
            abort();
        return SL_OK;
    case KIND_ENUM: {
        size_t n = strlen(text);
        for (const char *c = s->choices; *c;) {
            const char *bar = strchr(c, '|');
            size_t len = bar ? (size_t)(bar - c) : strlen(c);
            if (len == n && n > 0 && strncasecmp(c, text, n) == 0) {
                free(*str_field(cfg, s));
                *str_field(cfg, s) = strndup(c, len);
                return SL_OK;
            }
            c += len + (bar ? 1 : 0);
        }
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                     "invalid value for %s: \"%s\" (expected one of %s)", source, text,
                     s->choices);
        return SL_ERR;
    }
    case KIND_INT:
        if (parse_number(s, text, &v) != 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                "invalid value for %s: \"%s\" (expected an integer from %lld "
                                "to %lld)",
                                source, text, s->min, s->max);
        *(int *)((char *)cfg + s->offset) = (int)v;
        return SL_OK;
    case KIND_SIZE:
        if (parse_number(s, text, &v) != 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                "invalid value for %s: \"%s\" (expected a byte count from %lld "
                                "to %lld, optionally with kB, MB or GB)",
                                source, text, s->min, s->max);
        *(size_t *)((char *)cfg + s->offset) = (size_t)v;
        return SL_OK;
    }
    return SL_ERR;
}

/* The setting whose key is name[0..len) (dashes count as underscores). */
static const setting_t *find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *k = settings[i].key;
        if (strlen(k) != len)
            continue;
        size_t j = 0;
        for (; j < len; j++) {
            char c = name[j] == '-' ? '_' : (char)tolower((unsigned char)name[j]);
            if (c != k[j])
                break;
        }
        if (j == len)
            return &settings[i];
    }
    return NULL;
}

static const setting_t *find_flag(const char *flag, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(settings[i].flag) == len && strncmp(settings[i].flag, flag, len) == 0)
            return &settings[i];
    return NULL;
}

/* Reads the `key = value` file at path into cfg.  Lines: blank, `# comment`,
 * or `key = value [# comment]`; a value may be quoted with '...' or "..."
 * (backslash escapes the next character inside quotes).  Returns SL_OK or
 * SL_ERR with err naming the file and line. */
static int load_file(sl_config_t *cfg, const char *path, sl_error_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "could not open configuration file \"%s\": %s", path,
                            strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = SL_OK;
    while (rc == SL_OK && getline(&line, &cap, f) != -1) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char *key = p;
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
            p++;
        size_t keylen = (size_t)(p - key);
        while (*p == ' ' || *p == '\t')
            p++;
        if (keylen == 0 || *p != '=') {
            rc = sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0,
                              "%s:%d: syntax error: expected \"key = value\"", path, lineno);
            break;
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        /* The value, unquoted in place into val. */
        char *val = p, *out = p;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            while (*p && *p != q) {
                if (*p == '\\' && p[1] && p[1] != '\n')
                    p++;
                *out++ = *p++;
            }
            if (*p != q) {
                rc = sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0,
                                  "%s:%d: unterminated quoted value", path, lineno);
                break;
            }
            p++;
            while (isspace((unsigned char)*p))
                p++;
            if (*p && *p != '#') {
                rc = sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0,
                                  "%s:%d: unexpected text after the quoted value", path, lineno);
                break;
            }
            *out = '\0';
        } else {
            while (*p && *p != '#' && *p != '\n' && *p != '\r')
                p++;
            while (p > val && isspace((unsigned char)p[-1]))
                p--;
            *p = '\0';
        }
        const setting_t *s = find_key(key, keylen);
        if (s == NULL) {
            rc = sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                              "%s:%d: unknown setting \"%.*s\"", path, lineno, (int)keylen, key);
            sl_error_hint(err, "Run \"sluiced --help\" for the list of settings.");
            break;
        }
        char source[600];
        snprintf(source, sizeof(source), "%s (%s:%d)", s->key, path, lineno);
        rc = apply(cfg, s, val, source, err);
    }
    free(line);
    fclose(f);
    return rc;
}

static void set_defaults(sl_config_t *cfg, sl_error_t *err)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NSETTINGS; i++)
        if (apply(cfg, &settings[i], settings[i].dflt, settings[i].key, err) != SL_OK)
            sl_panic("bad default for %s", settings[i].key);
}

/* Matches argv[*i] against the flag whose name is name (e.g. "--config"):
 * returns its value (from "--config=x" or the next argument, advancing *i),
 * "" + missing=1 when the value is missing, NULL when it is another flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *missing = 0;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return "";
    }
    return argv[++*i];
}

int sl_config_load(sl_config_t *cfg, int argc, char **argv, int *exit_now, sl_error_t *err)
{
    int missing;
    *exit_now = 0;
    set_defaults(cfg, err);

    /* Pass 1: --help, --version and --config, which decide what else to read. */
    const char *config_file = getenv("SLUICE_CONFIG");
    if (config_file && !*config_file)
        config_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "-?") == 0) {
            sl_config_usage(stdout);
            *exit_now = 1;
            return SL_OK;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("sluiced (Sluice) %s\n", PACKAGE_VERSION);
            *exit_now = 1;
            return SL_OK;
        }
        const char *v = flag_value(argc, argv, &i, "--config", &missing);
        if (v && !missing)
            config_file = v;
        else if (!v) {
            /* skip the value of a flag given as "--flag value" */
            const char *eq = strchr(a, '=');
            if (strncmp(a, "--", 2) == 0 && !eq && find_flag(a, strlen(a)) && i + 1 < argc)
                i++;
        }
    }
    if (config_file) {
        cfg->config_file = strdup(config_file);
        if (load_file(cfg, config_file, err) != SL_OK)
            return SL_ERR;
    }

    /* Environment: SLUICE_<KEY>. */
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && apply(cfg, &settings[i], v, settings[i].env, err) != SL_OK)
            return SL_ERR;
    }

    /* Pass 2: flags. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--config", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
            if (flag_value(argc, argv, &i, "--config", &missing) && missing)
                return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                    "option --config requires a value");
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            /* a word of an unquoted --pg value, say password=...: masked */
            sl_buf_t shown = SL_BUF_INIT;
            sl_conninfo_mask(a, &shown);
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0, "unexpected argument \"%s\"",
                         sl_buf_cstr(&shown));
            sl_buf_free(&shown);
            sl_error_hint(err, "Try \"sluiced --help\"; quote a --pg value that has spaces.");
            return SL_ERR;
        }
        const char *eq = strchr(a, '=');
        const setting_t *s = find_flag(a, eq ? (size_t)(eq - a) : strlen(a));
        if (s == NULL) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0, "unknown option \"%.*s\"",
                         eq ? (int)(eq - a) : (int)strlen(a), a);
            sl_error_hint(err, "Try \"sluiced --help\".");
            return SL_ERR;
        }
        const char *v = flag_value(argc, argv, &i, s->flag, &missing);
        if (missing)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                "option %s requires a value", s->flag);
        if (apply(cfg, s, v, s->flag, err) != SL_OK)
            return SL_ERR;
    }
    if (cfg->data_dir[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0, "data_dir must not be empty");
    if (cfg->listen_address[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "listen_address must not be empty");
    if ((cfg->ssl_cert_file[0] == '\0') != (cfg->ssl_key_file[0] == '\0')) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                     "ssl_cert_file and ssl_key_file must be set together");
        sl_error_hint(err, "Set both to enable TLS, or neither.");
        return SL_ERR;
    }
    if (strcmp(cfg->http_auth, "auto") == 0) {
        const char *la = cfg->listen_address;
        bool loopback = strncmp(la, "127.", 4) == 0 || strcmp(la, "::1") == 0 ||
                        strcmp(la, "localhost") == 0;
        free(cfg->http_auth);
        cfg->http_auth = strdup(loopback ? "none" : "token");
    }
    if (strcmp(cfg->ssl_require, "on") == 0 && cfg->ssl_cert_file[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "ssl_require = on needs ssl_cert_file and ssl_key_file");
    return SL_OK;
}

void sl_config_free(sl_config_t *cfg)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (settings[i].kind == KIND_STRING || settings[i].kind == KIND_ENUM) {
            free(*str_field(cfg, &settings[i]));
            *str_field(cfg, &settings[i]) = NULL;
        }
    free(cfg->config_file);
    cfg->config_file = NULL;
}

void sl_config_usage(void *stream)
{
    FILE *f = stream;
    fprintf(f, "sluiced: the Sluice continuous-query server.\n\n"
               "Usage: sluiced [OPTION]...\n\n"
               "Each setting comes from (lowest precedence first) its default, the\n"
               "configuration file (key = value lines), its environment variable, its flag.\n\n"
               "Settings:\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting_t *s = &settings[i];
        char flag[64];
        snprintf(flag, sizeof(flag), "%s %s", s->flag, s->argname);
        fprintf(f, "  %-28s %s\n", flag, s->help);
        fprintf(f, "  %-28s key %s, env %s, default \"%s\"\n", "", s->key, s->env, s->dflt);
    }
    fprintf(f, "\nOther options:\n"
               "  %-28s read settings from FILE (env SLUICE_CONFIG)\n"
               "  %-28s print this help, then exit\n"
               "  %-28s print the version, then exit\n",
            "--config FILE", "-h, --help", "-V, --version");
}
