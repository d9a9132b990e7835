#!/bin/sh
# tui_large.sh — a projector-sized window (issue #18): at 300x90 the head
# view's matrix grows to fill it, taller and wider than at 80x24.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 300 90 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat on the mat"
e2e_wait_for '^ +L3 ' 10
e2e_keys Enter
e2e_wait_for 'L1 H1 input' 5
# the grid's own lines name the head too: wait for the head view's last row
e2e_wait_for '^ \[SEP\] +\.[0-9]' 10
# the last query's label, and the right end of the last key's cells
last=$(e2e_screen | awk '/^ mat /{ n = NR } END { print n + 0 }')
e2e_check "the matrix reaches far down the window (last row at line $last)" test "$last" -gt 60
right=$(e2e_screen | awk '/^ \[SEP\] /{ s = $0; sub(/ +$/, "", s); print length(s); exit }')
e2e_check "and far across it ($right columns)" test "${right:-0}" -gt 100
# the cursor's cell still follows the keys, and clicks land by the new sizes
e2e_keys Down Down Right
e2e_wait_for '│ cat → the ' 5
tui_quit
e2e_finish
