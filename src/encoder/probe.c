/* probe.c — inside one head: the query and key vectors behind one row of
 * attention and every term of its scores (enc.h, enc_probe_head).
 *
 * Nothing here runs on a normal forward: the projections are scratch the
 * next layer overwrites, so a probe recomputes layer l's [Q K V] from the
 * layer's input, which every run keeps (hidden[l]; ModernBERT normalises it
 * first, as its layer does), into the same scratch (the enhanced mask
 * decoder does the same).  The terms are then summed in double, so the
 * view's numbers are the model's up to float32 rounding of the inputs.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "encoder_int.h"

/* The layer's [Q K V] for the last run's rows, into s->qkv. */
static void
project(enc_state *s, int l)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w = &s->m->layer[l];
	int n = s->n, H = c->hidden;
	const float *x = s->hidden + (size_t)l * n * H;

	if (c->arch == MODEL_ARCH_MODERNBERT && w->ln1_g != NULL) {
		for (int t = 0; t < n; t++)
			enc_layernorm(x + (size_t)t * H, w->ln1_g, w->ln1_b, H, c->ln_eps,
				      s->mid + (size_t)t * H);
		x = s->mid;
	}
	enc_linear(s, &w->wqkv, x, n, w->bqkv, s->qkv);
}

int
enc_probe_head(enc_state *s, int layer, int head, int query, enc_probe *p, heed_err *e)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w;
	int n = s->n, H = c->hidden, d = H / c->heads, lo, hi;
	bool rope = c->arch == MODEL_ARCH_MODERNBERT;
	double mx = -INFINITY, sum = 0.0;

	if (s->valid != c->layers || s->nseg != 1)
		return err_set(e, HEED_EINVAL, "no complete single-sentence run to look inside");
	if (layer < 0 || layer >= c->layers || head < 0 || head >= c->heads || query < 0 || query >= n)
		return err_set(e, HEED_EINVAL, "L%dH%d query %d: outside the model or the sentence",
			       layer + 1, head + 1, query + 1);
	w = &s->m->layer[layer];
	project(s, layer);
	p->n = n;
	p->d = d;
	p->window = enc_window(s, layer);
	p->scale = 1.0f / sqrtf((float)d * (float)(1 + c->rel_terms));
	p->has_c2p = c->rel_span > 0 && w->rel_k != NULL;
	p->has_p2c = c->rel_span > 0 && w->rel_q != NULL;
	p->rotary = rope;
	memcpy(p->q, s->qkv + (size_t)query * 3 * H + (size_t)head * d, sizeof(float) * (size_t)d);
	for (int j = 0; j < n; j++)
		memcpy(p->k + (size_t)j * d, s->qkv + (size_t)j * 3 * H + H + (size_t)head * d,
		       sizeof(float) * (size_t)d);
	if (rope) {
		bool local = p->window >= 0;

		enc_rope_at(s, local, query, p->q);
		for (int j = 0; j < n; j++)
			enc_rope_at(s, local, j, p->k + (size_t)j * d);
	}
	lo = p->window < 0 || query - p->window < 0 ? 0 : query - p->window;
	hi = p->window < 0 || query + p->window + 1 > n ? n : query + p->window + 1;
	for (int j = 0; j < n; j++) {
		const float *kj = p->k + (size_t)j * d;
		double qk = enc_dot(p->q, kj, d), c2p = 0.0, p2c = 0.0;

		if (p->has_c2p || p->has_p2c) {
			/* the rows of the relative embeddings for δ(query, j) */
			size_t r = (size_t)s->rel_idx[s->max_tokens - 1 + query - j] * H + (size_t)head * d;

			c2p = p->has_c2p ? enc_dot(p->q, w->rel_k + r, d) : 0.0;
			p2c = p->has_p2c ? enc_dot(kj, w->rel_q + r, d) : 0.0;
		}
		p->qk[j] = (float)qk;
		p->c2p[j] = (float)c2p;
		p->p2c[j] = (float)p2c;
		p->score[j] = (float)(p->scale * (qk + c2p + p2c));
		if (j >= lo && j < hi && p->score[j] > mx)
			mx = p->score[j];
	}
	for (int j = 0; j < n; j++) {
		p->weight[j] = j >= lo && j < hi ? (float)exp(p->score[j] - mx) : 0.0f;
		sum += p->weight[j];
	}
	for (int j = lo; j < hi; j++)
		p->weight[j] = (float)(p->weight[j] / sum);
	return HEED_OK;
}
