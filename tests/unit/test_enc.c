/* test_enc.c — the encoder against golden values from the independent
 * reference (tools/reference/make_enc_fixtures.py), for every family and
 * dtype, plus incremental recompute and cancellation.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "heed/enc.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "test_fixture.h"

#define FIXDIR HEED_TESTDIR "/fixtures/enc"

typedef struct fixture {
	json_t *doc;
	model *m;
	tok_vocab *v;
	enc_state *s;
} fixture;

/* Load NAME.json and the model it names; false when the fixture is absent
 * (heed-mini's is generated only once its weights exist). */
static bool
fixture_open(const char *name, fixture *f)
{
	char path[2048];

	snprintf(path, sizeof path, "%s/%s.json", FIXDIR, name);
	if (!test_fixture_load(path, HEED_TESTDIR "/..", &f->doc, &f->m, &f->v))
		return false;
	f->s = enc_new(f->m, (int)json_integer_value(json_object_get(f->doc, "max_tokens")));
	return true;
}

static void
fixture_close(fixture *f)
{
	enc_free(f->s);
	test_fixture_free(f->doc, f->m, f->v);
}

static void
check_tokens(fixture *f, const json_t *sent, int *ids)
{
	const char *text = json_string_value(json_object_get(sent, "text"));
	const json_t *jids = json_object_get(sent, "ids"), *spans = json_object_get(sent, "spans");
	tok_result r;
	heed_err e;

	assert_int_equal(tok_encode(f->v, text, strlen(text), f->m->cfg.lowercase,
				    enc_max_tokens(f->s), &r, &e), HEED_OK);
	assert_int_equal(r.n, (int)json_array_size(jids));
	assert_int_equal(r.truncated, json_is_true(json_object_get(sent, "truncated")));
	for (int t = 0; t < r.n; t++) {
		const json_t *sp = json_array_get(spans, (size_t)t);
		ids[t] = (int)json_integer_value(json_array_get(jids, (size_t)t));
		assert_int_equal(r.tok[t].id, ids[t]);
		assert_int_equal(r.tok[t].begin, (int)json_integer_value(json_array_get(sp, 0)));
		assert_int_equal(r.tok[t].end, (int)json_integer_value(json_array_get(sp, 1)));
	}
	tok_result_free(&r);
}

static void
check_attention(fixture *f, const json_t *sent, int n)
{
	const json_t *rows = json_object_get(sent, "attn_rows"), *att = json_object_get(sent, "attention");
	size_t nr = json_array_size(rows), k = 0;

	for (int l = 0; l < f->m->cfg.layers; l++)
		for (int h = 0; h < f->m->cfg.heads; h++) {
			const float *a = enc_attn(f->s, l, h);
			for (int i = 0; i < n; i++) {
				double sum = 0.0;
				for (int j = 0; j < n; j++)
					sum += a[i * n + j];
				assert_float_equal(sum, 1.0, 1e-5);
			}
			for (size_t r = 0; r < nr; r++) {
				int i = (int)json_integer_value(json_array_get(rows, r));
				for (int j = 0; j < n; j++)
					assert_float_equal(a[i * n + j], num(att, k++), 1e-4);
			}
		}
	assert_int_equal(k, json_array_size(att));
}

static void
check_hidden(fixture *f, const json_t *sent)
{
	const json_t *rows = json_object_get(sent, "hidden_rows"), *hid = json_object_get(sent, "hidden");
	int d = f->m->cfg.hidden;
	size_t k = 0;

	for (int l = 0; l <= f->m->cfg.layers; l++)
		for (size_t r = 0; r < json_array_size(rows); r++) {
			int i = (int)json_integer_value(json_array_get(rows, r));
			const float *x = enc_hidden(f->s, l) + (size_t)i * d;
			for (int c = 0; c < d; c++)
				assert_float_equal(x[c], num(hid, k++), 1e-3);
		}
	assert_int_equal(k, json_array_size(hid));
}

/* key "mlm": transformers' head; "mlm_emd": DeBERTa's enhanced mask
 * decoder in front of it (model_set_emd). */
static void
check_mlm(fixture *f, const json_t *sent, const char *key)
{
	const json_t *mlm = json_object_get(sent, key);
	heed_err e;

	for (size_t q = 0; q < json_array_size(mlm); q++) {
		const json_t *p = json_array_get(mlm, q);
		const json_t *ids = json_object_get(p, "ids"), *probs = json_object_get(p, "probs");
		int k = (int)json_array_size(ids), got_ids[8];
		float got_p[8];
		int pos = (int)json_integer_value(json_object_get(p, "pos"));
		assert_int_equal(enc_mlm_topk(f->s, pos, k, got_ids, got_p, &e), k);
		for (int j = 0; j < k; j++) {
			assert_int_equal(got_ids[j], (int)json_integer_value(json_array_get(ids, (size_t)j)));
			assert_float_equal(got_p[j], num(probs, (size_t)j), 1e-4);
		}
	}
}

/* An ELECTRA discriminator's per-token probability of "replaced"; every
 * other model has no such head and says so. */
static void
check_replaced(fixture *f, const json_t *sent, int n)
{
	const json_t *want = json_object_get(sent, "replaced");
	float p[512];
	heed_err e;

	assert_int_equal(f->m->has_rtd, want != NULL);
	if (want == NULL) {
		assert_int_equal(enc_replaced(f->s, p, &e), HEED_EINVAL);
		return;
	}
	assert_int_equal((int)json_array_size(want), n);
	assert_int_equal(enc_replaced(f->s, p, &e), HEED_OK);
	for (int t = 0; t < n; t++)
		assert_float_equal(p[t], num(want, (size_t)t), 1e-4);
}

/* threads 0: the encoder's default (no pool); else enc_set_threads */
static void
check_model_threads(const char *name, int threads)
{
	fixture f;
	const json_t *sents;
	int ids[512];
	heed_err e;

	if (!fixture_open(name, &f)) {
		if (strcmp(name, "heed-mini") == 0)
			skip();
		fail_msg("%s: fixture missing", name);
	}
	if (threads > 0)
		enc_set_threads(f.s, threads);
	sents = json_object_get(f.doc, "sentences");
	assert_true(json_array_size(sents) >= 12);
	for (size_t i = 0; i < json_array_size(sents); i++) {
		const json_t *sent = json_array_get(sents, i);
		int n = (int)json_array_size(json_object_get(sent, "ids"));
		check_tokens(&f, sent, ids);
		assert_int_equal(enc_run(f.s, ids, n, NULL, NULL, NULL, NULL, &e), HEED_OK);
		assert_int_equal(enc_n(f.s), n);
		check_attention(&f, sent, n);
		check_hidden(&f, sent);
		check_mlm(&f, sent, "mlm");
		/* the same run, predicted through the enhanced mask decoder */
		assert_int_equal(f.m->emd_ok, json_object_get(sent, "mlm_emd") != NULL);
		if (f.m->emd_ok) {
			assert_int_equal(model_set_emd(f.m, true, &e), HEED_OK);
			check_mlm(&f, sent, "mlm_emd");
			assert_int_equal(model_set_emd(f.m, false, &e), HEED_OK);
		} else {
			assert_int_equal(model_set_emd(f.m, true, &e), HEED_EINVAL);
		}
		check_replaced(&f, sent, n);
	}
	fixture_close(&f);
}

static void
check_model(const char *name)
{
	check_model_threads(name, 0);
}

static void test_bert_f32(void **st) { (void)st; check_model("bert-f32"); }
static void test_bert_f16(void **st) { (void)st; check_model("bert-f16"); }
static void test_distil_f32(void **st) { (void)st; check_model("distil-f32"); }
static void test_distil_f16(void **st) { (void)st; check_model("distil-f16"); }
static void test_heed_mini(void **st) { (void)st; check_model("heed-mini"); }
static void test_modernbert_f32(void **st) { (void)st; check_model("modernbert-f32"); }
static void test_modernbert_bf16(void **st) { (void)st; check_model("modernbert-bf16"); }
static void test_modernbert_threads(void **st) { (void)st; check_model_threads("modernbert-f32", 3); }
static void test_deberta3_f32(void **st) { (void)st; check_model("deberta3-f32"); }
static void test_deberta3_bf16(void **st) { (void)st; check_model("deberta3-bf16"); }
static void test_deberta3_threads(void **st) { (void)st; check_model_threads("deberta3-f32", 3); }
static void test_deberta2_f32(void **st) { (void)st; check_model("deberta2-f32"); }
static void test_deberta2_f16(void **st) { (void)st; check_model("deberta2-f16"); }
/* The threaded forward pass against the same fixtures: 3 parts split the
 * columns unevenly and leave some parts more heads than others. */
static void test_bert_f32_threads(void **st) { (void)st; check_model_threads("bert-f32", 3); }
static void test_distil_f16_threads(void **st) { (void)st; check_model_threads("distil-f16", 2); }
static void test_heed_mini_threads(void **st) { (void)st; check_model_threads("heed-mini", 3); }

/* The other families (tools/reference/make_random_model.py family_models). */
static void test_bert_nohead_f32(void **st) { (void)st; check_model("bert-nohead-f32"); }
static void test_bert_nohead_bf16(void **st) { (void)st; check_model("bert-nohead-bf16"); }
static void test_roberta_f32(void **st) { (void)st; check_model("roberta-f32"); }
static void test_roberta_f16(void **st) { (void)st; check_model("roberta-f16"); }
static void test_xlmr_bf16(void **st) { (void)st; check_model("xlmr-bf16"); }
static void test_camembert_f32(void **st) { (void)st; check_model("camembert-f32"); }
static void test_electra_gen_f32(void **st) { (void)st; check_model("electra-gen-f32"); }
static void test_electra_gen_f16(void **st) { (void)st; check_model("electra-gen-f16"); }
static void test_electra_disc_f32(void **st) { (void)st; check_model("electra-disc-f32"); }
static void test_electra_disc_bf16(void **st) { (void)st; check_model("electra-disc-bf16"); }
static void test_albert_f32(void **st) { (void)st; check_model("albert-f32"); }
static void test_albert_f16(void **st) { (void)st; check_model("albert-f16"); }
static void test_albert_inner_f32(void **st) { (void)st; check_model("albert-inner-f32"); }
static void test_albert_threads(void **st) { (void)st; check_model_threads("albert-f32", 3); }
static void test_roberta_threads(void **st) { (void)st; check_model_threads("roberta-f16", 2); }

/* ---- incremental recompute and cancellation ---------------------------- */

static const int sample_ids[] = { 2, 40, 41, 42, 43, 44, 45, 46, 3 };
#define SAMPLE_N ((int)(sizeof sample_ids / sizeof sample_ids[0]))

/* Attention and hidden states of a and b are the same bits. */
static void
assert_same_run(const model *m, const enc_state *a, const enc_state *b)
{
	int n = enc_n(a);

	assert_int_equal(enc_n(b), n);
	for (int l = 0; l < m->cfg.layers; l++)
		for (int h = 0; h < m->cfg.heads; h++)
			assert_memory_equal(enc_attn(a, l, h), enc_attn(b, l, h), sizeof(float) * n * n);
	for (int l = 0; l <= m->cfg.layers; l++)
		assert_memory_equal(enc_hidden(a, l), enc_hidden(b, l),
				    sizeof(float) * n * m->cfg.hidden);
}

static model *
load_named(const char *name)
{
	char dir[1024];
	model *m;
	heed_err e;

	snprintf(dir, sizeof dir, "%s/%s", FIXDIR, name);
	if (model_load(dir, &m, &e) != HEED_OK)
		fail_msg("%s: %s", dir, e.msg);
	return m;
}

static model *
load_tiny(void)
{
	return load_named("bert-f32");
}

/* An ELECTRA discriminator's P(replaced) of two runs: the same bits. */
static void
assert_same_replaced(const model *m, enc_state *a, enc_state *b)
{
	float pa[64], pb[64];
	heed_err e;

	if (!m->has_rtd)
		return;
	assert_int_equal(enc_replaced(a, pa, &e), HEED_OK);
	assert_int_equal(enc_replaced(b, pb, &e), HEED_OK);
	assert_memory_equal(pa, pb, sizeof(float) * (size_t)enc_n(a));
}

static void
incremental_on(const char *name, int threads)
{
	model *m = load_named(name);
	int LH = m->cfg.layers * m->cfg.heads;
	uint8_t *modes = calloc((size_t)LH, 1);
	enc_state *inc = enc_new(m, 64), *full = enc_new(m, 64);
	heed_err e;

	if (threads > 0) {
		enc_set_threads(inc, threads);
		enc_set_threads(full, threads);
	}

	assert_int_equal(enc_run(inc, sample_ids, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(inc), 0);
	float before = enc_hidden(inc, m->cfg.layers)[0];

	modes[2 * m->cfg.heads + 1] = HEAD_UNIFORM;
	assert_int_equal(enc_run(inc, sample_ids, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(inc), 2);
	assert_true(enc_hidden(inc, m->cfg.layers)[0] != before);
	assert_int_equal(enc_run(full, sample_ids, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_same_run(m, inc, full);
	assert_same_replaced(m, inc, full);

	/* an identical request recomputes nothing */
	assert_int_equal(enc_run(inc, sample_ids, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(inc), m->cfg.layers);
	assert_same_run(m, inc, full);
	assert_same_replaced(m, inc, full);

	/* a mode change at layer 1: from layer 1 on */
	modes[1 * m->cfg.heads + 3] = HEAD_SYNTH_RANDOM;
	assert_int_equal(enc_run(inc, sample_ids, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(inc), 1);
	enc_state *fresh = enc_new(m, 64);
	if (threads > 0)
		enc_set_threads(fresh, threads);
	assert_int_equal(enc_run(fresh, sample_ids, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_same_run(m, inc, fresh);
	assert_same_replaced(m, inc, fresh);

	/* other ids: everything */
	int other[SAMPLE_N];
	memcpy(other, sample_ids, sizeof other);
	other[3] = 99;
	assert_int_equal(enc_run(inc, other, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(inc), 0);
	enc_free(fresh);
	enc_free(inc);
	enc_free(full);
	free(modes);
	model_free(m);
}

static void
incremental(int threads)
{
	incremental_on("bert-f32", threads);
}

static void test_incremental(void **st) { (void)st; incremental(0); }
/* every family's cache: ALBERT's rows that share weights (a toggle in row 2
 * recomputes rows 2 and 3, not the other repetition of its group), RoBERTa's
 * positions, an ELECTRA discriminator's head */
static void test_incremental_families(void **st)
{
	(void)st;
	incremental_on("albert-f32", 0);
	incremental_on("roberta-f16", 2);
	incremental_on("electra-disc-f32", 0);
	incremental_on("xlmr-bf16", 0);
}
/* with threads, a partial recompute is still the same bits as a full run */
static void test_incremental_threads(void **st) { (void)st; incremental(2); }

/* A batch (enc_run_batch) gives every sentence the numbers it gets alone,
 * bit for bit, whatever the batch's make-up and the thread count:
 * calibration files depend on it. */
static void
check_batch_with(const char *name, int threads, int per_batch, bool skip_output)
{
	fixture f;
	heed_err e;

	if (!fixture_open(name, &f)) {
		if (strcmp(name, "heed-mini") == 0)
			skip();
		fail_msg("%s: fixture missing", name);
	}
	const model_config *c = &f.m->cfg;
	const json_t *sents = json_object_get(f.doc, "sentences");
	int count = (int)json_array_size(sents), T = enc_max_tokens(f.s), LH = c->layers * c->heads;
	int *ids = calloc((size_t)count * T, sizeof(int)), *lens = calloc((size_t)count, sizeof(int));
	enc_state *b = enc_new_batch(f.m, T, per_batch * T);
	int rows = 0;

	enc_set_threads(b, threads);
	enc_batch_skip_output(b, skip_output);
	for (int i = 0; i < count; i++) {
		const json_t *jids = json_object_get(json_array_get(sents, (size_t)i), "ids");
		lens[i] = (int)json_array_size(jids);
		for (int t = 0; t < lens[i]; t++)
			ids[rows + t] = (int)json_integer_value(json_array_get(jids, (size_t)t));
		rows += lens[i];
	}
	for (int i0 = 0, r0 = 0; i0 < count; i0 += per_batch) {
		int k = count - i0 < per_batch ? count - i0 : per_batch, rb = 0;
		assert_int_equal(enc_run_batch(b, ids + r0, lens + i0, k, &e), HEED_OK);
		for (int g = 0; g < k; g++) {
			int n = lens[i0 + g];
			assert_int_equal(enc_batch_row(b, g), rb);
			assert_int_equal(enc_run(f.s, ids + r0 + rb, n, NULL, NULL, NULL, NULL, &e), HEED_OK);
			for (int lh = 0; lh < LH; lh++) {
				const float *a = enc_batch_attn(b, g, lh / c->heads, lh % c->heads);
				const float *ent = enc_batch_entropy(b, g, lh / c->heads, lh % c->heads);
				assert_memory_equal(a, enc_attn(f.s, lh / c->heads, lh % c->heads),
						    sizeof(float) * (size_t)n * n);
				/* the entropy from the logits is −Σ p log p */
				for (int i = 0; ent != NULL && i < n; i++) {
					double h = 0.0;
					for (int j = 0; j < n; j++)
						if (a[i * n + j] > 0.0f)
							h -= a[i * n + j] * log(a[i * n + j]);
					assert_true(fabs(h - ent[i]) < 1e-4 + 1e-4 * h);
				}
			}
			/* skip_output: every layer's input, not the last one's output */
			for (int l = 0; l <= c->layers - (skip_output ? 1 : 0); l++)
				assert_memory_equal(enc_hidden(b, l) + (size_t)rb * c->hidden,
						    enc_hidden(f.s, l), sizeof(float) * (size_t)n * c->hidden);
			rb += n;
		}
		assert_int_equal(enc_n(b), rb);
		r0 += rb;
	}
	/* a sentence too long for the batch is refused, not overrun */
	lens[0] = T + 1;
	assert_int_equal(enc_run_batch(b, ids, lens, 1, &e), HEED_EINVAL);
	enc_free(b);
	free(ids);
	free(lens);
	fixture_close(&f);
}

static void
check_batch(const char *name, int threads, int per_batch)
{
	check_batch_with(name, threads, per_batch, false);
}

static void test_batch_bert(void **st) { (void)st; check_batch("bert-f32", 1, 5); }
/* positions restart per sentence, from RoBERTa's padding_idx too */
static void test_batch_roberta(void **st) { (void)st; check_batch("roberta-f32", 2, 6); }
static void test_batch_albert(void **st) { (void)st; check_batch("albert-f16", 1, 4); }
/* rotary positions and local windows, relative positions: per sentence;
 * 3 threads give DeBERTa more parts than its fixture has heads */
static void
test_batch_modernbert(void **st)
{
	(void)st;
	check_batch("modernbert-f32", 2, 5);
	check_batch("modernbert-f32", 3, 3);
}
static void
test_batch_deberta(void **st)
{
	(void)st;
	check_batch("deberta2-f32", 2, 5);
	check_batch("deberta2-f32", 3, 3);
}
static void test_batch_distil(void **st) { (void)st; check_batch("distil-f16", 3, 7); }
static void test_batch_mini(void **st) { (void)st; check_batch("heed-mini", 2, 16); }
/* calibration's batches skip the last layer's output, nothing else */
static void
test_batch_skip_output(void **st)
{
	(void)st;
	check_batch_with("bert-f32", 2, 5, true);
	check_batch_with("modernbert-f32", 2, 5, true);
	check_batch_with("deberta2-f32", 1, 4, true);
}

/* A non-input head's matrix is its mode's rows; the other heads of that
 * layer, which see the same layer input, are untouched. */
static void
test_mode_rows(void **st)
{
	(void)st;
	model *m = load_tiny();
	int H = m->cfg.heads, n = SAMPLE_N;
	uint8_t *modes = calloc((size_t)m->cfg.layers * H, 1);
	enc_state *s = enc_new(m, 64), *ref = enc_new(m, 64);
	float row[SAMPLE_N];
	heed_err e;

	modes[1] = HEAD_SYNTH_RANDOM;
	modes[H + 0] = HEAD_UNIFORM;
	assert_int_equal(enc_run(ref, sample_ids, n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_run(s, sample_ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	for (int i = 0; i < n; i++) {
		enc_mode_row(HEAD_SYNTH_RANDOM, NULL, calib_default_L(&m->cfg), 0, 1, n, i,
			     enc_hidden(s, 0) + (size_t)i * m->cfg.hidden, row);
		assert_memory_equal(enc_attn(s, 0, 1) + i * n, row, sizeof row);
		for (int j = 0; j < n; j++)
			assert_float_equal(enc_attn(s, 1, 0)[i * n + j], 1.0f / n, 1e-7);
	}
	for (int h = 0; h < H; h++)
		if (h != 1)
			assert_memory_equal(enc_attn(s, 0, h), enc_attn(ref, 0, h), sizeof(float) * n * n);
	assert_memory_not_equal(enc_attn(s, 2, 0), enc_attn(ref, 2, 0), sizeof(float) * n * n);
	enc_free(s);
	enc_free(ref);
	free(modes);
	model_free(m);
}

/* ModernBERT's local layers: cells outside |i - j| <= window are exactly 0
 * in every mode, rows sum to 1 inside it, a mode's row is its full row cut
 * to the window and renormalised, and an incremental run is the same bits
 * as a full one (the last layer's final norm included). */
static void
test_modernbert_window(void **st)
{
	(void)st;
	model *m;
	heed_err e;
	int ids[40], n = 40;
	float full[40];

	assert_int_equal(model_load(FIXDIR "/modernbert-f32", &m, &e), HEED_OK);
	int H = m->cfg.heads, L = m->cfg.layers;
	uint8_t *modes = calloc((size_t)L * H, 1);
	enc_state *s = enc_new(m, 64), *ref = enc_new(m, 64);
	for (int i = 0; i < n; i++)
		ids[i] = 5 + (i * 37) % 900;
	assert_int_equal(enc_window(s, 0), -1);
	assert_int_equal(enc_window(s, 1), 4);
	assert_int_equal(enc_window(s, 2), 4);
	assert_int_equal(enc_window(s, 3), -1);
	assert_int_equal(enc_run(s, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	modes[1 * H + 0] = HEAD_UNIFORM;
	modes[2 * H + 1] = HEAD_SYNTH_RANDOM;
	assert_int_equal(enc_run(s, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(s), 1);
	assert_int_equal(enc_run(ref, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_same_run(m, s, ref);
	for (int l = 0; l < L; l++)
		for (int h = 0; h < H; h++) {
			const float *a = enc_attn(s, l, h);
			int w = enc_window(s, l);
			for (int i = 0; i < n; i++) {
				int lo = w < 0 || i - w < 0 ? 0 : i - w;
				int hi = w < 0 || i + w + 1 > n ? n : i + w + 1;
				double sum = 0.0;
				if (l == 2 && h == 1) {
					enc_mode_row(HEAD_SYNTH_RANDOM, NULL, calib_default_L(&m->cfg), l, h, n,
						     i, NULL, full);
					double fs = 0.0;
					for (int j = lo; j < hi; j++)
						fs += full[j];
					for (int j = lo; j < hi; j++)
						assert_float_equal(a[i * n + j], full[j] / fs, 1e-6);
				}
				for (int j = 0; j < n; j++) {
					if (j < lo || j >= hi)
						assert_true(a[i * n + j] == 0.0f);
					else if (l == 1 && h == 0)
						assert_float_equal(a[i * n + j], 1.0 / (hi - lo), 1e-7);
					sum += a[i * n + j];
				}
				assert_float_equal(sum, 1.0, 1e-5);
			}
		}
	enc_free(s);
	enc_free(ref);
	free(modes);
	model_free(m);
}

/* A local layer writes its zeros outside the window once per layout of the
 * attention buffer and then only what a block spills (modernbert.c,
 * band_ok): so runs that change the length, the sentences of a batch and
 * the head modes back and forth must each equal a fresh state's run, bit
 * for bit, with no stale value or zero left anywhere. */
static void
run_fresh(const model *m, const int *ids, int n, const uint8_t *modes, const enc_state *s)
{
	enc_state *ref = enc_new(m, 96);
	heed_err e;

	assert_int_equal(enc_run(ref, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_same_run(m, s, ref);
	enc_free(ref);
}

static void
test_modernbert_band(void **st)
{
	(void)st;
	model *m = load_named("modernbert-f32");
	int H = m->cfg.heads, L = m->cfg.layers, ids[96], lens[3] = { 30, 9, 41 };
	uint8_t *plain = calloc((size_t)L * H, 1), *mixed = calloc((size_t)L * H, 1);
	enc_state *s = enc_new_batch(m, 96, 96), *fresh = enc_new_batch(m, 96, 96);
	heed_err e;

	for (int i = 0; i < 96; i++)
		ids[i] = 5 + (i * 53) % 900;
	mixed[1 * H + 0] = HEAD_UNIFORM;
	mixed[2 * H + 1] = HEAD_SYNTH_RANDOM;
	/* long, short, long again (other ids), with modes and without */
	static const struct { int n, off; bool mixed; } seq[] = {
		{ 90, 0, false }, { 23, 3, true }, { 90, 1, true }, { 90, 1, false },
		{ 7, 0, false }, { 96, 0, true },
	};
	for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
		const uint8_t *modes = seq[k].mixed ? mixed : plain;
		assert_int_equal(enc_run(s, ids + seq[k].off, seq[k].n, modes, NULL, NULL, NULL, &e),
				 HEED_OK);
		run_fresh(m, ids + seq[k].off, seq[k].n, modes, s);
		/* a batch in between moves every matrix */
		if (k == 2) {
			assert_int_equal(enc_run_batch(s, ids, lens, 3, &e), HEED_OK);
			assert_int_equal(enc_run_batch(fresh, ids, lens, 3, &e), HEED_OK);
			for (int g = 0; g < 3; g++)
				for (int l = 0; l < L; l++)
					for (int h = 0; h < H; h++)
						assert_memory_equal(enc_batch_attn(s, g, l, h),
						    enc_batch_attn(fresh, g, l, h),
						    sizeof(float) * (size_t)lens[g] * lens[g]);
		}
	}
	enc_free(s);
	enc_free(fresh);
	free(plain);
	free(mixed);
	model_free(m);
}

typedef struct cancel_ctx {
	int calls, cancel_at;
} cancel_ctx;

/* Polled before each layer: call k+1 comes once layer k is done. */
static bool
cancel_after(void *ud)
{
	cancel_ctx *c = ud;

	return ++c->calls > c->cancel_at;
}

static void
test_cancel(void **st)
{
	(void)st;
	model *m = load_tiny();
	int LH = m->cfg.layers * m->cfg.heads;
	uint8_t *modes = calloc((size_t)LH, 1);
	enc_state *s = enc_new(m, 64), *ref = enc_new(m, 64);
	cancel_ctx c = { 0, 1 };
	int other[SAMPLE_N];
	heed_err e;

	memcpy(other, sample_ids, sizeof other);
	other[2] = 77;
	assert_int_equal(enc_run(s, sample_ids, SAMPLE_N, NULL, NULL, NULL, NULL, &e), HEED_OK);
	/* new ids, cancelled once layer 1 (1-based) is done */
	assert_int_equal(enc_run(s, other, SAMPLE_N, NULL, NULL, cancel_after, &c, &e), HEED_ECANCELED);
	assert_int_equal(c.calls, 2);
	assert_int_equal(enc_run(s, other, SAMPLE_N, NULL, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(s), 1);
	assert_int_equal(enc_run(ref, other, SAMPLE_N, NULL, NULL, NULL, NULL, &e), HEED_OK);
	assert_same_run(m, s, ref);

	/* a cancelled mode change leaves nothing stale behind */
	modes[0] = HEAD_UNIFORM;
	c.calls = 0;
	assert_int_equal(enc_run(s, other, SAMPLE_N, modes, NULL, cancel_after, &c, &e), HEED_ECANCELED);
	modes[0] = HEAD_INPUT;
	assert_int_equal(enc_run(s, other, SAMPLE_N, modes, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_first_recomputed(s), 0);
	assert_same_run(m, s, ref);
	enc_free(s);
	enc_free(ref);
	free(modes);
	model_free(m);
}

static void
test_bad_input(void **st)
{
	(void)st;
	model *m = load_tiny();
	enc_state *s = enc_new(m, 16);
	uint8_t *modes = calloc((size_t)m->cfg.layers * m->cfg.heads, 1);
	int ids[20] = { 2, 3 }, k[5];
	float p[5];
	heed_err e;

	assert_int_equal(enc_max_tokens(s), 16);
	assert_int_equal(enc_run(s, ids, 0, NULL, NULL, NULL, NULL, &e), HEED_EINVAL);
	assert_int_equal(enc_run(s, ids, 17, NULL, NULL, NULL, NULL, &e), HEED_EINVAL);
	ids[1] = m->cfg.vocab_size;
	assert_int_equal(enc_run(s, ids, 2, NULL, NULL, NULL, NULL, &e), HEED_EINVAL);
	ids[1] = 3;
	modes[0] = HEAD_AVERAGE;
	assert_int_equal(enc_run(s, ids, 2, modes, NULL, NULL, NULL, &e), HEED_EINVAL);
	assert_non_null(strstr(e.msg, "calibration"));
	/* no complete run yet: nothing to predict from */
	assert_int_equal(enc_mlm_topk(s, 0, 5, k, p, &e), HEED_EINVAL);
	assert_int_equal(enc_run(s, ids, 2, NULL, NULL, NULL, NULL, &e), HEED_OK);
	assert_int_equal(enc_mlm_topk(s, 2, 5, k, p, &e), HEED_EINVAL);
	assert_int_equal(enc_mlm_topk(s, 1, 5, k, p, &e), 5);
	for (int j = 1; j < 5; j++)
		assert_true(p[j] <= p[j - 1]);
	float pk;
	assert_int_equal(enc_mlm_prob(s, 1, k[0], &pk, &e), HEED_OK);
	assert_true(pk == p[0]);
	enc_free(s);
	free(modes);
	model_free(m);
}

/* DeBERTa-v3's own checkpoints say nothing of "legacy" (true: transformers
 * would build cls.predictions, absent from the file, at random) and hold
 * lm_predictions.lm_head: heed reads that head, the one the file has, and
 * predicts as transformers does once "legacy" is false.  The deberta3-f32
 * fixture says false; the same folder without the key predicts the same. */
static void
test_deberta_legacy(void **st)
{
	(void)st;
	char dir[] = "/tmp/heed-legacy-XXXXXX", path[1100], src[1100];
	static const char *const files[] = { "model.safetensors", "spm.model",
		"tokenizer_config.json" };
	json_error_t jerr;
	json_t *cfg;
	fixture f;
	heed_err e;
	int ids[512];

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(src, sizeof src, "%s/deberta3-f32/%s", FIXDIR, files[i]);
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		assert_int_equal(symlink(src, path), 0);
	}
	cfg = json_load_file(FIXDIR "/deberta3-f32/config.json", 0, &jerr);
	assert_non_null(cfg);
	assert_true(json_is_false(json_object_get(cfg, "legacy")));
	json_object_del(cfg, "legacy");
	snprintf(path, sizeof path, "%s/config.json", dir);
	assert_int_equal(json_dump_file(cfg, path, 0), 0);
	json_decref(cfg);

	f.doc = json_load_file(FIXDIR "/deberta3-f32.json", 0, &jerr);
	assert_non_null(f.doc);
	assert_int_equal(model_load(dir, &f.m, &e), HEED_OK);
	assert_true(f.m->cfg.mlm_legacy);
	assert_true(f.m->has_mlm && f.m->emd_ok && !f.m->has_emd);
	assert_int_equal(tok_load(dir, &f.v, &e), HEED_OK);
	f.s = enc_new(f.m, 128);
	const json_t *sents = json_object_get(f.doc, "sentences");
	for (size_t i = 0; i < json_array_size(sents); i++) {
		const json_t *sent = json_array_get(sents, i);
		int n = (int)json_array_size(json_object_get(sent, "ids"));
		check_tokens(&f, sent, ids);
		assert_int_equal(enc_run(f.s, ids, n, NULL, NULL, NULL, NULL, &e), HEED_OK);
		check_mlm(&f, sent, "mlm");
	}
	fixture_close(&f);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
}

/* ALBERT's rows that run one weight set share its memory (4 rows from 2
 * groups: 0 0 1 1; one group of 2 inner layers over 2 layers: 0 1 0 1), and
 * still each has its own attention. */
static void
test_albert_shared(void **st)
{
	static const struct { const char *dir; int set[4]; } cases[] = {
		{ FIXDIR "/albert-f32", { 0, 0, 1, 1 } },
		{ FIXDIR "/albert-inner-f32", { 0, 1, 0, 1 } },
	};
	(void)st;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		model *m;
		heed_err e;
		assert_int_equal(model_load(cases[c].dir, &m, &e), HEED_OK);
		assert_int_equal(m->cfg.layers, 4);
		for (int r = 0; r < 4; r++)
			for (int q = 0; q < 4; q++) {
				bool same = cases[c].set[r] == cases[c].set[q];
				assert_int_equal(m->layer[r].wqkv.data == m->layer[q].wqkv.data, same);
				assert_int_equal(m->layer[r].ln2_g == m->layer[q].ln2_g, same);
			}
		enc_state *s = enc_new(m, 16);
		assert_int_equal(enc_run(s, sample_ids, SAMPLE_N, NULL, NULL, NULL, NULL, &e), HEED_OK);
		assert_memory_not_equal(enc_attn(s, 0, 0), enc_attn(s, cases[c].set[1] == 0 ? 1 : 2, 0),
					sizeof(float) * SAMPLE_N * SAMPLE_N);
		enc_free(s);
		model_free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bert_f32),
		cmocka_unit_test(test_bert_f16),
		cmocka_unit_test(test_distil_f32),
		cmocka_unit_test(test_distil_f16),
		cmocka_unit_test(test_heed_mini),
		cmocka_unit_test(test_modernbert_f32),
		cmocka_unit_test(test_modernbert_bf16),
		cmocka_unit_test(test_modernbert_threads),
		cmocka_unit_test(test_deberta3_f32),
		cmocka_unit_test(test_deberta3_bf16),
		cmocka_unit_test(test_deberta3_threads),
		cmocka_unit_test(test_deberta2_f32),
		cmocka_unit_test(test_deberta2_f16),
		cmocka_unit_test(test_deberta_legacy),
		cmocka_unit_test(test_bert_f32_threads),
		cmocka_unit_test(test_distil_f16_threads),
		cmocka_unit_test(test_heed_mini_threads),
		cmocka_unit_test(test_bert_nohead_f32),
		cmocka_unit_test(test_bert_nohead_bf16),
		cmocka_unit_test(test_roberta_f32),
		cmocka_unit_test(test_roberta_f16),
		cmocka_unit_test(test_xlmr_bf16),
		cmocka_unit_test(test_camembert_f32),
		cmocka_unit_test(test_electra_gen_f32),
		cmocka_unit_test(test_electra_gen_f16),
		cmocka_unit_test(test_electra_disc_f32),
		cmocka_unit_test(test_electra_disc_bf16),
		cmocka_unit_test(test_albert_f32),
		cmocka_unit_test(test_albert_f16),
		cmocka_unit_test(test_albert_inner_f32),
		cmocka_unit_test(test_albert_shared),
		cmocka_unit_test(test_albert_threads),
		cmocka_unit_test(test_roberta_threads),
		cmocka_unit_test(test_batch_bert),
		cmocka_unit_test(test_batch_roberta),
		cmocka_unit_test(test_batch_albert),
		cmocka_unit_test(test_batch_modernbert),
		cmocka_unit_test(test_batch_deberta),
		cmocka_unit_test(test_batch_skip_output),
		cmocka_unit_test(test_batch_distil),
		cmocka_unit_test(test_batch_mini),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_incremental_threads),
		cmocka_unit_test(test_incremental_families),
		cmocka_unit_test(test_mode_rows),
		cmocka_unit_test(test_modernbert_window),
		cmocka_unit_test(test_modernbert_band),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
