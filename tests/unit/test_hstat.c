/* test_hstat.c — one head's figures and category on matrices whose
 * answers are known by hand, the token kinds from a real vocabulary, and
 * the thresholds at their edges. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "heed/hstat.h"

enum { N = 5 };
/* [CLS] the cat . [SEP] */
static const uint8_t kinds[N] = { HSTAT_TOK_CLS, 0, 0, HSTAT_TOK_PUNCT, HSTAT_TOK_SEP };

static void
test_previous_token_head(void **state)
{
	float a[N * N] = { 0 };
	hstat s;

	/* row 0 on itself, every other row wholly on the token before */
	a[0] = 1;
	for (int i = 1; i < N; i++)
		a[i * N + i - 1] = 1;
	hstat_head(a, N, kinds, NULL, &s);
	assert_float_equal(s.v[HSTAT_PREV], 1.0, 1e-9);
	assert_float_equal(s.v[HSTAT_NEXT], 0.0, 1e-9);
	assert_float_equal(s.v[HSTAT_SELF], 1.0 / N, 1e-9);
	/* rows 0 and 1 put their weight on [CLS]; row 4 on the full stop */
	assert_float_equal(s.v[HSTAT_CLS], 2.0 / N, 1e-9);
	assert_float_equal(s.v[HSTAT_PUNCT], 1.0 / N, 1e-9);
	assert_float_equal(s.v[HSTAT_SEP], 0.0, 1e-9);
	assert_float_equal(s.v[HSTAT_ENTROPY], 0.0, 1e-9);
	assert_float_equal(s.v[HSTAT_MAX], 1.0, 1e-9);
	assert_true(isnan(s.v[HSTAT_DEP]));
	assert_int_equal(s.cat, HCAT_PREV);
}

static void
test_uniform_is_broad_and_sink(void **state)
{
	float a[N * N];
	hstat s;

	for (int k = 0; k < N * N; k++)
		a[k] = 1.0f / N;
	hstat_head(a, N, kinds, a, &s);
	assert_float_equal(s.v[HSTAT_ENTROPY], log(N), 1e-6);
	assert_float_equal(s.v[HSTAT_PREV], 1.0 / N, 1e-6);
	assert_float_equal(s.v[HSTAT_MAX], 1.0 / N, 1e-6);
	/* its own average: no input dependence at all */
	assert_float_equal(s.v[HSTAT_DEP], 0.0, 1e-9);
	/* cls + sep + punct = 3/5 >= 0.5: a sink before it is broad */
	assert_int_equal(s.cat, HCAT_SINK);
	/* with no special tokens it is broad */
	uint8_t none[N] = { 0 };
	hstat_head(a, N, none, NULL, &s);
	assert_int_equal(s.cat, HCAT_BROAD);
}

static void
test_dependence_is_jsd(void **state)
{
	/* two tokens: rows (1, 0) against the average (1/2, 1/2): JSD of
	 * (1,0) and (1/2,1/2) = 1/2 [ln(4/3)] + 1/2 [1/2 ln(2/3) + 1/2 ln 2] */
	float a[4] = { 1, 0, 1, 0 }, avg[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
	uint8_t k[2] = { 0, 0 };
	double jsd = 0.5 * log(4.0 / 3.0) + 0.5 * (0.5 * log(2.0 / 3.0) + 0.5 * log(2.0));
	hstat s;

	hstat_head(a, 2, k, avg, &s);
	assert_float_equal(s.v[HSTAT_DEP], jsd, 1e-6);
}

static void
test_thresholds(void **state)
{
	hstat s = { { 0 }, HCAT_MIXED };

	s.v[HSTAT_SELF] = HSTAT_SHARE_MIN;
	assert_int_equal(hstat_category(&s, 10), HCAT_SELF);
	s.v[HSTAT_SELF] = HSTAT_SHARE_MIN - 0.01;
	assert_int_equal(hstat_category(&s, 10), HCAT_MIXED);
	/* the largest share wins */
	s.v[HSTAT_NEXT] = 0.6;
	s.v[HSTAT_SELF] = 0.3;
	assert_int_equal(hstat_category(&s, 10), HCAT_NEXT);
	s.v[HSTAT_CLS] = 0.3;
	s.v[HSTAT_SEP] = 0.3;
	s.v[HSTAT_PUNCT] = 0.1;
	assert_int_equal(hstat_category(&s, 10), HCAT_SINK);
	memset(s.v, 0, sizeof s.v);
	s.v[HSTAT_ENTROPY] = HSTAT_BROAD_MIN * log(10.0);
	assert_int_equal(hstat_category(&s, 10), HCAT_BROAD);
	s.v[HSTAT_ENTROPY] = HSTAT_BROAD_MIN * log(10.0) - 0.01;
	assert_int_equal(hstat_category(&s, 10), HCAT_MIXED);
}

static void
test_names(void **state)
{
	for (int c = 0; c < HSTAT_COUNT; c++)
		assert_int_equal(hstat_col_parse(hstat_col_name(c)), c);
	for (int c = 0; c < HCAT_COUNT; c++)
		assert_int_equal(hstat_cat_parse(hstat_cat_name(c)), c);
	assert_int_equal(hstat_col_parse("nope"), -1);
	assert_int_equal(hstat_cat_parse("prev"), HCAT_PREV);
	assert_int_equal(hstat_cat_badge(HCAT_SINK), 'k');
}

static void
test_token_kinds(void **state)
{
	static const char vocab[] =
	    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n.\n,\nthe\n##.\n\xc2\xbf\n-\n\xe2\x80\x94\nx.\n";
	tok_vocab *v;
	heed_err e;
	int ids[] = { 2, 7, 5, 6, 8, 9, 10, 11, 12, 4, 3 };
	uint8_t k[11];

	assert_int_equal(tok_vocab_parse(vocab, strlen(vocab), &v, &e), HEED_OK);
	hstat_token_kinds(v, ids, 11, k);
	assert_int_equal(k[0], HSTAT_TOK_CLS);
	assert_int_equal(k[1], 0);
	for (int i = 2; i <= 7; i++)   /* . , ##. ¿ - — */
		assert_int_equal(k[i], HSTAT_TOK_PUNCT);
	assert_int_equal(k[8], 0);     /* x. is a word */
	assert_int_equal(k[9], 0);     /* [MASK] is not punctuation */
	assert_int_equal(k[10], HSTAT_TOK_SEP);
	tok_vocab_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_previous_token_head),
		cmocka_unit_test(test_uniform_is_broad_and_sink),
		cmocka_unit_test(test_dependence_is_jsd),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_token_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
