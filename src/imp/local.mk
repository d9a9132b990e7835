# imp module: per-head importance for one sentence and the replacement curve
# (on the encoder's incremental recompute), for the explorer's view 6 and
# `heed scan`.
libheed_a_SOURCES += src/imp/imp.c
noinst_HEADERS += include/heed/imp.h
# scan.c: a corpus scan's per-sentence data, totals and partial file (scan.h)
libheed_a_SOURCES += src/imp/scan.c
noinst_HEADERS += include/heed/scan.h
check_PROGRAMS += tests/unit/test_scan
TESTS += tests/unit/test_scan
tests_unit_test_scan_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_scan_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/scan
check_PROGRAMS += tests/unit/test_imp
TESTS += tests/unit/test_imp
# test_fixture.h: the golden-file fixture loading test_imp and test_enc share
tests_unit_test_imp_SOURCES = tests/unit/test_imp.c tests/unit/test_fixture.h
tests_unit_test_imp_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_imp_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/imp
# its benchmark, built on demand (bench/imp_speed): make bench/imp_bench
EXTRA_PROGRAMS += bench/imp_bench
bench_imp_bench_SOURCES = bench/imp_bench.c
bench_imp_bench_LDADD = $(HEED_LIBS)
CLEANFILES += bench/imp_bench
