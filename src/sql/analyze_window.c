/*
 * analyze_window.c: event time and windows in the analyzer (issue 9).
 *
 *   sl__analyze_stream_time  CREATE STREAM's event_time, max_lateness and
 *                            idle_timeout options
 *   sl__analyze_window_call  a tumble / hop / window_end call: its first
 *                            argument must be the stream's event-time
 *                            column, its sizes constants; fixes the
 *                            window (plan/window.h) in e->aux
 *   sl__analyze_view_window  which group key is the view's window, where
 *                            hop may appear, the view's emit option
 */
#include <string.h>

#include "sql/analyze_int.h"
#include "plan/func.h"

static int duration_option(const sl_option_t *o, bool positive, int64_t *us, sl_error_t *err)
{
    if (sl_window_duration(o->value, strlen(o->value), us, err) != SL_OK) {
        err->position = o->value_location;
        return SL_ERR;
    }
    if (*us < 0 || (positive && *us == 0))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, o->value_location,
                            "%s must be %s: \"%s\"", o->name,
                            positive ? "positive" : "zero or positive", o->value);
    return SL_OK;
}

int sl__analyze_stream_time(const sl_stmt_t *stmt, sl_stream_t *s, sl_error_t *err)
{
    const sl_option_t *et = sl_stmt_option(stmt, "event_time");
    const sl_option_t *ml = sl_stmt_option(stmt, "max_lateness");
    const sl_option_t *it = sl_stmt_option(stmt, "idle_timeout");
    s->event_time = -1;
    if (et == NULL) {
        const sl_option_t *o = ml ? ml : it;
        if (o)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, o->location,
                                "%s needs event_time", o->name);
        return SL_OK;
    }
    int c = sl_stream_column(s, et->value);
    if (c < 0)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, et->value_location,
                            "column \"%s\" named by event_time does not exist", et->value);
    if (s->cols[c].type != SL_T_TIMESTAMPTZ && s->cols[c].type != SL_T_TIMESTAMP) {
        sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, et->value_location,
                     "event_time column \"%s\" is of type %s", et->value,
                     sl_type_name(s->cols[c].type));
        sl_error_hint(err, "The event-time column must be of type timestamp with time zone "
                           "or timestamp without time zone.");
        return SL_ERR;
    }
    s->event_time = c;
    s->max_lateness = 0;
    s->idle_timeout = 0;
    if (ml && duration_option(ml, false, &s->max_lateness, err) != SL_OK)
        return SL_ERR;
    if (it && duration_option(it, true, &s->idle_timeout, err) != SL_OK)
        return SL_ERR;
    return SL_OK;
}

static const char *fname(const sl_expr_t *e)
{
    return e->func == SL_F_TUMBLE ? "tumble" : e->func == SL_F_HOP ? "hop"
           : e->func == SL_F_SESSION ? "session" : "window_end";
}

/* The constant text argument a of e as a duration > 0. */
static int size_arg(sl_actx_t *ctx, const sl_expr_t *e, const sl_expr_t *a, const char *what,
                    int64_t *us)
{
    if (a->kind != SL_E_CONST || a->constval.null)
        return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            a->location ? a->location : e->location,
                            "the %s of %s() must be a constant", what, fname(e));
    if (a->type == SL_T_INTERVAL ? sl_window_interval(&a->constval.v.iv, us, ctx->err) != SL_OK
                                 : sl_window_duration(a->constval.v.s.p, a->constval.v.s.n, us,
                                                      ctx->err) != SL_OK) {
        ctx->err->position = a->location ? a->location : e->location;
        return SL_ERR;
    }
    if (*us <= 0)
        return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER,
                            a->location ? a->location : e->location,
                            "the %s of %s() must be positive", what, fname(e));
    return SL_OK;
}

int sl__analyze_window_call(sl_actx_t *ctx, sl_expr_t *e)
{
    const sl_stream_t *s = ctx->stream;
    if (e->func == SL_F_WINDOW_END) {
        const sl_expr_t *w = e->args[0];
        if (w->kind != SL_E_FUNC ||
            (w->func != SL_F_TUMBLE && w->func != SL_F_HOP && w->func != SL_F_SESSION))
            return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, e->location,
                                "the argument of window_end() must be a window: "
                                "tumble(...), hop(...) or session(...)");
        e->aux = w->aux;
        return SL_OK;
    }
    const sl_expr_t *t = e->args[0];
    if (s == NULL || s->event_time < 0) {
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, e->location,
                     "%s() needs a stream with an event-time column", fname(e));
        sl_error_hint(ctx->err, "Name it when creating the stream: CREATE STREAM ... WITH "
                                "(event_time = 'column').");
        return SL_ERR;
    }
    if (t->kind != SL_E_COLUMN || t->colno != s->event_time)
        return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            t->location ? t->location : e->location,
                            "the first argument of %s() must be the stream's event-time "
                            "column \"%s\"", fname(e), s->cols[s->event_time].name);
    sl_window_t *w = sl_alloc0(ctx->a, sizeof(*w));
    w->origin = SL_UNIX_EPOCH_US;
    if (e->func == SL_F_TUMBLE) {
        w->kind = SL_WIN_TUMBLE;
        if (size_arg(ctx, e, e->args[1], "size", &w->size) != SL_OK)
            return SL_ERR;
        w->slide = w->size;
        if (e->nargs == 3) {
            const sl_expr_t *o = e->args[2];
            if (o->kind != SL_E_CONST || o->constval.null)
                return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                    o->location ? o->location : e->location,
                                    "the origin of tumble() must be a constant");
            if (o->constval.v.i == INT64_MAX || o->constval.v.i == INT64_MIN)
                return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER,
                                    o->location ? o->location : e->location,
                                    "the origin of tumble() must be finite");
            w->origin = o->constval.v.i;
        }
    } else if (e->func == SL_F_SESSION) {
        w->kind = SL_WIN_SESSION;
        if (size_arg(ctx, e, e->args[1], "gap", &w->size) != SL_OK)
            return SL_ERR;
        w->slide = w->size;
    } else {
        w->kind = SL_WIN_HOP;
        if (size_arg(ctx, e, e->args[1], "slide", &w->slide) != SL_OK ||
            size_arg(ctx, e, e->args[2], "size", &w->size) != SL_OK)
            return SL_ERR;
        if (w->size % w->slide != 0)
            return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, e->args[2]->location,
                                "the size of hop() must be a multiple of its slide");
        if (w->size / w->slide > SL_WINDOW_MAX_HOPS)
            return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, e->args[2]->location,
                                "hop() puts an event in at most %d windows, not %lld",
                                SL_WINDOW_MAX_HOPS, (long long)(w->size / w->slide));
    }
    w->count = (int)(w->size / w->slide);
    e->aux = w;
    return SL_OK;
}

/* The first hop() or session() call in e, or NULL: outside the view's
 * window key they have no single value per event (the select list and
 * HAVING reach them through the group key, never here). */
static const sl_expr_t *find_hop(const sl_expr_t *e)
{
    if (e == NULL)
        return NULL;
    if (e->kind == SL_E_FUNC && (e->func == SL_F_HOP || e->func == SL_F_SESSION))
        return e;
    for (int i = 0; i < e->nargs; i++) {
        const sl_expr_t *h = find_hop(e->args[i]);
        if (h)
            return h;
    }
    return NULL;
}

static int hop_misplaced(sl_actx_t *ctx, const sl_expr_t *h)
{
    const char *f = h->func == SL_F_HOP ? "hop" : "session";
    sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, h->location,
                 "%s() is only allowed as a GROUP BY item of a continuous view", f);
    sl_error_hint(ctx->err, "Group by %s(...) itself, and select it or window_end(%s(...)).",
                  f, f);
    return SL_ERR;
}

int sl__analyze_view_window(sl_actx_t *ctx, const sl_stmt_t *stmt, sl_view_plan_t *plan)
{
    plan->window = NULL;
    plan->window_key = -1;
    plan->session_agg = -1;
    for (int g = 0; g < plan->ngroup; g++) {
        const sl_expr_t *e = plan->group[g].expr;
        bool win = !plan->transform && e->kind == SL_E_FUNC &&
                   (e->func == SL_F_TUMBLE || e->func == SL_F_HOP || e->func == SL_F_SESSION);
        if (!win) {
            const sl_expr_t *h = find_hop(e);
            if (h)
                return hop_misplaced(ctx, h);
            continue;
        }
        for (int i = 0; i < e->nargs; i++)
            if (find_hop(e->args[i]))
                return hop_misplaced(ctx, find_hop(e->args[i]));
        if (plan->window)
            return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, e->location,
                                "a continuous view may group by one window only");
        plan->window = e->aux;
        plan->window_key = g;
    }
    const sl_expr_t *h = find_hop(plan->where);
    for (int i = 0; h == NULL && i < plan->naggs; i++) {
        h = find_hop(plan->aggs[i].arg);
        if (h == NULL)
            h = find_hop(plan->aggs[i].arg2);
        if (h == NULL)
            h = find_hop(plan->aggs[i].filter);
    }
    if (h)
        return hop_misplaced(ctx, h);

    if (plan->window && plan->window->kind == SL_WIN_SESSION) {
        /* a session ends at its last event + gap: max(event time), hidden */
        if (ctx->naggs == ctx->aggcap) {
            int cap = ctx->aggcap ? 2 * ctx->aggcap : 4;
            ctx->aggs = sl_realloc(ctx->a, ctx->aggs, (size_t)ctx->aggcap * sizeof(*ctx->aggs),
                                   (size_t)cap * sizeof(*ctx->aggs));
            ctx->aggcap = cap;
        }
        const sl_expr_t *ts = plan->group[plan->window_key].expr->args[0];
        sl_aggref_t *ref = &ctx->aggs[ctx->naggs];
        memset(ref, 0, sizeof(*ref));
        ref->fname = "max";
        if (sl_agg_resolve(ref, SL_AGG_MAX, ts->type, ts->typmod, 0, ctx->err) != SL_OK)
            return SL_ERR;
        ref->arg = (sl_expr_t *)ts;
        ctx->nstate += ref->nstate;
        plan->session_agg = ctx->naggs++;
        plan->naggs = ctx->naggs;
        plan->aggs = ctx->aggs;
    }

    const sl_option_t *em = sl_stmt_option(stmt, "emit");
    plan->emit = SL_EMIT_ON_UPDATE;
    if (em) {
        if (strcmp(em->value, "on_window_close") == 0)
            plan->emit = SL_EMIT_ON_WINDOW_CLOSE;
        else if (strcmp(em->value, "on_update") != 0)
            return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, em->value_location,
                                "invalid value for parameter \"emit\": \"%s\"", em->value);
        if (plan->emit == SL_EMIT_ON_WINDOW_CLOSE && plan->window == NULL) {
            sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, em->value_location,
                         "emit = 'on_window_close' needs a view grouped by a window");
            sl_error_hint(ctx->err, "Add tumble(...) or hop(...) over the stream's event-time "
                                    "column to GROUP BY.");
            return SL_ERR;
        }
    }
    /* A sliding window on arrival time over tumble / hop windows emitting
     * on update: the arrival step is one more group key (analyze_slide.c)
     * and the view combines each window's steps still in sw.  A session's
     * merges and a window's single final row have no meaning per step. */
    const sl_option_t *sw = sl_stmt_option(stmt, "sw");
    if (plan->window && sw &&
        (plan->window->kind == SL_WIN_SESSION || plan->emit == SL_EMIT_ON_WINDOW_CLOSE)) {
        sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, sw->location,
                     plan->emit == SL_EMIT_ON_WINDOW_CLOSE
                         ? "a sliding window on arrival time (sw) cannot be combined with "
                           "emit = 'on_window_close'"
                         : "a sliding window on arrival time (sw) cannot be combined with a "
                           "session window");
        sl_error_hint(ctx->err, "Use hop(...) for a sliding window on event time.");
        return SL_ERR;
    }
    return SL_OK;
}
