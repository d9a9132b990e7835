# hstat module: one head's figures on one input (entropy, shares, input
# dependence, largest weight) and its category, shared by the explorer's
# statistics view, `heed stats SENTENCE` and the lessons' live captions.
libheed_a_SOURCES += src/hstat/hstat.c
noinst_HEADERS += include/heed/hstat.h
check_PROGRAMS += tests/unit/test_hstat
TESTS += tests/unit/test_hstat
tests_unit_test_hstat_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_hstat_LDADD = $(TEST_LIBS)
