#!/bin/sh
# tests/e2e/sql_literals.sh: the SQL sluiced writes into PostgreSQL (catalog
# rows, finalizing views) reads the same under standard_conforming_strings
# = off, where a backslash in a '' literal escapes the next character: names
# and view texts holding backslashes and quotes are stored as written, the
# finalizing view compares with the literal the user wrote, and sluiced
# starts again from that catalog.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
pgq -c "ALTER DATABASE postgres SET standard_conforming_strings = off" \
    -c "ALTER DATABASE postgres SET escape_string_warning = off"
[ "$(pgq -c 'SHOW standard_conforming_strings')" = off ] || sl_fail "standard_conforming_strings is not off"

post() {
    CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary "$2" "http://$SLUICE_HTTP/v1/streams/$1")
}

# The stream and a view have backslashes (and a quote) in their names; w's
# WHERE holds a literal that ends in a backslash, then a quote and a comment
# in the text after it; h's HAVING goes into the finalizing view.  Each
# statement goes in a psql -c of its own, sent as it is (psql's own lexer
# would read the backslashes as standard_conforming_strings = off does).
STREAM=$(cat <<'EOF'
CREATE STREAM "ev\s" (k text, v integer)
EOF
)
W=$(cat <<'EOF'
CREATE CONTINUOUS VIEW "w\x" AS SELECT k, count(*) AS n FROM "ev\s" WHERE k <> 'a\' OR v > 10 --'
  GROUP BY k
EOF
)
H=$(cat <<'EOF'
CREATE CONTINUOUS VIEW h AS SELECT k, count(*) AS n FROM "ev\s" GROUP BY k HAVING k <> 'b\' AND k <> '\'
EOF
)
Q=$(cat <<'EOF'
CREATE CONTINUOUS VIEW "q'\""v" AS SELECT count(*) AS n FROM "ev\s"
EOF
)
COUNTS=$(cat <<'EOF'
SELECT string_agg(k || ':' || n, ',' ORDER BY k) FROM "w\x"
UNION ALL SELECT 'h=' || string_agg(k || ':' || n, ',' ORDER BY k) FROM h
UNION ALL SELECT 'q=' || n FROM "q'\""v"
EOF
)
counts() { pgq -c "$COUNTS"; }

sluiced_start --flush-interval 50
slq -c "$STREAM" -c "$W" -c "$H" -c "$Q" && pass "streams and views with backslashes created" ||
    sl_fail "CREATE through sluiced failed"

[ "$(pgq -c 'SELECT name FROM sluice.streams')" = 'ev\s' ] &&
    pass "the stream's name is stored as written" || fail "sluice.streams: $(pgq -c 'SELECT name FROM sluice.streams')"
[ "$(pgq -c "SELECT string_agg(name, '|' ORDER BY name) FROM sluice.views")" = 'h|q'"'"'\"v|w\x' ] &&
    pass "the views' names are stored as written" ||
    fail "sluice.views: $(pgq -c "SELECT string_agg(name, '|' ORDER BY name) FROM sluice.views")"
[ "$(pgq -c 'SELECT sql FROM sluice.streams')" = "$STREAM" ] &&
    [ "$(pgq -c "SELECT sql FROM sluice.views WHERE name = 'h'")" = "$H" ] &&
    [ "$(pgq -c "SELECT sql FROM sluice.views WHERE name LIKE 'w%'")" = "$W" ] &&
    pass "the CREATE texts are stored as written" || fail "stored texts: $(pgq -c 'SELECT sql FROM sluice.views')"

# 'a\' (the literal is a and a backslash) is filtered out of w unless v > 10;
# h leaves out the groups 'b\' and '\'.
post 'ev%5Cs' '{"k": "a\\", "v": 1}
{"k": "a\\", "v": 20}
{"k": "b\\", "v": 1}
{"k": "\\", "v": 1}
{"k": "c", "v": 1}'
[ "$CODE" = 200 ] && pass "POST to ev\\s: 200" || fail "POST: HTTP $CODE $(cat "$PGTEST_DIR/resp")"
want='\:1,a\:1,b\:1,c:1
h=a\:2,c:1
q=5'
[ "$(counts)" = "$want" ] && pass "the views hold what their literals say" || fail "views: $(counts)"

# A restart reads the catalog back: every entry loads.
sluiced_stop
sluiced_start --flush-interval 50
grep -q "catalog loaded: 1 streams, 3 continuous views" "$SLUICED_LOG" && ! grep -q "left out" "$SLUICED_LOG" &&
    pass "after a restart every stream and view loads" || fail "catalog load: $(grep catalog "$SLUICED_LOG")"
post 'ev%5Cs' '{"k": "a\\", "v": 30}
{"k": "b\\", "v": 1}'
want='\:1,a\:2,b\:2,c:1
h=a\:3,c:1
q=7'
[ "$CODE" = 200 ] && [ "$(counts)" = "$want" ] && pass "the views go on after the restart" ||
    fail "after the restart: HTTP $CODE, views: $(counts)"
slq -c 'DROP CONTINUOUS VIEW "w\x"' -c 'DROP CONTINUOUS VIEW h' -c 'DROP CONTINUOUS VIEW "q'"'"'\""v"' \
    -c 'DROP STREAM "ev\s"' &&
    [ "$(pgq -c 'SELECT count(*) FROM sluice.views') $(pgq -c 'SELECT count(*) FROM sluice.streams')" = "0 0" ] &&
    pass "DROP removes the catalog rows of the names with backslashes" ||
    fail "after DROP: views $(pgq -c 'SELECT name FROM sluice.views'), streams $(pgq -c 'SELECT name FROM sluice.streams')"
sluiced_stop
sl_done "all standard_conforming_strings = off checks passed"
