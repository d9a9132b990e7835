#!/bin/sh
# tui_resize.sh — a window below the minimum asks to be enlarged; growing
# it back redraws the grid cleanly.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat on the mat"
e2e_wait_for '^ +L3 ' 10
e2e_resize 20 8
e2e_wait_for 'enlarge the' 5
e2e_expect 'need 40×10' "the minimum is named"
e2e_refute 'L1' "no grid in a tiny window"
e2e_resize 80 24
e2e_wait_for '^ +L3 ' 5
e2e_refute 'enlarge' "the message is gone"
e2e_expect '^ \[CLS\] the cat sat on the mat \[SEP\]' "the token strip is redrawn"
e2e_resize 160 50
e2e_wait_for '^ +L3 ' 5
tui_quit
e2e_finish
