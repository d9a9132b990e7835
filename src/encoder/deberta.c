/* deberta.c — DeBERTa-v2/v3's disentangled attention (He et al. 2021):
 * BERT's layer, whose scores gain two relative-position terms,
 *
 *   A_h[i][j] = softmax_j( (Q_i·K_j + Q_i·Pk[δ(i,j)] + K_j·Pq[δ(i,j)]) / √(d·(1 + terms)) )
 *                          content→position   position→content
 *
 * Pk and Pq are the layer's projections of the (normalised) relative
 * embeddings, the same for every input, so the loader computes them once
 * (model.h: rel_k, rel_q).  δ(i,j) = clamp(bucket(i − j) + span, 0,
 * 2·span − 1) depends on i − j only and grows with it, so for an n-token
 * input the terms need the rows δ(−(n−1)) .. δ(n−1) of Pk and Pq: one GEMM
 * each per head (Q against those rows of Pk, K against those of Pq), then a
 * gather.  The softmax that multiplies the values is what is kept, as for
 * every family.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "encoder_int.h"

/* make_log_bucket_position: distances up to half the buckets are their own
 * bucket; farther ones share buckets spaced logarithmically up to
 * max_relative_positions.  (transformers computes the logarithms in float32;
 * in double the buckets are the same for every distance below 8192 in every
 * published configuration, which tools/reference checks for its fixtures.) */
static int
log_bucket(int r, int buckets, int max_rel)
{
	int mid = buckets / 2, ar = r < 0 ? -r : r;
	double lp;

	if (buckets <= 0 || ar <= mid)
		return r;
	lp = ceil(log((double)ar / mid) / log((double)(max_rel - 1) / mid) * (mid - 1)) + mid;
	return r < 0 ? -(int)lp : (int)lp;
}

int
enc_deberta_index(const model_config *c, int r)
{
	int b = log_bucket(r, c->rel_buckets, c->rel_max) + c->rel_span;

	return b < 0 ? 0 : b > 2 * c->rel_span - 1 ? 2 * c->rel_span - 1 : b;
}

/* δ for every i − j in (−T, T); the scratch for both terms, one region
 * per part of the attention job, enc_new allocated (enc_deberta_regions
 * grows it for more parts). */
void
enc_deberta_init(enc_state *s, int width, int regions)
{
	const model_config *c = &s->m->cfg;
	int T = s->max_tokens;

	for (int r = -(T - 1); r <= T - 1; r++)
		s->rel_idx[r + T - 1] = enc_deberta_index(c, r);
	s->rel_width = width;
	s->rel_regions = regions;
}

size_t
enc_rel_scratch_bytes(int max_tokens, int width, int parts)
{
	return sizeof(float) * 2 * (size_t)parts * (size_t)max_tokens * (size_t)width;
}

void
enc_deberta_regions(enc_state *s, int parts)
{
	if (s->rel_scratch != NULL && parts <= s->rel_regions)
		return;
	free(s->rel_scratch);
	s->rel_regions = parts;
	s->rel_scratch = xmalloc(enc_rel_scratch_bytes(s->max_tokens, s->rel_width, parts));
}

/* a[n][n] += scale · (c2p + p2c) for head h of layer l, for the sentence
 * whose n rows start at row row0, in scratch region `region`. */
void
enc_deberta_rel(enc_state *s, int l, int h, int row0, int n, int region, float scale, float *a)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w = &s->m->layer[l];
	int H = c->hidden, d = H / c->heads, T = s->max_tokens;
	const int *idx = s->rel_idx + (T - 1);   /* idx[i − j] */
	int r0 = idx[-(n - 1)], R = idx[n - 1] - r0 + 1;
	float *cq = s->rel_scratch + (size_t)region * 2 * T * s->rel_width;
	float *pk = cq + (size_t)T * s->rel_width;
	const float *q = s->qkv + (size_t)row0 * 3 * H + (size_t)h * d, *k = q + H;

	if (w->rel_k != NULL)   /* cq[i][r] = Q_i · Pk[r0 + r] */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, R, d, scale,
			    q, 3 * H, w->rel_k + (size_t)r0 * H + (size_t)h * d, H, 0.0f, cq, R);
	if (w->rel_q != NULL)   /* pk[j][r] = K_j · Pq[r0 + r] */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, R, d, scale,
			    k, 3 * H, w->rel_q + (size_t)r0 * H + (size_t)h * d, H, 0.0f, pk, R);
	for (int i = 0; i < n; i++) {
		float *row = a + (size_t)i * n;
		for (int j = 0; j < n; j++) {
			int r = idx[i - j] - r0;
			if (w->rel_k != NULL)
				row[j] += cq[(size_t)i * R + r];
			if (w->rel_q != NULL)
				row[j] += pk[(size_t)j * R + r];
		}
	}
}

/* ---- the enhanced mask decoder ------------------------------------------
 *
 * DeBERTa's masked-LM head does not read the last layer's output but its
 * enhanced mask decoder's (He et al. 2021, 3.2; microsoft/DeBERTa's
 * EnhancedMaskDecoder): the last layer runs twice more, its keys and values
 * from its own input hidden[L-1], its queries first hidden[L-1] plus the
 * absolute position embeddings (which the v3 encoder never adds), then its
 * own output.  Query rows do not interact, so only the predicted position's
 * row is computed: one row of attention per head, no n x n.  The last
 * layer's head modes apply here as in the encoder.  transformers'
 * DebertaV2ForMaskedLM reads the last layer's output instead, and so does
 * heed unless asked for this (model_set_emd, --mlm-head emd). */

/* One head's attention row for query projection qh at position pos. */
static void
emd_row(enc_state *s, int h, int pos, const float *qh, const float *q, float *a)
{
	const model_config *c = &s->m->cfg;
	int l = c->layers - 1, n = s->n, H = c->hidden, d = H / c->heads;
	const layer_weights *w = &s->m->layer[l];
	const int *idx = s->rel_idx + (s->max_tokens - 1);
	head_mode mode = (head_mode)s->modes[l * c->heads + h];
	double scale = 1.0 / sqrt((double)d * (1 + c->rel_terms));

	if (mode != HEAD_INPUT) {
		enc_mode_row(mode, s->cal, s->layout_L, l, h, n, pos, q, a);
		return;
	}
	for (int j = 0; j < n; j++) {
		const float *kj = s->qkv + (size_t)j * 3 * H + H + (size_t)h * d;
		size_t r = (size_t)idx[pos - j] * H + (size_t)h * d;
		double sc = enc_dot(qh, kj, d);
		if (w->rel_k != NULL)
			sc += enc_dot(qh, w->rel_k + r, d);
		if (w->rel_q != NULL)
			sc += enc_dot(kj, w->rel_q + r, d);
		a[j] = (float)(sc * scale);
	}
	enc_softmax(a, n);
}

const float *
enc_deberta_emd(enc_state *s, int pos)
{
	const model_config *c = &s->m->cfg;
	int l = c->layers - 1, n = s->n, H = c->hidden, d = H / c->heads;
	const layer_weights *w = &s->m->layer[l];
	const float *kv = s->hidden + (size_t)l * n * H;
	float *q = s->emd, *qp = q + H, *ctx = qp + 3 * H, *mid = ctx + H, *ffn = mid + H;
	float *a = ffn + w->w1.out;

	enc_linear(s, &w->wqkv, kv, n, w->bqkv, s->qkv);
	for (int k = 0; k < H; k++)
		q[k] = kv[(size_t)pos * H + k] + s->m->emd_pos[(size_t)pos * H + k];
	for (int step = 0; step < 2; step++) {
		enc_linear(s, &w->wqkv, q, 1, w->bqkv, qp);
		for (int h = 0; h < c->heads; h++) {
			emd_row(s, h, pos, qp + (size_t)h * d, q, a);
			for (int k = 0; k < d; k++) {
				double acc = 0.0;
				for (int j = 0; j < n; j++)
					acc += (double)a[j] * s->qkv[(size_t)j * 3 * H + 2 * H + (size_t)h * d + k];
				ctx[h * d + k] = (float)acc;
			}
		}
		enc_linear(s, &w->wo, ctx, 1, w->bo, mid);
		for (int k = 0; k < H; k++)
			mid[k] += q[k];
		enc_layernorm(mid, w->ln1_g, w->ln1_b, H, c->ln_eps, mid);
		enc_linear_act(s, &w->w1, mid, 1, w->b1, c->act, ffn);
		enc_linear(s, &w->w2, ffn, 1, w->b2, q);
		for (int k = 0; k < H; k++)
			q[k] += mid[k];
		enc_layernorm(q, w->ln2_g, w->ln2_b, H, c->ln_eps, q);
	}
	return q;
}
