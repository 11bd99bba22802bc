#!/bin/sh
# tests/e2e/window_sw.sh: a sliding window on arrival time (sw) over an
# event-time window emitting on update: the view shows, per tumble / hop
# window, the aggregates of the events that arrived within the last sw
# (late events left out as always); events leave it once sw has passed
# since they arrived, and newer ones keep counting.  Checked against
# PostgreSQL over the events of each phase.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC
pg_start
sluiced_start --flush-interval 20
work=$PGTEST_DIR/sw
mkdir -p "$work"
slq -c "CREATE STREAM ev (k integer, v integer, ts timestamptz)
            WITH (event_time = 'ts', max_lateness = '5 seconds')" \
    -c "CREATE CONTINUOUS VIEW tu WITH (sw = '8 seconds', step_factor = 10) AS
            SELECT k, tumble(ts, '10 seconds') AS w, count(*) AS n, sum(v) AS sv, max(v) AS mx
            FROM ev GROUP BY k, w" \
    -c "CREATE CONTINUOUS VIEW hp WITH (sw = '8 seconds', step_factor = 10) AS
            SELECT hop(ts, '5 seconds', '10 seconds') AS w,
                   window_end(hop(ts, '5 seconds', '10 seconds')) AS e, count(*) AS n
            FROM ev GROUP BY w" ||
    sl_fail "CREATE CONTINUOUS VIEW with sw over an event-time window failed"
pgq -c "CREATE TABLE o (phase int, k int, v int, ts timestamptz)"
# phase P: 40 events in order over seconds FROM.. (no late one)
phase() {
    awk -v p="$1" -v from="$2" 'BEGIN {
        for (i = 0; i < 40; i++) {
            sec = from + int(i / 2)
            printf "{\"k\": %d, \"v\": %d, \"ts\": \"2026-01-01T00:%02d:%02dZ\"}\n",
                i % 3, p * 100 + i, int(sec / 60), sec % 60 > "/dev/stdout"
            printf "%d\t%d\t%d\t2026-01-01 00:%02d:%02d+00\n", p, i % 3, p * 100 + i,
                int(sec / 60), sec % 60 > "/dev/stderr"
        }
    }' >"$work/body.$1" 2>"$work/o.$1"
    pgq -c "\\copy o FROM '$work/o.$1'"
    code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary @"$work/body.$1" \
        "http://$SLUICE_HTTP/v1/streams/ev")
    [ "$code" = 200 ] || fail "phase $1: $code $(cat "$work/resp")"
}
same() {  # same VIEW ORACLE-SELECT WHAT
    d=$(pgq -c "SELECT count(*) FROM ((TABLE $1 EXCEPT ALL ($2)) UNION ALL (($2) EXCEPT ALL TABLE $1)) x")
    [ "$d" = 0 ] && pass "$1: $3 ($(pgq -c "SELECT count(*) FROM $1") rows)" ||
        fail "$1 differs in $d rows: $3; view: $(pgq -c "TABLE $1" | tr '\n' ' ')"
}
tu_of() { echo "SELECT k, to_timestamp(floor(extract(epoch FROM ts) / 10) * 10) AS w, count(*)::bigint,
                       sum(v)::bigint, max(v) FROM o WHERE $1 GROUP BY 1, 2"; }
hp_of() { echo "SELECT s AS w, s + interval '10 seconds', count(*)::bigint FROM o,
                LATERAL (SELECT to_timestamp(floor(extract(epoch FROM ts) / 5) * 5) - j * interval '5 seconds' AS s
                         FROM generate_series(0, 1) j) x WHERE $1 GROUP BY s"; }
t0=$(date +%s.%N)
phase 1 0
same tu "$(tu_of "phase = 1")" "the events that just arrived"
same hp "$(hp_of "phase = 1")" "the events that just arrived"
# wait until they left the window (sw after arrival, by PostgreSQL's now())
i=0
while [ "$(pgq -c "SELECT count(*) FROM tu")" != 0 ]; do
    i=$((i + 1)); [ $i -lt 300 ] || { fail "phase 1 never left the window"; break; }; sleep 0.1
done
# it leaves between sw - step (7.2 s) and sw after it arrived
gone=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
awk -v g="$gone" 'BEGIN { exit !(g >= 7.0) }' && pass "phase 1 left the view after sw ($gone s)" ||
    fail "phase 1 left the view $gone s after it was sent (sw is 8 s, step 0.8 s)"
[ "$(pgq -c "SELECT count(*) FROM hp")" = 0 ] || fail "hp still shows phase 1"
# phase 2: later event times, some of the same windows as phase 1's last;
# then a late event (watermark: 00:00:34 - 5 s): left out, and recorded
phase 2 15
code=$(curl -s -o "$work/resp" -w '%{http_code}' \
    --data-binary '{"k": 0, "v": 999, "ts": "2026-01-01T00:00:05Z"}' "http://$SLUICE_HTTP/v1/streams/ev")
same tu "$(tu_of "phase = 2")" "only the events of the last sw, the late one left out"
same hp "$(hp_of "phase = 2")" "only the events of the last sw, the late one left out"
grep -q '"late": 1' "$work/resp" && pass "an event late for its window is late" ||
    fail "the late event: $code $(cat "$work/resp")"
sluiced_stop
sl_done "window_sw: ok"
