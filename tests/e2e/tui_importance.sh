#!/bin/sh
# tui_importance.sh — the importance view (6): each head switched alone,
# its KL at the [MASK] in a heatmap and a sorted list, the replacement
# curve below; r changes the replacement, a head that is uniform already
# scores 0 under uniform replacement; and typing while the view shows
# cancels the scan in flight and answers the last sentence (HEED_TRACE's
# importance lines: scan ms, scans cancelled so far, tokens).
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

# the tiny BERT with layer 2, head 3 made uniform (tools/reference/make_imp_fixtures.py)
UHEAD="$HEED_SRCDIR/tests/fixtures/imp/bert-uhead"
trace=$E2E_TMP/trace
cd "$E2E_TMP" || exit 1   # where e writes its files

e2e_start 110 30 env HEED_TRACE="$trace" "$HEED_BIN" -m "$UHEAD" "Paris is the [MASK] of France."
e2e_wait_for 'L1H1 input' 10
e2e_keys 6
e2e_wait_for 'Head importance: each head alone → average; KL at \[MASK\]' 10
e2e_wait_for 'most important' 10
# the target is the baseline's top prediction, "that" (bert-uhead.json's target)
e2e_wait_for 'Replacement curve: P\(“that”\) at \[MASK\] as heads go to average' 10
# the reference's KL for L1H2 switched to average is 1.463 nats
# (tests/fixtures/imp/bert-uhead.json), the largest of all: first in the list
e2e_expect '^L1 .* 1\.46[0-9]' "L1H2's KL in the heatmap matches the reference"
e2e_expect '  1\. L1H2 +1\.46' "L1H2 heads the list"
e2e_expect 'target still top: 100%' "the curve starts at the baseline"
# e t: the view's numbers, the same as the command line's export of it
e2e_keys e t
e2e_wait_for 'wrote heed-importance-1\.txt' 10
"$HEED_BIN" export -m "$UHEAD" --view importance:average,importance --format txt \
    -- "Paris is the [MASK] of France." 2>/dev/null | grep -v '^# made again with' >cli.txt
grep -v '^# made again with' heed-importance-1.txt >key.txt
e2e_check "e t writes the numbers export --view importance gives" cmp -s cli.txt key.txt
e2e_check "... whose command line it names" \
    grep -q -- "--view importance:average,importance --format txt" heed-importance-1.txt
# r cycles the replacement: dense, random, uniform
for _i in 1 2 3; do
	e2e_matches 'each head alone → uniform' && break
	e2e_keys r
	sleep 0.5
done
e2e_wait_for 'each head alone → uniform' 5
e2e_wait_for 'most important' 10
# L2H3 has zero queries: uniform already, so replacing it changes nothing;
# last in the list (PgDn twice: 4 rows a page)
e2e_expect '^L2 +[^ ]+ +[^ ]+ +0\.000 ' "the uniform head scores 0.000"
e2e_keys NPage NPage
e2e_wait_for '12\. L2H3 +0\.00 +\+0\.0pp' 5
e2e_keys Enter
e2e_wait_for 'L1H1|L2H3' 5
# I from the grid: view 6 for the selected head's replacement.  The
# selected head (L1H1) goes to average with m; I then scans every head
# replaced by average, where r had left uniform
e2e_keys Escape
e2e_wait_for 'L1H1 input' 5
e2e_keys m
e2e_wait_for 'L1H1 average' 5
e2e_keys I
e2e_wait_for 'Head importance: each head alone → average' 10
e2e_expect 'each head replaced by average attention, L1H1 marked' "I says what it scans"
tui_quit
e2e_check "a complete scan is traced" \
	sh -c "grep -Eq '^importance	[0-9]+\.[0-9]+	[0-9]+	9$' '$trace'"

# heed-mini, 107 tokens: while the status line counts the scan's runs, one
# more word makes it stale; it is cancelled and the last scan answers the
# 108-token sentence.  HEED_IMP_HOLD holds the first scan after its first
# run until a newer job supersedes it, so the word always arrives while it
# is in flight, however fast the machine.
MINI="$HEED_SRCDIR/assets/models/heed-mini"
if [ -f "$MINI/model.safetensors" ]; then
	e2e_tmux kill-server
	: >"$trace"
	s="the man went to the [MASK] to buy a gallon of milk and then he went home to his wife"
	s="$s who was waiting for him at the door of their small house by the river"
	e2e_start 100 30 env HEED_TRACE="$trace" HEED_IMP_HOLD=1 "$HEED_BIN" -m "$MINI" --threads 1 \
		"$s $s $s"
	e2e_wait_for '107 tokens' 15
	e2e_keys 6
	e2e_wait_for 'importance [0-9]+/[0-9]+' 10
	e2e_keys i
	e2e_type " and"
	e2e_keys Escape
	e2e_wait_for '108 tokens' 10
	e2e_wait_for 'Replacement curve' 60
	last=$(grep '^importance' "$trace" | tail -n 1)
	e2e_check "the last scan answers the whole sentence ($last)" \
		sh -c "echo '$last' | grep -Eq '	108$'"
	e2e_check "the word typed cancelled the scan in flight ($last)" \
		sh -c "test \"\$(echo '$last' | cut -f3)\" -ge 1"
	e2e_check "no scan of the shorter sentence was completed" \
		sh -c "! grep -Eq '	107$' '$trace'"
	tui_quit
fi
e2e_finish
