#!/bin/sh
# bench/windows.sh (`make bench`, alone `make bench-windows`): the cost of a
# tumbling window (issue 9).
#   1. a throwaway PostgreSQL; sluiced pinned to core 0 (--flush-interval
#      100); sluice-bench pinned to core 1 posts 64 KiB NDJSON bodies of
#      {"k":..,"v":..,"ts":"2026-01-01T..."} with in-order event times
#      (--ts-step-us 100: an hour of event time at 3.6 M events/s);
#   2. stream s1 (k, v, ts) WITH (event_time = 'ts', max_lateness =
#      '1 minute') and the plain view SELECT k, count(*), sum(v) FROM s1
#      GROUP BY k (1000 groups): BENCH_SECONDS (10);
#   3. a fresh stream s2, same options, and the view SELECT k,
#      tumble(ts, '1 minute') AS w, count(*), sum(v) FROM s2 GROUP BY k, w
#      (1000 keys a minute): the same load;
#   4. checks: each view's counts plus its late events = the events
#      acknowledged; prints events/s of both, the ratio (target 0.8),
#      sluiced's CPU time per event of both and their ratio, the
#      tumble view's windows and late events, and sluiced's resident memory
#      (VmRSS) sampled each second of the tumble run: flat when closed
#      windows leave memory.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-512}
step=${BENCH_TS_STEP_US:-100}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bench="$top_builddir/clients/sluice-bench"
[ -x "$bench" ] || sl_fail "$bench is not built"
cores=$(nproc)
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    SLUICED_WRAPPER="taskset -c 0"
    client="taskset -c 1"
else
    echo "note: $cores core(s) or no taskset: sluiced and the load generator are not pinned"
    SLUICED_WRAPPER=
    client=
fi

pg_start
sluiced_start --flush-interval 100
sq() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@"; }
pq() { psql -X -q -At -d "$PGTEST_CONNINFO" "$@"; }
opts="WITH (event_time = 'ts', max_lateness = '1 minute')"
sq -c "CREATE STREAM s1 (k bigint, v bigint, ts timestamptz) $opts" \
   -c "CREATE STREAM s2 (k bigint, v bigint, ts timestamptz) $opts" \
   -c "CREATE CONTINUOUS VIEW plain_v AS SELECT k, count(*), sum(v) FROM s1 GROUP BY k" \
   -c "CREATE CONTINUOUS VIEW tumble_v AS SELECT k, tumble(ts, '1 minute') AS w, count(*),
           sum(v) FROM s2 GROUP BY k, w"
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$SLUICED_PID/status"; }
# sluiced's CPU time (user + system) in clock ticks: per event, a measure the
# machine's other load moves much less than events/s
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SLUICED_PID/stat"; }
tck=$(getconf CLK_TCK)

# run LABEL STREAM: the load; sets $eps and $acked
run() {
    t0=$(cpu_ticks)
    echo "== $1: $conns connections, 64 KiB bodies, 1000 keys, ts every $step us, $secs s"
    out=$($client "$bench" -p "$SLUICE_HTTP_PORT" --stream "$2" -c "$conns" -b 65536 \
        -d "$secs" --keys 1000 --ts-step-us "$step") ||
        { echo "$out"; sl_fail "$1: the load generator reported errors"; }
    echo "$out" | sed -n 's/^  /   /p'
    result=$(echo "$out" | grep '^RESULT ')
    eps=$(echo "$result" | sed -n 's/.* events_per_s=\([0-9.]*\).*/\1/p')
    acked=$(echo "$result" | sed -n 's/.* events=\([0-9]*\).*/\1/p')
    cpu_ns=$(awk -v a="$t0" -v b="$(cpu_ticks)" -v t="$tck" -v n="$acked" \
        'BEGIN { if (n > 0) printf "%.0f", (b - a) / t * 1e9 / n; else print 0 }')
    echo "   sluiced CPU per event: $cpu_ns ns"
}
check() {
    total=$(pq -c "SELECT coalesce(sum(count), 0) FROM $1")
    late=$(pq -c "SELECT late FROM sluice.view_stats WHERE view_name = '$1'")
    [ $((total + late)) = "$2" ] ||
        sl_fail "$1 counts $total events and $late late, $2 were acknowledged"
    echo "== check: $1 counts $total events + $late late = $2 acknowledged: ok"
}

run "plain view" s1
plain_eps=$eps; plain_cpu=$cpu_ns; check plain_v "$acked"
rss0=$(rss_kb)
( while kill -0 "$SLUICED_PID" 2>/dev/null; do rss_kb; sleep 1; done ) >"$PGTEST_DIR/rss" &
sampler=$!
run "tumble(ts, '1 minute') view" s2
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
tumble_eps=$eps; tumble_cpu=$cpu_ns; check tumble_v "$acked"
windows=$(pq -c "SELECT count(DISTINCT w) FROM tumble_v")
late=$(pq -c "SELECT late FROM sluice.view_stats WHERE view_name = 'tumble_v'")
rss=$(tr '\n' ' ' <"$PGTEST_DIR/rss")
sluiced_stop
pg_stop

ratio=$(awk -v a="$tumble_eps" -v b="$plain_eps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
cpu_ratio=$(awk -v a="$tumble_cpu" -v b="$plain_cpu" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')
echo
echo "== summary (issue 9: tumble within 0.8 of the plain view)"
printf '  events/s, plain view (ts in events)   %12.0f\n' "$plain_eps"
printf '  events/s, tumble(ts, 1 minute) view   %12.0f\n' "$tumble_eps"
printf '  ratio tumble / plain                  %12s   (0.8)\n' "$ratio"
printf '  CPU per event, plain / tumble (ns)    %5s / %s   (ratio %s: events/s at equal CPU)\n' \
    "$plain_cpu" "$tumble_cpu" "$cpu_ratio"
printf '  minutes of event time, late events    %12s   %s\n' "$windows" "$late"
printf '  sluiced VmRSS (kB) before, each second %s, %s\n' "$rss0" "$rss"
echo "RESULT windows plain_eps=$plain_eps tumble_eps=$tumble_eps ratio=$ratio plain_cpu_ns=$plain_cpu tumble_cpu_ns=$tumble_cpu cpu_ratio=$cpu_ratio windows=$windows late=$late"
