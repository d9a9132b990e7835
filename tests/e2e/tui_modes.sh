#!/bin/sh
# tui_modes.sh — switching a head in layer 1 to uniform attention changes
# what is displayed downstream: later layers' hidden states move away from
# the all-input baseline and the predictions at [MASK] show deltas.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat on the [MASK] ."
e2e_wait_for 'L1H1 input' 10
e2e_keys 4
e2e_wait_for '^ L2 .* 1\.000' 5
e2e_refute 'Δ pp' "no deltas while every head is input"
# m cycles input -> (average, dense need calibration) -> random -> uniform
tui_cycle_to uniform
e2e_wait_for '^ L2 .* 0\.[0-9]{3}' 5
e2e_expect '^ L3 .* 0\.[0-9]{3}' "the last layer moved too"
e2e_expect 'Δ pp and rank' "predictions compare against the baseline"
e2e_keys 1
e2e_wait_for '^ +L1 +U' 5
e2e_keys 0 4
e2e_wait_for '^ L3 .* 1\.000' 5
# a typed spec: the whole last layer to uniform
e2e_keys :
e2e_type "L3=uniform"
e2e_keys Enter 1
e2e_wait_for '^ +L3 +U.* U.* U.* U' 5
e2e_expect '^ +L2 +I' "layer 2 untouched"
tui_quit
e2e_finish
