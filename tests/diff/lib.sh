# tests/diff/lib.sh: what the differential tests share.  Source it after
# tests/lib.sh, pg_start and sluiced_start, with $work set:
#   pgq, slq         psql -At on the backing PostgreSQL / through sluiced
#   diff_setup       schema difftest and difftest.r10(float8): floats rounded
#                    to 10 significant digits for comparison
#   diff_compare V Q [RE [SRE]]
#                    compares view V (relation public.V) with PostgreSQL's
#                    own result of query Q: same column names and types, the
#                    same rows (EXCEPT ALL both ways, floats rounded).  Prints
#                    "ok      V (N rows)" or FAILED with the differing rows;
#                    returns 0 / 1.  numeric columns whose names match the
#                    regular expression RE are compared by value (1 = 1.0):
#                    for group keys, where PostgreSQL keeps whichever
#                    spelling of a group's value its sort met first.
#                    Array and jsonb columns matching SRE are compared with
#                    their elements sorted (array_agg / jsonb_agg without
#                    ORDER BY: no order is defined).
#   DIFF_COLS        the columns of tests/diff/gen.awk's events

# shellcheck disable=SC2034
DIFF_COLS="id bigint, g text, k integer, s smallint, i integer, b bigint, r real,
      d double precision, x double precision, flag boolean, ts timestamptz, t text, m numeric,
      j jsonb, ai bigint[], at text[]"

pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$PGTEST_CONNINFO" "$@"; }
slq() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PGWIRE_PORT" -U postgres -d postgres "$@"; }

diff_setup() {
    pgq <<'EOF'
CREATE SCHEMA difftest;
CREATE FUNCTION difftest.r10(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x IS NULL THEN NULL
                WHEN x = 0 THEN '0'
                WHEN x = 'NaN' OR x = 'Infinity' OR x = '-Infinity' THEN x::text
                ELSE round(x::numeric, 9 - floor(log(abs(x::numeric)))::int)::text END
$$;
EOF
}

# One psql session per comparison (several psql runs per view made the
# differential tests slow): the oracle's table, both column lists, the row
# count and the comparison, each after a @@ marker line.
diff_compare() {
    v=$1
    re=${3:-}
    [ -n "$re" ] || re='^$'
    sre=${4:-}
    [ -n "$sre" ] || sre='^$'
    rc=0
    pgq -F ' | ' >"$work/out" 2>"$work/err" <<EOF || rc=$?
CREATE TABLE difftest.o_$v AS $2;
\echo @@sig.o
SELECT column_name || ' ' || data_type FROM information_schema.columns
 WHERE table_schema = 'difftest' AND table_name = 'o_$v' ORDER BY ordinal_position;
\echo @@sig.v
SELECT column_name || ' ' || data_type FROM information_schema.columns
 WHERE table_schema = 'public' AND table_name = '$v' ORDER BY ordinal_position;
\echo @@n
SELECT count(*) FROM difftest.o_$v;
-- normalized select list: floats rounded, everything else as text
SELECT string_agg(CASE WHEN data_type IN ('real', 'double precision')
                  THEN format('difftest.r10(%I)', column_name)
                  WHEN data_type = 'ARRAY' AND column_name ~ '$sre'
                  THEN format('(SELECT array_agg(x ORDER BY x, x::text) FROM unnest(%I) x)::text', column_name)
                  WHEN data_type = 'jsonb' AND column_name ~ '$sre'
                  THEN format('(SELECT jsonb_agg(x ORDER BY x, x::text) FROM jsonb_array_elements(%I) x)::text', column_name)
                  WHEN data_type = 'numeric' AND column_name ~ '$re'
                  THEN format('trim_scale(%I)::text', column_name)
                  ELSE format('%I::text', column_name) END, ', ' ORDER BY ordinal_position) AS list
  FROM information_schema.columns
 WHERE table_schema = 'difftest' AND table_name = 'o_$v' \gset
\echo @@cmp
SELECT 'only in PostgreSQL:', * FROM (SELECT :list FROM difftest.o_$v
    EXCEPT ALL SELECT :list FROM public.$v) a
UNION ALL
SELECT 'only in the view:  ', * FROM (SELECT :list FROM public.$v
    EXCEPT ALL SELECT :list FROM difftest.o_$v) b;
EOF
    if ! grep -q '^@@sig.o$' "$work/out"; then
        echo "FAILED  $v: PostgreSQL cannot run the oracle query: $(cat "$work/err")"
        return 1
    fi
    diff__section sig.o >"$work/sig.o"
    diff__section sig.v >"$work/sig.v"
    if [ ! -s "$work/sig.v" ]; then
        echo "FAILED  $v: no relation public.$v in PostgreSQL"
        return 1
    fi
    if ! cmp -s "$work/sig.o" "$work/sig.v"; then
        echo "FAILED  $v: columns differ (PostgreSQL's SELECT, then the view):"
        diff "$work/sig.o" "$work/sig.v" | sed 's/^/    /'
        return 1
    fi
    diff__section cmp >"$work/cmp"
    if [ $rc -ne 0 ]; then
        cat "$work/err" >>"$work/cmp"
        echo "(the comparison query failed)" >>"$work/cmp"
    fi
    nrows=$(diff__section n)
    if [ -s "$work/cmp" ]; then
        echo "FAILED  $v ($nrows rows expected): $2"
        head -n 40 "$work/cmp" | sed 's/^/    /'
        return 1
    fi
    echo "ok      $v ($nrows rows)"
}

# the lines of $work/out after the marker line @@$1
diff__section() {
    awk -v s="@@$1" '/^@@/ { on = ($0 == s); next } on' "$work/out"
}
