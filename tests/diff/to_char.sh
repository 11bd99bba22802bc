#!/bin/sh
# tests/diff/to_char.sh: to_char over timestamps and numbers beside
# PostgreSQL's, template by template.  The templates
# (tests/diff/data/to_char_templates.txt, to_char_number_templates.txt) are
# random strings of pattern pieces (every date/time pattern in upper, mixed
# and lower case, FM / TM / TH / SP / FX, quoted text, escapes; every number
# pattern, L, B, RN, EEEE, V ...).  Each template that PostgreSQL accepts
# over the events is a column of one transform; every column must hold
# PostgreSQL's value for every event (BC years, year 10000, fractions,
# negative numbers, numbers that overflow the template).  numeric columns
# (m: values of up to 35 digits, r: NaN and the infinities), and the other
# number columns (q: real), also get templates drawn at random from digit runs,
# points, signs, FM, V, EEEE, TH, RN, B, C, SP, L, text and keywords in
# lower and mixed case ($TOCHAR_SEED picks them; the seed is printed).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC
pg_start
sluiced_start --flush-interval 50
cols="k integer, ts timestamptz, tl timestamp, x double precision, n bigint, m numeric, r numeric, q real"
pgq -c "CREATE TABLE ev ($cols)"
slq -c "CREATE STREAM ev ($cols)"
body='{"k":1,"ts":"2024-03-01T12:30:00.123456Z","tl":"2024-03-01 12:30:00.5","x":1234.5678,"n":1234567,"m":12345678901234567890.123456789012345,"r":"NaN","q":1.1}
{"k":2,"ts":"1999-01-08 04:05:06Z","tl":"0044-03-15 23:59:59 BC","x":-0.5,"n":-42,"m":-0.000000000000000000123456789,"r":"Infinity","q":-0.5}
{"k":3,"ts":"2020-12-31 00:00:00Z","tl":"2021-01-03 13:00","x":0,"n":0,"m":0,"r":"-Infinity","q":0}
{"k":4,"ts":"2005-01-01 08:00:00Z","tl":"2008-12-29 11:11:11","x":99999.999,"n":9876543210,"m":99999999999999999999999999.5,"r":3999.49,"q":3.4e38}
{"k":5,"ts":"0001-01-01 00:00:00Z","tl":"10000-06-15 01:02:03","x":-12.345,"n":7,"m":-987654321.987654321,"r":-2.5,"q":123456.7}'
pgq -c "INSERT INTO ev SELECT * FROM json_populate_recordset(NULL::ev,
        '[$(printf '%s\n' "$body" | paste -sd, -)]')"
# candidate calls; one psql session then keeps those PostgreSQL accepts
add() { echo "$1" >> "$PGTEST_DIR/cands"; }
: > "$PGTEST_DIR/cands"
while IFS= read -r t; do
    add "to_char(ts, '$t')"
    add "to_char(tl, '$t')"
done < "$top_srcdir/tests/diff/data/to_char_templates.txt"
while IFS= read -r t; do
    add "to_char(x, '$t')"
    add "to_char(n, '$t')"
    add "to_char(k, '$t')"
    add "to_char(m, '$t')"
    add "to_char(r, '$t')"
done < "$top_srcdir/tests/diff/data/to_char_number_templates.txt"
seed=${TOCHAR_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# TOCHAR_SEED=$seed"
awk -v seed="$seed" 'BEGIN {
    srand(seed)
    split("S SG PL MI PR s sg pl mi pr", sg, " ")
    nex = split("FM TH th EEEE V L \"n\" G D RN rn B b C SP sp fm eeee Th Mi x \"a\\\"b\" g d v", ex, " ")
    for (t = 0; t < 120; t++) {
        s = (rand() < 0.3 ? "FM" : "")
        if (rand() < 0.3) s = s sg[int(rand() * 10) + 1]
        n = int(rand() * 38)
        for (j = 0; j < n; j++) {
            s = s (rand() < 0.25 ? "0" : "9")
            if (rand() < 0.08) s = s (rand() < 0.5 ? "," : "G")
        }
        if (rand() < 0.6) {
            s = s (rand() < 0.7 ? "." : "D")
            n = int(rand() * 25)
            for (j = 0; j < n; j++) s = s (rand() < 0.3 ? "0" : "9")
        }
        if (rand() < 0.4) s = s ex[int(rand() * nex) + 1]
        if (rand() < 0.15) s = ex[int(rand() * nex) + 1] s
        if (rand() < 0.2) s = s "V" (rand() < 0.5 ? "99" : "9")
        if (rand() < 0.3) s = s sg[int(rand() * 10) + 1]
        print s
    }
}' > "$PGTEST_DIR/numeric_templates"
while IFS= read -r t; do
    add "to_char(m, '$t')"
    add "to_char(r, '$t')"
    add "to_char(x, '$t')"
    add "to_char(n, '$t')"
    add "to_char(k, '$t')"
    add "to_char(q, '$t')"
done < "$PGTEST_DIR/numeric_templates"
awk '{ printf "SELECT \x27ok %d\x27 FROM ev HAVING count(%s) >= 0;\n", NR, $0 }' "$PGTEST_DIR/cands" |
    pgq -v ON_ERROR_STOP=0 2>/dev/null | sed -n 's/^ok //p' > "$PGTEST_DIR/accepted"
awk 'NR == FNR { ok[$1] = 1; next } FNR in ok' "$PGTEST_DIR/accepted" "$PGTEST_DIR/cands" > "$PGTEST_DIR/exprs"
i=$(wc -l < "$PGTEST_DIR/exprs")
skipped=$(($(wc -l < "$PGTEST_DIR/cands") - i))   # templates PostgreSQL refuses
# transforms of up to 150 columns each (a row must fit PostgreSQL's page)
per=150
nv=$(( (i + per - 1) / per ))
for v in $(seq 1 "$nv"); do
    awk -v lo=$(( (v - 1) * per + 1 )) -v hi=$(( v * per )) \
        'NR >= lo && NR <= hi { printf ", %s AS c%d", $0, NR }' "$PGTEST_DIR/exprs" > "$PGTEST_DIR/ex$v"
    seq $(( (v - 1) * per + 1 )) $(( v * per < i ? v * per : i )) > "$PGTEST_DIR/cn$v"
    slq -c "CREATE CONTINUOUS VIEW xf$v AS SELECT k$(cat "$PGTEST_DIR/ex$v") FROM ev" ||
        sl_fail "creating transform xf$v failed"
done
code=$(curl -s -o "$PGTEST_DIR/resp" -w '%{http_code}' --data-binary "$body" "http://$SLUICE_HTTP/v1/streams/ev")
[ "$code" = 200 ] || sl_fail "POST: HTTP $code $(cat "$PGTEST_DIR/resp")"
bad=0
for v in $(seq 1 "$nv"); do
    oracle="SELECT k$(cat "$PGTEST_DIR/ex$v") FROM ev"
    cols=$(awk '{ printf ", c%d", $0 }' "$PGTEST_DIR/cn$v")
    rows=$(pgq -c "SELECT count(*) FROM xf$v")
    [ "$rows" = 5 ] || { fail "xf$v holds $rows rows"; bad=$((bad + 1)); }
    # all columns at once; column by column only to name a difference
    all=$(pgq -c "SELECT count(*) FROM ((SELECT k$cols FROM xf$v EXCEPT SELECT * FROM ($oracle) o)
                  UNION ALL (SELECT * FROM ($oracle) o EXCEPT SELECT k$cols FROM xf$v)) d")
    [ "$all" = 0 ] && continue
    bad=$((bad + 1))
    for c in $(cat "$PGTEST_DIR/cn$v"); do
        d=$(pgq -c "(SELECT k, c$c FROM xf$v EXCEPT SELECT k, c$c FROM ($oracle) o)
                    UNION ALL (SELECT k, c$c FROM ($oracle) o EXCEPT SELECT k, c$c FROM xf$v)" | head -4)
        [ -z "$d" ] || fail "$(sed -n "${c}p" "$PGTEST_DIR/exprs"): $(echo "$d" | tr '\n' ' ')"
    done
done
[ "$bad" = 0 ] && pass "$i to_char calls equal PostgreSQL's over 5 events, seed $seed ($skipped templates PostgreSQL refuses left out)"
sluiced_stop
sl_done "to_char: all checks passed"
