#!/bin/sh
# tests/diff/collation.sh: the differential test (run.sh) on a PostgreSQL
# whose collation is en_US.UTF-8, where text orders unlike bytes ('b' < 'B'
# < 'é' < 'z'): min/max of text and text comparisons in WHERE must follow
# the database's collation, as its own SELECT does.  `./bootstrap` generates
# the locale; without it the test skips, saying so.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
if ! locale -a 2>/dev/null | grep -qix 'en_US\.utf-\{0,1\}8'; then
    echo "SKIP: the locale en_US.UTF-8 is not installed (localedef -i en_US -f UTF-8 en_US.UTF-8)"
    exit 77
fi
PGTEST_LOCALE=en_US.UTF-8
export PGTEST_LOCALE
exec sh "$top_srcdir/tests/diff/run.sh"
