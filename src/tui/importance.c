/* importance.c — the importance view's numbers: buffers and copies (the
 * hand-over is in queue.c, the computing in worker.c). */
#include "importance.h"

#include <stdlib.h>
#include <string.h>

#include "heed/util.h"

void
importance_init(ui_imp *p, int lh)
{
	memset(p, 0, sizeof *p);
	p->lh = lh;
	p->target = -1;
	p->score = xcalloc((size_t)lh, sizeof *p->score);
	p->dprob = xcalloc((size_t)lh, sizeof *p->dprob);
	p->same = xcalloc((size_t)lh, sizeof *p->same);
	p->rank = xcalloc((size_t)lh, sizeof *p->rank);
	p->curve_order = xcalloc((size_t)lh, sizeof *p->curve_order);
	p->curve_prob = xcalloc((size_t)lh + 1, sizeof *p->curve_prob);
	p->curve_kl = xcalloc((size_t)lh + 1, sizeof *p->curve_kl);
	p->curve_acc = xcalloc((size_t)lh + 1, sizeof *p->curve_acc);
}

void
importance_free(ui_imp *p)
{
	free(p->score);
	free(p->dprob);
	free(p->same);
	free(p->rank);
	free(p->curve_order);
	free(p->curve_prob);
	free(p->curve_kl);
	free(p->curve_acc);
	memset(p, 0, sizeof *p);
}

void
importance_copy(ui_imp *dst, const ui_imp *src)
{
	size_t lh = (size_t)src->lh;
	ui_imp keep = *dst;

	*dst = *src;
	/* the arrays stay dst's own */
	dst->score = keep.score;
	dst->dprob = keep.dprob;
	dst->same = keep.same;
	dst->rank = keep.rank;
	dst->curve_order = keep.curve_order;
	dst->curve_prob = keep.curve_prob;
	dst->curve_kl = keep.curve_kl;
	dst->curve_acc = keep.curve_acc;
	memcpy(dst->score, src->score, lh * sizeof *src->score);
	memcpy(dst->dprob, src->dprob, lh * sizeof *src->dprob);
	memcpy(dst->same, src->same, lh * sizeof *src->same);
	memcpy(dst->rank, src->rank, lh * sizeof *src->rank);
	memcpy(dst->curve_order, src->curve_order, lh * sizeof *src->curve_order);
	memcpy(dst->curve_prob, src->curve_prob, (lh + 1) * sizeof *src->curve_prob);
	memcpy(dst->curve_kl, src->curve_kl, (lh + 1) * sizeof *src->curve_kl);
	memcpy(dst->curve_acc, src->curve_acc, (lh + 1) * sizeof *src->curve_acc);
}
