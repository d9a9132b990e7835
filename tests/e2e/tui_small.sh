#!/bin/sh
# tui_small.sh — small windows a workshop's laptops have (issue #18): at
# 60x15 and 80x18 the predictions of every [MASK] can be read (j k scroll
# to the ones that do not fit), and typing never moves the grid's
# thumbnails.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

for size in "60 15" "80 18"; do
	e2e_tmux kill-server >/dev/null 2>&1
	# shellcheck disable=SC2086
	e2e_start $size "$HEED_BIN" -m "$TUI_MODEL" "the [MASK] sat on the [MASK] ."
	e2e_wait_for 'L1H1|KEYS' 10
	e2e_keys 4
	e2e_wait_for '\[MASK\] at token 2' 5
	e2e_expect '^ *1\. .*%' "$size: the first [MASK]'s best prediction"
	e2e_expect '^ *3\. .*%' "$size: at least three predictions"
	if ! e2e_matches '\[MASK\] at token 6'; then
		e2e_expect '\[MASK\] 1–1 of 2, j k' "$size: the status of the [MASK]s"
		e2e_keys j
		e2e_wait_for '\[MASK\] at token 6' 3
		e2e_expect '^ *1\. .*%' "$size: the second [MASK]'s best prediction"
	fi
	tui_quit
done

# The grid's thumbnail columns stay where they are while a sentence grows
# by five tokens.
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "the cat sat"
e2e_wait_for '^ +L3 ' 10
# the columns where the thumbnails start: the head numbers above them,
# and the mode badges (I) just left of them in the first layer's band
cols() {
	e2e_screen | awk '/^ +H1 /{ s = $0; out = "";
		for (i = 1; i < length(s); i++) if (substr(s, i, 1) == "H") out = out " " i
		print out; exit }'
	e2e_screen | sed 's/[▀▄]/x/g' | awk '/^ +L1 /{ s = $0; out = "";
		for (i = 1; i <= length(s); i++) if (substr(s, i, 1) == "I") out = out " " i
		print out; exit }'
}
before=$(cols)
e2e_keys i
e2e_type " on the mat ."
e2e_keys Enter
e2e_wait_for '^ \[CLS\] the cat sat on the mat \. \[SEP\]' 5
sleep 0.3
after=$(cols)
e2e_check "thumbnail columns before and after typing five tokens ($before | $after)" \
    test "$(printf '%s\n' "$before" | wc -w)" -eq 8 -a "$before" = "$after"
tui_quit
e2e_finish
