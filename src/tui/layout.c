/* layout.c — grid and scrolling arithmetic (see layout.h). */
#include "layout.h"

int
layout_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
layout_scroll(int first, int cur, int vis, int n)
{
	if (vis <= 0)
		return cur;
	if (cur < first)
		first = cur;
	if (cur >= first + vis)
		first = cur - vis + 1;
	if (first > n - vis)
		first = n - vis;
	return first < 0 ? 0 : first;
}

static int
imin(int a, int b)
{
	return a < b ? a : b;
}

static int
imax(int a, int b)
{
	return a > b ? a : b;
}

/* Pixels for n tokens in at most max: whole pixels per token (at most
 * kmax) when they fit, else all max pixels, each the mean of the tokens
 * it covers. */
static int
pixels_for(int n, int max, int kmax)
{
	return n <= max ? n * imin(max / n, kmax) : max;
}

int
layout_grid_compute(int x, int y, int w, int h, int layers, int heads, int n,
		    int rpl, int sel, int first, grid_layout *g)
{
	int avail_w, avail_h, cell, maxw, maxh, th, gap;

	g->label_w = 4;
	g->heads = heads;
	avail_w = w - g->label_w;
	avail_h = h - 1;                    /* the header row of head numbers */
	if (heads <= 0 || layers <= 0 || n <= 0 || avail_h < 1)
		return -1;
	cell = (avail_w - 2) / heads;     /* a margin of one column or more each side */
	g->hfirst = 0;
	g->hvis = heads;
	if (cell < 3) {
		/* too many heads for the width (24 of them in 60 columns): the
		 * narrowest cell, and a page of heads that follows the selection */
		cell = 3;
		g->hvis = (avail_w - 2) / cell;
		if (g->hvis < 1)
			return -1;
	}
	/* Where each thumbnail goes depends on the window alone, never on the
	 * sentence: typing must not move the grid.  Square thumbnails where
	 * the height allows (a half-block pixel is about square), flatter ones
	 * rather than scrolling where it does not. */
	maxw = cell - 2;
	gap = 1;
	th = (maxw + rpl - 1) / rpl;
	while (th > 1 && layers * (th + gap) > avail_h)
		th--;
	if (layers * (th + gap) > avail_h)
		gap = 0;
	maxh = imin(th * rpl, maxw);
	/* Short sentences get whole pixels per token (up to 4), so every token
	 * keeps the same width, and never more down than across. */
	g->pw = g->tw = pixels_for(n, maxw, 4);
	g->ph = pixels_for(n, maxh, g->pw >= n ? g->pw / n : 1);
	g->th = (g->ph + rpl - 1) / rpl;
	g->cell_w = cell;
	g->band = th + gap;
	g->nvis = imin(layers, avail_h / g->band);
	if (g->nvis < 1)
		return -1;
	g->first = layout_scroll(first, sel, g->nvis, layers);
	g->x0 = x + (w - g->label_w - g->hvis * g->cell_w) / 2;
	g->y0 = y;
	return 0;
}

int
layout_grid_capacity(int w, int h, int layers, int heads, int rpl, int n, int cur)
{
	grid_layout g;
	int want = n + (n + 1) / 2, best = 0, m[2];

	if (n < 1)
		return n;
	if (cur >= n && 3 * n > cur)
		return cur;
	/* the thumbnail's largest size: what a sentence longer than it gets */
	if (layout_grid_compute(0, 0, w, h, layers, heads, 1 << 20, rpl, 0, 0, &g) < 0)
		return n;
	m[0] = g.pw;
	m[1] = g.ph;
	/* a pixel per token at most: a token typed costs a row and a column
	 * of pixels, however short the sentence (at rest it gets up to 4) */
	if (want < imin(m[0], m[1]))
		want = imin(m[0], m[1]);
	/* whole pixels per token: the fit stays the same up to the top of
	 * its band, so a sentence that grows into it moves no pixel */
	if (cur > 0 && n > cur && layout_grid_compute(0, 0, w, h, layers, heads, cur, rpl, 0, 0,
	    &g) == 0 && g.pw % cur == 0 && g.ph % cur == 0 && g.pw >= cur && g.ph >= cur) {
		int top = imin(m[0] / (g.pw / cur), m[1] / (g.ph / cur));

		if (n <= top && top >= want)
			return top;
	}
	for (int k = 1; k <= 4; k++)
		for (int i = 0; i < 2; i++) {
			int r = m[i] / k;

			if (r >= want && (best == 0 || r < best))
				best = r;
		}
	if (best == 0)
		for (best = imax(m[0], m[1]); best < want; best *= 2)
			;
	return best;
}

void
layout_grid_follow_head(grid_layout *g, int sel, int hfirst)
{
	g->hfirst = layout_scroll(hfirst, sel, g->hvis, g->heads);
}

void
layout_cell_origin(const grid_layout *g, int layer, int head, int *cy, int *cx)
{
	*cy = g->y0 + 1 + (layer - g->first) * g->band;
	*cx = g->x0 + g->label_w + (head - g->hfirst) * g->cell_w + 1;
}

bool
layout_grid_hit(const grid_layout *g, int cy, int cx, int *layer, int *head)
{
	int ry = cy - g->y0 - 1, rx = cx - g->x0 - g->label_w;

	if (ry < 0 || rx < 0 || ry / g->band >= g->nvis || rx / g->cell_w >= g->hvis)
		return false;
	*layer = g->first + ry / g->band;
	*head = g->hfirst + rx / g->cell_w;
	return true;
}
