#!/bin/sh
# tui_inside.sh — inside a head (issue #21): `n` in the head view shows the
# query vector, each key's vector and q ⊙ k, the score's terms and the
# softmax weight, with the numbers of the float64 reference
# (tests/fixtures/enc/probe.json: tools/reference/make_probe_fixtures.py)
# for BERT, DeBERTa-v2 (relative terms) and ModernBERT (rotary, a window).
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

FIX="$HEED_SRCDIR/tests/fixtures/enc"
TEXT="In 1969, 3 astronauts flew 384,400 km to the Moon."

# inside MODEL: the fixture MODEL on TEXT, inside L1 H1 at [CLS]
inside() {
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start 120 36 "$HEED_BIN" -m "$FIX/$1" "$TEXT"
	e2e_wait_for '^ +L3 ' 10
	e2e_keys 2
	e2e_wait_for 'L1 H1 input' 5
	e2e_keys n
}

inside bert-f32
# query [CLS], key [CLS]: q·k 13.0506, × 1/√8, score 4.6141, weight 0.8098
e2e_wait_for '«\[CLS\]» → «\[CLS\]»: \(13\.051\) × 0\.3536 = score 4\.614 → weight 0\.810 │ used 0\.810' 10
e2e_expect 'score = q·k / √8; weight = softmax of the scores' "BERT's formula, said plainly"
e2e_expect 'query 1/17 «\[CLS\]» │ d 8' "the query token and the head dimension"
e2e_expect '^q +query vector' "the query vector's row"
e2e_expect 'kⱼ, then q⊙kⱼ' "key vectors and products"
# the next key: q·k -12.222, score -4.321, weight 0.0001
e2e_keys j
e2e_wait_for '«\[CLS\]» → «in»: \(-12\.222\) × 0\.3536 = score -4\.321 → weight 0\.000' 5
# another head and query: L2 H3 at «to» (13th token, reference probe 1 2 12)
e2e_keys ']' ']' ']' ']' ']' ']'
e2e_wait_for 'L2 H3 input │ query 1/17' 5
e2e_keys . . . . . . . . . . . .
e2e_wait_for 'query 13/17 «to»' 5
e2e_keys k
e2e_wait_for '«to» → «\[CLS\]»: \(-3\.223\) × 0\.3536 = score -1\.140 → weight 0\.001' 5
e2e_keys n
e2e_wait_for 'L2 H3 input.* │ .* → .* [0-9]' 5
tui_quit

# DeBERTa-v2: c2p and p2c beside q·k, scaled by 1/√(8·3)
inside deberta2-f32
e2e_wait_for 'score = \(q·k \+ c2p \+ p2c\) / √\(8·3\)' 10
e2e_expect 'q·k +c2p +p2c +score +weight' "the relative terms have columns"
e2e_expect '\(-0\.008 \+ -6\.183 \+ -2\.805\) × 0\.2041 = score -1\.836 → weight 0\.002' \
    "the reference's terms, scale and score"
tui_quit

# ModernBERT: rotary q and k; a local layer's keys beyond ±4 are not attended
inside modernbert-f32
e2e_wait_for 'q and k after rotary positions' 10
e2e_expect '\(-9\.797\) × 0\.3536 = score -3\.464 → weight 0\.000' "the reference's rotated q·k"
e2e_keys ']' ']' ']' ']' . . . . . . . . . . . .
e2e_wait_for 'L2 H1 .*query 13/30' 5
e2e_expect 'keys within ±4 \(local layer\)' "the window is said"
e2e_expect '^\[CLS\] .* · +│' "a key outside the window has no weight"
tui_quit
e2e_finish
