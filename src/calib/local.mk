# calib module: PAPA averages, Dense Synthesizer fitting, per-head statistics,
# the calibration file.
libheed_a_SOURCES += src/calib/papa.c src/calib/synth.c src/calib/stats.c src/calib/calibfile.c \
	src/calib/corpus.c
noinst_HEADERS += include/heed/calib.h
check_PROGRAMS += tests/unit/test_calib
TESTS += tests/unit/test_calib
tests_unit_test_calib_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_calib_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/calib
