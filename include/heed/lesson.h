/* lesson.h — lessons: a plain-text file of steps a teacher prepares once
 * and runs in class, `heed lesson FILE` or `heed --lesson FILE`.
 *
 * Each step sets the sentence, the head modes, the view and the selected
 * head (and query token), and shows a short caption.  Captions embed live
 * figures, {prev L2H6} or {prob states}, computed from the loaded model on
 * that step's sentence and modes, so a lesson never shows a number the
 * model did not produce; and a step's claims (claim prev L2H6 >= 0.5) are
 * checked on the loaded model, so a lesson says so when a model does not
 * behave as the teacher wrote.  The format is in heed(1), LESSONS.
 *
 * Everything here is pure: parsing, and figures from an lesson_figs the
 * caller fills (the explorer from its frame, `heed lesson --print` from
 * its own run); the head figures are hstat.h's.
 */
#ifndef HEED_LESSON_H
#define HEED_LESSON_H

#include <stdbool.h>
#include <stddef.h>

#include "heed/calib.h"
#include "heed/hstat.h"
#include "heed/tok.h"
#include "heed/util.h"

#define LESSON_MAX_WORDS 16      /* distinct words of prob/base figures */
#define LESSON_MAX_STEPS 200
#define LESSON_MAX_BYTES (256 * 1024)

/* The views a step can show, in the explorer's order (keys 1-6). */
typedef enum {
	LESSON_GRID, LESSON_HEAD, LESSON_TOKENS, LESSON_OUTPUT, LESSON_STATS, LESSON_IMPORTANCE,
	LESSON_VIEW_COUNT
} lesson_view;

/* The statistics view's orders a step can ask for (lesson_step.sort):
 * layer order, 1 + an hstat_col, or by kind; the view numbers them the
 * same way. */
#define LESSON_SORT_LAYER 0
#define LESSON_SORT_KIND (HSTAT_COUNT + 1)

/* The importance view's curve orders a step can ask for (lesson_step.
 * imp_order), numbered as the explorer's: each head's effect on this
 * sentence, least first; or the calibration's input dependence, least
 * first (the PAPA ranking). */
#define LESSON_ORDER_IMPORTANCE 0
#define LESSON_ORDER_PAPA 1

typedef struct lesson_step {
	char *title;
	char *sentence;
	char *modes;        /* a head-mode spec applied to all-input heads */
	lesson_view view;
	int layer, head;    /* the selected head, 0-based; -1: as it was */
	int token;          /* the query token, 0-based; -1: as it was */
	int sort;           /* the statistics view's order (LESSON_SORT_*, 1 + an
			     * hstat_col); -1: as it was */
	bool sort_down;     /* ... largest (or last) first */
	int words;          /* 1 words, 0 word pieces (the explorer's w); -1: as it was */
	int imp_replace;    /* the importance view's replacement, a head_mode
			     * other than input; -1: as it was */
	int imp_order;      /* its curve's order (LESSON_ORDER_*); -1: as it was */
	char *caption;      /* "" when none */
	char **claims;      /* [nclaims] "FIGURE OP VALUE [TOLERANCE]" */
	int nclaims;
	int line;           /* where the step starts in the file */
} lesson_step;

typedef struct lesson {
	char *name;         /* the file, for messages */
	char *title;
	lesson_step *steps;
	int nsteps;
	char *words[LESSON_MAX_WORDS];   /* every WORD of {prob WORD}, {base WORD} */
	int nwords;
} lesson;

/* Read and parse a lesson file, or a shipped lesson by name (positional:
 * $(pkgdatadir)/lessons/positional.lesson, else the source tree's);
 * HEED_EFORMAT with "FILE:LINE: problem". */
int lesson_load(const char *path, lesson **out, heed_err *e);
int lesson_parse(const char *buf, size_t len, const char *name, lesson **out, heed_err *e);
void lesson_free(lesson *l);
/* Fit l to a model before the first step: every head it names exists in
 * layers x heads, every step's modes parse and its importance view's
 * replacement and order can run (cal may be NULL: average, dense and the
 * papa order are then refused), and ids[nwords] get its words' ids in v (-1
 * where v has no such token).  HEED_EFORMAT with "FILE:LINE: problem". */
int lesson_bind(const lesson *l, int layers, int heads, const calib *cal, const tok_vocab *v,
		int *ids, heed_err *e);
/* The id of a word as a figure names it: the piece itself, or after a
 * word marker (byte-level Ġ, SentencePiece ▁); -1 if neither exists. */
int lesson_word_id(const tok_vocab *v, const char *word);
const char *lesson_view_name(lesson_view v);
/* A step's order as the file writes it: "sep", "layer", "entropy up". */
void lesson_sort_name(const lesson_step *s, char *buf, size_t cap);
/* A step's view as the file writes it: "stats", "importance average papa". */
void lesson_view_text(const lesson_step *s, char *buf, size_t cap);

/* What figures read: the figures of every head on the step's sentence
 * under its modes, and the masked-word probabilities at its first [MASK]. */
typedef struct lesson_figs {
	int layers, heads;
	int n;                  /* tokens */
	const hstat *hs;        /* [layers*heads] */
	bool has_mask;          /* a [MASK] with predictions */
	const char *top;        /* best prediction at the first [MASK] (NULL: none) */
	const char *base_top;   /* ... with every head input */
	const float *prob;      /* [nwords] P(word) at the first [MASK]; NaN unknown */
	const float *base;      /* [nwords] the same with every head input */
} lesson_figs;

/* Evaluate one figure, "prev L2H6" (no braces): *num is its value (NaN
 * for text) and text what a caption shows.  HEED_EINVAL for an
 * expression heed does not know (lesson_parse has refused those). */
int lesson_figure(const lesson *l, const lesson_figs *f, const char *expr, double *num,
		  char *text, size_t cap, heed_err *e);
/* The step's caption with every {figure} replaced by its text. */
void lesson_caption(const lesson *l, const lesson_step *s, const lesson_figs *f,
		    char *out, size_t cap);
/* Does claim k of step s hold on f?  why: "prev L2H6 0.71 >= 0.5". */
bool lesson_claim(const lesson *l, const lesson_step *s, int k, const lesson_figs *f,
		  char *why, size_t cap);

#endif
