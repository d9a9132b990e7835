#!/bin/sh
# tui_export.sh — ANSI export is what the explorer shows: the screen of
# `heed export --format ansi`, replayed by cat in a tmux pane, equals the
# explorer's own screen in a pane of the same size, cell for cell and
# colour for colour (the frame time in the status bar aside), view 6
# once its scan is complete included; and `e` in the explorer writes the
# view to a new file and names it on the status line, the ANSI one again
# equal to the screen.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
S="the cat sat on the [MASK] ."
cells="python3 $HEED_SRCDIR/tests/e2e/ansi_cells.py"
cd "$E2E_TMP" || exit 1

# same A B: two captured screens draw the same cells; the frame time
# ("2.4 ms") in the status bar may differ.
same() {
	$cells --mask-time "$1" >"$1.cells"
	$cells --mask-time "$2" >"$2.cells"
	if ! cmp -s "$1.cells" "$2.cells"; then
		diff "$1.cells" "$2.cells" | head -n 10 | sed 's/^/# /'
		return 1
	fi
}

# replay FILE: cat FILE in a fresh 80x25 pane (one row more: the last line
# break scrolls) and capture its first 24 rows in colour.  -N keeps each
# row's trailing spaces: one with a background colour is a cell.
replay() {
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start 80 25 sh -c "cat '$1'; sleep 30"
	sleep 1
	e2e_tmux capture-pane -N -e -p -t e2e -S 0 -E 23 >"$1.screen"
}

# against VIEW SENTENCE WORDS [OPTION...]: `heed export OPTION... --view
# VIEW --format ansi` (with --words when WORDS is w), replayed, against the
# explorer opened with the same options (then w) and moved to VIEW as a
# user does.  The explorer is left running on VIEW.
against() {
	view=$1 sent=$2 words=$3
	shift 3
	"$HEED_BIN" export -m "$TUI_MODEL" "$@" ${words:+--words} --view "$view" --format ansi \
	    --size 80x24 -o "export.ans" -- "$sent" 2>/dev/null
	e2e_check "export $* ${words:+--words }--view $view --format ansi exits 0" test $? -eq 0
	replay export.ans
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "$@" "$sent"
	e2e_wait_for 'L1H1 input' 10
	if [ -n "$words" ]; then
		e2e_keys w
		e2e_wait_for 'pieces merged' 5
	fi
	# a key ends the start-up notice (no calibration): exports leave
	# such notices out
	e2e_keys l h
	e2e_wait_for 'L1H1 input +[0-9.]+ ms' 5
	case $view in
	head:2,3) e2e_keys j l l Enter; e2e_wait_for 'L2 H3 input [a-z -]*│' 5 ;;
	tokens:1,4) e2e_keys 3 Right Right Right; e2e_wait_for 'query (word )?[^ ]+ \(4/' 5 ;;
	output) e2e_keys 4; e2e_wait_for 'Hidden states' 5 ;;
	stats) e2e_keys 5; e2e_wait_for 'head kind +entropy' 5 ;;
	importance) e2e_keys 6; e2e_wait_for 'target still top: [0-9]+%' 20 ;;
	esac
	sleep 0.5
	e2e_tmux capture-pane -N -e -p -t e2e >explorer.screen
	e2e_check "$* ${words:+--words }--view $view: the ANSI export replayed equals the explorer's screen" \
	    same export.ans.screen explorer.screen
}

# view 6 (importance) once its scan is complete: each head alone made
# uniform (no calibration), L2H1 uniform already
for view in grid head:2,3 tokens:1,4 output stats importance; do
	against "$view" "$S" "" --modes L2H1=uniform
	# e, then a: the same screen, written by the explorer itself
	case $view in
	head:2,3) name=head ;;
	importance) name=importance ;;
	*) continue ;;
	esac
	e2e_keys e
	e2e_wait_for 'export as: s svg' 5
	e2e_keys a
	e2e_wait_for "wrote heed-$name-1\\.ans" 5
	e2e_check "e a wrote heed-$name-1.ans" test -s "heed-$name-1.ans"
	replay "heed-$name-1.ans"
	e2e_check "the explorer's ANSI export of the $name view replayed equals its screen" \
	    same "heed-$name-1.ans.screen" explorer.screen
done

# --words: the explorer after `w`.  "unaffable" is three pieces, so the
# head, tokens and stats views draw words; the grid's status line counts
# them.
W="the unaffable cat sat on the [MASK] ."
for view in head:2,3 tokens:1,4 stats grid; do
	against "$view" "$W" w
	if [ "$view" = "tokens:1,4" ]; then
		e2e_expect 'query word cat \(4/10\)' "the tokens view's query counts words"
		# e t in the explorer: its command line keeps --words and the
		# query word, and makes the same numbers again
		e2e_keys e t
		e2e_wait_for 'wrote heed-tokens-1\.txt' 5
		e2e_check "e t with words on writes word-level numbers" \
		    grep -q '^# layer 1, query word 4 (cat)' heed-tokens-1.txt
		"$HEED_BIN" export -m "$TUI_MODEL" --words --view tokens:1,4 --format txt \
		    -- "$W" 2>/dev/null | grep -v '^# made again with' >cli.txt
		grep -v '^# made again with' heed-tokens-1.txt >key.txt
		e2e_check "... the same numbers as the command line export --words" cmp -s cli.txt key.txt
		e2e_check "... whose command line it names" \
		    grep -q -- "--view tokens:1,4 --words --format txt" heed-tokens-1.txt
	fi
	[ "$view" = grid ] && e2e_expect '14 tokens, 10 words' "the grid's status line counts words"
done

# e s and e t: the SVG and the numbers of the view shown, named on the
# status line, each holding the command line that makes it again.
e2e_tmux kill-server >/dev/null 2>&1
e2e_start 80 24 "$HEED_BIN" -m "$TUI_MODEL" "$S"
e2e_wait_for 'L1H1 input' 10
e2e_keys Enter
e2e_wait_for 'L1 H1 input [a-z-]* ?│' 5
e2e_keys e s
e2e_wait_for 'wrote heed-head-1\.svg' 5
e2e_check "e s writes a valid SVG" xmllint --noout heed-head-1.svg
e2e_check "... naming its command line" grep -q -- "--view head:1,1 --format svg -o heed-head-1.svg" heed-head-1.svg
e2e_keys e s
e2e_wait_for 'wrote heed-head-2\.svg' 5
e2e_keys e t
e2e_wait_for 'wrote heed-head-1\.txt' 5
e2e_check "e t writes the numbers" grep -q '^# L1 H1	mode input' heed-head-1.txt
e2e_keys e x
e2e_wait_for 'export: nothing written' 5
e2e_keys e
e2e_wait_for 'export as:' 5
e2e_keys Escape
e2e_wait_for 'export: nothing written' 5
tui_quit
e2e_finish
