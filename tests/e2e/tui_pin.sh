#!/bin/sh
# tui_pin.sh — pin and compare (issue #21): `b` pins the result; the grid
# and head views show the current sentence beside the pinned one, and their
# difference when the tokenisations align (a minimal pair); the status line
# says what is pinned; `b` again unpins.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 120 32 "$HEED_BIN" -m "$TUI_MODEL" "the keys to the cabinet are here"
e2e_wait_for '^ +L3 ' 10
e2e_keys b
e2e_wait_for 'pinned «the keys to the cabinet …»' 5
e2e_expect 'pinned; b unpins' "b says what it did"
# against itself: three panels, nothing differs
e2e_wait_for 'current +pinned «the keys to the cabinet .*… +largest \|Δ\| \(0 tokens differ\)' 5
e2e_expect 'vs pinned: largest \|Δ\| 0\.000' "a pin equals itself"
# the minimal pair: are -> is, one token differs, heads move
e2e_keys i End BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
e2e_type "is here"
e2e_keys Enter
e2e_wait_for '\(1 token differ\)' 10
e2e_expect 'vs pinned: largest \|Δ\| 0\.[0-9]*[1-9]' "the changed verb moves attention"
# the head view: three matrices and the cursor's pinned value and Δ
e2e_keys 2
e2e_wait_for 'current − pinned \(±0\.[0-9]+\)' 5
e2e_expect 'pinned [0-9.]+, Δ [-+][0-9.]+ │ b unpins' "the cursor's pinned weight and difference"
# a sentence of another length: side by side, no difference
e2e_keys i End
e2e_type " now"
e2e_keys Enter
e2e_wait_for 'pinned \[CLS\] → \[CLS\] [0-9.]+ │ b unpins' 10
e2e_refute 'current − pinned' "no difference when the tokens do not align"
e2e_keys 1
e2e_wait_for '^ current +pinned «the keys' 5
e2e_refute 'largest \|Δ\|' "the grid shows two panels"
e2e_keys b
e2e_wait_for 'unpinned' 5
e2e_refute 'pinned «' "the status line no longer names a pin"
e2e_refute '^ current' "one grid again"
tui_quit
e2e_finish
