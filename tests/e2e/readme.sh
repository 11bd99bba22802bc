#!/bin/sh
# tests/e2e/readme.sh: runs README.md's quick start (its first ```sh block)
# against a real sluiced and PostgreSQL, with the ports of this test, and
# compares what it prints with the ```text block that follows it; then the
# same for the example of "### Inserting events" (INSERT and \copy into the
# quick start's stream).
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

# block LANG N [HEADING]: the Nth fenced block of LANG after the heading
# (default "## Quick start"), up to the next heading.
block() {
    awk -v lang="$1" -v want="$2" -v head="${3:-## Quick start}" '
        $0 == head { on = 1; next }
        on && /^##/ { exit }
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

h="### Inserting events: INSERT and COPY"
block sh 1 "$h" | sed -e "s/-p 7432/-p $SLUICE_PGWIRE_PORT/g" >"$work/insert.sh"
block text 1 "$h" >"$work/insert.expected"
[ -s "$work/insert.sh" ] && [ -s "$work/insert.expected" ] ||
    sl_fail "README.md has no \`\`\`sh and \`\`\`text blocks under '$h'"
(cd "$work" && sh -e ./insert.sh) >"$work/insert.got" 2>&1 || {
    cat "$work/insert.got"; sl_fail "the README's INSERT/COPY example failed"; }
if diff -u "$work/insert.expected" "$work/insert.got"; then
    echo "ok: the README's INSERT/COPY example prints what the README says"
else
    sl_fail "the README's INSERT/COPY example prints something else (diff above)"
fi
