#!/bin/sh
# tests/e2e/sql_breadth.sh: smaller pieces of SQL and HTTP breadth, through
# psql and curl:
#   - DROP STREAM ... CASCADE notices as PostgreSQL's DROP TABLE ... CASCADE:
#     one view "drop cascades to continuous view v1"; several, "drop
#     cascades to N other objects" with a DETAIL line per view, names
#     quoted where PostgreSQL quotes them;
#   - a body sent as text/plain (what fetch() sends for a string) is NDJSON;
#   - TRUNCATE CONTINUOUS VIEW empties a view (aggregate or transform) in
#     the client's session: rolled back with its block, refused (42501) to
#     a role without the privilege; TRUNCATE of a table is PostgreSQL's;
#   - now() / CURRENT_TIMESTAMP are the time the request is processed.
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
    -c "CREATE CONTINUOUS VIEW \"V 3\" AS SELECT k FROM s2" ||
    sl_fail "creating streams and views failed"
psql -X -q -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "DROP STREAM s1 CASCADE" >"$out" 2>&1 || fail "DROP STREAM s1 CASCADE failed: $(cat "$out")"
[ "$(cat "$out")" = "NOTICE:  drop cascades to continuous view v1" ] &&
    pass "one dependent view: a NOTICE naming it" || fail "DROP STREAM s1 CASCADE printed: $(cat "$out")"
psql -X -q -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "DROP STREAM s2 CASCADE" >"$out" 2>&1 || fail "DROP STREAM s2 CASCADE failed: $(cat "$out")"
expected="NOTICE:  drop cascades to 2 other objects
DETAIL:  drop cascades to continuous view v2
drop cascades to continuous view \"V 3\""
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

# TRUNCATE CONTINUOUS VIEW
slq -c "CREATE CONTINUOUS VIEW xf AS SELECT k, t FROM ev WHERE k > 1" || sl_fail "creating xf failed"
post_ev() {
    code=$(curl -s -o "$out" -w '%{http_code}' --data-binary "$1" "http://$SLUICE_HTTP/v1/streams/ev")
    [ "$code" = 200 ] || fail "POST $1: HTTP $code $(cat "$out")"
}
post_ev '{"k": 2, "t": "c"}'
[ "$(pgq -c "SELECT count(*) FROM xf")" = 1 ] || fail "xf: $(pgq -c 'SELECT * FROM xf')"
slq -c "BEGIN" -c "TRUNCATE CONTINUOUS VIEW per_k" -c "ROLLBACK" || fail "TRUNCATE in a rolled back block failed"
[ "$(pgq -c "SELECT string_agg(k || ':' || n, ',' ORDER BY k) FROM per_k")" = "1:2,2:2" ] &&
    pass "a TRUNCATE rolled back leaves the view as it was" || fail "per_k after ROLLBACK: $(pgq -c 'SELECT * FROM per_k')"
r=$(slq -c "TRUNCATE CONTINUOUS VIEW per_k" -c "TRUNCATE CONTINUOUS VIEW xf" 2>&1) || fail "TRUNCATE failed: $r"
[ "$(pgq -c "SELECT count(*) FROM per_k")$(pgq -c "SELECT count(*) FROM xf")" = 00 ] &&
    pass "TRUNCATE CONTINUOUS VIEW empties aggregate and transform views" ||
    fail "after TRUNCATE: per_k $(pgq -c 'SELECT count(*) FROM per_k'), xf $(pgq -c 'SELECT count(*) FROM xf')"
post_ev '{"k": 2, "t": "d"}'
[ "$(pgq -c "SELECT string_agg(k || ':' || n, ',' ORDER BY k) FROM per_k")" = "2:1" ] &&
    [ "$(pgq -c "SELECT string_agg(k || t, ',') FROM xf")" = "2d" ] &&
    pass "events after the TRUNCATE count afresh" ||
    fail "after TRUNCATE and one event: per_k $(pgq -c 'SELECT * FROM per_k'), xf $(pgq -c 'SELECT * FROM xf')"
r=$(slq -v VERBOSITY=verbose -c "TRUNCATE CONTINUOUS VIEW nope" 2>&1) && fail "TRUNCATE of no view succeeded"
case $r in *42P01*'continuous view "nope" does not exist'*) pass "TRUNCATE of no view: 42P01" ;;
    *) fail "TRUNCATE of no view: $r" ;; esac
# privileges are the client's: a role that may read the view may not empty it
pgq -c "CREATE ROLE reader LOGIN" -c "GRANT SELECT ON per_k TO reader" -c "GRANT USAGE ON SCHEMA sluice_mrel TO reader"
r=$(psql -X -q -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U reader -d postgres \
    -c "TRUNCATE CONTINUOUS VIEW per_k" 2>&1) && fail "reader could TRUNCATE per_k"
case $r in *42501*) pass "TRUNCATE needs the client's privilege (42501)" ;; *) fail "reader's TRUNCATE: $r" ;; esac
[ "$(pgq -c "SELECT count(*) FROM per_k")" = 1 ] || fail "reader's TRUNCATE emptied per_k"
# TRUNCATE of a table is PostgreSQL's, even one named continuous
pgq -c "CREATE TABLE continuous (a int)" -c "INSERT INTO continuous VALUES (1)"
slq -c "TRUNCATE continuous" && [ "$(pgq -c "SELECT count(*) FROM continuous")" = 0 ] &&
    pass "TRUNCATE continuous (a table) goes to PostgreSQL" || fail "TRUNCATE continuous"

# now() / CURRENT_TIMESTAMP: the time the request is processed (one value
# per request): events stamped in the future do not pass ts <= now(), the
# group key date_trunc('day', now()) is the day of the ingest
slq -c "CREATE STREAM tn (k integer, ts timestamptz)" \
    -c "CREATE CONTINUOUS VIEW vn AS SELECT date_trunc('day', now()) AS d, count(*) AS n, count(*) FILTER (WHERE ts <= CURRENT_TIMESTAMP) AS past FROM tn WHERE k > 0 GROUP BY 1" ||
    sl_fail "the now() view was refused"
before=$(pgq -c "SELECT date_trunc('day', now())")
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{"k":1,"ts":"2001-01-01T00:00:00Z"}
{"k":2,"ts":"2099-01-01T00:00:00Z"}
{"k":3,"ts":"1999-12-31T23:59:59Z"}' "http://$SLUICE_HTTP/v1/streams/tn")
after=$(pgq -c "SELECT date_trunc('day', now())")
got=$(slq -c "SELECT d::text, n, past FROM vn")
case $got in
    "$(pgq -c "SELECT '$before'::timestamptz::text")|3|2"|"$(pgq -c "SELECT '$after'::timestamptz::text")|3|2")
        [ "$code" = 200 ] && pass "now() and CURRENT_TIMESTAMP: the request's time" ||
            fail "now() ingest answered $code" ;;
    *) fail "now() view holds: $got (day $before / $after)" ;;
esac

sluiced_stop
pg_stop
sl_done "all SQL and HTTP breadth checks passed"
