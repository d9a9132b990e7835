# lesson module: the lesson file (steps of sentence, modes, view, head,
# caption and claims) and the live figures its captions and claims read;
# the explorer steps through it, `heed lesson` prints or checks it.
libheed_a_SOURCES += src/lesson/lesson.c
noinst_HEADERS += include/heed/lesson.h
check_PROGRAMS += tests/unit/test_lesson
TESTS += tests/unit/test_lesson
tests_unit_test_lesson_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_lesson_LDADD = $(TEST_LIBS)
