/* tokens.c — one query token at a time: where it attends in every head of
 * the selected layer, one row of bars per head.  `r` switches to attention
 * rollout (Abnar & Zuidema 2020): one row per layer, how much of each
 * input token has flowed into the query's representation by then. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "term.h"
#include "tui.h"
#include "ui_model.h"

#define COL_MAX 8

/* The rows shown: heads of the layer, or rollout per layer.  Returns the
 * number of rows; rows[i] points at an n-float attention row. */
static int
rows_shown(app *a, const float **rows, int max)
{
	int n = a->front->n, count = 0;
	size_t nn = (size_t)n * n;

	if (a->rollout) {
		float *buf = app_scratch(a, nn * (size_t)(a->layers + 2));

		ui_rollout(a->front->attn, a->layers, a->heads, n, buf, buf + nn * a->layers);
		for (int l = 0; l < a->layers && count < max; l++)
			rows[count++] = buf + l * nn + (size_t)a->query * n;
		return count;
	}
	for (int h = 0; h < a->heads && count < max; h++)
		rows[count++] = app_attn(a, a->sel_layer, h) + (size_t)a->query * n;
	return count;
}

static int
col_width(app *a, int avail)
{
	int n = a->front->n, w = COL_MAX;

	while (w > 2 && n * w > avail)
		w--;
	return w;
}

static void
draw_key_labels(app *a, int y, int x, int cw, int first, int ncols)
{
	for (int c = 0; c < ncols; c++)
		term_text(y, x + c * cw, cw - 1, app_label(a, first + c),
		    first + c == a->query ? A_BOLD | A_UNDERLINE : A_DIM);
}

static void
tokens_draw(app *a, ui_rect r)
{
	const float *rows[256];
	char buf[200];
	int nrows, cw, ncols, first, lab = 5, bar_h;

	if (draw_pending(a, r))
		return;
	nrows = rows_shown(a, rows, 256);
	cw = col_width(a, r.w - lab - 1);
	ncols = (r.w - lab - 1) / cw;
	if (ncols > a->front->n)
		ncols = a->front->n;
	first = ui_scroll(0, a->query, ncols, a->front->n);
	bar_h = (r.h - 3) / (nrows > 0 ? nrows : 1);
	if (bar_h > 2)
		bar_h = 2;
	if (bar_h < 1)
		bar_h = 1;
	draw_key_labels(a, r.y, r.x + lab, cw, first, ncols);
	for (int i = 0; i < nrows && r.y + 1 + (i + 1) * bar_h <= r.y + r.h - 2; i++) {
		float vmax = ui_max(rows[i], (size_t)a->front->n);
		int y = r.y + 1 + i * bar_h;

		snprintf(buf, sizeof buf, a->rollout ? "L%d" : "H%d", i + 1);
		term_text(y + bar_h - 1, r.x + 1, lab - 1, buf,
		    !a->rollout && i == a->sel_head ? A_BOLD | A_UNDERLINE : A_DIM);
		for (int c = 0; c < ncols; c++) {
			double t = pal_scale(rows[i][first + c], vmax);

			/* two-line bars: the lower line fills first */
			if (bar_h == 2) {
				term_vbar(y, r.x + lab + c * cw, cw - 1, a->pal, t > 0.5 ? 2 * t - 1 : 0);
				term_vbar(y + 1, r.x + lab + c * cw, cw - 1, a->pal, t > 0.5 ? 1 : 2 * t);
			} else {
				term_vbar(y, r.x + lab + c * cw, cw - 1, a->pal, t);
			}
		}
	}
	snprintf(buf, sizeof buf, a->rollout
	    ? " query %s (%d/%d) \u2502 rollout through each layer \u2502 \u2190\u2192 query  r heads"
	    : " query %s (%d/%d) \u2502 layer %d, each head \u2502 \u2190\u2192 query  \u2191\u2193 layer  r rollout",
	    app_label(a, a->query), a->query + 1, a->front->n, a->sel_layer + 1);
	term_text(r.y + r.h - 1, r.x, r.w, buf, A_NORMAL);
}

static bool
tokens_key(app *a, int key)
{
	int dy, dx, n = a->have_result ? a->front->n : 1;

	if (keys_direction(key, &dy, &dx)) {
		a->query = (a->query + dx + n) % n;
		a->sel_layer = (a->sel_layer + dy + a->layers) % a->layers;
	} else if (key == 'r') {
		a->rollout = !a->rollout;
	} else {
		return false;
	}
	app_dirty(a);
	return true;
}

const ui_view view_tokens = { "tokens", tokens_draw, tokens_key, NULL };
