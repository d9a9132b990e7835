# encoder module: sources, headers and unit tests
# heads.c: non-input head modes and presets
libheed_a_SOURCES += src/encoder/heads.c
check_PROGRAMS += tests/unit/test_heads
TESTS += tests/unit/test_heads
tests_unit_test_heads_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_heads_LDADD = $(TEST_LIBS)
# encoder.c + mlm.c: the forward pass and the masked-LM head
libheed_a_SOURCES += src/encoder/encoder.c src/encoder/mlm.c src/encoder/vecmath.c \
	src/encoder/pool.c
# ModernBERT's layer and DeBERTa's relative attention terms
libheed_a_SOURCES += src/encoder/modernbert.c src/encoder/deberta.c
# inside one head: the vectors and terms behind one row of attention
libheed_a_SOURCES += src/encoder/probe.c
check_PROGRAMS += tests/unit/test_model_fam2
TESTS += tests/unit/test_model_fam2
tests_unit_test_model_fam2_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/encoder
tests_unit_test_model_fam2_LDADD = $(TEST_LIBS)
# calibration and every head mode on them, through the commands
TESTS += tests/fam2_modes_test.sh
EXTRA_DIST += tests/fam2_modes_test.sh
noinst_HEADERS += include/heed/enc.h include/heed/pool.h src/encoder/encoder_int.h
check_PROGRAMS += tests/unit/test_enc_alloc
TESTS += tests/unit/test_enc_alloc
tests_unit_test_enc_alloc_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_enc_alloc_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
tests_unit_test_enc_alloc_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/unit/test_enc_math
TESTS += tests/unit/test_enc_math
tests_unit_test_enc_math_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/encoder
tests_unit_test_enc_math_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/unit/test_enc
TESTS += tests/unit/test_enc
tests_unit_test_enc_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_enc_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/enc
# every family fixture through dump, calibrate, stats and the head modes
TESTS += tests/families_test.sh
EXTRA_DIST += tests/families_test.sh
# the explorer on every family (tmux)
EXTRA_DIST += tests/e2e/tui_families.sh
if HAVE_TMUX
TESTS += tests/e2e/tui_families.sh
endif
# inside one head against the reference (tools/reference/make_probe_fixtures.py)
check_PROGRAMS += tests/unit/test_enc_probe
TESTS += tests/unit/test_enc_probe
tests_unit_test_enc_probe_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_enc_probe_LDADD = $(TEST_LIBS)
# a local layer's cost against a global one's as the input grows, built on
# demand (bench/layer_speed): make bench/layer_bench
EXTRA_PROGRAMS += bench/layer_bench
bench_layer_bench_SOURCES = bench/layer_bench.c
bench_layer_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/encoder
bench_layer_bench_LDADD = $(HEED_LIBS)
CLEANFILES += bench/layer_bench
