#!/bin/sh
# tui_words.sh — `w` merges word pieces into words in the head, tokens and
# statistics views: the rows and columns are words with the input's own text, the
# status line counts both, the cursor's weight is the word-level one (to a
# word summed, from a word averaged), and `w` again gives the pieces back.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

MINI="$HEED_SRCDIR/assets/models/heed-mini"
e2e_start 100 30 "$HEED_BIN" -m "$MINI" "Paris is unaffable ."
e2e_wait_for 'L1H1 input' 10
e2e_keys 2
e2e_wait_for '^ ##ffa ' 5
e2e_expect '8 tokens' "pieces: [CLS] paris is una ##ffa ##ble . [SEP]"
e2e_keys w
e2e_wait_for 'L1 H1 input [a-z-]+ words' 5
e2e_expect 'pieces merged; attention to a word summed, from a word averaged' "w says what it did"
e2e_expect '^ *unaffable ' "a row is the whole word, in the input's own case"
e2e_refute '^ ##ffa ' "no piece is left in the head view's rows"
# the cursor from [CLS] to "unaffable": the sum of [CLS]'s weights to its pieces
e2e_keys l l l
e2e_wait_for '\[CLS\] → unaffable' 5
e2e_expect '8 tokens, 6 words' "the status line counts tokens and words"
want=$("$HEED_BIN" dump --words -m "$MINI" -l 1 -H 1 -f tsv "Paris is unaffable ." |
	awk -F'\t' '$1 == "attn" && $6 == 0 { printf "%.3f", $10 }')
e2e_expect "unaffable  $want" "the cell is dump --words' weight ($want)"
e2e_keys 3
e2e_wait_for 'query word' 5
e2e_expect 'unaffable' "the tokens view's columns are words"
e2e_keys 5
e2e_wait_for 'Heads on this sentence, between words' 5
e2e_keys w
e2e_wait_for 'word pieces, as the model sees them' 5
e2e_wait_for 'Heads on this sentence, by' 5
e2e_keys 3
e2e_wait_for 'query \[CLS\] \(1/8\)' 5
e2e_expect ' ##ffa ' "the tokens view is back on pieces"
tui_quit
e2e_finish
