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

/* δ for every i − j in (−T, T), and per-head scratch for both terms. */
void
enc_deberta_init(enc_state *s)
{
	const model_config *c = &s->m->cfg;
	int T = s->max_tokens;

	s->rel_idx = xmalloc(sizeof(int) * (size_t)(2 * T - 1));
	for (int r = -(T - 1); r <= T - 1; r++)
		s->rel_idx[r + T - 1] = enc_deberta_index(c, r);
	s->rel_width = s->rel_idx[2 * T - 2] - s->rel_idx[0] + 1;
	s->rel_scratch = xmalloc(sizeof(float) * 2 * (size_t)c->heads * T * s->rel_width);
}

/* a[n][n] += scale · (c2p + p2c) for head h of layer l. */
void
enc_deberta_rel(enc_state *s, int l, int h, int n, float scale, float *a)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w = &s->m->layer[l];
	int H = c->hidden, d = H / c->heads, T = s->max_tokens;
	const int *idx = s->rel_idx + (T - 1);   /* idx[i − j] */
	int r0 = idx[-(n - 1)], R = idx[n - 1] - r0 + 1;
	float *cq = s->rel_scratch + (size_t)h * 2 * T * s->rel_width, *pk = cq + (size_t)T * s->rel_width;
	const float *q = s->qkv + (size_t)h * d, *k = q + H;

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
