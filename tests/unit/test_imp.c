/* test_imp.c — per-head importance and the replacement curve against the
 * float64 reference (tools/reference/make_imp_fixtures.py switches each head
 * in its own forward pass), a head that is uniform already scoring zero
 * under uniform replacement, cancellation, progress and bad input.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/imp.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "test_fixture.h"

#define FIXDIR HEED_TESTDIR "/fixtures/imp"
#define TOL 1e-4

typedef struct fixture {
	json_t *doc;
	model *m;
	tok_vocab *v;
	calib *cal;
	imp_ctx *c;
	int LH, mask_id;
} fixture;

static void
fixture_open(fixture *f, int threads)
{
	char path[1200];
	heed_err e;

	if (!test_fixture_load(FIXDIR "/bert-uhead.json", HEED_TESTDIR, &f->doc, &f->m, &f->v))
		fail_msg("%s: missing", FIXDIR "/bert-uhead.json");
	snprintf(path, sizeof path, "%s/%s/heed.calib", HEED_TESTDIR,
		 json_string_value(json_object_get(f->doc, "model")));
	if (calib_load(path, &f->m->cfg, f->m->fingerprint, &f->cal, &e) < 0)
		fail_msg("%s: %s", path, e.msg);
	f->c = imp_new(f->m, 64, threads);
	f->LH = f->m->cfg.layers * f->m->cfg.heads;
	f->mask_id = tok_vocab_specials(f->v).mask;
}

static void
fixture_close(fixture *f)
{
	imp_free(f->c);
	calib_free(f->cal);
	test_fixture_free(f->doc, f->m, f->v);
}

/* A case's ids (checked against the reference's tokenizer), masks and the
 * modes the other heads keep. */
typedef struct tcase {
	int ids[64], n, masks[16], nmask;
	uint8_t modes[64];
	head_mode replace;
} tcase;

static void
case_load(fixture *f, const json_t *jc, tcase *t)
{
	const char *text = json_string_value(json_object_get(jc, "text"));
	const json_t *jids = json_object_get(jc, "ids"), *jm = json_object_get(jc, "modes");
	const char *key;
	json_t *val;
	tok_result r;
	heed_err e;

	assert_int_equal(tok_encode(f->v, text, strlen(text), f->m->cfg.lowercase, 64, &r, &e), HEED_OK);
	assert_int_equal(r.n, (int)json_array_size(jids));
	t->n = r.n;
	for (int i = 0; i < r.n; i++) {
		t->ids[i] = r.tok[i].id;
		assert_int_equal(t->ids[i], (int)json_integer_value(json_array_get(jids, (size_t)i)));
	}
	tok_result_free(&r);
	t->nmask = imp_find_masks(t->ids, t->n, f->mask_id, t->masks, 16);
	assert_int_equal(t->nmask, (int)json_array_size(json_object_get(jc, "masks")));
	memset(t->modes, HEAD_INPUT, sizeof t->modes);
	json_object_foreach((json_t *)jm, key, val) {
		head_mode m;
		assert_int_equal(enc_mode_parse(json_string_value(val), &m), HEED_OK);
		t->modes[atoi(key)] = (uint8_t)m;
	}
	assert_int_equal(enc_mode_parse(json_string_value(json_object_get(jc, "replace")), &t->replace),
			 HEED_OK);
}

static void
case_opts(fixture *f, tcase *t, imp_opts *o)
{
	imp_opts_init(o);
	o->replace = t->replace;
	o->cal = f->cal;
	o->nmask = t->nmask;
	o->mask_pos = t->masks;
}

static void
check_cases(int threads)
{
	fixture f;
	const json_t *cases;
	heed_err e;
	imp_result r;
	imp_curve cv;

	fixture_open(&f, threads);
	imp_result_init(&r);
	imp_curve_init(&cv);
	cases = json_object_get(f.doc, "cases");
	assert_true(json_array_size(cases) >= 6);
	for (size_t ci = 0; ci < json_array_size(cases); ci++) {
		const json_t *jc = json_array_get(cases, ci);
		const json_t *score = json_object_get(jc, "score"), *prob = json_object_get(jc, "prob");
		const json_t *order = json_object_get(jc, "curve_order");
		tcase t;
		imp_opts o;
		int ord[64];

		case_load(&f, jc, &t);
		case_opts(&f, &t, &o);
		assert_int_equal(imp_heads(f.c, t.ids, t.n, t.modes, &o, &r, &e), HEED_OK);
		assert_int_equal(r.measure, t.nmask > 0 ? IMP_KL : IMP_HIDDEN);
		assert_int_equal(r.nmask, t.nmask);
		for (int k = 0; k < t.nmask; k++) {
			assert_int_equal(r.target[k], (int)json_integer_value(
			    json_array_get(json_object_get(jc, "target"), (size_t)k)));
			assert_int_equal(r.base_top[k], r.target[k]);
			assert_float_equal(r.base_prob[k], num(json_object_get(jc, "base_prob"), (size_t)k), TOL);
		}
		assert_int_equal((int)json_array_size(score), f.LH);
		for (int lh = 0; lh < f.LH; lh++) {
			const json_t *p = json_array_get(prob, (size_t)lh);
			double dp = 0.0;

			assert_float_equal(r.score[lh], num(score, (size_t)lh), TOL);
			assert_true(r.score[lh] >= 0.0);
			assert_int_equal(r.same[lh], t.modes[lh] == (uint8_t)t.replace);
			for (int k = 0; k < t.nmask; k++) {
				assert_float_equal(r.prob[lh * t.nmask + k], num(p, (size_t)k), TOL);
				dp += (num(p, (size_t)k) - r.base_prob[k]) / t.nmask;
			}
			assert_float_equal(r.dprob[lh], dp, TOL);
		}
		/* the curve in the reference's order, and imp_rank's order is
		 * sorted by score */
		imp_rank(&r, ord);
		for (int k = 1; k < f.LH; k++)
			assert_true(r.score[ord[k - 1]] <= r.score[ord[k]]);
		for (int k = 0; k < f.LH; k++)
			ord[k] = (int)json_integer_value(json_array_get(order, (size_t)k));
		assert_int_equal(imp_replace_curve(f.c, t.ids, t.n, t.modes, &o, ord, f.LH, &cv, &e),
				 HEED_OK);
		assert_int_equal(cv.count, f.LH);
		for (int k = 0; k <= f.LH; k++) {
			assert_float_equal(cv.kl[k], num(json_object_get(jc, "curve_kl"), (size_t)k), TOL);
			assert_float_equal(cv.prob[k], num(json_object_get(jc, "curve_prob"), (size_t)k), TOL);
			assert_true(cv.acc[k] >= 0.0 && cv.acc[k] <= 1.0);
		}
		assert_float_equal(cv.kl[0], 0.0, 0.0);
		if (t.nmask > 0)
			assert_float_equal(cv.acc[0], 1.0, 0.0);
	}
	imp_curve_free(&cv);
	imp_result_free(&r);
	fixture_close(&f);
}

static void
test_reference(void **state)
{
	(void)state;
	check_cases(1);
}

static void
test_reference_threads(void **state)
{
	(void)state;
	check_cases(3);
}

/* Layer 2, head 3 of the fixture has zero queries: its attention is
 * uniform for every input, so uniform replacement changes nothing, with
 * masks and without. */
static void
test_uniform_head_zero(void **state)
{
	fixture f;
	const json_t *uh;
	const char *texts[] = { "Paris is the [MASK] of France.", "The quick brown fox jumps over the lazy dog." };
	heed_err e;
	imp_result r;

	(void)state;
	fixture_open(&f, 1);
	uh = json_object_get(f.doc, "uniform_head");
	int lh = (int)json_integer_value(json_array_get(uh, 0)) * f.m->cfg.heads +
	    (int)json_integer_value(json_array_get(uh, 1));
	imp_result_init(&r);
	for (int s = 0; s < 2; s++) {
		tok_result t;
		int ids[64], masks[8];
		imp_opts o;

		assert_int_equal(tok_encode(f.v, texts[s], strlen(texts[s]), true, 64, &t, &e), HEED_OK);
		for (int i = 0; i < t.n; i++)
			ids[i] = t.tok[i].id;
		imp_opts_init(&o);
		o.replace = HEAD_UNIFORM;
		o.nmask = imp_find_masks(ids, t.n, f.mask_id, masks, 8);
		o.mask_pos = masks;
		assert_int_equal(o.nmask, s == 0 ? 1 : 0);
		assert_int_equal(imp_heads(f.c, ids, t.n, NULL, &o, &r, &e), HEED_OK);
		assert_false(r.same[lh]);
		assert_true(r.score[lh] <= 1e-9);
		for (int k = 0; k < o.nmask; k++)
			assert_float_equal(r.prob[lh * o.nmask + k], r.base_prob[k], 1e-7);
		/* and every other head does matter */
		for (int i = 0; i < f.LH; i++)
			if (i != lh)
				assert_true(r.score[i] > 1e-4);
		tok_result_free(&t);
	}
	imp_result_free(&r);
	fixture_close(&f);
}

typedef struct counter {
	int polls, stop_at, calls, last_done, last_total;
} counter;

static bool
stop_after(void *ud)
{
	counter *c = ud;

	return ++c->polls > c->stop_at;
}

static void
progress(void *ud, int done, int total)
{
	counter *c = ud;

	assert_true(done > c->last_done);
	c->calls++;
	c->last_done = done;
	c->last_total = total;
}

/* Cancelled at any poll, the call says so; the context then gives the
 * same numbers as one never cancelled. */
static void
test_cancel(void **state)
{
	fixture f;
	tcase t;
	imp_opts o;
	imp_result want, got;
	heed_err e;

	(void)state;
	fixture_open(&f, 1);
	case_load(&f, json_array_get(json_object_get(f.doc, "cases"), 1), &t);
	imp_result_init(&want);
	imp_result_init(&got);
	case_opts(&f, &t, &o);
	counter c = { 0, 1 << 30, 0, 0, 0 };
	o.cancelled = stop_after;
	o.progress = progress;
	o.ud = &c;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, t.modes, &o, &want, &e), HEED_OK);
	assert_int_equal(c.calls, f.LH + 1);
	assert_int_equal(c.last_done, c.last_total);
	assert_int_equal(c.last_total, f.LH + 1);
	int polls = c.polls;
	assert_true(polls > f.LH);
	for (int at = 0; at < polls; at += 7) {
		counter s = { 0, at, 0, 0, 0 };
		o.ud = &s;
		assert_int_equal(imp_heads(f.c, t.ids, t.n, t.modes, &o, &got, &e), HEED_ECANCELED);
		assert_true(s.last_done < f.LH + 1);
	}
	c = (counter){ 0, 1 << 30, 0, 0, 0 };
	o.ud = &c;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, t.modes, &o, &got, &e), HEED_OK);
	for (int lh = 0; lh < f.LH; lh++)
		assert_true(got.score[lh] == want.score[lh]);
	imp_result_free(&want);
	imp_result_free(&got);
	fixture_close(&f);
}

static void
test_bad_input(void **state)
{
	fixture f;
	tcase t;
	imp_opts o;
	imp_result r;
	imp_curve cv;
	heed_err e;
	int pos = 99, tgt = 1 << 24, ord[2] = { 0, 999 };

	(void)state;
	fixture_open(&f, 1);
	case_load(&f, json_array_get(json_object_get(f.doc, "cases"), 0), &t);
	imp_result_init(&r);
	imp_curve_init(&cv);
	case_opts(&f, &t, &o);
	o.replace = HEAD_INPUT;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, NULL, &o, &r, &e), HEED_EINVAL);
	assert_non_null(strstr(e.msg, "not input"));
	o.replace = HEAD_AVERAGE;
	o.cal = NULL;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, NULL, &o, &r, &e), HEED_ENOCALIB);
	o.cal = f.cal;
	o.mask_pos = &pos;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, NULL, &o, &r, &e), HEED_EINVAL);
	o.mask_pos = t.masks;
	o.target = &tgt;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, NULL, &o, &r, &e), HEED_EINVAL);
	o.target = NULL;
	assert_int_equal(imp_replace_curve(f.c, t.ids, t.n, NULL, &o, ord, 2, &cv, &e), HEED_EINVAL);
	assert_int_equal(imp_replace_curve(f.c, t.ids, t.n, NULL, &o, ord, f.LH + 1, &cv, &e),
			 HEED_EINVAL);
	/* a given target: its probability, not the top prediction's */
	tgt = 5;
	o.target = &tgt;
	assert_int_equal(imp_heads(f.c, t.ids, t.n, NULL, &o, &r, &e), HEED_OK);
	assert_int_equal(r.target[0], 5);
	assert_true(r.base_prob[0] < 0.1);
	imp_curve_free(&cv);
	imp_result_free(&r);
	fixture_close(&f);
}

/* enc_set_rows, which imp's masked runs use: the last layer at some rows
 * gives those rows' states as the whole layer does, refuses predictions
 * elsewhere, and a run that needs every row again recomputes that layer. */
static void
test_last_layer_rows(void **state)
{
	fixture f;
	tcase t;
	heed_err e;
	int L, H, V, probe = 1;

	(void)state;
	fixture_open(&f, 1);
	case_load(&f, json_array_get(json_object_get(f.doc, "cases"), 3), &t);   /* two masks */
	L = f.m->cfg.layers;
	H = f.m->cfg.hidden;
	V = f.m->cfg.vocab_size;
	enc_state *whole = enc_new(f.m, 64), *part = enc_new(f.m, 64);
	float *lw = malloc(sizeof(float) * (size_t)V), *lp = malloc(sizeof(float) * (size_t)V);
	assert_int_equal(enc_run(whole, t.ids, t.n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	enc_set_rows(part, t.masks, t.nmask);
	assert_int_equal(enc_run(part, t.ids, t.n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	for (int k = 0; k < t.nmask; k++) {
		const float *a = enc_hidden(whole, L) + (size_t)t.masks[k] * H;
		const float *b = enc_hidden(part, L) + (size_t)t.masks[k] * H;
		for (int q = 0; q < H; q++)
			assert_float_equal(a[q], b[q], 1e-5);
		assert_int_equal(enc_mlm_logprobs(whole, t.masks[k], lw, &e), HEED_OK);
		assert_int_equal(enc_mlm_logprobs(part, t.masks[k], lp, &e), HEED_OK);
		for (int v = 0; v < V; v += 97)
			assert_float_equal(lw[v], lp[v], 1e-4);
	}
	assert_int_equal(enc_mlm_logprobs(part, probe, lp, &e), HEED_EINVAL);
	/* the same rows again: nothing to do; every row: the last layer again */
	assert_int_equal(enc_run(part, t.ids, t.n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(part), L);
	enc_set_rows(part, NULL, 0);
	assert_int_equal(enc_run(part, t.ids, t.n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(part), L - 1);
	assert_int_equal(enc_mlm_logprobs(part, probe, lp, &e), HEED_OK);
	/* a row past the input is refused */
	int far = t.n;
	enc_set_rows(part, &far, 1);
	assert_int_equal(enc_run(part, t.ids, t.n, NULL, NULL, NULL, NULL, &e), HEED_EINVAL);
	free(lw);
	free(lp);
	enc_free(whole);
	enc_free(part);
	fixture_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_reference_threads),
		cmocka_unit_test(test_uniform_head_zero),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_last_layer_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
