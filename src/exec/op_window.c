/*
 * op_window.c: event-time windows in the executor.
 *
 *   sl__f_window      tumble / hop / window_end as scalar functions (a
 *                     hop's value is its latest window's start)
 *   sl__window_push   for a view grouped by a window, between filter and
 *                     project: computes each selected event's window, drops
 *                     the (event, window) pairs whose window has closed
 *                     under the watermark at that event (counting an event
 *                     as late when its first window closed: it cannot be
 *                     counted everywhere it belongs), and expands a hop
 *                     into one chunk row per open window holding the event;
 *                     project then fills the window key from chunk->win.
 *   sessions          session(ts, gap): per view, an index from the other
 *                     group keys to their sessions; sl__session_apply (in
 *                     sl_exec_apply, so it never fails) gives each event its
 *                     session in arrival order, merging the sessions it
 *                     bridges (each merged-away start is a rename the flush
 *                     applies to the state table), and leaves out late
 *                     events; closed sessions leave the index a gap after
 *                     they close (sl__sessions_sweep, at each flush).
 */
#include "exec/exec_int.h"
#include "plan/func.h"

#include <stdlib.h>
#include <string.h>

int sl__f_window(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)s;
    const sl_window_t *w = e->aux;
    if (w == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "window function without a window");
    int64_t ts = a[0].v.i;
    if (e->func == SL_F_WINDOW_END) {
        /* a[0] is the window's start */
        out->v.i = sl_window_end(w, ts);
        return SL_OK;
    }
    if (ts == INT64_MAX || ts == INT64_MIN || w->kind == SL_WIN_SESSION) {
        out->v.i = ts;   /* a session's start is found in sl__session_apply */
        return SL_OK;
    }
    out->v.i = sl_window_start(w, ts);
    return SL_OK;
}

int sl__window_push(const sl_view_plan_t *p, sl__chunk_t *c, const int64_t *wm)
{
    const sl_window_t *w = p->window;
    const sl_datum_t *tcol = c->batch->cols[p->group[p->window_key].expr->args[0]->colno];
    int n = c->nrows;
    int cap = n * w->count;
    int *sel = sl_alloc(c->scratch, sizeof(int) * (size_t)(cap > 0 ? cap : 1));
    int64_t *win = sl_alloc(c->scratch, sizeof(int64_t) * (size_t)(cap > 0 ? cap : 1));
    int *late = NULL;
    int nlate = 0, m = 0;
    if (w->count == 1) {
        /* tumble: events in order share their window for long, so the last
         * window found ([lo, hi): its start lo and end) serves while an
         * event time falls in it */
        int64_t lo = 1, hi = 0, end = 0;
        for (int i = 0; i < n; i++) {
            int r = c->sel ? c->sel[i] : i;
            int64_t ts = tcol[r].v.i;
            if (!(ts >= lo && ts < hi)) {
                lo = sl_window_start(w, ts);
                end = sl_window_end(w, lo);
                /* clamped starts and ends near the limits: not kept */
                if (lo == INT64_MIN + 1 || __builtin_add_overflow(lo, w->slide, &hi))
                    hi = lo;
            }
            if (wm && end <= wm[r]) {
                if (late == NULL)
                    late = sl_alloc(c->scratch, sizeof(int) * (size_t)n);
                late[nlate++] = r;
                continue;
            }
            sel[m] = r;
            win[m] = lo;
            m++;
        }
        n = 0;   /* done */
    }
    for (int i = 0; i < n; i++) {
        int r = c->sel ? c->sel[i] : i;
        int64_t ts = tcol[r].v.i;    /* never NULL: the pipeline refuses that */
        int64_t latest = sl_window_start(w, ts);
        int64_t mark = wm ? wm[r] : INT64_MIN;
        /* earliest window first: start = latest - (count - 1) * slide */
        for (int j = w->count - 1; j >= 0; j--) {
            int64_t start = latest - (int64_t)j * w->slide;
            if (wm && sl_window_end(w, start) <= mark) {
                if (j == w->count - 1) {
                    if (late == NULL)
                        late = sl_alloc(c->scratch, sizeof(int) * (size_t)n);
                    late[nlate++] = r;
                }
                continue;
            }
            sel[m] = r;
            win[m] = start;
            m++;
        }
    }
    /* one window an event and none late: the chunk's rows stay as they are
     * (so project passes plain columns through without copying them) */
    if (!(w->count == 1 && nlate == 0))
        c->sel = sel;
    c->nrows = m;
    c->win = win;
    c->late = late;
    c->nlate = nlate;
    return SL_OK;
}

/* ---- sessions ---- */

typedef struct sess {
    int64_t start, end;    /* [first event, last event + gap) */
} sess_t;

/* One group of the view (its group keys other than the session) and its
 * sessions still of use: open ones, and those closed less than a gap ago
 * (an event touching one of them is late). */
typedef struct skey {
    struct skey *next;     /* hash chain */
    uint64_t hash;
    sl_datum_t *keys;      /* nk values; slices copied into the same block */
    int n, cap;
    sess_t *s;             /* sorted by start, disjoint */
    int64_t frontier;      /* the latest end of a closed session swept out
                              (INT64_MIN: none): an event before it would
                              touch a closed session, so it is late */
} skey_t;

typedef struct rename {
    sl_datum_t *keys;      /* as skey_t's (malloc'd block) */
    int64_t from, to;
} rename_t;

struct sl_exec_renames {
    const sl_view_plan_t *plan;
    int n, cap;
    rename_t *v;
};

struct sl__sessions {
    const sl_view_plan_t *plan;
    int nk;
    int *kcol;             /* group key index of keys[j] */
    skey_t **b;
    size_t nb, count;
    sl_exec_renames_t ren; /* renames since the flush took them */
    int64_t swept;         /* the watermark of the last sweep */
    size_t bytes;          /* what the index and its renames hold in memory
                              (counted in max_memory: sl_exec_memory) */
};

/* Types held inline in a datum; the others are (pointer, length) slices. */
static bool inline_type(sl_type_t t)
{
    return !sl_type_by_ref(t);
}

/* The size of keys_copy's block for the nk key values k. */
static size_t keys_bytes(const sl__sessions_t *ss, const sl_datum_t *k)
{
    size_t bytes = sizeof(sl_datum_t) * (size_t)(ss->nk > 0 ? ss->nk : 1);
    for (int j = 0; j < ss->nk; j++)
        if (!k[j].null && !inline_type(ss->plan->group[ss->kcol[j]].type))
            bytes += k[j].v.s.n;
    return bytes;
}

/* A malloc'd copy of the nk key values (slices copied after them). */
static sl_datum_t *keys_copy(const sl__sessions_t *ss, const sl_datum_t *k)
{
    sl_datum_t *d = sl_xmalloc(keys_bytes(ss, k));
    char *p = (char *)(d + (ss->nk > 0 ? ss->nk : 1));
    for (int j = 0; j < ss->nk; j++) {
        d[j] = k[j];
        if (!k[j].null && !inline_type(ss->plan->group[ss->kcol[j]].type)) {
            memcpy(p, k[j].v.s.p, k[j].v.s.n);
            d[j].v.s.p = p;
            p += k[j].v.s.n;
        }
    }
    return d;
}

sl__sessions_t *sl__sessions_new(const sl_view_plan_t *p)
{
    sl__sessions_t *ss = sl_xcalloc(1, sizeof(*ss));
    ss->plan = p;
    ss->kcol = sl_xcalloc((size_t)(p->ngroup > 0 ? p->ngroup : 1), sizeof(int));
    for (int g = 0; g < p->ngroup; g++)
        if (g != p->window_key)
            ss->kcol[ss->nk++] = g;
    ss->nb = 64;
    ss->b = sl_xcalloc(ss->nb, sizeof(skey_t *));
    ss->ren.plan = p;
    ss->swept = INT64_MIN;
    ss->bytes = sizeof(*ss) + ss->nb * sizeof(skey_t *);
    return ss;
}

/* The memory of k (entry, keys, sessions). */
static size_t skey_bytes(const sl__sessions_t *ss, const skey_t *k)
{
    return sizeof(*k) + keys_bytes(ss, k->keys) + sizeof(sess_t) * (size_t)k->cap;
}

static void skey_free(skey_t *k)
{
    free(k->keys);
    free(k->s);
    free(k);
}

static void renames_clear(sl_exec_renames_t *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->v[i].keys);
    r->n = 0;
}

void sl__sessions_free(sl__sessions_t *ss)
{
    if (ss == NULL)
        return;
    for (size_t i = 0; i < ss->nb; i++)
        while (ss->b[i]) {
            skey_t *k = ss->b[i];
            ss->b[i] = k->next;
            skey_free(k);
        }
    renames_clear(&ss->ren);
    free(ss->ren.v);
    free(ss->b);
    free(ss->kcol);
    free(ss);
}

static uint64_t keys_hash(const sl__sessions_t *ss, const sl_datum_t *const *cols, int i)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    for (int j = 0; j < ss->nk; j++) {
        int g = ss->kcol[j];
        h = (h ^ sl_datum_hash(ss->plan->group[g].type, &cols[g][i])) * 0x100000001B3ULL;
    }
    return h;
}

/* The entry of row i's keys (cols: the chunk's group key columns),
 * created when create. */
static skey_t *skey_find(sl__sessions_t *ss, const sl_datum_t *const *cols, int i, bool create)
{
    uint64_t h = keys_hash(ss, cols, i);
    for (skey_t *k = ss->b[h & (ss->nb - 1)]; k; k = k->next) {
        if (k->hash != h)
            continue;
        int j = 0;
        while (j < ss->nk &&
               sl_datum_eq(ss->plan->group[ss->kcol[j]].type, &k->keys[j], &cols[ss->kcol[j]][i]))
            j++;
        if (j == ss->nk)
            return k;
    }
    if (!create)
        return NULL;
    if (ss->count >= ss->nb) {
        size_t nb = ss->nb * 2;
        skey_t **b = sl_xcalloc(nb, sizeof(skey_t *));
        for (size_t x = 0; x < ss->nb; x++)
            while (ss->b[x]) {
                skey_t *k = ss->b[x];
                ss->b[x] = k->next;
                k->next = b[k->hash & (nb - 1)];
                b[k->hash & (nb - 1)] = k;
            }
        free(ss->b);
        ss->b = b;
        ss->bytes += (nb - ss->nb) * sizeof(skey_t *);
        ss->nb = nb;
    }
    skey_t *k = sl_xcalloc(1, sizeof(*k));
    k->frontier = INT64_MIN;
    sl_datum_t tmp[ss->nk > 0 ? ss->nk : 1];
    for (int j = 0; j < ss->nk; j++)
        tmp[j] = cols[ss->kcol[j]][i];
    k->keys = keys_copy(ss, tmp);
    k->hash = h;
    k->next = ss->b[h & (ss->nb - 1)];
    ss->b[h & (ss->nb - 1)] = k;
    ss->count++;
    ss->bytes += skey_bytes(ss, k);
    return k;
}

static void add_rename(sl__sessions_t *ss, const skey_t *k, int64_t from, int64_t to)
{
    sl_exec_renames_t *r = &ss->ren;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->v = sl_xrealloc(r->v, sizeof(rename_t) * (size_t)r->cap);
    }
    r->v[r->n].keys = keys_copy(ss, k->keys);
    ss->bytes += sizeof(rename_t) + keys_bytes(ss, k->keys);
    r->v[r->n].from = from;
    r->v[r->n].to = to;
    r->n++;
}

/* Replaces k's sessions [lo, hi) by s. */
static void splice(sl__sessions_t *ss, skey_t *k, int lo, int hi, sess_t s)
{
    if (lo == hi) {
        if (k->n == k->cap) {
            ss->bytes += sizeof(sess_t) * (size_t)(k->cap ? k->cap : 2);
            k->cap = k->cap ? 2 * k->cap : 2;
            k->s = sl_xrealloc(k->s, sizeof(sess_t) * (size_t)k->cap);
        }
        memmove(&k->s[lo + 1], &k->s[lo], sizeof(sess_t) * (size_t)(k->n - lo));
        k->n++;
    } else if (hi - lo > 1) {
        memmove(&k->s[lo + 1], &k->s[hi], sizeof(sess_t) * (size_t)(k->n - hi));
        k->n -= hi - lo - 1;
    }
    k->s[lo] = s;
}

void sl__session_apply(sl__sessions_t *ss, sl__chunk_t *c)
{
    const sl_view_plan_t *p = ss->plan;
    int64_t gap = p->window->size;
    sl_datum_t *wcol = c->cols[p->window_key];
    const sl_datum_t *const *cols = (const sl_datum_t *const *)c->cols;
    int *late = NULL, nlate = 0;
    bool *drop = NULL;
    for (int i = 0; i < c->nrows; i++) {
        int r = c->sel ? c->sel[i] : i;
        int64_t ts = wcol[i].v.i;   /* session(ts, gap) evaluates to ts */
        int64_t mark = c->wm ? c->wm[r] : INT64_MIN;
        int64_t tend = ts > INT64_MAX - gap ? INT64_MAX : ts + gap;
        skey_t *k = skey_find(ss, cols, i, true);
        int lo = 0, hi;
        while (lo < k->n && k->s[lo].end <= ts)
            lo++;
        hi = lo;
        while (hi < k->n && k->s[hi].start < tend)
            hi++;
        sess_t s = {ts, tend};
        bool is_late = ts < k->frontier;
        for (int j = lo; j < hi; j++) {
            is_late |= k->s[j].end <= mark;     /* touches a closed session */
            if (k->s[j].start < s.start)
                s.start = k->s[j].start;
            if (k->s[j].end > s.end)
                s.end = k->s[j].end;
        }
        if (is_late || s.end <= mark) {
            if (late == NULL) {
                late = sl_alloc(c->scratch, sizeof(int) * (size_t)c->nrows);
                drop = sl_alloc0(c->scratch, (size_t)c->nrows);
            }
            late[nlate++] = r;
            drop[i] = true;
            continue;
        }
        for (int j = lo; j < hi; j++)
            if (k->s[j].start != s.start)
                add_rename(ss, k, k->s[j].start, s.start);
        splice(ss, k, lo, hi, s);
        wcol[i].v.i = s.start;
    }
    c->late = late;
    c->nlate = nlate;
    if (nlate == 0)
        return;
    /* leave the late rows out (into fresh arrays: a column may be the
     * batch's own, which other views read) */
    int m = 0;
    int *sel = sl_alloc(c->scratch, sizeof(int) * (size_t)c->nrows);
    for (int i = 0; i < c->nrows; i++)
        if (!drop[i])
            sel[m++] = i;
    for (int col = 0; col < c->ncols; col++) {
        if (c->cols[col] == NULL)
            continue;
        sl_datum_t *a = sl_alloc(c->scratch, sizeof(sl_datum_t) * (size_t)(m > 0 ? m : 1));
        for (int i = 0; i < m; i++)
            a[i] = c->cols[col][sel[i]];
        c->cols[col] = a;
    }
    for (int x = 0; x < p->naggs; x++) {
        if (c->args2[x] == NULL)
            continue;
        sl_datum_t *a = sl_alloc(c->scratch, sizeof(sl_datum_t) * (size_t)(m > 0 ? m : 1));
        for (int i = 0; i < m; i++)
            a[i] = c->args2[x][sel[i]];
        c->args2[x] = a;
    }
    int *bsel = sl_alloc(c->scratch, sizeof(int) * (size_t)(m > 0 ? m : 1));
    for (int i = 0; i < m; i++)
        bsel[i] = c->sel ? c->sel[sel[i]] : sel[i];
    c->sel = bsel;
    c->nrows = m;
}

void sl__sessions_sweep(sl__sessions_t *ss, int64_t wm)
{
    /* a session added since the last sweep ends after the watermark it
     * met: only a newer watermark can sweep more */
    if (wm == INT64_MIN || wm == ss->swept)
        return;
    ss->swept = wm;
    int64_t gap = ss->plan->window->size;
    int64_t limit = wm < INT64_MIN + gap ? INT64_MIN : wm - gap;
    for (size_t x = 0; x < ss->nb; x++) {
        skey_t **pk = &ss->b[x];
        while (*pk) {
            skey_t *k = *pk;
            int j = 0;
            while (j < k->n && k->s[j].end <= limit)
                j++;
            if (j > 0 && k->s[j - 1].end > k->frontier)
                k->frontier = k->s[j - 1].end;
            if (j > 0) {
                memmove(k->s, k->s + j, sizeof(sess_t) * (size_t)(k->n - j));
                k->n -= j;
            }
            if (k->n == 0) {
                *pk = k->next;
                ss->bytes -= skey_bytes(ss, k);
                skey_free(k);
                ss->count--;
            } else {
                pk = &k->next;
            }
        }
    }
}

void sl__sessions_add(sl__sessions_t *ss, const sl_datum_t *keys, int64_t start, int64_t end,
                      bool closed)
{
    /* keys in group key order, the window's slot ignored */
    int ng = ss->plan->ngroup;
    sl_datum_t *row[ng > 0 ? ng : 1];
    for (int g = 0; g < ng; g++)
        row[g] = (sl_datum_t *)&keys[g];
    skey_t *k = skey_find(ss, (const sl_datum_t *const *)row, 0, true);
    if (closed) {
        if (end > k->frontier)
            k->frontier = end;
        return;
    }
    int lo = 0;
    while (lo < k->n && k->s[lo].start < start)
        lo++;
    int hi = lo;
    while (hi < k->n && k->s[hi].start < end)
        hi++;
    sess_t s = {start, end};
    splice(ss, k, lo, hi, s);
}

size_t sl__sessions_count(const sl__sessions_t *ss)
{
    size_t n = 0;
    for (size_t x = 0; x < ss->nb; x++)
        for (const skey_t *k = ss->b[x]; k; k = k->next)
            n += (size_t)k->n;
    return n;
}

/* What r's renames hold (as add_rename counted them). */
static size_t renames_bytes(const sl__sessions_t *ss, const sl_exec_renames_t *r)
{
    size_t n = 0;
    for (int i = 0; i < r->n; i++)
        n += sizeof(rename_t) + keys_bytes(ss, r->v[i].keys);
    return n;
}

size_t sl__sessions_memory(const sl__sessions_t *ss)
{
    return ss->bytes;
}

sl_exec_renames_t *sl__sessions_take(sl__sessions_t *ss)
{
    if (ss->ren.n == 0)
        return NULL;
    sl_exec_renames_t *r = sl_xmalloc(sizeof(*r));
    *r = ss->ren;
    ss->bytes -= renames_bytes(ss, r);
    ss->ren.v = NULL;
    ss->ren.n = ss->ren.cap = 0;
    return r;
}

void sl__sessions_restore(sl__sessions_t *ss, sl_exec_renames_t *r)
{
    /* r's renames happened before the ones since: they go first */
    sl_exec_renames_t *cur = &ss->ren;
    ss->bytes += renames_bytes(ss, r);
    int n = r->n + cur->n;
    rename_t *v = sl_xmalloc(sizeof(rename_t) * (size_t)(n > 0 ? n : 1));
    memcpy(v, r->v, sizeof(rename_t) * (size_t)r->n);
    if (cur->n)
        memcpy(v + r->n, cur->v, sizeof(rename_t) * (size_t)cur->n);
    free(cur->v);
    cur->v = v;
    cur->n = cur->cap = n;
    free(r->v);
    free(r);
}

void sl_exec_renames_free(sl_exec_renames_t *r)
{
    if (r == NULL)
        return;
    renames_clear(r);
    free(r->v);
    free(r);
}

int sl_exec_renames_count(const sl_exec_renames_t *r)
{
    return r ? r->n : 0;
}

bool sl_exec_rename_value(const sl_exec_renames_t *r, int i, int g, bool to, sl_buf_t *out)
{
    const sl_view_plan_t *p = r->plan;
    const rename_t *x = &r->v[i];
    if (g == p->window_key) {
        sl_datum_t d = {.v.i = to ? x->to : x->from};
        sl_type_output(p->group[g].type, &d, out);
        return true;
    }
    int j = g < p->window_key ? g : g - 1;
    if (x->keys[j].null)
        return false;
    sl_type_output(p->group[g].type, &x->keys[j], out);
    return true;
}
