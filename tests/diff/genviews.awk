# tests/diff/genviews.awk: seeded random continuous-view queries over the
# columns of tests/diff/gen.awk's events, for tests/diff/random_views.sh.
#
#   awk -v seed=N -v n=COUNT -f genviews.awk </dev/null
#
# Prints COUNT lines "NAME|QUERY" with @S@ for the stream.  A query is
# SELECT [group keys,] [expressions of the keys,] aggregates FROM @S@
# [WHERE condition] [GROUP BY keys] [HAVING condition], every output column
# named, or (one in six) a view without aggregates (transform()).  Expressions are built with their types in mind so that most
# queries are valid, but some mix types PostgreSQL refuses (text + integer,
# a float %, ...) and some overflow or divide by zero on the events: both
# sides must then agree on the error.  Only POSIX awk.

function rnd(m) { return int(rand() * m) }
function pick(s,    a, k) { k = split(s, a, " "); return a[rnd(k) + 1] }
function pickb(s,    a, k) { k = split(s, a, "|"); return a[rnd(k) + 1] }   # items with spaces

# A numeric expression; sets T to "int" or "float".
function num(depth,    c, a, ta, b, tb, op) {
    if (depth <= 0 || rnd(3) == 0) {
        # The events put i and b near their limits often: arithmetic on them
        # would overflow in most requests and leave nothing to compare, so
        # only aggregates and comparisons use them (the script's rv_err
        # view overflows on a few events on purpose).
        c = rnd(10)
        if (c < 5) { T = "int"; return pick("k s id k") }
        if (c < 7) { T = "float"; return pick("r d x") }
        if (c < 8) { T = "float"; return "m" }       # numeric: exact on both sides
        if (c < 9) { T = "int"; return pick("0 1 2 3 -1 7 100") }
        T = "float"; return pick("0.5 1.5 -2.25 1e10 0.0")
    }
    a = num(depth - 1); ta = T
    if (ta == "int")
        op = pick("+ - * / % + - *")
    else
        op = pick("+ - * / + -")
    # A small non-zero constant on the right of * / %: a column there
    # overflows or divides by zero on some event of almost every request,
    # which fails it whole (as in PostgreSQL) and leaves nothing to compare.
    if (op == "*" || op == "/" || op == "%") {
        b = pick("2 3 7 -2 0.5"); tb = (b == "0.5") ? "float" : "int"
        if (ta == "int" && op == "%" && tb == "float")
            b = "3"
    } else {
        b = num(depth - 1); tb = T
        if (a == "s" && b == "s")
            b = "k"         # smallint op smallint is smallint: 32767 + 32767 overflows
    }
    if (rnd(80) == 0) {
        op = "%"            # maybe on floats: refused by both
        if (b !~ /^-?[0-9.]+$/) {
            b = "3"; tb = "int"     # (k: a division by zero in almost every request)
        }
    }
    T = (ta == "float" || tb == "float") ? "float" : "int"
    if (rnd(12) == 0) {         # a cast, of the result or of one side
        # (not to real: a sum of arbitrary reals rounds differently in
        # another order, in PostgreSQL too)
        if (ta == "int" && rnd(2)) { T = (tb == "float") ? "float" : "int"; return "(" a ")::bigint " op " " b }
        T = "float"; return "CAST(" a " " op " " b " AS double precision)"
    }
    if (rnd(200) == 0 && a != "s")
        return "-(" a ")"     # (not -(s): it overflows at -32768, in almost every request)
    return "(" a " " op " " b ")"
}

function cmpop() { return pick("= <> < <= > >=") }

# A text expression: a column, a concatenation, a cast to text.
function txt(    c) {
    c = rnd(6)
    if (c < 3) return pick("g t")
    if (c == 3) return "(" pick("g t") " || " pick("t g '-'") ")"
    if (c == 4) return "(" pick("k s") ")::text"
    return "CAST(" pick("flag k") " AS text)"
}

function cond(depth,    c) {
    if (rnd(5) == 0) return jcond()
    if (rnd(3) == 0) return expr_cond(depth)
    c = rnd(depth <= 0 ? 6 : 9)
    if (c == 0) return num(1) " " cmpop() " " num(1)
    if (c == 1) return txt() " " cmpop() " " pick("'a' 'b' 'm' 'é' 'z' 'A' t g")
    if (c == 2) return "ts " cmpop() " '" pick("2024-01-15T00:00:00+00 2024-03-01T12:00:00Z 2024-04-01T00:00:00-05 2024-02-10") "'"
    if (c == 3) return pickb("flag|NOT flag")
    if (c == 4) return pick("g t k s i b r d x flag ts") " IS " pick("NULL NOT_NULL")
    if (c == 5) return pick("true false") " " pick("AND OR") " " pick("flag k > 0")
    if (c == 6) return "NOT (" cond(depth - 1) ")"
    if (c == 7) return "(" cond(depth - 1) " AND " cond(depth - 1) ")"
    if (rnd(30) == 0) return "t + 1 > 2"   # text + integer: refused by both
    return "(" cond(depth - 1) " OR " cond(depth - 1) ")"
}

# The aggregates beyond count/sum/avg/min/max, and FILTER (WHERE ...):
# count/sum/avg (DISTINCT x), string_agg, bool_and/or, every, bit_and/or, the
# statistics (numeric over integers,
# exact; double precision over floats, compared rounded: the floats of
# d and r are dyadic, so PostgreSQL's one pass and Sluice's combined
# partial states agree far beyond the rounding).
function agg_more(    c, a) {
    c = rnd(12)
    if (c < 3) {
        a = pickb("count(*)|count(g)|count(t)|sum(k)|sum(s)|sum(d)|avg(i)|avg(r)|min(t)|max(ts)|max(b)|bool_or(flag)|var_pop(s)")
        if (rnd(4) == 0) a = "sum(" num(1) ")"
        return a " FILTER (WHERE " cond(1) ")"
    }
    if (c == 3) return pick("bool_and bool_or every") "(" pickb("flag|k > 0|t < 'm'|flag OR s > 0") ")"
    if (c == 4) return pick("bit_and bit_or") "(" pickb("k|s|i|b|(k % 7)|(s * 3)") ")"
    if (c < 7) return pick("stddev stddev_pop stddev_samp variance var_pop var_samp") "(" pick("k s i b k s") ")"
    if (c == 7) return pick("stddev stddev_pop stddev_samp variance var_pop var_samp") "(" pick("r d x d m") ")"
    # (over two different dyadic float columns: with integer columns, or
    # one column twice, an intercept or covariance that is 0 exactly comes out as
    # rounding noise, 1e-16 in PostgreSQL's one pass and another in the
    # combined states)
    if (c == 8) return pick("corr covar_pop covar_samp regr_slope regr_intercept") "(" pickb("d, r|r, d") ")"
    if (c == 10 || rnd(2) == 0)   # exact: the sets of values; sum and avg over them in sorted order
    {
        # (not sum / avg of DISTINCT m: which of 1, 1.0, 1.00 PostgreSQL's
        # sort keeps sets the result's scale, and is not defined)
        a = pick("k s g t d r x i b ts flag m")
        return (a == "m" ? "count" : pick("count count sum avg")) "(DISTINCT " a ")" (rnd(4) ? "" : " FILTER (WHERE " cond(0) ")")
    }
    if (c == 11 || rnd(2) == 0) {  # string_agg ordered by its value: deterministic
        a = pickb("g|t|(k)::text|CAST(s AS text)")
        return "string_agg(" a ", " pickb("','|''|', '") " ORDER BY " a pickb("| DESC| ASC") ")"
    }
    if (rnd(3) == 0) return pickb("bool_and(k)|bit_or(r)|stddev(t)|corr(t, k)|sum(k) FILTER (WHERE k)")   # refused by both
    return pick("stddev var_samp corr") "(" pick("k d") (rnd(2) ? ", s" : "") ") " pick("FILTER_flag FILTER_k") ""
}

# ---- expressions beyond operators: CASE, COALESCE, NULLIF, GREATEST,
# LEAST, IN, BETWEEN, LIKE, regular expressions, IS DISTINCT FROM, IS TRUE
# and built-in functions.  No backslashes (the script echoes queries).

# A condition.
function expr_cond(depth,    c, x) {
    c = rnd(16)
    if (c == 0) return pick("k s") " " pickb("IN (1, 2, 3)|NOT IN (0, -1)|IN (1, NULL)|NOT IN (2, NULL)|IN (k, 5)|IN (s, 1, 2)|NOT IN (s, 3, 4)|IN (0)")
    if (c == 1) return pick("g t") " " pickb("IN ('alpha', 'Beta')|NOT IN ('zz', 'é', '')|IN (t, 'a')|NOT IN (g, NULL)|IN ('日本', g, t)")
    if (c == 2) return pick("k s d r") " " pickb("BETWEEN 0 AND 3|NOT BETWEEN -1 AND 2|BETWEEN SYMMETRIC 5 AND 1|NOT BETWEEN SYMMETRIC 4 AND 0|BETWEEN k AND 5|BETWEEN 2 AND 1")
    if (c == 3) return pick("g t") " " pickb("LIKE 'a%'|NOT LIKE '%e%'|ILIKE '%A_'|LIKE '_'|NOT ILIKE 'z%'|LIKE '%!%' ESCAPE '!'|LIKE 'a#%' ESCAPE '#'|LIKE '%ä%' ESCAPE ''|LIKE '%'|ILIKE '%ÜNÏ%'|LIKE '__'|LIKE g")
    if (c == 4) return pick("g t") " " pickb("~ '^a'|~* 'APP'|!~ '[0-9]'|!~* '^z'|~ 'e$'|~ '^.{2}$'|~ '(ap)+'|~* '[[:upper:]]'|~ 'b+'")
    if (c == 5) return pickb("flag|(k > 2)|(g = t)|(s < 0)") " IS " pickb("TRUE|NOT TRUE|FALSE|NOT FALSE|UNKNOWN|NOT UNKNOWN")
    if (c == 6) {
        x = pick("k s g t flag")
        if (x == "k" || x == "s") return x " IS " pickb("DISTINCT FROM|NOT DISTINCT FROM") " " pick("1 k s NULL")
        if (x == "flag") return x " IS " pickb("DISTINCT FROM|NOT DISTINCT FROM") " " pick("true NULL flag")
        return x " IS " pickb("DISTINCT FROM|NOT DISTINCT FROM") " " pick("'alpha' g t NULL")
    }
    if (c == 7) return "coalesce(" pick("k s") ", " pick("0 -1 s k") ") " cmpop() " " pick("0 1 2")
    if (c == 8) return "CASE WHEN " cond(depth - 1) " THEN " pick("k s 1") " ELSE " pick("0 s NULL") " END " cmpop() " " pick("0 1 3")
    if (c == 9) return expr_txt() " " cmpop() " " pick("'a' 'B' 'zz' t g")
    if (c == 10 || c == 11) return expr_num() " " cmpop() " " pick("0 1 2 k")
    if (c == 12) return "starts_with(" pick("g t") ", " pick("'a' 'B' 'ü'") ")"
    if (c == 13) return "nullif(" pick("k s") ", " pick("0 1 2") ") IS NULL"
    if (c == 14) return "greatest(" pick("k s 0") ", " pick("k s 2 NULL") ") " cmpop() " least(" pick("k s 3") ", " pick("5 s NULL") ")"
    if (rnd(20) == 0) return pickb("k ~ '1'|g LIKE 1|k IN (1, 'x')|length(k) > 1|round(d, 1) > 0|k IS TRUE")  # refused by both
    return "(" expr_cond(depth - 1) ") " pick("AND OR") " NOT " expr_cond(depth - 1)
}

# An integer or float expression that sluiced computes.
function expr_num(    c) {
    c = rnd(14)
    if (c == 0) return "abs(" pick("k d r") ")"    # (abs(s) overflows at -32768)
    if (c == 1) return pick("round trunc ceil floor sign ceiling") "(" pick("d r x k") ")"
    if (c == 2) return "mod(" pick("k s") ", " pick("3 -2 7") ")"
    if (c == 3) return pick("length char_length octet_length") "(" pick("g t") ")"
    if (c == 4) return "strpos(" pick("g t") ", " pick("'a' 'é' 'p'") ")"
    if (c == 5) return "position(" pick("'a' 'e'") " IN " pick("g t") ")"
    if (c == 6) return "coalesce(" pick("k s") ", " pick("0 k s") ")"
    if (c == 7) return "CASE " pick("k s") " WHEN 1 THEN 10 WHEN 2 THEN 20 ELSE " pick("0 k NULL") " END"
    if (c == 8) return "greatest(" pick("k s d") ", " pick("0 1 k") ")"
    if (c == 9) return "power(" pick("d r k") ", 2)"
    if (c == 10) return "sqrt(abs(" pick("d k r x") "))"
    if (c == 11) return "width_bucket(" pick("d r k") ", -100, 100, " pick("4 10") ")"
    if (c == 12) return "nullif(" pick("k s") ", 1)"
    # (no function failing on some events: a view failing on most requests
    # would leave nothing to compare)
    if (rnd(10) == 0) return pickb("ln(abs(d) + 1)|log(abs(k) + 1)|exp(k)|cbrt(d)")
    return "least(" pick("k s") ", " pick("3 s") ", " pick("5 k") ")"
}

# A text expression that sluiced computes.
function expr_txt(    c) {
    c = rnd(17)
    if (c == 0) return pick("upper lower initcap reverse md5 btrim ltrim rtrim") "(" pick("g t") ")"
    if (c == 1) return "substring(" pick("g t") pickb(" FROM 2 FOR 3| FROM 2|, 1, 2|, k|, 2, abs(k)| FOR 2") ")"
    if (c == 2) return pick("left right") "(" pick("g t") ", " pick("2 -1 k") ")"
    if (c == 3) return "replace(" pick("g t") ", " pickb("'a'|'é'|' '") ", " pick("'_' '' 'XY'") ")"
    if (c == 4) return "translate(" pick("g t") ", 'ae', " pick("'AE' 'x' ''") ")"
    if (c == 5) return pick("lpad rpad") "(" pick("g t") ", " pick("3 8 0 -1") pickb("|, '*'|, 'ab'|, ''") ")"
    if (c == 6) return "split_part(" pick("g t") ", " pickb("' '|'a'|''") ", " pick("1 2 -1") ")"
    if (c == 7) return "concat(" pick("g t k flag d") ", " pick("'-' k s NULL ts") ")"
    if (c == 8) return "concat_ws(" pick("',' '' '/'") ", " pick("g t") ", " pick("k NULL s flag") ")"
    if (c == 9) return "coalesce(" pick("g t") ", " pick("'?' t g") ")"
    if (c == 10) return "CASE WHEN " pickb("flag|k > 2|g IS NULL") " THEN " pick("g t 'x'") " ELSE " pick("t 'y' NULL") " END"
    if (c == 11) return "nullif(" pick("g t") ", " pick("'alpha' '' t") ")"
    if (c == 12) return "(" pick("k s d flag") " || " pick("g t '!'") ")"
    if (c == 13) return "regexp_replace(" pick("g t") ", " pick("'a' '[aeiou]' '^.' '(.)(.)'") ", " pick("'_' '<&>' ''") pickb("|, 'g'|, 'gi'") ")"
    if (c == 14) return "repeat(" pick("g t") ", " pick("2 0 -1") ")"
    if (c == 15) return "trim(" pickb("BOTH 'a' FROM|LEADING ' ' FROM|TRAILING 'e' FROM|") " " pick("g t") ")"
    return pick("greatest least") "(" pick("g t") ", " pick("'m' t g") ")"
}

# ---- jsonb (column j) and arrays (ai bigint[], at text[]), used as users
# do.  The casts only touch payload keys that always cast (gen.awk: "n" a
# JSON number, "i" an integer, "q" a number in a string, "b" a boolean);
# aggregates over jsonb values in order only where equal values are
# spelled the same ("n" has 1 and 1.0: not ordered, not summed as floats).

# A condition over j, ai, at.
function jcond(    c) {
    c = rnd(22)
    if (c == 0) return "j ? " pickb("'kind'|'n'|'u'|g|'tags'|t")
    if (c == 1) return "j " pick("?| ?&") " " pickb("'{kind,u}'|'{n,i}'|array['q', 'b']|'{}'|ARRAY['x']|at|ARRAY[g, 'kind']|string_to_array('n,i', ',')")
    if (c == 2) return "j->'tags' ? " pickb("'red'|'ünï'|g")
    if (c == 3) return "j @> " pickb("'{\"kind\": \"buy\"}'|'{\"tags\": [\"red\"]}'|'{\"b\": true}'|'{}'|'[1]'|'{\"x\": {\"y\": {\"z\": 1}}}'|'{\"u\": \"ünï\"}'")
    if (c == 4) return pickb("j->'v'|j->'x'|j") " <@ " pickb("'{\"a\": 1, \"b\": [], \"y\": {}}'|'[1, \"a\", null]'|'{\"y\": {\"z\": 2}, \"a\": [1, 2]}'|j")
    if (c == 5) return "j->>'kind' " pickb("= 'click'|IN ('buy', 'view')|<> 'Ünï'|IS NULL|> 'c'|LIKE '%i%'|= ''")
    if (c == 6) return "j->'" pick("v n i kind u") "' " cmpop() " " pickb("'1'|'\"b\"'|'null'|'[]'|'{}'|'true'|j->'n'|'1.0'|'-2.5e-3'")
    if (c == 7) return "(j->>'n')::numeric " cmpop() " " pick("0 1 1.5 -0.0025 100")
    if (c == 8) return "(j->'n')::numeric " cmpop() " " pick("0 1 m 10")
    if (c == 9) return "(j->>'i')::" pick("bigint int integer smallint") " " cmpop() " " pick("0 k 5 -10")
    if (c == 10) return pickb("(j->>'b')::boolean|(j->'b')::boolean|NOT (j->'b')::bool|(j->>'b')::boolean IS NOT TRUE")
    if (c == 11) return "jsonb_typeof(" pickb("j|j->'v'|j #> '{x,y,z}'|j->0") ") " pickb("= 'number'|= 'string'|IN ('array', 'object')|IS NULL|= 'null'|<> 'boolean'")
    if (c == 12) return "jsonb_array_length(" pickb("j->'tags'|j->'x'->'a'|j #> '{x,a}'") ") " cmpop() " " pick("0 1 2")
    if (c == 13) return "j #>> '" pickb("{x,y,z}|{x,a,0}|{tags,0}|{v,0}|{x,a,1,0}") "' " pickb("= '1'|IS NOT NULL|< 'b'|= 'red'")
    if (c == 14) return pick("j j->'v' j->'x' ai at") " IS " pick("NULL NOT_NULL")
    if (c == 15) return pick("k s 3 -1 id") " " pickb("= ANY (ai)|<> ALL (ai)|= ANY(ai)|> ALL (ai)|< ANY (ai)")
    if (c == 16) return pickb("g|t|'red'|'NULL'|j->>'u'|''|'with,comma'") " " pickb("= ANY (at)|<> ALL (at)|<= ANY (at)")
    if (c == 17) return pickb("ai[1]|ai[2]|ai[0]|ai[cardinality(ai)]|ai[k]") " " cmpop() " " pick("0 3 k s")
    if (c == 18) return pickb("at[1]|at[2]|at[cardinality(at)]|at[-1]") " " pickb("= 'a'|IS NULL|> 'b'|= g|LIKE '%a%'")
    if (c == 19) return pickb("cardinality(ai)|cardinality(at)|array_length(ai, 1)|array_length(at, 1)|coalesce(array_length(ai, 1), 0)") " " cmpop() " " pick("0 1 2 3")
    if (c == 20) return pickb("ai = '{}'|at = '{a,b}'|ai <> '{1,2}'|ai @> '{1}'|at <@ '{a,b,red,NULL}'|ai < '{5}'|at IS DISTINCT FROM '{}'|ai && '{1,2,3}'|array_position(ai, 3) IS NOT NULL|ai = ARRAY[k, s]|ai @> ARRAY[k]|ai && ARRAY[3::bigint, b]|at <@ ARRAY[g, t, 'a']|ai <@ ai || k")
    if (rnd(15) == 0) return pickb("j > 1|j->>'n' > 1|jsonb_typeof(k) = 'number'|ai = ANY (at)|j ? 1|cardinality(k) > 0|j @> 'x'")  # refused by both (42883 / 22P02)
    return "CASE j->>'kind' WHEN 'click' THEN " pick("k 1 s") " WHEN 'buy' THEN " pick("2 -1") " ELSE " pick("0 NULL") " END " cmpop() " " pick("0 1")
}

# A numeric expression over j, ai, at (no float sums: "n" is not dyadic).
function jnum(    c) {
    c = rnd(13)
    if (c == 0) return "(j->>'n')::numeric"
    if (c == 1) return "(j->'n')::numeric"
    if (c == 2) return "(j->>'i')::bigint"
    if (c == 3) return "(j->'i')::int"
    if (c == 4) return "(j->>'q')::numeric"
    if (c == 5) return "jsonb_array_length(" pickb("j->'tags'|j->'x'->'a'") ")"
    if (c == 6) return pickb("cardinality(ai)|cardinality(at)|array_length(ai, 1)|array_length(at, 1)")
    if (c == 7) return pickb("ai[1]|ai[2]|ai[cardinality(ai)]|coalesce(ai[1], -1)")
    if (c == 8) return "((j->>'n')::numeric " pick("+ - *") " " pick("1 m 0.5 (j->>'i')::int") ")"
    if (c == 9) return "(j #>> '{x,a,0}')::numeric"
    if (c == 10) return "CASE j->>'kind' WHEN 'click' THEN 1 WHEN 'view' THEN 2 WHEN 'buy' THEN 3 ELSE " pick("0 NULL k") " END"
    if (c == 11) return "((j->>'i')::int " pick("+ - *") " " pick("k 2 ai[1]") ")"
    return "array_position(" pickb("ai, 3|ai, k|at, 'a'|at, g") ")"
}

# A text expression over j, ai, at.
function jtxt(    c) {
    c = rnd(10)
    if (c == 0) return "j->>'" pick("kind u n v tags x q") "'"
    if (c == 1) return rnd(4) ? "j #>> '" pickb("{x,y,z}|{x,a}|{tags,0}|{x,a,1}|{}") "'" : "j #>> " pickb("ARRAY['x', 'y', 'z']|at|ARRAY['tags', (k % 3)::text]")
    if (c == 2) return "jsonb_typeof(" pickb("j|j->'v'|j->'n'|j #> '{x,y}'") ")"
    if (c == 3) return "j->'tags'->>" pick("0 -1 1 5")
    if (c == 4) return "j->>" pick("0 1 -1")
    if (c == 5) return "coalesce(j->>'kind', " pick("'?' g t") ")"
    if (c == 6) return pickb("at[1]|at[2]|at[cardinality(at)]")
    if (c == 7) return "array_to_string(" pickb("at, ','|at, '', '*'|ai, '-'|ai, ',', 'NULL'") ")"
    if (c == 8) return "CASE j->>'kind' WHEN 'click' THEN 'c' WHEN 'buy' THEN g ELSE " pickb("j->>'u'|NULL|'other'") " END"
    return "(j->>'u' || " pick("g t '-'") ")"
}

# A jsonb or array value.
function jval(    c) {
    c = rnd(12)
    if (c == 0) return "j"
    if (c == 1) return "j->'" pick("v kind tags x n") "'"
    if (c == 2) return "j #> '" pickb("{x,y}|{x,a}|{tags}|{x,a,1}") "'"
    if (c == 3) return "j->" pick("0 1 -1")
    if (c == 4) return "j->'tags'->" pick("0 -1")
    if (c == 5) return pick("ai at")
    if (c == 6) return pickb("ai || " pick("k s 7 ai '{1,NULL}'") "|at || " pick("g t at '{x,y}'") "|" pick("k 0") " || ai|g || at")
    if (c == 7) return pickb("ARRAY[k, s]|ARRAY[g, t, 'x']|ARRAY[ai[1], 2]")
    if (c == 8) return "j->'x'->'y'"
    if (c == 9) return "CASE WHEN j ? 'v' THEN j->'v' ELSE " pickb("j->'kind'|'null'|NULL|'[1, 2]'") " END"
    if (c == 10) return "coalesce(j->'u', j->'kind', " pickb("'\"none\"'|j") ")"
    return pickb("ai[1:2]|at[2:]|ai[:1]|string_to_array(t, ' ')|regexp_match(g, '(.)(.)')")
}

# A group key over j, ai, at (not "n" or the whole payload: 1 and 1.0 are
# one jsonb group that keeps either spelling).
function jkey(    c) {
    c = rnd(10)
    if (c < 3) return jtxt()
    if (c == 3) return "j->'" pick("kind tags u i") "'"
    if (c == 4) return pick("ai at ai[1] at[1]")
    if (c == 5) return jcond()
    if (c == 6) return pickb("(j->>'i')::int|cardinality(at)|jsonb_array_length(j->'tags')|(j->>'q')::numeric|(j->'n')::numeric")
    if (c == 7) return "j->'v'"
    if (c == 8) return pickb("j ? 'n'|j->'tags' @> '[\"red\"]'|3 = ANY (ai)|jsonb_typeof(j->'v')")
    return jnum()
}

# An aggregate over j, ai, at.
function jagg(    c, e) {
    c = rnd(16)
    if (c < 3) return pick("sum avg min max") "(" jnum() ")"
    if (c == 3) return "count(" pickb("j|j->'v'|j->>'kind'|ai|at|ai[1]|j->'tags'") ")"
    if (c == 4) return "count(DISTINCT " pickb("j->>'u'|j->>'kind'|j->'u'|j->'tags'|ai[1]|at[1]|(j->>'n')::numeric|j->>'n'|j->'v'|j") ")"
    if (c == 5) return pick("sum avg") "(DISTINCT " pickb("(j->>'i')::bigint|ai[1]|jsonb_array_length(j->'tags')|cardinality(at)") ")"
    # jsonb_agg / array_agg: the order of their elements is not defined
    # (in PostgreSQL either): "@Z@" asks for a column zN, compared sorted
    if (c == 6 || c == 7) {
        e = c == 6 ? pickb("j->>'kind'|j->>'u'|j->'u'|j->'i'|j->'tags'|k|ai[1]|at[1]|(j->>'i')::int|j->'kind'|g|j->'v'|j->'n'|m|flag|(j->>'n')::numeric|j #> '{x,a}'") \
                   : pickb("j->>'kind'|j->>'u'|k|ai[1]|at[1]|(j->>'i')::bigint|j->'u'|cardinality(ai)|g|at[2]|m|(j->'n')::numeric|j->>'n'")
        e = (c == 6 ? "jsonb_agg(" : "array_agg(") e (rnd(5) ? "" : " ORDER BY " e pickb("| DESC|")) ")"
        if (rnd(4) == 0) e = e " FILTER (WHERE " jcond() ")"
        return "@Z@" e
    }
    if (c == 8) return pick("bool_or bool_and every") "(" pickb("(j->>'b')::boolean|(j->'b')::boolean|j ? 'n'|3 = ANY (ai)|j @> '{\"kind\": \"buy\"}'") ")"
    if (c == 9) return pickb("count(*)|sum(k)|count(j)|sum((j->>'n')::numeric)|max(j->>'u')|min(cardinality(ai))") " FILTER (WHERE " jcond() ")"
    if (c == 10) { e = pickb("j->>'kind'|at[1]|j->>'u'|array_to_string(at, '+')"); return "string_agg(" e ", ',' ORDER BY " e ")" }
    if (c == 11) return pick("min max") "(" pickb("j->>'kind'|j->>'u'|at[1]|j #>> '{x,y,z}'|j->>'n'") ")"
    if (c == 12) return "sum(" pickb("cardinality(ai)|ai[1]|array_length(at, 1)|(j->'i')::int|CASE j->>'kind' WHEN 'buy' THEN (j->>'n')::numeric ELSE 0 END") ")"
    if (c == 13) return pick("max min") "(" pickb("(j->'n')::float8|(j->>'q')::float8|(j->>'n')::double precision") ")"
    if (rnd(4) == 0) return pickb("min(j)|max(j->'v')|sum(j->'n')|avg(j->>'i')|sum(ai)|count(j->)")  # refused by both
    return pick("stddev var_pop var_samp") "(" pickb("(j->>'i')::int|ai[1]|cardinality(at)") ")"
}

# A group key and an output
# expression over aggregates (PostgreSQL computes it from the states).
function expr_key(    c) {
    c = rnd(3)
    if (c == 0) return expr_txt()
    if (c == 1) return expr_num()
    return expr_cond(1)
}
function expr_over_aggs() {
    return pickb("CASE WHEN count(*) > 5 THEN 'many' ELSE 'few' END|coalesce(max(t), '-')|greatest(min(k), 0)|least(max(s), 100)|upper(min(g))|count(*) BETWEEN 2 AND 50|max(t) LIKE '%a%'|coalesce(sum(k), 0) IN (0, 1, 2)|length(max(t))|round(avg(d)) + 1|nullif(count(k), 0)")
}

function agg(    c, e) {
    if (rnd(4) == 0) return jagg()
    if (rnd(4) == 0) {
        e = agg_more()
        sub(/FILTER_flag/, "FILTER (WHERE flag)", e)
        sub(/FILTER_k/, "FILTER (WHERE k > 2)", e)
        gsub(/NOT_NULL/, "NOT NULL", e)
        return e
    }
    c = rnd(9)
    if (c == 0) return "count(*)"
    if (c == 1) return "count(" pick("g t k s flag ts r") ")"
    if (c == 2 || c == 3) { e = num(1); return "sum(" e ")" }
    if (c == 4) { e = num(1); return "avg(" e ")" }
    if (c == 5) return pick("min max") "(" pick("g t ts k s i b r d m") ")"
    if (rnd(4) == 0) return pick("min max") "(" txt() ")"
    if (c == 6) { e = num(1); return pick("min max") "(" e ")" }
    if (c == 7) return "count(*) * 2 + " pick("1 0 -3")
    if (rnd(20) == 0) return "sum(t)"        # refused by both
    if (rnd(3) == 0) return pick("max(r) avg(k) sum(s) min(d)") " " pick("- + *") " " \
        pick("min(r) 2 count(*) avg(s)")   # computed by PostgreSQL from the states
    return "sum(" pick("s i b r d") ") - count(*)"
}

# A view without aggregates: a continuous transform (a row per event that
# passes WHERE: columns, expressions, conditions), or with DISTINCT the
# distinct rows of its select list.
function transform(    q, j, nc, sel, c, e, dist) {
    nc = 1 + rnd(4); sel = ""
    # (DISTINCT without jsonb and arrays of j: 1 and 1.0 would be one row,
    # spelled as either side met it first)
    dist = rnd(4) == 0
    for (j = 1; j <= nc; j++) {
        c = rnd(dist ? 6 : 9)
        if (c == 6) e = jval()
        else if (c == 7) e = rnd(2) ? jtxt() : jnum()
        else if (c == 8) e = jcond()
        else if (c < 2) e = dist ? pick("id g k s i b r d x flag ts t m") : pick("id g k s i b r d x flag ts t m j ai at")
        else if (c < 4) e = num(1)
        else if (c == 4) e = txt()
        else e = cond(0)
        sel = sel (j > 1 ? ", " : "") e " AS c" j
    }
    q = "SELECT " (dist ? "DISTINCT " : "") sel " FROM @S@"
    if (rnd(10) < 6)
        q = q " WHERE " cond(2)
    gsub(/NOT_NULL/, "NOT NULL", q)
    return q
}

BEGIN {
    srand(seed)
    for (v = 1; v <= n; v++) {
        if (rnd(6) == 0) { print "rv" v "|" transform(); continue }
        nk = rnd(3)
        keys = ""; sel = ""; col = 0
        split("", used)
        if (rnd(6) == 0) {          # an expression as the group key
            key = pick("(k%3) (s/100) (g||t) (k+s)")
            keys = key; sel = key " AS e" (++col)
            nk = 0
        } else if (rnd(3) == 0) {   # one of the expressions above
            key = rnd(2) ? jkey() : expr_key()
            keys = key; sel = key " AS e" (++col)
            nk = 0
        }
        for (j = 0; j < nk; j++) {
            key = pick("g k s flag ts t b m ai at")
            if (key in used) continue
            used[key] = 1
            keys = keys (keys == "" ? "" : ", ") key
            sel = sel (sel == "" ? "" : ", ") key
            if (rnd(3) == 0 && (key == "k" || key == "s")) {
                sel = sel ", " key " " pick("+ - *") " " pick("1 2 1000") " AS e" (++col)
            }
        }
        na = 1 + rnd(4)
        for (j = 0; j < na; j++) {
            e = agg()
            if (sub(/^@Z@/, "", e))
                sel = sel (sel == "" ? "" : ", ") e " AS z" (++col)
            else if (e ~ /(min|max)\(/)   # nN: which of 1.0 and 1.00 it keeps is the
                                        # last in PostgreSQL's order of the group's rows
                sel = sel (sel == "" ? "" : ", ") e " AS n" (++col)
            else
                sel = sel (sel == "" ? "" : ", ") e " AS a" (++col)
        }
        if (rnd(4) == 0)
            sel = sel ", " expr_over_aggs() " AS o" (++col)
        q = "SELECT " sel " FROM @S@"
        if (rnd(10) < 7) {
            c = cond(2)
            gsub(/NOT_NULL/, "NOT NULL", c)
            q = q " WHERE " c
        }
        if (keys != "")
            q = q " GROUP BY " keys
        if (rnd(5) == 0)
            q = q " HAVING count(*) > " rnd(4)
        else if (rnd(8) == 0)
            q = q " HAVING " pickb("count(*) BETWEEN 1 AND 40|coalesce(max(k), 0) IN (3, 4, 5, 8)|max(t) NOT LIKE 'z%'|min(g) IS DISTINCT FROM 'alpha'")
        gsub(/NOT_NULL/, "NOT NULL", q)
        print "rv" v "|" q
    }
}
