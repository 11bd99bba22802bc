#!/bin/sh
# tests/e2e/catalog_skip.sh: catalog rows whose stored CREATE text no longer
# loads (edited in PostgreSQL directly) are left out at start with a
# warning naming each, and sluiced serves everything else: a view whose
# text does not parse, a stream whose column type does not exist (and so
# its view), a view row holding another view's text.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients

post() {
    CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary "$2" "http://$SLUICE_HTTP/v1/streams/$1")
}

pg_start
sluiced_start --flush-interval 50
slq -c "CREATE STREAM ev (k integer)" \
    -c "CREATE STREAM ev2 (k integer)" \
    -c "CREATE CONTINUOUS VIEW good AS SELECT count(*) AS n FROM ev" \
    -c "CREATE CONTINUOUS VIEW bad AS SELECT k, count(*) AS n FROM ev GROUP BY k" \
    -c "CREATE CONTINUOUS VIEW bad2 AS SELECT count(*) AS n FROM ev2" \
    -c "CREATE CONTINUOUS VIEW dup AS SELECT max(k) AS m FROM ev" ||
    sl_fail "setting up through sluiced failed"
post ev '{"k": 1}'
[ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT n FROM good')" = 1 ] || sl_fail "first POST: HTTP $CODE"
sluiced_stop

pgq -c "UPDATE sluice.views SET sql = 'CREATE CONTINUOUS VIEW bad AS SELEC k FROM ev' WHERE name = 'bad'" \
    -c "UPDATE sluice.streams SET sql = 'CREATE STREAM ev2 (k nosuchtype)' WHERE name = 'ev2'" \
    -c "UPDATE sluice.views SET sql = (SELECT sql FROM sluice.views WHERE name = 'good') WHERE name = 'dup'" ||
    sl_fail "editing the catalog rows failed"

sluiced_start --flush-interval 50
pass "sluiced starts with rows that do not load"
for e in 'continuous view "bad" left out' 'stream "ev2" left out' 'continuous view "bad2" left out' \
    'continuous view "dup" left out'; do
    grep -q "WARNING: .*$e" "$SLUICED_LOG" && pass "the log says: $e" ||
        fail "no '$e' in the log: $(grep -i catalog "$SLUICED_LOG")"
done
grep -q 'catalog loaded: 1 streams, 1 continuous views, 4 entries left out' "$SLUICED_LOG" &&
    pass "the catalog line counts what was left out" || fail "catalog line: $(grep 'catalog loaded' "$SLUICED_LOG")"
grep 'continuous view "bad" left out' "$SLUICED_LOG" | grep -q 'syntax error' &&
    pass "bad's line gives the reason" || fail "bad's line: $(grep '"bad"' "$SLUICED_LOG")"

post ev '{"k": 2}
{"k": 3}'
[ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT n FROM good')" = 3 ] && pass "good is served" ||
    fail "POST to ev: HTTP $CODE $(cat "$PGTEST_DIR/resp"), good = $(pgq -c 'SELECT n FROM good')"
post ev2 '{"k": 2}'
[ "$CODE" = 404 ] && pass "ev2, left out, answers 404" || fail "POST to ev2: HTTP $CODE"
[ "$(slq -c 'SHOW CONTINUOUS VIEWS' | cut -d'|' -f1)" = good ] && pass "SHOW CONTINUOUS VIEWS lists good only" ||
    fail "SHOW CONTINUOUS VIEWS: $(slq -c 'SHOW CONTINUOUS VIEWS')"
# the rows left out are kept as they are, for the user to fix or delete
[ "$(pgq -c 'SELECT count(*) FROM sluice.views')" = 4 ] && pass "the rows left out are kept" ||
    fail "sluice.views: $(pgq -c 'SELECT name FROM sluice.views')"
sluiced_stop
sl_done "all catalog skip checks passed"
