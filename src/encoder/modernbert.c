/* modernbert.c — ModernBERT's layer (Warner et al. 2024), which shares
 * little with BERT's beyond the linear layers:
 *
 *   a   = x (layer 0: its attn_norm is the identity), else LayerNorm(x)
 *   [Q K V] = a Wqkvᵀ;  Q, K rotated by RoPE (θ global or local)
 *   A_h = softmax(Q_h K_hᵀ / √d) inside the layer's window
 *   x'  = x + (A V) Woᵀ
 *   [u g] = LayerNorm(x') Wiᵀ;   x'' = x' + (act(u) ⊙ g) Woᵀ      (GeGLU)
 *
 * and after the last layer hidden[L] = LayerNorm_final(x).  Absent biases
 * (norm_bias, attention_bias, mlp_bias false) are zero vectors from the
 * loader, so the packed kernel and LayerNorm need no second path.
 *
 * Local layers attend only to keys with |i − j| <= local_attention / 2.
 * Query rows go in blocks of MB_BLOCK: a block's scores are one GEMM
 * against the keys its rows can see together (block + 2·window wide), so a
 * local layer costs n·(block + 2·window)·d, not n²·d; a global layer is the
 * same code with a window as wide as the input.  Cells outside the window
 * are exactly 0 in the stored matrix, as in transformers' eager attention,
 * and enc_window() tells views which cells those are.  A head in another
 * mode gets its mode's row restricted to the window and renormalised there
 * (enc_mode_row_window), which is what the same mode would give if the
 * window were its input.
 *
 * The stored matrices are n x n, but nothing in a local layer writes
 * outside the window except a block's product, which spills at most a
 * block's width past it: so the zeros outside are written once, the first
 * time a layer runs for a layout of the attention buffer (band_ok), and
 * later runs clear only the spill.  A local layer's cost per run is then
 * n·(block + 2·window) in every part, writes included; changing the
 * input's length (or a batch's sentences) moves every matrix, and the next
 * run writes the zeros again.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encoder_int.h"

#define MB_BLOCK 32

/* ---- rotary tables ------------------------------------------------------ */

/* cos and sin of t·θ^(−2k/d) for t < T, k < d/2, interleaved, for the global
 * then the local θ; computed in double, so a long input's angles keep float
 * precision. */
void
enc_rope_tables(enc_state *s)
{
	const model_config *c = &s->m->cfg;
	int T = s->max_tokens, half = c->hidden / c->heads / 2;
	double theta[2] = { c->rope_global, c->rope_local };

	for (int g = 0; g < 2; g++)
		for (int t = 0; t < T; t++)
			for (int k = 0; k < half; k++) {
				double ang = t * pow(theta[g], -2.0 * k / (2.0 * half));
				float *cs = s->rope + (((size_t)g * T + t) * half + k) * 2;
				cs[0] = (float)cos(ang);
				cs[1] = (float)sin(ang);
			}
}

/* Rotate the two halves of one head's vector v[2·half] by table row cs. */
static void
rope_rotate(float *v, const float *cs, int half)
{
	for (int k = 0; k < half; k++) {
		float co = cs[2 * k], si = cs[2 * k + 1], a = v[k], b = v[k + half];
		v[k] = a * co - b * si;
		v[k + half] = b * co + a * si;
	}
}

void
enc_rope_at(const enc_state *s, bool local, int t, float *v)
{
	int half = s->m->cfg.hidden / s->m->cfg.heads / 2;

	rope_rotate(v, s->rope + ((size_t)local * s->max_tokens + t) * half * 2, half);
}

int
enc_window(const enc_state *s, int layer)
{
	return model_layer_window(&s->m->cfg, layer);
}

/* ---- attention ---------------------------------------------------------- */

typedef struct mb_job {
	enc_state *s;
	int l;
	int win;             /* the layer's half window; −1 for a global layer */
	bool local;          /* local layers rotate with the local θ */
	bool clean;          /* the matrices are 0 outside the window already (band_ok) */
	const uint8_t *modes;
	const calib *cal;
	const float *x;      /* the layer's input rows (dense mode reads them) */
} mb_job;

/* Head h of sentence g (rows seg[g] .. seg[g+1] of a batch; the whole
 * input otherwise): rotate its Q and K by their positions in the sentence,
 * then its attention and context block by block. */
static void
mb_head(const mb_job *j, int g, int h)
{
	enc_state *s = j->s;
	const model_config *c = &s->m->cfg;
	int r0 = s->seg[g], n = s->seg[g + 1] - r0, H = c->hidden, d = H / c->heads, half = d / 2;
	int w = j->win < 0 || j->win > n - 1 ? n - 1 : j->win;
	size_t ld = 3 * (size_t)H;
	float *q = s->qkv + (size_t)r0 * ld + (size_t)h * d, *k = q + H, *v = q + 2 * H;
	float *a = s->attn + s->aoff[g] + ((size_t)j->l * c->heads + h) * n * n;
	float *ctx = s->ctx + (size_t)r0 * H + (size_t)h * d;
	const float *x = j->x + (size_t)r0 * H;
	head_mode mode = j->modes != NULL ? (head_mode)j->modes[j->l * c->heads + h] : HEAD_INPUT;
	const float *tab = s->rope + (size_t)j->local * s->max_tokens * half * 2;

	for (int t = 0; mode == HEAD_INPUT && t < n; t++) {
		rope_rotate(q + t * ld, tab + (size_t)t * half * 2, half);
		rope_rotate(k + t * ld, tab + (size_t)t * half * 2, half);
	}
	for (int i0 = 0; i0 < n; i0 += MB_BLOCK) {
		int i1 = i0 + MB_BLOCK < n ? i0 + MB_BLOCK : n;
		int j0 = i0 - w > 0 ? i0 - w : 0, j1 = i1 + w < n ? i1 + w : n;
		if (mode == HEAD_INPUT)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, i1 - i0, j1 - j0, d,
				    1.0f / sqrtf((float)d), q + i0 * ld, (int)ld, k + j0 * ld, (int)ld,
				    0.0f, a + (size_t)i0 * n + j0, n);
		/* what must be zeroed: the block's spill past each row's window,
		 * or the whole row outside it the first time */
		int z0 = j->clean ? j0 : 0, z1 = j->clean ? j1 : n;
		for (int i = i0; i < i1; i++) {
			int lo = i - w > 0 ? i - w : 0, hi = i + w + 1 < n ? i + w + 1 : n;
			float *row = a + (size_t)i * n;
			if (mode == HEAD_INPUT)
				enc_softmax(row + lo, hi - lo);
			else
				enc_mode_row_window(mode, j->cal, s->layout_L, j->l, h, n, i,
						    x + (size_t)i * H, lo, hi, row);
			if (lo > z0)
				memset(row + z0, 0, sizeof(float) * (size_t)(lo - z0));
			if (z1 > hi)
				memset(row + hi, 0, sizeof(float) * (size_t)(z1 - hi));
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, i1 - i0, d, j1 - j0,
			    1.0f, a + (size_t)i0 * n + j0, n, v + j0 * ld, (int)ld,
			    0.0f, ctx + (size_t)i0 * H, H);
	}
}

/* (sentence, head) pairs are independent: each part takes every
 * parts-th of them. */
static void
mb_attention_part(void *arg, int part, int parts)
{
	const mb_job *j = arg;
	int heads = j->s->m->cfg.heads;

	for (int it = part; it < heads * j->s->nseg; it += parts)
		mb_head(j, it / heads, it % heads);
}

/* ---- the layer ---------------------------------------------------------- */

static void
add_rows(float *dst, const float *src, size_t count)
{
	for (size_t i = 0; i < count; i++)
		dst[i] += src[i];
}

/* act(u) ⊙ g for each row of ffn ([n][2F]: u then g), packed into the
 * first n·F floats in place.  Row t's result starts at t·F <= 2t·F, where
 * row t is read from: every value is read before it is overwritten. */
static void
geglu(float *ffn, int n, int F, model_act act)
{
	for (int t = 0; t < n; t++) {
		float *u = ffn + (size_t)t * 2 * F, *out = ffn + (size_t)t * F;
		enc_activate(act, u, (size_t)F);
		for (int k = 0; k < F; k++)
			out[k] = u[k] * u[F + k];
	}
}

/* Does the attention buffer hold every matrix where the last run put it
 * (same sentences, same lengths)?  If not, no layer's zeros are known. */
static void
band_layout(enc_state *s)
{
	if (s->band_nseg == s->nseg &&
	    memcmp(s->band_seg, s->seg, sizeof(int) * ((size_t)s->nseg + 1)) == 0)
		return;
	memset(s->band_ok, 0, (size_t)s->m->cfg.layers);
	s->band_nseg = s->nseg;
	memcpy(s->band_seg, s->seg, sizeof(int) * ((size_t)s->nseg + 1));
}

void
enc_modernbert_layer(enc_state *s, int l, const uint8_t *modes, const calib *cal,
		     bool attention_only)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w = &s->m->layer[l];
	int n = s->n, H = c->hidden, win = model_layer_window(c, l);
	const float *x = s->hidden + (size_t)l * n * H, *a = x;
	float *out = s->hidden + (size_t)(l + 1) * n * H;

	if (w->ln1_g != NULL) {
		for (int t = 0; t < n; t++)
			enc_layernorm(x + (size_t)t * H, w->ln1_g, w->ln1_b, H, c->ln_eps,
				      s->mid + (size_t)t * H);
		a = s->mid;
	}
	enc_linear(s, &w->wqkv, a, n, w->bqkv, s->qkv);
	/* dense mode reads the layer's input as calibration saw it: hidden[l] */
	band_layout(s);
	mb_job j = { s, l, win, win >= 0, win >= 0 && s->band_ok[l], modes, cal, x };
	enc_pool_run(s->pool, mb_attention_part, &j);
	s->band_ok[l] = 1;
	if (attention_only)
		return;
	enc_linear(s, &w->wo, s->ctx, n, w->bo, s->proj);
	memcpy(out, x, sizeof(float) * (size_t)n * H);
	add_rows(out, s->proj, (size_t)n * H);
	for (int t = 0; t < n; t++)
		enc_layernorm(out + (size_t)t * H, w->ln2_g, w->ln2_b, H, c->ln_eps,
			      s->mid + (size_t)t * H);
	enc_linear(s, &w->w1, s->mid, n, w->b1, s->ffn);
	geglu(s->ffn, n, c->ffn, c->act);
	enc_linear(s, &w->w2, s->ffn, n, w->b2, s->proj);
	add_rows(out, s->proj, (size_t)n * H);
	if (l == c->layers - 1)
		for (int t = 0; t < n; t++)
			enc_layernorm(out + (size_t)t * H, s->m->final_ln_g, s->m->final_ln_b, H,
				      c->ln_eps, out + (size_t)t * H);
}
