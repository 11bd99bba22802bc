#!/bin/sh
# tests/e2e/broken_view.sh: a view whose state table is dropped behind
# Sluice's back (in PostgreSQL directly).  The next flush fails on that
# view's rows for good; sluiced marks the view broken, drops its rows and
# flushes the other views again, so their requests are still acknowledged
# and nothing acknowledged is lost; the broken view shows in /v1/views and
# DROP CONTINUOUS VIEW removes it.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients

post() { CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary "$1" "http://$SLUICE_HTTP/v1/streams/ev"); }

pg_start
sluiced_start --flush-interval 50
slq -c "CREATE STREAM ev (k integer)" \
    -c "CREATE CONTINUOUS VIEW good AS SELECT count(*) AS n FROM ev" \
    -c "CREATE CONTINUOUS VIEW bad AS SELECT k, count(*) AS n FROM ev GROUP BY k" ||
    sl_fail "setting up through sluiced failed"

post '{"k": 1}
{"k": 2}
{"k": 3}'
[ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT n FROM good')" = 3 ] && pass "both views fed" || fail "first POST: HTTP $CODE"

pgq -c "DROP TABLE sluice_mrel.bad CASCADE" 2>/dev/null || sl_fail "dropping bad's state table failed"
post '{"k": 4}
{"k": 5}'
[ "$CODE" = 200 ] && pass "POST after bad's table was dropped: 200" || fail "POST after the drop: HTTP $CODE $(cat "$PGTEST_DIR/resp")"
[ "$(pgq -c 'SELECT n FROM good')" = 5 ] && pass "good holds every acknowledged event" ||
    fail "good: $(pgq -c 'SELECT n FROM good'), expected 5"
grep -q 'continuous view "bad" is broken' "$SLUICED_LOG" && pass "the log says bad is broken" ||
    fail "no 'broken' line in the log: $(tail -n 3 "$SLUICED_LOG")"
curl -s "http://$SLUICE_HTTP/v1/views" | grep -q '"name": "bad", [^}]*"broken": true' &&
    pass "/v1/views marks bad broken" || fail "/v1/views: $(curl -s "http://$SLUICE_HTTP/v1/views")"
post '{"k": 6}'
[ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT n FROM good')" = 6 ] && pass "ingest goes on" || fail "third POST: HTTP $CODE"
slq -c "DROP CONTINUOUS VIEW bad" && [ "$(slq -c 'SHOW CONTINUOUS VIEWS' | cut -d'|' -f1)" = good ] &&
    pass "DROP CONTINUOUS VIEW removes the broken view" || fail "DROP CONTINUOUS VIEW bad"

sluiced_stop
sl_done "all broken-view checks passed"
