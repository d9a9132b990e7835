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
#include "heed/tok.h"
#include "heed/util.h"

#define CALIB_FORMAT_VERSION 2
#define CALIB_DEFAULT_L HEED_MAX_TOKENS /* layout length cap: the token cap */
#define CALIB_FIT_EPOCHS 2 /* dense synthesizer training epochs */
#define CALIB_DEFAULT_SEED 0x68656564ULL /* "heed": Random Synthesizer seed */

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
	uint64_t fingerprint;    /* model->fingerprint: its weights and tokenizer */
	uint64_t sentences;      /* corpus size in sentences */
	uint64_t rows;           /* attention rows (tokens) the statistics average over */
	uint64_t synth_sentences;/* sentences the synthesizers were fitted on */
	uint64_t random_seed;    /* seed of the Random Synthesizer matrices */
	int shard, shards;       /* --shard K/N that made it (1-based); 0/0 when none */
	uint64_t digest;         /* the checksum of the file it was read from: what a
				    scan records of it (0: made or merged in memory) */
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

/* Default layout length for a model: min(128, the longest input it takes).
 * That is max_tokens, not max_position_embeddings: RoBERTa's positions
 * start after padding_idx, so a layout of max_pos slots would have slots
 * no sentence can reach. */
static inline int
calib_default_L(const model_config *c)
{
	return c->max_tokens < CALIB_DEFAULT_L ? c->max_tokens : CALIB_DEFAULT_L;
}

calib *calib_new(const model_config *c, int L, int rank);
void calib_free(calib *c);
/* Recompute avg from sum and count. */
void calib_finish(calib *c);

/* The calibration file beside a model: DIR/heed.calib */
char *calib_default_path(const char *model_dir);
/* Load and validate; refuses a file made for another configuration (cfg;
 * NULL: any) or other weights (fingerprint, model->fingerprint; 0: not
 * checked, for readers that load only config.json). */
int calib_load(const char *path, const model_config *cfg, uint64_t fingerprint,
	       calib **out, heed_err *e);
int calib_parse(const uint8_t *buf, size_t len, const char *name,
		const model_config *cfg, uint64_t fingerprint, calib **out, heed_err *e);
/* Nothing in the file depends on the time, the host or the thread count:
 * the same calibration always gives the same bytes. */
int calib_save(const char *path, const calib *c, heed_err *e);
/* a += b: sums, counts, sentences and rows add; the statistics become
 * row-weighted means; the synthesizers (and their losses) are those of
 * the file fitted on the most sentences, ties going to the weights with the
 * lower XXH3, so the result never depends on the order of merging. */
int calib_merge(calib *a, const calib *b, heed_err *e);
/* Remove the synthesizers (calibrate --merge -r 0). */
void calib_drop_synth(calib *c);

/* ---- the corpus (corpus.c) ---------------------------------------------- */

/* Sentences tokenized once, back to back: sentence i is
 * ids[off[i] .. off[i+1]). */
typedef struct calib_corpus {
	int *ids;
	size_t *off;             /* [count + 1] */
	size_t count, tokens;    /* sentences and tokens kept */
	size_t truncated;        /* sentences cut to L tokens */
	uint64_t seen;           /* sentences read, in every shard */
	uint64_t hash;           /* XXH3 chained over those sentences' text: the same in
				    every shard of one corpus (scan's partial files) */
	size_t cap, ids_len, ids_cap;
} calib_corpus;

typedef struct calib_corpus_opts {
	const tok_vocab *v;
	bool lowercase;
	int L;                   /* tokens per sentence at most */
	long max;                /* stop after this many sentences in all (0: no limit) */
	int shard, shards;       /* keep sentence i (0-based, whole corpus) when
				    i mod shards == shard - 1; shards 0 or 1: all */
	void (*warn)(void *ud, const char *msg);   /* "FILE:LINE: ..." (may be NULL) */
	void *ud;
} calib_corpus_opts;

/* Read a text file (one sentence a line, or running text; a pipe works),
 * refusing UTF-16/32 and NUL bytes by line and warning by line about bytes
 * that are not UTF-8, and append its sentences to c. */
int calib_corpus_read(calib_corpus *c, const calib_corpus_opts *o, const char *path,
		      heed_err *e);
bool calib_corpus_full(const calib_corpus *c, const calib_corpus_opts *o);
void calib_corpus_free(calib_corpus *c);

/* ---- building a calibration (papa.c, stats.c, synth.c) ---------------- */

/* Add one sentence of n <= L tokens: attn[l*heads + h] is that head's [n][n]
 * attention.  Adds to sum and count and counts the sentence. */
void calib_add_sentence(calib *c, int n, const float *const *attn);
/* Its two halves, for threads that take heads [lh0, lh1) each: the count
 * matrix and the sentence and row totals, then the heads' sums. */
void calib_add_counts(calib *c, int n);
void calib_add_heads(calib *c, int n, const float *const *attn, int lh0, int lh1);

/* Running sums of the per-head statistics over a corpus (stats.c). */
typedef struct calib_stats_acc {
	int layers, heads;
	double rows;           /* attention rows seen */
	double rows_adj;       /* rows that have a previous token (as many have a next) */
	double jsd_rows;       /* rows seen by the jsd pass */
	calib_head_stats *sum; /* [layers*heads] */
} calib_stats_acc;

void calib_stats_init(calib_stats_acc *a, int layers, int heads);
void calib_stats_free(calib_stats_acc *a);
void calib_stats_add(calib_stats_acc *a, int n, const float *const *attn);
/* Its halves, for threads that take heads [lh0, lh1) each; ent[lh] gives
 * the n rows' entropies (enc_batch_entropy), which spares a log per
 * element; where ent or ent[lh] is NULL they are computed from the rows. */
void calib_stats_add_rows(calib_stats_acc *a, int n);
void calib_stats_add_heads(calib_stats_acc *a, int n, const float *const *attn,
			   const float *const *ent, int lh0, int lh1);
/* Jensen–Shannon divergence of two rows of n weights, in nats: the
 * measure of input dependence (here and in hstat.h). */
double calib_jsd(const float *p, const float *q, int n);
/* Once c->avg exists: divergence from the average-mode rows. */
void calib_stats_add_jsd(calib_stats_acc *a, const calib *c, int n, const float *const *attn);
/* The heads [lh0, lh1) of it; the caller adds n to a->jsd_rows once. */
void calib_stats_add_jsd_heads(calib_stats_acc *a, const calib *c, int n,
			       const float *const *attn, int lh0, int lh1);
/* Means into c->stats; synth_loss and uniform_loss are left as they are. */
void calib_stats_store(const calib_stats_acc *a, calib *c);

/* Training rows for one layer's Dense Synthesizers, reservoir-sampled so
 * memory stays bounded on any corpus (synth.c). */
typedef struct calib_samples calib_samples;

calib_samples *calib_samples_new(int heads, int hidden, int L, size_t capacity, uint64_t seed);
void calib_samples_free(calib_samples *s);
/* x: [n][hidden] layer inputs; attn[h]: head h's [n][n] attention. */
void calib_samples_add(calib_samples *s, int n, const float *x, const float *const *attn);
size_t calib_samples_count(const calib_samples *s);

typedef struct calib_fit_opts {
	int epochs;
	int batch;
	float lr;
	uint64_t seed;
	void (*progress)(void *ud, double done); /* fraction of this head, may be NULL */
	void *ud;
} calib_fit_opts;

/* Defaults: CALIB_FIT_EPOCHS epochs (up to 8 on small data, towards 300
 * steps), batch 64, Adam lr 3e-3. */
void calib_fit_defaults(calib_fit_opts *o, uint64_t seed);
/* Fit (layer, head)'s Dense Synthesizer to s by distillation (Adam on the
 * cross-entropy to the real rows).  Writes the weights into c and the
 * held-out loss and the uniform loss into c->stats. */
int calib_fit_head(calib *c, int layer, int head, const calib_samples *s,
		   const calib_fit_opts *o, heed_err *e);

#endif
