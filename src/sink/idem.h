/*
 * idem.h: idempotency keys of ingest requests (HTTP Idempotency-Key).
 *
 * A request sent with a key is applied once: its key is recorded in the
 * table sluice.idempotency in the same flush transaction as its effects, so
 * a retry (after a timeout, a lost answer, a sluiced restart) is recognised
 * and acknowledged without being applied again.  In memory, each key is
 *
 *   PENDING    applied to the deltas, waiting for (or in) a flush;
 *   COMMITTED  its flush committed (or loaded from the table at start).
 *
 * The sink moves keys along with the flush that carries them
 * (sl_idem_take_waiting / sl_idem_committed / sl_idem_restore /
 * sl_idem_forget).  Committed keys are kept SL_IDEM_TTL_SECONDS and at most
 * SL_IDEM_MAX_KEYS of them (oldest first out); the table is trimmed the
 * same way by the flushes.  Keys are per backing database: the flush
 * inserts them without ON CONFLICT, so a key another sluiced committed
 * meanwhile fails the flush (23505) instead of applying the request twice.
 */
#ifndef SL_IDEM_H
#define SL_IDEM_H

#include <stdbool.h>
#include <time.h>

#include "util/buf.h"
#include "util/error.h"

#define SL_IDEM_TTL_SECONDS (24 * 3600)
#define SL_IDEM_TTL_TEXT "86400"
#define SL_IDEM_MAX_KEYS 1000000
#define SL_IDEM_MAX_KEY_LEN 255

typedef enum { SL_IDEM_PENDING, SL_IDEM_COMMITTED } sl_idem_state_t;

typedef struct sl_idem_entry {
    char *key;
    char *stream;
    long accepted;               /* events the request brought */
    sl_idem_state_t state;
    time_t added;                /* wall clock, for the TTL */
    struct sl_idem_entry *hnext; /* hash chain */
    struct sl_idem_entry *newer, *older; /* age list */
    struct sl_idem_entry *fnext; /* waiting / in-flight list */
} sl_idem_entry_t;

typedef struct sl_idem sl_idem_t;

sl_idem_t *sl_idem_new(void);
void sl_idem_free(sl_idem_t *t);
int sl_idem_count(const sl_idem_t *t);
/* Keys waiting for a flush or in flight. */
bool sl_idem_busy(const sl_idem_t *t);

/* The entry for key, or NULL (expired keys are not found). */
sl_idem_entry_t *sl_idem_find(sl_idem_t *t, const char *key);
/* A request with this key was applied: a PENDING entry joins the waiting
 * list (written by the next flush). */
void sl_idem_add_pending(sl_idem_t *t, const char *key, const char *stream, long accepted);
/* A key committed earlier (loaded at start). */
void sl_idem_add_committed(sl_idem_t *t, const char *key, const char *stream, long accepted,
                           time_t when);

/* Flush hooks.  take_waiting moves the waiting keys in flight and returns
 * how many; committed makes them COMMITTED; restore puts them back to
 * waiting (flush not applied); forget removes them (flush rejected, or the
 * waiting requests were dropped: forget_waiting). */
int sl_idem_take_waiting(sl_idem_t *t);
void sl_idem_committed(sl_idem_t *t);
void sl_idem_restore(sl_idem_t *t);
void sl_idem_forget_inflight(sl_idem_t *t);
void sl_idem_forget_waiting(sl_idem_t *t);
/* The in-flight key was found committed by another sluiced (the flush
 * failed on its unique index): it leaves the in-flight list as COMMITTED,
 * so a retry is acknowledged without being applied.  False if not in
 * flight. */
bool sl_idem_committed_elsewhere(sl_idem_t *t, const char *key);
/* The in-flight keys as three PostgreSQL array literals (key, stream,
 * accepted) for the flush's INSERT. */
void sl_idem_inflight_arrays(const sl_idem_t *t, sl_buf_t *keys, sl_buf_t *streams,
                             sl_buf_t *accepted);

/* Checks an Idempotency-Key header value: 1 to 255 printable ASCII
 * characters.  Returns false with a message in err. */
bool sl_idem_key_valid(const char *key, sl_error_t *err);

#endif
