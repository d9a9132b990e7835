/* synth.c — fitting Dense Synthesizers (Tay et al. 2021) to a pretrained
 * model by distillation.
 *
 * A pretrained BERT has no synthesizer weights, so for every head we learn
 * b = W2 ReLU(W1 x + b1) + b2 (x: the token's layer input, b: L logits) such
 * that the softmax of b over the slots an n-token sentence uses matches the
 * head's real attention row: mini-batch Adam on the cross-entropy
 * -sum_j a_j log softmax(b)_j.  Training rows come from a reservoir sample
 * (Vitter's algorithm R) so any corpus fits in bounded memory; every tenth
 * row is held out, and the reported loss is measured on those.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heed/calib.h"

struct calib_samples {
	int heads, hidden, L;
	size_t cap, count;
	size_t alloc;   /* rows allocated: grows to cap, so small corpora stay small */
	uint64_t seen;  /* rows offered so far */
	uint64_t rng;
	float *x;       /* [cap][hidden] layer inputs */
	float *t;       /* [cap][heads][L] target rows in the slot layout */
	int *n;         /* [cap] sentence length of each row */
};


calib_samples *
calib_samples_new(int heads, int hidden, int L, size_t capacity, uint64_t seed)
{
	calib_samples *s = xcalloc(1, sizeof(*s));

	s->heads = heads;
	s->hidden = hidden;
	s->L = L;
	s->cap = capacity;
	s->rng = seed;
	return s;
}

static void
samples_grow(calib_samples *s)
{
	size_t want = s->alloc < 512 ? 1024 : s->alloc * 2;

	if (want > s->cap)
		want = s->cap;
	s->x = xrealloc(s->x, sizeof(float) * want * s->hidden);
	s->t = xrealloc(s->t, sizeof(float) * want * s->heads * s->L);
	s->n = xrealloc(s->n, sizeof(int) * want);
	s->alloc = want;
}

void
calib_samples_free(calib_samples *s)
{
	if (s == NULL)
		return;
	free(s->x);
	free(s->t);
	free(s->n);
	free(s);
}

size_t
calib_samples_count(const calib_samples *s)
{
	return s->count;
}

static void
samples_store(calib_samples *s, size_t k, int n, int i, const float *x,
	      const float *const *attn)
{
	int L = s->L;

	memcpy(s->x + k * s->hidden, x + (size_t)i * s->hidden, sizeof(float) * s->hidden);
	for (int h = 0; h < s->heads; h++) {
		float *t = s->t + (k * s->heads + h) * L;
		memset(t, 0, sizeof(float) * L);
		for (int j = 0; j < n; j++)
			t[calib_slot(j, n, L)] = attn[h][(size_t)i * n + j];
	}
	s->n[k] = n;
}

void
calib_samples_add(calib_samples *s, int n, const float *x, const float *const *attn)
{
	for (int i = 0; i < n; i++) {
		uint64_t seen = s->seen++;
		if (s->count < s->cap) {
			if (s->count == s->alloc)
				samples_grow(s);
			samples_store(s, s->count++, n, i, x, attn);
			continue;
		}
		uint64_t k = util_splitmix64(&s->rng) % (seen + 1);
		if (k < s->cap)
			samples_store(s, (size_t)k, n, i, x, attn);
	}
}

/* ---- the model being fitted -------------------------------------------- */

typedef struct fit {
	int d, r, L, B;
	/* parameters, gradients and Adam moments share one layout:
	 * W1 [r][d], b1 [r], W2 [L][r], b2 [L] */
	size_t np;
	float *p, *g, *m, *v;
	float *w1, *b1, *w2, *b2;
	float *gw1, *gb1, *gw2, *gb2;
	/* per-batch scratch */
	float *xb;  /* [B][d] */
	float *tb;  /* [B][L] */
	int *nb;    /* [B] */
	float *hb;  /* [B][r] hidden activations */
	float *zb;  /* [B][L] logits, then gradient of the loss */
	float *dh;  /* [B][r] */
	long step;
} fit;

static void
fit_views(fit *f, float *base, float **w1, float **b1, float **w2, float **b2)
{
	*w1 = base;
	*b1 = *w1 + (size_t)f->r * f->d;
	*w2 = *b1 + f->r;
	*b2 = *w2 + (size_t)f->L * f->r;
}

static void
fit_init(fit *f, int d, int r, int L, int B)
{
	memset(f, 0, sizeof(*f));
	f->d = d;
	f->r = r;
	f->L = L;
	f->B = B;
	f->np = (size_t)r * d + r + (size_t)L * r + L;
	f->p = xcalloc(f->np, sizeof(float));
	f->g = xcalloc(f->np, sizeof(float));
	f->m = xcalloc(f->np, sizeof(float));
	f->v = xcalloc(f->np, sizeof(float));
	fit_views(f, f->p, &f->w1, &f->b1, &f->w2, &f->b2);
	fit_views(f, f->g, &f->gw1, &f->gb1, &f->gw2, &f->gb2);
	f->xb = xmalloc(sizeof(float) * B * d);
	f->tb = xmalloc(sizeof(float) * B * L);
	f->nb = xmalloc(sizeof(int) * B);
	f->hb = xmalloc(sizeof(float) * B * r);
	f->zb = xmalloc(sizeof(float) * B * L);
	f->dh = xmalloc(sizeof(float) * B * r);
}

static void
fit_free(fit *f)
{
	free(f->p);
	free(f->g);
	free(f->m);
	free(f->v);
	free(f->xb);
	free(f->tb);
	free(f->nb);
	free(f->hb);
	free(f->zb);
	free(f->dh);
}

/* PyTorch's Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with
 * W2 a tenth of that and b2 at the log of the mean target per slot: training
 * starts close to the head's column profile (usually already better than
 * uniform) instead of from noisy logits. */
static void
fit_seed_params(fit *f, const calib_samples *s, int head, const size_t *rows, size_t nrows,
		uint64_t seed)
{
	uint64_t rng = seed;
	double a1 = 1.0 / sqrt((double)f->d), a2 = 1.0 / sqrt((double)f->r);
	double *colmean = xcalloc((size_t)f->L, sizeof(double));

	for (size_t k = 0; k < (size_t)f->r * f->d; k++)
		f->w1[k] = (float)((2.0 * util_uniform01(&rng) - 1.0) * a1);
	for (int k = 0; k < f->r; k++)
		f->b1[k] = (float)((2.0 * util_uniform01(&rng) - 1.0) * a1);
	for (size_t k = 0; k < (size_t)f->L * f->r; k++)
		f->w2[k] = (float)((2.0 * util_uniform01(&rng) - 1.0) * a2 * 0.1);
	for (size_t k = 0; k < nrows; k++) {
		const float *t = s->t + (rows[k] * s->heads + head) * f->L;
		for (int j = 0; j < f->L; j++)
			colmean[j] += t[j];
	}
	for (int j = 0; j < f->L; j++)
		f->b2[j] = (float)log(colmean[j] / (nrows > 0 ? (double)nrows : 1.0) + 1e-6);
	free(colmean);
}

static void
fit_gather(fit *f, const calib_samples *s, int head, const size_t *rows, int B)
{
	for (int b = 0; b < B; b++) {
		memcpy(f->xb + (size_t)b * f->d, s->x + rows[b] * s->hidden, sizeof(float) * f->d);
		memcpy(f->tb + (size_t)b * f->L, s->t + (rows[b] * s->heads + head) * f->L,
		    sizeof(float) * f->L);
		f->nb[b] = s->n[rows[b]];
	}
}

/* Logits for the batch in zb; the hidden activations stay in hb. */
static void
fit_forward(fit *f, int B)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, f->r, f->d, 1.0f, f->xb, f->d,
	    f->w1, f->d, 0.0f, f->hb, f->r);
	for (int b = 0; b < B; b++)
		for (int k = 0; k < f->r; k++) {
			float *h = &f->hb[(size_t)b * f->r + k];
			*h = *h + f->b1[k] > 0.0f ? *h + f->b1[k] : 0.0f;
		}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, f->L, f->r, 1.0f, f->hb, f->r,
	    f->w2, f->r, 0.0f, f->zb, f->L);
	for (int b = 0; b < B; b++)
		for (int j = 0; j < f->L; j++)
			f->zb[(size_t)b * f->L + j] += f->b2[j];
}

/* Turn row b's logits into the masked softmax's gradient (p - t) and return
 * its cross-entropy.  The slots an n-token sentence uses are 0..n-2 and
 * L-1 (calib_slot); the others get gradient 0.  One expf per slot and one
 * log per row: the cross-entropy -Σ t_j (z_j - max - log Σ e) is summed
 * from the shifted logits before they are replaced by their exponentials. */
static double
fit_row_loss(fit *f, int b)
{
	float *z = f->zb + (size_t)b * f->L;
	const float *t = f->tb + (size_t)b * f->L;
	int n = f->nb[b], L = f->L, m = n - 1 < L - 1 ? n - 1 : L - 1;
	float mx = z[L - 1];
	double sum, tz, tmass;

	for (int j = 0; j < m; j++)
		mx = z[j] > mx ? z[j] : mx;
	/* the final slot first, then the leading ones */
	z[L - 1] -= mx;
	tz = (double)t[L - 1] * z[L - 1];
	tmass = t[L - 1];
	z[L - 1] = expf(z[L - 1]);
	sum = z[L - 1];
	for (int j = 0; j < m; j++) {
		float d = z[j] - mx;
		tz += (double)t[j] * d;
		tmass += t[j];
		z[j] = expf(d);
		sum += z[j];
	}
	float inv = (float)(1.0 / sum);
	for (int j = 0; j < m; j++)
		z[j] = z[j] * inv - t[j];
	memset(z + m, 0, sizeof(float) * (size_t)(L - 1 - m));
	z[L - 1] = z[L - 1] * inv - t[L - 1];
	return log(sum) * tmass - tz;
}

static void
fit_backward(fit *f, int B)
{
	float inv = 1.0f / (float)B;

	cblas_sscal(B * f->L, inv, f->zb, 1);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, f->L, f->r, B, 1.0f, f->zb, f->L,
	    f->hb, f->r, 0.0f, f->gw2, f->r);
	memset(f->gb2, 0, sizeof(float) * f->L);
	for (int b = 0; b < B; b++)
		cblas_saxpy(f->L, 1.0f, f->zb + (size_t)b * f->L, 1, f->gb2, 1);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, f->r, f->L, 1.0f, f->zb, f->L,
	    f->w2, f->r, 0.0f, f->dh, f->r);
	for (size_t k = 0; k < (size_t)B * f->r; k++)
		if (f->hb[k] <= 0.0f)
			f->dh[k] = 0.0f;
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, f->r, f->d, B, 1.0f, f->dh, f->r,
	    f->xb, f->d, 0.0f, f->gw1, f->d);
	memset(f->gb1, 0, sizeof(float) * f->r);
	for (int b = 0; b < B; b++)
		cblas_saxpy(f->r, 1.0f, f->dh + (size_t)b * f->r, 1, f->gb1, 1);
}

/* Adam's update runs over every parameter at every step, and scalar with
 * double maths it was a third of the fit.  In float, compiled (as
 * vecmath.c's loops) for AVX2 and for the baseline with one picked at
 * start-up; element-wise IEEE operations without FMA, so both give the
 * same bits.  Not under ThreadSanitizer (see vecmath.c). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__gnu_linux__) && \
    !defined(__SANITIZE_THREAD__)
#define FIT_CLONES __attribute__((target_clones("avx2", "default"), \
	optimize("O3", "no-math-errno")))
#else
#define FIT_CLONES
#endif

FIT_CLONES static void
adam_update(float *restrict p, float *restrict m, float *restrict v, const float *restrict g,
	    size_t np, float a, float ic2)
{
	const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;

	for (size_t k = 0; k < np; k++) {
		m[k] = b1 * m[k] + (1.0f - b1) * g[k];
		v[k] = b2 * v[k] + (1.0f - b2) * g[k] * g[k];
		p[k] -= a * m[k] / (sqrtf(v[k] * ic2) + eps);
	}
}

static void
fit_adam(fit *f, float lr)
{
	f->step++;
	adam_update(f->p, f->m, f->v, f->g, f->np,
	    (float)(lr / (1.0 - pow(0.9, (double)f->step))),
	    (float)(1.0 / (1.0 - pow(0.999, (double)f->step))));
}

/* Mean cross-entropy of the current weights, and of uniform rows, on rows. */
static void
fit_eval(fit *f, const calib_samples *s, int head, const size_t *rows, size_t nrows,
	 double *loss, double *uniform)
{
	double ce = 0.0, ue = 0.0;

	for (size_t k = 0; k < nrows; k += (size_t)f->B) {
		int B = nrows - k < (size_t)f->B ? (int)(nrows - k) : f->B;
		fit_gather(f, s, head, rows + k, B);
		fit_forward(f, B);
		for (int b = 0; b < B; b++) {
			const float *t = f->tb + (size_t)b * f->L;
			double mass = 0.0;
			for (int j = 0; j < f->L; j++)
				mass += t[j];
			ce += fit_row_loss(f, b);
			ue += mass * log((double)f->nb[b]);
		}
	}
	*loss = nrows > 0 ? ce / (double)nrows : 0.0;
	*uniform = nrows > 0 ? ue / (double)nrows : 0.0;
}

static void
shuffle(size_t *v, size_t n, uint64_t *rng)
{
	for (size_t k = n; k > 1; k--) {
		size_t j = (size_t)(util_splitmix64(rng) % k);
		size_t tmp = v[k - 1];
		v[k - 1] = v[j];
		v[j] = tmp;
	}
}

void
calib_fit_defaults(calib_fit_opts *o, uint64_t seed)
{
	memset(o, 0, sizeof(*o));
	o->epochs = CALIB_FIT_EPOCHS;
	o->batch = 64;
	o->lr = 3e-3f;
	o->seed = seed;
}

/* Every tenth row is held out once there are enough rows to spare them. */
static void
split_rows(size_t count, size_t **train, size_t *ntrain, size_t **eval, size_t *neval)
{
	bool hold = count >= 50;

	*train = xmalloc(sizeof(size_t) * (count + 1));
	*eval = xmalloc(sizeof(size_t) * (count + 1));
	*ntrain = *neval = 0;
	for (size_t k = 0; k < count; k++) {
		if (!hold || k % 10 != 9)
			(*train)[(*ntrain)++] = k;
		if (!hold || k % 10 == 9)
			(*eval)[(*neval)++] = k;
	}
}

static void
fit_store(const fit *f, calib *c, int lh)
{
	int r = c->rank, d = c->hidden, L = c->L;

	memcpy(c->syn_w1 + (size_t)lh * r * d, f->w1, sizeof(float) * r * d);
	memcpy(c->syn_b1 + (size_t)lh * r, f->b1, sizeof(float) * r);
	memcpy(c->syn_w2 + (size_t)lh * L * r, f->w2, sizeof(float) * L * r);
	memcpy(c->syn_b2 + (size_t)lh * L, f->b2, sizeof(float) * L);
}

/* Small corpora give few batches per epoch: more epochs, towards
 * FIT_MIN_STEPS optimizer steps, but at most FIT_MAX_EPOCHS of them, so
 * the minimum scales with the corpus: a fixed 300 steps made fitting cost
 * many times the model's pass over a few dozen sentences.  From about
 * 10,000 sampled rows per layer on, fitting is o->epochs passes.  (The
 * held-out loss of heed-mini's heads on 2,000 sentences: 2.686 nats after
 * 4 epochs, 2.693 after 2, against 4.008 for uniform rows.) */
#define FIT_MIN_STEPS 300
#define FIT_MAX_EPOCHS 8

static void
fit_epochs(fit *f, const calib_samples *s, int head, size_t *train, size_t ntrain,
	   const calib_fit_opts *o, uint64_t *rng)
{
	size_t per_epoch = (ntrain + (size_t)f->B - 1) / (size_t)f->B, done = 0, steps;
	size_t epochs = (size_t)o->epochs;

	if (per_epoch * epochs < FIT_MIN_STEPS && epochs < FIT_MAX_EPOCHS) {
		epochs = (FIT_MIN_STEPS + per_epoch - 1) / per_epoch;
		if (epochs > FIT_MAX_EPOCHS)
			epochs = FIT_MAX_EPOCHS;
	}
	steps = per_epoch * epochs;
	for (size_t ep = 0; ep < epochs; ep++) {
		shuffle(train, ntrain, rng);
		for (size_t k = 0; k < ntrain; k += (size_t)f->B) {
			int B = ntrain - k < (size_t)f->B ? (int)(ntrain - k) : f->B;
			fit_gather(f, s, head, train + k, B);
			fit_forward(f, B);
			for (int b = 0; b < B; b++)
				fit_row_loss(f, b);
			fit_backward(f, B);
			fit_adam(f, o->lr);
			if (o->progress != NULL && (++done % 16 == 0 || done == steps))
				o->progress(o->ud, (double)done / (double)steps);
		}
	}
}

int
calib_fit_head(calib *c, int layer, int head, const calib_samples *s,
	       const calib_fit_opts *o, heed_err *e)
{
	int lh = layer * c->heads + head;
	size_t *train, *eval, ntrain, neval;
	uint64_t rng = o->seed ^ ((uint64_t)(uint32_t)lh * 0xD1B54A32D192ED03ULL);
	fit f;

	if (c->rank <= 0 || c->syn_w1 == NULL)
		return err_set(e, HEED_EINVAL, "dense synthesizer: rank must be positive");
	if (s->hidden != c->hidden || s->L != c->L || s->heads != c->heads)
		return err_set(e, HEED_EINVAL, "dense synthesizer: samples do not match the calibration");
	if (s->count == 0)
		return err_set(e, HEED_EINVAL, "dense synthesizer: no training rows");
	split_rows(s->count, &train, &ntrain, &eval, &neval);
	fit_init(&f, c->hidden, c->rank, c->L, o->batch > 0 ? o->batch : 64);
	fit_seed_params(&f, s, head, train, ntrain, util_splitmix64(&rng));
	fit_epochs(&f, s, head, train, ntrain, o, &rng);
	fit_eval(&f, s, head, eval, neval, &c->stats[lh].synth_loss, &c->stats[lh].uniform_loss);
	fit_store(&f, c, lh);
	fit_free(&f);
	free(train);
	free(eval);
	return HEED_OK;
}
