/* view_output.c — what the head modes do downstream: which heads are not
 * on input, masked-word predictions before and after (the top predictions
 * now with their change and former rank, beside the all-input baseline's
 * top predictions with where each went), or an ELECTRA discriminator's
 * per-token probability of "replaced" and its change, and how similar each
 * layer's hidden states stay to the baseline's. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "heed/enc.h"
#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

#define PRED_W 38
#define BASE_W 39   /* the baseline's column beside the current one */

typedef struct output_state {
	int first;       /* first [MASK] shown: j k scroll when not all fit */
} output_state;

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

/* Where a baseline prediction went: "=" (same rank), "now #r", or "now
 * >#50" past the depth searched. */
static void
now_change(const ui_mask_pred *p, int i, char *buf, size_t len)
{
	if (p->now_rank[i] < 0)
		snprintf(buf, len, "now >#%d", UI_BASE_TOPK);
	else if (p->now_rank[i] == i)
		snprintf(buf, len, "=");
	else
		snprintf(buf, len, "now #%d", p->now_rank[i] + 1);
}

/* A prediction's rank, piece (display width, not bytes: pieces can be
 * CJK) and probability; what follows goes from column x + 23. */
static void
draw_pred(int row, int x, int i, const char *piece, float prob)
{
	char buf[16];

	snprintf(buf, sizeof buf, "%d.", i + 1);
	term_text(row, x, 3, buf, A_DIM);
	term_text(row, x + 3, 12, piece, i == 0 ? A_BOLD : A_NORMAL);
	snprintf(buf, sizeof buf, "%5.1f%%", 100 * prob);
	term_text(row, x + 16, 6, buf, A_NORMAL);
}

/* The baseline's column: rank, piece, its all-input probability, the
 * change to now and its rank now. */
static void
draw_before(const ui_mask_pred *p, int y, int x, int k)
{
	char buf[64], rk[16];

	term_text(y, x, BASE_W, "before (all-input) \u2192 now", A_DIM);
	for (int i = 0; i < p->base_k && i < k; i++) {
		int row = y + 1 + i;

		draw_pred(row, x, i, p->base_pieces[i], p->base_probs[i]);
		now_change(p, i, rk, sizeof rk);
		snprintf(buf, sizeof buf, "%+6.1f %s", 100 * (p->now_prob[i] - p->base_probs[i]), rk);
		term_text(row, x + 23, BASE_W - 23, buf, p->now_rank[i] == i ? A_DIM : A_BOLD);
	}
}

/* Columns: rank, piece, probability, then the change against the
 * baseline or a bar; the best k
 * predictions (fewer in a short window); with room, the baseline's own
 * best beside them. */
static void
draw_mask(const view_ctx *c, const ui_mask_pred *p, int y, int x, int w, int k, bool modified)
{
	char buf[128], rk[16];

	snprintf(buf, sizeof buf, "[MASK] at token %d", p->pos);
	term_text(y, x, w < PRED_W - 1 ? w : PRED_W - 1, buf, A_BOLD);
	if (modified && w >= PRED_W + BASE_W - 1) {
		draw_before(p, y, x + PRED_W, k);
		w = PRED_W - 1;
	}
	for (int i = 0; i < p->k && i < k && w > 24; i++) {
		int row = y + 1 + i;

		draw_pred(row, x, i, p->pieces[i], p->probs[i]);
		if (!modified) {
			term_bar(row, x + 23, w - 23 < 10 ? w - 23 : 10, c->pal, p->probs[i]);
			continue;
		}
		rank_change(p, i, rk, sizeof rk);
		snprintf(buf, sizeof buf, "%+6.1f %s",
		    100 * (p->probs[i] - (p->base_rank[i] < 0 ? 0 : p->base_prob[i])), rk);
		term_text(row, x + 23, w - 23, buf, p->base_rank[i] == i ? A_DIM : A_BOLD);
	}
}

#define RTD_W 27

/* Per token: piece, P(replaced), then a bar or the change against the
 * all-input baseline; column after column while they fit. */
static void
draw_replaced(const view_ctx *c, ui_rect r)
{
	const ui_frame *res = c->frame;
	char buf[64];
	int rows = r.h - 1, cols = r.w / RTD_W, shown = 0;

	term_text(r.y, r.x, r.w, res->modified ? "Replaced? (P, \u0394 pp vs. all-input)"
	    : "Replaced? (discriminator's P per token)", A_BOLD | A_UNDERLINE);
	for (int t = 0; rows > 0 && t < res->n && t / rows < cols; t++, shown++) {
		int y = r.y + 1 + t % rows, x = r.x + (t / rows) * RTD_W;
		float p = res->replaced[t], d = p - res->base_replaced[t];

		term_text(y, x, 11, res->labels[t], p >= 0.5f ? A_BOLD : A_NORMAL);
		snprintf(buf, sizeof buf, "%5.1f%%", 100 * p);
		term_text(y, x + 12, 6, buf, A_NORMAL);
		if (!res->modified) {
			term_bar(y, x + 19, RTD_W - 21, c->pal, p);
			continue;
		}
		snprintf(buf, sizeof buf, "%+6.1f", 100 * d);
		term_text(y, x + 19, RTD_W - 20, buf, d * d >= 1e-6f ? A_BOLD : A_DIM);
	}
	if (shown < res->n && rows > 0) {
		snprintf(buf, sizeof buf, "\u2026 %d more", res->n - shown);
		term_text(r.y, r.x + r.w - 12 > r.x ? r.x + r.w - 12 : r.x, 12, buf, A_DIM);
	}
}

/* The heads not on input, as the frame ran them: a layer all in one mode
 * as Ln=MODE, other heads one by one. */
static void
draw_changed(const view_ctx *c, int y, int x, int w)
{
	const ui_frame *f = c->frame;
	char buf[512] = "", head[32];
	size_t len = 0;
	int count = 0, used;

	for (int l = 0; l < f->layers; l++) {
		const uint8_t *row = f->modes + (size_t)l * f->heads;
		bool same = true;

		for (int h = 0; h < f->heads; h++) {
			same = same && row[h] == row[0];
			count += row[h] != HEAD_INPUT;
		}
		for (int h = 0; h < f->heads && len < sizeof buf; h++) {
			if (row[h] == HEAD_INPUT || (same && h > 0))
				continue;
			if (same)
				len += (size_t)snprintf(buf + len, sizeof buf - len, " L%d=%s", l + 1,
				    enc_mode_name((head_mode)row[0]));
			else
				len += (size_t)snprintf(buf + len, sizeof buf - len, " L%dH%d=%s", l + 1,
				    h + 1, enc_mode_name((head_mode)row[h]));
		}
	}
	snprintf(head, sizeof head, "%d head%s not input:", count, count == 1 ? "" : "s");
	used = term_text(y, x, w, head, A_BOLD);
	if (w > used)
		term_text(y, x + used, w - used, buf, A_NORMAL);
}

/* Every [MASK] gets its block of predictions, side by side and then
 * down; a window too small for all shows them from s->first on, with the
 * best 3 to 5 predictions each, and says how many more there are.  Under
 * other modes, the heads not on input come first, and a block wide enough
 * shows the baseline's predictions beside the current ones. */
static int
draw_predictions(const view_ctx *c, const output_state *s, ui_rect r)
{
	const ui_frame *res = c->frame;
	int top = res->modified ? 3 : 2;
	int y = r.y, x = r.x, k = layout_clamp(r.h - top, 3, UI_TOPK), per = k + 2, m;
	int bw = res->modified && r.w >= PRED_W + BASE_W ? PRED_W + BASE_W : PRED_W;
	char buf[64];

	if (res->has_rtd) {
		draw_replaced(c, r);
		return 0;
	}
	term_text(y++, r.x, r.w, res->modified ? "Predictions (\u0394 pp and rank vs. all-input)"
	    : "Predictions", A_BOLD | A_UNDERLINE);
	if (res->modified)
		draw_changed(c, y++, r.x, r.w);
	if (!res->has_mlm) {
		term_text(y, r.x, r.w, "no masked-LM head in this checkpoint", A_DIM);
		return 1;
	}
	if (res->nmask == 0) {
		term_text(y, r.x, r.w, "put [MASK] in the sentence to see predictions", A_DIM);
		return 1;
	}
	for (m = s->first < res->nmask ? s->first : 0; m < res->nmask; m++) {
		if (x + bw > r.x + r.w && x > r.x) {
			x = r.x;
			y += per;
		}
		if (y + per - 1 > r.y + r.h)   /* the gap below the last may go */
			break;
		draw_mask(c, &res->mask[m], y, x, r.w < bw ? r.w : bw - 1, k, res->modified);
		x += bw;
	}
	if (m < res->nmask || s->first > 0) {
		snprintf(buf, sizeof buf, " [MASK] %d\u2013%d of %d, j k ", s->first + 1, m, res->nmask);
		term_text(r.y, r.x + r.w - 24 > r.x ? r.x + r.w - 24 : r.x, 24, buf, A_REVERSE);
	}
	return 0;
}

static void
draw_similarity(const view_ctx *c, ui_rect r)
{
	const ui_frame *res = c->frame;
	char buf[64];
	int bar = r.w - 16;

	term_text(r.y, r.x, r.w, "Hidden states vs. all-input (cosine)", A_BOLD | A_UNDERLINE);
	if (bar > 30)
		bar = 30;
	for (int l = 0; l <= c->layers && 1 + l < r.h; l++) {
		double cos = res->cosine[l];

		snprintf(buf, sizeof buf, l == 0 ? "emb" : "L%d", l);
		term_text(r.y + 1 + l, r.x, 4, buf, A_DIM);
		if (bar > 0)
			term_bar(r.y + 1 + l, r.x + 4, bar, c->pal, cos < 0 ? 0 : cos);
		snprintf(buf, sizeof buf, "%.3f", cos);
		term_text(r.y + 1 + l, r.x + 5 + (bar > 0 ? bar : 0), 8, buf,
		    cos < 0.9995 ? A_BOLD : A_NORMAL);
	}
	/* incremental recompute at work: a toggle in layer l redoes l.. only */
	if (c->layers + 2 < r.h) {
		if (res->first_recomputed >= c->layers)
			snprintf(buf, sizeof buf, "last run: nothing recomputed");
		else
			snprintf(buf, sizeof buf, "last run: layers %d\u2013%d recomputed",
			    res->first_recomputed + 1, c->layers);
		term_text(r.y + c->layers + 2, r.x, r.w, buf, A_DIM);
	}
}

static void
output_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const output_state *s = st;
	ui_rect left = r, right = r;

	if (widget_pending(c, r))
		return;
	r.x += 1;
	r.w -= 2;
	if (r.w >= 2 * PRED_W || r.w < 60) {   /* wide, or too narrow to split: stack */
		/* predictions first: the similarity keeps its rows only where
		 * both fit */
		int ph = layout_clamp(r.h - (c->layers + 2), r.h < 6 ? r.h : 6,
		    UI_TOPK + 3 + c->frame->modified);

		left = (ui_rect){ r.y, r.x, ph, r.w };
		right = (ui_rect){ r.y + ph, r.x, r.h - ph, r.w };
		if ((c->frame->nmask > 2 || c->frame->has_rtd) && r.h - (c->layers + 2) > ph) {
			left.h = r.h - (c->layers + 2);
			right.y = r.y + left.h;
			right.h = c->layers + 2;
		}
	} else {
		left = (ui_rect){ r.y, r.x, r.h, PRED_W };
		right = (ui_rect){ r.y, r.x + PRED_W + 1, r.h, r.w - PRED_W - 1 };
	}
	draw_predictions(c, s, left);
	if (right.h > 1)
		draw_similarity(c, right);
}

static ui_action
output_resize(const view_ctx *c, void *st, ui_rect r)
{
	output_state *s = st;

	if (c->frame != NULL)
		s->first = layout_clamp(s->first, 0, c->frame->nmask > 0 ? c->frame->nmask - 1 : 0);
	return view_act(ACT_NONE, 0, 0);
}

static ui_action
output_key(const view_ctx *c, void *st, int key)
{
	output_state *s = st;

	if (key != 'j' && key != 'k' && key != UI_FN(KEY_DOWN) && key != UI_FN(KEY_UP))
		return view_act(ACT_PASS, 0, 0);
	s->first += key == 'j' || key == UI_FN(KEY_DOWN) ? 1 : -1;
	if (c->frame != NULL)
		s->first = layout_clamp(s->first, 0, c->frame->nmask > 0 ? c->frame->nmask - 1 : 0);
	return view_act(ACT_REDRAW, 0, 0);
}

const ui_view output_view = {
	"output", sizeof(output_state), output_resize, output_draw, output_key, NULL, NULL,
};
