/* test_model_st.c — safetensors parsing and dtype conversion: good files
 * round-trip exactly, and every kind of malformed file is a clear
 * HEED_EFORMAT naming the problem, never a crash. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/model.h"
#include "test_model_build.h"

static void
expect_bits(float got, uint32_t want)
{
	uint32_t g;

	memcpy(&g, &got, 4);
	assert_int_equal(g, want);
}

/* Parse a hand-written header; expect a failure whose message holds each
 * of the given substrings. */
static void
expect_bad(const char *json, const void *data, size_t dlen, const char *needle1,
	   const char *needle2)
{
	size_t len;
	uint8_t *img = tb_raw(json, data, dlen, &len);
	st_file f;
	heed_err e = {""};

	assert_int_equal(st_parse(img, len, "x.safetensors", &f, &e), HEED_EFORMAT);
	if (strstr(e.msg, needle1) == NULL || (needle2 && strstr(e.msg, needle2) == NULL))
		fail_msg("message \"%s\" lacks \"%s\"/\"%s\"", e.msg, needle1,
		    needle2 ? needle2 : "");
	assert_non_null(strstr(e.msg, "x.safetensors"));
	assert_null(f.t);
	assert_int_equal(f.n, 0);
	free(img);
}

static void
test_f16_special(void **state)
{
	/* 2^-24, largest subnormal, -2^-24, +inf, -inf, 1, -2, 65504, 2^-14, -0 */
	static const uint16_t h[] = {
		0x0001, 0x03ff, 0x8001, 0x7c00, 0xfc00, 0x3c00, 0xc000, 0x7bff, 0x0400, 0x8000,
		0x7e00,
	};
	static const uint32_t want[] = {
		0x33800000, 0x387fc000, 0xb3800000, 0x7f800000, 0xff800000, 0x3f800000,
		0xc0000000, 0x477fe000, 0x38800000, 0x80000000,
	};
	uint8_t raw[sizeof h];
	float out[11];

	for (size_t i = 0; i < 11; i++) {
		raw[2 * i] = (uint8_t)h[i];
		raw[2 * i + 1] = (uint8_t)(h[i] >> 8);
	}
	st_to_f32(ST_F16, raw, out, 11);
	for (size_t i = 0; i < 10; i++)
		expect_bits(out[i], want[i]);
	assert_true(isnan(out[10]));
	assert_float_equal(out[1], 1023.0f / (1 << 24), 0.0f);
}

#ifdef __FLT16_MAX__
/* Every one of the 65536 half values against the compiler's conversion. */
static void
test_f16_exhaustive(void **state)
{
	uint8_t raw[2];
	float got, want;
	_Float16 h;

	for (uint32_t x = 0; x < 65536; x++) {
		uint16_t b = (uint16_t)x;
		raw[0] = (uint8_t)b;
		raw[1] = (uint8_t)(b >> 8);
		st_to_f32(ST_F16, raw, &got, 1);
		memcpy(&h, &b, 2);
		want = (float)h;
		if (isnan(want)) {
			assert_true(isnan(got));
			continue;
		}
		if (memcmp(&got, &want, 4) != 0)
			fail_msg("half 0x%04x: got %a, want %a", x, (double)got, (double)want);
	}
}

/* The same, converted in bulk: the vector path (F16C where the CPU has it)
 * takes runs of 8, the scalar one the tail, so start at an odd offset too. */
static void
test_f16_exhaustive_bulk(void **state)
{
	uint8_t *raw = malloc(2 * 65536 + 2);
	float *got = malloc(sizeof(float) * 65536);
	_Float16 h;

	for (size_t off = 0; off < 2; off++) {
		for (uint32_t x = 0; x < 65536; x++) {
			raw[2 * x + off] = (uint8_t)x;
			raw[2 * x + off + 1] = (uint8_t)(x >> 8);
		}
		st_to_f32(ST_F16, raw + off, got, 65536 - 3 * off);
		for (uint32_t x = 0; x < 65536 - 3 * off; x++) {
			uint16_t b = (uint16_t)x;
			float want;
			memcpy(&h, &b, 2);
			want = (float)h;
			if (isnan(want)) {
				assert_true(isnan(got[x]));
				continue;
			}
			if (memcmp(&got[x], &want, 4) != 0)
				fail_msg("half 0x%04x (offset %zu): got %a, want %a", x, off,
					 (double)got[x], (double)want);
		}
	}
	free(raw);
	free(got);
}
#endif

static void
test_bf16_special(void **state)
{
	static const uint8_t raw[] = {0x80, 0x3f, 0x80, 0x7f, 0x80, 0xff, 0x01, 0x00,
		0x49, 0xc0, 0xc0, 0x7f};
	float out[6];

	st_to_f32(ST_BF16, raw, out, 6);
	expect_bits(out[0], 0x3f800000);
	assert_true(isinf(out[1]) && out[1] > 0);
	assert_true(isinf(out[2]) && out[2] < 0);
	expect_bits(out[3], 0x00010000);  /* a float subnormal, kept */
	assert_float_equal(out[4], -3.140625f, 0.0f);
	assert_true(isnan(out[5]));
}

/* A file with odd offsets: the data is not aligned for floats. */
static void
test_roundtrip_unaligned(void **state)
{
	static const float f32[] = {1.5f, -2.25f, 3.0e-40f, 65536.0f, -0.0f, 7.0f};
	static const float f16[] = {0.5f, -0.75f, 2.0f};
	static const float bf[] = {1.0f, -8.0f};
	int64_t s32[] = {2, 3}, s16[] = {3}, sbf[] = {1, 2}, s1[] = {1};
	uint8_t one = 0x2a, *img;
	float out[6];
	size_t len;
	st_file f;
	heed_err e;
	tb b;

	tb_init(&b);
	tb_add(&b, "pad", "U8", 1, s1, &one, 1);
	tb_add_floats(&b, "w32", "F32", 2, s32, f32);
	tb_add_floats(&b, "w16", "F16", 1, s16, f16);
	tb_add_floats(&b, "wbf", "BF16", 2, sbf, bf);
	img = tb_image(&b, &len);
	assert_int_equal(st_parse(img, len, "t", &f, &e), HEED_OK);
	assert_int_equal(f.n, 3);  /* the U8 index tensor is checked, not listed */
	assert_null(st_find(&f, "pad"));
	assert_null(f.map);

	const st_tensor *t = st_find(&f, "w32");
	assert_non_null(t);
	assert_int_equal(t->dtype, ST_F32);
	assert_int_equal(t->ndim, 2);
	assert_int_equal(t->shape[0], 2);
	assert_int_equal(t->shape[1], 3);
	assert_int_equal(t->nbytes, 24);
	st_to_f32(t->dtype, t->data, out, 6);
	assert_memory_equal(out, f32, sizeof f32);
	/* and straight from an odd address */
	uint8_t odd[25];
	memcpy(odd + 1, t->data, 24);
	memset(out, 0, sizeof out);
	st_to_f32(ST_F32, odd + 1, out, 6);
	assert_memory_equal(out, f32, sizeof f32);

	t = st_find(&f, "w16");
	assert_int_equal(t->dtype, ST_F16);
	st_to_f32(t->dtype, t->data, out, 3);
	assert_memory_equal(out, f16, sizeof f16);

	t = st_find(&f, "wbf");
	assert_int_equal(t->dtype, ST_BF16);
	st_to_f32(t->dtype, t->data, out, 2);
	assert_memory_equal(out, bf, sizeof bf);
	st_close(&f);
	tb_free(&b);
	free(img);
}

static void
test_scalar_and_empty(void **state)
{
	static const char *json = "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
	    "\"z\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[4,4]},"
	    "\"__metadata__\":{\"format\":\"pt\"}}";
	float one = 1.0f;
	size_t len;
	uint8_t *img = tb_raw(json, &one, 4, &len);
	st_file f;
	heed_err e;

	assert_int_equal(st_parse(img, len, "t", &f, &e), HEED_OK);
	assert_int_equal(f.n, 2);
	assert_int_equal(st_find(&f, "s")->ndim, 0);
	assert_int_equal(st_find(&f, "z")->nbytes, 0);
	assert_null(st_find(&f, "__metadata__"));
	st_close(&f);
	free(img);
}

static void
test_bad_header_length(void **state)
{
	uint8_t img[16] = {0};
	st_file f;
	heed_err e;

	img[0] = 9;  /* 9 header bytes, 8 present */
	assert_int_equal(st_parse(img, 16, "h.st", &f, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "header length 9"));
	img[0] = 0;
	img[7] = 0x80;  /* 2^63 */
	assert_int_equal(st_parse(img, 16, "h.st", &f, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "does not fit"));
	assert_int_equal(st_parse(img, 7, "h.st", &f, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "too short"));
	memset(img, 0, 8);  /* zero-length header */
	assert_int_equal(st_parse(img, 16, "h.st", &f, &e), HEED_EFORMAT);
}

static void
test_bad_json(void **state)
{
	expect_bad("{\"a\": {\"dtype\": ", NULL, 0, "not valid JSON", NULL);
	expect_bad("[1, 2]", NULL, 0, "not a JSON object", NULL);
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
	    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
	    "12345678", 8, "not valid JSON", "duplicate");
	expect_bad("{\"a\": 3}", NULL, 0, "tensor a", "not an object");
	expect_bad("{\"\\u001b[2J\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
	    "1234", 4, "control characters", NULL);
	expect_bad("{\"a\": {\"shape\":[1],\"data_offsets\":[0,4]}}", "1234", 4, "a", "dtype");
}

static void
test_bad_dtype(void **state)
{
	expect_bad("{\"emb\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}",
	    "1234", 4, "emb", "unknown dtype \"Q4\"");
	expect_bad("{\"emb\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
	    "12345678", 8, "tensor emb has dtype F64", NULL);
}

static void
test_bad_shape(void **state)
{
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}",
	    "123456789012", 12, "tensor w", "span 12 bytes");
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
	    "1234", 4, "tensor w", "shape[0]");
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,4]}}",
	    "1234", 4, "5 dimensions", NULL);
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}",
	    "12345678", 8, "not an array", NULL);
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
	    "1234", 4, "shape[0]", NULL);
}

/* Products that wrap around 64 bits must not pass as small sizes. */
static void
test_shape_overflow(void **state)
{
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
	    "\"data_offsets\":[0,0]}}", NULL, 0, "tensor w", "overflows");
	/* 2^62 elements of 4 bytes: the count fits, the byte size does not */
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],"
	    "\"data_offsets\":[0,0]}}", NULL, 0, "tensor w", "span 0 bytes");
}

static void
test_bad_offsets(void **state)
{
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
	    "1234", 4, "tensor w", "outside the 4 data bytes");
	/* #22.19: reversed offsets say so, not "truncated file?" */
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}",
	    "1234", 4, "tensor w", "end before they begin");
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
	    "1234", 4, "tensor w", "data_offsets");
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
	    "1234", 4, "tensor w", "data_offsets");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
	    "123456789012", 12, "overlap", NULL);
	/* an empty tensor between them must not hide the overlap */
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	    "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
	    "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[6,10]}}",
	    "123456789012", 12, "tensors a and b overlap", NULL);
	expect_bad("{\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[2,6]},"
	    "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
	    "12345678", 8, "overlap", NULL);
}

/* Cutting the last byte off a real file leaves its last tensor short. */
static void
test_truncated_by_one(void **state)
{
	tiny_opts o = {.mlm = true};
	size_t len;
	uint8_t *img = tiny_image(&o, &len);
	st_file f;
	heed_err e;

	assert_int_equal(st_parse(img, len, "m", &f, &e), HEED_OK);
	st_close(&f);
	assert_int_equal(st_parse(img, len - 1, "m", &f, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "truncated"));
	free(img);
}

/* Random byte flips and truncations of a real image: every result is a
 * clean parse or HEED_EFORMAT, and a clean parse only points inside the
 * buffer (run under valgrind or ASan to catch stray reads). */
static void
test_mutations(void **state)
{
	tiny_opts o = {.prefix = "bert.", .mlm = true, .dtype = "F16"};
	size_t len, cut;
	uint8_t *img = tiny_image(&o, &len), *m = xmalloc(len);
	uint64_t seed = 0x9e3779b97f4a7c15u;
	st_file f;
	heed_err e;
	int rc;

	for (int it = 0; it < 3000; it++) {
		memcpy(m, img, len);
		for (int k = 0; k < 1 + it % 4; k++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			/* mostly the header, where the structure is */
			size_t at = (size_t)(seed >> 33) % (it % 3 ? 400 : len);
			m[at] = (uint8_t)(seed >> 17);
		}
		cut = it % 5 == 0 ? (size_t)(seed >> 40) % len : len;
		rc = st_parse(m, cut, "fuzz", &f, &e);
		assert_true(rc == HEED_OK || rc == HEED_EFORMAT);
		for (int i = 0; rc == HEED_OK && i < f.n; i++) {
			const uint8_t *d = f.t[i].data;
			assert_true(d >= m && d + f.t[i].nbytes <= m + cut);
		}
		if (rc == HEED_OK)
			st_close(&f);
	}
	free(m);
	free(img);
}

static void
test_open(void **state)
{
	char *dir = tmp_dir(), *path = xasprintf("%s/x.safetensors", dir);
	tiny_opts o = {.dtype = "F16"};
	size_t len;
	uint8_t *img = tiny_image(&o, &len);
	st_file f;
	heed_err e;

	assert_int_equal(st_open(path, &f, &e), HEED_EIO);
	assert_non_null(strstr(e.msg, path));
	write_file(dir, "x.safetensors", img, len);
	assert_int_equal(st_open(path, &f, &e), HEED_OK);
	assert_non_null(f.map);
	assert_int_equal(f.map_len, len);
	assert_int_equal(st_find(&f, "embeddings.word_embeddings.weight")->dtype, ST_F16);
	st_close(&f);
	write_file(dir, "x.safetensors", img, len - 1);
	assert_int_equal(st_open(path, &f, &e), HEED_EFORMAT);
	write_file(dir, "x.safetensors", img, 5);
	assert_int_equal(st_open(path, &f, &e), HEED_EFORMAT);
	assert_int_equal(st_open(dir, &f, &e), HEED_EIO);
	free(img);
	free(path);
	rm_tree(dir);
	free(dir);
}

/* Values written by numpy (tools/fixtures/make_model_fixtures.py): each
 * half/bfloat tensor beside the float32 values numpy converts it to. */
static void
test_numpy_fixture(void **state)
{
	static const char *const pairs[][2] = {{"f16", "f16_as_f32"}, {"bf16", "bf16_as_f32"}};
	st_file f;
	heed_err e;
	float a[512], b[512];

	if (st_open(HEED_TESTDIR "/fixtures/model/dtypes.safetensors", &f, &e) != HEED_OK)
		fail_msg("%s", e.msg);
	for (int i = 0; i < 2; i++) {
		const st_tensor *x = st_find(&f, pairs[i][0]), *y = st_find(&f, pairs[i][1]);
		size_t n = x->nbytes / 2;

		assert_non_null(x);
		assert_non_null(y);
		assert_true(n <= 512);
		assert_int_equal(y->nbytes, 4 * n);
		st_to_f32(x->dtype, x->data, a, n);
		st_to_f32(y->dtype, y->data, b, n);
		for (size_t k = 0; k < n; k++) {
			if (isnan(b[k]))
				assert_true(isnan(a[k]));
			else if (memcmp(&a[k], &b[k], 4) != 0)
				fail_msg("%s[%zu]: %a vs numpy %a", pairs[i][0], k,
				    (double)a[k], (double)b[k]);
		}
	}
	st_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f16_special),
#ifdef __FLT16_MAX__
		cmocka_unit_test(test_f16_exhaustive),
		cmocka_unit_test(test_f16_exhaustive_bulk),
#endif
		cmocka_unit_test(test_bf16_special),
		cmocka_unit_test(test_roundtrip_unaligned),
		cmocka_unit_test(test_scalar_and_empty),
		cmocka_unit_test(test_bad_header_length),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_dtype),
		cmocka_unit_test(test_bad_shape),
		cmocka_unit_test(test_shape_overflow),
		cmocka_unit_test(test_bad_offsets),
		cmocka_unit_test(test_truncated_by_one),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_numpy_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
