#!/bin/sh
# tests/e2e/embedded.sh: sluiced without --pg runs its own PostgreSQL under
# --data-dir: the ready line gives a unix-socket conninfo that works, psql
# through sluiced reaches it, SIGTERM stops both, a restart reuses the
# cluster (data kept), and a SIGKILLed sluiced does not prevent the next start.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
[ -x "$PG_BINDIR/postgres" ] || sl_skip "PostgreSQL server binaries not found in $PG_BINDIR"
command -v psql >/dev/null 2>&1 || sl_skip "psql is not installed"
[ -x "$top_builddir/sluiced" ] || sl_fail "sluiced is not built"
unset PGHOST PGPORT PGUSER PGDATABASE SLUICE_PG SLUICE_CONFIG

work=$(mktemp -d /tmp/slembed.XXXXXX)
chmod 755 "$work"
pid=
cleanup() {
    set +e
    [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; sleep 1; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
    # an orphaned postmaster of ours, found by its pid file only
    if [ -f "$work/data/pg/postmaster.pid" ]; then
        p=$(head -n1 "$work/data/pg/postmaster.pid")
        [ -z "$p" ] || kill -QUIT "$p" 2>/dev/null || true
    fi
    [ "${SL_KEEP:-}" = 1 ] || rm -rf "$work"
}
trap 'rc=$?; trap - EXIT; cleanup; exit $rc' EXIT

# start: sets pid, pgwire, conninfo from the ready line.
start() {
    n=$1
    "$top_builddir/sluiced" --data-dir "$work/data" --pgwire-port 0 --http-port 0 2>"$work/log.$n" &
    pid=$!
    i=0
    while ! grep -q "sluiced ready:" "$work/log.$n"; do
        kill -0 "$pid" 2>/dev/null || { cat "$work/log.$n"; pid=; sl_fail "sluiced exited before ready"; }
        i=$((i + 1)); [ $i -lt 1200 ] || { cat "$work/log.$n"; sl_fail "not ready in 60 s"; }
        sleep 0.05
    done
    line=$(grep -m1 "sluiced ready:" "$work/log.$n")
    pgwire=$(echo "$line" | sed -n 's/.*ready: pgwire [^ ,]*:\([0-9][0-9]*\),.*/\1/p')
    conninfo=$(echo "$line" | sed -n 's/.*postgresql "\(.*\)".*/\1/p')
    case $conninfo in
        "host=$work/data port=5432 user=postgres dbname=postgres") ;;
        *) sl_fail "unexpected conninfo: $conninfo" ;;
    esac
}
stop() {
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    pid=
    [ $rc -eq 0 ] || sl_fail "sluiced exited $rc after SIGTERM"
}

start 1
[ "$(psql -X -At -d "$conninfo" -c 'SELECT 40 + 2')" = 42 ] || sl_fail "direct query"
[ "$(psql -X -At -h 127.0.0.1 -p "$pgwire" -U postgres -d postgres -c 'SELECT 6 * 7')" = 42 ] ||
    sl_fail "query through sluiced"
psql -X -q -d "$conninfo" -c 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)'
postmaster=$(head -n1 "$work/data/pg/postmaster.pid")
stop
! kill -0 "$postmaster" 2>/dev/null || sl_fail "postgres still runs after sluiced stopped"

start 2
[ "$(psql -X -At -d "$conninfo" -c 'SELECT x FROM kept')" = 7 ] || sl_fail "data not kept"
[ "$(grep -c ': initdb ----' "$work/data/pg.log")" = 1 ] || sl_fail "initdb ran again"
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; pid=

start 3
[ "$(psql -X -At -d "$conninfo" -c 'SELECT x FROM kept')" = 7 ] || sl_fail "restart after SIGKILL"
stop
echo ok
