#!/bin/sh
# tui_type.sh — type a sentence into an empty explorer and find its tokens
# on the strip, as row labels in the head view and in the tokens view.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL"
e2e_wait_for 'type a sentence' 10
e2e_type "the cat sat"
e2e_wait_for '^ \[CLS\] the cat sat \[SEP\]' 5
e2e_wait_for "5 tokens" 5
e2e_keys Enter 2
e2e_wait_for '^ cat +' 5
e2e_expect 'L1 H1 input' "the head view names the head"
e2e_keys 3
e2e_wait_for 'query \[CLS\] \(1/5\)' 5
e2e_keys Right Right
e2e_wait_for 'query cat \(3/5\)' 5
# editing again: Ctrl-W removes the last word
e2e_keys i C-w Enter
e2e_wait_for '^ \[CLS\] the cat \[SEP\]' 5
tui_quit

# bytes that are not UTF-8 are skipped, and the status bar says so
e2e_tmux kill-server
e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "$(printf 'caf\377 ok')"
e2e_wait_for '1 invalid UTF-8 bytes skipped' 10
e2e_wait_for '^ \[CLS\] c ##a ##f o ##k \[SEP\]' 10
tui_quit
e2e_finish
