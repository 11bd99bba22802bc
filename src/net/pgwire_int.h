/*
 * pgwire_int.h: private structures of the pgwire layer, shared by
 * pgwire.c (listener, connection life, startup, backend connect, cancel)
 * and pgwire_relay.c (message dispatch on both sockets, Simple Query with
 * Sluice statements, relaying, backpressure).
 *
 * A client connection (sl_pwconn_t) owns two bufferevents: the client's
 * socket and, once connected, the socket of its own connection to the
 * backing PostgreSQL (made by pgwire.c as the client's role and database),
 * over which it speaks the raw protocol.  Messages the
 * layer does not need to understand pass through untouched.
 */
#ifndef SL_PGWIRE_INT_H
#define SL_PGWIRE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <libpq-fe.h>

#include "net/listen.h"
#include "net/pgwire.h"
#include "net/pkt.h"
#include "util/arena.h"
#include "util/encoding.h"
#include "util/buf.h"

/* Output above HIGH pauses reading the other side; resumed below LOW. */
#define SL_PW_HIGH_WATER (1024 * 1024)
#define SL_PW_LOW_WATER  (256 * 1024)
/* A message larger than this that sluiced relays without looking inside is
 * streamed through as its bytes arrive instead of being buffered whole. */
#define SL_PW_STREAM_MIN (64 * 1024)
/* CancelRequests on their way to the backing PostgreSQL at once; more are
 * dropped (a cancel is best effort in PostgreSQL too). */
#define SL_PW_MAX_CANCELS 64

typedef struct sl_pwconn sl_pwconn_t;
typedef struct sl_pw_cancel sl_pw_cancel_t;
typedef struct sl_pw_idle sl_pw_idle_t;

struct sl_pgwire {
    sl_server_t *srv;
    sl_arena_t *arena;           /* holds this struct; parent of connections' */
    struct evconnlistener *listener;
    sl_accept_pause_t accept_pause;
    int port;
    sl_pwconn_t *conns;          /* doubly linked list of live connections */
    int nsessions;               /* conns holding (or opening) a backend connection */
    sl_pw_cancel_t *cancels;     /* CancelRequests in flight (pgwire.c) */
    int ncancels;
    sl_pw_idle_t *idle, *idle_tail; /* kept backend connections, oldest
                                    first (pgwire_pool.c) */
    int nidle;
    bool stopping;               /* no more backends are kept */
    /* Where client sessions connect: --pg's hosts, tried in order as libpq
     * does (pw->arena strings; a NULL host is the default socket folder,
     * hostaddr NULL = look host up), its options and sslmode (NULL:
     * plain), and the database sluiced manages. */
    struct {
        int nhosts;
        const char **host, **hostaddr, **port;
        const char *options, *sslmode;
        const char *sslrootcert, *sslcert, *sslkey, *dbname;
        struct ssl_ctx_st *ssl_ctx;   /* client side, made at first use */
        struct evdns_base *dns;       /* host names looked up off the loop */
    } be;
};

typedef enum sl_pw_state {
    SL_PW_STARTUP,               /* waiting for the StartupMessage */
    SL_PW_CONNECTING,            /* backend connect, TLS, authentication
                                    exchange relayed, until ReadyForQuery */
    SL_PW_READY,                 /* relaying */
    SL_PW_CLOSING                /* flushing the client's output, then freed */
} sl_pw_state_t;

/* What the backend is answering while a Sluice query (job) runs. */
typedef enum sl_pw_step {
    SL_PW_STEP_NONE,             /* nothing of the job's in flight */
    SL_PW_STEP_FORWARD,          /* a run of forwarded statements: relay all
                                    but ReadyForQuery */
    SL_PW_STEP_COMMAND,          /* backend_sql of a Sluice command: relay
                                    errors only */
    SL_PW_STEP_SYNC,             /* our own Sync, flushing the client's
                                    earlier extended messages: relay all
                                    but ReadyForQuery */
    SL_PW_STEP_ABORT,            /* a failing statement that aborts the
                                    backend's transaction block after our
                                    own error: relay nothing */
    SL_PW_STEP_BEGIN,            /* our BEGIN making a multi-statement
                                    Query one transaction: relay nothing */
    SL_PW_STEP_END,              /* our COMMIT (or ROLLBACK after an
                                    error) closing it: relay errors and
                                    notices only */
    SL_PW_STEP_CHECK,            /* after a ROLLBACK TO SAVEPOINT, which of
                                    the block's Sluice DDL still holds
                                    (sl_command_txn_check_sql): relay
                                    errors only */
    SL_PW_STEP_FILTER,           /* a SHOW's filter_sql: which rows the
                                    session may see; relay errors only */
    SL_PW_STEP_SELECT,           /* INSERT INTO stream SELECT: its query on
                                    the backend, rows kept (pgwire_dml.c) */
    SL_PW_STEP_COPY,             /* COPY stream FROM STDIN: the client's
                                    CopyData until CopyDone (no backend) */
    SL_PW_STEP_FLUSH,            /* INSERT / COPY applied: waiting for the
                                    flush that commits it (no backend) */
    SL_PW_STEP_PRIV,             /* INSERT / COPY: whether the session's role
                                    may insert into the stream, asked of its
                                    backend; relay errors only */
    SL_PW_STEP_LEASE,            /* INSERT / COPY: waiting for an attempt to
                                    take the stream's ingest lease
                                    (sink/lease.h; no backend); the
                                    statement runs again once it answered */
    SL_PW_STEP_HELD              /* a transaction block holding events
                                    ended: which of their markers committed
                                    (pgwire_dml.c); relay nothing */
} sl_pw_step_t;

typedef enum sl_pw_job_kind {
    SL_PW_JOB_QUERY,             /* a Simple Query with Sluice statements */
    SL_PW_JOB_EXT                /* an extended-protocol message (Parse,
                                    Bind, Describe, Execute, Close) about a
                                    Sluice statement or portal */
} sl_pw_job_kind_t;

/*
 * Sluice's own statements and portals of the extended protocol.  The
 * backend never sees them; messages naming them are answered by sluiced
 * (pgwire_relay.c).  Each lives in its own arena (a child of the
 * connection's, so freed with it at the latest), which holds the struct.
 * A statement dies at Close, at a relayed Parse of its name (the unnamed
 * one also at the next Parse); a portal at Close, at a relayed Bind of its
 * name, or when the transaction ends (ReadyForQuery 'I').
 */
typedef struct sl_pw_xstmt sl_pw_xstmt_t;
struct sl_pw_xstmt {
    sl_pw_xstmt_t *next;
    sl_arena_t *arena;
    const char *name;            /* "" for the unnamed statement */
    const char *query;           /* one Sluice statement, as parsed */
    int nparams;                 /* parameter types given by Parse (the
                                    statement uses none; Bind must match) */
    uint32_t *paramtypes;
};

typedef struct sl_pw_xportal sl_pw_xportal_t;
struct sl_pw_xportal {
    sl_pw_xportal_t *next;
    sl_arena_t *arena;
    const char *name;            /* "" for the unnamed portal */
    const char *query;           /* the statement's text, copied */
    int nformats;                /* result format codes from Bind */
    int16_t *formats;
    int nparams;                 /* parameter values from Bind, as text */
    const char **params;         /*   (NULL: SQL NULL) */
    bool prepared;               /* cmd holds a SHOW's rows (portal arena) */
    bool filtered;               /* its filter_sql has run */
    bool done;                   /* ran to completion */
    int row;                     /* next row of cmd to send */
    sl_command_t cmd;
};

/* A Simple Query that needs sluiced itself, run statement by statement, or
 * one extended-protocol message about a Sluice statement. */
typedef struct sl_pw_job {
    sl_pw_job_kind_t kind;
    const char *query;           /* whole query text (query arena) */
    sl_stmt_t *stmts;
    int nstmts;
    int next;                    /* next statement to run */
    bool split_failed;           /* a syntax error follows stmts */
    sl_error_t split_err;
    sl_pw_step_t step;
    bool failed;                 /* the first error stops the rest */
    bool sync_failed;            /* the client's earlier extended messages
                                    failed (seen during our Sync) */
    int pos_delta;               /* characters before the forwarded run */
    bool wrap_decided;           /* whether to wrap was decided (once the
                                    backend owed nothing) */
    bool wrapped;                /* sluiced's BEGIN is open on the backend */
    bool checked;                /* STEP_CHECK ran (once per job) */
    bool priv_ok;                /* STEP_PRIV said yes (a job runs at most
                                    one INSERT / COPY into a stream) */
    bool local_failed;           /* sluiced itself raised an error: a
                                    transaction block must be aborted on
                                    the backend too (STEP_ABORT) */
    sl_command_t cmd;            /* the command whose backend_sql is running */
    /* SL_PW_JOB_EXT: the message (type, body in the query arena). */
    char xtype;
    const char *xbody;
    size_t xlen;
    bool xdone;                  /* answered */
    const char *xname;           /* Execute of a DDL: its portal's name,
                                    looked up again when the backend answers */
    sl_command_t *filtering;     /* STEP_FILTER: the SHOW being filtered */
    int nvisible;                /*   the names its rows answered (qarena) */
    char **visible;
    struct sl_pw_dml *dml;       /* a running INSERT / COPY into a stream
                                    (pgwire_dml.c; query arena) */
    int64_t held_mark;           /* that INSERT / COPY runs inside a
                                    transaction block: the number of its
                                    marker row (pgwire_dml.c) */
} sl_pw_job_t;

struct sl_pwconn {
    sl_pgwire_t *pw;
    sl_pwconn_t *prev, *next;
    sl_arena_t *arena;           /* the connection's; freed with it */
    sl_arena_t *qarena;          /* child of arena, reset per query */
    sl_pw_state_t state;
    struct bufferevent *client;  /* closes its socket when freed; after an
                                    SSLRequest answered 'S', an OpenSSL filter
                                    over the socket's bufferevent (owns it) */
    bool tls;                    /* client is the TLS filter */
    int close_polls;             /* CLOSING over TLS: output checks so far */
    struct event *free_ev;       /* deferred free (also a flush timeout) */
    struct event *startup_ev;    /* authentication_timeout until READY */
    bool counted;                /* in pw->nsessions */
    size_t relay_left;           /* bytes of a client message still to stream
                                    to the backend (or drop if relay_drop) */
    bool relay_drop;
    size_t back_left;            /* bytes of a backend message still to
                                    stream to the client */
    struct event *client_rev;    /* READY on a plain socket: the relay's own */
    struct event *backend_rev;   /*   reading of it (pgwire_relay.c) */
    struct evbuffer *to_backend; /* relayed client bytes of this batch of
                                    input, sent in one write at its end
                                    (pgwire_relay.c; arena cleanup frees) */

    /* The backing PostgreSQL, connected as the client's user and database
     * (pgwire.c: connect, SSLRequest, StartupMessage, authentication). */
    const char *database;        /* the client's database (arena) */
    const char *user;            /* the client's user name (arena) */
    struct sockaddr_storage *addrs; /* resolved addresses (arena), tried in turn */
    socklen_t *addrlens;
    int naddrs, iaddr;
    int ihost;                   /* the host of --pg being tried */
    struct evdns_getaddrinfo_request *dns_req;  /* its lookup in flight */
    evutil_socket_t be_fd;       /* the backend socket, -1 before it */
    char be_phase;               /* 'c' connecting, 's' SSLRequest sent,
                                    'a' startup sent (backend is set) */
    bool auth_wait;              /* the backend asked for a password/SASL
                                    message the client has not sent yet */
    bool challenged;             /* it asked for any (never kept then) */
    bool was_ready;              /* the session reached READY */
    const char *pool_key;        /* the StartupMessage sent (arena): which */
    size_t pool_key_len;         /*   kept backend may serve this client */
    sl_buf_t params;             /* the backend's ParameterStatus values now:
                                    name NUL value NUL ... (pgwire_pool.c) */
    bool params_bad;             /* one too long to keep: never kept */
    sl_pw_idle_t *pool_wait;     /* the kept backend c waits for */
    struct event *poll_ev;       /* connect / SSLRequest readiness, then a
                                    timer until the backend first answers */
    sl_pkt_t startup;            /* the StartupMessage to send */
    struct bufferevent *backend; /* on be_fd (TLS or plain), closes it */
    int32_t be_pid, be_key;      /* the backend's BackendKeyData */
    int32_t pid, key;            /* what we handed out in BackendKeyData */
    char txn_status;             /* from the backend's last ReadyForQuery */
    sl_enc_t enc;                /* the client's client_encoding, as the
                                    backend last reported it (pgwire_enc.c) */
    sl_txn_ddl_t txn;            /* Sluice DDL of the open transaction
                                    block, applied at its COMMIT */
    bool fatal_relayed;          /* the backend already said FATAL */
    bool terminating;            /* client's Terminate relayed: the
                                    backend's EOF ends the connection */

    /* Sync points relayed to the backend and not yet answered by
     * ReadyForQuery, oldest first: 'Q' Query, 'S' Sync, 'F' FunctionCall. */
    char *pending;
    size_t pending_head, pending_len, pending_cap;
    int unsynced;                /* extended messages relayed since a Sync */
    bool copy_in;                /* the backend is in COPY FROM STDIN */
    struct sl_pw_flushwait *flushwait; /* an INSERT / COPY waiting for its
                                    flush (pgwire_dml.c), detached when
                                    the connection ends */
    sl_buf_t copy_data;          /* COPY stream FROM STDIN: the data so far */
    struct sl_pw_held *held;     /* events of INSERT / COPY inside the open
                                    transaction block, applied once it
                                    commits (pgwire_dml.c), oldest first */
    int nheld, heldcap;
    int64_t held_seq;            /* their markers' numbers so far */
    size_t held_bytes;
    bool discard_until_sync;     /* after our own error in extended protocol */

    bool backend_paused;         /* backend reads off: client output full */
    bool client_paused;          /* client reads off: backend output full */

    sl_pw_job_t *job;            /* a running Sluice query, or NULL */
    sl_pw_xstmt_t *xstmts;       /* Sluice statements prepared by Parse */
    sl_pw_xportal_t *xportals;   /* portals bound to them */
};

/* ---- pgwire_pool.c ---- */

/*
 * Backend connections kept for reuse, as PgBouncer's session pooling does,
 * but only where PostgreSQL decided without a password: a session whose
 * backend asked for none (trust, or sluiced's own certificate) ends
 * cleanly (idle, nothing in flight) -> DISCARD ALL -> kept for
 * backend_idle_timeout; the next client sending the same StartupMessage
 * (user, database, settings: what PostgreSQL judged) gets it, greeted with
 * its ParameterStatus values and a new cancel key, without a fork and with
 * warm caches.  At most backend_pool_size are kept, the oldest closed
 * first; they count against max_client_connections.
 */

/* c is being freed: keeps its backend connection if it may serve another
 * client (c->backend is NULL then).  True when kept. */
bool sl__pw_pool_put(sl_pwconn_t *c);
/* A kept backend for c->pool_key: SL_PW_KEPT_TAKEN, moved to c
 * (c->backend, be_fd, be_pid, be_key, params); SL_PW_KEPT_WAIT, one is
 * still in DISCARD ALL and goes to c when done (sl__pw_kept_ready);
 * SL_PW_KEPT_NONE. */
enum { SL_PW_KEPT_NONE, SL_PW_KEPT_TAKEN, SL_PW_KEPT_WAIT };
int sl__pw_pool_take(sl_pwconn_t *c);
/* c, waiting for a kept backend, goes away (conn_free). */
void sl__pw_pool_unwait(sl_pwconn_t *c);
/* pgwire.c: the kept backend c waited for is c's now (ok), or was closed
 * (!ok: c connects anew). */
void sl__pw_kept_ready(sl_pwconn_t *c, bool ok);
/* Closes the oldest kept backend (one fewer PostgreSQL connection). */
void sl__pw_pool_evict(sl_pgwire_t *pw);
/* Closes every kept backend; none is kept from now on. */
void sl__pw_pool_stop(sl_pgwire_t *pw);
/* The backend reported a ParameterStatus (body of len bytes / in in at
 * off): c->params follows it. */
void sl__pw_param_note(sl_pwconn_t *c, const char *body, size_t len);
void sl__pw_param_peek(sl_pwconn_t *c, struct evbuffer *in, size_t off, size_t len);

/* ---- pgwire.c ---- */

/*
 * Writes len bytes to bev (a client's or a backend's bufferevent) after
 * what it has queued.  On a plain socket with nothing queued they are sent
 * at once: no write interest, no turn of the event loop.  What the socket
 * does not take is queued, with the bufferevent's writing enabled for it
 * (sl__pw_queued).  Sessions enable a bufferevent's writing only then, as
 * libevent's enabling adds the write event at once, whether or not there
 * is anything to write.
 */
void sl__pw_write(struct bufferevent *bev, const void *data, size_t len);
/* Something was added to bev's output: its writing is enabled. */
void sl__pw_queued(struct bufferevent *bev);
/* Queues p's messages on the client (one call) and resets p. */
void sl__pw_send_client(sl_pwconn_t *c, sl_pkt_t *p);
/* Queues p's messages on the backend socket and resets p. */
void sl__pw_send_backend(sl_pwconn_t *c, sl_pkt_t *p);
/* Sends err as FATAL, then closes (sl__pw_close). */
void sl__pw_fatal(sl_pwconn_t *c, sl_error_t *err);
/*
 * Starts closing c: reads stop, the client's pending output is flushed
 * (bounded by a timeout), then c is freed from a deferred event.  c stays
 * alive until the loop runs that event, so callers may keep using it
 * (state is SL_PW_CLOSING).
 */
void sl__pw_close(sl_pwconn_t *c);
/* Re-evaluates backpressure: pauses/resumes reading on each side. */
void sl__pw_flow(sl_pwconn_t *c);
/* sl_command_prepare for c's session: Sluice statements are served only in
 * the database sluiced manages (0A000 elsewhere, with a hint naming it). */
int sl__pw_command_prepare(sl_pwconn_t *c, const sl_stmt_t *st, sl_arena_t *a,
                           sl_command_t *cmd, sl_error_t *err);

/* ---- pgwire_relay.c ---- */

/* Handles every whole message buffered from the client (state READY). */
void sl__pw_client_input(sl_pwconn_t *c);
/* Handles every whole message buffered from the backend. */
void sl__pw_backend_input(sl_pwconn_t *c);
/* Starts or stops reading bev (c->client or c->backend), through the
 * relay's own read event once it has one, else the bufferevent. */
void sl__pw_reading(sl_pwconn_t *c, struct bufferevent *bev, bool on);
/* Sends the client bytes relayed so far (c->to_backend) to the backend:
 * straight to its socket when nothing is queued, else queued after. */
void sl__pw_flush_backend(sl_pwconn_t *c);
/* Runs the job on after a step that did not involve the backend ended
 * (pgwire_dml.c's flush wait); then reads the client's next messages. */
void sl__pw_job_resume(sl_pwconn_t *c);
/* The same without reading the client (called from its input loop). */
void sl__pw_job_run(sl_pwconn_t *c);
/* Splits q as c's session sees it: INSERT INTO / COPY a stream of the
 * catalog are Sluice's (in sluiced's own database only). */
int sl__pw_split(sl_pwconn_t *c, const char *q, size_t len, sl_arena_t *a, sl_stmt_t **stmts,
                 int *n, sl_error_t *err);
bool sl__pw_forwarded(sl_pwconn_t *c, const char *q, size_t len);

/* ---- pgwire_dml.c: INSERT INTO stream, COPY stream FROM STDIN ---- */

/*
 * Starts the INSERT or COPY st of job j (params: an Execute's bound values,
 * else NULL): refusals (25001 in a transaction block, COPY TO, the
 * pipeline's admission) and analysis errors return SL_ERR with err;
 * otherwise SL_OK with either the answer in cp (done: j->step NONE) or a
 * step begun: SELECT (its query queued in bp), COPY (CopyInResponse in
 * cp) or FLUSH.  q: the text st's offsets refer to.
 */
int sl__pw_dml_start(sl_pwconn_t *c, sl_pw_job_t *j, const char *q, const sl_stmt_t *st,
                     const char *const *params, int nparams, sl_pkt_t *cp, sl_pkt_t *bp,
                     sl_error_t *err);
/* A client message during STEP_COPY (whole, at the head of in; consumed). */
void sl__pw_dml_copy_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h);
/* A backend message during STEP_SELECT, body copied: true if consumed. */
bool sl__pw_dml_select_message(sl_pwconn_t *c, char type, const char *body, size_t len);
/* STEP_SELECT's ReadyForQuery: ingest the rows (answer into cp or step
 * FLUSH). */
void sl__pw_dml_select_done(sl_pwconn_t *c, sl_pkt_t *cp);
/* The statement's parameter types for ParameterDescription: given ones
 * (Parse) kept, the others the type of the column a VALUES item $n fills
 * (text otherwise); n of them, into a. */
uint32_t *sl__pw_dml_param_types(sl_pwconn_t *c, const sl_stmt_t *st, int n,
                                 const uint32_t *given, int ngiven, sl_arena_t *a);
/* Connection ending: forget the flush waiter, the COPY data and the
 * events held for a COMMIT. */
void sl__pw_dml_abort(sl_pwconn_t *c);

/*
 * Events held for a COMMIT.  Whether a transaction block's INSERTs count
 * is PostgreSQL's to say: each one also adds a marker row to the session's
 * temporary table sluice_held_events, in the block, so that ROLLBACK, a
 * rolled back savepoint or a failed COMMIT take it away with the rest.
 * Once the backend is idle outside a block (ReadyForQuery 'I') with events
 * held, the job asks which markers committed (STEP_HELD), applies those
 * events through the pipeline and waits for their flush (STEP_FLUSH)
 * before the client gets its ReadyForQuery.
 */
bool sl__pw_held_due(const sl_pwconn_t *c);
/* Sends the query (bp) and enters STEP_HELD. */
void sl__pw_held_collect(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *bp);
/* A DataRow of that query (body copied). */
void sl__pw_held_row(sl_pwconn_t *c, const char *body, size_t len);
/* Its ReadyForQuery: apply what committed (an error goes into cp; or
 * j->step FLUSH). */
void sl__pw_held_apply(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp);

/* Gives up a running job (connection going away): done(arg, UNKNOWN), and
 * the open transaction's Sluice DDL (FAILED, or UNKNOWN if a COMMIT may be
 * under way).  Frees what c->txn holds. */
void sl__pw_job_abort(sl_pwconn_t *c);

/* ---- pgwire_enc.c: client_encoding where Sluice statements enter and leave ---- */

/* Sets up c->enc (UTF8 until the backend says otherwise). */
void sl__pw_enc_init(sl_pwconn_t *c);
/* A ParameterStatus body from the backend: client_encoding changes c->enc.
 * _peek reads it from in at off (len bytes) without removing it. */
void sl__pw_enc_param(sl_pwconn_t *c, const char *body, size_t len);
void sl__pw_enc_param_peek(sl_pwconn_t *c, struct evbuffer *in, size_t off, size_t len);
/* A Sluice statement's text (n bytes) from the client in UTF-8 (query
 * arena, or q itself); SL_ERR with 22021, 22P05 or 0A000. */
int sl__pw_enc_in(sl_pwconn_t *c, const char *q, size_t n, const char **out, size_t *out_len,
                  sl_error_t *err);
/* UTF-8 text of the client's own statements back in its encoding, to go
 * to the backend (query arena). */
const char *sl__pw_enc_out(sl_pwconn_t *c, const char *sql);
/* Puts a prepared command's notice, column names and rows in the client's
 * encoding (22P05 for a character it lacks: cmd is then unchanged) and
 * makes its backend_sql readable in any client encoding (allocates from a). */
int sl__pw_enc_command(sl_pwconn_t *c, sl_command_t *cmd, sl_arena_t *a, sl_error_t *err);
/* sl_command_txn_check_sql's query (UTF-8, non-ASCII only inside
 * sl_buf_put_literal's literals) as ASCII for a client not in UTF8 (query
 * arena, or sql itself). */
const char *sl__pw_enc_check_sql(sl_pwconn_t *c, const char *sql);
/* Puts sluiced's own error texts in the client's encoding ('?' for what
 * it lacks). */
void sl__pw_enc_error(sl_pwconn_t *c, sl_error_t *err);
/* Whether backend_sql was wrapped by sl__pw_enc_command; then the context
 * lines of a backend error about it are cut (returns body's new length). */
bool sl__pw_enc_wrapped(const char *backend_sql);
size_t sl__pw_enc_cut_context(char *body, size_t len);

#endif
