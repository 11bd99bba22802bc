#!/bin/sh
# bench/instr.sh (`make bench-instr`): sluiced's instructions per event
# (valgrind's callgrind) for the view pairs of issues 8 and 9, a figure the
# machine's other load does not move, where events/s on a shared machine
# does.  sluiced runs under callgrind against a throwaway PostgreSQL; for
# each view, on a fresh stream, the counters are zeroed, sluice-bench posts
# INSTR_EVENTS (1,000,000) events in 64 KiB bodies over INSTR_CONNECTIONS
# (128) connections, and the counters are dumped once every request is
# answered (after the flush that commits it): the instructions of the
# whole server (HTTP, decode, the view, its flushes) / the events.
#   plain_j   SELECT k, count(*), sum(v) FROM sj GROUP BY k, --payload events
#   jsonb     the run.sh step 7 view: count(DISTINCT payload->>'u'), a CASE
#             on payload->>'kind', over the same events
#   plain_w   the same plain view over a stream WITH (event_time = 'ts',
#             max_lateness = '1 minute'), in-order events --ts-step-us
#             INSTR_TS_STEP_US (100, as windows.sh)
#   tumble    windows.sh's tumble(ts, '1 minute') view over such a stream
# Flushes happen every INSTR_FLUSH_INTERVAL ms (10000: under callgrind
# sluiced is some 50 times slower, and a 100 ms flush would weigh 50 times
# more per event than in `make bench`, where a flush covers a few hundred
# thousand events; here at most the events of the requests in flight);
# the number of flushes is printed.  Under callgrind requests wait long:
# sluiced runs with --request-timeout 0 and --pg-timeout 600000.
# Prints per view instructions/event and per pair the ratio (plain /
# other: the events/s ratio at equal instructions per second); lines
# `RESULT instr view=... events=... instructions_per_event=... flushes=...`
# and `RESULT instr pair=jsonb|tumble ratio=...`.  INSTR_ONLY=jsonb or
# windows runs one pair; INSTR_SLUICED=PATH measures another build's
# sluiced (say an older commit's, for before / after figures).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

events=${INSTR_EVENTS:-1000000}
conns=${INSTR_CONNECTIONS:-128}
step=${INSTR_TS_STEP_US:-100}
only=${INSTR_ONLY:-}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bench="$top_builddir/clients/sluice-bench"
[ -x "$bench" ] || sl_fail "$bench is not built"
command -v callgrind_control >/dev/null 2>&1 || sl_skip "valgrind (callgrind) is not installed"

pg_start
out="$PGTEST_DIR/callgrind.out"
SLUICED_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$out --dump-instr=no --compress-strings=no"
if [ -n "${INSTR_SLUICED:-}" ]; then
    # sluiced_start runs $top_builddir/sluiced: a folder holding only that one
    alt="$PGTEST_DIR/alt"
    mkdir "$alt"
    ln -s "$(cd "$(dirname "$INSTR_SLUICED")" && pwd)/$(basename "$INSTR_SLUICED")" "$alt/sluiced"
    top_builddir=$alt sluiced_start --flush-interval "${INSTR_FLUSH_INTERVAL:-10000}" \
        --request-timeout 0 --pg-timeout 600000
else
    sluiced_start --flush-interval "${INSTR_FLUSH_INTERVAL:-10000}" \
        --request-timeout 0 --pg-timeout 600000
fi
sq() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@"; }
flushes() {
    curl -s "http://$SLUICE_HTTP/metrics" | awk '$1 == "sluice_flush_duration_seconds_count" { print $2 }'
}

ndump=0
# measure LABEL STREAM [sluice-bench OPTIONS]: sets $ipe
measure() {
    f0=$(flushes)
    callgrind_control -z "$SLUICED_PID" >/dev/null 2>&1
    res=$("$bench" -q -p "$SLUICE_HTTP_PORT" --stream "$2" -c "$conns" -b 65536 -n "$events" \
        --keys 1000 ${3:-}) || { echo "$res"; sl_fail "$1: the load generator reported errors"; }
    n=$(echo "$res" | sed -n 's/.* events=\([0-9]*\).*/\1/p')
    ndump=$((ndump + 1))
    callgrind_control --dump="$1" "$SLUICED_PID" >/dev/null 2>&1
    f1=$(flushes)
    # the dump of this run: the newest file named $out.*
    dump=$(ls -t "$out".* | head -n1)
    ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$dump" | head -n1)
    ipe=$(awk -v a="$ir" -v n="$n" 'BEGIN { printf "%.0f", a / n }')
    echo "RESULT instr view=$1 events=$n instructions_per_event=$ipe flushes=$((f1 - f0))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

if [ "$only" != windows ]; then
    sq -c "CREATE STREAM sjp (k bigint, v bigint, payload jsonb)" \
       -c "CREATE STREAM sjj (k bigint, v bigint, payload jsonb)" \
       -c "CREATE CONTINUOUS VIEW instr_p AS SELECT k, count(*), sum(v) FROM sjp GROUP BY k" \
       -c "CREATE CONTINUOUS VIEW instr_j AS SELECT k, count(*), sum(v),
             count(DISTINCT payload->>'u') AS users,
             sum(CASE WHEN payload->>'kind' = 'buy' THEN v ELSE 0 END) AS bought
           FROM sjj GROUP BY k"
    measure plain_j sjp --payload; p=$ipe
    measure jsonb sjj --payload; j=$ipe
    echo "RESULT instr pair=jsonb ratio=$(ratio "$p" "$j")"
fi
if [ "$only" != jsonb ]; then
    opts="WITH (event_time = 'ts', max_lateness = '1 minute')"
    sq -c "CREATE STREAM sw1 (k bigint, v bigint, ts timestamptz) $opts" \
       -c "CREATE STREAM sw2 (k bigint, v bigint, ts timestamptz) $opts" \
       -c "CREATE CONTINUOUS VIEW instr_w AS SELECT k, count(*), sum(v) FROM sw1 GROUP BY k" \
       -c "CREATE CONTINUOUS VIEW instr_t AS SELECT k, tumble(ts, '1 minute') AS w, count(*),
             sum(v) FROM sw2 GROUP BY k, w"
    measure plain_w sw1 "--ts-step-us $step"; p=$ipe
    measure tumble sw2 "--ts-step-us $step"; t=$ipe
    echo "RESULT instr pair=tumble ratio=$(ratio "$p" "$t")"
fi
sluiced_stop 120
pg_stop
