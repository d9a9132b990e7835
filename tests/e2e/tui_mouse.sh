#!/bin/sh
# tui_mouse.sh — a click on a thumbnail selects that head; a click in the
# head view moves the cursor there (SGR mouse reports, as xterm sends).
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

# click COL ROW: press and release of button 1, 1-based coordinates.
click() {
	e2e_type "$(printf '\033[<0;%d;%dM\033[<0;%d;%dm' "$1" "$2" "$1" "$2")"
}

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat on the mat"
e2e_wait_for '^ +L3 ' 10
# the L2 label's row and the H3 header's column, read off the screen
row=$(e2e_screen | awk '/^ +L2 /{ print NR; exit }')
col=$(e2e_screen | awk '/ H3 /{ print index($0, "H3") + 1; exit }')
click "$col" "$row"
e2e_wait_for 'L2H3 input' 5
e2e_keys Enter
e2e_wait_for 'L2 H3 input [a-z-]+ │ \[CLS\] → \[CLS\]' 5
# the row labelled "sat", two key columns right of the first
row=$(e2e_screen | awk '/^ sat /{ print NR; exit }')
click 40 "$row"
e2e_wait_for '│ sat → ' 5
tui_quit
e2e_finish
