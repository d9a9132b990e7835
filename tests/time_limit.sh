#!/bin/sh
# tests/time_limit.sh — every test runs under a time limit, so a hang fails
# fast and says which test it was instead of stalling the whole suite.
#
#     time_limit.sh SECONDS PROGRAM [ARG...]
#
# HEED_TEST_TIMEOUT (seconds) overrides SECONDS, e.g. on a slow machine or
# under valgrind.  A test that runs out of time is killed (TERM, then KILL
# five seconds later) and reported as a hard error (exit 99).
limit=${HEED_TEST_TIMEOUT:-$1}
shift
timeout --kill-after=5 "$limit" "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "time_limit: $* did not finish within $limit s (HEED_TEST_TIMEOUT to change)" >&2
	exit 99
fi
exit "$rc"
