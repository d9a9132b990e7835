#!/bin/sh
# tui_bracketed_paste.sh — a paste is text, never keys (issue #18): with
# bracketed paste a pasted "q" on a line of its own does not quit, line
# breaks become spaces, a paste outside edit mode starts editing, and a
# 10,000-character paste is one job for the encoder.  The status bar
# always names the mode and how to leave it.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

# paste TEXT: TEXT through tmux's paste buffer, bracketed as a terminal
# brackets it when the program asked for it (-p); tmux turns each line
# break into a carriage return, as a terminal's paste does.
paste() {
	e2e_tmux set-buffer -b heed -- "$1"
	e2e_tmux paste-buffer -p -d -b heed -t e2e
}

trace=$E2E_TMP/trace
e2e_start 80 24 env HEED_TRACE="$trace" "$HEED_BIN" -m "$TUI_MODEL"
e2e_wait_for 'type a sentence' 10
e2e_expect '^ TYPING: Enter( or |/)Esc' "the status bar says keys are text, and how to stop"
e2e_keys Escape
e2e_wait_for '^ KEYS( |: i types)' 5
paste "$(printf 'the cat\nq\nsat [MASK]')"
e2e_wait_for '^ . the cat q sat \[MASK\] *$' 5
e2e_wait_for '^ \[CLS\] the cat q sat \[MASK\] \[SEP\]' 5
e2e_expect '^ TYPING: Enter( or |/)Esc' "a paste outside edit mode starts editing"
e2e_check "the explorer is still running" test "$(e2e_wait_exit 0)" = running
e2e_keys Enter
e2e_wait_for '^ KEYS( |: i types)' 5
# a paste whose end marker never comes: after a second the keys are keys
e2e_tmux send-keys -t e2e -H 1b 5b 32 30 30 7e 61 62 63
sleep 1.5
e2e_keys Escape
e2e_wait_for '^ . the cat q sat \[MASK\]abc *$' 5
e2e_wait_for '^ KEYS( |: i types)' 5
tui_quit
e2e_check "one keystroke line for each paste in the trace" \
	sh -c "test \$(grep -c '^keystroke' '$trace') = 2"

# 10,000 characters with line breaks: one change, one encoder job
e2e_tmux kill-server
rm -f "$trace"
text=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "a cat\nsat "; }')
e2e_start 80 24 env HEED_TRACE="$trace" "$HEED_BIN" -m "$TUI_MODEL" "x"
e2e_wait_for '^ \[CLS\] x \[SEP\]' 10
e2e_check "the paste is 10,000 characters" test ${#text} = 10000
paste "$text"
e2e_wait_for 'input truncated to 128 tokens' 10
# pasted after the text, line breaks as spaces
e2e_wait_for '^ \[CLS\] x ##a cat sat a cat sat a ' 10
e2e_keys Escape
e2e_wait_for '^ KEYS( |: i types)' 5
tui_quit
e2e_check "the 10,000-character paste was one keystroke job" \
	sh -c "test \$(grep -c '^keystroke' '$trace') = 1"
e2e_finish
