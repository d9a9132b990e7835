# text module: BERT tokenization (vocab, Unicode classes and normalization,
# WordPiece, the tok_encode pipeline) and its unit tests.
libheed_a_SOURCES += src/text/vocab.c src/text/uchar.c src/text/normalize.c \
	src/text/wordpiece.c src/text/tokenizer.c
noinst_HEADERS += include/heed/tok.h src/text/text.h

check_PROGRAMS += tests/unit/test_tok
TESTS += tests/unit/test_tok
tests_unit_test_tok_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_tok_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/tok/uncased.json
