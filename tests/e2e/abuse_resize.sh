#!/bin/sh
# abuse_resize.sh — 100 resizes within about 2 seconds, down to 10x5 and
# back: heed neither crashes nor hangs, draws the grid again at a normal
# size, still takes input, and gives the terminal back as it found it.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/abuse_common.sh"

abuse_shell
abuse_run -m "$TUI_MODEL" "the cat sat on the mat"
e2e_wait_for '^ +L3 ' 10
# Ten tmux client calls of ten resizes each, 0.15 s apart: starting one
# client per resize takes longer than 20 ms on a busy machine.
t0=$(date +%s)
i=0
while [ $i -lt 100 ]; do
	set --
	while :; do
		case $((i % 4)) in
		0) w=10 h=5 ;;
		1) w=80 h=24 ;;
		2) w=$((11 + i)) h=$((5 + i % 30)) ;;
		3) w=200 h=60 ;;
		esac
		set -- "$@" resize-window -t e2e -x $w -y $h
		i=$((i + 1))
		[ $((i % 10)) -eq 0 ] && break
		set -- "$@" \;
	done
	e2e_tmux "$@"
	sleep 0.15
done
t1=$(date +%s)
# About 2 s when the machine is idle.  Printed, not asserted: the time is
# tmux's (a loaded machine starts its clients slowly), not heed's.
echo "# 100 resizes in about $((t1 - t0)) s"
e2e_check "heed is still running" test -n "$(abuse_pid)"
e2e_resize 80 24
# Wait for the strip itself: a grid line of the last, wider layout can
# still be on screen for a moment and would match a looser pattern.
e2e_wait_for '^ \[CLS\] the cat sat on the mat \[SEP\]' 5
# still responsive: edit the sentence
e2e_keys i C-w C-w
e2e_type "a dog"
e2e_keys Enter
e2e_wait_for '^ \[CLS\] the cat sat on a dog \[SEP\]' 5
e2e_resize 10 5
sleep 0.3
e2e_keys q
e2e_resize 80 24
abuse_status_ok 5 "q after the resizes exits cleanly"
e2e_finish
