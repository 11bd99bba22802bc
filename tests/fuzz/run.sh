#!/bin/sh
# run.sh TOP_SRCDIR SECONDS TARGET...: runs each libFuzzer target (built
# as tests/fuzz/fuzz_<target>) for SECONDS seconds, one after another, on
# its seed corpus (tests/fuzz/corpus/<target>, read only) and its grown
# corpus (tests/fuzz/work/<target>/corpus, kept between runs), with its
# dictionary when there is one.  Prints per target the runs and the
# executions per second from libFuzzer's final "Done N runs in S
# second(s)" line; a crash, leak, sanitizer report or timeout leaves its
# input in tests/fuzz/work/<target>/ and makes the script exit 1 after the
# other targets ran.  Run from the build directory.
top_srcdir=$1
seconds=$2
shift 2
failed=
for t in "$@"; do
    bin=tests/fuzz/fuzz_$t
    work=tests/fuzz/work/$t
    mkdir -p "$work/corpus"
    set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/"
    # Inputs longer than this seldom find more, and cost: a decoder sizes
    # its batch by the body's lines, the SQL target runs each view.
    case $t in
    csv|sql) set -- "$@" -max_len=2048 ;;
    *) set -- "$@" -max_len=4096 ;;
    esac
    dict=$top_srcdir/tests/fuzz/${t%_head}.dict
    [ -f "$dict" ] && set -- "$@" -dict="$dict"
    log=$work/log
    start=$(date +%s)
    if "$bin" "$@" "$work/corpus" "$top_srcdir/tests/fuzz/corpus/$t" >"$log" 2>&1; then
        rc=0
    else
        rc=$?
    fi
    done_line=$(grep '^Done [0-9]* runs in' "$log" | tail -n 1)
    runs=$(echo "$done_line" | sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p')
    secs=$(echo "$done_line" | sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p')
    if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        rate=$(( runs / (secs > 0 ? secs : 1) ))
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        printf 'fuzz %-7s %12s runs in %s s (%s exec/s, %s, corpus %s files)\n' \
            "$t" "$runs" "$secs" "$rate" "$cov" "$(ls "$work/corpus" | wc -l)"
    else
        printf 'fuzz %-7s FAILED after %s s (exit %s): see %s\n' "$t" \
            "$(( $(date +%s) - start ))" "$rc" "$log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz|artifact_prefix|Test unit written)' "$log" |
            sed 's/^/    /' | head -n 20
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz: findings in:$failed"
    exit 1
fi
echo "fuzz: no findings"
