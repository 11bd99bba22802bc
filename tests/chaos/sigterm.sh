#!/bin/sh
# tests/chaos/sigterm.sh: SIGTERM under load, CHAOS_TERMS times: sluiced
# stops taking requests at once (503, Connection: close), finishes its
# flush, answers every waiting request and exits 0 within a bound.  Then
# SIGTERM while the flush waits on a row lock another session holds: the
# waiting requests are answered only with what is known (503 once the
# flush rolled back), and nothing of them appears later.  Every
# acknowledged request is applied exactly once (tests/chaos/lib.sh).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/chaos/lib.sh"
: "${CHAOS_TERMS:=3}"
: "${CHAOS_CLIENTS:=6}"

sl_need_clients
chaos_trap '[ -n "${locker:-}" ] && kill "$locker"' 
pause() { sleep "$(awk -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.2f", 0.3 + (r % 1200) / 1000 }')"; }
now_ms() { date +%s%3N; }

# term_and_wait: SIGTERM server 1; sets rc and ms (how long it took).
term_and_wait() {
    t0=$(now_ms)
    kill -TERM "$CHAOS_PID_1"
    rc=0
    wait "$CHAOS_PID_1" || rc=$?
    ms=$(( $(now_ms) - t0 ))
}

chaos_setup --pg-timeout 2000
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1"
round=0
while [ $round -lt "$CHAOS_TERMS" ]; do
    round=$((round + 1))
    pause
    term_and_wait
    if [ "$rc" = 0 ] && [ "$ms" -lt 3000 ]; then
        pass "SIGTERM $round under load: exit 0 after $ms ms"
    else
        fail "SIGTERM $round under load: exit $rc after $ms ms"
        tail -5 "$PGTEST_DIR/sluiced.$sl__sluiced_n.log"
    fi
    chaos_start_server 1 --pg-timeout 2000
done

# A flush stalled on a lock: another session holds the state table.
pause
PGAPPNAME=chaos_locker psql -X -q -d "$PGTEST_CONNINFO" -c "BEGIN; LOCK TABLE sluice_mrel.tags IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
locker=$!
# the lock is released once sluiced has exited
chaos_wait_flush_blocked
term_and_wait
psql -X -q -d "$PGTEST_CONNINFO" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'chaos_locker'" >/dev/null
# pg_timeout 2000: lock_timeout ends the flush after 2 s, the requests are
# answered 503 (rolled back: known), and sluiced exits 0 (every answer true).
if [ "$ms" -lt 6500 ] && [ "$rc" = 0 ]; then
    pass "SIGTERM with a flush stalled on a lock: exit $rc after $ms ms"
else
    fail "SIGTERM with a stalled flush took $ms ms (exit $rc)"
fi
log=$PGTEST_DIR/sluiced.$sl__sluiced_n.log
if grep -q "nothing of them was applied\|flush failed while shutting down" "$log"; then
    pass "the stalled flush's requests were answered as not applied once it rolled back"
else
    fail "no sign of the rolled-back flush in the log"; tail -8 "$log"
fi
wait "$locker" || true
locker=
chaos_start_server 1 --pg-timeout 2000
sleep 1
chaos_stop_clients
chaos_verify "SIGTERM x$CHAOS_TERMS under load, and with a stalled flush"
sl_done "sigterm: done"
