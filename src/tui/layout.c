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

int
layout_grid_compute(int x, int y, int w, int h, int layers, int heads, int n,
		    int rpl, int sel, int first, grid_layout *g)
{
	int avail_w, avail_h, cell, pw, th, gap;

	g->label_w = 4;
	g->heads = heads;
	avail_w = w - g->label_w;
	avail_h = h - 1;                    /* the header row of head numbers */
	if (heads <= 0 || layers <= 0 || n <= 0 || avail_h < 1)
		return -1;
	cell = avail_w / heads;
	if (cell < 3)
		return -1;
	/* Square thumbnails where the height allows (a half-block pixel is
	 * about square), flatter ones rather than scrolling where it does
	 * not.  Short sentences in wide cells get whole pixels per token (up
	 * to 4), so every token keeps the same width. */
	pw = cell - 2 >= n ? n * imin((cell - 2) / n, 4) : cell - 2;
	gap = 1;
	th = (pw + rpl - 1) / rpl;
	while (th > 1 && layers * (th + gap) > avail_h)
		th--;
	if (layers * (th + gap) > avail_h)
		gap = 0;
	g->pw = g->tw = pw;
	g->ph = imin(th * rpl, pw);
	if (g->ph > n)   /* whole pixels per token down the side too */
		g->ph -= g->ph % n;
	g->th = (g->ph + rpl - 1) / rpl;
	g->cell_w = pw + 2;
	g->band = th + gap;
	g->nvis = imin(layers, avail_h / g->band);
	if (g->nvis < 1)
		return -1;
	g->first = layout_scroll(first, sel, g->nvis, layers);
	g->x0 = x + (w - g->label_w - heads * g->cell_w) / 2;
	g->y0 = y;
	return 0;
}

void
layout_cell_origin(const grid_layout *g, int layer, int head, int *cy, int *cx)
{
	*cy = g->y0 + 1 + (layer - g->first) * g->band;
	*cx = g->x0 + g->label_w + head * g->cell_w + 1;
}

bool
layout_grid_hit(const grid_layout *g, int cy, int cx, int *layer, int *head)
{
	int ry = cy - g->y0 - 1, rx = cx - g->x0 - g->label_w;

	if (ry < 0 || rx < 0 || ry / g->band >= g->nvis || rx / g->cell_w >= g->heads)
		return false;
	*layer = g->first + ry / g->band;
	*head = rx / g->cell_w;
	return true;
}
