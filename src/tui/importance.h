/* importance.h — the importance view's numbers as they travel from the
 * encoder thread to the loop: which heads matter for the sentence on
 * screen (imp.h), the replacement curve, and how far the scan has got.
 *
 * The worker computes them after the frame, only while the view is shown
 * (the job asks: ui_imp_req), and hands a copy over through the queue
 * (queue_imp_publish / queue_imp_take) several times a scan, so the status
 * line can show progress; a copy whose generation went stale is never
 * taken.  Everything is [layers*heads] or [layers*heads + 1] numbers, so a
 * copy costs nothing next to a frame.
 */
#ifndef HEED_TUI_IMPORTANCE_H
#define HEED_TUI_IMPORTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "heed/imp.h"

/* Which ranking the replacement curve follows. */
typedef enum {
	IMP_ORDER_SCORE,   /* least important (this sentence) first */
	IMP_ORDER_PAPA,    /* least input-dependent (calibration) first: the PAPA ranking */
	IMP_ORDER_COUNT
} ui_imp_order;

/* What a job asks of the importance scan. */
typedef struct ui_imp_req {
	bool want;                 /* the view is shown: scan after the frame */
	uint8_t replace;           /* head_mode */
	uint8_t order;             /* ui_imp_order */
} ui_imp_req;

typedef struct ui_imp {
	uint64_t gen;              /* the job it answers */
	int lh;                    /* layers*heads the arrays hold */
	int n;                     /* tokens of the sentence */
	int done, total;           /* runs so far, of all the scan and curve need */
	bool heads_done;           /* score, dprob, same and rank are complete */
	bool curve_done;           /* the curve is complete */
	int err;                   /* HEED_OK, or why the scan failed (msg) */
	char msg[256];
	ui_imp_req req;            /* what was computed */
	imp_measure measure;
	int nmask;
	int target;                /* first mask's target token (the baseline's top), -1 none */
	double base_prob;          /* its probability in the baseline */
	char target_label[64];     /* that token as people read it, "" for none */
	double *score;             /* [lh] */
	double *dprob;             /* [lh] */
	bool *same;                /* [lh] already in the replacement mode */
	int *rank;                 /* [lh] heads, most important first */
	int *curve_order;          /* [lh] heads in the order the curve replaces them */
	double *curve_prob;        /* [lh + 1] mean target probability (masks), */
	double *curve_kl;          /* [lh + 1] KL from the baseline or hidden distance */
	double *curve_acc;         /* [lh + 1] share of masks still predicting the target */
	double max_score;          /* largest score, for the colour scale */
	int cancelled;             /* scans abandoned for a newer job, since the start */
	double ms;                 /* the scan's time (heads and curve) when complete */
} ui_imp;

void importance_init(ui_imp *p, int lh);
void importance_free(ui_imp *p);
/* dst = src; both made by importance_init for the same lh. */
void importance_copy(ui_imp *dst, const ui_imp *src);

#endif
