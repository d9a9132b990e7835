#!/bin/sh
# tui_pin.sh — pin and compare (issue #21): `b` pins the result; the grid
# and head views show the current sentence beside the pinned one, and their
# difference when the tokenisations align (a minimal pair); the status line
# says what is pinned; `b` again unpins.  With `w` every pane is in words.
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

# w with a pin: the pinned pane is in words too (the pin keeps its
# sentence's words), the difference between words when both sentences cut
# into the same words, and the cursor's pinned weight is dump --words'.
P="the unaffable cat sat on the mat"
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 140 32 "$HEED_BIN" -m "$TUI_MODEL" "$P"
e2e_wait_for '^ +L3 ' 10
e2e_keys 2
e2e_wait_for 'L1 H1 input' 5
e2e_keys b
e2e_wait_for 'current − pinned' 5
e2e_expect '##able.*##able' "pieces: both panes show the word pieces"
e2e_keys w
e2e_wait_for 'L1 H1 input [a-z-]+ words' 5
e2e_wait_for 'unaffable.*unaffable.*unaffable' 5
e2e_refute '##able.*##able' "words: no piece left in any pane, the pinned one included"
e2e_expect 'current − pinned' "the difference pane stays: the same words"
want=$("$HEED_BIN" dump --words -m "$TUI_MODEL" -l 1 -H 1 -f tsv "$P" |
	awk -F'\t' '$1 == "attn" && $6 == 0 { printf "%.3f", $7 }')
e2e_expect "pinned $want, Δ \+0\.000 │ b unpins" "the pinned [CLS] → [CLS] is dump --words' ($want)"
# another sentence cut into the same words: the difference between words
e2e_keys i End BSpace BSpace BSpace
e2e_type "dog"
e2e_keys Enter
e2e_wait_for '^ dog +mat ' 10
e2e_wait_for 'L1 H1 input [a-z-]+ words' 5
e2e_expect "pinned $want, Δ [-+]0\.[0-9]{3} │ b unpins" "the pinned weight stays, beside the change"
e2e_expect 'current − pinned' "both cut into the same words: the difference between words"
e2e_refute '##able.*##able' "... and still no pieces"
# w again: every pane back to pieces
e2e_keys w
e2e_wait_for '##able.*##able.*##able' 5
tui_quit
e2e_finish
