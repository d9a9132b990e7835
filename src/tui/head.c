/* head.c — one head's whole matrix: query tokens down the left, key tokens
 * written vertically along the top, the weight under the cursor, a colour
 * legend, and scrolling for sentences longer than the screen.  `d` shows
 * this head's difference from its corpus average (diverging palette). */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "keys.h"
#include "term.h"
#include "tui.h"
#include "ui_model.h"

#define LABEL_MAX 12
#define HEADER_MAX 6
#define CELL_MAX 5

/* The matrix shown: the attention, or attention - average. */
static const float *
shown_matrix(app *a, float *vmax)
{
	int n = a->front->n;
	const float *m = app_attn(a, a->sel_layer, a->sel_head);

	if (!a->diff) {
		*vmax = ui_max(m, (size_t)n * n);
		return m;
	}
	float *d = app_scratch(a, (size_t)n * n);
	ui_diff_average(a->cal, a->sel_layer, a->sel_head, n, m, d);
	*vmax = ui_maxabs(d, (size_t)n * n);
	return d;
}

static int
label_width(app *a)
{
	int w = 3;

	for (int i = 0; i < a->front->n; i++) {
		const char *s = app_label(a, i);
		int lw = input_width(s, 0, strlen(s));

		if (lw > w)
			w = lw;
	}
	return w > LABEL_MAX ? LABEL_MAX : w;
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

static void
draw_col_labels(app *a, ui_rect cells, int hh, int ncols)
{
	char ch[8];

	for (int c = 0; c < ncols; c++) {
		int j = a->head_left + c;
		const char *s = app_label(a, j);
		int attr = j == a->cur_col ? A_REVERSE | A_BOLD : A_DIM;

		for (int k = 0; k < hh && nth_char(s, k, ch); k++)
			term_text(cells.y - hh + k, cells.x + c * a->head_cw, 1, ch, attr);
	}
}

/* Wide cells carry the weight in hundredths: " 89", "-12". */
static void
cell_text(float v, int cw, bool diff, char *out)
{
	int pct = (int)(v * 100 + (v < 0 ? -0.5f : 0.5f));

	out[0] = '\0';
	if (cw < 4)
		return;
	if (!diff && pct >= 100)
		snprintf(out, 16, " 1.0");
	else
		snprintf(out, 16, diff ? "%+3d" : " .%02d", pct);
}

static void
draw_cells(app *a, ui_rect cells, int nrows, int ncols, const float *m, float vmax)
{
	int n = a->front->n, lw = cells.x - 1;
	pal_kind k = a->diff ? PAL_DIVERGING : a->pal;
	char txt[16];

	for (int r = 0; r < nrows; r++) {
		int i = a->head_top + r;

		term_text(cells.y + r, 1, lw - 1, app_label(a, i),
		    i == a->cur_row ? A_REVERSE | A_BOLD : A_NORMAL);
		for (int c = 0; c < ncols; c++) {
			int j = a->head_left + c;
			float v = m[(size_t)i * n + j];
			double t = a->diff ? pal_scale_signed(v, vmax) : pal_scale(v, vmax);

			cell_text(v, a->head_cw, a->diff, txt);
			term_fill(cells.y + r, cells.x + c * a->head_cw, a->head_cw, k, t, txt,
			    i == a->cur_row && j == a->cur_col);
		}
	}
}

static void
draw_info(app *a, ui_rect r, const float *m, float vmax)
{
	char buf[256];
	int n = a->front->n, y = r.y + r.h - 1, used;
	float v = m[(size_t)a->cur_row * n + a->cur_col];

	snprintf(buf, sizeof buf, " L%d H%d %s \u2502 %s \u2192 %s  %s%.3f \u2502 ",
	    a->sel_layer + 1, a->sel_head + 1,
	    enc_mode_name(app_mode(a, a->sel_layer, a->sel_head)),
	    app_label(a, a->cur_row), app_label(a, a->cur_col), a->diff ? "\u0394 " : "", v);
	used = term_text(y, r.x, r.w, buf, A_BOLD);
	if (a->diff)
		draw_legend(a, y, r.x + used, r.w - used > 30 ? 30 : r.w - used, PAL_DIVERGING, -vmax, vmax);
	else
		draw_legend(a, y, r.x + used, r.w - used > 30 ? 30 : r.w - used, a->pal, 0, vmax);
	if (r.w - used > 44)
		term_text(y, r.x + used + 32, r.w - used - 32, a->diff ? "d: attention" : "d: \u2212 average",
		    A_DIM);
}

static void
head_draw(app *a, ui_rect r)
{
	int n, lw, hh, rows, cols_w, nrows, ncols;
	const float *m;
	float vmax;
	ui_rect cells;

	if (draw_pending(a, r))
		return;
	n = a->front->n;
	if (a->diff && (a->cal == NULL || app_mode(a, a->sel_layer, a->sel_head) == HEAD_AVERAGE))
		a->diff = false;
	m = shown_matrix(a, &vmax);
	lw = label_width(a) + 2;
	hh = r.h >= 16 ? HEADER_MAX : r.h >= 10 ? 3 : 1;
	rows = r.h - hh - 1;
	cols_w = r.w - lw - 1;
	a->head_cw = cols_w / n > CELL_MAX ? CELL_MAX : cols_w / n;
	if (a->head_cw < 1)
		a->head_cw = 1;
	nrows = n < rows ? n : rows;
	ncols = n < cols_w / a->head_cw ? n : cols_w / a->head_cw;
	a->head_top = ui_scroll(a->head_top, a->cur_row, nrows, n);
	a->head_left = ui_scroll(a->head_left, a->cur_col, ncols, n);
	cells = (ui_rect){ r.y + hh, r.x + lw, nrows, ncols * a->head_cw };
	a->head_cells = cells;
	draw_col_labels(a, cells, hh, ncols);
	draw_cells(a, cells, nrows, ncols, m, vmax);
	draw_info(a, r, m, vmax);
}

static bool
head_key(app *a, int key)
{
	int dy, dx, n = a->have_result ? a->front->n : 1;

	if (keys_direction(key, &dy, &dx)) {
		a->cur_row = ui_clamp(a->cur_row + dy, 0, n - 1);
		a->cur_col = ui_clamp(a->cur_col + dx, 0, n - 1);
	} else if (key == UI_FN(KEY_NPAGE) || key == UI_FN(KEY_PPAGE)) {
		int page = a->head_cells.h > 1 ? a->head_cells.h - 1 : 1;

		a->cur_row = ui_clamp(a->cur_row + (key == UI_FN(KEY_NPAGE) ? page : -page), 0, n - 1);
	} else if (key == '[' || key == ']') {
		int i = a->sel_layer * a->heads + a->sel_head + (key == ']' ? 1 : -1);
		int total = a->layers * a->heads;

		i = (i + total) % total;
		a->sel_layer = i / a->heads;
		a->sel_head = i % a->heads;
	} else if (key == 'd') {
		if (a->cal == NULL)
			app_message(a, "no calibration file: no averages to compare with");
		else if (app_mode(a, a->sel_layer, a->sel_head) == HEAD_AVERAGE)
			app_message(a, "this head already uses its average");
		else
			a->diff = !a->diff;
	} else {
		return false;
	}
	app_dirty(a);
	return true;
}

static bool
head_click(app *a, int y, int x)
{
	ui_rect c = a->head_cells;

	if (!a->have_result || y < c.y || y >= c.y + c.h || x < c.x || x >= c.x + c.w || a->head_cw < 1)
		return false;
	a->cur_row = a->head_top + (y - c.y);
	a->cur_col = a->head_left + (x - c.x) / a->head_cw;
	return true;
}

const ui_view view_head = { "head", head_draw, head_key, head_click };
