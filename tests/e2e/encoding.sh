#!/bin/sh
# tests/e2e/encoding.sh: Sluice statements and their answers follow the
# session's client_encoding, as PostgreSQL converts a query and its answer
# (psql, a real sluiced started with PGCLIENTENCODING=LATIN1 in its own
# environment, which must not leak into its catalog):
#   - a LATIN1 client's CREATE STREAM "café" (byte 0xe9) makes a stream
#     named café in UTF-8: SHOW STREAMS shows it in LATIN1 to that client
#     and in UTF-8 to a UTF8 client, the catalog row is UTF-8, HTTP ingest
#     into /v1/streams/caf%C3%A9 works;
#   - a view with a LATIN1 string literal in WHERE counts UTF-8 events;
#   - error texts (a name) come back in LATIN1; error positions count
#     characters (psql's caret under the right word, for a byte 0xa3 that
#     is a continuation byte in UTF-8);
#   - a forwarded statement in the same Query as a Sluice one reaches the
#     backend in LATIN1;
#   - a DDL failing on the backend (its guard) answers in LATIN1 without the
#     context lines of sluiced's encoding wrapper;
#   - after a restart the names are the same bytes for both clients, ingest
#     and the view go on;
#   - SET client_encoding / \encoding mid-session is followed: a WIN1252
#     client's euro sign (0x80) is U+20AC; a LATIN1 client's SHOW STREAMS
#     then fails with 22P05 (no equivalent), as PostgreSQL would;
#   - bytes invalid in the encoding: 22021 (UTF8, EUC_JP), nothing created;
#   - EUC_JP names round-trip;
#   - ROLLBACK TO SAVEPOINT's check query finds a LATIN1 session's streams.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
pg_start
export PGCLIENTENCODING=LATIN1 LC_ALL=C
sluiced_start --flush-interval 50
export PGCLIENTENCODING=UTF8
W=$PGTEST_DIR/enc
mkdir -p "$W"

# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        printf '%s\n' "$2" | od -c >"$W/want"
        printf '%s\n' "$3" | od -c >"$W/got"
        diff -u "$W/want" "$W/got" || true
        fail "$1"
    fi
}
# contains NAME TEXT NEEDLE / lacks NAME TEXT NEEDLE
contains() {
    case $2 in *"$3"*) pass "$1" ;; *) printf '%s\n' "$2"; fail "$1" ;; esac
}
lacks() {
    case $2 in *"$3"*) printf '%s\n' "$2"; fail "$1" ;; *) pass "$1" ;; esac
}
# sq ENCODING ARGS: psql through sluiced as a client of that encoding,
# errors (with their SQLSTATE) kept.
sq() {
    enc=$1
    shift
    PGCLIENTENCODING=$enc psql -X -q -At -v VERBOSITY=verbose -h 127.0.0.1 \
        -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@" 2>&1 || true
}
# sf ENCODING: the same with the script on stdin (printf's octal bytes)
sf() { sq "$1" -f -; }
names() { cut -d'|' -f1 | sort | tr '\n' ' '; }
post() {
    curl -s -m 4 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
        --data-binary "$2" "http://$SLUICE_HTTP/v1/streams/$1" || echo 000
}
until_eq() {
    want=$1
    shift
    i=0
    while [ "$("$@" 2>/dev/null)" != "$want" ] && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    "$@" 2>/dev/null || true
}
CAFE_L=$(printf 'caf\351')          # café in LATIN1
CAFE_U=$(printf 'caf\303\251')      # café in UTF-8

# ---- a LATIN1 client creates café ----
out=$(printf 'CREATE STREAM "caf\351" (n text, v int);\n' | sf LATIN1)
check "LATIN1 CREATE STREAM runs" "" "$out"
check "SHOW STREAMS to the LATIN1 client: LATIN1 bytes" "$CAFE_L " \
    "$(sq LATIN1 -c 'SHOW STREAMS' | names)"
check "SHOW STREAMS to a UTF8 client: UTF-8 bytes" "$CAFE_U " \
    "$(sq UTF8 -c 'SHOW STREAMS' | names)"
check "the catalog row is UTF-8" "636166c3a9" \
    "$(pgq -c "SELECT encode(convert_to(name, 'UTF8'), 'hex') FROM sluice.streams")"
check "HTTP ingest into /v1/streams/caf%C3%A9" "200" "$(post 'caf%C3%A9' '{"n":"x","v":1}')"

# ---- a view whose WHERE holds a LATIN1 literal ----
out=$(printf "CREATE CONTINUOUS VIEW cv AS SELECT count(*) AS c FROM \"caf\351\" WHERE n = 'cr\350me';\n" | sf LATIN1)
check "LATIN1 CREATE CONTINUOUS VIEW runs" "" "$out"
post 'caf%C3%A9' "$(printf '{"n":"cr\303\250me","v":1}\n{"n":"creme","v":1}\n{"n":"cr\303\250me","v":2}')" >/dev/null
check "the LATIN1 literal matches UTF-8 events" "2" \
    "$(until_eq 2 pgq -c 'SELECT c FROM cv')"

# ---- errors and positions ----
out=$(printf 'DROP STREAM "nul\351";\n' | sf LATIN1)
contains "an error names the stream in LATIN1" "$out" \
    "$(printf '42P01: stream "nul\351" does not exist')"
# 0xa3 (pound sign) is a continuation byte in UTF-8: counted as a character
out=$(printf 'CREATE CONTINUOUS VIEW "v\243" AS SELECT nosuch FROM "caf\351";\n' | sf LATIN1)
contains "42703 for the unknown column" "$out" '42703: column "nosuch" does not exist'
line=$(printf '%s\n' "$out" | grep '^LINE 1:' || true)
caret=$(printf '%s\n' "$out" | grep '^ *^$' || true)
check "the caret is under the column (character positions)" \
    "$(printf '%s' "$line" | awk '{ print index($0, "nosuch") }')" \
    "$(printf '%s' "$caret" | awk '{ print index($0, "^") }')"
out=$(printf "SELECT 'cr\350me' AS w; SHOW STREAMS;\n" | sf LATIN1)
contains "a forwarded statement beside a Sluice one reaches the backend in LATIN1" "$out" \
    "$(printf 'cr\350me')"
check "and only in LATIN1" "$(printf 'cr\350me\n%s|n text, v integer|1' "$CAFE_L")" "$out"

# a DDL refused by its guard on the backend (the row appeared behind
# sluiced's back): the backend's error, in LATIN1, with no wrapper context
pgq -c "INSERT INTO sluice.views (name, schema_name, stream, sql) VALUES ('dup$(printf '\303\251')', 'public', '$CAFE_U', 'x')" >/dev/null
out=$(printf 'CREATE STREAM "dup\351" (a int);\n' | sf LATIN1)
contains "the guard's error comes back in LATIN1" "$out" \
    "$(printf '42P07: relation "dup\351" already exists')"
lacks "without the wrapper's context" "$out" "SQL statement"
lacks "nor its EXECUTE" "$out" "at EXECUTE"
pgq -c "DELETE FROM sluice.views WHERE name = 'dup$(printf '\303\251')'" >/dev/null

# ---- restart: the same names ----
sluiced_stop
export PGCLIENTENCODING=LATIN1
sluiced_start --flush-interval 50
export PGCLIENTENCODING=UTF8
check "after restart, LATIN1 client: same bytes" "$CAFE_L " \
    "$(sq LATIN1 -c 'SHOW STREAMS' | names)"
check "after restart, UTF8 client: same bytes" "$CAFE_U " \
    "$(sq UTF8 -c 'SHOW STREAMS' | names)"
check "after restart, HTTP ingest into café" "200" \
    "$(post 'caf%C3%A9' "$(printf '{"n":"cr\303\250me","v":3}')")"
check "after restart, the view's literal still matches" "3" \
    "$(until_eq 3 pgq -c 'SELECT c FROM cv')"
contains "SHOW CONTINUOUS VIEWS shows the literal in LATIN1" \
    "$(sq LATIN1 -c 'SHOW CONTINUOUS VIEWS')" "$(printf "n = 'cr\350me'")"

# ---- client_encoding changed mid-session ----
out=$(printf '\\encoding WIN1252\nCREATE STREAM "\200uro" (a int);\nSHOW STREAMS;\nSET client_encoding TO LATIN1;\nSHOW STREAMS;\n' | sf UTF8)
contains "psql encoding WIN1252: the euro sign as WIN1252" "$out" "$(printf '\200uro|')"
contains "SET client_encoding TO LATIN1: 22P05 for the euro sign" "$out" \
    '22P05: character with byte sequence 0xe2 0x82 0xac in encoding "UTF8" has no equivalent in encoding "LATIN1"'
check "a UTF8 client sees U+20AC" "$CAFE_U $(printf '\342\202\254uro') " \
    "$(sq UTF8 -c 'SHOW STREAMS' | names)"
out=$(printf 'SET client_encoding TO WIN1252;\nDROP STREAM "\200uro";\n' | sf LATIN1)
check "after SET client_encoding TO WIN1252 the LATIN1 client drops it" "" "$out"
check "gone" "$CAFE_U " "$(sq UTF8 -c 'SHOW STREAMS' | names)"
out=$(printf 'CREATE STREAM "x\201" (a int);\n' | sf WIN1252)
contains "a byte WIN1252 leaves unmapped: 22P05" "$out" \
    '22P05: character with byte sequence 0x81 in encoding "WIN1252" has no equivalent in encoding "UTF8"'

# ---- invalid byte sequences ----
out=$(printf 'CREATE STREAM "caf\351" (a int);\n' | sf UTF8)
contains "LATIN1 bytes from a UTF8 client: 22021" "$out" \
    '22021: invalid byte sequence for encoding "UTF8": 0xe9 0x22 0x20'
out=$(printf 'CREATE STREAM "x\351A" (a int);\n' | sf EUC_JP)
contains "a broken EUC_JP sequence: 22021" "$out" \
    '22021: invalid byte sequence for encoding "EUC_JP": 0xe9 0x41'
out=$(printf 'BEGIN;\nCREATE STREAM "caf\351" (a int);\nSELECT 1;\nROLLBACK;\n' | sf UTF8)
contains "in a block, the error aborts it" "$out" "25P02"
check "nothing was created" "$CAFE_U " "$(sq UTF8 -c 'SHOW STREAMS' | names)"
out=$(printf 'CREATE STREAM "\306\374\313\334" (a int);\nSHOW STREAMS;\n' | sf EUC_JP)
contains "EUC_JP: a Japanese name round-trips" "$out" "$(printf '\306\374\313\334|')"
check "stored as UTF-8" "$CAFE_U $(printf '\346\227\245\346\234\254') " \
    "$(sq UTF8 -c 'SHOW STREAMS' | names)"

# ---- ROLLBACK TO SAVEPOINT: the check query names the block's streams ----
printf 'DROP STREAM "\346\227\245\346\234\254";\n' | sf UTF8 >/dev/null
out=$(printf 'BEGIN;\nCREATE STREAM "s\351" (a int);\nSAVEPOINT p;\nDROP STREAM "s\351";\nROLLBACK TO SAVEPOINT p;\nSHOW STREAMS;\nCOMMIT;\n' | sf LATIN1)
contains "after ROLLBACK TO SAVEPOINT the LATIN1 session still sees its stream" "$out" \
    "$(printf 's\351|')"
check "and COMMIT keeps it" "$CAFE_U $(printf 's\303\251') " \
    "$(sq UTF8 -c 'SHOW STREAMS' | names)"

# ---- the extended protocol: Parse text in, rows out ----
if command -v python3 >/dev/null 2>&1; then
    got=$(python3 - "$SLUICE_PGWIRE_PORT" <<'PYEOF'
import socket, struct, sys
port = int(sys.argv[1])
def msg(t, body=b""):
    return t + struct.pack("!i", 4 + len(body)) + body
s = socket.create_connection(("127.0.0.1", port))
body = b"user\0postgres\0client_encoding\0LATIN1\0\0"
s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
buf = b""
while not buf.endswith(b"Z\0\0\0\x05I"):
    buf += s.recv(65536)
P = lambda q: msg(b"P", b"\0" + q + b"\0" + struct.pack("!h", 0))
B = msg(b"B", b"\0\0" + struct.pack("!hhh", 0, 0, 0))
E = msg(b"E", b"\0" + struct.pack("!i", 0))
s.sendall(P(b'CREATE STREAM "x\xe9" (a int)') + B + E + msg(b"S") +
          P(b"SHOW STREAMS") + B + msg(b"D", b"P\0") + E + msg(b"S") + msg(b"X"))
out = b""
s.settimeout(10)
while True:
    d = s.recv(65536)
    if not d: break
    out += d
i = 0; res = []
while i < len(out):
    t = chr(out[i]); n = struct.unpack("!i", out[i+1:i+5])[0]; b = out[i+5:i+1+n]; i += 1 + n
    if t == "D":
        l = struct.unpack("!i", b[2:6])[0]; res.append("D:" + b[6:6+l].hex())
    elif t == "E": res.append("E:" + repr(b))
    elif t in "CZ": res.append(t + ":" + b.rstrip(b"\0").decode())
    else: res.append(t)
print(" ".join(res))
PYEOF
)
    check "extended protocol as LATIN1: Parse converted, rows converted back" \
        "1 2 C:CREATE STREAM Z:I 1 2 T D:636166e9 D:73e9 D:78e9 C:SHOW Z:I" "$got"
    check "and stored in UTF-8" "$CAFE_U $(printf 's\303\251 x\303\251') " \
        "$(sq UTF8 -c 'SHOW STREAMS' | names)"
fi

# ---- one Query of several Sluice statements (sluiced's own BEGIN/COMMIT) ----
out=$(printf 'CREATE STREAM "m\351" (a int); CREATE CONTINUOUS VIEW "mv\351" AS SELECT count(*) AS c FROM "m\351" WHERE a > 0;\n' | sf LATIN1)
check "a multi-statement LATIN1 Query runs" "" "$out"
check "its view, as a UTF8 client sees it" "cv $(printf 'mv\303\251') " \
    "$(sq UTF8 -c 'SHOW CONTINUOUS VIEWS' | names)"
post "m%C3%A9" '{"a":1}' >/dev/null
check "and it counts" "1" "$(until_eq 1 pgq -c "SELECT c FROM \"mv$(printf '\303\251')\"")"
out=$(printf 'DROP STREAM "m\351" CASCADE;\n' | sq LATIN1 -f - -v VERBOSITY=default)
# (quoted, as PostgreSQL's quote_identifier quotes a name with non-ASCII
# characters in its own cascade notices)
check "DROP ... CASCADE names the view in LATIN1" \
    "$(printf 'psql:<stdin>:1: NOTICE:  drop cascades to continuous view "mv\351"')" "$out"

sl_done
