#!/bin/sh
# cli_test.sh — the heed binary's outer contract: help, version, exit codes
# of usage errors, and a man page that renders without warnings.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

run --help
check "--help exits 0" test "$rc" -eq 0
check "--help prints usage on stdout" has out '^Usage: heed'
check "--help names the man page" has out 'heed(1)'
check "--help prints nothing on stderr" empty err
run -h
check "-h exits 0" test "$rc" -eq 0
check "-h prints usage" has out '^Usage: heed'

run --version
check "--version exits 0" test "$rc" -eq 0
check "--version prints name and version" has out '^heed [0-9][0-9.]*'
run -V
check "-V exits 0" test "$rc" -eq 0

run frobnicate
check "unknown command exits 1" test "$rc" -eq 1
check "unknown command is named on stderr" has err "frobnicate"
check "unknown command prints nothing on stdout" empty out

run --no-such-option
check "unknown option exits 1" test "$rc" -eq 1
check "unknown option is named on stderr" has err "no-such-option"

# the explorer's latency trace (bench/tui_latency): a file it cannot open
# is said before anything is loaded, with exit 2
HEED_TRACE=/nonexistent/dir/trace
export HEED_TRACE
run -m "$HEED_SRCDIR/tests/fixtures/enc/bert-f32"
unset HEED_TRACE
check "an unopenable HEED_TRACE exits 2" test "$rc" -eq 2
check "an unopenable HEED_TRACE is named" has err "HEED_TRACE: cannot open /nonexistent/dir/trace"

# Every command listed in --help answers its own --help and rejects an
# unknown option with exit 1.
"$HEED_BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' >"$tmp/commands"
for c in $(cat "$tmp/commands"); do
	run "$c" --help
	check "heed $c --help exits 0" test "$rc" -eq 0
	check "heed $c --help prints something" has out .
	run "$c" --no-such-option
	check "heed $c --no-such-option exits 1" test "$rc" -eq 1
	check "heed $c --no-such-option says why" has err .
done

# The man page: groff's -ww turns on every warning; any output is one.
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z "$HEED_SRCDIR/man/heed.1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "man page renders" test "$rc" -eq 0
	check "man page renders without warnings" empty err
	for section in NAME SYNOPSIS DESCRIPTION COMMANDS KEYS OPTIONS FILES \
	    ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		check "man page has $section" grep -q "^\.SH \"*$section\"*\$" "$HEED_SRCDIR/man/heed.1"
	done
	for c in $(cat "$tmp/commands"); do
		upper=$(echo "$c" | tr a-z A-Z)
		check "man page documents $c" grep -q "^\.SS \"*$upper\"*\$" "$HEED_SRCDIR/man/heed.1"
	done
else
	echo "# groff not found: man page not checked"
fi

finish
