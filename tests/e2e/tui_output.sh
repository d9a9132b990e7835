#!/bin/sh
# tui_output.sh — what the explorer writes to the terminal, counted as tmux
# receives it (pipe-pane): a key that changes a few cells sends a few cells,
# not a screen; an idle explorer sends nothing; and behind a slow link
# (bench/tui_relay.py) a fast typist's last state still reaches the screen.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

out=$E2E_TMP/out
bytes() { wc -c <"$out" | tr -d ' '; }

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat on the mat"
e2e_wait_for 'L1H1 input' 10
: >"$out"
e2e_tmux pipe-pane -t e2e -o "cat >>'$out'"
sleep 0.5
e2e_check "an idle explorer sends nothing" test "$(bytes)" -eq 0
# selecting the next head changes two badges, two header labels and the
# two lines that name the head; a whole 80x24 screen is over 4000 bytes
e2e_keys l
e2e_wait_for 'L1H2 input' 5
sleep 0.3
sent=$(bytes)
e2e_check "a new selection sends what changed ($sent bytes), not the screen" test "$sent" -lt 1000
e2e_tmux pipe-pane -t e2e
tui_quit

# A link that drains 4000 bytes a second, and a typist faster than it: the
# frames in between are dropped, the last state arrives.
if command -v python3 >/dev/null 2>&1; then
	e2e_tmux kill-server
	e2e_start 80 24 python3 "$HEED_SRCDIR/bench/tui_relay.py" 4000 "$E2E_TMP/relay.log" -- \
	    "$HEED_BIN" -m "$TUI_MODEL"
	e2e_wait_for 'type a sentence' 15
	for w in the cat sat on the mat and the dog ; do
		e2e_type "$w "
	done
	e2e_wait_for '^ \[CLS\] the cat sat on the mat and the dog \[SEP\]' 10
	e2e_wait_for '11 tokens' 5
	e2e_keys Escape q
	e2e_check "heed behind the slow link exits with status 0" test "$(e2e_wait_exit 10)" = 0
fi
e2e_finish
