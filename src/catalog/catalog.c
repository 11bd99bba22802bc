/*
 * catalog.c: the in-memory catalog of streams and views; see catalog.h.
 */
#include "catalog/catalog.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void sl_catalog_init(sl_catalog_t *cat)
{
    memset(cat, 0, sizeof(*cat));
}

void sl_catalog_destroy(sl_catalog_t *cat)
{
    while (cat->nviews > 0)
        sl_catalog_drop_view(cat, cat->views[cat->nviews - 1], NULL);
    while (cat->nstreams > 0)
        sl_catalog_drop_stream(cat, cat->streams[cat->nstreams - 1]);
    free(cat->views);
    free(cat->streams);
    memset(cat, 0, sizeof(*cat));
}

sl_stream_t *sl_catalog_stream(const sl_catalog_t *cat, const char *name)
{
    for (int i = 0; i < cat->nstreams; i++)
        if (strcmp(cat->streams[i]->name, name) == 0)
            return cat->streams[i];
    return NULL;
}

sl_view_t *sl_catalog_view(const sl_catalog_t *cat, const char *name)
{
    for (int i = 0; i < cat->nviews; i++)
        if (strcmp(cat->views[i]->name, name) == 0)
            return cat->views[i];
    return NULL;
}

int sl_stream_column(const sl_stream_t *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return i;
    return -1;
}

sl_stream_t *sl_stream_new(const char *name)
{
    sl_arena_t *a = sl_arena_new(NULL, "stream");
    sl_stream_t *s = sl_alloc0(a, sizeof(*s));
    s->arena = a;
    s->name = sl_strdup(a, name);
    s->event_time = -1;
    s->max_event = INT64_MIN;
    s->max_event_stored = INT64_MIN;
    return s;
}

sl_view_t *sl_view_new(const char *name)
{
    sl_arena_t *a = sl_arena_new(NULL, "view");
    sl_view_t *v = sl_alloc0(a, sizeof(*v));
    v->arena = a;
    v->name = sl_strdup(a, name);
    return v;
}

static void ptr_append(void ***arr, int *n, void *p)
{
    *arr = sl_xrealloc(*arr, sizeof(void *) * (size_t)(*n + 1));
    (*arr)[(*n)++] = p;
}

static void ptr_remove(void **arr, int *n, void *p)
{
    for (int i = 0; i < *n; i++) {
        if (arr[i] == p) {
            memmove(&arr[i], &arr[i + 1], sizeof(void *) * (size_t)(*n - i - 1));
            (*n)--;
            return;
        }
    }
}

void sl_catalog_add_stream(sl_catalog_t *cat, sl_stream_t *s)
{
    s->id = ++cat->version;
    ptr_append((void ***)&cat->streams, &cat->nstreams, s);
}

void sl_catalog_add_view(sl_catalog_t *cat, sl_view_t *v)
{
    assert(v->stream != NULL);
    v->id = ++cat->version;
    ptr_append((void ***)&cat->views, &cat->nviews, v);
    ptr_append((void ***)&v->stream->views, &v->stream->nviews, v);
}

void sl_catalog_alter_stream(sl_catalog_t *cat, sl_stream_t *s, const sl_column_t *col,
                             const char *sql)
{
    sl_column_t *cols = sl_alloc(s->arena, sizeof(*cols) * (size_t)(s->ncols + 1));
    memcpy(cols, s->cols, sizeof(*cols) * (size_t)s->ncols);
    cols[s->ncols] = *col;
    cols[s->ncols].name = sl_strdup(s->arena, col->name);
    s->cols = cols;
    s->ncols++;
    s->sql = sl_strdup(s->arena, sql);
    s->id = ++cat->version;
}

void sl_catalog_drop_view(sl_catalog_t *cat, sl_view_t *v,
                          void (*free_exec)(void *))
{
    cat->version++;
    ptr_remove((void **)cat->views, &cat->nviews, v);
    ptr_remove((void **)v->stream->views, &v->stream->nviews, v);
    if (v->exec && free_exec)
        free_exec(v->exec);
    sl_arena_free(v->arena);
}

void sl_catalog_drop_stream(sl_catalog_t *cat, sl_stream_t *s)
{
    assert(s->nviews == 0);
    cat->version++;
    ptr_remove((void **)cat->streams, &cat->nstreams, s);
    free(s->views);
    sl_arena_free(s->arena);
}
