#!/bin/sh
# tests/e2e/backend_pool.sh: backend connections kept for the next client
# (src/net/pgwire_pool.c).  A throwaway PostgreSQL whose pg_hba.conf
# trusts postgres and dave on 127.0.0.1 and asks alice for scram-sha-256.
#   - reuse: consecutive sessions with the same user, database and settings
#     get the same backend (pg_backend_pid);
#   - reset: what the first left (temp table, SET, PREPARE, advisory lock,
#     LISTEN, SET SESSION AUTHORIZATION, a cursor WITH HOLD) is gone for
#     the second, and its ParameterStatus values (psycopg2) equal those of
#     a direct connection, though the first changed DateStyle,
#     IntervalStyle, TimeZone, application_name and client_encoding;
#   - never shared: another user, database or application_name, or a
#     session that ended inside a transaction block (its lock is gone);
#     a password-authenticated role (scram) never gets a kept backend: the
#     wrong password after a right one is still 28P01;
#   - a kept backend killed by pg_terminate_backend is dropped and the next
#     client gets a fresh one with no error;
#   - the last client's cancel key cancels nothing of the next client (raw
#     CancelRequest), the new key does (57014);
#   - a client killed mid-query leaves no kept backend; a backend stopped
#     during its DISCARD ALL makes the next client wait (then get it, or a
#     new one past pg_timeout); a PostgreSQL restart under a kept backend
#     and a SIGKILLed sluiced leave nothing behind;
#   - limits: --backend-pool-size caps what is kept, --backend-idle-timeout
#     closes it, 0 turns keeping off, kept backends give way to sessions
#     under --max-client-connections, and a stopped sluiced leaves none.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
# Debian's python3-psycopg2 is for Debian's python3, which another python3
# on PATH may hide
PY=
for p in /usr/bin/python3 python3; do
    if "$p" -c "import psycopg2" 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || sl_skip "psycopg2 is not installed (apt-get install python3-psycopg2)"
pg_start

pgq -c "CREATE ROLE alice LOGIN PASSWORD 'alice-pw'" -c "CREATE ROLE dave LOGIN" \
    -c "CREATE DATABASE other" -c "CREATE TABLE locked (a int)" \
    -c "GRANT ALL ON locked TO PUBLIC" >/dev/null
cat >"$PGTEST_DIR/data/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host all dave 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
pgq -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
PGTEST_CONNINFO="host=$PGTEST_DIR port=$PGTEST_PORT user=postgres dbname=postgres"
# sluiced (and so its clients' backends) over TCP, where pg_hba.conf judges
TCP="host=127.0.0.1 port=$PGTEST_PORT user=postgres dbname=postgres"

sluiced_start --pg "$TCP"
# q USER DB [psql args]: psql through sluiced
q() {
    u=$1 db=$2
    shift 2
    psql -X -q -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U "$u" -d "$db" "$@" 2>&1 || true
}
# pid USER DB [APPNAME [PASSWORD]]: the backend pid of a session, or psql's error
pid() {
    PGAPPNAME=${3:-psql} PGPASSWORD=${4:-} q "$1" "$2" -c "SELECT pg_backend_pid()"
}
# kept_pid PID: waits (5 s at most) until backend PID is reset and idle
kept_pid() {
    i=0
    while [ "$(pgq -c "SELECT query FROM pg_stat_activity WHERE pid = $1")" != "DISCARD ALL" ] &&
        [ $i -lt 100 ]; do
        i=$((i + 1))
        sleep 0.05
    done
}
# kept N APP: waits until PostgreSQL shows N idle backends of application
# APP (kept ones, reset by DISCARD ALL), 5 s at most; prints the count.
kept() {
    i=0
    while :; do
        n=$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$2' AND state = 'idle' AND query = 'DISCARD ALL'")
        [ "$n" = "$1" ] || [ $i -ge 100 ] && break
        i=$((i + 1))
        sleep 0.05
    done
    echo "$n"
}

# ---- reuse ----
p1=$(pid postgres postgres)
p2=$(pid postgres postgres)
p3=$(pid postgres postgres)
[ -n "$p1" ] && [ "$p1" = "$p2" ] && [ "$p2" = "$p3" ] &&
    pass "three sessions in turn share one backend ($p1)" ||
    fail "no reuse: backend pids $p1, $p2, $p3"
kept_pid "$p1"
n=$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE pid = $p1 AND query = 'DISCARD ALL'")
[ "$n" = 1 ] && pass "the kept backend was reset with DISCARD ALL" ||
    fail "the kept backend's last query was not DISCARD ALL: $(pgq -c "SELECT query FROM pg_stat_activity WHERE pid = $p1")"

# ---- reset of session state ----
out=$(q postgres postgres -c "CREATE TEMP TABLE tmp_left (a int)" -c "SET work_mem = '1MB'" \
    -c "PREPARE left_stmt AS SELECT 1" -c "SELECT pg_advisory_lock(4242)" -c "LISTEN left_chan" \
    -c "BEGIN" -c "DECLARE held CURSOR WITH HOLD FOR SELECT 1" -c "COMMIT" \
    -c "SET SESSION AUTHORIZATION dave" -c "SELECT pg_backend_pid(), current_user" | tail -n 1)
case $out in "$p1|dave") pass "session 1 left state behind on backend $p1" ;;
    *) fail "session 1: $out" ;; esac
kept_pid "$p1"
out=$(q postgres postgres -c "SELECT pg_backend_pid(), current_user, session_user,
        (SELECT setting = reset_val FROM pg_settings WHERE name = 'work_mem'),
        (SELECT count(*) FROM pg_prepared_statements),
        (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
        (SELECT count(*) FROM pg_listening_channels()),
        (SELECT count(*) FROM pg_cursors),
        to_regclass('pg_temp.tmp_left') IS NULL")
case $out in "$p1|postgres|postgres|t|0|0|0|0|t") pass "session 2 on the same backend finds none of it: $out" ;;
    *) fail "session 2 after reset: $out" ;; esac

# ---- ParameterStatus of a kept backend = a direct connection's ----
cat >"$PGTEST_DIR/params.py" <<'PY'
import sys, psycopg2
names = ["application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
         "in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser",
         "server_encoding", "server_version", "session_authorization",
         "standard_conforming_strings", "TimeZone"]
relay, direct = sys.argv[1], sys.argv[2]
c = psycopg2.connect(relay + " application_name=paramapp")
c.autocommit = True
cur = c.cursor()
cur.execute("SELECT pg_backend_pid()")
first = cur.fetchone()[0]
cur.execute("SET DateStyle = 'German'; SET IntervalStyle = 'sql_standard'; "
            "SET TimeZone = 'Asia/Tokyo'; SET application_name = 'changed'; "
            "SET client_encoding = 'LATIN1'")
c.close()
c = psycopg2.connect(relay + " application_name=paramapp")
cur = c.cursor()
cur.execute("SELECT pg_backend_pid()")
second = cur.fetchone()[0]
d = psycopg2.connect(direct + " application_name=paramapp")
bad = [(n, c.get_parameter_status(n), d.get_parameter_status(n)) for n in names
       if c.get_parameter_status(n) != d.get_parameter_status(n)]
cur.execute("SELECT current_setting('DateStyle'), to_char(now() AT TIME ZONE 'UTC', 'YYYY') <> ''")
print("same" if first == second else "other", bad, cur.fetchone()[0])
PY
out=$("$PY" "$PGTEST_DIR/params.py" \
    "host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres" \
    "host=127.0.0.1 port=$PGTEST_PORT user=postgres dbname=postgres" 2>&1 || true)
case $out in "same [] ISO, MDY") pass "psycopg2 on a kept backend: every ParameterStatus as a direct connection's" ;;
    *) fail "ParameterStatus of a kept backend: $out" ;; esac

# ---- a client that reconnects at once waits for its backend's reset ----
cat >"$PGTEST_DIR/loop.py" <<'PY'
import sys, psycopg2
pids = []
for i in range(50):
    c = psycopg2.connect(sys.argv[1] + " application_name=loopapp")
    c.autocommit = True
    cur = c.cursor()
    cur.execute("SET work_mem = '%dkB'; SELECT pg_backend_pid(), current_setting('work_mem')" % (1024 + i))
    pid, wm = cur.fetchone()
    pids.append(pid)
    c.close()
print(len(set(pids)), len(pids))
PY
out=$("$PY" "$PGTEST_DIR/loop.py" "host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres" 2>&1 || true)
[ "$out" = "1 50" ] && pass "50 sessions opened right after each other's end share one backend" ||
    fail "50 back-to-back sessions: distinct backends, sessions = $out"

# ---- the cancel key of a session's last client cancels nothing of the next ----
cat >"$PGTEST_DIR/cancel.py" <<'PY'
import socket, struct, sys, threading, time, psycopg2
port = int(sys.argv[1])
def startup():
    s = socket.create_connection(("127.0.0.1", port))
    body = struct.pack("!i", 196608) + b"user\0postgres\0database\0postgres\0application_name\0cancelapp\0\0"
    s.sendall(struct.pack("!i", len(body) + 4) + body)
    key = None
    buf = b""
    while True:
        while len(buf) < 5 or len(buf) < 1 + struct.unpack("!i", buf[1:5])[0]:
            buf += s.recv(65536)
        t, n = buf[0:1], struct.unpack("!i", buf[1:5])[0]
        msg, buf = buf[5:1 + n], buf[1 + n:]
        if t == b"K":
            key = struct.unpack("!ii", msg)
        if t == b"Z":
            return s, key
def cancel(pid, key):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack("!iiii", 16, 80877102, pid, key))
    s.recv(1)
    s.close()
s, old = startup()
s.sendall(b"X\0\0\0\4")
s.close()
time.sleep(0.3)
c = psycopg2.connect("host=127.0.0.1 port=%d user=postgres dbname=postgres application_name=cancelapp" % port)
cur = c.cursor()
cur.execute("SELECT pg_backend_pid()")
same = cur.fetchone()[0] == old[0]
threading.Timer(0.3, cancel, old).start()
try:
    cur.execute("SELECT pg_sleep(1)")
    stale = "not cancelled"
except psycopg2.Error as e:
    stale = "cancelled " + str(e.pgcode)
c.rollback()
threading.Timer(0.3, c.cancel).start()
try:
    cur.execute("SELECT pg_sleep(5)")
    own = "not cancelled"
except psycopg2.Error as e:
    own = "cancelled " + str(e.pgcode)
print(same, stale, own)
PY
out=$("$PY" "$PGTEST_DIR/cancel.py" "$SLUICE_PGWIRE_PORT" 2>&1 || true)
case $out in "True not cancelled cancelled 57014")
    pass "on a kept backend the last client's cancel key cancels nothing; the new client's own does (57014)" ;;
    *) fail "cancel keys across a kept backend: $out" ;; esac

# ---- never shared ----
pd=$(pid dave postgres)
[ -n "$pd" ] && [ "$pd" != "$p1" ] && pass "another user gets another backend" ||
    fail "dave got backend $pd (postgres has $p1)"
po=$(pid postgres other)
[ -n "$po" ] && [ "$po" != "$p1" ] && [ "$po" != "$pd" ] && pass "another database gets another backend" ||
    fail "database other got backend $po"
pa=$(pid postgres postgres app2)
[ -n "$pa" ] && [ "$pa" != "$p1" ] && pass "another application_name gets another backend" ||
    fail "application_name app2 got backend $pa"
kept_pid "$pa"
[ "$(pid postgres postgres app2)" = "$pa" ] &&
    pass "... and keeps its own for the next app2 session" || fail "app2 not reused"

pt=$(q postgres postgres -c "BEGIN" -c "LOCK TABLE locked IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_backend_pid()")
sleep 0.2
pn=$(pid postgres postgres)
[ -n "$pt" ] && [ "$pt" != "$pn" ] && pass "a session ended inside a transaction block: its backend is not kept" ||
    fail "backend $pt of an open transaction block served the next session ($pn)"
lk=$(pgq -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'locked'")
[ "$lk" = 0 ] && pass "... and its lock is gone" || fail "the table lock is still held ($lk)"

# a client killed (SIGKILL) in the middle of a query: its backend still
# owes the answer, so it is not kept and the next session gets another;
# the backend ends once its query does (PostgreSQL notices the closed
# socket only then, as with a direct client)
psql -X -q -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "SELECT pg_backend_pid(), pg_sleep(2)" >/dev/null 2>&1 &
wk=$!
i=0
while pm=$(pgq -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_backend_pid(), pg_sleep(2)%' AND pid <> pg_backend_pid()") &&
    [ -z "$pm" ] && [ $i -lt 100 ]; do
    i=$((i + 1))
    sleep 0.05
done
kill -KILL "$wk"
wait "$wk" 2>/dev/null || true
pn=$(pid postgres postgres)
[ -n "$pm" ] && [ "$pn" != "$pm" ] && pass "a client killed mid-query: its backend is not kept ($pm, then $pn)" ||
    fail "client killed mid-query: backend $pm, next session $pn"
i=0
while [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE pid = 0$pm")" != 0 ] && [ $i -lt 200 ]; do
    i=$((i + 1))
    sleep 0.05
done
[ $i -lt 200 ] && pass "... and that backend ends with its query, not kept" ||
    fail "backend $pm of the killed client still there 10 s after its 2 s query: $(pgq -c "SELECT state, query FROM pg_stat_activity WHERE pid = 0$pm")"

a1=$(pid alice postgres psql alice-pw)
case $a1 in *[!0-9]*|'') fail "alice with the right password: $a1" ;;
    *) pass "alice logs in with scram-sha-256" ;; esac
out=$(pid alice postgres psql wrong)
case $out in *'password authentication failed for user "alice"'*)
    pass "the wrong password right after alice's session is refused (28P01)" ;;
    *) fail "wrong password after a right one: $out" ;; esac
a2=$(pid alice postgres psql alice-pw)
[ -n "$a2" ] && [ "$a2" != "$a1" ] && pass "a password-authenticated backend is never kept ($a1, then $a2)" ||
    fail "alice's backend was reused: $a1, $a2"
n=$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'alice'")
[ "$n" = 0 ] && pass "no backend of alice is left open" || fail "$n backends of alice left open"

# ---- a kept backend killed ----
pk=$(pid postgres postgres)
kept_pid "$pk"
pgq -c "SELECT pg_terminate_backend($pk)" >/dev/null
sleep 0.3
out=$(q postgres postgres -c "SELECT pg_backend_pid(), 1")
case $out in "$pk|1") fail "the terminated backend $pk served again" ;;
    [0-9]*"|1") pass "a kept backend terminated by PostgreSQL is dropped; the next session just works" ;;
    *) fail "after pg_terminate_backend of a kept backend: $out" ;; esac
grep -q "kept backend connection (pid $pk) ended" "$SLUICED_LOG" &&
    pass "sluiced logs the kept backend's end" || fail "no log line for the terminated kept backend"
sluiced_stop
i=0
while n=$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()") &&
    [ "$n" != 0 ] && [ $i -lt 100 ]; do
    i=$((i + 1))
    sleep 0.05
done
[ "$n" = 0 ] && pass "a stopped sluiced leaves no backend open" || fail "$n backends left after sluiced stopped"

# ---- PostgreSQL restarted, sluiced killed, with backends kept ----
sluiced_start --pg "$TCP"
pr=$(pid postgres postgres)
kept_pid "$pr"
pg_down
pg_up
out=$(q postgres postgres -c "SELECT 1")
[ "$out" = 1 ] && pass "PostgreSQL restarted under a kept backend: the next session just works" ||
    fail "after a PostgreSQL restart with a kept backend: $out"
pr=$(pid postgres postgres)
kept_pid "$pr"
kill -KILL "$SLUICED_PID"
wait "$SLUICED_PID" 2>/dev/null || true
SLUICED_PID=
i=0
while [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE pid = $pr")" != 0 ] && [ $i -lt 100 ]; do
    i=$((i + 1))
    sleep 0.05
done
[ $i -lt 100 ] && pass "sluiced killed (SIGKILL): its kept backend ends" ||
    fail "kept backend $pr still there after sluiced was killed"

# ---- limits ----
cat >"$PGTEST_DIR/many.py" <<'PY'
import sys, psycopg2
conns = [psycopg2.connect(sys.argv[1] + " application_name=" + sys.argv[3]) for _ in range(int(sys.argv[2]))]
pids = set()
for c in conns:
    cur = c.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pids.add(cur.fetchone()[0])
    c.rollback()
for c in conns:
    c.close()
print(len(pids))
PY
relay() { echo "host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres"; }
sluiced_start --pg "$TCP" --backend-pool-size 2 --backend-idle-timeout 1
[ "$("$PY" "$PGTEST_DIR/many.py" "$(relay)" 4 capapp)" = 4 ] || fail "4 sessions at once did not get 4 backends"
[ "$(kept 2 capapp)" = 2 ] && pass "--backend-pool-size 2: 2 of 4 backends kept" ||
    fail "--backend-pool-size 2: $(kept 2 capapp) kept"
sleep 1.5
[ "$(kept 0 capapp)" = 0 ] && pass "--backend-idle-timeout 1: kept backends closed after it" ||
    fail "--backend-idle-timeout 1: still $(kept 0 capapp) kept"
sluiced_stop

# A backend slow to answer DISCARD ALL (SIGSTOPped while its session is
# idle): the next client waits for it, and gets a new backend when
# pg_timeout (2 s) gives up on the reset.
sluiced_start --pg "$TCP" --pg-timeout 2000
ps1=$(pid postgres postgres slowapp)
kept_pid "$ps1"
# slow_session: a slowapp session on the kept backend, idle 0.6 s, whose
# backend is stopped 0.3 s in; it ends (Terminate) with the backend stopped
slow_session() {
    { echo "SELECT 1;"; sleep 0.6; } | PGAPPNAME=slowapp psql -X -q -At -h 127.0.0.1 \
        -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres >/dev/null 2>&1 &
    w1=$!
    sleep 0.3
    kill -STOP "$ps1"
    wait "$w1" || true
}
slow_session
PGAPPNAME=slowapp psql -X -q -At -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres \
    -c "SELECT pg_backend_pid()" >"$PGTEST_DIR/slow.out" 2>&1 &
w2=$!
sleep 0.5
alive=no
kill -0 "$w2" 2>/dev/null && alive=yes
kill -CONT "$ps1"
wait "$w2" || true
[ $alive = yes ] && pass "a client arriving during the last session's DISCARD ALL waits for it" ||
    fail "the client did not wait for the backend being reset: $(cat "$PGTEST_DIR/slow.out")"
[ "$(cat "$PGTEST_DIR/slow.out")" = "$ps1" ] && pass "... and gets that backend once it is reset" ||
    fail "after the reset the waiting client got: $(cat "$PGTEST_DIR/slow.out") (wanted $ps1)"
kept_pid "$ps1"
slow_session
out=$(pid postgres postgres slowapp)
kill -CONT "$ps1"
case $out in "$ps1"|*[!0-9]*|'') fail "with the reset stuck past pg_timeout the client got: $out" ;;
    *) pass "a reset stuck past pg_timeout: the waiting client gets a new backend ($out)" ;; esac
grep -q "kept backend connection (pid $ps1) did not answer DISCARD ALL" "$SLUICED_LOG" &&
    pass "... and sluiced logs why" || fail "no log line for the stuck reset"
sluiced_stop

sluiced_start --pg "$TCP" --backend-pool-size 0
p1=$(pid postgres postgres)
p2=$(pid postgres postgres)
[ -n "$p1" ] && [ "$p1" != "$p2" ] && pass "--backend-pool-size 0: every session gets its own backend" ||
    fail "--backend-pool-size 0: $p1, $p2"
sluiced_stop

sluiced_start --pg "$TCP" --max-client-connections 2
pid postgres postgres keepme >/dev/null
[ "$(kept 1 keepme)" = 1 ] || fail "keepme's backend not kept"
[ "$("$PY" "$PGTEST_DIR/many.py" "$(relay)" 2 busyapp)" = 2 ] &&
    pass "2 sessions at the --max-client-connections limit of 2, with one backend kept" ||
    fail "2 sessions under --max-client-connections 2 with one kept backend failed"
[ "$(kept 0 keepme)" = 0 ] && pass "... the kept backend gave way (PostgreSQL's connections stay within the limit)" ||
    fail "the kept backend still open at the session limit"
sluiced_stop

sl_done "backend_pool: all checks passed"
