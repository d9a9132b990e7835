/* calib.h — what calibration over a corpus learns about every head.
 *
 * PAPA averages (Hassid et al. 2022): for each layer/head, sums of attention
 * in a fixed layout of L slots (a sentence of n tokens maps token k to slot
 * p(k) = k for k < n-1 and p(n-1) = L-1, so the final [SEP] always lands in
 * the last slot) and one shared count matrix.  Sums and counts, not only the
 * averages, are kept so files from several corpora merge by addition.
 *
 * Dense Synthesizer (Tay et al. 2021): per head a two-layer MLP from a
 * token's layer input x to L logits, b = W2 ReLU(W1 x + b1) + b2, fitted by
 * distillation to the head's real attention rows.
 *
 * Per-head statistics (entropy, where attention goes, input dependence) are
 * stored alongside, for `heed stats`, presets and the TUI.
 */
#ifndef HEED_CALIB_H
#define HEED_CALIB_H

#include <stdbool.h>
#include <stdint.h>

#include "heed/model.h"
#include "heed/util.h"

#define CALIB_FORMAT_VERSION 1

typedef struct calib_head_stats {
	double entropy;     /* mean attention-row entropy, nats */
	double cls;         /* mean share of attention on [CLS] */
	double sep;         /* ... on the final [SEP] */
	double self;        /* ... on the query token itself */
	double prev;        /* ... on the previous token */
	double next;        /* ... on the next token */
	double jsd;         /* input dependence: mean Jensen–Shannon divergence to the average (nats) */
	double synth_loss;  /* dense synthesizer: final cross-entropy (nats/row) */
	double uniform_loss;/* cross-entropy of uniform rows on the same data, for comparison */
} calib_head_stats;

typedef struct calib {
	int layers, heads, hidden;
	int L;                   /* layout length */
	int rank;                /* dense synthesizer hidden width */
	uint64_t model_hash;     /* config_hash() of the model it belongs to */
	uint64_t sentences;      /* corpus size in sentences */
	uint64_t random_seed;    /* seed of the Random Synthesizer matrices */
	char date[32];           /* ISO 8601, UTC */
	double *sum;             /* [layers][heads][L][L] */
	double *count;           /* [L][L] */
	float *avg;              /* [layers][heads][L][L] = sum / count, derived at load */
	bool has_synth;
	float *syn_w1;           /* [layers*heads][rank][hidden] */
	float *syn_b1;           /* [layers*heads][rank] */
	float *syn_w2;           /* [layers*heads][L][rank] */
	float *syn_b2;           /* [layers*heads][L] */
	calib_head_stats *stats; /* [layers*heads] */
} calib;

/* Layout slot of token k in an n-token input (DESIGN.md). */
static inline int
calib_slot(int k, int n, int L)
{
	return k == n - 1 ? L - 1 : k;
}

calib *calib_new(const model_config *c, int L, int rank);
void calib_free(calib *c);
/* Recompute avg from sum and count. */
void calib_finish(calib *c);

/* The calibration file beside a model: DIR/heed.calib */
char *calib_default_path(const char *model_dir);
/* Load and validate; refuses a file whose model hash differs from cfg's. */
int calib_load(const char *path, const model_config *cfg, calib **out, heed_err *e);
int calib_parse(const uint8_t *buf, size_t len, const char *name,
		const model_config *cfg, calib **out, heed_err *e);
int calib_save(const char *path, const calib *c, heed_err *e);
/* a += b (sums, counts, sentences); synthesizer and stats are recomputed
 * or taken from the larger corpus, see calibfile.c. */
int calib_merge(calib *a, const calib *b, heed_err *e);

#endif
