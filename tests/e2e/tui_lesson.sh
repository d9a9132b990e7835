#!/bin/sh
# tui_lesson.sh — a shipped lesson in the explorer on heed-mini: each step
# shows its view and head, and its caption reads exactly as `heed lesson
# --print` computes it (the live figures match); n and p step; a claim
# that does not hold on the model is shown as such; a lesson that does not
# fit the model is refused before the screen changes.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

MINI="$HEED_SRCDIR/assets/models/heed-mini"
L="$HEED_SRCDIR/assets/lessons/positional.lesson"
"$HEED_BIN" lesson -m "$MINI" --print "$L" >"$E2E_TMP/print" ||
	{ echo "not ok - heed lesson --print exited $?"; exit 1; }

# caption K: step K's caption from --print
caption() { sed -n 's/^  caption: //p' "$E2E_TMP/print" | sed -n "$1p"; }
# same_caption_of LESSON K: step K of a shipped lesson, as --print has it
same_caption_of() {
	"$HEED_BIN" lesson -m "$MINI" --print "$1" | sed -n 's/^  caption: //p' | sed -n "$2p" \
	    >"$E2E_TMP/want"
	test "$(shown)" = "$(cat "$E2E_TMP/want")"
}
# shown: the caption on screen, its wrapped lines joined again
shown() {
	e2e_screen | awk '/│ step [0-9]+\/[0-9]+:/ { on = 1; next }
		on && /^ [✓✗]/ { exit } on && /^ KEYS/ { exit } on && NF == 0 { next }
		on { sub(/^ /, ""); sub(/ +$/, ""); printf "%s%s", sep, $0; sep = " " }'
}
same_caption() { test "$(shown)" = "$(caption "$1")"; }

e2e_start 100 32 "$HEED_BIN" lesson -m "$MINI" "$L"
e2e_wait_for 'Positional heads │ step 1/6: Heads that look next door' 15
e2e_wait_for '✓ every claim holds on this model' 10
e2e_check "step 1's caption is --print's, figures and all" same_caption 1
e2e_expect '^ +L2 +I' "step 1 shows the grid"
e2e_keys n
e2e_wait_for 'step 2/6: A previous-token head' 5
e2e_wait_for '^ L2 H6 input previous-token │ united → ' 5
e2e_check "step 2's caption is --print's" same_caption 2
e2e_keys n
e2e_wait_for '^ L2 H7 input next-token │' 5
e2e_check "step 3's caption is --print's" same_caption 3
e2e_keys n
e2e_wait_for 'Heads on this sentence' 5
e2e_check "step 4 (the stats view): caption is --print's" same_caption 4
e2e_keys n
e2e_wait_for 'step 5/6: Switch the two off' 5
e2e_wait_for 'Predictions' 5
sleep 1
e2e_check "step 5 (L2H6, L2H7 uniform): the probabilities are --print's" same_caption 5
e2e_expect 'L2H7 uniform' "the step's modes are set"
e2e_keys n
e2e_wait_for 'step 6/6' 5
sleep 1
e2e_check "step 6 (layer 2 uniform): caption is --print's" same_caption 6
e2e_keys n
e2e_wait_for 'the last step: p goes back, q quits' 5
e2e_keys p p
e2e_wait_for 'step 4/6: All the heads, ranked' 5
tui_quit

# sort and words: the sinks lesson opens the statistics view sorted by the
# [SEP] share, largest first, its first row the head {best sep} names;
# a step's `words on` is the explorer's w, `words off` undoes it, and a
# later `sort entropy up` reorders the view.
first_row() { e2e_screen | awk 'f { print; exit } /head +kind +entropy/ { f = 1 }'; }
e2e_tmux kill-server 2>/dev/null
e2e_start 100 32 "$HEED_BIN" lesson -m "$MINI" sinks
e2e_wait_for 'step 1/5: Where the weight goes' 15
e2e_wait_for 'Heads on this sentence, by sep ↓' 10
e2e_check "sort sep: L3H6, {best sep}, is the first row" sh -c "echo '$(first_row)' | grep -q '^ L3H6 '"
e2e_expect 'Sorted by the \[SEP\] share, L3H6 comes first' "the caption names it"
tui_quit
cat >"$E2E_TMP/words.lesson" <<'LESSON'
title Words
step Pieces merged
sentence Paris is unaffable .
view head
words on
caption One word, three pieces.
step The stats between words
view stats
sort entropy up
caption The broadest heads last.
step Pieces again
view head
words off
caption Back to what the model sees.
LESSON
e2e_tmux kill-server 2>/dev/null
# tall enough for all 32 heads of heed-mini: the first row is the order's
e2e_start 100 48 "$HEED_BIN" lesson -m "$MINI" "$E2E_TMP/words.lesson"
e2e_wait_for 'step 1/3: Pieces merged' 15
e2e_wait_for 'L1 H1 input [a-z-]+ words' 10
e2e_expect '^ *unaffable ' "words on: a row is the whole word"
e2e_refute '^ ##ffa ' "... and no piece is left"
e2e_expect '8 tokens, 6 words' "... the status line counts words"
e2e_keys n
e2e_wait_for 'Heads on this sentence, between words, by entropy ↑' 5
# the narrowest head between words, from the numbers export --words gives
low=$("$HEED_BIN" export -m "$MINI" --words --view stats -f txt -- "Paris is unaffable ." \
    2>/dev/null | awk -F'\t' '$1 ~ /^L[0-9]+H[0-9]+$/ { print $3, $1 }' | sort -g | sed -n '1s/.* //p')
e2e_check "sort entropy up: the first row is the narrowest head between words ($low)" \
    sh -c "[ -n '$low' ] && echo '$(first_row)' | grep -q '^ $low '"
e2e_keys n
e2e_wait_for 'step 3/3: Pieces again' 5
e2e_wait_for '^ ##ffa ' 5
e2e_refute 'words │' "words off: the pieces are back"
tui_quit

# view 6 from a lesson: importance.lesson's second step shows the scan of
# its sentence, each head alone replaced by its average, and the next
# step leaves it for the predictions; a step's `view importance uniform
# papa` is r and o: the replacement and the curve's order it names.
e2e_tmux kill-server 2>/dev/null
e2e_start 110 40 "$HEED_BIN" lesson -m "$MINI" importance
e2e_wait_for 'step 1/5: The model as it is' 15
e2e_wait_for 'Predictions' 10
e2e_keys n
e2e_wait_for 'step 2/5: Each head alone, on this sentence' 5
e2e_wait_for 'Head importance: each head alone → average; KL at \[MASK\]' 10
e2e_wait_for 'most important' 20
e2e_wait_for 'Replacement curve: P\(“states”\) at \[MASK\] as heads go to average, least important first' 20
e2e_check "step 2 (view 6): caption is --print's" same_caption_of importance 2
e2e_keys n
e2e_wait_for 'step 3/5: The 21 least important, averaged' 5
e2e_wait_for 'Predictions' 5
e2e_refute 'Head importance' "step 3 leaves view 6"
tui_quit
cat >"$E2E_TMP/imp.lesson" <<'LESSON'
title Importance
step Uniform, PAPA order
sentence the president of the united [MASK] .
view importance uniform papa
caption Each head alone made uniform; the curve in PAPA order.
step Back to the grid
view grid
caption The grid.
step Again, as it was
view importance
caption The same scan.
LESSON
e2e_tmux kill-server 2>/dev/null
e2e_start 110 40 "$HEED_BIN" lesson -m "$MINI" "$E2E_TMP/imp.lesson"
e2e_wait_for 'step 1/3: Uniform, PAPA order' 15
e2e_wait_for 'Head importance: each head alone → uniform; KL at \[MASK\]' 10
e2e_wait_for 'as heads go to uniform, least input-dependent first \(PAPA\)' 20
e2e_keys n
e2e_wait_for 'step 2/3: Back to the grid' 5
e2e_wait_for '^ +L2 +I' 5
e2e_keys n
e2e_wait_for 'step 3/3: Again, as it was' 5
e2e_wait_for 'as heads go to uniform, least input-dependent first \(PAPA\)' 20
e2e_expect 'Head importance: each head alone → uniform' "a later step keeps the replacement"
tui_quit
# a lesson whose view 6 needs a calibration the model lacks: refused with its line
printf 'step s\nsentence a b\nview importance papa\n' >"$E2E_TMP/papa.lesson"
"$HEED_BIN" --lesson "$E2E_TMP/papa.lesson" -m "$TUI_MODEL" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err"
e2e_check "view importance papa without a calibration: exit 2" test $? -eq 2
e2e_check "... one line naming the file and the line" \
	grep -qx "heed: $E2E_TMP/papa.lesson:1: view importance papa needs a calibration file (heed calibrate)" "$E2E_TMP/err"

# the same kind of lesson on a model it was not written for: the claim
# that does not hold is said, with the numbers
cat >"$E2E_TMP/tiny.lesson" <<'LESSON'
title Tiny
step One
sentence the cat sat on the mat
view stats
caption L1H1 has entropy {entropy L1H1} over {tokens} tokens.
claim entropy L1H1 > 100
LESSON
e2e_tmux kill-server 2>/dev/null
e2e_start 80 24 "$HEED_BIN" --lesson "$E2E_TMP/tiny.lesson" -m "$TUI_MODEL"
e2e_wait_for '✗ not on this model: entropy L1H1 > 100: [0-9.]+ > 100' 15
e2e_expect "L1H1 has entropy [0-9]\.[0-9]{2} over [0-9]+ tokens\." "the figures are filled in"
tui_quit

# a lesson that does not fit: refused with its line before the terminal
# is touched (so no terminal is needed to see it)
printf 'step s\nsentence a b\nhead L9H1\n' >"$E2E_TMP/big.lesson"
"$HEED_BIN" --lesson "$E2E_TMP/big.lesson" -m "$TUI_MODEL" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err"
e2e_check "a head the model lacks: exit 2" test $? -eq 2
e2e_check "... one line naming the file and the line" \
	grep -qx "heed: $E2E_TMP/big.lesson:1: head L9H1: the model has 3 layers of 4 heads" "$E2E_TMP/err"
e2e_finish
