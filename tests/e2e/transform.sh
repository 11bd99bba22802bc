#!/bin/sh
# tests/e2e/transform.sh: views without aggregates.
#   - GROUP BY x, y with no aggregate holds each distinct group once, as
#     PostgreSQL's SELECT x, y ... GROUP BY x, y (NULLs one group), and
#     SELECT DISTINCT x, y is the same view;
#   - a continuous transform (no aggregate, no GROUP BY) appends one row per
#     event that passes WHERE, with expressions, aliases and *, equal to
#     PostgreSQL's own SELECT over the same events;
#   - exactly once: a request retried with its Idempotency-Key adds nothing;
#     rows survive a restart and appending goes on after it;
#   - two sluiced on one database append to the same table;
#   - unflushed rows count against max_memory (PostgreSQL down: 503 once
#     they pass it; the waiting requests commit when it is back).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC PGDATESTYLE="ISO, MDY"

# post STREAM BODY [curl args...]: sets CODE
post() {
    s=$1 body=$2
    shift 2
    CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' "$@" --data-binary "$body" \
        "http://$SLUICE_HTTP/v1/streams/$s")
}
# same VIEW QUERY: the view's rows equal QUERY's (over table difftest.ev)
same() {
    d=$(pgq -c "(SELECT * FROM $1 EXCEPT ALL $2) UNION ALL ($2 EXCEPT ALL SELECT * FROM $1)")
    n=$(pgq -c "SELECT count(*) FROM $1")
    if [ -z "$d" ] && [ "$n" -gt 0 ]; then
        pass "$1 equals PostgreSQL's $2 ($n rows)"
    else
        fail "$1 ($n rows) differs from $2: $d"
    fi
}

pg_start
sluiced_start --flush-interval 50

cols="k integer, g text, x double precision, ts timestamptz"
slq -c "CREATE STREAM ev ($cols)" \
    -c "CREATE CONTINUOUS VIEW groups AS SELECT k, g FROM ev GROUP BY k, g" \
    -c "CREATE CONTINUOUS VIEW distinct_kg AS SELECT DISTINCT g, k FROM ev" \
    -c "CREATE CONTINUOUS VIEW xf AS SELECT k, g AS name, k * 2 + 1 AS k2, g || '!' AS ug,
            x / 2 AS half, ts, g IS NULL AS nog FROM ev" \
    -c "CREATE CONTINUOUS VIEW xstar AS SELECT * FROM ev WHERE k IS NOT NULL" \
    -c "CREATE CONTINUOUS VIEW xf_where AS SELECT g || '-' || k AS label, ts FROM ev
            WHERE k > 2 AND g IS NOT NULL" ||
    sl_fail "creating the views failed"
pgq -c "CREATE SCHEMA difftest" -c "CREATE TABLE difftest.ev ($cols)"

body='{"k": 1, "g": "a", "x": 1.5, "ts": "2024-01-01T00:00:00Z"}
{"k": 1, "g": "a", "x": 2.5, "ts": "2024-01-02T00:00:00Z"}
{"k": 2, "g": "b"}
{"k": null, "g": "b", "x": -1}
{"k": null, "g": null}
{"k": null, "g": null, "x": 0}
{"k": 3, "g": null, "x": 7}
{"k": 4, "g": "c", "x": 1e300, "ts": "2024-03-01T12:30:00+02"}
{"k": 5, "g": "é", "x": -0.25}
{"k": 4, "g": "c"}'
post ev "$body" -H 'Content-Type: application/x-ndjson' -H 'Idempotency-Key: req-1'
[ "$CODE" = 200 ] || sl_fail "POST: HTTP $CODE $(cat "$PGTEST_DIR/resp")"
pgq -c "INSERT INTO difftest.ev SELECT * FROM json_populate_recordset(NULL::difftest.ev,
        '[$(printf '%s\n' "$body" | paste -sd, -)]')"

same groups "SELECT k, g FROM difftest.ev GROUP BY k, g"
same distinct_kg "SELECT DISTINCT g, k FROM difftest.ev"
oracle_xf="SELECT k, g AS name, k * 2 + 1 AS k2, g || '!' AS ug, x / 2 AS half, ts, g IS NULL AS nog FROM difftest.ev"
oracle_w="SELECT g || '-' || k AS label, ts FROM difftest.ev WHERE k > 2 AND g IS NOT NULL"
same xf "$oracle_xf"
same xf_where "$oracle_w"
same xstar "SELECT * FROM difftest.ev WHERE k IS NOT NULL"
[ "$(pgq -c "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position)
             FROM information_schema.columns WHERE table_name = 'xf' AND table_schema = 'public'")" = \
  "k integer, name text, k2 integer, ug text, half double precision, ts timestamp with time zone, nog boolean" ] &&
    pass "xf's columns are named and typed as PostgreSQL's SELECT" ||
    fail "xf's columns: $(pgq -c "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'xf'")"

# the same request again: answered as before, nothing appended
post ev "$body" -H 'Content-Type: application/x-ndjson' -H 'Idempotency-Key: req-1'
[ "$CODE" = 200 ] && [ "$(pgq -c 'SELECT count(*) FROM xf')" = 10 ] &&
    pass "a retried request appends nothing" || fail "retry: HTTP $CODE, xf has $(pgq -c 'SELECT count(*) FROM xf') rows"

# more events after a restart: appended, groups stay distinct
sluiced_stop
sluiced_start --flush-interval 50
body2='{"k": 1, "g": "a", "x": 3}
{"k": 6, "g": "z", "x": 4}'
post ev "$body2"
[ "$CODE" = 200 ] || sl_fail "POST after restart: HTTP $CODE $(cat "$PGTEST_DIR/resp")"
pgq -c "INSERT INTO difftest.ev SELECT * FROM json_populate_recordset(NULL::difftest.ev,
        '[$(printf '%s\n' "$body2" | paste -sd, -)]')"
same groups "SELECT k, g FROM difftest.ev GROUP BY k, g"
same xf "$oracle_xf"
same xf_where "$oracle_w"

# a second sluiced on the same database: both append to the same tables
first_pid=$SLUICED_PID first_http=$SLUICE_HTTP
SLUICED_PID=
trap 'x_rc=$?; trap - EXIT; set +e; kill -TERM "$first_pid" 2>/dev/null; wait "$first_pid" 2>/dev/null; sl__cleanup; exit $x_rc' EXIT
sluiced_start --flush-interval 50 --instance-name second
second_http=$SLUICE_HTTP
i=0
while [ $i -lt 20 ]; do
    SLUICE_HTTP=$first_http post ev "{\"k\": $i, \"g\": \"one\"}"
    [ "$CODE" = 200 ] || fail "POST to the first sluiced: HTTP $CODE"
    SLUICE_HTTP=$second_http post ev "{\"k\": $i, \"g\": \"two\"}"
    [ "$CODE" = 200 ] || fail "POST to the second sluiced: HTTP $CODE"
    pgq -c "INSERT INTO difftest.ev (k, g) VALUES ($i, 'one'), ($i, 'two')"
    i=$((i + 1))
done
same xf "$oracle_xf"
same groups "SELECT k, g FROM difftest.ev GROUP BY k, g"
sluiced_stop
SLUICED_PID=$first_pid
sluiced_stop
trap 'rc=$?; trap - EXIT; sl__cleanup; exit $rc' EXIT

# Rows wait in memory until flushed, bounded by max_memory: with
# PostgreSQL down, requests wait until the rows pass it, then get 503 at
# once; once it is back the waiting ones commit, each row once.
sluiced_start --flush-interval 100 --pg-timeout 60000 --max-memory 300kB
slq -c "DROP CONTINUOUS VIEW groups" -c "DROP CONTINUOUS VIEW distinct_kg" -c "DROP CONTINUOUS VIEW xstar" \
    -c "TRUNCATE CONTINUOUS VIEW xf" -c "DROP CONTINUOUS VIEW xf_where" || sl_fail "DDL failed"
work=$PGTEST_DIR/mem
mkdir -p "$work"
awk 'BEGIN { for (j = 0; j < 500; j++) printf "{\"k\": %d, \"g\": \"%s\"}\n", j, sprintf("%060d", j) }' >"$work/body"
pg_down
i=0
while [ $i -lt 12 ]; do
    curl -s -m 90 -o "$work/resp.$i" -w '%{http_code}\n' --data-binary @"$work/body" \
        "http://$SLUICE_HTTP/v1/streams/ev" >"$work/code.$i" 2>/dev/null &
    eval "pid_$i=\$!"
    sleep 0.3
    i=$((i + 1))
done
refused=0
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
    [ -s "$work/code.$i" ] && [ "$(cat "$work/code.$i")" = 503 ] && refused=$((refused + 1))
done
[ $refused -ge 1 ] && [ $refused -lt 12 ] &&
    pass "$refused of 12 requests refused over max_memory while rows wait, the others wait" ||
    fail "$refused of 12 requests refused with 503 while PostgreSQL was down"
pg_up
ok=0
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
    eval "wait \$pid_$i" || true
    [ "$(cat "$work/code.$i")" = 200 ] && ok=$((ok + 1))
done
[ $((ok + refused)) = 12 ] && [ "$(pgq -c 'SELECT count(*) FROM xf')" = $((ok * 500)) ] &&
    pass "the $ok waiting requests committed: $((ok * 500)) rows" ||
    fail "$ok answered 200 and $refused refused, of 12; xf has $(pgq -c 'SELECT count(*) FROM xf') rows"
sluiced_stop
pg_stop
sl_done "all transform checks passed"
