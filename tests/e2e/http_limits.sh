#!/bin/sh
# tests/e2e/http_limits.sh: the HTTP front end holds bounded memory and
# bounded time per request (issue 6):
#   1. max_inflight_body: 16 clients sending 15 MB bodies at once; those past
#      the budget get 503 with Retry-After, sluiced's RSS grows by less than
#      the budget plus slack (without it: 240 MB), /metrics counts them;
#   2. request_timeout: a body trickling one byte every 300 ms gets 408 once
#      the deadline (1.5 s here) has passed, although it never stalls.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
command -v python3 >/dev/null 2>&1 || sl_skip "python3 is not installed"

pg_start
work=$PGTEST_DIR/hl
mkdir -p "$work"
sluiced_start --max-body-size 16MB --max-inflight-body 32MB
slq -c "CREATE STREAM ev (k integer)" >/dev/null

cat >"$work/h.py" <<'PY'
import socket, sys, time

def rss_kb(pid):
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])

def status(s):
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    return data.split(b" ")[1].decode() if data else "EOF", data

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "budget":
    pid = int(sys.argv[3])
    base = rss_kb(pid)
    n, size = 16, 15 << 20
    line = b'{"k": 1}\n'
    body = line * (size // len(line))
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/streams/ev HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        socks.append(s)
    time.sleep(0.3)
    codes, retry, peak = [], 0, 0
    for s in socks:
        s.setblocking(False)
    # Send all bodies but their last byte, interleaved; refused ones are
    # answered (and their bodies discarded) meanwhile.
    sent = [0] * n
    done = False
    while not done:
        done = True
        for i, s in enumerate(socks):
            if sent[i] < len(body) - 1:
                done = False
                try:
                    sent[i] += s.send(body[sent[i]:min(len(body) - 1, sent[i] + (1 << 20))])
                except (BlockingIOError, ConnectionError):
                    if sent[i] >= 0:
                        pass
        peak = max(peak, rss_kb(pid))
        time.sleep(0.001)
        if sum(sent) > n * len(body):
            break
    peak = max(peak, rss_kb(pid))
    for i, s in enumerate(socks):
        try:
            s.setblocking(True)
            s.sendall(body[-1:])
        except OSError:
            pass
        st, head = status(s)
        codes.append(st)
        if b"Retry-After: 1" in head:
            retry += 1
    print("codes=%s" % ",".join(codes))
    print("ok=%d refused=%d retry_after=%d rss_growth_kb=%d" %
          (codes.count("200"), codes.count("503"), retry, peak - base))
elif cmd == "trickle":
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/streams/ev HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
              b"Content-Length: 1000\r\n\r\n")
    t0 = time.time()
    s.setblocking(False)
    got = b""
    while time.time() - t0 < 10 and not got:
        try:
            s.send(b" ")
        except OSError:
            pass
        time.sleep(0.3)
        try:
            got = s.recv(4096)
        except BlockingIOError:
            pass
    print("trickle=%s trickle_s=%.1f" % (got.split(b" ")[1].decode() if got else "none", time.time() - t0))
PY

out=$(python3 "$work/h.py" budget "$SLUICE_HTTP_PORT" "$SLUICED_PID")
echo "$out"
ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
refused=$(echo "$out" | sed -n 's/.*refused=\([0-9]*\).*/\1/p')
retry=$(echo "$out" | sed -n 's/.*retry_after=\([0-9]*\).*/\1/p')
growth=$(echo "$out" | sed -n 's/.*rss_growth_kb=\(-*[0-9]*\).*/\1/p')
[ "$ok" -ge 1 ] && [ $((ok + refused)) = 16 ] && [ "$refused" -ge 14 ] &&
    pass "$ok bodies accepted, $refused refused with 503" || fail "ok=$ok refused=$refused"
[ "$retry" = "$refused" ] && pass "every 503 has Retry-After" || fail "Retry-After on $retry of $refused"
[ "$growth" -lt 81920 ] && pass "RSS grew ${growth} kB (budget 32 MB)" ||
    fail "RSS grew ${growth} kB with a 32 MB body budget"
m=$(curl -s "http://$SLUICE_HTTP/metrics")
echo "$m" | grep -q "^sluice_http_body_budget_rejections_total $refused\$" &&
    pass "/metrics counts the refusals" || fail "metrics: $(echo "$m" | grep budget)"
echo "$m" | grep -q "^sluice_http_body_inflight_bytes 0\$" &&
    pass "/metrics: no body held once answered" || fail "metrics: $(echo "$m" | grep inflight)"

sluiced_stop
sluiced_start --request-timeout 1500
out=$(python3 "$work/h.py" trickle "$SLUICE_HTTP_PORT")
echo "$out"
case $out in *"trickle=408 trickle_s="[12].*) pass "a trickling body gets 408 at the deadline" ;;
    *) fail "trickle: $out" ;; esac
sluiced_stop
sl_done "http limits ok"
