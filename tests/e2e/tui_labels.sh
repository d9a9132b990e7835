#!/bin/sh
# tui_labels.sh — axis labels by display width (issue #18): CJK tokens
# (two columns each) label the head view's rows and columns instead of
# leaving them blank, and a long label is cut with an ellipsis.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "人 中 上 下"
e2e_wait_for '^ \[CLS\] 人 中 上 下 \[SEP\]' 10
e2e_keys Enter
e2e_wait_for 'L1 H1 input' 5
e2e_expect '^ 人 ' "a CJK row label"
e2e_expect '^ 下 ' "every CJK row label"
e2e_expect '人.*中.*上.*下' "CJK column labels along the top"
tui_quit

# "administration" (14 columns) is longer than a row label may be (12)
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 60 15 "$HEED_BIN" -m "$TUI_MODEL" "人 administration"
e2e_wait_for '^ \[CLS\] 人 administration \[SEP\]' 10
e2e_keys Enter
e2e_wait_for 'L1 H1 input' 5
e2e_expect '^ 人 ' "a CJK row label at 60x15"
e2e_expect '^ administrat… ' "a long label cut to 12 columns with an ellipsis"
e2e_refute '^ administrati' "never more than 12 columns"
tui_quit
e2e_finish
