/* test_ui_layout.c — the overview grid fits, stays square, scrolls to the
 * selection and maps clicks back to heads, at several terminal sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>

#include "layout.h"

/* Check every invariant of one layout, then click every visible cell. */
static void
check(int w, int h, int layers, int heads, int n, int rpl, int sel)
{
	grid_layout g;
	int cy, cx, l, hd;

	assert_int_equal(layout_grid_compute(0, 2, w, h, layers, heads, n, rpl, sel, 0, &g), 0);
	assert_true(g.x0 >= 0);
	assert_true(g.x0 + g.label_w + heads * g.cell_w <= w);
	assert_true(g.nvis >= 1 && g.nvis <= layers);
	assert_true(2 + 1 + g.nvis * g.band <= 2 + h);
	assert_true(g.pw >= 1 && g.pw <= 4 * n);
	assert_true(g.pw <= n || g.pw % n == 0);     /* whole pixels per token */
	assert_true(g.ph >= 1 && g.ph <= g.pw);
	assert_true(g.th * rpl >= g.ph);             /* all pixel rows drawn */
	assert_true((g.th - 1) * rpl < g.ph);        /* and no empty text rows */
	assert_true(g.ph <= g.pw + rpl - 1);         /* never taller than wide */
	assert_true(g.tw == g.pw);
	assert_true(sel >= g.first && sel < g.first + g.nvis);
	for (l = g.first; l < g.first + g.nvis; l++)
		for (hd = 0; hd < heads; hd++) {
			int gl, gh;

			layout_cell_origin(&g, l, hd, &cy, &cx);
			assert_true(layout_grid_hit(&g, cy, cx, &gl, &gh));
			assert_int_equal(gl, l);
			assert_int_equal(gh, hd);
			assert_true(layout_grid_hit(&g, cy + g.th - 1, cx + g.tw - 1, &gl, &gh));
			assert_int_equal(gl, l);
			assert_int_equal(gh, hd);
		}
	assert_false(layout_grid_hit(&g, 2, g.x0 + g.label_w + 1, &l, &hd));   /* header row */
	assert_false(layout_grid_hit(&g, 10, g.x0, &l, &hd));                   /* layer labels */
}

static void
test_sizes(void **state)
{
	check(80, 20, 4, 8, 12, 2, 0);       /* heed-mini in 80x24 */
	check(80, 20, 2, 2, 7, 2, 1);        /* the tiny test model */
	check(80, 20, 12, 12, 40, 2, 11);    /* bert-base: must scroll */
	check(40, 6, 4, 8, 12, 2, 3);        /* the minimum size */
	check(250, 76, 12, 12, 128, 2, 5);   /* a large terminal */
	check(80, 20, 4, 8, 12, 1, 2);       /* ASCII: one matrix row per line */
}

/* Cell width in columns of a w-column area with `heads` thumbnails: the
 * "L12 " labels (4) and a margin (2) off, the rest shared; a thumbnail
 * gets all but its badge and gap (2). */
static int
widest(int w, int heads)
{
	return (w - 4 - 2) / heads - 2;
}

static void
test_square_and_big_enough(void **state)
{
	grid_layout g;
	const int mini_l = 4, mini_h = 8, base = 12;

	/* Plenty of room: whole pixels per token of a short sentence, as
	 * many as fit (at most 4), as tall as wide. */
	assert_int_equal(layout_grid_compute(0, 0, 200, 60, mini_l, mini_h, 9, 2, 0, 0, &g), 0);
	assert_int_equal(g.pw, 9 * (widest(200, mini_h) / 9));
	assert_int_equal(g.ph, g.pw);
	assert_int_equal(g.th, g.ph / 2);
	assert_int_equal(g.nvis, mini_l);
	/* A little room: one pixel per token, no stretching. */
	assert_true(widest(120, mini_h) / 9 == 1);
	assert_int_equal(layout_grid_compute(0, 0, 120, 60, mini_l, mini_h, 9, 2, 0, 0, &g), 0);
	assert_int_equal(g.pw, 9);
	/* 80x24 with heed-mini and a long sentence: every column of the cell,
	 * and the rows four bands of (rows + gap) leave under the header. */
	assert_int_equal(layout_grid_compute(0, 2, 80, 20, mini_l, mini_h, 40, 2, 0, 0, &g), 0);
	assert_int_equal(g.pw, widest(80, mini_h));
	assert_int_equal(g.band, (20 - 1) / mini_l);
	assert_int_equal(g.th, g.band - 1);
	assert_int_equal(g.ph, 2 * g.th);
	/* bert-base in 80x24: flat thumbnails, one text row, no gap, every
	 * layer still visible. */
	assert_int_equal(layout_grid_compute(0, 2, 80, 20, base, base, 40, 2, 0, 0, &g), 0);
	assert_int_equal(g.nvis, base);
	assert_int_equal(g.th, 1);
	assert_int_equal(g.band, 1);
	assert_int_equal(g.ph, 2);
	assert_int_equal(g.pw, widest(80, base));
}

/* Typing changes n on almost every word: the thumbnails' places must not
 * move with it (each move would repaint the whole grid). */
static void
test_places_do_not_follow_the_sentence(void **state)
{
	grid_layout g;
	int cy0, cx0, cy, cx;

	assert_int_equal(layout_grid_compute(0, 2, 80, 20, 4, 8, 3, 2, 0, 0, &g), 0);
	layout_cell_origin(&g, 3, 7, &cy0, &cx0);
	for (int n = 4; n <= 128; n++) {
		assert_int_equal(layout_grid_compute(0, 2, 80, 20, 4, 8, n, 2, 0, 0, &g), 0);
		layout_cell_origin(&g, 3, 7, &cy, &cx);
		assert_int_equal(cy, cy0);
		assert_int_equal(cx, cx0);
		assert_true(g.tw <= g.cell_w - 2);   /* the badge and a gap always fit */
	}
}

static void
test_scrolls_with_selection(void **state)
{
	grid_layout g;

	assert_int_equal(layout_grid_compute(0, 0, 80, 8, 12, 12, 20, 2, 11, 0, &g), 0);
	assert_int_equal(g.first + g.nvis, 12);
	assert_int_equal(layout_grid_compute(0, 0, 80, 8, 12, 12, 20, 2, 0, g.first, &g), 0);
	assert_int_equal(g.first, 0);
}

/* Models with many heads (12 x 12, 24 x 16) in the grid areas of windows
 * from 60x15 to 300x90 (less the info line and the legend): the cells
 * take the whole width, the bands leave no room for another layer, and
 * layers past the window are paged to, keeping the selection visible. */
static void
test_many_heads_fill_and_page(void **state)
{
	static const int sizes[][2] = { { 60, 10 }, { 80, 19 }, { 120, 40 }, { 300, 85 } };
	static const int models[][2] = { { 12, 12 }, { 24, 16 } };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
			int w = sizes[i][0], h = sizes[i][1], layers = models[m][0], heads = models[m][1];
			grid_layout g;

			check(w, h, layers, heads, 20, 2, layers - 1);
			assert_int_equal(layout_grid_compute(0, 0, w, h, layers, heads, 20, 2, 0, 0, &g), 0);
			/* the width: less than one cell left over */
			assert_true(w - g.label_w - heads * g.cell_w < heads + 2);
			/* the height: all layers, or no room for one more band */
			assert_true(g.nvis == layers || (h - 1) - g.nvis * g.band < g.band);
			/* paging: the last layer selected shows the last page */
			assert_int_equal(layout_grid_compute(0, 0, w, h, layers, heads, 20, 2, layers - 1,
			    0, &g), 0);
			assert_int_equal(g.first + g.nvis, layers);
		}
}

static void
test_too_small(void **state)
{
	grid_layout g;

	/* not even one head of the narrowest cell beside the layer labels */
	assert_int_equal(layout_grid_compute(0, 0, 8, 10, 2, 20, 9, 2, 0, 0, &g), -1);
	assert_int_equal(layout_grid_compute(0, 0, 80, 1, 2, 2, 9, 2, 0, 0, &g), -1);
}

/* More heads than the narrowest cell fits (32 heads in 80 columns, 20 in
 * the smallest window): a page of heads that follows the selection, whose
 * cells and clicks agree, and never wider than the window. */
static void
test_pages_heads_sideways(void **state)
{
	static const int cases[][3] = { { 80, 24, 32 }, { 40, 10, 20 }, { 60, 15, 40 } };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int w = cases[i][0], h = cases[i][1], heads = cases[i][2];
		int narrowest = 3, hfirst = 0;
		grid_layout g;

		assert_int_equal(layout_grid_compute(0, 0, w, h, 2, heads, 9, 2, 0, 0, &g), 0);
		assert_int_equal(g.cell_w, narrowest);
		assert_true(g.hvis >= 1 && g.hvis < heads);
		assert_true(g.label_w + g.hvis * g.cell_w <= w);
		for (int sel = 0; sel < heads; sel++) {
			int cy, cx, l, hh;

			layout_grid_follow_head(&g, sel, hfirst);
			hfirst = g.hfirst;
			assert_true(sel >= g.hfirst && sel < g.hfirst + g.hvis);
			assert_true(g.hfirst + g.hvis <= heads);
			layout_cell_origin(&g, 1, sel, &cy, &cx);
			assert_true(cx >= 0 && cx < w);
			assert_true(layout_grid_hit(&g, cy, cx, &l, &hh));
			assert_int_equal(l, 1);
			assert_int_equal(hh, sel);
		}
		/* the last head selected shows the last page; back to the first */
		assert_int_equal(g.hfirst + g.hvis, heads);
		layout_grid_follow_head(&g, 0, g.hfirst);
		assert_int_equal(g.hfirst, 0);
	}
}

static void
test_scroll_window(void **state)
{
	assert_int_equal(layout_scroll(0, 5, 10, 100), 0);
	assert_int_equal(layout_scroll(0, 12, 10, 100), 3);
	assert_int_equal(layout_scroll(20, 12, 10, 100), 12);
	assert_int_equal(layout_scroll(95, 99, 10, 100), 90);
	assert_int_equal(layout_scroll(5, 2, 10, 4), 0);
	assert_int_equal(layout_clamp(-3, 0, 8), 0);
	assert_int_equal(layout_clamp(9, 0, 8), 8);
	assert_int_equal(layout_clamp(4, 0, 8), 4);
}

/* Does a fit for c tokens put the first cur tokens on the pixels a fit
 * for cur puts them (whole pixels per token, as many each)? */
static bool
promoted(int w, int h, int cur, int c)
{
	grid_layout a, b;

	if (cur <= 0)
		return false;
	assert_int_equal(layout_grid_compute(0, 0, w, h, 4, 8, cur, 2, 0, 0, &a), 0);
	assert_int_equal(layout_grid_compute(0, 0, w, h, 4, 8, c, 2, 0, 0, &b), 0);
	return a.pw % cur == 0 && a.ph % cur == 0 && b.pw % c == 0 && b.ph % c == 0 &&
	    a.pw / cur == b.pw / c && a.ph / cur == b.ph / c;
}

/* While keys arrive a thumbnail's fit changes only when the sentence
 * outgrows it (or shrinks below a third of it); each step leaves room
 * for half as many tokens again; a rung holds itself. */
static void
test_capacity_steps(void **state)
{
	static const int sizes[][2] = { { 77, 20 }, { 197, 56 }, { 120, 30 }, { 44, 12 } };

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		int w = sizes[s][0], h = sizes[s][1], cur = 0, steps = 0;

		for (int n = 1; n <= 128; n++) {
			int c = layout_grid_capacity(w, h, 4, 8, 2, n, cur);

			assert_true(c >= n);
			if (cur >= n && 3 * n > cur) {
				assert_int_equal(c, cur);   /* within the fit: no refit */
			} else if (promoted(w, h, cur, c)) {
				assert_true(c >= n);            /* the same pixels, more room */
			} else {
				assert_true(2 * c >= 3 * n);    /* room for n / 2 more */
				assert_int_equal(layout_grid_capacity(w, h, 4, 8, 2, n, c), c);
				steps++;
			}
			cur = c;
		}
		/* a geometric ladder: a handful of refits for 128 keys' tokens */
		assert_true(steps >= 2 && steps <= 12);
		/* a sentence that fills its fit keeps it; a fit has at most a
		 * pixel row per token, so a typed token costs one */
		for (int n = 1; n <= 128; n++) {
			int c = layout_grid_capacity(w, h, 4, 8, 2, n, 0);
			grid_layout g;

			assert_int_equal(layout_grid_capacity(w, h, 4, 8, 2, c, c), c);
			assert_int_equal(layout_grid_compute(0, 0, w, h, 4, 8, c, 2, 0, 0, &g), 0);
			assert_true(g.ph <= c);
		}
	}
	/* shrinking: a sentence cleared in a burst gets a small fit again */
	assert_true(layout_grid_capacity(197, 56, 4, 8, 2, 2, 44) < 44);
	/* nothing to fit */
	assert_int_equal(layout_grid_capacity(197, 56, 4, 8, 2, 0, 10), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_square_and_big_enough),
		cmocka_unit_test(test_places_do_not_follow_the_sentence),
		cmocka_unit_test(test_scrolls_with_selection),
		cmocka_unit_test(test_many_heads_fill_and_page),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_pages_heads_sideways),
		cmocka_unit_test(test_scroll_window),
		cmocka_unit_test(test_capacity_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
