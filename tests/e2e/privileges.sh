#!/bin/sh
# tests/e2e/privileges.sh: who may do what to streams, views and tokens,
# between two plain roles (alice, bob; no grants on sluiced's catalog) and
# a superuser, through psql and HTTP with --http-auth token.  PostgreSQL
# decides: a stream is the relation sluice_stream."name", owned by its
# creator; GRANT/REVOKE ... ON STREAM are grants on it.
#   - alice's stream is hers; bob cannot drop it (42501), cannot make a
#     view over it (42501) and does not see it in SHOW STREAMS until alice
#     grants him SELECT; his grant of INSERT to himself grants nothing;
#   - tokens: a role makes its own, a superuser anyone's; another role's
#     is 42501, an unknown role 42704;
#   - HTTP: no token 401, a bad token 401, a token whose role lacks INSERT
#     403, with the grant 200, after REVOKE 403 again, after DROP TOKEN 401,
#     each at once (no waiting); a GRANT rolled back grants nothing; a GRANT
#     made directly in PostgreSQL counts within the refresh period;
#     /v1/streams and /v1/views list what the token's role may see;
#     /healthz needs no token;
#   - every accepted request carries one event: the views count exactly the
#     requests answered 200;
#   - no token appears in sluiced's log.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
command -v curl >/dev/null 2>&1 || sl_skip "curl is not installed"
pg_start
pgq -c "CREATE ROLE alice LOGIN" -c "CREATE ROLE bob LOGIN" \
    -c "GRANT CREATE ON SCHEMA public TO alice, bob" >/dev/null
sluiced_start --flush-interval 50 --http-auth token

as() {  # role, psql args...: through sluiced, errors with their SQLSTATE
    u=$1
    shift
    psql -X -q -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U "$u" \
        -d postgres "$@" 2>&1 || true
}
expect() {  # what, wanted substring, output
    case $3 in *"$2"*) pass "$1" ;; *) fail "$1: wanted \"$2\", got: $3" ;; esac
}
post() {  # token ("" = none), stream, body: prints the HTTP status
    if [ -n "$1" ]; then
        curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
            -H 'Content-Type: application/x-ndjson' --data-binary "$3" "http://$SLUICE_HTTP/v1/streams/$2"
    else
        curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
            --data-binary "$3" "http://$SLUICE_HTTP/v1/streams/$2"
    fi
}
get() {  # token, path: prints the body
    curl -s -H "Authorization: Bearer $1" "http://$SLUICE_HTTP$2"
}

# ---- ownership ----
out=$(as alice -c "CREATE STREAM sa (k integer, v integer)" \
               -c "CREATE CONTINUOUS VIEW va AS SELECT k, count(*) AS n FROM sa GROUP BY k")
[ -z "$out" ] && pass "alice creates a stream and a view without grants on sluiced's catalog" ||
    fail "alice's CREATE: $out"
[ "$(pgq -c "SELECT relowner::regrole FROM pg_class WHERE oid = 'sluice_stream.sa'::regclass")" = alice ] &&
    pass "the stream's relation is alice's" || fail "owner of sluice_stream.sa is not alice"
expect "bob cannot drop alice's stream" "ERROR:  42501: must be owner of stream sa" \
    "$(as bob -c "DROP STREAM sa CASCADE")"
[ "$(as alice -At -c "SHOW STREAMS" | cut -d'|' -f1)" = sa ] &&
    pass "the stream survives bob's DROP" || fail "alice's stream is gone"
expect "bob cannot make a view over alice's stream" "ERROR:  42501: permission denied for stream sa" \
    "$(as bob -c "CREATE CONTINUOUS VIEW vb AS SELECT count(*) AS n FROM sa")"
[ "$(pgq -c "SELECT count(*) FROM pg_class WHERE relname = 'vb'")" = 0 ] &&
    pass "the refused view left no relation" || fail "vb half-created"
[ -z "$(as bob -c "SHOW STREAMS")" ] && pass "bob does not see alice's stream" ||
    fail "bob sees: $(as bob -c "SHOW STREAMS")"
[ -z "$(as bob -c "SHOW CONTINUOUS VIEWS")" ] && pass "bob does not see alice's view" ||
    fail "bob sees: $(as bob -c "SHOW CONTINUOUS VIEWS")"
[ "$(slq -c "SHOW STREAMS" | cut -d'|' -f1)" = sa ] && pass "the superuser sees every stream" ||
    fail "the superuser's SHOW STREAMS: $(slq -c "SHOW STREAMS")"
expect "bob cannot grant on alice's stream" "ERROR:  42501: permission denied for stream sa" \
    "$(as bob -c "GRANT INSERT ON STREAM sa TO bob")"
expect "GRANT on an unknown stream: 42P01" 'ERROR:  42P01: stream "nosuch" does not exist' \
    "$(as alice -c "GRANT INSERT ON STREAM nosuch TO bob")"
expect "GRANT to an unknown role: 42704" 'ERROR:  42704: role "nobody_here" does not exist' \
    "$(as alice -c "GRANT INSERT ON STREAM sa TO nobody_here")"
out=$(as alice -c "GRANT SELECT ON STREAM sa TO bob")
[ -z "$out" ] && pass "alice grants bob SELECT" || fail "alice's GRANT SELECT: $out"
out=$(as bob -c "CREATE CONTINUOUS VIEW vb AS SELECT count(*) AS n FROM sa")
[ -z "$out" ] && pass "with SELECT bob makes a view over alice's stream" || fail "bob's view: $out"
expect "with a privilege but no grant option, bob's grant grants nothing (a warning, as PostgreSQL)" \
    'WARNING:  01007: no privileges were granted for "sa"' \
    "$(as bob -c "GRANT INSERT ON STREAM sa TO bob")"
[ "$(as bob -c "SHOW STREAMS" | cut -d'|' -f1)" = sa ] && pass "bob now sees the stream" ||
    fail "bob's SHOW STREAMS: $(as bob -c "SHOW STREAMS")"
[ "$(as bob -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1)" = vb ] &&
    pass "bob sees his view, not alice's" || fail "bob's views: $(as bob -c "SHOW CONTINUOUS VIEWS")"

# ---- tokens ----
expect "alice cannot make bob's token" 'ERROR:  42501: permission denied to create tokens of role "bob"' \
    "$(as alice -c "CREATE TOKEN FOR ROLE bob")"
expect "a token for an unknown role: 42704" 'ERROR:  42704: role "nobody_here" does not exist' \
    "$(as postgres -c "CREATE TOKEN FOR ROLE nobody_here")"
TA=$(as alice -c "CREATE TOKEN FOR ROLE alice")
TB=$(as bob -c "CREATE TOKEN FOR ROLE bob")
TB2=$(slq -c "CREATE TOKEN FOR ROLE bob")
case "$TA $TB $TB2" in
    slt_*" slt_"*" slt_"*) pass "tokens made: by their role, and by a superuser" ;;
    *) fail "tokens: $TA / $TB / $TB2" ;;
esac
[ "$(pgq -c "SELECT count(*) FROM sluice.tokens WHERE encode(hash, 'hex') = encode(sha256('$TA'), 'hex')")" = 1 ] &&
    [ "$(pgq -c "SELECT count(*) FROM sluice.tokens WHERE hash::text LIKE '%$(printf %s "$TA" | cut -c5-20)%'")" = 0 ] &&
    pass "only the token's SHA-256 is stored" || fail "sluice.tokens does not hold the hash alone"

# ---- HTTP ----
sent_ok=0
st=$(post "" sa '{"k":1,"v":1}')
[ "$st" = 401 ] && pass "no token: 401" || fail "no token: $st"
curl -s -D - -o /dev/null -H 'Content-Type: application/x-ndjson' --data-binary '{"k":1}' \
    "http://$SLUICE_HTTP/v1/streams/sa" | grep -qi '^WWW-Authenticate: Bearer' &&
    pass "401 says WWW-Authenticate: Bearer" || fail "no WWW-Authenticate header"
st=$(post "slt_0000000000000000000000000000000000000000000000000000000000000000" sa '{"k":1,"v":1}')
[ "$st" = 401 ] && pass "a bad token: 401" || fail "bad token: $st"
st=$(post "$TB" sa '{"k":1,"v":1}')
[ "$st" = 403 ] && pass "bob's token without INSERT: 403" || fail "bob without INSERT: $st"
st=$(post "$TA" sa '{"k":1,"v":1}')
[ "$st" = 200 ] && { sent_ok=$((sent_ok + 1)); pass "alice's token: 200"; } || fail "alice: $st"
as alice -c "GRANT INSERT ON STREAM sa TO bob" >/dev/null
st=$(post "$TB" sa '{"k":2,"v":1}')
[ "$st" = 200 ] && { sent_ok=$((sent_ok + 1)); pass "bob after GRANT INSERT: 200 at once"; } ||
    fail "bob after the grant: $st"
st=$(post "$TB2" sa '{"k":2,"v":1}')
[ "$st" = 200 ] && { sent_ok=$((sent_ok + 1)); pass "bob's token made by the superuser: 200"; } ||
    fail "bob's second token: $st"
as alice -c "REVOKE INSERT ON STREAM sa FROM bob" >/dev/null
st=$(post "$TB" sa '{"k":3,"v":1}')
[ "$st" = 403 ] && pass "bob after REVOKE: 403 at once" || fail "bob after the revoke: $st"
as alice -c "BEGIN" -c "GRANT INSERT ON STREAM sa TO bob" -c "ROLLBACK" >/dev/null
st=$(post "$TB" sa '{"k":3,"v":1}')
[ "$st" = 403 ] && pass "a GRANT rolled back grants nothing" || fail "after the rolled back grant: $st"
# A grant made in PostgreSQL itself counts within the refresh period.
pgq -c "GRANT INSERT ON sluice_stream.sa TO bob" >/dev/null
i=0
while [ "$(post "$TB" sa '{"k":4,"v":1}')" != 200 ]; do
    i=$((i + 1))
    [ $i -lt 50 ] || break
    sleep 0.1
done
[ $i -lt 50 ] && { sent_ok=$((sent_ok + 1)); pass "a GRANT made directly in PostgreSQL counts within 5 s"; } ||
    fail "the direct grant never counted"
pgq -c "REVOKE INSERT ON sluice_stream.sa FROM bob" >/dev/null

# INSERT and COPY through sluiced: the session's own role decides (asked
# of its backend, so SET ROLE counts too)
expect "bob's INSERT without the privilege: 42501" "ERROR:  42501: permission denied for stream sa" \
    "$(as bob -c "INSERT INTO sa (k, v) VALUES (9, 9)")"
expect "bob's COPY without the privilege: 42501" "ERROR:  42501: permission denied for stream sa" \
    "$(printf '9\t9\n' | as bob -c "COPY sa (k, v) FROM STDIN")"
expect "the superuser as bob (SET ROLE): 42501" "ERROR:  42501: permission denied for stream sa" \
    "$(as postgres -c "SET ROLE bob" -c "INSERT INTO sa (k, v) VALUES (9, 9)")"
expect "an unknown column is found before the privilege (as PostgreSQL)" "ERROR:  42703" \
    "$(as bob -c "INSERT INTO sa (nosuch) VALUES (9)")"
as alice -c "GRANT INSERT ON STREAM sa TO bob" >/dev/null
out=$(as bob -c "INSERT INTO sa (k, v) VALUES (6, 1), (6, 2)")
[ -z "$out" ] && { sent_ok=$((sent_ok + 2)); pass "bob's INSERT after the grant"; } ||
    fail "bob's INSERT after the grant: $out"
out=$(printf '7\t1\n' | as bob -c "COPY sa (k, v) FROM STDIN")
[ -z "$out" ] && { sent_ok=$((sent_ok + 1)); pass "bob's COPY after the grant"; } ||
    fail "bob's COPY after the grant: $out"

# the catalog as the token's role sees it
streams=$(get "$TB" /v1/streams)
views=$(get "$TB" /v1/views)
case $streams in *'"name": "sa"'*) pass "/v1/streams lists the stream for bob" ;;
    *) fail "/v1/streams for bob: $streams" ;; esac
case $views in *'"vb"'*) ;; *) fail "/v1/views lacks bob's view: $views" ;; esac
case $views in *'"va"'*) fail "/v1/views shows alice's view to bob: $views" ;;
    *) pass "/v1/views: bob's view, not alice's" ;; esac
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$SLUICE_HTTP/v1/views")" = 401 ] &&
    pass "/v1/views without a token: 401" || fail "/v1/views open without a token"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$SLUICE_HTTP/healthz")" = 200 ] &&
    pass "/healthz needs no token" || fail "/healthz refused without a token"

expect "bob cannot drop alice's tokens" 'ERROR:  42501: permission denied to drop tokens of role "alice"' \
    "$(as bob -c "DROP TOKEN FOR ROLE alice")"
expect "bob cannot drop alice's token by its value either" 'ERROR:  42704: token does not exist' \
    "$(as bob -c "DROP TOKEN '$TA'")"
out=$(as bob -c "DROP TOKEN '$TB'")
[ -z "$out" ] && pass "bob drops his token" || fail "bob's DROP TOKEN: $out"
st=$(post "$TB" sa '{"k":5,"v":1}')
[ "$st" = 401 ] && pass "a dropped token: 401 at once" || fail "dropped token: $st"
st=$(post "$TB2" sa '{"k":5,"v":1}')
[ "$st" = 200 ] && { sent_ok=$((sent_ok + 1)); pass "his other token still works"; } ||
    fail "bob's other token: $st"

# exactly once per 200
[ "$(as bob -c "SELECT n FROM vb")" = "$sent_ok" ] &&
    pass "bob's view counts exactly the $sent_ok requests answered 200" ||
    fail "vb holds $(as bob -c "SELECT n FROM vb"), $sent_ok requests were accepted"
[ "$(as alice -c "SELECT sum(n) FROM va")" = "$sent_ok" ] &&
    pass "alice's view too" || fail "va holds $(as alice -c "SELECT sum(n) FROM va")"

# ---- dropping ----
expect "alice cannot drop bob's view with her stream" "ERROR:  42501: must be owner of view vb" \
    "$(as alice -c "DROP STREAM sa CASCADE")"
out=$(as bob -c "DROP CONTINUOUS VIEW vb")
[ -z "$out" ] && pass "bob drops his view" || fail "bob's DROP: $out"
out=$(as alice -c "DROP STREAM sa CASCADE" 2>&1)
[ "$(pgq -c "SELECT count(*) FROM pg_class WHERE relname IN ('sa', 'va', 'vb')")" = 0 ] &&
    [ "$(pgq -c "SELECT count(*) FROM sluice.streams") $(pgq -c "SELECT count(*) FROM sluice.views")" = "0 0" ] &&
    pass "alice drops her stream: relations and catalog rows gone" || fail "alice's DROP STREAM: $out"

# README.md's token example, as written there (ports of this test)
slq -c "CREATE STREAM clicks (url text)" -c "CREATE CONTINUOUS VIEW clicks_n AS SELECT count(*) AS n FROM clicks" >/dev/null
awk '/^### HTTP tokens/ { on = 1; next } on && /^### / { exit }
     on && inb && /^```$/ { exit } on && inb { print } on && $0 == "```sh" { inb = 1 }' \
    "$top_srcdir/README.md" | sed -e "s/-p 7432/-p $SLUICE_PGWIRE_PORT/g" \
    -e "s/127\.0\.0\.1:7480/$SLUICE_HTTP/g" >"$PGTEST_DIR/token_example.sh"
grep -q "Bearer" "$PGTEST_DIR/token_example.sh" || fail "README.md has no token example"
out=$(sh -e "$PGTEST_DIR/token_example.sh" 2>&1)
expect "README's token example ingests" '"accepted": 1' "$out"
[ "$(slq -c "SELECT n FROM clicks_n")" = 1 ] && pass "README's token example: the view counts it" ||
    fail "clicks_n: $(slq -c "SELECT n FROM clicks_n")"

# the shell's \ingest: with no SLUICE_TOKEN it makes a token for the
# session's role and drops it afterwards; a bad SLUICE_TOKEN is shown 401
printf '{"url": "/x"}\n{"url": "/y"}\n' >"$PGTEST_DIR/ev.ndjson"
before=$(pgq -c "SELECT count(*) FROM sluice.tokens")
out=$("$top_builddir/sluice" -X -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres \
      -c "\\ingest clicks $PGTEST_DIR/ev.ndjson" 2>&1 || true)
expect "the shell's \\ingest with token auth" "ingested 2 events into clicks" "$out"
[ "$(pgq -c "SELECT count(*) FROM sluice.tokens")" = "$before" ] &&
    pass "the shell dropped the token it made" || fail "the shell left its token behind"
out=$(SLUICE_TOKEN=slt_bad "$top_builddir/sluice" -X -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" \
      -U postgres -c "\\ingest clicks $PGTEST_DIR/ev.ndjson" 2>&1 || true)
expect "the shell with a bad SLUICE_TOKEN: 401 shown" "HTTP 401" "$out"
[ "$(slq -c "SELECT n FROM clicks_n")" = 3 ] && pass "the view counts the shell's 2 events" ||
    fail "clicks_n after the shell: $(slq -c "SELECT n FROM clicks_n")"

for t in "$TA" "$TB" "$TB2"; do
    grep -q "$t" "$SLUICED_LOG" && fail "a token is in sluiced's log"
done
pass "no token in sluiced's log"
sluiced_stop
sl_done "privileges: all checks passed"
