#!/bin/sh
# tests/e2e/slide.sh: sliding windows on arrival time, WITH (sw = '4
# seconds', step_factor = 25): a step of one second.  Requests are sent
# early in a second (answered within it, the step of their events is
# known; else it is read from sluiced and must lie between sending and
# answer); their events are recorded with the arrival time (or step) in a
# table of the throwaway PostgreSQL, and at chosen
# moments one statement reads each view and PostgreSQL's own aggregates
# over the recorded events whose step (the arrival time truncated to the
# second) is later than now() - 4 seconds: they must be equal (grouped,
# global, HAVING, a transform, SELECT DISTINCT).  Across a
# restart of sluiced; expired steps leave the state tables; EXPLAIN; the
# options' errors.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
work=$PGTEST_DIR/slide
mkdir -p "$work"
sluiced_start --flush-interval 20

slq <<'SQL' >/dev/null || sl_fail "creating the stream and views failed"
CREATE STREAM ev (k text, x integer, f float8, t text, r integer);
CREATE CONTINUOUS VIEW sw_k WITH (sw = '4 seconds', step_factor = 25) AS
  SELECT k, count(*) AS n, sum(x) AS sx, avg(x) AS ax, min(x) AS mi, max(x) AS ma,
         count(DISTINCT x) AS dx, var_pop(f) AS vf, string_agg(t, ',' ORDER BY t) AS st,
         sum(DISTINCT x) FILTER (WHERE x > 0) AS sdx, bool_or(x > 45) AS big,
         corr(f, (x % 7)::float8) AS cr, stddev(x) AS sdv
  FROM ev GROUP BY k;
CREATE CONTINUOUS VIEW sw_all WITH (sw = '4 seconds', step_factor = 25) AS
  SELECT count(*) AS n, sum(x) AS sx, max(t) AS mt, avg(f) AS af FROM ev WHERE x > -40;
CREATE CONTINUOUS VIEW sw_having WITH (step_factor = 25, sw = '4 seconds') AS
  SELECT k, sum(x) AS sx FROM ev GROUP BY k HAVING count(*) > 8;
CREATE CONTINUOUS VIEW sw_rows WITH (sw = '4 seconds', step_factor = 25) AS
  SELECT k, x FROM ev WHERE x >= 40;
CREATE CONTINUOUS VIEW sw_keys WITH (sw = '4 seconds', step_factor = 25) AS
  SELECT DISTINCT k FROM ev WHERE x > 35;
CREATE CONTINUOUS VIEW sw_req WITH (sw = '4 seconds', step_factor = 25) AS
  SELECT DISTINCT r FROM ev;
SQL
pgq -c "CREATE TABLE oracle (arrival float8, k text, x integer, f float8, t text)"

# Sleeps until the clock is F seconds into a second.
wait_into() {
    sleep "$(awk -v n="$(date +%s.%N)" -v f="$1" \
        'BEGIN { d = f - (n - int(n)); if (d < 0.02) d += 1; printf "%.3f", d }')"
}

# send N: one request of N random events (r = its number), sent 0.15 s
# into a second.  When its answer comes within that second, the step of
# its events is that second; otherwise (a loaded machine) the step sluiced
# gave them is read from sw_req's state table, and must lie between the
# seconds of sending and answer.
seq=0
send() {
    seq=$((seq + 1))
    awk -v n="$1" -v s="$seq" 'BEGIN {
        srand(s * 7919)
        for (i = 0; i < n; i++) {
            k = substr("abcdef", int(rand() * 6) + 1, 1); x = int(rand() * 101) - 50
            printf "{\"k\":\"%s\",\"x\":%d,\"f\":%s,\"t\":\"t%02d\",\"r\":%d}\n", k, x, x / 4, int(rand() * 30), s
        }
    }' >"$work/body"
    wait_into 0.15
    t0=$(date +%s.%N)
    ans=$(curl -s --data-binary @"$work/body" "http://$SLUICE_HTTP/v1/streams/ev")
    t1=$(date +%s.%N)
    [ "$ans" = "{\"accepted\": $1}" ] || fail "request $seq answered $ans"
    arrival=$t0
    if [ "${t0%.*}" != "${t1%.*}" ]; then
        arrival=$(pgq -c "SELECT extract(epoch FROM _step)::bigint FROM sluice_mrel.sw_req WHERE r = $seq")
        if [ -n "$arrival" ] && [ "$arrival" -ge "${t0%.*}" ] && [ "$arrival" -le "${t1%.*}" ]; then
            crossed=$((crossed + 1))
        else
            fail "request $seq (sent $t0, answered $t1) has the step '$arrival'"
        fi
    fi
    sed -e 's/^{"k":"\(.\)","x":\([-0-9]*\),"f":\([-0-9.e]*\),"t":"\(t[0-9]*\)","r":[0-9]*}$/'"$arrival"',\1,\2,\3,\4/' \
        "$work/body" >>"$work/pending.csv"
}
crossed=0

# check LABEL: at 0.6 s into a second, each view against the oracle, in one
# statement (one now()); prints the number of events in the window.
in_window="to_timestamp(floor(arrival)) > now() - interval '4 seconds'"
check() {
    if [ -s "$work/pending.csv" ]; then   # the oracle's rows, off the timed path
        pgq -c "\\copy oracle FROM '$work/pending.csv' WITH (FORMAT csv)"
        : >"$work/pending.csv"
    fi
    wait_into 0.6
    res=$(pgq <<SQL
WITH o AS (SELECT k, count(*) AS n, sum(x) AS sx, avg(x) AS ax, min(x) AS mi, max(x) AS ma,
                  count(DISTINCT x) AS dx, round(var_pop(f)::numeric, 9) AS vf,
                  string_agg(t, ',' ORDER BY t) AS st,
                  sum(DISTINCT x) FILTER (WHERE x > 0) AS sdx, bool_or(x > 45) AS big,
                  round(corr(f, (x % 7)::float8)::numeric, 9) AS cr, stddev(x) AS sdv
           FROM oracle WHERE $in_window GROUP BY k),
     w AS (SELECT k, n, sx, ax, mi, ma, dx, round(vf::numeric, 9), st, sdx, big,
                  round(cr::numeric, 9), sdv FROM sw_k),
     oa AS (SELECT count(*) AS n, sum(x) AS sx, max(t) AS mt, avg(f) AS af FROM oracle
            WHERE x > -40 AND $in_window),
     oh AS (SELECT k, sum(x) AS sx FROM oracle WHERE $in_window GROUP BY k HAVING count(*) > 8),
     orw AS (SELECT k, x FROM oracle WHERE x >= 40 AND $in_window),
     ok AS (SELECT DISTINCT k FROM oracle WHERE x > 35 AND $in_window)
SELECT (SELECT count(*) FROM oracle WHERE $in_window) || ' ' ||
       (SELECT count(*) FROM o) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM w) d) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM w EXCEPT SELECT * FROM o) d) || ' ' ||
       (SELECT count(*) FROM oa, sw_all a WHERE (oa.n, oa.sx, oa.mt, oa.af)
                                        IS NOT DISTINCT FROM (a.n, a.sx, a.mt, a.af)) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM oh EXCEPT SELECT * FROM sw_having) d) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM sw_having EXCEPT SELECT * FROM oh) d) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM orw EXCEPT ALL SELECT * FROM sw_rows) d) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM sw_rows EXCEPT ALL SELECT * FROM orw) d) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM ok EXCEPT ALL SELECT * FROM sw_keys) d) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM sw_keys EXCEPT ALL SELECT * FROM ok) d)
SQL
)
    set -- $res
    if [ "$3 $4 $5 $6 $7 $8 $9 ${10} ${11}" = "0 0 1 0 0 0 0 0 0" ]; then
        pass "$label: the views equal the oracle over the $1 events of the window ($2 groups)"
    else
        fail "$label: views against the oracle (events, groups, missing, extra, global, having -/+, rows -/+, keys -/+): $res"
        pgq -c "SELECT * FROM sw_k ORDER BY k" >&2
        pgq -c "SELECT to_timestamp(floor(arrival)) AS step, k, count(*) FROM oracle GROUP BY 1, 2 ORDER BY 1, 2" >&2
        pgq -c "SELECT _step, k, _a1 FROM sluice_mrel.sw_k ORDER BY 1, 2" >&2
    fi
    window_events=$1
}

label="first request"; send 40; check
[ "$window_events" = 40 ] && pass "the first 40 events are in the window" || fail "window holds $window_events events after the first request"
send 60; send 30
label="three requests"; check
# Four seconds after the first request's second at least (a window of
# 4 s): its events have left the window, however fast the machine is.
send 50; send 20
label="the first second has left the window"; check
old=$(pgq -c "SELECT count(*) FROM oracle WHERE NOT ($in_window)")
[ "$old" -gt 0 ] && pass "$old events have left the window" || fail "no event has left the window yet"

# Restart in the middle: the window goes on from the state in PostgreSQL.
sluiced_stop
sluiced_start --flush-interval 20
label="after a restart"; check
send 70
label="a request after the restart"; check
send 25; send 35
label="two more requests"; check

# No more events: the window empties step by step.
label="1 s later"; check
label="2 s later"; check
# Expired steps leave the state tables: none older than the window by more
# than 2.5 s (a round runs every second).
stale=$(pgq -c "SELECT (SELECT count(*) FROM sluice_mrel.sw_k WHERE _step <= now() - interval '6.5 seconds')
                     + (SELECT count(*) FROM sluice_mrel.sw_all WHERE _step <= now() - interval '6.5 seconds')
                     + (SELECT count(*) FROM sluice_mrel.sw_rows WHERE _step <= now() - interval '6.5 seconds')")
[ "$stale" = 0 ] && pass "expired steps are deleted from the state tables" || fail "$stale expired rows left in the state tables"
kept=$(pgq -c "SELECT (SELECT count(*) FROM sluice_mrel.sw_k WHERE _step > now() - interval '4 seconds')
                     || ' ' || (SELECT count(DISTINCT (k, floor(arrival))) FROM oracle WHERE $in_window)")
set -- $kept
[ "$1" = "$2" ] && pass "the state table holds a row per group and step in the window ($1)" ||
    fail "state rows in the window against (k, step) pairs of the oracle: $kept"
sleep 4
label="after the window"; check
[ "$window_events" = 0 ] || fail "the window still holds $window_events events"
sleep 2.5
rows=$(pgq -c "SELECT (SELECT count(*) FROM sluice_mrel.sw_k) + (SELECT count(*) FROM sluice_mrel.sw_all)
                    + (SELECT count(*) FROM sluice_mrel.sw_having) + (SELECT count(*) FROM sluice_mrel.sw_rows)
                    + (SELECT count(*) FROM sluice_mrel.sw_keys)")
[ "$rows" = 0 ] && pass "every state table is empty once the window has passed" || fail "$rows state rows left"
all=$(pgq -F' ' -c "SELECT n, coalesce(sx::text, 'null') FROM sw_all")
[ "$all" = "0 null" ] && pass "the global view reads 0 and NULL over an empty window" || fail "global view: $all"

# EXPLAIN, the default step (PipelineDB's step_factor 5) and the state table's key.
slq -c "CREATE CONTINUOUS VIEW sw_default WITH (sw = '1 minute') AS SELECT count(*) FROM ev" >/dev/null
plan=$(slq -c "EXPLAIN CONTINUOUS VIEW sw_k")
echo "$plan" | grep -qx "  Sliding Window: '4 seconds' of arrival time, step 00:00:01 (step_factor 25) in \"_step\" timestamptz" &&
    pass "EXPLAIN shows the window and its step" || fail "EXPLAIN: $plan"
plan=$(slq -c "EXPLAIN CONTINUOUS VIEW sw_default")
echo "$plan" | grep -q "Sliding Window: '1 minute' of arrival time, step 00:00:03 (step_factor 5)" &&
    pass "step_factor defaults to 5" || fail "EXPLAIN: $plan"
key=$(pgq -c "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'sluice_mrel.sw_k'::regclass AND indisunique")
case $key in *'("k", "_step")'*|*'(k, _step)'*) pass "the state table is unique on (k, _step)" ;;
    *) fail "state table's unique index: $key" ;; esac

# Errors.
sqlstate() { slq -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]*\):.*/\1/p'; }
expect_err() {
    got=$(sqlstate "$2")
    [ "$got" = "$1" ] && pass "$1: $2" || fail "expected $1, got '$got': $2"
}
expect_err 22023 "CREATE CONTINUOUS VIEW e1 WITH (sw = '1 month') AS SELECT count(*) FROM ev"
expect_err 22023 "CREATE CONTINUOUS VIEW e2 WITH (sw = '-5 minutes') AS SELECT count(*) FROM ev"
expect_err 22007 "CREATE CONTINUOUS VIEW e3 WITH (sw = 'soon') AS SELECT count(*) FROM ev"
expect_err 22023 "CREATE CONTINUOUS VIEW e4 WITH (sw = '1 minute', step_factor = 51) AS SELECT count(*) FROM ev"
expect_err 22023 "CREATE CONTINUOUS VIEW e5 WITH (sw = '1 minute', step_factor = 0) AS SELECT count(*) FROM ev"
expect_err 22023 "CREATE CONTINUOUS VIEW e6 WITH (step_factor = 5) AS SELECT count(*) FROM ev"
expect_err 22023 "CREATE CONTINUOUS VIEW e7 WITH (sw = '1 minute', ttl = '1 day', ttl_column = 'n') AS SELECT count(*) AS n FROM ev"
expect_err 22023 "CREATE CONTINUOUS VIEW e8 WITH (sw = '1 minute', window = 3) AS SELECT count(*) FROM ev"
msg=$(slq -c "CREATE CONTINUOUS VIEW e4 WITH (sw = '1 minute', step_factor = 51) AS SELECT count(*) FROM ev" 2>&1 || true)
case $msg in *'value 51 out of bounds for option "step_factor"'*'Valid values are between "1" and "50".'*)
    pass "step_factor's message as PostgreSQL's reloptions" ;; *) fail "step_factor 51: $msg" ;; esac
n=$(pgq -c "SELECT count(*) FROM sluice.views WHERE name LIKE 'e_'")
[ "$n" = 0 ] && pass "no refused view was created" || fail "$n refused views in the catalog"

echo "requests answered in a later second than sent (step read from sluiced): $crossed"
sluiced_stop
sl_done "slide: all checks passed"
