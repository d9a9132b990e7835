#!/bin/sh
# tui_before_after.sh — the output view under other head modes: it lists
# the heads not on input, and at the [MASK] shows the all-input top
# predictions beside the current ones, each with its probability change and
# where it went, with the numbers heed dump gives for the same modes.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

MINI="$HEED_SRCDIR/assets/models/heed-mini"
S="the president of the united [MASK] ."
# what the screen must say for the baseline's best and the current best,
# from dump: all-input top 1 (piece, prob), and under L2=uniform the top 50
"$HEED_BIN" dump -m "$MINI" -k 50 "$S" >"$E2E_TMP/base.json"
"$HEED_BIN" dump -m "$MINI" -k 50 --modes L2=uniform "$S" >"$E2E_TMP/now.json"
python3 - "$E2E_TMP/base.json" "$E2E_TMP/now.json" >"$E2E_TMP/want" <<'PY'
import json, re, sys
base = json.load(open(sys.argv[1]))["sentences"][0]["predictions"][0]["top"]
now = json.load(open(sys.argv[2]))["sentences"][0]["predictions"][0]["top"]
b = base[0]
r = next(i for i, t in enumerate(now) if t["id"] == b["id"])
before = "1. %-12s %5.1f%% %+6.1f %s" % (b["piece"], 100 * b["prob"],
                                       100 * (now[r]["prob"] - b["prob"]),
                                       "=" if r == 0 else "now #%d" % (r + 1))
n = now[0]
rb = next((i for i, t in enumerate(base) if t["id"] == n["id"]), None)
after = "1. %-12s %5.1f%% %+6.1f %s" % (n["piece"], 100 * n["prob"],
                                        100 * (n["prob"] - (base[rb]["prob"] if rb is not None else 0)),
                                        "new" if rb is None else "=" if rb == 0 else "was #%d" % (rb + 1))
print(re.escape(after.strip()))
print(re.escape(before.strip()))
PY
after=$(sed -n 1p "$E2E_TMP/want")
before=$(sed -n 2p "$E2E_TMP/want")

e2e_start 100 30 "$HEED_BIN" -m "$MINI" "$S"
e2e_wait_for 'L1H1 input' 10
e2e_keys 4
e2e_wait_for '\[MASK\] at token 6' 5
e2e_refute 'before \(all-input\)' "all input: nothing to compare"
e2e_refute 'heads? not input' "all input: no head listed"
e2e_keys :
e2e_type 'L2=uniform'
e2e_keys Enter
e2e_wait_for '8 heads not input: L2=uniform' 5
e2e_expect 'before \(all-input\) → now' "the baseline's column is beside the current one"
e2e_expect "$after" "the current best, its change and former rank, as dump says"
e2e_expect "$before" "the baseline's best, its change and rank now, as dump says"
# one head back: the list names heads one by one
e2e_keys :
e2e_type 'L2H3=input'
e2e_keys Enter
e2e_wait_for '7 heads not input: L2H1=uniform L2H2=uniform L2H4=uniform' 5
e2e_keys 0
e2e_wait_for 'every head back to input attention' 5
e2e_wait_for '^ Predictions *$' 5
e2e_refute 'before \(all-input\)' "back to input: the comparison goes"
tui_quit
e2e_finish
