#!/bin/sh
# tests/e2e/shell_tty.sh: the sluice shell in a real terminal (tmux, 120x40)
# against a throwaway PostgreSQL: the prompt with the dbname and the
# continuation marks, multi-line statements, line editing, Ctrl-C cancelling
# a running statement without leaving the shell, Ctrl-C clearing the line
# and the statement being typed, a multi-line statement recalled whole by
# Up and run again, history across runs ($SLUICE_HISTORY, multi-line
# entries too), tab completion of keywords and table names, \watch stopped
# by Ctrl-C, \x auto's switch at the terminal's width, \q.
# Every check runs; prints each failure, exits 1 if any.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

SLUICE=$top_builddir/sluice
[ -x "$SLUICE" ] || sl_skip "$SLUICE is not built"
command -v tmux >/dev/null 2>&1 || sl_skip "tmux is not installed"
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGPASSWORD

nfail=0
fail() { printf 'FAIL: %s\n' "$*"; nfail=$((nfail + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

pg_start
work=$PGTEST_DIR/tty
mkdir -p "$work"
sock=$work/tmux.sock
TMUX_PID=
tm() { tmux -S "$sock" "$@"; }
cleanup_tmux() { [ -S "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null; }
trap 'rc=$?; trap - EXIT; cleanup_tmux; sl__cleanup; exit $rc' EXIT
export SLUICE_HISTORY=$work/history

# start: a shell in a fresh tmux session; its exit status goes to $work/rc.
start() {
    rm -f "$work/rc"
    tm new-session -d -x 120 -y 40 -s sh \
        "TERM=xterm SLUICE_HISTORY='$SLUICE_HISTORY' '$SLUICE' -X -h 127.0.0.1 -p $PGTEST_PORT -U postgres postgres; echo \$? >'$work/rc'; sleep 60"
    wait_for 'postgres=>' || fail "no prompt"
}
screen() { tm capture-pane -p -t sh -S -200; }
# wait_for TEXT: until the screen shows TEXT (fixed string), 10 s at most.
# capture-pane drops trailing blanks, so TEXT must not end with one.
wait_for() {
    i=0
    while ! screen | grep -qF -- "$1"; do
        i=$((i + 1))
        [ $i -lt 100 ] || return 1
        sleep 0.1
    done
}
keys() { tm send-keys -t sh "$@"; }
# shows_ml: the three lines of the multi-line statement below are the last
# ones on the screen, the first after the prompt.
shows_ml() {
    [ "$(screen | sed '/^$/d' | tail -n 3)" = "postgres=> SELECT 11 AS first_line,
  22 AS second_line,
  33 AS third_line;" ]
}
ml_runs() { screen | grep -c '^ first_line | second_line | third_line$'; }
stop() { tm kill-server 2>/dev/null; sleep 0.2; }

# ---- session 1 ----------------------------------------------------------------
start
keys 'SELECT 1 AS a,' Enter
wait_for 'postgres->' && pass "continuation prompt postgres->" || fail "continuation prompt"
keys "  'x' AS b" Enter '\;' Enter
wait_for '(1 row)' && pass "multi-line statement ended by ;" || { fail "multi-line statement"; screen; }

# Up recalls a multi-line statement whole (one history entry, as in psql),
# and Enter runs it again.
keys 'SELECT 11 AS first_line,' Enter '  22 AS second_line,' Enter '  33 AS third_line\;' Enter
wait_for ' first_line | second_line | third_line' || { fail "three-line statement"; screen; }
keys Up
sleep 0.3
shows_ml && pass "Up recalls all lines of a multi-line statement" ||
    { fail "Up after a multi-line statement"; screen | tail -5; }
keys Enter
i=0
while [ "$(ml_runs)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(ml_runs)" = 2 ] && screen | grep -q '^         11 |          22 |         33$' &&
    pass "the recalled multi-line statement runs again" || { fail "re-running the recalled statement"; screen | tail -12; }
keys "SELECT 'abc" Enter
wait_for "postgres'>" && pass "prompt inside a quoted string" || fail "quote prompt"
keys "def' AS s\\;" Enter
wait_for ' abc+' && pass "newline inside a string" || fail "string across lines"

# line editing: type, move left, insert, Home, delete, then run
keys 'SELECT 4 AS edited' Left Left Left Left Left Left Left Left Left Left '2' \
    Home Right Right Right Right Right Right BSpace BSpace BSpace BSpace BSpace BSpace 'SELECT' End '\;' Enter
wait_for '     42' && pass "line editing (cursor keys, insert, backspace)" || { fail "line editing"; screen; }

# \x auto in 120 columns: a table exactly 120 wide stays aligned, 121 wide
# goes expanded (psql 15.18's rule: expanded when wider than the terminal).
keys '\x auto' Enter "SELECT repeat('a', 40) AS a, repeat('b', 40) AS b, repeat('c', 32) AS c\;" Enter
wait_for '(1 row)' || true
keys "SELECT repeat('a', 40) AS a, repeat('b', 40) AS b, repeat('d', 33) AS d\;" Enter
wait_for 'd | ddd' || true
if screen | grep -q '^ a\{40\} | b\{40\} | c\{32\}$' && screen | grep -q '^d | d\{33\}$' &&
    [ "$(screen | grep -c 'RECORD 1')" = 1 ]; then
    pass "\\x auto: 120 columns wide stays aligned, 121 goes expanded"
else
    fail "\\x auto"; screen | tail -14
fi
keys '\x off' Enter

keys 'SELECT pg_sleep(60)\;' Enter
sleep 1
keys C-c
wait_for 'canceling statement due to user request' && pass "Ctrl-C cancels the running statement" ||
    { fail "Ctrl-C cancel"; screen; }
keys 'SELECT 7 AS still_here\;' Enter
wait_for 'still_here' && pass "the shell survives Ctrl-C" || fail "shell after Ctrl-C"

keys 'SELECT (1' Enter
wait_for 'postgres(>' || fail "paren prompt"
keys 'half typed' C-c
sleep 0.3
keys 'SELECT 8 AS fresh\;' Enter
wait_for ' fresh' && ! screen | grep -q 'half typed8' && pass "Ctrl-C clears the line and the statement being typed" ||
    { fail "Ctrl-C at the prompt"; screen; }

psql -X -q -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres postgres -c 'CREATE TABLE completion_target (zebra_col int)'
keys 'sel' Tab
keys '1 AS c fr' Tab
keys 'completion_t' Tab
sleep 0.5
screen | grep -qF 'select 1 AS c from completion_target' && pass "tab completion of keywords and table names" ||
    { fail "tab completion"; screen | tail -5; }
keys C-u
keys 'SELECT zebra' Tab
sleep 0.5
screen | grep -qF 'SELECT zebra_col' && pass "tab completion of column names" || { fail "column completion"; screen | tail -3; }
keys C-u '\watch 0.2' Enter
sleep 0.1
keys 'SELECT 99 AS watched\;' Enter
wait_for ' watched' || true
keys '\watch 0.2' Enter
sleep 1.2
n=$(screen | grep -c '(every 0.2s)')
keys C-c
sleep 0.3
keys 'SELECT 5 AS after_watch\;' Enter
if [ "$n" -ge 3 ] && wait_for 'after_watch'; then
    pass "\\watch repeats ($n times seen) and Ctrl-C stops it"
else
    fail "\\watch ($n runs)"; screen | tail -20
fi
keys '\q' Enter
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$work/rc" 2>/dev/null)" = 0 ] && pass "\\q exits 0" || fail "\\q: rc $(cat "$work/rc" 2>/dev/null)"
stop

# ---- session 2: history from session 1 ------------------------------------------------
grep -qxF 'SELECT 7 AS still_here;' "$SLUICE_HISTORY" && pass "history written to \$SLUICE_HISTORY" ||
    { fail "history file"; cat "$SLUICE_HISTORY"; }
printf 'SELECT 11 AS first_line,\001  22 AS second_line,\001  33 AS third_line;\n' >"$work/ml.expected"
grep -qxF -f "$work/ml.expected" "$SLUICE_HISTORY" && ! grep -q '^  33 AS third_line;$' "$SLUICE_HISTORY" &&
    pass "a multi-line entry is one line of the history file (newlines as \\x01, like psql)" ||
    { fail "multi-line entry in the history file"; cat -A "$SLUICE_HISTORY"; }
start
keys Up Up
sleep 0.3
screen | grep -qF 'postgres=> SELECT 5 AS after_watch;' && pass "history across runs (Up arrow)" ||
    { fail "history across runs"; screen | tail -3; }
# Further back: the multi-line statement of session 1, whole, from the file.
i=0
while ! shows_ml && [ $i -lt 30 ]; do keys Up; sleep 0.2; i=$((i + 1)); done
if shows_ml; then
    keys Enter
    wait_for ' first_line | second_line | third_line' &&
        pass "a multi-line entry read back from the history file is recalled whole and runs" ||
        { fail "running the multi-line entry from the file"; screen | tail -8; }
else
    fail "multi-line entry not recalled from the history file"; screen | tail -5
fi
keys C-u C-d
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$work/rc" 2>/dev/null)" = 0 ] && pass "Ctrl-D exits 0" || fail "Ctrl-D: rc $(cat "$work/rc" 2>/dev/null)"
stop

[ $nfail = 0 ] || { echo "$nfail check(s) failed"; exit 1; }
echo "all interactive shell checks passed"
