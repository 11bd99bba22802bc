# tests/diff/gen.awk: the seeded event generator of the differential test.
#
#   awk -v seed=N -v n=COUNT -v ndjson=FILE -v csv=FILE -f gen.awk </dev/null
#
# Writes the same COUNT events twice: as NDJSON (one object per line, for
# POST /v1/streams/{s}) and as CSV (for COPY ... WITH (FORMAT csv) into a
# plain table with the same columns).  The columns, in order:
#   id bigint, g text, k integer, s smallint, i integer, b bigint, r real,
#   d double precision, x double precision, flag boolean, ts timestamptz,
#   t text, m numeric, j jsonb, ai bigint[], at text[]
# The values mix NULLs (JSON null or a missing key), negatives, values near
# the integer limits, multi-byte UTF-8 text with quotes, backslashes, tabs and
# newlines (some written as JSON \u escapes), duplicate and NULL group keys,
# out-of-order timestamps written with various UTC offsets (one instant can
# appear under several offsets), booleans and floats.
#
# Floats are chosen so that sums do not depend on the summation order where
# the test compares exactly: r is a multiple of 1/4 below 250 (float4 sums
# stay exact), d a multiple of 1/64 below 16384 (float8 sums exact); x holds
# arbitrary positive decimals (its sums are compared after rounding) and a
# few Infinity / -Infinity / NaN.  m is an exact numeric of up to four
# decimals below 10000, spelled several ways (1, 1.0, 1.00, 15e-1, JSON
# strings), rarely NaN.  No aggregate of the test's views can
# overflow its PostgreSQL result type.
#
# j is a jsonb payload (see jpayload below): mostly an object whose keys
# have fixed roles, so that the views' casts cannot fail -- "kind" (a few
# strings), "n" (a number spelled 1, 1.0, 1.50, 1e2, -2.5E-3, ...), "i" (a
# small integer), "q" (a number as a JSON string), "b" (true/false), "u" (a
# user name: unicode, escapes), "tags" (an array of strings), "v" (any JSON
# value), "x" (nested objects and arrays), each often missing, sometimes a
# key twice (the last one wins); else a scalar or an array, or NULL.  A few
# events of kind "oops" carry "e": "oops" (a cast of it to numeric fails:
# random_views.sh's rv_jerr view); "e" is a number elsewhere.  The CSV holds
# the same JSON text.  ai (bigint[]) and at (text[]) are NULL, empty or a
# few elements with NULLs among them, written as a JSON array or as
# PostgreSQL's array literal in a JSON string.
#
# Only POSIX awk features: the same seed gives the same events with the
# same awk implementation.

function rnd(m) { return int(rand() * m) }          # 0 .. m-1
function pick3(a, b, c,    q) { q = rnd(3); return q == 0 ? a : q == 1 ? b : c }
function chance(p) { return rand() < p }

# Civil date from days since 1970-01-01 (days >= 0): sets Y, M, D.
function civil(days,    z, era, doe, yoe, doy, mp) {
    z = days + 719468
    era = int(z / 146097)
    doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    Y = yoe + era * 400
    doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153)
    D = doy - int((153 * mp + 2) / 5) + 1
    M = mp < 10 ? mp + 3 : mp - 9
    if (M <= 2)
        Y++
}

# Text form of the instant (epoch seconds sec, fraction frac like ".123456"
# or "") at UTC offset off seconds, written with suffix sfx and separator sep.
function fmt_ts(sec, frac, off, sfx, sep,    l, days, rem) {
    l = sec + off
    days = int(l / 86400)
    rem = l - days * 86400
    civil(days)
    return sprintf("%04d-%02d-%02d%s%02d:%02d:%02d%s%s", Y, M, D, sep,
                   int(rem / 3600), int(rem % 3600 / 60), rem % 60, frac, sfx)
}

# JSON string literal / CSV quoted field for raw text.
function csvq(raw,    s) {
    s = raw
    gsub(/"/, "\"\"", s)
    return "\"" s "\""
}

# A field: JSON text jv (already a JSON literal, or "" for NULL) and CSV text.
function put(name, jv, cv) {
    if (jv == "") {
        # NULL: either JSON null or the key left out
        if (chance(0.5))
            jline = jline (jline == "" ? "" : ", ") "\"" name "\": null"
        cline = cline ","
        return
    }
    jline = jline (jline == "" ? "" : ", ") "\"" name "\": " jv
    cline = cline (name == "id" ? "" : ",") cv
}

# s with every occurrence of a replaced by b (no regular expressions: awks
# treat backslashes in gsub's replacement differently).
function repl(s, a, b,    out, k) {
    out = ""
    while ((k = index(s, a)) > 0) {
        out = out substr(s, 1, k - 1) b
        s = substr(s, k + length(a))
    }
    return out s
}

# JSON string literal of text already escaped for JSON (used as is).
function jstr(esc) { return "\"" esc "\"" }

# A JSON number, spelled as events write them.
function jnum(    q) {
    q = rnd(16)
    if (q == 0) return pick3("1", "1.0", "1.50")
    if (q == 1) return pick3("1e2", "-2.5E-3", "0.000")
    if (q == 2) return pick3("-0", "12345678901234567890", "3.14159")
    if (q == 3) return pick3("1E+3", "-7", "0.1")
    if (q < 10) return sprintf("%d", rnd(41) - 20)
    return sprintf("%d.%d", rnd(201) - 100, rnd(100))
}

# A JSON value of any kind, depth levels deep at most.
function jany(depth,    q, k, out) {
    q = rnd(depth > 0 ? 9 : 6)
    if (q == 0) return "null"
    if (q == 1) return pick3("true", "false", "true")
    if (q == 2) return sprintf("%d.%d", rnd(21) - 10, 1 + rnd(9))
    if (q == 3) return sprintf("%d", rnd(5))        # (one spelling per value:
                                                    # v is a group key)
    if (q < 6) return jstr(JS[rnd(NJS)])
    if (q < 8) {
        out = "["
        k = rnd(4)
        for (; k > 0; k--)
            out = out (out == "[" ? "" : ", ") jany(depth - 1)
        return out "]"
    }
    out = "{"
    k = rnd(3)
    for (; k > 0; k--)
        out = out (out == "{" ? "" : ", ") jstr(pick3("a", "b", "y")) ": " jany(depth - 1)
    return out "}"
}

# The value of payload key key (its role: see the top of the file).
function jval(key,    val, j2) {
    if (key == "kind") return jstr(KINDS[rnd(NKINDS)])
    if (key == "n") return jnum()
    if (key == "i") return sprintf("%d", rnd(61) - 30)
    if (key == "q") return jstr(jnum())
    if (key == "b") return pick3("true", "false", "false")
    if (key == "u") return jstr(JS[rnd(NJS)])
    if (key == "tags") {
        val = "["
        for (j2 = rnd(4); j2 > 0; j2--)
            val = val (val == "[" ? "" : ", ") jstr(TAGS[rnd(NTAGS)])
        return val "]"
    }
    if (key == "v") return jany(2)
    if (key == "e") return jnum()
    # x
    if (rnd(5) == 0) return "{\"a\": []}"
    return "{\"y\": {\"z\": " (rnd(3) ? sprintf("%d", rnd(4)) : jany(1)) "}, \"a\": [" jnum() ", " jany(1) "]}"
}

# The payload j: a JSON text, or "" for NULL.
function jpayload(    q, out, k, key, nk, oops) {
    q = rnd(100)
    if (q < 7) return ""
    if (q < 11) {                                    # a scalar (JSON null: SQL NULL)
        out = jany(0)
        return out == "null" ? "" : out
    }
    if (q < 15) return "[" jnum() ", " jstr(JS[rnd(NJS)]) ", null, {\"a\": 1}]"
    if (q < 17) return "{}"
    out = ""
    oops = rnd(1500) == 0
    nk = split("kind n i q b u tags v x e", keys, " ")
    for (k = 1; k <= nk; k++) {
        key = keys[k]
        if (oops && (key == "kind" || key == "e")) {
            out = out (out == "" ? "" : ", ") jstr(key) ": \"oops\""
            continue
        }
        if (rnd(10) < 3) continue                    # missing
        out = out (out == "" ? "" : ", ") jstr(key) ": " jval(key)
        if (rnd(40) == 0)                            # the key again: the last wins
            out = out ", " jstr(key) ": " jval(key)
    }
    return "{" out "}"
}

# Array columns: sets AJ (JSON array or JSON string of the literal) and AC
# (the literal, for the CSV), or both "" for NULL.  txt: text[] else bigint[].
function garray(txt,    q, k, lit, js, el, e) {
    q = rnd(10)
    if (q == 0) { AJ = ""; AC = ""; return }
    lit = "{"; js = "["
    k = q == 1 ? 0 : 1 + rnd(5)
    for (; k > 0; k--) {
        if (rnd(8) == 0) { el = "NULL"; e = "null" }
        else if (txt) { e = AT[rnd(NAT)]; el = "\"" e "\""; e = el }
        else { el = sprintf("%d", rnd(26) - 5); e = el }
        lit = lit (lit == "{" ? "" : ",") el
        js = js (js == "[" ? "" : ", ") e
    }
    lit = lit "}"; js = js "]"
    AC = csvq(lit)
    if (rnd(5) == 0)            # the literal in a JSON string
        AJ = "\"" repl(repl(lit, "\\", "\\\\"), "\"", "\\\"") "\""
    else
        AJ = js
}

function pick_text(    nf, j, f, raw, js) {
    if (chance(0.08)) {
        TR = ""; TJ = "\"\""
        return
    }
    nf = 1 + rnd(3)
    raw = ""; js = ""
    for (j = 0; j < nf; j++) {
        f = rnd(NFR)
        raw = raw fr_raw[f]
        js = js fr_json[f]
    }
    TR = raw; TJ = "\"" js "\""
}

BEGIN {
    if (seed == "") seed = 1
    if (n == "") n = 4000
    srand(seed)

    # group keys g: raw text and one or two JSON spellings
    NG = 0
    G_raw[NG] = "alpha";          G_js[NG] = "\"alpha\"";            G_js2[NG++] = ""
    G_raw[NG] = "Beta";           G_js[NG] = "\"Beta\"";             G_js2[NG++] = ""
    G_raw[NG] = "ünïcödé";        G_js[NG] = "\"ünïcödé\"";          G_js2[NG++] = "\"\\u00fcn\\u00efc\\u00f6d\\u00e9\""
    G_raw[NG] = "日本";           G_js[NG] = "\"日本\"";             G_js2[NG++] = "\"\\u65e5\\u672c\""
    G_raw[NG] = "q\"uote";        G_js[NG] = "\"q\\\"uote\"";        G_js2[NG++] = ""
    G_raw[NG] = "back\\slash";    G_js[NG] = "\"back\\\\slash\"";    G_js2[NG++] = "\"back\\u005cslash\""
    G_raw[NG] = "";               G_js[NG] = "\"\"";                 G_js2[NG++] = ""
    G_raw[NG] = "it's";           G_js[NG] = "\"it's\"";             G_js2[NG++] = ""
    G_raw[NG] = "🎉 party";       G_js[NG] = "\"🎉 party\"";         G_js2[NG++] = "\"\\ud83c\\udf89 party\""
    G_raw[NG] = "é";              G_js[NG] = "\"é\"";                G_js2[NG++] = "\"\\u00e9\""
    G_raw[NG] = "ω";              G_js[NG] = "\"ω\"";                G_js2[NG++] = ""
    G_raw[NG] = "zz";             G_js[NG] = "\"zz\"";               G_js2[NG++] = ""
    G_raw[NG] = "a\tb";           G_js[NG] = "\"a\\tb\"";            G_js2[NG++] = "\"a\\u0009b\""

    # fragments of the free text t
    NFR = 0
    fr_raw[NFR] = "apple";        fr_json[NFR++] = "apple"
    fr_raw[NFR] = "Zebra";        fr_json[NFR++] = "Zebra"
    fr_raw[NFR] = "ünïcödé";      fr_json[NFR++] = "ünïcödé"
    fr_raw[NFR] = "日本語";       fr_json[NFR++] = "日本語"
    fr_raw[NFR] = "🎉";           fr_json[NFR++] = "🎉"
    fr_raw[NFR] = "say \"hi\"";   fr_json[NFR++] = "say \\\"hi\\\""
    fr_raw[NFR] = "back\\slash";  fr_json[NFR++] = "back\\\\slash"
    fr_raw[NFR] = "it's";         fr_json[NFR++] = "it's"
    fr_raw[NFR] = "tab\there";    fr_json[NFR++] = "tab\\there"
    fr_raw[NFR] = "é";            fr_json[NFR++] = "\\u00e9"
    fr_raw[NFR] = "line\nbreak";  fr_json[NFR++] = "line\\nbreak"
    fr_raw[NFR] = "ω";            fr_json[NFR++] = "ω"
    fr_raw[NFR] = "mixed Ä-ß";    fr_json[NFR++] = "mixed Ä-ß"
    fr_raw[NFR] = "a";            fr_json[NFR++] = "a"
    fr_raw[NFR] = "b";            fr_json[NFR++] = "b"
    fr_raw[NFR] = " space ";      fr_json[NFR++] = " space "
    fr_raw[NFR] = "ÿ";            fr_json[NFR++] = "\\u00ff"
    fr_raw[NFR] = "/slash";       fr_json[NFR++] = "\\/slash"
    fr_raw[NFR] = "z";            fr_json[NFR++] = "z"

    # jsonb strings (JSON-escaped), kinds, tags
    NJS = 0
    JS[NJS++] = "alpha"; JS[NJS++] = "Beta"; JS[NJS++] = "ünï"; JS[NJS++] = "\\u00fcn\\u00ef"
    JS[NJS++] = "日本"; JS[NJS++] = "say \\\"hi\\\""; JS[NJS++] = "back\\\\slash"
    JS[NJS++] = "tab\\there"; JS[NJS++] = ""; JS[NJS++] = "🎉"; JS[NJS++] = "\\ud83c\\udf89"
    JS[NJS++] = "1"; JS[NJS++] = "null"; JS[NJS++] = "a"; JS[NJS++] = "z"
    NKINDS = 0
    KINDS[NKINDS++] = "click"; KINDS[NKINDS++] = "view"; KINDS[NKINDS++] = "buy"
    KINDS[NKINDS++] = "Ünï"; KINDS[NKINDS++] = ""
    NTAGS = 0
    TAGS[NTAGS++] = "red"; TAGS[NTAGS++] = "green"; TAGS[NTAGS++] = "blue"; TAGS[NTAGS++] = "ünï"
    # text[] elements as written inside "..." (escaped the same way in JSON
    # and in PostgreSQL's array literal)
    NAT = 0
    AT[NAT++] = "a"; AT[NAT++] = "b"; AT[NAT++] = "red"; AT[NAT++] = "Ünï"; AT[NAT++] = "日本"
    AT[NAT++] = "say \\\"hi\\\""; AT[NAT++] = "back\\\\slash"; AT[NAT++] = "with,comma"
    AT[NAT++] = "sp ace"; AT[NAT++] = ""; AT[NAT++] = "NULL"; AT[NAT++] = "{br}"; AT[NAT++] = "é"

    # instants: 2023-12-01 .. 2024-06-30, plus the bounds the views test
    NI = 0
    I_sec[NI] = 1706745600; I_frac[NI++] = ""           # 2024-02-01 00:00:00Z
    I_sec[NI] = 1715774400; I_frac[NI++] = ""           # 2024-05-15 12:00:00Z
    I_sec[NI] = 1715774399; I_frac[NI++] = ".999999"
    while (NI < 40) {
        I_sec[NI] = 1701388800 + rnd(18316800)
        I_frac[NI++] = chance(0.3) ? sprintf(".%06d", rnd(1000000)) : ""
    }
    NO = 0
    O_off[NO] = 0;      O_sfx[NO++] = "Z"
    O_off[NO] = 0;      O_sfx[NO++] = "+00:00"
    O_off[NO] = 7200;   O_sfx[NO++] = "+02:00"
    O_off[NO] = -18000; O_sfx[NO++] = "-05:00"
    O_off[NO] = 19800;  O_sfx[NO++] = "+05:30"
    O_off[NO] = -34200; O_sfx[NO++] = "-09:30"
    O_off[NO] = 3600;   O_sfx[NO++] = "+01"

    for (id = 1; id <= n; id++) {
        jline = ""; cline = ""
        put("id", id, id)

        # g
        if (chance(0.1)) put("g", "", "")
        else {
            q = rnd(NG)
            put("g", (G_js2[q] != "" && chance(0.5)) ? G_js2[q] : G_js[q], csvq(G_raw[q]))
        }
        # k
        if (chance(0.1)) put("k", "", "")
        else { v = rnd(12) - 3; put("k", v, v) }
        # s: smallint
        if (chance(0.1)) put("s", "", "")
        else {
            v = chance(0.05) ? (chance(0.5) ? 32767 : -32768) : rnd(1001) - 500
            put("s", v, v)
        }
        # i: integer, some near the limits, some as JSON strings
        if (chance(0.15)) put("i", "", "")
        else {
            if (chance(0.15))
                v = chance(0.5) ? 2147483647 - rnd(100) : -2147483648 + rnd(100)
            else
                v = rnd(200001) - 100000
            v = sprintf("%d", v)
            put("i", chance(0.1) ? "\"" v "\"" : v, v)
        }
        # b: bigint, a quarter near the limits (built as text: awk has doubles)
        if (chance(0.15)) put("b", "", "")
        else {
            if (chance(0.3)) {
                if (chance(0.5)) v = "9223372036854775" sprintf("%03d", rnd(808))
                else v = "-9223372036854775" sprintf("%03d", rnd(809))
            } else
                v = sprintf("%d", rnd(2000001) - 1000000)
            put("b", v, v)
        }
        # r: real, multiples of 1/4
        if (chance(0.1)) put("r", "", "")
        else { v = sprintf("%.2f", (rnd(1999) - 999) / 4); put("r", v, v) }
        # d: double, multiples of 1/64, some in exponent form
        if (chance(0.1)) put("d", "", "")
        else {
            q = rnd(2097151) - 1048575
            if (chance(0.2)) v = sprintf("%.0fe-6", q * 15625)
            else v = sprintf("%.6f", q / 64)
            put("d", v, v)
        }
        # x: arbitrary positive doubles, rarely infinite or NaN
        if (chance(0.1)) put("x", "", "")
        else if (chance(0.002)) {
            q = rnd(3)
            v = q == 0 ? "Infinity" : q == 1 ? "-Infinity" : "NaN"
            put("x", "\"" v "\"", v)
        } else {
            v = sprintf("%.12g", rand() * 10 ^ (rnd(9) - 3))
            put("x", v, v)
        }
        # flag
        q = rnd(10)
        if (q < 2) put("flag", "", "")
        else if (q < 6) put("flag", "true", "true")
        else put("flag", "false", "false")
        # ts
        if (chance(0.05)) put("ts", "", "")
        else {
            q = rnd(NI); o = rnd(NO)
            v = fmt_ts(I_sec[q], I_frac[q], O_off[o], O_sfx[o], chance(0.5) ? "T" : " ")
            put("ts", "\"" v "\"", v)
        }
        # t
        if (chance(0.08)) put("t", "", "")
        else { pick_text(); put("t", TJ, csvq(TR)) }
        # m: numeric, with its scale as written
        q = rnd(20)
        if (q < 2) put("m", "", "")
        else if (q < 5) { v = pick3("1", "1.0", "1.00"); put("m", v, v) }
        else if (q == 5) put("m", "15e-1", "1.5")
        else if (q == 6 && chance(0.05)) put("m", "\"NaN\"", "NaN")
        else {
            v = sprintf("%d", rnd(19999) - 9999)
            if (v == "-0") v = "0"
            f = rnd(5)
            if (f > 0) v = v "." sprintf("%0" f "d", rnd(10 ^ f))
            if (v ~ /^0\./ && chance(0.3)) v = "-" v
            put("m", chance(0.3) ? "\"" v "\"" : v, v)
        }

        # j, ai, at
        v = jpayload()
        put("j", v, v == "" ? "" : csvq(v))
        garray(0); put("ai", AJ, AC)
        garray(1); put("at", AJ, AC)

        print "{" jline "}" > ndjson
        print cline > csv
    }
}
