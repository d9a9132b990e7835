#!/bin/sh
# tui_colour.sh — colour depth follows the terminal: 256 colours for
# xterm-256color, the eight ANSI colours for xterm, none (an ASCII ramp)
# with NO_COLOR.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

shot="$E2E_TMP/screen"

# run ENV...: start the explorer under ENV, keep its coloured screen in $shot.
run() {
	e2e_tmux kill-server >/dev/null 2>&1
	e2e_start 80 24 env "$@" "$HEED_BIN" -m "$TUI_MODEL" "the cat sat on the mat"
	e2e_wait_for '^ +L3 ' 10
	e2e_screen_colour >"$shot"
}

run TERM=xterm-256color
e2e_check "xterm-256color: 256-colour backgrounds" grep -q '48;5;' "$shot"
tui_quit

run TERM=xterm
e2e_check "xterm: no 256-colour codes" sh -c "! grep -q ';5;' '$shot'"
e2e_check "xterm: ANSI backgrounds" grep -q -E '\[(.*;)?4[0-7]m' "$shot"
tui_quit

run TERM=xterm-256color NO_COLOR=1
e2e_check "NO_COLOR: no colour codes" sh -c "! grep -q -E '\[(.*;)?[34][0-7](;.*)?m' '$shot'"
e2e_expect '^ +L1 +I[ .:=+*#%@-]+ ' "NO_COLOR: the ASCII ramp"
tui_quit
e2e_finish
