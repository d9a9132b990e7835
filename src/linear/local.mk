# linear module: linear layers' weights packed at load, and the multiply
# over them (portable C, AVX2 + FMA + F16C or AVX-512, picked at run time).
libheed_a_SOURCES += src/linear/linear.c src/linear/linear_avx2.c \
	src/linear/linear_avx512.c
noinst_HEADERS += include/heed/linear.h src/linear/linear_int.h
check_PROGRAMS += tests/unit/test_linear
TESTS += tests/unit/test_linear
tests_unit_test_linear_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/linear
tests_unit_test_linear_LDADD = $(TEST_LIBS)
# test_enc again with each kernel below the CPU's own
TESTS += tests/enc_kernels_test.sh
EXTRA_DIST += tests/enc_kernels_test.sh
