#!/bin/sh
# tests/e2e/pgwire.sh [SLUICED]: the PostgreSQL wire protocol of sluiced
# through real psql against a throwaway PostgreSQL: multi-statement queries
# (forwarded, Sluice's and mixed), psql's \d, forwarded errors with the
# caret at the right place, Sluice DDL in a transaction block (rolled back
# with it) and in a multi-statement Query (atomic), syntax errors after
# earlier statements, COPY in and out (relayed and inside a mixed query),
# SSL negotiation, the extended protocol (\gdesc) for relayed and Sluice
# statements (pipelines of raw messages: named statements and portals,
# row limits, errors, transaction blocks), application_name, large results and COPY (backpressure),
# cancel, a backend that dies, hostile startup bytes, FATAL 57P01 on stop.
#
# SLUICED defaults to $top_builddir/sluiced; tests/e2e/pgwire_stub_server
# (the pgwire layer alone) works too.  Exits 77 without PostgreSQL or psql.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
SLUICED=${1:-$top_builddir/sluiced}
[ -x "$PG_BINDIR/postgres" ] || sl_skip "PostgreSQL server binaries not found in $PG_BINDIR"
command -v psql >/dev/null 2>&1 || sl_skip "psql is not installed"
[ -x "$SLUICED" ] || sl_fail "$SLUICED is not built"
unset PGHOST PGPORT PGUSER PGDATABASE PGAPPNAME PGSSLMODE SLUICE_PG SLUICE_CONFIG

pg_start

# Starts $SLUICED like lib.sh's sluiced_start (so its cleanup stops it).
SLUICED_LOG="$PGTEST_DIR/sluiced.log"
${SLUICED_WRAPPER:-} "$SLUICED" --pg "$PGTEST_CONNINFO" --pgwire-port 0 --http-port 0 \
    2>"$SLUICED_LOG" &
SLUICED_PID=$!
i=0
while ! grep -q "sluiced ready:" "$SLUICED_LOG" 2>/dev/null; do
    kill -0 "$SLUICED_PID" 2>/dev/null || { cat "$SLUICED_LOG" >&2; SLUICED_PID=; sl_fail "sluiced exited before ready"; }
    i=$((i + 1)); [ $i -lt 600 ] || { cat "$SLUICED_LOG" >&2; sl_fail "sluiced not ready after 30 s"; }
    sleep 0.05
done
PORT=$(grep -m1 "sluiced ready:" "$SLUICED_LOG" |
    sed -n 's/.*ready: pgwire [^ ,]*:\([0-9][0-9]*\),.*/\1/p')
[ -n "$PORT" ] || sl_fail "cannot read the pgwire port from the ready line"

out="$PGTEST_DIR/out"
# sq ARGS: psql through sluiced over TCP (so SSLRequest comes first);
# stdout+stderr, never fails.
sq() {
    psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@" 2>&1 || true
}
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" != "$3" ]; then
        printf '%s\n' "$2" >"$out.want"
        printf '%s\n' "$3" >"$out.got"
        diff -u "$out.want" "$out.got" >&2 || true
        sl_fail "$1"
    fi
    echo "ok - $1"
}
# contains NAME NEEDLE HAYSTACK
contains() {
    case $3 in
        *"$2"*) echo "ok - $1" ;;
        *) printf '%s\n' "$3" >&2; sl_fail "$1: no \"$2\" in the output" ;;
    esac
}

check "forwarded multi-statement query" "1
2" "$(sq -At -c 'SELECT 1 AS a; SELECT 2 AS b')"

check "CREATE STREAM" "CREATE STREAM" \
    "$(psql -X -h 127.0.0.1 -p "$PORT" -U postgres -c 'CREATE STREAM e2e_s (a integer, b text)' 2>&1)"

check "mixed query runs in order" "1
e2e_s|a integer, b text|0
3" "$(sq -At -c 'SELECT 1; SHOW STREAMS; SELECT 3')"

check "forwarded error after a Sluice statement: caret" "ERROR:  column \"nosuchcol\" does not exist
LINE 1: SHOW STREAMS; SELECT nosuchcol
                             ^" "$(sq -At -c 'SHOW STREAMS; SELECT nosuchcol' | tail -n 3)"

check "forwarded error, multi-byte characters before it" "é
ERROR:  column \"nosuchcol\" does not exist
LINE 1: SELECT 'é'; SHOW STREAMS; SELECT nosuchcol
                                         ^" \
    "$(sq -At -c "SELECT 'é'; SHOW STREAMS; SELECT nosuchcol" | grep -v e2e_s)"

check "CREATE STREAM in a transaction block" "" \
    "$(sq -At -c 'BEGIN; CREATE STREAM e2e_t (a int); ROLLBACK')"
check "stream not created in a rolled-back block" "e2e_s" \
    "$(sq -At -c 'SHOW STREAMS' | cut -d'|' -f1)"
check "a failing multi-statement Query leaves no stream" "ERROR:  division by zero" \
    "$(sq -At -c 'CREATE STREAM e2e_t (a int); SELECT 1/0')"
check "stream not created by the failed Query" "e2e_s" \
    "$(sq -At -c 'SHOW STREAMS' | cut -d'|' -f1)"
check "nor its table" "ERROR:  relation \"e2e_t\" does not exist" \
    "$(sq -At -c 'SELECT * FROM e2e_t' | head -n 1)"

check "syntax error runs the statements before it" "1
ERROR:  syntax error at or near \"(\"
LINE 1: SELECT 1 AS before; CREATE STREAM (
                                          ^" "$(sq -At -c 'SELECT 1 AS before; CREATE STREAM (')"

check "the first error stops the query" "e2e_s|a integer, b text|0
ERROR:  division by zero" "$(sq -At -c 'SHOW STREAMS; SELECT 1/0; SHOW STREAMS')"

sq -c 'CREATE TABLE e2e_tab (id int, s text)' >/dev/null
contains "\\d lists relations" "e2e_tab" "$(sq -c '\d')"
contains "\\d table" "id     | integer" "$(sq -c '\d e2e_tab')"

check "COPY FROM STDIN (relayed)" "2" \
    "$(printf '1\ta\n2\tb\n' | sq -At -c 'COPY e2e_tab FROM STDIN' >/dev/null; sq -At -c 'SELECT count(*) FROM e2e_tab')"
check "COPY inside a mixed query" "e2e_s|a integer, b text|0
3" "$(printf 'SHOW STREAMS; COPY e2e_tab FROM STDIN;\n3\tc\n\\.\nSELECT count(*) FROM e2e_tab;\n' | sq -At)"
check "COPY TO STDOUT" "1	a
2	b
3	c" "$(sq -At -c 'COPY (SELECT * FROM e2e_tab ORDER BY id) TO STDOUT')"

check "extended protocol: \\gdesc" "a|integer
b|timestamp with time zone" "$(printf 'SELECT 1::int AS a, now() AS b \\gdesc\n' | sq -At)"
# Sluice statements over the extended protocol (they were refused with
# 0A000 until sluiced served them itself): \gdesc is Parse + Describe.
check "extended protocol: \\gdesc of a Sluice statement, session goes on" "name|text
columns|text
views|text
5" "$(printf 'SHOW STREAMS \\gdesc\nSELECT 5;\n' | sq -At)"
check "extended protocol: \\gdesc of DDL and of a SHOW setting" "The command has no result, or the result has no columns.
sluice_version|text" \
    "$(printf 'CREATE STREAM gd (a int) \\gdesc\nSHOW sluice_version \\gdesc\n' | sq -At)"

contains "SSL refused cleanly" "server does not support SSL" \
    "$(psql -X "host=127.0.0.1 port=$PORT user=postgres sslmode=require" -c 'SELECT 1' 2>&1 || true)"
check "application_name reaches PostgreSQL" "e2e-app" \
    "$(PGAPPNAME=e2e-app sq -At -c 'SHOW application_name')"
check "server_version reported" "$(psql -X -At -d "$PGTEST_CONNINFO" -c 'SHOW server_version')" \
    "$(sq -At -c 'SHOW server_version')"

check "large result" "200000 4000000" \
    "$(sq -At -c "SELECT g, repeat('x', 20) FROM generate_series(1,200000) g" | awk -F'|' '{n++; s+=length($2)} END {print n, s}')"
seq 1 200000 | awk '{print $1 "\tline" $1}' >"$PGTEST_DIR/copy.txt"
check "large COPY in" "200003" \
    "$(sq -At -c 'COPY e2e_tab FROM STDIN' <"$PGTEST_DIR/copy.txt" >/dev/null; sq -At -c 'SELECT count(*) FROM e2e_tab')"

# Cancel: psql sends CancelRequest on SIGINT.
psql -X -h 127.0.0.1 -p "$PORT" -U postgres -c 'SELECT pg_sleep(30)' >"$out.cancel" 2>&1 &
cpid=$!
# SIGINT once the backend runs it (a loaded machine may take seconds).
for _ in $(seq 1 100); do
    [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")" = 1 ] && break
    sleep 0.1
done
kill -INT "$cpid"
wait "$cpid" || true
contains "CancelRequest cancels the backend query" "canceling statement due to user request" \
    "$(cat "$out.cancel")"

contains "backend terminated: FATAL relayed" "terminating connection due to administrator command" \
    "$(sq -c 'SELECT pg_terminate_backend(pg_backend_pid())')"

if command -v python3 >/dev/null 2>&1; then
    got=$(python3 - "$PORT" <<'EOF'
import socket, struct, sys, time
port = int(sys.argv[1])
def talk(data, startup=True):
    s = socket.create_connection(("127.0.0.1", port))
    if startup:
        body = b"user\0postgres\0\0"
        s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
        buf = b""
        while not buf.endswith(b"Z\0\0\0\x05I"):
            buf += s.recv(65536)
    s.sendall(data)
    s.settimeout(5)
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf
def fields(b):
    return b[5:].split(b"\0")
print(fields(talk(b"GET / HTTP/1.0\r\n\r\n", False))[2:4])
print(fields(talk(b"Q\xff\xff\xff\xff"))[2:4])
print(fields(talk(struct.pack("!ii", 8, 0x00020000), False))[2:4])
EOF
)
    check "hostile bytes: FATAL and close" "[b'C08P01', b'Minvalid length of startup packet']
[b'C08P01', b'Minvalid message length']
[b'C0A000', b'Munsupported frontend protocol 2.0: server supports 3.0 to 3.0']" "$got"
    # Pipelined simple + extended messages around Sluice statements: answers
    # in order, unsynced extended work answered before a job's output, a
    # failed extended batch swallows everything up to Sync (as PostgreSQL).
    got=$(python3 - "$PORT" <<'PYEOF'
import socket, struct, sys
port = int(sys.argv[1])
def msg(t, body=b""):
    return t + struct.pack("!i", 4 + len(body)) + body
def cstr(s): return s.encode() + b"\0"
def cells(b):
    n = struct.unpack("!h", b[:2])[0]; i = 2; out = []
    for _ in range(n):
        l = struct.unpack("!i", b[i:i+4])[0]; i += 4
        out.append("NULL" if l < 0 else b[i:i+l].decode()); i += max(l, 0)
    return "|".join(out)
def run(data, warm=False):
    s = socket.create_connection(("127.0.0.1", port))
    body = b"user\0postgres\0\0"
    s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
    buf = b""
    while not buf.endswith(b"Z\0\0\0\x05I"):
        buf += s.recv(65536)
    if warm:    # one round trip first: the relay reads both sockets itself
        s.sendall(msg(b"Q", b"SELECT 0\0"))
        buf = b""
        while not buf.endswith(b"Z\0\0\0\x05I"):
            buf += s.recv(65536)
    s.sendall(data + msg(b"X"))
    out = b""
    s.settimeout(10)
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
    i = 0; res = []
    while i < len(out):
        t = chr(out[i]); n = struct.unpack("!i", out[i+1:i+5])[0]; b = out[i+5:i+1+n]; i += 1 + n
        if t == "D": res.append("D:" + cells(b))
        elif t == "E": res.append("E:" + [f[1:].decode() for f in b.split(b"\0") if f[:1] == b"C"][0])
        elif t in "CZ": res.append(t + ":" + b.rstrip(b"\0").decode())
        elif t == "t": res.append("t:%d" % struct.unpack("!h", b[:2])[0])
        else: res.append(t)
    print(" ".join(res))
P = lambda q: msg(b"P", cstr("") + cstr(q) + struct.pack("!h", 0))
B = msg(b"B", cstr("") + cstr("") + struct.pack("!hhh", 0, 0, 0))
E = msg(b"E", cstr("") + struct.pack("!i", 0))
S = msg(b"S")
Q = lambda q: msg(b"Q", cstr(q))
run(Q("SELECT 1") + P("SELECT 10") + B + E + Q("SHOW STREAMS; SELECT 2") +
    P("SELECT 11") + B + E + P("SHOW STREAMS") + B + E + S + Q("SELECT 3"))
run(P("SELECT 1/0") + B + E + Q("SHOW STREAMS") + S + Q("SELECT 4"))
Pn = lambda name, q: msg(b"P", cstr(name) + cstr(q) + struct.pack("!h", 0))
Bn = lambda portal, stmt: msg(b"B", cstr(portal) + cstr(stmt) + struct.pack("!hhh", 0, 0, 0))
En = lambda portal, limit=0: msg(b"E", cstr(portal) + struct.pack("!i", limit))
D = lambda what, name: msg(b"D", what + cstr(name))
C = lambda what, name: msg(b"C", what + cstr(name))
# A named statement across Syncs, Describe of statement and portal, a row
# limit (PortalSuspended), Close; a closed name is the backend's again.
run(Q("CREATE STREAM e2e_x (v int)") + Pn("ss", "SHOW STREAMS") + D(b"S", "ss") + S +
    Bn("p1", "ss") + D(b"P", "p1") + En("p1", 1) + En("p1", 1) + S + Bn("", "ss") + En("") +
    C(b"S", "ss") + S + Bn("", "ss") + S + Q("SELECT 6"))
# Sluice and relayed statements in one pipeline; DDL over Parse/Bind/Execute.
run(P("SHOW STREAMS") + B + E + P("SELECT 8") + B + E + S +
    P("CREATE STREAM e2e_z (v int)") + B + D(b"P", "") + E + S + Q("SHOW STREAMS"))
# Errors: discard until Sync; duplicate names; several statements.
run(Pn("d", "SHOW STREAMS") + Pn("d", "SHOW STREAMS") + B + E + S +
    P("SHOW STREAMS; SELECT 1") + S + Bn("", "d") + E + S + En("nope") + S + Q("SELECT 9"))
# Transaction blocks: DDL runs in the block and rolls back with it; a
# Sluice error aborts the backend's transaction too (25P02 for what
# follows); SHOW works in a block.
run(Q("BEGIN") + P("CREATE STREAM e2e_y (v int)") + B + D(b"P", "") + E + S +
    Q("SELECT 7") + Q("ROLLBACK") + Q("BEGIN") + P("SHOW STREAMS") + B + E + S + Q("COMMIT") +
    Q("BEGIN; CREATE STREAM e2e_y (v int)") + Q("SELECT 7") + Q("ROLLBACK") +
    Q("BEGIN") + Q("CREATE STREAM e2e_s (v int)") + Q("SELECT 7") + Q("ROLLBACK") +
    P("DROP STREAM e2e_x") + B + E + P("DROP STREAM e2e_z") + B + E + S)
# Relayed and Sluice Queries in one read (the relay's fast path takes the
# relayed ones at its head and stops at the first Sluice one): an INSERT
# into a stream, in any case, is Sluice's; into a table, the backend's.
run(Q("SELECT 1") + Q("select 2") + Q("insert INTO e2e_s (a) VALUES (1)") + Q("SELECT 3") +
    Q("CREATE TEMP TABLE e2e_t (a int)") + Q("INSERT INTO e2e_t VALUES (1)") +
    Q("INSERT INTO \"e2e_s\" (a) VALUES (2), (3)") + Q("SELECT 4;") + Q("SELECT 5; SHOW STREAMS"), warm=True)
PYEOF
)
    check "pipelined messages around Sluice statements" \
"T D:1 C:SELECT 1 Z:I 1 2 D:10 C:SELECT 1 T D:e2e_s|a integer, b text|0 C:SHOW T D:2 C:SELECT 1 Z:I 1 2 D:11 C:SELECT 1 1 2 D:e2e_s|a integer, b text|0 C:SHOW Z:I T D:3 C:SELECT 1 Z:I
1 E:22012 Z:I T D:4 C:SELECT 1 Z:I
C:CREATE STREAM Z:I 1 t:0 T Z:I 2 T D:e2e_s|a integer, b text|0 s D:e2e_x|v integer|0 C:SHOW Z:I 2 D:e2e_s|a integer, b text|0 D:e2e_x|v integer|0 C:SHOW 3 Z:I E:26000 Z:I T D:6 C:SELECT 1 Z:I
1 2 D:e2e_s|a integer, b text|0 D:e2e_x|v integer|0 C:SHOW 1 2 D:8 C:SELECT 1 Z:I 1 2 n C:CREATE STREAM Z:I T D:e2e_s|a integer, b text|0 D:e2e_x|v integer|0 D:e2e_z|v integer|0 C:SHOW Z:I
1 E:42P05 Z:I E:42601 Z:I 2 D:e2e_s|a integer, b text|0 D:e2e_x|v integer|0 D:e2e_z|v integer|0 C:SHOW Z:I E:34000 Z:I T D:9 C:SELECT 1 Z:I
C:BEGIN Z:T 1 2 n C:CREATE STREAM Z:T T D:7 C:SELECT 1 Z:T C:ROLLBACK Z:I C:BEGIN Z:T 1 2 D:e2e_s|a integer, b text|0 D:e2e_x|v integer|0 D:e2e_z|v integer|0 C:SHOW Z:T C:COMMIT Z:I C:BEGIN C:CREATE STREAM Z:T T D:7 C:SELECT 1 Z:T C:ROLLBACK Z:I C:BEGIN Z:T E:42P07 Z:E E:25P02 Z:E C:ROLLBACK Z:I 1 2 C:DROP STREAM 1 2 C:DROP STREAM Z:I
T D:1 C:SELECT 1 Z:I T D:2 C:SELECT 1 Z:I C:INSERT 0 1 Z:I T D:3 C:SELECT 1 Z:I C:CREATE TABLE Z:I C:INSERT 0 1 Z:I C:INSERT 0 2 Z:I T D:4 C:SELECT 1 Z:I T D:5 C:SELECT 1 T D:e2e_s|a integer, b text|0 C:SHOW Z:I" "$got"
fi
check "still serving" "ok" "$(sq -At -c "SELECT 'ok'")"

# Stop: an idle session is told why it ends.
psql -X -h 127.0.0.1 -p "$PORT" -U postgres -c 'SELECT pg_sleep(20)' >"$out.stop" 2>&1 &
spid=$!
sleep 1
sluiced_stop
wait "$spid" || true
contains "FATAL 57P01 on stop" "terminating connection due to administrator command" \
    "$(cat "$out.stop")"
echo "pgwire e2e: all passed"
