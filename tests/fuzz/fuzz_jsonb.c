/*
 * fuzz_jsonb.c: libFuzzer target for jsonb (util/jsonb.c).  The input is
 * jsonb_in's text (in a buffer of its exact length); accepted, its
 * canonical text must read back as itself, compare, hash and contain as
 * equal to itself, and every member must be reachable by ->, ->> , #>, ?
 * and @>; refused, the error must carry a SQLSTATE and a message.  The
 * first line of the input, when it splits in two at a tab, is also read as
 * a second value to compare and contain against the first, and as a text[]
 * path for #>.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonb.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz: %s\n", what);
    abort();
}

static bool parse(const char *s, size_t n, sl_arena_t *a, sl_jb_t *out)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    if (sl_jsonb_input(s, (uint32_t)n, a, &d, &err) != SL_OK) {
        if (strlen(err.sqlstate) != 5 || err.message[0] == '\0')
            fail("error without SQLSTATE or message");
        return false;
    }
    *out = (sl_jb_t){d.v.s.p, d.v.s.n};
    return true;
}

/* Walks every member of j (depth-first) through the accessors. */
static void walk(sl_jb_t j, sl_arena_t *a, int depth)
{
    if (depth > 64)
        return;
    sl_jb_t v;
    const char *tp;
    uint32_t tn;
    (void)sl_jsonb_typeof(j);
    (void)sl_jsonb_text(j, a, &tp, &tn);
    if (sl_jsonb_kind(j) == SL_JB_ARRAY) {
        int64_t n;
        sl_error_t err;
        sl_error_clear(&err);
        if (sl_jsonb_array_length(j, &n, &err) != SL_OK)
            fail("array length of an array");
        for (int64_t i = 0; i < n && i < 64; i++) {
            if (!sl_jsonb_elem(j, i, &v) || !sl_jsonb_elem(j, i - n, &v))
                fail("element not found");
            if (!sl_jsonb_contains(j, v) && sl_jsonb_kind(v) != SL_JB_OBJECT &&
                sl_jsonb_kind(v) != SL_JB_ARRAY)
                fail("an array does not contain its scalar element");
            walk(v, a, depth + 1);
        }
        if (sl_jsonb_elem(j, n, &v))
            fail("element past the end");
    } else if (sl_jsonb_kind(j) == SL_JB_OBJECT) {
        /* keys come back through the canonical text: "k": ... */
        const char *p = j.p + 1;
        for (int i = 0; i < 64 && *p == '"'; i++) {
            const char *q = p + 1;
            while (*q != '"')
                q += *q == '\\' ? 2 : 1;
            sl_jb_t key = {p, (uint32_t)(q + 1 - p)}, kv;
            const char *kp;
            uint32_t kn;
            if (!sl_jsonb_text(key, a, &kp, &kn))
                fail("key is no string");
            if (!sl_jsonb_field(j, kp, kn, &kv) || !sl_jsonb_exists(j, kp, kn))
                fail("field not found by its key");
            walk(kv, a, depth + 1);
            p = kv.p + kv.n;
            if (*p != ',')
                break;
            p += 2;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    memcpy(s, data, size);
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    sl_jb_t j, k;
    if (parse(s, size, a, &j)) {
        if (!parse(j.p, j.n, a, &k) || k.n != j.n || memcmp(k.p, j.p, j.n) != 0)
            fail("canonical text does not read back as itself");
        if (sl_jsonb_cmp(j, k) != 0 || !sl_jsonb_eq(j, k) || sl_jsonb_hash(j) != sl_jsonb_hash(k))
            fail("a value differs from itself");
        if (!sl_jsonb_contains(j, k))
            fail("a value does not contain itself");
        walk(j, a, 0);
        sl_datum_t out;
        sl_error_t err;
        sl_error_clear(&err);
        (void)sl_jsonb_cast(j, SL_T_INT8, a, &out, &err);
        sl_error_clear(&err);
        (void)sl_jsonb_cast(j, SL_T_FLOAT8, a, &out, &err);
    }
    const char *tab = memchr(s, '\t', size);
    const char *nl = memchr(s, '\n', size);
    if (tab && (!nl || tab < nl)) {
        size_t n1 = (size_t)(tab - s), n2 = (nl ? (size_t)(nl - tab) : size - n1) - 1;
        sl_jb_t x, y;
        if (parse(s, n1, a, &x) && parse(tab + 1, n2, a, &y)) {
            int c1 = sl_jsonb_cmp(x, y), c2 = sl_jsonb_cmp(y, x);
            if (c1 != -c2)
                fail("comparison is not antisymmetric");
            if ((c1 == 0) != sl_jsonb_eq(x, y))
                fail("equality disagrees with comparison");
            if (c1 == 0 && sl_jsonb_hash(x) != sl_jsonb_hash(y))
                fail("equal values hash differently");
            (void)sl_jsonb_contains(x, y);
        }
        sl_jb_path_t path;
        sl_error_t err;
        sl_error_clear(&err);
        if (parse(s, n1, a, &x) && sl_jsonb_parse_path(tab + 1, (uint32_t)n2, a, &path, &err) == SL_OK) {
            sl_jb_t v;
            if (sl_jsonb_get_path(x, &path, &v) && (v.p < x.p || v.p + v.n > x.p + x.n))
                fail("#> result outside its value");
        }
    }
    sl_arena_free(a);
    free(s);
    return 0;
}
