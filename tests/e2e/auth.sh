#!/bin/sh
# tests/e2e/auth.sh: the backing PostgreSQL authenticates pgwire clients and
# its privileges apply to their sessions.  A throwaway PostgreSQL whose
# pg_hba.conf asks scram-sha-256 (alice, unknown roles), md5 (bob) and
# password (carol) on 127.0.0.1; sluiced's own --pg names a superuser with
# its password (never logged).  Through sluiced: right passwords log in as
# that role (current_user), a wrong password and an unknown role give 28P01,
# an unknown database 3D000, as PostgreSQL words them (psql; the SQLSTATE
# with a raw client); psycopg2 with SCRAM; AuthenticationSASL offered to a
# client lists no -PLUS mechanism over a TLS backend.  Privileges: without
# SELECT on the superuser's stream alice gets 42501; with it but
# without CREATE on schema public, 42501 for CREATE CONTINUOUS VIEW and the
# catalog stays unchanged; she cannot drop the superuser's view (42501, it
# stays everywhere) nor select from it without a grant; with CREATE on public
# her view and state table are hers, and the superuser may drop them.
# Databases: relayed statements run in the client's database; Sluice
# statements elsewhere are refused with a hint naming sluiced's database.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
command -v python3 >/dev/null 2>&1 || sl_skip "python3 is not installed"
pg_start

SUPW="su-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pgq -c "ALTER ROLE postgres PASSWORD '$SUPW'" \
    -c "CREATE ROLE alice LOGIN PASSWORD 'alice-pw'" \
    -c "SET password_encryption = 'md5'" -c "CREATE ROLE bob LOGIN PASSWORD 'bob-pw'" \
    -c "CREATE ROLE carol LOGIN PASSWORD 'carol-pw'" -c "CREATE DATABASE other" >/dev/null
cat >"$PGTEST_DIR/data/pg_hba.conf" <<HBA
local all all trust
host all bob 127.0.0.1/32 md5
host all carol 127.0.0.1/32 password
host all all 127.0.0.1/32 scram-sha-256
HBA
pgq -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
# from now on the superuser's own queries go over the unix socket (trust)
PGTEST_CONNINFO="host=$PGTEST_DIR port=$PGTEST_PORT user=postgres dbname=postgres"
direct=$(psql -X -At -d "host=127.0.0.1 port=$PGTEST_PORT user=alice dbname=postgres password=nope" \
    -c "SELECT 1" 2>&1 || true)
case $direct in *"password authentication failed"*) ;;
    *) sl_fail "pg_hba.conf not in force: $direct" ;; esac

sluiced_start --flush-interval 50 \
    --pg "host=127.0.0.1 port=$PGTEST_PORT user=postgres dbname=postgres password=$SUPW"

# psql through sluiced as $1 with password $2 (may be empty) on database $3
as() {
    u=$1 pw=$2 db=$3
    shift 3
    PGPASSWORD=$pw psql -X -q -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" \
        -U "$u" -d "$db" "$@" 2>&1 || true
}
expect() {  # what, wanted substring, output
    case $3 in *"$2"*) pass "$1" ;; *) fail "$1: wanted \"$2\", got: $3" ;; esac
}

# ---- authentication matrix (psql) ----
[ "$(as alice alice-pw postgres -c "SELECT current_user")" = alice ] &&
    pass "scram-sha-256: right password, current_user is alice" ||
    fail "alice with the right password: $(as alice alice-pw postgres -c "SELECT current_user")"
expect "scram-sha-256: wrong password refused" \
    'FATAL:  password authentication failed for user "alice"' \
    "$(as alice wrong postgres -c "SELECT 1")"
expect "scram-sha-256: unknown role refused as by PostgreSQL" \
    'FATAL:  password authentication failed for user "nobody"' \
    "$(as nobody whatever postgres -c "SELECT 1")"
expect "unknown database: 3D000's message" 'FATAL:  database "nodb" does not exist' \
    "$(as alice alice-pw nodb -c "SELECT 1")"
expect "no password given: psql is asked for one" "fe_sendauth: no password supplied" \
    "$(as alice '' postgres -w -c "SELECT 1")"
[ "$(as bob bob-pw postgres -c "SELECT current_user")" = bob ] &&
    pass "md5: right password, current_user is bob" || fail "bob (md5): $(as bob bob-pw postgres -c "SELECT 1")"
expect "md5: wrong password refused" 'password authentication failed for user "bob"' \
    "$(as bob wrong postgres -c "SELECT 1")"
[ "$(as carol carol-pw postgres -c "SELECT current_user")" = carol ] &&
    pass "password (cleartext): right password, current_user is carol" ||
    fail "carol (password): $(as carol carol-pw postgres -c "SELECT 1")"
[ "$(as postgres "$SUPW" postgres -c "SELECT current_user")" = postgres ] &&
    pass "the superuser with its password" || fail "superuser login failed"
grep -q -- "$SUPW" "$SLUICED_LOG" && fail "the --pg password is in sluiced's log" ||
    pass "the --pg password is not in sluiced's log"
[ "$(pgq -c "SELECT string_agg(DISTINCT usename, ',' ORDER BY usename) FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" = postgres ] &&
    pass "sluiced's own connections are the --pg user's" || fail "unexpected sessions"

# ---- SQLSTATEs with a raw client (cleartext password for carol and nobody) ----
cat >"$PGTEST_DIR/raw.py" <<'PY'
import socket, struct, sys
port, user, db, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port))
body = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0database\0" + db.encode() + b"\0\0"
s.sendall(struct.pack("!I", len(body) + 4) + body)
buf = b""
def msg():
    global buf
    while True:
        if len(buf) >= 5:
            n = struct.unpack("!I", buf[1:5])[0]
            if len(buf) >= 1 + n:
                t, b = buf[0:1], buf[5:1 + n]
                buf = buf[1 + n:]
                return t, b
        d = s.recv(65536)
        if not d:
            return None, b""
        buf += d
out = []
while True:
    t, b = msg()
    if t is None:
        out.append("eof"); break
    if t == b"R":
        code = struct.unpack("!I", b[:4])[0]
        if code == 10:
            out.append("sasl=" + ",".join(m.decode() for m in b[4:].split(b"\0") if m))
            break
        out.append("auth=%d" % code)
        if code == 3:
            p = pw.encode() + b"\0"
            s.sendall(b"p" + struct.pack("!I", len(p) + 4) + p)
    elif t == b"E":
        f = dict((x[0:1].decode(), x[1:].decode()) for x in b.split(b"\0") if x)
        out.append("code=" + f.get("C", "?")); break
    elif t == b"Z":
        out.append("ready"); break
print(" ".join(out))
PY
sed -i 's/^host all carol 127.0.0.1\/32 password$/host all carol,nobody 127.0.0.1\/32 password/' \
    "$PGTEST_DIR/data/pg_hba.conf"
pgq -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
raw() { python3 "$PGTEST_DIR/raw.py" "$SLUICE_PGWIRE_PORT" "$@"; }
expect "raw: right cleartext password reaches ReadyForQuery" "auth=3 auth=0 ready" \
    "$(raw carol postgres carol-pw)"
expect "raw: wrong password is 28P01" "auth=3 code=28P01" "$(raw carol postgres bad)"
expect "raw: unknown role is 28P01" "auth=3 code=28P01" "$(raw nobody postgres any)"
expect "raw: unknown database is 3D000" "code=3D000" "$(raw carol nodb carol-pw)"
expect "raw: SASL offers SCRAM-SHA-256" "sasl=SCRAM-SHA-256" "$(raw alice postgres x)"

# ---- psycopg2 with SCRAM ----
# Debian's python3-psycopg2 is for Debian's python3, which another python3
# earlier in PATH may hide.
PY=
for p in /usr/bin/python3 python3; do
    "$p" -c 'import psycopg2' 2>/dev/null && { PY=$p; break; }
done
if [ -n "$PY" ]; then
    out=$("$PY" - "$SLUICE_PGWIRE_PORT" <<'PY' 2>&1 || true
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="alice",
                     password="alice-pw", dbname="postgres")
cur = c.cursor()
cur.execute("SELECT current_user, current_database()")
print("|".join(cur.fetchone()))
try:
    psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="alice",
                     password="bad", dbname="postgres")
except psycopg2.OperationalError as e:
    print("refused:", str(e).strip().splitlines()[-1])
PY
)
    expect "psycopg2: SCRAM login as alice" "alice|postgres" "$out"
    expect "psycopg2: wrong password refused" 'password authentication failed for user "alice"' "$out"
else
    echo "psycopg2 not installed: its checks skipped"
fi

# ---- privileges: alice against the superuser's objects ----
# alice needs no grants on sluiced's catalog (row-level security lets her
# add and remove the rows of what she may create and drop), but a view over
# the superuser's stream needs SELECT on it (tests/e2e/privileges.sh has
# the whole matrix).
su() { as postgres "$SUPW" postgres "$@"; }
su -c "CREATE STREAM ev (k integer)" -c "CREATE CONTINUOUS VIEW v AS SELECT count(*) AS n FROM ev" >/dev/null
[ "$(su -c "SELECT count(*) FROM v")" = 1 ] || fail "the superuser's view is not there"
expect "alice without SELECT on the stream: 42501" \
    "ERROR:  42501: permission denied for stream ev" \
    "$(as alice alice-pw postgres -c "CREATE CONTINUOUS VIEW va AS SELECT count(*) AS n FROM ev")"
su -c "GRANT SELECT ON STREAM ev TO alice" >/dev/null
expect "alice: CREATE CONTINUOUS VIEW without CREATE on schema public: 42501" \
    "ERROR:  42501: permission denied for schema public" \
    "$(as alice alice-pw postgres -c "CREATE CONTINUOUS VIEW va AS SELECT count(*) AS n FROM ev")"
[ "$(pgq -c "SELECT count(*) FROM sluice.views WHERE name = 'va'")" = 0 ] &&
    [ "$(pgq -c "SELECT count(*) FROM pg_class WHERE relname = 'va'")" = 0 ] &&
    pass "the refused view left no catalog row and no relation" || fail "va half-created"
expect "the refused view is not in sluiced's catalog" "ERROR:  42P01" \
    "$(su -c "DROP CONTINUOUS VIEW va")"
out=$(as alice alice-pw postgres -c "DROP CONTINUOUS VIEW v")
expect "alice: DROP CONTINUOUS VIEW of the superuser's view: 42501" "ERROR:  42501: must be owner of" "$out"
[ "$(su -c "SELECT count(*) FROM v")" = 1 ] && [ "$(pgq -c "SELECT count(*) FROM sluice.views WHERE name = 'v'")" = 1 ] &&
    [ "$(su -c "SHOW CONTINUOUS VIEWS" | cut -d'|' -f1 | tr '\n' ' ')" = "v " ] &&
    pass "the view survives alice's DROP (tables, catalog row, sluiced's catalog)" ||
    fail "the view is gone after alice's DROP"
expect "alice: SELECT from a view without a grant: 42501" "ERROR:  42501: permission denied for view v" \
    "$(as alice alice-pw postgres -c "SELECT * FROM v")"
su -c "GRANT SELECT ON v TO alice" >/dev/null
[ "$(as alice alice-pw postgres -c "SELECT count(*) FROM v")" = 1 ] &&
    pass "alice: SELECT after GRANT SELECT" || fail "alice cannot select after the grant"
pgq -c "GRANT CREATE ON SCHEMA public TO alice" >/dev/null
out=$(as alice alice-pw postgres -c "CREATE CONTINUOUS VIEW va AS SELECT count(*) AS n FROM ev")
[ -z "$out" ] &&
    [ "$(pgq -c "SELECT string_agg(relname || ':' || relowner::regrole::text, ',' ORDER BY relname)
                 FROM pg_class WHERE relname = 'va'")" = "va:alice,va:alice" ] &&
    pass "alice with CREATE on public: her view and state table are owned by alice" ||
    fail "alice's CREATE with the grant: $out"
out=$(su -c "DROP CONTINUOUS VIEW va")
[ -z "$out" ] && [ "$(pgq -c "SELECT count(*) FROM pg_class WHERE relname = 'va'")" = 0 ] &&
    pass "the superuser may drop alice's view" || fail "the superuser's DROP of va: $out"

# ---- databases ----
[ "$(as postgres "$SUPW" other -c "SELECT current_database()")" = other ] &&
    pass "relayed statements run in the client's database" || fail "not in database other"
out=$(as postgres "$SUPW" other -c "SHOW STREAMS")
expect "a Sluice statement in another database is refused (0A000)" \
    'ERROR:  0A000: Sluice statements cannot run in database "other"' "$out"
expect "the hint names sluiced's database" 'HINT:  Connect to database "postgres"' "$out"
expect "CREATE STREAM in another database too" "ERROR:  0A000" \
    "$(as postgres "$SUPW" other -c "CREATE STREAM ev2 (k integer)")"
[ "$(su -c "SELECT 'still'")" = still ] && pass "sluiced still serves" || fail "sluiced broken"

# ---- SASL over a TLS backend: no SCRAM-SHA-256-PLUS reaches the client ----
if command -v openssl >/dev/null 2>&1; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PGTEST_DIR/data/k.pem" \
        -out "$PGTEST_DIR/data/c.pem" -days 2 -subj "/CN=127.0.0.1" >/dev/null 2>&1
    [ "$(id -u)" = 0 ] && chown postgres: "$PGTEST_DIR/data/c.pem" "$PGTEST_DIR/data/k.pem"
    chmod 600 "$PGTEST_DIR/data/k.pem"
    pgq -c "ALTER SYSTEM SET ssl = on" -c "ALTER SYSTEM SET ssl_cert_file = 'c.pem'" \
        -c "ALTER SYSTEM SET ssl_key_file = 'k.pem'" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
    sluiced_stop
    sluiced_start --pg "host=127.0.0.1 port=$PGTEST_PORT user=postgres dbname=postgres password=$SUPW sslmode=require"
    expect "TLS backend: SASL offered without -PLUS" "sasl=SCRAM-SHA-256" "$(raw alice postgres x)"
    case $(raw alice postgres x) in *PLUS*) fail "SCRAM-SHA-256-PLUS offered to the client" ;; esac
    [ "$(as alice alice-pw postgres -c "SELECT current_user || ' ' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")" = "alice true" ] &&
        pass "TLS backend: alice logs in with SCRAM over the relayed TLS session" ||
        fail "alice over TLS: $(as alice alice-pw postgres -c "SELECT 1")"
fi
sluiced_stop

sl_done "auth: all checks passed"
