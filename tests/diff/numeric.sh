#!/bin/sh
# tests/diff/numeric.sh: exact numeric, digit for digit against PostgreSQL.
#
# Random events with numeric, numeric(10,2) and decimal(6,3) columns (JSON
# numbers and strings: many scales, 1.0 / 1.00 / 1, exponents, blanks, a
# leading +, huge values, NaN and the infinities, NULLs) go to sluiced over
# HTTP in requests of several sizes, with a restart of sluiced half-way (the
# states then combine in PostgreSQL), plus an INSERT and a COPY through
# sluiced.  The same events go into a PostgreSQL table (parsed from the same
# NDJSON text by PostgreSQL's own numeric_in), and every view must equal
# PostgreSQL's SELECT over it as text: group keys, sums, averages (sum /
# count by PostgreSQL's own numeric division), min/max, DISTINCT
# aggregates, statistics, arithmetic with PostgreSQL's result scales,
# casts, rounding functions.  Then errors: typmod overflow (22003 with
# PostgreSQL's DETAIL) refuses a request; division by zero in a view does.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
AWK=${AWK:-awk}
export PGTZ=UTC PGDATESTYLE="ISO, MDY" PGCLIENTENCODING=UTF8
nevents=${SL_NUMERIC_EVENTS:-3000}
seed=${SL_NUMERIC_SEED:-5}

pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/numeric
mkdir -p "$work"
. "$top_srcdir/tests/diff/lib.sh"
diff_setup

cols="id bigint, g text, a numeric, p numeric(10,2), q decimal(6,3), n integer, b bigint, f double precision"

# NDJSON events: a is any numeric, p and q go through their typmods
$AWK -v seed="$seed" -v n="$nevents" '
function digits(k,   s, i) { s = ""; for (i = 0; i < k; i++) s = s int(rand() * 10); return s }
function num(maxint, maxfrac,   ip, fp, s) {
    ip = int(rand() * (maxint + 1)); s = (ip == 0 ? "0" : digits(1 + int(rand() * ip)))
    sub(/^0+/, "", s); if (s == "") s = "0"
    fp = int(rand() * (maxfrac + 1))
    if (fp > 0) s = s "." digits(fp)
    if (rand() < 0.4) s = "-" s
    return s
}
function aval(r) {
    r = rand()
    if (r < 0.05) return "null"
    if (r < 0.10) return "\"1.0\""
    if (r < 0.14) return "1.00"
    if (r < 0.17) return "1"
    if (r < 0.20) return "\"-0.000\""
    if (r < 0.23) return "1e3"
    if (r < 0.26) return "\"  2.50  \""
    if (r < 0.28) return "\"+7.10\""
    if (r < 0.30) return "1.5E-3"
    if (r < 0.35) return num(30, 12)
    if (r < 0.65) return "\"" num(6, 6) "\""
    return num(6, 6)
}
BEGIN {
    srand(seed)
    split("x y z w", gs, " ")
    for (i = 1; i <= n; i++) {
        g = gs[1 + int(rand() * 4)]
        a = aval()
        if (g == "w" && rand() < 0.2) a = (rand() < 0.5 ? "\"NaN\"" : (rand() < 0.5 ? "\"Infinity\"" : "\"-Infinity\""))
        p = rand() < 0.05 ? "null" : num(5, 4)
        if (p != "null" && p + 0 < 0.005 && p + 0 > -0.005) p = "1.25"   # never 0 in numeric(10,2)
        q = rand() < 0.5 ? num(2, 4) : "\"" num(2, 3) "\""
        printf "{\"id\": %d, \"g\": \"%s\", \"a\": %s, \"p\": %s, \"q\": %s, \"n\": %d, \"b\": %s, \"f\": %s}\n", \
            i, g, a, p, q, int(rand() * 2001) - 1000, \
            (rand() < 0.3 ? "9" digits(17) : int(rand() * 100000) - 50000), \
            (rand() < 0.1 ? "null" : int(rand() * 100000) / 64)
    }
}' </dev/null >"$work/ev.ndjson"
[ "$(wc -l <"$work/ev.ndjson")" -eq "$nevents" ] || sl_fail "the generator wrote $(wc -l <"$work/ev.ndjson") events"

# The views, one per line: NAME|QUERY with @S@ for the stream.
views='n_sums|SELECT g, count(*) AS n, count(a) AS na, sum(a) AS sa, avg(a) AS aa, min(a) AS amin, max(a) AS amax, sum(p) AS sp, avg(p) AS ap, min(p) AS pmin, max(q) AS qmax, sum(q) AS sq, avg(q) AS aq, sum(b) AS sb, avg(b) AS ab, avg(n) AS an FROM @S@ GROUP BY g
n_key|SELECT a AS k, count(*) AS n, sum(n) AS sn, sum(p) AS sp FROM @S@ GROUP BY a
n_key2|SELECT g, round(p) AS rp, count(*) AS n, sum(q) AS sq FROM @S@ GROUP BY g, round(p)
n_global|SELECT count(*) AS n, sum(a) AS sa, avg(a) AS aa, sum(p) AS sp, avg(p) AS ap, sum(b) AS sb, avg(b) AS ab, min(q) AS qmin, max(p) AS pmax FROM @S@ WHERE g <> '"'"'w'"'"'
n_distinct|SELECT g, count(DISTINCT p) AS dp, sum(DISTINCT q) AS dq, avg(DISTINCT p) AS ap, count(DISTINCT a) AS da FROM @S@ GROUP BY g
n_stats|SELECT g, var_pop(p) AS vp, var_samp(q) AS vs, stddev_pop(q) AS sdp, stddev_samp(p) AS sds, variance(a) AS va, stddev(a) AS sda FROM @S@ GROUP BY g
n_arith|SELECT id, a + p AS s1, a - q AS d1, p * q AS m1, a * 3 AS m3, p / q AS q1, a / 7 AS q7, n / p AS q2, b / 7.0 AS q3, 1.0 / p AS q4, p % q AS r1, a % 2.5 AS r2, -a AS na, n + 0.5 AS n5, b * 1.5 AS b15, f * 1.5 AS f15, a > p AS gt, p = round(p, 1) AS eq FROM @S@ WHERE q <> 0 AND g <> '"'"'w'"'"'
n_funcs|SELECT id, abs(a) AS ab, sign(a) AS sg, round(a) AS r0, round(a, 2) AS r2, round(a, -1) AS rm1, trunc(a) AS t0, trunc(a, 1) AS t1, ceil(a) AS c, floor(a) AS fl, mod(p, q) AS md, p::integer AS pi, q::smallint AS qs, round(p)::bigint AS pb, p::float8 AS pf, a::text AS at, p::numeric(7,1) AS p71, n::numeric(8,2) AS n82, f::numeric AS fn, (a * 0.1)::float8 AS af, sqrt(abs(p)) AS sq, sqrt(abs(a)) AS sqa, ln(abs(p)) AS lnp, log(abs(p)) AS lg, log(2, abs(p)) AS lg2, exp(q) AS eq, exp(n / 100.0) AS en, power(p, 2) AS pw2, power(q, 3) AS pw3, power(abs(p), 0.5) AS pwh, power(abs(q) + 1, n / 100.0) AS pwn, power(q, -2) AS pwm FROM @S@ WHERE q <> 0 AND g <> '"'"'w'"'"'
n_special|SELECT id, a AS a1, a + 1 AS a2, a * 0 AS a3, abs(a) AS a4, sign(a) AS a5, round(a, 1) AS a6, a > 1e30 AS a7, a / 2 AS a8 FROM @S@ WHERE g = '"'"'w'"'"'
n_where|SELECT g, count(*) AS n, sum(a * p) AS sap, sum(p) FILTER (WHERE p > 100.5) AS sf, max(a / 3) AS mx FROM @S@ WHERE a * 3 > 10.5 OR p < -500.25 GROUP BY g'

slq -c "CREATE STREAM ns ($cols)" || sl_fail "CREATE STREAM failed"
echo "$views" | while IFS='|' read -r name q; do
    q=$(echo "$q" | sed "s/@S@/ns/g")
    slq -c "CREATE CONTINUOUS VIEW $name AS $q" 2>"$work/err" ||
        echo "FAIL: CREATE CONTINUOUS VIEW $name: $(cat "$work/err")"
done

# the oracle's table, from the same NDJSON text (json keeps numbers as written)
pgq -c "CREATE TABLE difftest.ns ($cols)"
pgq -c "CREATE TABLE difftest.raw (j json)"
sed 's/\\/\\\\/g' "$work/ev.ndjson" >"$work/ev.copy"
pgq -c "\\copy difftest.raw FROM '$work/ev.copy'"
pgq -c "INSERT INTO difftest.ns SELECT (j->>'id')::bigint, j->>'g', (j->>'a')::numeric, (j->>'p')::numeric(10,2),
          (j->>'q')::numeric(6,3), (j->>'n')::int, (j->>'b')::bigint, (j->>'f')::float8 FROM difftest.raw"

post() {
    curl -s -o "$work/resp" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
        --data-binary @"$1" "http://$SLUICE_HTTP/v1/streams/ns"
}

sizes="1 3 200 17 500 1 90 700"
ln=1
req=0
restarted=0
while [ $ln -le "$nevents" ]; do
    set -- $sizes
    shift $((req % $#))
    req=$((req + 1))
    last=$((ln + $1 - 1))
    [ $last -le "$nevents" ] || last=$nevents
    sed -n "${ln},${last}p" "$work/ev.ndjson" >"$work/req"
    code=$(post "$work/req")
    want=$((last - ln + 1))
    got=$(sed -n 's/^{ *"accepted" *: *\([0-9][0-9]*\) *}$/\1/p' "$work/resp")
    [ "$code" = 200 ] && [ "$got" = "$want" ] ||
        fail "request $req (lines $ln-$last): HTTP $code $(cat "$work/resp")"
    ln=$((last + 1))
    if [ $restarted = 0 ] && [ $ln -gt $((nevents / 2)) ]; then
        # states flushed so far are in PostgreSQL; the rest combine with them
        sluiced_stop
        sluiced_start --flush-interval 50
        restarted=1
    fi
done
pass "$req requests, a restart after event $((nevents / 2))"

# INSERT and COPY through sluiced, and the same rows into the table
ins="INSERT INTO ns (id, g, a, p, q, n) VALUES (900001, 'x', 1.23456789012345678901234567890, '7.005', 0.5, 3), (900002, 'y', -2.5e-3, -3.999, '1.2345', 4)"
slq -c "$ins" || fail "INSERT into the stream"
pgq -c "$(echo "$ins" | sed 's/INTO ns/INTO difftest.ns/')"
printf '900003\tz\t12345678901234567890.5\t0.015\t-0.0005\t5\t\\N\t\\N\n900004\tx\t1.10\t2\t3\t6\t\\N\t\\N\n' >"$work/copy.txt"
slq -c "\\copy ns FROM '$work/copy.txt'" || fail "COPY into the stream"
pgq -c "\\copy difftest.ns FROM '$work/copy.txt'"

echo "$views" | while IFS='|' read -r name q; do
    oq=$(echo "$q" | sed "s/@S@/difftest.ns/g")
    diff_compare "$name" "$oq" || echo "$name" >>"$work/failed"
done
if [ -s "$work/failed" ]; then
    fail "views differ from PostgreSQL: $(tr '\n' ' ' <"$work/failed")"
else
    pass "every view equals PostgreSQL's SELECT, digit for digit"
fi

# the spot checks a reader looks for
got=$(pgq -c "SELECT k || ':' || n FROM n_key WHERE k = 1 ORDER BY 1")
want=$(pgq -c "SELECT a::text || ':' || count(*) FROM difftest.ns WHERE a = 1 GROUP BY a")
[ "$got" = "$want" ] && pass "1, 1.0 and 1.00 are one group ($got)" || fail "group of 1: $got, PostgreSQL $want"

# typmod overflow refuses the request with PostgreSQL's error
echo '{"id": 1, "g": "x", "p": 123456789}' >"$work/bad"
code=$(post "$work/bad")
want=$(pgq -c "SELECT 123456789::numeric(10,2)" 2>&1 | grep -o 'numeric field overflow' || true)
if [ "$code" = 400 ] && grep -q 'numeric field overflow' "$work/resp" && grep -q '22003' "$work/resp" &&
    [ "$want" = "numeric field overflow" ]; then
    pass "numeric(10,2) overflow: HTTP 400 22003 numeric field overflow"
else
    fail "numeric(10,2) overflow: HTTP $code $(cat "$work/resp")"
fi
out=$(slq -c "INSERT INTO ns (p) VALUES (123456789)" 2>&1 || true)
echo "$out" | grep -q 'DETAIL:  A field with precision 10, scale 2 must round to an absolute value less than 10^8.' &&
    pass "INSERT overflow has PostgreSQL's DETAIL" || fail "INSERT overflow: $out"
out=$(slq -c "INSERT INTO ns (q) VALUES ('abc')" 2>&1 || true)
echo "$out" | grep -q 'invalid input syntax for type numeric: "abc"' &&
    pass "numeric_in's syntax error" || fail "bad numeric: $out"
out=$(slq -c "CREATE STREAM bad (x numeric(1001, 2))" 2>&1 || true)
echo "$out" | grep -q 'NUMERIC precision 1001 must be between 1 and 1000' &&
    pass "numeric(1001,2) refused as PostgreSQL does" || fail "numeric(1001,2): $out"
# division by zero in a view refuses the request (all or nothing)
slq -c "CREATE CONTINUOUS VIEW n_div AS SELECT sum(a / p) AS s FROM ns" || fail "CREATE n_div"
echo '{"id": 2, "g": "x", "a": 1, "p": 0}' >"$work/bad"
code=$(post "$work/bad")
[ "$code" != 200 ] && grep -q 'division by zero' "$work/resp" &&
    pass "numeric division by zero refuses the request" || fail "division by zero: HTTP $code $(cat "$work/resp")"

sluiced_stop
sl_done "numeric: exact, as PostgreSQL's"
