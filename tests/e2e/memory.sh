#!/bin/sh
# tests/e2e/memory.sh: max_memory.  With PostgreSQL down, unflushed groups
# pile up in sluiced; once they pass --max-memory, ingest answers 503 with
# Retry-After at once and applies nothing, instead of growing without
# bound.  When PostgreSQL is back the waiting requests commit (200), memory
# is freed and ingest is accepted again; the view holds exactly the events
# of the requests answered 200.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients


pg_start
sluiced_start --flush-interval 100 --pg-timeout 60000 --max-memory 300kB
work=$PGTEST_DIR/mem
mkdir -p "$work"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "CREATE STREAM ev (k integer, v integer)" \
    -c "CREATE CONTINUOUS VIEW per_k AS SELECT k, count(*) AS n, sum(v) AS sv FROM ev GROUP BY k" ||
    sl_fail "setting up through sluiced failed"

# Request i brings 1000 new keys.
i=0
while [ $i -lt 12 ]; do
    awk -v i=$i 'BEGIN { for (j = 0; j < 1000; j++) printf "{\"k\": %d, \"v\": 1}\n", i * 1000 + j }' >"$work/body.$i"
    i=$((i + 1))
done

pg_down
i=0
while [ $i -lt 12 ]; do
    curl -s -m 90 -D "$work/hdr.$i" -o "$work/resp.$i" -w '%{http_code}\n' --data-binary @"$work/body.$i" \
        "http://$SLUICE_HTTP/v1/streams/ev" >"$work/code.$i" 2>/dev/null &
    eval "pid_$i=\$!"
    sleep 0.3
    i=$((i + 1))
done
refused=0
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
    if [ -s "$work/code.$i" ] && [ "$(cat "$work/code.$i")" = 503 ]; then
        refused=$((refused + 1))
        grep -q max_memory "$work/resp.$i" && grep -qi '^Retry-After: 1' "$work/hdr.$i" ||
            fail "request $i: 503 without the max_memory message or Retry-After: $(cat "$work/resp.$i")"
    fi
done
[ $refused -ge 1 ] && [ $refused -lt 12 ] && pass "$refused of 12 requests refused at once over max_memory, the others wait" ||
    fail "$refused of 12 requests refused with 503 while PostgreSQL was down"
got=$(curl -s "http://$SLUICE_HTTP/metrics" | awk '$1 == "sluice_memory_rejections_total" { print $2 }')
[ "$got" = "$refused" ] && pass "/metrics counts $got memory rejections" || fail "/metrics memory rejections: '$got', expected $refused"

pg_up
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
    eval "wait \$pid_$i" || true
done
ok=0
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
    [ "$(cat "$work/code.$i")" = 200 ] && ok=$((ok + 1))
done
[ $((ok + refused)) = 12 ] && pass "the $ok waiting requests committed once PostgreSQL was back" ||
    fail "$ok answered 200 and $refused refused, of 12"
got=$(pgq -c "SELECT count(*) || ' ' || sum(n) FROM per_k")
[ "$got" = "$((ok * 1000)) $((ok * 1000))" ] && pass "per_k holds exactly the accepted requests' events" ||
    fail "per_k: '$got', expected '$((ok * 1000)) $((ok * 1000))'"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$work/body.11" "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] && pass "memory freed by the flush: ingest accepted again" || fail "POST after recovery: HTTP $code"

sluiced_stop
sl_done "all max_memory checks passed"
