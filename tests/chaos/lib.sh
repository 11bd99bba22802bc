# tests/chaos/lib.sh: exact counting under faults, for the chaos scripts.
#
# Every request carries one unique "tag" event ({"tag": "a-c3-r17"}) and
# filler events over a large key space; the view `tags` counts each tag, so
# it shows how often each request was applied.  Clients send with an
# Idempotency-Key and retry every non-200 answer (503, 504, timeouts,
# refused connections) until they get a 200, as a careful client does.
# chaos_verify then counts:
#   lost     acknowledged (200) requests whose tag is not in the view
#   doubled  requests whose tag the view counts more than once
#   partial  requests applied to one view and not the other (the filler
#            view `keys` must hold exactly FILLER events per applied tag)
# and each must be 0.
#
# Source after tests/lib.sh.  Functions:
#   chaos_setup [SLUICED ARGS]  PostgreSQL, one sluiced on fixed free ports
#                               (CHAOS_HTTP_PORT, CHAOS_PGWIRE_PORT), stream
#                               and views; sets CHAOS_DIR
#   chaos_start_server N [ARGS] (re)starts server N (1 or 2) on its ports,
#                               sets CHAOS_PID_N
#   chaos_clients N SERVERS     starts N clients (round-robin over the
#                               servers' HTTP ports), in the background;
#                               CHAOS_RUN prefixes their tags and keys (a new
#                               value for each scenario of a script)
#   chaos_stop_clients          tells them to finish their current request
#                               (retrying until it is answered 200) and waits
#   chaos_verify NAME           prints "NAME: sent S, acked A, applied P,
#                               lost L, doubled D, partial X" and fails the
#                               check unless L, D and X are 0
: "${CHAOS_FILLER:=500}"
: "${CHAOS_KEYSPACE:=100000000}"

chaos_setup() {
    pg_start
    CHAOS_DIR=$PGTEST_DIR/chaos
    mkdir -p "$CHAOS_DIR"
    chmod 777 "$CHAOS_DIR"
    CHAOS_HTTP_PORT_1=$(chaos__port); CHAOS_PGWIRE_PORT_1=$(chaos__port)
    CHAOS_HTTP_PORT_2=$(chaos__port); CHAOS_PGWIRE_PORT_2=$(chaos__port)
    chaos_start_server 1 "$@"
    slq <<'SQL' || sl_fail "creating the stream and views failed"
CREATE STREAM ev (tag text, k bigint, v bigint, f double precision);
CREATE CONTINUOUS VIEW tags AS SELECT tag, count(*) AS n FROM ev GROUP BY tag;
CREATE CONTINUOUS VIEW keys AS SELECT k, count(*) AS n, sum(v) AS sv FROM ev WHERE tag IS NULL AND f IS NULL GROUP BY k;
SQL
}

# A free port below the kernel's ephemeral range (32768 and up), so that
# the clients' own outgoing connections can never hold it when a killed
# sluiced is restarted on it.
chaos__port() {
    while :; do
        p=$(( $(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000 ))
        if command -v ss >/dev/null 2>&1; then
            ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
        else
            echo "$p"; return
        fi
    done
}

# Waits (up to 30 s) until a sluiced flush waits on a lock in PostgreSQL
# (not a fixed time: starting psql alone can take seconds on a loaded
# machine).
chaos_wait_flush_blocked() {
    t=0
    until [ "$(pgq -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'sluiced %' AND wait_event_type = 'Lock'")" = 1 ] ||
        [ $t -ge 300 ]; do
        sleep 0.1; t=$((t + 1))
    done
}

# chaos_start_server N [ARGS]: server N on its own fixed ports.
chaos_start_server() {
    chaos_sn=$1; shift
    eval "chaos_hp=\$CHAOS_HTTP_PORT_$chaos_sn chaos_pp=\$CHAOS_PGWIRE_PORT_$chaos_sn"
    sluiced_start --http-port "$chaos_hp" --pgwire-port "$chaos_pp" "$@"
    eval "CHAOS_PID_$chaos_sn=\$SLUICED_PID"
    echo "$SLUICED_PID" >>"$CHAOS_DIR/pids"
    SLUICED_PID=
}

# The body of request TAG for client C, number R: its tag event, then
# CHAOS_FILLER events with new random keys (the same for every retry), so
# flushes keep inserting groups.
chaos__body() {
    printf '{"tag": "%s"}\n' "$2"
    awk -v s="$(( $1 * 1000003 + $3 ))" -v n="$CHAOS_FILLER" -v ks="$CHAOS_KEYSPACE" 'BEGIN {
        srand(s)
        for (i = 0; i < n; i++)
            printf "{\"k\": %d, \"v\": %d}\n", int(rand() * ks), i
    }'
}

chaos__client() {
    c=$1; port=$2
    r=0
    while [ ! -f "$CHAOS_DIR/stop" ]; do
        r=$((r + 1))
        tag="${CHAOS_RUN:-a}-c$c-r$r"
        echo "$tag" >>"$CHAOS_DIR/sent.$c"
        tries=0
        while :; do
            tries=$((tries + 1))
            code=$(chaos__body "$c" "$tag" "$r" | curl -s -m 30 -o "$CHAOS_DIR/resp.$c" \
                -w '%{http_code}' -H "Idempotency-Key: key-$tag" --data-binary @- \
                "http://127.0.0.1:$port/v1/streams/ev" 2>/dev/null) || code=000
            [ "$code" = 200 ] && break
            if [ "$code" = 400 ] || [ "$code" = 404 ] || [ "$code" = 422 ]; then
                echo "$tag $code $(cat "$CHAOS_DIR/resp.$c")" >>"$CHAOS_DIR/refused"
                break
            fi
            echo "$tag $code" >>"$CHAOS_DIR/retries.$c"
            [ -f "$CHAOS_DIR/abandon" ] && break
            sleep 0.1
        done
        [ "$code" = 200 ] && echo "$tag" >>"$CHAOS_DIR/acked.$c"
    done
}

# chaos_clients N PORT...: N clients spread over the given HTTP ports.
chaos_clients() {
    nc=$1; shift
    rm -f "$CHAOS_DIR/stop" "$CHAOS_DIR/abandon"
    CHAOS_CLIENT_PIDS=
    c=0
    while [ $c -lt "$nc" ]; do
        c=$((c + 1))
        # the port for client c: the ((c-1) mod #ports)+1-th argument
        i=$(( (c - 1) % $# + 1 ))
        eval "port=\${$i}"
        chaos__client "$c" "$port" &
        CHAOS_CLIENT_PIDS="$CHAOS_CLIENT_PIDS $!"
    done
    export CHAOS_CLIENT_PIDS
}

# Clients finish the request they are on (each retried until it is
# answered) and stop.  $1: seconds to allow (default 120), then abandon.
chaos_stop_clients() {
    touch "$CHAOS_DIR/stop"
    ticks=0
    for p in $CHAOS_CLIENT_PIDS; do
        while kill -0 "$p" 2>/dev/null; do
            ticks=$((ticks + 1))
            if [ $ticks -ge $(( ${1:-120} * 10 )) ]; then
                touch "$CHAOS_DIR/abandon"
            fi
            sleep 0.1
        done
        wait "$p" 2>/dev/null || true
    done
    CHAOS_CLIENT_PIDS=
}

chaos_verify() {
    name=$1
    cat "$CHAOS_DIR"/sent.* 2>/dev/null | sort >"$CHAOS_DIR/sent"
    cat "$CHAOS_DIR"/acked.* 2>/dev/null | sort >"$CHAOS_DIR/acked"
    pgq -F ' ' -c "SELECT tag, n FROM tags WHERE tag IS NOT NULL ORDER BY tag" \
        >"$CHAOS_DIR/applied" || { fail "$name: cannot read the view tags"; return; }
    sent=$(wc -l <"$CHAOS_DIR/sent")
    acked=$(wc -l <"$CHAOS_DIR/acked")
    applied=$(wc -l <"$CHAOS_DIR/applied")
    doubled=$(awk '$2 > 1' "$CHAOS_DIR/applied" | wc -l)
    lost=$(cut -d' ' -f1 "$CHAOS_DIR/applied" | sort | comm -23 "$CHAOS_DIR/acked" - | wc -l)
    unknown=$(cut -d' ' -f1 "$CHAOS_DIR/applied" | sort | comm -13 "$CHAOS_DIR/sent" - | wc -l)
    napplied=$(awk '{ s += $2 } END { print s + 0 }' "$CHAOS_DIR/applied")
    fill=$(pgq -c "SELECT coalesce(sum(n), 0) FROM keys")
    partial=$(( fill - napplied * CHAOS_FILLER ))
    retries=$(cat "$CHAOS_DIR"/retries.* 2>/dev/null | wc -l)
    refused=$(cat "$CHAOS_DIR/refused" 2>/dev/null | wc -l)
    echo "$name: sent $sent, acked $acked, applied $applied, lost $lost, doubled $doubled," \
        "partial $partial, foreign $unknown (retries $retries, refused $refused)" |
        tee -a "${CHAOS_SUMMARY:-/dev/null}"
    if [ "$lost" = 0 ] && [ "$doubled" = 0 ] && [ "$partial" = 0 ] && [ "$unknown" = 0 ] &&
        [ "$acked" -gt 0 ]; then
        pass "$name: every acknowledged request applied exactly once"
    else
        [ "$doubled" = 0 ] || awk '$2 > 1' "$CHAOS_DIR/applied" | head -5
        fail "$name: lost $lost, doubled $doubled, partial $partial, foreign $unknown, acked $acked"
    fi
    if [ "$refused" != 0 ]; then
        head -3 "$CHAOS_DIR/refused"
        fail "$name: $refused requests refused (400/404/422) although every event is valid"
    fi
}

# The EXIT trap of a chaos script: clients told to stop and killed, every
# sluiced it started killed, PostgreSQL stopped; $1: more to run first.
chaos_trap() {
    trap 'rc=$?; trap - EXIT; set +e; '"${1:-:}"'; [ -n "${CHAOS_DIR:-}" ] && touch "$CHAOS_DIR/stop" "$CHAOS_DIR/abandon"; for p in ${CHAOS_CLIENT_PIDS:-}; do kill "$p" 2>/dev/null; done; chaos_kill_all 2>/dev/null; sl__cleanup; exit $rc' EXIT
}

# Stops every sluiced this script started (by pid, SIGKILL: their state is
# what is being tested) and clears the counters for a next scenario.
chaos_kill_all() {
    for p in $(cat "$CHAOS_DIR/pids" 2>/dev/null); do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    : >"$CHAOS_DIR/pids"
}
