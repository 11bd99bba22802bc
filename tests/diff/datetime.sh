#!/bin/sh
# tests/diff/datetime.sh: Sluice's date, time, timestamp, timestamptz and
# uuid input functions beside PostgreSQL's, input by input.
#   - a fixed list (tests/diff/data/datetime_inputs.txt: ISO 8601 forms
#     for the fast path and its edges, month names, BC, Julian days,
#     special words, zone abbreviations, names and POSIX specs, bad fields)
#     and DT_RANDOM (4000) random texts from tests/diff/gendt.awk, each read
#     as every type: Sluice's value or SQLSTATE and message must equal
#     PostgreSQL's '...'::type (PL/pgSQL catches the error);
#   - the full decoder alone (no fast path) gives the same for the
#     timestamps: the fast path only shortcuts what the decoder also does.
# 'now', 'today', 'tomorrow' and 'yesterday' are left out (the clock moves).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
typein=$top_builddir/tests/diff/sl_typein
[ -x "$typein" ] || sl_skip "tests/diff/sl_typein is not built (make check builds it)"
pg_start
export PGTZ=UTC

in=$PGTEST_DIR/inputs
{
    grep -v -i -E '^(now|today|tomorrow|yesterday)$' "$top_srcdir/tests/diff/data/datetime_inputs.txt"
    awk -v seed="${DT_SEED:-11}" -v n="${DT_RANDOM:-4000}" -f "$top_srcdir/tests/diff/gendt.awk"
} | grep -v -i -E 'now|today|tomorrow|yesterday' > "$in"
sed 's/\\/\\\\/g' "$in" > "$in.copy"
pgq -c "CREATE FUNCTION tryin(t text, s text) RETURNS text LANGUAGE plpgsql AS \$\$
        DECLARE r text;
        BEGIN
            EXECUTE format('SELECT %L::%s::text', s, t) INTO r;
            RETURN r;
        EXCEPTION WHEN others THEN
            RETURN 'ERROR: ' || SQLSTATE || ' ' || SQLERRM;
        END \$\$" \
    -c "CREATE TABLE inp (n serial, s text)" \
    -c "\\copy inp (s) FROM '$in.copy'"
n=$(wc -l < "$in")
for t in date time timestamp timestamptz uuid; do
    pgq -c "SELECT coalesce(tryin('$t', s), 'NULL') FROM inp ORDER BY n" > "$PGTEST_DIR/pg.$t"
    "$typein" "$t" < "$in" > "$PGTEST_DIR/sl.$t"
    d=$(paste -d '|' "$in" "$PGTEST_DIR/pg.$t" "$PGTEST_DIR/sl.$t" |
        awk -F'|' '$2 != $3 { print "[" $1 "] PostgreSQL: " $2 " Sluice: " $3 }' | head -5)
    [ -z "$d" ] && pass "$t: $n inputs read as PostgreSQL reads them" || fail "$t: $d"
    case $t in
    timestamp*)
        "$typein" "$t" --full < "$in" > "$PGTEST_DIR/full.$t"
        cmp -s "$PGTEST_DIR/sl.$t" "$PGTEST_DIR/full.$t" &&
            pass "$t: the full decoder alone gives the same" ||
            fail "$t: fast path and full decoder differ: $(diff "$PGTEST_DIR/sl.$t" "$PGTEST_DIR/full.$t" | head -4)"
        ;;
    esac
done
sl_done "datetime input: all checks passed"
