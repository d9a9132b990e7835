#!/bin/sh
# tui_help.sh — ? opens the key list over the view; any key closes it.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "a short sentence"
e2e_wait_for 'L1H1 input' 10
e2e_keys '?'
e2e_wait_for 'heed keys' 5
# the list is longer than 24 rows: the tokens view's keys are a page down
e2e_keys NPage
e2e_wait_for 'attention rollout' 5
e2e_keys Space
sleep 0.5
e2e_refute 'heed keys' "any key closes help"
e2e_expect '^ +L1 ' "the grid is back"
tui_quit
e2e_finish
