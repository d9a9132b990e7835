#!/bin/sh
# tui_help_scroll.sh — the help fits any window the explorer opens in
# (issue #18): at 40x12 it wraps to the width and scrolls line by line
# down to its last entry; any other key closes it.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 40 12 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat"
e2e_wait_for 'L1H1|KEYS' 10
e2e_keys '?'
e2e_wait_for 'heed keys' 3
e2e_expect 'Anywhere' "the help starts at the top"
e2e_refute 'BS Del C-w C-u' "its last entry is further down"
e2e_expect '↓ 1–[0-9]+/[0-9]+' "the frame says there is more"
i=0
while [ $i -lt 200 ] && ! e2e_matches '↑ [0-9]+–([0-9]+)/\1 '; do
	e2e_keys Down
	sleep 0.05
	i=$((i + 1))
done
e2e_check "Down reaches the end, one line at a time ($i presses)" test $i -gt 5 -a $i -lt 200
e2e_expect 'BS Del C-w C-u' "the last entry shows at the end"
first=$(e2e_screen | sed -n 's/.*↑ \([0-9]*\)–.*/\1/p')
e2e_keys Up
e2e_wait_for "↑↓ $((first - 1))–" 3
e2e_keys Escape
e2e_wait_for 'L1 H1 input' 3
e2e_refute 'heed keys' "Escape closes it"
tui_quit
e2e_finish
