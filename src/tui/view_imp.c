/* view_imp.c — which heads matter for this sentence (view 6): every head
 * switched alone to a replacement while the others keep their modes, its
 * effect at the [MASK]s (KL divergence from the baseline's prediction) or,
 * with no mask, on the last layer's hidden states (imp.h).  A heatmap over
 * layer x head, the heads sorted most important first, and the
 * replacement curve: the masked word's probability as heads are replaced
 * one after another, least important first (or least input-dependent
 * first, the PAPA ranking).  The worker computes all of it after the
 * frame; this view only draws what ctx->imp holds.
 */
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

#define LIST_W 30      /* the sorted list's column */
#define LABEL_W 4      /* "L12 " before a heatmap row */

typedef struct impview_state {
	ui_rect r;
	int cw;              /* heatmap cell width */
	int first;           /* first entry of the sorted list shown */
	int list_rows;
	int gy, gx;          /* heatmap's first cell */
	bool curve;          /* c: the curve instead of the list, when only one fits */
} impview_state;

static const char *const order_names[IMP_ORDER_COUNT] = {
	"least important first", "least input-dependent first (PAPA)",
};

/* The numbers on screen answer the frame on screen. */
static const ui_imp *
current(const view_ctx *c)
{
	if (c->frame == NULL || c->imp == NULL || c->imp->gen != c->frame->gen)
		return NULL;
	return c->imp;
}

static ui_action
impview_resize(const view_ctx *c, void *st, ui_rect r)
{
	impview_state *s = st;
	int room = r.w - LIST_W - 2 - LABEL_W;

	s->r = r;
	s->cw = layout_clamp(c->heads > 0 ? room / c->heads : 2, 2, 7);
	s->gy = r.y + 3;
	s->gx = r.x + LABEL_W;
	s->list_rows = c->layers + 1;
	if (s->first < 0)
		s->first = 0;
	return view_act(ACT_NONE, 0, 0);
}

static void
draw_title(const view_ctx *c, const ui_imp *p, ui_rect r)
{
	char buf[256];
	const char *mode = enc_mode_name((head_mode)c->imp_req.replace);

	if (p != NULL && p->measure == IMP_KL)
		snprintf(buf, sizeof buf, "Head importance: each head alone \u2192 %s; KL at [MASK] (nats)",
			 mode);
	else
		snprintf(buf, sizeof buf, "Head importance: each head alone \u2192 %s; "
			 "last-layer distance (no [MASK])", mode);
	term_text(r.y, r.x, r.w, buf, A_BOLD | A_UNDERLINE);
	term_text(r.y + 1, r.x, r.w, "r replacement  o curve order  c curve/list  arrows select  "
		  "PgUp/PgDn list  Enter head view", A_DIM);
}

/* One cell per head, coloured by its score on 0 .. the largest. */
static void
draw_heatmap(const view_ctx *c, const impview_state *s, const ui_imp *p)
{
	char buf[32];

	for (int h = 0; h < c->heads; h++) {
		snprintf(buf, sizeof buf, s->cw >= 4 ? "H%d" : "%d", h + 1);
		term_text(s->gy - 1, s->gx + h * s->cw, s->cw, buf, A_DIM);
	}
	for (int l = 0; l < c->layers; l++) {
		int y = s->gy + l;

		snprintf(buf, sizeof buf, "L%d", l + 1);
		term_text(y, s->r.x, LABEL_W, buf, A_DIM);
		for (int h = 0; h < c->heads; h++) {
			int i = l * c->heads + h;
			bool sel = l == c->sel_layer && h == c->sel_head;
			double t = pal_scale(p->score[i], p->max_score);

			if (p->same[i])
				snprintf(buf, sizeof buf, "%*s", s->cw - 1, "=");
			else if (s->cw >= 6)
				snprintf(buf, sizeof buf, "%*.3f", s->cw - 1, p->score[i]);
			else if (s->cw >= 5)
				snprintf(buf, sizeof buf, "%*.2f", s->cw - 1, p->score[i]);
			else
				buf[0] = '\0';
			term_fill(y, s->gx + h * s->cw, s->cw - 1, c->pal, t, buf[0] ? buf : NULL, sel);
		}
	}
	widget_legend(s->gy + c->layers, s->r.x, c->heads * s->cw + LABEL_W, c->pal,
		      p->measure == IMP_KL ? "KL" : "dist", 0.0, p->max_score);
}

/* Most important first, from s->first; the selected head in bold. */
static void
draw_list(const view_ctx *c, const impview_state *s, const ui_imp *p, int x, int y, int rows)
{
	char buf[96];
	int lh = c->layers * c->heads;

	term_text(y - 1, x, LIST_W, "most important", A_BOLD);
	for (int k = 0; k < rows && s->first + k < lh; k++) {
		int i = p->rank[s->first + k];
		bool sel = i == c->sel_layer * c->heads + c->sel_head;

		/* three significant digits: a random model's heads matter by 1e-5 */
		if (p->measure == IMP_KL)
			snprintf(buf, sizeof buf, "%3d. L%dH%-2d %#7.3g %+6.1fpp", s->first + k + 1,
				 i / c->heads + 1, i % c->heads + 1, p->score[i], 100 * p->dprob[i]);
		else
			snprintf(buf, sizeof buf, "%3d. L%dH%-2d %#7.3g", s->first + k + 1,
				 i / c->heads + 1, i % c->heads + 1, p->score[i]);
		term_text(y + k, x, LIST_W, buf, sel ? A_BOLD | A_REVERSE : p->same[i] ? A_DIM : A_NORMAL);
	}
}

/* The curve as columns of eighth blocks, rows high, from 0 to its top. */
static void
draw_curve(const view_ctx *c, const ui_imp *p, ui_rect r)
{
	char buf[160], lo[16], hi[16];
	int lh = c->layers * c->heads, rows = r.h - 2, axis = 7, cols = r.w - axis;
	const double *v = p->measure == IMP_KL ? p->curve_prob : p->curve_kl;
	double top = 0.0;

	if (p->measure == IMP_KL)
		snprintf(buf, sizeof buf, "Replacement curve: P(\u201c%s\u201d) at [MASK]%s as heads go "
			 "to %s, %s", p->target_label, p->nmask > 1 ? "s (mean of each's top)" : "",
			 enc_mode_name((head_mode)p->req.replace), order_names[p->req.order]);
	else
		snprintf(buf, sizeof buf, "Replacement curve: last-layer distance as heads go to %s, %s",
			 enc_mode_name((head_mode)p->req.replace), order_names[p->req.order]);
	term_text(r.y, r.x, r.w, buf, A_BOLD);
	if (rows < 1 || cols < 4)
		return;
	/* a point per column, up to 3 columns per point when there is room */
	int bw = layout_clamp(cols / (lh + 1), 1, 3);
	if (cols > (lh + 1) * bw)
		cols = (lh + 1) * bw;
	for (int k = 0; k <= lh; k++)
		top = v[k] > top ? v[k] : top;
	if (top <= 0.0)
		top = 1.0;
	if (p->measure == IMP_KL) {
		snprintf(hi, sizeof hi, "%5.1f%%", 100 * top);
		snprintf(lo, sizeof lo, "%5.1f%%", 0.0);
	} else {
		snprintf(hi, sizeof hi, "%6.3f", top);
		snprintf(lo, sizeof lo, "%6.3f", 0.0);
	}
	term_text(r.y + 1, r.x, axis - 1, hi, A_DIM);
	term_text(r.y + rows, r.x, axis - 1, lo, A_DIM);
	for (int col = 0; col < cols; col++) {
		/* the point this column stands for: all of them, or spread evenly */
		int k = bw > 1 ? col / bw : cols > 1 ? (int)((long)col * lh / (cols - 1)) : 0;
		double h = v[k] / top * rows;

		for (int row = 0; row < rows; row++) {
			double f = h - (rows - 1 - row);
			term_vbar(r.y + 1 + row, r.x + axis + col, 1, c->pal, f < 0 ? 0 : f > 1 ? 1 : f);
		}
	}
	if (p->measure == IMP_KL)
		snprintf(buf, sizeof buf, "0 \u2192 %d heads replaced (target still top: %.0f%% \u2192 %.0f%%)",
			 lh, 100 * p->curve_acc[0], 100 * p->curve_acc[lh]);
	else
		snprintf(buf, sizeof buf, "0 \u2192 %d heads replaced", lh);
	term_text(r.y + rows + 1, r.x + axis, r.w - axis, buf, A_DIM);
}

static void
impview_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const impview_state *s = st;
	const ui_imp *p = current(c);
	char buf[300];

	if (widget_pending(c, r))
		return;
	draw_title(c, p, r);
	if (p == NULL || !p->heads_done) {
		if (p != NULL && p->err != HEED_OK)
			snprintf(buf, sizeof buf, "%s", p->msg);
		else if (p != NULL && p->total > 0)
			snprintf(buf, sizeof buf, "switching each head in turn\u2026 %d of %d runs",
				 p->done, p->total);
		else
			snprintf(buf, sizeof buf, "switching each head in turn\u2026");
		term_text(r.y + 3, r.x + 2, r.w - 2, buf, p != NULL && p->err != HEED_OK ? A_BOLD : A_DIM);
		return;
	}
	draw_heatmap(c, s, p);
	int lx = s->gx + c->heads * s->cw + 2;
	int below = s->gy + c->layers + 2;        /* first row under the heatmap and legend */
	int list_rows = r.y + r.h - s->gy;
	bool curve_below = r.y + r.h - below >= 5;

	if (curve_below)
		list_rows = c->layers + 1;
	/* no room under the heatmap: the list or (c) the curve beside it */
	ui_rect cr = curve_below ? (ui_rect){ below, r.x, r.y + r.h - below, r.w } :
	    (ui_rect){ s->gy - 1, lx, r.y + r.h - (s->gy - 1), r.x + r.w - lx };
	if (curve_below || !s->curve)
		draw_list(c, s, p, lx, s->gy, list_rows);
	if (!curve_below && !s->curve)
		return;
	if (!p->curve_done) {
		snprintf(buf, sizeof buf, "replacement curve\u2026 %d of %d runs", p->done, p->total);
		term_text(cr.y, cr.x, cr.w, buf, A_DIM);
		return;
	}
	draw_curve(c, p, cr);
}

static ui_action
impview_key(const view_ctx *c, void *st, int key)
{
	impview_state *s = st;
	int dy, dx, lh = c->layers * c->heads;

	if (key_direction(key, &dy, &dx))
		return view_act(ACT_SELECT, (c->sel_layer + dy + c->layers) % c->layers,
		    (c->sel_head + dx + c->heads) % c->heads);
	switch (key) {
	case UI_FN(KEY_NPAGE):
		s->first = layout_clamp(s->first + s->list_rows, 0, lh > s->list_rows ? lh - s->list_rows : 0);
		return view_act(ACT_REDRAW, 0, 0);
	case UI_FN(KEY_PPAGE):
		s->first = layout_clamp(s->first - s->list_rows, 0, lh);
		return view_act(ACT_REDRAW, 0, 0);
	case 'r':
		return view_act(ACT_IMP, 0, 0);
	case 'o':
		return view_act(ACT_IMP, 1, 0);
	case 'c':
		s->curve = !s->curve;
		return view_act(ACT_REDRAW, 0, 0);
	default:
		if (key_is_enter(key))
			return view_act(ACT_SHOW, VIEW_HEAD, 0);
		return view_act(ACT_PASS, 0, 0);
	}
}

/* A click on a heatmap cell selects that head; on the selected one, opens it. */
static ui_action
impview_mouse(const view_ctx *c, void *st, int y, int x)
{
	const impview_state *s = st;
	int l = y - s->gy, h = s->cw > 0 ? (x - s->gx) / s->cw : -1;

	if (current(c) == NULL || l < 0 || l >= c->layers || x < s->gx || h < 0 || h >= c->heads)
		return view_act(ACT_NONE, 0, 0);
	if (l == c->sel_layer && h == c->sel_head)
		return view_act(ACT_SHOW, VIEW_HEAD, 0);
	return view_act(ACT_SELECT, l, h);
}

const ui_view imp_view = {
	"importance", sizeof(impview_state), impview_resize, impview_draw, impview_key, impview_mouse, NULL,
};
