#!/bin/sh
# tests/e2e/pg_hosts.sh: where client sessions connect, as libpq would for
# --pg: a host name (looked up without blocking sluiced's loop: evdns, or
# /etc/hosts), and several hosts tried in order (a refused first host, then
# the working second), each session as the client's role.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
through() {  # psql through sluiced
    psql -X -q -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@" 2>&1 || true
}

if grep -qw localhost /etc/hosts 2>/dev/null; then
    sluiced_start --pg "host=localhost port=$PGTEST_PORT user=postgres dbname=postgres"
    [ "$(through -c "SELECT 'via name'")" = "via name" ] &&
        pass "a host name in --pg: sessions connect" || fail "host name: $(through -c "SELECT 1")"
    sluiced_stop
else
    echo "# host name check skipped: no localhost in /etc/hosts"
fi

# a port nobody listens on: connection refused at once
dead=$(sl__random_port)
sluiced_start --pg "host=127.0.0.1,127.0.0.1 port=$dead,$PGTEST_PORT user=postgres dbname=postgres"
[ "$(through -c "SELECT inet_server_port()")" = "$PGTEST_PORT" ] &&
    pass "two hosts in --pg: the first refuses, the session reaches the second" ||
    fail "multi-host: $(through -c "SELECT inet_server_port()")"
[ "$(through -c "CREATE STREAM s (a int)" -c "SHOW STREAMS" | cut -d'|' -f1)" = s ] &&
    pass "Sluice statements on the second host" || fail "Sluice statement on the second host"
sluiced_stop

sl_done "pg_hosts: all checks passed"
