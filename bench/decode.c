/*
 * bench/decode.c (`make bench-decode`): the NDJSON decoder alone on 64 KiB
 * bodies of sluice-bench's events, {"k":..,"v":..} and the same with
 * "ts":"2026-01-01Thh:mm:ssZ" into a timestamptz column: what decoding
 * and converting costs per event, without HTTP, the loop or PostgreSQL.
 *
 *   bench/decode [ts|plain] [REPS] [BODIES]
 *
 * prints the best of REPS (5) runs of BODIES (200) bodies in ns per event;
 * under valgrind --tool=callgrind the instruction count of two runs with 0
 * and N bodies gives instructions per event, a figure that a shared
 * machine's load does not move (bench/decode.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "ingest/ndjson.h"

static sl_column_t cols[] = {
    {"k", SL_T_INT8, -1}, {"v", SL_T_INT8, -1}, {"ts", SL_T_TIMESTAMPTZ, -1}};

int main(int argc, char **argv)
{
    int with_ts = argc > 1 && strcmp(argv[1], "ts") == 0;
    int reps = argc > 2 ? atoi(argv[2]) : 5, bodies = argc > 3 ? atoi(argv[3]) : 200;
    sl_stream_t st = {.name = "s", .ncols = with_ts ? 3 : 2, .cols = cols};
    char *body = malloc(65536 + 128);
    size_t len = 0;
    long ev = 0;
    while (len < 65536 - 80) {
        if (with_ts)
            len += (size_t)sprintf(body + len,
                                   "{\"k\":%ld,\"v\":%ld,\"ts\":\"2026-01-01T%02ld:%02ld:%02ldZ\"}\n",
                                   ev % 1000, ev * 7919 % 1000000, ev / 3600 % 24, ev / 60 % 60,
                                   ev % 60);
        else
            len += (size_t)sprintf(body + len, "{\"k\":%ld,\"v\":%ld}\n", ev % 1000,
                                   ev * 7919 % 1000000);
        ev++;
    }
    sl_arena_t *a = sl_arena_new(NULL, "bench");
    double best = 0;
    for (int rep = 0; rep < reps; rep++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < bodies; i++) {
            sl_batch_t *b = NULL;
            sl_ingest_error_t ie;
            if (sl_ndjson_decode(&st, body, len, a, &b, &ie) != SL_OK) {
                fprintf(stderr, "decode: the body was refused\n");
                return 1;
            }
            sl_arena_reset(a);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
                    ((double)bodies * (double)ev);
        if (rep == 0 || ns < best)
            best = ns;
    }
    if (bodies > 0)
        printf("RESULT decode %s ns_per_event=%.1f events_per_body=%ld\n", with_ts ? "ts" : "plain",
               best, ev);
    sl_arena_free(a);
    free(body);
    return 0;
}
