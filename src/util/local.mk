# Allocation wrappers and error messages shared by every module.
libheed_a_SOURCES += src/util/util.c
noinst_HEADERS += include/heed/util.h

check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_util_LDADD = $(TEST_LIBS)
