#!/bin/sh
# tests/e2e/outage.sh: the backing PostgreSQL goes away while sluiced runs.
#   - POSTs while PostgreSQL is down get no 200; after --pg-timeout (1000 ms)
#     they get 503 with Retry-After; later POSTs get 503 at once;
#   - PostgreSQL restarted on the same port: sluiced reconnects by itself and
#     new POSTs succeed;
#   - nothing acknowledged is lost and nothing refused is applied: the views'
#     counts equal the sum of the acknowledged "accepted" values;
#   - SIGTERM with events pending (a long flush interval, ?ack=received)
#     flushes them before exit 0.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients

nfail=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
pass() { echo "ok: $*"; }

pg_start
sluiced_start --flush-interval 100 --pg-timeout 1000
work=$PGTEST_DIR/outage
mkdir -p "$work"

pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO" "$@"; }
slq() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

acked=0
# post TAG N [QUERY]: POSTs N events {"k": i % 3}; sets CODE, RESP, HDRS and
# TIME (seconds); adds an acknowledged "accepted" to $acked.
post() {
    tag=$1 cnt=$2 query=${3:-}
    awk -v n="$cnt" 'BEGIN { for (i = 0; i < n; i++) printf "{\"k\": %d}\n", i % 3 }' >"$work/body.$tag"
    out=$(curl -s -m 60 -D "$work/hdrs.$tag" -o "$work/resp.$tag" -w '%{http_code} %{time_total}' \
        -H 'Content-Type: application/x-ndjson' --data-binary @"$work/body.$tag" \
        "http://$SLUICE_HTTP/v1/streams/ev$query") || out="000 0"
    CODE=${out% *} TIME=${out#* }
    RESP=$(cat "$work/resp.$tag")
    HDRS=$(cat "$work/hdrs.$tag")
    if [ "$CODE" = 200 ]; then
        a=$(echo "$RESP" | sed -n 's/^{ *"accepted" *: *\([0-9][0-9]*\) *}$/\1/p')
        acked=$((acked + ${a:-0}))
    fi
}
counts() { pgq -c "SELECT (SELECT n FROM total) || ' ' || (SELECT sum(n) FROM per_k)"; }

slq <<'EOF' || sl_fail "setting up the stream and views through sluiced failed"
CREATE STREAM ev (k integer);
CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n FROM ev;
CREATE CONTINUOUS VIEW per_k AS SELECT k, count(*) AS n FROM ev GROUP BY k;
EOF

for i in 1 2 3; do
    post "pre$i" 10
    [ "$CODE" = 200 ] || fail "POST before the outage: HTTP $CODE $RESP"
done
[ "$(counts)" = "$acked $acked" ] && pass "$acked events before the outage" || fail "before the outage: $(counts), expected $acked"

# ---- PostgreSQL down ---------------------------------------------------------
t0=$(now)
pg_down
post down1 5
t1=$(now)
since=$(elapsed "$t0" "$t1")
case $CODE in
    503)
        if echo "$HDRS" | grep -qi '^Retry-After: *[0-9]'; then
            pass "503 with Retry-After ${since}s after PostgreSQL stopped (request took ${TIME}s)"
        else
            fail "503 without Retry-After: $HDRS"
        fi
        ok=$(awk -v s="$since" 'BEGIN { print (s >= 0.95 && s <= 15) ? 1 : 0 }')
        [ "$ok" = 1 ] || fail "the 503 came ${since}s after PostgreSQL stopped, expected after --pg-timeout (1 s)"
        ;;
    *) fail "POST while PostgreSQL is down: HTTP $CODE $RESP, expected 503 after about 1 s" ;;
esac
post down2 7
[ "$CODE" = 503 ] && pass "next POST while down: 503 in ${TIME}s" || fail "next POST while down: HTTP $CODE $RESP, expected 503"
ok=$(awk -v s="$TIME" 'BEGIN { print (s < 1.0) ? 1 : 0 }')
[ "$ok" = 1 ] || fail "the POST after the timeout waited ${TIME}s for its 503, expected an immediate answer"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SLUICE_HTTP/healthz") || true
[ "$code" = 503 ] && pass "/healthz during the outage: 503" || fail "/healthz during the outage: HTTP $code, expected 503"

# ---- PostgreSQL back ---------------------------------------------------------
pg_up
t0=$(now)
up=0
while :; do
    post "up" 4
    if [ "$CODE" = 200 ]; then up=1; break; fi
    [ "$(elapsed "$t0" "$(now)" | cut -d. -f1)" -lt 30 ] || break
    sleep 0.2
done
if [ $up = 1 ]; then
    pass "sluiced reconnected: 200 $(elapsed "$t0" "$(now)")s after PostgreSQL came back"
    for i in 1 2 3 4 5; do
        post "after$i" $((i * 3))
        [ "$CODE" = 200 ] || fail "POST $i after the reconnect: HTTP $CODE $RESP"
    done
else
    fail "no 200 within 30 s after PostgreSQL came back (last: HTTP $CODE $RESP)"
fi
[ "$(counts)" = "$acked $acked" ] && pass "views hold exactly the $acked acknowledged events" ||
    fail "after the outage the views count '$(counts)', the acknowledged events total $acked"

# ---- SIGTERM flushes pending events -------------------------------------------
sluiced_stop
sluiced_start --flush-interval 600000 --pg-timeout 1000
post recv 11 '?ack=received'
[ "$CODE" = 200 ] || fail "POST ?ack=received: HTTP $CODE $RESP"
# a durable POST waits for a flush that only SIGTERM brings
post pend 6 &
bgpid=$!
sleep 0.5
before=$(counts)
sluiced_stop
wait $bgpid || true
resp=$(cat "$work/resp.pend" 2>/dev/null || true)
case $resp in
    *'"accepted": 6'* | *'"accepted":6'*)
        acked=$((acked + 6))
        pass "the POST waiting for a flush got its 200 at SIGTERM: $resp" ;;
    *) fail "the POST waiting for a flush at SIGTERM got '$resp', expected 200 {\"accepted\": 6} after the final flush" ;;
esac
pass "sluiced exited 0 after SIGTERM"
[ "$before" != "$acked $acked" ] || echo "note: the events were already flushed before SIGTERM"
[ "$(counts)" = "$acked $acked" ] && pass "SIGTERM flushed the pending events ($acked in all)" ||
    fail "after SIGTERM the views count '$(counts)', the acknowledged events total $acked"

pg_stop
if [ $nfail -ne 0 ]; then
    echo "outage: $nfail check(s) failed"
    exit 1
fi
echo "outage: all checks passed"
