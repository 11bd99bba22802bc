#!/bin/sh
# bench/view.sh (`make bench-view`): bench/view's ns per event for the
# views of issues 8 and 9 and, when valgrind is installed, instructions per
# event (callgrind counting only the timed parts of a run of 100 bodies, a
# flush every 50), which the machine's other load does not move; per pair the
# ratio plain / other.  BENCH_VIEW=PATH measures another build's bench/view
# (an older commit's, for before / after figures).
set -eu
: "${top_builddir:=.}"
bin=${BENCH_VIEW:-$top_builddir/bench/view}
for m in plain jsonb plain_ts tumble; do
    "$bin" "$m"
done
command -v valgrind >/dev/null 2>&1 || { echo "(valgrind not installed: no instruction counts)"; exit 0; }
ir() {
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/dev/null \
        "$bin" "$1" 100 50 1 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for m in plain jsonb plain_ts tumble; do
    c=$(ir "$m")
    n=$("$bin" "$m" 100 50 1 | sed -n 's/.* events=\([0-9]*\).*/\1/p')
    ipe=$(( c / n ))
    echo "RESULT view-instr mode=$m instructions_per_event=$ipe"
    eval "ipe_$m=$ipe"
done
awk -v p="$ipe_plain" -v j="$ipe_jsonb" -v q="$ipe_plain_ts" -v t="$ipe_tumble" 'BEGIN {
    printf "RESULT view-instr pair=jsonb ratio=%.3f\nRESULT view-instr pair=tumble ratio=%.3f\n", p / j, q / t }'
