#!/bin/sh
# tests/e2e/shell_sluice.sh: the sluice shell against a real sluiced (on a
# throwaway PostgreSQL): SHOW http_address, \d listing streams and
# continuous views, \d of a stream and of a view, \ingest of ndjson and csv
# (final count, rows visible in the view), \ingest errors (unknown stream:
# 404, bad line: 400 with the server's JSON, stops with exit 3 in a script),
# and \ingest typed in a terminal (tmux).  $SLUICED names the server binary
# (default $top_builddir/sluiced); the script skips (77) without it.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

SLUICE=$top_builddir/sluice
SLUICED=${SLUICED:-$top_builddir/sluiced}
[ -x "$SLUICE" ] || sl_skip "$SLUICE is not built"
[ -x "$SLUICED" ] || sl_skip "no sluiced at $SLUICED (set SLUICED)"
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGPASSWORD
export PGTZ=UTC

nfail=0
fail() { printf 'FAIL: %s\n' "$*"; nfail=$((nfail + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

pg_start
work=$PGTEST_DIR/shell_sluice
mkdir -p "$work"

# Like lib.sh's sluiced_start, for the binary named by $SLUICED.
SLUICED_LOG=$work/sluiced.log
"$SLUICED" --pg "$PGTEST_CONNINFO" --pgwire-port 0 --http-port 0 --flush-interval 50 \
    2>"$SLUICED_LOG" &
SLUICED_PID=$!
i=0
while ! grep -q "sluiced ready:" "$SLUICED_LOG" 2>/dev/null; do
    kill -0 "$SLUICED_PID" 2>/dev/null || { SLUICED_PID=; cat "$SLUICED_LOG"; sl_skip "sluiced does not start"; }
    i=$((i + 1))
    [ $i -lt 600 ] || { cat "$SLUICED_LOG"; sl_fail "sluiced not ready after 30 s"; }
    sleep 0.05
done
line=$(grep -m1 "sluiced ready:" "$SLUICED_LOG")
PGW=$(echo "$line" | sed -n 's/.*ready: pgwire [^ ,]*:\([0-9][0-9]*\),.*/\1/p')
HTTP=$(echo "$line" | sed -n 's/.*, http [^ ,]*:\([0-9][0-9]*\),.*/\1/p')
[ -n "$PGW" ] && [ -n "$HTTP" ] || sl_fail "cannot parse the ready line: $line"

sl() { "$SLUICE" -X -h 127.0.0.1 -p "$PGW" -U postgres "$@" >"$work/out" 2>&1; RC=$?; }

sl -A -t -c 'SHOW http_address'
[ $RC = 0 ] && [ "$(cat "$work/out")" = "127.0.0.1:$HTTP" ] && pass "SHOW http_address" ||
    { fail "SHOW http_address (rc $RC)"; cat "$work/out"; }

sl -c 'CREATE STREAM clicks (user_id bigint, url text, amount integer)' \
   -c 'CREATE CONTINUOUS VIEW url_hits AS SELECT url, count(*) AS hits, sum(amount) AS total FROM clicks GROUP BY url'
[ $RC = 0 ] || { fail "creating the stream and view (rc $RC)"; cat "$work/out"; }

sl -c '\d'
if [ $RC = 0 ] && grep -q '^ *| clicks *| stream *| postgres *$' "$work/out" &&
    grep -q '^ public *| url_hits *| continuous view *|' "$work/out" &&
    grep -q 'List of relations' "$work/out"; then
    pass "\\d lists the stream and the continuous view"
else
    fail "\\d (rc $RC)"; cat "$work/out"
fi
sl -c '\dv' -c '\dv url*' -c '\dv nosuch'
if [ $RC = 0 ] && grep -q '^ public *| url_hits *| continuous view *| postgres' "$work/out" &&
    [ "$(grep -c 'url_hits' "$work/out")" = 2 ] && ! grep -q 'clicks' "$work/out" &&
    grep -q 'Did not find any relation named "nosuch"' "$work/out"; then
    pass "\\dv lists continuous views (with a pattern), not streams"
else
    fail "\\dv (rc $RC)"; cat "$work/out"
fi
sl -c '\d clicks'
if [ $RC = 0 ] && grep -q 'Stream "clicks"' "$work/out" && grep -q '^ user_id | bigint' "$work/out" &&
    grep -q '^ amount  | integer' "$work/out" && grep -q '^    url_hits$' "$work/out"; then
    pass "\\d stream: columns, types, the views reading it"
else
    fail "\\d clicks (rc $RC)"; cat "$work/out"
fi
sl -c '\d url_hits'
if [ $RC = 0 ] && grep -q 'Continuous view "url_hits"' "$work/out" && grep -q '^ hits ' "$work/out" &&
    grep -q '^Relation: public.url_hits$' "$work/out" && grep -qi 'GROUP BY url' "$work/out"; then
    pass "\\d continuous view: columns, relation, SQL"
else
    fail "\\d url_hits (rc $RC)"; cat "$work/out"
fi

# 30000 events in ~1.2 MB: more than one 1 MiB request.
awk 'BEGIN { for (i = 0; i < 30000; i++)
    printf "{\"user_id\":%d,\"url\":\"/page/%d\",\"amount\":125,\"pad\":\"%s\"}\n", i, i % 10,
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }' >"$work/ev.ndjson"
sl -c '\ingest clicks '"$work/ev.ndjson"
[ $RC = 0 ] && grep -qx 'ingested 30000 events into clicks' "$work/out" && pass "\\ingest ndjson in chunks" ||
    { fail "\\ingest ndjson (rc $RC)"; cat "$work/out"; }
printf '1,/csv,200\n2,/csv,300\n' >"$work/ev.csv"
sl -c '\ingest clicks '"$work/ev.csv"' csv'
[ $RC = 0 ] && grep -qx 'ingested 2 events into clicks' "$work/out" && pass "\\ingest csv" ||
    { fail "\\ingest csv (rc $RC)"; cat "$work/out"; }
i=0
while :; do
    got=$("$SLUICE" -X -h 127.0.0.1 -p "$PGW" -U postgres -A -t -c 'SELECT sum(hits), sum(total) FROM url_hits' 2>&1)
    [ "$got" = "30002|3750500" ] && break
    i=$((i + 1))
    [ $i -lt 50 ] || break
    sleep 0.1
done
[ "$got" = "30002|3750500" ] && pass "ingested events are in the view" || fail "view holds '$got'"
sl -c '\d url_hits'
grep -q '^Statistics: 30002 events, 30002 matched its WHERE, ' "$work/out" &&
    grep -q '^Window: none' "$work/out" && grep -q '^Emit: every flush' "$work/out" &&
    pass "\\d of a view shows window, emit and statistics" ||
    { fail "\\d url_hits statistics (rc $RC)"; cat "$work/out"; }

sl -c '\ingest nosuch '"$work/ev.csv"' csv'
[ $RC = 1 ] && grep -q 'HTTP 404' "$work/out" && pass "\\ingest into an unknown stream: 404 shown" ||
    { fail "\\ingest unknown stream (rc $RC)"; cat "$work/out"; }
printf '{"user_id":1,"url":"/a","amount":1}\n{"user_id":"oops",\n' >"$work/bad.ndjson"
printf '\\ingest clicks %s\nSELECT 1 AS not_reached;\n' "$work/bad.ndjson" >"$work/bad.sql"
sl -f "$work/bad.sql"
[ $RC = 3 ] && grep -q 'HTTP 400' "$work/out" && grep -q '{' "$work/out" && ! grep -q not_reached "$work/out" &&
    pass "\\ingest of a bad line: 400 with the JSON error; the script stops (exit 3)" ||
    { fail "\\ingest bad line (rc $RC)"; cat "$work/out"; }

# In a terminal.
if command -v tmux >/dev/null 2>&1; then
    sock=$work/tmux.sock
    trap 'rc=$?; trap - EXIT; tmux -S "$sock" kill-server 2>/dev/null; sl__cleanup; exit $rc' EXIT
    tmux -S "$sock" new-session -d -x 120 -y 40 -s sh \
        "TERM=xterm SLUICE_HISTORY='$work/hist' '$SLUICE' -X -h 127.0.0.1 -p $PGW -U postgres; sleep 60"
    sleep 1
    tmux -S "$sock" send-keys -t sh "\\ingest clicks $work/ev.ndjson" Enter
    i=0
    while ! tmux -S "$sock" capture-pane -p -t sh | grep -q 'ingested 30000 events into clicks'; do
        i=$((i + 1))
        [ $i -lt 100 ] || break
        sleep 0.1
    done
    tmux -S "$sock" capture-pane -p -t sh | grep -q 'ingested 30000 events into clicks' &&
        pass "\\ingest in a terminal" || { fail "\\ingest in a terminal"; tmux -S "$sock" capture-pane -p -t sh; }
    tmux -S "$sock" kill-server 2>/dev/null
fi

kill -TERM "$SLUICED_PID" 2>/dev/null
wait "$SLUICED_PID" 2>/dev/null
SLUICED_PID=
[ $nfail = 0 ] || { echo "$nfail check(s) failed"; exit 1; }
echo "all sluiced shell checks passed"
