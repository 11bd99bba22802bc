#!/bin/sh
# tests/e2e/readme.sh: runs README.md's quick start (its first ```sh block)
# against a real sluiced and PostgreSQL, with the ports of this test, and
# compares what it prints with the ```text block that follows it.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

sl_need_clients
export PGTZ=UTC

pg_start
sluiced_start
work=$PGTEST_DIR/readme
mkdir -p "$work"

# block LANG N: the Nth fenced block of LANG after "## Quick start".
block() {
    awk -v lang="$1" -v want="$2" '
        /^## Quick start/ { on = 1; next }
        on && /^## / { exit }
        on && inb && /^```$/ { inb = 0; if (n == want) exit; next }
        on && inb && n == want { print; next }
        on && $0 == "```" lang { n++; inb = 1 }
    ' "$top_srcdir/README.md"
}
block sh 1 | sed -e "s/-p 7432/-p $SLUICE_PGWIRE_PORT/g" \
                 -e "s/127\.0\.0\.1:7480/$SLUICE_HTTP/g" >"$work/quickstart.sh"
block text 1 >"$work/expected"
[ -s "$work/quickstart.sh" ] || sl_fail "README.md has no \`\`\`sh block under '## Quick start'"
[ -s "$work/expected" ] || sl_fail "README.md has no \`\`\`text block under '## Quick start'"
grep -q "$SLUICE_HTTP" "$work/quickstart.sh" || sl_fail "the quick start does not POST to 127.0.0.1:7480"

(cd "$work" && sh -e ./quickstart.sh) >"$work/got" 2>&1 || {
    cat "$work/got"; sl_fail "the README's quick start failed"; }
if diff -u "$work/expected" "$work/got"; then
    echo "ok: the README's quick start prints what the README says"
else
    sl_fail "the README's quick start prints something else (diff above)"
fi
