/* layout.h — where things go on the screen, as pure arithmetic so it can be
 * tested at any terminal size without a terminal. */
#ifndef HEED_TUI_LAYOUT_H
#define HEED_TUI_LAYOUT_H

#include <stdbool.h>

/* Below this the screen says "enlarge the window". */
#define UI_MIN_COLS 40
#define UI_MIN_ROWS 10

/* The overview grid: one thumbnail per (layer, head).  A cell is a mode
 * badge, the thumbnail, and a gap; a band of rows per layer.  Cells and
 * bands depend on the window only, so typing never moves a thumbnail; the
 * thumbnail inside depends on n: a token gets 1-4 whole pixels, or, past
 * the cell's width, each pixel is the mean of the tokens it covers. */
typedef struct grid_layout {
	int x0, y0;          /* top-left of the grid (header row) */
	int label_w;         /* "L12 " */
	int cell_w;          /* badge + widest thumbnail + gap */
	int tw, th;          /* thumbnail: columns, text rows */
	int pw, ph;          /* thumbnail pixels: columns (== tw), rows (<= th * rpl, <= pw) */
	int band;            /* text rows per layer (th + gap) */
	int first, nvis;     /* visible layers (scrolls when they don't fit) */
	int hfirst, hvis;    /* visible heads (pages sideways when even the
			      * narrowest cell does not fit them all) */
	int heads;
} grid_layout;

/* Lay out layers x heads thumbnails of an n-token input in a w x h area at
 * (x, y); rpl = matrix rows per text row (2 with half-blocks, 1 in ASCII).
 * sel is the selected layer, kept visible; first is the previous scroll
 * position.  Returns 0, or -1 when the area is too small. */
int layout_grid_compute(int x, int y, int w, int h, int layers, int heads, int n,
			int rpl, int sel, int first, grid_layout *g);
/* The token capacity to fit thumbnails for while keys arrive, n tokens
 * now and cur the capacity on screen (0: none).  It stays cur while n
 * fits in it and fills more than a third of it, so typing adds a token's
 * pixels and moves none.  Otherwise it holds at least as many tokens as
 * a pixel each fits (a typed token then costs one row and one column of
 * pixels, not four: a short sentence fills its thumbnail at rest only),
 * and room for half as many again: a fit of one pixel per token grows to
 * the top of its band, which moves no pixel, or the capacity steps up a
 * ladder: the largest n that each whole number of pixels per token (1-4,
 * across or down) still fits, then the widest thumbnail's pixel count
 * doubled. */
int layout_grid_capacity(int w, int h, int layers, int heads, int rpl, int n, int cur);
/* Keep head sel among the visible heads, moving as little as possible from
 * hfirst (the previous position); a grid that shows every head is unmoved. */
void layout_grid_follow_head(grid_layout *g, int sel, int hfirst);
/* Screen position of the thumbnail of (layer, head): top-left of its pixels.
 * Only for visible heads (hfirst <= head < hfirst + hvis). */
void layout_cell_origin(const grid_layout *g, int layer, int head, int *cy, int *cx);
/* Which (layer, head) a click at (cy, cx) falls on. */
bool layout_grid_hit(const grid_layout *g, int cy, int cx, int *layer, int *head);

/* v limited to [lo, hi]. */
int layout_clamp(int v, int lo, int hi);

/* First index of a window of `vis` items out of n that keeps cur visible,
 * moving as little as possible from first. */
int layout_scroll(int first, int cur, int vis, int n);

#endif
