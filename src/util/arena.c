/*
 * arena.c: block arenas with children and cleanup callbacks; see arena.h.
 */
#include "util/arena.h"
#include "util/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_MIN_BLOCK 8192

typedef struct block {
    struct block *next;
    size_t size;   /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
} block_t;

typedef struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
} cleanup_t;

struct sl_arena {
    const char *name;
    sl_arena_t *parent;
    sl_arena_t *first_child;
    sl_arena_t *next_sibling;
    block_t *blocks;
    cleanup_t *cleanups;
    size_t next_block;  /* size of the next block to ask for */
    size_t total;
};

#define BLOCK_HDR ((sizeof(block_t) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

void *sl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        sl_panic("out of memory (%zu bytes)", n);
    return p;
}

void *sl_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (p == NULL)
        sl_panic("out of memory (%zu x %zu bytes)", n, m);
    return p;
}

void *sl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        sl_panic("out of memory (%zu bytes)", n);
    return q;
}

char *sl_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sl_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

sl_arena_t *sl_arena_new(sl_arena_t *parent, const char *name)
{
    sl_arena_t *a = sl_xcalloc(1, sizeof(*a));
    a->name = name;
    a->parent = parent;
    a->next_block = ARENA_MIN_BLOCK;
    if (parent) {
        a->next_sibling = parent->first_child;
        parent->first_child = a;
    }
    return a;
}

static void arena_release(sl_arena_t *a)
{
    while (a->first_child) {
        sl_arena_t *c = a->first_child;
        a->first_child = c->next_sibling;
        c->parent = NULL;
        sl_arena_free(c);
    }
    while (a->cleanups) {
        cleanup_t *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);   /* the cleanup record itself lives in a block */
    }
    while (a->blocks) {
        block_t *b = a->blocks;
        a->blocks = b->next;
        free(b);
    }
    a->total = 0;
    a->next_block = ARENA_MIN_BLOCK;
}

/* Blocks up to this size survive a reset, to serve the next use without
 * going back to malloc (a per-request arena costs no malloc at all). */
#define ARENA_KEEP_MAX (256 * 1024)

void sl_arena_reset(sl_arena_t *a)
{
    block_t *keep = NULL;
    for (block_t **pp = &a->blocks; *pp; pp = &(*pp)->next)
        if ((*pp)->size <= ARENA_KEEP_MAX && (keep == NULL || (*pp)->size > keep->size))
            keep = *pp;
    if (keep) {
        for (block_t **pp = &a->blocks; *pp; pp = &(*pp)->next)
            if (*pp == keep) {
                *pp = keep->next;
                break;
            }
    }
    arena_release(a);
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        a->blocks = keep;
        a->total = BLOCK_HDR + keep->size;
        a->next_block = keep->size * 2 > ARENA_MIN_BLOCK ? keep->size * 2 : ARENA_MIN_BLOCK;
    }
}

void sl_arena_free(sl_arena_t *a)
{
    if (a == NULL)
        return;
    arena_release(a);
    if (a->parent) {
        sl_arena_t **pp = &a->parent->first_child;
        while (*pp && *pp != a)
            pp = &(*pp)->next_sibling;
        if (*pp)
            *pp = a->next_sibling;
    }
    free(a);
}

void sl_arena_on_free(sl_arena_t *a, void (*fn)(void *), void *arg)
{
    cleanup_t *c = sl_alloc(a, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t sl_arena_size(const sl_arena_t *a)
{
    size_t n = a->total;
    for (const sl_arena_t *c = a->first_child; c; c = c->next_sibling)
        n += sl_arena_size(c);
    return n;
}

static void *arena_alloc(sl_arena_t *a, size_t n, int may_fail)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n == 0)
        n = ARENA_ALIGN;
    block_t *b = a->blocks;
    if (b == NULL || b->size - b->used < n) {
        size_t size = a->next_block;
        if (size < n)
            size = n;
        if (a->next_block < (1u << 20))
            a->next_block *= 2;
        block_t *nb = malloc(BLOCK_HDR + size);
        if (nb == NULL) {
            if (may_fail)
                return NULL;
            sl_panic("out of memory (%zu bytes in arena %s)", n,
                     a->name ? a->name : "?");
        }
        nb->size = size;
        nb->used = 0;
        a->total += BLOCK_HDR + size;
        /* A block bigger than the usual goes behind the current one so the
         * current block's free space stays usable. */
        if (b != NULL && size > a->next_block && b->size - b->used >= ARENA_ALIGN) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->blocks = nb;
        }
        b = nb;
    }
    void *p = (char *)b + BLOCK_HDR + b->used;
    b->used += n;
    return p;
}

void *sl_alloc(sl_arena_t *a, size_t n)
{
    return arena_alloc(a, n, 0);
}

void *sl_alloc0(sl_arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n, 0);
    memset(p, 0, n);
    return p;
}

void *sl_alloc_bounded(sl_arena_t *a, size_t n, size_t limit)
{
    if (n > limit)
        return NULL;
    return arena_alloc(a, n, 1);
}

void *sl_realloc(sl_arena_t *a, void *p, size_t old_n, size_t new_n)
{
    if (new_n <= old_n)
        return p;
    void *q = sl_alloc(a, new_n);
    if (p && old_n)
        memcpy(q, p, old_n);
    return q;
}

char *sl_strndup(sl_arena_t *a, const char *s, size_t n)
{
    char *p = sl_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sl_strdup(sl_arena_t *a, const char *s)
{
    return sl_strndup(a, s, strlen(s));
}

char *sl_vsprintf(sl_arena_t *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *p = sl_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *sl_sprintf(sl_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = sl_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
