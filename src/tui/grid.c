/* grid.c — the overview: every layer x head as a small heatmap, two matrix
 * rows per text row (upper-half blocks), a mode badge beside each, and the
 * selected head marked.  `s` swaps heatmaps for a per-head statistic and
 * `o` ranks heads by it. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "keys.h"
#include "term.h"
#include "tui.h"
#include "ui_model.h"

static const char *const stat_names[] = { "entropy", "input dependence (JSD)" };

static void
draw_thumb(app *a, int layer, int head, int cy, int cx)
{
	const grid_layout *g = &a->grid;
	int pw = g->pw, ph = g->ph, rpl = term_rows_per_line();
	float *pix = app_scratch(a, (size_t)pw * ph);
	float vmax;

	ui_downsample(app_attn(a, layer, head), a->front->n, ph, pw, pix);
	vmax = ui_max(pix, (size_t)pw * ph);
	for (int tr = 0; tr < g->th; tr++) {
		int r0 = tr * rpl, r1 = r0 + 1;

		if (r0 >= ph)
			break;
		for (int c = 0; c < pw; c++) {
			double top = pal_scale(pix[r0 * pw + c], vmax);
			double bot = rpl == 2 && r1 < ph ? pal_scale(pix[r1 * pw + c], vmax) : -1;

			term_half(cy + tr, cx + c, a->pal, top, bot);
		}
	}
}

/* Largest value of the statistic over all heads, for colouring. */
static double
stat_max(app *a)
{
	double m = 0;

	for (int l = 0; l < a->layers; l++)
		for (int h = 0; h < a->heads; h++)
			if (app_stat(a, l, h) > m)
				m = app_stat(a, l, h);
	return m;
}

static void
draw_stat(app *a, int layer, int head, int cy, int cx, double vmax)
{
	char buf[16];
	double v = app_stat(a, layer, head);

	if (isnan(v)) {
		term_text(cy, cx, a->grid.tw, "n/a", A_DIM);
		return;
	}
	snprintf(buf, sizeof buf, "%.2f", v);
	for (int tr = 0; tr < a->grid.th; tr++)
		term_fill(cy + tr, cx, a->grid.tw, a->pal, pal_scale(v, vmax), tr == 0 ? buf : NULL, false);
}

/* Rank of (layer, head) by the statistic, 0 = lowest, or -1. */
static int
stat_rank(app *a, int layer, int head)
{
	double v = app_stat(a, layer, head);
	int r = 0;

	if (isnan(v))
		return -1;
	for (int l = 0; l < a->layers; l++)
		for (int h = 0; h < a->heads; h++)
			r += app_stat(a, l, h) < v;
	return r;
}

static void
draw_badge(app *a, int layer, int head, int cy, int cx)
{
	head_mode m = app_mode(a, layer, head);
	bool sel = layer == a->sel_layer && head == a->sel_head;
	char badge[2] = { enc_mode_badge(m), '\0' };
	int attr = sel ? A_REVERSE | A_BOLD : m != HEAD_INPUT ? A_BOLD : A_DIM;

	term_text(cy, cx - 1, 1, badge, attr);
	if (a->ranked) {
		int r = stat_rank(a, layer, head);

		if (r >= 0 && r < (a->layers * a->heads + 3) / 4)
			term_text(cy, cx + a->grid.tw, 1, "\u2605", A_BOLD);
	}
}

static void
draw_header(app *a)
{
	const grid_layout *g = &a->grid;
	char buf[16];

	for (int h = 0; h < a->heads; h++) {
		int cy, cx;

		grid_cell_origin(g, g->first, h, &cy, &cx);
		snprintf(buf, sizeof buf, g->tw >= 3 ? "H%d" : "%d", h + 1);
		term_text(g->y0, cx, g->tw + 1, buf, h == a->sel_head ? A_BOLD | A_UNDERLINE : A_DIM);
	}
	for (int l = g->first; l < g->first + g->nvis; l++) {
		int cy, cx;

		grid_cell_origin(g, l, 0, &cy, &cx);
		snprintf(buf, sizeof buf, "L%d", l + 1);
		term_text(cy, g->x0, g->label_w - 1, buf, l == a->sel_layer ? A_BOLD | A_UNDERLINE : A_DIM);
	}
}

static void
draw_info(app *a, ui_rect r)
{
	char buf[256];
	int l = a->sel_layer, h = a->sel_head;
	double ent = a->front->entropy[l * a->heads + h];
	double jsd = a->cal != NULL && a->cal->stats != NULL ? a->cal->stats[l * a->heads + h].jsd : NAN;

	if (isnan(jsd))
		snprintf(buf, sizeof buf, " L%d H%d %s \u2502 entropy %.2f nats \u2502 Enter zoom  s stats  o rank",
		    l + 1, h + 1, enc_mode_name(app_mode(a, l, h)), ent);
	else
		snprintf(buf, sizeof buf, " L%d H%d %s \u2502 entropy %.2f \u2502 input dep. %.3f \u2502 Enter zoom",
		    l + 1, h + 1, enc_mode_name(app_mode(a, l, h)), ent, jsd);
	term_text(r.y + r.h - 1, r.x, r.w, buf, A_NORMAL);
	if (a->stats || a->ranked) {
		snprintf(buf, sizeof buf, " %s%s ", a->ranked ? "\u2605 lowest quarter by " : "showing ",
		    stat_names[a->stat]);
		term_text(r.y + r.h - 2, r.x, r.w, buf, A_DIM);
	}
}

static void
grid_draw(app *a, ui_rect r)
{
	int rc, cy, cx;
	double vmax;

	if (draw_pending(a, r))
		return;
	rc = grid_layout_compute(r.x, r.y, r.w, r.h - (a->stats || a->ranked ? 2 : 1), a->layers,
	    a->heads, a->front->n, term_rows_per_line(), a->sel_layer, a->grid.first, &a->grid);
	if (rc < 0) {
		a->grid.heads = 0;
		term_text(r.y + 1, r.x + 1, r.w - 1, "too many heads for this width: widen the window", A_BOLD);
		return;
	}
	vmax = a->stats ? stat_max(a) : 0;
	draw_header(a);
	for (int l = a->grid.first; l < a->grid.first + a->grid.nvis; l++)
		for (int h = 0; h < a->heads; h++) {
			grid_cell_origin(&a->grid, l, h, &cy, &cx);
			if (a->stats)
				draw_stat(a, l, h, cy, cx, vmax);
			else
				draw_thumb(a, l, h, cy, cx);
			draw_badge(a, l, h, cy, cx);
		}
	draw_info(a, r);
}

static void
move_sel(app *a, int dy, int dx)
{
	a->sel_layer = (a->sel_layer + dy + a->layers) % a->layers;
	a->sel_head = (a->sel_head + dx + a->heads) % a->heads;
}

static void
toggle_stat(app *a, bool rank)
{
	bool *flag = rank ? &a->ranked : &a->stats;

	/* a second press moves on to the next statistic, then turns it off */
	if (!*flag) {
		*flag = true;
		a->stat = STAT_ENTROPY;
	} else if (a->stat == STAT_ENTROPY && a->cal != NULL && a->cal->stats != NULL) {
		a->stat = STAT_JSD;
	} else {
		*flag = false;
	}
}

static bool
grid_key(app *a, int key)
{
	int dy, dx;

	if (keys_direction(key, &dy, &dx)) {
		move_sel(a, dy, dx);
	} else if (key == '\r' || key == '\n' || key == UI_FN(KEY_ENTER)) {
		a->view = VIEW_HEAD;
	} else if (key == 's' || key == 'o') {
		toggle_stat(a, key == 'o');
	} else {
		return false;
	}
	app_dirty(a);
	return true;
}

static bool
grid_click(app *a, int y, int x)
{
	int l, h;

	if (a->grid.heads == 0 || !grid_hit(&a->grid, y, x, &l, &h))
		return false;
	if (l == a->sel_layer && h == a->sel_head)
		a->view = VIEW_HEAD;   /* a second click zooms */
	a->sel_layer = l;
	a->sel_head = h;
	return true;
}

const ui_view view_grid = { "grid", grid_draw, grid_key, grid_click };
