# tests/diff/lib.sh: what the differential tests share.  Source it after
# tests/lib.sh, pg_start and sluiced_start, with $work set:
#   pgq, slq         psql -At on the backing PostgreSQL / through sluiced
#   diff_setup       schema difftest and difftest.r10(float8): floats rounded
#                    to 10 significant digits for comparison
#   diff_compare V Q compares view V (relation public.V) with PostgreSQL's
#                    own result of query Q: same column names and types, the
#                    same rows (EXCEPT ALL both ways, floats rounded).  Prints
#                    "ok      V (N rows)" or FAILED with the differing rows;
#                    returns 0 / 1.
#   DIFF_COLS        the columns of tests/diff/gen.awk's events

# shellcheck disable=SC2034
DIFF_COLS="id bigint, g text, k integer, s smallint, i integer, b bigint, r real,
      d double precision, x double precision, flag boolean, ts timestamptz, t text"

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

# column names and types of schema.rel, one per line
diff__sig() {
    pgq -c "SELECT column_name || ' ' || data_type FROM information_schema.columns
            WHERE table_schema = '$1' AND table_name = '$2' ORDER BY ordinal_position"
}

diff_compare() {
    v=$1
    if ! pgq -c "CREATE TABLE difftest.o_$v AS $2" 2>"$work/err"; then
        echo "FAILED  $v: PostgreSQL cannot run the oracle query: $(cat "$work/err")"
        return 1
    fi
    diff__sig difftest "o_$v" >"$work/sig.o"
    diff__sig public "$v" >"$work/sig.v" 2>&1 || true
    if [ ! -s "$work/sig.v" ]; then
        echo "FAILED  $v: no relation public.$v in PostgreSQL"
        return 1
    fi
    if ! cmp -s "$work/sig.o" "$work/sig.v"; then
        echo "FAILED  $v: columns differ (PostgreSQL's SELECT, then the view):"
        diff "$work/sig.o" "$work/sig.v" | sed 's/^/    /'
        return 1
    fi
    # normalized select list: floats rounded, everything else as text
    list=$(pgq -c "SELECT string_agg(CASE WHEN data_type IN ('real', 'double precision')
                         THEN format('difftest.r10(%I)', column_name)
                         ELSE format('%I::text', column_name) END, ', ' ORDER BY ordinal_position)
                    FROM information_schema.columns
                    WHERE table_schema = 'difftest' AND table_name = 'o_$v'")
    pgq -F ' | ' -c "SELECT 'only in PostgreSQL:', * FROM (SELECT $list FROM difftest.o_$v
                         EXCEPT ALL SELECT $list FROM public.$v) a
                     UNION ALL
                     SELECT 'only in the view:  ', * FROM (SELECT $list FROM public.$v
                         EXCEPT ALL SELECT $list FROM difftest.o_$v) b" >"$work/cmp" 2>&1 ||
        echo "(the comparison query failed)" >>"$work/cmp"
    nrows=$(pgq -c "SELECT count(*) FROM difftest.o_$v")
    if [ -s "$work/cmp" ]; then
        echo "FAILED  $v ($nrows rows expected): $2"
        head -n 40 "$work/cmp" | sed 's/^/    /'
        return 1
    fi
    echo "ok      $v ($nrows rows)"
}
