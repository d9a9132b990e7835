/* view_head.c — one head's whole matrix: query tokens down the left, key
 * tokens written vertically along the top, the weight under the cursor, a
 * colour legend, and scrolling for sentences longer than the screen.  `d`
 * shows what the head modes changed (current - the all-input baseline),
 * then the difference from the corpus average, on a diverging palette in
 * the matrix's own units and scale; the frame already holds both.  With
 * `w` the rows and columns are words (view_grain), the cursor counting
 * words. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "heed/enc.h"
#include "heed/hstat.h"
#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

#define LABEL_MAX 12    /* columns of a row label, rows of a column label */
#define CELL_MAX 5

/* One matrix on screen.  With a pin (`b`) the view shows panes side by
 * side: the current sentence, the pinned one and, when they align,
 * current − pinned; each fits its own labels, the cursor is shared.  With
 * `w` the pinned pane is in words too (pin_grain), and the difference
 * when both sentences cut into the same words. */
typedef struct head_pane {
	int top, left;               /* scroll */
	int hh;                      /* rows of column labels */
	int cw;                      /* columns per cell */
	int rh;                      /* text rows per cell: more in a tall window */
	ui_rect cells;               /* the visible matrix */
} head_pane;

enum { PANE_CURRENT, PANE_PINNED, PANE_DELTA, PANE_MAX };

typedef struct head_state {
	int cur_row, cur_col;        /* cursor: query, key */
	int diff;                    /* DIFF_*: what is subtracted */
	unsigned want_seen;          /* the core's last token request, taken */
	/* fitted by head_resize */
	head_pane p[PANE_MAX];
	int panes;
	int top, left, hh, cw, rh;   /* the current pane's */
	ui_rect cells;
} head_state;

enum { DIFF_NONE, DIFF_INPUT, DIFF_AVERAGE };

static head_mode sel_mode(const view_ctx *c);

/* A corpus average to subtract: calibration, and a head not already
 * using its average. */
static bool
has_average(const view_ctx *c)
{
	return c->frame != NULL && c->frame->has_diff && sel_mode(c) != HEAD_AVERAGE;
}

static head_mode
sel_mode(const view_ctx *c)
{
	return (head_mode)c->modes[c->sel_layer * c->heads + c->sel_head];
}

/* The matrix shown and its colour scale. */
static const float *
shown(const view_ctx *c, const head_state *s, const ui_grain *g, float *vmax)
{
	/* differences in the matrix's units: the same top, either side */
	*vmax = (float)frame_grain_top(g, c->scale, c->sel_layer, c->sel_head);
	if (s->diff == DIFF_INPUT)
		return frame_grain_change(g, c->sel_layer, c->sel_head);
	if (s->diff == DIFF_AVERAGE)
		return frame_grain_diff(g, c->sel_layer, c->sel_head);
	return frame_grain_attn(g, c->sel_layer, c->sel_head);
}

static int
label_width(const ui_grain *f)
{
	int w = 3;

	for (int i = 0; i < f->n; i++) {
		int lw = widget_label_width(f->labels[i]);

		if (lw > w)
			w = lw;
	}
	return w > LABEL_MAX ? LABEL_MAX : w;
}

/* Characters in the longest label. */
static int
label_chars(const ui_grain *f)
{
	int most = 1;

	for (int i = 0; i < f->n; i++) {
		const char *s = f->labels[i];
		int k = 0;

		for (; *s != '\0'; s++)
			k += (*s & 0xC0) != 0x80;
		if (k > most)
			most = k;
	}
	return most;
}

/* Character k (a code point) of s, into out; false past the end. */
static bool
nth_char(const char *s, int k, char out[8])
{
	size_t len = strlen(s), i = 0;

	for (;;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n;

		if (i >= len)
			return false;
		n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0)
			n = 1;
		if (k-- == 0) {
			memcpy(out, s + i, (size_t)n);
			out[n] = '\0';
			return true;
		}
		i += (size_t)n;
	}
}

/* f: the frame g was made from (its segments mark a pair's boundary). */
static void
draw_col_labels(const ui_frame *f, const ui_grain *g, const head_state *st, const head_pane *s)
{
	char ch[8];
	int ncols = s->cells.w / s->cw;

	for (int col = 0; col < ncols; col++) {
		int j = s->left + col, x = s->cells.x + col * s->cw;
		int attr = (j == st->cur_col ? A_REVERSE | A_BOLD : A_DIM) | widget_seg_attr(f, frame_grain_token(g, j));

		/* one character a row, a wide one (CJK) where the cell has two
		 * columns; an ellipsis where it cannot fit or the label goes on */
		for (int k = 0; k < s->hh && nth_char(g->labels[j], k, ch); k++) {
			char next[8];
			int y = s->cells.y - s->hh + k;

			if ((k == s->hh - 1 && nth_char(g->labels[j], k + 1, next)) ||
			    term_text(y, x, s->cw, ch, attr) == 0)
				term_text(y, x, 1, "\u2026", attr);
		}
	}
}

/* Wide cells carry the weight in hundredths: " 89", "-12". */
static void
cell_text(float v, int cw, bool diff, char *out)
{
	int pct;

	out[0] = '\0';
	if (cw < 4)
		return;
	/* a NaN or infinite weight (a damaged model) is marked, never converted */
	if (!isfinite(v) || fabsf(v) > 1e6f) {
		snprintf(out, 16, " ?? ");
		return;
	}
	pct = (int)(v * 100 + (v < 0 ? -0.5f : 0.5f));
	if (!diff && pct >= 100)
		snprintf(out, 16, " 1.0");
	else
		snprintf(out, 16, diff ? "%+3d" : " .%02d", pct);
}

static void
draw_cells(const view_ctx *c, const ui_frame *fr, const ui_grain *f, const head_state *st,
	   const head_pane *s, const float *m, float vmax, bool diff, int x0)
{
	int n = f->n, lw = s->cells.x - x0 - 1, ncols = s->cells.w / s->cw;
	pal_kind k = diff ? PAL_DIVERGING : c->pal;
	char txt[16];

	for (int r = 0; r < s->cells.h; r++) {
		int i = s->top + r / s->rh, mid = r % s->rh == s->rh / 2;

		if (mid)
			widget_label(s->cells.y + r, x0 + 1, lw - 1, f->labels[i],
			    (i == st->cur_row ? A_REVERSE | A_BOLD : A_NORMAL) |
			    widget_seg_attr(fr, frame_grain_token(f, i)));
		for (int col = 0; col < ncols; col++) {
			int j = s->left + col;
			float v = m[(size_t)i * n + j];
			double t = diff ? pal_scale_signed(v, vmax) : pal_scale(v, vmax);

			if (!frame_grain_attended(f, c->sel_layer, i, j)) {
				/* outside a local window: no colour, a dot */
				term_text(s->cells.y + r, s->cells.x + col * s->cw, s->cw, "\u00b7",
				    i == st->cur_row && j == st->cur_col ? A_REVERSE : A_DIM);
				continue;
			}
			if (mid)
				cell_text(v, s->cw, diff, txt);
			else   /* the weight once, on the middle row */
				strcpy(txt, " ");
			term_fill(s->cells.y + r, s->cells.x + col * s->cw, s->cw, k, t, txt,
			    i == st->cur_row && j == st->cur_col);
		}
	}
}

static void
draw_info(const view_ctx *c, const head_state *s, const ui_grain *f, ui_rect r, const float *m,
	  float vmax)
{
	char buf[256];
	int y = r.y + r.h - 1, used;
	float v = m[(size_t)s->cur_row * f->n + s->cur_col];
	const char *kind = hstat_cat_name(c->frame->hs[c->sel_layer * c->heads + c->sel_head].cat);
	const char *grain = f->first != NULL ? " words" : "";

	snprintf(buf, sizeof buf, " L%d H%d %s %s%s \u2502 %s \u2192 %s  %s%.3f \u2502 ",
	    c->sel_layer + 1, c->sel_head + 1, enc_mode_name(sel_mode(c)), kind, grain,
	    f->labels[s->cur_row], f->labels[s->cur_col], s->diff ? "\u0394 " : "", v);
	if (!frame_grain_attended(f, c->sel_layer, s->cur_row, s->cur_col))
		snprintf(buf, sizeof buf, " L%d H%d %s %s%s \u2502 %s \u2192 %s  not attended "
		    "(outside the \u00b1%d-token window) \u2502 ", c->sel_layer + 1, c->sel_head + 1,
		    enc_mode_name(sel_mode(c)), kind, grain, f->labels[s->cur_row], f->labels[s->cur_col],
		    f->window[c->sel_layer]);
	if (c->pin != NULL && c->pin->on) {
		/* the pinned weight at the cursor, at the pinned pane's grain */
		ui_grain pg = pin_grain(c->pin, c->words), dg;
		size_t len = strlen(buf), at = (size_t)s->cur_row * pg.n + s->cur_col;
		bool ok, here;

		dg = pin_delta_grain(c->pin, c->frame, c->words, &ok);
		/* not when words are on one side only, or past the pinned sentence */
		here = (pg.first == NULL) == (f->first == NULL) && s->cur_row < pg.n && s->cur_col < pg.n;
		if (here && ok)
			snprintf(buf + len, sizeof buf - len, "pinned %.3f, \u0394 %+.3f \u2502 b unpins",
			    frame_grain_attn(&pg, c->sel_layer, c->sel_head)[at],
			    frame_grain_attn(&dg, c->sel_layer, c->sel_head)[at]);
		else if (here)
			snprintf(buf + len, sizeof buf - len, "pinned %s \u2192 %s %.3f \u2502 b unpins",
			    pg.labels[s->cur_row], pg.labels[s->cur_col],
			    frame_grain_attn(&pg, c->sel_layer, c->sel_head)[at]);
	}
	term_text(y, r.x, r.w, buf, A_BOLD);
	/* the legend on a row of its own, so no width hides it */
	y--;
	if (s->diff != DIFF_NONE) {
		char what[64];

		snprintf(what, sizeof what, "colour: \u0394 weight vs %s, %s",
		    s->diff == DIFF_INPUT ? "input" : "average", frame_scale_name(c->scale));
		used = 1 + widget_legend(y, r.x + 1, r.w - 1, PAL_DIVERGING, what, -vmax, vmax);
	} else {
		used = 1 + widget_scale_legend(c, y, r.x + 1, r.w - 1, vmax);
	}
	if (r.w - used > 16)
		term_text(y, r.x + used + 2, r.w - used - 2, s->diff == DIFF_NONE ? "d: \u2212 input"
		    : s->diff == DIFF_INPUT && has_average(c) ? "d: \u2212 average" : "d: attention", A_DIM);
}

/* Fit pane s to the matrix of grain g in r. */
static void
fit_pane(const ui_grain *g, const head_state *st, head_pane *s, ui_rect r)
{
	int n = g->n, lw, rows, cols_w, nrows, ncols;
	int cur_row = layout_clamp(st->cur_row, 0, n - 1), cur_col = layout_clamp(st->cur_col, 0, n - 1);

	lw = label_width(g) + 2;
	/* column labels as long as the longest, up to LABEL_MAX rows and a
	 * third of the view */
	s->hh = layout_clamp(label_chars(g), 1, layout_clamp(r.h / 3, 1, LABEL_MAX));
	rows = r.h - s->hh - 2;     /* the legend and the info line below */
	cols_w = r.w - lw - 1;
	/* the matrix fills the window: a tall one gives each query several
	 * rows, and cells stay about square (a character is twice as high as
	 * wide) once they are wider than CELL_MAX; beyond the window, scroll */
	s->cw = cols_w / n > 1 ? cols_w / n : 1;
	s->rh = layout_clamp(rows / n, 1, s->cw / 2 > 1 ? s->cw / 2 : 1);
	if (s->cw > CELL_MAX && s->cw > 2 * s->rh)
		s->cw = CELL_MAX > 2 * s->rh ? CELL_MAX : 2 * s->rh;
	rows /= s->rh;
	nrows = n < rows ? n : rows;
	ncols = n < cols_w / s->cw ? n : cols_w / s->cw;
	s->top = layout_scroll(s->top, cur_row, nrows, n);
	s->left = layout_scroll(s->left, cur_col, ncols, n);
	s->cells = (ui_rect){ r.y + s->hh, r.x + lw, nrows * s->rh, ncols * s->cw };
}

/* A pin's panes: its own matrices, and the difference laid on the current
 * ones, at the grain the user asked for. */
static ui_grain
pinned_grain(const view_ctx *c, int pane)
{
	bool ok;

	if (pane == PANE_PINNED)
		return pin_grain(c->pin, c->words);
	return pin_delta_grain(c->pin, c->frame, c->words, &ok);
}

/* Panes: the current one, the pinned one, and their difference when the
 * grain shown aligns. */
static int
pane_count(const view_ctx *c)
{
	bool ok;

	if (c->pin == NULL || !c->pin->on)
		return 1;
	(void)pin_delta_grain(c->pin, c->frame, c->words, &ok);
	return ok ? 3 : 2;
}

static ui_action
head_resize(const view_ctx *c, void *st, ui_rect r)
{
	head_state *s = st;
	int n, w;
	ui_grain g;

	if (c->frame == NULL)
		return view_act(ACT_NONE, 0, 0);
	g = view_grain(c);
	n = g.n;
	if (s->want_seen != c->want_serial) {
		s->want_seen = c->want_serial;
		s->cur_row = frame_grain_item(&g, c->want_token);
	}
	/* a head that uses its average has no difference from it to show */
	if (s->diff == DIFF_AVERAGE && !has_average(c))
		s->diff = DIFF_NONE;
	s->cur_row = layout_clamp(s->cur_row, 0, n - 1);
	s->cur_col = layout_clamp(s->cur_col, 0, n - 1);
	s->panes = pane_count(c);
	if (s->panes > 1) {   /* a row for the panes' titles */
		r.y++;
		r.h--;
	}
	w = r.w / s->panes;
	for (int p = 0; p < s->panes; p++) {
		ui_grain pg = p == PANE_CURRENT ? g : pinned_grain(c, p);

		fit_pane(&pg, s, &s->p[p], (ui_rect){ r.y, r.x + p * w, r.h,
		    p == s->panes - 1 ? r.w - p * w : w });
	}
	s->top = s->p[0].top;
	s->left = s->p[0].left;
	s->hh = s->p[0].hh;
	s->cw = s->p[0].cw;
	s->rh = s->p[0].rh;
	s->cells = s->p[0].cells;
	return view_act(ACT_NONE, 0, 0);
}

/* The pinned sentence's matrix of the same head and, aligned, the
 * difference, beside the current one; titles above. */
static void
draw_panes(const view_ctx *c, const head_state *s, ui_rect r)
{
	const ui_pin *pin = c->pin;
	int w = r.w / s->panes, l = c->sel_layer, h = c->sel_head;
	ui_grain pg = pinned_grain(c, PANE_PINNED), dg;
	float dmax;
	char buf[128];

	term_text(r.y, r.x, w - 1, " current", A_BOLD | A_UNDERLINE);
	snprintf(buf, sizeof buf, " pinned \u00ab%s\u00bb", pin->text);
	widget_label(r.y, r.x + w, w - 2, buf, A_BOLD | A_UNDERLINE);
	draw_col_labels(pin->f, &pg, s, &s->p[PANE_PINNED]);
	draw_cells(c, pin->f, &pg, s, &s->p[PANE_PINNED], frame_grain_attn(&pg, l, h),
	    (float)frame_grain_top(&pg, c->scale, l, h), false, r.x + w);
	if (s->panes < 3)
		return;
	dg = pinned_grain(c, PANE_DELTA);
	dmax = pin_delta_max(pin, dg.first != NULL, l, h);
	snprintf(buf, sizeof buf, " current \u2212 pinned (\u00b1%.2f)", dmax);
	term_text(r.y, r.x + 2 * w, r.w - 2 * w, buf, A_BOLD | A_UNDERLINE);
	draw_col_labels(c->frame, &dg, s, &s->p[PANE_DELTA]);
	draw_cells(c, c->frame, &dg, s, &s->p[PANE_DELTA], frame_grain_attn(&dg, l, h),
	    dmax > 0 ? dmax : 1.0f, true, r.x + 2 * w);
}

static void
head_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const head_state *s = st;
	const float *m;
	float vmax;
	ui_grain g;

	if (widget_pending(c, r))
		return;
	g = view_grain(c);
	m = shown(c, s, &g, &vmax);
	if (s->panes > 1)
		draw_panes(c, s, r);
	draw_col_labels(c->frame, &g, s, &s->p[PANE_CURRENT]);
	draw_cells(c, c->frame, &g, s, &s->p[PANE_CURRENT], m, vmax, s->diff != DIFF_NONE, r.x);
	draw_info(c, s, &g, r, m, vmax);
}

static ui_action
head_key(const view_ctx *c, void *st, int key)
{
	head_state *s = st;
	int dy, dx, n = c->frame != NULL ? view_grain(c).n : 1;

	if (key_direction(key, &dy, &dx)) {
		s->cur_row = layout_clamp(s->cur_row + dy, 0, n - 1);
		s->cur_col = layout_clamp(s->cur_col + dx, 0, n - 1);
	} else if (key == UI_FN(KEY_NPAGE) || key == UI_FN(KEY_PPAGE)) {
		int page = s->cells.h / s->rh > 1 ? s->cells.h / s->rh - 1 : 1;

		s->cur_row = layout_clamp(s->cur_row + (key == UI_FN(KEY_NPAGE) ? page : -page), 0, n - 1);
	} else if (key == '[' || key == ']') {
		int total = c->layers * c->heads;
		int i = (c->sel_layer * c->heads + c->sel_head + (key == ']' ? 1 : -1) + total) % total;

		return view_act(ACT_SELECT, i / c->heads, i % c->heads);
	} else if (key == 'n' && c->frame != NULL) {
		/* inside this head, at the cursor's query token */
		ui_grain g = view_grain(c);

		return view_act(ACT_INSIDE, frame_grain_token(&g, layout_clamp(s->cur_row, 0, g.n - 1)), 0);
	} else if (key == 'd') {
		/* attention, minus the all-input baseline, minus the corpus
		 * average where there is one to subtract */
		s->diff = s->diff == DIFF_NONE ? DIFF_INPUT
		    : s->diff == DIFF_INPUT && has_average(c) ? DIFF_AVERAGE : DIFF_NONE;
	} else {
		return view_act(ACT_PASS, 0, 0);
	}
	return view_act(ACT_REDRAW, 0, 0);
}

static ui_action
head_mouse(const view_ctx *c, void *st, int y, int x)
{
	head_state *s = st;
	ui_rect r = s->cells;

	if (c->frame == NULL || y < r.y || y >= r.y + r.h || x < r.x || x >= r.x + r.w || s->cw < 1)
		return view_act(ACT_NONE, 0, 0);
	s->cur_row = s->top + (y - r.y) / s->rh;
	s->cur_col = s->left + (x - r.x) / s->cw;
	return view_act(ACT_REDRAW, 0, 0);
}

/* The strip above marks a token: a word's first. */
static int
head_focus(const view_ctx *c, const void *st)
{
	ui_grain g;

	if (c->frame == NULL)
		return ((const head_state *)st)->cur_row;
	g = view_grain(c);
	return frame_grain_token(&g, layout_clamp(((const head_state *)st)->cur_row, 0, g.n - 1));
}

const ui_view head_view = {
	"head", sizeof(head_state), head_resize, head_draw, head_key, head_mouse, head_focus,
};
