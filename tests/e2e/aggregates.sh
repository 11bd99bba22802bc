#!/bin/sh
# tests/e2e/aggregates.sh: FILTER, bool_and/or, every, bit_and/or, the
# statistics (var_*, stddev_*, corr, covar_*, regr_*), count / sum / avg
# (DISTINCT x) and string_agg (ORDER BY its value) combined across
# flushes, across two sluiced feeding the same views at once, and across a
# restart (a third sluiced combines its deltas with the states the first
# two left in PostgreSQL).  After each step every view must equal
# PostgreSQL's own SELECT over all the acknowledged events: the same column
# types, exact numerics (the integer statistics digit for digit, with sums
# of squares past 2^128), floats to 10 significant digits.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC

pg_start
work=$PGTEST_DIR/aggs
mkdir -p "$work"
sluiced_start --flush-interval 15
A_PID=$SLUICED_PID A_HTTP=$SLUICE_HTTP A_PGW=$SLUICE_PGWIRE_PORT
SLUICED_PID=
trap 'agg_rc=$?; trap - EXIT; set +e; [ -z "$A_PID" ] || { kill -TERM "$A_PID" 2>/dev/null; wait "$A_PID" 2>/dev/null; }; sl__cleanup; exit $agg_rc' EXIT
. "$top_srcdir/tests/diff/lib.sh"
diff_setup

COLS="k integer, i integer, b bigint, s smallint, d double precision, r real, flag boolean, t text"
V_GRP="SELECT k, count(*) FILTER (WHERE flag) AS nf, sum(b) FILTER (WHERE i > 0) AS sb,
  avg(i) FILTER (WHERE NOT flag) AS ai, min(t) FILTER (WHERE s < 0) AS mt,
  count(*) FILTER (WHERE 100 / s > 1) AS ndiv,
  bool_and(flag) AS band, bool_or(i > 1000) AS bor, every(s IS NOT NULL) AS ev,
  bit_and(i) AS bia, bit_or(b) AS bob, bit_or(s) AS bos,
  var_pop(i) AS vpi, var_samp(b) AS vsb, stddev_pop(s) AS sps, stddev(b) AS sdb,
  stddev_samp(i) AS ssi, variance(d) AS vd, stddev_pop(r) AS spr, var_pop(d) FILTER (WHERE flag) AS vpd,
  corr(d, r) AS co, covar_pop(d, i) AS cp, covar_samp(r, s) AS cs,
  regr_slope(d, s) AS rs, regr_intercept(d, s) AS ri,
  count(DISTINCT t) AS cdt, sum(DISTINCT s) AS sds, avg(DISTINCT i) FILTER (WHERE flag) AS adi,
  count(DISTINCT flag) AS cdf, sum(DISTINCT r) AS sdr, avg(DISTINCT d) AS add,
  string_agg(t, ',' ORDER BY t) AS sat, string_agg(t, '' ORDER BY t DESC) FILTER (WHERE flag) AS satd
  FROM @S@ WHERE s <> 0 OR s IS NULL GROUP BY k
  HAVING stddev_pop(s) > 570 OR count(DISTINCT t) FILTER (WHERE flag) > 29 OR k < 3"
V_TOT="SELECT count(*) FILTER (WHERE flag IS NULL) AS nn, stddev_samp(i) AS sd,
  var_pop(b) FILTER (WHERE k > 4) AS vp, bool_and(flag) AS ba, bit_and(k) AS bk,
  corr(i, b) AS c, count(DISTINCT i) AS cdi, sum(DISTINCT b) AS sdb,
  string_agg(t, '; ' ORDER BY t) FILTER (WHERE k = 3 AND s > 900) AS st,
  sum(1000 / s) FILTER (WHERE s <> 0) AS q FROM @S@"
V_NONE="SELECT count(*) FILTER (WHERE k > 100) AS c, stddev(d) FILTER (WHERE k > 100) AS sd,
  var_pop(i) FILTER (WHERE k > 100) AS vp, bool_or(flag) FILTER (WHERE k > 100) AS bo,
  regr_slope(d, i) FILTER (WHERE k > 100) AS rs,
  count(DISTINCT t) FILTER (WHERE k > 100) AS cd,
  string_agg(t, ',') FILTER (WHERE k > 100) AS sn FROM @S@"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$A_PGW" -U postgres -d postgres <<SQL ||
CREATE STREAM ev ($COLS);
CREATE CONTINUOUS VIEW v_grp AS $(echo "$V_GRP" | sed 's/@S@/ev/');
CREATE CONTINUOUS VIEW v_tot AS $(echo "$V_TOT" | sed 's/@S@/ev/');
CREATE CONTINUOUS VIEW v_none AS $(echo "$V_NONE" | sed 's/@S@/ev/');
SQL
    sl_fail "creating the stream and views through server A failed"
sluiced_start --flush-interval 25
B_HTTP=$SLUICE_HTTP
pgq -c "CREATE TABLE difftest.ev ($COLS)"

# Requests FIRST .. LAST-1 of 40 events each; i and b near their limits
# often (b's squares pass 2^128 in a few events), d multiples of 1/64, r
# of 1/4, NULLs everywhere; s = 0 at times: v_grp's WHERE keeps it from
# ndiv's FILTER (WHERE 100 / s > 1), and in v_tot sum(1000 / s) FILTER
# (WHERE s <> 0) must not divide by zero: as in PostgreSQL, an argument is
# computed only for the rows its FILTER lets through.
gen() {
    awk -v dir="$work" -v first="$1" -v last="$2" 'BEGIN {
        srand(first * 7 + 1)
        for (r = first; r < last; r++) {
            f = dir "/body." r
            for (j = 0; j < 40; j++) {
                k = int(rand() * 10)
                i = sprintf("%d", rand() < 0.2 ? (rand() < 0.5 ? 2147483647 - int(rand() * 50) : -2147483648 + int(rand() * 50)) : int(rand() * 20001) - 10000)
                b = rand() < 0.3 ? (rand() < 0.5 ? "922337203685477" sprintf("%04d", int(rand() * 5807)) : "-922337203685477" sprintf("%04d", int(rand() * 5808))) : sprintf("%d", int(rand() * 2000001) - 1000000)
                s = sprintf("%d", int(rand() * 2001) - 1000)
                if (rand() < 0.03) s = "0"
                d = sprintf("%.6f", (int(rand() * 2097151) - 1048575) / 64)
                rr = sprintf("%.2f", (int(rand() * 1999) - 999) / 4)
                fl = rand() < 0.2 ? "" : (rand() < 0.6 ? "true" : "false")
                t = "t" int(rand() * 30)
                if (rand() < 0.1) i = ""
                if (rand() < 0.1) b = ""
                if (rand() < 0.1) s = ""
                if (rand() < 0.1) d = ""
                if (rand() < 0.1) rr = ""
                if (rand() < 0.1) t = ""
                printf "{\"k\": %d, \"i\": %s, \"b\": %s, \"s\": %s, \"d\": %s, \"r\": %s, \"flag\": %s, \"t\": %s}\n",
                    k, i == "" ? "null" : i, b == "" ? "null" : b, s == "" ? "null" : s,
                    d == "" ? "null" : d, rr == "" ? "null" : rr, fl == "" ? "null" : fl,
                    t == "" ? "null" : "\"" t "\"" > f
                printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k, i == "" ? "\\N" : i,
                    b == "" ? "\\N" : b, s == "" ? "\\N" : s, d == "" ? "\\N" : d,
                    rr == "" ? "\\N" : rr, fl == "" ? "\\N" : fl, t == "" ? "\\N" : t > (f ".tsv")
            }
            close(f)
            close(f ".tsv")
        }
    }'
}
send() {  # send SERVER FIRST STEP LAST: bodies FIRST, FIRST+STEP, ... below LAST
    i=$2
    while [ "$i" -lt "$4" ]; do
        curl -s -m 60 -o "$work/resp.$i" -w '%{http_code}\n' --data-binary @"$work/body.$i" \
            "http://$1/v1/streams/ev" >"$work/code.$i" || echo 000 >"$work/code.$i"
        i=$((i + $3))
    done
}
load() {  # the acknowledged requests FIRST .. LAST-1 into the oracle's table
    i=$1
    while [ "$i" -lt "$2" ]; do
        if [ "$(cat "$work/code.$i")" = 200 ]; then
            pgq -c "\\copy difftest.ev FROM '$work/body.$i.tsv'"
        else
            fail "request $i: HTTP $(cat "$work/code.$i") $(cat "$work/resp.$i")"
        fi
        i=$((i + 1))
    done
}
compare_all() {
    for v in v_grp v_tot v_none; do
        case $v in
        v_grp) q=$V_GRP ;;
        v_tot) q=$V_TOT ;;
        *) q=$V_NONE ;;
        esac
        pgq -c "SET client_min_messages = warning; DROP TABLE IF EXISTS difftest.o_$v"
        if diff_compare "$v" "$(echo "$q" | sed 's/@S@/difftest.ev/')" >"$work/cmp.out"; then
            pass "$1: $(cat "$work/cmp.out")"
        else
            fail "$1: $(cat "$work/cmp.out")"
        fi
    done
}

# 1. two servers at once, two requests in flight each
gen 0 40
send "$A_HTTP" 0 4 40 & p1=$!
send "$A_HTTP" 2 4 40 & p2=$!
send "$B_HTTP" 1 4 40 & p3=$!
send "$B_HTTP" 3 4 40 & p4=$!
wait $p1 $p2 $p3 $p4
load 0 40
compare_all "two servers"
n=$(pgq -c "SELECT count(*) FROM difftest.ev")
[ "$n" = 1600 ] && pass "1600 events acknowledged" || fail "$n events acknowledged, expected 1600"
v=$(pgq -c "SELECT nn || '|' || (vp IS NOT NULL) || '|' || (c IS NOT NULL) FROM v_tot")
[ "$v" != "" ] && [ "${v#0|}" = "$v" ] && [ "${v#*|}" = "true|true" ] &&
    pass "v_tot holds values ($v)" || fail "v_tot: '$v'"
v=$(pgq -c "SELECT c || '|' || coalesce(sd::text, 'null') || coalesce(vp::text, 'null') || coalesce(bo::text, 'null') || coalesce(rs::text, 'null') || '|' || cd || coalesce(sn, 'null') FROM v_none")
[ "$v" = "0|nullnullnullnull|0null" ] && pass "aggregates whose FILTER never passed: 0 and NULLs" ||
    fail "v_none: '$v'"

# 2. a restart: both stop, a new server adds to the states in PostgreSQL
sluiced_stop
kill -TERM "$A_PID"
wait "$A_PID" || fail "server A exited with status $? after SIGTERM"
A_PID=
sluiced_start --flush-interval 10
gen 40 52
send "$SLUICE_HTTP" 40 1 52
load 40 52
compare_all "after a restart"

sluiced_stop
sl_done "aggregates across flushes, servers and restarts agree with PostgreSQL"
