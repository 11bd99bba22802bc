/*
 * encoding.h: a client's character encoding (PostgreSQL's client_encoding)
 * and conversion between it and UTF-8, which is what Sluice holds
 * everywhere (parsed statements, the catalog, answers as built).
 *
 *   sl_enc_lookup     PostgreSQL's name or alias -> encoding id (-1: none)
 *   sl_enc_set        what a session converts with (closes old converters)
 *   sl_enc_to_utf8    client bytes -> UTF-8 (22021 invalid byte sequence,
 *                     22P05 no equivalent), as PostgreSQL converts a query
 *   sl_enc_from_utf8  UTF-8 -> client bytes (22P05), as PostgreSQL converts
 *                     an answer; lossy mode puts '?' for what has no
 *                     equivalent (error texts, as PostgreSQL's fallback)
 *
 * UTF8 and SQL_ASCII need no conversion (with a UTF-8 database, PostgreSQL
 * checks a SQL_ASCII client's input as UTF-8 and sends it bytes as they
 * are): to_utf8 only validates, from_utf8 copies.  The others go through
 * glibc's iconv, one converter per direction, opened at first use.  Every
 * encoding PostgreSQL accepts as a client_encoding is known by name; one
 * iconv cannot convert (MULE_INTERNAL) fails with 0A000 as PostgreSQL does
 * for a conversion it lacks.
 */
#ifndef SL_ENCODING_H
#define SL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/error.h"

#define SL_ENC_SQL_ASCII 0
#define SL_ENC_UTF8      1

/* The encoding a session converts with: its id and its two converters
 * (iconv_t, or (void *)-1 while not open). */
typedef struct sl_enc {
    int id;
    void *to_utf8, *from_utf8;
} sl_enc_t;

#define SL_ENC_INIT {SL_ENC_UTF8, (void *)-1, (void *)-1}

/* The id of PostgreSQL's encoding name (or alias: case, '-' and '_' do not
 * matter, "latin1", "iso-8859-1", "win1252", "windows-1252", "unicode",
 * "shift_jis"...); -1 for none.  Valid as a client encoding, that is:
 * not the server-only ones. */
int sl_enc_lookup(const char *name);
/* PostgreSQL's name of id ("LATIN1"), as ParameterStatus reports it;
 * "UNKNOWN" for -1. */
const char *sl_enc_name(int id);

/* Switches e to id, closing converters of another id; -1 stands for an
 * encoding sluiced does not know (conversions then fail with 0A000). */
void sl_enc_set(sl_enc_t *e, int id);
/* Closes e's converters (e stays usable: they reopen at next use). */
void sl_enc_close(sl_enc_t *e);
/* Whether e needs no conversion (UTF8, SQL_ASCII). */
bool sl_enc_is_utf8(const sl_enc_t *e);

/*
 * Converts s (n bytes) from e's encoding to UTF-8, NUL-terminated in a;
 * *out_len (may be NULL) gets its length.  For UTF8 and SQL_ASCII checks
 * it and returns s itself when valid.  Errors as PostgreSQL's: 22021
 * "invalid byte sequence for encoding ...", 22P05 "character with byte
 * sequence ... has no equivalent in encoding "UTF8"", 0A000 when no
 * converter exists.  Character counts are kept: a character of the input
 * is one of the output (positions in errors carry over).
 */
int sl_enc_to_utf8(sl_enc_t *e, const char *s, size_t n, sl_arena_t *a, const char **out,
                   size_t *out_len, sl_error_t *err);
/*
 * Converts UTF-8 s (n bytes) to e's encoding, NUL-terminated in a (s
 * itself for UTF8 and SQL_ASCII).  A character with no equivalent: 22P05,
 * or with lossy '?' in its place (then it never fails).
 */
int sl_enc_from_utf8(sl_enc_t *e, const char *s, size_t n, bool lossy, sl_arena_t *a,
                     const char **out, size_t *out_len, sl_error_t *err);

#endif
