# text module: tokenizers as Hugging Face's `tokenizers` runs them — the
# piece table, Unicode classes and normalization, normalizers,
# pre-tokenizers, the WordPiece/BPE/Unigram models, the pipeline, the
# tokenizer.json and vocab.txt readers, readable pieces — and their tests.
libheed_a_SOURCES += src/text/vocab.c src/text/uchar.c src/text/normalize.c \
	src/text/normalizer.c src/text/precompiled.c src/text/pretok.c \
	src/text/wordpiece.c src/text/bpe.c src/text/unigram.c src/text/tokenizer.c \
	src/text/load.c src/text/tokjson.c src/text/slow.c src/text/spm.c src/text/files.c \
	src/text/display.c src/text/wordlevel.c
noinst_HEADERS += include/heed/tok.h src/text/text.h

# SentencePiece's model format: the C decoder is generated from the
# published .proto by protoc-c (configure requires it).
SPM_PB = src/text/sentencepiece_model.pb-c.c src/text/sentencepiece_model.pb-c.h
nodist_libheed_a_SOURCES = $(SPM_PB)
BUILT_SOURCES = $(SPM_PB)
CLEANFILES = $(SPM_PB)
EXTRA_DIST += src/text/sentencepiece_model.proto
$(SPM_PB): $(srcdir)/src/text/sentencepiece_model.proto
	$(AM_V_GEN)$(MKDIR_P) src/text && \
	$(PROTOC_C) --proto_path=$(srcdir)/src/text --c_out=src/text $(srcdir)/src/text/sentencepiece_model.proto

check_PROGRAMS += tests/unit/test_tok
TESTS += tests/unit/test_tok
tests_unit_test_tok_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_tok_LDADD = $(TEST_LIBS)

# tokenize.c: `heed tokenize` (the text module's command)
heed_SOURCES += src/cli/tokenize.c

# Golden tests against Hugging Face's tokenizers (fixtures made by
# tools/tok/make_fixtures.js with the npm package; CI needs no npm).
check_PROGRAMS += tests/unit/test_tok_golden
TESTS += tests/unit/test_tok_golden
tests_unit_test_tok_golden_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_tok_golden_LDADD = $(TEST_LIBS)
TOK_FIXTURES = bert-uncased bert-cased roberta-bpe gpt2-split unigram seed-bert seed-bpe \
	seed-misc seed-unigram seed-wordpiece-misc
EXTRA_DIST += $(TOK_FIXTURES:%=tests/fixtures/tok/%.json) \
	$(TOK_FIXTURES:%=tests/fixtures/tok/%.golden.json) \
	tests/fixtures/tok/roberta-slow/vocab.json tests/fixtures/tok/roberta-slow/merges.txt \
	tests/fixtures/tok/roberta-slow/tokenizer_config.json \
	tests/fixtures/tok/unigram.model tests/fixtures/tok/unigram-spm.golden.json \
	$(SPM_TYPES:%=tests/fixtures/tok/spm-%.model) \
	$(SPM_TYPES:%=tests/fixtures/tok/spm-%.golden.json) \
	tests/fixtures/tok/xlmr-spm/sentencepiece.bpe.model tests/fixtures/tok/xlmr-spm.golden.json \
	tests/fixtures/tok/albert-spm/spiece.model tests/fixtures/tok/albert-spm/tokenizer_config.json \
	tests/fixtures/tok/albert-spm.golden.json \
	tests/fixtures/tok/albert-digits/spiece.model tests/fixtures/tok/albert-digits/tokenizer_config.json \
	tests/fixtures/tok/albert-digits.json tests/fixtures/tok/albert-digits.golden.json
# SentencePiece's BPE, word and char models (tools/tok/make_spm_fixtures.py)
SPM_TYPES = bpe word char unused-bpe unused-unigram suffix-unigram suffix-bpe
TESTS += tests/tokenize_test.sh
EXTRA_DIST += tests/tokenize_test.sh
# Sentence pairs against the reference's pair forward (type ids reach the
# encoder) and the pair template's segments
TESTS += tests/pairs_test.sh
EXTRA_DIST += tests/pairs_test.sh
