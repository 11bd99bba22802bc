#!/bin/sh
# tests/chaos/diskfull.sh: the view's state table on a tiny tmpfs
# tablespace fills up under load: every flush fails with 53100.  sluiced
# must not stall silently: after pg_timeout the waiting requests are
# answered 503 (nothing applied), /healthz says why, the log is
# rate-limited; once space is back (the table moved off the full disk) the
# clients' retries go through and every acknowledged request is applied
# exactly once.  Needs root and mount (skipped otherwise, with the reason).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/chaos/lib.sh"
: "${CHAOS_CLIENTS:=4}"
: "${CHAOS_FULL_SECONDS:=8}"

sl_need_clients
[ "$(id -u)" = 0 ] || sl_skip "disk full needs root to mount a small tmpfs"
small=$(mktemp -d /tmp/sldisk.XXXXXX)
mount -t tmpfs -o size=1200k tmpfs "$small" 2>/dev/null || { rmdir "$small"; sl_skip "mount -t tmpfs is not allowed here"; }
chaos_trap 'umount "$small"; rmdir "$small"' 
chown postgres "$small" 2>/dev/null || true

# move_keys TABLESPACE: the state table of the view keys and its indexes.
move_keys() {
    for rel in $(pgq -c "SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sluice_mrel' AND c.relname LIKE 'keys%' AND c.relkind IN ('r', 'i')"); do
        case $(pgq -c "SELECT relkind FROM pg_class WHERE oid = '$rel'::regclass") in
        r) pgq -c "ALTER TABLE $rel SET TABLESPACE $1" ;;
        i) pgq -c "ALTER INDEX $rel SET TABLESPACE $1" ;;
        esac
    done
}

chaos_setup --pg-timeout 2000
pgq -c "CREATE TABLESPACE small LOCATION '$small'" >/dev/null
move_keys small
chaos_clients "$CHAOS_CLIENTS" "$CHAOS_HTTP_PORT_1"

# Wait for the disk to be full (the first 53100 in sluiced's log).
log=$PGTEST_DIR/sluiced.$sl__sluiced_n.log
t=0
while ! grep -q "53100" "$log" && [ $t -lt 300 ]; do t=$((t + 1)); sleep 0.2; done
grep -q "53100" "$log" || sl_fail "the small tablespace never filled up"
pass "flushes fail with 53100 (disk full)"
sleep "$CHAOS_FULL_SECONDS"
code=$(curl -s -o "$CHAOS_DIR/health" -w '%{http_code}' "http://127.0.0.1:$CHAOS_HTTP_PORT_1/healthz")
if grep -q 'could not extend\|No space left\|53100' "$CHAOS_DIR/health"; then
    pass "/healthz says why ($code): $(cat "$CHAOS_DIR/health")"
else
    fail "/healthz does not say the disk is full: $code $(cat "$CHAOS_DIR/health")"
fi
n503=$(cat "$CHAOS_DIR"/retries.* 2>/dev/null | grep -c " 503$" || true)
[ "$n503" -gt 0 ] && pass "waiting requests answered 503 ($n503 times)" ||
    fail "no request was answered 503 while the disk was full"
lines=$(grep -c "flush failed" "$log" || true)
[ "$lines" -le $((CHAOS_FULL_SECONDS / 10 + 3)) ] &&
    pass "$lines log lines about failed flushes in ${CHAOS_FULL_SECONDS}+ s" ||
    fail "$lines log lines about failed flushes in ${CHAOS_FULL_SECONDS}+ s: not rate-limited"

# Space again: the table and its index go back to the default tablespace.
move_keys pg_default
sleep 3
chaos_stop_clients
chaos_verify "disk full for ${CHAOS_FULL_SECONDS}+ s"
pgq -c "DROP TABLESPACE small" >/dev/null 2>&1 || true
sl_done "diskfull: done"
