#!/bin/sh
# tui_stty.sh — the terminal is handed back as it was: after q, and after
# SIGTERM.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

e2e_start 80 24 sh
sleep 0.5
e2e_stty_before
e2e_type "'$HEED_BIN' -m '$TUI_MODEL' 'the cat'; echo status=\$?"
e2e_keys Enter
e2e_wait_for '^ +L1 ' 10
e2e_keys q
e2e_wait_for 'status=0' 5
e2e_stty_after
# Signals from outside, to the explorer itself: the pane runs the
# harness's wrapper, which runs the shell, which runs heed.
children() { ps -o pid= --ppid "$1" | tr -d ' '; }

# kill_heed SIGNAL STATUS: start heed, send SIGNAL, expect exit STATUS.
kill_heed() {
	e2e_type "'$HEED_BIN' -m '$TUI_MODEL' 'the cat'; echo $1=\$?"
	e2e_keys Enter
	e2e_wait_for '^ +L1 ' 10
	pid=$(children "$(children "$(e2e_tmux display -p -t e2e '#{pane_pid}')")")
	e2e_check "found the explorer's pid" test -n "$pid"
	kill -"$1" "$pid"
	e2e_wait_for "$1=$2" 5
	e2e_stty_after
}

kill_heed TERM 0
kill_heed HUP 0
kill_heed SEGV 139     # a crash: the terminal first, then the default action
e2e_finish
