#!/bin/sh
# bench/decode.sh (`make bench-decode`): bench/decode's ns per event with
# and without "ts", and, when valgrind is installed, instructions per event
# (callgrind: a run of 20 bodies minus a run of none), which the machine's
# other load does not move.  BENCH_DECODE=PATH measures another build's
# bench/decode (an older commit's, for before / after figures).
set -eu
: "${top_builddir:=.}"
dec=${BENCH_DECODE:-$top_builddir/bench/decode}
for m in plain ts; do
    "$dec" "$m"
done
command -v valgrind >/dev/null 2>&1 || { echo "(valgrind not installed: no instruction counts)"; exit 0; }
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$dec" "$1" 1 "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for m in plain ts; do
    n=$([ "$m" = ts ] && echo 1344 || echo 3155)   # events per 64 KiB body
    a=$(ir "$m" 0) b=$(ir "$m" 20)
    echo "RESULT decode $m instructions_per_event=$(( (b - a) / (20 * n) ))"
done
