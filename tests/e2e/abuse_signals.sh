#!/bin/sh
# abuse_signals.sh — ways a session ends that are not q: Ctrl-C while a
# forward pass is running, SIGTERM and SIGHUP during a pass, stdin closed or
# not a terminal, the terminal itself going away (an SSH link dropping), and
# the model file cut to nothing while heed runs.  heed exits promptly by
# itself (no hang, no core), gives the terminal back, or keeps working.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/abuse_common.sh"

BIG=$E2E_TMP/big
abuse_big_model "$BIG"
long=$(awk 'BEGIN { for (i = 0; i < 60; i++) printf "the cat sat on the mat "; }')

# abuse_during_pass WHAT ACTION: start heed on the big model with a long
# sentence, wait until it is computing, then ACTION (a command).
abuse_during_pass() {
	abuse_run -m "$BIG" --threads 1 "$long"
	# Loading 12 layers takes well under a second on an idle machine and
	# tens of seconds on a loaded one; the action needs the pass running.
	if e2e_wait_for 'computing' 90; then
		"$@"
	fi
}

abuse_shell

# Ctrl-C: heed reads keys in cbreak mode, so ^C arrives as SIGINT.
abuse_during_pass e2e_keys C-c
abuse_status_ok 10 "Ctrl-C during a forward pass"

for sig in TERM HUP; do
	kill_heed() { kill -"$sig" "$(abuse_pid)"; }
	abuse_during_pass kill_heed
	abuse_status_ok 10 "SIG$sig during a forward pass"
done

# No terminal: stdin closed, or a file.  A message and exit status 2,
# at once, with the terminal untouched.
e2e_tmux send-keys -t e2e 'clear' Enter
e2e_type "'$HEED_BIN' -m '$TUI_MODEL' 'the cat' <&-; echo status=\$?"
e2e_keys Enter
e2e_wait_for 'status=[1-9]' 5
e2e_expect 'needs a terminal' "stdin closed: the message says why"
e2e_stty_after
e2e_tmux send-keys -t e2e 'clear' Enter
e2e_type "'$HEED_BIN' -m '$TUI_MODEL' 'the cat' </dev/null; echo status=\$?"
e2e_keys Enter
e2e_wait_for 'status=[1-9]' 5
e2e_stty_after

# The model file cut to zero bytes (and its vocabulary replaced) while heed
# runs: the weights were copied at load, so heed keeps working.
COPY=$E2E_TMP/copy
mkdir -p "$COPY"
cp "$TUI_MODEL"/* "$COPY/"
abuse_run -m "$COPY" "the cat sat"
e2e_wait_for '^ +L3 ' 10
: >"$COPY/model.safetensors"
echo garbage >"$COPY/vocab.txt"
e2e_keys i C-u
e2e_type "a dog ran home"
e2e_keys Enter
e2e_wait_for '^ \[CLS\] a dog ran home \[SEP\]' 10
e2e_wait_for '^ +L3 ' 5
e2e_keys q
abuse_status_ok 5 "q after the model file was truncated"

# The terminal goes away (ssh dropped): heed alone in a second tmux server,
# which is then killed, so heed's pty hangs up under it.  heed must exit,
# not spin on a dead terminal.
drop_tmux() { tmux -L "$E2E_SOCKET-drop" -f "$E2E_TMP/tmux.conf" "$@"; }
drop_tmux new-session -d -s drop -x 80 -y 24 \
    env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 OPENBLAS_NUM_THREADS=1 \
    "$HEED_BIN" -m "$BIG" --threads 1 "$long"
sleep 2
drop=$(drop_tmux display -p -t drop '#{pane_pid}')
e2e_check "heed runs in the second server" kill -0 "${drop:-0}"
drop_tmux kill-server
gone=0
for _ in $(seq 50); do
	kill -0 "${drop:-0}" 2>/dev/null || { gone=1; break; }
	sleep 0.1
done
e2e_check "heed exits within 5 s when its terminal hangs up" test -n "$drop" -a $gone = 1
[ $gone = 1 ] || kill -KILL "$drop" 2>/dev/null
e2e_finish
