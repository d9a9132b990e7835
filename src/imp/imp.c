/* imp.c — per-head importance and the replacement curve (imp.h has the
 * measures and their definitions).
 *
 * One encoder state does every run: the baseline first, then one run per
 * switched head, from the last layer's heads to the first's, so that the
 * encoder's cache (enc_run recomputes from the first layer whose modes
 * differ from its previous run) always starts at the switched head's layer.
 * The masked-LM distributions are kept as log-probabilities: the KL then
 * needs no log per vocabulary entry, only a multiply-add.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heed/imp.h"

/* Masked rows wait here until a batch is full, then go through the
 * decoder together: at most IMP_BATCH_FLOATS logits at once. */
#define IMP_BATCH_FLOATS (4u << 20)
#define IMP_BATCH_ROWS 64

struct imp_ctx {
	const model *m;
	enc_state *s;
	int LH, V, H, E, max_tokens;
	uint8_t *work;           /* [LH] the modes of the run in progress */
	float *base_lp;          /* [cap_mask][V] the baseline's log-probabilities */
	float *base_p;           /* [cap_mask][V] and probabilities */
	float *base_hidden;      /* [max_tokens][H] the baseline's last layer */
	int *target;             /* [IMP_MAX_MASKS] targets of the call in progress */
	int cap_mask;
	/* rows waiting for the decoder: the head's transformed row at a mask,
	 * and where its numbers go (slot * nmask + mask) */
	int batch, npend;
	float *pend_t;           /* [batch][E] */
	int *pend_at;            /* [batch] */
	float *pend_lp;          /* [batch][V] */
	/* the curve's numbers per point and mask */
	double *cell_kl, *cell_prob;
	bool *cell_hit;
	size_t cap_cells;
};

/* Where a flush writes: per slot (a head, or a point of the curve) and mask. */
typedef struct imp_sink {
	double *kl, *prob;       /* [slots][nmask] */
	bool *hit;               /* [slots][nmask] top prediction is the target; may be NULL */
} imp_sink;

void
imp_opts_init(imp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->replace = HEAD_AVERAGE;
}

imp_ctx *
imp_new(const model *m, int max_tokens, int threads)
{
	imp_ctx *c = xcalloc(1, sizeof *c);

	c->m = m;
	c->s = enc_new(m, max_tokens);
	enc_set_threads(c->s, threads > 0 ? threads : enc_default_threads());
	c->max_tokens = enc_max_tokens(c->s);
	c->LH = m->cfg.layers * m->cfg.heads;
	c->V = m->cfg.vocab_size;
	c->H = m->cfg.hidden;
	c->E = m->cfg.emb;
	c->work = xmalloc((size_t)c->LH);
	c->base_hidden = xmalloc(sizeof(float) * (size_t)c->max_tokens * c->H);
	c->target = xmalloc(sizeof(int) * IMP_MAX_MASKS);
	c->batch = (int)(IMP_BATCH_FLOATS / (unsigned)c->V);
	c->batch = c->batch < 1 ? 1 : c->batch > IMP_BATCH_ROWS ? IMP_BATCH_ROWS : c->batch;
	if (m->has_mlm) {
		c->pend_t = xmalloc(sizeof(float) * (size_t)c->batch * c->E);
		c->pend_at = xmalloc(sizeof(int) * (size_t)c->batch);
		c->pend_lp = xmalloc(sizeof(float) * (size_t)c->batch * c->V);
	}
	return c;
}

void
imp_free(imp_ctx *c)
{
	if (c == NULL)
		return;
	enc_free(c->s);
	free(c->work);
	free(c->base_lp);
	free(c->base_p);
	free(c->base_hidden);
	free(c->target);
	free(c->pend_t);
	free(c->pend_at);
	free(c->pend_lp);
	free(c->cell_kl);
	free(c->cell_prob);
	free(c->cell_hit);
	free(c);
}

/* ---- checks ------------------------------------------------------------- */

static int
check_opts(const imp_ctx *c, int n, const imp_opts *o, heed_err *e)
{
	if ((unsigned)o->replace >= HEAD_MODE_COUNT || o->replace == HEAD_INPUT)
		return err_set(e, HEED_EINVAL, "a head can be replaced by average, dense, random "
			       "or uniform attention, not %s", enc_mode_name(o->replace));
	if (!enc_mode_available(o->replace, o->cal))
		return err_set(e, HEED_ENOCALIB, "%s replacement needs a calibration file%s",
			       enc_mode_name(o->replace), o->cal != NULL ? " with dense synthesizers" : "");
	if (o->nmask < 0 || o->nmask > IMP_MAX_MASKS || (o->nmask > 0 && o->mask_pos == NULL))
		return err_set(e, HEED_EINVAL, "%d masked positions: 0 to %d", o->nmask, IMP_MAX_MASKS);
	if (o->nmask > 0 && !c->m->has_mlm)
		return err_set(e, HEED_EINVAL, "%s has no masked-LM head to measure masks with",
			       c->m->name != NULL ? c->m->name : "the model");
	for (int k = 0; k < o->nmask; k++) {
		if (o->mask_pos[k] < 0 || o->mask_pos[k] >= n)
			return err_set(e, HEED_EINVAL, "masked position %d outside the %d tokens",
				       o->mask_pos[k], n);
		if (o->target != NULL && (o->target[k] < 0 || o->target[k] >= c->V))
			return err_set(e, HEED_EINVAL, "target token id %d outside the vocabulary (%d)",
				       o->target[k], c->V);
	}
	return HEED_OK;
}

static bool
stop(const imp_opts *o)
{
	return o->cancelled != NULL && o->cancelled(o->ud);
}

static void
tell(const imp_opts *o, int done, int total)
{
	if (o->progress != NULL)
		o->progress(o->ud, done, total);
}

/* ---- measures ----------------------------------------------------------- */

static int
argmax(const float *v, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

/* The baseline just ran: keep its last layer and its distributions (in
 * batches through the decoder), and settle each mask's target. */
static int
keep_baseline(imp_ctx *c, int n, const imp_opts *o, heed_err *e)
{
	size_t V = (size_t)c->V;

	memcpy(c->base_hidden, enc_hidden(c->s, c->m->cfg.layers), sizeof(float) * (size_t)n * c->H);
	if (o->nmask > c->cap_mask) {
		c->base_lp = xrealloc(c->base_lp, sizeof(float) * V * (size_t)o->nmask);
		c->base_p = xrealloc(c->base_p, sizeof(float) * V * (size_t)o->nmask);
		c->cap_mask = o->nmask;
	}
	for (int k0 = 0; k0 < o->nmask; k0 += c->batch) {
		int rows = o->nmask - k0 < c->batch ? o->nmask - k0 : c->batch;

		for (int i = 0; i < rows; i++) {
			int rc = enc_mlm_transform(c->s, o->mask_pos[k0 + i], c->pend_t + (size_t)i * c->E, e);
			if (rc < 0)
				return rc;
		}
		enc_mlm_decode(c->s, c->pend_t, rows, c->base_lp + V * k0);
	}
	for (int k = 0; k < o->nmask; k++) {
		const float *lp = c->base_lp + V * k;
		float *p = c->base_p + V * k;

		for (size_t v = 0; v < V; v++)
			p[v] = expf(lp[v]);
		c->target[k] = o->target != NULL ? o->target[k] : argmax(lp, c->V);
	}
	return HEED_OK;
}

/* KL(p || q) from p, ln p and ln q; a q that underflowed counts as FLT_MIN. */
static double
kl_div(const float *p, const float *lp, const float *lq, int V)
{
	const float floor_lq = logf(FLT_MIN);
	double kl = 0.0;

	for (int v = 0; v < V; v++) {
		if (p[v] <= 0.0f)
			continue;
		float q = lq[v] < floor_lq ? floor_lq : lq[v];
		kl += (double)p[v] * ((double)lp[v] - (double)q);
	}
	/* rounding can leave a hair below zero where nothing changed */
	return kl > 0.0 ? kl : 0.0;
}

/* ‖H_run − H_base‖_F / ‖H_base‖_F over the last layer's n rows. */
static double
hidden_distance(const imp_ctx *c, int n)
{
	const float *h = enc_hidden(c->s, c->m->cfg.layers);
	double d2 = 0.0, b2 = 0.0;

	for (size_t i = 0; i < (size_t)n * c->H; i++) {
		double d = (double)h[i] - c->base_hidden[i];
		d2 += d * d;
		b2 += (double)c->base_hidden[i] * c->base_hidden[i];
	}
	return b2 > 0.0 ? sqrt(d2 / b2) : sqrt(d2);
}

/* Decode the waiting rows together and write each one's numbers. */
static void
flush(imp_ctx *c, const imp_opts *o, const imp_sink *out)
{
	size_t V = (size_t)c->V;

	if (c->npend == 0)
		return;
	enc_mlm_decode(c->s, c->pend_t, c->npend, c->pend_lp);
	for (int i = 0; i < c->npend; i++) {
		const float *lq = c->pend_lp + V * i;
		int at = c->pend_at[i], k = at % o->nmask;

		out->kl[at] = kl_div(c->base_p + V * k, c->base_lp + V * k, lq, c->V);
		out->prob[at] = exp((double)lq[c->target[k]]);
		if (out->hit != NULL)
			out->hit[at] = argmax(lq, c->V) == c->target[k];
	}
	c->npend = 0;
}

/* The run just made is slot `slot`: its rows at the masks join the batch. */
static int
queue_masks(imp_ctx *c, const imp_opts *o, int slot, const imp_sink *out, heed_err *e)
{
	for (int k = 0; k < o->nmask; k++) {
		int rc = enc_mlm_transform(c->s, o->mask_pos[k], c->pend_t + (size_t)c->npend * c->E, e);

		if (rc < 0)
			return rc;
		c->pend_at[c->npend++] = slot * o->nmask + k;
		if (c->npend == c->batch)
			flush(c, o, out);
	}
	return HEED_OK;
}

/* ---- results ------------------------------------------------------------ */

void
imp_result_init(imp_result *r)
{
	memset(r, 0, sizeof *r);
}

void
imp_result_free(imp_result *r)
{
	free(r->score);
	free(r->dprob);
	free(r->kl);
	free(r->prob);
	free(r->same);
	free(r->target);
	free(r->base_prob);
	free(r->base_top);
	imp_result_init(r);
}

static void
result_reserve(imp_result *r, int LH, int nmask)
{
	if (LH > r->cap_lh || nmask > r->cap_mask) {
		int lh = LH > r->cap_lh ? LH : r->cap_lh, mk = nmask > r->cap_mask ? nmask : r->cap_mask;
		size_t cells = (size_t)lh * (mk > 0 ? mk : 1);

		r->score = xrealloc(r->score, sizeof(double) * (size_t)lh);
		r->dprob = xrealloc(r->dprob, sizeof(double) * (size_t)lh);
		r->same = xrealloc(r->same, sizeof(bool) * (size_t)lh);
		r->kl = xrealloc(r->kl, sizeof(double) * cells);
		r->prob = xrealloc(r->prob, sizeof(double) * cells);
		r->target = xrealloc(r->target, sizeof(int) * (size_t)(mk > 0 ? mk : 1));
		r->base_prob = xrealloc(r->base_prob, sizeof(double) * (size_t)(mk > 0 ? mk : 1));
		r->base_top = xrealloc(r->base_top, sizeof(int) * (size_t)(mk > 0 ? mk : 1));
		r->cap_lh = lh;
		r->cap_mask = mk;
	}
}

/* Validate, run the baseline and keep it. */
static int
baseline(imp_ctx *c, const int *ids, int n, const uint8_t *modes, const imp_opts *o, heed_err *e)
{
	int rc = check_opts(c, n, o, e);

	if (rc < 0)
		return rc;
	if (modes != NULL)
		memcpy(c->work, modes, (size_t)c->LH);
	else
		memset(c->work, HEAD_INPUT, (size_t)c->LH);
	c->npend = 0;   /* rows a cancelled call left behind */
	/* with masks only their rows of the last layer matter */
	enc_set_rows(c->s, o->mask_pos, o->nmask);
	if (stop(o))
		return err_set(e, HEED_ECANCELED, "importance: superseded");
	rc = enc_run_typed(c->s, ids, o->types, n, c->work, o->cal, o->cancelled, o->ud, e);
	if (rc < 0)
		return rc;
	return keep_baseline(c, n, o, e);
}

int
imp_heads(imp_ctx *c, const int *ids, int n, const uint8_t *modes, const imp_opts *o,
	  imp_result *r, heed_err *e)
{
	const model_config *cfg = &c->m->cfg;
	int rc, done = 1, nm = o->nmask;

	if ((rc = baseline(c, ids, n, modes, o, e)) < 0)
		return rc;
	result_reserve(r, c->LH, nm);
	r->layers = cfg->layers;
	r->heads = cfg->heads;
	r->nmask = nm;
	r->measure = nm > 0 ? IMP_KL : IMP_HIDDEN;
	r->replace = o->replace;
	for (int k = 0; k < nm; k++) {
		const float *lp = c->base_lp + (size_t)c->V * k;

		r->target[k] = c->target[k];
		r->base_prob[k] = exp((double)lp[c->target[k]]);
		r->base_top[k] = argmax(lp, c->V);
	}
	imp_sink sink = { r->kl, r->prob, NULL };
	tell(o, done, c->LH + 1);
	/* last layer first: each run recomputes from its own head's layer */
	for (int l = cfg->layers - 1; l >= 0; l--) {
		for (int h = 0; h < cfg->heads; h++) {
			int lh = l * cfg->heads + h;
			uint8_t was = c->work[lh];

			r->same[lh] = was == (uint8_t)o->replace;
			r->score[lh] = 0.0;
			if (r->same[lh]) {
				for (int k = 0; k < nm; k++) {
					r->kl[lh * nm + k] = 0.0;
					r->prob[lh * nm + k] = r->base_prob[k];
				}
			} else {
				if (stop(o))
					return err_set(e, HEED_ECANCELED, "importance: superseded");
				c->work[lh] = (uint8_t)o->replace;
				rc = enc_run_typed(c->s, ids, o->types, n, c->work, o->cal, o->cancelled, o->ud, e);
				c->work[lh] = was;
				if (rc < 0)
					return rc;
				if (nm == 0)
					r->score[lh] = hidden_distance(c, n);
				else if ((rc = queue_masks(c, o, lh, &sink, e)) < 0)
					return rc;
			}
			tell(o, ++done, c->LH + 1);
		}
	}
	flush(c, o, &sink);
	for (int lh = 0; nm > 0 && lh < c->LH; lh++) {
		double kl = 0.0, dp = 0.0;

		for (int k = 0; k < nm; k++) {
			kl += r->kl[lh * nm + k];
			dp += r->prob[lh * nm + k] - r->base_prob[k];
		}
		r->score[lh] = kl / nm;
		r->dprob[lh] = dp / nm;
	}
	for (int lh = 0; nm == 0 && lh < c->LH; lh++)
		r->dprob[lh] = 0.0;
	return HEED_OK;
}

void
imp_rank(const imp_result *r, int *order)
{
	enc_rank_by(r->score, r->layers * r->heads, order);
}

/* ---- the replacement curve ---------------------------------------------- */

void
imp_curve_init(imp_curve *cv)
{
	memset(cv, 0, sizeof *cv);
}

void
imp_curve_free(imp_curve *cv)
{
	free(cv->prob);
	free(cv->acc);
	free(cv->kl);
	imp_curve_init(cv);
}

/* Point k of the curve: the run just made. */
static int
curve_point(imp_ctx *c, int n, const imp_opts *o, imp_curve *cv, int k, const imp_sink *sink,
	    heed_err *e)
{
	if (o->nmask == 0) {
		cv->kl[k] = hidden_distance(c, n);
		cv->prob[k] = cv->acc[k] = 0.0;
		return HEED_OK;
	}
	return queue_masks(c, o, k, sink, e);
}

int
imp_replace_curve(imp_ctx *c, const int *ids, int n, const uint8_t *modes,
		  const imp_opts *o, const int *order, int count, imp_curve *cv, heed_err *e)
{
	int rc, nm = o->nmask;

	if (count < 0 || count > c->LH)
		return err_set(e, HEED_EINVAL, "%d heads to replace: the model has %d", count, c->LH);
	for (int k = 0; k < count; k++)
		if (order[k] < 0 || order[k] >= c->LH)
			return err_set(e, HEED_EINVAL, "head index %d outside the model's %d heads",
				       order[k], c->LH);
	if ((rc = baseline(c, ids, n, modes, o, e)) < 0)
		return rc;
	if (count + 1 > cv->cap) {
		cv->prob = xrealloc(cv->prob, sizeof(double) * (size_t)(count + 1));
		cv->acc = xrealloc(cv->acc, sizeof(double) * (size_t)(count + 1));
		cv->kl = xrealloc(cv->kl, sizeof(double) * (size_t)(count + 1));
		cv->cap = count + 1;
	}
	size_t cells = (size_t)(count + 1) * (size_t)nm;
	if (cells > c->cap_cells) {
		c->cell_kl = xrealloc(c->cell_kl, sizeof(double) * cells);
		c->cell_prob = xrealloc(c->cell_prob, sizeof(double) * cells);
		c->cell_hit = xrealloc(c->cell_hit, sizeof(bool) * cells);
		c->cap_cells = cells;
	}
	imp_sink sink = { c->cell_kl, c->cell_prob, c->cell_hit };
	cv->count = count;
	cv->nmask = nm;
	cv->measure = nm > 0 ? IMP_KL : IMP_HIDDEN;
	if ((rc = curve_point(c, n, o, cv, 0, &sink, e)) < 0)
		return rc;
	tell(o, 1, count + 1);
	for (int k = 1; k <= count; k++) {
		if (stop(o))
			return err_set(e, HEED_ECANCELED, "replacement curve: superseded");
		c->work[order[k - 1]] = (uint8_t)o->replace;
		rc = enc_run_typed(c->s, ids, o->types, n, c->work, o->cal, o->cancelled, o->ud, e);
		if (rc < 0)
			return rc;
		if ((rc = curve_point(c, n, o, cv, k, &sink, e)) < 0)
			return rc;
		tell(o, k + 1, count + 1);
	}
	flush(c, o, &sink);
	for (int k = 0; nm > 0 && k <= count; k++) {
		double kl = 0.0, prob = 0.0;
		int hits = 0;

		for (int i = 0; i < nm; i++) {
			kl += sink.kl[k * nm + i];
			prob += sink.prob[k * nm + i];
			hits += sink.hit[k * nm + i];
		}
		cv->kl[k] = kl / nm;
		cv->prob[k] = prob / nm;
		cv->acc[k] = (double)hits / nm;
	}
	return HEED_OK;
}

int
imp_find_masks(const int *ids, int n, int mask_id, int *pos, int max)
{
	int got = 0;

	for (int i = 0; i < n && got < max; i++)
		if (mask_id >= 0 && ids[i] == mask_id)
			pos[got++] = i;
	return got;
}
