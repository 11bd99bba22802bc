#!/bin/sh
# tests/e2e/two_servers.sh: two sluiced feeding the same views in one
# PostgreSQL at the same time.  Every flush combines its deltas with
# INSERT ... ON CONFLICT DO UPDATE, so concurrent flushes of the same groups
# (new ones included) must add up: the views must equal PostgreSQL's own
# SELECT over all the events both servers acknowledged, and
# sluice.view_stats must count the events of both.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients


pg_start
work=$PGTEST_DIR/two
mkdir -p "$work"

# Server A creates the stream and the views; B loads them at its start.
sluiced_start --flush-interval 20
A_PID=$SLUICED_PID A_HTTP=$SLUICE_HTTP A_PGW=$SLUICE_PGWIRE_PORT
SLUICED_PID=
trap 'two_rc=$?; trap - EXIT; set +e; kill -TERM "$A_PID" 2>/dev/null; wait "$A_PID" 2>/dev/null; sl__cleanup; exit $two_rc' EXIT
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$A_PGW" -U postgres -d postgres <<'SQL' ||
CREATE STREAM ev (k integer, v bigint, t text);
CREATE CONTINUOUS VIEW per_k AS SELECT k, count(*) AS n, sum(v) AS sv, min(t) AS tmin, max(v) AS vmax, avg(v) AS av FROM ev GROUP BY k;
CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n, sum(v) AS sv, count(t) AS nt FROM ev;
SQL
    sl_fail "creating the stream and views through server A failed"
sluiced_start --flush-interval 35
B_HTTP=$SLUICE_HTTP

# 40 requests per server, 2 at a time each, all at once; new keys keep
# appearing on both sides (k up to 400) so inserts race too.
awk -v dir="$work" 'BEGIN {
    for (r = 0; r < 80; r++) {
        f = dir "/body." r
        for (j = 0; j < 50; j++) {
            k = (r * 37 + j * 11) % (10 + r * 5)
            v = r * 1000 + j
            if (j % 7 == 0) printf "{\"k\": %d, \"v\": %d}\n", k, v > f
            else printf "{\"k\": %d, \"v\": %d, \"t\": \"t%d\"}\n", k, v, (r + j) % 13 > f
            printf "%d\t%d\t%s\n", k, v, (j % 7 == 0) ? "\\N" : "t" ((r + j) % 13) > (dir "/all.tsv")
        }
        close(f)
    }
}'
send() {  # send SERVER FIRST STEP: bodies FIRST, FIRST+STEP, ... below 80
    i=$2
    while [ "$i" -lt 80 ]; do
        curl -s -m 60 -o "$work/resp.$i" -w '%{http_code}\n' --data-binary @"$work/body.$i" \
            "http://$1/v1/streams/ev" >"$work/code.$i" || echo 000 >"$work/code.$i"
        i=$((i + $3))
    done
}
send "$A_HTTP" 0 4 & p1=$!
send "$A_HTTP" 2 4 & p2=$!
send "$B_HTTP" 1 4 & p3=$!
send "$B_HTTP" 3 4 & p4=$!
wait $p1 $p2 $p3 $p4
bad=$(cat "$work"/code.* | grep -cv '^200$' || true)
[ "$bad" = 0 ] && pass "80 requests to two servers: all 200" || fail "$bad requests were not answered 200"

pgq -c "CREATE TABLE ev_all (k integer, v bigint, t text)" \
    -c "\\copy ev_all FROM '$work/all.tsv'" || sl_fail "loading the oracle table failed"
diff_view() {  # diff_view VIEW ORACLE-SELECT
    d=$(pgq -c "SELECT count(*) FROM ((SELECT * FROM $1 EXCEPT ALL ($2)) UNION ALL (($2) EXCEPT ALL SELECT * FROM $1)) x")
    [ "$d" = 0 ] && pass "$1 equals PostgreSQL's SELECT ($(pgq -c "SELECT count(*) FROM $1") rows)" ||
        fail "$1 differs from PostgreSQL's SELECT in $d rows"
}
diff_view per_k "SELECT k, count(*) AS n, sum(v) AS sv, min(t) AS tmin, max(v) AS vmax, avg(v) AS av FROM ev_all GROUP BY k"
diff_view total "SELECT count(*) AS n, sum(v) AS sv, count(t) AS nt FROM ev_all"
got=$(pgq -c "SELECT events FROM sluice.view_stats WHERE view_name = 'per_k'")
[ "$got" = 4000 ] && pass "sluice.view_stats counts the events of both servers" ||
    fail "sluice.view_stats.events for per_k: '$got', expected 4000"

sluiced_stop
kill -TERM "$A_PID"
rc=0
wait "$A_PID" || rc=$?
[ "$rc" = 0 ] || fail "server A exited with status $rc after SIGTERM"
sl_done "all two-server checks passed"
