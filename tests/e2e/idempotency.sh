#!/bin/sh
# tests/e2e/idempotency.sh: Idempotency-Key on ingest, against a real
# sluiced and PostgreSQL:
#   - a retry with the same key is acknowledged ("duplicate": true) and not
#     applied again, also when both copies arrive at once, and after a
#     sluiced restart (keys are committed with the flush);
#   - the key is recorded in sluice.idempotency in the flush transaction;
#   - a key used for another stream: 422; a malformed key: 400;
#   - a request answered 503 (PostgreSQL down past --pg-timeout) left no key:
#     its retry, once PostgreSQL is back, is applied.
# Every check runs; prints each failure, exits 1 if any.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients


pg_start
sluiced_start --flush-interval 100 --pg-timeout 1000
work=$PGTEST_DIR/idem
mkdir -p "$work"
# post STREAM KEY N [TAG]: N events {"k": 1} with Idempotency-Key KEY ("" =
# none); sets CODE and RESP.
post() {
    st=$1 key=$2 cnt=$3 tag=${4:-x}
    awk -v n="$cnt" 'BEGIN { for (i = 0; i < n; i++) print "{\"k\": 1}" }' >"$work/body.$tag"
    if [ -n "$key" ]; then
        CODE=$(curl -s -m 60 -o "$work/resp.$tag" -w '%{http_code}' -H "Idempotency-Key: $key" \
            --data-binary @"$work/body.$tag" "http://$SLUICE_HTTP/v1/streams/$st") || CODE=000
    else
        CODE=$(curl -s -m 60 -o "$work/resp.$tag" -w '%{http_code}' \
            --data-binary @"$work/body.$tag" "http://$SLUICE_HTTP/v1/streams/$st") || CODE=000
    fi
    RESP=$(cat "$work/resp.$tag")
}
total() { pgq -c "SELECT n FROM total"; }

slq -c "CREATE STREAM ev (k integer)" -c "CREATE STREAM other (k integer)" \
    -c "CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n FROM ev" ||
    sl_fail "setting up through sluiced failed"

post ev key-1 3
[ "$CODE:$RESP" = '200:{"accepted": 3}' ] && pass "first request with key-1: $RESP" ||
    fail "first request with key-1: HTTP $CODE $RESP"
post ev key-1 3
[ "$CODE:$RESP" = '200:{"accepted": 3, "duplicate": true}' ] && pass "retry of key-1: $RESP" ||
    fail "retry of key-1: HTTP $CODE $RESP, expected 200 with \"duplicate\": true"
[ "$(total)" = 3 ] && pass "key-1 applied once" || fail "total after key-1 twice: $(total), expected 3"
[ "$(pgq -c "SELECT stream || ' ' || accepted FROM sluice.idempotency WHERE key = 'key-1'")" = "ev 3" ] &&
    pass "key-1 is in sluice.idempotency" || fail "sluice.idempotency: $(pgq -c 'TABLE sluice.idempotency')"

# Both copies at once: one applies, the other waits for its flush.
post ev key-2 5 a &
pa=$!
post ev key-2 5 b &
pb=$!
wait $pa $pb || true
ra=$(cat "$work/resp.a") rb=$(cat "$work/resp.b")
case "$ra|$rb" in
    '{"accepted": 5}|{"accepted": 5, "duplicate": true}' | '{"accepted": 5, "duplicate": true}|{"accepted": 5}')
        pass "concurrent copies of key-2: $ra / $rb" ;;
    *) fail "concurrent copies of key-2: '$ra' and '$rb'" ;;
esac
[ "$(total)" = 8 ] && pass "key-2 applied once" || fail "total after key-2: $(total), expected 8"

post other key-1 1
[ "$CODE" = 422 ] && pass "key-1 on another stream: 422 $RESP" || fail "key-1 on stream other: HTTP $CODE $RESP, expected 422"
long=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "x" }')
post ev "$long" 1
[ "$CODE" = 400 ] && pass "300-character key: 400" || fail "300-character key: HTTP $CODE $RESP, expected 400"
post ev "" 2
[ "$CODE" = 200 ] && [ "$(total)" = 10 ] && pass "requests without a key still apply" ||
    fail "request without key: HTTP $CODE, total $(total), expected 10"

# A restart: keys come back from sluice.idempotency.
sluiced_stop
sluiced_start --flush-interval 100 --pg-timeout 1000
post ev key-1 3
[ "$CODE:$RESP" = '200:{"accepted": 3, "duplicate": true}' ] && pass "key-1 after a restart: $RESP" ||
    fail "key-1 after a restart: HTTP $CODE $RESP"
[ "$(total)" = 10 ] && pass "nothing applied twice across the restart" || fail "total after restart: $(total), expected 10"

# PostgreSQL down: the request is answered 503 and its key forgotten.
pg_down
post ev key-3 4
[ "$CODE" = 503 ] && pass "key-3 while PostgreSQL is down: 503" || fail "key-3 while down: HTTP $CODE $RESP, expected 503"
pg_up
i=0
while :; do
    post ev key-3 4
    [ "$CODE" = 200 ] && break
    i=$((i + 1))
    [ $i -lt 60 ] || break
    sleep 0.5
done
[ "$CODE:$RESP" = '200:{"accepted": 4}' ] && pass "retry of key-3 once PostgreSQL is back: applied ($RESP)" ||
    fail "retry of key-3 after the outage: HTTP $CODE $RESP, expected 200 {\"accepted\": 4}"
[ "$(total)" = 14 ] && pass "key-3 applied once" || fail "total after key-3: $(total), expected 14"

sluiced_stop
sl_done "all idempotency checks passed"
