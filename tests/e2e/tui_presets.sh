#!/bin/sh
# tui_presets.sh — W writes the head modes to a preset file (the format
# --modes reads) and L loads one, with the path typed on the prompt line and
# the outcome on the status line; a bad file or path changes nothing and
# says why.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

MINI="$HEED_SRCDIR/assets/models/heed-mini"
file="$E2E_TMP/my.modes"
e2e_start 100 30 "$HEED_BIN" -m "$MINI" "the cat sat on the mat"
e2e_wait_for 'L1H1 input' 10
e2e_keys :
e2e_type 'L2=uniform,L1H3=random'
e2e_keys Enter
e2e_wait_for 'preset L2=uniform,L1H3=random' 5

# W: the prompt says what it wants; Enter writes
e2e_keys W
e2e_wait_for 'write the head modes to a preset file' 5
e2e_type "$file"
e2e_keys Enter
e2e_wait_for 'modes written to .*my.modes \(9 heads not input\)' 5
printf '# heed head-mode preset (1-based layers and heads)\ninput\nL1H3=random\nL2=uniform\n' \
	>"$E2E_TMP/want"
e2e_check "the file is the preset format, exactly" cmp -s "$file" "$E2E_TMP/want"
e2e_check "heed dump --modes reads it" sh -c \
	"'$HEED_BIN' dump -m '$MINI' --modes '$file' -l 2 -H 4 -f tsv 'the cat' | grep -q '^attn	1	2	4	uniform'"

# back to input, then L brings the modes back
e2e_keys 0
e2e_wait_for 'every head back to input attention' 5
e2e_keys L
e2e_wait_for 'load head modes from a preset file' 5
e2e_type "$file"
e2e_keys Enter
e2e_wait_for 'modes loaded from .*my.modes \(9 heads not input\)' 5
e2e_keys 4
e2e_wait_for '9 heads not input: L1H3=random L2=uniform' 5

# ↑ recalls the last path; a file with a bad line changes nothing
printf 'input\nL1=average\nL9=uniform\n' >"$E2E_TMP/bad.modes"
e2e_keys L
e2e_type "$E2E_TMP/bad.modes"
e2e_keys Enter
e2e_wait_for 'bad.modes:3: ' 5
e2e_expect '9 heads not input: L1H3=random L2=uniform' "a bad file changes no mode"
e2e_keys L
e2e_type "$E2E_TMP/none.modes"
e2e_keys Enter
e2e_wait_for 'none.modes' 5
e2e_refute 'modes loaded' "a missing file loads nothing"
# a folder that does not exist: nothing written, the reason said
e2e_keys W
e2e_type "$E2E_TMP/no/such/dir/x.modes"
e2e_keys Enter
e2e_wait_for 'x.modes: cannot' 5
e2e_check "nothing was written there" test ! -e "$E2E_TMP/no/such/dir/x.modes"
# Esc leaves the prompt and does nothing
e2e_keys W
e2e_type "$E2E_TMP/esc.modes"
e2e_keys Escape
sleep 0.3
e2e_check "Esc writes nothing" test ! -e "$E2E_TMP/esc.modes"
tui_quit
e2e_finish
