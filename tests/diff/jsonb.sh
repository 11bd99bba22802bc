#!/bin/sh
# tests/diff/jsonb.sh: jsonb in continuous views against PostgreSQL's own
# SELECT over the same events.
#
# Events with a jsonb payload of every JSON type (objects with nested
# arrays, duplicate and unordered keys, numbers as 1e2 / 1.50, escapes and
# non-ASCII strings, arrays, scalars, JSON null) reach a stream in four HTTP
# requests, an INSERT and a COPY, with a restart of sluiced in between; the
# same lines go into a plain table through jsonb_populate_record (JSON null
# -> SQL NULL there too).  Eight views use the operators in WHERE, GROUP BY
# (a jsonb value as key, ->> keys), the select list (transforms; paths and key
# lists as literals and as text[] values) and
# jsonb_agg / count(DISTINCT) / FILTER; each is compared with PostgreSQL's
# result of its query over the table (tests/diff/lib.sh's diff_compare).
# Then refusals and input errors: their SQLSTATEs and messages.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
AWK=${AWK:-awk}
export PGTZ=UTC PGCLIENTENCODING=UTF8

pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/diff
mkdir -p "$work"
. "$top_srcdir/tests/diff/lib.sh"
diff_setup

# events id from..to as NDJSON
gen() {
    "$AWK" -v from="$1" -v to="$2" 'BEGIN {
        ks[0] = "a"; ks[1] = "b"; ks[2] = "c\\u00e9"; ks[3] = "a\\\"q"
        for (n = from; n <= to; n++) {
            k = ks[n % 4]; m = n % 11
            if (m == 0)
                p = sprintf("{\"k\": \"%s\", \"n\": %d, \"tags\": [\"t%d\", \"u\"], \"nested\": {\"x\": %d, \"y\": [1, {\"z\": \"s%d\"}]}}", k, n % 7, n % 3, n % 4, n % 2)
            else if (m == 1)
                p = sprintf("{\"n\": \"str\", \"k\": \"%s\", \"extra\": null, \"k\": \"%s\"}", "dup", k)
            else if (m == 2)
                p = sprintf("[%d, \"x\", null, {\"k\": \"a\"}]", n % 5)
            else if (m == 3)
                p = sprintf("\"s\\n%d\\u00e9\"", n % 4)
            else if (m == 4)
                p = sprintf("%d.50", n % 4)
            else if (m == 5)
                p = (n % 2) ? "true" : "false"
            else if (m == 6)
                p = "null"
            else if (m == 7)
                p = sprintf("{\"k\": \"a\", \"n\": 1e2, \"zz\": {\"b\": 1, \"a\": [2, 1.5e1]}, \"tags\": []}")
            else if (m == 8)
                p = (n % 2) ? "{}" : "[]"
            else if (m == 9)
                p = sprintf("{\"nested\": {\"y\": [true], \"x\": %d}, \"k\": \"%s\", \"n\": -%d.25E0}", n % 4, k, n % 3)
            else
                p = sprintf("{\"k\": \"b\", \"n\": %d, \"x\": null}", n % 2)
            printf "{\"id\": %d, \"g\": \"g%d\", \"p\": %s}\n", n, n % 3, p
        }
    }'
}
gen 1 60 >"$work/e1"
gen 61 130 >"$work/e2"
gen 131 200 >"$work/e3"
gen 201 280 >"$work/e4"

slq <<'EOF' || sl_fail "creating the stream and views failed"
CREATE STREAM ev (id integer, g text, p jsonb);
CREATE CONTINUOUS VIEW j1 AS SELECT p->>'k' AS k, count(*) AS n, jsonb_agg(id) AS ids
  FROM ev WHERE p ? 'k' GROUP BY p->>'k';
CREATE CONTINUOUS VIEW j2 AS SELECT p AS payload, count(*) AS n FROM ev
  WHERE jsonb_typeof(p) <> 'object' GROUP BY p;
CREATE CONTINUOUS VIEW j3 AS SELECT id, p, p->'nested'->'y'->1->>'z' AS z,
  p #> '{nested,y,-1}' AS last, p #>> '{tags,0}' AS t0, p @> '{"k":"a"}' AS isa,
  p <@ '{"k":"b","n":1,"x":null}' AS sub, p ?| '{tags,extra}' AS anyk, p ?& '{k,n}' AS allk,
  jsonb_typeof(p) AS ty, CASE WHEN jsonb_typeof(p) = 'array' THEN jsonb_array_length(p) END AS len,
  p->0 AS e0, p->-1 AS elast, p->>'n' AS nt, p = '{}' AS empty, p > '[]' AS gt
  FROM ev;
CREATE CONTINUOUS VIEW j4 AS SELECT g, jsonb_agg(p) AS ps, jsonb_agg(p->'n') FILTER (WHERE p ? 'n') AS ns,
  count(*) FILTER (WHERE p->>'k' = 'a') AS na FROM ev GROUP BY g;
CREATE CONTINUOUS VIEW j5 AS SELECT g,
  sum(CASE WHEN jsonb_typeof(p->'n') = 'number' THEN (p->'n')::int END) AS s,
  max(p->>'k') AS mk, count(DISTINCT p->>'k') AS dk, count(DISTINCT p) AS dp,
  bool_or((p #> '{nested,x}')::int > 2) AS big FROM ev GROUP BY g;
CREATE CONTINUOUS VIEW j6 AS SELECT p->'nested' AS nest, p->'nested'->>'x' AS nx, count(*) AS n
  FROM ev WHERE p ? 'nested' GROUP BY p->'nested' HAVING count(*) > 0;
CREATE CONTINUOUS VIEW j7 AS SELECT id, p FROM ev WHERE p->>'k' = 'a' AND p->'n' IS NOT NULL;
CREATE CONTINUOUS VIEW j8 AS SELECT id, p ?| ARRAY['tags', g] AS anyk, p ?& ARRAY['k', 'n'] AS allk,
  p ?| ARRAY[NULL, 'x'] AS anyx, p #> ARRAY['nested', 'y', '1'] AS y1,
  p #>> string_to_array('nested.x', '.') AS nx, p #> ARRAY[]::text[] AS whole FROM ev;
EOF

post() {
    code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary @"$1" "http://$SLUICE_HTTP/v1/streams/ev")
    [ "$code" = 200 ] || fail "POST $1: HTTP $code $(cat "$work/resp")"
}
post "$work/e1"
post "$work/e2"
sluiced_stop
sluiced_start --flush-interval 50
post "$work/e3"
# INSERT and COPY: the same lines, as text
head -n 10 "$work/e4" >"$work/e4a"
tail -n +11 "$work/e4" >"$work/e4b"
"$AWK" '{ id = $0; sub(/^\{"id": /, "", id); sub(/,.*/, "", id)
          g = $0; sub(/^[^,]*, "g": "/, "", g); sub(/".*/, "", g)
          p = $0; sub(/^[^,]*, [^,]*, "p": /, "", p); sub(/\}$/, "", p)
          gsub(/\x27/, "\x27\x27", p)
          p = p == "null" ? "NULL" : "\x27" p "\x27"   # as jsonb_populate_record has it
          printf "INSERT INTO ev VALUES (%s, \x27%s\x27, %s);\n", id, g, p }' "$work/e4a" >"$work/ins.sql"
slq -f "$work/ins.sql" >/dev/null || fail "INSERT of jsonb values failed"
"$AWK" '{ id = $0; sub(/^\{"id": /, "", id); sub(/,.*/, "", id)
          g = $0; sub(/^[^,]*, "g": "/, "", g); sub(/".*/, "", g)
          p = $0; sub(/^[^,]*, [^,]*, "p": /, "", p); sub(/\}$/, "", p)
          if (p == "null") p = "\\N"; else gsub(/\\/, "&&", p)
          printf "%s\t%s\t%s\n", id, g, p }' "$work/e4b" >"$work/copy.txt"
slq -c "\\copy ev FROM '$work/copy.txt'" >/dev/null || fail "COPY of jsonb values failed"

# the oracle: the same events in a table
cat "$work/e1" "$work/e2" "$work/e3" "$work/e4" >"$work/all"
pgq <<EOF || sl_fail "loading the oracle table failed"
CREATE TYPE difftest.evt AS (id integer, g text, p jsonb);
CREATE TABLE difftest.lines (l text);
\\copy difftest.lines FROM '$work/all' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')
CREATE TABLE difftest.ev AS SELECT r.* FROM difftest.lines,
  jsonb_populate_record(NULL::difftest.evt, l::jsonb) r;
EOF
[ "$(pgq -c 'SELECT count(*) FROM difftest.ev')" = 280 ] || fail "oracle rows: $(pgq -c 'SELECT count(*) FROM difftest.ev')"
pgq -c "SELECT count(*) FROM difftest.ev WHERE p IS NULL" | grep -qv '^0$' || fail "no JSON null became SQL NULL"

for v in j1 j2 j3 j4 j5 j6 j7 j8; do
    q=$(pgq -c "SELECT sql FROM sluice.views WHERE name = '$v'" | sed 's/^CREATE CONTINUOUS VIEW [a-z0-9]* AS //; s/FROM ev/FROM difftest.ev/')
    case $v in   # jsonb_agg in id order (the order events arrived in)
    j1) q=$(echo "$q" | sed 's/jsonb_agg(id)/jsonb_agg(id ORDER BY id)/') ;;
    j4) q=$(echo "$q" | sed "s/jsonb_agg(p)/jsonb_agg(p ORDER BY id)/; s/jsonb_agg(p->'n')/jsonb_agg(p->'n' ORDER BY id)/") ;;
    esac
    if diff_compare "$v" "$q"; then pass "$v equals PostgreSQL's SELECT"; else fail "$v differs"; fi
done
[ "$(pgq -c 'SELECT count(*) FROM j3')" = 280 ] || fail "j3 holds $(pgq -c 'SELECT count(*) FROM j3') rows"
[ "$(pgq -c "SELECT p FROM j3 WHERE id = 11")" = '{"k": "a\"q", "n": 4, "tags": ["t2", "u"], "nested": {"x": 3, "y": [1, {"z": "s1"}]}}' ] &&
    pass "canonical jsonb text: keys sorted shorter first, last duplicate kept" ||
    fail "j3 id 11: $(pgq -c 'SELECT p FROM j3 WHERE id = 11')"

# refusals and input errors
err_is() {   # SQL, expected SQLSTATE and message part
    r=$(slq -v VERBOSITY=verbose -c "$1" 2>&1) && { fail "$1 succeeded"; return; }
    case $r in *"$2"*"$3"*) pass "$2: $3" ;; *) fail "$1: $r" ;; esac
}
err_is "CREATE CONTINUOUS VIEW x AS SELECT p -> 1.5 AS a FROM ev" 42883 "operator does not exist: jsonb -> numeric"
err_is "CREATE CONTINUOUS VIEW x AS SELECT g -> 'a' AS a FROM ev" 42883 "operator does not exist: text -> unknown"
err_is "CREATE CONTINUOUS VIEW x AS SELECT p #> g AS a FROM ev" 42883 "operator does not exist: jsonb #> text"
err_is "CREATE CONTINUOUS VIEW x AS SELECT p #> '{a' AS a FROM ev" 22P02 'malformed array literal: "{a"'
err_is "CREATE CONTINUOUS VIEW x AS SELECT jsonb_agg(DISTINCT id) FROM ev" 0A000 "jsonb_agg(DISTINCT ...)"
err_is "CREATE CONTINUOUS VIEW x AS SELECT p::date FROM ev" 42846 "cannot cast type jsonb to date"
err_is "CREATE CONTINUOUS VIEW x AS SELECT max(p) FROM ev" 42883 "function max(jsonb) does not exist"
err_is "CREATE CONTINUOUS VIEW x AS SELECT '{}' -> 'a' FROM ev" 42725 "operator is not unique: unknown -> unknown"
err_is "CREATE CONTINUOUS VIEW x AS SELECT jsonb_agg(id ORDER BY id) FROM ev" 0A000 "ORDER BY in the arguments of jsonb_agg"
err_is "INSERT INTO ev (p) VALUES ('{\"a\":1,}')" 22P02 'DETAIL:  Expected string, but found "}".'
err_is "INSERT INTO ev (p) VALUES ('\"\\u0000\"')" 22P05 "unsupported Unicode escape sequence"
err_is "INSERT INTO ev (p) VALUES ('[1e200000]')" 22003 "value overflows numeric format"
err_is "INSERT INTO ev (id) VALUES (('{\"a\":\"x\"}'::jsonb->'a')::int)" 22023 "cannot cast jsonb string to type integer"
code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary '{"id": 1, "p": {"a": 1e999999}}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 400 ] && grep -q 22003 "$work/resp" && pass "HTTP: a number numeric cannot hold is 400 22003" ||
    fail "HTTP 1e999999: $code $(cat "$work/resp")"
slq -c "CREATE CONTINUOUS VIEW c1 AS SELECT count(*) AS n FROM ev WHERE (p->>'n')::int > 0" ||
    fail "creating c1 failed"
code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary '{"id": 1, "p": {"n": [1]}}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 400 ] && grep -q 22P02 "$work/resp" && pass "a view's cast error refuses the request (22P02)" ||
    fail "cast error: $code $(cat "$work/resp")"
code=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary '{"id": 1, "p": {"n": "5"}}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] && sleep 0.3 && [ "$(pgq -c 'SELECT n FROM c1')" = 1 ] && pass "(p->>'n')::int counts" ||
    fail "c1: $code $(cat "$work/resp") $(pgq -c 'SELECT n FROM c1')"

# Exact numeric out of jsonb, and jsonb_agg of numeric
slq -c "CREATE STREAM en (id integer, x numeric, j jsonb)" \
    -c "CREATE CONTINUOUS VIEW n1 AS SELECT jsonb_agg(x) AS xs, sum((j->'n')::numeric) AS s FROM en" ||
    fail "creating n1 failed"
curl -s -o /dev/null --data-binary '{"id":1,"x":1.50,"j":{"n":1.10}}
{"id":2,"x":null,"j":{"n":2e-3}}
{"id":3,"x":12345678901234567890.5,"j":{"n":1e20}}' "http://$SLUICE_HTTP/v1/streams/en"
[ "$(pgq -c "SELECT xs::text || ' ' || s FROM n1")" = '[1.50, null, 12345678901234567890.5] 100000000000000000001.102' ] &&
    pass "jsonb numbers cast to exact numeric; jsonb_agg of numeric" || fail "n1: $(pgq -c 'SELECT * FROM n1')"

# jsonb_agg in a sliding window: the steps' lists concatenated in order
slq -c "CREATE STREAM ew (id integer, j jsonb)" \
    -c "CREATE CONTINUOUS VIEW w1 WITH (sw = '1 minute', step_factor = 25) AS
          SELECT j->>'k' AS k, jsonb_agg(j->'n') AS ns FROM ew GROUP BY 1" || fail "creating w1 failed"
for body in '{"id": 1, "j": {"k": "x", "n": 2}}' '{"id": 2, "j": {"k": "x"}}' '{"id": 3, "j": {"k": "x", "n": [1]}}'; do
    curl -s -o /dev/null --data-binary "$body" "http://$SLUICE_HTTP/v1/streams/ew"
    sleep 1.3
done
[ "$(pgq -c "SELECT ns FROM w1")" = '[2, null, [1]]' ] && pass "jsonb_agg over a sliding window's steps" ||
    fail "w1: $(pgq -c 'SELECT * FROM w1')"

# Two sluiced on one database: jsonb_agg lists and jsonb group keys of both
# combine in the same rows.
slq -c "CREATE STREAM e2 (id integer, g text, p jsonb)" \
    -c "CREATE CONTINUOUS VIEW t1 AS SELECT g, jsonb_agg(id) AS ids,
          jsonb_agg(p) FILTER (WHERE id % 2 = 0) AS ps FROM e2 GROUP BY g" \
    -c "CREATE CONTINUOUS VIEW t2 AS SELECT p->'tags' AS tags, count(*) AS n FROM e2 GROUP BY 1" ||
    fail "creating e2's views failed"
A_PID=$SLUICED_PID A_HTTP=$SLUICE_HTTP
SLUICED_PID=
trap 'two_rc=$?; trap - EXIT; set +e; [ -z "$A_PID" ] || { kill -TERM "$A_PID"; wait "$A_PID"; } 2>/dev/null; sl__cleanup; exit $two_rc' EXIT
sluiced_start --flush-interval 35
B_HTTP=$SLUICE_HTTP
gen 301 500 >"$work/e5"
split -l 25 "$work/e5" "$work/e5."
pids=
for f in "$work"/e5.*; do
    case $f in *[acegikmoqsuwy]) h=$A_HTTP ;; *) h=$B_HTTP ;; esac
    curl -s -m 60 -o /dev/null --data-binary @"$f" "http://$h/v1/streams/e2" &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done   # not a bare wait: the servers are children too
pgq <<EOF || fail "loading e2's oracle failed"
CREATE TABLE difftest.l2 (l text);
\\copy difftest.l2 FROM '$work/e5' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')
CREATE TABLE difftest.e2 AS SELECT r.* FROM difftest.l2, jsonb_populate_record(NULL::difftest.evt, l::jsonb) r;
EOF
got=$(pgq -c "SELECT g, (SELECT string_agg(x, ',' ORDER BY x::int) FROM jsonb_array_elements_text(ids) x),
                 jsonb_array_length(ps) FROM t1 ORDER BY g")
want=$(pgq -c "SELECT g, string_agg(id::text, ',' ORDER BY id), count(*) FILTER (WHERE id % 2 = 0)
                 FROM difftest.e2 GROUP BY g ORDER BY g")
[ -n "$want" ] && [ "$got" = "$want" ] && pass "two sluiced: jsonb_agg holds every event of both, once" ||
    fail "two sluiced, t1: $got, want $want"
if diff_compare t2 "SELECT p->'tags' AS tags, count(*) AS n FROM difftest.e2 GROUP BY 1"; then
    pass "two sluiced: jsonb group keys combine"; else fail "t2 differs"; fi
kill -TERM "$A_PID" && wait "$A_PID" || fail "server A did not exit 0"
A_PID=

sluiced_stop
sl_done "jsonb views equal PostgreSQL's SELECT"
