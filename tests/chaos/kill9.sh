#!/bin/sh
# tests/chaos/kill9.sh: kill -9 at random instants under load, restarting at
# once; then the same with two sluiced on one view, one of them killed.
# Every acknowledged request must be applied exactly once (tests/chaos/lib.sh
# counts).  Short in `make check`; `make chaos` sets CHAOS_KILLS=20 and
# CHAOS_FILLER=2000.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/chaos/lib.sh"
: "${CHAOS_KILLS:=4}"
: "${CHAOS_CLIENTS:=8}"

sl_need_clients
chaos_trap

# A random pause of 0.2 to 1.4 s (the kill lands before, during or after a
# flush: flushes run every 100 ms and take tens of ms with this many keys).
pause() { sleep "$(awk -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.2f", 0.2 + (r % 1200) / 1000 }')"; }

# pg_timeout 30 s for this first sluiced: it is the lock_timeout of its
# flush stalled on the lock below, which must outlast its successor's start
# (seconds on a loaded machine or under a sanitizer).
chaos_setup --pg-timeout 30000

# First, deterministically: kill -9 while the flush is stalled on a lock
# (another session holds the state table), restart at once, release the
# lock once the new sluiced has fenced.  The killed process's flush is still in
# PostgreSQL, waiting; without fencing it commits after the new sluiced
# read the committed keys, and the clients' retries apply twice.
CHAOS_RUN=lock
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1"
sleep 1
PGAPPNAME=chaos_locker psql -X -q -d "$PGTEST_CONNINFO" -c "BEGIN; LOCK TABLE sluice_mrel.tags IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
locker=$!
chaos_wait_flush_blocked
kill -KILL "$CHAOS_PID_1"
wait "$CHAOS_PID_1" 2>/dev/null || true
chaos_start_server 1
fence_log=$SLUICED_LOG
# The lock is held until the new sluiced has fenced (or loaded its keys
# without fencing: the check below then fails), however long its start
# took.
i=0
while ! grep -q "has ended: fenced\|idempotency keys loaded" "$fence_log" && [ $i -lt 600 ]; do
    sleep 0.05; i=$((i + 1))
done
psql -X -q -d "$PGTEST_CONNINFO" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'chaos_locker'" >/dev/null
wait "$locker" || true
sleep 1
chaos_stop_clients
chaos_verify "kill -9 during a flush waiting on a lock"
if grep -q "still holds its lock" "$fence_log" && grep -q "has ended: fenced" "$fence_log"; then
    pass "the restarted sluiced fenced its predecessor's backend before loading the keys"
else
    fail "no fencing in the restarted sluiced's log"; cat "$fence_log"
fi

CHAOS_RUN=a
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1"
kills=0
while [ $kills -lt "$CHAOS_KILLS" ]; do
    kills=$((kills + 1))
    pause
    kill -KILL "$CHAOS_PID_1"
    wait "$CHAOS_PID_1" 2>/dev/null || true
    chaos_start_server 1
done
sleep 1
chaos_stop_clients
chaos_verify "kill -9 x$CHAOS_KILLS, one sluiced"
grep -h "fenced\|predecessor" "$PGTEST_DIR"/sluiced.*.log | head -3 || true

# Two sluiced on the same views; clients on both; either may be killed.
chaos_start_server 2
pgq -c "TRUNCATE sluice_mrel.tags, sluice_mrel.keys" >/dev/null
rm -f "$CHAOS_DIR"/sent.* "$CHAOS_DIR"/acked.* "$CHAOS_DIR"/retries.* "$CHAOS_DIR/refused"
CHAOS_RUN=b
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1" "$CHAOS_HTTP_PORT_2"
kills=0
while [ $kills -lt "$CHAOS_KILLS" ]; do
    kills=$((kills + 1))
    pause
    n=$(( $(od -An -N1 -tu1 /dev/urandom) % 2 + 1 ))
    eval "pid=\$CHAOS_PID_$n"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    chaos_start_server "$n"
done
sleep 1
chaos_stop_clients
chaos_verify "kill -9 x$CHAOS_KILLS, two sluiced on one view"
sl_done "kill9: done"
