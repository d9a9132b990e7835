/* worker.c — one dedicated thread runs the encoder and builds frames:
 * forward passes and the maths the views show never run on the loop's
 * thread (a keystroke must never wait for a matrix product) nor in libuv's
 * shared pool.
 *
 * A job is run twice when some head is not in input mode: once as asked and
 * once all-input, the baseline the output view compares against.  Both
 * encoder states recompute only from the first layer that changed, so a
 * toggle costs the layers after it and the baseline costs nothing until the
 * sentence changes.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heed/open.h"

#include "derive.h"
#include "layout.h"

static bool
cancelled(void *ud)
{
	ui_worker *w = ud;

	return queue_stale(w->q, w->job.gen);
}

static bool
all_input(const ui_job *j)
{
	for (int i = 0; i < j->nmodes; i++)
		if (j->modes[i] != HEAD_INPUT)
			return false;
	return true;
}

/* The state whose results are shown: the baseline itself when every head
 * is in input mode. */
static enc_state *
shown(ui_worker *w, const ui_frame *r)
{
	return r->modified ? w->run : w->base;
}

static void
copy_attention(ui_worker *w, ui_frame *r)
{
	size_t nn = (size_t)r->n * r->n;

	for (int l = 0; l < r->layers; l++) {
		r->window[l] = enc_window(shown(w, r), l);
		for (int h = 0; h < r->heads; h++) {
			size_t lh = (size_t)l * r->heads + h;

			memcpy(r->attn + lh * nn, enc_attn(shown(w, r), l, h), nn * sizeof *r->attn);
			/* the baseline, for frame_derive's current - input */
			if (r->modified)
				memcpy(r->change + lh * nn, enc_attn(w->base, l, h),
				    nn * sizeof *r->change);
		}
	}
}

/* Everything the views read, from the attention just copied; thumbnails
 * keep their last levels where the change would not show. */
static void
build_frame(ui_worker *w, ui_frame *r)
{
	const uint8_t *prev = NULL;
	size_t bytes;

	if (w->prev_tw > 0) {
		grid_layout g;

		if (layout_grid_compute(0, 0, w->job.geom.w, w->job.geom.h, r->layers, r->heads,
		    r->n, w->job.geom.rpl, 0, 0, &g) == 0 && g.pw == w->prev_tw && g.ph == w->prev_th &&
		    w->job.geom.scale == w->prev_scale)
			prev = w->prev_thumb;
	}
	frame_derive(r, w->vocab, w->cal, &w->job.geom, prev);
	bytes = (size_t)r->tw * r->th * r->layers * r->heads;
	if (bytes > w->prev_cap) {
		w->prev_thumb = xrealloc(w->prev_thumb, bytes);
		w->prev_cap = bytes;
	}
	if (bytes > 0)
		memcpy(w->prev_thumb, r->thumb, bytes);
	w->prev_tw = r->tw;
	w->prev_th = r->th;
	w->prev_scale = w->job.geom.scale;
}

static void
compare_hidden(ui_worker *w, ui_frame *r)
{
	for (int l = 0; l <= r->layers; l++)
		r->cosine[l] = r->modified ? derive_cosine(enc_hidden(w->run, l),
		    enc_hidden(w->base, l), r->n, w->m->cfg.hidden) : 1.0;
}

/* Top-k at the m-th [MASK], with each prediction's rank and probability in
 * the baseline (searched to UI_BASE_TOPK deep; computed only when the
 * baseline ran again). */
static int
predict(ui_worker *w, const ui_frame *r, int m, ui_mask_pred *p, heed_err *e)
{
	int k;

	k = enc_mlm_topk(shown(w, r), p->pos, UI_TOPK, p->ids, p->probs, e);
	if (k < 0)
		return k;
	p->k = k;
	if (m >= w->nbase_top || w->base_top[m].pos != p->pos) {
		int bk = enc_mlm_topk(w->base, p->pos, UI_BASE_TOPK, w->base_top[m].ids,
				      w->base_top[m].probs, e);
		if (bk < 0)
			return bk;
		w->base_top[m].pos = p->pos;
		w->base_top[m].k = bk;
		w->nbase_top = m + 1;
	}
	for (int i = 0; i < k; i++) {
		/* a prediction stands alone: Ġ, ▁ decoded as in the labels */
		tok_display_ids(w->vocab, &p->ids[i], 1, 0, p->piece_buf[i], sizeof p->piece_buf[i]);
		p->pieces[i] = p->piece_buf[i][0] != '\0' ? p->piece_buf[i] : "?";
		p->base_rank[i] = derive_rank(p->ids[i], w->base_top[m].ids, w->base_top[m].k);
		p->base_prob[i] = p->base_rank[i] >= 0 ? w->base_top[m].probs[p->base_rank[i]] : 0;
	}
	return HEED_OK;
}

static int
predict_masks(ui_worker *w, ui_frame *r, heed_err *e)
{
	r->nmask = 0;
	r->has_mlm = w->m->has_mlm;
	if (!r->has_mlm || w->mask_id < 0)
		return HEED_OK;
	for (int i = 0; i < r->n && r->nmask < UI_MAX_MASKS; i++) {
		if (r->ids[i] != w->mask_id)
			continue;
		r->mask[r->nmask].pos = i;
		int rc = predict(w, r, r->nmask, &r->mask[r->nmask], e);
		if (rc < 0)
			return rc;
		r->nmask++;
	}
	return HEED_OK;
}

/* An ELECTRA discriminator's P(replaced) per token, shown and baseline. */
static int
detect_replaced(ui_worker *w, ui_frame *r, heed_err *e)
{
	int rc;

	r->has_rtd = w->m->has_rtd;
	if (!r->has_rtd)
		return HEED_OK;
	if ((rc = enc_replaced(w->base, r->base_replaced, e)) < 0)
		return rc;
	if (!r->modified) {
		memcpy(r->replaced, r->base_replaced, (size_t)r->n * sizeof *r->replaced);
		return HEED_OK;
	}
	return enc_replaced(w->run, r->replaced, e);
}

static int
run_job(ui_worker *w, ui_frame *r, heed_err *e)
{
	const ui_job *j = &w->job;
	double t0 = util_now_ms();
	int rc;

	r->modified = !all_input(j);
	r->warn[0] = '\0';
	rc = enc_run_typed(w->base, j->ids, j->types, j->n, NULL, w->cal, cancelled, w, e);
	/* the baseline ran a layer: its predictions are new (or, cancelled,
	 * unknown) */
	if (enc_first_recomputed(w->base) < w->m->cfg.layers || rc < 0)
		w->nbase_top = 0;
	if (rc == HEED_OK && r->modified)
		rc = enc_run_typed(w->run, j->ids, j->types, j->n, j->modes, w->cal, cancelled, w, e);
	if (rc < 0)
		return rc;
	/* finite weights can still overflow in the forward: the views mark
	 * such cells with ??, and the frame carries the reason to say so */
	{
		heed_err why = { "" };

		if (heed_check_finite(shown(w, r), w->m, NULL, NULL, &why) < 0)
			snprintf(r->warn, sizeof r->warn, "warning: %s", why.msg);
	}
	r->first_recomputed = enc_first_recomputed(shown(w, r));
	r->n = j->n;
	memcpy(r->ids, j->ids, (size_t)j->n * sizeof *j->ids);
	memcpy(r->types, j->types, (size_t)j->n * sizeof *j->types);
	memcpy(r->seg, j->seg, (size_t)j->n);
	r->pair = j->pair;
	copy_attention(w, r);
	build_frame(w, r);
	compare_hidden(w, r);
	rc = predict_masks(w, r, e);
	if (rc == HEED_OK)
		rc = detect_replaced(w, r, e);
	r->ms = util_now_ms() - t0;
	return rc;
}

static void
worker_main(void *arg)
{
	ui_worker *w = arg;
	heed_err e;

	while (queue_wait_job(w->q, &w->job)) {
		ui_frame *r = w->back;

		if (queue_stale(w->q, w->job.gen))
			continue;
		frame_reserve(r, w->job.n, w->m->cfg.layers, w->m->cfg.heads);
		e.msg[0] = '\0';
		r->gen = w->job.gen;
		r->err = run_job(w, r, &e);
		if (r->err == HEED_ECANCELED || queue_stale(w->q, w->job.gen))
			continue;
		snprintf(r->msg, sizeof r->msg, "%s", e.msg);
		queue_publish(w->q, &w->back);
		uv_async_send(w->done);
	}
}

int
worker_start(ui_worker *w, const model *m, const tok_vocab *vocab, const calib *cal,
	     int max_tokens, int threads, ui_queue *q, uv_async_t *done, heed_err *e)
{
	memset(w, 0, sizeof *w);
	w->m = m;
	w->vocab = vocab;
	w->cal = cal;
	w->q = q;
	w->done = done;
	w->mask_id = tok_vocab_specials(vocab).mask;
	w->run = enc_new(m, max_tokens);
	w->base = enc_new(m, max_tokens);
	/* both run on the encoder thread, one at a time: their pools never
	 * compete */
	enc_set_threads(w->run, threads);
	enc_set_threads(w->base, threads);
	w->back = frame_new();
	queue_job_init(&w->job, max_tokens, m->cfg.layers * m->cfg.heads);
	if (uv_thread_create(&w->tid, worker_main, w) != 0) {
		worker_stop(w);
		return err_set(e, HEED_EINVAL, "cannot start the encoder thread");
	}
	w->started = true;
	return HEED_OK;
}

void
worker_stop(ui_worker *w)
{
	if (w->started) {
		queue_bump(w->q);   /* cancels a job in flight */
		queue_quit(w->q);
		uv_thread_join(&w->tid);
		w->started = false;
	}
	enc_free(w->run);
	enc_free(w->base);
	frame_free(w->back);
	free(w->prev_thumb);
	queue_job_free(&w->job);
	w->run = w->base = NULL;
	w->back = NULL;
	w->prev_thumb = NULL;
	w->prev_cap = 0;
	w->prev_tw = w->prev_th = 0;
}
