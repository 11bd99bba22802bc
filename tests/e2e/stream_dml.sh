#!/bin/sh
# tests/e2e/stream_dml.sh: events into a stream over the PostgreSQL
# protocol, through psql and a real sluiced, on the same ingest path as HTTP:
#   - INSERT INTO stream VALUES (multi-row, a column list, NULLs, DEFAULT,
#     negative numbers, casts, expressions) answers "INSERT 0 n" once the
#     flush committed: the continuous view equals PostgreSQL's own SELECT
#     over the same rows in a table, read right after the INSERT;
#   - INSERT INTO stream SELECT ... FROM a table (run as the client's role
#     on its backend connection);
#   - psql's \copy in text (tabs, \N, backslash escapes) and csv (HEADER,
#     quotes, a column list) formats: "COPY n";
#   - all or nothing: a bad value, an unknown column, too many values, a
#     view's error (division by zero), a bad COPY line (CONTEXT with the
#     line) refuse the whole statement with PostgreSQL's SQLSTATE and
#     change nothing; CopyFail (57014); COPY ... TO a stream (0A000);
#   - (inside BEGIN ... COMMIT: tests/e2e/stream_txn.sh);
#   - INSERT into a table of the same name in another schema, or into a
#     plain table, is relayed to PostgreSQL untouched;
#   - over max_memory an INSERT is refused (53200) while another waits for
#     its flush, which the shutdown's final flush commits; COPY data and
#     INSERT ... SELECT rows over max_body_size are refused (54000).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
sluiced_start --flush-interval 50
W=$PGTEST_DIR/dml
mkdir -p "$W"

check() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        printf '%s\n' "$2" >"$W/want"
        printf '%s\n' "$3" >"$W/got"
        diff -u "$W/want" "$W/got" || true
        fail "$1"
    fi
}
# sq ARGS: psql through sluiced with its tags and errors (SQLSTATE) kept.
sq() {
    psql -X -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres \
        -d postgres "$@" 2>&1 || true
}

slq -c "CREATE STREAM ev (k text, n int, x float8, ts timestamptz)"
slq -c "CREATE CONTINUOUS VIEW agg AS SELECT k, count(*) AS c, sum(n) AS s, count(x) AS cx,
        max(ts) AS mts FROM ev GROUP BY k"
slq -c "CREATE CONTINUOUS VIEW inv AS SELECT count(*) AS c FROM ev WHERE 100 / n > 0"
# The oracle: the same rows in a table, the same SELECT over it.
pgq -c "CREATE TABLE ev_rows (k text, n int, x float8, ts timestamptz)"
view() { slq -c "SELECT k, c, s, cx, mts FROM agg ORDER BY k"; }
oracle() {
    pgq -c "SELECT k, count(*), sum(n), count(x), max(ts) FROM ev_rows GROUP BY k ORDER BY k"
}
# both SQL: the statement into the stream (through sluiced) and the table.
both() {
    sq -c "$1"
    pgq -c "$(printf '%s' "$1" | sed 's/INTO ev\b/INTO ev_rows/')" >/dev/null
}

# ---- INSERT ... VALUES

out=$(both "INSERT INTO ev VALUES ('a', 1, 1.5, '2026-01-01 00:00:00+00'), ('b', -2, NULL, NULL),
            ('a', 3, -0.25, '2026-01-02T03:04:05Z')")
check "multi-row INSERT answers INSERT 0 3" "INSERT 0 3" "$out"
check "the view has them at once (durable before the tag)" "$(oracle)" "$(view)"

out=$(both "INSERT INTO ev (n, k) VALUES (10, 'c'), (DEFAULT, 'c'), (NULL, 'a')")
check "column list: the others are NULL" "INSERT 0 3" "$out"
out=$(both "INSERT INTO ev VALUES ('d', '7'::int * 2 + 1, CAST('2.5' AS float8) / 2,
                                   timestamptz '2026-02-03 04:05:06+01')")
check "casts and expressions" "INSERT 0 1" "$out"
check "casts and expressions: the values" "$(oracle)" "$(view)"
out=$(both "INSERT INTO ev DEFAULT VALUES")
check "DEFAULT VALUES" "INSERT 0 1" "$out"
check "view equals the oracle after INSERTs" "$(oracle)" "$(view)"

# ---- INSERT ... SELECT

pgq -c "CREATE TABLE src AS SELECT 'g' || (i % 3) AS k, i AS n, i / 4.0 AS x,
        timestamptz '2026-03-01 00:00:00+00' + i * interval '1 minute' AS ts
        FROM generate_series(1, 500) i"
out=$(sq -c "INSERT INTO ev SELECT k, n, x, ts FROM src WHERE n > 0")
pgq -c "INSERT INTO ev_rows SELECT k, n, x, ts FROM src WHERE n > 0"
check "INSERT ... SELECT answers INSERT 0 500" "INSERT 0 500" "$out"
check "view equals the oracle after INSERT ... SELECT" "$(oracle)" "$(view)"
out=$(sq -c "INSERT INTO ev (k, n) SELECT k, n FROM src WHERE n <= 2")
pgq -c "INSERT INTO ev_rows (k, n) SELECT k, n FROM src WHERE n <= 2"
check "INSERT (cols) SELECT" "INSERT 0 2" "$out"
out=$(sq -c "INSERT INTO ev SELECT k, n FROM nosuch")
case $out in *42P01*) pass "INSERT ... SELECT: the backend's error" ;; *) fail "SELECT error: $out" ;; esac

# ---- COPY (psql's \copy)

printf 'h\t5\t0.5\t2026-05-01 00:00:00+00\nh\t\\N\t\\N\t\\N\ntab\\there\t6\t1e3\t\\N\n' >"$W/rows.txt"
out=$(sq -c "\\copy ev FROM '$W/rows.txt'")
pgq -c "\\copy ev_rows FROM '$W/rows.txt'"
check "psql copy text answers COPY 3" "COPY 3" "$out"
check "view equals the oracle after psql copy text" "$(oracle)" "$(view)"

printf 'n,k\n8,"q,1"\n9,"say ""hi"""\n,q2\n' >"$W/rows.csv"
out=$(sq -c "\\copy ev (n, k) FROM '$W/rows.csv' WITH (FORMAT csv, HEADER)")
pgq -c "\\copy ev_rows (n, k) FROM '$W/rows.csv' WITH (FORMAT csv, HEADER)"
check "psql copy csv with HEADER and a column list answers COPY 3" "COPY 3" "$out"
printf 'i,1,,\n' >"$W/old.csv"
out=$(sq -c "\\copy ev FROM '$W/old.csv' csv")
pgq -c "\\copy ev_rows FROM '$W/old.csv' csv"
check "psql copy csv (old option syntax)" "COPY 1" "$out"
# From psql's own input, \copy ends at the line \. and sends it too: the
# server reads it as the end of the data in csv as in text.
out=$(printf '%s\n' '\copy ev (k, n) from stdin csv' 'stdin1,31' '"stdin2' 'x",32' '\.' |
    psql -X -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres postgres 2>&1)
printf '%s\n' '\copy ev_rows (k, n) from stdin csv' 'stdin1,31' '"stdin2' 'x",32' '\.' |
    psql -X -q -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO"
check "psql copy csv from stdin (ends at its end-of-data line) answers COPY 2" "COPY 2" "$out"
check "view equals the oracle after psql copy csv" "$(oracle)" "$(view)"

# ---- all or nothing
before=$(view)
bad() {  # bad NAME SQLSTATE SQL|-c...
    name=$1 code=$2
    shift 2
    out=$(sq "$@")
    case $out in
    *"$code"*) pass "$name: $code" ;;
    *) fail "$name: want $code, got: $out" ;;
    esac
    check "$name: nothing applied" "$before" "$(view)"
}
bad "a bad value in the last row" 22P02 -c "INSERT INTO ev VALUES ('z', 1), ('z', 'x')"
bad "unknown column" 42703 -c "INSERT INTO ev (k, nope) VALUES ('z', 1)"
case $out in *"column \"nope\" of relation \"ev\" does not exist"*) pass "42703 message" ;; *) fail "42703 message: $out" ;; esac
bad "too many values" 42601 -c "INSERT INTO ev VALUES ('z', 1, 2, NULL, 5)"
case $out in *"INSERT has more expressions than target columns"*) pass "42601 message" ;; *) fail "42601 message: $out" ;; esac
bad "a view's error (division by zero) refuses the statement" 22012 -c "INSERT INTO ev VALUES ('z', 1), ('z', 0)"
case $out in *'CONTEXT:  continuous view "inv"'*) pass "the view at fault in CONTEXT" ;; *) fail "view CONTEXT: $out" ;; esac
printf 'z\t1\t\\N\t\\N\nz\t0\t\\N\t\\N\n' >"$W/zero.txt"
bad "a view's error on a psql copy line" 22012 -c "\\copy ev FROM '$W/zero.txt'"
case $out in *'CONTEXT:  continuous view "inv", COPY ev, line 2'*) pass "view and line in CONTEXT" ;; *) fail "copy view CONTEXT: $out" ;; esac
bad "a boolean into an integer column" 42804 -c "INSERT INTO ev (n) VALUES (true)"
case $out in *'column "n" is of type integer but expression is of type boolean'*) pass "42804 message" ;; *) fail "42804: $out" ;; esac
bad "integer out of range" 22003 -c "INSERT INTO ev VALUES ('z', 3000000000)"
printf 'z\t1\t\\N\t\\N\nz\tnot-a-number\t\\N\t\\N\n' >"$W/bad.txt"
bad "a bad psql copy line" 22P02 -c "\\copy ev FROM '$W/bad.txt'"
case $out in
*"CONTEXT:  COPY ev, line 2, column n: \"not-a-number\""*) pass "COPY error CONTEXT names line 2, column n" ;;
*) fail "COPY CONTEXT: $out" ;;
esac
printf 'z\t1\t\\N\nz\t2\t\\N\t\\N\n' >"$W/short.txt"
bad "missing data for a column" 22P04 -c "\\copy ev FROM '$W/short.txt'"
case $out in *"missing data for column \"ts\""*"line 1"*) pass "22P04 message and line" ;; *) fail "22P04: $out" ;; esac
bad "COPY stream TO" 0A000 -c "COPY ev TO STDOUT"
bad "binary COPY" 0A000 -c "COPY ev FROM STDIN (FORMAT binary)"
# CopyFail: psql sends one when the file cannot be read mid-way; a raw
# protocol client is beyond psql, so drive it with Python if present.
if command -v python3 >/dev/null 2>&1; then
    cat >"$W/copyfail.py" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def msg(t, b): s.sendall(t + struct.pack("!I", len(b) + 4) + b)
p = b"user\0postgres\0database\0postgres\0\0"
s.sendall(struct.pack("!II", len(p) + 8, 196608) + p)
def read_until(t):
    out = []
    while True:
        h = b""
        while len(h) < 5: h += s.recv(5 - len(h))
        n = struct.unpack("!I", h[1:5])[0] - 4
        b = b""
        while len(b) < n: b += s.recv(n - len(b))
        out.append((h[:1], b))
        if h[:1] == t: return out
read_until(b"Z")
msg(b"Q", b"COPY ev FROM STDIN\0")
read_until(b"G")
msg(b"d", b"y\t1\t\\N\t\\N\n")
msg(b"f", b"client gave up\0")
for t, b in read_until(b"Z"):
    if t == b"E":
        f = dict((x[:1], x[1:]) for x in b.split(b"\0") if x)
        print(f[b"C"].decode(), f[b"M"].decode())
msg(b"X", b"")
PY
    out=$(python3 "$W/copyfail.py" "$SLUICE_PGWIRE_PORT" 2>&1)
    check "CopyFail: 57014" "57014 COPY from stdin failed: client gave up" "$out"
    check "CopyFail: nothing applied" "$before" "$(view)"
fi
check "the view still equals the oracle" "$(oracle)" "$(view)"
check "a view with a WHERE counted every row" "$(pgq -c "SELECT count(*) FROM ev_rows WHERE 100 / n > 0")" \
    "$(slq -c "SELECT c FROM inv")"

# ---- not a stream: relayed untouched
pgq -c "CREATE SCHEMA other; CREATE TABLE other.ev (k text); CREATE TABLE plain (a int)"
out=$(sq -c "INSERT INTO other.ev VALUES ('q') RETURNING k")
check "INSERT into a schema-qualified table of the stream's name is relayed" "q
INSERT 0 1" "$out"
out=$(sq -c "INSERT INTO plain SELECT generate_series(1, 3)" -c "COPY plain TO STDOUT")
check "INSERT and COPY of a plain table are relayed" "INSERT 0 3
1
2
3" "$out"

# ---- the pipeline's refusals reach pgwire too: max_memory (53200)
sluiced_stop
sluiced_start --flush-interval 600000 --max-memory 500kB
sq -c "INSERT INTO ev (k, n) SELECT 'm' || i, 1 FROM generate_series(1, 30000) i" \
    >"$W/first.out" 2>&1 &
first=$!
# the first INSERT is applied (its groups wait for a flush that comes only
# at shutdown) once sluiced holds more than max_memory of them
unflushed() {
    curl -s "http://$SLUICE_HTTP/metrics" | sed -n 's/^sluice_unflushed_bytes //p'
}
i=0
while [ "$(unflushed)" -le 512000 ] && [ $i -lt 200 ]; do
    i=$((i + 1))
    sleep 0.05
done
out=$(timeout 10 psql -X -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" \
      -U postgres -d postgres -c "INSERT INTO ev VALUES ('m', 2)" 2>&1 || true)
case $out in
*53200*"max_memory"*) pass "over max_memory: 53200, nothing of the statement applied" ;;
*) fail "max_memory: $out" ;;
esac
sluiced_stop
wait "$first" || true
# (its session's FATAL 57P01 may follow the answer)
check "the first INSERT is answered by the final flush at shutdown" "INSERT 0 30000" \
    "$(grep -v '^FATAL' "$W/first.out")"
check "... and committed" "30000|30000" \
    "$(pgq -c "SELECT count(*), sum(c) FROM agg WHERE k LIKE 'm%'")"

# ---- COPY and INSERT ... SELECT beyond max_body_size: 54000, the session
# goes on (the rest of the COPY data is dropped or ignored)
sluiced_start --flush-interval 50 --max-body-size 2kB
before=$(view)
awk 'BEGIN { for (i = 0; i < 400; i++) printf "big\t%d\t\\N\t\\N\n", i }' >"$W/big.txt"
out=$(sq -c "\\copy ev FROM '$W/big.txt'" -c "SELECT 'next'")
case $out in
*54000*"max_body_size"*next*) pass "COPY over max_body_size: 54000, the session goes on" ;;
*) fail "COPY over max_body_size: $out" ;;
esac
out=$(sq -c "INSERT INTO ev (k, n) SELECT 'big', i FROM generate_series(1, 1000) i" -c "SELECT 'next'")
case $out in
*54000*next*) pass "INSERT ... SELECT over max_body_size: 54000" ;;
*) fail "INSERT ... SELECT over max_body_size: $out" ;;
esac
check "nothing of them applied" "$before" "$(view)"
sluiced_stop

pg_stop
sl_done "stream DML over pgwire: ok"
