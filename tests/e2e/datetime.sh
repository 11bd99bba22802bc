#!/bin/sh
# tests/e2e/datetime.sh: date, time and uuid columns and the date/time
# functions, against PostgreSQL's own SELECT over the same events.
#   - events with date, time, uuid, timestamptz and timestamp fields in many
#     of the forms PostgreSQL's input functions take (ISO, month names, BC,
#     infinity, epoch, allballs, zone abbreviations and names, Julian days,
#     uuids in braces / upper case / without hyphens) are read as
#     PostgreSQL reads them (json_populate_recordset is the oracle);
#   - a transform computing casts, date arithmetic, extract / date_part /
#     date_trunc, to_char over timestamps and numbers, make_date /
#     make_time / make_timestamptz, age, holds PostgreSQL's rows;
#   - GROUP BY date / time / uuid with min, max and count(DISTINCT);
#   - a bad date, time or uuid is refused at ingest with PostgreSQL's
#     SQLSTATE and message; typing errors as PostgreSQL's (42883, 42725).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC PGDATESTYLE="ISO, MDY"

post() {
    s=$1 body=$2
    shift 2
    CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' "$@" --data-binary "$body" \
        "http://$SLUICE_HTTP/v1/streams/$s")
}
same() {
    d=$(pgq -c "(SELECT * FROM $1 EXCEPT ALL $2) UNION ALL ($2 EXCEPT ALL SELECT * FROM $1)")
    n=$(pgq -c "SELECT count(*) FROM $1")
    if [ -z "$d" ] && [ "$n" -gt 0 ]; then
        pass "$1 equals PostgreSQL's SELECT ($n rows)"
    else
        fail "$1 ($n rows) differs from PostgreSQL's $2: $d"
    fi
}

pg_start
sluiced_start --flush-interval 50

cols="k integer, d date, t time, u uuid, ts timestamptz, tl timestamp, x double precision, n bigint"
pgq -c "CREATE SCHEMA difftest" -c "CREATE TABLE difftest.ev ($cols)"
slq -c "CREATE STREAM ev ($cols)" || sl_fail "CREATE STREAM with date, time, uuid failed"

# The transform's expressions: each is run by sluiced per event and by
# PostgreSQL over difftest.ev.
exprs="k, d, t, u, ts, tl,
  d + 1 AS d1, 7 + d AS d7, d - 30 AS dm, d - date '2000-01-01' AS dd,
  d::timestamptz AS dtz, d::timestamp AS dts, ts::date AS tsd, ts::time AS tst,
  tl::date AS tld, d + t AS dt, t + interval '1 hour 30 minutes' AS ti,
  t - time '01:00' AS tdiff, d + interval '1 month 2 days' AS dmi,
  d < '2001-01-01' AS old, d = tl AS same_day, ts >= d AS after_d,
  extract(year from d)::float8 AS ey, extract(dow from d)::float8 AS edow, extract(epoch from d)::float8 AS eep,
  extract(julian from d)::float8 AS ej, extract(isoyear from d)::float8 AS eiy, extract(week from d)::float8 AS ew,
  date_part('doy', d) AS ddoy, date_part('hour', d) AS dh, date_trunc('month', d) AS dtm,
  date_trunc('week', d) AS dtw, extract(hour from t)::float8 AS eh, extract(second from t)::float8 AS es,
  date_part('minute', t) AS dmin, date_part('epoch', t) AS dep, extract(second from t) AS esn,
  extract(year from d) AS eyn, extract(epoch from t) AS eepn, extract(julian from d) AS ejn,
  to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US TZ') AS c1,
  to_char(ts, 'FMDay, FMDDth \"of\" FMMonth YYYY HH12:MI:SS AM') AS c2,
  to_char(tl, 'Dy Mon DD YYYY hh24 MI SS MS US Q WW IW IYYY DDD D ID J CC RM FMrm') AS c3,
  to_char(tl, 'Y,YYY YYY YY Y BC b.c. a.m. PM SSSS SSSSS FF1 FF3 FF6 TZH:TZM OF') AS c4,
  to_char(ts, 'MONTH|Month|month|DAY|day|MON|mon|DY|dy|DDTH|MMth|FMHH12th') AS c5,
  to_char(k, '999') AS n1, to_char(n, 'FM999,999,999') AS n2, to_char(x, '9999.99') AS n3,
  to_char(x, 'FM9999.999') AS n4, to_char(n, 'S9999999999') AS n5, to_char(x, '0000.00') AS n6,
  to_char(n, '9999999999MI') AS n7, to_char(x, '999.9PR') AS n8, to_char(k, 'FM99th') AS n9,
  to_char(x, '9.99EEEE') AS n10, to_char(n, '\"n=\"999G999') AS n11,
  make_date(2020, 2, k) AS md, make_date(-44, 3, 15) AS mdbc, make_time(k, 5, 6.5) AS mt,
  make_timestamptz(2020, 1, k, 12, 30, 15.5) AS mk0,
  make_timestamptz(2020, 1, k, 12, 30, 15.5, '+05:30') AS mk1,
  make_timestamptz(2020, 7, k, 12, 30, 0, 'Europe/Paris') AS mk2,
  make_timestamptz(2021, 3, 14, 2, 30, 0, 'America/New_York') AS mk3,
  make_timestamptz(2020, 7, k, 1, 2, 3, 'EST') AS mk4,
  make_timestamp(2020, 12, k, 23, 59, 59.999999) AS mk5,
  age(ts, timestamptz '2000-02-29 12:00:00+00') AS a1, age(tl, timestamp '2030-01-31') AS a2,
  u::text AS ut, u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS u1, u < 'b0000000-0000-0000-0000-000000000000' AS u2"
slq -c "CREATE CONTINUOUS VIEW xf AS SELECT $exprs FROM ev WHERE d IS NOT NULL AND d BETWEEN '1000-01-01' AND '9000-01-01' AND ts > '1000-01-01' AND tl BETWEEN '1000-01-01' AND '9000-01-01'" ||
    sl_fail "creating the transform failed"
# to_char templates over every finite timestamp (BC ones too) and number
chars="k, to_char(tl, 'FMMonth TMMonth TMDay FMDay FMDD FMMM FMYYYY FMHH24 FMMI FMSS') AS t1,
  to_char(tl, '\"quoted \\\" text\" YYYY\\MM \\\"x') AS t2, to_char(tl, 'IDDD ID IW IYYY IYY IY I') AS t3,
  to_char(tl, 'y,yyy ddd dd d hh hh12 mi ss ms us ff2 ff4 ff5 q ww w j cc') AS t4,
  to_char(tl, 'SSSSSth DDDth Dth ccTH YYYYth AD A.D. bc b.c. am A.M.') AS t5,
  to_char(ts, 'TZ tz TZH TZM OF FMOF') AS t6, to_char(tl, 'TZ|tz|TZH') AS t7,
  to_char(tl, 'FMRM rm FMrm Mon mon MON Dy dy DY') AS t8, to_char(tl, 'FX YYYY-MM-DD') AS t9,
  to_char(x, '999') AS m1, to_char(x, 'FM999') AS m2, to_char(x, '0999') AS m3,
  to_char(x, '9,999') AS m4, to_char(x, 'S999') AS m5, to_char(x, '999S') AS m6,
  to_char(x, 'PL999') AS m7, to_char(x, 'SG999') AS m8, to_char(x, '9.9EEEE') AS m9,
  to_char(n, '99V99') AS m10, to_char(x, 'FM0.00') AS m11, to_char(n, 'FM999MI') AS m12,
  to_char(n::real, '999999.99') AS m13, to_char(k, '00th') AS m14, to_char(x, 'D99') AS m15,
  to_char(k * 97, 'RN') AS m16, to_char(k + 0.6::float8, 'FMrn') AS m17, to_char((n % 5000)::integer, 'FMRN') AS m18"
slq -c "CREATE CONTINUOUS VIEW xc AS SELECT $chars FROM ev WHERE tl BETWEEN '4000-01-01 BC' AND '9000-01-01' AND ts BETWEEN '4000-01-01 BC' AND '9000-01-01'" ||
    sl_fail "creating the to_char transform failed"
slq -c "CREATE STREAM names (a time without time zone, b timestamp without time zone, c date, d uuid)" \
    -c "CREATE CONTINUOUS VIEW names_v AS SELECT a, CAST(b AS time) AS bt, c, d FROM names" ||
    sl_fail "a stream with time without time zone failed"
slq -c "CREATE CONTINUOUS VIEW by_d AS SELECT d, count(*) AS c, min(t) AS tmin, max(t) AS tmax,
            min(ts) AS tsmin, max(tl) AS tlmax, count(DISTINCT u) AS nu FROM ev GROUP BY d" \
    -c "CREATE CONTINUOUS VIEW by_u AS SELECT u, count(*) AS c, min(d) AS dmin, max(d) AS dmax FROM ev GROUP BY u" \
    -c "CREATE CONTINUOUS VIEW by_t AS SELECT t, date_trunc('day', ts) AS day, count(*) AS c FROM ev GROUP BY t, date_trunc('day', ts)" \
    -c "CREATE CONTINUOUS VIEW all_raw AS SELECT k, d, t, u, ts, tl FROM ev" ||
    sl_fail "creating the aggregate views failed"

body='{"k": 1, "d": "2024-02-29", "t": "04:05:06.789", "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "2024-03-01T12:30:00+02", "tl": "2024-03-01 12:30:00", "x": 1234.5678, "n": 1234567}
{"k": 2, "d": "January 8, 1999", "t": "04:05 PM", "u": "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", "ts": "1999-01-08 04:05:06 PST", "tl": "1999-01-08 04:05:06", "x": -0.5, "n": -42}
{"k": 3, "d": "1999-Jan-08", "t": "allballs", "u": "a0eebc999c0b4ef8bb6d6bb9bd380a12", "ts": "2020-07-08 04:05:06 Europe/Paris", "tl": "2020-07-08T04:05:06.5", "x": 0, "n": 0}
{"k": 4, "d": "1/8/1999", "t": "23:59:60", "u": "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "J2451187 04:05", "tl": "2001-02-03 04:05:06 PM", "x": 99999.999, "n": 9876543210}
{"k": 5, "d": "2001-02-03 04:05:06+05", "t": "040506", "u": "{b0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", "ts": "epoch", "tl": "epoch", "x": 0.001, "n": 5}
{"k": 6, "d": "19990108", "t": "12:00 AM", "u": "c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "2021-03-14 02:30:00 America/New_York", "tl": "2021-03-14T02:30:00", "x": 12.345, "n": 12}
{"k": 7, "d": "2000-01-01", "t": "13:30:00.000001", "u": "c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "2026-01-01T00:00:07Z", "tl": "2026-01-01T00:00:07", "x": 1e-5, "n": 1000}
{"k": 8, "d": "infinity", "t": "00:00", "ts": "infinity", "tl": "-infinity"}
{"k": 9, "d": "0044-03-15 BC", "t": "24:00", "ts": "0044-03-15 12:00 BC", "tl": "0044-03-15 12:00 BC"}
{"k": 10, "d": "2024-12-31", "t": "10:00 CET", "u": "d0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "2024-12-31 23:59:59.999999-15:59", "tl": "2024-12-31 23:59:59.9999994", "x": -123.456, "n": -9876543210}
{"k": 11, "d": "2023-01-01", "t": "08:00", "u": "e0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "2023-01-01 08:00 MSK", "tl": "2023-01-01 08:00", "x": 5e300, "n": 1}
{"k": 12, "d": "2022-01-02", "t": "T08:00", "ts": "Sat Jan 01 2022 08:00:00 EST5EDT", "tl": "2022-01-01 08:00 Z", "x": 2, "n": 2}
{"k": 13, "d": null, "t": null, "u": null, "ts": null, "tl": null}
{"k": 14, "d": "1582-10-10", "t": "00:00:00.5", "u": "00000000-0000-0000-0000-000000000000", "ts": "1582-10-10 00:00 UTC", "tl": "1582-10-10", "x": 3, "n": 3}'
post ev "$body" -H 'Content-Type: application/x-ndjson'
[ "$CODE" = 200 ] || sl_fail "POST: HTTP $CODE $(cat "$PGTEST_DIR/resp")"
pgq -c "INSERT INTO difftest.ev SELECT * FROM json_populate_recordset(NULL::difftest.ev,
        '[$(printf '%s\n' "$body" | paste -sd, -)]')"

same all_raw "SELECT k, d, t, u, ts, tl FROM difftest.ev"
oracle_c="SELECT $chars FROM difftest.ev WHERE tl BETWEEN '4000-01-01 BC' AND '9000-01-01' AND ts BETWEEN '4000-01-01 BC' AND '9000-01-01'"
for c in $(pgq -c "SELECT column_name FROM information_schema.columns WHERE table_name = 'xc'
                   AND table_schema = 'public' AND column_name <> 'k' ORDER BY ordinal_position"); do
    d=$(pgq -c "(SELECT k, $c FROM xc EXCEPT SELECT k, $c FROM ($oracle_c) o)
                UNION ALL (SELECT k, $c FROM ($oracle_c) o EXCEPT SELECT k, $c FROM xc)" | head -4)
    [ -z "$d" ] || fail "xc.$c differs from PostgreSQL's: $(echo $d)"
done
same xc "$oracle_c"
oracle="SELECT $exprs FROM difftest.ev WHERE d IS NOT NULL AND d BETWEEN '1000-01-01' AND '9000-01-01' AND ts > '1000-01-01' AND tl BETWEEN '1000-01-01' AND '9000-01-01'"
# column by column first, so that a failure names the expression
for c in $(pgq -c "SELECT column_name FROM information_schema.columns WHERE table_name = 'xf'
                   AND table_schema = 'public' AND column_name <> 'k' ORDER BY ordinal_position"); do
    d=$(pgq -c "(SELECT k, $c::text FROM xf EXCEPT SELECT k, $c::text FROM ($oracle) o)
                UNION ALL (SELECT k, $c::text FROM ($oracle) o EXCEPT SELECT k, $c::text FROM xf)" | head -4)
    [ -z "$d" ] || fail "xf.$c differs from PostgreSQL's: $(echo $d)"
done
same xf "SELECT $exprs FROM difftest.ev WHERE d IS NOT NULL AND d BETWEEN '1000-01-01' AND '9000-01-01' AND ts > '1000-01-01' AND tl BETWEEN '1000-01-01' AND '9000-01-01'"
same by_d "SELECT d, count(*) AS c, min(t) AS tmin, max(t) AS tmax, min(ts) AS tsmin, max(tl) AS tlmax, count(DISTINCT u) AS nu FROM difftest.ev GROUP BY d"
same by_u "SELECT u, count(*) AS c, min(d) AS dmin, max(d) AS dmax FROM difftest.ev GROUP BY u"
same by_t "SELECT t, date_trunc('day', ts) AS day, count(*) AS c FROM difftest.ev GROUP BY t, date_trunc('day', ts)"
[ "$(pgq -c "SELECT string_agg(data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns
             WHERE table_name = 'all_raw' AND table_schema = 'public'")" = \
  "integer, date, time without time zone, uuid, timestamp with time zone, timestamp without time zone" ] &&
    pass "the view's columns are date, time and uuid" || fail "all_raw's column types"

# Bad values are refused with PostgreSQL's error for the same text.
for kv in 'd|2001-02-30' 'd|2001-13-01' 'd|garbage' 'd|5874898-01-01' 't|25:00' 't|12:60' \
          'u|a0eebc99-9c0b-4ef8-bb6d' 'u|{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' \
          'ts|2001-02-03 04:05:06 +16' 'ts|2001-02-03 04:05:06 Nowhere/Zone' 'tl|294277-01-01'; do
    f=${kv%%|*} v=${kv#*|}
    post ev "{\"k\": 1, \"$f\": \"$v\"}"
    want=$(pgq -c "DO \$\$ BEGIN PERFORM '$v'::$(pgq -c "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'difftest.ev'::regclass AND attname = '$f'");
                   EXCEPTION WHEN others THEN RAISE NOTICE '% %', SQLSTATE, SQLERRM; END \$\$" 2>&1 | sed 's/^NOTICE:  //')
    state=${want%% *} msg=${want#* }
    if [ "$CODE" = 400 ] && grep -q "\"$state\"" "$PGTEST_DIR/resp" &&
        tr -d '\\' < "$PGTEST_DIR/resp" | grep -qF "\"error\": \"$msg\""; then
        pass "$f '$v' refused as PostgreSQL: $state $msg"
    else
        fail "$f '$v': HTTP $CODE $(cat "$PGTEST_DIR/resp"), PostgreSQL: $want"
    fi
done

# Typing errors as PostgreSQL's.
for q in "SELECT min(u) FROM ev|42883" "SELECT d + n FROM ev|42883" "SELECT d + '1' FROM ev|42725" \
"SELECT u + 1 FROM ev|42883" "SELECT d::time FROM ev|42846"; do
    sql=${q%|*} state=${q#*|}
    got=$(psql -X -q -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
        -v VERBOSITY=verbose -c "CREATE CONTINUOUS VIEW bad AS $sql" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]*\):.*/\1/p')
    pgs=$(pgq -v VERBOSITY=verbose -c "$(printf '%s' "$sql" | sed 's/FROM ev/FROM difftest.ev/')" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]*\):.*/\1/p')
    [ "$got" = "$state" ] && [ "$pgs" = "$state" ] && pass "$sql: $state as PostgreSQL" ||
        fail "$sql: sluiced $got, PostgreSQL $pgs, expected $state"
done

# INSERT and COPY into the stream; a restart reads the stored definitions
# (time without time zone, uuid ...) back.
sluiced_stop
sluiced_start --flush-interval 50
slq -c "INSERT INTO names VALUES ('04:05 PM', '2001-02-03 04:05:06', 'Feb 3 2001', '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'),
            (time '23:59:59.5', NULL, date 'epoch' + 1, NULL)" ||
    fail "INSERT INTO a stream with date, time, uuid"
printf '%s\n' '00:00:01	2020-01-01 10:11:12	2020-02-29	b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' |
    slq -c "COPY names FROM STDIN" || fail "COPY into a stream with date, time, uuid"
got=$(pgq -c "SELECT string_agg(concat_ws(',', a, bt, c, d), ';' ORDER BY a) FROM names_v")
want="00:00:01,10:11:12,2020-02-29,b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11;16:05:00,04:05:06,2001-02-03,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11;23:59:59.5,1970-01-02"
[ "$got" = "$want" ] && pass "INSERT and COPY after a restart: $got" || fail "names_v: $got, expected $want"
post ev '{"k": 20, "d": "2030-06-15", "t": "06:00", "u": "f0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ts": "2030-06-15T06:00:00Z", "tl": "2030-06-15T06:00:00", "x": 1, "n": 1}'
[ "$CODE" = 200 ] || fail "POST after restart: HTTP $CODE $(cat "$PGTEST_DIR/resp")"
pgq -c "INSERT INTO difftest.ev (k, d, t, u, ts, tl, x, n) VALUES (20, '2030-06-15', '06:00',
        'f0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2030-06-15T06:00:00Z', '2030-06-15T06:00:00', 1, 1)"
same by_d "SELECT d, count(*) AS c, min(t) AS tmin, max(t) AS tmax, min(ts) AS tsmin, max(tl) AS tlmax, count(DISTINCT u) AS nu FROM difftest.ev GROUP BY d"
same xf "$oracle"

sluiced_stop
sl_done "datetime: all checks passed"
