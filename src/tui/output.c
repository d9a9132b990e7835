/* output.c — what the head modes do downstream: masked-word predictions
 * beside the all-input baseline (probability change, rank change), and how
 * similar each layer's hidden states stay to the baseline's. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "term.h"
#include "tui.h"

#define PRED_W 38

static void
rank_change(const ui_mask_pred *p, int i, char *buf, size_t len)
{
	if (p->base_rank[i] < 0)
		snprintf(buf, len, "new");
	else if (p->base_rank[i] == i)
		snprintf(buf, len, "=");
	else
		snprintf(buf, len, "was #%d", p->base_rank[i] + 1);
}

/* Columns: rank, piece (display width, not bytes: pieces can be CJK),
 * probability, then the change against the baseline or a bar. */
static void
draw_mask(app *a, const ui_mask_pred *p, int y, int x, int w, bool modified)
{
	char buf[128], rk[16];

	snprintf(buf, sizeof buf, "[MASK] at token %d", p->pos);
	term_text(y, x, w, buf, A_BOLD);
	for (int i = 0; i < p->k && w > 24; i++) {
		const char *piece = tok_piece(a->vocab, p->ids[i]);
		int row = y + 1 + i;

		snprintf(buf, sizeof buf, "%d.", i + 1);
		term_text(row, x, 3, buf, A_DIM);
		term_text(row, x + 3, 12, piece ? piece : "?", i == 0 ? A_BOLD : A_NORMAL);
		snprintf(buf, sizeof buf, "%5.1f%%", 100 * p->probs[i]);
		term_text(row, x + 16, 6, buf, A_NORMAL);
		if (!modified) {
			term_bar(row, x + 23, w - 23 < 10 ? w - 23 : 10, a->pal, p->probs[i]);
			continue;
		}
		rank_change(p, i, rk, sizeof rk);
		snprintf(buf, sizeof buf, "%+6.1f %s",
		    100 * (p->probs[i] - (p->base_rank[i] < 0 ? 0 : p->base_prob[i])), rk);
		term_text(row, x + 23, w - 23, buf, p->base_rank[i] == i ? A_DIM : A_BOLD);
	}
}

static int
draw_predictions(app *a, ui_rect r)
{
	const ui_result *res = a->front;
	int y = r.y, x = r.x, per = UI_TOPK + 2;

	term_text(y++, r.x, r.w, res->modified ? "Predictions (\u0394 pp and rank vs. all-input)"
	    : "Predictions", A_BOLD | A_UNDERLINE);
	if (!res->has_mlm) {
		term_text(y, r.x, r.w, "no masked-LM head in this checkpoint", A_DIM);
		return 1;
	}
	if (res->nmask == 0) {
		term_text(y, r.x, r.w, "put [MASK] in the sentence to see predictions", A_DIM);
		return 1;
	}
	for (int m = 0; m < res->nmask; m++) {
		if (x + PRED_W > r.x + r.w) {
			x = r.x;
			y += per;
		}
		if (y + per > r.y + r.h)
			break;
		draw_mask(a, &res->mask[m], y, x, PRED_W - 1, res->modified);
		x += PRED_W;
	}
	return 0;
}

static void
draw_similarity(app *a, ui_rect r)
{
	const ui_result *res = a->front;
	char buf[64];
	int bar = r.w - 16;

	term_text(r.y, r.x, r.w, "Hidden states vs. all-input (cosine)", A_BOLD | A_UNDERLINE);
	if (bar > 30)
		bar = 30;
	for (int l = 0; l <= a->layers && 1 + l < r.h; l++) {
		double c = res->cosine[l];

		snprintf(buf, sizeof buf, l == 0 ? "emb" : "L%d", l);
		term_text(r.y + 1 + l, r.x, 4, buf, A_DIM);
		if (bar > 0)
			term_bar(r.y + 1 + l, r.x + 4, bar, a->pal, c < 0 ? 0 : c);
		snprintf(buf, sizeof buf, "%.3f", c);
		term_text(r.y + 1 + l, r.x + 5 + (bar > 0 ? bar : 0), 8, buf,
		    c < 0.9995 ? A_BOLD : A_NORMAL);
	}
	/* incremental recompute at work: a toggle in layer l redoes l.. only */
	if (a->layers + 2 < r.h) {
		if (res->first_recomputed >= a->layers)
			snprintf(buf, sizeof buf, "last run: nothing recomputed");
		else
			snprintf(buf, sizeof buf, "last run: layers %d\u2013%d recomputed",
			    res->first_recomputed + 1, a->layers);
		term_text(r.y + a->layers + 2, r.x, r.w, buf, A_DIM);
	}
}

static void
output_draw(app *a, ui_rect r)
{
	ui_rect left = r, right = r;

	if (draw_pending(a, r))
		return;
	r.x += 1;
	r.w -= 2;
	if (r.w >= 2 * PRED_W || r.w < 60) {   /* wide, or too narrow to split: stack */
		int ph = UI_TOPK + 3 > r.h / 2 ? r.h / 2 : UI_TOPK + 3;

		left = (ui_rect){ r.y, r.x, ph, r.w };
		right = (ui_rect){ r.y + ph, r.x, r.h - ph, r.w };
		if (a->front->nmask > 2 && r.h - (a->layers + 2) > ph) {
			left.h = r.h - (a->layers + 2);
			right.y = r.y + left.h;
			right.h = a->layers + 2;
		}
	} else {
		left = (ui_rect){ r.y, r.x, r.h, PRED_W };
		right = (ui_rect){ r.y, r.x + PRED_W + 1, r.h, r.w - PRED_W - 1 };
	}
	draw_predictions(a, left);
	draw_similarity(a, right);
}

static bool
output_key(app *a, int key)
{
	return false;
}

const ui_view view_output = { "output", output_draw, output_key, NULL };
