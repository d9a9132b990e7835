/* test_linear.c — packed linear layers: the layout round-trips every value
 * and every row,
 * and every kernel this CPU has (skipped: those it lacks; valgrind hides
 * AVX-512) multiplies like a double-precision
 * textbook loop, for shapes that are and are not multiples of the panel
 * and block sizes, for 1 to 20 input rows, in F32 and F16; splitting the
 * panels between calls changes no bit of the result. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "heed/util.h"
#include "linear_int.h"

typedef struct shape {
	int out, in;
} shape;

/* out and in not multiples of LIN_NR or LIN_KC, one and several blocks */
static const shape shapes[] = {
	{ 16, 256 }, { 8, 12 }, { 37, 300 }, { 48, 513 }, { 1, 1 }, { 96, 64 },
};

/* Deterministic values in [-1, 1) exactly representable as halves, so the
 * same matrix can be stored as F32 and as F16. */
static float
value(uint32_t seed, size_t i)
{
	uint32_t x = (uint32_t)(i * 2654435761u) ^ seed;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (float)((int)(x % 2048) - 1024) / 1024.0f;
}

static uint16_t
half_bits(float f)
{
	/* values are multiples of 2^-10 in [-1, 1): normal halves or zero */
	uint32_t bits;

	if (f == 0.0f)
		return 0;
	memcpy(&bits, &f, 4);
	return (uint16_t)((bits >> 16 & 0x8000) | (((bits >> 23 & 0xff) - 112) << 10) |
			  (bits >> 13 & 0x3ff));
}

typedef struct packed {
	lin_weight w;
	void *mem;
	float *plain;   /* [out][in] */
	float *bias;
} packed;

static void
pack(packed *p, shape s, lin_dtype dt)
{
	size_t n = (size_t)s.out * s.in;

	p->plain = xmalloc(sizeof(float) * n);
	p->bias = xmalloc(sizeof(float) * (size_t)s.out);
	for (size_t i = 0; i < n; i++)
		p->plain[i] = value(1, i);
	for (int o = 0; o < s.out; o++)
		p->bias[o] = value(2, (size_t)o);
	p->mem = util_big_alloc(lin_bytes(s.out, s.in, dt));
	lin_init(&p->w, s.out, s.in, dt, p->mem);
	for (int o = 0; o < s.out; o++) {
		if (dt == LIN_F32) {
			lin_set_row(&p->w, o, p->plain + (size_t)o * s.in);
		} else {
			uint8_t *row = xmalloc(2 * (size_t)s.in);
			for (int k = 0; k < s.in; k++) {
				uint16_t h = half_bits(p->plain[(size_t)o * s.in + k]);
				row[2 * k] = (uint8_t)h;
				row[2 * k + 1] = (uint8_t)(h >> 8);
			}
			lin_set_row_f16(&p->w, o, row);
			free(row);
		}
	}
}

static void
unpack(packed *p)
{
	util_big_free(p->mem, lin_bytes(p->w.out, p->w.in, p->w.dtype));
	free(p->plain);
	free(p->bias);
}

static void
check_layout(lin_dtype dt)
{
	for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
		packed p;
		pack(&p, shapes[si], dt);
		float *row = xmalloc(sizeof(float) * (size_t)p.w.in);
		for (int o = 0; o < p.w.out; o++) {
			for (int k = 0; k < p.w.in; k++)
				if (lin_at(&p.w, o, k) != p.plain[(size_t)o * p.w.in + k])
					fail_msg("%dx%d: W[%d][%d] = %g, stored %g", p.w.out, p.w.in, o,
						 k, (double)p.plain[(size_t)o * p.w.in + k],
						 (double)lin_at(&p.w, o, k));
			/* a whole row, as an embedding lookup reads it */
			lin_row(&p.w, o, row);
			assert_memory_equal(row, p.plain + (size_t)o * p.w.in, sizeof(float) * (size_t)p.w.in);
		}
		free(row);
		unpack(&p);
	}
}

static void
test_layout_f32(void **state)
{
	check_layout(LIN_F32);
}

static void
test_layout_f16(void **state)
{
	if (lin_storage(true) != LIN_F16)
		skip();
	check_layout(LIN_F16);
}

/* Every n from 1 to 20 against the double-precision loop; the tolerance is
 * float rounding of a sum of s.in products of size ≤ 1. */
static void
check_kernel(const lin_kernel *k, lin_dtype dt)
{
	for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
		shape s = shapes[si];
		packed p;
		pack(&p, s, dt);
		/* rows wider than in: the encoder's inputs have a row stride */
		size_t ldin = (size_t)s.in + 3, ldout = (size_t)s.out + 5;
		float *in = xmalloc(sizeof(float) * 20 * ldin);
		float *out = xmalloc(sizeof(float) * 20 * ldout);
		for (size_t i = 0; i < 20 * ldin; i++)
			in[i] = value(3, i);
		for (int n = 1; n <= 20; n++) {
			for (size_t i = 0; i < 20 * ldout; i++)
				out[i] = NAN;
			lin_apply_with(k, &p.w, in, ldin, n, p.bias, 0, lin_panels(&p.w), out, ldout);
			for (int r = 0; r < 20; r++)
				for (int o = 0; o < (int)ldout; o++) {
					float got = out[(size_t)r * ldout + o];
					if (r >= n || o >= s.out) {
						/* nothing outside the n × out block is written */
						if (!isnan(got))
							fail_msg("%s %dx%d n=%d: wrote out[%d][%d]", k->name,
								 s.out, s.in, n, r, o);
						continue;
					}
					double want = p.bias[o];
					for (int j = 0; j < s.in; j++)
						want += (double)in[(size_t)r * ldin + j] *
						    p.plain[(size_t)o * s.in + j];
					if (fabs(got - want) > 1e-6 * (s.in + 1))
						fail_msg("%s %dx%d n=%d: out[%d][%d] = %.8g, want %.8g",
							 k->name, s.out, s.in, n, r, o, (double)got, want);
				}
		}
		free(in);
		free(out);
		unpack(&p);
	}
}

static void
test_portable_f32(void **state)
{
	check_kernel(lin_kernel_portable(), LIN_F32);
}

static void
test_avx2_f32(void **state)
{
	if (lin_kernel_avx2() == NULL)
		skip();
	check_kernel(lin_kernel_avx2(), LIN_F32);
}

static void
test_avx2_f16(void **state)
{
	if (lin_kernel_avx2() == NULL || lin_kernel_avx2()->f16 == NULL)
		skip();
	check_kernel(lin_kernel_avx2(), LIN_F16);
}

/* The encoder gives each thread a run of panels; any cut, for any n, must
 * give the very bits of the whole. */
static void
test_avx512_f32(void **state)
{
	if (lin_kernel_avx512() == NULL)
		skip();
	check_kernel(lin_kernel_avx512(), LIN_F32);
}

static void
test_avx512_f16(void **state)
{
	if (lin_kernel_avx512() == NULL)
		skip();
	check_kernel(lin_kernel_avx512(), LIN_F16);
}

static void
test_split_is_bit_identical(void **state)
{
	shape s = { 80, 520 };
	packed p;
	int np, n = 13;

	pack(&p, s, LIN_F32);
	np = lin_panels(&p.w);
	float *in = xmalloc(sizeof(float) * (size_t)n * s.in);
	float *whole = xmalloc(sizeof(float) * (size_t)n * s.out);
	float *parts = xmalloc(sizeof(float) * (size_t)n * s.out);
	for (size_t i = 0; i < (size_t)n * s.in; i++)
		in[i] = value(4, i);
	lin_apply(&p.w, in, (size_t)s.in, n, p.bias, 0, np, whole, (size_t)s.out);
	for (int cut = 0; cut <= np; cut++) {
		memset(parts, 0, sizeof(float) * (size_t)n * s.out);
		lin_apply(&p.w, in, (size_t)s.in, n, p.bias, 0, cut, parts, (size_t)s.out);
		lin_apply(&p.w, in, (size_t)s.in, n, p.bias, cut, np, parts, (size_t)s.out);
		assert_memory_equal(whole, parts, sizeof(float) * (size_t)n * s.out);
	}
	free(in);
	free(whole);
	free(parts);
	unpack(&p);
}

/* More rows than a row block (LIN_MC), as a calibration batch has: every
 * row's result is the very bits it gets alone, whichever block and tile
 * it falls in (enc_run_batch promises each sentence its lone numbers). */
static void
test_rows_are_independent(void **state)
{
	shape s = { 40, 300 };
	packed p;
	int n = 2 * LIN_MC + 7;

	pack(&p, s, lin_storage(true));
	float *in = xmalloc(sizeof(float) * (size_t)n * s.in);
	float *all = xmalloc(sizeof(float) * (size_t)n * s.out);
	float one[40];
	for (size_t i = 0; i < (size_t)n * s.in; i++)
		in[i] = value(5, i);
	lin_apply(&p.w, in, (size_t)s.in, n, p.bias, 0, lin_panels(&p.w), all, (size_t)s.out);
	for (int r = 0; r < n; r++) {
		lin_apply(&p.w, in + (size_t)r * s.in, (size_t)s.in, 1, p.bias, 0,
			  lin_panels(&p.w), one, (size_t)s.out);
		assert_memory_equal(one, all + (size_t)r * s.out, sizeof one);
	}
	free(in);
	free(all);
	unpack(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_f32),
		cmocka_unit_test(test_layout_f16),
		cmocka_unit_test(test_portable_f32),
		cmocka_unit_test(test_avx2_f32),
		cmocka_unit_test(test_avx2_f16),
		cmocka_unit_test(test_avx512_f32),
		cmocka_unit_test(test_avx512_f16),
		cmocka_unit_test(test_split_is_bit_identical),
		cmocka_unit_test(test_rows_are_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
