#!/bin/sh
# tui_paste.sh — 2000 characters pasted at once: the explorer keeps
# responding, truncates to 128 tokens and says so.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

text=$(awk 'BEGIN { for (i = 0; i < 250; i++) printf "the cat "; }')
e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL"
e2e_wait_for 'type a sentence' 10
e2e_check "the paste is 2000 characters" test ${#text} = 2000
e2e_type "$text"
e2e_keys Enter
e2e_wait_for 'input truncated to 128 tokens' 10
e2e_keys '?'
e2e_wait_for 'heed keys' 3
e2e_keys Escape 2
e2e_wait_for 'L1 H1 input' 3
tui_quit
e2e_finish
