/* test_enc_math.c — the encoder's own exp and erf against double-precision
 * libm, and the kernels built on them against the textbook formulas. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "encoder_int.h"

/* Every float in [lo, hi] would take long; a dense, uneven grid plus the
 * edges finds a bad coefficient or a wrong range reduction all the same. */
static void
test_expf_relative_error(void **state)
{
	double worst = 0.0, at = 0.0;

	for (double x = -87.0; x <= 88.0; x += 0.000731) {
		double want = exp((double)(float)x), got = enc_expf((float)x);
		double rel = fabs(got - want) / want;
		if (rel > worst)
			worst = rel, at = x;
	}
	if (worst > 2e-7)
		fail_msg("enc_expf: relative error %.3g at %.6f", worst, at);
	assert_true(enc_expf(0.0f) == 1.0f);
	/* softmax only feeds it x <= 0; far below, 0 for every purpose */
	assert_true(enc_expf(-1000.0f) >= 0.0f && enc_expf(-1000.0f) < 1e-37f);
	assert_true(enc_expf(-INFINITY) < 1e-37f);
	/* a NaN goes through as NaN (and, in the sanitizer build, without an
	 * undefined float-to-int conversion: fuzz_calib found one) */
	assert_true(isnan(enc_expf(NAN)));
}

static void
test_erff_absolute_error(void **state)
{
	double worst = 0.0, at = 0.0;

	for (double x = -12.0; x <= 12.0; x += 0.000317) {
		double err = fabs((double)enc_erff((float)x) - erf((double)(float)x));
		if (err > worst)
			worst = err, at = x;
	}
	if (worst > 5e-7)
		fail_msg("enc_erff: absolute error %.3g at %.6f", worst, at);
	assert_true(enc_erff(0.0f) == 0.0f);
	assert_true(enc_erff(INFINITY) == 1.0f && enc_erff(-INFINITY) == -1.0f);
}

/* GELU through enc_activate, over lengths that exercise the vector body
 * and every possible tail. */
static void
test_gelu_matches_formula(void **state)
{
	float v[67];

	for (int n = 1; n <= 67; n += 11) {
		for (int i = 0; i < n; i++)
			v[i] = -6.0f + 12.0f * (float)i / (float)n + 0.01f * (float)n;
		float in[67];
		memcpy(in, v, sizeof(float) * (size_t)n);
		enc_activate(MODEL_ACT_GELU, v, (size_t)n);
		for (int i = 0; i < n; i++) {
			double x = in[i], want = 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
			if (fabs(v[i] - want) > 3e-6 * (1.0 + fabs(want)))
				fail_msg("gelu(%g) = %.9g, want %.9g (n %d)", x, (double)v[i], want, n);
		}
	}
}

static void
test_softmax_matches_formula(void **state)
{
	float v[1031];
	double want[1031];

	for (int n = 1; n <= 1031; n = n * 3 + 1) {
		double mx = -INFINITY, sum = 0.0;
		for (int j = 0; j < n; j++) {
			v[j] = (float)(20.0 * sin(j * 1.7) - (j % 7) * 3.0);
			mx = fmax(mx, v[j]);
		}
		for (int j = 0; j < n; j++)
			sum += want[j] = exp(v[j] - mx);
		enc_softmax(v, n);
		double total = 0.0;
		for (int j = 0; j < n; j++) {
			if (fabs(v[j] - want[j] / sum) > 1e-6)
				fail_msg("softmax n %d, j %d: %.9g, want %.9g", n, j, (double)v[j],
					 want[j] / sum);
			total += v[j];
		}
		assert_true(fabs(total - 1.0) < 1e-5);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expf_relative_error),
		cmocka_unit_test(test_erff_absolute_error),
		cmocka_unit_test(test_gelu_matches_formula),
		cmocka_unit_test(test_softmax_matches_formula),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
