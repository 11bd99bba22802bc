#!/bin/sh
# tests/diff/run.sh: the differential test.  PostgreSQL's own SELECT over the
# raw events is the oracle for what every continuous view must hold.
#
# For each seed (default "1 2"; SL_DIFF_SEEDS="..." overrides, SL_DIFF_EVENTS
# the event count, default 4000) tests/diff/gen.awk writes the same random
# events as NDJSON and CSV.  The NDJSON goes to sluiced over HTTP in requests
# of varying size (one of them gzip-compressed), into a stream with
# fourteen continuous views (with aggregates, and without: GROUP BY alone,
# DISTINCT, transforms); the CSV goes by COPY into a plain table with the same
# columns.  Then, for each view, the view's own query with the stream
# replaced by the table runs in PostgreSQL, and the two results must be equal:
# same column names and types, and EXCEPT ALL empty both ways, with float
# values compared after rounding to 10 significant digits (numeric, integer,
# text and timestamptz values are compared exactly, as text).  Prints ok /
# FAILED per view with the differing rows; exits 1 on any failure.
# SL_DIFF_SELFTEST=1 drops one event from the oracle's table, to see the
# comparison fail.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
command -v gzip >/dev/null 2>&1 || sl_skip "gzip is not installed"
AWK=${AWK:-awk}
export PGTZ=UTC PGDATESTYLE="ISO, MDY" PGCLIENTENCODING=UTF8

seeds=${SL_DIFF_SEEDS:-1 2}
nevents=${SL_DIFF_EVENTS:-4000}

pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/diff
mkdir -p "$work"

. "$top_srcdir/tests/diff/lib.sh"
diff_setup

cols=$DIFF_COLS

# The views, one per line: NAME|QUERY, with @S@ for the stream.  Every
# output column has a name; no aggregate can overflow on the generated data.
views='v_text|SELECT g, count(*) AS n, count(k) AS nk, count(t) AS nt, sum(s) AS ss, sum(i) AS si, sum(b) AS sb, min(t) AS tmin, max(t) AS tmax, avg(i) AS ai, avg(s) AS avs, min(b) AS bmin, max(b) AS bmax FROM @S@ GROUP BY g
v_int|SELECT k, count(*) AS n, sum(r) AS sr, avg(r) AS ar, min(r) AS rmin, max(r) AS rmax, sum(d) AS sd, avg(d) AS ad, min(d) AS dmin, max(d) AS dmax, sum(x) AS sx, avg(x) AS ax, min(x) AS x_lo, max(x) AS x_hi FROM @S@ GROUP BY k
v_two|SELECT g, k, count(*) AS n, count(flag) AS nflag, sum(s * 2) AS s2, sum(k * 3 + 1) AS k3, min(ts) AS tsmin, max(ts) AS tsmax FROM @S@ WHERE flag OR k IS NULL GROUP BY g, k
v_ts|SELECT ts, count(*) AS n, sum(s) AS ss, avg(s) AS avs, min(s) AS smin, max(s) AS smax, max(g) AS gmax, min(t) AS tmin FROM @S@ WHERE NOT flag GROUP BY ts
v_global|SELECT count(*) AS n, count(g) AS ng, count(ts) AS nts, sum(b) AS sb, avg(b) AS ab, min(b) AS bmin, max(b) AS bmax, min(ts) AS tsmin, max(ts) AS tsmax, min(t) AS tmin, max(t) AS tmax, sum(i) AS si, min(i) AS imin, max(i) AS imax, sum(d) AS sd, max(x) AS x_hi, min(r) AS rmin FROM @S@
v_none|SELECT count(*) AS n, count(i) AS ni, sum(i) AS si, avg(d) AS ad, max(t) AS tmax, min(ts) AS tsmin FROM @S@ WHERE k > 100 AND i IS NOT NULL
v_where|SELECT g, count(*) AS n, sum(i) AS si, max(ts) AS tsmax FROM @S@ WHERE (k * 3 - s > 10 OR g IS NULL) AND NOT (t IS NULL OR t < '"'"'b'"'"') AND ts >= '"'"'2024-02-01 00:00:00+00'"'"' AND ts < '"'"'2024-05-15T12:00:00Z'"'"' GROUP BY g
v_where2|SELECT k, count(*) AS n, count(d) AS nd, sum(d * 2) AS sd2, min(t) AS tmin, max(r) AS rmax FROM @S@ WHERE (d / 2 > 100.5 AND NOT flag) OR (s % 3 = 0 AND r <> 0) OR (b < 0 AND b > -1000) OR (t >= '"'"'é'"'"' AND t <= '"'"'z'"'"') OR (flag IS NULL AND x >= 1.5) GROUP BY k
v_having|SELECT k, g, count(*) AS n, sum(s) AS ss, count(*) * 2 + 1 AS expr, k + 1 AS k1, max(r) - min(r) AS rspan, sum(s) + count(*) AS mix, avg(s) * 2 AS avs2 FROM @S@ GROUP BY k, g HAVING count(*) > 3 AND sum(s) IS NOT NULL
v_bool|SELECT flag, count(*) AS n, count(*) - count(s) AS snull, sum(i) AS si, min(t) AS tmin, max(ts) AS tsmax FROM @S@ GROUP BY flag
v_xform|SELECT *, k * 3 - s AS e1, d / 2 AS half, g || t AS gt, NOT flag AS nf, b IS NULL AS bnull FROM @S@
v_xform_w|SELECT id, t AS label, r + 1 AS r1, ts FROM @S@ WHERE (k * 3 - s > 10 OR g IS NULL) AND NOT (t IS NULL OR t < '"'"'b'"'"')
v_groups|SELECT g, flag, k FROM @S@ GROUP BY g, flag, k
v_distinct|SELECT DISTINCT flag, g FROM @S@'

failed=0
for seed in $seeds; do
    st=ev$seed
    tab=difftest.ev$seed
    nd=$work/ev$seed.ndjson
    csv=$work/ev$seed.csv
    $AWK -v seed="$seed" -v n="$nevents" -v ndjson="$nd" -v csv="$csv" \
        -f "$top_srcdir/tests/diff/gen.awk" </dev/null
    [ "$(wc -l <"$nd")" -eq "$nevents" ] || sl_fail "generator wrote $(wc -l <"$nd") events, not $nevents"
    echo "seed $seed: $nevents events"

    # (a) the stream and its views in sluiced
    slq -c "CREATE STREAM $st ($cols)" || sl_fail "CREATE STREAM $st failed"
    echo "$views" | while IFS='|' read -r name q; do
        q=$(echo "$q" | sed "s/@S@/$st/g")
        if ! slq -c "CREATE CONTINUOUS VIEW ${name}_$seed AS $q" 2>"$work/err"; then
            echo "CREATE CONTINUOUS VIEW ${name}_$seed failed: $(cat "$work/err")"
        fi
    done
    # (b) the plain table
    pgq -c "CREATE TABLE $tab ($cols)"
    pgq -c "\\copy $tab FROM '$csv' WITH (FORMAT csv)"
    # self-test of the comparison: with SL_DIFF_SELFTEST=1 the oracle misses
    # one event, and the views that saw it must be reported FAILED
    [ "${SL_DIFF_SELFTEST:-}" != 1 ] || pgq -c "DELETE FROM $tab WHERE id = 3"

    # the events over HTTP, in requests of 1 .. ~1500 lines
    sizes="1 2 7 50 333 1 120 900 3 64 1500"
    line=1
    req=0
    total=0
    while [ $line -le "$nevents" ]; do
        set -- $sizes
        idx=$((req % $#))
        shift $idx
        size=$1
        req=$((req + 1))
        last=$((line + size - 1))
        [ $last -le "$nevents" ] || last=$nevents
        sed -n "${line},${last}p" "$nd" >"$work/req"
        if [ $req -eq 5 ]; then
            gzip -c "$work/req" >"$work/req.gz"
            code=$(curl -s -o "$work/resp" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
                -H 'Content-Encoding: gzip' --data-binary @"$work/req.gz" "http://$SLUICE_HTTP/v1/streams/$st")
        else
            code=$(curl -s -o "$work/resp" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
                --data-binary @"$work/req" "http://$SLUICE_HTTP/v1/streams/$st")
        fi
        want=$((last - line + 1))
        got=$(sed -n 's/^{ *"accepted" *: *\([0-9][0-9]*\) *}$/\1/p' "$work/resp")
        if [ "$code" != 200 ] || [ "$got" != "$want" ]; then
            echo "request $req (lines $line-$last): HTTP $code $(cat "$work/resp"), expected 200 {\"accepted\": $want}"
            failed=$((failed + 1))
        else
            total=$((total + want))
        fi
        line=$((last + 1))
    done
    echo "seed $seed: $req requests, $total events acknowledged"

    # compare every view with PostgreSQL's SELECT over the table
    echo "$views" | {
        vfailed=0
        while IFS='|' read -r name q; do
            v=${name}_$seed
            oq=$(echo "$q" | sed "s/@S@/$tab/g")
            diff_compare "$v" "$oq" || vfailed=$((vfailed + 1))
        done
        exit $vfailed
    } || failed=$((failed + $?))
done

sluiced_stop
pg_stop
if [ $failed -ne 0 ]; then
    echo "diff: $failed failure(s)"
    exit 1
fi
echo "diff: all views equal PostgreSQL's SELECT"
