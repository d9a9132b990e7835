/* test_ui_derive.c — rollout, cosine, thumbnails, ranks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "derive.h"

static void
test_rollout_identity_and_uniform(void **state)
{
	enum { L = 3, H = 2, N = 3 };
	float attn[L * H * N * N], out[L * N * N], tmp[2 * N * N];

	/* Every head attends to itself: rollout stays the identity. */
	for (int lh = 0; lh < L * H; lh++)
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				attn[lh * N * N + i * N + j] = i == j;
	derive_rollout(attn, L, H, N, out, tmp);
	for (int l = 0; l < L; l++)
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				assert_float_equal(out[l * N * N + i * N + j], i == j, 1e-6);
	/* Uniform attention: layer 0 is (U + I)/2; rows stay distributions and
	 * mixing moves every row toward uniform. */
	for (int k = 0; k < L * H * N * N; k++)
		attn[k] = 1.0f / N;
	derive_rollout(attn, L, H, N, out, tmp);
	assert_float_equal(out[0], 0.5 + 0.5 / N, 1e-6);
	assert_float_equal(out[1], 0.5 / N, 1e-6);
	for (int l = 0; l < L; l++)
		for (int i = 0; i < N; i++) {
			double s = 0;

			for (int j = 0; j < N; j++)
				s += out[l * N * N + i * N + j];
			assert_float_equal(s, 1.0, 1e-5);
		}
	/* R1 = A' R0: diagonal (1/2 + 1/6)^2 + 2 (1/6)^2 = 1/2 - 1/18... computed: */
	double d = (0.5 + 0.5 / N), o = 0.5 / N;
	assert_float_equal(out[N * N + 0], d * d + 2 * o * o, 1e-6);
	assert_float_equal(out[N * N + 1], 2 * d * o + o * o, 1e-6);
}

static void
test_rollout_mixes_heads(void **state)
{
	enum { L = 1, H = 2, N = 2 };
	/* head 0 looks at token 0, head 1 at token 1 */
	float attn[] = { 1, 0, 1, 0,   0, 1, 0, 1 };
	float out[N * N], tmp[2 * N * N];

	derive_rollout(attn, L, H, N, out, tmp);
	assert_float_equal(out[0], 0.75, 1e-6);   /* (0.5 + 1) / 2 */
	assert_float_equal(out[1], 0.25, 1e-6);
	assert_float_equal(out[2], 0.25, 1e-6);
	assert_float_equal(out[3], 0.75, 1e-6);
}

static void
test_cosine(void **state)
{
	float a[] = { 1, 0, 0, 2 }, b[] = { 2, 0, 0, -1 }, z[] = { 0, 0, 0, 0 };

	assert_float_equal(derive_cosine(a, a, 2, 2), 1.0, 1e-9);
	assert_float_equal(derive_cosine(a, b, 2, 2), 0.0, 1e-9);   /* (1 + -1) / 2 */
	assert_float_equal(derive_cosine(z, z, 2, 2), 1.0, 1e-9);
	assert_float_equal(derive_cosine(a, z, 2, 2), 0.0, 1e-9);
}

static void
test_downsample_and_max(void **state)
{
	float m[16], out[16];

	for (int i = 0; i < 16; i++)
		m[i] = (float)i;
	derive_downsample(m, 4, 2, 2, out);
	assert_float_equal(out[0], (0 + 1 + 4 + 5) / 4.0, 1e-6);
	assert_float_equal(out[3], (10 + 11 + 14 + 15) / 4.0, 1e-6);
	float big[64];
	derive_downsample(m, 4, 8, 8, big);   /* upsampling repeats each value 2 x 2 */
	assert_float_equal(big[0], 0, 1e-6);
	assert_float_equal(big[1], 0, 1e-6);
	assert_float_equal(big[2], 1, 1e-6);
	assert_float_equal(big[8 + 7], 3, 1e-6);
	assert_float_equal(big[63], 15, 1e-6);
	assert_float_equal(derive_max(m, 16), 15, 0);
	float s[] = { 0.1f, -0.7f, 0.3f };
	assert_float_equal(derive_maxabs(s, 3), 0.7, 1e-6);
}

static void
test_rank_and_order(void **state)
{
	int ids[] = { 7, 3, 9 }, order[4];
	double v[] = { 0.5, -1, 0.5, 0.2 };

	assert_int_equal(derive_rank(9, ids, 3), 2);
	assert_int_equal(derive_rank(4, ids, 3), -1);
	int rank[4];
	derive_ranks(v, 4, order, rank);          /* ties share the lower rank */
	assert_int_equal(rank[0], 2);
	assert_int_equal(rank[1], 0);
	assert_int_equal(rank[2], 2);
	assert_int_equal(rank[3], 1);
	derive_order(v, 4, order);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 0);   /* stable among equals */
	assert_int_equal(order[3], 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollout_identity_and_uniform),
		cmocka_unit_test(test_rollout_mixes_heads),
		cmocka_unit_test(test_cosine),
		cmocka_unit_test(test_downsample_and_max),
		cmocka_unit_test(test_rank_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
