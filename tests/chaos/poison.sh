#!/bin/sh
# tests/chaos/poison.sh: a request that PostgreSQL refuses only when a flush
# combines it with what is stored (sum(double precision) overflowing past
# 1e308 across two flushes), sent while other clients load the same view:
# the flush fails, its requests are answered 503 (retry) and sluiced
# isolates them one per flush, so the offender alone gets 400 22003 and
# every other request is applied exactly once.  Then a key committed by
# another sluiced: the same Idempotency-Key sent to two servers is applied
# once.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/chaos/lib.sh"
: "${CHAOS_CLIENTS:=4}"

sl_need_clients
chaos_trap

chaos_setup
slq -c "CREATE CONTINUOUS VIEW fsum AS SELECT sum(f) AS s, count(f) AS n FROM ev" ||
    sl_fail "cannot create the view fsum"
post() {  # post BODY KEY PORT: the answer's code in $code, its body in $CHAOS_DIR/answer
    code=$(printf '%s\n' "$1" | curl -s -m 30 -o "$CHAOS_DIR/answer" -w '%{http_code}' \
        -H "Idempotency-Key: $2" --data-binary @- "http://127.0.0.1:$3/v1/streams/ev") || code=000
}
post '{"f": 1e308}' first "$CHAOS_HTTP_PORT_1"
[ "$code" = 200 ] || sl_fail "the first 1e308 was not accepted: $code $(cat "$CHAOS_DIR/answer")"

# Alone at ingest 1e308 is fine (the unflushed sum is 0); only the flush,
# adding it to the stored 1e308, overflows (22003).
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1"
sleep 1
post '{"f": 1e308, "tag": "poison"}' poison "$CHAOS_HTTP_PORT_1"
first=$code
tries=0
while [ "$code" = 503 ] && [ $tries -lt 150 ]; do
    tries=$((tries + 1))
    sleep 0.2
    post '{"f": 1e308, "tag": "poison"}' poison "$CHAOS_HTTP_PORT_1"
done
echo "poison request: first answer $first, final $code after $tries retries: $(cat "$CHAOS_DIR/answer")"
if [ "$code" = 400 ] && grep -q '"sqlstate": "22003"' "$CHAOS_DIR/answer" &&
    grep -q '"view": "fsum"' "$CHAOS_DIR/answer"; then
    pass "the request whose rows PostgreSQL refuses gets 400 22003 naming the view"
else
    fail "the poison request ended with $code: $(cat "$CHAOS_DIR/answer")"
fi
sleep 1
chaos_stop_clients
chaos_verify "a refused request among $CHAOS_CLIENTS clients"
s=$(pgq -c "SELECT s, n FROM fsum")
[ "$s" = "1e+308|1" ] && pass "fsum holds the first value only: $s" || fail "fsum holds $s"
[ "$(pgq -c "SELECT count(*) FROM tags WHERE tag = 'poison'")" = 0 ] &&
    pass "nothing of the refused request was applied" || fail "the refused request was applied"

# The same key sent to a second sluiced that did not see it: applied once.
chaos_start_server 2
post '{"tag": "twice"}' dup-key "$CHAOS_HTTP_PORT_1"
c1=$code
post '{"tag": "twice"}' dup-key "$CHAOS_HTTP_PORT_2"
c2=$code a2=$(cat "$CHAOS_DIR/answer")
tries=0
while [ "$code" = 503 ] && [ $tries -lt 50 ]; do
    tries=$((tries + 1)); sleep 0.2
    post '{"tag": "twice"}' dup-key "$CHAOS_HTTP_PORT_2"
done
n=$(pgq -c "SELECT n FROM tags WHERE tag = 'twice'")
if [ "$c1" = 200 ] && [ "$code" = 200 ] && [ "$n" = 1 ]; then
    pass "one Idempotency-Key through two sluiced: applied once (second server: $c2 then $code $(cat "$CHAOS_DIR/answer"))"
else
    fail "one key through two sluiced: $c1, $c2 ($a2), then $code; applied $n times"
fi
sl_done "poison: done"
