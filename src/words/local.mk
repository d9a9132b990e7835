# words module: word pieces merged into words, and attention between
# words (Clark et al. 2019), for the explorer, dump and export.
libheed_a_SOURCES += src/words/words.c
noinst_HEADERS += include/heed/words.h

# dump --words against the reference (tools/reference/word_ids.js and
# words.py wrote the fixtures; CI needs neither npm nor torch).
TESTS += tests/words_test.sh
EXTRA_DIST += tests/words_test.sh tests/fixtures/words

check_PROGRAMS += tests/unit/test_words
TESTS += tests/unit/test_words
tests_unit_test_words_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_words_LDADD = $(TEST_LIBS)
