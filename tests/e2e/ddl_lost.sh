#!/bin/sh
# tests/e2e/ddl_lost.sh: CREATE CONTINUOUS VIEW whose backend connection
# dies before its answer, so sluiced cannot tell whether it committed and
# looks the view up in the catalog tables.  The DDL waits on a lock another
# session (X) holds on sluice.views; its backend is terminated.
#   1. X then commits nothing: the view must not be added; the name stays
#      free, a new CREATE works and the stream feeds the views that exist.
#   2. X itself creates the same objects and catalog row before it commits
#      (what sluiced sees when the lost CREATE had committed): the view must
#      be added and fed.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients


pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/ddl
mkdir -p "$work"

slq -c "CREATE STREAM ev (k integer)" -c "CREATE CONTINUOUS VIEW total AS SELECT count(*) AS n FROM ev" ||
    sl_fail "setting up through sluiced failed"

# Session X locks sluice.views.
# wait_for_lock APP: until the backend of application APP waits for a lock.
wait_for_lock() {
    i=0
    while [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND wait_event_type = 'Lock'")" != 1 ]; do
        i=$((i + 1))
        [ $i -lt 200 ] || break
        sleep 0.05
    done
}

# It lets go once the CREATE's backend has waited for the lock and been
# terminated (conditions, not a fixed time: a loaded machine is slow).
cat >"$work/hold.sql" <<'SQL'
BEGIN;
LOCK TABLE sluice.views IN ACCESS EXCLUSIVE MODE;
DO $$ BEGIN
  FOR i IN 1..600 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'lost_ddl'
                      AND wait_event_type = 'Lock');
    PERFORM pg_sleep(0.05);
  END LOOP;
  FOR i IN 1..600 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'lost_ddl');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
COMMIT;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO" -f "$work/hold.sql" >/dev/null &
locker=$!
sleep 0.5
PGAPPNAME=lost_ddl psql -X -q -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "CREATE CONTINUOUS VIEW lost AS SELECT k, count(*) AS n FROM ev GROUP BY k" >"$work/create.out" 2>&1 &
creator=$!
# Wait until the DDL's backend is waiting for the lock, then terminate it.
wait_for_lock lost_ddl
[ "$(pgq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lost_ddl'")" = t ] &&
    pass "terminated the backend running the CREATE" || fail "no backend named lost_ddl waiting on the lock"
wait $creator || true
grep -q "terminat\|server closed the connection\|connection" "$work/create.out" &&
    pass "the client saw its connection end: $(head -n1 "$work/create.out")" ||
    fail "the CREATE's client output: $(cat "$work/create.out")"
wait $locker || true

# sluiced looked the row up: the view did not commit, so it is not there.
i=0
while ! grep -q 'the lost CREATE of "lost"' "$SLUICED_LOG" && [ $i -lt 400 ]; do
    i=$((i + 1))
    sleep 0.05
done
grep -q 'the lost CREATE of "lost" had not committed' "$SLUICED_LOG" &&
    pass "sluiced looked the lost CREATE up: not committed" ||
    fail "no lookup in the log: $(tail -n 5 "$SLUICED_LOG")"
views=$(slq -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1 | tr '\n' ' ')
[ "$views" = "total " ] && pass "the lost view is not in the catalog" || fail "SHOW CONTINUOUS VIEWS: '$views'"
slq -c "CREATE CONTINUOUS VIEW lost AS SELECT k, count(*) AS n FROM ev GROUP BY k" &&
    pass "the name is free: CREATE again works" || fail "CREATE CONTINUOUS VIEW lost again failed"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{"k": 3}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] && [ "$(pgq -c "SELECT n FROM lost WHERE k = 3")" = 1 ] && [ "$(pgq -c "SELECT n FROM total")" = 1 ] &&
    pass "both views are fed" || fail "after the POST: HTTP $code, lost: $(pgq -c 'TABLE lost'), total: $(pgq -c 'TABLE total')"

# 2. The catalog says the lost CREATE committed.  X holds the lock, then
# makes view lost2 exactly like lost (state table, view, catalog row).
cat >"$work/x.sql" <<'SQL'
BEGIN;
LOCK TABLE sluice.views IN ACCESS EXCLUSIVE MODE;
-- Go on only once the CREATE's backend has waited for this lock and been
-- terminated (conditions, not a fixed time: a loaded machine is slow).
DO $$ BEGIN
  FOR i IN 1..600 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'lost_ddl2'
                      AND wait_event_type = 'Lock');
    PERFORM pg_sleep(0.05);
  END LOOP;
  FOR i IN 1..600 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'lost_ddl2');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
CREATE TABLE sluice_mrel.lost2 (LIKE sluice_mrel.lost INCLUDING ALL);
DO $$ BEGIN
  EXECUTE 'CREATE VIEW public.lost2 AS ' ||
          replace(pg_get_viewdef('public.lost'::regclass), 'sluice_mrel.lost', 'sluice_mrel.lost2');
END $$;
INSERT INTO sluice.views (name, schema_name, stream, sql)
  SELECT 'lost2', schema_name, stream, replace(sql, 'VIEW lost ', 'VIEW lost2 ')
  FROM sluice.views WHERE name = 'lost';
COMMIT;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO" -f "$work/x.sql" >"$work/x.out" 2>&1 &
locker=$!
sleep 0.5
PGAPPNAME=lost_ddl2 psql -X -q -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "CREATE CONTINUOUS VIEW lost2 AS SELECT k, count(*) AS n FROM ev GROUP BY k" >"$work/create2.out" 2>&1 &
creator=$!
wait_for_lock lost_ddl2
pgq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lost_ddl2'" >/dev/null
wait $creator || true
wait $locker || fail "session X failed: $(cat "$work/x.out")"
i=0
while ! grep -q 'the lost CREATE of "lost2"' "$SLUICED_LOG" && [ $i -lt 400 ]; do
    i=$((i + 1))
    sleep 0.05
done
grep -q 'the lost CREATE of "lost2" had committed: applied' "$SLUICED_LOG" &&
    pass "sluiced looked the lost CREATE up: committed, applied" ||
    fail "no 'committed' lookup in the log: $(tail -n 5 "$SLUICED_LOG")"
views=$(slq -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1 | sort | tr '\n' ' ')
[ "$views" = "lost lost2 total " ] && pass "the committed view is in the catalog" || fail "SHOW CONTINUOUS VIEWS: '$views'"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{"k": 3}' "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] && [ "$(pgq -c "SELECT n FROM lost2 WHERE k = 3")" = 1 ] && [ "$(pgq -c "SELECT n FROM lost WHERE k = 3")" = 2 ] &&
    pass "lost2 is fed" || fail "after the POST: HTTP $code, lost2: $(pgq -c 'TABLE lost2')"

sluiced_stop
sl_done "all lost-DDL checks passed"
