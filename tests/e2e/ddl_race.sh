#!/bin/sh
# tests/e2e/ddl_race.sh: Sluice DDL from several sessions at once on the
# same objects.  Each statement is prepared against sluiced's in-memory
# catalog and answered by PostgreSQL a turn of the event loop later, so a
# second DROP of one view was once applied after the first had freed it
# (a use-after-free, a segfault in release builds).  Now exactly one of the
# racing statements succeeds, the others get PostgreSQL's errors, sluiced
# survives, and its catalog matches the catalog tables (also after a
# restart).
#   1. Queued races: session X holds a lock on sluice.views, N sessions
#      send their DDL and wait on it, X lets go: all run back to back.
#      DROP VIEW x N; DROP STREAM CASCADE x N; DROP STREAM CASCADE racing
#      DROP VIEW; CREATE VIEW racing DROP STREAM CASCADE; CREATE STREAM x N.
#   2. Free races: N sessions fired at once, many rounds.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients

pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/race
mkdir -p "$work"
N=4

# sess NAME SQL: one psql session through sluiced, in the background;
# output (errors with their SQLSTATE) in $work/NAME.out, status in NAME.rc.
sess() {
    ( rc=0
      PGAPPNAME=race psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -h 127.0.0.1 \
          -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres -c "$2" >"$work/$1.out" 2>&1 || rc=$?
      echo $rc >"$work/$1.rc" ) &
}

# waiting N: until N backends named race wait for a lock (or 5 s).
waiting() {
    i=0
    while [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'race' AND wait_event_type = 'Lock'")" != "$1" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || return 1
        sleep 0.05
    done
}

# Session X: holds sluice.views until cancelled (release).
hold() {
    PGAPPNAME=holder psql -X -q -d "$PGTEST_CONNINFO" \
        -c "BEGIN" -c "LOCK TABLE sluice.views IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" \
        >/dev/null 2>&1 &
    holder=$!
    i=0
    while [ "$(pgq -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'holder' AND l.relation = 'sluice.views'::regclass AND l.granted")" != 1 ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || sl_fail "session X did not get its lock"
        sleep 0.05
    done
}
release() {
    pgq -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
    wait $holder 2>/dev/null || true
}

alive() {
    kill -0 "$SLUICED_PID" 2>/dev/null || { tail -n 30 "$SLUICED_LOG"; sl_fail "sluiced died ($1)"; }
}

# outcome LABEL OK_WANTED SQLSTATE NAMES...: checks that exactly OK_WANTED
# of the sessions NAMES succeeded (0 or 1 for "<=1") and every other failed
# with SQLSTATE.
outcome() {
    label=$1 want=$2 state=$3
    shift 3
    ok=0 bad=
    for s in "$@"; do
        i=0
        while [ ! -s "$work/$s.rc" ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
        if [ "$(cat "$work/$s.rc" 2>/dev/null)" = 0 ]; then
            ok=$((ok + 1))
        elif ! grep -q "ERROR:  $state:" "$work/$s.out"; then
            bad="$bad [$s: $(tr '\n' ' ' <"$work/$s.out")]"
        fi
    done
    if { [ "$ok" = "$want" ] || { [ "$want" = "<=1" ] && [ "$ok" -le 1 ]; }; } && [ -z "$bad" ]; then
        pass "$label: $ok succeeded, the others failed with $state"
    else
        fail "$label: $ok succeeded (wanted $want);$bad"
    fi
}

# The in-memory catalog (SHOW) equals the catalog tables and the state
# tables that exist.
consistent() {
    mem_s=$(slq -c "SHOW STREAMS" | cut -d'|' -f1 | sort | tr '\n' ' ')
    mem_v=$(slq -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1,2 | sort | tr '\n' ' ')
    tab_s=$(pgq -c "SELECT name FROM sluice.streams ORDER BY 1" | sort | tr '\n' ' ')
    tab_v=$(pgq -c "SELECT name || '|' || stream FROM sluice.views" | sort | tr '\n' ' ')
    rel_v=$(pgq -c "SELECT v.relname || '|' || s.stream FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace AND n.nspname = 'sluice_mrel' LEFT JOIN sluice.views s ON s.name = v.relname WHERE v.relkind = 'r'" | sort | tr '\n' ' ')
    if [ "$mem_s" = "$tab_s" ] && [ "$mem_v" = "$tab_v" ] && [ "$mem_v" = "$rel_v" ]; then
        pass "$1: catalog consistent (streams: $mem_s; views: $mem_v)"
    else
        fail "$1: streams in memory '$mem_s', in sluice.streams '$tab_s'; views in memory '$mem_v', in sluice.views '$tab_v', state tables '$rel_v'"
    fi
}

queued() {   # queued LABEL: X holds, sessions already started, wait, release
    waiting "$1" || fail "only $(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'race' AND wait_event_type = 'Lock'") of $1 sessions waited for the lock"
    release
}

slq -c "CREATE STREAM ev (k integer, x bigint)" >/dev/null || sl_fail "CREATE STREAM failed"

# 1a. DROP CONTINUOUS VIEW from N sessions.
rm -f "$work"/*.rc
slq -c "CREATE CONTINUOUS VIEW v1 AS SELECT k, count(*) AS n, sum(x) AS s FROM ev GROUP BY k" >/dev/null
hold
for i in $(seq $N); do sess dv$i "DROP CONTINUOUS VIEW v1"; done
queued $N
outcome "queued DROP CONTINUOUS VIEW x$N" 1 42P01 $(seq -f dv%g $N)
alive "queued DROP CONTINUOUS VIEW"
consistent "after queued DROP CONTINUOUS VIEW"

# 1b. DROP STREAM ... CASCADE from N sessions.
rm -f "$work"/*.rc
slq -c "CREATE STREAM s2 (k integer)" \
    -c "CREATE CONTINUOUS VIEW v2a AS SELECT count(*) AS n FROM s2" \
    -c "CREATE CONTINUOUS VIEW v2b AS SELECT k, count(*) AS n FROM s2 GROUP BY k" >/dev/null
hold
for i in $(seq $N); do sess ds$i "DROP STREAM s2 CASCADE"; done
queued $N
outcome "queued DROP STREAM CASCADE x$N" 1 42P01 $(seq -f ds%g $N)
alive "queued DROP STREAM CASCADE"
consistent "after queued DROP STREAM CASCADE"

# 1c. DROP STREAM CASCADE first, DROP CONTINUOUS VIEW of its view second.
rm -f "$work"/*.rc
slq -c "CREATE STREAM s3 (k integer)" -c "CREATE CONTINUOUS VIEW v3 AS SELECT count(*) AS n FROM s3" >/dev/null
hold
sess c1 "DROP STREAM s3 CASCADE"
waiting 1 || true
sess c2 "DROP CONTINUOUS VIEW v3"
queued 2
outcome "DROP STREAM CASCADE then DROP CONTINUOUS VIEW" 1 42P01 c1 c2
[ "$(cat "$work/c1.rc")" = 0 ] && pass "the DROP STREAM (first) won" || fail "the DROP STREAM: $(cat "$work/c1.out")"
alive "DROP STREAM CASCADE racing DROP CONTINUOUS VIEW"
consistent "after DROP STREAM CASCADE racing DROP CONTINUOUS VIEW"

# 1d. DROP STREAM CASCADE first, CREATE CONTINUOUS VIEW on it second: the
# CREATE finds no stream (42P01), no view is left behind.
rm -f "$work"/*.rc
slq -c "CREATE STREAM s4 (k integer)" -c "CREATE CONTINUOUS VIEW v4 AS SELECT count(*) AS n FROM s4" >/dev/null
hold
sess d1 "DROP STREAM s4 CASCADE"
waiting 1 || true
sess d2 "CREATE CONTINUOUS VIEW v4b AS SELECT k, count(*) AS n FROM s4 GROUP BY k"
queued 2
outcome "DROP STREAM CASCADE then CREATE CONTINUOUS VIEW on it" 1 42P01 d1 d2
[ "$(cat "$work/d1.rc")" = 0 ] && pass "the DROP STREAM (first) won" || fail "the DROP STREAM: $(cat "$work/d1.out")"
alive "CREATE CONTINUOUS VIEW racing DROP STREAM CASCADE"
consistent "after CREATE CONTINUOUS VIEW racing DROP STREAM CASCADE"

# 1e. CREATE CONTINUOUS VIEW first, DROP STREAM (no CASCADE) second: the
# DROP finds a view depending on the stream (2BP01).
rm -f "$work"/*.rc
slq -c "CREATE STREAM s5 (k integer)" >/dev/null
hold
sess e1 "CREATE CONTINUOUS VIEW v5 AS SELECT count(*) AS n FROM s5"
waiting 1 || true
sess e2 "DROP STREAM s5"
queued 2
outcome "CREATE CONTINUOUS VIEW then DROP STREAM" 1 2BP01 e1 e2
alive "DROP STREAM racing CREATE CONTINUOUS VIEW"
consistent "after DROP STREAM racing CREATE CONTINUOUS VIEW"

# 1f. CREATE CONTINUOUS VIEW of one name from N sessions.
rm -f "$work"/*.rc
hold
for i in $(seq $N); do sess cv$i "CREATE CONTINUOUS VIEW v6 AS SELECT k, count(*) AS n FROM ev GROUP BY k"; done
queued $N
outcome "queued CREATE CONTINUOUS VIEW x$N" 1 42P07 $(seq -f cv%g $N)
alive "queued CREATE CONTINUOUS VIEW"
consistent "after queued CREATE CONTINUOUS VIEW"

# 2. Free races, many rounds: DROP CONTINUOUS VIEW and DROP STREAM CASCADE
# from N sessions at once (no DROP CONTINUOUS VIEW succeeds when a DROP
# STREAM took the view first).
R=${DDL_RACE_ROUNDS:-15}
bad_rounds=0
for r in $(seq $R); do
    rm -f "$work"/*.rc
    slq -c "CREATE STREAM fs$r (k integer)" \
        -c "CREATE CONTINUOUS VIEW fv$r AS SELECT k, count(*) AS n FROM fs$r GROUP BY k" \
        -c "CREATE CONTINUOUS VIEW fw$r AS SELECT count(*) AS n FROM fs$r" >/dev/null ||
        fail "round $r: setting up failed"
    for i in $(seq $N); do sess fv$i "DROP CONTINUOUS VIEW fv$r"; done
    for i in $(seq $N); do sess fs$i "DROP STREAM fs$r CASCADE"; done
    before=$nfail
    outcome "free round $r: DROP CONTINUOUS VIEW x$N" "<=1" 42P01 $(seq -f fv%g $N) >"$work/round.txt"
    outcome "free round $r: DROP STREAM CASCADE x$N" 1 42P01 $(seq -f fs%g $N) >>"$work/round.txt"
    [ $nfail = $before ] || { bad_rounds=$((bad_rounds + 1)); cat "$work/round.txt"; }
    alive "free round $r"
done
[ $bad_rounds = 0 ] && pass "$R free rounds: one DROP of each object succeeded at most, the others got 42P01" ||
    fail "$bad_rounds of $R free rounds went wrong"
consistent "after $R free rounds"

if grep -q "AddressSanitizer\|runtime error" "$SLUICED_LOG"; then
    fail "sanitizer report: $(grep -m3 'AddressSanitizer\|runtime error' "$SLUICED_LOG")"
fi

# The catalog tables load back whole.
sluiced_stop
sluiced_start --flush-interval 50
grep -q "could not load catalog entry" "$SLUICED_LOG" &&
    fail "after a restart: $(grep 'could not load' "$SLUICED_LOG" | head -n 3)" ||
    pass "after a restart every catalog entry loaded"
consistent "after a restart"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{"k": 1, "x": 2}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] && [ "$(pgq -c "SELECT n FROM v6 WHERE k = 1")" = 1 ] &&
    pass "the surviving view is fed" || fail "after the POST: HTTP $code, v6: $(pgq -c 'TABLE v6')"

sluiced_stop
sl_done "ddl_race: done"
