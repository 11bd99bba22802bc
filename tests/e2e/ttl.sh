#!/bin/sh
# tests/e2e/ttl.sh: WITH (ttl = '3 seconds', ttl_column = 'c'): rows whose
# c is older than now() - 3 seconds are deleted in the background within a
# few seconds, newer ones stay and equal PostgreSQL's own SELECT over the
# events sent; a group key (indexed), an aggregate's output (max(ts)), a
# transform's column and a timestamp without time zone as ttl_column;
# ingest answered promptly while tens of thousands of rows are deleted;
# across a restart; two sluiced on one database; the options' errors.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
work=$PGTEST_DIR/ttl
mkdir -p "$work"
sluiced_start --flush-interval 20
A_PID=$SLUICED_PID
SLUICED_PID=
B_PID=
trap 'ttl_rc=$?; trap - EXIT; set +e; for p in $A_PID $B_PID; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; sl__cleanup; exit $ttl_rc' EXIT
A_HTTP=$SLUICE_HTTP

slq <<'SQL' >/dev/null || sl_fail "creating the stream and views failed"
CREATE STREAM tev (ts timestamptz, lts timestamp, k integer);
CREATE CONTINUOUS VIEW per_sec WITH (ttl = '3 seconds', ttl_column = 'sec') AS
  SELECT date_trunc('second', ts) AS sec, k, count(*) AS n FROM tev GROUP BY sec, k;
CREATE CONTINUOUS VIEW last_seen WITH (ttl = '3 seconds', ttl_column = 'seen') AS
  SELECT k, max(ts) AS seen, count(*) AS n FROM tev GROUP BY k;
CREATE CONTINUOUS VIEW raw WITH (ttl = '3 seconds', ttl_column = 'ts') AS
  SELECT ts, k FROM tev;
CREATE CONTINUOUS VIEW local_sec WITH (ttl = '3 seconds', ttl_column = 'lsec') AS
  SELECT date_trunc('second', lts) AS lsec, count(*) AS n FROM tev GROUP BY lsec;
SQL
pgq -c "CREATE TABLE oracle (ts timestamptz, lts timestamp, k integer)"

# events HTTP N FIRST STEP K: one request of N events, ts = now + FIRST +
# i * STEP seconds (lts the same, in UTC), k = K or i % 7 when K is "mod";
# recorded in the oracle once acknowledged.
events() {
    now=$(date +%s)
    k=$5
    [ "$k" = mod ] && k="i % 7"
    rows="SELECT to_timestamp($now + $3 + i * $4) AS ts,
                 to_timestamp($now + $3 + i * $4) AT TIME ZONE 'UTC' AS lts, $k AS k
          FROM generate_series(0, $2 - 1) AS i"
    pgq -c "COPY (SELECT json_build_object('ts', ts, 'lts', lts, 'k', k) FROM ($rows) r) TO STDOUT" \
        >"$work/body"
    t0=$(date +%s%N)
    ans=$(curl -s --data-binary @"$work/body" "http://$1/v1/streams/tev")
    ingest_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$ans" = "{\"accepted\": $2}" ] || { fail "$2 events answered $ans"; return; }
    pgq -c "INSERT INTO oracle $rows"
}

# Rows older than the TTL in each view (value < now() - 3 s), all views.
raw_term="(SELECT count(*) FROM raw WHERE ts < now() - interval '3 seconds')"
expired_q() {
    echo "SELECT (SELECT count(*) FROM per_sec WHERE sec < now() - interval '3 seconds')
               + (SELECT count(*) FROM last_seen WHERE seen < now() - interval '3 seconds')
               + $raw_term
               + (SELECT count(*) FROM local_sec
                  WHERE lsec < (now() AT TIME ZONE 'UTC') - interval '3 seconds')"
}
# wait_expired WHAT: polls until no view holds an expired row (at most 8 s).
wait_expired() {
    i=0
    while [ "$(pgq -c "$(expired_q)")" != 0 ]; do
        i=$((i + 1))
        if [ $i -ge 80 ]; then
            fail "$1: expired rows still there after 8 s: $(pgq -c "$(expired_q)")"
            return
        fi
        sleep 0.1
    done
    pass "$1: expired rows gone after about $((i / 10)).$((i % 10)) s"
}

# The views against PostgreSQL's SELECT over the oracle's events whose value
# is not expired (only far past and far future events when this runs).
same() {
    res=$(pgq <<'SQL'
WITH ps AS (SELECT date_trunc('second', ts) AS sec, k, count(*) AS n FROM oracle
            GROUP BY 1, 2 HAVING date_trunc('second', ts) >= now() - interval '3 seconds'),
     ls AS (SELECT k, max(ts) AS seen, count(*) AS n FROM oracle GROUP BY k
            HAVING max(ts) >= now() - interval '3 seconds'),
     rw AS (SELECT ts, k FROM oracle WHERE ts >= now() - interval '3 seconds'),
     lc AS (SELECT date_trunc('second', lts) AS lsec, count(*) AS n FROM oracle GROUP BY 1
            HAVING date_trunc('second', lts) >= (now() AT TIME ZONE 'UTC') - interval '3 seconds')
SELECT (SELECT count(*) FROM ps) || ' ' || (SELECT count(*) FROM rw) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM ps EXCEPT SELECT * FROM per_sec) d) +
       (SELECT count(*) FROM (SELECT * FROM per_sec EXCEPT SELECT * FROM ps) d) +
       (SELECT count(*) FROM (SELECT * FROM ls EXCEPT SELECT * FROM last_seen) d) +
       (SELECT count(*) FROM (SELECT * FROM last_seen EXCEPT SELECT * FROM ls) d) +
       (SELECT count(*) FROM (SELECT * FROM rw EXCEPT ALL SELECT * FROM raw) d) +
       (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM rw) d) +
       (SELECT count(*) FROM (SELECT * FROM lc EXCEPT SELECT * FROM local_sec) d) +
       (SELECT count(*) FROM (SELECT * FROM local_sec EXCEPT SELECT * FROM lc) d)
SQL
)
    set -- $res
    [ "$3" = 0 ] && [ "$1" -gt 0 ] && pass "$label: the views equal the oracle's live rows ($1 groups, $2 events)" ||
        fail "$label: views against the oracle (groups, events, differences): $res"
}

# Far future events stay; far past ones (20000 distinct seconds: 20000 rows
# in three of the views) go, while requests keep being answered at once.
events "$A_HTTP" 300 86400 1 mod
events "$A_HTTP" 20000 -200000 1 mod
slow=0
worst=0
for r in $(seq 1 25); do
    events "$A_HTTP" 40 86400 3 mod
    [ "$ingest_ms" -lt 2000 ] || slow=$((slow + 1))
    [ "$ingest_ms" -le "$worst" ] || worst=$ingest_ms
done
[ "$slow" = 0 ] && pass "25 requests answered within 2 s each while old rows were deleted (slowest $worst ms)" ||
    fail "$slow requests took 2 s or more while old rows were deleted (slowest $worst ms)"
wait_expired "20000 old events"
# They were written, and deleted: PostgreSQL's counts (sent at the end of
# each transaction, so polled).
i=0
while :; do
    n=$(pgq -c "SELECT n_tup_ins || ' ' || n_tup_del FROM pg_stat_user_tables
                WHERE relid = 'sluice_mrel.per_sec'::regclass")
    set -- $n
    [ "$1" -ge 20000 ] && [ "$2" -ge 20000 ] && break
    i=$((i + 1))
    [ $i -lt 50 ] || break
    sleep 0.1
done
[ "$1" -ge 20000 ] && [ "$2" -ge 20000 ] && pass "per_sec: $1 rows inserted, $2 deleted" ||
    fail "per_sec: $1 rows inserted, $2 deleted (expected 20000 and more each)"
label="after the deletes"; same

# Events 1 s ahead: there at first, gone once they are 3 s old.
events "$A_HTTP" 10 1 0 99
n=$(pgq -c "SELECT (SELECT count(*) FROM per_sec WHERE k = 99) || ' ' || (SELECT count(*) FROM raw WHERE k = 99)")
[ "$n" = "1 10" ] && pass "fresh rows are there" || fail "fresh rows: $n"
sleep 4
wait_expired "rows reaching their TTL"
n=$(pgq -c "SELECT (SELECT count(*) FROM per_sec WHERE k = 99) + (SELECT count(*) FROM raw WHERE k = 99) + (SELECT count(*) FROM last_seen WHERE k = 99)")
[ "$n" = 0 ] && pass "rows reaching their TTL are deleted" || fail "$n rows of k = 99 left"
label="after the fresh rows expired"; same

# The TTL survives a restart (the view is analyzed again from its text).
SLUICED_PID=$A_PID; A_PID=
sluiced_stop
sluiced_start --flush-interval 20
A_PID=$SLUICED_PID; SLUICED_PID=; A_HTTP=$SLUICE_HTTP
events "$A_HTTP" 500 -5000 1 mod
wait_expired "old events after a restart"
label="after a restart"; same

# Two sluiced on one database: both delete, neither fails.
sluiced_start --flush-interval 20
B_PID=$SLUICED_PID; SLUICED_PID=; B_HTTP=$SLUICE_HTTP; B_LOG=$SLUICED_LOG
events "$A_HTTP" 3000 -9000 1 mod
events "$B_HTTP" 3000 -19000 1 mod
events "$B_HTTP" 100 86400 2 mod
wait_expired "old events with two sluiced"
label="two sluiced"; same
# EXPLAIN and the indexes the deletes use.
plan=$(slq -h 127.0.0.1 -c "EXPLAIN CONTINUOUS VIEW per_sec")
echo "$plan" | grep -qx "  TTL: '3 seconds' on \"sec\"" && pass "EXPLAIN shows the TTL" ||
    fail "EXPLAIN: $plan"
idx=$(pgq -c "SELECT string_agg(c.relname || ':' || (SELECT count(*) FROM pg_index i
                                                      WHERE i.indrelid = c.oid AND NOT i.indisunique),
                                ' ' ORDER BY c.relname)
              FROM pg_class c WHERE c.relnamespace = 'sluice_mrel'::regnamespace AND c.relkind = 'r'")
[ "$idx" = "last_seen:0 local_sec:1 per_sec:1 raw:1" ] &&
    pass "a ttl column that is a column of the state table is indexed" || fail "indexes: $idx"

# A view dropped while both delete: the DROP is not held up, the deletes
# carry on with the other views.
events "$A_HTTP" 2000 -30000 1 mod
slq -c "SET statement_timeout = '10s'" -c "DROP CONTINUOUS VIEW raw" >/dev/null &&
    pass "DROP CONTINUOUS VIEW of a view being expired" || fail "DROP CONTINUOUS VIEW raw failed"
raw_term=0
wait_expired "old events after a DROP"
# A row some transaction holds a lock on is skipped (SKIP LOCKED), not
# waited for; the other rows and views go on, and it goes once released.
events "$A_HTTP" 1 1 0 200
pgq -c "BEGIN" -c "SELECT k FROM sluice_mrel.last_seen WHERE k = 200 FOR UPDATE" \
    -c "SELECT pg_sleep(7)" -c "COMMIT" >"$work/locker.out" 2>&1 &
locker=$!
sleep 5.5
n=$(pgq -c "SELECT (SELECT count(*) FROM per_sec WHERE k = 200) || ' ' ||
                   (SELECT count(*) FROM last_seen WHERE k = 200)")
running=no; kill -0 "$locker" 2>/dev/null && running=yes
[ "$n $running" = "0 1 yes" ] &&
    pass "a locked expired row is skipped, the others deleted" ||
    fail "locked row: per_sec and last_seen rows of k 200, locker running: $n $running"
wait "$locker" || fail "the locking transaction failed: $(cat "$work/locker.out")"
wait_expired "a row once its lock is released"
n=$(cat "$PGTEST_DIR"/sluiced.*.log | grep -c "expiring old rows" || true)
[ "$n" = 0 ] && pass "no delete failed" || fail "$n delete failures logged: $(grep -h 'expiring old rows' "$PGTEST_DIR"/sluiced.*.log)"

# Errors.
sqlstate() { slq -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]*\):.*/\1/p'; }
expect_err() {
    got=$(sqlstate "$2")
    [ "$got" = "$1" ] && pass "$1: $2" || fail "expected $1, got '$got': $2"
}
expect_err 42703 "CREATE CONTINUOUS VIEW e1 WITH (ttl = '1 day', ttl_column = 'nope') AS SELECT k, max(ts) AS m FROM tev GROUP BY k"
expect_err 22023 "CREATE CONTINUOUS VIEW e2 WITH (ttl = '1 day', ttl_column = 'n') AS SELECT k, count(*) AS n FROM tev GROUP BY k"
expect_err 22023 "CREATE CONTINUOUS VIEW e3 WITH (ttl = '1 day') AS SELECT k, max(ts) AS m FROM tev GROUP BY k"
expect_err 22023 "CREATE CONTINUOUS VIEW e4 WITH (ttl_column = 'm') AS SELECT k, max(ts) AS m FROM tev GROUP BY k"
expect_err 22007 "CREATE CONTINUOUS VIEW e5 WITH (ttl = 'a while', ttl_column = 'm') AS SELECT k, max(ts) AS m FROM tev GROUP BY k"
expect_err 22023 "CREATE CONTINUOUS VIEW e6 WITH (ttl = '0 seconds', ttl_column = 'm') AS SELECT k, max(ts) AS m FROM tev GROUP BY k"
msg=$(slq -c "CREATE CONTINUOUS VIEW e1 WITH (ttl = '1 day', ttl_column = 'nope') AS SELECT k, max(ts) AS m FROM tev GROUP BY k" 2>&1 || true)
case $msg in *'column "nope" does not exist'*) pass "42703 names the column" ;; *) fail "unknown ttl_column: $msg" ;; esac
slq -c "CREATE CONTINUOUS VIEW month_ttl WITH (ttl = '1 month', ttl_column = 'm') AS SELECT k, max(ts) AS m FROM tev GROUP BY k" >/dev/null &&
    pass "a TTL of a month is accepted" || fail "ttl = '1 month' refused"

SLUICED_PID=$B_PID; B_PID=
sluiced_stop
SLUICED_PID=$A_PID; A_PID=
sluiced_stop
sl_done "ttl: all checks passed"
