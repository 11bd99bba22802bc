#!/bin/sh
# bench/relay.sh (`make bench`, alone `make bench-relay`): the speed of
# sluiced's pgwire relay beside PgBouncer's, in one run.
#   1. a throwaway PostgreSQL, `pgbench -i -s 10`;
#   2. sluiced (relaying to it) and PgBouncer (Debian's `pgbouncer`, session
#      mode, trust, its own ini and port in a temporary folder, run as user
#      postgres), each pinned to core 0; pgbench pinned to core 1;
#   3. `pgbench -S`, `pgbench -M prepared -S` and `pgbench -C -S` (a new
#      connection for each transaction: what kept backends save; RELAY_CLIENTS 4 clients,
#      RELAY_THREADS 2 threads, RELAY_SECONDS 5 s each) directly, through
#      PgBouncer and through sluiced, first one unmeasured warm-up run of
#      each (2 s: PgBouncer's pool and sluiced's kept backends fill, as they
#      would on a server that has been up a while), then RELAY_ROUNDS (5)
#      rounds, each in another order; the median tps of each;
#   4. prints tps, each relay's ratio to direct and the CPU time each relay
#      spent per transaction (from /proc/PID/task/*/schedstat: what the machine's other
#      load does not change), and one line a script can parse per mode:
#        RESULT relay mode=simple direct_tps=N pgbouncer_tps=N sluiced_tps=N
#               pgbouncer_ratio=R sluiced_ratio=R pgbouncer_cpu_us=U
#               sluiced_cpu_us=U sluiced_per_pgbouncer=R
#      (the last: the median over the rounds of sluiced's tps over
#      PgBouncer's in the same round, which a busier minute moves less)
# RELAY_BASELINE=DIR adds DIR/sluiced (another build) to the same run.
# Without pgbouncer installed (apt-get install pgbouncer) its column says
# n/a.  Exit 1 if a pgbench run failed; the numbers are reported, not judged.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

secs=${RELAY_SECONDS:-5}
clients=${RELAY_CLIENTS:-4}
threads=${RELAY_THREADS:-2}
command -v pgbench >/dev/null 2>&1 || sl_skip "pgbench is not installed"
command -v psql >/dev/null 2>&1 || sl_skip "psql is not installed"
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGPASSWORD

# Each relay runs in a session of its own, as a daemon does: PgBouncer's -d
# detaches into a session of its own, and sluiced is started under setsid.  With the kernel's
# autogroup scheduling a process shares its session's CPU weight, so a
# relay left in this script's session, beside the busy pgbench, would get
# less of its core than the other.
own_session=
command -v setsid >/dev/null 2>&1 && own_session=setsid
cores=$(nproc)
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    SLUICED_WRAPPER="$own_session taskset -c 0"
    relay_pin="taskset -c 0"
    client="taskset -c 1"
else
    echo "note: $cores core(s) or no taskset: the relays and pgbench are not pinned"
    SLUICED_WRAPPER=$own_session
    relay_pin=
    client=
fi

pg_start
bouncer_pid=
bouncer_dir=
# The EXIT trap of tests/lib.sh stops sluiced and PostgreSQL; PgBouncer is
# stopped here first, by its pid.
base_pid=
trap 'rc=$?; trap - EXIT; [ -z "$bouncer_pid" ] || kill -TERM "$bouncer_pid" 2>/dev/null;
      [ -z "$base_pid" ] || { kill -TERM "$base_pid" 2>/dev/null; wait "$base_pid" 2>/dev/null; };
      [ -z "$bouncer_dir" ] || rm -rf "$bouncer_dir"; sl__cleanup; exit $rc' EXIT

echo "== pgbench -i -s 10"
pgbench -i -q -s 10 -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres postgres >"$PGTEST_DIR/init.log" 2>&1 ||
    { cat "$PGTEST_DIR/init.log"; sl_fail "pgbench -i failed"; }
pgq -c "VACUUM ANALYZE"

# RELAY_BASELINE=DIR: a second sluiced, DIR/sluiced (say an older build),
# measured in the same run for a before/after comparison.
base_port=
if [ -n "${RELAY_BASELINE:-}" ]; then
    tb=$top_builddir
    top_builddir=$RELAY_BASELINE
    sluiced_start
    top_builddir=$tb
    base_port=$SLUICE_PGWIRE_PORT base_pid=$SLUICED_PID
    SLUICED_PID=
fi
sluiced_start
bouncer_port=
if command -v pgbouncer >/dev/null 2>&1; then
    bouncer_dir=$(mktemp -d /tmp/slbouncer.XXXXXX)
    chmod 755 "$bouncer_dir"
    tries=0
    while :; do
        bouncer_port=$(sl__random_port)
        cat >"$bouncer_dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PGTEST_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $bouncer_dir/userlist.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
logfile = $bouncer_dir/pgbouncer.log
pidfile = $bouncer_dir/pgbouncer.pid
EOF
        echo '"postgres" ""' >"$bouncer_dir/userlist.txt"
        [ "$(id -u)" = 0 ] && chown -R postgres: "$bouncer_dir"
        as_pg=
        [ "$(id -u)" != 0 ] || as_pg="runuser -u postgres --"
        if $relay_pin $as_pg pgbouncer -d -q "$bouncer_dir/pgbouncer.ini" 2>>"$bouncer_dir/start.log"; then
            i=0
            while [ ! -s "$bouncer_dir/pgbouncer.pid" ] && [ $i -lt 100 ]; do
                sleep 0.05; i=$((i + 1))
            done
            bouncer_pid=$(cat "$bouncer_dir/pgbouncer.pid" 2>/dev/null || true)
            if [ -n "$bouncer_pid" ] &&
                psql -X -q -At -h 127.0.0.1 -p "$bouncer_port" -U postgres -d postgres \
                    -c "SELECT 1" >/dev/null 2>&1; then
                break
            fi
        fi
        tries=$((tries + 1))
        [ -z "$bouncer_pid" ] || kill -TERM "$bouncer_pid" 2>/dev/null || true
        bouncer_pid=
        if [ $tries -ge 5 ]; then
            cat "$bouncer_dir/start.log" "$bouncer_dir/pgbouncer.log" 2>/dev/null | tail -n 20
            echo "note: PgBouncer did not start: its column says n/a"
            bouncer_port=
            break
        fi
    done
else
    echo "note: pgbouncer is not installed (apt-get install pgbouncer): its column says n/a"
fi

# CPU time of process $1 so far, in nanoseconds: the scheduler's own count
# over its threads (/proc/PID/task/*/schedstat), not /proc/PID/stat's
# clock ticks, which sampling inflates on a virtual machine.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f", s }'; }

# run PORT MODE: runs pgbench -M MODE -S against 127.0.0.1:PORT (MODE
# connect: -M simple -C, a new connection for each transaction); sets $tps
# and $txns.
run() {
    case $2 in connect) m="simple -C" ;; *) m=$2 ;; esac
    out=$($client pgbench -n -S -M $m -c "$clients" -j "$threads" -T "$secs" \
        -h 127.0.0.1 -p "$1" -U postgres postgres 2>&1) ||
        { echo "$out" >&2; sl_fail "pgbench -M $2 -S on port $1 failed"; }
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9]*\)[.0-9]* .*/\1/p' | tail -n 1)
    txns=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# The targets of a mode run in RELAY_ROUNDS rounds (default 5), each round
# in another order (a warmer cache or a busier minute favours no one); a
# target's tps is its median over the rounds, its CPU per transaction the
# total over all of them.
rounds=${RELAY_ROUNDS:-5}
targets="direct"
[ -z "$bouncer_port" ] || targets="$targets pgbouncer"
[ -z "$base_port" ] || targets="$targets baseline"
targets="$targets sluiced"
# target NAME: sets $port and $pid (empty for direct) of a target.
target() {
    case $1 in
    direct) port=$PGTEST_PORT pid= ;;
    pgbouncer) port=$bouncer_port pid=$bouncer_pid ;;
    baseline) port=$base_port pid=$base_pid ;;
    sluiced) port=$SLUICE_PGWIRE_PORT pid=$SLUICED_PID ;;
    esac
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
results=
for mode in simple prepared connect; do
    case $mode in connect) what="-C -S" ;; *) what="-M $mode -S" ;; esac
    echo "== pgbench $what: $clients clients, $threads threads, $rounds rounds of $secs s each"
    for t in $targets; do eval "tpsl_$t= ns_$t=0 txns_$t=0"; done
    pairs=
    # the warm-up: each target once, not measured
    for t in $targets; do
        target "$t"
        s=$secs
        secs=2
        run "$port" "$mode"
        secs=$s
    done
    r=0
    while [ $r -lt "$rounds" ]; do
        order=$(echo $targets | awk -v r=$r '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r) % NF + 1) }')
        for t in $order; do
            target "$t"
            t0=0
            [ -z "$pid" ] || t0=$(cpu_ns "$pid")
            run "$port" "$mode"
            t1=0
            [ -z "$pid" ] || t1=$(cpu_ns "$pid")
            eval "tpsl_$t=\"\$tpsl_$t $tps\" ns_$t=\$((ns_$t + t1 - t0)) txns_$t=\$((txns_$t + txns)) last_$t=$tps"
        done
        [ -z "$bouncer_port" ] || pairs="$pairs $(ratio "$last_sluiced" "$last_pgbouncer")"
        r=$((r + 1))
    done
    for t in $targets; do
        eval "l=\$tpsl_$t ns=\$ns_$t n=\$txns_$t"
        m=$(echo "$l" | median)
        c=$(awk -v t="$ns" -v n="$n" 'BEGIN { if (n > 0) printf "%.1f", t / 1000 / n; else print "n/a" }')
        eval "med_$t=$m cpu_$t=$c"
    done
    direct=$med_direct
    echo "   direct      $direct tps (median of:$tpsl_direct)"
    bouncer=n/a bouncer_cpu=n/a
    if [ -n "$bouncer_port" ]; then
        bouncer=$med_pgbouncer bouncer_cpu=$cpu_pgbouncer
        echo "   PgBouncer   $bouncer tps (median of:$tpsl_pgbouncer), $bouncer_cpu us of its CPU per transaction"
    fi
    if [ -n "$base_port" ]; then
        echo "   baseline    $med_baseline tps (median of:$tpsl_baseline), $cpu_baseline us of its CPU per transaction (ratio $(ratio "$med_baseline" "$direct"))"
        echo "RESULT relay-baseline mode=$mode sluiced_tps=$med_baseline sluiced_ratio=$(ratio "$med_baseline" "$direct") sluiced_cpu_us=$cpu_baseline"
    fi
    sluiced=$med_sluiced sluiced_cpu=$cpu_sluiced
    echo "   sluiced     $sluiced tps (median of:$tpsl_sluiced), $sluiced_cpu us of its CPU per transaction"
    per=n/a
    if [ -n "$pairs" ]; then
        per=$(echo "$pairs" | tr ' ' '\n' | sed '/^$/d' | sort -n |
            awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        echo "   sluiced / PgBouncer, round by round:$pairs (median $per)"
    fi
    results="$results
RESULT relay mode=$mode direct_tps=$direct pgbouncer_tps=$bouncer sluiced_tps=$sluiced pgbouncer_ratio=$(ratio "$bouncer" "$direct") sluiced_ratio=$(ratio "$sluiced" "$direct") pgbouncer_cpu_us=$bouncer_cpu sluiced_cpu_us=$sluiced_cpu sluiced_per_pgbouncer=$per"
done
sluiced_stop
if [ -n "$base_pid" ]; then
    kill -TERM "$base_pid"
    wait "$base_pid" || sl_fail "the baseline sluiced exited with status $?"
    base_pid=
fi

echo
echo "== summary (DESIGN.md: sluiced / direct, floor PgBouncer's ratio, aim 0.9)"
echo "$results" | while read -r _ _ m d b s br sr bc sc pp; do
    [ -n "${m:-}" ] || continue
    printf '  pgbench %-16s ratio to direct: PgBouncer %5s, sluiced %5s (direct %s tps); sluiced / PgBouncer by round: %s; relay CPU per transaction: PgBouncer %s us, sluiced %s us\n' \
        "$(case ${m#mode=} in connect) echo "-C -S" ;; *) echo "-M ${m#mode=} -S" ;; esac)" "${br#pgbouncer_ratio=}" "${sr#sluiced_ratio=}" "${d#direct_tps=}" \
        "${pp#sluiced_per_pgbouncer=}" "${bc#pgbouncer_cpu_us=}" "${sc#sluiced_cpu_us=}"
done
echo "$results" | sed '/^$/d'
