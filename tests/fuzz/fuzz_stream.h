/*
 * fuzz_stream.h: the stream the body targets decode into (every column
 * type, a varchar(4)), and the check of a decoded batch: each value goes
 * through its type's output function, which reads every byte of a text
 * datum (ASan then sees a datum pointing outside the body or the arena).
 */
#ifndef SL_FUZZ_STREAM_H
#define SL_FUZZ_STREAM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/batch.h"
#include "ingest/ndjson.h"
#include "util/buf.h"

static sl_column_t fuzz_cols[] = {
    {"k", SL_T_INT8, -1},         {"v", SL_T_INT4, -1},      {"s", SL_T_INT2, -1},
    {"name", SL_T_TEXT, -1},      {"code", SL_T_TEXT, 4},    {"ok", SL_T_BOOL, -1},
    {"ts", SL_T_TIMESTAMPTZ, -1}, {"lt", SL_T_TIMESTAMP, -1}, {"f", SL_T_FLOAT8, -1},
    {"r", SL_T_FLOAT4, -1},       {"j", SL_T_JSONB, -1},
};
static sl_stream_t fuzz_stream = {.name = "s", .ncols = 11, .cols = fuzz_cols};

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz: %s\n", what);
    abort();
}

static size_t fuzz_count(const char *p, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == c;
    return k;
}

/* What a decoder's answer must satisfy for a body of len bytes. */
static void fuzz_check(int rc, const sl_batch_t *b, const sl_ingest_error_t *ie,
                       const char *body, size_t len, size_t max_rows)
{
    size_t lines = fuzz_count(body, len, '\n') + 1;
    if (rc != SL_OK) {
        if (strlen(ie->sqlstate) != 5 || ie->message[0] == '\0')
            fuzz_fail("error without SQLSTATE or message");
        if (ie->line < 1 || (size_t)ie->line > lines)
            fuzz_fail("error on a line the body does not have");
        if (memchr(ie->column, 0, sizeof(ie->column)) == NULL ||
            memchr(ie->message, 0, sizeof(ie->message)) == NULL)
            fuzz_fail("unterminated error field");
        return;
    }
    if (b->nrows < 0 || (size_t)b->nrows > max_rows || b->ncols != fuzz_stream.ncols)
        fuzz_fail("more rows than the body can hold");
    sl_buf_t out = SL_BUF_INIT;
    for (int c = 0; c < b->ncols; c++) {
        for (int r = 0; r < b->nrows; r++) {
            const sl_datum_t *d = &b->cols[c][r];
            if (d->null)
                continue;
            sl_buf_reset(&out);
            sl_type_output(fuzz_cols[c].type, d, &out);
            if (fuzz_cols[c].type == SL_T_TEXT && fuzz_cols[c].typmod > 0 &&
                d->v.s.n > 4 * (uint32_t)fuzz_cols[c].typmod)
                fuzz_fail("varchar(4) value longer than 4 characters");
        }
    }
    sl_buf_free(&out);
}

/* The body as httpd hands it over: exactly len bytes and a NUL. */
static char *fuzz_body(const uint8_t *data, size_t size)
{
    char *body = malloc(size + 1);
    memcpy(body, data, size);
    body[size] = '\0';
    return body;
}

#endif
