#!/bin/sh
# bench/run.sh (`make bench`): the DESIGN.md section 7 benchmark (the
# pgwire relay's, pgbench through sluiced beside PgBouncer, is
# bench/relay.sh, which `make bench` runs next).
#   0. streams without views, 64 KiB bodies: events with an RFC 3339 "ts"
#      (timestamptz, sluice-bench --ts-step-us) beside the same events without it (issue 9; a line
#      RESULT ts ...; BENCH_ONLY=ts stops there; BENCH_CLIENT=PATH runs
#      another sluice-bench, e.g. this one against an older sluiced build);
#   1. a throwaway PostgreSQL; sluiced pinned to core 0 (--flush-interval 100);
#      stream s (k bigint, v bigint) and the view
#      SELECT k, count(*), sum(v) FROM s GROUP BY k (1000 groups);
#   2. sluice-bench pinned to core 1: BENCH_SECONDS (10) with 64 KiB bodies,
#      then with 1 KiB bodies;
#   3. the view's count total in PostgreSQL must equal the events acknowledged;
#   4. the view dropped (stream only: HTTP + decode, the discard baseline),
#      the 64 KiB load again;
#   5. memory per group: sluiced's peak RSS (VmHWM) grows from the 1000-key
#      runs to a 64 KiB run over 1,000,000 keys; the growth / 999,000 groups;
#   6. a continuous transform SELECT k, v, k + v AS kv FROM s (a row per
#      event appended), the 64 KiB load; its table must hold a row per
#      event acknowledged;
#   7. the second view shape of issue 8 over a stream with a jsonb payload:
#      count(DISTINCT payload->>'u'), sum(CASE WHEN payload->>'kind' = ...),
#      the 64 KiB load with --payload events (its count total is checked),
#      beside the plain view over the same events;
#   8. prints events/s for both, the ratio, the transform's events/s, the
#      jsonb view's events/s and its ratio to the plain view,
#      1 KiB requests/s, bytes/group.
# A request is answered after the flush that commits it (100 ms), so the
# load needs many connections in flight: BENCH_CONNECTIONS (512) for 64 KiB
# bodies, BENCH_SMALL_CONNECTIONS (8000) for 1 KiB bodies; BENCH_SECONDS (10).  Exit 1 if a run had
# errors or the view's total is wrong; the numbers are reported, not judged.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-512}
small_conns=${BENCH_SMALL_CONNECTIONS:-8000}
# sluiced (started below) and sluice-bench need a file descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bench="${BENCH_CLIENT:-$top_builddir/clients/sluice-bench}"
[ -x "$bench" ] || sl_fail "$bench is not built"
command -v psql >/dev/null 2>&1 || sl_fail "psql is not installed"

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
through_sluiced() {
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@"
}
through_sluiced -c "CREATE STREAM s (k bigint, v bigint)" \
    -c "CREATE CONTINUOUS VIEW bench_v AS SELECT k, count(*), sum(v) FROM s GROUP BY k"

# run LABEL BODY-BYTES CONNECTIONS [KEYS [STREAM [OPTIONS]]]: runs the load,
# prints its summary, sets $result.
run() {
    echo "== $1: $3 connections, $2-byte bodies, ${4:-1000} keys, $secs s"
    out=$($client "$bench" -p "$SLUICE_HTTP_PORT" --stream "${5:-s}" -c "$3" -b "$2" -d "$secs" \
        --keys "${4:-1000}" ${6:-}) ||
        { echo "$out"; sl_fail "$1: the load generator reported errors"; }
    echo "$out" | sed -n 's/^  /   /p'
    result=$(echo "$out" | grep '^RESULT ')
}
field() { echo "$result" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
peak_kb() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$SLUICED_PID/status"; }

# Events with an RFC 3339 "ts" (timestamptz) beside the same events
# without it, no view (HTTP + decode): what converting timestamps costs.
# BENCH_ONLY=ts runs just these two.
through_sluiced -c "CREATE STREAM st (k bigint, v bigint, ts timestamptz)" \
    -c "CREATE STREAM s0 (k bigint, v bigint)"
run "no view, no ts, 64 KiB" 65536 "$conns" 1000 s0
nots_eps=$(field events_per_s)
run "no view, with ts, 64 KiB" 65536 "$conns" 1000 st "--ts-step-us 1000000"
ts_eps=$(field events_per_s)
ts_ratio=$(awk -v a="$ts_eps" -v b="$nots_eps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
echo "RESULT ts events_per_s=$ts_eps no_ts_events_per_s=$nots_eps ratio=$ts_ratio"
if [ "${BENCH_ONLY:-}" = ts ]; then
    sluiced_stop
    pg_stop
    exit 0
fi

run "view, 64 KiB" 65536 "$conns"
view_eps=$(field events_per_s); acked=$(field events)
# Flush latency of that run (1000 groups a flush), from sluiced's /metrics.
metric() {
    curl -s "http://$SLUICE_HTTP/metrics" | awk -v m="$1" '$1 == m { printf "%.1f", $2 * 1000 }'
}
flush_p50=$(metric 'sluice_flush_duration_seconds{quantile="0.5"}')
flush_p99=$(metric 'sluice_flush_duration_seconds{quantile="0.99"}')
run "view, 1 KiB" 1024 "$small_conns"
view_rps=$(field requests_per_s); acked=$((acked + $(field events)))
hwm_small=$(peak_kb)
run "view, 64 KiB, many groups" 65536 "$conns" 1000000
acked=$((acked + $(field events)))
hwm_big=$(peak_kb)
per_group=$(awk -v a="$hwm_small" -v b="$hwm_big" 'BEGIN { printf "%.0f", (b - a) * 1024 / 999000 }')

total=$(psql -X -At -d "$PGTEST_CONNINFO" -c "SELECT coalesce(sum(count), 0) FROM bench_v")
groups=$(psql -X -At -d "$PGTEST_CONNINFO" -c "SELECT count(*) FROM bench_v")
if [ "$total" != "$acked" ]; then
    sl_fail "view bench_v counts $total events, $acked were acknowledged"
fi
echo "== check: bench_v holds $total events in $groups groups = $acked acknowledged: ok"

through_sluiced -c "DROP CONTINUOUS VIEW bench_v"
run "no view (HTTP + decode only), 64 KiB" 65536 "$conns"
base_eps=$(field events_per_s)

# A continuous transform: every event becomes a row of its table.
through_sluiced -c "CREATE CONTINUOUS VIEW bench_x AS SELECT k, v, k + v AS kv FROM s"
run "transform, 64 KiB" 65536 "$conns"
xform_eps=$(field events_per_s); xacked=$(field events)
xrows=$(psql -X -At -d "$PGTEST_CONNINFO" -c "SELECT count(*) FROM bench_x")
[ "$xrows" = "$xacked" ] || sl_fail "transform bench_x holds $xrows rows, $xacked events were acknowledged"
echo "== check: bench_x holds $xrows rows = $xacked acknowledged: ok"

# The second view shape (issue 8): count(DISTINCT), a CASE and a jsonb ->>
# key, over events that carry a jsonb payload; beside it the plain view over
# the same events (their decoding, the jsonb payload's included, is the
# same for both: the ratio is what the view's shape costs).
through_sluiced -c "CREATE STREAM sj (k bigint, v bigint, payload jsonb)" \
    -c "CREATE CONTINUOUS VIEW bench_p AS SELECT k, count(*), sum(v) FROM sj GROUP BY k"
run "plain view over jsonb-payload events, 64 KiB" 65536 "$conns" 1000 sj --payload
plainj_eps=$(field events_per_s)
through_sluiced -c "DROP CONTINUOUS VIEW bench_p" \
    -c "CREATE CONTINUOUS VIEW bench_j AS SELECT k, count(*), sum(v),
          count(DISTINCT payload->>'u') AS users,
          sum(CASE WHEN payload->>'kind' = 'buy' THEN v ELSE 0 END) AS bought
        FROM sj GROUP BY k"
run "jsonb view, 64 KiB" 65536 "$conns" 1000 sj --payload
json_eps=$(field events_per_s); jacked=$(field events)
jtotal=$(psql -X -At -d "$PGTEST_CONNINFO" -c "SELECT coalesce(sum(count), 0) FROM bench_j")
[ "$jtotal" = "$jacked" ] || sl_fail "bench_j counts $jtotal events, $jacked were acknowledged"
jusers=$(psql -X -At -d "$PGTEST_CONNINFO" -c "SELECT max(users) FROM bench_j")
[ "$jusers" -le 50 ] || sl_fail "bench_j counts $jusers distinct users in a group (at most 50)"
echo "== check: bench_j holds $jtotal events = $jacked acknowledged, at most $jusers users a group: ok"
sluiced_stop
pg_stop

ratio=$(awk -v a="$view_eps" -v b="$base_eps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
jratio=$(awk -v a="$json_eps" -v b="$plainj_eps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
echo
echo "== summary (DESIGN.md section 7: floor / aim)"
printf '  events/s, view, 64 KiB bodies      %12.0f   (5 M / 9 M)\n' "$view_eps"
printf '  events/s, no view, 64 KiB bodies   %12.0f\n' "$base_eps"
printf '  ratio view / no view               %12s   (0.7 / 0.9)\n' "$ratio"
printf '  events/s, transform, 64 KiB bodies %12.0f   (a row per event)\n' "$xform_eps"
printf '  events/s, plain view, jsonb events %12.0f   (same view, events with a payload)\n' "$plainj_eps"
printf '  events/s, jsonb view, jsonb events %12.0f   (count(DISTINCT), CASE, payload->>k)\n' "$json_eps"
printf '  ratio jsonb view / plain view      %12s   (issue 8: 0.7)\n' "$jratio"
printf '  events/s, no view, with "ts"        %12.0f   (%s of the same without ts)\n' "$ts_eps" "$ts_ratio"
printf '  requests/s, view, 1 KiB bodies     %12.0f   (50 k / 80 k)\n' "$view_rps"
printf '  flush of 1000 groups, p99 (ms)     %12s   (15 / 5; p50 %s ms)\n' "$flush_p99" "$flush_p50"
printf '  server memory per group (bytes)    %12s   (256 / 128; peak RSS %s -> %s kB)\n' \
    "$per_group" "$hwm_small" "$hwm_big"
