/*
 * config.h: sluiced's settings, from (lowest to highest precedence) the
 * built-in defaults, a `key = value` file (--config FILE or SLUICE_CONFIG),
 * SLUICE_<KEY> environment variables and command-line flags.
 *
 *   key               flag                env                  default
 *   pg                --pg CONNINFO       SLUICE_PG            "" (embedded)
 *   data_dir          --data-dir DIR      SLUICE_DATA_DIR      ./sluice-data
 *   listen_address    --listen-address A  SLUICE_LISTEN_ADDRESS 127.0.0.1
 *   pgwire_port       --pgwire-port N     SLUICE_PGWIRE_PORT   7432
 *   http_port         --http-port N       SLUICE_HTTP_PORT     7480
 *   flush_interval    --flush-interval MS SLUICE_FLUSH_INTERVAL 100
 *   max_body_size     --max-body-size B   SLUICE_MAX_BODY_SIZE 67108864
 *   max_memory        --max-memory B      SLUICE_MAX_MEMORY    1073741824
 *   max_inflight_body --max-inflight-body B SLUICE_MAX_INFLIGHT_BODY 268435456
 *   request_timeout   --request-timeout MS SLUICE_REQUEST_TIMEOUT 60000
 *   authentication_timeout --authentication-timeout MS SLUICE_AUTHENTICATION_TIMEOUT 60000
 *   max_client_connections --max-client-connections N SLUICE_MAX_CLIENT_CONNECTIONS 0
 *   backend_pool_size --backend-pool-size N SLUICE_BACKEND_POOL_SIZE 16
 *   backend_idle_timeout --backend-idle-timeout S SLUICE_BACKEND_IDLE_TIMEOUT 60
 *   max_query_size    --max-query-size B  SLUICE_MAX_QUERY_SIZE 67108864
 *   pg_timeout        --pg-timeout MS     SLUICE_PG_TIMEOUT    5000
 *   instance_name     --instance-name N   SLUICE_INSTANCE_NAME "" (host:http port)
 *   ssl_cert_file     --ssl-cert-file F   SLUICE_SSL_CERT_FILE "" (no TLS)
 *   ssl_key_file      --ssl-key-file F    SLUICE_SSL_KEY_FILE  "" (no TLS)
 *   ssl_require       --ssl-require on|off SLUICE_SSL_REQUIRE  off
 *   http_auth         --http-auth M       SLUICE_HTTP_AUTH     auto (token unless loopback)
 *   log_level         --log-level L       SLUICE_LOG_LEVEL     info
 *   late_events_retention --late-events-retention S SLUICE_LATE_EVENTS_RETENTION 604800
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>

#include "util/error.h"

typedef struct sl_config {
    char *pg;               /* backing PostgreSQL conninfo; "" = embedded */
    char *data_dir;
    char *listen_address;
    int pgwire_port;
    int http_port;
    int flush_interval_ms;
    size_t max_body_size;
    size_t max_memory;      /* unflushed groups over this: 503; 0 = no limit */
    size_t max_inflight_body; /* HTTP bodies held at once; over: 503; 0 = no limit */
    int request_timeout_ms; /* whole HTTP request within this: else 408; 0 = none */
    int authentication_timeout_ms; /* pgwire startup within this: else closed */
    int max_client_connections; /* pgwire sessions; lowered at start to what the
                                   backing PostgreSQL leaves (server.c); 0 = that */
    int backend_pool_size;  /* idle trust-authenticated backends kept for reuse */
    int backend_idle_timeout_s; /* a kept backend idle this long is closed */
    size_t max_query_size;  /* pgwire Query/Parse read whole up to this: else 54000 */
    int pg_timeout_ms;      /* PostgreSQL unreachable this long: 503 */
    char *instance_name;    /* identity for fencing; "" = host:http_port */
    char *ssl_cert_file;    /* PEM certificate chain; "" = no TLS */
    char *ssl_key_file;     /* PEM private key; set with ssl_cert_file or not at all */
    char *ssl_require;      /* "on": pgwire clients must ask for SSL; "off" */
    char *http_auth;        /* "token": HTTP needs a Bearer token; "none" (auto resolved) */
    char *log_level;        /* debug, info, warning, error */
    char *config_file;
    int late_events_retention_s; /* rows of sluice.late_events kept this long */
} sl_config_t;

/* Fills cfg from defaults, file, environment and argv.  Returns SL_OK;
 * SL_ERR with err set on a bad setting (unknown flag, bad number ...).
 * Sets *exit_now (and prints) for --help and --version. */
int sl_config_load(sl_config_t *cfg, int argc, char **argv, int *exit_now,
                   sl_error_t *err);
void sl_config_free(sl_config_t *cfg);
/* Prints every setting with its flag, env var and default. */
void sl_config_usage(void *stream);  /* a FILE * */

#endif
