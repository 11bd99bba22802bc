#!/bin/sh
# tests/e2e/ingest.sh: HTTP ingest and SQL end to end, against a throwaway
# PostgreSQL (read directly with psql, not through sluiced):
#   - rows are readable in PostgreSQL the moment the 200 arrives (many times);
#   - a bad line in the middle, or an integer overflow in a view's expression,
#     answers 400 with the error JSON and applies nothing;
#   - 404 / 405 / 413 / 415, the empty body, /healthz;
#   - gzip bodies of several members (all read; zero padding after the last
#     one ignored, other bytes 400; max_body_size bounds the whole);
#   - answers to URLs and bodies with invalid UTF-8 are valid JSON (U+FFFD);
#   - a restart (SIGTERM, start again on the same PostgreSQL) keeps streams and
#     views and keeps updating them;
#   - IF [NOT] EXISTS notices; DROP STREAM without CASCADE refuses while views
#     depend on it; DROP ... CASCADE removes the views' relations;
#   - errors through psql with SQLSTATE and the caret position (42601, 42703,
#     42P01, 42P07, 42803).
# Every check runs; the script prints each failure and exits 1 if any.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC PGCLIENTENCODING=UTF8

nfail=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
pass() { echo "ok: $*"; }

pg_start
sluiced_start --flush-interval 100 --max-body-size 4096
work=$PGTEST_DIR/ingest
mkdir -p "$work"

pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO" "$@"; }
slq() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@"; }

# post STREAM BODY [CONTENT-TYPE]: sets CODE and RESP (the response body).
post() {
    st=$1 body=$2 ct=${3:-application/x-ndjson}
    printf '%s' "$body" >"$work/body"
    CODE=$(curl -s -o "$work/resp" -w '%{http_code}' -H "Content-Type: $ct" \
        --data-binary @"$work/body" "http://$SLUICE_HTTP/v1/streams/$st") || CODE=000
    RESP=$(cat "$work/resp")
}
accepted() { echo "$RESP" | sed -n 's/^{ *"accepted" *: *\([0-9][0-9]*\) *}$/\1/p'; }

slq <<'EOF' || sl_fail "setting up the stream and views through sluiced failed"
CREATE STREAM ev (k integer, v integer, name text);
CREATE CONTINUOUS VIEW per_k AS SELECT k, count(*) AS n, sum(v) AS sv FROM ev GROUP BY k;
CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n, sum(v) AS sv FROM ev;
CREATE CONTINUOUS VIEW doubled AS SELECT k, sum(v * 2) AS s2 FROM ev GROUP BY k;
EOF

# ---- visibility: the 200 comes after the commit --------------------------
n=0 sv=0 bad=0
j=1
while [ $j -le 60 ]; do
    body=
    m=1
    while [ $m -le $((j % 7 + 1)) ]; do
        body="$body{\"k\": $((j % 5)), \"v\": $j, \"name\": \"r$j.$m\"}
"
        m=$((m + 1))
    done
    cnt=$((j % 7 + 1))
    post ev "$body"
    if [ "$CODE" != 200 ] || [ "$(accepted)" != "$cnt" ]; then
        fail "POST $j: HTTP $CODE $RESP, expected 200 {\"accepted\": $cnt}"
        bad=1
        break
    fi
    n=$((n + cnt)) sv=$((sv + cnt * j))
    got=$(pgq -c "SELECT n || ' ' || sv FROM total")
    if [ "$got" != "$n $sv" ]; then
        fail "right after the 200 of POST $j PostgreSQL shows total = '$got', expected '$n $sv'"
        bad=1
        break
    fi
    j=$((j + 1))
done
[ $bad = 1 ] || pass "60 POSTs, each visible in PostgreSQL when its 200 arrived"
got=$(pgq -c "SELECT string_agg(k || ':' || n, ' ' ORDER BY k) FROM per_k")
want=$(awk 'BEGIN { for (j = 1; j <= 60; j++) c[j % 5] += j % 7 + 1;
                    for (k = 0; k < 5; k++) printf "%s%d:%d", k ? " " : "", k, c[k] }')
[ "$got" = "$want" ] && pass "per_k counts" || fail "per_k: got '$got', expected '$want'"
# the same rows through sluiced (forwarded SELECT)
got2=$(slq -c "SELECT string_agg(k || ':' || n, ' ' ORDER BY k) FROM per_k")
[ "$got2" = "$want" ] && pass "SELECT through sluiced" || fail "per_k through sluiced: '$got2'"

# CRLF line ends, no newline after the last line
post ev "$(printf '{"k": 1, "v": 1}\r\n{"k": 2, "v": 2}')"
if [ "$CODE" = 200 ] && [ "$(accepted)" = 2 ]; then
    n=$((n + 2)) sv=$((sv + 3))
    pass "CRLF and a last line without newline"
else
    fail "CRLF body: HTTP $CODE $RESP, expected 200 {\"accepted\": 2}"
fi
# concurrent clients: 6 at once, 25 requests of 8 events each
i=1 pids=
while [ $i -le 6 ]; do
    (
        j=1
        awk -v c=$i 'BEGIN { for (e = 0; e < 8; e++) printf "{\"k\": %d, \"v\": %d}\n", c, e }' >"$work/par.$i"
        while [ $j -le 25 ]; do
            curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-ndjson' \
                --data-binary @"$work/par.$i" "http://$SLUICE_HTTP/v1/streams/ev"
            j=$((j + 1))
        done >"$work/par.$i.codes"
    ) &
    pids="$pids $!"
    i=$((i + 1))
done
for p in $pids; do wait "$p"; done  # (a bare wait would wait for sluiced too)
codes=$(cat "$work"/par.*.codes | sort | uniq -c | tr -s ' ' | tr '\n' ';')
n=$((n + 6 * 25 * 8)) sv=$((sv + 6 * 25 * 28))
got=$(pgq -c "SELECT n || ' ' || sv FROM total")
[ "$codes" = " 150 200;" ] && [ "$got" = "$n $sv" ] && pass "6 concurrent clients: 150 x 200, total $got" ||
    fail "6 concurrent clients: status counts '$codes', total '$got', expected 150 x 200 and '$n $sv'"
before=$(pgq -c "SELECT n || ' ' || sv FROM total; SELECT string_agg(k || ':' || s2, ' ' ORDER BY k) FROM doubled")

# ---- rejected requests apply nothing --------------------------------------
check_unchanged() {
    now=$(pgq -c "SELECT n || ' ' || sv FROM total; SELECT string_agg(k || ':' || s2, ' ' ORDER BY k) FROM doubled")
    [ "$now" = "$before" ] || fail "$1: the views changed ('$before' -> '$now')"
}
post ev '{"k": 1, "v": 1}
{"k": 2, "v": 2}
{"k": "abc", "v": 3}
{"k": 4, "v": 4}
'
case $CODE:$RESP in
    400:*'"line": 3'*'"column": "k"'*) pass "bad value on line 3: $RESP" ;;
    *) fail "bad value on line 3: HTTP $CODE $RESP, expected 400 with \"line\": 3, \"column\": \"k\"" ;;
esac
sleep 0.3; check_unchanged "bad value on line 3"

post ev '{"k": 1, "v": 1}
{"k": 2, "v": 2, "name": "unterminated}
{"k": 4, "v": 4}
'
case $CODE:$RESP in
    400:*'"error"'*'"line": 2'*) pass "malformed JSON on line 2: $RESP" ;;
    *) fail "malformed JSON on line 2: HTTP $CODE $RESP, expected 400 with \"line\": 2" ;;
esac
post ev '{"k": 1, "v": 1}
{"k": 2, "v": 2147483648}
'
case $CODE:$RESP in
    400:*'out of range'*'"line": 2'*'"column": "v"'* | 400:*'"line": 2'*'"column": "v"'*'out of range'*)
        pass "int4 out of range on line 2: $RESP" ;;
    *) fail "int4 out of range on line 2: HTTP $CODE $RESP, expected 400 with \"line\": 2, \"column\": \"v\" and 'out of range'" ;;
esac
# v * 2 overflows integer in view "doubled": PostgreSQL raises 22003 there
post ev '{"k": 1, "v": 5}
{"k": 2, "v": 2000000000}
{"k": 3, "v": 6}
'
# (the request is rejected like a bad line: the JSON names the event's line)
case $CODE:$RESP in
    400:*'integer out of range'*'"line": 2'* | 400:*'"line": 2'*'integer out of range'*)
        pass "overflow in a view's expression: $RESP" ;;
    *) fail "overflow in v * 2 on line 2: HTTP $CODE $RESP, expected 400 with 'integer out of range' and \"line\": 2" ;;
esac
sleep 0.3; check_unchanged "rejected requests"
pass "rejected requests applied nothing"

# ---- status codes ---------------------------------------------------------
post nosuch '{"k": 1}'
[ "$CODE" = 404 ] && pass "404 unknown stream" || fail "unknown stream: HTTP $CODE $RESP, expected 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary '{"k": 1}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 405 ] && pass "405 PUT" || fail "PUT /v1/streams/ev: HTTP $code, expected 405"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 405 ] && pass "405 DELETE" || fail "DELETE /v1/streams/ev: HTTP $code, expected 405"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$SLUICE_HTTP/healthz")
[ "$code" = 405 ] && pass "405 POST /healthz" || fail "POST /healthz: HTTP $code, expected 405"
big=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"k\": 1, \"v\": %d}\n", i }')
post ev "$big"
[ "$CODE" = 413 ] && pass "413 body over --max-body-size" || fail "$(printf '%s' "$big" | wc -c)-byte body with --max-body-size 4096: HTTP $CODE, expected 413"
post ev '{"k": 1, "v": 1}' application/xml
[ "$CODE" = 415 ] && pass "415 application/xml" || fail "Content-Type application/xml: HTTP $CODE $RESP, expected 415"
post ev ''
[ "$CODE" = 200 ] && [ "$(accepted)" = 0 ] && pass "empty body: $RESP" ||
    fail "empty body: HTTP $CODE $RESP, expected 200 {\"accepted\": 0}"
code=$(curl -s -o "$work/h" -w '%{http_code}' "http://$SLUICE_HTTP/healthz")
[ "$code" = 200 ] && pass "/healthz: $(cat "$work/h")" || fail "/healthz: HTTP $code"
curl -s "http://$SLUICE_HTTP/metrics" >"$work/metrics"
flushes=$(awk '$1 == "sluice_flush_duration_seconds_count" { print $2 }' "$work/metrics")
p99=$(awk '$1 == "sluice_flush_duration_seconds{quantile=\"0.99\"}" { print $2 }' "$work/metrics")
accepted_total=$(awk '$1 == "sluice_events_accepted_total" { print $2 }' "$work/metrics")
if [ "${flushes:-0}" -gt 0 ] && [ -n "$p99" ] && [ "$(awk -v p="$p99" 'BEGIN { print (p > 0) }')" = 1 ] &&
    [ "${accepted_total:-0}" -ge "$n" ]; then
    pass "/metrics: $flushes flushes, p99 ${p99}s, $accepted_total events accepted"
else
    fail "/metrics: flushes '$flushes', p99 '$p99', accepted '$accepted_total' (>= $n expected)"
fi
sleep 0.3; check_unchanged "404/405/413/415/empty requests"

# ---- gzip bodies of several members (RFC 1952: `cat a.gz b.gz`) ---------
# post_gz FILE: POSTs FILE as a gzip-encoded NDJSON body; sets CODE and RESP.
post_gz() {
    CODE=$(curl -s -o "$work/resp" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
        -H 'Content-Encoding: gzip' --data-binary @"$1" "http://$SLUICE_HTTP/v1/streams/ev") || CODE=000
    RESP=$(cat "$work/resp")
}
if command -v gzip >/dev/null 2>&1; then
    printf '{"k": 20, "v": 1}\n{"k": 20, "v": 2}\n' | gzip -c >"$work/m1.gz"
    printf '{"k": 20, "v": 3}\n' | gzip -c >"$work/m2.gz"
    cat "$work/m1.gz" "$work/m2.gz" >"$work/two.gz"
    post_gz "$work/two.gz"
    if [ "$CODE" = 200 ] && [ "$(accepted)" = 3 ]; then
        n=$((n + 3)) sv=$((sv + 6))
        [ "$(pgq -c 'SELECT n || $$ $$ || sv FROM per_k WHERE k = 20')" = "3 6" ] &&
            pass "a gzip body of two members: the events of both counted" ||
            fail "per_k k=20 after two members: '$(pgq -c 'SELECT n, sv FROM per_k WHERE k = 20')', expected '3 6'"
    else
        fail "two gzip members: HTTP $CODE $RESP, expected 200 {\"accepted\": 3}"
    fi
    # zero bytes after the last member are padding (as gzip -d takes them)
    { cat "$work/two.gz"; head -c 100 /dev/zero; } >"$work/pad.gz"
    post_gz "$work/pad.gz"
    if [ "$CODE" = 200 ] && [ "$(accepted)" = 3 ]; then
        n=$((n + 3)) sv=$((sv + 6))
        pass "zero padding after the last member"
    else
        fail "two members and zero padding: HTTP $CODE $RESP, expected 200 {\"accepted\": 3}"
    fi
    before=$(pgq -c "SELECT n || ' ' || sv FROM total; SELECT string_agg(k || ':' || s2, ' ' ORDER BY k) FROM doubled")
    { cat "$work/two.gz"; printf 'garbage'; } >"$work/garbage.gz"
    post_gz "$work/garbage.gz"
    [ "$CODE" = 400 ] && pass "bytes after the last member: 400 $RESP" ||
        fail "two members and garbage: HTTP $CODE $RESP, expected 400"
    { cat "$work/m1.gz"; head -c 10 "$work/m2.gz"; } >"$work/cut.gz"
    post_gz "$work/cut.gz"
    [ "$CODE" = 400 ] && pass "a truncated second member: 400 $RESP" ||
        fail "truncated second member: HTTP $CODE $RESP, expected 400"
    # max_body_size (4096 here) bounds the inflated body as a whole
    awk 'BEGIN { for (i = 0; i < 140; i++) printf "{\"k\": 21, \"v\": %d}\n", i % 10 }' >"$work/half"
    gzip -c "$work/half" >"$work/h1.gz"
    cat "$work/h1.gz" "$work/h1.gz" >"$work/big.gz"
    post_gz "$work/h1.gz"
    [ "$CODE" = 200 ] && n=$((n + 140)) sv=$((sv + 14 * 45)) || fail "one member of $(wc -c <"$work/half") bytes: HTTP $CODE $RESP"
    before=$(pgq -c "SELECT n || ' ' || sv FROM total; SELECT string_agg(k || ':' || s2, ' ' ORDER BY k) FROM doubled")
    post_gz "$work/big.gz"
    [ "$CODE" = 413 ] && pass "two members over max_body_size together: 413" ||
        fail "two members of $(wc -c <"$work/half") bytes each with --max-body-size 4096: HTTP $CODE $RESP, expected 413"
    sleep 0.3; check_unchanged "rejected gzip bodies"
else
    echo "gzip is not installed: multi-member bodies not tested"
fi

# ---- answers stay valid JSON whatever bytes the request held ----------------
# The 404 echoes the stream name from the URL, 400s echo bytes of the body:
# invalid UTF-8 there (raw or percent-encoded: stray bytes, overlong forms,
# surrogates, truncated sequences, a name cut by the message's size) must
# become U+FFFD, so that every application/json answer parses.
if command -v python3 >/dev/null 2>&1; then
    cat >"$work/hostile.py" <<'EOF'
import json, socket, sys
host, port = sys.argv[1].split(':')
def ask(target, body=b'{"k": 1}', headers=b''):
    s = socket.create_connection((host, int(port)))
    s.sendall(b'POST ' + target + b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
              b'Content-Type: application/x-ndjson\r\n' + headers +
              b'Content-Length: ' + str(len(body)).encode() + b'\r\n\r\n' + body)
    data = b''
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    head, _, resp = data.partition(b'\r\n\r\n')
    return int(head.split(b' ')[1]), head, resp
bad = 0
cases = [
    (b'/v1/streams/%FF%FE', 404, '\ufffd\ufffd'),
    (b'/v1/streams/\xff\xfe', 404, '\ufffd\ufffd'),
    (b'/v1/streams/%C0%AF', 404, '\ufffd\ufffd'),
    (b'/v1/streams/%ED%A0%80', 404, '\ufffd\ufffd\ufffd'),
    (b'/v1/streams/%E2%82', 404, '\ufffd\ufffd'),
    (b'/v1/streams/%F4%90%80%80', 404, '\ufffd' * 4),
    (b'/v1/streams/%01%1F%7F%22%5C', 404, '\x01\x1f\x7f"\\'),
    (b'/v1/streams/' + b'%C3%A9' * 200, 404, '\u00e9'),
    (b'/v1/streams/a%C3', 404, 'a\ufffd'),
]
for target, code, want in cases:
    got, head, resp = ask(target)
    try:
        msg = json.loads(resp.decode('utf-8'))['error']
        ok = got == code and want in msg
    except Exception as e:
        ok, msg = False, repr(e)
    if not ok:
        print('FAIL: %r: HTTP %d %r (%s)' % (target, got, resp, msg))
        bad += 1
# (into hx, a stream without views: some are accepted, unknown keys ignored)
bodies = [
    b'{"name": "\xff\xfe"}\n',
    b'{"k": "\xff\xfe"}\n',
    b'{"\xff\xfe": 1}\n',
    b'{"k": 1, "\xc0\xaf": 2}\n',
    b'{"k": "\xed\xa0\x80"}\n',
    b'{"k": 1}\n{"k\xe2\x82": 2}\n',
]
for body in bodies:
    got, head, resp = ask(b'/v1/streams/hx', body)
    try:
        json.loads(resp.decode('utf-8'))
        ok = got in (200, 400)
    except Exception as e:
        ok = False
    if not ok:
        print('FAIL: body %r: HTTP %d %r' % (body, got, resp))
        bad += 1
got, head, resp = ask(b'/v1/streams/hx', b'', b'Idempotency-Key: \xff\xfe\x01\r\n')
try:
    json.loads(resp.decode('utf-8'))
except Exception as e:
    print('FAIL: Idempotency-Key: HTTP %d %r' % (got, resp))
    bad += 1
sys.exit(1 if bad else 0)
EOF
    before=$(pgq -c "SELECT n || ' ' || sv FROM total; SELECT string_agg(k || ':' || s2, ' ' ORDER BY k) FROM doubled")
    slq -c "CREATE STREAM hx (k integer, name text)" || fail "CREATE STREAM hx"
    python3 "$work/hostile.py" "$SLUICE_HTTP" && pass "answers to hostile URLs and bodies are valid JSON" ||
        fail "an answer to a hostile request is not valid JSON"
    slq -c "DROP STREAM hx" || fail "DROP STREAM hx"
    sleep 0.3; check_unchanged "hostile requests"
else
    echo "python3 is not installed: hostile URLs not tested"
fi

# ---- restart ------------------------------------------------------------
sluiced_stop
sluiced_start --flush-interval 100 --max-body-size 4096
streams=$(slq -c "SHOW STREAMS" | cut -d'|' -f1 | tr '\n' ' ')
views=$(slq -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1 | sort | tr '\n' ' ')
[ "$streams" = "ev " ] && pass "SHOW STREAMS after restart" || fail "SHOW STREAMS after restart: '$streams'"
[ "$views" = "doubled per_k total " ] && pass "SHOW CONTINUOUS VIEWS after restart" ||
    fail "SHOW CONTINUOUS VIEWS after restart: '$views'"
post ev '{"k": 0, "v": 1000}
{"k": 9, "v": 7}
'
if [ "$CODE" = 200 ] && [ "$(accepted)" = 2 ]; then
    n=$((n + 2)) sv=$((sv + 1007))
    got=$(pgq -c "SELECT n || ' ' || sv FROM total")
    [ "$got" = "$n $sv" ] && pass "views keep updating after a restart" ||
        fail "after the restart total = '$got', expected '$n $sv'"
    got=$(pgq -c "SELECT n || ' ' || sv FROM per_k WHERE k = 9")
    [ "$got" = "1 7" ] && pass "new group after restart" || fail "per_k k=9 after restart: '$got'"
else
    fail "POST after restart: HTTP $CODE $RESP"
fi
# Plain `curl --data-binary` (no Content-Type given: curl sends
# application/x-www-form-urlencoded), as the README's quick start does.
printf '{"k": 9, "v": 3}\n' >"$work/plain"
RESP=$(curl -s --data-binary @"$work/plain" "http://$SLUICE_HTTP/v1/streams/ev")
if [ "$(accepted)" = 1 ]; then
    n=$((n + 1)) sv=$((sv + 3))
    got=$(pgq -c "SELECT n || ' ' || sv FROM per_k WHERE k = 9")
    [ "$got" = "2 10" ] && pass "plain curl --data-binary" || fail "per_k k=9 after plain curl: '$got'"
else
    fail "plain curl --data-binary: $RESP"
fi

# ---- CSV bodies ------------------------------------------------------------
post ev '10,5,"a,b"
11,6,
' text/csv
if [ "$CODE" = 200 ] && [ "$(accepted)" = 2 ]; then
    n=$((n + 2)) sv=$((sv + 11))
else
    fail "CSV without header: HTTP $CODE $RESP, expected 200 {\"accepted\": 2}"
fi
printf 'name,v,k,extra\n"x""y",7,10,zz\n' >"$work/h.csv"
RESP=$(curl -s -H 'Content-Type: text/csv' --data-binary @"$work/h.csv" \
    "http://$SLUICE_HTTP/v1/streams/ev?header=true")
if [ "$(accepted)" = 1 ]; then
    n=$((n + 1)) sv=$((sv + 7))
else
    fail "CSV with ?header=true: $RESP"
fi
post ev '[
  {"k": 10, "v": 100},
  {"k": 10, "v": 200, "name": "pretty"}
]' application/json
if [ "$CODE" = 200 ] && [ "$(accepted)" = 2 ]; then
    n=$((n + 2)) sv=$((sv + 300))
else
    fail "application/json array: HTTP $CODE $RESP, expected 200 {\"accepted\": 2}"
fi
post ev '{"k": 10, "v": 1000}' application/json
if [ "$CODE" = 200 ] && [ "$(accepted)" = 1 ]; then
    n=$((n + 1)) sv=$((sv + 1000))
else
    fail "application/json object: HTTP $CODE $RESP, expected 200 {\"accepted\": 1}"
fi
got=$(pgq -c "SELECT n || ' ' || sv FROM per_k WHERE k = 10; SELECT n || ' ' || sv FROM total")
[ "$got" = "5 1312
$n $sv" ] && pass "CSV and JSON bodies reach the views" ||
    fail "after the CSV and JSON posts: '$got', expected '5 1312' and '$n $sv'"
# sluice.view_stats counts what every acknowledged request brought (the
# counts commit in the same transaction as the rows); per_k has no WHERE.
got=$(pgq -c "SELECT events || ' ' || matched FROM sluice.view_stats WHERE view_name = 'per_k'")
[ "$got" = "$n $n" ] && pass "sluice.view_stats: per_k saw $n events" ||
    fail "sluice.view_stats for per_k: '$got', expected '$n $n'"
post ev '12,1,a
13,abc,b
' text/csv
case $CODE:$RESP in
    400:*'"line": 2'*'"column": "v"'*) pass "CSV bad value on line 2: $RESP" ;;
    *) fail "CSV bad value on line 2: HTTP $CODE $RESP, expected 400 with line 2, column v" ;;
esac
got=$(pgq -c "SELECT n || ' ' || sv FROM total")
[ "$got" = "$n $sv" ] && pass "a bad CSV request applied nothing" || fail "after the bad CSV: '$got', expected '$n $sv'"

# ---- an output column computed from a group key overflows ----------------
# PostgreSQL's own SELECT k + 1000 ... GROUP BY k fails on such an event, so
# the request is rejected at ingest instead of breaking reads of the view.
slq -c "CREATE STREAM g (k integer)" \
    -c "CREATE CONTINUOUS VIEW gk AS SELECT k + 1000 AS kp, count(*) AS n FROM g GROUP BY k" ||
    fail "creating g and gk"
post g '{"k": 1}

{"k": 2147483000}
'
case $CODE:$RESP in
    400:*'integer out of range'*'"line": 3'*'"view": "gk"'*) pass "key expression overflow: $RESP" ;;
    *) fail "k + 1000 overflowing on line 3: HTTP $CODE $RESP, expected 400, integer out of range, line 3, view gk" ;;
esac
post g '{"k": 1}'
[ "$CODE" = 200 ] && [ "$(pgq -c "SELECT kp || ' ' || n FROM gk")" = "1001 1" ] &&
    pass "gk holds only the good request" || fail "gk: HTTP $CODE, view holds '$(pgq -c 'SELECT * FROM gk')'"
slq -c "DROP STREAM g CASCADE" || fail "DROP STREAM g CASCADE"

# ---- IF [NOT] EXISTS notices ----------------------------------------------
notice() {  # notice SQL PATTERN: the statement succeeds with a NOTICE matching PATTERN
    if slq -c "$1" >"$work/out" 2>&1 && grep -q "NOTICE: .*$2" "$work/out"; then
        pass "$1 -> $(grep NOTICE "$work/out")"
    else
        fail "$1: expected success with NOTICE matching '$2', got: $(cat "$work/out")"
    fi
}
notice "CREATE STREAM IF NOT EXISTS ev (a integer)" '"ev" already exists, skipping'
notice "CREATE CONTINUOUS VIEW IF NOT EXISTS total AS SELECT count(*) AS n FROM ev" '"total" already exists, skipping'
notice "DROP STREAM IF EXISTS nosuch" '"nosuch" does not exist, skipping'
notice "DROP CONTINUOUS VIEW IF EXISTS nosuch" '"nosuch" does not exist, skipping'
[ "$(slq -c "SHOW STREAMS" | cut -d'|' -f2)" = "k integer, v integer, name text" ] &&
    pass "IF NOT EXISTS left ev alone" || fail "ev's columns changed: $(slq -c 'SHOW STREAMS')"

# ---- errors with SQLSTATE and position -------------------------------------
# sqlerr SQL CODE [NEEDLE]: the statement fails with SQLSTATE CODE; with
# NEEDLE, psql's caret points at (an occurrence of) NEEDLE.
sqlerr() {
    sql=$1 code=$2 needle=${3:-}
    if psql -X -q -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
        -c "$sql" >"$work/out" 2>&1; then
        fail "$sql: succeeded, expected ERROR $code"
        return
    fi
    if ! grep -q "^ERROR:  $code: " "$work/out"; then
        fail "$sql: expected ERROR $code, got: $(cat "$work/out")"
        return
    fi
    if [ -n "$needle" ]; then
        # psql shows the line (cut around the position when over 60 columns)
        # and a caret under the position
        at=$(awk -v n="$needle" '/^LINE 1: / { l = $0; getline c; i = index(c, "^");
                 print (i > 8 && substr(l, i, length(n)) == n) ? "yes" : "no"; exit }' "$work/out")
        if [ "$at" != yes ]; then
            fail "$sql: expected the caret under '$needle', got: $(cat "$work/out")"
            return
        fi
    fi
    pass "$code: $(grep '^ERROR' "$work/out")"
}
sqlerr "CREATE STREAM s2 (a integer,, b integer)" 42601 ", b"
sqlerr "CREATE STREAMX s2 (a integer)" 42601 "STREAMX"
sqlerr "CREATE CONTINUOUS VIEW e1 AS SELECT nosuch, count(*) AS n FROM ev GROUP BY nosuch" 42703 "nosuch"
sqlerr "CREATE CONTINUOUS VIEW e2 AS SELECT count(*) AS n FROM nosuchstream" 42P01 "nosuchs"
sqlerr "CREATE STREAM ev (a integer)" 42P07
sqlerr "CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n FROM ev" 42P07
sqlerr "CREATE CONTINUOUS VIEW e3 AS SELECT k, v, count(*) AS n FROM ev GROUP BY k" 42803 "v, count"
sqlerr "CREATE CONTINUOUS VIEW e4 AS SELECT k FROM ev WHERE count(*) > 1 GROUP BY k" 42803 "count(*) >"
sqlerr "SELECT nosuchcol FROM total" 42703 "nosuchcol"
sqlerr "DROP STREAM nosuch" 42P01
sqlerr "DROP CONTINUOUS VIEW nosuch" 42P01
# the failed statements left nothing behind
views=$(slq -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1 | sort | tr '\n' ' ')
[ "$views" = "doubled per_k total " ] && pass "failed CREATEs left no view" || fail "views now: '$views'"

# ---- DROP ----------------------------------------------------------------
sqlerr "DROP STREAM ev" 2BP01
[ "$(slq -c "SHOW STREAMS" | cut -d'|' -f1)" = ev ] && pass "ev survives a refused DROP" ||
    fail "ev gone after a refused DROP STREAM"
mrel=$(pgq -c "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
               WHERE s.nspname = 'sluice_mrel' AND c.relkind IN ('r', 'v', 'm', 'p')")
[ "$mrel" -ge 3 ] && pass "$mrel relations in sluice_mrel" || fail "only $mrel relations in sluice_mrel for 3 views"
slq -c "DROP CONTINUOUS VIEW doubled" || fail "DROP CONTINUOUS VIEW doubled"
[ "$(pgq -c "SELECT to_regclass('public.doubled') IS NULL")" = t ] && pass "DROP CONTINUOUS VIEW removes public.doubled" ||
    fail "public.doubled still exists after DROP CONTINUOUS VIEW"
if slq -c "DROP STREAM ev CASCADE" >"$work/out" 2>&1; then
    grep -q "NOTICE: .*drop cascades to" "$work/out" && pass "DROP STREAM ev CASCADE: $(grep NOTICE "$work/out" | head -n1)" ||
        fail "DROP STREAM ev CASCADE gave no 'drop cascades to' NOTICE: $(cat "$work/out")"
else
    fail "DROP STREAM ev CASCADE failed: $(cat "$work/out")"
fi
left=$(pgq -c "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
               WHERE (s.nspname = 'sluice_mrel' AND c.relkind IN ('r', 'v', 'm', 'p', 'S'))
                  OR (s.nspname = 'public' AND c.relname IN ('per_k', 'total', 'doubled'))")
[ "$left" = 0 ] && pass "CASCADE removed every view relation" || fail "$left view relations left after DROP STREAM ev CASCADE"
cat=$(pgq -c "SELECT (SELECT count(*) FROM sluice.streams) || ' ' || (SELECT count(*) FROM sluice.views)")
[ "$cat" = "0 0" ] && pass "catalog empty" || fail "sluice.streams/views rows after the drop: $cat"
[ -z "$(slq -c 'SHOW STREAMS')$(slq -c 'SHOW CONTINUOUS VIEWS')" ] && pass "SHOW after drop empty" ||
    fail "SHOW after the drop: $(slq -c 'SHOW STREAMS') / $(slq -c 'SHOW CONTINUOUS VIEWS')"
post ev '{"k": 1}'
[ "$CODE" = 404 ] && pass "POST to the dropped stream: 404" || fail "POST to the dropped stream: HTTP $CODE $RESP"
# the name is free again
slq -c "CREATE STREAM ev (k integer); CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n FROM ev" &&
    post ev '{"k": 1}
{"k": 2}
' && [ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT n FROM total')" = 2 ] &&
    pass "re-created ev and total" || fail "re-creating ev/total after the drop (HTTP $CODE $RESP)"

sluiced_stop
pg_stop
if [ $nfail -ne 0 ]; then
    echo "ingest: $nfail check(s) failed"
    exit 1
fi
echo "ingest: all checks passed"
