#!/bin/sh
# tests/e2e/window_memory.sh: max_memory counts a session view's in-memory
# index of open sessions, not only the unflushed groups: once a request
# opened sessions for many keys (flushed and acknowledged, so no group waits
# in memory), the index alone holds more than --max-memory and the next
# request is refused (503, nothing applied); once the watermark closed
# those sessions (a gap after their end) and the flush swept them out of
# memory, requests are taken again.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
sluiced_start --flush-interval 20 --max-memory 300kB
work=$PGTEST_DIR/mem
mkdir -p "$work"
slq -c "CREATE STREAM ev (k integer, ts timestamptz)
            WITH (event_time = 'ts', max_lateness = '1 second', idle_timeout = '1 second')" \
    -c "CREATE CONTINUOUS VIEW s AS SELECT k, session(ts, '5 seconds') AS w, count(*) AS n
            FROM ev GROUP BY k, w"
post() {  # post FILE: the status in $code
    code=$(curl -s -D "$work/hdr" -o "$work/resp" -w '%{http_code}' --data-binary @"$1" \
        "http://$SLUICE_HTTP/v1/streams/ev")
}
awk 'BEGIN { for (k = 0; k < 5000; k++) printf "{\"k\": %d, \"ts\": \"2026-01-01T00:00:00Z\"}\n", k }' \
    >"$work/many"
printf '{"k": 1, "ts": "2026-01-01T00:00:01Z"}\n' >"$work/one"
post "$work/many"
[ "$code" = 200 ] && pass "5000 sessions opened and flushed" || fail "the first request: $code $(cat "$work/resp")"
post "$work/one"
if [ "$code" = 503 ] && grep -q max_memory "$work/resp"; then
    pass "the open sessions alone count against max_memory: 503"
else
    fail "with 5000 open sessions in memory: $code $(cat "$work/resp")"
fi
[ "$(pgq -c "SELECT n FROM s WHERE k = 1")" = 1 ] && pass "nothing of the refused request was applied" ||
    fail "k = 1: $(pgq -c "SELECT n FROM s WHERE k = 1")"
# idle_timeout moves the watermark on: the sessions close and leave memory
i=0
while :; do
    post "$work/one"
    [ "$code" = 200 ] && break
    i=$((i + 1))
    [ $i -lt 300 ] || { fail "still refused after 30 s: $code $(cat "$work/resp")"; break; }
    sleep 0.1
done
[ "$code" = 200 ] && pass "once the sessions closed and left memory, requests are taken again"
sluiced_stop
sl_done "window_memory: ok"
