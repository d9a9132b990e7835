#!/bin/sh
# tui_families.sh — the explorer opens a checkpoint of every family: the
# grid has a row per attention layer (ALBERT: 4 rows from 2 shared groups),
# and the output view (4) shows what the checkpoint's head gives: masked-LM
# predictions, "no masked-LM head" for a bare BertModel, or an ELECTRA
# discriminator's P(replaced) per token, with its change once a head is
# toggled.  ALBERT and the discriminator are calibrated first
# (heed calibrate) and opened with half their heads averaged.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

FIX="$HEED_SRCDIR/tests/fixtures/enc"
SENTENCE="the cat sat on the [MASK] ."

# open NAME DIR LAST_LAYER [ARG...]: start the explorer on DIR, wait for the
# grid's last row, switch to the output view
open_model() {
	_name=$1 _dir=$2 _last=$3
	shift 3
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start 100 30 "$HEED_BIN" -m "$_dir" "$@" "$SENTENCE"
	e2e_wait_for "$_name .* [0-9]+ tokens" 10
	e2e_wait_for "^ *L$_last " 5
	e2e_refute "^ *L$((_last + 1)) " "$_name: $_last layer rows, no more"
	e2e_keys 4
}

for name in roberta-f16 xlmr-bf16 camembert-f32 electra-gen-f16 bert-f16; do
	open_model "$name" "$FIX/$name" 3
	e2e_wait_for '\[MASK\] at token [0-9]+' 5
	e2e_expect '^ +1\. ' "$name: predictions listed"
	tui_quit
done

open_model bert-nohead-bf16 "$FIX/bert-nohead-bf16" 3
e2e_wait_for 'no masked-LM head in this checkpoint' 5
e2e_expect 'Hidden states vs\. all-input' "the rest of the output view is there"
tui_quit

# calibrated copies: average mode needs the folder's heed.calib
for name in albert-f32 electra-disc-f32; do
	mkdir -p "$E2E_TMP/$name"
	cp "$FIX/$name/"* "$E2E_TMP/$name/"
	e2e_check "$name: heed calibrate" sh -c '"$0" calibrate -m "$1" -o "$1/heed.calib" \
		--rank 0 "$2" >/dev/null' "$HEED_BIN" "$E2E_TMP/$name" \
		"$HEED_SRCDIR/tests/fixtures/calib/corpus.txt"
done

open_model albert-f32 "$E2E_TMP/albert-f32" 4 --modes papa-half
e2e_wait_for 'Δ pp and rank vs\. all-input' 5
e2e_expect '\[MASK\] at token [0-9]+' "ALBERT predicts under averaged heads"
e2e_keys 1
e2e_wait_for '^ *L4 .*A' 5
tui_quit

open_model electra-disc-f32 "$E2E_TMP/electra-disc-f32" 3
e2e_wait_for "Replaced\? \(discriminator's P per token\)" 5
e2e_expect '^ +\[CLS\] +[0-9]+\.[0-9]%' "P(replaced) per token"
e2e_refute 'no masked-LM head' "a discriminator shows its own head"
e2e_keys 1
e2e_wait_for '^ *L1 ' 5
# m cycles input -> average -> dense (no synthesizer at rank 0) -> random -> uniform
tui_cycle_to uniform
e2e_keys 4
e2e_wait_for 'Replaced\? \(P, Δ pp vs\. all-input\)' 5
e2e_expect '^ +cat +[0-9]+\.[0-9]% +[-+][0-9]+\.[0-9]' "the change per token"
tui_quit
e2e_finish
