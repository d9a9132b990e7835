/* enc.h — the encoder: a BERT-family forward pass on cblas that keeps every
 * head's attention, with per-head attention modes and incremental recompute,
 * for every family model.h loads, and its prediction heads.
 *
 * The encoder never draws.  One enc_state belongs to one thread (the worker);
 * it owns scratch buffers sized once for max_tokens and reused every run.
 */
#ifndef HEED_ENC_H
#define HEED_ENC_H

#include <stdbool.h>
#include <stdint.h>

#include "heed/calib.h"
#include "heed/model.h"
#include "heed/util.h"

/* What a head uses as its attention matrix.  Values stay input-dependent in
 * every mode: only the weights change (as in PAPA). */
typedef enum {
	HEAD_INPUT = 0,      /* softmax(QK^T / sqrt(d)) */
	HEAD_AVERAGE,        /* PAPA constant matrix, gathered and row-renormalised */
	HEAD_SYNTH_DENSE,    /* Dense Synthesizer, from each token alone */
	HEAD_SYNTH_RANDOM,   /* Random Synthesizer, fixed seeded matrix */
	HEAD_UNIFORM,        /* 1/n everywhere */
	HEAD_MODE_COUNT
} head_mode;

const char *enc_mode_name(head_mode m);        /* "input", "average", "dense", "random", "uniform" */
char enc_mode_badge(head_mode m);              /* 'I', 'A', 'D', 'R', 'U' */
int enc_mode_parse(const char *s, head_mode *m);
/* Does mode m need calibration data (average, dense)? */
bool enc_mode_needs_calib(head_mode m);
/* Can mode m run with calibration cal (NULL: none)?  The one availability
 * rule: the explorer's keys, mode specs and presets all ask it. */
bool enc_mode_available(head_mode m, const calib *cal);

typedef struct enc_state enc_state;

enc_state *enc_new(const model *m, int max_tokens);
/* The bytes enc_new(m, max_tokens) allocates, exactly: every layer's and
 * head's max_tokens x max_tokens attention, then the hidden states and
 * scratch (both read one description of the buffers, encoder.c).  For
 * refusing an input before the allocation fails.  The thread pool of
 * enc_set_threads is not counted; a DeBERTa state already has scratch for
 * enc_default_threads() threads. */
size_t enc_bytes(const model *m, int max_tokens);
void enc_free(enc_state *s);
/* Run the forward pass on `threads` threads (the caller's and threads − 1
 * of the process's shared pool, pool.h: an encoder borrows threads, it
 * owns none), splitting linear layers by output columns and
 * attention by heads, with OpenBLAS single-threaded inside each part (so
 * 1 means one thread in all).  Without a call, the encoder runs on the
 * caller's thread and OpenBLAS threads as it is configured.  Results do not
 * depend on the thread count beyond float rounding. */
void enc_set_threads(enc_state *s, int threads);
/* The number of threads worth using on this machine (online CPUs, at most 8). */
int enc_default_threads(void);
int enc_max_tokens(const enc_state *s);

/* Run the model on ids[0..n) with modes[layers*heads] (NULL = all input).
 * Only the layers from the first one whose input or modes differ from the
 * previous run are recomputed.  cancelled (may be NULL) is polled between
 * layers; when it returns true the run stops with HEED_ECANCELED.
 * A mode that needs calibration data fails with HEED_EINVAL if cal is NULL. */
int enc_run(enc_state *s, const int *ids, int n, const uint8_t *modes,
	    const calib *cal, bool (*cancelled)(void *), void *ud, heed_err *e);
/* enc_run with each token's type id (a sentence pair's segment B is type
 * 1 in BERT's template); NULL is every token type 0.  A model without a
 * second type row (type_vocab_size 0 or 1) reads 0 for every token, as
 * transformers feeds RoBERTa; for the others a type id past the model's
 * is HEED_EINVAL.  The cache is reused only for the same ids and types. */
int enc_run_typed(enc_state *s, const int *ids, const int *types, int n, const uint8_t *modes,
		  const calib *cal, bool (*cancelled)(void *), void *ud, heed_err *e);

/* From the next run on, compute the last layer at these query rows only
 * (rows[0..nrows), token positions; nrows 0: all, the default): what a
 * masked-LM prediction at those positions needs, at a fraction of the
 * layer's cost (imp.h's runs).  Every earlier layer stays whole.  Until
 * a run computes all rows again, enc_hidden(s, layers) and the last
 * layer's attention are current at those rows only, enc_mlm_* refuse
 * other positions and enc_replaced refuses.  ModernBERT and DeBERTa
 * compute every row regardless. */
void enc_set_rows(enc_state *s, const int *rows, int nrows);

/* ---- batches (calibration) ---- */

/* An encoder for batches: sentences of up to max_tokens tokens, up to
 * max_rows tokens in all; it also records row entropies (below). */
enc_state *enc_new_batch(const model *m, int max_tokens, int max_rows);
/* Run count sentences in input mode at once: lens[g] tokens each, their ids
 * back to back.  Every linear layer multiplies all the batch's rows in one
 * pass over its weights; attention stays within each sentence (no padding,
 * no mask; ModernBERT's rotary positions and windows and DeBERTa's
 * relative positions count from each sentence's start).  Each sentence's numbers are those enc_run gives it alone, bit
 * for bit: a row's sums never depend on the other rows.  Leaves nothing an
 * incremental enc_run could reuse. */
int enc_run_batch(enc_state *s, const int *ids, const int *lens, int count, heed_err *e);
/* Calibration reads every layer's attention and input, never the last
 * layer's output: with skip, enc_run_batch stops after the last layer's
 * attention (for heed-mini a fifth of the pass) and enc_hidden(s, layers)
 * is not computed.  Off by default. */
void enc_batch_skip_output(enc_state *s, bool skip);
/* First row of sentence g in enc_hidden's rows. */
int enc_batch_row(const enc_state *s, int g);
/* attention of (layer, head) for sentence g: [m][m], m = lens[g] */
const float *enc_batch_attn(const enc_state *s, int g, int layer, int head);
/* Entropy (nats) of each of those [m] rows, computed from the logits as
 * the softmax runs; NULL for an encoder made by enc_new, and for
 * ModernBERT. */
const float *enc_batch_entropy(const enc_state *s, int g, int layer, int head);

/* Results of the last complete run, valid until the next enc_run.  After a
 * batch, enc_n counts the rows of every sentence, enc_hidden holds them all
 * and enc_attn is the first sentence's. */
int enc_n(const enc_state *s);
/* attention of (layer, head): [n][n], row = query, column = key */
const float *enc_attn(const enc_state *s, int layer, int head);
/* hidden states: layer 0 = embeddings output, layer l+1 = output of layer l; [n][hidden] */
const float *enc_hidden(const enc_state *s, int layer);
/* The keys query i of layer `layer` can see: |i - j| <= the value, or all
 * of them when it is -1.  ModernBERT's local layers return their half
 * window; cells outside it are 0 in enc_attn because the model never
 * attends there (views show them as such, not as weights). */
int enc_window(const enc_state *s, int layer);
/* layers recomputed by the last run (for tests and the status line) */
int enc_first_recomputed(const enc_state *s);
double enc_last_ms(const enc_state *s);

/* Masked-LM top-k at token position pos (needs model->has_mlm). ids/probs
 * have room for k; returns the number written or a negative code. */
int enc_mlm_topk(enc_state *s, int pos, int k, int *ids, float *probs, heed_err *e);
/* Masked-LM probability of token id at position pos (for evaluation). */
int enc_mlm_prob(enc_state *s, int pos, int id, float *prob, heed_err *e);
/* The whole masked-LM distribution at pos as log-probabilities (natural
 * log), written to out[vocab_size]: what a divergence needs (imp.h). */
int enc_mlm_logprobs(enc_state *s, int pos, float *out, heed_err *e);
/* The same in two steps, so that many runs' rows share one pass over the
 * decoder (the largest matrix of a small model): the head's transformed
 * row at pos, t[model->cfg.emb]; then the log-probabilities of `rows`
 * such rows at once, out[rows][vocab_size]. */
int enc_mlm_transform(enc_state *s, int pos, float *t, heed_err *e);
void enc_mlm_decode(enc_state *s, const float *t, int rows, float *out);
/* ELECTRA discriminator (needs model->has_rtd): for every token of the last
 * run, the probability that it was replaced, written to p[enc_n(s)]. */
int enc_replaced(enc_state *s, float *p, heed_err *e);

/* Attention row i of a non-input mode for an n-token input, written to
 * out[n]; x is the token's layer input (for dense).  L is the layout length
 * random mode uses when cal is NULL (pass calib_default_L(&model->cfg));
 * with cal, cal->L and cal->random_seed win.  Exposed for tests and
 * calibration. */
void enc_mode_row(head_mode m, const calib *cal, int L, int layer, int head, int n, int i,
		  const float *x, float *out);
/* The same row restricted to keys lo..hi-1 and normalised over them (a
 * sliding window): writes out[lo..hi) only, at the window's cost.  With lo
 * 0 and hi n it is enc_mode_row. */
void enc_mode_row_window(head_mode m, const calib *cal, int L, int layer, int head, int n,
			 int i, const float *x, int lo, int hi, float *out);
/* The Random Synthesizer's L x L logits for (layer, head): a fixed generator
 * (splitmix64 → Box–Muller), so every machine draws the same matrix. */
void enc_random_logits(uint64_t seed, int layer, int head, int L, float *out);

/* ---- head mode tables and presets (heads.c) --------------------------- */

/* Parse a mode spec into modes[layers*heads] (starting from what is there):
 *   "papa-half"               half the heads, least input-dependent first, to average
 *   "all=average"             every head
 *   "L3=dense"                one layer (1-based layers and heads in specs)
 *   "L2H5=uniform,L1H1=random" heads
 *   "top8=average"            the 8 most input-independent heads (needs stats)
 *   "input"                   reset
 * Specs combine with commas; a path to a preset file (lines of specs,
 * '#' comments) is read instead when s names a readable file. */
int enc_modes_parse(const char *spec, int layers, int heads, const calib *cal,
		    uint8_t *modes, heed_err *e);
/* Read a preset file (lines of specs, '#' comments) whatever its name,
 * into modes (starting from what is there; unchanged on an error, which
 * names the file and line). */
int enc_modes_load(const char *path, int layers, int heads, const calib *cal, uint8_t *modes,
		   heed_err *e);
/* Write modes as a preset file, atomically. */
int enc_modes_save(const char *path, const uint8_t *modes, int layers, int heads, heed_err *e);
/* Heads ordered from least to most input-dependent (needs cal->stats). */
void enc_rank_heads(const calib *cal, int *order);
/* Indices 0..count-1 by ascending key, ties by index, NaN last (the
 * ranking behind enc_rank_heads and imp_rank). */
void enc_rank_by(const double *key, int count, int *order);

/* ---- inside one head (probe.c) ----------------------------------------- */

/* How query `query` of head (layer, head) scored each key in the last run,
 * term by term, as the family computes it (bertviz's neuron view):
 *
 *   score_j  = scale · (q·k_j + c2p_j + p2c_j)
 *   weight_j = softmax over the keys the query sees (|query − j| <= window,
 *              every key when window is -1)
 *
 * q and k_j are the head's slices of the layer's query and key projections
 * (ModernBERT's after its rotary positions, so Σ q[t]·k_j[t] is the content
 * term exactly); scale is 1/√d, DeBERTa's 1/√(d·(1 + its relative terms));
 * c2p and p2c are DeBERTa's content→position and position→content terms,
 * zero elsewhere.  weight is what the model's own scores give: a head in
 * another mode used its mode's row instead (enc_attn has that).  The caller
 * owns the buffers: q[d], k[n][d] and each [n] array, n = enc_n(s). */
typedef struct enc_probe {
	int d, n, window;
	float scale;
	bool has_c2p, has_p2c;
	bool rotary;     /* q and k carry ModernBERT's rotary positions */
	float *q, *k;
	float *qk, *c2p, *p2c, *score, *weight;
} enc_probe;

/* Fill p (its buffers set, n and d filled here) for the last complete
 * enc_run.  Recomputes the layer's projections from its kept input: the
 * cost of one linear layer, and none at all on runs that are not probed. */
int enc_probe_head(enc_state *s, int layer, int head, int query, enc_probe *p, heed_err *e);

#endif
