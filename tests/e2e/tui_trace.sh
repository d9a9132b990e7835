#!/bin/sh
# tui_trace.sh — HEED_TRACE (bench/tui_latency reads it): one start-up line
# for the first frame with a result, then one line per change that reached
# the screen, with the milliseconds from the key to that frame, the
# encoder's job and the drawing (a trace
# file that cannot be opened: tests/cli_test.sh).
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

trace=$E2E_TMP/trace
e2e_start 80 24 env HEED_TRACE="$trace" "$HEED_BIN" -m "$TUI_MODEL"
e2e_wait_for 'type a sentence' 10
e2e_type "the"
e2e_wait_for '^ \[CLS\] the \[SEP\]' 5
e2e_keys Escape m
e2e_wait_for 'L1H1: average|L1H1: random' 5
tui_quit
e2e_check "the first line is the start-up time" \
	sh -c "head -n 1 '$trace' | grep -Eq '^startup(	[0-9]+\.[0-9]+){3}$'"
e2e_check "each typed key that reached the screen is a keystroke line" \
	sh -c "test \$(grep -Ec '^keystroke(	[0-9]+\.[0-9]+){3}$' '$trace') -ge 1"
e2e_check "the toggle is a toggle line" \
	sh -c "grep -Eq '^toggle(	[0-9]+\.[0-9]+){3}$' '$trace'"
e2e_finish
