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
 *
 * While the importance view is shown, the job asks for more after the
 * frame: every head switched alone (imp.h), then the replacement curve,
 * handed over in pieces so the status line can count; a newer job cancels
 * it between layers like any other work.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "heed/open.h"

#include "derive.h"

static bool
cancelled(void *ud)
{
	ui_worker *w = ud;

	/* without a queue (worker_compute) nothing supersedes a job */
	return w->q != NULL && queue_stale(w->q, w->job.gen);
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

/* The thumbnails last made stand for what the screen shows at the same
 * geometry: a burst's frame is fitted and levelled against them. */
static bool
same_screen(const frame_geom *a, const frame_geom *b)
{
	return a->w == b->w && a->h == b->h && a->rpl == b->rpl && a->scale == b->scale &&
	    a->pal == b->pal && a->depth == b->depth;
}

/* Everything the views read, from the attention just copied; in a burst
 * of keys the thumbnails keep what they show where the change is at
 * most a colour step (frame_derive). */
static void
build_frame(ui_worker *w, ui_frame *r)
{
	frame_shown shown = { w->prev_thumb, w->prev_tw, w->prev_th, w->prev_tcap };
	size_t bytes;

	frame_derive(r, &w->avg, w->vocab, w->cal, &w->job.geom,
	    w->prev_tw > 0 && same_screen(&w->job.geom, &w->prev_geom) ? &shown : NULL);
	bytes = (size_t)r->tw * r->th * r->layers * r->heads;
	if (bytes > w->prev_cap) {
		w->prev_thumb = xrealloc(w->prev_thumb, bytes);
		w->prev_cap = bytes;
	}
	if (bytes > 0)
		memcpy(w->prev_thumb, r->thumb, bytes);
	w->prev_tw = r->tw;
	w->prev_th = r->th;
	w->prev_tcap = r->tcap;
	w->prev_geom = w->job.geom;
}

static void
compare_hidden(ui_worker *w, ui_frame *r)
{
	for (int l = 0; l <= r->layers; l++)
		r->cosine[l] = r->modified ? derive_cosine(enc_hidden(w->run, l),
		    enc_hidden(w->base, l), r->n, w->m->cfg.hidden) : 1.0;
}

/* Where the baseline's best predictions stand now: rank among the shown
 * run's top UI_BASE_TOPK (now_ids, nk of them), probability from there or,
 * past it, from the shown run's distribution. */
static int
baseline_now(ui_worker *w, const ui_frame *r, int m, int nk, ui_mask_pred *p, heed_err *e)
{
	p->base_k = w->base_top[m].k < UI_TOPK ? w->base_top[m].k : UI_TOPK;
	for (int i = 0; i < p->base_k; i++) {
		int id = w->base_top[m].ids[i];
		const char *piece = tok_piece(w->vocab, id);

		p->base_pieces[i] = piece != NULL ? piece : "?";
		p->base_probs[i] = w->base_top[m].probs[i];
		p->now_rank[i] = derive_rank(id, w->now_ids, nk);
		if (p->now_rank[i] >= 0) {
			p->now_prob[i] = w->now_probs[p->now_rank[i]];
		} else {
			int rc = enc_mlm_prob(shown(w, r), p->pos, id, &p->now_prob[i], e);

			if (rc < 0)
				return rc;
		}
	}
	return HEED_OK;
}

/* Top-k at the m-th [MASK], with each prediction's rank and probability in
 * the baseline (searched to UI_BASE_TOPK deep; computed only when the
 * baseline ran again), and the baseline's top-k with where each is now. */
static int
predict(ui_worker *w, const ui_frame *r, int m, ui_mask_pred *p, heed_err *e)
{
	int nk, k;

	nk = enc_mlm_topk(shown(w, r), p->pos, UI_BASE_TOPK, w->now_ids, w->now_probs, e);
	if (nk < 0)
		return nk;
	k = nk < UI_TOPK ? nk : UI_TOPK;
	memcpy(p->ids, w->now_ids, (size_t)k * sizeof *p->ids);
	memcpy(p->probs, w->now_probs, (size_t)k * sizeof *p->probs);
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
	return baseline_now(w, r, m, nk, p, e);
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

/* P(word) at the first [MASK] for the watched words, shown and baseline. */
static int
watch_words(ui_worker *w, ui_frame *r, heed_err *e)
{
	r->nwatch = 0;
	r->base_top = NULL;
	if (r->nmask == 0 || w->nwatch == 0)
		return HEED_OK;
	for (int k = 0; k < w->nwatch; k++) {
		int rc;

		r->watch[k] = r->watch_base[k] = NAN;
		if (w->watch[k] < 0)
			continue;
		if ((rc = enc_mlm_prob(shown(w, r), r->mask[0].pos, w->watch[k], &r->watch[k], e)) < 0 ||
		    (rc = enc_mlm_prob(w->base, r->mask[0].pos, w->watch[k], &r->watch_base[k], e)) < 0)
			return rc;
	}
	if (w->nbase_top > 0 && w->base_top[0].k > 0)
		r->base_top = tok_piece(w->vocab, w->base_top[0].ids[0]);
	r->nwatch = w->nwatch;
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

/* Inside the head the job asked about: its vectors and score terms
 * (enc_probe_head recomputes one layer's projections, so only a job that
 * asks pays for it), and q ⊙ k_j for each key. */
static int
probe_head(ui_worker *w, ui_frame *r, heed_err *e)
{
	frame_probe_ask ask = w->job.probe;
	int d = w->m->cfg.hidden / w->m->cfg.heads, rc;

	r->has_probe = false;
	r->probe_of = ask;
	if (ask.layer < 0 || ask.layer >= r->layers || ask.head < 0 || ask.head >= r->heads)
		return HEED_OK;
	ask.query = ask.query < 0 ? 0 : ask.query >= r->n ? r->n - 1 : ask.query;
	r->probe_of = ask;
	frame_probe_reserve(r, r->n, d);
	rc = enc_probe_head(shown(w, r), ask.layer, ask.head, ask.query, &r->probe, e);
	if (rc < 0)
		return rc;
	for (int j = 0; j < r->n; j++)
		for (int t = 0; t < d; t++)
			r->probe_prod[(size_t)j * d + t] = r->probe.q[t] * r->probe.k[(size_t)j * d + t];
	r->probe_prod_max = derive_maxabs(r->probe_prod, (size_t)r->n * d);
	r->has_probe = true;
	return HEED_OK;
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
	memcpy(r->modes, j->modes, (size_t)j->nmodes);
	frame_words_copy(&r->words, &j->words);
	copy_attention(w, r);
	build_frame(w, r);
	compare_hidden(w, r);
	rc = predict_masks(w, r, e);
	if (rc == HEED_OK)
		rc = watch_words(w, r, e);
	if (rc == HEED_OK)
		rc = detect_replaced(w, r, e);
	if (rc == HEED_OK)
		rc = probe_head(w, r, e);
	r->ms = util_now_ms() - t0;
	return rc;
}

/* ---- the importance scan ------------------------------------------------ */

#define IMP_PROGRESS_MS 40.0   /* hand progress over at most this often */

static void
imp_publish(ui_worker *w)
{
	w->imp_out.cancelled = w->imp_cancelled;
	w->imp_last_pub = util_now_ms();
	if (w->q == NULL)   /* worker_importance: the caller reads imp_out */
		return;
	queue_imp_publish(w->q, &w->imp_out);
	uv_async_send(w->done);
}

static void
imp_progress(void *ud, int done, int total)
{
	ui_worker *w = ud;

	w->imp_out.done = w->imp_phase * total + done;
	w->imp_out.total = 2 * total;
	/* HEED_IMP_HOLD (the tests' hook): until one scan has been cancelled,
	 * a scan waits after its first run for a newer job, so a test cancels
	 * it for certain instead of racing it */
	if (w->imp_hold && w->imp_cancelled == 0 && w->q != NULL) {
		imp_publish(w);
		while (!cancelled(w))
			uv_sleep(5);
		return;
	}
	if (util_now_ms() - w->imp_last_pub >= IMP_PROGRESS_MS)
		imp_publish(w);
}

static bool
imp_same_request(const ui_worker *w)
{
	const ui_job *j = &w->job;

	return w->imp_valid && j->n == w->imp_n && j->imp.replace == w->imp_key.replace &&
	    j->imp.order == w->imp_key.order &&
	    memcmp(j->ids, w->imp_ids, (size_t)j->n * sizeof *j->ids) == 0 &&
	    memcmp(j->types, w->imp_types, (size_t)j->n * sizeof *j->types) == 0 &&
	    memcmp(j->modes, w->imp_modes, (size_t)j->nmodes) == 0;
}

static void
imp_remember(ui_worker *w)
{
	const ui_job *j = &w->job;

	memcpy(w->imp_ids, j->ids, (size_t)j->n * sizeof *j->ids);
	memcpy(w->imp_types, j->types, (size_t)j->n * sizeof *j->types);
	memcpy(w->imp_modes, j->modes, (size_t)j->nmodes);
	w->imp_n = j->n;
	w->imp_key = j->imp;
	w->imp_valid = true;
}

/* The heads' numbers into the hand-over: as computed, and ranked most
 * important first. */
static void
imp_take_heads(ui_worker *w)
{
	const imp_result *r = &w->imp_res;
	ui_imp *p = &w->imp_out;
	int lh = p->lh;

	p->measure = r->measure;
	p->nmask = r->nmask;
	p->target = r->nmask > 0 ? r->target[0] : -1;
	p->base_prob = r->nmask > 0 ? r->base_prob[0] : 0.0;
	p->target_label[0] = '\0';
	if (p->target >= 0)
		(void)tok_display_ids(w->vocab, &p->target, 1, 0, p->target_label,
				      sizeof p->target_label);
	p->max_score = 0.0;
	for (int i = 0; i < lh; i++) {
		p->score[i] = r->score[i];
		p->dprob[i] = r->dprob[i];
		p->same[i] = r->same[i];
		if (r->score[i] > p->max_score)
			p->max_score = r->score[i];
	}
	imp_rank(r, w->imp_order);
	for (int i = 0; i < lh; i++)
		p->rank[i] = w->imp_order[lh - 1 - i];
	p->heads_done = true;
}

/* Failed or cancelled: say so, or count it; true when the scan stops. */
static bool
imp_stopped(ui_worker *w, int rc, const heed_err *e)
{
	if (rc == HEED_OK)
		return false;
	if (rc == HEED_ECANCELED || cancelled(w)) {
		w->imp_cancelled++;
		return true;
	}
	w->imp_out.err = rc;
	snprintf(w->imp_out.msg, sizeof w->imp_out.msg, "importance: %.230s", e->msg);
	imp_publish(w);
	return true;
}

static void
run_importance(ui_worker *w)
{
	const ui_job *j = &w->job;
	ui_imp *p = &w->imp_out;
	int masks[UI_MAX_MASKS], lh = w->m->cfg.layers * w->m->cfg.heads, rc;
	double t0 = util_now_ms();
	imp_opts o;
	heed_err e = { "" };

	p->gen = j->gen;
	if (imp_same_request(w)) {
		imp_publish(w);
		return;
	}
	w->imp_valid = false;
	if (w->imp == NULL)
		w->imp = imp_new(w->m, w->max_tokens, w->threads);
	p->n = j->n;
	p->req = j->imp;
	p->heads_done = p->curve_done = false;
	p->err = HEED_OK;
	p->msg[0] = '\0';
	p->done = 0;
	p->total = 2 * (lh + 1);
	imp_opts_init(&o);
	o.replace = (head_mode)j->imp.replace;
	o.cal = w->cal;
	o.nmask = w->m->has_mlm ? imp_find_masks(j->ids, j->n, w->mask_id, masks, UI_MAX_MASKS) : 0;
	o.mask_pos = masks;
	o.types = j->types;
	o.cancelled = cancelled;
	o.progress = imp_progress;
	o.ud = w;
	w->imp_phase = 0;
	imp_publish(w);   /* the status line starts counting */
	rc = imp_heads(w->imp, j->ids, j->n, j->modes, &o, &w->imp_res, &e);
	if (imp_stopped(w, rc, &e))
		return;
	imp_take_heads(w);
	imp_publish(w);
	/* the curve, in the order asked (PAPA's needs calibration statistics) */
	if (j->imp.order == IMP_ORDER_PAPA && w->cal != NULL && w->cal->stats != NULL)
		enc_rank_heads(w->cal, w->imp_order);
	else
		imp_rank(&w->imp_res, w->imp_order);
	w->imp_phase = 1;
	rc = imp_replace_curve(w->imp, j->ids, j->n, j->modes, &o, w->imp_order, lh,
			       &w->imp_curve, &e);
	if (imp_stopped(w, rc, &e))
		return;
	memcpy(p->curve_order, w->imp_order, (size_t)lh * sizeof *p->curve_order);
	memcpy(p->curve_prob, w->imp_curve.prob, (size_t)(lh + 1) * sizeof *p->curve_prob);
	memcpy(p->curve_kl, w->imp_curve.kl, (size_t)(lh + 1) * sizeof *p->curve_kl);
	memcpy(p->curve_acc, w->imp_curve.acc, (size_t)(lh + 1) * sizeof *p->curve_acc);
	p->curve_done = true;
	p->done = p->total;
	p->ms = util_now_ms() - t0;
	imp_remember(w);
	imp_publish(w);
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
		if (w->job.imp.want && r->err == HEED_OK)
			run_importance(w);
	}
}

void
worker_init(ui_worker *w, const model *m, const tok_vocab *vocab, const calib *cal,
	    int max_tokens, int threads, const int *watch, int nwatch)
{
	memset(w, 0, sizeof *w);
	w->nwatch = nwatch < UI_WATCH ? nwatch : UI_WATCH;
	for (int k = 0; k < w->nwatch; k++)
		w->watch[k] = watch[k];
	w->m = m;
	w->vocab = vocab;
	w->cal = cal;
	w->mask_id = tok_vocab_specials(vocab).mask;
	w->threads = threads;
	w->max_tokens = max_tokens;
	imp_result_init(&w->imp_res);
	imp_curve_init(&w->imp_curve);
	importance_init(&w->imp_out, m->cfg.layers * m->cfg.heads);
	w->imp_order = xcalloc((size_t)m->cfg.layers * m->cfg.heads, sizeof *w->imp_order);
	w->imp_ids = xcalloc((size_t)max_tokens, sizeof *w->imp_ids);
	w->imp_types = xcalloc((size_t)max_tokens, sizeof *w->imp_types);
	w->imp_modes = xcalloc((size_t)m->cfg.layers * m->cfg.heads, 1);
	w->run = enc_new(m, max_tokens);
	w->base = enc_new(m, max_tokens);
	/* both run on the encoder thread, one at a time: their pools never
	 * compete */
	enc_set_threads(w->run, threads);
	enc_set_threads(w->base, threads);
	w->back = frame_new();
	queue_job_init(&w->job, max_tokens, m->cfg.layers * m->cfg.heads);
}

int
worker_compute(ui_worker *w, const tok_token *tok, int n, const uint8_t *modes,
	       const frame_geom *geom, const ui_words *words, ui_frame **out, heed_err *e)
{
	ui_frame *r = w->back;
	int rc;

	if (n > w->job.cap)
		return err_set(e, HEED_EINVAL, "%d tokens, more than the %d this encoder holds",
		    n, w->job.cap);
	queue_job_set(&w->job, tok, n, modes, geom, words);
	frame_reserve(r, n, w->m->cfg.layers, w->m->cfg.heads);
	rc = run_job(w, r, e);
	r->err = rc;
	*out = r;
	return rc;
}

int
worker_importance(ui_worker *w, ui_imp_req req, const ui_imp **out, heed_err *e)
{
	w->job.imp = req;
	w->job.imp.want = true;
	run_importance(w);
	*out = &w->imp_out;
	if (w->imp_out.err < 0)
		return err_set(e, w->imp_out.err, "%s", w->imp_out.msg);
	return HEED_OK;
}

int
worker_start(ui_worker *w, const model *m, const tok_vocab *vocab, const calib *cal,
	     int max_tokens, int threads, const int *watch, int nwatch, ui_queue *q,
	     uv_async_t *done, heed_err *e)
{
	worker_init(w, m, vocab, cal, max_tokens, threads, watch, nwatch);
	w->q = q;
	w->done = done;
	w->imp_hold = getenv("HEED_IMP_HOLD") != NULL;
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
	imp_free(w->imp);
	imp_result_free(&w->imp_res);
	imp_curve_free(&w->imp_curve);
	importance_free(&w->imp_out);
	free(w->imp_order);
	free(w->imp_ids);
	free(w->imp_types);
	free(w->imp_modes);
	w->imp = NULL;
	w->imp_order = w->imp_ids = w->imp_types = NULL;
	w->imp_modes = NULL;
	frame_free(w->back);
	frame_avg_free(&w->avg);
	free(w->prev_thumb);
	queue_job_free(&w->job);
	w->run = w->base = NULL;
	w->back = NULL;
	w->prev_thumb = NULL;
	w->prev_cap = 0;
	w->prev_tw = w->prev_th = 0;
}
