#!/bin/sh
# tests/e2e/ingest_refused.sh: what PostgreSQL would refuse when a flush
# stores it is refused at ingest (400, nothing applied), so a flush never
# fails on data and no view is marked broken:
#   - timestamps: a differential loop over ~600 boundary strings (years
#     294246..294278, 4713..4715 BC, huge years, zones that push over the
#     edge, 24:00, rounding of 7 fractional digits) against PostgreSQL's own
#     timestamptz / timestamp input: the same value stored, or the same
#     SQLSTATE and message;
#   - sum / avg over double precision and real: finite + finite = infinite
#     within a request is 22003 "value out of range: overflow" naming the
#     view and the line; Infinity inputs are fine;
#   - a text group key whose index row would exceed btree's 2704 bytes is
#     54000 naming the view and the column; the longest that fits is stored.
# Every check runs; the script prints each failure and exits 1 if any.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC PGCLIENTENCODING=UTF8

pg_start
sluiced_start --flush-interval 50
work=$PGTEST_DIR/refused
mkdir -p "$work"

# post STREAM BODY [QUERY]: sets CODE and RESP.
post() {
    printf '%s' "$2" >"$work/body"
    CODE=$(curl -s -o "$work/resp" -w '%{http_code}' --data-binary @"$work/body" \
        "http://$SLUICE_HTTP/v1/streams/$1${3:-}") || CODE=000
    RESP=$(cat "$work/resp")
}
# expect400 WHAT SQLSTATE FRAGMENT...: the last answer was 400 with the
# SQLSTATE and every fragment.
expect400() {
    what=$1 state=$2
    shift 2
    ok=1
    [ "$CODE" = 400 ] || ok=0
    case $RESP in *"\"sqlstate\": \"$state\""*) ;; *) ok=0 ;; esac
    for f in "$@"; do
        case $RESP in *"$f"*) ;; *) ok=0 ;; esac
    done
    [ $ok = 1 ] && pass "$what: $RESP" || fail "$what: HTTP $CODE $RESP, expected 400 $state with $*"
}
not_broken() {
    v=$(curl -s "http://$SLUICE_HTTP/v1/views")
    case $v in
        *'"broken": true'*) fail "a view is broken after $1: $v" ;;
        *) pass "no view broken after $1" ;;
    esac
}

slq <<'EOF' || sl_fail "setting up streams and views through sluiced failed"
CREATE STREAM ev (k text, f double precision, r real);
CREATE CONTINUOUS VIEW fsum AS SELECT k, sum(f) AS s, avg(f) AS a, count(*) AS n FROM ev GROUP BY k;
CREATE CONTINUOUS VIEW rsum AS SELECT sum(r) AS s, count(*) AS n FROM ev;
CREATE STREAM tsv (id integer, ts timestamptz, t timestamp);
CREATE CONTINUOUS VIEW tsview AS SELECT id, ts, t, count(*) AS n FROM tsv GROUP BY id, ts, t;
EOF

# ---- float sums ------------------------------------------------------------
post ev '{"k": "a", "f": 1e308}'
[ "$CODE" = 200 ] && pass "1e308 alone: 200" || fail "1e308 alone: HTTP $CODE $RESP"
post ev '{"k": "b", "f": 1}
{"k": "b", "f": 1e308}
{"k": "b", "f": 1e308}'
expect400 "two 1e308 in one group of one request" 22003 '"error": "value out of range: overflow"' \
    '"line": 3' '"view": "fsum"'
post ev '{"k": "c", "f": -1e308}
{"k": "d", "f": -1e308}
{"k": "c", "f": -1.5e308}'
expect400 "-1e308 - 1.5e308" 22003 '"line": 3' '"view": "fsum"'
post ev '{"k": "i", "f": "Infinity"}
{"k": "i", "f": 1e308}
{"k": "i", "f": 1e308}
{"k": "j", "f": 1e308}
{"k": "j", "f": -1e308}
{"k": "j", "f": 1e308}'
[ "$CODE" = 200 ] && pass "Infinity + 1e308 + 1e308, 1e308 - 1e308 + 1e308: 200" ||
    fail "Infinity + finite: HTTP $CODE $RESP"
post ev '{"r": 3e38}
{"r": 3e38}'
expect400 "sum(real) of 3e38 + 3e38 (float4pl)" 22003 '"line": 2' '"view": "rsum"'
got=$(pgq -c "SELECT string_agg(k || ':' || s || ':' || a || ':' || n, ' ' ORDER BY k) FROM fsum")
[ "$got" = "a:1e+308:1e+308:1 i:Infinity:Infinity:3 j:1e+308:3.333333333333333e+307:3" ] &&
    pass "fsum holds the accepted requests only: $got" || fail "fsum: $got"
# PostgreSQL's own answer for the refused request's events is the same error
err=$(pgq -c "SELECT sum(f) FROM (VALUES (1::float8), (1e308), (1e308)) AS e(f)" 2>&1 || true)
case $err in *'value out of range: overflow'*) pass "PostgreSQL agrees: $err" ;;
    *) fail "PostgreSQL's sum over the refused events: $err" ;; esac
err=$(pgq -c "SELECT sum(r) FROM (VALUES (3e38::real), (3e38::real)) AS e(r)" 2>&1 || true)
case $err in *'value out of range: overflow'*) pass "PostgreSQL agrees on real: $err" ;;
    *) fail "PostgreSQL's sum(real) over the refused events: $err" ;; esac
not_broken "the refused float sums"

# ---- group keys too long for the state table's index ----------------------
# Letters drawn at random: pglz finds nothing to compress, so PostgreSQL
# itself needs the full length in the index.
rnd() { awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%c", 97 + int(rand() * 26) }'; }
k2692=$(rnd 2692 1)
k2693=$(rnd 2693 2)
post ev "{\"k\": \"$k2692\", \"f\": 1}"
[ "$CODE" = 200 ] && pass "a 2692-byte key (an index row of exactly 2704 bytes): 200" ||
    fail "2692-byte key: HTTP $CODE $RESP"
[ "$(pgq -c "SELECT length(k) FROM fsum WHERE n = 1 AND length(k) > 100")" = 2692 ] &&
    pass "the 2692-byte key is stored" || fail "the 2692-byte key is not in fsum"
post ev "{\"k\": \"x\"}
{\"k\": \"$k2693\", \"f\": 1}"
expect400 "a 2693-byte key" 54000 \
    'group key too long for continuous view \"fsum\": column \"k\" holds 2693 bytes' \
    'index row of 2712 bytes' 'at most 2704 bytes' '"line": 2' '"view": "fsum"'
# PostgreSQL would refuse that row in the state table itself
err=$(pgq -c "CREATE TEMP TABLE kt (k text UNIQUE); INSERT INTO kt VALUES ('$k2693')" 2>&1 || true)
case $err in *'index row size 2712 exceeds btree version 4 maximum 2704'*) pass "PostgreSQL agrees: index row size 2712" ;;
    *) fail "PostgreSQL on the 2693-byte key: $err" ;; esac
long=$(awk 'BEGIN { for (i = 0; i < 3000; i++) printf "a" }')
post ev "{\"k\": \"$long\"}"
expect400 "a 3000-byte compressible key (refused: storing it cannot be promised)" 54000 \
    'holds 3000 bytes'
not_broken "the refused keys"
post ev '{"k": "a", "f": 1}'
[ "$CODE" = 200 ] && [ "$(pgq -c "SELECT s FROM fsum WHERE k = 'a'")" = 1e+308 ] &&
    pass "ingest goes on after the refusals" || fail "POST after the refusals: HTTP $CODE $RESP"

# ---- timestamps: differential against PostgreSQL ---------------------------
# Boundary strings in the ISO forms both accept.
gen() {
    for y in 294246 294247 294248 294249 294250 294275 294276 294277 294278; do
        for md in 01-01 06-15 12-31; do
            for tm in "" " 00:00:00" "T23:59:59.999999" " 24:00:00" " 23:59:59.9999995"; do
                for z in "" "Z" "+15" "-15:59" "-01"; do
                    [ -z "$tm" ] && [ -n "$z" ] && continue
                    echo "$y-$md$tm$z"
                done
            done
        done
    done
    for y in 4713 4714 4715; do
        for md in 01-01 11-23 11-24 12-31; do
            for tm in "" " 00:00:00" " 23:59:59.999999"; do
                for z in "" "Z" "+01" "-01"; do
                    [ -z "$tm" ] && [ -n "$z" ] && continue
                    echo "$y-$md$tm$z BC"
                done
            done
        done
    done
    for s in 0001-01-01 "0001-01-01 BC" "0001-02-29 BC" "0002-02-29 BC" "0000-01-01" \
        "0000-06-01 BC" 5874897-12-31 5874898-01-01 5874898-06-01 2147483647-01-01 \
        "2147483647-01-01 BC" 2147483648-01-01 99999999999999999999-01-01 \
        0000000000002020-01-01 2147483647-02-30 "2020-01-01 ad" 2020-01-01BC \
        "294276-12-31 23:59:59.999999+00:00:01" "294276-12-31 23:59:59.999999-00:00:01" \
        "294276-12-31T23:59:59.999999Z" "294277-01-01T00:00:00.000000Z" \
        "294276-12-31 23:59:60" "4714-11-24 00:00:00.0000001 BC" \
        "4714-11-23 23:59:59.9999995 BC" "1970-01-01" "2000-01-01" "1999-12-31 23:59:59.999999"; do
        echo "$s"
    done
}
gen >"$work/ts.txt"
total=$(wc -l <"$work/ts.txt")
# PostgreSQL's answers: the value as text, or "ERROR sqlstate message".
pgq >/dev/null <<'EOF'
CREATE FUNCTION ts_try(s text, tz boolean) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF tz THEN RETURN s::timestamptz::text; END IF;
    RETURN s::timestamp::text;
EXCEPTION WHEN others THEN
    RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE TABLE ts_in (id serial, s text);
EOF
pgq -c "\\copy ts_in (s) FROM '$work/ts.txt'"
pgq -F '	' -c "SELECT id, ts_try(s, true), ts_try(s, false) FROM ts_in ORDER BY id" >"$work/pg.txt"
# sluiced's answers, one request per string (?ack=received: no flush wait)
i=0
: >"$work/sl.txt"
while IFS= read -r s; do
    i=$((i + 1))
    post tsv "{\"id\": $i, \"ts\": \"$s\", \"t\": \"$s\"}" "?ack=received"
    printf '%s\t%s\t%s\n' "$i" "$CODE" "$RESP" >>"$work/sl.txt"
done <"$work/ts.txt"
# wait for the accepted ones to be flushed
post tsv '{"id": 0}'
pgq -F '	' -c "SELECT id, ts::text, t::text FROM tsview WHERE id > 0 ORDER BY id" >"$work/stored.txt"
awk -F '\t' -v total="$total" '
    FILENAME == ARGV[1] { pgtz[$1] = $2; pgts[$1] = $3; next }
    FILENAME == ARGV[2] { code[$1] = $2; resp[$1] = $3; next }
    { stz[$1] = $2; sts[$1] = $3 }
    END {
        bad = 0; refused = 0
        for (i = 1; i <= total; i++) {
            # PostgreSQL refuses the event when either column fails: ts first.
            want = pgtz[i] ~ /^ERROR / ? pgtz[i] : pgts[i] ~ /^ERROR / ? pgts[i] : ""
            if (want != "") {
                refused++
                split(want, w, " ")
                msg = substr(want, length(w[1]) + length(w[2]) + 3)
                r = resp[i]; gsub(/\\"/, "\"", r)
                if (code[i] != 400 || index(r, "\"sqlstate\": \"" w[2] "\"") == 0 ||
                    index(r, "\"error\": \"" msg "\"") == 0) {
                    printf "string %d: PostgreSQL says %s; sluiced: %s %s\n", i, want, code[i], resp[i]
                    bad++
                }
            } else if (code[i] != 200 || stz[i] != pgtz[i] || sts[i] != pgts[i]) {
                printf "string %d: PostgreSQL reads %s | %s; sluiced: %s %s, stored %s | %s\n",
                       i, pgtz[i], pgts[i], code[i], resp[i], stz[i], sts[i]
                bad++
            }
        }
        printf "%d strings, %d refused by PostgreSQL, %d differences\n", total, refused, bad
        exit bad > 0
    }' "$work/pg.txt" "$work/sl.txt" "$work/stored.txt" >"$work/diff.txt" 2>&1 &&
    pass "timestamps as PostgreSQL reads them: $(tail -n 1 "$work/diff.txt")" ||
    fail "timestamps differ from PostgreSQL: $(head -n 20 "$work/diff.txt")"
post tsv '{"id": -1, "ts": "294250-01-01T00:00:00Z"}'
[ "$CODE" = 200 ] && [ "$(pgq -c "SELECT ts FROM tsview WHERE id = -1")" = "294250-01-01 00:00:00+00" ] &&
    pass "294250-01-01T00:00:00Z stored as PostgreSQL reads it" ||
    fail "294250-01-01T00:00:00Z: HTTP $CODE $RESP, stored $(pgq -c "SELECT ts FROM tsview WHERE id = -1")"
not_broken "the timestamps"

sluiced_stop
sl_done "all ingest-refusal checks passed"
