#!/bin/sh
# tui_pairs.sh — a sentence pair in the explorer: " ||| " splits segments
# A and B, the token line puts a bold ‖ between them; and labels are
# readable pieces: a byte-level BPE's Ġ never shows.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat ||| a dog"
e2e_wait_for '^ \[CLS\] the cat \[SEP\] ‖ a dog \[SEP\]' 10
e2e_expect '‖ a dog' "the segments apart on the token line"
e2e_refute '^ \[CLS\].*[|]' "the separator is no token"
tui_quit

e2e_tmux kill-server >/dev/null 2>&1
e2e_start 80 24 "$HEED_BIN" -m "$HEED_SRCDIR/tests/fixtures/enc/roberta-f16" "the cat sat"
e2e_wait_for '<s> ▁the' 10
e2e_refute 'Ġ' "no raw byte-level pieces"
tui_quit
e2e_finish
