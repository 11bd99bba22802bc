#!/bin/sh
# tests/e2e/stmts.sh: EXPLAIN CONTINUOUS VIEW, ALTER STREAM ... ADD COLUMN,
# DEACTIVATE / ACTIVATE CONTINUOUS VIEW and UNION refused, through psql and
# a real sluiced:
#   - EXPLAIN of an aggregate view and of a transform: the operator tree
#     (stream, filter as SQL, group keys, aggregates with their state types,
#     HAVING, state table and finalizing view), over the simple and the
#     extended protocol (\gdesc, \bind); an unknown view is 42P01;
#   - ALTER STREAM s ADD COLUMN: events with and without the new field are
#     accepted at once, a new view may use it, the old view keeps counting
#     exactly what PostgreSQL's SELECT over the same events gives; the
#     stream's relation gets the column with its owner and grants; a
#     restart keeps it; a non-owner's ALTER is 42501; ALTER in BEGIN ...
#     ROLLBACK leaves nothing; 42701 / 42704 / 42P01 for a duplicate column,
#     an unknown type, an unknown stream;
#   - DEACTIVATE: events ingested meanwhile do not reach the view (the
#     other views count them), across a restart; ACTIVATE: counted again;
#     a non-owner may not; BEGIN; DEACTIVATE; ROLLBACK leaves it active;
#   - CREATE CONTINUOUS VIEW ... UNION ALL ...: 0A000 with its position;
#   - after an ALTER in a block, DROP STREAM or a second ALTER of the stream
#     waits for COMMIT (0A000); another session's DROP prepared before the
#     ALTER committed gets 40001, and the altered stream stays.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
pgq -c "CREATE ROLE alice LOGIN" -c "CREATE ROLE bob LOGIN" \
    -c "GRANT CREATE ON SCHEMA public TO alice, bob" >/dev/null
sluiced_start --flush-interval 50
W=$PGTEST_DIR/stmts
mkdir -p "$W"

check() {  # name, expected, actual
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        printf '%s\n' "$2" >"$W/want"
        printf '%s\n' "$3" >"$W/got"
        diff -u "$W/want" "$W/got" || true
        fail "$1"
    fi
}
expect() {  # name, wanted substring, output
    case $3 in *"$2"*) pass "$1" ;; *) fail "$1: wanted \"$2\", got: $3" ;; esac
}
as() {  # role, psql args...: through sluiced, errors with their SQLSTATE
    u=$1
    shift
    psql -X -q -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U "$u" \
        -d postgres "$@" 2>&1 || true
}
sq() { as postgres "$@"; }
post() {  # stream, ndjson body: the HTTP status
    curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
        --data-binary "$2" "http://$SLUICE_HTTP/v1/streams/$1" || echo 000
}
# until_eq WANT CMD...: polls CMD (5 s at most) until it prints WANT; prints what it got
until_eq() {
    want=$1
    shift
    i=0
    got=$("$@" 2>/dev/null || true)
    while [ "$got" != "$want" ] && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
        got=$("$@" 2>/dev/null || true)
    done
    printf '%s\n' "$got"
}

# ---- EXPLAIN ----
sq -c "CREATE STREAM ev (k text, x integer)" \
   -c "CREATE CONTINUOUS VIEW agg AS SELECT k, count(*) AS n, sum(x) AS total,
           avg(x) FILTER (WHERE x > 0) AS ax FROM ev WHERE k <> 'skip' GROUP BY k
           HAVING count(*) > 0" \
   -c "CREATE CONTINUOUS VIEW tr AS SELECT k, x * 2 AS x2 FROM ev WHERE x > 2" >"$W/out"
check "the views are created" "" "$(cat "$W/out")"
check "EXPLAIN of an aggregate view" \
'Upsert on sluice_mrel."agg"
  Finalizing View: "public"."agg"
  Output: "k" text := "k"
          "n" bigint := "_a1"
          "total" bigint := "_a2"
          "ax" numeric := ("_a3_sum"::numeric / NULLIF("_a3_count", 0))
  Having: ("_a1" > '"'"'0'"'"'::bigint)
  Active: true
  ->  HashAggregate
        Group Key: "k" AS "k" text
        Aggregate: count(*)  state: _a1 bigint
        Aggregate: sum("x")  state: _a2 bigint
        Aggregate: avg("x") FILTER (WHERE ("x" > 0))  state: _a3_sum numeric, _a3_count bigint
        ->  Filter
              Filter: ("k" <> '"'"'skip'"'"'::text)
              ->  Stream Scan on "ev"' \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW agg")"
check "EXPLAIN of a transform" \
'Append on sluice_mrel."tr"  (continuous transform)
  Finalizing View: "public"."tr"
  Output: "k" text := "k"
          "x2" integer := "x2"
  Active: true
  ->  Project
        Columns: "k" AS "k" text
                 ("x" * 2) AS "x2" integer
        ->  Filter
              Filter: ("x" > 2)
              ->  Stream Scan on "ev"' \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW tr")"
out=$(psql -X -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "EXPLAIN CONTINUOUS VIEW tr" 2>&1 || true)
expect "psql titles the column QUERY PLAN" " QUERY PLAN" "$out"
expect "psql counts its rows" "(11 rows)" "$out"
check "EXPLAIN over the extended protocol (\\gdesc)" "QUERY PLAN|text" \
    "$(printf 'EXPLAIN CONTINUOUS VIEW tr \\gdesc\n' | sq)"
# Parse / Bind / Describe / Execute / Sync as a driver sends them
ext=$(python3 - "$SLUICE_PGWIRE_PORT" <<'PYEOF'
import socket, struct, sys
def msg(t, body=b""):
    return t + struct.pack("!i", 4 + len(body)) + body
def cstr(s): return s.encode() + b"\0"
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = b"user\0postgres\0database\0postgres\0\0"
s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
buf = b""
while not buf.endswith(b"Z\0\0\0\x05I"):
    buf += s.recv(65536)
s.sendall(msg(b"P", cstr("") + cstr("EXPLAIN CONTINUOUS VIEW tr") + struct.pack("!h", 0)) +
          msg(b"B", cstr("") + cstr("") + struct.pack("!hhh", 0, 0, 0)) +
          msg(b"D", b"P" + cstr("")) + msg(b"E", cstr("") + struct.pack("!i", 0)) +
          msg(b"S") + msg(b"X"))
out = b""
s.settimeout(10)
while True:
    d = s.recv(65536)
    if not d: break
    out += d
i = 0; rows = []; res = []
while i < len(out):
    t = chr(out[i]); n = struct.unpack("!i", out[i+1:i+5])[0]; b = out[i+5:i+1+n]; i += 1 + n
    if t == "T": res.append("T:" + b[2:].split(b"\0")[0].decode())
    elif t == "D": rows.append(b[6:].decode())
    elif t == "C": res.append("C:" + b.rstrip(b"\0").decode())
    elif t == "E": res.append("E")
print(" ".join(res), len(rows), rows[0] if rows else "")
PYEOF
) || true
check "EXPLAIN over the extended protocol (Parse/Bind/Describe/Execute)" \
    'T:QUERY PLAN C:EXPLAIN 11 Append on sluice_mrel."tr"  (continuous transform)' "$ext"
expect "EXPLAIN of an unknown view: 42P01" \
    'ERROR:  42P01: continuous view "nosuch" does not exist' \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW nosuch")"

# ---- UNION ----
out=$(sq -c "CREATE CONTINUOUS VIEW u AS SELECT k FROM ev UNION ALL SELECT k FROM ev")
expect "UNION ALL in a view: 0A000" \
    "ERROR:  0A000: UNION is not supported in continuous views" "$out"
expect "... at the UNION" "LINE 1: CREATE CONTINUOUS VIEW u AS SELECT k FROM ev UNION ALL" "$out"
expect "... with a hint" "HINT:  Create one continuous view per stream" "$out"
check "... and no view u" "0" "$(pgq -c "SELECT count(*) FROM sluice.views WHERE name = 'u'")"

# ---- WITH (...) options: names Sluice does not know are refused ----
out=$(sq -c "CREATE CONTINUOUS VIEW wo WITH (no_such = 'x') AS SELECT count(*) FROM ev")
expect "an unknown view option: 22023" 'ERROR:  22023: unrecognized parameter "no_such"' "$out"
check "... and no view wo" "0" "$(pgq -c "SELECT count(*) FROM sluice.views WHERE name = 'wo'")"
out=$(sq -c "CREATE STREAM wos (a int) WITH (Fillfactor = 10)")
expect "an unknown stream option: 22023" 'ERROR:  22023: unrecognized parameter "fillfactor"' "$out"
expect "... at the option" "LINE 1: CREATE STREAM wos (a int) WITH (Fillfactor = 10)" "$out"
check "... and no stream wos" "0" "$(pgq -c "SELECT count(*) FROM sluice.streams WHERE name = 'wos'")"

# ---- ALTER STREAM ... ADD COLUMN ----
# raw: every event also kept in PostgreSQL, the oracle for the views
pgq -c "CREATE TABLE raw (k text, x integer, y double precision, seq serial)"
ys_from=1000000   # the first seq the view ys sees (set when it is created)
send() {  # ndjson body; rows for raw as VALUES; expected status
    st=$(post ev "$1")
    check "POST $1" "${3:-200}" "$st"
    [ "$st" = 200 ] && pgq -c "INSERT INTO raw (k, x, y) VALUES $2"
    return 0
}
oracle_agg() {
    pgq -c "SELECT k, count(*), sum(x), round(avg(x) FILTER (WHERE x > 0), 6) FROM raw
            WHERE k <> 'skip' GROUP BY k ORDER BY k"
}
agg_now() { sq -c "SELECT k, n, total, round(ax, 6) FROM agg ORDER BY k"; }
send '{"k":"a","x":1}
{"k":"b","x":5}' "('a', 1, NULL), ('b', 5, NULL)"
expect "ALTER of an unknown stream: 42P01" 'ERROR:  42P01: stream "nosuch" does not exist' \
    "$(sq -c "ALTER STREAM nosuch ADD COLUMN y float8")"
expect "a duplicate column: 42701" 'ERROR:  42701: column "x" of relation "ev" already exists' \
    "$(sq -c "ALTER STREAM ev ADD COLUMN x integer")"
expect "an unknown type: 42704" 'ERROR:  42704: type "nosuchtype" does not exist' \
    "$(sq -c "ALTER STREAM ev ADD COLUMN y nosuchtype")"
out=$(sq -c "BEGIN" -c "ALTER STREAM ev ADD COLUMN y double precision" -c "ROLLBACK")
check "ALTER inside BEGIN ... ROLLBACK" "" "$out"
check "... leaves the stream as it was" "ev|k text, x integer|2" \
    "$(sq -c "SHOW STREAMS")"
check "... and its relation" "k x" \
    "$(pgq -c "SELECT string_agg(attname, ' ' ORDER BY attnum) FROM pg_attribute
               WHERE attrelid = 'sluice_stream.ev'::regclass AND attnum > 0")"
check "... and its stored text" "CREATE STREAM ev (k text, x integer)" \
    "$(pgq -c "SELECT sql FROM sluice.streams WHERE name = 'ev'")"
check "ALTER undone by ROLLBACK TO SAVEPOINT" "" \
    "$(sq -c "BEGIN" -c "SAVEPOINT sp" -c "ALTER STREAM ev ADD COLUMN y double precision" \
          -c "ROLLBACK TO SAVEPOINT sp" -c "COMMIT")"
check "... leaves the stream as it was" "ev|k text, x integer|2" "$(sq -c "SHOW STREAMS")"
expect "... and a view cannot use the column" 'ERROR:  42703: column "y" does not exist' \
    "$(sq -c "CREATE CONTINUOUS VIEW bad AS SELECT sum(y) FROM ev")"
pgq -c "GRANT INSERT ON sluice_stream.ev TO bob" 2>/dev/null || true
sq -c "GRANT SELECT ON STREAM ev TO bob" >/dev/null
expect "a non-owner's ALTER: 42501" "ERROR:  42501: must be owner of stream ev" \
    "$(as bob -c "ALTER STREAM ev ADD COLUMN y double precision")"
check "ALTER STREAM ADD COLUMN" "" "$(sq -c "ALTER STREAM ev ADD COLUMN y double precision")"
check "SHOW STREAMS shows the column" "ev|k text, x integer, y double precision|2" \
    "$(sq -c "SHOW STREAMS")"
check "the stored CREATE text has it at the end" \
    'CREATE STREAM ev (k text, x integer, "y" double precision)' \
    "$(pgq -c "SELECT sql FROM sluice.streams WHERE name = 'ev'")"
check "the stream's relation has it, owner and grants kept" \
    "k x y|postgres|t" \
    "$(pgq -c "SELECT string_agg(attname, ' ' ORDER BY attnum),
                      (SELECT relowner::regrole FROM pg_class WHERE oid = 'sluice_stream.ev'::regclass),
                      has_table_privilege('bob', 'sluice_stream.ev', 'SELECT')
               FROM pg_attribute WHERE attrelid = 'sluice_stream.ev'::regclass AND attnum > 0")"
send '{"k":"a","x":2,"y":1.5}
{"k":"b","x":-3}
{"k":"skip","x":9,"y":2}
{"k":"a","x":4,"y":0.25}' "('a', 2, 1.5), ('b', -3, NULL), ('skip', 9, 2), ('a', 4, 0.25)"
ys_from=$(pgq -c "SELECT nextval('raw_seq_seq')")
check "a new view may use the column" "" \
    "$(sq -c "CREATE CONTINUOUS VIEW ys AS SELECT k, sum(y) AS sy, count(y) AS cy FROM ev GROUP BY k")"
send '{"y":10,"k":"c","x":7}
{"k":"a","x":1}' "('c', 7, 10), ('a', 1, NULL)"
want=$(oracle_agg)
check "the old view counts exactly as PostgreSQL's SELECT" "$want" "$(until_eq "$want" agg_now)"
want=$(pgq -c "SELECT k, x * 2 FROM raw WHERE x > 2 ORDER BY 1, 2")
check "the old transform too" "$want" "$(sq -c "SELECT k, x2 FROM tr ORDER BY 1, 2")"
oracle_ys() {
    pgq -c "SELECT k, sum(y), count(y) FROM raw WHERE seq > $ys_from GROUP BY k ORDER BY k"
}
ys_now() { sq -c "SELECT k, sy, cy FROM ys ORDER BY k"; }
want=$(oracle_ys)
check "the new view counts the new field" "a||0
c|10|1" "$want"
check "... as PostgreSQL's SELECT" "$want" "$(until_eq "$want" ys_now)"
check "INSERT INTO the stream takes the new column" "" \
    "$(sq -c "INSERT INTO ev (k, y) VALUES ('d', 3)")"
pgq -c "INSERT INTO raw (k, x, y) VALUES ('d', NULL, 3)"
want=$(oracle_ys)
check "... counted" "$want" "$(until_eq "$want" ys_now)"

sluiced_stop
sluiced_start --flush-interval 50
check "a restart keeps the column" "ev|k text, x integer, y double precision|3" \
    "$(sq -c "SHOW STREAMS")"
send '{"k":"c","x":3,"y":0.5}' "('c', 3, 0.5)"
want=$(oracle_agg)
check "after the restart the old view still counts exactly" "$want" "$(until_eq "$want" agg_now)"
want=$(oracle_ys)
check "... and the new one" "$want" "$(until_eq "$want" ys_now)"

# ---- DEACTIVATE / ACTIVATE ----
expect "DEACTIVATE of an unknown view: 42P01" \
    'ERROR:  42P01: continuous view "nosuch" does not exist' \
    "$(sq -c "DEACTIVATE CONTINUOUS VIEW nosuch")"
expect "a non-owner may not deactivate" "ERROR:  42501: must be owner of continuous view agg" \
    "$(as bob -c "DEACTIVATE CONTINUOUS VIEW agg")"
check "DEACTIVATE inside BEGIN ... ROLLBACK" "" \
    "$(sq -c "BEGIN" -c "DEACTIVATE CONTINUOUS VIEW agg" -c "ROLLBACK")"
check "... leaves it active" "t" "$(pgq -c "SELECT active FROM sluice.views WHERE name = 'agg'")"
check "DEACTIVATE undone by ROLLBACK TO SAVEPOINT" "" \
    "$(sq -c "BEGIN" -c "SAVEPOINT sp" -c "DEACTIVATE CONTINUOUS VIEW agg" \
          -c "ROLLBACK TO SAVEPOINT sp" -c "COMMIT")"
check "... leaves it active in sluiced too" "  Active: true" \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW agg" | grep Active)"
send '{"k":"a","x":100}' "('a', 100, NULL)"
want=$(oracle_agg)
check "... and fed" "$want" "$(until_eq "$want" agg_now)"
before=$(agg_now)
check "DEACTIVATE CONTINUOUS VIEW" "" "$(sq -c "DEACTIVATE CONTINUOUS VIEW agg")"
check "EXPLAIN says so" "  Active: false" \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW agg" | grep Active)"
expect "/v1/views says so" '"broken": false, "active": false}' \
    "$(curl -s "http://$SLUICE_HTTP/v1/views" | tr '{' '\n' | grep '"name": "agg"')"
pgq -c "CREATE TABLE missed (k text, x integer, y double precision)"
send '{"k":"a","x":1000,"y":1}
{"k":"e","x":1}' "('a', 1000, 1), ('e', 1, NULL)"
pgq -c "INSERT INTO missed VALUES ('a', 1000, 1), ('e', 1, NULL)"
want=$(oracle_ys)
check "the other views count the events" "$want" "$(until_eq "$want" ys_now)"
check "the deactivated view does not: unchanged, still readable" "$before" "$(agg_now)"
sluiced_stop
sluiced_start --flush-interval 50
check "a restart keeps it deactivated" "  Active: false" \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW agg" | grep Active)"
send '{"k":"e","x":2}' "('e', 2, NULL)"
pgq -c "INSERT INTO missed VALUES ('e', 2, NULL)"
check "ACTIVATE CONTINUOUS VIEW" "" "$(sq -c "ACTIVATE CONTINUOUS VIEW agg")"
send '{"k":"a","x":7}
{"k":"f","x":8}' "('a', 7, NULL), ('f', 8, NULL)"
want=$(pgq -c "SELECT k, count(*), sum(x), round(avg(x) FILTER (WHERE x > 0), 6)
               FROM (SELECT k, x, y FROM raw EXCEPT ALL SELECT * FROM missed) r
               WHERE k <> 'skip' GROUP BY k ORDER BY k")
check "active again: counts what came after, exactly" "$want" "$(until_eq "$want" agg_now)"
check "EXPLAIN says so" "  Active: true" \
    "$(sq -c "EXPLAIN CONTINUOUS VIEW agg" | grep Active)"

# ---- ALTER STREAM against other DDL ----
sq -c "CREATE STREAM cs (a integer)" >/dev/null
out=$(sq -c "BEGIN" -c "ALTER STREAM cs ADD COLUMN b text" -c "DROP STREAM cs" -c "ROLLBACK")
expect "DROP STREAM after ALTER in one block: 0A000" \
    'ERROR:  0A000: stream "cs" was altered in this transaction block' "$out"
out=$(sq -c "BEGIN" -c "ALTER STREAM cs ADD COLUMN b text" -c "ALTER STREAM cs ADD COLUMN c text" \
         -c "ROLLBACK")
expect "a second ALTER in one block: 0A000" \
    'ERROR:  0A000: stream "cs" was altered in this transaction block already' "$out"
out=$(sq -c "BEGIN" -c "CREATE STREAM cs2 (a integer)" -c "ALTER STREAM cs2 ADD COLUMN b text" \
         -c "ROLLBACK")
expect "ALTER of a stream created in the same block: 0A000" \
    'ERROR:  0A000: stream "cs2" was created in this transaction block' "$out"
# another session's DROP prepared before the ALTER commits: 40001, not a
# stream dropped in PostgreSQL and left in sluiced's memory
# until the block sleeps (its ALTER done), however loaded the machine
sleeping() {
    for _ in $(seq 1 100); do
        [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(2)' AND state = 'active'")" = 1 ] && return 0
        sleep 0.05
    done
}
sq -c "BEGIN" -c "ALTER STREAM cs ADD COLUMN b text" -c "SELECT pg_sleep(2)" -c "COMMIT" \
    >"$W/alter_out" &
apid=$!
sleeping
out=$(sq -c "DROP STREAM cs")
wait $apid || true
check "the ALTER in a block commits" "" "$(grep -v '^$' "$W/alter_out" || true)"
expect "a DROP prepared meanwhile: 40001" 'ERROR:  40001: stream "cs" was altered concurrently' \
    "$out"
check "... the stream is there, altered, in memory and in PostgreSQL" "cs|a integer, b text|0
1" "$(sq -c "SHOW STREAMS" | grep '^cs|'; pgq -c "SELECT count(*) FROM sluice.streams WHERE name = 'cs'")"
sq -c "BEGIN" -c "ALTER STREAM cs ADD COLUMN c text" -c "SELECT pg_sleep(2)" -c "COMMIT" \
    >"$W/alter_out" &
apid=$!
sleeping
out=$(sq -c "CREATE CONTINUOUS VIEW csv1 AS SELECT count(*) AS n FROM cs")
wait $apid || true
expect "a CREATE CONTINUOUS VIEW prepared meanwhile: 40001" \
    'ERROR:  40001: stream "cs" was altered concurrently' "$out"
check "... and left no view" "0" "$(pgq -c "SELECT count(*) FROM sluice.views WHERE name = 'csv1'")"
check "... the view can be created now" "" \
    "$(sq -c "CREATE CONTINUOUS VIEW csv1 AS SELECT count(*) AS n, count(c) AS nc FROM cs")"
check "... and can be dropped now" "" "$(sq -c "DROP STREAM cs CASCADE" 2>&1 | grep -v NOTICE)"

sl_done "stmts: EXPLAIN, ALTER STREAM ADD COLUMN, (DE)ACTIVATE, UNION refused"
