/*
 * arena.h: a tree of memory arenas (PostgreSQL memory contexts, nginx pools).
 *
 * server -> connection -> view -> batch -> scratch.  Allocation is bump-pointer
 * within blocks; memory is released by resetting or freeing a whole arena,
 * which also releases its children and runs its cleanup callbacks (for
 * PGresult, evbuffer, fd ...).  sl_alloc aborts on out-of-memory, so callers
 * never test for NULL; sizes chosen by clients go through sl_alloc_bounded.
 * Arenas are passed explicitly: there is no "current" arena.
 */
#ifndef SL_ARENA_H
#define SL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sl_arena sl_arena_t;

/* New arena, child of parent (NULL = root).  Freed with its parent. */
sl_arena_t *sl_arena_new(sl_arena_t *parent, const char *name);
/* Frees every child of a, runs its cleanups and frees its blocks but one
 * (the largest up to 256 KiB, kept empty for reuse); a stays usable. */
void sl_arena_reset(sl_arena_t *a);
/* Resets a and frees it; a is dead after the call. */
void sl_arena_free(sl_arena_t *a);
/* Runs fn(arg) when a is reset or freed (last registered runs first). */
void sl_arena_on_free(sl_arena_t *a, void (*fn)(void *), void *arg);
/* Bytes allocated from the system by a and its children. */
size_t sl_arena_size(const sl_arena_t *a);

/* 16-byte aligned memory from a; aborts on out-of-memory. */
void *sl_alloc(sl_arena_t *a, size_t n);
void *sl_alloc0(sl_arena_t *a, size_t n);
/* As sl_alloc, but returns NULL when n exceeds limit or memory is short. */
void *sl_alloc_bounded(sl_arena_t *a, size_t n, size_t limit);
/* Grows p (allocated from a with old_n bytes) to new_n bytes: copies. */
void *sl_realloc(sl_arena_t *a, void *p, size_t old_n, size_t new_n);

char *sl_strdup(sl_arena_t *a, const char *s);
char *sl_strndup(sl_arena_t *a, const char *s, size_t n);
char *sl_sprintf(sl_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *sl_vsprintf(sl_arena_t *a, const char *fmt, va_list ap);

/* malloc/realloc that abort on out-of-memory (for long-lived growable data). */
void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t n, size_t m);
void *sl_xrealloc(void *p, size_t n);
char *sl_xstrdup(const char *s);

#endif
