#!/bin/sh
# tests/e2e/fence.sh: a restarted sluiced decides no Idempotency-Key before
# its predecessor's backends have ended (sink.h, "Fencing").  Here the
# instance's advisory lock is held by a session sluiced may not terminate
# (a superuser's, sluiced running as a plain role, the view the
# superuser's, fed through the grant the DDL gives sluiced): requests with a key are
# answered 503 ("starting"), requests that wait for a flush are answered
# 503 after pg_timeout, /healthz says why; once the session lets go,
# sluiced loads the keys and everything is applied exactly once.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
pgq -c "CREATE ROLE sl LOGIN; GRANT CREATE ON DATABASE postgres TO sl; GRANT CREATE ON SCHEMA public TO sl" >/dev/null
admin=$PGTEST_CONNINFO
PGTEST_CONNINFO="host=127.0.0.1 port=$PGTEST_PORT user=sl dbname=postgres"
sluiced_start --instance-name fenced-one --pg-timeout 1500
slq -c "CREATE STREAM ev (k int); CREATE CONTINUOUS VIEW n AS SELECT count(*) AS n FROM ev" >/dev/null
post() {  # post KEY BODY: $code, answer in $PGTEST_DIR/answer
    code=$(printf '%s\n' "$2" | curl -s -m 20 -o "$PGTEST_DIR/answer" -w '%{http_code}' \
        ${1:+-H "Idempotency-Key: $1"} --data-binary @- "http://$SLUICE_HTTP/v1/streams/ev") || code=000
}
post k1 '{"k": 1}'
[ "$code" = 200 ] && pass "a keyed request is applied" || fail "first request: $code $(cat "$PGTEST_DIR/answer")"
sluiced_stop

# A superuser session takes the instance's lock; sluiced (role sl) cannot end it.
psql -X -q -d "$admin" -c "SELECT pg_advisory_lock(1397574979, hashtext('fenced-one')), pg_sleep(6)" >/dev/null &
holder=$!
trap 'rc=$?; trap - EXIT; set +e; kill "$holder" 2>/dev/null; sl__cleanup; exit $rc' EXIT
t=0
until [ "$(psql -X -At -d "$admin" -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1397574979")" = 1 ]; do
    t=$((t + 1)); [ $t -lt 100 ] || sl_fail "the lock was never taken"; sleep 0.05
done
sluiced_start --instance-name fenced-one --pg-timeout 1500
post k1 '{"k": 1}'
if [ "$code" = 503 ] && grep -q "starting" "$PGTEST_DIR/answer"; then
    pass "a keyed retry is not decided before the predecessor is fenced: 503 $(cat "$PGTEST_DIR/answer")"
else
    fail "keyed retry while fencing: $code $(cat "$PGTEST_DIR/answer")"
fi
post "" '{"k": 2}'
[ "$code" = 503 ] && pass "a request waiting for a flush that cannot happen gets 503 after pg_timeout" ||
    fail "unkeyed request while fencing: $code $(cat "$PGTEST_DIR/answer")"
health=$(curl -s "http://$SLUICE_HTTP/healthz")
case $health in
*"previous sluiced"*) pass "/healthz says why: $health" ;;
*) fail "/healthz while fencing: $health" ;;
esac
grep -q "still holds its lock" "$SLUICED_LOG" && pass "the fencing is logged" || fail "no fencing in the log"
wait "$holder" || true
t=0
until grep -q "has ended: fenced" "$SLUICED_LOG"; do
    t=$((t + 1)); [ $t -lt 100 ] || { fail "sluiced never got its lock"; break; }; sleep 0.1
done
sleep 1.6   # refusing new requests for pg_timeout after the 503s
post k1 '{"k": 1}'
case $code$(cat "$PGTEST_DIR/answer") in
200*duplicate*) pass "after fencing, the retry is known as applied" ;;
*) fail "retry after fencing: $code $(cat "$PGTEST_DIR/answer")" ;;
esac
post k3 '{"k": 3}'
[ "$code" = 200 ] && pass "new requests are applied again" || fail "new request: $code $(cat "$PGTEST_DIR/answer")"
[ "$(psql -X -At -d "$admin" -c "SELECT n FROM n")" = 2 ] && pass "the view holds k1 and k3 once each" ||
    fail "the view holds $(psql -X -At -d "$admin" -c "SELECT n FROM n")"
sluiced_stop
sl_done "fence: done"
