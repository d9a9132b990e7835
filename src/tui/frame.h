/* frame.h — one result of the encoder thread, whole and immutable.
 *
 * A frame holds everything any view reads: every head's attention and its
 * largest weight, the rollout, the per-head statistics with their ranks,
 * the differences from the corpus averages, the grid's thumbnails already
 * reduced to colour levels, the predictions and their baseline.  The
 * encoder thread builds it (frame_derive) into a buffer nobody else can
 * see, hands it over through the queue, and from then on nobody writes it
 * until the loop hands it back: views get a const frame and only draw.
 * Buffers grow to the largest sentence seen and are never freed between
 * keystrokes.
 */
#ifndef HEED_TUI_FRAME_H
#define HEED_TUI_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/hstat.h"
#include "heed/lesson.h"
#include "heed/tok.h"

#define UI_TOPK 5        /* predictions shown per [MASK] */
#define UI_BASE_TOPK 50  /* baseline depth searched for rank changes */
#define UI_MAX_MASKS 8
#define FRAME_LABEL_BYTES 64   /* a token label, as tok_display writes it */
#define UI_WATCH LESSON_MAX_WORDS   /* words whose probability a lesson reads */
#define UI_WORD_LABEL 48 /* bytes of a word's text kept for the views */

/* Per-head statistics the grid can show and rank by. */
typedef enum { STAT_ENTROPY, STAT_JSD, STAT_COUNT } frame_stat;

/* What weight the top of the colour ramp stands for: 1 (absolute: a
 * uniform head looks as faint as it is), the largest weight in the head's
 * layer, or in the head itself (every head looks as hot as the hottest). */
typedef enum { SCALE_ABSOLUTE, SCALE_LAYER, SCALE_HEAD, SCALE_COUNT } frame_scale;

/* Where the grid's thumbnails go: its area and matrix rows per text row
 * (layout_grid_compute picks the thumbnail size from these and n), and
 * the scale their colour levels are on. */
typedef struct frame_geom {
	int w, h, rpl;
	int scale;                  /* frame_scale */
	int pal, depth;             /* the pal_kind and pal_depth the grid draws
				     * in: the bands of levels it shows alike */
	bool burst;                 /* keys are still arriving: the thumbnails
				     * keep their fit and a looser hysteresis
				     * (frame_derive); false: the exact picture */
} frame_geom;

/* A thumbnail pixel that shows no token (past the sentence, in a
 * thumbnail fitted for more tokens than it has): drawn blank. */
#define THUMB_BLANK 0xFF

/* The thumbnails on screen before this frame (the last ones made for the
 * same geometry), for a burst's hysteresis: their levels, size and the
 * token capacity they were fitted for. */
typedef struct frame_shown {
	const uint8_t *lv;          /* [layers*heads][th][tw] */
	int tw, th, cap;
} frame_shown;

/* Which head and query token to look inside (the inside view asks for it
 * in the job; layer -1: nothing, and nothing is computed). */
typedef struct frame_probe_ask {
	int layer, head, query;
} frame_probe_ask;

/* A sentence's words (heed/words.h), as the loop cut them from the
 * tokenizer's result: word w is tokens first[w] .. first[w+1]-1, and
 * label[w] its text. */
typedef struct ui_words {
	int n;
	int *first;                 /* [cap+1] */
	char (*label)[UI_WORD_LABEL];   /* [cap] */
} ui_words;

/* Room for the words of up to cap tokens (n 0); frame_words_free gives it back. */
void frame_words_init(ui_words *w, int cap);
void frame_words_free(ui_words *w);
/* Copy a sentence's words into dst, which has room for them. */
void frame_words_copy(ui_words *dst, const ui_words *src);
/* Group t's tokens into words and cut their texts from line, the text
 * tok_encode_line read (every span, segment B's too, points into it):
 * what the explorer hands a job while `w` is on, and what `heed export
 * --words` computes its frame with, so both label words the same. */
void frame_words_cut(ui_words *w, const tok_vocab *v, const tok_result *t, const char *line);

/* Before and after at one [MASK]: the top predictions now, each with its
 * rank and probability in the all-input baseline, and the baseline's own
 * top predictions, each with where it stands now. */
typedef struct ui_mask_pred {
	int pos;                    /* token index of the [MASK] */
	int k;
	int ids[UI_TOPK];
	const char *pieces[UI_TOPK];  /* readable pieces (tok_display), in piece_buf */
	char piece_buf[UI_TOPK][FRAME_LABEL_BYTES];
	float probs[UI_TOPK];
	int base_rank[UI_TOPK];     /* rank in the all-input baseline, -1 beyond UI_BASE_TOPK */
	float base_prob[UI_TOPK];   /* baseline probability, 0 when unknown */
	int base_k;                 /* the baseline's top predictions: */
	const char *base_pieces[UI_TOPK];
	float base_probs[UI_TOPK];
	int now_rank[UI_TOPK];      /* rank now, -1 beyond UI_BASE_TOPK */
	float now_prob[UI_TOPK];    /* probability now (exact, at any rank) */
} ui_mask_pred;

typedef struct ui_frame {
	uint64_t gen;
	int err;                    /* HEED_OK or the failed run's code */
	char msg[256];
	char warn[256];             /* "" or why some results are not finite (the
				     * views mark those cells; the status line says why) */
	int n, layers, heads;
	int *ids;                   /* [n] */
	int *types;                 /* [n] token type ids the encoder was given */
	uint8_t *seg;               /* [n] segment of each token: 0 (A), 1 (B) */
	bool pair;                  /* a sentence pair: segment B follows A */
	const char **labels;        /* [n] token pieces as people read them
				     * (tok_display), in label_buf */
	char *label_buf;            /* [n][FRAME_LABEL_BYTES] */
	float *attn;                /* [layers][heads][n][n] */
	int *window;                /* [layers] enc_window(): keys with |i - j| <= it are
				     * attended, all of them when -1 (ModernBERT's local layers) */
	float *vmax;                /* [layers*heads] largest weight of each head */
	float *layer_max;           /* [layers] largest weight of each layer */
	float *row_max;             /* [layers][heads][n] largest weight of each row */
	float *rollout;             /* [layers][n][n] rollout up to each layer */
	float *change;              /* [layers][heads][n][n] attention - the all-input
				     * baseline's (the worker leaves the baseline here;
				     * frame_derive subtracts); zero when unmodified */
	float *change_max;          /* [layers*heads] largest |change| */
	bool has_diff;              /* calibration averages exist */
	float *diff;                /* [layers][heads][n][n] attention - corpus average */
	float *diff_max;            /* [layers*heads] largest |difference| */
	/* the statistics view's figures (hstat.h) and, per column, the heads
	 * in ascending and descending order of it (ties in layer order);
	 * column HSTAT_COUNT is the category */
	hstat *hs;                  /* [layers*heads] */
	uint8_t *kind;              /* [n] HSTAT_TOK_* of each token */
	int *hs_order[HSTAT_COUNT + 1][2];   /* [layers*heads]: [col][0 up, 1 down] */
	double *stat[STAT_COUNT];   /* [layers*heads]; NaN where unknown */
	int *rank[STAT_COUNT];      /* [layers*heads] 0 = lowest, -1 unknown */
	double stat_max[STAT_COUNT];
	bool has_stat[STAT_COUNT];
	/* the grid's thumbnails: colour levels 0..PAL_LEVELS-1 on geom.scale,
	 * THUMB_BLANK where no token is; thumb_top is the pixel value (a mean
	 * of weights) at the top */
	frame_geom geom;            /* what they were made for */
	int tw, th;                 /* pixels per thumbnail; 0 when none fit */
	int tcap;                   /* tokens they are fitted for (layout_grid_compute's
				     * n): n, or more while keys arrive */
	uint8_t *thumb;             /* [layers*heads][th][tw] */
	float *thumb_top;           /* [layers*heads] */
	double *cosine;             /* [layers+1]: hidden states vs. the all-input baseline */
	int nmask;
	ui_mask_pred mask[UI_MAX_MASKS];
	bool has_mlm;
	/* at the first [MASK], for a lesson's {prob WORD} and {base WORD}:
	 * P(word) of the worker's watched words, under the modes and with
	 * every head input, and the all-input top prediction */
	int nwatch;
	float watch[UI_WATCH], watch_base[UI_WATCH];
	const char *base_top;
	bool has_rtd;               /* an ELECTRA discriminator: */
	float *replaced;            /* [n] P(replaced) per token */
	float *base_replaced;       /* [n] the same under all-input heads */
	/* inside one head, when the job asked (probe_of.layer >= 0): its
	 * query and key vectors and each term of the scores (enc.h), and
	 * q ⊙ k_j for every key, for the shown run */
	bool has_probe;
	frame_probe_ask probe_of;   /* what was asked, query clamped to n */
	enc_probe probe;            /* its buffers live in probe_mem */
	float *probe_prod;          /* [n][d] q[t]·k_j[t] */
	float probe_prod_max;       /* largest |q[t]·k_j[t]|: the colour scale */
	float *probe_mem;
	size_t probe_cap;
	bool modified;              /* some head is not in input mode */
	uint8_t *modes;             /* [layers*heads] the head modes this frame ran with */
	/* the same matrices between words (Clark et al. 2019: to a word
	 * summed over its pieces, from a word averaged), made when the job
	 * came with its words (only while the user asks for them) */
	bool has_words;
	ui_words words;             /* the job's, copied; n 0: none */
	const char **wlabels;       /* [words.n] into words.label */
	float *wattn, *wchange, *wdiff;   /* [layers][heads][nw][nw] */
	float *wrollout;            /* [layers][nw][nw] */
	float *wvmax, *wlayer_max;  /* [layers*heads], [layers] */
	hstat *whs;                 /* [layers*heads] the statistics between words */
	int *whs_order[HSTAT_COUNT + 1][2];
	uint8_t *wkind;             /* [nw] HSTAT_TOK_* every piece of the word has */
	float *wavg;                /* [nw][nw] one head's average rows, merged */
	double *wsort;              /* [layers*heads] scratch for the orders */
	size_t cap_w;               /* word buffers sized for this many words */
	double ms;                  /* forward time of this job */
	int first_recomputed;
	size_t cap_n, cap_thumb;    /* buffers sized for this many tokens, thumbnail bytes */
	int *order;                 /* [layers*heads] scratch for the ranks */
	float *pix;                 /* scratch: one thumbnail's pixels */
	size_t cap_pix;
} ui_frame;

ui_frame *frame_new(void);
/* Make room for n tokens (buffers grow, never shrink). */
void frame_reserve(ui_frame *f, int n, int layers, int heads);
void frame_free(ui_frame *f);
/* Point f->probe's buffers (and probe_prod) at room for n keys of d values. */
void frame_probe_reserve(ui_frame *f, int n, int d);

/* The calibration's average rows of every head for one length n
 * ([layers][heads][n][n], hstat_average_rows), and b ln b of each of
 * their weights (hstat_average_ala): what input dependence and the
 * differences compare each frame with.  They depend only on the
 * calibration and n, so the worker keeps them across frames and makes
 * them again only when n changes: a toggle, a settle frame or a new
 * selection costs neither rows nor their logarithms, and a key that keeps
 * the token count neither.  12 bytes per weight, as much as one frame's
 * attention, difference and change; the buffers grow to the longest
 * sentence and are never freed between frames. */
typedef struct frame_avg {
	const calib *cal;           /* they are cal's for n tokens; NULL: none yet
				     * (a calibration is never changed in place) */
	int n;
	size_t cap;                 /* weights rows and ala have room for */
	float *rows;
	double *ala;
} frame_avg;

void frame_avg_free(frame_avg *c);

/* Fill everything derived from f->n, f->ids and f->attn: labels, maxima,
 * statistics and ranks, rollout, differences (when cal has averages),
 * thumbnails laid out for geom, and, when f->words.n > 0, all of it that
 * the views read again between words.
 *
 * The thumbnails are exact (fitted for n tokens, every pixel at its level)
 * unless geom->burst.  In a burst of keys they are fitted for a capacity
 * (layout_grid_capacity) that changes only when n outgrows it, so a new
 * token adds pixels instead of moving every pixel; and, given shown (the
 * thumbnails on screen, NULL: none), a pixel keeps the level shown at its
 * place while the colour the terminal shows for it (pal_band) is at most
 * one colour step from its value's: a change of a step is not sent, a
 * larger one is, but at most an eighth of the thumbnails' text cells
 * change, the furthest from their values first (the rest follow in later
 * frames), and the settle frame after the burst is exact again.
 *
 * The average rows come from avg (made there when it holds another
 * calibration's or length's); avg NULL: made for this frame alone, in
 * f->diff.  The figures are the same to the bit either way. */
void frame_derive(ui_frame *f, frame_avg *avg, const tok_vocab *vocab, const calib *cal,
		  const frame_geom *geom, const frame_shown *shown);

/* How many separators ([SEP], </s>) close the sentence: in a burst's
 * thumbnails they sit at the end of the capacity, so they stay put while
 * tokens are typed before them. */
int frame_closing(const ui_frame *f);
/* Merge f->attn into words (f->words set), with its maxima and labels,
 * and nothing else: what a pinned copy's panes draw (frame_derive merges
 * every matrix). */
void frame_words_attention(ui_frame *f);
/* Is token i the first of segment B (a boundary the views mark)? */
bool frame_seg_start(const ui_frame *f, int i);
/* Remake only the thumbnails, for geom and from scratch (a pinned copy). */
void frame_thumbs(ui_frame *f, const frame_geom *geom);

/* Does query i of layer attend key j at all?  Cells outside a local
 * window are "not attended", not weights that happen to be 0. */
bool frame_attended(const ui_frame *f, int layer, int i, int j);
/* The scale's name for legends: "absolute", "layer max", "head max". */
const char *frame_scale_name(frame_scale s);
/* The weight at the top of the colour ramp for (layer, head)'s matrix on
 * scale s: 1, the layer's largest weight or the head's. */
double frame_scale_top(const ui_frame *f, frame_scale s, int layer, int head);

/* Attention of (layer, head), n x n. */
const float *frame_attn(const ui_frame *f, int layer, int head);
const float *frame_diff(const ui_frame *f, int layer, int head);
const float *frame_change(const ui_frame *f, int layer, int head);
const uint8_t *frame_thumb(const ui_frame *f, int layer, int head);

/* The matrices at one grain, tokens (the pieces the model saw) or words:
 * what the head and tokens views draw, whichever the user chose. */
typedef struct ui_grain {
	int n, layers, heads;       /* n tokens or words */
	const char *const *labels;  /* [n] */
	const float *attn, *change, *diff, *rollout;   /* as in ui_frame */
	const float *vmax, *layer_max;
	const int *window;          /* [layers], in tokens */
	const int *first;           /* words: [n+1] first token of each; NULL: tokens */
	const hstat *hs;            /* [layers*heads] the statistics view's figures */
	int *const (*hs_order)[2];  /* [HSTAT_COUNT + 1][2] as ui_frame.hs_order */
} ui_grain;

/* Words when asked and the frame has them, else tokens. */
ui_grain frame_grain(const ui_frame *f, bool words);
const float *frame_grain_attn(const ui_grain *g, int layer, int head);
const float *frame_grain_change(const ui_grain *g, int layer, int head);
const float *frame_grain_diff(const ui_grain *g, int layer, int head);
const float *frame_grain_rollout(const ui_grain *g, int layer);
/* The item (token, or the word) that holds token t. */
int frame_grain_item(const ui_grain *g, int t);
/* frame_scale_top at this grain. */
double frame_grain_top(const ui_grain *g, frame_scale s, int layer, int head);
/* frame_attended between items (a pair of words: some pair of tokens). */
bool frame_grain_attended(const ui_grain *g, int layer, int i, int j);
/* The first token of item i (itself, for tokens). */
int frame_grain_token(const ui_grain *g, int i);
/* The item where segment B of a sentence pair starts, -1 for none (a
 * word never spans the two sentences). */
int frame_grain_seg_b(const ui_frame *f, const ui_grain *g);

#endif
