#!/bin/sh
# tui_many_heads.sh — a model with more heads than the narrowest cell fits
# (32 heads in 80 columns, issue #18): the grid pages its heads sideways,
# following the selection, instead of asking for a wider window.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"
# the fixture's weights read as 32 heads of width 1: the head count only
# splits the hidden size, so the tensors are unchanged
M="$E2E_TMP/heads32"
cp -R "$TUI_MODEL" "$M"
sed 's/"num_attention_heads": *[0-9]*/"num_attention_heads": 32/' "$TUI_MODEL/config.json" >"$M/config.json"

e2e_start 80 24 "$HEED_BIN" -m "$M" "the cat sat"
e2e_wait_for 'L1 H1 ' 10
e2e_expect '^ +›' "more heads to the right"
e2e_refute 'widen the window' "the grid pages instead of giving up"
e2e_keys Escape
i=0
while [ $i -lt 31 ]; do e2e_keys l; i=$((i + 1)); done
e2e_wait_for 'L1 H32 ' 5
e2e_expect '^ +‹ .* 32 *$' "the last head's page shows head 32"
e2e_refute '^ +‹› ' "nothing more to the right"
i=0
while [ $i -lt 31 ]; do e2e_keys h; i=$((i + 1)); done
e2e_wait_for 'L1 H1 ' 5
e2e_expect '^ +› +1 ' "back on the first page"
tui_quit
e2e_finish
