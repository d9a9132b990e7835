/* encoder.c — the BERT forward pass on cblas, keeping every head's attention.
 *
 *   e  = LayerNorm(word[id] + pos[p(i)] + type[0])     (E wide)
 *   x0 = e, or e Pᵀ + b where the family projects E to the hidden size
 *   per layer:  [Q K V] = x Wqkvᵀ + b            (one multiply, linear.h)
 *               A_h = softmax(Q_h K_hᵀ / √d)       (or the head's mode rows)
 *               x' = LayerNorm(x + (A V) Woᵀ + bo)
 *               x  = LayerNorm(x' + act(x' W1ᵀ + b1) W2ᵀ + b2)
 *
 * The families differ only in data (model.h): p(i) is i, or RoBERTa's count
 * from padding_idx; E and the projection are ALBERT's and ELECTRA's; an
 * ALBERT row runs a weight set it shares with other rows.
 *
 * Every layer's input is kept, so a run whose ids are unchanged restarts at
 * the first layer whose head modes changed; the layers before it would
 * compute exactly the same numbers again.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoder_int.h"

/* ---- state ------------------------------------------------------------- */

/* The run state's buffers, described once: state_plan gives each one's
 * size for a model and a length, state_new allocates exactly those, and
 * enc_bytes (the estimate heed refuses an input by) is their sum, so the
 * two cannot drift apart.  test_enc_alloc counts the bytes enc_new really
 * asks malloc for against it. */
typedef enum {
	SB_SEG, SB_AOFF, SB_IDS, SB_TYPES, SB_ROWS, SB_PART_ROWS, SB_MODES,
	SB_HIDDEN, SB_ATTN, SB_ENT, SB_QKV, SB_CTX, SB_MID, SB_PROJ, SB_FFN, SB_EMB,
	SB_MLM_T, SB_LOGITS,
	SB_ROPE, SB_BAND_OK, SB_BAND_SEG,              /* ModernBERT */
	SB_REL_IDX, SB_REL_SCRATCH, SB_EMD,            /* DeBERTa */
	SB_COUNT
} state_buf;

/* The lengths a state is sized for, clamped as state_new keeps them. */
typedef struct state_shape {
	int max_tokens, max_rows;
	bool batch;
	int rel_width, rel_regions;   /* DeBERTa; 0 elsewhere */
} state_shape;

static state_shape
state_shape_of(const model *m, int max_tokens, int max_rows, bool batch)
{
	const model_config *c = &m->cfg;
	state_shape sh = { 0 };

	/* positions past the last embedding have none */
	if (max_tokens > c->max_tokens)
		max_tokens = c->max_tokens;
	if (max_tokens < 1)
		max_tokens = 1;
	/* one sentence has no rows beyond its tokens: enc_new(m, 512) of a
	 * 128-position model once kept 512 rows of scratch and attention */
	if (max_rows < max_tokens || !batch)
		max_rows = max_tokens;
	sh.max_tokens = max_tokens;
	sh.max_rows = max_rows;
	sh.batch = batch;
	if (c->rel_span > 0) {
		int heads = c->heads, threads = enc_default_threads();
		/* the δ an input of max_tokens reaches, as enc_deberta_init tabulates */
		sh.rel_width = enc_deberta_index(c, max_tokens - 1) -
		    enc_deberta_index(c, -(max_tokens - 1)) + 1;
		/* a scratch region per part of the attention job: enough for the
		 * threads heed runs on by default, so enc_set_threads need not grow it */
		sh.rel_regions = heads > threads ? heads : threads;
	}
	return sh;
}

/* Bytes of each buffer (0: not allocated), shapes as encoder_int.h writes
 * them; *zeroed[b] when the code reads it before writing it (calloc). */
static void
state_plan(const model *m, const state_shape *sh, size_t bytes[SB_COUNT], bool zeroed[SB_COUNT])
{
	const model_config *c = &m->cfg;
	size_t T = (size_t)sh->max_rows, N = (size_t)sh->max_tokens, H = (size_t)c->hidden;
	size_t LH = (size_t)c->layers * (size_t)c->heads, F = sizeof(float);

	memset(bytes, 0, sizeof(size_t) * SB_COUNT);
	memset(zeroed, 0, sizeof(bool) * SB_COUNT);
	bytes[SB_SEG] = (T + 1) * sizeof(int);
	bytes[SB_AOFF] = T * sizeof(size_t);
	bytes[SB_IDS] = T * sizeof(int);
	bytes[SB_TYPES] = T * sizeof(int);
	bytes[SB_ROWS] = N * sizeof(int);
	bytes[SB_PART_ROWS] = N * sizeof(int);
	bytes[SB_MODES] = LH;
	for (int b = SB_SEG; b <= SB_MODES; b++)
		zeroed[b] = true;
	bytes[SB_HIDDEN] = F * ((size_t)c->layers + 1) * T * H;
	/* sum of m² over sentences of at most max_tokens rows that fill max_rows:
	 * the n² term, every layer's and head's attention kept */
	bytes[SB_ATTN] = F * LH * T * N;
	if (sh->batch)
		bytes[SB_ENT] = F * LH * T;
	bytes[SB_QKV] = F * T * 3 * H;
	bytes[SB_CTX] = F * T * H;
	bytes[SB_MID] = F * T * H;
	bytes[SB_PROJ] = F * T * H;
	/* as wide as the first FFN linear's output (ModernBERT's GeGLU: 2·ffn) */
	bytes[SB_FFN] = F * T * (size_t)m->layer[0].w1.out;
	bytes[SB_EMB] = F * T * (size_t)c->emb;
	bytes[SB_MLM_T] = F * (H > (size_t)c->emb ? H : (size_t)c->emb);
	bytes[SB_LOGITS] = F * (size_t)c->vocab_size;
	if (c->rope_global > 0.0f)   /* [2][max_tokens][head_dim/2][cos, sin] */
		bytes[SB_ROPE] = F * 2 * N * (size_t)(c->hidden / c->heads / 2) * 2;
	if (c->arch == MODEL_ARCH_MODERNBERT) {
		bytes[SB_BAND_OK] = (size_t)c->layers;
		bytes[SB_BAND_SEG] = (T + 1) * sizeof(int);
		zeroed[SB_BAND_OK] = zeroed[SB_BAND_SEG] = true;
	}
	if (c->rel_span > 0) {
		bytes[SB_REL_IDX] = (2 * N - 1) * sizeof(int);
		bytes[SB_REL_SCRATCH] = enc_rel_scratch_bytes(sh->max_tokens, sh->rel_width,
		    sh->rel_regions);
		if (m->emd_ok)   /* q, its projection, context, mid, FFN, one row of weights */
			bytes[SB_EMD] = F * (6 * H + (size_t)m->layer[0].w1.out + N);
	}
}

size_t
enc_state_bytes(const model *m, int max_tokens, int max_rows, bool batch)
{
	state_shape sh = state_shape_of(m, max_tokens, max_rows, batch);
	size_t bytes[SB_COUNT], sum = sizeof(enc_state);
	bool zeroed[SB_COUNT];

	state_plan(m, &sh, bytes, zeroed);
	for (int b = 0; b < SB_COUNT; b++)
		sum += bytes[b];
	return sum;
}

size_t
enc_bytes(const model *m, int max_tokens)
{
	return enc_state_bytes(m, max_tokens, max_tokens, false);
}

static enc_state *
state_new(const model *m, int max_tokens, int max_rows, bool batch)
{
	const model_config *c = &m->cfg;
	state_shape sh = state_shape_of(m, max_tokens, max_rows, batch);
	size_t bytes[SB_COUNT];
	bool zeroed[SB_COUNT];
	void *buf[SB_COUNT];
	enc_state *s = xcalloc(1, sizeof *s);

	state_plan(m, &sh, bytes, zeroed);
	for (int b = 0; b < SB_COUNT; b++)
		buf[b] = bytes[b] == 0 ? NULL : zeroed[b] ? xcalloc(1, bytes[b]) : xmalloc(bytes[b]);
	s->m = m;
	s->max_tokens = sh.max_tokens;
	s->max_rows = sh.max_rows;
	s->max_seg = sh.max_rows;
	s->attn_cap = bytes[SB_ATTN] / sizeof(float);
	s->layout_L = calib_default_L(c);
	s->seg = buf[SB_SEG];
	s->aoff = buf[SB_AOFF];
	s->ids = buf[SB_IDS];
	s->types = buf[SB_TYPES];
	s->rows = buf[SB_ROWS];
	s->part_rows = buf[SB_PART_ROWS];
	s->modes = buf[SB_MODES];
	s->hidden = buf[SB_HIDDEN];
	s->attn = buf[SB_ATTN];
	s->ent = buf[SB_ENT];
	s->qkv = buf[SB_QKV];
	s->ctx = buf[SB_CTX];
	s->mid = buf[SB_MID];
	s->proj = buf[SB_PROJ];
	s->ffn = buf[SB_FFN];
	s->emb = buf[SB_EMB];
	s->mlm_t = buf[SB_MLM_T];
	s->logits = buf[SB_LOGITS];
	s->rope = buf[SB_ROPE];
	s->band_ok = buf[SB_BAND_OK];
	s->band_seg = buf[SB_BAND_SEG];
	s->rel_idx = buf[SB_REL_IDX];
	s->rel_scratch = buf[SB_REL_SCRATCH];
	s->emd = buf[SB_EMD];
	s->valid = -1;
	s->band_nseg = -1;
	if (s->rope != NULL)
		enc_rope_tables(s);
	if (s->rel_idx != NULL)
		enc_deberta_init(s, sh.rel_width, sh.rel_regions);
	return s;
}

enc_state *
enc_new_batch(const model *m, int max_tokens, int max_rows)
{
	return state_new(m, max_tokens, max_rows, true);
}

enc_state *
enc_new(const model *m, int max_tokens)
{
	return state_new(m, max_tokens, max_tokens, false);
}

/* OpenBLAS's pthreads build starts its threads when it loads, and an idle
 * one spins for about 2^28 cycles before it sleeps.  That is the first
 * ~90 ms of every heed, in which three busy threads share two cores and a
 * forward of heed-mini took 3.5 ms instead of 0.3.  Its thread shutdown
 * (which OpenBLAS itself calls before a fork) ends them at once; a later
 * multithreaded call would start them again.  Weak, so another BLAS
 * build without it links and runs all the same. */
extern int blas_thread_shutdown_(void) __attribute__((weak));

void
enc_set_threads(enc_state *s, int threads)
{
	enc_pool_free(s->pool);
	s->pool = threads > 1 ? enc_pool_new(threads) : NULL;
	if (s->rel_scratch != NULL)   /* DeBERTa: a scratch region per part */
		enc_deberta_regions(s, enc_pool_parts(s->pool));
	/* every part calls OpenBLAS; its own threads would only compete */
	openblas_set_num_threads(1);
	if (blas_thread_shutdown_ != NULL)
		(void)blas_thread_shutdown_();
}

int
enc_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

void
enc_free(enc_state *s)
{
	if (s == NULL)
		return;
	enc_pool_free(s->pool);
	free(s->seg);
	free(s->aoff);
	free(s->ids);
	free(s->types);
	free(s->rows);
	free(s->part_rows);
	free(s->modes);
	free(s->hidden);
	free(s->attn);
	free(s->ent);
	free(s->qkv);
	free(s->ctx);
	free(s->mid);
	free(s->proj);
	free(s->ffn);
	free(s->emb);
	free(s->mlm_t);
	free(s->logits);
	free(s->rope);
	free(s->band_ok);
	free(s->band_seg);
	free(s->rel_idx);
	free(s->rel_scratch);
	free(s->emd);
	free(s);
}

int
enc_max_tokens(const enc_state *s)
{
	return s->max_tokens;
}

/* ---- the forward pass -------------------------------------------------- */

/* Where part `part` of `parts` starts among total items. */
static int
split_at(int total, int part, int parts)
{
	return (int)((long)total * part / parts);
}

/* out[n][o] = act(in[n][i] Wᵀ + b); each part computes a run of W's column
 * panels (linear.h). */
typedef struct linear_job {
	const lin_weight *w;
	const float *in, *b;
	int n;
	float *out;
	bool act;             /* apply the model's activation (FFN in) */
	model_act kind;
} linear_job;

static void
linear_part(void *v, int part, int parts)
{
	const linear_job *j = v;
	int np = lin_panels(j->w), p0 = split_at(np, part, parts), p1 = split_at(np, part + 1, parts);
	int o = j->w->out, o0 = p0 * LIN_NR, o1 = p1 * LIN_NR < o ? p1 * LIN_NR : o;

	if (p1 <= p0)
		return;
	lin_apply(j->w, j->in, (size_t)j->w->in, j->n, j->b, p0, p1, j->out, (size_t)o);
	for (int r = 0; j->act && r < j->n; r++)
		enc_activate(j->kind, j->out + (size_t)r * o + o0, (size_t)(o1 - o0));
}

void
enc_linear(enc_state *s, const lin_weight *w, const float *in, int n, const float *b, float *out)
{
	linear_job j = { w, in, b, n, out, false, MODEL_ACT_GELU };

	enc_pool_run(s->pool, linear_part, &j);
}

void
enc_linear_act(enc_state *s, const lin_weight *w, const float *in, int n, const float *b,
	       model_act act, float *out)
{
	linear_job j = { w, in, b, n, out, true, act };

	enc_pool_run(s->pool, linear_part, &j);
}

/* Token t's position id.  RoBERTa (create_position_ids_from_input_ids):
 * padding_idx plus the token's rank among the non-pad tokens, and a pad
 * token padding_idx itself. */
static int
position(const model_config *c, const int *ids, int t, int *nonpad)
{
	if (c->pad_pos < 0)
		return t;
	if (ids[t] == c->pad_pos)
		return c->pad_pos;
	return c->pad_pos + ++*nonpad;
}

/* Every sentence's rows; positions count from each sentence's start. */
static void
embed(enc_state *s, const int *ids, int n, float *x)
{
	const model *m = s->m;
	int E = m->cfg.emb, nonpad = 0, g = 0;
	float *e = m->has_emb_proj ? s->emb : x;

	for (int t = 0; t < n; t++) {
		if (t == s->seg[g]) {
			nonpad = 0;
			g++;
		}
		int t0 = s->seg[g - 1];
		float *row = e + (size_t)t * E;
		int p = position(&m->cfg, ids + t0, t - t0, &nonpad);
		lin_row(&m->word_emb, ids[t], row);
		/* ModernBERT and DeBERTa-v3 have no absolute positions */
		for (int k = 0; m->pos_emb != NULL && k < E; k++)
			row[k] += m->pos_emb[(size_t)p * E + k];
		for (int k = 0; m->type_emb != NULL && k < E; k++)
			row[k] += m->type_emb[(size_t)s->types[t] * E + k];
		enc_layernorm(row, m->emb_ln_g, m->emb_ln_b, E, m->cfg.ln_eps, row);
	}
	if (m->has_emb_proj)
		enc_linear(s, &m->emb_proj, e, n, m->emb_proj_b, x);
}

/* One head's attention matrix a[n][n] for the sentence whose n rows start
 * at row r0: the model's own, or its mode's rows. */
static void
head_attention(enc_state *s, int l, int h, head_mode mode, const calib *cal,
	       const float *x, int r0, int n, int part, float *a)
{
	int H = s->m->cfg.hidden, d = H / s->m->cfg.heads;

	if (mode != HEAD_INPUT) {
		for (int i = 0; i < n; i++)
			enc_mode_row(mode, cal, s->layout_L, l, h, n, i, x + (size_t)(r0 + i) * H,
				     a + (size_t)i * n);
		return;
	}
	const float *q = s->qkv + (size_t)r0 * 3 * H + (size_t)h * d, *k = q + H;
	/* DeBERTa scales by √(d · (1 + its relative terms)) and adds them */
	float scale = 1.0f / sqrtf((float)d * (float)(1 + s->m->cfg.rel_terms));
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d,
		    scale, q, 3 * H, k, 3 * H, 0.0f, a, n);
	if (s->m->cfg.rel_span > 0)
		enc_deberta_rel(s, l, h, r0, n, part, scale, a);
	if (s->ent != NULL) {
		/* a batch: calibration wants each row's entropy, cheaper here */
		float *ent = s->ent + ((size_t)s->m->cfg.layers * s->m->cfg.heads * r0) +
		    ((size_t)l * s->m->cfg.heads + h) * n;
		for (int i = 0; i < n; i++)
			ent[i] = (float)enc_softmax_entropy(a + (size_t)i * n, n);
		return;
	}
	for (int i = 0; i < n; i++)
		enc_softmax(a + (size_t)i * n, n);
}

/* Every head of layer l in every sentence: its attention matrix and its
 * context A V_h, into its own column block of ctx.  (sentence, head) pairs
 * are independent, so each part takes every parts-th of them. */
typedef struct attn_job {
	enc_state *s;
	int l;
	const uint8_t *modes;
	const calib *cal;
	const float *x;
} attn_job;

static void
attention_part(void *v, int part, int parts)
{
	const attn_job *j = v;
	enc_state *s = j->s;
	const model_config *c = &s->m->cfg;
	int H = c->hidden, d = H / c->heads;

	for (int it = part; it < c->heads * s->nseg; it += parts) {
		int g = it / c->heads, h = it % c->heads, r0 = s->seg[g], n = s->seg[g + 1] - r0;
		float *a = s->attn + s->aoff[g] + ((size_t)j->l * c->heads + h) * n * n;
		head_mode mode = j->modes != NULL ? (head_mode)j->modes[j->l * c->heads + h] : HEAD_INPUT;
		head_attention(s, j->l, h, mode, j->cal, j->x, r0, n, part, a);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, n,
			    1.0f, a, n, s->qkv + (size_t)r0 * 3 * H + 2 * H + (size_t)h * d, 3 * H,
			    0.0f, s->ctx + (size_t)r0 * H + (size_t)h * d, H);
	}
}

/* hidden[l+1] = layer l applied to hidden[l]; with attention_only, only
 * its attention (and the context), hidden[l+1] left as it was. */
static void
layer_forward(enc_state *s, int l, const uint8_t *modes, const calib *cal, bool attention_only)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w = &s->m->layer[l];
	int n = s->n, H = c->hidden;
	const float *x = s->hidden + (size_t)l * n * H;
	float *out = s->hidden + (size_t)(l + 1) * n * H;

	if (c->arch == MODEL_ARCH_MODERNBERT) {
		enc_modernbert_layer(s, l, modes, cal, attention_only);
		return;
	}
	enc_linear(s, &w->wqkv, x, n, w->bqkv, s->qkv);
	attn_job aj = { s, l, modes, cal, x };
	enc_pool_run(s->pool, attention_part, &aj);
	if (attention_only)
		return;
	enc_linear(s, &w->wo, s->ctx, n, w->bo, s->proj);
	for (int t = 0; t < n; t++) {
		float *r = s->mid + (size_t)t * H;
		for (int k = 0; k < H; k++)
			r[k] = x[(size_t)t * H + k] + s->proj[(size_t)t * H + k];
		enc_layernorm(r, w->ln1_g, w->ln1_b, H, c->ln_eps, r);
	}
	enc_linear_act(s, &w->w1, s->mid, n, w->b1, c->act, s->ffn);
	enc_linear(s, &w->w2, s->ffn, n, w->b2, s->proj);
	for (int t = 0; t < n; t++) {
		float *r = out + (size_t)t * H;
		for (int k = 0; k < H; k++)
			r[k] = s->mid[(size_t)t * H + k] + s->proj[(size_t)t * H + k];
		enc_layernorm(r, w->ln2_g, w->ln2_b, H, c->ln_eps, r);
	}
}

/* Can the last layer be computed at some rows only?  Not ModernBERT's or
 * DeBERTa's (their layers and mask decoder work on whole sentences). */
static bool
rows_supported(const enc_state *s)
{
	return s->m->cfg.arch != MODEL_ARCH_MODERNBERT && s->m->cfg.rel_span == 0 && !s->m->has_emd;
}

void
enc_set_rows(enc_state *s, const int *rows, int nrows)
{
	if (nrows < 0 || nrows > s->max_tokens || rows == NULL)
		nrows = 0;
	memcpy(s->rows, rows != NULL ? rows : s->rows, sizeof(int) * (size_t)nrows);
	s->nrows = nrows;
}

/* Layer l, the last, at the query rows s->rows only: every row's keys and
 * values (they are the rows' context), then those rows' attention,
 * context, projection and feed-forward, gathered in the scratch buffers'
 * first rows.  Other rows of hidden[l+1] and of the layer's attention keep
 * whatever they held: the cache records which rows are current. */
static void
layer_forward_rows(enc_state *s, int l, const uint8_t *modes, const calib *cal)
{
	const model_config *c = &s->m->cfg;
	const layer_weights *w = &s->m->layer[l];
	int n = s->n, H = c->hidden, d = H / c->heads, m = s->nrows;
	const float *x = s->hidden + (size_t)l * n * H;
	float *out = s->hidden + (size_t)(l + 1) * n * H;
	float scale = 1.0f / sqrtf((float)d * (float)(1 + c->rel_terms));

	enc_linear(s, &w->wqkv, x, n, w->bqkv, s->qkv);
	for (int h = 0; h < c->heads; h++) {
		head_mode mode = modes != NULL ? (head_mode)modes[l * c->heads + h] : HEAD_INPUT;
		const float *k = s->qkv + H + (size_t)h * d, *v = s->qkv + 2 * H + (size_t)h * d;

		for (int r = 0; r < m; r++) {
			int i = s->rows[r];
			float *a = s->attn + ((size_t)l * c->heads + h) * n * n + (size_t)i * n;

			if (mode != HEAD_INPUT) {
				enc_mode_row(mode, cal, s->layout_L, l, h, n, i, x + (size_t)i * H, a);
			} else {
				cblas_sgemv(CblasRowMajor, CblasNoTrans, n, d, scale, k, 3 * H,
					    s->qkv + (size_t)i * 3 * H + (size_t)h * d, 1, 0.0f, a, 1);
				enc_softmax(a, n);
			}
			cblas_sgemv(CblasRowMajor, CblasTrans, n, d, 1.0f, v, 3 * H, a, 1, 0.0f,
				    s->ctx + (size_t)r * H + (size_t)h * d, 1);
		}
	}
	enc_linear(s, &w->wo, s->ctx, m, w->bo, s->proj);
	for (int r = 0; r < m; r++) {
		float *mid = s->mid + (size_t)r * H;
		const float *xi = x + (size_t)s->rows[r] * H;
		for (int q = 0; q < H; q++)
			mid[q] = xi[q] + s->proj[(size_t)r * H + q];
		enc_layernorm(mid, w->ln1_g, w->ln1_b, H, c->ln_eps, mid);
	}
	enc_linear_act(s, &w->w1, s->mid, m, w->b1, c->act, s->ffn);
	enc_linear(s, &w->w2, s->ffn, m, w->b2, s->proj);
	for (int r = 0; r < m; r++) {
		float *o = out + (size_t)s->rows[r] * H;
		for (int q = 0; q < H; q++)
			o[q] = s->mid[(size_t)r * H + q] + s->proj[(size_t)r * H + q];
		enc_layernorm(o, w->ln2_g, w->ln2_b, H, c->ln_eps, o);
	}
}

static int
check_input(const enc_state *s, const int *ids, const int *types, int n, const uint8_t *modes,
	    const calib *cal, heed_err *e)
{
	const model_config *c = &s->m->cfg;

	if (n < 1 || n > s->max_tokens)
		return err_set(e, HEED_EINVAL, "%d tokens: the encoder takes 1 to %d", n, s->max_tokens);
	for (int t = 0; t < n; t++)
		if (ids[t] < 0 || ids[t] >= c->vocab_size)
			return err_set(e, HEED_EINVAL, "token id %d outside the vocabulary (%d)",
				       ids[t], c->vocab_size);
	for (int t = 0; types != NULL && c->type_vocab > 1 && t < n; t++)
		if (types[t] < 0 || types[t] >= c->type_vocab)
			return err_set(e, HEED_EINVAL, "token type id %d outside the model's %d",
				       types[t], c->type_vocab);
	if (cal != NULL && (cal->layers != c->layers || cal->heads != c->heads || cal->hidden != c->hidden))
		return err_set(e, HEED_EMISMATCH, "calibration for %d layers of %d heads (hidden %d), "
			       "the model has %d of %d (hidden %d)", cal->layers, cal->heads, cal->hidden,
			       c->layers, c->heads, c->hidden);
	for (int i = 0; modes != NULL && i < c->layers * c->heads; i++) {
		head_mode m = (head_mode)modes[i];
		if (modes[i] >= HEAD_MODE_COUNT)
			return err_set(e, HEED_EINVAL, "head mode %d unknown", modes[i]);
		if (enc_mode_needs_calib(m) && cal == NULL)
			return err_set(e, HEED_EINVAL, "head L%dH%d: %s attention needs a calibration file",
				       i / c->heads + 1, i % c->heads + 1, enc_mode_name(m));
		if (m == HEAD_SYNTH_DENSE && !cal->has_synth)
			return err_set(e, HEED_EINVAL, "head L%dH%d: the calibration file has no "
				       "dense synthesizer", i / c->heads + 1, i % c->heads + 1);
	}
	return HEED_OK;
}

static bool
layer_modes_differ(const enc_state *s, int l, const uint8_t *modes, const calib *cal)
{
	int heads = s->m->cfg.heads;

	for (int h = 0; h < heads; h++) {
		head_mode old = (head_mode)s->modes[l * heads + h];
		head_mode now = modes != NULL ? (head_mode)modes[l * heads + h] : HEAD_INPUT;
		if (old != now)
			return true;
		/* the same mode reading another calibration is a change too */
		if (cal != s->cal && enc_mode_needs_calib(now))
			return true;
	}
	return false;
}

/* The type id the model's embedding reads for token t: models without a
 * second type row (RoBERTa, XLM-R: type_vocab_size 1) read 0 for every
 * token, as transformers feeds them (their tokenizers return no
 * token_type_ids). */
static int
type_of(const model_config *c, const int *types, int t)
{
	return types != NULL && c->type_vocab > 1 ? types[t] : 0;
}

/* The first layer this run must compute: 0 for new ids or types, else the
 * first layer whose modes changed, never past what the cache holds. */
static int
first_layer(const enc_state *s, const int *ids, const int *types, int n, const uint8_t *modes,
	    const calib *cal)
{
	int L = s->m->cfg.layers;

	if (s->valid < 0 || n != s->n || memcmp(ids, s->ids, sizeof(int) * (size_t)n) != 0)
		return 0;
	for (int t = 0; t < n; t++)
		if (type_of(&s->m->cfg, types, t) != s->types[t])
			return 0;
	for (int l = 0; l < s->valid && l < L; l++)
		if (layer_modes_differ(s, l, modes, cal))
			return l;
	/* a last layer made for other rows than this run asks for */
	if (s->valid == L && s->part_n > 0 && (s->nrows != s->part_n ||
	    memcmp(s->rows, s->part_rows, sizeof(int) * (size_t)s->part_n) != 0))
		return L - 1;
	return s->valid;
}

int
enc_run(enc_state *s, const int *ids, int n, const uint8_t *modes,
	const calib *cal, bool (*cancelled)(void *), void *ud, heed_err *e)
{
	return enc_run_typed(s, ids, NULL, n, modes, cal, cancelled, ud, e);
}

int
enc_run_typed(enc_state *s, const int *ids, const int *types, int n, const uint8_t *modes,
	      const calib *cal, bool (*cancelled)(void *), void *ud, heed_err *e)
{
	const model_config *c = &s->m->cfg;
	double t0 = util_now_ms();
	int rc = check_input(s, ids, types, n, modes, cal, e);

	if (rc < 0)
		return rc;
	for (int r = 0; r < s->nrows; r++)
		if (s->rows[r] < 0 || s->rows[r] >= n)
			return err_set(e, HEED_EINVAL, "row %d outside the %d tokens", s->rows[r], n);
	int start = first_layer(s, ids, types, n, modes, cal);
	if (start == 0) {
		s->n = n;
		s->nseg = 1;
		s->seg[0] = 0;
		s->seg[1] = n;
		s->aoff[0] = 0;
		memcpy(s->ids, ids, sizeof(int) * (size_t)n);
		for (int t = 0; t < n; t++)
			s->types[t] = type_of(c, types, t);
		embed(s, ids, n, s->hidden);
	}
	s->cal = cal;
	s->first_recomputed = start;
	for (int l = start; l < c->layers; l++) {
		if (cancelled != NULL && cancelled(ud)) {
			s->valid = l;
			return err_set(e, HEED_ECANCELED, "superseded before layer %d", l + 1);
		}
		for (int h = 0; h < c->heads; h++)
			s->modes[l * c->heads + h] = modes != NULL ? modes[l * c->heads + h] : HEAD_INPUT;
		if (l == c->layers - 1 && s->nrows > 0 && rows_supported(s)) {
			layer_forward_rows(s, l, modes, cal);
			memcpy(s->part_rows, s->rows, sizeof(int) * (size_t)s->nrows);
			s->part_n = s->nrows;
		} else {
			layer_forward(s, l, modes, cal, false);
			if (l == c->layers - 1)
				s->part_n = 0;
		}
	}
	s->valid = c->layers;
	s->last_ms = util_now_ms() - t0;
	return HEED_OK;
}

int
enc_run_batch(enc_state *s, const int *ids, const int *lens, int count, heed_err *e)
{
	const model_config *c = &s->m->cfg;
	size_t LH = (size_t)c->layers * c->heads, attn = 0;
	double t0 = util_now_ms();
	int rows = 0;

	if (count < 1 || count > s->max_seg)
		return err_set(e, HEED_EINVAL, "%d sentences: a batch takes 1 to %d", count,
			       s->max_seg);
	for (int g = 0; g < count; g++) {
		if (lens[g] < 1 || lens[g] > s->max_tokens || rows > s->max_rows - lens[g])
			return err_set(e, HEED_EINVAL, "sentence %d of %d tokens: a batch takes "
				       "sentences of 1 to %d tokens, %d in all", g + 1, lens[g],
				       s->max_tokens, s->max_rows);
		s->seg[g] = rows;
		s->aoff[g] = attn;
		attn += LH * (size_t)lens[g] * lens[g];
		rows += lens[g];
	}
	for (int t = 0; t < rows; t++)
		if (ids[t] < 0 || ids[t] >= c->vocab_size)
			return err_set(e, HEED_EINVAL, "token id %d outside the vocabulary (%d)",
				       ids[t], c->vocab_size);
	s->seg[count] = rows;
	s->nseg = count;
	s->n = rows;
	memcpy(s->ids, ids, sizeof(int) * (size_t)rows);
	memset(s->types, 0, sizeof(int) * (size_t)rows);
	memset(s->modes, HEAD_INPUT, LH);
	s->cal = NULL;
	embed(s, ids, rows, s->hidden);
	for (int l = 0; l < c->layers; l++)
		layer_forward(s, l, NULL, NULL, s->skip_output && l == c->layers - 1);
	/* not a cache an incremental run could start from */
	s->valid = -1;
	s->part_n = 0;
	s->first_recomputed = 0;
	s->last_ms = util_now_ms() - t0;
	return HEED_OK;
}

/* ---- results ----------------------------------------------------------- */

int
enc_n(const enc_state *s)
{
	return s->n;
}

const float *
enc_attn(const enc_state *s, int layer, int head)
{
	size_t n = (size_t)s->n;

	return s->attn + ((size_t)layer * s->m->cfg.heads + head) * n * n;
}

void
enc_batch_skip_output(enc_state *s, bool skip)
{
	s->skip_output = skip;
}

int
enc_batch_row(const enc_state *s, int g)
{
	return s->seg[g];
}

const float *
enc_batch_attn(const enc_state *s, int g, int layer, int head)
{
	size_t n = (size_t)(s->seg[g + 1] - s->seg[g]);

	return s->attn + s->aoff[g] + ((size_t)layer * s->m->cfg.heads + head) * n * n;
}

const float *
enc_batch_entropy(const enc_state *s, int g, int layer, int head)
{
	size_t n = (size_t)(s->seg[g + 1] - s->seg[g]), LH = (size_t)s->m->cfg.layers * s->m->cfg.heads;

	/* ModernBERT's attention (modernbert.c) has a softmax of its own */
	if (s->ent == NULL || s->m->cfg.arch == MODEL_ARCH_MODERNBERT)
		return NULL;
	return s->ent + LH * (size_t)s->seg[g] + ((size_t)layer * s->m->cfg.heads + head) * n;
}

const float *
enc_hidden(const enc_state *s, int layer)
{
	return s->hidden + (size_t)layer * s->n * s->m->cfg.hidden;
}

int
enc_first_recomputed(const enc_state *s)
{
	return s->first_recomputed;
}

double
enc_last_ms(const enc_state *s)
{
	return s->last_ms;
}
