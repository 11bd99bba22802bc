#!/bin/sh
# tests/e2e/windows.sh: event time, watermarks and windows (issue 9) against
# an oracle in SQL.
#   - seeded out-of-order events (disorder up to 4 x max_lateness, repeated
#     timestamps) go to a stream with event_time = 'ts', max_lateness =
#     '10 seconds' over several HTTP requests, with a restart of sluiced in
#     the middle (the watermark comes back from sluice.watermarks);
#   - PostgreSQL replays them in arrival order: each event's watermark is
#     the largest event time before it minus 10 s; the oracle computes each
#     window's count / sum / min / max for tumble (epoch-aligned and with an
#     origin) and hop, which events are late for which view, and which
#     windows are closed at the end;
#   - compared exactly: the views emitting on update, those emitting on
#     window close (closed windows only, and the state table holds the
#     others), sluice.late_events, sluice.view_stats.late and the "late"
#     count of every answer;
#   - session(ts, '2 seconds') views (on update and on window close) against
#     an oracle in Python (when python3 is there) that replays the same
#     events: sessions per key, merged by bridging events, late when they
#     touch a closed session or form a closed one;
#   - a NULL event time: 400, nothing of the request applied (nor the
#     watermark moved); INSERT: 23502;
#   - idle_timeout closes the last window of a silent stream.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC PGDATESTYLE="ISO, MDY"
SEEDS=${SL_WINDOW_SEEDS:-"11 3"}
NREQ=6
PER=120

# same VIEW QUERY: the rows of VIEW equal QUERY's (as multisets)
same() {
    d=$(pgq -c "(SELECT * FROM $1 EXCEPT ALL $2) UNION ALL ($2 EXCEPT ALL SELECT * FROM $1)")
    n=$(pgq -c "SELECT count(*) FROM $1")
    if [ -z "$d" ] && [ "$n" -gt 0 ]; then
        pass "$1 equals the oracle ($n rows)"
    else
        fail "$1 ($n rows) differs from the oracle: $(echo "$d" | head -5)"
    fi
}

post() {
    CODE=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary "@$2" \
        "http://$SLUICE_HTTP/v1/streams/$1")
}

pg_start
pgq -c "CREATE SCHEMA o" \
    -c "CREATE TABLE o.ev (req int, seq int, k int, v int, ts timestamptz)" \
    -c "CREATE TABLE o.answers (req int, late int)"
# tumble / hop of the oracle, in plain SQL
pgq -c "CREATE FUNCTION o.tstart(ts timestamptz, size_s numeric, origin timestamptz)
            RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
            \$\$ SELECT origin + floor(extract(epoch FROM ts - origin) / size_s) * size_s
                        * interval '1 second' \$\$"
# the events as processed: wm = the watermark when the event is processed
pgq -c "CREATE VIEW o.pev AS SELECT *, max(ts) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED
            PRECEDING AND 1 PRECEDING) - interval '10 seconds' AS wm FROM o.ev"
# (view, event, window start) pairs: tumble 10 s (tu, tc), tumble 7 s from
# 00:00:03 (to), hop slide 5 s size 15 s (hu, hc); applied when the window
# ends after the watermark
pgq -c "CREATE VIEW o.pairs AS
        SELECT v.name, e.seq, e.k, e.v, e.ts, e.wm, w.start, w.start + v.size AS wend, w.first
        FROM o.pev e
        CROSS JOIN (VALUES ('tu', 10, 10, '1970-01-01'::timestamptz),
                           ('tc', 10, 10, '1970-01-01'),
                           ('tor', 7, 7, '2026-01-01 00:00:03+00'),
                           ('hu', 5, 15, '1970-01-01'),
                           ('hc', 5, 15, '1970-01-01'))
                   AS v0(name, slide, size_s, origin)
        CROSS JOIN LATERAL (SELECT v0.name, v0.size_s * interval '1 second' AS size) v
        CROSS JOIN LATERAL (
            SELECT o.tstart(e.ts, v0.slide, v0.origin) - j * v0.slide * interval '1 second'
                       AS start, j = v0.size_s / v0.slide - 1 AS first
            FROM generate_series(0, v0.size_s / v0.slide - 1) AS j) w" \
    -c "CREATE VIEW o.applied AS SELECT * FROM o.pairs WHERE wm IS NULL OR wend > wm" \
    -c "CREATE VIEW o.late AS SELECT * FROM o.pairs WHERE first AND wm IS NOT NULL AND wend <= wm" \
    -c "CREATE VIEW o.agg AS SELECT name, k, start AS w, wend AS we, count(*) AS n, sum(v) AS s,
            min(v) AS lo, max(v) AS hi FROM o.applied GROUP BY name, k, start, wend" \
    -c "CREATE VIEW o.final_wm AS SELECT max(ts) - interval '10 seconds' AS wm FROM o.ev" \
    -c "CREATE TABLE o.sess (k int, w timestamptz, we timestamptz, n bigint, s bigint, lo int,
            hi int)" \
    -c "CREATE TABLE o.sess_late (seq int)" \
    -c "CREATE VIEW o.late_all AS SELECT seq FROM o.late UNION ALL SELECT seq FROM o.sess_late"
HAVE_PY=
command -v python3 >/dev/null 2>&1 && HAVE_PY=1
# The session oracle: events in arrival order; wm = largest event time
# before minus 10 s; a session [first, last + gap) per key; an event joins
# (and merges) the sessions it overlaps with [ts, ts + gap); it is late
# when one of those is closed (end <= wm) or the result would be.
cat >"$PGTEST_DIR/sessions.py" <<'PY'
import sys
gen, out_s, out_l = sys.argv[1:4]
GAP, LATE = 2000, 10000                 # ms
sessions, late, maxts, bridges = {}, [], None, 0
for line in open(gen):
    req, seq, k, v, ts = line.split()
    seq, k, v, ts = int(seq), int(k), int(v), round(float(ts) * 1000)
    wm = None if maxts is None else maxts - LATE
    ss = sessions.setdefault(k, [])
    over = [x for x in ss if x['start'] < ts + GAP and x['end'] > ts]
    start = min([ts] + [x['start'] for x in over])
    end = max([ts + GAP] + [x['end'] for x in over])
    if wm is not None and (any(x['end'] <= wm for x in over) or end <= wm):
        late.append(seq)
    else:
        bridges += len(over) >= 2
        new = {'start': start, 'end': end, 'n': 1, 's': v, 'lo': v, 'hi': v}
        for x in over:
            ss.remove(x)
            new['n'] += x['n']; new['s'] += x['s']
            new['lo'] = min(new['lo'], x['lo']); new['hi'] = max(new['hi'], x['hi'])
        ss.append(new)
    maxts = ts if maxts is None else max(maxts, ts)
with open(out_s, 'w') as f:
    for k, ss in sessions.items():
        for x in ss:
            f.write('%d,%d,%d,%d,%d,%d,%d\n' % (k, x['start'], x['end'], x['n'], x['s'], x['lo'], x['hi']))
with open(out_l, 'w') as f:
    for seq in late:
        f.write('%d\n' % seq)
print(bridges)
PY

seed_run() {
    seed=$1
    gen="$PGTEST_DIR/gen.$seed"
    # req seq k v seconds-after-2026-01-01 (ms resolution): true time goes
    # up ~0.25 s per event; an event is late by up to 40 s; some repeat the
    # previous timestamp
    awk -v seed="$seed" -v nreq=$NREQ -v per=$PER 'BEGIN {
        srand(seed); t = 100; prev = 100; seq = 0
        for (r = 1; r <= nreq; r++)
            for (i = 0; i < per; i++) {
                t += rand() * 0.5
                if (rand() < 0.04) t += 3 + rand() * 10   # a pause: sessions end
                if (rand() < 0.1) ts = prev
                else if (rand() < 0.3) ts = t - rand() * 40
                else ts = t - rand() * 2
                ts = int(ts * 1000) / 1000
                prev = ts
                printf "%d %d %d %d %.3f\n", r, ++seq, 1 + int(rand() * 3), int(rand() * 100), ts
            }
    }' >"$gen"
    for r in $(seq 1 $NREQ); do
        awk -v r="$r" '$1 == r {
            s = $5; hh = int(s / 3600); mm = int((s - hh * 3600) / 60); ss = s - hh * 3600 - mm * 60
            printf "{\"k\": %d, \"v\": %d, \"ts\": \"2026-01-01T%02d:%02d:%06.3fZ\"}\n", $3, $4, hh, mm, ss
        }' "$gen" >"$PGTEST_DIR/req.$r"
    done
    awk '{ print $1 "," $2 "," $3 "," $4 "," $5 }' "$gen" >"$PGTEST_DIR/oracle.csv"
    pgq -c "TRUNCATE o.ev, o.answers, o.sess, o.sess_late" \
        -c "CREATE TEMP TABLE raw (req int, seq int, k int, v int, s numeric)" \
        -c "\\copy raw FROM '$PGTEST_DIR/oracle.csv' WITH (FORMAT csv)" \
        -c "INSERT INTO o.ev SELECT req, seq, k, v, '2026-01-01 00:00:00+00'::timestamptz
                + s * interval '1 second' FROM raw"
    if [ -n "$HAVE_PY" ]; then
        bridges=$(python3 "$PGTEST_DIR/sessions.py" "$gen" "$PGTEST_DIR/sess.csv" \
            "$PGTEST_DIR/sess_late.csv") || sl_fail "the session oracle failed"
        pgq -c "CREATE TEMP TABLE rs (k int, a bigint, b bigint, n bigint, s bigint, lo int, hi int)" \
            -c "\\copy rs FROM '$PGTEST_DIR/sess.csv' WITH (FORMAT csv)" \
            -c "INSERT INTO o.sess SELECT k, '2026-01-01 00:00:00+00'::timestamptz
                    + a * interval '1 millisecond', '2026-01-01 00:00:00+00'::timestamptz
                    + b * interval '1 millisecond', n, s, lo, hi FROM rs" \
            -c "\\copy o.sess_late FROM '$PGTEST_DIR/sess_late.csv' WITH (FORMAT csv)"
    fi

    sluiced_start --flush-interval 30
    slq -c "CREATE STREAM ev (k integer, v integer, ts timestamptz)
                WITH (event_time = 'ts', max_lateness = '10 seconds')" \
        -c "CREATE CONTINUOUS VIEW tu AS SELECT k, tumble(ts, '10 seconds') AS w,
                window_end(tumble(ts, '10 seconds')) AS we, count(*) AS n, sum(v) AS s,
                min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" \
        -c "CREATE CONTINUOUS VIEW tc WITH (emit = 'on_window_close') AS SELECT k,
                tumble(ts, '10 seconds') AS w, window_end(tumble(ts, '10 seconds')) AS we,
                count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" \
        -c "CREATE CONTINUOUS VIEW tor AS SELECT k,
                tumble(ts, '7 s', '2026-01-01 00:00:03+00') AS w,
                window_end(tumble(ts, '7 s', '2026-01-01 00:00:03+00')) AS we,
                count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" \
        -c "CREATE CONTINUOUS VIEW hu AS SELECT k, hop(ts, '5 seconds', '15 seconds') AS w,
                window_end(hop(ts, '5 seconds', '15 seconds')) AS we, count(*) AS n,
                sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" \
        -c "CREATE CONTINUOUS VIEW hc WITH (emit = 'on_window_close') AS SELECT k,
                hop(ts, '5 seconds', '15 seconds') AS w,
                window_end(hop(ts, '5 seconds', '15 seconds')) AS we, count(*) AS n,
                sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" \
        -c "CREATE CONTINUOUS VIEW su AS SELECT k, session(ts, '2 seconds') AS w,
                window_end(session(ts, '2 seconds')) AS we, count(*) AS n, sum(v) AS s,
                min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" \
        -c "CREATE CONTINUOUS VIEW sc WITH (emit = 'on_window_close') AS SELECT k,
                session(ts, '2 seconds') AS w, window_end(session(ts, '2 seconds')) AS we,
                count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ev GROUP BY k, w" ||
        sl_fail "creating the stream and views failed"

    out=$(slq -c "EXPLAIN CONTINUOUS VIEW hc")
    case $out in
        *'Emit: on_window_close'*'->  Window  (hop: size 15000000 us, slide 5000000 us, 3 per event)'*'Event Time: "ts", max_lateness 10000000 us'*)
            pass "seed $seed: EXPLAIN shows the window and the emit mode" ;;
        *) fail "seed $seed: EXPLAIN CONTINUOUS VIEW hc: $out" ;;
    esac
    for r in $(seq 1 $NREQ); do
        if [ "$r" = $((NREQ / 2 + 1)) ]; then
            # a NULL event time refuses the whole request
            { head -3 "$PGTEST_DIR/req.$r"; echo '{"k": 1, "v": 5, "ts": null}';
              echo '{"k": 1, "v": 5, "ts": "2030-01-01T00:00:00Z"}'; } >"$PGTEST_DIR/bad"
            post ev "$PGTEST_DIR/bad"
            if [ "$CODE" = 400 ] && grep -q '"line": 4' "$PGTEST_DIR/resp" &&
                grep -q 'null value in column \\"ts\\"' "$PGTEST_DIR/resp" &&
                grep -q '"sqlstate": "23502"' "$PGTEST_DIR/resp"; then
                pass "seed $seed: a NULL event time is 400 with its line"
            else
                fail "seed $seed: NULL event time: $CODE $(cat "$PGTEST_DIR/resp")"
            fi
            out=$(slq -c "INSERT INTO ev VALUES (1, 1, NULL)" 2>&1 || true)
            case $out in
                *'null value in column "ts" of stream "ev" violates not-null constraint'*)
                    pass "seed $seed: INSERT of a NULL event time: 23502" ;;
                *) fail "seed $seed: INSERT of a NULL event time: $out" ;;
            esac
            # restart in the middle: the watermark comes back
            sluiced_stop
            sluiced_start --flush-interval 30
        fi
        post ev "$PGTEST_DIR/req.$r"
        late=$(sed -n 's/.*"late": \([0-9]*\).*/\1/p' "$PGTEST_DIR/resp")
        [ "$CODE" = 200 ] && [ -n "$late" ] ||
            fail "seed $seed: request $r: $CODE $(cat "$PGTEST_DIR/resp")"
        pgq -c "INSERT INTO o.answers VALUES ($r, ${late:-'-1'})"
    done

    for v in tu tor hu; do
        same "$v" "SELECT k, w, we, n, s, lo, hi FROM o.agg WHERE name = '$v'"
    done
    for v in tc hc; do
        same "$v" "SELECT k, w, we, n, s, lo, hi FROM o.agg WHERE name = '$v'
                   AND we <= (SELECT wm FROM o.final_wm)"
        # the open windows wait in the state table
        n=$(pgq -c "SELECT count(*) FROM sluice_mrel.$v")
        want=$(pgq -c "SELECT count(*) FROM o.agg WHERE name = '$v'
                       AND we > (SELECT wm FROM o.final_wm)")
        [ "$n" = "$want" ] && pass "seed $seed: $v holds its $n open windows apart" ||
            fail "seed $seed: $v: $n open windows in its state table, the oracle $want"
    done
    same "(SELECT view_name, (event->>'k')::int, (event->>'v')::int,
                  (event->>'ts')::timestamptz FROM sluice.late_events
           WHERE view_name NOT IN ('su', 'sc')) le" \
         "SELECT name, k, v, ts FROM o.late"
    same "(SELECT view_name, late FROM sluice.view_stats WHERE view_name NOT IN ('su', 'sc')) vs" \
         "SELECT n, count(l.seq) FROM (VALUES ('tu'), ('tc'), ('tor'), ('hu'), ('hc')) AS v(n)
          LEFT JOIN o.late l ON l.name = v.n GROUP BY n"
    if [ -n "$HAVE_PY" ]; then
        same su "SELECT * FROM o.sess"
        same sc "SELECT * FROM o.sess WHERE we <= (SELECT wm FROM o.final_wm)"
        n=$(pgq -c "SELECT count(*) FROM sluice_mrel.sc")
        want=$(pgq -c "SELECT count(*) FROM o.sess WHERE we > (SELECT wm FROM o.final_wm)")
        [ "$n" = "$want" ] && pass "seed $seed: sc holds its $n open sessions apart" ||
            fail "seed $seed: sc: $n open sessions in its state table, the oracle $want"
        same "(SELECT view_name, (event->>'k')::int, (event->>'v')::int,
                      (event->>'ts')::timestamptz FROM sluice.late_events
               WHERE view_name IN ('su', 'sc')) sle" \
             "SELECT n, e.k, e.v, e.ts FROM o.sess_late l JOIN o.ev e USING (seq)
              CROSS JOIN (VALUES ('su'), ('sc')) AS v(n)"
        [ "$bridges" -gt 0 ] &&
            pass "seed $seed: $bridges events bridged sessions, $(pgq -c "SELECT count(*) FROM o.sess_late") late" ||
            fail "seed $seed: no event bridged two sessions: the test does not merge any"
        same "o.answers" \
             "SELECT req, count(DISTINCT l.seq)::int FROM o.ev e
              LEFT JOIN o.late_all l ON l.seq = e.seq GROUP BY req"
    else
        echo "python3 is not installed: session windows not compared"
    fi
    nlate=$(pgq -c "SELECT count(*) FROM o.late")
    [ "$nlate" -gt 20 ] && pass "seed $seed: $nlate late (view, event) pairs" ||
        fail "seed $seed: only $nlate late events: the test has too little disorder"
    wm=$(pgq -c "SELECT max_event FROM sluice.watermarks WHERE stream = 'ev'")
    want=$(pgq -c "SELECT (extract(epoch FROM max(ts) - '2000-01-01 00:00:00+00') * 1000000)::bigint FROM o.ev")
    [ "$wm" = "$want" ] && pass "seed $seed: sluice.watermarks holds the largest event time" ||
        fail "seed $seed: sluice.watermarks: $wm, want $want"

    slq -c "DROP STREAM ev CASCADE" >/dev/null 2>&1
    n=$(pgq -c "SELECT count(*) FROM sluice.watermarks WHERE stream = 'ev'")
    [ "$n" = 0 ] && pass "seed $seed: DROP STREAM removes its watermark" ||
        fail "seed $seed: DROP STREAM left its watermark"
    pgq -c "TRUNCATE sluice.late_events"
    sluiced_stop
}

for seed in $SEEDS; do
    seed_run "$seed"
done

# idle_timeout: the last window of a silent stream closes with the clock
sluiced_start --flush-interval 30
slq -c "CREATE STREAM q (k integer, ts timestamptz)
            WITH (event_time = 'ts', max_lateness = '1 second', idle_timeout = '1 second')" \
    -c "CREATE CONTINUOUS VIEW qc WITH (emit = 'on_window_close') AS SELECT k,
            tumble(ts, '1 minute') AS w, count(*) AS n FROM q GROUP BY k, w" ||
    sl_fail "creating the idle stream failed"
printf '{"k": 1, "ts": "2026-01-01T00:00:58.500Z"}\n' >"$PGTEST_DIR/q1"
t0=$(date +%s%N)
post q "$PGTEST_DIR/q1"
# the watermark (58.5 s - 1 s) moves with the clock after 1 s of silence:
# the window [00:00, 00:01) closes after about 3.5 s
while [ "$(pgq -c "SELECT count(*) FROM qc")" = 0 ] &&
      [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 10000 ]; do
    sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
n=$(pgq -c "SELECT n FROM qc")
[ "$n" = 1 ] && [ "$ms" -ge 3400 ] &&
    pass "idle_timeout: the window closed after $ms ms of silence" ||
    fail "idle_timeout: qc holds '$n' after $ms ms"
sluiced_stop
pg_stop
sl_done "windows: ok"
