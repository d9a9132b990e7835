#!/bin/sh
# tui_settle.sh — while keys arrive the grid's thumbnails keep their fit
# and may show a colour a step from the truth (fewer bytes per key); when
# typing stops, the settle frame makes the screen exactly what a fresh
# explorer shows for the same sentence, colours included; Esc, which ends
# the typing, brings that frame at once.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
S="the cat sat on the mat and a dog barked."
cells="python3 $HEED_SRCDIR/tests/e2e/ansi_cells.py"

# shot FILE: the screen's cells but the first row (the sentence, marked
# as being edited or not) and the status bar; -N keeps trailing spaces,
# which are cells when they have a background.
shot() {
	e2e_tmux capture-pane -N -e -p -t e2e >"$E2E_TMP/raw"
	$cells "$E2E_TMP/raw" | sed '1d;$d' >"$1"
}

# type_sentence: a typist, one key at a time, each answered by a frame of
# the burst, until the tokens row shows the whole sentence
type_sentence() {
	e2e_wait_for 'type a sentence' 10
	i=1
	while [ "$i" -le ${#S} ]; do
		e2e_type "$(printf '%s' "$S" | cut -c "$i")"
		sleep 0.05
		i=$((i + 1))
	done
	e2e_wait_for '^ \[CLS\] the cat sat on the mat and a dog barked \. \[SEP\]' 10
}

for size in 80x24 120x40; do
	cols=${size%x*} rows=${size#*x}
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start "$cols" "$rows" "$HEED_BIN" -m "$TUI_MODEL"
	type_sentence
	sleep 1
	shot "$E2E_TMP/typed"
	e2e_keys Escape
	tui_quit

	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start "$cols" "$rows" "$HEED_BIN" -m "$TUI_MODEL" "$S"
	e2e_wait_for '^ \[CLS\] the cat sat on the mat and a dog barked \. \[SEP\]' 10
	sleep 1
	shot "$E2E_TMP/fresh"
	tui_quit
	if cmp -s "$E2E_TMP/typed" "$E2E_TMP/fresh"; then
		e2e_report 1 "$size: at rest the typed screen is a fresh explorer's, cell for cell"
	else
		diff "$E2E_TMP/typed" "$E2E_TMP/fresh" | head -n 6 | cut -c 1-160 | sed 's/^/# /'
		e2e_report 0 "$size: at rest the typed screen is a fresh explorer's, cell for cell"
	fi
done

# Enter or Esc ends the burst at once: with a settle delay of 30 s
# (HEED_SETTLE_MS, the tests' hook) only Esc can bring the exact frame
# within the 10 s this waits.  The 120 x 40 screens are the ones above.
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 120 40 env HEED_SETTLE_MS=30000 "$HEED_BIN" -m "$TUI_MODEL"
type_sentence
sleep 0.5
shot "$E2E_TMP/burst"
cmp -s "$E2E_TMP/burst" "$E2E_TMP/fresh" && burst_exact=1 || burst_exact=0
e2e_report $((1 - burst_exact)) "with a 30 s settle delay the typed screen is still the burst's"
e2e_keys Escape
i=0
until shot "$E2E_TMP/ended" && cmp -s "$E2E_TMP/ended" "$E2E_TMP/fresh"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || break
	sleep 0.1
done
e2e_report $((i < 100)) "Esc ends the burst: the exact screen at once, not after the settle delay"
tui_quit
e2e_finish
