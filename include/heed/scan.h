/* scan.h — which heads matter over a corpus (`heed scan`): the data a scan
 * keeps per sentence, what it derives from them, and the partial file that
 * --shard writes and --merge reads.
 *
 * Masking (MLM evaluation, Devlin et al. 2019): in each sentence 15% of the
 * tokens that are not special ([CLS], [SEP], [PAD], [UNK], [MASK]),
 * rounded to nearest and at least one, drawn by splitmix64 from the seed
 * and the sentence's index in the whole corpus, all become [MASK] (plain
 * masking, not BERT's 80/10/10: the 10% random and 10% kept tokens are a
 * training device, and an evaluation that scores them mixes in how well the
 * model spots a replaced word).  The same seed gives the same masks in a
 * single run and in every shard.
 *
 * Per sentence and replacement mode, each head alone switched (imp.h), at
 * the masks, against the unswitched model:
 *   kl    mean KL(base || switched) over the masks (nats)
 *   drop  mean ln p_base(t) − ln p_switched(t), t the original token: the
 *         drop of the masked-LM log-likelihood (negative: it helped)
 * and, once the heads' order is known, the replacement curve: hits[k], the
 * masks whose top prediction is the original token with the first k heads
 * of the order replaced.
 *
 * Everything is kept per sentence and every total is summed in corpus
 * order after the sentences are sorted by index, so the merge of the
 * shards' partial files gives the single run's numbers bit for bit.
 */
#ifndef HEED_SCAN_H
#define HEED_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/util.h"

#define SCAN_RATE 0.15
#define SCAN_DEFAULT_SEED 0x7363616eULL   /* "scan" */
#define SCAN_MAX_MODES 4                 /* average, dense, random, uniform */
#define SCAN_MAX_HEADS 4096              /* layers x heads a file may hold */
#define SCAN_FORMAT_VERSION 2   /* 2: length, mlm_head, corpus and calib recorded */

/* The orders the curve takes heads in. */
enum { SCAN_BY_IMPORTANCE, SCAN_BY_PAPA, SCAN_ORDERS };

typedef struct scan_sentence {
	uint64_t index;          /* in the whole corpus, 0-based */
	int ntok, nmask;
	int *mask_pos, *target;  /* [nmask] positions and original token ids */
	double *kl, *drop;       /* [nmodes][LH] */
	int *hits;               /* [nmodes][SCAN_ORDERS][LH+1]; NULL: no curve */
} scan_sentence;

typedef struct scan_data {
	char *model;             /* the model's name, for the output */
	uint64_t fingerprint;    /* model->fingerprint: weights and tokenizer */
	uint64_t seed;
	/* every other setting the numbers depend on, so that --merge refuses
	 * shards that do not belong together (scan_merge) */
	int length;              /* tokens per sentence at most (--length) */
	bool emd;                /* masked-LM head: DeBERTa's enhanced mask decoder (--mlm-head) */
	uint64_t corpus;         /* calib_corpus.hash: the corpus's sentences, every shard's */
	uint64_t calib;          /* calib.digest of the calibration used; 0: none */
	int layers, heads, LH;
	int nmodes;
	uint8_t mode[SCAN_MAX_MODES];   /* head_mode values, ascending */
	int shard, shards;       /* the --shard K/N of this file; 0/0: whole */
	uint64_t seen;           /* sentences in the corpus, every shard's */
	uint64_t unmaskable;     /* of this data's, those with no token to mask */
	bool has_curve;
	bool has_papa;           /* the PAPA order (calibration) is one of them */
	int *order;              /* [nmodes][SCAN_ORDERS][LH] the curves' orders */
	size_t count, cap;
	scan_sentence *s;        /* by index once scan_sort ran */
} scan_data;

scan_data *scan_new(const char *name, uint64_t fingerprint, uint64_t seed, int layers,
		    int heads, int nmodes, const uint8_t *mode);
void scan_free(scan_data *d);
/* A new sentence record (arrays allocated, hits only with d->has_curve). */
scan_sentence *scan_add(scan_data *d, uint64_t index, int ntok, int nmask);
/* Give every sentence a curve (hits, zeroed); call after scan_set_orders. */
void scan_add_curves(scan_data *d);

/* The masks of sentence `index` of ids[0..n): positions ascending into
 * pos (room for n); `special` lists the ids never masked (negative ids
 * ignored).  Returns how many. */
int scan_pick_masks(uint64_t seed, uint64_t index, const int *ids, int n, const int *special,
		    int nspecial, int *pos);

/* Heads by ascending mean kl of mode index mi, ties by index. */
void scan_rank(const scan_data *d, int mi, int *order);
/* Set the curves' orders: each mode's importance ranking from imp
 * (scan_rank over imp's sentences; imp may be d itself), and papa
 * (NULL: none; the same for every mode). */
void scan_set_orders(scan_data *d, const scan_data *imp, const int *papa);

/* A head's mean over the sentences and the half width of its 95%
 * confidence interval (Student's t; NAN below two sentences). */
typedef struct scan_stat {
	double mean, half;
} scan_stat;

void scan_head_stat(const scan_data *d, int mi, int lh, bool drop, scan_stat *st);
/* Masked-LM accuracy at each point of the curve of mode mi in order o:
 * acc[LH+1] (hits over masks, over every sentence). */
void scan_curve(const scan_data *d, int mi, int o, double *acc);
/* Masks over every sentence. */
uint64_t scan_masks(const scan_data *d);

/* The partial file (JSON; numbers round-trip exactly). */
int scan_save(const char *path, const scan_data *d, heed_err *e);
int scan_parse(const char *buf, size_t len, const char *name, scan_data **out, heed_err *e);
int scan_load(const char *path, scan_data **out, heed_err *e);
/* Sort by index; HEED_EINVAL naming the index if one is there twice. */
int scan_sort(scan_data *d, heed_err *e);
/* a += b: the same model, seed, corpus, --length, masked-LM head,
 * calibration and modes, the same curve orders (or both without), each
 * sentence at most once (checked by scan_sort).  HEED_EMISMATCH naming the
 * first setting that differs otherwise. */
int scan_merge(scan_data *a, scan_data *b, heed_err *e);

#endif
