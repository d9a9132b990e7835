#!/bin/sh
# tui_nonfinite.sh — finite weights so large that the forward overflows
# (issue #22, item 6): the explorer keeps running, marks the cells it
# cannot show, and its status line says why instead of drawing noise.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"
HUGE="$E2E_TMP/huge"
python3 "$HEED_SRCDIR/tests/robust/mkmodel.py" "$TUI_MODEL" "$HUGE" --poison huge || exit 1

e2e_start 100 30 "$HEED_BIN" -m "$HUGE" "the cat sat"
e2e_wait_for 'warning: .*attention is not finite' 10
e2e_keys Escape Enter
e2e_wait_for ' \?\? ' 5
e2e_expect 'L1 H1' "the head view opens on the damaged model"
tui_quit

# the same sentence on the sound model: no warning
e2e_tmux kill-session -t e2e 2>/dev/null
e2e_start 100 30 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat"
e2e_wait_for 'L1H1 input' 10
e2e_refute 'not finite' "a sound model shows no warning"
tui_quit
e2e_finish
