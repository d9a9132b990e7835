/* test_ui_worker.c — the encoder thread end to end on the tiny BERT: what
 * it hands back equals a direct enc_run, the all-input baseline and the
 * deltas are right (also when the baseline's predictions are reused across
 * toggles), and a job that went stale is never delivered. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/enc.h"
#include "heed/imp.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "derive.h"
#include "palette.h"
#include "worker.h"

#define DIR HEED_TESTDIR "/fixtures/enc/bert-f32"

typedef struct fixture {
	model *m;
	tok_vocab *v;
	uv_loop_t loop;
	uv_async_t done;
	ui_queue q;
	ui_worker w;
	ui_frame *front;
	int wakeups;
	int ids[16], n;
	frame_geom geom;
} fixture;

static void
on_done(uv_async_t *h)
{
	fixture *f = h->data;

	f->wakeups++;
	uv_stop(&f->loop);
}

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	heed_err e;
	tok_result r;
	const char *text = "the cat sat on the [MASK] .";

	assert_int_equal(model_load(DIR, &f->m, &e), 0);
	assert_int_equal(tok_vocab_load(DIR "/vocab.txt", &f->v, &e), 0);
	assert_int_equal(tok_encode(f->v, text, strlen(text), true, 16, &r, &e), 0);
	for (int i = 0; i < r.n; i++)
		f->ids[i] = r.tok[i].id;
	f->n = r.n;
	tok_result_free(&r);
	f->geom = (frame_geom){ 80, 20, 2, SCALE_ABSOLUTE, PAL_VIRIDIS, DEPTH_256, false };   /* the grid's area in an 80 x 24 window */
	uv_loop_init(&f->loop);
	uv_async_init(&f->loop, &f->done, on_done);
	f->done.data = f;
	queue_init(&f->q, 16, f->m->cfg.layers * f->m->cfg.heads);
	assert_int_equal(worker_start(&f->w, f->m, f->v, NULL, 16, 2, NULL, 0, &f->q, &f->done, &e), 0);
	f->front = frame_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	worker_stop(&f->w);
	queue_destroy(&f->q);
	frame_free(f->front);
	uv_close((uv_handle_t *)&f->done, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_loop_close(&f->loop);
	tok_vocab_free(f->v);
	model_free(f->m);
	free(f);
	return 0;
}

/* Submit a job for the current generation and wait for its result. */
static void
run_job(fixture *f, const uint8_t *modes)
{
	queue_submit(&f->q, queue_bump(&f->q), f->ids, f->n, modes, &f->geom, NULL);
	while (!queue_take(&f->q, &f->front))
		uv_run(&f->loop, UV_RUN_DEFAULT);
}

static void
test_matches_direct_run(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads, n = f->n;
	uint8_t *modes = calloc((size_t)L * H, 1);
	enc_state *s = enc_new(f->m, 16);
	char buf[FRAME_LABEL_BYTES];
	heed_err e;

	run_job(f, modes);
	assert_int_equal(f->front->err, 0);
	assert_int_equal(f->front->n, n);
	assert_false(f->front->modified);
	assert_int_equal(enc_run(s, f->ids, n, NULL, NULL, NULL, NULL, &e), 0);
	for (int l = 0; l < L; l++)
		for (int h = 0; h < H; h++)
			assert_memory_equal(f->front->attn + ((size_t)l * H + h) * n * n,
			    enc_attn(s, l, h), sizeof(float) * n * n);
	for (int l = 0; l <= L; l++)
		assert_float_equal(f->front->cosine[l], 1.0, 1e-12);
	/* the frame carries what the views read, made from that attention */
	for (int i = 0; i < n; i++) {
		char want[FRAME_LABEL_BYTES];

		tok_display_ids(f->v, f->ids, n, i, want, sizeof want);
		assert_string_equal(f->front->labels[i], want);
	}
	assert_false(f->front->pair);
	{
		/* the statistics view's figures are hstat's, to the last bit */
		uint8_t *kind = malloc((size_t)n);

		hstat_token_kinds(f->v, f->ids, n, kind);
		assert_memory_equal(f->front->kind, kind, (size_t)n);
		for (int lh = 0; lh < L * H; lh++) {
			hstat want;

			hstat_head(f->front->attn + (size_t)lh * n * n, n, kind, NULL, &want);
			assert_memory_equal(f->front->hs[lh].v, want.v, sizeof want.v);
			assert_int_equal(f->front->hs[lh].cat, want.cat);
			assert_float_equal(f->front->stat[STAT_ENTROPY][lh], want.v[HSTAT_ENTROPY], 0);
			assert_true(f->front->rank[STAT_ENTROPY][lh] >= 0);
		}
		/* each column's orders run through every head, sorted */
		for (int c = 0; c < HSTAT_COUNT; c++)
			for (int k = 1; k < L * H; k++) {
				const hstat *a = &f->front->hs[f->front->hs_order[c][0][k - 1]];
				const hstat *b = &f->front->hs[f->front->hs_order[c][0][k]];
				const hstat *x = &f->front->hs[f->front->hs_order[c][1][k - 1]];
				const hstat *y = &f->front->hs[f->front->hs_order[c][1][k]];

				if (c != HSTAT_DEP) {
					assert_true(a->v[c] <= b->v[c]);
					assert_true(x->v[c] >= y->v[c]);
				}
			}
		free(kind);
	}
	{
		float *roll = malloc(sizeof(float) * (L + 2) * n * n);

		derive_rollout(f->front->attn, L, H, n, roll, roll + (size_t)L * n * n);
		assert_memory_equal(f->front->rollout, roll, sizeof(float) * L * n * n);
		free(roll);
	}
	assert_true(f->front->tw > 0 && f->front->th > 0);
	assert_memory_equal(&f->front->geom, &f->geom, sizeof f->geom);
	for (int i = 0; i < f->front->nmask; i++)
		for (int k = 0; k < f->front->mask[i].k; k++)
			assert_string_equal(f->front->mask[i].pieces[k],
			    tok_display_ids(f->v, &f->front->mask[i].ids[k], 1, 0, buf, sizeof buf));
	assert_true(f->front->has_mlm);
	assert_int_equal(f->front->nmask, 1);
	assert_int_equal(f->front->mask[0].pos, 6);
	for (int i = 0; i < f->front->mask[0].k; i++)
		assert_int_equal(f->front->mask[0].base_rank[i], i);
	enc_free(s);
	free(modes);
}

static void
test_uniform_head_moves_downstream(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads, n = f->n;
	uint8_t *modes = calloc((size_t)L * H, 1);
	const float *a;

	modes[0] = HEAD_UNIFORM;                 /* L1H1 */
	run_job(f, modes);
	assert_true(f->front->modified);
	a = f->front->attn;
	for (int k = 0; k < n * n; k++)
		assert_float_equal(a[k], 1.0f / n, 1e-6);
	assert_float_equal(f->front->cosine[0], 1.0, 1e-12);   /* embeddings */
	for (int l = 1; l <= L; l++)
		assert_true(f->front->cosine[l] < 0.9999);
	/* predictions carry the baseline's probabilities for comparison */
	const ui_mask_pred *p = &f->front->mask[0];
	bool moved = false;
	for (int i = 0; i < p->k; i++)
		moved |= p->base_rank[i] != i || fabsf(p->probs[i] - p->base_prob[i]) > 1e-6f;
	assert_true(moved);
	free(modes);
}

/* The baseline's probabilities of each prediction, as a fresh all-input
 * run gives them. */
static void
expect_baseline(fixture *f)
{
	const ui_mask_pred *p = &f->front->mask[0];
	enc_state *s = enc_new(f->m, 16);
	int ids[UI_BASE_TOPK];
	float probs[UI_BASE_TOPK];
	heed_err e;

	assert_int_equal(enc_run(s, f->ids, f->n, NULL, NULL, NULL, NULL, &e), 0);
	int k = enc_mlm_topk(s, p->pos, UI_BASE_TOPK, ids, probs, &e);
	assert_true(k > 0);
	for (int i = 0; i < p->k; i++) {
		int rank = -1;
		for (int j = 0; j < k && rank < 0; j++)
			if (ids[j] == p->ids[i])
				rank = j;
		assert_int_equal(p->base_rank[i], rank);
		assert_float_equal(p->base_prob[i], rank >= 0 ? probs[rank] : 0.0f, 1e-6);
	}
	enc_free(s);
}

/* Toggles reuse the baseline's predictions; a new sentence (the [MASK] at
 * the same place) must not. */
static void
test_baseline_predictions_follow_the_sentence(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads;
	uint8_t *modes = calloc((size_t)L * H, 1);

	run_job(f, modes);
	modes[0] = HEAD_UNIFORM;
	run_job(f, modes);
	expect_baseline(f);
	modes[1] = HEAD_UNIFORM;
	run_job(f, modes);
	expect_baseline(f);
	f->ids[2] = f->ids[2] + 1;   /* another word before the [MASK] */
	run_job(f, modes);
	assert_int_equal(f->front->mask[0].pos, 6);
	expect_baseline(f);
	free(modes);
}

static void
test_stale_job_never_delivered(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads;
	uint8_t *modes = calloc((size_t)L * H, 1);
	uint64_t old = queue_bump(&f->q);

	/* a job made stale by a newer edit before, while or after it runs */
	modes[0] = HEAD_UNIFORM;
	queue_submit(&f->q, old, f->ids, f->n, modes, &f->geom, NULL);
	queue_bump(&f->q);
	memset(modes, 0, (size_t)L * H);
	run_job(f, modes);
	assert_true(f->front->gen > old);
	assert_false(f->front->modified);
	assert_false(queue_take(&f->q, &f->front));
	free(modes);
}

/* Wait for importance numbers with the curve complete; fails on an error. */
static void
wait_importance(fixture *f, ui_imp *p)
{
	for (;;) {
		if (queue_imp_take(&f->q, p)) {
			assert_int_equal(p->err, 0);
			assert_true(p->done <= p->total);
			if (p->curve_done)
				return;
		}
		(void)queue_take(&f->q, &f->front);
		uv_run(&f->loop, UV_RUN_DEFAULT);
	}
}

/* While the view asks, the worker scans after the frame: the same numbers
 * as imp_heads and imp_replace_curve called directly, handed over with
 * the job's generation; and a repeat of the request is answered at once. */
static void
test_importance_after_frame(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads, LH = L * H, masks[4], order[64];
	uint8_t *modes = calloc((size_t)LH, 1);
	ui_imp_req req = { true, HEAD_UNIFORM, IMP_ORDER_SCORE };
	imp_ctx *c = imp_new(f->m, 16, 2);
	imp_result r;
	imp_curve cv;
	imp_opts o;
	ui_imp p;
	heed_err e;

	importance_init(&p, LH);
	imp_result_init(&r);
	imp_curve_init(&cv);
	modes[1] = HEAD_SYNTH_RANDOM;   /* the others keep their modes */
	queue_imp_request(&f->q, &req);
	uint64_t gen = queue_bump(&f->q);
	queue_submit(&f->q, gen, f->ids, f->n, modes, &f->geom, NULL);
	wait_importance(f, &p);
	assert_true(p.gen == gen);
	assert_true(p.heads_done);
	assert_int_equal(p.done, p.total);
	assert_int_equal(p.n, f->n);
	assert_int_equal(p.measure, IMP_KL);
	imp_opts_init(&o);
	o.replace = HEAD_UNIFORM;
	o.nmask = imp_find_masks(f->ids, f->n, tok_vocab_specials(f->v).mask, masks, 4);
	o.mask_pos = masks;
	assert_int_equal(o.nmask, 1);
	assert_int_equal(imp_heads(c, f->ids, f->n, modes, &o, &r, &e), 0);
	imp_rank(&r, order);
	for (int i = 0; i < LH; i++) {
		assert_float_equal(p.score[i], r.score[i], 1e-6);
		assert_int_equal(p.rank[i], order[LH - 1 - i]);
		assert_int_equal(p.curve_order[i], order[i]);
	}
	assert_int_equal(imp_replace_curve(c, f->ids, f->n, modes, &o, order, LH, &cv, &e), 0);
	for (int k = 0; k <= LH; k++)
		assert_float_equal(p.curve_prob[k], cv.prob[k], 1e-6);
	assert_float_equal(p.curve_prob[0], r.base_prob[0], 1e-9);
	/* the same request again (a resize): answered without a scan */
	gen = queue_bump(&f->q);
	queue_submit(&f->q, gen, f->ids, f->n, modes, &f->geom, NULL);
	wait_importance(f, &p);
	assert_true(p.gen == gen);
	assert_float_equal(p.score[0], r.score[0], 1e-6);
	/* not asked: no numbers come */
	req.want = false;
	queue_imp_request(&f->q, &req);
	run_job(f, modes);
	assert_false(queue_imp_take(&f->q, &p));
	imp_curve_free(&cv);
	imp_result_free(&r);
	imp_free(c);
	importance_free(&p);
	free(modes);
}

/* A newer sentence makes the scan in flight stale: what is taken answers
 * the newest job, never the old one. */
static void
test_importance_follows_the_sentence(void **state)
{
	fixture *f = *state;
	int LH = f->m->cfg.layers * f->m->cfg.heads;
	uint8_t *modes = calloc((size_t)LH, 1);
	ui_imp_req req = { true, HEAD_UNIFORM, IMP_ORDER_SCORE };
	ui_imp p;

	importance_init(&p, LH);
	queue_imp_request(&f->q, &req);
	for (int k = 0; k < 5; k++) {
		queue_submit(&f->q, queue_bump(&f->q), f->ids, f->n - k % 2, modes, &f->geom, NULL);
		if (k % 2 == 0)
			(void)queue_imp_take(&f->q, &p);   /* whatever came meanwhile */
	}
	uint64_t gen = queue_gen(&f->q);
	wait_importance(f, &p);
	assert_true(p.gen == gen);
	assert_int_equal(p.n, f->n);   /* k = 4: the whole sentence */
	importance_free(&p);
	free(modes);
}

/* A sentence pair: the frame carries each token's segment, and the
 * encoder ran on BERT's type ids (segment B of type 1), which change the
 * attention against the same ids all of type 0. */
static void
test_pair_types_reach_the_encoder(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads;
	uint8_t *modes = calloc((size_t)L * H, 1);
	enc_state *s = enc_new(f->m, 16);
	const char *line = "the cat sat ||| on the mat";
	tok_ws *ws = tok_ws_new();
	int ids[16], types[16], n;
	bool differs = false;
	tok_result r;
	heed_err e;

	assert_int_equal(tok_encode_line(f->v, ws, line, strlen(line), true, 16, &r, &e), 0);
	assert_true(r.pair);
	n = r.n;
	for (int i = 0; i < n; i++) {
		ids[i] = r.tok[i].id;
		types[i] = r.tok[i].type;
	}
	queue_submit_tokens(&f->q, queue_bump(&f->q), r.tok, n, modes, &f->geom, NULL);
	while (!queue_take(&f->q, &f->front))
		uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->front->err, 0);
	assert_true(f->front->pair);
	/* [CLS] the cat sat [SEP] | on the mat [SEP] */
	assert_int_equal(n, 9);
	for (int i = 0; i < n; i++) {
		assert_int_equal(f->front->seg[i], i >= 5);
		assert_int_equal(f->front->types[i], i >= 5);
		assert_int_equal(frame_seg_start(f->front, i), i == 5);
	}
	assert_int_equal(enc_run_typed(s, ids, types, n, NULL, NULL, NULL, NULL, &e), 0);
	for (int l = 0; l < L; l++)
		for (int h = 0; h < H; h++)
			assert_memory_equal(f->front->attn + ((size_t)l * H + h) * n * n,
			    enc_attn(s, l, h), sizeof(float) * n * n);
	assert_int_equal(enc_run(s, ids, n, NULL, NULL, NULL, NULL, &e), 0);
	for (int k = 0; k < n * n; k++)
		differs |= fabsf(f->front->attn[k] - enc_attn(s, 0, 0)[k]) > 1e-6f;
	assert_true(differs);
	tok_ws_free(ws);
	enc_free(s);
	free(modes);
}

/* A job that asks to look inside a head gets the encoder's own probe of
 * the shown run, and q ⊙ k_j; a job that does not ask gets none. */
static void
test_probe_in_frame(void **state)
{
	fixture *f = *state;
	int L = f->m->cfg.layers, H = f->m->cfg.heads, n = f->n, d = f->m->cfg.hidden / H;
	uint8_t *modes = calloc((size_t)L * H, 1);
	enc_state *s = enc_new(f->m, 16);
	float *mem = calloc((size_t)d + (size_t)n * d + 5 * (size_t)n, sizeof(float));
	enc_probe p = { .q = mem, .k = mem + d };
	heed_err e;

	p.qk = p.k + (size_t)n * d;
	p.c2p = p.qk + n;
	p.p2c = p.c2p + n;
	p.score = p.p2c + n;
	p.weight = p.score + n;
	modes[0] = HEAD_UNIFORM;   /* the shown run is the modified one */
	queue_set_probe(&f->q, &(frame_probe_ask){ 1, 2, 99 });
	run_job(f, modes);
	assert_true(f->front->has_probe);
	assert_int_equal(f->front->probe_of.query, n - 1);   /* clamped to the sentence */
	assert_int_equal(enc_run(s, f->ids, n, modes, NULL, NULL, NULL, &e), 0);
	assert_int_equal(enc_probe_head(s, 1, 2, n - 1, &p, &e), 0);
	assert_memory_equal(f->front->probe.q, p.q, sizeof(float) * d);
	assert_memory_equal(f->front->probe.k, p.k, sizeof(float) * n * d);
	assert_memory_equal(f->front->probe.score, p.score, sizeof(float) * n);
	for (int j = 0; j < n; j++)
		for (int t = 0; t < d; t++)
			assert_float_equal(f->front->probe_prod[(size_t)j * d + t], p.q[t] * p.k[(size_t)j * d + t], 0);
	queue_set_probe(&f->q, &(frame_probe_ask){ -1, 0, 0 });
	run_job(f, modes);
	assert_false(f->front->has_probe);
	free(mem);
	enc_free(s);
	free(modes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_direct_run),
		cmocka_unit_test(test_uniform_head_moves_downstream),
		cmocka_unit_test(test_baseline_predictions_follow_the_sentence),
		cmocka_unit_test(test_stale_job_never_delivered),
		cmocka_unit_test(test_pair_types_reach_the_encoder),
		cmocka_unit_test(test_importance_after_frame),
		cmocka_unit_test(test_importance_follows_the_sentence),
		cmocka_unit_test(test_probe_in_frame),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
