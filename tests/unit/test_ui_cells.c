/* test_ui_cells.c — the cell renderer (cells.c, which term.c draws
 * through): the bytes it sends are replayed on a model terminal, which
 * must then show what the frame holds, frame after frame, at every colour
 * depth; and it sends no more than it must: nothing for an unchanged
 * frame, one cell for a one-cell change, no colour for a half-block it can
 * turn upside down.
 *
 * The model knows what the renderer may send (CUP, CUF, CUD, CUB, CHA,
 * backspace, ED 2, SGR, the cursor's DECTCEM, UTF-8) and fails on
 * anything else, and on a character
 * printed past the last column (the renderer must never rely on a wrap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cells.h"
#include "heed/util.h"

enum { ROWS = 6, COLS = 20 };

/* ---- the model terminal -------------------------------------------------- */

typedef struct vt {
	cell c[ROWS][COLS];
	int y, x;            /* x == COLS: past the last column */
	cell pen;
	bool cursor;
} vt;

static const cell vt_blank = { ' ', CELL_NO_COLOUR, CELL_NO_COLOUR, 0 };

static void
vt_init(vt *t)
{
	for (int y = 0; y < ROWS; y++)
		for (int x = 0; x < COLS; x++)
			t->c[y][x] = (cell){ '?', 12345, 12345, 0 };   /* unknown until cleared */
	t->y = t->x = 0;
	t->pen = vt_blank;
	t->cursor = true;
}

/* The test's double-width characters: CJK ideographs. */
static int
vt_width(uint32_t ch)
{
	return ch >= 0x4E00 && ch <= 0x9FFF ? 2 : 1;
}

static void vt_sgr(vt *t, pal_depth d, const int *p, int n);

static void
vt_print(vt *t, uint32_t ch)
{
	int w = vt_width(ch);
	cell *row = t->c[t->y];

	assert_true(t->x + w <= COLS);   /* never printed into a wrap */
	/* as xterm: a double-width character half overwritten is blanked */
	for (int p = t->x; p < t->x + w; p++) {
		if (row[p].ch == CELL_WIDE_TAIL && p > 0)
			row[p - 1] = (cell){ ' ', row[p - 1].fg, row[p - 1].bg, 0 };
		if (p + 1 < COLS && row[p + 1].ch == CELL_WIDE_TAIL)
			row[p + 1] = (cell){ ' ', row[p + 1].fg, row[p + 1].bg, 0 };
	}
	row[t->x] = (cell){ ch, t->pen.fg, t->pen.bg, t->pen.attr };
	if (w == 2)
		row[t->x + 1] = (cell){ CELL_WIDE_TAIL, t->pen.fg, t->pen.bg, t->pen.attr };
	t->x += w;
}

/* Replay n bytes of renderer output. */
static void
vt_feed(vt *t, pal_depth d, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b = (unsigned char)s[i];

		if (b == 0x1b) {
			int p[16], np = 0, v = -1;
			bool priv = false;
			char fin;

			assert_true(i + 1 < n && s[i + 1] == '[');
			i += 2;
			if (i < n && s[i] == '?')
				priv = true, i++;
			for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ';'); i++) {
				if (s[i] == ';') {
					assert_true(np < 16);
					p[np++] = v < 0 ? 0 : v;
					v = -1;
				} else {
					v = (v < 0 ? 0 : v * 10) + (s[i] - '0');
				}
			}
			assert_true(i < n);
			if (v >= 0 || np > 0)
				p[np++] = v < 0 ? 0 : v;
			fin = s[i++];
			if (priv) {
				assert_true(np == 1 && p[0] == 25 && (fin == 'h' || fin == 'l'));
				t->cursor = fin == 'h';
			} else if (fin == 'H') {
				t->y = (np > 0 && p[0] > 0 ? p[0] : 1) - 1;
				t->x = (np > 1 && p[1] > 0 ? p[1] : 1) - 1;
				assert_true(t->y < ROWS && t->x < COLS);
			} else if (fin == 'C') {
				t->x += np > 0 && p[0] > 0 ? p[0] : 1;
				assert_true(t->x < COLS);
			} else if (fin == 'B') {
				t->y += np > 0 && p[0] > 0 ? p[0] : 1;
				assert_true(t->y < ROWS && t->x < COLS);
			} else if (fin == 'D') {
				t->x -= np > 0 && p[0] > 0 ? p[0] : 1;
				assert_true(t->x >= 0);
			} else if (fin == 'G') {
				t->x = (np > 0 && p[0] > 0 ? p[0] : 1) - 1;
				assert_true(t->x < COLS);
			} else if (fin == 'J') {
				assert_true(np == 1 && p[0] == 2);
				/* cleared with the default colours: the pen is reset first */
				assert_true(t->pen.bg == CELL_NO_COLOUR);
				for (int y = 0; y < ROWS; y++)
					for (int x = 0; x < COLS; x++)
						t->c[y][x] = vt_blank;
			} else if (fin == 'm') {
				if (np == 0)
					p[np++] = 0;
				vt_sgr(t, d, p, np);
			} else {
				fail_msg("unexpected sequence ending in '%c'", fin);
			}
			continue;
		}
		if (b == '\b') {   /* one back, never past the pending wrap */
			assert_true(t->x > 0 && t->x < COLS);
			t->x--;
			i++;
			continue;
		}
		{
			uint32_t cp;
			int len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;

			assert_true(b >= 0x20 && b != 0x7f);
			assert_true(i + (size_t)len <= n);
			cp = len == 1 ? b : (uint32_t)(b & (0x7F >> len));
			for (int k = 1; k < len; k++)
				cp = cp << 6 | ((unsigned char)s[i + k] & 0x3F);
			vt_print(t, cp);
			i += (size_t)len;
		}
	}
}

static void
vt_sgr(vt *t, pal_depth d, const int *p, int n)
{
	for (int i = 0; i < n; i++) {
		int v = p[i];

		if (v == 0)
			t->pen = vt_blank;
		else if (v == 1)
			t->pen.attr |= CELL_BOLD;
		else if (v == 2)
			t->pen.attr |= CELL_DIM;
		else if (v == 4)
			t->pen.attr |= CELL_UNDER;
		else if (v == 7)
			t->pen.attr |= CELL_REVERSE;
		else if (v == 39)
			t->pen.fg = CELL_NO_COLOUR;
		else if (v == 49)
			t->pen.bg = CELL_NO_COLOUR;
		else if (d == DEPTH_8 && v >= 30 && v <= 37)
			t->pen.fg = v - 30;
		else if (d == DEPTH_8 && v >= 40 && v <= 47)
			t->pen.bg = v - 40;
		else if ((v == 38 || v == 48) && d == DEPTH_256 && i + 2 < n && p[i + 1] == 5) {
			*(v == 38 ? &t->pen.fg : &t->pen.bg) = p[i + 2];
			i += 2;
		} else if ((v == 38 || v == 48) && d == DEPTH_DIRECT && i + 4 < n && p[i + 1] == 2) {
			*(v == 38 ? &t->pen.fg : &t->pen.bg) = p[i + 2] << 16 | p[i + 3] << 8 | p[i + 4];
			i += 4;
		} else {
			fail_msg("unexpected SGR parameter %d at depth %d", v, (int)d);
		}
	}
}

/* What a cell looks like: a half-block is two pixels whichever way up it
 * was sent, and a space shows no foreground (unless underlined or
 * reversed). */
typedef struct look {
	uint32_t ch;
	int32_t a, b;
	uint8_t attr;
} look;

static look
look_of(const cell *c)
{
	bool plain = !(c->attr & (CELL_UNDER | CELL_REVERSE));

	if (c->ch == CELL_UPPER_HALF && c->attr == 0)
		return (look){ 'H', c->fg, c->bg, 0 };
	if (c->ch == 0x2584 && c->attr == 0)
		return (look){ 'H', c->bg, c->fg, 0 };
	if (c->ch == ' ' && plain && c->attr == 0)
		return (look){ 'H', c->bg, c->bg, 0 };
	if (c->ch == ' ' && plain)
		return (look){ ' ', 0, c->bg, c->attr };
	return (look){ c->ch, c->fg, c->bg, c->attr };
}

/* The model shows exactly the frame s holds. */
static void
assert_shows(const vt *t, const cell_screen *s)
{
	for (int y = 0; y < ROWS; y++)
		for (int x = 0; x < COLS; x++) {
			look want = look_of(cells_at(s, y, x)), got = look_of(&t->c[y][x]);

			if (want.ch != got.ch || want.a != got.a || want.b != got.b ||
			    want.attr != got.attr)
				fail_msg("cell (%d, %d): want U+%04X %d/%d attr %d, terminal shows "
				    "U+%04X %d/%d attr %d", y, x, (unsigned)want.ch, want.a, want.b,
				    want.attr, (unsigned)got.ch, got.a, got.b, got.attr);
		}
}

/* Render, replay everything sent, and return how many bytes it took. */
static size_t
render(cell_screen *s, vt *t, pal_depth d)
{
	size_t len, n = cells_render(s);
	const char *out = cells_output(s, &len);

	assert_int_equal(len, n);
	vt_feed(t, d, out, len);
	cells_sent(s, len);
	return n;
}

/* Render: the output must be exactly want; then replay it. */
static void
render_exactly(cell_screen *s, vt *t, pal_depth d, const char *want, size_t want_len)
{
	size_t len;
	const char *out;

	cells_render(s);
	out = cells_output(s, &len);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, len);
	vt_feed(t, d, out, len);
	cells_sent(s, len);
	assert_shows(t, s);
}

/* ---- frames -------------------------------------------------------------- */

static const pal_depth depths[] = { DEPTH_NONE, DEPTH_8, DEPTH_256, DEPTH_DIRECT };

static int
colour(pal_depth d, uint64_t r)
{
	static const int c256[] = { 53, 54, 60, 24, 30, 36, 72, 77, 149, 220 };
	static const int direct[] = { 0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725 };

	if (r % 7 == 0 || d == DEPTH_NONE)
		return CELL_NO_COLOUR;
	if (d == DEPTH_8)
		return (int)(r % 8);
	if (d == DEPTH_256)
		return c256[r % (sizeof c256 / sizeof c256[0])];
	return direct[r % (sizeof direct / sizeof direct[0])];
}

/* One random cell at (y, x): a half-block pixel pair (often repeating its
 * neighbour's colours, as heatmaps do), text with attributes, a space, or
 * a double-width character. */
static void
random_cell(cell_screen *s, pal_depth d, uint64_t *rng, int y, int x)
{
	static const uint8_t attrs[] = { 0, 0, 0, CELL_BOLD, CELL_DIM, CELL_UNDER, CELL_REVERSE,
	    CELL_BOLD | CELL_REVERSE };
	uint64_t r = util_splitmix64(rng);
	int kind = (int)(r % 10);

	r >>= 8;
	if (kind < 5 && d != DEPTH_NONE)
		cells_put(s, y, x, CELL_UPPER_HALF, 1, 0, colour(d, r % 5 + 1), colour(d, r / 5 % 5 + 1));
	else if (kind < 8)
		cells_put(s, y, x, (uint32_t)('a' + r % 26), 1, attrs[r / 26 % 8], colour(d, r / 256),
		    colour(d, r / 4096));
	else if (kind < 9)
		cells_put(s, y, x, ' ', 1, attrs[r % 8], colour(d, r / 8), colour(d, r / 64));
	else
		cells_put(s, y, x, (uint32_t)(0x4E00 + r % 64), 2, attrs[r / 64 % 8],
		    colour(d, r / 4096), colour(d, r / 65536));
}

/* Frame after frame, each a random change of the last one (a few cells,
 * a row, or everything), with the cursor shown or hidden: after every
 * render the terminal shows the frame. */
static void
test_replay_random_frames(void **state)
{
	(void)state;
	for (size_t di = 0; di < sizeof depths / sizeof depths[0]; di++) {
		pal_depth d = depths[di];
		cell_screen *s = cells_new(d);
		cell frame[ROWS][COLS];
		uint64_t rng = 42 + di;
		vt t;

		vt_init(&t);
		for (int y = 0; y < ROWS; y++)
			for (int x = 0; x < COLS; x++)
				frame[y][x] = vt_blank;
		for (int f = 0; f < 300; f++) {
			int changes = f % 10 == 0 ? ROWS * COLS : (int)(util_splitmix64(&rng) % 12);
			int cy = -1, cx = 0;

			cells_begin(s, ROWS, COLS);
			for (int y = 0; y < ROWS; y++)
				for (int x = 0; x < COLS; x++)
					if (frame[y][x].ch != CELL_WIDE_TAIL)
						cells_put(s, y, x, frame[y][x].ch,
						    x + 1 < COLS && frame[y][x + 1].ch == CELL_WIDE_TAIL ? 2 : 1,
						    frame[y][x].attr, frame[y][x].fg, frame[y][x].bg);
			for (int k = 0; k < changes; k++) {
				uint64_t r = util_splitmix64(&rng);
				int y = (int)(r % ROWS), x = (int)(r / ROWS % COLS);

				if (changes == ROWS * COLS)
					y = k / COLS, x = k % COLS;
				random_cell(s, d, &rng, y, x);
			}
			if (f % 3 == 0) {
				cy = (int)(util_splitmix64(&rng) % ROWS);
				cx = (int)(util_splitmix64(&rng) % COLS);
				cells_cursor(s, cy, cx);
			}
			if (f == 150)
				cells_invalidate(s);   /* as after a resize: all again */
			render(s, &t, d);
			assert_shows(&t, s);
			assert_int_equal(t.cursor, cy >= 0);
			if (cy >= 0) {
				assert_int_equal(t.y, cy);
				assert_int_equal(t.x, cx);
			}
			/* the frame as drawn, overwritten wide halves and all */
			for (int y = 0; y < ROWS; y++)
				for (int x = 0; x < COLS; x++)
					frame[y][x] = *cells_at(s, y, x);
		}
		cells_free(s);
	}
}

/* The same frame again sends nothing; one changed cell sends one cell:
 * where, its colours, the character. */
static void
draw_plain(cell_screen *s)
{
	cells_begin(s, ROWS, COLS);
	for (int y = 0; y < ROWS; y++)
		for (int x = 0; x < COLS; x++)
			cells_put(s, y, x, CELL_UPPER_HALF, 1, 0, 16 + (x + y) % 3, 16 + x % 4);
}

static void
test_only_changes_sent(void **state)
{
	static const char one[] = "\033[4;8H\033[38;5;200;48;5;201m\xe2\x96\x80";
	cell_screen *s = cells_new(DEPTH_256);
	vt t;

	(void)state;
	vt_init(&t);
	draw_plain(s);
	assert_true(render(s, &t, DEPTH_256) > ROWS * COLS);
	assert_shows(&t, s);
	draw_plain(s);
	assert_int_equal(render(s, &t, DEPTH_256), 0);
	draw_plain(s);
	cells_put(s, 3, 7, CELL_UPPER_HALF, 1, 0, 200, 201);
	render_exactly(s, &t, DEPTH_256, one, sizeof one - 1);
	/* and back: the pen is 200 over 201, the cell wants 18 over 19 */
	draw_plain(s);
	assert_true(render(s, &t, DEPTH_256) <= sizeof one - 1);
	assert_shows(&t, s);
	cells_free(s);
}

/* A half-block whose colours are the pen's the other way round goes out
 * as a lower half-block with no SGR at all; one whose halves match is a
 * space in the background colour. */
static void
test_half_blocks_cheap(void **state)
{
	static const char want[] = "\033[0m\033[H\033[2J"
	    "\033[38;5;60;48;5;30m\xe2\x96\x80"    /* 60 over 30 */
	    "\xe2\x96\x84"                          /* 30 over 60: upside down */
	    "\033[48;5;60m ";                       /* 60 over 60: a space */
	cell_screen *s = cells_new(DEPTH_256);
	vt t;

	(void)state;
	vt_init(&t);
	cells_begin(s, ROWS, COLS);
	cells_put(s, 0, 0, CELL_UPPER_HALF, 1, 0, 60, 30);
	cells_put(s, 0, 1, CELL_UPPER_HALF, 1, 0, 30, 60);
	cells_put(s, 0, 2, CELL_UPPER_HALF, 1, 0, 60, 60);
	render_exactly(s, &t, DEPTH_256, want, sizeof want - 1);
	cells_free(s);
}

/* A 256-colour terminal cleared by a blank frame, and the next frame
 * begun on s. */
static void
blank_start(cell_screen *s, vt *t)
{
	vt_init(t);
	cells_begin(s, ROWS, COLS);
	render(s, t, DEPTH_256);
	cells_begin(s, ROWS, COLS);
}

/* A heatmap row whose cells alternate between two colour pairs goes out
 * a colour at a time (the cursor skipping, then coming back), not with a
 * colour change for every cell; the terminal shows it all the same. */
static void
test_colour_runs(void **state)
{
	cell_screen *s = cells_new(DEPTH_256);
	vt t;
	size_t n;

	(void)state;
	blank_start(s, &t);
	for (int x = 0; x < 16; x++)
		cells_put(s, 2, x, CELL_UPPER_HALF, 1, 0, x % 2 ? 77 : 60, x % 2 ? 24 : 30);
	n = render(s, &t, DEPTH_256);
	assert_shows(&t, s);
	/* in order: a 19-byte SGR and a 3-byte block per cell */
	assert_true(n < 16 * (19 + 3) / 2);
	cells_free(s);
}

/* A column of changed cells (a token's column in a heatmap) goes down a
 * row and back a cell at a time: four bytes where CUP takes six or more. */
static void
test_column_moves(void **state)
{
	static const char want[] = "\033[2;6H\033[38;5;60;48;5;30m\xe2\x96\x80"
	    "\033[B\b\xe2\x96\x80" "\033[B\b\xe2\x96\x80" "\033[B\b\xe2\x96\x80";
	cell_screen *s = cells_new(DEPTH_256);
	vt t;

	(void)state;
	blank_start(s, &t);
	for (int y = 1; y <= 4; y++)
		cells_put(s, y, 5, CELL_UPPER_HALF, 1, 0, 60, 30);
	render_exactly(s, &t, DEPTH_256, want, sizeof want - 1);
	cells_free(s);
}

/* An attribute that goes is reset (SGR has no "not bold" everywhere), and
 * what the next cell still needs is set again in the same sequence. */
static void
test_attributes_reset(void **state)
{
	static const char want[] = "\033[0m\033[H\033[2J"
	    "\033[1;4;38;5;77mA"
	    "\033[0;4;38;5;77mB"
	    "\033[0mC";
	cell_screen *s = cells_new(DEPTH_256);
	vt t;

	(void)state;
	vt_init(&t);
	cells_begin(s, ROWS, COLS);
	cells_put(s, 0, 0, 'A', 1, CELL_BOLD | CELL_UNDER, 77, CELL_NO_COLOUR);
	cells_put(s, 0, 1, 'B', 1, CELL_UNDER, 77, CELL_NO_COLOUR);
	cells_put(s, 0, 2, 'C', 1, 0, CELL_NO_COLOUR, CELL_NO_COLOUR);
	render_exactly(s, &t, DEPTH_256, want, sizeof want - 1);
	cells_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_random_frames),
		cmocka_unit_test(test_only_changes_sent),
		cmocka_unit_test(test_half_blocks_cheap),
		cmocka_unit_test(test_attributes_reset),
		cmocka_unit_test(test_colour_runs),
		cmocka_unit_test(test_column_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
