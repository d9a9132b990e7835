/* test_enc_probe.c — inside one head (enc_probe_head) against the float64
 * reference (tools/reference/make_probe_fixtures.py): the query and key
 * vectors, each term of the scores, the scale and the weights, for BERT,
 * DeBERTa-v2 and -v3 (relative terms) and ModernBERT (rotary positions, a
 * local window); and that a probe leaves the next incremental run exact.
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

#include "heed/enc.h"
#include "heed/model.h"

#define FIXTURE HEED_TESTDIR "/fixtures/enc/probe.json"

typedef struct probe_buf {
	enc_probe p;
	float *mem;
} probe_buf;

static void
probe_alloc(probe_buf *b, int n, int d)
{
	b->mem = calloc((size_t)d + (size_t)n * d + 5 * (size_t)n, sizeof(float));
	assert_non_null(b->mem);
	b->p.q = b->mem;
	b->p.k = b->p.q + d;
	b->p.qk = b->p.k + (size_t)n * d;
	b->p.c2p = b->p.qk + n;
	b->p.p2c = b->p.c2p + n;
	b->p.score = b->p.p2c + n;
	b->p.weight = b->p.score + n;
}

/* every value of want (a JSON array) within tol of got, relative to the
 * larger of 1 and the value */
static void
near(const json_t *want, const float *got, size_t count, double tol, const char *what)
{
	assert_int_equal(json_array_size(want), count);
	for (size_t i = 0; i < count; i++) {
		double w = json_number_value(json_array_get(want, i));
		double err = fabs(w - got[i]) / (fabs(w) > 1 ? fabs(w) : 1);

		if (err > tol)
			fail_msg("%s[%zu]: %.7g, the reference %.7g", what, i, got[i], w);
	}
}

static void
check_model(const json_t *entry)
{
	char dir[2048];
	const json_t *jids = json_object_get(entry, "ids"), *probes = json_object_get(entry, "probes");
	int n = (int)json_array_size(jids), *ids = calloc((size_t)n, sizeof(int));
	model *m;
	enc_state *s;
	heed_err e;

	snprintf(dir, sizeof dir, "%s/../%s", HEED_TESTDIR,
		 json_string_value(json_object_get(entry, "model")));
	if (model_load(dir, &m, &e) < 0)
		fail_msg("%s: %s", dir, e.msg);
	s = enc_new(m, 64);
	for (int t = 0; t < n; t++)
		ids[t] = (int)json_integer_value(json_array_get(jids, (size_t)t));
	assert_int_equal(enc_run(s, ids, n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	for (size_t k = 0; k < json_array_size(probes); k++) {
		const json_t *pj = json_array_get(probes, k);
		int l = (int)json_integer_value(json_object_get(pj, "layer"));
		int h = (int)json_integer_value(json_object_get(pj, "head"));
		int i = (int)json_integer_value(json_object_get(pj, "query"));
		int d = m->cfg.hidden / m->cfg.heads;
		probe_buf b;

		probe_alloc(&b, n, d);
		assert_int_equal(enc_probe_head(s, l, h, i, &b.p, &e), HEED_OK);
		assert_int_equal(b.p.n, n);
		assert_int_equal(b.p.d, d);
		assert_float_equal(b.p.scale, json_number_value(json_object_get(pj, "scale")), 1e-7);
		near(json_object_get(pj, "q"), b.p.q, (size_t)d, 1e-4, "q");
		near(json_object_get(pj, "k"), b.p.k, (size_t)n * d, 1e-4, "k");
		near(json_object_get(pj, "qk"), b.p.qk, (size_t)n, 1e-4, "q.k");
		near(json_object_get(pj, "c2p"), b.p.c2p, (size_t)n, 1e-4, "c2p");
		near(json_object_get(pj, "p2c"), b.p.p2c, (size_t)n, 1e-4, "p2c");
		near(json_object_get(pj, "score"), b.p.score, (size_t)n, 1e-4, "score");
		near(json_object_get(pj, "weight"), b.p.weight, (size_t)n, 1e-5, "weight");
		/* the terms add up to the weights the forward kept */
		for (int j = 0; j < n; j++)
			assert_float_equal(b.p.weight[j], enc_attn(s, l, h)[(size_t)i * n + j], 1e-5);
		free(b.mem);
	}
	free(ids);
	enc_free(s);
	model_free(m);
}

static void
test_reference(void **st)
{
	json_error_t jerr;
	json_t *doc = json_load_file(FIXTURE, 0, &jerr);
	const json_t *models;

	(void)st;
	if (doc == NULL)
		fail_msg("%s: %s", FIXTURE, jerr.text);
	models = json_object_get(doc, "models");
	assert_true(json_array_size(models) >= 4);
	for (size_t k = 0; k < json_array_size(models); k++)
		check_model(json_array_get(models, k));
	json_decref(doc);
}

/* A probe reuses the layer scratch: the next incremental run (a head
 * toggled in the last layer) must still equal a fresh run. */
static void
test_incremental_after_probe(void **st)
{
	model *m;
	enc_state *s, *fresh;
	heed_err e;
	int ids[] = { 2, 40, 41, 42, 43, 3 }, n = 6;
	uint8_t *modes;
	probe_buf b;

	(void)st;
	if (model_load(HEED_TESTDIR "/fixtures/enc/bert-f32", &m, &e) < 0)
		fail_msg("%s", e.msg);
	s = enc_new(m, 16);
	fresh = enc_new(m, 16);
	modes = calloc((size_t)m->cfg.layers * m->cfg.heads, 1);
	probe_alloc(&b, n, m->cfg.hidden / m->cfg.heads);
	assert_int_equal(enc_run(s, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_probe_head(s, 0, 1, 2, &b.p, &e), HEED_OK);
	modes[(m->cfg.layers - 1) * m->cfg.heads] = HEAD_UNIFORM;
	assert_int_equal(enc_run(s, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(s), m->cfg.layers - 1);
	assert_int_equal(enc_run(fresh, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	for (int l = 0; l <= m->cfg.layers; l++)
		assert_memory_equal(enc_hidden(s, l), enc_hidden(fresh, l),
		    sizeof(float) * (size_t)n * m->cfg.hidden);
	/* out of range: a message, not a crash */
	assert_int_equal(enc_probe_head(s, m->cfg.layers, 0, 0, &b.p, &e), HEED_EINVAL);
	assert_int_equal(enc_probe_head(s, 0, 0, n, &b.p, &e), HEED_EINVAL);
	free(b.mem);
	free(modes);
	enc_free(s);
	enc_free(fresh);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_incremental_after_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
