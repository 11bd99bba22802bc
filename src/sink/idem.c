/*
 * idem.c: the idempotency key table; see idem.h.
 *
 * A chained hash table (power-of-two buckets, doubled at load 1) over
 * malloc'd entries, an age list (newest first) for expiry, and two lists
 * threaded through fnext: keys waiting for a flush and keys in flight.
 */
#include "sink/idem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct sl_idem {
    sl_idem_entry_t **buckets;
    uint32_t nbuckets;
    int count;
    sl_idem_entry_t *newest, *oldest;
    sl_idem_entry_t *waiting, *inflight;
};

static uint64_t key_hash(const char *k)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *k; k++) {
        h ^= (unsigned char)*k;
        h *= UINT64_C(0x100000001b3);
    }
    return h ^ (h >> 29);
}

sl_idem_t *sl_idem_new(void)
{
    sl_idem_t *t = sl_xcalloc(1, sizeof(*t));
    t->nbuckets = 1024;
    t->buckets = sl_xcalloc(t->nbuckets, sizeof(*t->buckets));
    return t;
}

static void entry_free(sl_idem_entry_t *e)
{
    free(e->key);
    free(e->stream);
    free(e);
}

void sl_idem_free(sl_idem_t *t)
{
    if (t == NULL)
        return;
    for (sl_idem_entry_t *e = t->newest, *next; e; e = next) {
        next = e->older;
        entry_free(e);
    }
    free(t->buckets);
    free(t);
}

int sl_idem_count(const sl_idem_t *t)
{
    return t->count;
}

bool sl_idem_busy(const sl_idem_t *t)
{
    return t->waiting != NULL || t->inflight != NULL;
}

/* Unlinks e from its bucket and the age list and frees it. */
static void entry_remove(sl_idem_t *t, sl_idem_entry_t *e)
{
    sl_idem_entry_t **pp = &t->buckets[key_hash(e->key) & (t->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (e->newer)
        e->newer->older = e->older;
    else
        t->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        t->oldest = e->newer;
    t->count--;
    entry_free(e);
}

/* Drops committed keys past the TTL or over the cap, oldest first (a
 * pending key stops the sweep: it is younger than its flush). */
static void expire(sl_idem_t *t, time_t now)
{
    while (t->oldest && t->oldest->state == SL_IDEM_COMMITTED &&
           (now - t->oldest->added > SL_IDEM_TTL_SECONDS || t->count > SL_IDEM_MAX_KEYS))
        entry_remove(t, t->oldest);
}

static void grow(sl_idem_t *t)
{
    uint32_t n = t->nbuckets * 2;
    sl_idem_entry_t **b = sl_xcalloc(n, sizeof(*b));
    for (uint32_t i = 0; i < t->nbuckets; i++)
        for (sl_idem_entry_t *e = t->buckets[i], *next; e; e = next) {
            next = e->hnext;
            uint32_t j = (uint32_t)key_hash(e->key) & (n - 1);
            e->hnext = b[j];
            b[j] = e;
        }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

sl_idem_entry_t *sl_idem_find(sl_idem_t *t, const char *key)
{
    expire(t, time(NULL));
    for (sl_idem_entry_t *e = t->buckets[key_hash(key) & (t->nbuckets - 1)]; e; e = e->hnext)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static sl_idem_entry_t *insert(sl_idem_t *t, const char *key, const char *stream,
                               long accepted, sl_idem_state_t state, time_t when)
{
    if ((uint32_t)t->count >= t->nbuckets)
        grow(t);
    sl_idem_entry_t *e = sl_xcalloc(1, sizeof(*e));
    e->key = sl_xstrdup(key);
    e->stream = sl_xstrdup(stream);
    e->accepted = accepted;
    e->state = state;
    e->added = when;
    uint32_t i = (uint32_t)key_hash(key) & (t->nbuckets - 1);
    e->hnext = t->buckets[i];
    t->buckets[i] = e;
    /* the age list stays sorted when loading keys oldest first */
    e->older = t->newest;
    if (t->newest)
        t->newest->newer = e;
    else
        t->oldest = e;
    t->newest = e;
    t->count++;
    return e;
}

void sl_idem_add_pending(sl_idem_t *t, const char *key, const char *stream, long accepted)
{
    sl_idem_entry_t *e = insert(t, key, stream, accepted, SL_IDEM_PENDING, time(NULL));
    e->fnext = t->waiting;
    t->waiting = e;
}

void sl_idem_add_committed(sl_idem_t *t, const char *key, const char *stream, long accepted,
                           time_t when)
{
    if (sl_idem_find(t, key) == NULL)
        insert(t, key, stream, accepted, SL_IDEM_COMMITTED, when);
}

int sl_idem_take_waiting(sl_idem_t *t)
{
    int n = 0;
    while (t->waiting) {
        sl_idem_entry_t *e = t->waiting;
        t->waiting = e->fnext;
        e->fnext = t->inflight;
        t->inflight = e;
    }
    for (sl_idem_entry_t *e = t->inflight; e; e = e->fnext)
        n++;
    return n;
}

void sl_idem_committed(sl_idem_t *t)
{
    while (t->inflight) {
        sl_idem_entry_t *e = t->inflight;
        t->inflight = e->fnext;
        e->fnext = NULL;
        e->state = SL_IDEM_COMMITTED;
    }
}

void sl_idem_restore(sl_idem_t *t)
{
    while (t->inflight) {
        sl_idem_entry_t *e = t->inflight;
        t->inflight = e->fnext;
        e->fnext = t->waiting;
        t->waiting = e;
    }
}

bool sl_idem_committed_elsewhere(sl_idem_t *t, const char *key)
{
    for (sl_idem_entry_t **pp = &t->inflight; *pp; pp = &(*pp)->fnext) {
        sl_idem_entry_t *e = *pp;
        if (strcmp(e->key, key) == 0) {
            *pp = e->fnext;
            e->fnext = NULL;
            e->state = SL_IDEM_COMMITTED;
            return true;
        }
    }
    return false;
}

static void forget_list(sl_idem_t *t, sl_idem_entry_t **list)
{
    while (*list) {
        sl_idem_entry_t *e = *list;
        *list = e->fnext;
        entry_remove(t, e);
    }
}

void sl_idem_forget_inflight(sl_idem_t *t)
{
    forget_list(t, &t->inflight);
}

void sl_idem_forget_waiting(sl_idem_t *t)
{
    forget_list(t, &t->waiting);
}

void sl_idem_inflight_arrays(const sl_idem_t *t, sl_buf_t *keys, sl_buf_t *streams,
                             sl_buf_t *accepted)
{
    sl_buf_putc(keys, '{');
    sl_buf_putc(streams, '{');
    sl_buf_putc(accepted, '{');
    for (const sl_idem_entry_t *e = t->inflight; e; e = e->fnext) {
        if (e != t->inflight) {
            sl_buf_putc(keys, ',');
            sl_buf_putc(streams, ',');
            sl_buf_putc(accepted, ',');
        }
        sl_buf_put_array_elem(keys, e->key, strlen(e->key));
        sl_buf_put_array_elem(streams, e->stream, strlen(e->stream));
        sl_buf_printf(accepted, "%ld", e->accepted);
    }
    sl_buf_putc(keys, '}');
    sl_buf_putc(streams, '}');
    sl_buf_putc(accepted, '}');
}

bool sl_idem_key_valid(const char *key, sl_error_t *err)
{
    size_t n = strlen(key);
    if (n == 0 || n > SL_IDEM_MAX_KEY_LEN) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                     "Idempotency-Key must be 1 to %d characters", SL_IDEM_MAX_KEY_LEN);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)key[i] < 0x20 || (unsigned char)key[i] > 0x7e) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                         "Idempotency-Key must be printable ASCII");
            return false;
        }
    return true;
}
