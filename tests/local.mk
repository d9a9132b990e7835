# Test harness: the shared TAP harness of the command tests, the CLI
# contract, the tmux end-to-end harness (with a test
# proving it can fail) and valgrind runs of every command.
EXTRA_DIST += tests/lib.sh tests/e2e/lib.sh tests/lsan.supp
TESTS += tests/cli_test.sh
# stats_test.sh: `heed stats SENTENCE` recomputed from `heed dump` (hstat.h)
TESTS += tests/stats_test.sh
EXTRA_DIST += tests/stats_test.sh
# lesson_test.sh: the shipped lessons' figures recomputed with `heed stats`
# and `heed dump`, their claims re-evaluated; lesson errors
TESTS += tests/lesson_test.sh
EXTRA_DIST += tests/lesson_test.sh tests/fixtures/lesson/tiny.lesson
EXTRA_DIST += tests/cli_test.sh

EXTRA_DIST += tests/e2e/harness_selftest.sh
if HAVE_TMUX
TESTS += tests/e2e/harness_selftest.sh
endif

EXTRA_DIST += tests/valgrind_cli.sh
if HAVE_VALGRIND
if !SANITIZERS
TESTS += tests/valgrind_cli.sh
endif
endif
