#!/bin/sh
# tests/regress/run.sh: pg_regress-like runner.  Starts a throwaway
# PostgreSQL and one sluiced on it, runs every tests/regress/sql/NAME.sql
# (or only the NAMEs given as arguments) through psql connected to sluiced,
# writes tests/regress/results/NAME.out in the build tree and compares it
# with tests/regress/expected/NAME.out; prints ok / FAILED per script (and
# the diff), exits 1 if any failed.  Scripts reach the HTTP ingest at
# http://$SLUICE_HTTP (e.g. `\! curl -s --data-binary @- http://$SLUICE_HTTP/v1/streams/s`).
# SL_REGRESS_ACCEPT=1 copies the results over the expected files (review the
# git diff after!).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

command -v psql >/dev/null 2>&1 || sl_skip "psql is not installed"
sqldir="$top_srcdir/tests/regress/sql"
expdir="$top_srcdir/tests/regress/expected"
resdir="$top_builddir/tests/regress/results"
mkdir -p "$resdir"

if [ $# -gt 0 ]; then
    names="$*"
else
    names=$(cd "$sqldir" && ls *.sql 2>/dev/null | sed 's/\.sql$//')
fi
[ -n "$names" ] || sl_skip "no regress scripts in $sqldir"

pg_start
sluiced_start
# A deterministic psql: no ~/.psqlrc (-X), no inherited PG* connection settings.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGPASSWORD
export PGTZ=UTC PGDATESTYLE="ISO, MDY" PGAPPNAME=sluice_regress

failed=0
total=0
for name in $names; do
    total=$((total + 1))
    # Run from the sql dir with a relative file name, so error lines read
    # "psql:NAME.sql:LINE: ERROR: ..." in every build tree.
    (cd "$sqldir" && psql -X -a -q -v ON_ERROR_STOP=0 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" \
        -U postgres -d postgres -f "$name.sql") >"$resdir/$name.out" 2>&1 || true
    if [ "${SL_REGRESS_ACCEPT:-}" = 1 ]; then
        cp "$resdir/$name.out" "$expdir/$name.out"
    fi
    if [ -f "$expdir/$name.out" ] && diff -u "$expdir/$name.out" "$resdir/$name.out" >"$resdir/$name.diff"; then
        rm -f "$resdir/$name.diff"
        printf 'ok      %s\n' "$name"
    else
        failed=$((failed + 1))
        printf 'FAILED  %s\n' "$name"
        [ -f "$expdir/$name.out" ] || echo "(no expected output $expdir/$name.out)"
        cat "$resdir/$name.diff" 2>/dev/null || true
    fi
done

sluiced_stop
pg_stop
echo "regress: $((total - failed)) of $total scripts passed"
[ $failed -eq 0 ]
