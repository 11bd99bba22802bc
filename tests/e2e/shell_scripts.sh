#!/bin/sh
# tests/e2e/shell_scripts.sh: the sluice shell run as a script runner against
# a throwaway PostgreSQL: -c (repeatable), -f, statements on stdin, exit
# codes (0, 1 for -c, 3 for scripts, 2 for no connection) and stopping at the
# first error; psql-identical output for tables, expanded display, NULL
# display, errors with LINE/caret (long lines too), DETAIL/HINT; \o, \i,
# \timing, \d, \conninfo, \ingest's message on plain PostgreSQL; connection
# flags, PG* environment, conninfo strings and URIs, the 127.0.0.1:7432
# default.  Every check runs; prints each failure, exits 1 if any.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

SLUICE=$top_builddir/sluice
[ -x "$SLUICE" ] || sl_skip "$SLUICE is not built"
command -v psql >/dev/null 2>&1 || sl_skip "psql is not installed (needed as the reference)"
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGPASSWORD PGSERVICEFILE
export PGTZ=UTC PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8

nfail=0
fail() { printf 'FAIL: %s\n' "$*"; nfail=$((nfail + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

pg_start
work=$PGTEST_DIR/shell
mkdir -p "$work"
CONN="-h 127.0.0.1 -p $PGTEST_PORT -U postgres postgres"

# sl ARGS...: runs sluice; stdout+stderr in $work/out, status in RC.
sl() { "$SLUICE" -X $CONN "$@" >"$work/out" 2>&1; RC=$?; }
# psql's expanded output differs between minor versions in two ways only:
# 15.18 does not widen the data column for the "-[ RECORD n ]" label (so no
# '-' after a label that just fits, no spaces before a multi-line value's
# '+'); 15.17 and 15.20 do.  Both sides are compared without those, so the
# test holds whichever psql is installed; check_shell_format asserts the
# widened form sluice prints.
minor_norm() { sed -e 's/^\(-\[ RECORD [0-9]* \]\)-*$/\1/' -e 's/ *+$/+/'; }
# same_as_psql NAME ARGS...: sluice and psql (ON_ERROR_STOP) print the same.
same_as_psql() {
    name=$1
    shift
    "$SLUICE" -X $CONN "$@" 2>&1 | minor_norm >"$work/a"
    psql -X -v ON_ERROR_STOP=1 $CONN "$@" 2>&1 | sed 's/^psql:/sluice:/' | minor_norm >"$work/b"
    if cmp -s "$work/a" "$work/b"; then
        pass "$name"
    else
        fail "$name differs from psql:"
        diff "$work/a" "$work/b"
    fi
}

psql -X -q $CONN -c "CREATE TABLE t (a int, b text); INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'multi
line');" || sl_fail "setting up PostgreSQL failed"

# ---- output identical to psql ------------------------------------------------
same_as_psql "aligned table" -c "SELECT * FROM t ORDER BY a"
same_as_psql "numbers right, text left, header centered" \
    -c "SELECT 1 AS a, 'x' AS bb, NULL::text AS c, 'hello world' AS d, 12.5::numeric AS n"
same_as_psql "zero rows" -c "SELECT 1 WHERE false"
same_as_psql "expanded" -c '\x' -c "SELECT a, b, repeat('x', a * 7) AS long_column_name FROM t ORDER BY a"
# Expanded headers: the installed psql is the reference (up to the minor
# versions' difference above); 1, 10 and 100 records, short and wide
# values, tuples only.
same_as_psql "expanded, 10 records" -c '\x' -c "SELECT 1 AS a FROM generate_series(1, 10)"
same_as_psql "expanded, 1 record, short multi-line value" -x -c "SELECT 1 AS a, E'x\\nyz' AS bbb, NULL AS c"
same_as_psql "expanded, 100 records, short multi-line values" -x \
    -c "SELECT g AS n, CASE WHEN g % 3 = 0 THEN E'a\\nb' ELSE repeat('w', g % 5) END AS v FROM generate_series(1, 100) g"
same_as_psql "expanded, tuples only" -x -t -c "SELECT g AS a, 'x' AS bb FROM generate_series(1, 11) g"
same_as_psql "expanded, multi-line column names" -x -c "SELECT E'a\\nb\\nc' AS \"two
lines\", 2 AS b, 'x' AS \"p
q
r\""
same_as_psql "expanded, unaligned" -x -A -c "SELECT * FROM t ORDER BY a"
same_as_psql "multi-line column names (aligned)" -c "SELECT E'a\\nb\\nc' AS \"two
lines\", 2 AS b, 'x' AS \"p
q
r\""
same_as_psql "tuples only: columns as wide as their names" -t -c "SELECT 1 AS longname, 'x' AS b"
same_as_psql "null display" -c '\pset null (null)' -c "SELECT * FROM t ORDER BY a"
same_as_psql "unaligned, tuples only" -A -t -c "SELECT * FROM t ORDER BY a"
same_as_psql "unaligned with header" -A -F , -c "SELECT * FROM t ORDER BY a"
same_as_psql "command tags" -c "CREATE TEMP TABLE tt (x int)" -c "INSERT INTO tt VALUES (1), (2)"
same_as_psql "UTF-8 widths" -c "SELECT 'é' AS ü, '中文' AS \"long header name\""
same_as_psql "\\d lists tables" -c '\d'
same_as_psql "\\d table" -c '\d t'
psql -X -q $CONN -c 'CREATE TABLE "Mixed" (x int)' -c 'CREATE VIEW tv AS SELECT 1 AS one' \
    -c 'CREATE SEQUENCE tseq'
same_as_psql "\\dt" -c '\dt'
same_as_psql "\\dt with patterns (wildcards, quoted case, schema)" -c '\dt t*' -c '\dt "Mixed"' \
    -c '\dt mixed' -c '\dt public.?' -c '\dt nosuch'
same_as_psql "\\dv, \\ds, \\dm" -c '\dv' -c '\ds' -c '\dm'
long=$(printf ' + 1%.0s' $(seq 1 30))
same_as_psql "syntax error caret" -c "SELECT 1 +"
same_as_psql "caret in a long line (cut left)" -c "SELECT a$long FROM nosuch"
same_as_psql "caret in a long line (cut both sides)" -c "SELECT 1 $(printf ' + 1%.0s' $(seq 1 13)), zzz $long"
same_as_psql "caret on line 2, tab" -c "SELECT 1,
  2,	zzz"
psql -X -q $CONN -c "CREATE FUNCTION boom() RETURNS int LANGUAGE plpgsql AS \$\$
BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint'; END \$\$"
same_as_psql "DETAIL, HINT, CONTEXT" -c "SELECT boom()"

# ---- scripts: -c, -f, stdin, exit codes -----------------------------------------
sl -c "SELECT 1 AS x" -c "SELECT 2 AS y"
if [ $RC = 0 ] && grep -q '^ x $' "$work/out" && grep -q '^ y $' "$work/out"; then
    pass "-c repeated runs each command"
else
    fail "-c repeated (rc $RC)"; cat "$work/out"
fi
sl -c "SELECT 1 AS x" -c "SELEC 2" -c "SELECT 3 AS never"
if [ $RC = 1 ] && grep -q 'ERROR:  syntax error at or near "SELEC"' "$work/out" &&
    ! grep -q never "$work/out"; then
    pass "-c stops at the first error, exit 1"
else
    fail "-c error (rc $RC)"; cat "$work/out"
fi

cat >"$work/s.sql" <<'EOF'
-- comments; and quotes do not end statements
SELECT 'a;b' AS s,
       $$x;
y$$ AS d;   /* ; */
SELECT (1
  +
  2) AS paren;
SELECT count(*) AS n FROM t \g
\echo after-g
SELECT nosuch FROM t;
SELECT 'not reached';
EOF
sl -f "$work/s.sql"
if [ $RC = 3 ] && grep -q '^ a;b | x;+$' "$work/out" && grep -q '^     3$' "$work/out" &&
    grep -q '^ n $' "$work/out" && grep -q after-g "$work/out" &&
    grep -q "^sluice:$work/s.sql:10: ERROR:  column \"nosuch\" does not exist" "$work/out" &&
    grep -q '^LINE 1: SELECT nosuch FROM t;' "$work/out" && ! grep -q 'not reached' "$work/out"; then
    pass "-f: quotes, dollar quotes, comments, parentheses, \\g; stops at line 10, exit 3"
else
    fail "-f script (rc $RC)"; cat "$work/out"
fi
"$SLUICE" -X $CONN <"$work/s.sql" >"$work/out" 2>&1
RC=$?
if [ $RC = 3 ] && grep -q '^sluice:<stdin>:10: ERROR:' "$work/out" && ! grep -q 'not reached' "$work/out"; then
    pass "stdin that is not a terminal runs as a script"
else
    fail "stdin script (rc $RC)"; cat "$work/out"
fi
printf 'SELECT 41 + 1 AS answer' | "$SLUICE" -X $CONN -A -t >"$work/out" 2>&1
if [ $? = 0 ] && [ "$(cat "$work/out")" = 42 ]; then
    pass "a last statement without ';' runs at the end of input"
else
    fail "unterminated last statement"; cat "$work/out"
fi
sl -f "$work/nonexistent.sql"
[ $RC = 1 ] && grep -q 'nonexistent.sql' "$work/out" && pass "missing -f file: exit 1" ||
    { fail "missing -f file (rc $RC)"; cat "$work/out"; }
sl -c '\bogus'
[ $RC = 1 ] && grep -q 'invalid command \\bogus' "$work/out" && pass "unknown meta-command" ||
    { fail "unknown meta-command (rc $RC)"; cat "$work/out"; }

# COPY in both directions
printf 'COPY t FROM STDIN;\n10\tten\n11\t\\N\n\\.\nSELECT count(*) FROM t WHERE a >= 10;\nCOPY (SELECT a FROM t WHERE a >= 10 ORDER BY a) TO STDOUT;\n' >"$work/copy.sql"
sl -A -t -f "$work/copy.sql"
if [ $RC = 0 ] && [ "$(tr '\n' ' ' <"$work/out")" = "COPY 2 2 10 11 COPY 2 " ]; then
    pass "COPY FROM STDIN (data from the script) and TO STDOUT"
else
    fail "COPY (rc $RC)"; cat "$work/out"
fi

# ---- meta-commands ---------------------------------------------------------------
sl -c '\o '"$work/o.txt" -c "SELECT 'to file' AS f" -c '\o' -c "SELECT 'to stdout' AS g"
if grep -q 'to file' "$work/o.txt" && ! grep -q 'to file' "$work/out" && grep -q 'to stdout' "$work/out"; then
    pass "\\o file, \\o back to stdout"
else
    fail "\\o"; cat "$work/out" "$work/o.txt"
fi
printf 'SELECT 5 AS included;\n' >"$work/inc.sql"
sl -c '\i '"$work/inc.sql"
[ $RC = 0 ] && grep -q '^        5$' "$work/out" && pass "\\i" || { fail "\\i (rc $RC)"; cat "$work/out"; }
sl -c '\timing' -c 'SELECT pg_sleep(0.01)'
grep -q '^Timing is on.$' "$work/out" && grep -Eq '^Time: [0-9]+\.[0-9]{3} ms$' "$work/out" &&
    pass "\\timing" || { fail "\\timing"; cat "$work/out"; }
sl -c '\conninfo'
grep -q "You are connected to database \"postgres\" as user \"postgres\" on host \"127.0.0.1\" at port \"$PGTEST_PORT\"." "$work/out" &&
    grep -q '^Server: PostgreSQL' "$work/out" && pass "\\conninfo" || { fail "\\conninfo"; cat "$work/out"; }
sl -c '\d nosuch'
[ $RC = 1 ] && grep -q 'Did not find any relation named "nosuch".' "$work/out" &&
    pass "\\d of a missing relation" || { fail "\\d nosuch (rc $RC)"; cat "$work/out"; }
printf '{"a":1}\n' >"$work/ev.ndjson"
sl -c "\\ingest t $work/ev.ndjson"
[ $RC = 1 ] && grep -q '^\\ingest needs a Sluice server (SHOW http_address failed: unrecognized configuration parameter "http_address")$' "$work/out" &&
    pass "\\ingest on plain PostgreSQL says it needs Sluice" || { fail "\\ingest on PostgreSQL (rc $RC)"; cat "$work/out"; }

# ---- connection parameters --------------------------------------------------------
q='SELECT current_database(), current_user, inet_server_port()'
expect="postgres|postgres|$PGTEST_PORT"
check_conn() {
    name=$1
    shift
    out=$("$@" -X -A -t -c "$q" 2>&1)
    [ "$out" = "$expect" ] && pass "$name" || fail "$name: got '$out'"
}
check_conn "-h -p -U -d" "$SLUICE" -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres -d postgres
check_conn "positional dbname user" "$SLUICE" -h 127.0.0.1 -p "$PGTEST_PORT" postgres postgres
check_conn "conninfo string" "$SLUICE" "host=127.0.0.1 port=$PGTEST_PORT user=postgres dbname=postgres"
check_conn "URI" "$SLUICE" "postgresql://postgres@127.0.0.1:$PGTEST_PORT/postgres"
check_conn "PGHOST/PGPORT/PGUSER/PGDATABASE" env PGHOST=127.0.0.1 PGPORT=$PGTEST_PORT PGUSER=postgres PGDATABASE=postgres "$SLUICE"
expect="postgres|postgres|"    # no port over a Unix socket
check_conn "PGHOST=socket dir" env PGHOST=$PGTEST_DIR PGPORT=$PGTEST_PORT PGUSER=postgres PGDATABASE=postgres "$SLUICE"
# Nothing given: the local sluiced at 127.0.0.1:7432, user and database "postgres".
out=$(PGCONNECT_TIMEOUT=2 "$SLUICE" -X -A -t -c 'SELECT 1' 2>&1)
rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q 'connection to server at "127.0.0.1", port 7432 failed'; then
    pass "default target is 127.0.0.1:7432 (nothing listening)"
elif [ $rc = 0 ]; then
    pass "default target 127.0.0.1:7432 answered (something listens there)"
else
    fail "default target: rc $rc: $out"
fi
out=$("$SLUICE" -X -h 127.0.0.1 -p 1 -c 'SELECT 1' 2>&1)
rc=$?
[ $rc = 2 ] && echo "$out" | grep -q '^sluice: error: connection to server at "127.0.0.1", port 1 failed' &&
    pass "connection failure: exit 2, psql-style message" || fail "connection failure: rc $rc: $out"

sl -c '\?'
[ $RC = 0 ] && grep -q '^  \\ingest STREAM FILE' "$work/out" && grep -q '^  \\watch \[SEC\]' "$work/out" &&
    grep -q '^  \\d NAME ' "$work/out" && pass "\\? lists the meta-commands" ||
    { fail "\\? (rc $RC)"; cat "$work/out"; }

[ $nfail = 0 ] || { echo "$nfail check(s) failed"; exit 1; }
echo "all shell script checks passed"
