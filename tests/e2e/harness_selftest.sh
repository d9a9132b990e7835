#!/bin/sh
# harness_selftest.sh — the tmux harness must be able to fail.  A harness
# whose checks always pass would make every end-to-end test meaningless, so
# child scripts run known-wrong and known-right expectations against a
# trivial program, and this script checks their verdicts (without using the
# harness's own reporting).
if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux not found"
	exit 77
fi

LIB=${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh
passed=0
failed=0

verdict() {
	if [ "$1" = 1 ]; then
		passed=$((passed + 1))
		echo "ok $((passed + failed)) - $2"
	else
		failed=$((failed + 1))
		echo "not ok $((passed + failed)) - $2"
		echo "$3" | sed 's/^/# |/'
	fi
}

# child BODY: run BODY as a test script that has sourced the harness; sets
# $status and $out.
child() {
	out=$(sh -c ". '$LIB'; $1" 2>&1)
	status=$?
}

HELLO="e2e_start 40 10 sh -c 'echo hello; sleep 5'"

child "$HELLO; e2e_wait_for goodbye 2; e2e_finish"
verdict "$([ "$status" -ne 0 ] && echo 1)" "a wrong expectation fails the script" "$out"
verdict "$(echo "$out" | grep -q '^not ok 1 - screen shows /goodbye/ within 2s' && echo 1)" \
    "the failure names the pattern and the timeout" "$out"
verdict "$(echo "$out" | grep -q '^# |hello' && echo 1)" "the failure dumps the screen" "$out"
verdict "$(echo "$out" | grep -q '^0 passed, 1 failed' && echo 1)" "the summary counts the failure" "$out"

child "$HELLO; e2e_wait_for hello 5; e2e_refute goodbye; e2e_finish"
verdict "$([ "$status" -eq 0 ] && echo 1)" "right expectations pass" "$out"
verdict "$(echo "$out" | grep -q '^2 passed, 0 failed' && echo 1)" "the summary counts the passes" "$out"

child "$HELLO; e2e_wait_for hello 5; e2e_expect 'h.llo$'; e2e_refute hello; e2e_finish"
verdict "$([ "$status" -ne 0 ] && echo 1)" "a wrong refutation fails the script" "$out"
verdict "$(echo "$out" | grep -q '^2 passed, 1 failed' && echo 1)" "one failure among passes is counted" "$out"

child "$HELLO; e2e_finish"
verdict "$([ "$status" -ne 0 ] && echo 1)" "a script that checks nothing fails" "$out"

child "e2e_start 30 8 sh -c 'stty size; sleep 5'; e2e_wait_for '^8 30\$' 5; e2e_finish"
verdict "$([ "$status" -eq 0 ] && echo 1)" "the pane has the size asked for" "$out"

# Keys typed before sh prints its prompt are echoed early, and the output
# then follows the prompt on one line: wait for the prompt first.
child "e2e_start 30 8 sh; e2e_wait_for '^[#\$]' 5; e2e_resize 50 12;
    e2e_type 'stty size'; e2e_keys Enter; e2e_wait_for '(^|[#\$] )12 50\$' 5; e2e_finish"
verdict "$([ "$status" -eq 0 ] && echo 1)" "e2e_resize changes the pane's size" "$out"

child "e2e_start 40 8 sh -c 'printf \"\\033[31mred\\033[0m\\n\"; sleep 5';
    e2e_wait_for red 5;
    has_red() { e2e_screen_colour | grep -q 31mred; };
    e2e_check 'colour capture keeps SGR' has_red;
    e2e_refute '31m' 'plain capture has no SGR'; e2e_finish"
verdict "$([ "$status" -eq 0 ] && echo 1)" "e2e_screen_colour keeps colours, e2e_screen drops them" "$out"

child "e2e_start 40 8 sh -c 'exit 3'; e2e_check 'exit status' test \"\$(e2e_wait_exit 5)\" = 3; e2e_finish"
verdict "$([ "$status" -eq 0 ] && echo 1)" "e2e_wait_exit reports the exit status" "$out"

child "e2e_start 40 8 sh; e2e_stty_before; e2e_type 'stty raw -echo; sleep 5'; e2e_keys Enter;
    sleep 1; e2e_stty_after; e2e_finish"
verdict "$([ "$status" -ne 0 ] && echo 1)" "a terminal left in raw mode is caught" "$out"

child "e2e_start 40 8 sh; e2e_stty_before; e2e_type 'old=\$(stty -g); stty raw -echo; stty \$old'; e2e_keys Enter;
    sleep 1; e2e_stty_after; e2e_finish"
verdict "$([ "$status" -eq 0 ] && echo 1)" "a restored terminal passes" "$out"

# The private server must be gone once the child exits, even on failure.
child "echo \"sock=\$E2E_SOCKET\"; e2e_start 40 8 sh -c 'sleep 30'; e2e_wait_for never 1; e2e_finish"
sock=$(echo "$out" | sed -n 's/^sock=//p')
if tmux -L "$sock" has-session 2>/dev/null; then
	verdict 0 "the tmux server is stopped on exit" "$out"
	tmux -L "$sock" kill-server
else
	verdict 1 "the tmux server is stopped on exit" "$out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
