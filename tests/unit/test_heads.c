/* test_heads.c — non-input head modes (src/encoder/heads.c): the PAPA
 * gather, Dense and Random Synthesizer rows, uniform rows, the Random
 * Synthesizer's generator against tools/reference/random_synth.py, and the
 * head-mode preset parser.
 */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "heed/calib.h"
#include "heed/enc.h"

enum { LAYERS = 2, HEADS = 3, HIDDEN = 8, LAYOUT = 6, RANK = 4 };

static const model_config cfg = {
	.arch = MODEL_ARCH_BERT, .vocab_size = 100, .hidden = HIDDEN, .layers = LAYERS,
	.heads = HEADS, .ffn = 16, .max_pos = 32, .max_tokens = 32, .type_vocab = 2, .ln_eps = 1e-12f,
	.act = MODEL_ACT_GELU, .lowercase = true,
};

static uint64_t lcg = 42;

static float
frand(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((lcg >> 40) & 0xffffff) / (float)0x1000000;
}

/* A calibration with random positive sums, counts of 1..3, fitted-looking
 * synthesizer weights and jsd stats 0.5, 0.1, 0.9, ... */
static calib *
make_calib(void)
{
	calib *c = calib_new(&cfg, LAYOUT, RANK);
	size_t nh = (size_t)LAYERS * HEADS, ll = (size_t)LAYOUT * LAYOUT;

	for (size_t k = 0; k < nh * ll; k++)
		c->sum[k] = frand();
	for (size_t k = 0; k < ll; k++)
		c->count[k] = 1 + (double)(k % 3);
	for (size_t k = 0; k < nh * RANK * HIDDEN; k++)
		c->syn_w1[k] = frand() - 0.5f;
	for (size_t k = 0; k < nh * RANK; k++)
		c->syn_b1[k] = frand() - 0.5f;
	for (size_t k = 0; k < nh * LAYOUT * RANK; k++)
		c->syn_w2[k] = 2.0f * frand() - 1.0f;
	for (size_t k = 0; k < nh * LAYOUT; k++)
		c->syn_b2[k] = frand();
	c->has_synth = true;
	for (size_t k = 0; k < nh; k++)
		c->stats[k].jsd = (double)((k * 7) % nh) / 10.0;
	calib_finish(c);
	return c;
}

static void
test_mode_names(void **state)
{
	head_mode m;

	(void)state;
	for (int i = 0; i < HEAD_MODE_COUNT; i++) {
		char badge[2] = { enc_mode_badge((head_mode)i), 0 };
		assert_int_equal(enc_mode_parse(enc_mode_name((head_mode)i), &m), HEED_OK);
		assert_int_equal(m, i);
		assert_int_equal(enc_mode_parse(badge, &m), HEED_OK);
		assert_int_equal(m, i);
	}
	assert_string_equal(enc_mode_name(HEAD_SYNTH_DENSE), "dense");
	assert_int_equal(enc_mode_badge(HEAD_SYNTH_RANDOM), 'R');
	assert_int_equal(enc_mode_parse("bogus", &m), HEED_EINVAL);
	assert_int_equal(enc_mode_parse("", &m), HEED_EINVAL);
	assert_true(enc_mode_needs_calib(HEAD_AVERAGE));
	assert_true(enc_mode_needs_calib(HEAD_SYNTH_DENSE));
	assert_false(enc_mode_needs_calib(HEAD_SYNTH_RANDOM));
	assert_false(enc_mode_needs_calib(HEAD_UNIFORM));
}

/* Golden values: tools/reference/random_synth.py 0x68656564 1 2 5, and
 * 7 0 0 3, and elements of 12345 11 11 128. */
static const float golden5[25] = {
	1.2397060e+00f, -1.9623589e+00f, -6.7287561e-01f, -1.4611296e+00f, 1.1271511e+00f,
	-1.1187503e-01f, 5.5804160e-01f, -9.5193737e-01f, -8.1660085e-01f, -2.7165087e-01f,
	2.2204844e+00f, 1.3169603e+00f, 1.5372466e-01f, -2.4813009e-01f, -8.3283379e-01f,
	-2.1011502e+00f, -1.5088791e+00f, 8.8286519e-01f, 2.8642800e-01f, 8.4657104e-01f,
	-8.6095794e-01f, 1.6767581e-01f, 7.0485274e-01f, 1.0329626e+00f, -6.4247258e-01f,
};
static const float golden3[9] = {
	-3.9226082e-01f, 1.1542358e+00f, 1.7670044e+00f,
	-1.5931112e+00f, -8.2677799e-01f, 1.2230565e+00f,
	-7.9785216e-01f, -6.1645179e-01f, 1.5575065e+00f,
};

static void
assert_close(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.9g, want %.9g (tolerance %g)", got, want, tol);
}

static void
test_random_golden(void **state)
{
	float a[25], b[25], *big = malloc(sizeof(float) * 128 * 128);
	static const struct { int e; float v; } g128[] = {
		{ 0, -4.9058410e-01f }, { 1, -4.3027058e-01f }, { 2, 2.7454175e-02f },
		{ 5000, 1.3732530e+00f }, { 16382, 3.0753269e-03f }, { 16383, -1.5559989e+00f },
	};

	(void)state;
	enc_random_logits(0x68656564ULL, 1, 2, 5, a);
	enc_random_logits(0x68656564ULL, 1, 2, 5, b);
	assert_memory_equal(a, b, sizeof a);
	for (int k = 0; k < 25; k++)
		assert_close(a[k], golden5[k], 1e-6);
	enc_random_logits(7, 0, 0, 3, a);
	for (int k = 0; k < 9; k++)
		assert_close(a[k], golden3[k], 1e-6);
	enc_random_logits(12345, 11, 11, 128, big);
	for (size_t k = 0; k < sizeof g128 / sizeof g128[0]; k++)
		assert_close(big[g128[k].e], g128[k].v, 1e-6);
	/* another head draws another matrix */
	enc_random_logits(12345, 11, 10, 128, big + 0);
	assert_true(fabsf(big[0] - g128[0].v) > 1e-3f);
	free(big);
}

static void
softmax(float *v, int n)
{
	double s = 0.0;
	float mx = v[0];

	for (int j = 1; j < n; j++)
		mx = v[j] > mx ? v[j] : mx;
	for (int j = 0; j < n; j++)
		s += exp(v[j] - mx);
	for (int j = 0; j < n; j++)
		v[j] = (float)(exp(v[j] - mx) / s);
}

/* Random mode: row-softmax of the logits gathered at p(0..n-1), with and
 * without a calibration file. */
static void
test_random_row(void **state)
{
	calib *c = make_calib();
	float R[LAYOUT * LAYOUT], row[LAYOUT], want[LAYOUT];

	(void)state;
	enc_random_logits(CALIB_DEFAULT_SEED, 1, 2, LAYOUT, R);
	for (int n = 1; n <= LAYOUT; n++)
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < n; j++)
				want[j] = R[calib_slot(i, n, LAYOUT) * LAYOUT + calib_slot(j, n, LAYOUT)];
			softmax(want, n);
			enc_mode_row(HEAD_SYNTH_RANDOM, NULL, LAYOUT, 1, 2, n, i, NULL, row);
			for (int j = 0; j < n; j++)
				assert_close(row[j], want[j], 1e-6);
			enc_mode_row(HEAD_SYNTH_RANDOM, c, 99, 1, 2, n, i, NULL, row);
			for (int j = 0; j < n; j++)
				assert_close(row[j], want[j], 1e-6);
		}
	calib_free(c);
}

static void
test_average_gather(void **state)
{
	calib *c = make_calib();
	float row[LAYOUT];
	const int ns[] = { 1, 2, 3, 5, LAYOUT };

	(void)state;
	for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		int n = ns[t];
		for (int i = 0; i < n; i++) {
			int lh = 1 * HEADS + 2, pi = calib_slot(i, n, LAYOUT);
			double want[LAYOUT], sum = 0.0;
			for (int j = 0; j < n; j++) {
				size_t k = ((size_t)lh * LAYOUT + pi) * LAYOUT + calib_slot(j, n, LAYOUT);
				want[j] = c->sum[k] / c->count[k - (size_t)lh * LAYOUT * LAYOUT];
				sum += want[j];
			}
			enc_mode_row(HEAD_AVERAGE, c, LAYOUT, 1, 2, n, i, NULL, row);
			for (int j = 0; j < n; j++)
				assert_close(row[j], want[j] / sum, 1e-6);
		}
	}
	/* a slot pair no sentence reached: uniform, not NaN */
	memset(c->avg, 0, sizeof(float) * LAYOUT * LAYOUT);
	enc_mode_row(HEAD_AVERAGE, c, LAYOUT, 0, 0, 4, 1, NULL, row);
	for (int j = 0; j < 4; j++)
		assert_close(row[j], 0.25, 1e-7);
	calib_free(c);
}

static void
test_dense_row(void **state)
{
	calib *c = make_calib();
	float x[HIDDEN], row[LAYOUT], want[LAYOUT], hbuf[RANK];
	int l = 1, h = 1, lh = l * HEADS + h, n = 4;

	(void)state;
	for (int k = 0; k < HIDDEN; k++)
		x[k] = frand() * 2.0f - 1.0f;
	for (int r = 0; r < RANK; r++) {
		double a = c->syn_b1[lh * RANK + r];
		for (int k = 0; k < HIDDEN; k++)
			a += c->syn_w1[(lh * RANK + r) * HIDDEN + k] * x[k];
		hbuf[r] = a > 0 ? (float)a : 0.0f;
	}
	for (int j = 0; j < n; j++) {
		int s = calib_slot(j, n, LAYOUT);
		double a = c->syn_b2[lh * LAYOUT + s];
		for (int r = 0; r < RANK; r++)
			a += c->syn_w2[(lh * LAYOUT + s) * RANK + r] * hbuf[r];
		want[j] = (float)a;
	}
	softmax(want, n);
	enc_mode_row(HEAD_SYNTH_DENSE, c, LAYOUT, l, h, n, 2, x, row);
	for (int j = 0; j < n; j++)
		assert_close(row[j], want[j], 1e-5);
	calib_free(c);
}

/* Every mode, every length (past L too), every row: a distribution. */
static void
test_rows_sum_to_one(void **state)
{
	calib *c = make_calib();
	float x[HIDDEN], row[LAYOUT + 4];

	(void)state;
	for (int k = 0; k < HIDDEN; k++)
		x[k] = frand();
	for (int m = HEAD_AVERAGE; m < HEAD_MODE_COUNT; m++)
		for (int n = 1; n <= LAYOUT + 4; n++)
			for (int i = 0; i < n; i++)
				for (int lh = 0; lh < LAYERS * HEADS; lh++) {
					double s = 0.0;
					enc_mode_row((head_mode)m, c, LAYOUT, lh / HEADS, lh % HEADS, n, i, x, row);
					for (int j = 0; j < n; j++) {
						assert_true(row[j] >= 0.0f);
						s += row[j];
					}
					assert_close(s, 1.0, 1e-5);
				}
	calib_free(c);
}

static void
expect_ok(const char *spec, const calib *c, uint8_t *modes)
{
	heed_err e = { "" };

	if (enc_modes_parse(spec, LAYERS, HEADS, c, modes, &e) != HEED_OK)
		fail_msg("'%s' rejected: %s", spec, e.msg);
}

static void
expect_code(const char *spec, const calib *c, int code, const char *needle)
{
	uint8_t modes[LAYERS * HEADS] = { 0 }, before[LAYERS * HEADS] = { 0 };
	heed_err e = { "" };

	modes[4] = before[4] = HEAD_UNIFORM;
	assert_int_equal(enc_modes_parse(spec, LAYERS, HEADS, c, modes, &e), code);
	if (strstr(e.msg, needle) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", spec, e.msg, needle);
	assert_memory_equal(modes, before, sizeof modes);
}

/* A spec the user got wrong (exit 1). */
static void
expect_err(const char *spec, const calib *c, const char *needle)
{
	expect_code(spec, c, HEED_EINVAL, needle);
}

static void
test_presets(void **state)
{
	calib *c = make_calib();
	uint8_t m[LAYERS * HEADS] = { 0 };
	int order[LAYERS * HEADS];

	(void)state;
	expect_ok("all=average", c, m);
	for (int k = 0; k < LAYERS * HEADS; k++)
		assert_int_equal(m[k], HEAD_AVERAGE);
	expect_ok("input, L2=dense ,L1H3=uniform", c, m);
	assert_memory_equal(m, ((uint8_t[]){ 0, 0, HEAD_UNIFORM, HEAD_SYNTH_DENSE,
	    HEAD_SYNTH_DENSE, HEAD_SYNTH_DENSE }), sizeof m);
	expect_ok("input,l1h1=R", NULL, m);
	assert_int_equal(m[0], HEAD_SYNTH_RANDOM);

	/* jsd = (k*7 % 6)/10: 0, .1, .2, .3, .4, .5 for heads 0, 1, 2, 3, 4, 5 */
	enc_rank_heads(c, order);
	for (int k = 1; k < LAYERS * HEADS; k++)
		assert_true(c->stats[order[k - 1]].jsd <= c->stats[order[k]].jsd);
	expect_ok("input,papa-half", c, m);
	for (int k = 0; k < LAYERS * HEADS; k++)
		assert_int_equal(m[order[k]], k < LAYERS * HEADS / 2 ? HEAD_AVERAGE : HEAD_INPUT);
	expect_ok("input,top2=uniform", c, m);
	for (int k = 0; k < LAYERS * HEADS; k++)
		assert_int_equal(m[order[k]], k < 2 ? HEAD_UNIFORM : HEAD_INPUT);

	expect_err("L3=average", c, "layer 3 out of range 1..2");
	expect_err("L1H4=average", c, "head 4 out of range 1..3");
	expect_err("L0=average", c, "layer 0");
	/* #22.8: H0 once meant the whole layer */
	expect_err("L1H0=uniform", c, "'L1H0=uniform': head 0 out of range 1..3");
	expect_err("L1H00=uniform", c, "'L1H00=uniform': head 0 out of range 1..3");
	expect_err("L1H=uniform", c, "expected a head number after 'H'");
	expect_err("all=sideways", c, "unknown head mode 'sideways'");
	/* modes the calibration cannot serve: the file's fault (exit 2) */
	expect_code("all=average", NULL, HEED_ENOCALIB, "needs a calibration file");
	expect_code("papa-half", NULL, HEED_ENOCALIB, "needs a calibration file");
	expect_err("top0=average", c, "topK");
	expect_err("L1X=average", c, "unexpected 'X'");
	expect_err("everything", c, "not a head-mode spec");
	expect_err("L1=uniform,bogus=input", c, "bogus");
	c->has_synth = false;
	expect_code("L1=dense", c, HEED_ENOCALIB, "no dense synthesizers");
	calib_free(c);
}

static void
test_preset_file(void **state)
{
	calib *c = make_calib();
	char dir[] = "/tmp/heed-test-heads-XXXXXX", path[64], *text;
	uint8_t m[LAYERS * HEADS] = { HEAD_UNIFORM, HEAD_SYNTH_RANDOM, 0, HEAD_AVERAGE,
		HEAD_AVERAGE, HEAD_AVERAGE };
	uint8_t back[LAYERS * HEADS] = { HEAD_UNIFORM, HEAD_UNIFORM, HEAD_UNIFORM,
		HEAD_UNIFORM, HEAD_UNIFORM, HEAD_UNIFORM };
	FILE *f;
	heed_err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/p.modes", dir);
	assert_int_equal(enc_modes_save(path, m, LAYERS, HEADS, &e), HEED_OK);
	assert_int_equal(util_read_file(path, &text, NULL, &e), HEED_OK);
	assert_non_null(strstr(text, "L2=average"));
	assert_non_null(strstr(text, "L1H2=random"));
	free(text);
	expect_ok(path, c, back);
	assert_memory_equal(back, m, sizeof m);

	f = fopen(path, "w");
	fputs("# comment line\n\nL1=uniform   # trailing comment\nL2H2=bogus\n", f);
	fclose(f);
	expect_err(path, c, ":4: 'L2H2=bogus': unknown head mode");
	unlink(path);

	/* a file named like a keyword does not shadow the keyword */
	{
		char cwd[512];
		assert_non_null(getcwd(cwd, sizeof cwd));
		assert_int_equal(chdir(dir), 0);
		f = fopen("input", "w");
		fputs("all=uniform\n", f);
		fclose(f);
		expect_ok("input", c, back);
		for (int k = 0; k < LAYERS * HEADS; k++)
			assert_int_equal(back[k], HEAD_INPUT);
		/* ... but enc_modes_load (the explorer's L) reads the file */
		assert_int_equal(enc_modes_load("input", LAYERS, HEADS, c, back, &e), HEED_OK);
		for (int k = 0; k < LAYERS * HEADS; k++)
			assert_int_equal(back[k], HEAD_UNIFORM);
		unlink("input");
		/* a missing file is an error that changes nothing */
		back[0] = HEAD_INPUT;
		assert_true(enc_modes_load("input", LAYERS, HEADS, c, back, &e) < 0);
		assert_non_null(strstr(e.msg, "input"));
		assert_int_equal(back[0], HEAD_INPUT);
		assert_int_equal(back[1], HEAD_UNIFORM);
		assert_int_equal(chdir(cwd), 0);
	}
	rmdir(dir);
	calib_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_random_golden),
		cmocka_unit_test(test_random_row),
		cmocka_unit_test(test_average_gather),
		cmocka_unit_test(test_dense_row),
		cmocka_unit_test(test_rows_sum_to_one),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_preset_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
