# Robustness: fuzz targets, their replay under `make check`, the atomic-write
# test and the abuse tests of the terminal UI.
#
# Every fuzz target is built twice.  `make fuzz` builds it with clang's
# libFuzzer (tests/fuzz/run.sh) and runs it FUZZ_SECONDS; `make check` links
# it with replay.c instead and feeds it the committed seeds and every
# regression input in tests/regress/TARGET/.  Without clang's libFuzzer
# `make fuzz` says so and succeeds (run.sh exits 77).
FUZZ_TARGETS = st config vocab tok calib modes pickle zip tokjson merges spm folder lesson scan
FUZZ_SECONDS = 60
FUZZ_CC = clang
FUZZ_DIR = $(abs_top_builddir)/fuzz-build
FUZZ_SRC = tests/fuzz/fuzz.h tests/fuzz/fuzz_tensors.h tests/fuzz/fuzz_tokens.h tests/fuzz/replay.c

fuzz: libheed.a $(BUILT_SOURCES)
	@FUZZ_CC='$(FUZZ_CC)' FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	FUZZ_DIR='$(FUZZ_DIR)' srcdir='$(abs_top_srcdir)' LIB_SOURCES='$(libheed_a_SOURCES)' \
	builddir='$(abs_top_builddir)' GEN_SOURCES='$(nodist_libheed_a_SOURCES)' \
	CPPFLAGS='-I$(abs_top_srcdir)/include -I$(abs_top_builddir) -DHEED_DATADIR="$(pkgdatadir)" -DHEED_SRCDIR="$(abs_top_srcdir)" $(DEFS) $(NCURSES_CFLAGS) $(LIBUV_CFLAGS) $(OPENBLAS_CFLAGS) $(UTF8PROC_CFLAGS) $(JANSSON_CFLAGS) $(LIBZIP_CFLAGS) $(PCRE2_CFLAGS) $(PROTOBUFC_CFLAGS) $(XXHASH_CFLAGS)' \
	LIBS='$(OPENBLAS_LIBS) $(UTF8PROC_LIBS) $(JANSSON_LIBS) $(LIBUV_LIBS) $(LIBZIP_LIBS) $(PCRE2_LIBS) $(PROTOBUFC_LIBS) $(XXHASH_LIBS) $(LIBS)' \
	$(SHELL) $(srcdir)/tests/fuzz/run.sh || test $$? -eq 77
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_DIR)
.PHONY: clean-fuzz

check_PROGRAMS += tests/fuzz/replay_st tests/fuzz/replay_config tests/fuzz/replay_vocab \
	tests/fuzz/replay_tok tests/fuzz/replay_calib tests/fuzz/replay_modes \
	tests/fuzz/replay_pickle tests/fuzz/replay_zip tests/fuzz/replay_tokjson \
	tests/fuzz/replay_merges tests/fuzz/replay_spm
TESTS += tests/fuzz/replay_st tests/fuzz/replay_config tests/fuzz/replay_vocab \
	tests/fuzz/replay_tok tests/fuzz/replay_calib tests/fuzz/replay_modes \
	tests/fuzz/replay_pickle tests/fuzz/replay_zip tests/fuzz/replay_tokjson \
	tests/fuzz/replay_merges tests/fuzz/replay_spm
tests_fuzz_replay_spm_SOURCES = tests/fuzz/fuzz_spm.c $(FUZZ_SRC)
tests_fuzz_replay_spm_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"spm"'
tests_fuzz_replay_spm_LDADD = $(TEST_LIBS)
tests_fuzz_replay_tokjson_SOURCES = tests/fuzz/fuzz_tokjson.c $(FUZZ_SRC)
tests_fuzz_replay_tokjson_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"tokjson"'
tests_fuzz_replay_tokjson_LDADD = $(TEST_LIBS)
tests_fuzz_replay_merges_SOURCES = tests/fuzz/fuzz_merges.c $(FUZZ_SRC)
tests_fuzz_replay_merges_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"merges"'
tests_fuzz_replay_merges_LDADD = $(TEST_LIBS)
tests_fuzz_replay_st_SOURCES = tests/fuzz/fuzz_st.c $(FUZZ_SRC)
tests_fuzz_replay_st_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"st"'
tests_fuzz_replay_st_LDADD = $(TEST_LIBS)
tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz_config.c $(FUZZ_SRC)
tests_fuzz_replay_config_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"config"'
tests_fuzz_replay_config_LDADD = $(TEST_LIBS)
tests_fuzz_replay_vocab_SOURCES = tests/fuzz/fuzz_vocab.c $(FUZZ_SRC)
tests_fuzz_replay_vocab_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"vocab"'
tests_fuzz_replay_vocab_LDADD = $(TEST_LIBS)
tests_fuzz_replay_tok_SOURCES = tests/fuzz/fuzz_tok.c $(FUZZ_SRC)
tests_fuzz_replay_tok_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"tok"'
tests_fuzz_replay_tok_LDADD = $(TEST_LIBS)
tests_fuzz_replay_calib_SOURCES = tests/fuzz/fuzz_calib.c $(FUZZ_SRC)
tests_fuzz_replay_calib_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"calib"'
tests_fuzz_replay_calib_LDADD = $(TEST_LIBS)
tests_fuzz_replay_modes_SOURCES = tests/fuzz/fuzz_modes.c $(FUZZ_SRC)
tests_fuzz_replay_modes_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"modes"'
tests_fuzz_replay_modes_LDADD = $(TEST_LIBS)
tests_fuzz_replay_pickle_SOURCES = tests/fuzz/fuzz_pickle.c $(FUZZ_SRC)
tests_fuzz_replay_pickle_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"pickle"'
tests_fuzz_replay_pickle_LDADD = $(TEST_LIBS)
tests_fuzz_replay_zip_SOURCES = tests/fuzz/fuzz_zip.c $(FUZZ_SRC)
tests_fuzz_replay_zip_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"zip"'
tests_fuzz_replay_zip_LDADD = $(TEST_LIBS)

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/mkseeds.py tests/fuzz/corpus tests/regress \
	tests/fuzz/st.dict tests/fuzz/config.dict tests/fuzz/tok.dict \
	tests/fuzz/calib.dict tests/fuzz/modes.dict tests/fuzz/tokjson.dict tests/fuzz/pickle.dict tests/fuzz/zip.dict tests/fuzz/lesson.dict tests/fuzz/scan.dict

# fuzz_scan.c: heed scan's partial files (--merge, --ranking) and every total
# computed from them; seeds are partial files heed scan wrote
check_PROGRAMS += tests/fuzz/replay_scan
TESTS += tests/fuzz/replay_scan
tests_fuzz_replay_scan_SOURCES = tests/fuzz/fuzz_scan.c $(FUZZ_SRC)
tests_fuzz_replay_scan_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"scan"'
tests_fuzz_replay_scan_LDADD = $(TEST_LIBS)

# Atomic writes: write() and fsync() are wrapped at link time to fail like a
# full or failing disk.
check_PROGRAMS += tests/unit/test_atomic
TESTS += tests/unit/test_atomic
tests_unit_test_atomic_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_atomic_LDADD = $(TEST_LIBS)
tests_unit_test_atomic_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=write -Wl,--wrap=fsync

# A model file truncated while loading (fstat wrapped to cut it right after
# it was measured) or while running: an error or nothing, never SIGBUS.
check_PROGRAMS += tests/unit/test_truncate
TESTS += tests/unit/test_truncate
tests_unit_test_truncate_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_truncate_LDADD = $(TEST_LIBS)
tests_unit_test_truncate_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=fstat

# Abuse tests: the real explorer in tmux, resized, flooded, fed garbage,
# interrupted and hung up on; heed never crashes or hangs and the terminal
# settings (stty -g) are the same before and after.
ABUSE_E2E = tests/e2e/abuse_resize.sh tests/e2e/abuse_input.sh tests/e2e/abuse_signals.sh
EXTRA_DIST += $(ABUSE_E2E) tests/e2e/abuse_common.sh
if HAVE_TMUX
TESTS += $(ABUSE_E2E)
endif

# fuzz_folder.c: a whole model folder (config, vocabulary, weights and a
# calibration together) through heed_open and a forward; seeds from
# tests/robust/mkfolderseeds.py
check_PROGRAMS += tests/fuzz/replay_folder
TESTS += tests/fuzz/replay_folder
tests_fuzz_replay_folder_SOURCES = tests/fuzz/fuzz_folder.c $(FUZZ_SRC)
tests_fuzz_replay_folder_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"folder"'
tests_fuzz_replay_folder_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/robust/mkfolderseeds.py

# fuzz_lesson.c: the lesson file, its binding to a model and every caption
# and claim evaluated; seeds from mkseeds.py (the shipped lessons and more)
check_PROGRAMS += tests/fuzz/replay_lesson
TESTS += tests/fuzz/replay_lesson
tests_fuzz_replay_lesson_SOURCES = tests/fuzz/fuzz_lesson.c $(FUZZ_SRC)
tests_fuzz_replay_lesson_CFLAGS = $(TEST_CFLAGS) -DFUZZ_NAME='"lesson"'
tests_fuzz_replay_lesson_LDADD = $(TEST_LIBS)
