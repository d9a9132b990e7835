/* imp.h — which heads matter, for one sentence: each head alone switched to
 * a replacement while every other head keeps the mode it has, and the
 * effect measured on the model's output (Michel et al. 2019's ablation,
 * with PAPA's constant averages as the replacement, Hassid et al. 2022);
 * and the cumulative replacement curve of the PAPA paper.
 *
 * Measures, against the baseline run (the sentence with the modes given):
 *
 *   with masks   at each masked position m, p = the baseline's masked-LM
 *                distribution, q = the switched one's:
 *                  kl    = KL(p || q) = Σ_v p_v ln(p_v / q_v)   (nats)
 *                  dprob = q_t − p_t, t the position's target (the given
 *                          token, or else the baseline's top prediction)
 *                a head's score is the mean kl over the masks.
 *   without      the last layer's hidden states H (n × hidden), as a
 *                relative Frobenius distance:
 *                  score = ‖H_switched − H_base‖_F / ‖H_base‖_F
 *                0 when nothing changed, about √2 for unrelated states of
 *                equal size; dprob is 0.
 *
 * Sums run in double over float32 distributions; a q_v that underflowed to
 * 0 where p_v > 0 counts as FLT_MIN (the divergence stays finite).
 *
 * Work: the switched runs reuse the encoder's incremental recompute.  Heads
 * go from the last layer to the first, so each run recomputes from the
 * switched head's layer on (restoring the previous head never reaches
 * further back): about (layers + 1) / 2 forwards per head in all.  With
 * masks the last layer runs at the masked rows only (enc_set_rows), and
 * the masked rows of many runs share one pass over the decoder.
 *
 * An imp_ctx owns one encoder state and its buffers; it belongs to one
 * thread at a time.  Nothing here draws or allocates per head.
 */
#ifndef HEED_IMP_H
#define HEED_IMP_H

#include <stdbool.h>
#include <stdint.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/util.h"

typedef enum { IMP_KL, IMP_HIDDEN } imp_measure;

/* The masked positions to measure at (none: the hidden-state distance). */
#define IMP_MAX_MASKS HEED_MAX_TOKENS

typedef struct imp_opts {
	head_mode replace;       /* what a switched head becomes (default average) */
	const calib *cal;        /* for average and dense, and any such mode in modes */
	int nmask;               /* masked positions, 0 to IMP_MAX_MASKS */
	const int *mask_pos;     /* [nmask] token positions */
	const int *target;       /* [nmask] the token each mask should be, NULL: the
				    baseline's top prediction there */
	const int *types;        /* [n] token type ids (a sentence pair), NULL: all 0 */
	/* polled between runs and between layers: true stops the work with
	 * HEED_ECANCELED (NULL: never) */
	bool (*cancelled)(void *ud);
	/* after each run: done of total runs (NULL: not told) */
	void (*progress)(void *ud, int done, int total);
	void *ud;
} imp_opts;

/* replace = average, no masks, no callbacks. */
void imp_opts_init(imp_opts *o);

typedef struct imp_ctx imp_ctx;

/* An importance engine for m's sentences of up to max_tokens tokens, on
 * `threads` encoder threads (enc_set_threads; 0: the encoder's default). */
imp_ctx *imp_new(const model *m, int max_tokens, int threads);
void imp_free(imp_ctx *c);

/* One sentence's per-head importance. */
typedef struct imp_result {
	int layers, heads, nmask;
	imp_measure measure;
	head_mode replace;
	double *score;           /* [layers*heads] mean KL (nats), or hidden distance */
	double *dprob;           /* [layers*heads] mean change of the target's probability */
	double *kl;              /* [layers*heads][nmask] KL at each mask */
	double *prob;            /* [layers*heads][nmask] target's probability, switched */
	bool *same;              /* [layers*heads] the head was already in the replacement
				    mode: nothing to switch, score 0 */
	int *target;             /* [nmask] the target token of each mask */
	double *base_prob;       /* [nmask] its probability in the baseline */
	int *base_top;           /* [nmask] the baseline's top prediction */
	int cap_lh, cap_mask;    /* room in the arrays */
} imp_result;

void imp_result_init(imp_result *r);
void imp_result_free(imp_result *r);

/* Every head of ids[0..n) (n ≥ 1), one at a time, switched from modes
 * ([layers*heads], NULL: all input) to o->replace.  With masks the model
 * needs a masked-LM head.  HEED_EINVAL for bad input (a mode needing
 * calibration without one...), HEED_ECANCELED when o->cancelled said so;
 * r is complete only on HEED_OK. */
int imp_heads(imp_ctx *c, const int *ids, int n, const uint8_t *modes, const imp_opts *o,
	      imp_result *r, heed_err *e);

/* Heads from least to most important (score ascending, ties by index), the
 * order the replacement curve takes them in; order has layers*heads room. */
void imp_rank(const imp_result *r, int *order);

/* The cumulative replacement curve: point k (0 ≤ k ≤ count) has the first
 * k heads of order[] switched to o->replace on top of modes. */
typedef struct imp_curve {
	int count, nmask;
	imp_measure measure;
	double *prob;            /* [count+1] mean target probability over the masks */
	double *acc;             /* [count+1] share of masks whose top prediction is the target */
	double *kl;              /* [count+1] mean KL from the baseline (point 0), or the
				    hidden distance without masks */
	int cap;
} imp_curve;

void imp_curve_init(imp_curve *cv);
void imp_curve_free(imp_curve *cv);

/* order: head indices (layer*heads + head), count of them (≤ layers*heads),
 * e.g. imp_rank's or enc_rank_heads's (the PAPA ranking). */
int imp_replace_curve(imp_ctx *c, const int *ids, int n, const uint8_t *modes,
		      const imp_opts *o, const int *order, int count, imp_curve *cv,
		      heed_err *e);

/* Positions of mask_id in ids[0..n), at most max of them; returns how many. */
int imp_find_masks(const int *ids, int n, int mask_id, int *pos, int max);

#endif
