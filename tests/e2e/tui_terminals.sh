#!/bin/sh
# tui_terminals.sh — whatever terminal a workshop brings (issue #18): an
# unknown but capable $TERM falls back to xterm-256color with a notice,
# a terminal that cannot move the cursor gets a clear message and a
# non-zero exit instead of a blank screen, and SGR mouse reports (1006)
# reach columns X10's encoding cannot (past 223).
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

for term in xterm-kitty alacritty foot; do
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start 80 24 env TERM=$term "$HEED_BIN" -m "$TUI_MODEL" "the cat sat"
	e2e_wait_for '^ +L3 ' 10
	e2e_expect "TERM=$term is unknown here; drawing as xterm-256color" \
	    "TERM=$term opens the explorer and says what it draws as"
	tui_quit
done

# Home and End as tmux sends them (ESC [1~, ESC [4~) move the cursor
# instead of reading as Esc, which would end typing
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat"
e2e_wait_for '^ +L3 ' 10
e2e_keys i Home
e2e_type "x "
e2e_keys End
e2e_type " y"
e2e_wait_for '^ \[CLS\] x the cat sat y \[SEP\]' 5
e2e_expect '^ TYPING' "still typing after Home and End"
e2e_keys Enter
tui_quit

e2e_tmux kill-server >/dev/null 2>&1
e2e_start 80 24 env TERM=dumb "$HEED_BIN" -m "$TUI_MODEL" "the cat sat"
status=$(e2e_wait_exit 10)
e2e_check "TERM=dumb exits, with a non-zero status" sh -c "test '$status' != running && test '$status' != 0"
# curses leaves a cursorless terminal at its last line, so the message may
# have scrolled into the history
e2e_check "TERM=dumb: the message points to heed dump" sh -c \
    "tmux -L '$E2E_SOCKET' capture-pane -p -S -100 -t e2e | grep -q '^heed: TERM=dumb cannot move the cursor; heed dump'"

# A click at column 250 of a 300-column window: in heed-mini's grid (eight
# heads) that column belongs to head 7 however the grid is centred.
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 300 90 "$HEED_BIN" "the cat sat on the mat"
e2e_wait_for '^ +L4 ' 20
row=$(e2e_screen | awk '/^ +L2 /{ print NR; exit }')
h7=$(e2e_screen | awk '/ H7/{ print index($0, "H7"); exit }')
h8=$(e2e_screen | awk '/ H8/{ print index($0, "H8"); exit }')
e2e_check "column 250 lies under H7's thumbnails ($h7 to $h8)" test "$h7" -lt 250 -a "$h8" -gt 252
e2e_type "$(printf '\033[<0;%d;%dM\033[<0;%d;%dm' 250 "$row" 250 "$row")"
e2e_wait_for 'L2H7 ' 5
tui_quit

# The same click where terminfo knows only X10 reports (tmux-256color and
# screen, the TERM inside tmux and screen): heed asks for SGR itself and
# reads the reports, so column 250 still reaches H7 and no byte of the
# report lands in the sentence.
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 300 90 env TERM=tmux-256color "$HEED_BIN" "the cat sat on the mat"
e2e_wait_for '^ +L4 ' 20
row=$(e2e_screen | awk '/^ +L2 /{ print NR; exit }')
e2e_type "$(printf '\033[<0;%d;%dM\033[<0;%d;%dm' 250 "$row" 250 "$row")"
e2e_wait_for 'L2H7 ' 5
e2e_expect '^ \[CLS\] the cat sat on the mat \[SEP\]' "TERM=tmux-256color: the report typed nothing"
tui_quit
e2e_finish
