# The heed binary: option parsing and subcommand dispatch.
heed_SOURCES += src/cli/main.c
noinst_HEADERS += src/cli/cli.h
# dump.c: `heed dump`, and the script that checks its JSON
heed_SOURCES += src/cli/dump.c
TESTS += tests/dump_test.sh
EXTRA_DIST += tests/dump_test.sh
# calibrate.c, stats.c: `heed calibrate` and `heed stats`, and their script test
heed_SOURCES += src/cli/calibrate.c src/cli/stats.c
# corpuscmd.c: what calibrate and scan share (corpus reading, --shard, progress)
heed_SOURCES += src/cli/corpuscmd.c
# scan.c: `heed scan`, head importance and replacement curves over a corpus
heed_SOURCES += src/cli/scan.c
TESTS += tests/scan_test.sh
EXTRA_DIST += tests/scan_test.sh
TESTS += tests/calibrate_test.sh tests/calibrate_shard_test.sh
EXTRA_DIST += tests/calibrate_test.sh tests/calibrate_shard_test.sh
# bench.c: `heed bench`, the encoder's timings (bench/run compares engines)
heed_SOURCES += src/cli/bench.c
TESTS += tests/bench_test.sh
EXTRA_DIST += tests/bench_test.sh
# eval.c: `heed eval`, masked-LM accuracy under head modes (model card numbers)
heed_SOURCES += src/cli/eval.c
# info.c: `heed info`, what heed reads from a model folder
heed_SOURCES += src/cli/info.c
# lesson.c: `heed lesson`, a lesson in the explorer or printed and checked
heed_SOURCES += src/cli/lesson.c
TESTS += tests/info_test.sh
EXTRA_DIST += tests/info_test.sh
# robust_test.sh: one test per defect of #22 a command shows (hostile
# models written by tests/robust/mkmodel.py, ulimit, /dev/full, FIFOs)
TESTS += tests/robust_test.sh
EXTRA_DIST += tests/robust_test.sh tests/robust/mkmodel.py
# fault_test.sh: every command out of memory under a sweep of ulimit -v and
# under tests/robust/failmalloc.c (LD_PRELOAD) exits cleanly
TESTS += tests/fault_test.sh
EXTRA_DIST += tests/fault_test.sh tests/robust/failmalloc.c
