/* encoder_int.h — the encoder's run state, shared by encoder.c (forward
 * pass) and mlm.c (the prediction heads).  Not part of the public interface.
 *
 * Buffers are sized once in enc_new (llama2.c's RunState); the shape of
 * each is written beside it.  A run holds one sentence, or a batch of them
 * (enc_run_batch) as consecutive rows: n counts the rows of all of them.
 * Hidden states are packed for that n; attention per sentence, sentence g
 * (rows seg[g] .. seg[g+1], m of them) from aoff[g], its head (l, h) at
 * aoff[g] + (l*H + h)*m*m, so one sentence's layout is (l*H + h)*n*n.
 */
#ifndef HEED_ENCODER_INT_H
#define HEED_ENCODER_INT_H

#include "heed/enc.h"

#include "heed/pool.h"

struct enc_state {
	const model *m;
	enc_pool *pool;      /* borrowed threads (pool.h); NULL: one thread */
	int max_tokens;      /* per sentence */
	int max_rows;        /* all sentences of a batch (max_tokens without one) */
	int max_seg;         /* sentences of a batch */
	size_t attn_cap;     /* floats of attn */
	bool skip_output;    /* batches: stop after the last layer's attention */
	int layout_L;        /* layout length for random mode without calib */

	/* results of the last run, and the cache that incremental runs reuse */
	int n;               /* rows of the last run */
	int nseg;            /* sentences of the last run */
	int *seg;            /* [max_seg + 1] first row of each sentence, then n */
	size_t *aoff;        /* [max_seg] where each sentence's attention starts */
	int *ids;            /* [max_rows] ids of the last run */
	int *types;          /* [max_rows] their token type ids (0 in a batch) */
	uint8_t *modes;      /* [layers*heads] modes of the last run */
	const calib *cal;    /* calibration the last run used */
	int valid;           /* hidden[0..valid] and attention of layers < valid are current */
	int first_recomputed;
	/* enc_set_rows: the last layer computes these query rows only (nrows
	 * 0: all); part_rows are the rows the cache's last layer holds when it
	 * is not whole (part_n 0: whole) */
	int *rows, nrows;
	int *part_rows, part_n;
	double last_ms;
	float *hidden;       /* [layers+1][n][hidden] */
	float *attn;         /* per sentence [layers][heads][m][m], see above */
	float *ent;          /* batches: per sentence [layers][heads][m] row entropies
				of input heads, from aoff's rows: at layers*heads*seg[g] */

	/* scratch, max_rows rows */
	float *qkv;          /* [rows][3*hidden] */
	float *ctx;          /* [rows][hidden] heads' context, concatenated */
	float *mid;          /* [rows][hidden] after attention + LayerNorm */
	float *proj;         /* [rows][hidden] projection output before residual */
	float *ffn;          /* [rows][ffn] */
	float *emb;          /* [rows][emb] embeddings before the projection to hidden */
	float *mlm_t;        /* [max(hidden, emb)] transformed final hidden row */
	float *logits;       /* [vocab] */

	/* family scratch (modernbert.c, deberta.c), NULL where unused */
	float *rope;         /* [2][max_tokens][head_dim/2][cos, sin]: global θ, then local θ */
	uint8_t *band_ok;    /* ModernBERT [layers]: layer l's matrices are 0 outside its window */
	int *band_seg;       /* ... for the sentences band_seg[0..band_nseg] (seg's layout) */
	int band_nseg;       /* -1: none yet */
	int *rel_idx;        /* DeBERTa [2*max_tokens-1]: δ for i - j = -(T-1) .. T-1 */
	int rel_width;       /* DeBERTa: distinct δ a max_tokens input can reach */
	int rel_regions;     /* DeBERTa: scratch regions, at least the attention job's parts */
	float *rel_scratch;  /* DeBERTa [rel_regions][2][max_tokens][rel_width]: c2p, p2c */
	float *emd;          /* DeBERTa's enhanced mask decoder: one query row's scratch */
};

/* encoder.c: the bytes enc_new_batch(m, max_tokens, max_rows) (batch) or
 * enc_new(m, max_tokens) (max_rows = max_tokens, !batch) allocates, the
 * state itself included; enc_bytes is its second form. */
size_t enc_state_bytes(const model *m, int max_tokens, int max_rows, bool batch);

/* encoder.c: out[n][w->out] = in[n][w->in] Wᵀ + b (then activation act,
 * for _act), split over the state's threads. */
void enc_linear(enc_state *s, const lin_weight *w, const float *in, int n, const float *b,
		float *out);
void enc_linear_act(enc_state *s, const lin_weight *w, const float *in, int n, const float *b,
		    model_act act, float *out);

/* modernbert.c: RoPE tables for enc_new, and layer l of a ModernBERT */
/* Fill s->rope (allocated by enc_new, its size there). */
void enc_rope_tables(enc_state *s);
void enc_modernbert_layer(enc_state *s, int l, const uint8_t *modes, const calib *cal,
			  bool attention_only);
/* One head's vector v[d] at position t, rotated as layer attention does
 * (the local θ for local layers): probe.c shows what the scores see. */
void enc_rope_at(const enc_state *s, bool local, int t, float *v);

/* deberta.c: δ(r) for i - j = r; the tables for enc_new; scratch for at
 * least `parts` concurrent heads; and head h's relative terms for the
 * sentence at row row0, scale · (c2p + p2c), added to its scores a[n][n]
 * (region: the attention part's own scratch). */
int enc_deberta_index(const model_config *c, int r);
/* Fill the tables enc_new allocated: rel_idx; rel_scratch has room for
 * `regions` regions of width `width` (enc_rel_scratch_bytes). */
void enc_deberta_init(enc_state *s, int width, int regions);
/* Bytes of scratch for `parts` regions of a max_tokens state whose δ span
 * `width` values: the one formula enc_new and enc_deberta_regions size by. */
size_t enc_rel_scratch_bytes(int max_tokens, int width, int parts);
void enc_deberta_regions(enc_state *s, int parts);
void enc_deberta_rel(enc_state *s, int l, int h, int row0, int n, int region, float scale,
		     float *a);
/* The enhanced mask decoder's output row at pos (model->has_emd), in s->emd. */
const float *enc_deberta_emd(enc_state *s, int pos);

/* vecmath.c: element-wise maths, vectorisable */
float enc_expf(float x);
float enc_erff(float x);
/* y = LayerNorm(x) * g + b over one row of d values (y may be x). */
void enc_layernorm(const float *x, const float *g, const float *b, int d, float eps, float *y);
/* The configured activation, applied in place to n values. */
void enc_activate(model_act act, float *v, size_t n);
/* a · b over d values, summed in double. */
double enc_dot(const float *a, const float *b, int d);
/* In place, subtracting the maximum first so exp never overflows. */
void enc_softmax(float *v, int n);
/* In place: the log of the softmax (log-probabilities), one log per row. */
void enc_log_softmax(float *v, int n);
/* The same, returning the row's entropy in nats (one log, not n). */
double enc_softmax_entropy(float *v, int n);

#endif
