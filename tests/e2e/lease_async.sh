#!/bin/sh
# tests/e2e/lease_async.sh: taking a stream's ingest lease (src/sink/lease.h)
# never blocks the event loop.  With the lease connection's PostgreSQL
# backend stopped (SIGSTOP of the backend found by its application_name):
#   - a request (HTTP, and an INSERT over pgwire) for a stream whose lease
#     is not held yet waits, while /healthz, a stream without a lease and
#     a stream whose lease is held are answered at once;
#   - resumed (SIGCONT), the waiting requests are applied (200, INSERT);
#   - stopped for longer than pg_timeout, the waiting request is answered
#     503 (57P03) and nothing of it applied; then the lease connection is
#     opened again and the stream taken;
#   - a takeover waiting for a former holder's flush (its lock held by a
#     psql session for 2 s): the request waits, the others are answered.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC

pg_start
work=$PGTEST_DIR/lease_async
mkdir -p "$work"
sluiced_start --flush-interval 20 --pg-timeout 3000
BPID=
trap 'l_rc=$?; trap - EXIT; set +e; [ -n "$BPID" ] && kill -CONT "$BPID" 2>/dev/null; sl__cleanup; exit $l_rc' EXIT
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres <<'SQL' ||
CREATE STREAM s1 (k integer, ts timestamptz) WITH (event_time = 'ts', max_lateness = '1 second');
CREATE CONTINUOUS VIEW c1 WITH (emit = 'on_window_close') AS
  SELECT k, tumble(ts, '1 second') AS w, count(*) AS n FROM s1 GROUP BY k, w;
CREATE STREAM s2 (k integer, ts timestamptz) WITH (event_time = 'ts', max_lateness = '1 second');
CREATE CONTINUOUS VIEW c2 WITH (emit = 'on_window_close') AS
  SELECT k, tumble(ts, '1 second') AS w, count(*) AS n FROM s2 GROUP BY k, w;
CREATE CONTINUOUS VIEW raw2 AS SELECT k FROM s2;
CREATE STREAM s3 (k integer, ts timestamptz) WITH (event_time = 'ts', max_lateness = '1 second');
CREATE CONTINUOUS VIEW c3 WITH (emit = 'on_window_close') AS
  SELECT k, tumble(ts, '1 second') AS w, count(*) AS n FROM s3 GROUP BY k, w;
CREATE CONTINUOUS VIEW raw3 AS SELECT k FROM s3;
CREATE STREAM s4 (k integer, ts timestamptz) WITH (event_time = 'ts', max_lateness = '1 second');
CREATE CONTINUOUS VIEW c4 WITH (emit = 'on_window_close') AS
  SELECT k, tumble(ts, '1 second') AS w, count(*) AS n FROM s4 GROUP BY k, w;
CREATE STREAM plain (k integer);
CREATE CONTINUOUS VIEW pc AS SELECT count(*) AS n FROM plain;
SQL
    sl_fail "creating the streams and views failed"

# post STREAM K: the status (within M seconds, default 10)
post() {
    printf '{"k": %d, "ts": "2026-01-01T00:00:%02dZ"}\n' "$2" "$2" |
        curl -s -m "${M:-10}" -o "$work/resp.$1.$2" -w '%{http_code}' --data-binary @- \
            "http://$SLUICE_HTTP/v1/streams/$1" || true
}
# ms: milliseconds of the monotonic-ish clock
ms() { date +%s%3N; }

[ "$(post s1 1)" = 200 ] || sl_fail "the first request of s1 (takes its lease): $(cat "$work/resp.s1.1")"
BPID=$(pgq -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'sluiced lease'")
[ -n "$BPID" ] || sl_fail "no backend of the lease connection in pg_stat_activity"
pass "the lease connection's backend: $BPID"

# 1. the backend stopped: s2's lease waits, the rest is answered at once
kill -STOP "$BPID"
(post s2 2 >"$work/code.s2.2") &
HTTP_WAIT=$!
(timeout 30 psql -X -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "INSERT INTO s2 VALUES (3, '2026-01-01 00:00:03+00')" >"$work/insert.out" 2>&1;
 echo $? >"$work/insert.rc") &
PSQL_WAIT=$!
# until sluiced has both waiting: two connections on its ports, no answer
sleep 0.5
t0=$(ms)
h=$(M=2 curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$SLUICE_HTTP/healthz" || true)
p=$(M=2 post plain 1)
k=$(M=2 post s1 4)
i=$(timeout 5 psql -X -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "INSERT INTO plain VALUES (2)" 2>&1 || true)
t1=$(ms)
[ "$h $p $k" = "200 200 200" ] && [ "$i" = "INSERT 0 1" ] &&
    pass "while a lease is being taken: /healthz, a plain stream, a leased stream, an INSERT answered ($((t1 - t0)) ms)" ||
    fail "while a lease is being taken: healthz $h, plain $p, s1 $k, INSERT $i ($((t1 - t0)) ms)"
if kill -0 "$HTTP_WAIT" 2>/dev/null && kill -0 "$PSQL_WAIT" 2>/dev/null; then
    pass "the requests for s2 wait for the lease"
else
    fail "the requests for s2 did not wait: $(cat "$work/code.s2.2" 2>/dev/null) $(cat "$work/insert.out" 2>/dev/null)"
fi
kill -CONT "$BPID"
wait "$HTTP_WAIT" || true
wait "$PSQL_WAIT" || true
[ "$(cat "$work/code.s2.2")" = 200 ] && [ "$(cat "$work/insert.out")" = "INSERT 0 1" ] &&
    pass "resumed: the waiting HTTP request and INSERT are applied" ||
    fail "resumed: HTTP $(cat "$work/code.s2.2") $(cat "$work/resp.s2.2"), INSERT $(cat "$work/insert.out")"
[ "$(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM raw2")" = "2,3" ] &&
    pass "s2 holds both events once" || fail "raw2: $(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM raw2")"

# 2. stopped longer than pg_timeout (3 s): 503, nothing applied
kill -STOP "$BPID"
t0=$(ms)
c=$(M=30 post s3 5)
t1=$(ms)
h=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$SLUICE_HTTP/healthz" || true)
kill -CONT "$BPID"
BPID=
[ "$c" = 503 ] && grep -q '"sqlstate": "57P03"' "$work/resp.s3.5" && [ $((t1 - t0)) -ge 3000 ] &&
    [ $((t1 - t0)) -lt 15000 ] && [ "$h" = 200 ] &&
    pass "a lease connection stalled beyond pg_timeout: 503 57P03 after $((t1 - t0)) ms, the server answering" ||
    fail "stalled beyond pg_timeout: $c $(cat "$work/resp.s3.5") after $((t1 - t0)) ms; healthz $h"
# the connection was dropped: a new one takes s3 (and s1 again)
tries=0
while c=$(post s3 6) && [ "$c" != 200 ]; do
    tries=$((tries + 1))
    [ $tries -lt 100 ] || break
    sleep 0.1
done
[ "$c" = 200 ] && pass "then a new lease connection takes s3" || fail "s3 after the stall: $c $(cat "$work/resp.s3.6")"
tries=0
while c=$(post s1 7) && [ "$c" != 200 ]; do
    tries=$((tries + 1))
    [ $tries -lt 100 ] || break
    sleep 0.1
done
[ "$c" = 200 ] && pass "and s1 again" || fail "s1 after the stall: $c $(cat "$work/resp.s1.7")"
[ "$(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM raw3")" = "6" ] &&
    pass "nothing of the refused request applied" ||
    fail "raw3: $(pgq -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM raw3")"

# 3. a takeover waits for the former holder's flush: a session holds the
# flush lock (FLUSH_CLASS, hashtext('s4')) for 2 s
psql -X -q -At -d "$PGTEST_CONNINFO" \
    -c "SELECT pg_advisory_lock(1397574981, hashtext('s4'))" -c "SELECT pg_sleep(2)" \
    >/dev/null 2>&1 &
LOCKER=$!
i=0
until [ "$(pgq -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
                   AND classid = 1397574981 AND objid = hashtext('s4')::oid AND granted")" = 1 ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || sl_fail "the flush lock of s4 was never taken"
    sleep 0.05
done
t0=$(ms)
(post s4 8 >"$work/code.s4.8") &
HTTP_WAIT=$!
sleep 0.3
h=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$SLUICE_HTTP/healthz" || true)
p=$(M=1 post plain 3)
kill -0 "$HTTP_WAIT" 2>/dev/null && w=waiting || w=answered
[ "$h $p $w" = "200 200 waiting" ] &&
    pass "a takeover waiting for a flush: /healthz and a plain stream answered, s4's request waits" ||
    fail "a takeover waiting for a flush: healthz $h, plain $p, s4's request $w"
wait "$HTTP_WAIT" || true
t1=$(ms)
wait "$LOCKER" || true
[ "$(cat "$work/code.s4.8")" = 200 ] && [ $((t1 - t0)) -ge 1000 ] &&
    pass "the takeover went on once the flush ended ($((t1 - t0)) ms)" ||
    fail "s4 after the flush lock: $(cat "$work/code.s4.8") $(cat "$work/resp.s4.8") after $((t1 - t0)) ms"
sluiced_stop
sl_done "lease_async: ok"
