/*
 * pkt.h: PostgreSQL v3 protocol messages: a packet builder and a reader.
 *
 * Builder (PgBouncer's pktbuf, PostgreSQL's pqformat): sl_pkt_begin starts
 * a message of a type, sl_pkt_put_* append typed fields, sl_pkt_finish fills
 * in the length.  One sl_pkt_t may hold several whole messages, which the
 * caller queues on a socket in one call.  The sl_pkt_<message> writers
 * append one whole message each (ErrorResponse, RowDescription, ...).
 *
 * Reader: sl_pkt_read_header says whether a whole message is buffered
 * (SL_OK), more bytes are needed (SL_AGAIN) or the length is absurd
 * (SL_ERR, 08P01); sl_pkt_reader_t walks a message body field by field;
 * sl_pkt_parse_startup decodes the first packet of a connection.
 */
#ifndef SL_PKT_H
#define SL_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/types.h"

/* Startup-packet codes (the int32 after the length). */
#define SL_PKT_PROTOCOL_3_0     196608u    /* 3 << 16 | 0 */
#define SL_PKT_CANCEL_REQUEST   80877102u
#define SL_PKT_SSL_REQUEST      80877103u
#define SL_PKT_GSSENC_REQUEST   80877104u

#define SL_PKT_MAX_STARTUP      10000       /* as PostgreSQL */
#define SL_PKT_MAX_MESSAGE      0x3fffffffu /* 1 GiB - 1, as PostgreSQL */

/* ---- builder ---- */

typedef struct sl_pkt {
    sl_buf_t buf;     /* whole messages, back to back (owned, malloc'd) */
    size_t start;     /* offset of the message being built */
    bool typed;       /* it has a type byte (not a startup-style packet) */
} sl_pkt_t;

#define SL_PKT_INIT {SL_BUF_INIT, 0, false}

/* Starts a message of type (0: startup-style, no type byte) at the end. */
void sl_pkt_begin(sl_pkt_t *p, char type);
void sl_pkt_put_byte(sl_pkt_t *p, char c);
void sl_pkt_put_int16(sl_pkt_t *p, int v);
void sl_pkt_put_int32(sl_pkt_t *p, int32_t v);
/* Appends s and its terminating NUL. */
void sl_pkt_put_string(sl_pkt_t *p, const char *s);
void sl_pkt_put_bytes(sl_pkt_t *p, const void *d, size_t n);
/* Writes the message's length (everything after the type byte). */
void sl_pkt_finish(sl_pkt_t *p);
/* Empties the packet, keeping its memory / releasing it. */
void sl_pkt_reset(sl_pkt_t *p);
void sl_pkt_free(sl_pkt_t *p);

/* ---- writers: each appends one whole message ---- */

/* ErrorResponse ('E') / NoticeResponse ('N') with fields S, V, C, M and,
 * when set, D, H, P.  A NULL severity means "ERROR" ("NOTICE"). */
void sl_pkt_error(sl_pkt_t *p, const sl_error_t *err);
void sl_pkt_notice(sl_pkt_t *p, const sl_error_t *err);
/* NoticeResponse NOTICE 00000 with message text. */
void sl_pkt_notice_text(sl_pkt_t *p, const char *message);
/* ... and a DETAIL when detail is not NULL. */
void sl_pkt_notice_detail(sl_pkt_t *p, const char *message, const char *detail);
/* RowDescription, text format, type OIDs from sl_type_oid. */
void sl_pkt_row_description(sl_pkt_t *p, int ncols, const char *const *names,
                            const sl_type_t *types);
/* The same with a format code per column (NULL: all text); the caller
 * sends each cell in that format. */
void sl_pkt_row_description_formats(sl_pkt_t *p, int ncols, const char *const *names,
                                    const sl_type_t *types, const int16_t *formats);
/* ParameterDescription ('t') of n parameter type OIDs. */
void sl_pkt_parameter_description(sl_pkt_t *p, int n, const uint32_t *oids);
/* A message with an empty body: ParseComplete '1', BindComplete '2',
 * CloseComplete '3', NoData 'n', PortalSuspended 's', EmptyQueryResponse 'I'. */
void sl_pkt_empty_message(sl_pkt_t *p, char type);
#define SL_PKT_PARSE_COMPLETE    '1'
#define SL_PKT_BIND_COMPLETE     '2'
#define SL_PKT_CLOSE_COMPLETE    '3'
#define SL_PKT_NO_DATA           'n'
#define SL_PKT_PORTAL_SUSPENDED  's'
/* DataRow of ncols text cells; a NULL cell is SQL NULL. */
void sl_pkt_data_row(sl_pkt_t *p, int ncols, char *const *cells);
void sl_pkt_command_complete(sl_pkt_t *p, const char *tag);
void sl_pkt_ready_for_query(sl_pkt_t *p, char txn_status);
void sl_pkt_parameter_status(sl_pkt_t *p, const char *name, const char *value);
void sl_pkt_backend_key_data(sl_pkt_t *p, int32_t pid, int32_t key);
void sl_pkt_auth_ok(sl_pkt_t *p);
void sl_pkt_empty_query(sl_pkt_t *p);
/* NegotiateProtocolVersion: newest minor version supported + options not
 * recognized. */
void sl_pkt_negotiate_protocol(sl_pkt_t *p, int minor, int nopts, const char *const *opts);
/* Frontend messages sluiced sends to its backend: Query, Sync. */
void sl_pkt_query(sl_pkt_t *p, const char *sql);
void sl_pkt_sync(sl_pkt_t *p);

/*
 * Copies ErrorResponse/NoticeResponse body (len bytes, fields only) into p
 * as a message of type, with the position field P moved by delta characters
 * (delta < 0: P dropped).  Returns false if the body is malformed (nothing
 * appended then).
 */
bool sl_pkt_copy_error(sl_pkt_t *p, char type, const void *body, size_t len, int delta);
/* Reads the value of field code (e.g. 'S', 'C') from an ErrorResponse body;
 * NULL if absent or malformed.  Points into body. */
const char *sl_pkt_error_field(const void *body, size_t len, char code);

/* ---- reader ---- */

typedef struct sl_pkt_hdr {
    char type;        /* 0 for a startup-style packet */
    size_t size;      /* whole message in bytes: type byte + length + body */
    size_t body;      /* offset of the body within the message (5 or 4) */
} sl_pkt_hdr_t;

/*
 * Parses the header of the next message.  head holds the first
 * min(avail, 5) bytes (4 for startup) of the avail bytes buffered.
 * Returns SL_OK when the whole message (h->size bytes) is buffered,
 * SL_AGAIN when more bytes are needed (h->size is set once the header is
 * complete), SL_ERR with 08P01 "invalid message length" ("invalid length of
 * startup packet") when the length is below 4 or above the limit.
 */
int sl_pkt_read_header(const void *head, size_t avail, bool startup, size_t limit,
                       sl_pkt_hdr_t *h, sl_error_t *err);

/* Walks a message body; any read past the end sets bad and yields 0/NULL. */
typedef struct sl_pkt_reader {
    const char *data;
    size_t len, pos;
    bool bad;
} sl_pkt_reader_t;

void sl_pkt_reader_init(sl_pkt_reader_t *r, const void *body, size_t len);
int sl_pkt_get_byte(sl_pkt_reader_t *r);
int sl_pkt_get_int16(sl_pkt_reader_t *r);
int32_t sl_pkt_get_int32(sl_pkt_reader_t *r);
/* A NUL-terminated string inside the body (no copy). */
const char *sl_pkt_get_string(sl_pkt_reader_t *r);

/* The query of a Query message body: one NUL-terminated string filling
 * the body, with no NUL inside; NULL when malformed. */
const char *sl_pkt_query_text(const void *body, size_t len);
/* The query of a Parse message body (after the statement name); NULL when
 * malformed.  Points into body. */
const char *sl_pkt_parse_text(const void *body, size_t len);

/* The first packet of a connection. */
typedef struct sl_pkt_startup {
    uint32_t code;          /* SL_PKT_PROTOCOL_3_0 or a request code */
    int32_t cancel_pid;     /* CancelRequest */
    int32_t cancel_key;
    int nparams;            /* StartupMessage: name/value pairs; arrays
                               from the arena, strings point into body */
    const char **names;
    const char **values;
} sl_pkt_startup_t;

/*
 * Decodes a startup packet body (after the length word) into out,
 * allocating from a.  Accepts SSLRequest, GSSENCRequest, CancelRequest and
 * protocol 3.x (3.1+ is answered with NegotiateProtocolVersion by the
 * caller).  SL_ERR: 0A000 "unsupported frontend protocol 1.0: server
 * supports 3.0 to 3.0" for other codes, 08P01 for a bad layout.
 */
int sl_pkt_parse_startup(const void *body, size_t len, sl_arena_t *a,
                         sl_pkt_startup_t *out, sl_error_t *err);
/* Value of startup parameter name, NULL if absent. */
const char *sl_pkt_startup_param(const sl_pkt_startup_t *s, const char *name);

/* Characters (UTF-8) in the first n bytes of s: converts byte offsets into
 * the 1-based character positions of ErrorResponse. */
int sl_pkt_utf8_chars(const char *s, size_t n);

#endif
