# lib.sh — the TAP harness shared by the command tests, tests/*_test.sh
# (tests/e2e/lib.sh is its counterpart for the explorer in tmux).  Source it
# from a POSIX sh test:
#
#     . "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
#     run dump -m "$FIXTURES/enc/bert-f32" "the cat"
#     check "dump exits 0" test "$rc" -eq 0
#     check "dump prints JSON" has out '"sentences"'
#     finish
#
# It sets HEED_BIN (default ./heed, as make check runs it), HEED_SRCDIR,
# FIXTURES (tests/fixtures) and $tmp, a private folder removed when the
# script exits.  Every check prints one TAP line, "ok N - WHAT" or
# "not ok N - WHAT", and a failed one shows the heads of $tmp/out and
# $tmp/err (the last run's output) as "# " comments; the script goes on, so
# one run lists every failure.  finish prints "N passed, N failed" and exits
# 0 only when something was checked and nothing failed.

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
FIXTURES=$HEED_SRCDIR/tests/fixtures
tmp=$(mktemp -d "${TMPDIR:-/tmp}/heed-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
passed=0
failed=0
rc=0

# pass WHAT / not_ok WHAT: record one result.
pass() {
	passed=$((passed + 1))
	echo "ok $((passed + failed)) - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok $((passed + failed)) - $1"
	for _f in "$tmp/out" "$tmp/err"; do
		[ -s "$_f" ] && head -n 5 "$_f" | sed "s|^|# $(basename "$_f"): |"
	done
	return 0
}

# check WHAT CMD [ARG...]: passed when CMD succeeds.
check() {
	_what=$1
	shift
	if "$@"; then
		pass "$_what"
	else
		not_ok "$_what"
		return 1
	fi
}

# check_last WHAT: passed when the command just before succeeded, for what
# check cannot wrap (a redirection, a pipeline, a here-document):
#     python3 - "$tmp/out" <<'PY'
#     ...
#     PY
#     check_last "the JSON holds every head"
check_last() {
	_st=$?
	if [ "$_st" -eq 0 ]; then
		pass "$1"
	else
		not_ok "$1 (exit $_st)"
		return 1
	fi
}

# bail WHAT: a set-up step failed and nothing after it means anything.
bail() {
	echo "Bail out! $*"
	exit 1
}

# run ARG...: heed with stdin not a terminal and a time limit (a hang is
# exit 124); stdout in $tmp/out, stderr in $tmp/err, the status in $rc.
run() {
	timeout 60 "$HEED_BIN" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# has FILE PATTERN: $tmp/FILE (or FILE, a path) matches PATTERN (grep).
has() {
	case $1 in
	*/*) grep -q -- "$2" "$1" ;;
	*) grep -q -- "$2" "$tmp/$1" ;;
	esac
}

# empty FILE: $tmp/FILE is empty or absent.
empty() { ! [ -s "$tmp/$1" ]; }

# one_line: the last run said one "heed: ..." line on stderr.
one_line() { [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^heed: ' "$tmp/err"; }

finish() {
	echo "$passed passed, $failed failed"
	[ "$passed" -eq 0 ] && [ "$failed" -eq 0 ] && echo "Bail out! no checks ran"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && exit 0
	exit 1
}
