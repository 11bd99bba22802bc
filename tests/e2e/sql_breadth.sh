#!/bin/sh
# tests/e2e/sql_breadth.sh: smaller pieces of SQL and HTTP breadth, through
# psql and curl:
#   - DROP STREAM ... CASCADE notices as PostgreSQL's DROP TABLE ... CASCADE:
#     one view "drop cascades to continuous view v1"; several, "drop
#     cascades to N other objects" with a DETAIL line per view;
#   - a body sent as text/plain (what fetch() sends for a string) is NDJSON.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients

pg_start
sluiced_start --flush-interval 50
out=$PGTEST_DIR/out

# DROP STREAM ... CASCADE
slq -c "CREATE STREAM s1 (k integer)" -c "CREATE CONTINUOUS VIEW v1 AS SELECT count(*) AS n FROM s1" \
    -c "CREATE STREAM s2 (k integer)" -c "CREATE CONTINUOUS VIEW v2 AS SELECT count(*) AS n FROM s2" \
    -c "CREATE CONTINUOUS VIEW v3 AS SELECT k FROM s2" ||
    sl_fail "creating streams and views failed"
psql -X -q -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "DROP STREAM s1 CASCADE" >"$out" 2>&1 || fail "DROP STREAM s1 CASCADE failed: $(cat "$out")"
[ "$(cat "$out")" = "NOTICE:  drop cascades to continuous view v1" ] &&
    pass "one dependent view: a NOTICE naming it" || fail "DROP STREAM s1 CASCADE printed: $(cat "$out")"
psql -X -q -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "DROP STREAM s2 CASCADE" >"$out" 2>&1 || fail "DROP STREAM s2 CASCADE failed: $(cat "$out")"
expected="NOTICE:  drop cascades to 2 other objects
DETAIL:  drop cascades to continuous view v2
drop cascades to continuous view v3"
[ "$(cat "$out")" = "$expected" ] &&
    pass "two dependent views: a NOTICE and a DETAIL line per view" ||
    fail "DROP STREAM s2 CASCADE printed: $(cat "$out")"
[ "$(pgq -c "SELECT count(*) FROM sluice.views")" = 0 ] && pass "the views are gone" ||
    fail "views left: $(pgq -c 'SELECT name FROM sluice.views')"

# text/plain is NDJSON
slq -c "CREATE STREAM ev (k integer, t text)" -c "CREATE CONTINUOUS VIEW per_k AS SELECT k, count(*) AS n FROM ev GROUP BY k" ||
    sl_fail "creating ev failed"
code=$(curl -s -o "$out" -w '%{http_code}' -H 'Content-Type: text/plain;charset=UTF-8' \
    --data-binary '{"k": 1, "t": "a"}
{"k": 1}
{"k": 2, "t": "b"}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] && [ "$(pgq -c "SELECT string_agg(k || ':' || n, ',' ORDER BY k) FROM per_k")" = "1:2,2:1" ] &&
    pass "a text/plain body is read as NDJSON" ||
    fail "text/plain: HTTP $code $(cat "$out"), per_k: $(pgq -c 'SELECT * FROM per_k')"
code=$(curl -s -o "$out" -w '%{http_code}' -H 'Content-Type: text/html' --data-binary '{"k": 1}' \
    "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 415 ] && pass "text/html is still refused (415)" || fail "text/html: HTTP $code $(cat "$out")"

sluiced_stop
pg_stop
sl_done "all SQL and HTTP breadth checks passed"
