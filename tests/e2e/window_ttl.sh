#!/bin/sh
# tests/e2e/window_ttl.sh: ttl with emit = 'on_window_close': the closed
# windows the view shows (sluice_closed."v") whose ttl_column is older than
# now() - ttl are deleted in the background; closed windows within the ttl
# stay, open ones wait in the state table; an event for a deleted window is
# late (it does not bring the window back).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC

pg_start
sluiced_start --flush-interval 20
slq -c "CREATE STREAM ev (k integer, ts timestamptz)
            WITH (event_time = 'ts', max_lateness = '1 minute')" \
    -c "CREATE CONTINUOUS VIEW c WITH (emit = 'on_window_close', ttl = '1 hour',
            ttl_column = 'w') AS SELECT k, tumble(ts, '1 minute') AS w, count(*) AS n
            FROM ev GROUP BY k, w" ||
    sl_fail "CREATE CONTINUOUS VIEW with ttl and emit = 'on_window_close' failed"
# event times relative to now (PostgreSQL's clock): 3 h and 2 h ago (closed,
# past the ttl), 10 minutes ago (closed, within it), now (open)
ts() { pgq -c "SELECT to_char((now() - interval '$1') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"; }
t3h=$(ts '3 hours') t2h=$(ts '2 hours') t10m=$(ts '10 minutes') t0=$(ts '0 s')
post() {
    code=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary @- "http://$SLUICE_HTTP/v1/streams/ev")
    [ "$code" = 200 ] || fail "a request: $code $(cat "$PGTEST_DIR/resp")"
}
printf '{"k": 1, "ts": "%s"}\n{"k": 1, "ts": "%s"}\n{"k": 2, "ts": "%s"}\n{"k": 1, "ts": "%s"}\n' \
    "$t3h" "$t2h" "$t2h" "$t10m" | post
printf '{"k": 1, "ts": "%s"}\n' "$t0" | post
# the expiry runs every second: wait for the old windows to leave the view
i=0
while [ "$(pgq -c "SELECT count(*) FROM c WHERE w < now() - interval '1 hour'")" != 0 ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || { fail "the closed windows past the ttl are still there after 30 s"; break; }
    sleep 0.1
done
[ $i -lt 300 ] && pass "closed windows older than the ttl were deleted from the view"
[ "$(pgq -c "SELECT k, n FROM c")" = "1|1" ] && pass "the closed window within the ttl stays" ||
    fail "the view holds: $(pgq -c "SELECT k, w, n FROM c")"
[ "$(pgq -c "SELECT count(*) FROM sluice_mrel.c")" = 1 ] && pass "the open window waits in the state table" ||
    fail "the state table holds $(pgq -c "SELECT count(*) FROM sluice_mrel.c") rows"
printf '{"k": 2, "ts": "%s"}\n' "$t2h" | post
grep -q '"late": 1' "$PGTEST_DIR/resp" && pass "an event for a deleted window is late" ||
    fail "an event for a deleted window: $(cat "$PGTEST_DIR/resp")"
[ "$(pgq -c "SELECT count(*) FROM c WHERE w < now() - interval '1 hour'") $(pgq -c "SELECT count(*) FROM sluice_mrel.c")" = "0 1" ] &&
    pass "it did not bring its window back" || fail "the late event came back"
sluiced_stop
sl_done "window_ttl: ok"
