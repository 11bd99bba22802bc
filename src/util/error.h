/*
 * error.h: the one error struct of Sluice and the return codes.
 *
 * Functions return SL_OK (0) or a negative code and fill *err; the first
 * error wins (sl_error_set is a no-op once err->sqlstate is set).  Fields
 * follow PostgreSQL's ErrorResponse: SQLSTATE, severity, message, detail,
 * hint, a 1-based character position into the statement (0 = none) and a context line.
 */
#ifndef SL_ERROR_H
#define SL_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

#define SL_OK     0
#define SL_ERR   (-1)   /* failed; *err says why */
#define SL_AGAIN (-2)   /* resumable parser: needs more input */

typedef struct sl_error {
    char sqlstate[6];      /* "" while no error */
    const char *severity;  /* "ERROR" unless set otherwise */
    char message[512];
    char detail[512];
    char hint[256];
    int position;          /* 1-based character offset in the query, 0 = none */
    char context[256];     /* CONTEXT line ("COPY s, line 2, column a: ..."), or "" */
} sl_error_t;

/* Common SQLSTATEs (PostgreSQL's errcodes.txt). */
#define SL_ERRCODE_SYNTAX_ERROR           "42601"
#define SL_ERRCODE_UNDEFINED_COLUMN       "42703"
#define SL_ERRCODE_UNDEFINED_TABLE        "42P01"
#define SL_ERRCODE_UNDEFINED_FUNCTION     "42883"
#define SL_ERRCODE_DUPLICATE_TABLE        "42P07"
#define SL_ERRCODE_DUPLICATE_COLUMN       "42701"
#define SL_ERRCODE_GROUPING_ERROR         "42803"
#define SL_ERRCODE_DATATYPE_MISMATCH      "42804"
#define SL_ERRCODE_UNDEFINED_OBJECT       "42704"
#define SL_ERRCODE_INSUFFICIENT_PRIVILEGE "42501"
#define SL_ERRCODE_DEPENDENT_OBJECTS      "2BP01"
#define SL_ERRCODE_FEATURE_NOT_SUPPORTED  "0A000"
#define SL_ERRCODE_INVALID_TEXT_REP       "22P02"
#define SL_ERRCODE_NUMERIC_OUT_OF_RANGE   "22003"
#define SL_ERRCODE_DIVISION_BY_ZERO       "22012"
#define SL_ERRCODE_DATETIME_FORMAT        "22007"
#define SL_ERRCODE_DATETIME_OVERFLOW      "22008"
#define SL_ERRCODE_STRING_TOO_LONG        "22001"
#define SL_ERRCODE_PROTOCOL_VIOLATION     "08P01"
#define SL_ERRCODE_CONNECTION_FAILURE     "08006"
#define SL_ERRCODE_INTERNAL_ERROR         "XX000"
#define SL_ERRCODE_PROGRAM_LIMIT          "54000"
#define SL_ERRCODE_STATEMENT_TOO_COMPLEX  "54001"
#define SL_ERRCODE_TOO_MANY_COLUMNS       "54011"
#define SL_ERRCODE_TOO_MANY_ARGUMENTS     "54023"
#define SL_ERRCODE_WRONG_OBJECT_TYPE      "42809"
#define SL_ERRCODE_INVALID_PARAMETER      "22023"
#define SL_ERRCODE_ADMIN_SHUTDOWN         "57P01"

/* Sets the error unless one is already set; returns SL_ERR. */
int sl_error_set(sl_error_t *err, const char *sqlstate, int position,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int sl_error_vset(sl_error_t *err, const char *sqlstate, int position,
                  const char *fmt, va_list ap);
/* Adds a detail / hint line to an error already set. */
void sl_error_detail(sl_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sl_error_hint(sl_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sl_error_clear(sl_error_t *err);
static inline bool sl_error_isset(const sl_error_t *err) { return err->sqlstate[0] != 0; }

/* Always-on check for the impossible: prints and aborts. */
#define sl_panic(...) sl__panic(__FILE__, __LINE__, __VA_ARGS__)
void sl__panic(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#endif
