#!/bin/sh
# tui_difference.sh — the difference view works for any head mode, without
# a calibration file (issue #18): `d` shows current minus all-input
# attention in the matrix's own units, and the legend says so; "[mask]"
# in lower case is a mask token too.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" --modes L1=uniform "the cat sat on the [mask] ."
e2e_wait_for '^ +L3 ' 10
e2e_expect '^ \[CLS\] the cat sat on the \[MASK\] \. \[SEP\]' "[mask] is the mask token"
e2e_keys 4
e2e_wait_for '\[MASK\] at token 6' 5
# a uniform head (no calibration here): d is its change from input
e2e_keys 2
e2e_wait_for 'L1 H1 uniform' 5
e2e_keys d
e2e_wait_for 'colour: Δ weight vs input, absolute -1\.00 .* 1\.00' 5
e2e_expect 'Δ [-0-9]' "the cursor's value is a difference"
# an input head after the uniform layer: its attention moved too
e2e_keys ']' ']' ']' ']'
e2e_wait_for 'L2 H1 input' 5
e2e_expect 'colour: Δ weight vs input' "the difference view stays on for an input head"
e2e_expect '[-+][1-9][0-9]? ' "some weights moved by at least 0.01"
e2e_keys d
e2e_wait_for 'colour: weight, absolute' 5
tui_quit
e2e_finish
