#!/bin/sh
# tests/e2e/secrets.sh: the password of the backing PostgreSQL's connection
# string never reaches sluiced's log, whatever the form of the string
# (key=value with a quoted value holding spaces and an escaped quote, a
# postgresql:// URI, a malformed URI that libpq rejects quoting a token of
# it) and through an outage of PostgreSQL (connection errors logged).  The
# throwaway PostgreSQL uses trust authentication, so it accepts and ignores
# the passwords; the ready line shows password=******** in their place.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start

# Fails unless the log holds none of the secrets given.
no_secret() {
    what=$1
    shift
    for secret in "$@"; do
        if grep -qF -- "$secret" "$SLUICED_LOG"; then
            fail "$what: the log shows \"$secret\": $(grep -F -- "$secret" "$SLUICED_LOG" | head -n 2)"
            return
        fi
    done
    pass "$what: no secret in the log"
}

# 1. key=value, a quoted password with spaces and an escaped quote.
sluiced_start --flush-interval 50 --pg "$PGTEST_CONNINFO password='Kv S3cret\\'quote' sslmode=disable"
slq -c "CREATE STREAM ev (k integer)" -c "CREATE CONTINUOUS VIEW n AS SELECT count(*) AS n FROM ev" ||
    sl_fail "setting up through sluiced failed"
CODE=$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{"k": 1}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT n FROM n')" = 1 ] && pass "sluiced works with the password given" ||
    fail "POST: HTTP $CODE"
grep "sluiced ready:" "$SLUICED_LOG" | grep -qF "postgresql \"$PGTEST_CONNINFO password=******** sslmode=disable\"" &&
    pass "the ready line shows the connection string with password=********" ||
    fail "ready line: $(grep 'sluiced ready:' "$SLUICED_LOG")"
# an outage: the flush connection's errors are logged
pg_down
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --data-binary '{"k": 2}' "http://$SLUICE_HTTP/v1/streams/ev" || true)
sleep 0.5
pg_up
i=0
while ! grep -q "connected to PostgreSQL again" "$SLUICED_LOG" && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
grep -q "PostgreSQL connection for flushing lost" "$SLUICED_LOG" && pass "the outage was logged" ||
    fail "no outage in the log: $(tail -n 3 "$SLUICED_LOG")"
sluiced_stop
no_secret "key=value form" "Kv S3cret" "S3cret"

# 2. a URI with user:password@ and a password parameter.
sluiced_start --pg "postgresql://postgres:Ur1Secret@127.0.0.1:$PGTEST_PORT/postgres?password=Qu3ryPw&application_name=sec"
[ "$(slq -c 'SELECT 1')" = 1 ] && pass "sluiced works with the URI" || fail "query through sluiced (URI)"
grep "sluiced ready:" "$SLUICED_LOG" |
    grep -qF "postgresql://postgres:********@127.0.0.1:$PGTEST_PORT/postgres?password=********&application_name=sec" &&
    pass "the ready line masks both passwords of the URI" ||
    fail "ready line: $(grep 'sluiced ready:' "$SLUICED_LOG")"
sluiced_stop
no_secret "URI form" "Ur1Secret" "Qu3ryPw"

# 3. a URI libpq refuses, its message quoting the malformed password.
SLUICED_LOG="$PGTEST_DIR/sluiced.bad.log"
rc=0
"$top_builddir/sluiced" --pg "postgresql://postgres:B4d%zzPw@127.0.0.1:$PGTEST_PORT/postgres" \
    --pgwire-port 0 --http-port 0 2>"$SLUICED_LOG" || rc=$?
[ "$rc" != 0 ] && grep -q "invalid percent-encoded token" "$SLUICED_LOG" &&
    pass "a malformed URI stops sluiced with libpq's message" ||
    fail "exit $rc: $(cat "$SLUICED_LOG")"
no_secret "malformed URI" "B4d%zzPw" "B4d"

sl_done "all secrets checks passed"
