#!/bin/sh
# tests/e2e/window_truncate.sh: TRUNCATE CONTINUOUS VIEW forgets the view's
# in-memory window state (a session window's sessions and the frontier of
# those it swept), so that later events meet it as a view just created
# over the stream: views truncated after a first set of events must equal,
# row for row, views created afresh at that moment (the oracle) once both
# received the same later events (session on update and on window close,
# tumble on window close), and the late events recorded for each after the
# TRUNCATE must be the same.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC

pg_start
sluiced_start --flush-interval 20
work=$PGTEST_DIR/trunc
mkdir -p "$work"

views() {  # views SUFFIX
    slq -c "CREATE CONTINUOUS VIEW su$1 AS SELECT k, session(ts, '5 seconds') AS s,
                window_end(session(ts, '5 seconds')) AS e, count(*) AS n, sum(v) AS sv
                FROM ev GROUP BY k, s" \
        -c "CREATE CONTINUOUS VIEW sc$1 WITH (emit = 'on_window_close') AS
                SELECT k, session(ts, '5 seconds') AS s, count(*) AS n, sum(v) AS sv
                FROM ev GROUP BY k, s" \
        -c "CREATE CONTINUOUS VIEW tc$1 WITH (emit = 'on_window_close') AS
                SELECT k, tumble(ts, '4 seconds') AS w, count(*) AS n FROM ev GROUP BY k, w"
}
slq -c "CREATE STREAM ev (k integer, v integer, ts timestamptz)
            WITH (event_time = 'ts', max_lateness = '10 seconds')"
views 1

# events KEY-COUNT FROM TO SEED: pseudo-random events, seconds FROM..TO
events() {
    awk -v nk="$1" -v from="$2" -v to="$3" -v seed="$4" 'BEGIN {
        srand(seed)
        for (i = 0; i < 60; i++) {
            sec = from + int(rand() * (to - from + 1))
            printf "{\"k\": %d, \"v\": %d, \"ts\": \"2026-01-01T00:%02d:%02dZ\"}\n",
                int(rand() * nk), i, int(sec / 60), sec % 60
        }
    }'
}
post() {
    code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary @- "http://$SLUICE_HTTP/v1/streams/ev")
    [ "$code" = 200 ] || fail "a request: $code $(cat "$work/resp")"
}
# 1. before: sessions of 4 keys over 0..40 s (the last ones open, the first
# swept out of memory), acknowledged (flushed) before the TRUNCATE
for r in 1 2 3 4; do events 4 $((r * 8)) $((r * 8 + 8)) $r | post; done
[ "$(pgq -c "SELECT count(*) FROM su1")" -gt 0 ] || fail "no session rows before the TRUNCATE"
slq -c "TRUNCATE CONTINUOUS VIEW su1" -c "TRUNCATE CONTINUOUS VIEW sc1" \
    -c "TRUNCATE CONTINUOUS VIEW tc1"
[ "$(pgq -c "SELECT count(*) FROM su1") $(pgq -c "SELECT count(*) FROM sluice_mrel.sc1")" = "0 0" ] &&
    pass "TRUNCATE emptied the views" || fail "rows left after TRUNCATE"
views 2
mark=$(pgq -c "SELECT now()")
# 2. after: events over 28..70 s, many of them next to sessions of before
# (they would join them if those were still remembered) or older than
# the sessions swept out of memory
for r in 5 6 7 8 9; do events 4 $((r * 8 - 12)) $((r * 8 + 4)) $r | post; done
# the last windows close
printf '{"k": 9, "v": 0, "ts": "2026-01-01T00:03:00Z"}\n' | post

same() {  # same VIEW1 VIEW2
    d=$(pgq -c "SELECT count(*) FROM ((SELECT * FROM $1 EXCEPT ALL SELECT * FROM $2)
                UNION ALL (SELECT * FROM $2 EXCEPT ALL SELECT * FROM $1)) x")
    n=$(pgq -c "SELECT count(*) FROM $2")
    [ "$d" = 0 ] && [ "$n" -gt 0 ] && pass "$1 truncated equals $2 created then ($n rows)" ||
        fail "$1 differs from $2 in $d rows ($n rows): $(pgq -c "TABLE $1 EXCEPT ALL TABLE $2" | head -3)"
}
same su1 su2
same sc1 sc2
same tc1 tc2
for v in su sc tc; do
    a=$(pgq -c "SELECT count(*) FROM sluice.late_events WHERE view_name = '${v}1' AND received_at > '$mark'")
    b=$(pgq -c "SELECT count(*) FROM sluice.late_events WHERE view_name = '${v}2'")
    [ "$a" = "$b" ] && pass "${v}1: $a late events after the TRUNCATE, as ${v}2" ||
        fail "${v}1: $a late events after the TRUNCATE, ${v}2: $b"
done
sluiced_stop
sl_done "window_truncate: ok"
