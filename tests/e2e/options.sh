#!/bin/sh
# tests/e2e/options.sh: sluiced's command line: --help and --version exit 0,
# bad settings exit non-zero with a message naming the culprit, before any
# PostgreSQL is touched.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
sluiced="$top_builddir/sluiced"
[ -x "$sluiced" ] || sl_fail "$sluiced is not built"
unset SLUICE_PGWIRE_PORT SLUICE_HTTP_PORT SLUICE_CONFIG SLUICE_PG
out=$(mktemp /tmp/sloptions.XXXXXX)
trap 'rm -f "$out"' EXIT

"$sluiced" --help >"$out" 2>&1 || sl_fail "--help exited non-zero"
for s in --pg --data-dir --pgwire-port --http-port --flush-interval SLUICE_HTTP_PORT 7432 7480; do
    grep -q -- "$s" "$out" || sl_fail "--help does not mention $s"
done
"$sluiced" --version | grep -q "^sluiced (Sluice) " || sl_fail "--version"

# expect_error MESSAGE-PART ARGS...: sluiced ARGS must fail, saying MESSAGE-PART.
expect_error() {
    want=$1; shift
    if "$@" >"$out" 2>&1; then
        sl_fail "$* succeeded"
    fi
    grep -q -- "$want" "$out" || { cat "$out"; sl_fail "$*: message lacks \"$want\""; }
}
expect_error 'unknown option "--frobnicate"' "$sluiced" --frobnicate
expect_error '--http-port' "$sluiced" --http-port 70000
expect_error 'SLUICE_PGWIRE_PORT' env SLUICE_PGWIRE_PORT=abc "$sluiced"
printf 'http_port = 1\nno_such_key = 2\n' >"$out.conf"
expect_error ':2: unknown setting "no_such_key"' "$sluiced" --config "$out.conf"
rm -f "$out.conf"
echo "ok"
