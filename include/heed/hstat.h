/* hstat.h — what one head does on one input, in numbers, and the name of
 * the kind of head that makes it.
 *
 * The figures of the explorer's statistics view, of `heed stats SENTENCE`
 * and of the lessons' live captions all come from hstat_head(), so what a
 * lesson says, what the view shows and what the command prints are the
 * same numbers.  Every function here is pure: plain arrays in, numbers out.
 *
 * The shares are those of Clark et al. 2019 ("What does BERT look at?"):
 * the mean over query rows of the weight a row puts on its previous token,
 * its next token, itself, the [CLS] token(s), the [SEP] token(s) (the
 * model's own: <s> and </s> for RoBERTa) and punctuation.  Input dependence
 * is the mean Jensen–Shannon divergence (nats) between the head's rows and
 * the rows its calibration average gives the same input, as `heed stats`
 * reports it over a corpus (calib.h); without a calibration it is unknown.
 */
#ifndef HEED_HSTAT_H
#define HEED_HSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/tok.h"

/* The columns, in the statistics view's and `heed stats`' order. */
typedef enum {
	HSTAT_ENTROPY,   /* mean row entropy, nats */
	HSTAT_PREV,      /* mean weight on the previous token (rows 2..n) */
	HSTAT_NEXT,      /* ... on the next token (rows 1..n-1) */
	HSTAT_SELF,      /* ... on the query token itself */
	HSTAT_CLS,       /* ... on [CLS] tokens */
	HSTAT_SEP,       /* ... on [SEP] tokens */
	HSTAT_PUNCT,     /* ... on punctuation tokens */
	HSTAT_DEP,       /* input dependence: mean JSD to the average rows; NaN without */
	HSTAT_MAX,       /* the largest weight */
	HSTAT_COUNT
} hstat_col;

/* The kinds of head, from the thresholds below (heed(1), STATISTICS). */
typedef enum {
	HCAT_PREV,       /* previous-token */
	HCAT_NEXT,       /* next-token */
	HCAT_SELF,       /* self */
	HCAT_SINK,       /* sink: [CLS] + [SEP] + punctuation */
	HCAT_BROAD,      /* broad: rows close to uniform */
	HCAT_MIXED,      /* none of these */
	HCAT_COUNT
} hstat_cat;

/* A head is previous-token, next-token, self or sink when that share (the
 * sink share being cls + sep + punct) is the largest of the four and at
 * least HSTAT_SHARE_MIN; otherwise broad when its mean row entropy is at
 * least HSTAT_BROAD_MIN of a uniform row's, ln n; otherwise mixed. */
#define HSTAT_SHARE_MIN 0.5
#define HSTAT_BROAD_MIN 0.75

typedef struct hstat {
	double v[HSTAT_COUNT];
	hstat_cat cat;
} hstat;

/* What a token is, for the shares: flags per token. */
enum { HSTAT_TOK_CLS = 1, HSTAT_TOK_SEP = 2, HSTAT_TOK_PUNCT = 4 };

/* kind[i] for ids[0..n): the tokenizer's cls and sep ids, and pieces made
 * only of Unicode punctuation (after a word marker: ##, Ġ, ▁). */
void hstat_token_kinds(const tok_vocab *v, const int *ids, int n, uint8_t *kind);

/* The figures of one head's n x n attention.  avg: the rows its
 * calibration average gives this input (enc_mode_row, HEAD_AVERAGE), or
 * NULL: input dependence unknown (NaN).  Sets out->cat too. */
void hstat_head(const float *attn, int n, const uint8_t *kind, const float *avg, hstat *out);

/* hstat_head with what depends on avg alone made before: avg_ala[i*n+j]
 * is b ln b of its weight b (hstat_average_ala), so a caller that keeps
 * the average rows across inputs of one length (the explorer's worker)
 * pays one logarithm less per weight.  The figures are hstat_head's to
 * the bit. */
void hstat_head_ala(const float *attn, int n, const uint8_t *kind, const float *avg,
		    const double *avg_ala, hstat *out);
/* out[k] = b ln b (0 for b = 0) of avg[0..count), as hstat_head takes it. */
void hstat_average_ala(const float *avg, size_t count, double *out);

/* The n x n rows (layer, head)'s calibration average gives an n-token
 * input (enc_mode_row, HEAD_AVERAGE): what input dependence compares with.
 * Does cal have averages at all? */
void hstat_average_rows(const calib *cal, int layer, int head, int n, float *out);
bool hstat_has_average(const calib *cal);

/* Every head of a run: attn is [layers][heads][n][n]; cal may be NULL (or
 * have no averages); scratch holds n * n floats.  out is [layers*heads]. */
void hstat_heads(const float *attn, int layers, int heads, int n, const uint8_t *kind,
		 const calib *cal, float *scratch, hstat *out);

/* Every head of the encoder's last run (enc_attn of enc_n tokens), as
 * hstat_heads; buf holds (layers*heads + 1) * n * n floats. */
void hstat_run(const enc_state *s, int layers, int heads, const uint8_t *kind,
	       const calib *cal, float *buf, hstat *out);

/* The category from the figures (n: tokens, for the broad threshold). */
hstat_cat hstat_category(const hstat *s, int n);

/* "entropy", "prev", "next", "self", "cls", "sep", "punct", "dep", "max" */
const char *hstat_col_name(hstat_col c);
/* The column named s, or -1. */
int hstat_col_parse(const char *s);
/* "previous-token", "next-token", "self", "sink", "broad", "mixed" */
const char *hstat_cat_name(hstat_cat c);
/* The category named s (its name, or "prev"/"next" for short), or -1. */
int hstat_cat_parse(const char *s);
/* One character for the grid: p n s k b m */
char hstat_cat_badge(hstat_cat c);

#endif
