#!/bin/sh
# tui_window.sh — the explorer on ModernBERT and DeBERTa fixtures: a cell
# outside a local layer's window reads "not attended" in the head view (a
# global layer's does not), and a DeBERTa-v3 checkpoint opens with its
# masked-LM predictions.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"
MB="$HEED_SRCDIR/tests/fixtures/enc/modernbert-f32"
DB="$HEED_SRCDIR/tests/fixtures/enc/deberta3-f32"

e2e_start 100 30 "$HEED_BIN" -m "$MB" "one two three four five six seven eight nine ten"
e2e_wait_for 'L1H1 input' 10
# layer 2 (local, ±4 tokens), zoomed; the cursor from [CLS] to "six"
e2e_keys j Enter
e2e_wait_for 'L2 H1 input' 5
e2e_keys l l l l l l
e2e_wait_for 'six +not attended \(outside the ±4-token window\)' 5
# layer 1 is global: the same cell (the cursor stays) has a weight
e2e_keys 1 k Enter
e2e_wait_for 'L1 H1 input .*six +0\.[0-9]{3}' 5
e2e_refute 'not attended' "a global layer attends everywhere"
tui_quit
e2e_tmux kill-session -t e2e 2>/dev/null

e2e_start 100 30 "$HEED_BIN" -m "$DB" "paris is the [MASK] of france ."
e2e_wait_for 'L1H1 input' 10
e2e_keys 4
e2e_wait_for '\[MASK\]' 5
e2e_refute 'no masked-LM head' "DeBERTa-v3's lm_predictions head is read"
tui_quit
e2e_finish
