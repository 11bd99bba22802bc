# tests/lib.sh: shell helpers for Sluice's test and benchmark scripts.
#
# Source it (". "$top_srcdir/tests/lib.sh"") from a POSIX sh script.  It gives:
#   pg_start        throwaway PostgreSQL on a random free 127.0.0.1 port, in a
#                   mktemp dir; exports PGTEST_CONNINFO, PGTEST_PORT, PGTEST_DIR
#   pg_stop         stops it (pg_ctl -m immediate) and removes its dir
#   pg_down, pg_up  stop it and start it again (same port and data): outages
#   sluiced_start [ARGS]
#                   starts $top_builddir/sluiced --pg "$PGTEST_CONNINFO"
#                   --pgwire-port 0 --http-port 0 ARGS in the background, waits
#                   for its ready line, exports SLUICE_PGWIRE_PORT,
#                   SLUICE_HTTP_PORT, SLUICE_HTTP (127.0.0.1:PORT) and sets
#                   SLUICED_PID, SLUICED_LOG.  $SLUICED_WRAPPER (e.g.
#                   "taskset -c 0") is put in front of the command.  Call it in
#                   the script's own shell (not in $(...)): sluiced_stop waits
#                   for the process.
#   sluiced_stop    SIGTERM by pid, waits (30 s, then SIGKILL), fails unless
#                   sluiced exited 0
#   sl_need_clients psql and curl present (else SKIP), PG* variables unset
#   pass, fail, sl_done
#                   checks that all run; sl_done exits 1 if any failed
#   pgq, slq        psql -At on the throwaway PostgreSQL / through sluiced
#   sl_skip MSG     prints MSG and exits 77 (automake's SKIP)
#   sl_fail MSG     prints MSG and exits 1
# An EXIT trap stops whatever was started (by pid only) even when a test
# fails; SL_KEEP=1 keeps the temporary directories for inspection.
# Everything runs as root in CI: PostgreSQL then runs as user postgres.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PG_BINDIR:=/usr/lib/postgresql/15/bin}"
export top_srcdir top_builddir
# tmux runs a session's command with $SHELL, or else the login shell, which
# is nologin for the unprivileged user of `make distcheck`: the command would
# never run.  bash, not dash: after a Ctrl-C that the program in the pane
# handled, dash would still die of it once the program exits.
SHELL=/bin/bash
export SHELL

PGTEST_DIR=
SLUICED_PID=
SLUICED_LOG=
sl__sluiced_n=0

sl_skip() { echo "SKIP: $*"; exit 77; }
sl_fail() { echo "FAIL: $*" >&2; exit 1; }

# End-to-end prerequisites: psql and curl (skipping with the reason when
# missing), and no PG* variables from the caller's environment.
sl_need_clients() {
    command -v psql >/dev/null 2>&1 || sl_skip "psql is not installed"
    command -v curl >/dev/null 2>&1 || sl_skip "curl is not installed"
    unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGPASSWORD
}

# Checks that all run: pass MSG, fail MSG (counted in $nfail); a script
# ends with sl_done, which exits 1 if any check failed.
nfail=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
sl_done() {
    [ "$nfail" = 0 ] || { echo "$nfail check(s) failed"; exit 1; }
    echo "$*"
}
# SQL straight to the throwaway PostgreSQL, and through sluiced (psql -At).
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO" "$@"; }
slq() {
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres \
        -d postgres "$@"
}

# Runs a command as the PostgreSQL user when we are root.
sl__as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A random port in 20000..59999 not in use right now (best effort: the
# caller retries if it loses a race).
sl__random_port() {
    while :; do
        p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 40000) + 20000 ))
        if command -v ss >/dev/null 2>&1; then
            ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
        else
            echo "$p"; return
        fi
    done
}

pg_start() {
    [ -x "$PG_BINDIR/initdb" ] || sl_skip "PostgreSQL server binaries not found in $PG_BINDIR"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        sl_skip "running as root and there is no user postgres to run PostgreSQL as"
    fi
    PGTEST_DIR=$(mktemp -d /tmp/sltest.XXXXXX)
    chmod 755 "$PGTEST_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGTEST_DIR"
    TZ=UTC sl__as_pg "$PG_BINDIR/initdb" -D "$PGTEST_DIR/data" -U postgres -A trust \
        -E UTF8 --locale="${PGTEST_LOCALE:-C}" -N >"$PGTEST_DIR/initdb.log" 2>&1 ||
        { cat "$PGTEST_DIR/initdb.log" >&2; sl_fail "initdb failed"; }
    tries=0
    while :; do
        PGTEST_PORT=$(sl__random_port)
        if sl__as_pg "$PG_BINDIR/pg_ctl" -D "$PGTEST_DIR/data" -l "$PGTEST_DIR/log" -w -t 60 \
            -o "-p $PGTEST_PORT -k $PGTEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off" \
            start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ $tries -ge 10 ] || ! grep -q "could not bind\|could not create lock file\|already in use" "$PGTEST_DIR/log" 2>/dev/null; then
            cat "$PGTEST_DIR/log" >&2
            sl_fail "could not start PostgreSQL"
        fi
    done
    PGTEST_CONNINFO="host=127.0.0.1 port=$PGTEST_PORT user=postgres dbname=postgres"
    export PGTEST_CONNINFO PGTEST_PORT PGTEST_DIR
}

# pg_down / pg_up: stops PostgreSQL (fast) and starts it again on the same
# port and data, to test outages.
pg_down() { sl__as_pg "$PG_BINDIR/pg_ctl" -D "$PGTEST_DIR/data" -m fast -w stop >/dev/null; }
pg_up() {
    sl__as_pg "$PG_BINDIR/pg_ctl" -D "$PGTEST_DIR/data" -l "$PGTEST_DIR/log" -w -t 60 \
        -o "-p $PGTEST_PORT -k $PGTEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off" \
        start >/dev/null
}

pg_stop() {
    [ -n "$PGTEST_DIR" ] || return 0
    if [ -f "$PGTEST_DIR/data/postmaster.pid" ]; then
        sl__as_pg "$PG_BINDIR/pg_ctl" -D "$PGTEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [ "${SL_KEEP:-}" = 1 ] || rm -rf "$PGTEST_DIR"
    PGTEST_DIR=
}

sluiced_start() {
    [ -x "$top_builddir/sluiced" ] || sl_fail "$top_builddir/sluiced is not built"
    [ -n "${PGTEST_CONNINFO:-}" ] || sl_fail "sluiced_start needs pg_start first"
    sl__sluiced_n=$((sl__sluiced_n + 1))
    SLUICED_LOG="$PGTEST_DIR/sluiced.$sl__sluiced_n.log"
    ${SLUICED_WRAPPER:-} "$top_builddir/sluiced" --pg "$PGTEST_CONNINFO" \
        --pgwire-port 0 --http-port 0 "$@" 2>"$SLUICED_LOG" &
    SLUICED_PID=$!
    i=0
    while ! grep -q "sluiced ready:" "$SLUICED_LOG" 2>/dev/null; do
        if ! kill -0 "$SLUICED_PID" 2>/dev/null; then
            rc=0
            wait "$SLUICED_PID" 2>/dev/null || rc=$?
            SLUICED_PID=
            cat "$SLUICED_LOG" >&2
            sl_fail "sluiced exited with status $rc before it was ready"
        fi
        i=$((i + 1))
        [ $i -lt 600 ] || { cat "$SLUICED_LOG" >&2; sl_fail "sluiced not ready after 30 s"; }
        sleep 0.05
    done
    line=$(grep -m1 "sluiced ready:" "$SLUICED_LOG")
    SLUICE_PGWIRE_PORT=$(echo "$line" | sed -n 's/.*ready: pgwire [^ ,]*:\([0-9][0-9]*\),.*/\1/p')
    SLUICE_HTTP_PORT=$(echo "$line" | sed -n 's/.*, http [^ ,]*:\([0-9][0-9]*\),.*/\1/p')
    [ -n "$SLUICE_PGWIRE_PORT" ] && [ -n "$SLUICE_HTTP_PORT" ] ||
        sl_fail "cannot parse the ready line: $line"
    SLUICE_HTTP="127.0.0.1:$SLUICE_HTTP_PORT"
    export SLUICE_PGWIRE_PORT SLUICE_HTTP_PORT SLUICE_HTTP
}

# Stops sluiced by pid; $1 = seconds to wait before SIGKILL (default 30).
sluiced_stop() {
    [ -n "$SLUICED_PID" ] || return 0
    pid=$SLUICED_PID
    SLUICED_PID=
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        # a zombie still answers kill -0; wait reaps it below
        if [ -r "/proc/$pid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
            break
        fi
        i=$((i + 1))
        if [ $i -ge $(( ${1:-30} * 20 )) ]; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null
            tail -n 30 "$SLUICED_LOG" >&2
            sl_fail "sluiced did not stop within ${1:-30} s of SIGTERM"
        fi
        sleep 0.05
    done
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [ "$rc" != 0 ]; then
        tail -n 30 "$SLUICED_LOG" >&2
        sl_fail "sluiced exited with status $rc after SIGTERM"
    fi
}

sl__cleanup() {
    set +e   # a failing kill must not abort the cleanup under set -e
    if [ -n "$SLUICED_PID" ]; then
        kill -TERM "$SLUICED_PID" 2>/dev/null
        i=0
        while kill -0 "$SLUICED_PID" 2>/dev/null && [ $i -lt 100 ] &&
            [ "$(cut -d' ' -f3 "/proc/$SLUICED_PID/stat" 2>/dev/null)" != Z ]; do
            sleep 0.05
            i=$((i + 1))
        done
        kill -KILL "$SLUICED_PID" 2>/dev/null
        wait "$SLUICED_PID" 2>/dev/null
        SLUICED_PID=
    fi
    pg_stop
}
trap 'rc=$?; trap - EXIT; sl__cleanup; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
