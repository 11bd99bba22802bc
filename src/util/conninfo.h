/*
 * conninfo.h: libpq connection strings in logs without their secrets.
 *
 * Both forms libpq accepts are read as libpq reads them: key=value pairs
 * (values bare or single-quoted, with \' and \\ escapes, spaces allowed
 * around =) and postgresql:// or postgres:// URIs (user:password@ before
 * the host, ?key=value&... parameters, percent-encoded).  The secrets are
 * the values of password and sslpassword and a URI's password.
 */
#ifndef SL_CONNINFO_H
#define SL_CONNINFO_H

#include "util/buf.h"

/* What a masked secret reads as. */
#define SL_CONNINFO_MASK "********"

/* Appends conninfo to out with every secret value (quotes included)
 * replaced by SL_CONNINFO_MASK, the rest as written, so the result still
 * connects once the password is given another way (PGPASSWORD, .pgpass).
 * A value left unterminated is masked to the end of the text. */
void sl_conninfo_mask(const char *conninfo, sl_buf_t *out);

/* Appends text (a message about conninfo, such as libpq's error for a
 * malformed one, which may quote a token of it) to out with every
 * occurrence of a secret of conninfo, as written there, replaced by
 * SL_CONNINFO_MASK. */
void sl_conninfo_scrub(const char *conninfo, const char *text, sl_buf_t *out);

#endif
