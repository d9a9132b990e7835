# model module: config.json, the weight files (weights.c picks and indexes
# them; safetensors.c reads one) and the weights of BERT/DistilBERT.
libheed_a_SOURCES += src/model/config.c src/model/safetensors.c \
	src/model/weights.c src/model/pickle.c src/model/torchbin.c \
	src/model/model.c src/model/resolve.c src/model/fingerprint.c
noinst_HEADERS += include/heed/model.h include/heed/weights.h src/model/pickle.h

# Unit tests; test_model_build.c writes tiny safetensors files and models.
MODEL_TEST_BUILD = tests/unit/test_model_build.c tests/unit/test_model_build.h
check_PROGRAMS += tests/unit/test_model_st tests/unit/test_model_config tests/unit/test_model \
	tests/unit/test_weights
TESTS += tests/unit/test_model_st tests/unit/test_model_config tests/unit/test_model \
	tests/unit/test_weights
tests_unit_test_model_st_SOURCES = tests/unit/test_model_st.c $(MODEL_TEST_BUILD)
tests_unit_test_model_st_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_st_LDADD = $(TEST_LIBS)
tests_unit_test_model_config_SOURCES = tests/unit/test_model_config.c $(MODEL_TEST_BUILD)
tests_unit_test_model_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_config_LDADD = $(TEST_LIBS)
tests_unit_test_model_SOURCES = tests/unit/test_model.c $(MODEL_TEST_BUILD)
tests_unit_test_model_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_LDADD = $(TEST_LIBS)
tests_unit_test_weights_SOURCES = tests/unit/test_weights.c $(MODEL_TEST_BUILD)
tests_unit_test_weights_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_weights_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/model/dtypes.safetensors
# The same weights in every layout (tools/fixtures/make_bin_fixtures.py),
# and hostile pytorch_model.bin files.
TESTS += tests/bin_test.sh
EXTRA_DIST += tests/bin_test.sh tests/fixtures/bin
