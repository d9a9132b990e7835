/* view_grid.c — the overview: every layer x head as a small heatmap, two
 * matrix rows per text row (upper-half blocks), beside each its mode badge
 * and under that its kind on this sentence (hstat.h: p n s k b m), and
 * the selected head marked; a row of the legend says what the marks mean.  `s` swaps heatmaps for a per-head
 * statistic and `o` ranks heads by it.  The thumbnails arrive in the frame
 * as colour levels, made for the area this view last asked for
 * (ACT_GEOMETRY); until a frame for a new size arrives they are drawn
 * stretched. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "heed/enc.h"
#include "heed/hstat.h"
#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

/* With a pin (`b`) the grid shows panels side by side: the current
 * sentence, the pinned one, and, when their tokens align, each head's
 * largest change between them. */
enum { PANEL_CURRENT, PANEL_PINNED, PANEL_DELTA, PANEL_MAX };

typedef struct grid_state {
	grid_layout g;       /* as last fitted, for drawing and clicks */
	grid_layout pg[PANEL_MAX];   /* the other panels' (pg[0] unused) */
	int panels;          /* 1, or 2-3 with a pin */
	bool fits;
	bool stats;          /* numbers instead of heatmaps */
	frame_stat stat;
	bool ranked;         /* highlight heads by rank */
	bool marks;          /* a legend row for the marks fits */
} grid_state;

static const char *const stat_names[] = { "entropy", "input dependence (JSD)" };

static head_mode
mode_of(const view_ctx *c, int layer, int head)
{
	return (head_mode)c->modes[layer * c->heads + head];
}

/* A pixel's level as the middle of its range of weights; -1 for a
 * blank one (no token there). */
static double
weight_of(uint8_t level)
{
	return level == THUMB_BLANK ? -1 : (level + 0.5) / PAL_LEVELS;
}

static void
draw_thumb(const view_ctx *c, const ui_frame *f, const grid_layout *g, int layer, int head,
	   int cy, int cx)
{
	const uint8_t *lv = frame_thumb(f, layer, head);
	int rpl = term_rows_per_line();

	if (f->tw == 0)
		return;
	for (int tr = 0; tr < g->th; tr++) {
		int r0 = tr * rpl, r1 = r0 + 1;

		if (r0 >= g->ph)
			break;
		for (int x = 0; x < g->pw; x++) {
			/* the frame's pixel under this one: the same pixel unless
			 * the window changed since the frame was asked for */
			int sc = x * f->tw / g->pw;
			double top = weight_of(lv[(r0 * f->th / g->ph) * f->tw + sc]);
			double bot = rpl == 2 && r1 < g->ph
			    ? weight_of(lv[(r1 * f->th / g->ph) * f->tw + sc]) : -1;

			term_half(cy + tr, cx + x, c->pal, top, bot);
		}
	}
}

static void
draw_stat(const view_ctx *c, const grid_state *s, int layer, int head, int cy, int cx)
{
	const ui_frame *f = c->frame;
	char buf[16];
	double v = f->stat[s->stat][layer * c->heads + head];

	if (isnan(v)) {
		term_text(cy, cx, s->g.tw, "n/a", A_DIM);
		return;
	}
	snprintf(buf, sizeof buf, "%.2f", v);
	for (int tr = 0; tr < s->g.th; tr++)
		term_fill(cy + tr, cx, s->g.tw, c->pal, pal_scale(v, f->stat_max[s->stat]),
		    tr == 0 ? buf : NULL, false);
}

/* A head's largest change from the pinned sentence, as a coloured number. */
static void
draw_delta(const view_ctx *c, const grid_layout *g, int layer, int head, int cy, int cx)
{
	char buf[16];
	double v = c->pin->delta_max[layer * c->heads + head];

	/* in hundredths, as the head view writes weights: ".12", "1.0" */
	snprintf(buf, sizeof buf, v >= 0.995 ? "1.0" : ".%02d", (int)(v * 100 + 0.5));
	for (int tr = 0; tr < g->th; tr++)
		term_fill(cy + tr, cx, g->tw, c->pal, pal_scale(v, c->pin->delta_top),
		    tr == 0 ? buf : NULL, false);
}

static void
draw_badge(const view_ctx *c, const grid_state *s, int layer, int head, int cy, int cx)
{
	head_mode m = mode_of(c, layer, head);
	bool sel = layer == c->sel_layer && head == c->sel_head;
	char badge[2] = { enc_mode_badge(m), '\0' };
	int attr = sel ? A_REVERSE | A_BOLD : m != HEAD_INPUT ? A_BOLD : A_DIM;

	term_text(cy, cx - 1, 1, badge, attr);
	/* the kind under the mode; in one-row cells, after the thumbnail
	 * unless the rank's star is there */
	badge[0] = hstat_cat_badge(c->frame->hs[layer * c->heads + head].cat);
	if (s->g.th >= 2)
		term_text(cy + 1, cx - 1, 1, badge, sel ? A_REVERSE : A_DIM);
	else if (!s->ranked)
		term_text(cy, cx + s->g.tw, 1, badge, A_DIM);
	if (s->ranked) {
		int r = c->frame->rank[s->stat][layer * c->heads + head];

		if (r >= 0 && r < (c->layers * c->heads + 3) / 4)
			term_text(cy, cx + s->g.tw, 1, "\u2605", A_BOLD);
	}
}

static void
draw_header(const view_ctx *c, const grid_layout *g)
{
	char buf[16];

	for (int h = g->hfirst; h < g->hfirst + g->hvis; h++) {
		int cy, cx;

		layout_cell_origin(g, g->first, h, &cy, &cx);
		snprintf(buf, sizeof buf, g->tw >= 3 ? "H%d" : "%d", h + 1);
		term_text(g->y0, cx, g->tw + 1, buf, h == c->sel_head ? A_BOLD | A_UNDERLINE : A_DIM);
	}
	/* heads paged sideways: arrows where more are to the left or right */
	if (g->hvis < g->heads)
		term_text(g->y0, g->x0, g->label_w, g->hfirst > 0 ?
		    (g->hfirst + g->hvis < g->heads ? "\u2039\u203a" : "\u2039 ") : " \u203a", A_BOLD);
	for (int l = g->first; l < g->first + g->nvis; l++) {
		int cy, cx;

		layout_cell_origin(g, l, g->hfirst, &cy, &cx);
		snprintf(buf, sizeof buf, "L%d", l + 1);
		term_text(cy, g->x0, g->label_w - 1, buf, l == c->sel_layer ? A_BOLD | A_UNDERLINE : A_DIM);
	}
}

static void
draw_info(const view_ctx *c, const grid_state *s, ui_rect r)
{
	const ui_frame *f = c->frame;
	char buf[256];
	int l = c->sel_layer, h = c->sel_head, i = l * c->heads + h;
	double ent = f->stat[STAT_ENTROPY][i], jsd = f->stat[STAT_JSD][i];
	const char *mode = enc_mode_name(mode_of(c, l, h));

	if (s->panels == 3)
		snprintf(buf, sizeof buf, " L%d H%d %s %s \u2502 entropy %.2f \u2502 vs pinned: largest "
		    "|\u0394| %.3f \u2502 b unpins", l + 1, h + 1, mode, hstat_cat_name(f->hs[i].cat), ent,
		    c->pin->delta_max[i]);
	else if (isnan(jsd))
		snprintf(buf, sizeof buf, " L%d H%d %s %s \u2502 entropy %.2f nats \u2502 Enter zoom  s stats  o rank",
		    l + 1, h + 1, mode, hstat_cat_name(f->hs[i].cat), ent);
	else
		snprintf(buf, sizeof buf, " L%d H%d %s %s \u2502 entropy %.2f \u2502 input dep. %.3f \u2502 Enter zoom",
		    l + 1, h + 1, mode, hstat_cat_name(f->hs[i].cat), ent, jsd);
	term_text(r.y + r.h - 1, r.x, r.w, buf, A_NORMAL);
	/* the legend: what the colours mean, on a row of its own */
	if (s->stats)
		widget_legend(r.y + r.h - 2, r.x + 1, r.w - 1, c->pal, stat_names[s->stat], 0,
		    f->stat_max[s->stat]);
	else if (s->panels == 3 && c->pin->aligned)
		widget_legend(r.y + r.h - 2, r.x + 1, r.w - 1, c->pal, "right: largest |\u0394| vs pinned", 0,
		    c->pin->delta_top);
	else
		widget_scale_legend(c, r.y + r.h - 2, r.x + 1, r.w - 1, f->thumb_top[i]);
	if (s->stats || s->ranked) {
		snprintf(buf, sizeof buf, " %s%s ", s->ranked ? "\u2605 lowest quarter by " : "showing ",
		    stat_names[s->stat]);
		term_text(r.y + r.h - 3, r.x, r.w, buf, A_DIM);
	} else if (s->marks) {
		term_text(r.y + r.h - 3, r.x, r.w, " marks: I A D R U mode \u2502 kind: p previous "
		    "n next s self k sink b broad m mixed", A_DIM);
	}
}

static ui_action
grid_resize(const view_ctx *c, void *st, ui_rect r)
{
	grid_state *s = st;
	int h, hfirst = s->g.hfirst, w, y = r.y;

	/* the info line, the colour legend, and the marks' or the ranking's
	 * row when the window is tall enough to spare it */
	s->marks = r.h >= 16;
	h = r.h - (s->stats || s->ranked || s->marks ? 3 : 2);
	s->panels = c->pin == NULL || !c->pin->on ? 1 : c->pin->aligned ? 3 : 2;
	if (s->panels > 1) {   /* a row for the panels' titles */
		y++;
		h--;
	}
	w = r.w / s->panels;
	/* thumbnails as the frame fitted them: for n tokens, or for more
	 * while keys arrive (frame_derive) */
	s->fits = c->frame != NULL && layout_grid_compute(r.x, y, w, h, c->layers, c->heads,
	    c->frame->tcap, term_rows_per_line(), c->sel_layer, s->g.first, &s->g) == 0;
	if (s->fits)
		layout_grid_follow_head(&s->g, c->sel_head, hfirst);
	for (int p = 1; s->fits && p < s->panels; p++) {
		/* the same scroll and paging as the current panel, so a row of
		 * panels shows the same heads */
		s->fits = layout_grid_compute(r.x + p * w, y, w, h, c->layers, c->heads,
		    p == PANEL_PINNED ? c->pin->f->tcap : c->frame->tcap, term_rows_per_line(),
		    c->sel_layer, s->g.first, &s->pg[p]) == 0;
		if (s->fits) {
			s->pg[p].first = s->g.first;
			s->pg[p].nvis = s->g.nvis < s->pg[p].nvis ? s->g.nvis : s->pg[p].nvis;
			layout_grid_follow_head(&s->pg[p], c->sel_head, hfirst);
		}
	}
	return view_act(ACT_GEOMETRY, w, h);
}

/* The panels' titles: which sentence each shows. */
static void
draw_titles(const view_ctx *c, const grid_state *s, ui_rect r)
{
	char buf[128];
	int w = r.w / s->panels;

	term_text(r.y, r.x, w - 1, " current", A_BOLD | A_UNDERLINE);
	snprintf(buf, sizeof buf, " pinned \u00ab%s\u00bb", c->pin->text);
	widget_label(r.y, r.x + w, w - 2, buf, A_BOLD | A_UNDERLINE);
	if (s->panels == 3) {
		snprintf(buf, sizeof buf, " largest |\u0394| (%d token%s differ)", c->pin->ndiffer,
		    c->pin->ndiffer == 1 ? "" : "s");
		term_text(r.y, r.x + 2 * w, r.w - 2 * w, buf, A_BOLD | A_UNDERLINE);
	}
}

static void
draw_panel(const view_ctx *c, const grid_state *s, int p)
{
	const grid_layout *g = p == PANEL_CURRENT ? &s->g : &s->pg[p];
	int cy, cx;

	draw_header(c, g);
	for (int l = g->first; l < g->first + g->nvis; l++)
		for (int h = g->hfirst; h < g->hfirst + g->hvis; h++) {
			layout_cell_origin(g, l, h, &cy, &cx);
			if (p == PANEL_DELTA)
				draw_delta(c, g, l, h, cy, cx);
			else if (p == PANEL_PINNED)
				draw_thumb(c, c->pin->f, g, l, h, cy, cx);
			else if (s->stats)
				draw_stat(c, s, l, h, cy, cx);
			else
				draw_thumb(c, c->frame, g, l, h, cy, cx);
			draw_badge(c, s, l, h, cy, cx);
		}
}

static void
grid_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const grid_state *s = st;

	if (widget_pending(c, r))
		return;
	if (!s->fits) {
		term_text(r.y + 1, r.x + 1, r.w - 1, "too many heads for this width: widen the window", A_BOLD);
		return;
	}
	if (s->panels > 1)
		draw_titles(c, s, r);
	for (int p = 0; p < s->panels; p++)
		draw_panel(c, s, p);
	draw_info(c, s, r);
}

static void
toggle_stat(const view_ctx *c, grid_state *s, bool rank)
{
	bool *flag = rank ? &s->ranked : &s->stats;

	/* a second press moves on to the next statistic, then turns it off */
	if (!*flag) {
		*flag = true;
		s->stat = STAT_ENTROPY;
	} else if (s->stat == STAT_ENTROPY && c->frame != NULL && c->frame->has_stat[STAT_JSD]) {
		s->stat = STAT_JSD;
	} else {
		*flag = false;
	}
}

static ui_action
grid_key(const view_ctx *c, void *st, int key)
{
	int dy, dx;

	if (key_direction(key, &dy, &dx))
		return view_act(ACT_SELECT, (c->sel_layer + dy + c->layers) % c->layers,
		    (c->sel_head + dx + c->heads) % c->heads);
	if (key_is_enter(key))
		return view_act(ACT_SHOW, VIEW_HEAD, 0);
	if (key == 's' || key == 'o') {
		toggle_stat(c, st, key == 'o');
		return view_act(ACT_REDRAW, 0, 0);
	}
	return view_act(ACT_PASS, 0, 0);
}

static ui_action
grid_mouse(const view_ctx *c, void *st, int y, int x)
{
	const grid_state *s = st;
	int l, h;

	bool hit = s->fits && layout_grid_hit(&s->g, y, x, &l, &h);

	for (int p = 1; !hit && s->fits && p < s->panels; p++)
		hit = layout_grid_hit(&s->pg[p], y, x, &l, &h);
	if (!hit)
		return view_act(ACT_NONE, 0, 0);
	if (l == c->sel_layer && h == c->sel_head)
		return view_act(ACT_SHOW, VIEW_HEAD, 0);   /* a second click zooms */
	return view_act(ACT_SELECT, l, h);
}

const ui_view grid_view = {
	"grid", sizeof(grid_state), grid_resize, grid_draw, grid_key, grid_mouse, NULL,
};
