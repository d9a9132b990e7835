/* view_inside.c — inside one head (bertviz's neuron view, in text): for the
 * selected head and one query token, the query vector, every key vector and
 * their element-wise product over the head's dimensions, and per key the
 * terms of the pre-softmax score, the score and the softmax weight.
 *
 *   ,  .       previous, next query token     [ ]  previous, next head
 *   ↑↓ PgUp PgDn  the key under the cursor    ←→   scroll the dimensions
 *
 * Everything comes in the frame (the worker's enc_probe_head, asked for
 * with ACT_INSIDE); the view only lays the numbers out.  Each key takes two
 * rows: its vector k_j, then q ⊙ k_j coloured on a diverging scale, whose
 * sum over all dimensions is the q·k column. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "heed/enc.h"
#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

#define LABEL_MAX 10
#define NUM_W 7          /* a term column: " -12.34" */
#define DIM_W 6          /* a dimension column */
#define WEIGHT_W 8       /* " .72" and a bar of 3 */
#define BAR_W 3

typedef struct inside_state {
	int cur;             /* the key under the cursor */
	int top;             /* first key shown */
	int left;            /* first dimension shown */
	/* fitted by inside_resize */
	int lw;              /* label column */
	int xdims;           /* where the dimensions start */
	int dims_vis, keys_vis;
	int y_keys;          /* first key row */
	bool ready;          /* the frame holds the probe asked for */
} inside_state;

static int
query_of(const view_ctx *c)
{
	int n = c->frame->n;

	return c->query < 0 ? 0 : c->query >= n ? n - 1 : c->query;
}

/* The frame answers what is asked now: this head, this query. */
static bool
probe_ready(const view_ctx *c)
{
	const ui_frame *f = c->frame;

	return f != NULL && f->has_probe && f->probe_of.layer == c->sel_layer &&
	    f->probe_of.head == c->sel_head && f->probe_of.query == query_of(c);
}

/* The score's extra columns: DeBERTa's relative terms. */
static int
terms(const enc_probe *p)
{
	return (int)p->has_c2p + (int)p->has_p2c;
}

/* A number in w columns: as many decimals as fit. */
static void
num(char *buf, size_t cap, int w, double v)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, cap, "%*s", w, "??");
	else if (a < 10)
		snprintf(buf, cap, "%*.2f", w, v);
	else if (a < 1000)
		snprintf(buf, cap, "%*.1f", w, v);
	else
		snprintf(buf, cap, "%*.0e", w, v);
}

static ui_action
inside_resize(const view_ctx *c, void *st, ui_rect r)
{
	inside_state *s = st;
	int n;

	s->ready = probe_ready(c);
	if (!s->ready)
		return view_act(ACT_NONE, 0, 0);
	n = c->frame->n;
	s->lw = 4;
	for (int i = 0; i < n; i++) {
		int w = widget_label_width(c->frame->labels[i]);

		if (w > s->lw)
			s->lw = w;
	}
	s->lw = (s->lw > LABEL_MAX ? LABEL_MAX : s->lw) + 1;
	s->xdims = r.x + s->lw + NUM_W * (2 + terms(&c->frame->probe)) + WEIGHT_W + 3;
	s->dims_vis = (r.x + r.w - s->xdims) / DIM_W;
	if (s->dims_vis < 1)
		s->dims_vis = 0;
	s->left = c->frame->probe.d > s->dims_vis
	    ? layout_clamp(s->left, 0, c->frame->probe.d - (s->dims_vis > 0 ? s->dims_vis : 1)) : 0;
	s->y_keys = r.y + 4;
	s->keys_vis = (r.y + r.h - 2 - s->y_keys) / 2;
	if (s->keys_vis < 1)
		s->keys_vis = 1;
	s->cur = layout_clamp(s->cur, 0, n - 1);
	s->top = layout_scroll(s->top, s->cur, s->keys_vis, n);
	return view_act(ACT_NONE, 0, 0);
}

/* The title and the family's formula, honestly: what the score is made of. */
static void
draw_heading(const view_ctx *c, const inside_state *s, ui_rect r)
{
	const ui_frame *f = c->frame;
	const enc_probe *p = &f->probe;
	head_mode m = (head_mode)c->modes[c->sel_layer * c->heads + c->sel_head];
	int i = f->probe_of.query;
	char buf[320], win[64] = "";

	snprintf(buf, sizeof buf, " L%d H%d %s \u2502 query %d/%d \u00ab%s\u00bb \u2502 d %d, "
	    "dims %d\u2013%d \u2502 , . query  [ ] head  \u2190\u2192 dims",
	    c->sel_layer + 1, c->sel_head + 1, enc_mode_name(m), i + 1, f->n, f->labels[i], p->d,
	    s->left + 1, s->left + (s->dims_vis < p->d - s->left ? s->dims_vis : p->d - s->left));
	term_text(r.y, r.x, r.w, buf, A_BOLD);
	if (p->window >= 0)
		snprintf(win, sizeof win, "; keys within \u00b1%d (local layer)", p->window);
	if (m != HEAD_INPUT)
		snprintf(buf, sizeof buf, " this head runs in %s mode: the weights it uses are its "
		    "mode's; below, the scores its q and k would give", enc_mode_name(m));
	else if (terms(p) > 0)
		snprintf(buf, sizeof buf, " score = (q\u00b7k%s%s) / \u221a(%d\u00b7%d): DeBERTa's "
		    "relative terms, c2p = q\u00b7Pk[\u03b4], p2c = k\u00b7Pq[\u03b4]%s",
		    p->has_c2p ? " + c2p" : "", p->has_p2c ? " + p2c" : "", p->d, 1 + terms(p), win);
	else
		snprintf(buf, sizeof buf, " score = q\u00b7k / \u221a%d%s; weight = softmax of the "
		    "scores%s", p->d, p->rotary ? ", q and k after rotary positions" : "", win);
	term_text(r.y + 1, r.x, r.w, buf, A_DIM);
}

static void
draw_vector(const view_ctx *c, const inside_state *s, int y, const float *v, bool colour)
{
	const ui_frame *f = c->frame;
	char buf[16];

	for (int k = 0; k < s->dims_vis && s->left + k < f->probe.d; k++) {
		double x = v[s->left + k];

		num(buf, sizeof buf, DIM_W - 1, x);
		if (colour)
			term_fill(y, s->xdims + k * DIM_W, DIM_W, PAL_DIVERGING,
			    pal_scale_signed(x, f->probe_prod_max), buf, false);
		else
			term_text(y, s->xdims + k * DIM_W, DIM_W, buf, A_NORMAL);
	}
}

static void
draw_header(const view_ctx *c, const inside_state *s, ui_rect r)
{
	const enc_probe *p = &c->frame->probe;
	/* right-aligned over their columns (widths in columns, not bytes) */
	const char *name[4] = { "q\u00b7k", NULL, NULL, NULL };
	int width[4] = { 3, 0, 0, 0 }, cols = 1, x = r.x + s->lw;

	if (p->has_c2p)
		name[cols] = "c2p", width[cols++] = 3;
	if (p->has_p2c)
		name[cols] = "p2c", width[cols++] = 3;
	name[cols] = "score", width[cols++] = 5;
	term_text(r.y + 2, r.x, s->lw, "q", A_BOLD);
	term_text(r.y + 2, x, s->xdims - x, "query vector \u2192", A_DIM);
	draw_vector(c, s, r.y + 2, p->q, false);
	term_text(r.y + 3, r.x, s->lw, "key", A_BOLD | A_UNDERLINE);
	for (int k = 0; k < cols; k++)
		term_text(r.y + 3, x + (k + 1) * NUM_W - width[k], width[k], name[k], A_BOLD | A_UNDERLINE);
	term_text(r.y + 3, x + cols * NUM_W + 1, WEIGHT_W - 1, "weight", A_BOLD | A_UNDERLINE);
	term_text(r.y + 3, s->xdims, r.x + r.w - s->xdims, "k\u2c7c, then q\u2299k\u2c7c", A_DIM);
}

static void
draw_key(const view_ctx *c, const inside_state *s, int j, int y)
{
	const ui_frame *f = c->frame;
	const enc_probe *p = &f->probe;
	int x = s->xdims - (NUM_W * (2 + terms(p)) + WEIGHT_W + 3);
	bool seen = frame_attended(f, c->sel_layer, f->probe_of.query, j);
	char buf[32];

	widget_label(y, x - s->lw, s->lw - 1, f->labels[j], j == s->cur ? A_REVERSE | A_BOLD : A_NORMAL);
	num(buf, sizeof buf, NUM_W, p->qk[j]);
	term_text(y, x, NUM_W, buf, A_NORMAL);
	x += NUM_W;
	if (p->has_c2p) {
		num(buf, sizeof buf, NUM_W, p->c2p[j]);
		term_text(y, x, NUM_W, buf, A_NORMAL);
		x += NUM_W;
	}
	if (p->has_p2c) {
		num(buf, sizeof buf, NUM_W, p->p2c[j]);
		term_text(y, x, NUM_W, buf, A_NORMAL);
		x += NUM_W;
	}
	num(buf, sizeof buf, NUM_W, p->score[j]);
	term_text(y, x, NUM_W, buf, seen ? A_BOLD : A_DIM);
	x += NUM_W + 1;
	if (!seen) {
		term_text(y, x, WEIGHT_W - 1, "  \u00b7", A_DIM);   /* outside the window */
	} else {
		snprintf(buf, sizeof buf, p->weight[j] >= 0.995f ? "1.0" : ".%02d",
		    (int)(p->weight[j] * 100 + 0.5f));
		term_text(y, x, 4, buf, A_NORMAL);
		term_bar(y, x + 4, BAR_W, c->pal, p->weight[j]);
	}
	term_text(y, s->xdims - 2, 1, "\u2502", A_DIM);
	term_text(y + 1, s->xdims - 2, 1, "\u2502", A_DIM);
	draw_vector(c, s, y, p->k + (size_t)j * p->d, false);
	draw_vector(c, s, y + 1, f->probe_prod + (size_t)j * p->d, true);
}

/* The cursor key's sum, spelled out, and what the model kept. */
static void
draw_info(const view_ctx *c, const inside_state *s, ui_rect r)
{
	const ui_frame *f = c->frame;
	const enc_probe *p = &f->probe;
	int j = s->cur, i = f->probe_of.query;
	float kept = frame_attn(f, c->sel_layer, c->sel_head)[(size_t)i * f->n + j];
	char buf[320], rel[96] = "";

	if (terms(p) > 0)
		snprintf(rel, sizeof rel, " + %.3f + %.3f", p->c2p[j], p->p2c[j]);
	if (!frame_attended(f, c->sel_layer, i, j))
		snprintf(buf, sizeof buf, " \u00ab%s\u00bb \u2192 \u00ab%s\u00bb: outside the \u00b1%d-token "
		    "window, not attended (its score would be %.3f)", f->labels[i], f->labels[j],
		    p->window, p->score[j]);
	else
		snprintf(buf, sizeof buf, " \u00ab%s\u00bb \u2192 \u00ab%s\u00bb: (%.3f%s) \u00d7 %.4f = "
		    "score %.3f \u2192 weight %.3f \u2502 used %.3f", f->labels[i], f->labels[j], p->qk[j],
		    rel, p->scale, p->score[j], p->weight[j], kept);
	term_text(r.y + r.h - 1, r.x, r.w, buf, A_BOLD);
	widget_legend(r.y + r.h - 2, r.x + 1, r.w - 1, PAL_DIVERGING, "q\u2299k", -f->probe_prod_max,
	    f->probe_prod_max);
}

static void
inside_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const inside_state *s = st;

	if (widget_pending(c, r))
		return;
	if (!s->ready) {
		term_text(r.y + 1, r.x + 1, r.w - 1, "looking inside the head\u2026", A_DIM);
		return;
	}
	draw_heading(c, s, r);
	draw_header(c, s, r);
	for (int k = 0; k < s->keys_vis && s->top + k < c->frame->n; k++)
		draw_key(c, s, s->top + k, s->y_keys + 2 * k);
	draw_info(c, s, r);
}

static ui_action
inside_key(const view_ctx *c, void *st, int key)
{
	inside_state *s = st;
	int n = c->frame != NULL ? c->frame->n : 1, d = s->ready ? c->frame->probe.d : 1;

	switch (key) {
	case ',': case '.': {
		int q = c->frame != NULL ? query_of(c) : 0;

		return view_act(ACT_INSIDE, layout_clamp(q + (key == '.' ? 1 : -1), 0, n - 1), 0);
	}
	case '[': case ']': {
		int total = c->layers * c->heads;
		int i = (c->sel_layer * c->heads + c->sel_head + (key == ']' ? 1 : -1) + total) % total;

		return view_act(ACT_SELECT, i / c->heads, i % c->heads);
	}
	case 'k': case UI_FN(KEY_UP): s->cur = layout_clamp(s->cur - 1, 0, n - 1); break;
	case 'j': case UI_FN(KEY_DOWN): s->cur = layout_clamp(s->cur + 1, 0, n - 1); break;
	case UI_FN(KEY_PPAGE): s->cur = layout_clamp(s->cur - s->keys_vis, 0, n - 1); break;
	case UI_FN(KEY_NPAGE): s->cur = layout_clamp(s->cur + s->keys_vis, 0, n - 1); break;
	case 'h': case UI_FN(KEY_LEFT): s->left = layout_clamp(s->left - 1, 0, d - 1); break;
	case 'l': case UI_FN(KEY_RIGHT): s->left = layout_clamp(s->left + 1, 0, d - 1); break;
	case 'n': return view_act(ACT_SHOW, VIEW_HEAD, 0);
	default: return view_act(ACT_PASS, 0, 0);
	}
	return view_act(ACT_REDRAW, 0, 0);
}

static ui_action
inside_mouse(const view_ctx *c, void *st, int y, int x)
{
	inside_state *s = st;

	(void)x;
	if (!s->ready || y < s->y_keys || y >= s->y_keys + 2 * s->keys_vis)
		return view_act(ACT_NONE, 0, 0);
	s->cur = layout_clamp(s->top + (y - s->y_keys) / 2, 0, c->frame->n - 1);
	return view_act(ACT_REDRAW, 0, 0);
}

static int
inside_focus(const view_ctx *c, const void *st)
{
	(void)st;
	return c->frame != NULL ? query_of(c) : -1;
}

const ui_view inside_view = {
	"inside", sizeof(inside_state), inside_resize, inside_draw, inside_key, inside_mouse,
	inside_focus,
};
