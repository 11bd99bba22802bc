#!/bin/sh
# tests/diff/numfmt.sh: jsonb_agg and to_jsonb of every type, width_bucket
# over numeric and to_char(numeric) in continuous views against
# PostgreSQL's own SELECT over the same events, which reach the stream in
# two requests (two flushes, so the aggregates' states combine).  Then
# to_jsonb's and width_bucket's errors.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC
pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/diff
mkdir -p "$work"
. "$top_srcdir/tests/diff/lib.sh"
diff_setup

cols="id integer, g text, ts timestamptz, tl timestamp, iv interval, d date, t time, u uuid,
      m numeric, f double precision, b boolean, ai integer[], at text[], j jsonb"
e1='{"id":1,"g":"a","ts":"2026-01-01T00:00:07Z","tl":"2026-01-01 00:00:07.5","iv":"1 day 02:03:04","d":"2026-02-03","t":"13:14:15.5","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","m":12345678901234567890.123456789012345,"f":1.5,"b":true,"ai":[1,2,null],"at":["x","y z"],"j":{"k":[1,"s"]}}
{"id":2,"g":"b","ts":"1999-12-31 23:59:59.999999+05:30","tl":"0044-03-15 12:00 BC","iv":"-3 mons 2 days -00:00:01","d":"infinity","t":"00:00","u":"00000000-0000-0000-0000-000000000000","m":-0.000000000000000000123456789,"f":-0.25,"b":false,"ai":[],"at":["\"q\""],"j":null}'
e2='{"id":3,"g":"a","ts":null,"tl":null,"iv":null,"d":null,"t":null,"u":null,"m":null,"f":null,"b":null,"ai":null,"at":null,"j":null}
{"id":4,"g":"b","ts":"infinity","tl":"-infinity","iv":"1 year 2 mons 00:00:00.000001","d":"1999-01-08","t":"23:59:59.999999","u":"ffffffff-ffff-ffff-ffff-ffffffffffff","m":"NaN","f":"Infinity","b":true,"ai":[-7],"at":[null,"NULL"],"j":[1.50,{"a":null}]}
{"id":5,"g":"a","ts":"2026-06-30 12:00:00-07","tl":"2026-06-30 12:00","iv":"00:00:00","d":"2000-01-01","t":"12:00","u":"12345678-1234-1234-1234-123456789abc","m":1.50,"f":0,"b":false,"ai":[3],"at":[],"j":"str"}'
pgq -c "CREATE TABLE difftest.ev ($cols)"
slq -c "CREATE STREAM ev ($cols)" || sl_fail "creating the stream failed"
slq <<'SQL' || sl_fail "creating the views failed"
CREATE CONTINUOUS VIEW ja AS SELECT g, jsonb_agg(ts) AS ts, jsonb_agg(tl) AS tl, jsonb_agg(iv) AS iv,
  jsonb_agg(d) AS d, jsonb_agg(t) AS t, jsonb_agg(u) AS u, jsonb_agg(m) AS m, jsonb_agg(f) AS f,
  jsonb_agg(b) AS b, jsonb_agg(ai) AS ai, jsonb_agg(at) AS at, jsonb_agg(j) AS j, jsonb_agg(id) AS ids
  FROM ev GROUP BY g;
CREATE CONTINUOUS VIEW wb AS SELECT width_bucket(m, -1, 12345678901234567890.1234567890123451, 1000000000) AS w1,
  width_bucket(m, 0.00000000000000000000000001, -0.000000000000000000123456789, 7) AS w2,
  width_bucket(m, 1.4999999999999999999, 1.5000000000000000001, 2147483646) AS w3,
  count(*) AS n FROM ev WHERE m <> 'NaN' GROUP BY 1, 2, 3;
CREATE CONTINUOUS VIEW tc AS SELECT g, to_char(sum(m), 'S99999999999999999999.999999999999999999999999999') AS s1,
  to_char(sum(m), 'FM9,999,999,999,999,999,999,999.99999') AS s2, to_char(sum(m), '9.9999999999EEEE') AS s3,
  to_char(max(m), '999999999999999999999V999') AS s4
  FROM ev WHERE m <> 'NaN' GROUP BY g;
CREATE CONTINUOUS VIEW tj AS SELECT id, to_jsonb(ts) AS ts, to_jsonb(tl) AS tl, to_jsonb(iv) AS iv,
  to_jsonb(d) AS d, to_jsonb(t) AS t, to_jsonb(u) AS u, to_jsonb(m) AS m, to_jsonb(f) AS f,
  to_jsonb(b) AS b, to_jsonb(ai) AS ai, to_jsonb(at) AS at, to_jsonb(j) AS j, to_jsonb(g) AS g,
  to_jsonb(id * 1e100::float8) AS big, to_jsonb(m * 2) AS m2 FROM ev;
CREATE CONTINUOUS VIEW tg AS SELECT g, to_jsonb(max(ts)) AS ts, to_jsonb(sum(m)) AS m, to_jsonb(count(*)) AS n
  FROM ev WHERE m <> 'NaN' GROUP BY g;
SQL
n=1
for body in "$e1" "$e2"; do
    printf '%s\n' "$body" > "$work/e$n"
    code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary "$body" "http://$SLUICE_HTTP/v1/streams/ev")
    [ "$code" = 200 ] || sl_fail "POST $n: HTTP $code $(cat "$work/resp")"
    if [ $n = 1 ]; then   # flushed before the second request: its states combine with these
        tries=0
        until [ "$(pgq -c 'SELECT sum(jsonb_array_length(ids)) FROM ja')" = 2 ]; do
            tries=$((tries + 1)); [ $tries -lt 100 ] || sl_fail "the first request was not flushed"; sleep 0.1
        done
    fi
    n=$((n + 1))
done
cat "$work/e1" "$work/e2" | pgq -c "CREATE TABLE difftest.lines (l text);
    COPY difftest.lines FROM STDIN WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02');
    INSERT INTO difftest.ev SELECT r.* FROM difftest.lines, jsonb_populate_record(NULL::difftest.ev, l::jsonb) r"
[ "$(pgq -c 'SELECT count(*) FROM difftest.ev')" = 5 ] || sl_fail "oracle rows"
# wait for both flushes: every event counted (the transform's rows too)
tries=0
until [ "$(pgq -c 'SELECT sum(jsonb_array_length(ids)) FROM ja')" = 5 ]; do
    tries=$((tries + 1)); [ $tries -lt 100 ] || sl_fail "ja did not reach 5 events"; sleep 0.1
done
until [ "$(pgq -c 'SELECT count(*) FROM tj')" = 5 ]; do
    tries=$((tries + 1)); [ $tries -lt 200 ] || sl_fail "tj did not reach 5 rows"; sleep 0.1
done
for v in ja wb tc tj tg; do
    q=$(pgq -c "SELECT sql FROM sluice.views WHERE name = '$v'" | sed 's/^CREATE CONTINUOUS VIEW [a-z0-9]* AS //; s/FROM ev/FROM difftest.ev/')
    [ "$v" = ja ] && q=$(echo "$q" | sed 's/jsonb_agg(\([a-z]*\))/jsonb_agg(\1 ORDER BY id)/g')
    if diff_compare "$v" "$q"; then pass "$v equals PostgreSQL's SELECT"; else fail "$v differs"; fi
done
[ "$(pgq -c "SELECT ts FROM ja WHERE g = 'b'")" = '["1999-12-31T18:29:59.999999+00:00", "infinity"]' ] &&
    pass "timestamptz as ISO 8601 strings" || fail "ja b ts: $(pgq -c "SELECT ts FROM ja WHERE g = 'b'")"

[ "$(pgq -c "SELECT ts::text || ' ' || m::text FROM tj WHERE id = 1")" = '"2026-01-01T00:00:07+00:00" 12345678901234567890.123456789012345' ] &&
    pass "to_jsonb: ISO 8601 timestamptz, exact numeric" || fail "tj 1: $(pgq -c "SELECT ts, m FROM tj WHERE id = 1")"
err_is() {   # SQL, expected SQLSTATE and message part
    r=$(slq -v VERBOSITY=verbose -c "$1" 2>&1) && { fail "$1 succeeded"; return; }
    case $r in *"$2"*"$3"*) pass "$2: $3" ;; *) fail "$1: $r" ;; esac
}
err_is "CREATE CONTINUOUS VIEW x AS SELECT to_jsonb('a') FROM ev" 42804 "could not determine polymorphic type because input has type unknown"
err_is "CREATE CONTINUOUS VIEW x AS SELECT to_jsonb(id, g) FROM ev" 42883 "function to_jsonb(integer, text) does not exist"

# width_bucket's errors, as PostgreSQL's
slq -c "CREATE STREAM eb (m numeric, c integer, lo numeric)" -c "CREATE CONTINUOUS VIEW wx AS SELECT width_bucket(m, lo, 10.5, c) FROM eb" ||
    fail "creating wx failed"
post_err() {   # body, SQLSTATE, message part
    code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary "$1" "http://$SLUICE_HTTP/v1/streams/eb")
    [ "$code" = 400 ] && grep -q "$2" "$work/resp" && grep -q "$3" "$work/resp" && pass "$2: $3" ||
        fail "$1: $code $(cat "$work/resp")"
}
post_err '{"m":1,"c":0,"lo":0}' 2201G "count must be greater than zero"
post_err '{"m":"NaN","c":1,"lo":0}' 2201G "operand, lower bound, and upper bound cannot be NaN"
post_err '{"m":1,"c":1,"lo":"-Infinity"}' 2201G "lower and upper bounds must be finite"
post_err '{"m":1,"c":1,"lo":10.50}' 2201G "lower bound cannot equal upper bound"
post_err '{"m":11,"c":2147483647,"lo":0}' 22003 "integer out of range"
sluiced_stop
sl_done "numfmt: all checks passed"
