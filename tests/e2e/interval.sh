#!/bin/sh
# tests/e2e/interval.sh: the interval type against PostgreSQL itself.
#   - input: every line of interval_cases.txt sent as an event into an
#     interval column; PostgreSQL's own '...'::interval is the oracle: the
#     same text form when it accepts, HTTP 400 with its SQLSTATE when not;
#   - arithmetic in a view (timestamp +/- interval across month ends and
#     leap days, timestamp - timestamp, interval +/- interval, unary minus,
#     comparisons) equals PostgreSQL's SELECT over the same events;
#   - GROUP BY an interval groups equal spans ('1 mon' = '30 days') as
#     PostgreSQL does, and min/max agree;
#   - an interval stream column survives a restart.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC PGDATESTYLE="ISO, MDY" PGINTERVALSTYLE=postgres

post() {
    CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary "$2" \
        "http://$SLUICE_HTTP/v1/streams/$1")
}
same() {
    d=$(pgq -c "($1 EXCEPT ALL $2) UNION ALL ($2 EXCEPT ALL $1)")
    n=$(pgq -c "SELECT count(*) FROM ($1) x")
    if [ -z "$d" ] && [ "$n" -gt 0 ]; then
        pass "$3 ($n rows)"
    else
        fail "$3: $1 ($n rows) differs from $2: $d"
    fi
}

pg_start
sluiced_start --flush-interval 50

slq -c "CREATE STREAM ev (k integer, iv interval, ts timestamptz, t2 timestamp)" \
    -c "CREATE CONTINUOUS VIEW parsed AS SELECT k, iv, iv::text AS t FROM ev WHERE ts IS NULL" \
    -c "CREATE CONTINUOUS VIEW arith AS SELECT k, ts + iv AS plus, ts - iv AS minus,
            iv + ts AS plus2, t2 + iv AS tplus, ts - '2024-02-29 12:00:00+00' AS since,
            t2 - t2 AS zero, iv + interval '1 day 02:00' AS ivplus,
            iv - '1 mon' AS ivminus, -iv AS neg, iv > '1 day' AS gt_day,
            ts + '1 mon 1 day' AS plus_lit, iv * 1.5 AS mul, 2.7 * iv AS mul2,
            iv * -0.3 AS mul3, iv / 3 AS div3, iv / 0.7 AS div4, iv * k AS mulk
        FROM ev WHERE ts IS NOT NULL" \
    -c "CREATE CONTINUOUS VIEW spans AS SELECT iv, count(*) AS n
        FROM ev WHERE ts IS NULL GROUP BY iv" \
    -c "CREATE CONTINUOUS VIEW extremes AS SELECT k % 3 AS g, min(iv) AS lo, max(iv) AS hi
        FROM ev WHERE ts IS NOT NULL GROUP BY k % 3" ||
    sl_fail "creating the stream and views failed"
pgq -c "CREATE TABLE ok (k integer, s text)" -c "CREATE TABLE ev2 (k integer, iv interval, ts timestamptz, t2 timestamp)"

# ---- input: each case alone, PostgreSQL decides ----
i=0 bad=0 good=0
while IFS= read -r line; do
    i=$((i + 1))
    want=$(psql -X -At -v VERBOSITY=verbose -d "$PGTEST_CONNINFO" \
        -c "SELECT \$q\$$line\$q\$::interval" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p;1q')
    post ev "{\"k\": $i, \"iv\": \"$line\"}"
    if psql -X -At -d "$PGTEST_CONNINFO" -c "SELECT \$q\$$line\$q\$::interval" >/dev/null 2>&1; then
        [ "$CODE" = 200 ] || { fail "'$line': PostgreSQL accepts it, sluiced answered $CODE: $(cat "$PGTEST_DIR/resp")"; bad=$((bad + 1)); }
        pgq -c "INSERT INTO ok VALUES ($i, \$q\$$line\$q\$)"
        good=$((good + 1))
    else
        code=$(psql -X -At -v VERBOSITY=verbose -d "$PGTEST_CONNINFO" \
            -c "SELECT \$q\$$line\$q\$::interval" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p')
        if [ "$CODE" != 400 ] || ! grep -q "\"sqlstate\": \"$code\"" "$PGTEST_DIR/resp"; then
            fail "'$line': PostgreSQL fails with $code, sluiced answered $CODE: $(cat "$PGTEST_DIR/resp")"
            bad=$((bad + 1))
        fi
    fi
done < "$top_srcdir/tests/e2e/interval_cases.txt"
[ "$bad" = 0 ] && pass "$i inputs: accepted and refused (SQLSTATE) as PostgreSQL does"
[ "$good" -gt 50 ] || fail "only $good of the cases are valid intervals"
sleep 0.5
same "SELECT k, t FROM parsed" "SELECT k, s::interval::text FROM ok" \
    "every accepted input reads back as PostgreSQL prints it"
same "SELECT k, iv FROM parsed" "SELECT k, s::interval FROM ok" \
    "... and is the same interval in PostgreSQL's column"

# ---- arithmetic ----
body=
j=0
for ts in 2024-01-31T10:00:00Z 2024-02-29T23:59:59.5Z 2023-12-31T00:00:00Z 1999-03-31T12:00:00Z; do
    for iv in "1 mon" "-1 mon" "1 year" "1 day -1 hour" "-2 days 03:00:00.25" "13 months 40 days" "00:00:00" "1.5 hours" "7 mons 3 days 00:00:01.000007" "-1 year 11 days 23:59:59.999999"; do
        j=$((j + 1))
        body="$body{\"k\": $j, \"iv\": \"$iv\", \"ts\": \"$ts\", \"t2\": \"$ts\"}
"
        pgq -c "INSERT INTO ev2 VALUES ($j, '$iv', '$ts', '$ts')"
    done
done
post ev "$body"
[ "$CODE" = 200 ] && pass "arithmetic events accepted" || fail "arithmetic events: $CODE $(cat "$PGTEST_DIR/resp")"
sleep 0.5
same "SELECT * FROM arith" "SELECT k, ts + iv, ts - iv, iv + ts, t2 + iv,
        ts - '2024-02-29 12:00:00+00', t2 - t2, iv + interval '1 day 02:00',
        iv - '1 mon', -iv, iv > '1 day', ts + '1 mon 1 day', iv * 1.5, 2.7 * iv,
        iv * -0.3, iv / 3, iv / 0.7, iv * k FROM ev2" \
    "timestamp/interval arithmetic equals PostgreSQL's"
same "SELECT g, lo, hi FROM extremes" "SELECT k % 3, min(iv), max(iv) FROM ev2 GROUP BY k % 3" \
    "min/max of intervals"
same "SELECT extract(epoch FROM iv), n FROM spans" \
    "SELECT extract(epoch FROM s::interval), count(*) FROM ok GROUP BY s::interval" \
    "GROUP BY interval groups equal spans"

# out of range: one bad event refuses its request
post ev '{"k": 1, "iv": "1000000 years", "ts": "2024-01-01T00:00:00Z"}'
if [ "$CODE" = 400 ] && grep -q '"sqlstate": "22008"' "$PGTEST_DIR/resp"; then
    pass "timestamp + interval out of range: 400, 22008"
else
    fail "timestamp + interval out of range: $CODE $(cat "$PGTEST_DIR/resp")"
fi

for big in "2147483647 days" "-2147483648 days" "2147483647 mons" "-178956970 years" "9223372036854775807 us"; do
    post ev "{\"k\": 1, \"iv\": \"$big\", \"ts\": \"2024-01-01T00:00:00Z\"}"
    if [ "$CODE" = 400 ] && grep -q '"sqlstate": "22008"' "$PGTEST_DIR/resp"; then
        pass "timestamp + '$big': 400, 22008"
    else
        fail "timestamp + '$big': $CODE $(cat "$PGTEST_DIR/resp")"
    fi
done

post ev '{"k": 1, "iv": "1 day", "ts": "2024-01-01T00:00:00Z", "t2": "2024-01-01T00:00:00Z"}'
[ "$CODE" = 200 ] || fail "1 day: $CODE"
out=$(slq -c "CREATE CONTINUOUS VIEW divz AS SELECT k, iv / (k - 1) AS d FROM ev" 2>&1 && \
      post ev '{"k": 1, "iv": "1 day"}' && echo "$CODE $(cat "$PGTEST_DIR/resp")")
case $out in *400*'"sqlstate": "22012"'*) pass "interval / 0: 400, 22012" ;; *) fail "interval / 0: $out" ;; esac
slq -c "DROP CONTINUOUS VIEW divz"

# ---- errors of typing ----
out=$(slq -c "CREATE CONTINUOUS VIEW bad AS SELECT ts + ts FROM ev" 2>&1 || true)
case "$out" in
*"operator does not exist: timestamp with time zone + timestamp with time zone"*) pass "timestamptz + timestamptz refused as PostgreSQL does" ;;
*) fail "timestamptz + timestamptz: $out" ;;
esac
out=$(slq -c "CREATE CONTINUOUS VIEW bad AS SELECT iv - ts FROM ev" 2>&1 || true)
case "$out" in
*"operator does not exist: interval - timestamp with time zone"*) pass "interval - timestamptz refused" ;;
*) fail "interval - timestamptz: $out" ;;
esac

# ---- restart ----
sluiced_stop
sluiced_start --flush-interval 50
post ev '{"k": 1000, "iv": "2 hours 30 minutes"}'
pgq -c "INSERT INTO ok VALUES (1000, '2 hours 30 minutes')"
sleep 0.5
same "SELECT k, t FROM parsed" "SELECT k, s::interval::text FROM ok" "after a restart"

sl_done
