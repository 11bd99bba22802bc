/*
 * access.h: HTTP tokens and what their roles may do, as the backing
 * PostgreSQL says.
 *
 * A token (CREATE TOKEN FOR ROLE r) is "slt_" and 64 hex digits; only its
 * SHA-256 is stored (sluice.tokens).  sluiced keeps a snapshot of every
 * token's role and, per stream and view, that role's privileges
 * (has_table_privilege on the stream's relation, sql/catalog.sql), read on
 * a connection of its own: at start, every SL_ACCESS_REFRESH_MS, and at
 * once after a Sluice statement of this sluiced changed tokens or
 * privileges (sl_access_changed).  A lookup is answered from the snapshot
 * when it is fresh and knows the token; otherwise it waits for the next
 * refresh, so a token made or revoked through this sluiced counts from the
 * moment its statement committed, and one made through another sluiced
 * works at its first use.  Changes made directly in PostgreSQL (GRANT on
 * sluice_stream.s) are seen within SL_ACCESS_REFRESH_MS.
 */
#ifndef SL_ACCESS_H
#define SL_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "server/server.h"

#define SL_ACCESS_REFRESH_MS 1000
#define SL_TOKEN_PREFIX "slt_"
#define SL_TOKEN_LEN (4 + 64)          /* prefix + hex of 32 random bytes */

typedef struct sl_access sl_access_t;
typedef struct sl_grantee sl_grantee_t;   /* one token's role and privileges */

/* Starts the snapshot's connection on srv's loop. */
sl_access_t *sl_access_start(sl_server_t *srv);
void sl_access_free(sl_access_t *acc);

/* Tokens or privileges changed: the snapshot is stale until re-read. */
void sl_access_changed(sl_access_t *acc);

/*
 * Calls cb(arg, g) with the token's grantee, or g NULL if the token is
 * unknown (or the snapshot cannot be read within pg_timeout: then *why
 * says so).  At once when the snapshot is fresh, else after the next
 * refresh; sl_access_cancel(acc, arg) withdraws a waiting lookup.  g is
 * valid until the callback returns.
 */
typedef void (*sl_access_cb)(void *arg, const sl_grantee_t *g, const char *why);
void sl_access_lookup(sl_access_t *acc, const char *token, size_t len, sl_access_cb cb,
                      void *arg);
void sl_access_cancel(sl_access_t *acc, void *arg);

/* What the grantee's role may do (SL_PRIV_INSERT / SL_PRIV_SELECT bits of
 * sql.h): on a stream (SELECT also stands for ownership: who may see it),
 * on a view's relation (SELECT). */
int sl_access_stream(const sl_grantee_t *g, const char *stream);
bool sl_access_view(const sl_grantee_t *g, const char *view);
const char *sl_access_role(const sl_grantee_t *g);

/* A new token into out (SL_TOKEN_LEN + 1 bytes), and the hex SHA-256 of a
 * token into hex (65 bytes). */
void sl_token_new(char *out);
void sl_token_hash(const char *token, size_t len, char *hex);

#endif
