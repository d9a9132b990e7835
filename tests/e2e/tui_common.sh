# tui_common.sh — shared set-up for the explorer's end-to-end tests:
# the harness, the binary, and the tiny test checkpoint.
HEED_SRCDIR=${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HEED_BIN=${HEED_BIN:-$HEED_SRCDIR/heed}
. "$HEED_SRCDIR/tests/e2e/lib.sh"
TUI_MODEL="$HEED_SRCDIR/tests/fixtures/enc/bert-f32"
export OPENBLAS_NUM_THREADS=1

# tui_quit: q, then the program must be gone with status 0.
tui_quit() {
	e2e_keys q
	e2e_check "q exits with status 0" test "$(e2e_wait_exit 5)" = 0
}

# tui_cycle_to MODE: press m (cycle the selected head's mode) until the
# status line shows L1H1 MODE, at most 6 times.
tui_cycle_to() {
	_tries=0
	while ! e2e_matches "L1H1 $1" && [ $_tries -lt 6 ]; do
		e2e_keys m
		sleep 0.3
		_tries=$((_tries + 1))
	done
	e2e_expect "L1H1 $1" "m reaches $1"
}
