#!/bin/sh
# tests/chaos/pg_faults.sh: PostgreSQL restarted (fast) and killed
# (immediate: crash recovery) under load, then stopped for CHAOS_OUTAGE
# seconds (30 in `make chaos`, past pg_timeout either way).  Clients retry
# whatever is not answered 200; every acknowledged request must be applied
# exactly once (tests/chaos/lib.sh counts).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/chaos/lib.sh"
: "${CHAOS_PG_FAULTS:=2}"
: "${CHAOS_OUTAGE:=7}"
: "${CHAOS_CLIENTS:=6}"

sl_need_clients
chaos_trap
pause() { sleep "$(awk -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.2f", 0.3 + (r % 1200) / 1000 }')"; }
pg_crash() { sl__as_pg "$PG_BINDIR/pg_ctl" -D "$PGTEST_DIR/data" -m immediate -w stop >/dev/null; }

chaos_setup --pg-timeout 3000
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1"
round=0
while [ $round -lt "$CHAOS_PG_FAULTS" ]; do
    round=$((round + 1))
    pause; pg_down; pg_up
    pause; pg_crash; pg_up
done
pause
pg_down
sleep "$CHAOS_OUTAGE"
code=$(curl -s -o "$CHAOS_DIR/health" -w '%{http_code}' "http://127.0.0.1:$CHAOS_HTTP_PORT_1/healthz")
if [ "$code" = 503 ] && grep -q '"problem"' "$CHAOS_DIR/health"; then
    pass "/healthz answers 503 and says why while PostgreSQL is down: $(cat "$CHAOS_DIR/health")"
else
    fail "/healthz during the outage: $code $(cat "$CHAOS_DIR/health")"
fi
pg_up
sleep 2
chaos_stop_clients
kill -0 "$CHAOS_PID_1" 2>/dev/null && pass "sluiced survived every fault" || fail "sluiced died"
chaos_verify "PostgreSQL restarted x$CHAOS_PG_FAULTS, crashed x$CHAOS_PG_FAULTS, down ${CHAOS_OUTAGE}s"
sl_done "pg_faults: done"
