#!/bin/sh
# tests/e2e/tls.sh: TLS on both listeners (ssl_cert_file, ssl_key_file).
# pgwire: psql sslmode=require gets an SSL connection (\conninfo) that
# relays a SELECT (also a large result, which goes through backpressure) and
# runs Sluice statements; sslmode=disable still connects in plain, and not
# with ssl_require = on.  HTTP: the port speaks HTTPS only: /healthz and
# ingest with curl --cacert, a 5 MB body (hundreds of records), pipelined
# keep-alive requests and a request followed by a half-close (python3 ssl),
# plain HTTP is closed without harm, a client that stalls in the handshake is
# closed by the request timeout.  Startup: only one of the two files, a
# missing file or a key that is not the certificate's: exit non-zero with a
# message.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
command -v openssl >/dev/null 2>&1 || sl_skip "the openssl command is not installed"
command -v python3 >/dev/null 2>&1 || sl_skip "python3 is not installed"
pg_start

certs="$PGTEST_DIR/certs"
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/k.pem" -out "$certs/c.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || sl_fail "openssl req failed"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/k2.pem" -out "$certs/c2.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || sl_fail "openssl req failed"

# ---- startup failures ----
# Runs sluiced with the arguments given; passes when it exits non-zero
# within 10 s and its stderr holds the expected text.
start_fails() {
    what=$1 expect=$2
    shift 2
    rc=0
    timeout 10 "$top_builddir/sluiced" --pg "$PGTEST_CONNINFO" --pgwire-port 0 --http-port 0 \
        "$@" >"$PGTEST_DIR/fail.out" 2>&1 || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -qF -- "$expect" "$PGTEST_DIR/fail.out"; then
        pass "$what: exit $rc, \"$(head -n 1 "$PGTEST_DIR/fail.out")\""
    else
        fail "$what: exit $rc, output: $(cat "$PGTEST_DIR/fail.out")"
    fi
}
start_fails "only the certificate" "ssl_cert_file and ssl_key_file must be set together" \
    --ssl-cert-file "$certs/c.pem"
SLUICE_SSL_KEY_FILE="$certs/k.pem" start_fails "only the key (environment)" \
    "ssl_cert_file and ssl_key_file must be set together"
start_fails "missing certificate file" "could not load server certificate file \"$certs/nope.pem\"" \
    --ssl-cert-file "$certs/nope.pem" --ssl-key-file "$certs/k.pem"
start_fails "key not matching the certificate" "private key does not match the certificate" \
    --ssl-cert-file "$certs/c.pem" --ssl-key-file "$certs/k2.pem"
start_fails "a key file that is no key" "could not load private key file" \
    --ssl-cert-file "$certs/c.pem" --ssl-key-file "$certs/c.pem"

# ---- pgwire ----
sluiced_start --flush-interval 50 --request-timeout 1500 \
    --ssl-cert-file "$certs/c.pem" --ssl-key-file "$certs/k.pem"
tls="host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres sslmode=require"
plain="host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres sslmode=disable"

out=$(psql -X -d "$tls" -c '\conninfo' 2>&1 || true)
echo "$out" | grep -q "SSL connection (protocol: TLS" && pass "sslmode=require: SSL connection" ||
    fail "sslmode=require: $out"
out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$tls" -c "SELECT 40 + 2" \
    -c "CREATE STREAM ev (k integer)" \
    -c "CREATE CONTINUOUS VIEW n AS SELECT count(*) AS n, sum(k) AS s FROM ev" \
    -c "SHOW STREAMS" 2>&1 || true)
[ "$(echo "$out" | head -n 1)" = 42 ] && echo "$out" | grep -q '^ev|k integer|1$' &&
    pass "over TLS: a relayed SELECT and Sluice statements (CREATE, SHOW STREAMS)" ||
    fail "over TLS: $out"
# 20 MB of rows: output over the high-water mark, relayed through the filter
out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$tls" \
    -c "SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g" 2>&1 | tail -n 1 || true)
[ "$out" = "100000|$(printf '%0200d' 0 | tr 0 x)" ] && pass "over TLS: a 20 MB result relayed whole" ||
    fail "large result over TLS: $(echo "$out" | cut -c1-200)"
# COPY FROM STDIN over TLS (client to backend direction, 10 MB)
out=$(python3 -c "import sys; sys.stdout.write(''.join('%d\t%s\n' % (i, 'y' * 100) for i in range(100000)))" |
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$tls" \
        -c "CREATE TEMP TABLE t (a integer, b text)" -c "COPY t FROM STDIN" \
        -c "SELECT count(*), sum(a) FROM t" 2>&1 || true)
[ "$out" = "100000|4999950000" ] && pass "over TLS: COPY FROM STDIN of 10 MB" ||
    fail "COPY over TLS: $out"
out=$(psql -X -d "$plain" -c '\conninfo' -At -c "SELECT 'plain ok'" 2>&1 || true)
echo "$out" | grep -q "plain ok" && ! echo "$out" | grep -q "SSL connection" &&
    pass "sslmode=disable: plain session still allowed" || fail "sslmode=disable: $out"

# ---- HTTPS ----
H="https://$SLUICE_HTTP"
out=$(curl -sS --cacert "$certs/c.pem" "$H/healthz" 2>&1 || true)
echo "$out" | grep -q '"status": "ok"' && pass "https /healthz" || fail "https /healthz: $out"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$certs/c.pem" --data-binary '{"k": 5}' \
    "$H/v1/streams/ev" 2>&1 || true)
[ "$code" = 200 ] && [ "$(pgq -c 'SELECT n FROM n')" = 1 ] &&
    pass "https ingest: 200 and the view counts it" || fail "https ingest: $code, n = $(pgq -c 'SELECT n FROM n')"
python3 -c "
import sys
sys.stdout.write(''.join('{\"k\": %d}\n' % (i % 10) for i in range(600000)))" >"$PGTEST_DIR/big.ndjson"
code=$(curl -sS -o "$PGTEST_DIR/big.out" -w '%{http_code}' --cacert "$certs/c.pem" \
    --data-binary @"$PGTEST_DIR/big.ndjson" "$H/v1/streams/ev" 2>&1 || true)
[ "$code" = 200 ] && grep -q '"accepted": 600000' "$PGTEST_DIR/big.out" &&
    [ "$(pgq -c 'SELECT n FROM n')" = 600001 ] &&
    pass "https: a $(wc -c <"$PGTEST_DIR/big.ndjson")-byte body (many records) ingested whole" ||
    fail "https big body: $code $(cat "$PGTEST_DIR/big.out") n = $(pgq -c 'SELECT n FROM n')"

# python3 ssl clients: pipelining, half-close, a stalled handshake.
out=$(python3 - "$SLUICE_HTTP_PORT" "$certs/c.pem" <<'EOF' 2>&1 || true
import socket, ssl, sys, time
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1")

def read_all(s):
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            break
        if not b:
            break
        data += b
    return data

# three pipelined keep-alive requests in one write, the last closes
s = connect()
body = b'{"k": 7}'
req = (b"POST /v1/streams/ev HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
s.sendall(req + req + last)
data = read_all(s)
print("pipelined:", data.count(b"HTTP/1.1 200 "), data.count(b'"accepted": 1'), b'"status": "ok"' in data)
s.close()

# a request, then the client shuts its sending side (TCP half-close) and reads
s = connect()
s.sendall(req)
socket.socket.shutdown(s, socket.SHUT_WR)
data = read_all(s)
print("half-close:", data.count(b"HTTP/1.1 200 "), data.count(b'"accepted": 1'))
s.close()

# a handshake that stops after the first bytes of the ClientHello
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
raw.sendall(b"\x16\x03\x01\x02\x00\x01")
t0 = time.time()
try:
    got = raw.recv(100)
except ConnectionResetError:
    got = b""
print("stalled handshake: closed after %.1f s, %d bytes" % (time.time() - t0, len(got)))
raw.close()

# plain HTTP to the TLS port: closed, no HTTP answer
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
try:
    got = raw.recv(100)
    while got and not got.startswith(b"HTTP"):
        more = raw.recv(100)
        if not more:
            break
        got += more
except ConnectionResetError:
    got = b""
print("plain http: %s" % ("answered" if b"HTTP/" in got else "closed"))
raw.close()
EOF
)
echo "$out" | grep -qx "pipelined: 3 2 True" && pass "https: 3 pipelined keep-alive requests answered in order" ||
    fail "pipelined: $out"
echo "$out" | grep -qx "half-close: 1 1" && pass "https: reply after the client's half-close" ||
    fail "half-close: $out"
secs=$(echo "$out" | sed -n 's/^stalled handshake: closed after \([0-9.]*\) s.*/\1/p')
[ -n "$secs" ] && awk "BEGIN { exit !($secs >= 1.0 && $secs < 8) }" &&
    pass "a handshake stalled mid-way is closed by the request timeout ($secs s)" ||
    fail "stalled handshake: $out"
echo "$out" | grep -qx "plain http: closed" && pass "plain HTTP to the HTTPS port: closed, no answer" ||
    fail "plain http: $out"
out=$(curl -sS -m 5 "http://$SLUICE_HTTP/healthz" 2>&1 || true)
kill -0 "$SLUICED_PID" && curl -sS --cacert "$certs/c.pem" "$H/healthz" | grep -q ok &&
    pass "sluiced still serves HTTPS after plain HTTP (curl: $(echo "$out" | head -n 1))" ||
    fail "after plain HTTP: $out"
[ "$(pgq -c 'SELECT n FROM n')" = 600004 ] && pass "the view counts every HTTPS event (600004)" ||
    fail "view: $(pgq -c 'SELECT n FROM n')"
sluiced_stop

# ---- ssl_require ----
sluiced_start --ssl-cert-file "$certs/c.pem" --ssl-key-file "$certs/k.pem" --ssl-require on
plain="host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres sslmode=disable"
tls="host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres sslmode=require"
out=$(psql -X -At -d "$plain" -c "SELECT 1" 2>&1 || true)
echo "$out" | grep -q "SSL connection is required" && pass "ssl_require: a plain session is refused" ||
    fail "ssl_require plain: $out"
out=$(psql -X -At -d "$tls" -c "SELECT 'tls ok'" 2>&1 || true)
[ "$out" = "tls ok" ] && pass "ssl_require: a TLS session works" || fail "ssl_require tls: $out"
sluiced_stop

# ---- without TLS: SSLRequest answered 'N' as before ----
sluiced_start
out=$(psql -X -At -d "host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres sslmode=require" \
    -c "SELECT 1" 2>&1 || true)
echo "$out" | grep -q "server does not support SSL" && pass "no TLS configured: sslmode=require refused" ||
    fail "no TLS, require: $out"
out=$(psql -X -At -d "host=127.0.0.1 port=$SLUICE_PGWIRE_PORT user=postgres dbname=postgres sslmode=prefer" \
    -c "SELECT 'prefer ok'" 2>&1 || true)
[ "$out" = "prefer ok" ] && pass "no TLS configured: sslmode=prefer falls back to plain" ||
    fail "no TLS, prefer: $out"
sluiced_stop

# ---- sslmode in --pg: the relayed sessions too ----
cp "$certs/c.pem" "$certs/k.pem" "$PGTEST_DIR/data/"
[ "$(id -u)" = 0 ] && chown postgres: "$PGTEST_DIR/data/c.pem" "$PGTEST_DIR/data/k.pem"
chmod 600 "$PGTEST_DIR/data/k.pem"
pgq -c "ALTER SYSTEM SET ssl = on" -c "ALTER SYSTEM SET ssl_cert_file = 'c.pem'" \
    -c "ALTER SYSTEM SET ssl_key_file = 'k.pem'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
sluiced_start --flush-interval 50 --pg "$PGTEST_CONNINFO sslmode=require"
out=$(slq -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" \
    -c "SELECT g, repeat('x', 200) FROM generate_series(1, 50000) g" 2>&1 | sed -n '1p;$p' | tr '\n' ' ')
[ "$out" = "t 50000|$(printf '%0200d' 0 | tr 0 x) " ] &&
    pass "--pg sslmode=require: the relayed session is TLS and relays 10 MB" || fail "relayed over TLS: $out"
out=$(pgq -c "SELECT count(*) FILTER (WHERE NOT s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
              WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()")
[ "$out" = 0 ] && pass "--pg sslmode=require: sluiced's own connections are TLS" ||
    fail "plain connections of sluiced: $out"
# Kept over TLS: the next session gets the same backend, still TLS, reset.
a=$(slq -c "CREATE TEMP TABLE kept_t (a int)" -c "SELECT pg_backend_pid()" 2>&1)
b=$(slq -c "SELECT pg_backend_pid()" -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" \
        -c "SELECT to_regclass('pg_temp.kept_t') IS NULL" 2>&1 | tr '\n' ' ')
[ -n "$a" ] && [ "$b" = "$a t t " ] &&
    pass "--pg sslmode=require: a TLS backend is kept for the next session, reset" ||
    fail "TLS backend not kept: first $a, then $b"
# PostgreSQL restarted under the kept TLS backend: dropped, the next
# session gets a new one and works.
pg_down
pg_up
out=$(slq -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" -c "SELECT pg_backend_pid() <> $a" 2>&1 | tr '\n' ' ')
[ "$out" = "t t " ] && pass "PostgreSQL restarted under a kept TLS backend: the next session works" ||
    fail "after a restart under a kept TLS backend: $out"
# At the stop the kept TLS backend is told: Terminate, then close_notify.
l0=$(wc -l <"$PGTEST_DIR/log")
sluiced_stop
sleep 0.5
errs=$(tail -n +"$((l0 + 1))" "$PGTEST_DIR/log" | grep "unexpected EOF\|could not receive data\|SSL error" || true)
[ -z "$errs" ] && pass "a kept TLS backend ends without errors in PostgreSQL's log" ||
    fail "PostgreSQL logged, for sluiced's TLS backends: $errs"
sluiced_start
out=$(slq -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1)
[ "$out" = f ] && pass "--pg without sslmode: the relayed session is plain" || fail "relayed, no sslmode: $out"
sluiced_stop

sl_done "tls: all checks passed"
