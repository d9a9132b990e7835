# lib.sh — drive a program in a detached tmux pane from a test script
# (the idea of tmux's own regress/ scripts).  Source it from a POSIX sh test:
#
#     . "$HEED_SRCDIR/tests/e2e/lib.sh"
#     e2e_start 80 24 "$HEED_BIN" "a sentence"
#     e2e_wait_for 'L0' 5
#     e2e_keys q
#     e2e_finish
#
# Every test script gets its own tmux server (a private socket, no user
# configuration), a fixed pane size, TERM=xterm-256color and a UTF-8 locale,
# so what the screen shows does not depend on the machine running it.
# Checks print TAP-style "ok N - ..." / "not ok N - ..." lines; a failed
# check dumps the screen.  e2e_finish prints "N passed, N failed" and exits
# 0 only when something was checked and nothing failed.  Without tmux the
# script exits 77, which automake reads as "skipped".
#
# Patterns are extended regular expressions (grep -E) matched against the
# plain screen text, one line at a time.

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux not found"
	exit 77
fi

E2E_SOCKET="heed-e2e-$$"
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/heed-e2e.XXXXXX") || exit 1
E2E_PASSED=0
E2E_FAILED=0
E2E_STARTED=0

# The server starts with this configuration instead of the user's: no status
# line (the pane is the whole window), panes stay after their program exits
# (so its last screen and exit status can still be read), and the window
# keeps the size it was given whatever clients do (set after the session
# exists: tmux 3.3a crashes creating a detached session under "manual").
# The history limit stays at its default: with none, tmux 3.3a wipes a dead
# pane's screen when it writes "Pane is dead".
cat >"$E2E_TMP/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g default-terminal xterm-256color
EOF

e2e_tmux() {
	tmux -L "$E2E_SOCKET" -f "$E2E_TMP/tmux.conf" "$@"
}

# e2e_start COLS ROWS CMD [ARG...]: run CMD in a COLS x ROWS pane.  A small
# shell around CMD records its exit status: tmux 3.3a's #{pane_dead_status}
# is sometimes lost.
# A server killed just before (a test's second program) may still be
# shutting down on the socket; a client that reaches it then gets "server
# exited unexpectedly", so a failed start is tried again a few times.
e2e_start() {
	_cols=$1 _rows=$2
	shift 2
	rm -f "$E2E_TMP/status"
	_try=1
	until e2e_tmux new-session -d -s e2e -x "$_cols" -y "$_rows" \
	    env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
	    sh -c '"$@"; echo $? >"$0.tmp" && mv "$0.tmp" "$0"' "$E2E_TMP/status" "$@" \; \
	    set -g window-size manual; do
		if [ "$_try" -ge 5 ]; then
			echo "e2e: cannot start tmux" >&2
			exit 1
		fi
		_try=$((_try + 1))
		e2e_tmux kill-server >/dev/null 2>&1
		sleep 0.5
	done
	E2E_STARTED=1
}

# e2e_keys KEY...: tmux key names (Enter, Escape, Up, C-c, q, ...).
e2e_keys() {
	e2e_tmux send-keys -t e2e "$@"
}

# e2e_type TEXT: TEXT typed literally, character by character.
e2e_type() {
	e2e_tmux send-keys -t e2e -l -- "$1"
}

e2e_screen() {
	e2e_tmux capture-pane -p -t e2e
}

# The screen with its colours and attributes as SGR escape sequences.
e2e_screen_colour() {
	e2e_tmux capture-pane -e -p -t e2e
}

e2e_resize() {
	e2e_tmux resize-window -t e2e -x "$1" -y "$2"
}

# Print "ok"/"not ok" for one check; the screen goes with a failure.
e2e_report() {
	_ok=$1
	shift
	if [ "$_ok" = 1 ]; then
		E2E_PASSED=$((E2E_PASSED + 1))
		echo "ok $((E2E_PASSED + E2E_FAILED)) - $*"
	else
		E2E_FAILED=$((E2E_FAILED + 1))
		echo "not ok $((E2E_PASSED + E2E_FAILED)) - $*"
		e2e_dump
	fi
}

e2e_dump() {
	[ "$E2E_STARTED" = 1 ] || return 0
	echo "# --- screen ---"
	e2e_screen | sed 's/^/# |/'
	echo "# --------------"
}

e2e_matches() {
	e2e_screen | grep -E -q -- "$1"
}

# e2e_wait_for PATTERN [TIMEOUT]: poll until the screen matches PATTERN,
# for at most TIMEOUT seconds (default 10) of wall-clock time, however slow
# each poll is on a loaded machine.  Fails with the screen dumped.
e2e_wait_for() {
	_end=$(($(date +%s) + ${2:-10}))
	while :; do
		if e2e_matches "$1"; then
			e2e_report 1 "screen shows /$1/"
			return 0
		fi
		[ "$(date +%s)" -lt "$_end" ] || break
		sleep 0.1
	done
	e2e_report 0 "screen shows /$1/ within ${2:-10}s"
	return 1
}

# e2e_expect PATTERN [WHAT]: the screen matches PATTERN now.
e2e_expect() {
	if e2e_matches "$1"; then
		e2e_report 1 "${2:-screen shows /$1/}"
	else
		e2e_report 0 "${2:-screen shows /$1/}"
		return 1
	fi
}

# e2e_refute PATTERN [WHAT]: the screen does not match PATTERN now.
e2e_refute() {
	if e2e_matches "$1"; then
		e2e_report 0 "${2:-screen does not show /$1/}"
		return 1
	else
		e2e_report 1 "${2:-screen does not show /$1/}"
	fi
}

# e2e_check WHAT CMD [ARG...]: a check made by the script itself, passed
# when CMD succeeds, e.g.
#     e2e_check "heed exits 0" test "$(e2e_wait_exit 5)" = 0
e2e_check() {
	_what=$1
	shift
	if "$@"; then
		e2e_report 1 "$_what"
	else
		e2e_report 0 "$_what"
		return 1
	fi
}

# e2e_wait_exit [TIMEOUT]: wait until the pane's program has exited and
# print its exit status; prints "running" on timeout.
e2e_wait_exit() {
	_end=$(($(date +%s) + ${1:-10}))
	while :; do
		if [ -f "$E2E_TMP/status" ]; then
			cat "$E2E_TMP/status"
			return 0
		fi
		[ "$(date +%s)" -lt "$_end" ] || break
		sleep 0.1
	done
	echo running
	return 1
}

# A full-screen program must give the terminal back as it found it.  Run a
# shell in the pane, then:
#     e2e_stty_before; e2e_type "$HEED_BIN"; e2e_keys Enter; ...quit...
#     e2e_stty_after
# The settings are read from outside through the pane's tty, so the
# program's own output cannot interfere.
e2e_stty() {
	stty -g <"$(e2e_tmux display -p -t e2e '#{pane_tty}')"
}

e2e_stty_before() {
	e2e_stty >"$E2E_TMP/stty.before"
}

e2e_stty_after() {
	e2e_stty >"$E2E_TMP/stty.after"
	if cmp -s "$E2E_TMP/stty.before" "$E2E_TMP/stty.after"; then
		e2e_report 1 "terminal settings restored"
	else
		e2e_report 0 "terminal settings restored" \
		    "(before: $(cat "$E2E_TMP/stty.before"), after: $(cat "$E2E_TMP/stty.after"))"
		return 1
	fi
}

e2e_stop() {
	e2e_tmux kill-server >/dev/null 2>&1
	rm -rf "$E2E_TMP"
}

e2e_finish() {
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	if [ "$E2E_FAILED" -ne 0 ] || [ "$E2E_PASSED" -eq 0 ]; then
		[ "$E2E_PASSED" -eq 0 ] && [ "$E2E_FAILED" -eq 0 ] && echo "e2e: no checks ran"
		exit 1
	fi
	exit 0
}

trap e2e_stop EXIT
trap 'exit 1' INT TERM HUP
