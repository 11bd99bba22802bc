#!/bin/sh
# tests/e2e/lease.sh: two sluiced on one PostgreSQL and a stream whose view
# emits on window close (src/sink/lease.h): one sluiced at a time ingests it.
#   - requests (a unique tag each, events out of order, some late) go
#     alternately to both: the holder of the stream's lease answers 200,
#     the other 409 with a JSON error naming the stream and Retry-After;
#     INSERT through the other is 55P03 with a HINT; a stream without such
#     a view is taken by both;
#   - every acknowledged request is applied exactly once (a transform of
#     the stream holds each event with its tag), a refused one not at all;
#   - a view emitting on close created later over a stream both ingest:
#     its creator takes the lease, the other (which learns of the view at
#     its next start) goes on feeding the stream's other views;
#   - kill -9 of the holder: the other takes the lease over once
#     PostgreSQL ended the holder's session (waited for by asking, each
#     refusal checked to be lossless) and its lateness continues from the
#     holder's watermark (read from sluice.watermarks): an event late for
#     the holder is late for it too, although its own watermark was behind;
#   - a restarted sluiced (same instance name) ends the lease connection
#     of its hung predecessor (SIGSTOP) and takes the lease;
#   - sluice_closed holds no window twice, and every accepted event is in
#     exactly one window row or in sluice.late_events.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC

pg_start
work=$PGTEST_DIR/lease
mkdir -p "$work"

sluiced_start --flush-interval 20
A_PID=$SLUICED_PID A_HTTP=$SLUICE_HTTP A_PGW=$SLUICE_PGWIRE_PORT
SLUICED_PID=
trap 'l_rc=$?; trap - EXIT; set +e; [ -n "$A_PID" ] && { kill -KILL "$A_PID" 2>/dev/null; wait "$A_PID" 2>/dev/null; }; sl__cleanup; exit $l_rc' EXIT
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$A_PGW" -U postgres -d postgres <<'SQL' ||
CREATE STREAM s (k integer, tag integer, ts timestamptz)
  WITH (event_time = 'ts', max_lateness = '2 seconds');
CREATE CONTINUOUS VIEW c WITH (emit = 'on_window_close') AS
  SELECT k, tumble(ts, '1 second') AS w, count(*) AS n, sum(tag) AS st FROM s GROUP BY k, w;
CREATE CONTINUOUS VIEW raw AS SELECT tag, ts FROM s;
CREATE STREAM plain (k integer);
CREATE CONTINUOUS VIEW pc AS SELECT count(*) AS n FROM plain;
CREATE STREAM s2 (k integer, ts timestamptz) WITH (event_time = 'ts', max_lateness = '2 seconds');
CREATE CONTINUOUS VIEW raw2 AS SELECT k, ts FROM s2;
SQL
    sl_fail "creating the streams and views failed"
sluiced_start --flush-interval 20
B_HTTP=$SLUICE_HTTP B_PGW=$SLUICE_PGWIRE_PORT

# body TAG SECOND: 4 events of k 1..2 around second SECOND (one 3 s back:
# late once the watermark passed it)
body() {
    f=$work/body.$1
    : >"$f"
    for j in 0 1 2 3; do
        sec=$(( $2 - (j == 3 ? 3 : j % 2) ))
        printf '{"k": %d, "tag": %d, "ts": "2026-01-01T00:%02d:%02dZ"}\n' \
            $((j % 2 + 1)) "$1" $((sec / 60)) $((sec % 60)) >>"$f"
    done
}
# post HTTP TAG: the status in $work/code.TAG, the answer in resp.TAG
post() {
    curl -s -m 60 -D "$work/head.$2" -o "$work/resp.$2" -w '%{http_code}' \
        --data-binary @"$work/body.$2" "http://$1/v1/streams/s" >"$work/code.$2" ||
        echo 000 >"$work/code.$2"
}

# 1. alternately to A and B: A takes the lease with the first request
tag=0
for i in $(seq 1 30); do
    tag=$((tag + 1))
    body $tag $((10 + i))
    if [ $((i % 2)) = 1 ]; then post "$A_HTTP" $tag; else post "$B_HTTP" $tag; fi
done
a_ok=0 b_409=0 other=0
for t in $(seq 1 30); do
    c=$(cat "$work/code.$t")
    if [ $((t % 2)) = 1 ] && [ "$c" = 200 ]; then a_ok=$((a_ok + 1))
    elif [ $((t % 2)) = 0 ] && [ "$c" = 409 ]; then b_409=$((b_409 + 1))
    else other="$other $t:$c"; fi
done
[ "$a_ok" = 15 ] && [ "$b_409" = 15 ] && pass "the holder took all 15 of its requests, the other refused its 15 (409)" ||
    fail "A 200: $a_ok, B 409: $b_409, else:$other ($(cat "$work/resp.2"))"
if grep -q '"stream": "s"' "$work/resp.2" && grep -q 'is being ingested by another sluiced' "$work/resp.2" &&
    grep -q '"sqlstate": "55P03"' "$work/resp.2" && grep -qi '^Retry-After: 1' "$work/head.2"; then
    pass "the refusal names the stream, says another sluiced ingests it, with Retry-After"
else
    fail "the refusal: $(cat "$work/resp.2") / $(tr -d '\r' <"$work/head.2" | tr '\n' ' ')"
fi
curl -s "http://$B_HTTP/metrics" | grep -q '^sluice_requests_rejected_total{code="409"} 15$' &&
    pass "/metrics counts the 409s" || fail "/metrics: $(curl -s "http://$B_HTTP/metrics" | grep rejected)"
out=$(psql -X -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$B_PGW" -U postgres -d postgres \
    -c "INSERT INTO s VALUES (1, 999, '2026-01-01 00:00:40+00')" 2>&1 || true)
case $out in
*"55P03"*"stream \"s\" is being ingested by another sluiced"*HINT:*) pass "INSERT through the other: 55P03 with a HINT" ;;
*) fail "INSERT through the other: $out" ;;
esac
for h in "$A_HTTP" "$B_HTTP"; do
    c=$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{"k": 1}' "http://$h/v1/streams/plain")
    [ "$c" = 200 ] || fail "a stream without such a view, through $h: $c"
done
[ "$(pgq -c "SELECT n FROM pc")" = 2 ] && pass "a stream without a view emitting on close: both take it" ||
    fail "plain through both: pc.n = $(pgq -c "SELECT n FROM pc")"

# 1b. a view emitting on window close created (through A) over a stream
# both ingest: A takes the lease at its next request of the stream; B,
# which learns of the view at its next start only, goes on feeding the
# stream's other views, never the new one
post2() {  # post2 HTTP K SECOND: the status
    printf '{"k": %d, "ts": "2026-01-01T00:01:%02dZ"}\n' "$2" "$3" |
        curl -s -o /dev/null -w '%{http_code}' --data-binary @- "http://$1/v1/streams/s2"
}
c1=$(post2 "$A_HTTP" 1 0) c2=$(post2 "$B_HTTP" 2 1)
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$A_PGW" -U postgres -d postgres \
    -c "CREATE CONTINUOUS VIEW c2 WITH (emit = 'on_window_close') AS
            SELECT k, tumble(ts, '1 second') AS w, count(*) AS n FROM s2 GROUP BY k, w" ||
    fail "creating c2 failed"
c3=$(post2 "$A_HTTP" 3 2) c4=$(post2 "$B_HTTP" 4 3) c5=$(post2 "$A_HTTP" 5 20)
[ "$c1 $c2 $c3 $c4 $c5" = "200 200 200 200 200" ] &&
    pass "a view emitting on close created later: its creator takes the lease, the other goes on" ||
    fail "s2 through A, B, (c2 created) A, B, A: $c1 $c2 $c3 $c4 $c5"
[ "$(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM raw2")" = "1,2,3,4,5" ] &&
    [ "$(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM c2")" = "3" ] &&
    pass "the new view holds only what its creator took after it was created" ||
    fail "raw2: $(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM raw2"), c2 closed: $(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM c2")"

# 2. kill -9 of the holder; B takes over once A's session is gone
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null || true
A_PID=
# an event late under A's watermark (the largest event time 00:00:39, so
# 37): 00:00:20 is in a window A closed; B's own watermark (from its
# start) is far behind
tries=0
while :; do
    tag=$((tag + 1))
    printf '{"k": 1, "tag": %d, "ts": "2026-01-01T00:00:20Z"}\n{"k": 2, "tag": %d, "ts": "2026-01-01T00:00:45Z"}\n' \
        $tag $tag >"$work/body.$tag"
    post "$B_HTTP" $tag
    c=$(cat "$work/code.$tag")
    [ "$c" = 200 ] && break
    [ "$c" = 409 ] || { fail "B while A's session ends: $c $(cat "$work/resp.$tag")"; break; }
    tries=$((tries + 1))
    [ $tries -lt 600 ] || { fail "B never took the lease over"; break; }
    sleep 0.05
done
takeover=$tag
[ "$(cat "$work/code.$takeover")" = 200 ] && pass "B took the lease over after kill -9 of A ($tries refusals meanwhile)"
grep -q '"late": 1' "$work/resp.$takeover" &&
    pass "B judges lateness from A's stored watermark: the event A would refuse is late" ||
    fail "the takeover's answer: $(cat "$work/resp.$takeover") (expected one late event)"
# more requests to B, then a new sluiced (A') is refused: B holds the lease
for i in $(seq 1 10); do
    tag=$((tag + 1))
    body $tag $((45 + i))
    post "$B_HTTP" $tag
    [ "$(cat "$work/code.$tag")" = 200 ] || fail "request $tag to the new holder: $(cat "$work/code.$tag")"
done
sluiced_stop
sluiced_start --flush-interval 20 --instance-name lease-c
C_PID=$SLUICED_PID
tag=$((tag + 1))
body $tag 70
post "$SLUICE_HTTP" $tag
[ "$(cat "$work/code.$tag")" = 200 ] &&
    pass "after B stopped (SIGTERM), a new sluiced takes the lease" ||
    fail "a new sluiced after B stopped: $(cat "$work/code.$tag") $(cat "$work/resp.$tag")"
# 3. the holder hangs (SIGSTOP: PostgreSQL keeps its connections); its
# successor under the same instance name ends its lease connection, as
# the sink fences its flush connection, and takes the lease at once
kill -STOP "$C_PID"
SLUICED_PID=
A_PID=$C_PID   # killed by the EXIT trap if the test stops early
sluiced_start --flush-interval 20 --instance-name lease-c
tag=$((tag + 1))
body $tag 75
post "$SLUICE_HTTP" $tag
[ "$(cat "$work/code.$tag")" = 200 ] &&
    pass "a restarted sluiced fences its hung predecessor's lease connection and ingests" ||
    fail "the successor of a hung holder: $(cat "$work/code.$tag") $(cat "$work/resp.$tag")"
kill -KILL "$C_PID"
wait "$C_PID" 2>/dev/null || true
A_PID=
# the last windows close
tag=$((tag + 1))
body $tag 90
post "$SLUICE_HTTP" $tag
sluiced_stop

# 3. exactly once: each acknowledged request's events, and nothing of the others
: >"$work/expect.tsv"
for t in $(seq 1 $tag); do
    [ -f "$work/code.$t" ] || continue
    if [ "$(cat "$work/code.$t")" = 200 ]; then
        n=$(wc -l <"$work/body.$t")
    else
        n=0
    fi
    printf '%d\t%d\n' "$t" "$n" >>"$work/expect.tsv"
done
pgq -c "CREATE TABLE expect (tag int, n int)" -c "\\copy expect FROM '$work/expect.tsv'"
d=$(pgq -c "SELECT e.tag, e.n, count(r.tag) FROM expect e LEFT JOIN raw r USING (tag)
            GROUP BY e.tag, e.n HAVING count(r.tag) <> e.n
            UNION ALL SELECT tag, 0, count(*) FROM raw WHERE tag NOT IN (SELECT tag FROM expect)
            GROUP BY tag")
acked=$(pgq -c "SELECT count(*) FROM expect WHERE n > 0")
[ -z "$d" ] && pass "each of the $acked acknowledged requests applied exactly once, the refused ones not at all" ||
    fail "applied counts differ (tag, expected, got): $(echo "$d" | head -5)"
dup=$(pgq -c "SELECT k, w, count(*) FROM c GROUP BY k, w HAVING count(*) > 1")
nclosed=$(pgq -c "SELECT count(*) FROM c")
[ -z "$dup" ] && [ "$nclosed" -gt 20 ] && pass "sluice_closed holds each of its $nclosed windows once" ||
    fail "sluice_closed ($nclosed rows) has windows twice: $dup"
got=$(pgq -c "SELECT (SELECT coalesce(sum(n), 0) FROM c) +
                     (SELECT coalesce(sum(_a1), 0) FROM sluice_mrel.c) +
                     (SELECT count(*) FROM sluice.late_events WHERE view_name = 'c')")
want=$(pgq -c "SELECT sum(n) FROM expect")
[ "$got" = "$want" ] && pass "every accepted event is in one window or late ($want)" ||
    fail "windows + late events: $got, accepted events: $want"
sl_done "lease: ok"
