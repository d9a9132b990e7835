/* view_tokens.c — one query token at a time: where it attends in every
 * head of the selected layer, one row of bars per head.  `r` switches to
 * attention rollout (Abnar & Zuidema 2020, made by the encoder thread):
 * one row per layer, how much of each input token has flowed into the
 * query's representation by then.  With `w`, a query word and bars per
 * word (view_grain). */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>

#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

#define COL_MAX 8
#define LABEL_W 5

typedef struct tokens_state {
	int query;
	bool rollout;
	unsigned want_seen;          /* the core's last token request, taken */
} tokens_state;

/* Row i of the bars (a head of the layer, or the rollout through layer
 * i) for the query, and its largest value; false past the last row. */
static bool
bar_row(const view_ctx *c, const tokens_state *s, const ui_grain *f, int i, const float **row,
	float *vmax)
{
	int n = f->n;

	if (s->rollout) {
		if (i >= f->layers)
			return false;
		*row = frame_grain_rollout(f, i) + (size_t)s->query * n;
		/* shares of the input, always on the absolute scale: a layer
		 * or head maximum means nothing for a rollout */
		*vmax = 1.0f;
		return true;
	}
	if (i >= f->heads)
		return false;
	*row = frame_grain_attn(f, c->sel_layer, i) + (size_t)s->query * n;
	*vmax = (float)frame_grain_top(f, c->scale, c->sel_layer, i);
	return true;
}

static int
col_width(int n, int avail)
{
	int w = COL_MAX;

	while (w > 2 && n * w > avail)
		w--;
	return w;
}

static void
draw_bars(const view_ctx *c, const tokens_state *s, int y, int x, int cw, int bar_h,
	  const float *row, float vmax, int first, int ncols)
{
	for (int col = 0; col < ncols; col++) {
		double t = pal_scale(row[first + col], vmax);
		int cx = x + col * cw;

		/* two-line bars: the lower line fills first */
		if (bar_h == 2) {
			term_vbar(y, cx, cw - 1, c->pal, t > 0.5 ? 2 * t - 1 : 0);
			term_vbar(y + 1, cx, cw - 1, c->pal, t > 0.5 ? 1 : 2 * t);
		} else {
			term_vbar(y, cx, cw - 1, c->pal, t);
		}
	}
}

static void
tokens_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const tokens_state *s = st;
	const float *row;
	float vmax;
	char buf[200];
	int nrows, cw, ncols, first, bar_h;
	ui_grain g;
	const ui_grain *f = &g;

	if (widget_pending(c, r))
		return;
	g = view_grain(c);
	nrows = s->rollout ? f->layers : f->heads;
	cw = col_width(f->n, r.w - LABEL_W - 1);
	ncols = (r.w - LABEL_W - 1) / cw;
	if (ncols > f->n)
		ncols = f->n;
	first = layout_scroll(0, s->query, ncols, f->n);
	bar_h = (r.h - 3) / (nrows > 0 ? nrows : 1);
	bar_h = layout_clamp(bar_h, 1, 2);
	for (int col = 0; col < ncols; col++)
		term_text(r.y, r.x + LABEL_W + col * cw, cw - 1, f->labels[first + col],
		    (first + col == s->query ? A_BOLD | A_UNDERLINE : A_DIM) |
		    widget_seg_attr(c->frame, frame_grain_token(f, first + col)));
	for (int i = 0; r.y + 1 + (i + 1) * bar_h <= r.y + r.h - 2 && bar_row(c, s, f, i, &row, &vmax); i++) {
		int y = r.y + 1 + i * bar_h;

		snprintf(buf, sizeof buf, s->rollout ? "L%d" : "H%d", i + 1);
		term_text(y + bar_h - 1, r.x + 1, LABEL_W - 1, buf,
		    !s->rollout && i == c->sel_head ? A_BOLD | A_UNDERLINE : A_DIM);
		draw_bars(c, s, y, r.x + LABEL_W, cw, bar_h, row, vmax, first, ncols);
	}
	snprintf(buf, sizeof buf, s->rollout
	    ? " %s %s (%d/%d) \u2502 rollout through each layer \u2502 \u2190\u2192 query  r heads"
	    : " %s %s (%d/%d) \u2502 layer %d, each head \u2502 \u2190\u2192 query  \u2191\u2193 layer  r rollout",
	    f->first != NULL ? "query word" : "query", f->labels[s->query], s->query + 1, f->n,
	    c->sel_layer + 1);
	term_text(r.y + r.h - 1, r.x, r.w, buf, A_NORMAL);
	if (s->rollout)
		widget_legend(r.y + r.h - 2, r.x + 1, r.w - 1, c->pal, "colour: rollout share, absolute",
		    0, 1);
	else
		widget_scale_legend(c, r.y + r.h - 2, r.x + 1, r.w - 1,
		    frame_grain_top(f, c->scale, c->sel_layer, c->sel_head));
}

static ui_action
tokens_resize(const view_ctx *c, void *st, ui_rect r)
{
	tokens_state *s = st;

	if (c->frame != NULL && s->want_seen != c->want_serial) {
		ui_grain g = view_grain(c);

		s->want_seen = c->want_serial;
		s->query = frame_grain_item(&g, c->want_token);
	}
	if (c->frame != NULL)
		s->query = layout_clamp(s->query, 0, view_grain(c).n - 1);
	return view_act(ACT_NONE, 0, 0);
}

static ui_action
tokens_key(const view_ctx *c, void *st, int key)
{
	tokens_state *s = st;
	int dy, dx, n = c->frame != NULL ? view_grain(c).n : 1;

	if (key_direction(key, &dy, &dx)) {
		s->query = (s->query + dx + n) % n;
		if (dy != 0)
			return view_act(ACT_SELECT, (c->sel_layer + dy + c->layers) % c->layers, c->sel_head);
	} else if (key == 'r') {
		s->rollout = !s->rollout;
	} else {
		return view_act(ACT_PASS, 0, 0);
	}
	return view_act(ACT_REDRAW, 0, 0);
}

/* The strip above marks a token: a word's first. */
static int
tokens_focus(const view_ctx *c, const void *st)
{
	ui_grain g;

	if (c->frame == NULL)
		return ((const tokens_state *)st)->query;
	g = view_grain(c);
	return frame_grain_token(&g, layout_clamp(((const tokens_state *)st)->query, 0, g.n - 1));
}

const ui_view tokens_view = {
	"tokens", sizeof(tokens_state), tokens_resize, tokens_draw, tokens_key, NULL, tokens_focus,
};
