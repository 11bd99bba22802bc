#!/bin/sh
# tests/e2e/arrays.sh: arrays of the scalar types, differentially against
# PostgreSQL.  A stream with a column of every array type (numeric[] with
# exact JSON numbers, numeric(5,2)[], interval[], jsonb[], date[], time[],
# uuid[] among them) gets random
# events (JSON arrays with NULLs, quotes, backslashes, "NULL", empty
# strings; PostgreSQL's text form '{a,"b c",NULL}' in JSON strings) over
# HTTP in several requests, then INSERT ... VALUES and COPY through psql,
# across a restart of sluiced, then to two sluiced on one database, and
# in a transaction block (held until COMMIT).  The same events go into a plain table
# (json_populate_record, INSERT, COPY straight to PostgreSQL), and every
# view must equal PostgreSQL's SELECT over that table: = ANY / <> ALL /
# < ANY in WHERE and FILTER, cardinality, array_length, array_lower,
# array_upper, string_to_array, || of arrays and elements, subscripts,
# slices (a[lo:hi], a[:hi], a[lo:], a[:]; as a group key), @> <@ &&,
# array_position, array_to_string, ARRAY[...], casts between arrays,
# arrays compared, arrays (and regexp_match) as group keys, outputs and
# HAVING computed from them, min / max of arrays, array_agg (compared
# sorted: the order of its elements across requests is not defined, by
# PostgreSQL either).
# Numeric, date, interval, uuid and jsonb elements: = ANY / ALL across
# types (numeric = ANY (bigint[]), timestamp = ANY (date[])), ARRAY[...] of
# mixed types, ||, casts (typmods applied per element), array_agg, min /
# max, group keys stored with PostgreSQL's column types, PostgreSQL's input
# errors through HTTP and INSERT.
# Refusals: a nested JSON array, a malformed literal (22P02 with
# PostgreSQL's message), a multidimensional array (0A000), type errors at
# CREATE (42883, 42809, 42804) with PostgreSQL's messages.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
command -v python3 >/dev/null 2>&1 || sl_skip "python3 not found"
export PGTZ=UTC PGDATESTYLE="ISO, MDY" PGCLIENTENCODING=UTF8

pg_start
sluiced_start --flush-interval 50
out=$PGTEST_DIR/out
ev=$PGTEST_DIR/events

cols="k integer, tags text[], nums bigint[], i4 integer[], sm smallint[], f double precision[], r real[], b boolean[], ts timestamptz[], s text, w varchar(5)[], nu numeric[], n52 numeric(5,2)[], iv interval[], jb jsonb[], d date[], tm time[], u uuid[], md integer[], mt text[]"
slq -c "CREATE STREAM ev ($cols)" || sl_fail "CREATE STREAM with array columns failed"
pgq -c "CREATE TABLE raw ($cols)" \
    -c "CREATE FUNCTION srt(anyarray) RETURNS anyarray LANGUAGE sql IMMUTABLE AS
        'SELECT array_agg(x ORDER BY x NULLS LAST) FROM unnest(\$1) AS x'" ||
    sl_fail "creating the oracle's table failed"

# name | query over ev | what to read back (ordered by every column)
views='a_any#SELECT k, count(*) AS n FROM ev WHERE '"'"'a'"'"' = ANY(tags) GROUP BY k#*
a_all#SELECT k, count(*) AS n FROM ev WHERE 5 <> ALL(nums) GROUP BY k#*
a_cmp#SELECT k, count(*) FILTER (WHERE 3 > ANY(i4)) AS lt, count(*) FILTER (WHERE k >= ALL(sm)) AS ge, count(*) FILTER (WHERE k = ANY('"'"'{1,2}'"'"')) AS lit, count(*) FILTER (WHERE 2.5 < SOME(f)) AS fl, count(*) FILTER (WHERE true = ANY(b)) AS bo FROM ev GROUP BY k#*
a_card#SELECT cardinality(nums) AS c, count(*) AS n, sum(nums[1]) AS s1, max(tags[2]) AS t2, sum(array_length(i4, 1)) AS l FROM ev GROUP BY cardinality(nums)#*
a_tags#SELECT tags, count(*) AS n FROM ev GROUP BY tags#*
a_keys#SELECT b, ts, w, count(*) AS n FROM ev GROUP BY b, ts, w#*
a_fkey#SELECT f, r, count(*) AS n FROM ev GROUP BY f, r#*
a_agg#SELECT k, array_agg(s) AS a, array_agg(nums[1]) FILTER (WHERE k > 1) AS af, array_agg(k) AS ak FROM ev GROUP BY k#k, srt(a), srt(af), srt(ak)
a_agg2#SELECT array_agg(ts[1]) AS t, array_agg(f[1]) AS f1, array_agg(b[1]) AS b1, cardinality(array_agg(k)) AS n FROM ev#srt(t), srt(f1), srt(b1), n
a_re#SELECT regexp_match(s, '"'"'([a-z]+)-([0-9]+)'"'"') AS m, (regexp_match(s, '"'"'^([a-z]+)'"'"'))[1] AS w1, count(*) AS n FROM ev GROUP BY regexp_match(s, '"'"'([a-z]+)-([0-9]+)'"'"'), (regexp_match(s, '"'"'^([a-z]+)'"'"'))[1]#*
a_re2#SELECT k, s, regexp_match(s, '"'"'(X)?([0-9]+)'"'"', '"'"'i'"'"') AS ri, regexp_match(s, '"'"'z-'"'"', '"'"'ic'"'"') AS rz FROM ev#*
a_mm#SELECT k, max(nums) AS mx, min(tags) AS mn, max(ts) AS mt, min(f) AS mf, max(b) AS mb, count(w) AS cw FROM ev GROUP BY k#*
a_cast#SELECT k, nums::int[] AS a, tags::varchar(2)[] AS t2, nums::text[] AS t3, ARRAY[]::int[] AS e, i4::bigint[] AS ib, r::float8[] AS rf, tags::text AS tt FROM ev#*
a_hav#SELECT tags, tags[1] AS t1, cardinality(tags) AS c, count(*) AS n FROM ev GROUP BY tags HAVING '"'"'zz'"'"' = ANY(array_agg(s)) OR count(*) > 1#*
a_slice#SELECT k, nums, nums[1:2] AS s12, nums[2:] AS s2, tags[:1] AS s1, tags[:] AS sall, i4[0:1] AS s01, i4[3:2] AS sempty, nums[k:k + 1] AS sk, nums[NULL:1] AS sn, (nums[2:])[1] AS first2, cardinality(tags[2:]) AS c2, i4[-1:100] AS sw, ts[1.6:2] AS sr, (tags || s)[2:] AS cat FROM ev#*
a_contain#SELECT k, tags, nums, tags @> '"'"'{a}'"'"' AS c1, nums <@ '"'"'{1,2,3,NULL}'"'"' AS c2, tags && ARRAY['"'"'b'"'"', s] AS o1, i4 && '"'"'{}'"'"' AS o2, nums @> nums AS self, b <@ b AS selfb, '"'"'{NULL}'"'"' <@ w AS nl, f @> '"'"'{2.5}'"'"' AS fl, ts && ts AS tt FROM ev#*
a_slkey#SELECT nums[:2] AS p, count(*) AS n FROM ev WHERE tags[1:1] <> '"'"'{a}'"'"' GROUP BY nums[:2]#*
a_xf#SELECT k, tags, nums[2] AS n2, i4[0] AS z, f, r, b, ts, w, tags = '"'"'{a,b}'"'"' AS eq, tags < '"'"'{b}'"'"' AS lt, array_to_string(tags, '"'"'|'"'"', '"'"'*'"'"') AS j, array_to_string(b, '"'"','"'"') AS jb, array_position(tags, '"'"'b'"'"') AS p, array_position(nums, NULL) AS pn, ARRAY[k, k + 1] AS arr, tags::text AS tt, '"'"'{1,2}'"'"'::int[] AS c, string_to_array(s, '"'"'-'"'"') AS sa, string_to_array(s, NULL) AS sc, string_to_array(s, '"'"''"'"', '"'"'zz'"'"') AS se, string_to_array(s || '"'"'b'"'"', '"'"'b'"'"', '"'"''"'"') AS sn, array_lower(tags, 1) AS lo, array_upper(nums, 1) AS up, tags || '"'"'{z}'"'"' AS c1, nums || k::bigint AS c2, k || i4 AS c3, i4 || nums AS c4, tags || NULL::text AS c5, NULL::int[] || i4 AS c6, f || r AS c7 FROM ev WHERE nums IS NOT NULL#*
b_any#SELECT k, count(*) FILTER (WHERE 1.5 = ANY(nu)) AS a1, count(*) FILTER (WHERE k = ANY(nu)) AS a2, count(*) FILTER (WHERE k::numeric = ANY(nums)) AS a3, count(*) FILTER (WHERE 2.5 < ALL(n52)) AS a4, count(*) FILTER (WHERE '"'"'2026-12-02'"'"' = ANY(d)) AS a5, count(*) FILTER (WHERE '"'"'2026-12-02 00:00'"'"'::timestamp = ANY(d)) AS a6, count(*) FILTER (WHERE '"'"'12:00'"'"' > ANY(tm)) AS a7, count(*) FILTER (WHERE '"'"'1 day'"'"' = ANY(iv)) AS a8, count(*) FILTER (WHERE '"'"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"'"' = ANY(u)) AS a9, count(*) FILTER (WHERE '"'"'{"a": 1}'"'"' = ANY(jb)) AS a10, count(*) FILTER (WHERE 0.5::float8 = ANY(nu)) AS a11 FROM ev GROUP BY k#*
b_card#SELECT cardinality(nu) AS c, count(*) AS n, sum(nu[1]) AS s1, sum(n52[2]) AS s2, max(d[1]) AS d1, min(tm[2]) AS t2, max(iv[1]) AS i1, sum(array_length(u, 1)) AS l, count(jb[1]) AS j1 FROM ev GROUP BY cardinality(nu)#*
b_keys#SELECT nu, n52, nu[1] AS n1, n52 || 2.5 AS nc, ARRAY[[n52[1]], [1.5]] AS na, count(*) AS n FROM ev GROUP BY nu, n52 HAVING 1.5 = ANY(nu) OR count(*) > 0#*
b_keys2#SELECT d, tm, u, d || '"'"'2026-01-01'"'"'::date AS dc, u[1] AS u1, array_position(d, '"'"'2026-12-02'"'"') AS p, count(*) AS n FROM ev GROUP BY d, tm, u#*
b_keys3#SELECT iv, jb, count(*) AS n FROM ev GROUP BY iv, jb#*
b_agg#SELECT k, array_agg(nu[1]) AS an, array_agg(n52[1]) AS a52, array_agg(d[1]) AS ad, array_agg(tm[1]) AS at, array_agg(iv[1]) AS ai, array_agg(u[1]) AS au, array_agg(jb[1]) AS aj, array_agg(k / 4.0) AS ak FROM ev GROUP BY k#k, srt(an), srt(a52), srt(ad), srt(at), srt(ai), srt(au), srt(aj), srt(ak)
b_mm#SELECT k, max(nu) AS mn, min(n52) AS m52, max(d) AS md, min(tm) AS mt, max(iv) AS mi, min(u) AS mu, max(jb) AS mj FROM ev GROUP BY k#*
b_xf#SELECT k, nu, n52, iv, jb, d, tm, u, nu[2] AS nu2, ARRAY[nu[1], k] AS an, ARRAY[d[1], ts[1]] AS adt, ARRAY[k, 2.5] AS ak, nu || 2.5 AS c1, 1.25 || n52 AS c2, nums || nu AS c3, d || '"'"'2026-01-01'"'"'::date AS c4, iv || iv AS c5, u || u AS c6, jb || '"'"'{"z": null}'"'"'::jsonb AS c7, tm || NULL::time AS c8, nu::float8[] AS x1, n52::int[] AS x2, nums::numeric(6,1)[] AS x3, nu::numeric(40,2)[] AS x4, d::timestamp[] AS x5, u::text[] AS x6, iv::text AS x7, jb::text AS x8, nu::text AS x9, array_position(u, '"'"'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'"'"') AS p1, array_position(d, '"'"'2026-12-03'"'"') AS p2, array_to_string(iv, '"'"','"'"', '"'"'-'"'"') AS j1, array_to_string(nu, '"'"'|'"'"') AS j2, array_to_string(jb, '"'"';'"'"') AS j3, array_to_string(d, '"'"' '"'"') AS j4, cardinality(tm) AS ct, array_length(jb, 1) AS lj, '"'"'{1.55,2}'"'"'::numeric(3,1)[] AS l1, '"'"'{"1 mon",2 days}'"'"'::interval[] AS l2, nu = '"'"'{1.50}'"'"' AS e1, d < '"'"'{2026-12-02}'"'"' AS e2, ARRAY[]::uuid[] AS e3 FROM ev WHERE nu IS NOT NULL OR d IS NOT NULL#*
c_md#SELECT k, md, mt, md[1] AS s1, md[1][2] AS s12, md[2][1][1] AS s211, md[2:] AS sl2, md[:1] AS sl1, mt[0:0] AS slt, mt[2][2] AS t22, cardinality(md) AS c, array_length(md, 1) AS l1, array_length(md, 2) AS l2, array_lower(md, 1) AS lo1, array_upper(md, 2) AS up2, array_lower(mt, 2) AS tlo2, md || md AS cat, mt || mt AS tcat, ARRAY[md, md] AS sub, ARRAY[mt, mt] AS subt, ARRAY[[k, 1], [2.5, k]] AS sq, ARRAY[[[md[1][1]]]] AS sq3, md::bigint[] AS cb, md::text AS ct, mt::varchar(3)[] AS cv, array_to_string(md, '"'"','"'"', '"'"'*'"'"') AS j, md = '"'"'{{1,2},{3,4}}'"'"' AS eq, md < '"'"'{{1,2}}'"'"' AS lt, 3 = ANY(md) AS an, 2 > ALL(md) AS al FROM ev WHERE md IS NOT NULL OR mt IS NOT NULL#*
c_mkey#SELECT md, md[1][2] AS m12, md[2] AS m2, array_length(md, 2) AS l2, array_lower(md, 1) AS lo, md || md AS cc, ARRAY[md, md] AS aa, md = '"'"'[0:1]={1,2}'"'"' AS eq, count(*) AS n, sum(md[1][1]) AS s FROM ev GROUP BY md HAVING cardinality(md) <> 1 OR md[1] IS NULL#*
c_mkey2#SELECT mt, cardinality(mt) AS c, count(*) AS n FROM ev GROUP BY mt#*
c_mmm#SELECT k, max(md) AS mx, min(mt) AS mn FROM ev GROUP BY k#*'

echo "$views" | while IFS='#' read -r name q read; do
    r=$(slq -c "CREATE CONTINUOUS VIEW $name AS $q" 2>&1) || fail "CREATE $name: $r"
done

# Random events: one file of NDJSON lines per request.
python3 - "$ev" <<'EOF'
import json, random, re, sys
random.seed(7)
texts = ['a', 'b', 'b c', 'NULL', '', 'x"y', 'back\\slash', '{br}', 'com,ma', 'é', ' sp ']
def arr(gen, n=4):
    if random.random() < 0.1:
        return None
    return [None if random.random() < 0.15 else gen() for _ in range(random.randint(0, n))]
def textform(a):
    def q(x):
        if x is None:
            return 'NULL'
        return '"' + str(x).replace('\\', '\\\\').replace('"', '\\"') + '"'
    return None if a is None else '{' + ','.join(q(x) for x in a) + '}'
for req in range(8):
    with open('%s.%d' % (sys.argv[1], req), 'w') as f:
        for _ in range(40):
            e = {'k': random.randint(0, 4)}
            e['tags'] = arr(lambda: random.choice(texts), 3)
            if random.random() < 0.3:
                e['tags'] = textform(e['tags'])
            e['nums'] = arr(lambda: random.randint(-3, 6), 3)
            e['i4'] = arr(lambda: random.randint(-3, 6))
            e['sm'] = arr(lambda: random.randint(0, 5), 2)
            e['f'] = arr(lambda: random.choice([0.5, 1.25, 2.5, 3.0, 1e-5, 1e20]), 2)
            e['r'] = arr(lambda: random.choice([0.1, 2.5, 3.0]), 2)
            e['b'] = arr(lambda: random.random() < 0.5, 2)
            e['ts'] = arr(lambda: '2026-12-0%dT0%d:00:00Z' % (random.randint(1, 3), random.randint(0, 2)), 2)
            e['s'] = random.choice([None, 'ab-12', 'zz', 'q-1', 'abc-99x', 'Z-3'])
            e['w'] = arr(lambda: random.choice(['x', 'y z', 'NULL', '']), 2)
            # one spelling per value, so that grouping shows the text PostgreSQL shows
            e['nu'] = arr(lambda: 'NUM:' + random.choice(['1.50', '2', '-0.125', '0.5', '1e3',
                          '123456789012345678901234567890.123456789', 'NaN', '3.14159265358979323846']), 3)
            if random.random() < 0.3:
                e['nu'] = textform(e['nu'] and [x and x[4:] for x in e['nu']])
            e['n52'] = arr(lambda: 'NUM:' + random.choice(['1.234', '2.5', '-99.995', '3', '0.001']), 2)
            e['iv'] = arr(lambda: random.choice(['1 day', '2 mons 03:00:00', '-00:00:01', 'P1Y2M', '1 day 1 hour']), 2)
            e['jb'] = arr(lambda: random.choice([{'a': 1}, {'a': [1, 'x"y']}, 'str', 'NUM:1.50', True, {}]), 2)
            e['d'] = arr(lambda: random.choice(['2026-12-01', '2026-12-02', '2026-12-03', '0044-03-15 BC', 'infinity']), 2)
            if random.random() < 0.3:
                e['d'] = textform(e['d'])
            e['tm'] = arr(lambda: random.choice(['12:00', '24:00', '00:00:00.5', '23:59:59.999999', '08:30']), 2)
            # arrays of one to three dimensions: nested JSON arrays, or the
            # text form with or without explicit bounds
            def shaped(gen):
                if random.random() < 0.1:
                    return None
                dims = random.choice([[2], [3], [1, 2], [2, 2], [2, 1, 2], [0]])
                def build(ds):
                    if not ds or ds == [0]:
                        return [] if ds == [0] else gen()
                    return [build(ds[1:]) if len(ds) > 1 else gen() for _ in range(ds[0])]
                v = build(dims)
                r = random.random()
                if r < 0.5:
                    return v
                def txt(x):
                    if isinstance(x, list):
                        return '{' + ','.join(txt(y) for y in x) + '}'
                    return 'NULL' if x is None else '"' + str(x).replace('\\', '\\\\').replace('"', '\\"') + '"'
                t = txt(v)
                if r < 0.75 and dims != [0]:
                    lbs = [random.choice([0, 1, 2]) for _ in dims]
                    t = ''.join('[%d:%d]' % (lb, lb + d - 1) for lb, d in zip(lbs, dims)) + '=' + t
                return t
            e['md'] = shaped(lambda: None if random.random() < 0.1 else random.randint(0, 4))
            e['mt'] = shaped(lambda: random.choice(['a', 'b c', 'NULL', '', 'x"y', '{z}', None]))
            e['u'] = arr(lambda: random.choice(['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                         '{b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}', 'C2EEBC999C0B4EF8BB6D6BB9BD380A13']), 2)
            for c in list(e):
                if c != 'k' and random.random() < 0.05:
                    del e[c]
            # numbers written exactly as given ("NUM:1.50" -> 1.50)
            f.write(re.sub(r'"NUM:([^"]*)"', lambda m: m.group(1) if m.group(1) != 'NaN' else '"NaN"',
                           json.dumps(e, ensure_ascii=False)) + '\n')
EOF

post_and_copy() {   # file [server]
    code=$(curl -s -o "$out" -w '%{http_code}' --data-binary "@$1" "http://${2:-$SLUICE_HTTP}/v1/streams/ev")
    [ "$code" = 200 ] || fail "POST $1: HTTP $code $(cat "$out")"
    python3 -c '
import sys
for l in sys.stdin:
    print("INSERT INTO raw SELECT * FROM json_populate_record(NULL::raw, %s);" % ("$j$" + l.strip() + "$j$"))
' <"$1" | pgq >/dev/null || fail "copying $1 into the oracle failed"
}

check_views() {
    echo "$views" | while IFS='#' read -r name q read; do
        oq=$(echo "$q" | sed 's/ FROM ev/ FROM raw/')
        got=$(pgq -c "SELECT $read FROM $name" 2>&1 | LC_ALL=C sort || true)
        want=$(pgq -c "SELECT $read FROM ($oq) AS $name" 2>&1 | LC_ALL=C sort || true)
        if [ "$got" = "$want" ]; then
            echo "ok"
        else
            echo "FAIL $1: view $name differs from PostgreSQL" >&2
            printf 'sluiced:\n%s\npostgres:\n%s\n' "$got" "$want" | head -40 >&2
        fi
    done >"$out.check"
    n=$(grep -c '^ok$' "$out.check" || true)
    total=$(echo "$views" | wc -l)
    [ "$n" = "$total" ] && pass "$1: $total views equal PostgreSQL's SELECT" ||
        fail "$1: only $n of $total views equal PostgreSQL's SELECT"
}

post_and_copy "$ev.0"
post_and_copy "$ev.1"
post_and_copy "$ev.2"
sleep 0.3
check_views "three requests"

sluiced_stop
sluiced_start --flush-interval 50
post_and_copy "$ev.3"
post_and_copy "$ev.4"

# INSERT and COPY: the literal forms, through sluiced and straight to PostgreSQL.
ins="INSERT INTO %s (k, tags, nums, i4, b, s) VALUES (1, '{a,\"b c\",NULL}', '{1,2}', ARRAY[3, NULL], '{t}', 'ab-12'), (2, ARRAY['a', 'NULL'], '{}', '{ 1 , 2 }', NULL, 'zz-7')"
slq -c "$(printf "$ins" ev)" || fail "INSERT with array literals through sluiced failed"
pgq -c "$(printf "$ins" raw)" >/dev/null
copy='3	{x,"y \\" z"}	{4}	\N	{f,t}	q-3
'
printf '%s' "$copy" | slq -c "COPY ev (k, tags, nums, i4, b, s) FROM STDIN" || fail "COPY with arrays through sluiced failed"
printf '%s' "$copy" | pgq -c "COPY raw (k, tags, nums, i4, b, s) FROM STDIN"
ins2="INSERT INTO %s (k, nu, n52, iv, jb, d, tm, u) VALUES (1, '{1.50,NULL,NaN}', ARRAY[1.234, -2], '{\"1 day\",P1M}', ARRAY['{\"a\": 1}'::jsonb, NULL], '{2026-12-01,\"0044-03-15 BC\"}', ARRAY['12:00'::time], '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'), (2, ARRAY[2, 0.5], '{}', ARRAY['1 day'::interval], '{\"\\\"s\\\"\",null}', ARRAY['2026-12-02'::date], '{24:00}', ARRAY['b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'::uuid])"
slq -c "$(printf "$ins2" ev)" || fail "INSERT with numeric[], interval[], jsonb[], date[], time[], uuid[] through sluiced failed"
pgq -c "$(printf "$ins2" raw)" >/dev/null
copy2='3	{1.50,2}	{3.333}	{"1 day 02:00:00"}	{"{\\"a\\": 1}"}	{2026-12-03}	{08:30:00}	{c2eebc99-9c0b-4ef8-bb6d-6bb9bd380a13}
'
printf '%s' "$copy2" | slq -c "COPY ev (k, nu, n52, iv, jb, d, tm, u) FROM STDIN" || fail "COPY with the new array types through sluiced failed"
printf '%s' "$copy2" | pgq -c "COPY raw (k, nu, n52, iv, jb, d, tm, u) FROM STDIN"
post_and_copy "$ev.5"
sleep 0.3
check_views "after a restart, INSERT and COPY"
[ "$(pgq -c "SELECT count(*) FROM raw")" -gt 200 ] && [ "$(pgq -c "SELECT count(*) FROM a_xf")" -gt 150 ] &&
    [ "$(pgq -c "SELECT count(*) FROM a_tags")" -gt 50 ] && pass "the views hold every event" ||
    fail "the oracle holds $(pgq -c 'SELECT count(*) FROM raw') events, a_xf $(pgq -c 'SELECT count(*) FROM a_xf') rows"
md3=$(pgq -c "SELECT count(*) FROM c_md WHERE array_ndims(md) = 3")
mlb=$(pgq -c "SELECT count(*) FROM c_md WHERE array_lower(md, 1) <> 1 OR array_lower(mt, 2) <> 1")
[ "$md3" -gt 5 ] && [ "$mlb" -gt 5 ] && pass "c_md holds $md3 three-dimensional arrays, $mlb with explicit bounds" ||
    fail "c_md holds $md3 three-dimensional arrays, $mlb with explicit bounds"

# A second sluiced on the same database: both flush into the same state
# rows (array_agg's states concatenated, array keys matched).
A_PID=$SLUICED_PID A_HTTP=$SLUICE_HTTP
SLUICED_PID=
trap 'arr_rc=$?; trap - EXIT; set +e; kill -TERM "$A_PID" 2>/dev/null; wait "$A_PID" 2>/dev/null; sl__cleanup; exit $arr_rc' EXIT
sluiced_start --flush-interval 35
post_and_copy "$ev.6" "$A_HTTP"
post_and_copy "$ev.7"
sleep 0.3
check_views "two sluiced on one database"

# An INSERT held in a transaction block until COMMIT: its arrays too.
slq -c "BEGIN" -c "INSERT INTO ev (k, tags, nums, s) VALUES (4, '{held,\"in a block\"}', '{4,NULL}', 'q-4')" \
    -c "SELECT pg_sleep(0.2)" -c "COMMIT" >/dev/null || fail "INSERT in a transaction block failed"
pgq -c "INSERT INTO raw (k, tags, nums, s) VALUES (4, '{held,\"in a block\"}', '{4,NULL}', 'q-4')"
sleep 0.3
check_views "an INSERT held in a transaction block"

# Refused events: nothing of the request is taken.
refuse() {   # body, expected sqlstate, expected message part
    code=$(curl -s -o "$out" -w '%{http_code}' --data-binary "$1" "http://$SLUICE_HTTP/v1/streams/ev")
    if [ "$code" = 400 ] && grep -q "\"sqlstate\": \"$2\"" "$out" && grep -qF "$3" "$out"; then
        pass "refused ($2): $1"
    else
        fail "$1: HTTP $code $(cat "$out")"
    fi
}
refuse '{"k": 1, "nums": [1, [2]]}' 22P02 'invalid input syntax for type bigint: \"[2]\"'
refuse '{"k": 1, "nums": [[1], 2]}' 22P02 'expected JSON array: see the array element [1]'
refuse '{"k": 1, "nums": [[1, 2], [3]]}' 22P02 'malformed JSON array'
refuse '{"k": 1, "md": [[[[[[[1]]]]]]]}' 54000 'number of array dimensions (7) exceeds the maximum allowed (6)'
refuse '{"k": 1, "nums": [1, "x"]}' 22P02 'invalid input syntax for type bigint: \"x\"'
refuse '{"k": 1, "nums": "{1,2"}' 22P02 'malformed array literal: \"{1,2\"'
refuse '{"k": 1, "nums": "[1:3]={1,2}"}' 22P02 'malformed array literal: \"[1:3]={1,2}\"'
refuse '{"k": 1, "md": "[2:1]={1}"}' 2202E 'upper bound cannot be less than lower bound'
refuse '{"k": 1, "w": ["abcdef"]}' 22001 'value too long for type character varying(5)'
refuse '{"k": 1, "sm": [70000]}' 22003 'value \"70000\" is out of range for type smallint'
refuse '{"k": 1, "n52": [1000]}' 22003 'numeric field overflow'
refuse '{"k": 1, "u": ["a0eebc99"]}' 22P02 'invalid input syntax for type uuid: \"a0eebc99\"'
refuse '{"k": 1, "d": "{2026-02-30}"}' 22008 'date/time field value out of range: \"2026-02-30\"'
refuse '{"k": 1, "iv": [["1 day"], "2 days"]}' 22P02 'expected JSON array: see the array element [1]'
refuse '{"k": 1, "tm": "{{12:00},{13:00,14:00}}"}' 22P02 'malformed array literal: \"{{12:00},{13:00,14:00}}\"'

# State columns typed as PostgreSQL would type the view's query.
types=$(pgq -c "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attrelid::regclass::text, attnum) FROM pg_attribute WHERE attrelid IN ('b_keys'::regclass, 'b_keys2'::regclass, 'b_keys3'::regclass) AND attname IN ('nu', 'n52', 'd', 'tm', 'u', 'iv', 'jb')")
[ "$types" = "nu numeric[], n52 numeric(5,2)[], d date[], tm time without time zone[], u uuid[], iv interval[], jb jsonb[]" ] &&
    pass "array group keys stored with PostgreSQL's column types" || fail "state column types: $types"

# PostgreSQL's text form errors, with its DETAIL, through INSERT.
r=$(slq -c "INSERT INTO ev (k, nums) VALUES (1, '{1,,2}')" 2>&1) && fail "a malformed literal was taken"
want=$(pgq -c "INSERT INTO raw (k, nums) VALUES (1, '{1,,2}')" 2>&1 || true)
r=$(echo "$r" | sed -n '1p;$p')
want=$(echo "$want" | sed -n '1p;$p')
[ "$r" = "$want" ] && [ -n "$r" ] && pass "INSERT of '{1,,2}': PostgreSQL's error and DETAIL" ||
    fail "INSERT of '{1,,2}': sluiced said '$r', PostgreSQL '$want'"
for v in "nu, '{1.5,x}'" "n52, '{1000}'" "iv, '{1 fortnight}'" "jb, '{\"{\\\"a\\\": }\"}'" "d, '{2026-13-01}'" \
    "tm, '{25:00}'" "u, '{a0eebc99}'" "d, '{2026-01-01'" "md, '[1:3]={1,2}'" "md, '[2:1]={1}'" \
    "md, '[1:2={1,2}'" "mt, '{{a},{b,c}}'" "md, '{{{{{{{1}}}}}}}'" "md, ARRAY[ARRAY[1], ARRAY[2, 3]]"; do
    r=$(slq -c "INSERT INTO ev (k, ${v%%, *}) VALUES (1, ${v#*, })" 2>&1) && fail "INSERT of $v was taken"
    want=$(pgq -c "INSERT INTO raw (k, ${v%%, *}) VALUES (1, ${v#*, })" 2>&1 || true)
    r=$(echo "$r" | grep '^ERROR\|^DETAIL\|^HINT' || true)
    want=$(echo "$want" | grep '^ERROR\|^DETAIL\|^HINT' || true)
    [ "$r" = "$want" ] && [ -n "$r" ] && pass "INSERT of $v: PostgreSQL's error ($r)" ||
        fail "INSERT of $v: sluiced said '$r', PostgreSQL '$want'"
done

# Type errors at CREATE, as PostgreSQL reports them on the same query.
for q in "SELECT k FROM %s WHERE k = ANY(tags)" "SELECT k FROM %s WHERE k = ANY(5)" \
    "SELECT k FROM %s WHERE k = ANY(d)" "SELECT k FROM %s WHERE u = ANY(jb)" "SELECT u || d FROM %s" \
    "SELECT ARRAY[u[1], k] FROM %s" "SELECT k FROM %s WHERE 1.5 = ANY(u)" \
    "SELECT k[1] FROM %s" "SELECT cardinality(k) FROM %s" "SELECT nums[s] FROM %s" \
    "SELECT tags || 'x' FROM %s" "SELECT i4 || tags FROM %s"; do
    r=$(slq -c "CREATE CONTINUOUS VIEW bad AS $(printf "$q" ev)" 2>&1 | head -1) &&
        want=$(pgq -c "$(printf "$q" raw)" 2>&1 | head -1 || true)
    [ -n "$r" ] && [ "$r" = "$want" ] && pass "refused at CREATE as PostgreSQL: $r" ||
        fail "$(printf "$q" ev): sluiced '$r', PostgreSQL '$want'"
done

# regexp_match's g flag: refused when it runs, as in PostgreSQL.
slq -c "CREATE STREAM rg (s text)" -c "CREATE CONTINUOUS VIEW rgv AS SELECT regexp_match(s, 'a', 'g') AS m FROM rg" ||
    fail "creating rgv failed"
refuse_rg=$(curl -s -o "$out" -w '%{http_code}' --data-binary '{"s": "abc"}' "http://$SLUICE_HTTP/v1/streams/rg")
[ "$refuse_rg" = 400 ] && grep -q '22023' "$out" && grep -qF 'regexp_match() does not support the \"global\" option' "$out" &&
    pass "regexp_match(s, p, 'g'): 22023 when it runs" || fail "regexp_match with g: HTTP $refuse_rg $(cat "$out")"

sl_done "arrays: ok"
