/* cells.c — the cell buffers and the renderer (see cells.h).
 *
 * Two buffers of cells: `back`, the frame being drawn, and `front`, what
 * the terminal shows.  cells_render walks them a row at a time and, for
 * each cell that differs, moves the cursor only when it is not already
 * there, sends only the SGR parameters that change (one CSI per change),
 * then the character.  Along a row the next cell sent is the cheapest of
 * the next few to reach and colour (a heatmap's colours repeat), the
 * cursor going back with CHA when that pays.
 */
#include "cells.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "heed/util.h"

#define UNKNOWN 0xFFFFFFFEu   /* front only: the terminal's cell is not known */

struct cell_screen {
	pal_depth depth;
	cell *back, *front;
	int rows, cols;
	bool front_valid;     /* false: clear the screen and paint it all */
	int cur_y, cur_x;     /* the terminal's cursor, -1 unknown */
	cell pen;             /* the terminal's SGR state */
	bool pen_known;
	int want_y, want_x;   /* cells_cursor's request */
	bool cursor_shown;
	char *out;            /* bytes not yet sent */
	size_t out_len, out_off, out_cap;
	int *todo;            /* [cols] the cells of a row to send, in order */
};

/* How many of a row's changed cells the renderer weighs for the next one
 * to send: the cheapest to reach and colour goes first. */
#define LOOKAHEAD 16

static const cell blank = { ' ', CELL_NO_COLOUR, CELL_NO_COLOUR, 0 };

cell_screen *
cells_new(pal_depth d)
{
	cell_screen *s = xcalloc(1, sizeof *s);

	s->depth = d;
	s->cur_y = s->cur_x = -1;
	s->want_y = -1;
	return s;
}

void
cells_free(cell_screen *s)
{
	if (s == NULL)
		return;
	free(s->back);
	free(s->front);
	free(s->out);
	free(s->todo);
	free(s);
}

void
cells_begin(cell_screen *s, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows != s->rows || cols != s->cols || s->back == NULL) {
		s->rows = rows;
		s->cols = cols;
		s->back = xrealloc(s->back, (size_t)rows * cols * sizeof *s->back);
		s->front = xrealloc(s->front, (size_t)rows * cols * sizeof *s->front);
		s->todo = xrealloc(s->todo, (size_t)cols * sizeof *s->todo);
		s->front_valid = false;
	}
	for (int i = 0; i < rows * cols; i++)
		s->back[i] = blank;
	s->want_y = -1;
}

void
cells_put(cell_screen *s, int y, int x, uint32_t ch, int width, uint8_t attr, int fg, int bg)
{
	cell *c;

	if (y < 0 || y >= s->rows || x < 0 || x + width > s->cols)
		return;
	c = &s->back[y * s->cols + x];
	/* half of a double-width character overwritten: the other half turns
	 * blank, as on the terminal, or the frame would hold a character one
	 * cell wide that the terminal advances two for */
	if (c->ch == CELL_WIDE_TAIL && x > 0)
		c[-1].ch = ' ';
	if (x + width < s->cols && c[width].ch == CELL_WIDE_TAIL)
		c[width].ch = ' ';
	*c = (cell){ ch, fg, bg, attr };
	if (width == 2)
		c[1] = (cell){ CELL_WIDE_TAIL, fg, bg, attr };
}

void
cells_cursor(cell_screen *s, int y, int x)
{
	s->want_y = y;
	s->want_x = x;
}

const cell *
cells_at(const cell_screen *s, int y, int x)
{
	if (y < 0 || y >= s->rows || x < 0 || x >= s->cols)
		return NULL;
	return &s->back[y * s->cols + x];
}

void
cells_invalidate(cell_screen *s)
{
	s->front_valid = false;
}

/* ---- the renderer ------------------------------------------------------- */

static void
emit(cell_screen *s, const char *p, size_t n)
{
	if (s->out_len + n > s->out_cap) {
		s->out_cap = (s->out_len + n) * 2;
		s->out = xrealloc(s->out, s->out_cap);
	}
	memcpy(s->out + s->out_len, p, n);
	s->out_len += n;
}

static void
emitf(cell_screen *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emitf(cell_screen *s, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		emit(s, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void
emit_utf8(cell_screen *s, uint32_t cp)
{
	utf8proc_uint8_t b[4];

	emit(s, (const char *)b, (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, b));
}

/* ";38;5;N" and the like for one colour; fg: 3x/38, bg: 4x/48. */
static void
emit_colour(cell_screen *s, int c, bool fg)
{
	if (c == CELL_NO_COLOUR)
		emitf(s, ";%d", fg ? 39 : 49);
	else if (s->depth == DEPTH_8)
		emitf(s, ";%d", (fg ? 30 : 40) + c);
	else if (s->depth == DEPTH_256)
		emitf(s, ";%d;5;%d", fg ? 38 : 48, c);
	else
		emitf(s, ";%d;2;%d;%d;%d", fg ? 38 : 48, c >> 16 & 0xFF, c >> 8 & 0xFF, c & 0xFF);
}

/* Bring the terminal's SGR state to c's with one CSI: only what changes,
 * or a reset and what c has when an attribute must go.  any_fg: c shows
 * no foreground (a plain space), so whatever the pen has will do. */
static void
set_pen(cell_screen *s, const cell *want, bool any_fg)
{
	static const struct { uint8_t bit; int code; } attrs[] = {
		{ CELL_BOLD, 1 }, { CELL_DIM, 2 }, { CELL_UNDER, 4 }, { CELL_REVERSE, 7 },
	};
	cell tmp = *want;
	const cell *c = &tmp;
	bool reset = !s->pen_known || (s->pen.attr & ~c->attr) != 0;
	cell from = reset ? blank : s->pen;
	size_t start = s->out_len;

	if (any_fg)
		tmp.fg = from.fg;
	if (!reset && c->attr == s->pen.attr && c->fg == s->pen.fg && c->bg == s->pen.bg)
		return;
	emit(s, "\033[", 2);
	if (reset)
		emit(s, "0", 1);
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		if ((c->attr & attrs[i].bit) && !(from.attr & attrs[i].bit))
			emitf(s, ";%d", attrs[i].code);
	if (c->fg != from.fg)
		emit_colour(s, c->fg, true);
	if (c->bg != from.bg)
		emit_colour(s, c->bg, false);
	/* "\033[;1m" is not "\033[1m" everywhere: drop a leading separator */
	if (!reset && s->out[start + 2] == ';') {
		memmove(s->out + start + 2, s->out + start + 3, s->out_len - start - 3);
		s->out_len--;
	}
	emit(s, "m", 1);
	s->pen = *c;
	s->pen_known = true;
}

static int
digits(int v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* The bytes to move along a row from column `from` to `to`: CUF forward,
 * a backspace one back, CUB or CHA further back, whichever is shorter. */
static int
row_cost(int from, int to)
{
	int back_n, back_abs;

	if (to == from)
		return 0;
	if (to == from + 1)
		return 3;
	if (to > from)
		return 3 + digits(to - from);
	if (to == from - 1)
		return 1;
	back_n = 3 + digits(from - to);
	back_abs = 3 + digits(to + 1);
	return back_n < back_abs ? back_n : back_abs;
}

static void
row_move(cell_screen *s, int from, int to)
{
	if (to == from)
		return;
	if (to == from + 1)
		emit(s, "\033[C", 3);
	else if (to > from)
		emitf(s, "\033[%dC", to - from);
	else if (to == from - 1)
		emit(s, "\b", 1);
	else if (digits(from - to) < digits(to + 1))
		emitf(s, "\033[%dD", from - to);
	else
		emitf(s, "\033[%dG", to + 1);
}

enum { MOVE_ROW, MOVE_DOWN, MOVE_CUP };

/* The cheapest way to (y, x) from the cursor, and its bytes: along the
 * row; down with CUD, then along the row (a heatmap's column of changed
 * cells: "\033[B\b" where CUP takes 8 bytes); or CUP, the only way from
 * an unknown place. */
static int
plan_move(const cell_screen *s, int y, int x, int *how)
{
	int cup = x == 0 ? 3 + digits(y + 1) : 4 + digits(y + 1) + digits(x + 1);

	*how = MOVE_CUP;
	if (s->cur_y < 0 || s->cur_x < 0)
		return cup;
	if (y == s->cur_y) {
		*how = MOVE_ROW;
		return row_cost(s->cur_x, x);
	}
	if (y > s->cur_y) {
		int dy = y - s->cur_y;
		int down = (dy == 1 ? 3 : 3 + digits(dy)) + row_cost(s->cur_x, x);

		if (down < cup) {
			*how = MOVE_DOWN;
			return down;
		}
	}
	return cup;
}

static void
move_to(cell_screen *s, int y, int x)
{
	int how;

	if (plan_move(s, y, x, &how) == 0)
		return;
	if (how == MOVE_DOWN) {
		if (y - s->cur_y == 1)
			emit(s, "\033[B", 3);
		else
			emitf(s, "\033[%dB", y - s->cur_y);
		row_move(s, s->cur_x, x);
	} else if (how == MOVE_ROW) {
		row_move(s, s->cur_x, x);
	} else if (x == 0) {
		emitf(s, "\033[%dH", y + 1);
	} else {
		emitf(s, "\033[%d;%dH", y + 1, x + 1);
	}
	s->cur_y = y;
	s->cur_x = x;
}

/* Send one cell.  A half-block can be drawn as an upper half in its top
 * colour on its bottom colour, or as a lower half the other way round, or,
 * with both halves alike, as a space: whichever asks least of the pen. */
static cell
painted(const cell_screen *s, const cell *b, bool *any_fg)
{
	const cell *pen = &s->pen;
	cell e = *b;

	*any_fg = false;
	if (b->ch == CELL_UPPER_HALF && b->attr == 0 && b->bg != CELL_NO_COLOUR) {
		if (b->fg == b->bg) {
			e.ch = ' ';
			*any_fg = true;
		} else if (s->pen_known && pen->attr == 0 &&
		    (pen->fg == b->bg) + (pen->bg == b->fg) > (pen->fg == b->fg) + (pen->bg == b->bg)) {
			e = (cell){ 0x2584, b->bg, b->fg, 0 };
		}
	}
	return e;
}

static void
paint(cell_screen *s, const cell *b)
{
	bool any_fg;
	cell e = painted(s, b, &any_fg);

	set_pen(s, &e, any_fg);
	emit_utf8(s, e.ch);
}

/* ---- what a cell would cost: the renderer's choice of order ------------ */

/* Bytes of one colour's SGR parameters, the ';' included. */
static int
colour_cost(const cell_screen *s, int c)
{
	if (c == CELL_NO_COLOUR || s->depth == DEPTH_8)
		return 3;
	if (s->depth == DEPTH_256)
		return 6 + digits(c);
	return 6 + digits(c >> 16 & 0xFF) + digits(c >> 8 & 0xFF) + digits(c & 0xFF) + 2;
}

/* The bytes set_pen would send for want (as paint turned it). */
static int
pen_cost(const cell_screen *s, const cell *want, bool any_fg)
{
	bool reset = !s->pen_known || (s->pen.attr & ~want->attr) != 0;
	const cell *from = reset ? &blank : &s->pen;
	int n = reset ? 4 : 2;   /* "\033[" "m", and "0" or less the first ';' */

	if (!reset && want->attr == from->attr && (any_fg || want->fg == from->fg) &&
	    want->bg == from->bg)
		return 0;
	for (int bit = CELL_BOLD; bit <= CELL_REVERSE; bit <<= 1)
		if ((want->attr & bit) && !(from->attr & bit))
			n += 2;
	if (!any_fg && want->fg != from->fg)
		n += colour_cost(s, want->fg);
	if (want->bg != from->bg)
		n += colour_cost(s, want->bg);
	return n;
}

/* Of the next k cells of row y to send (their columns in todo), the one
 * cheapest to reach and colour from where the cursor and the pen are:
 * in a heatmap, a colour already in the pen is often a few cells on.  A
 * cell past the first pays for the cursor's way back (a CHA, about
 * BACK_COST bytes), and only heatmap cells (coloured, no attributes) jump
 * the queue, so text goes out in order. */
#define BACK_COST 4

static int
cheapest(const cell_screen *s, int y, const int *todo, int k)
{
	int best = 0, best_cost = -1;

	for (int i = 0; i < k; i++) {
		const cell *b = &s->back[y * s->cols + todo[i]];
		bool any_fg;
		cell e;
		int c, how;

		if (i > 0 && (b->attr != 0 || b->bg == CELL_NO_COLOUR))
			continue;
		e = painted(s, b, &any_fg);
		c = plan_move(s, y, todo[i], &how) + pen_cost(s, &e, any_fg) + (i > 0 ? BACK_COST : 0);
		if (best_cost < 0 || c < best_cost) {
			best = i;
			best_cost = c;
		}
	}
	return best;
}

static bool
same(const cell *a, const cell *b)
{
	return a->ch == b->ch && a->fg == b->fg && a->bg == b->bg && a->attr == b->attr;
}

/* Cells the terminal changes by itself when a double-width character is
 * half overwritten: the other half turns blank. */
static void
forget_wide_neighbours(cell_screen *s, int y, int x)
{
	cell *f = &s->front[y * s->cols];

	if (f[x].ch == CELL_WIDE_TAIL && x > 0)
		f[x - 1].ch = UNKNOWN;
	if (x + 1 < s->cols && f[x + 1].ch == CELL_WIDE_TAIL)
		f[x + 1].ch = UNKNOWN;
}

size_t
cells_render(cell_screen *s)
{
	size_t before = s->out_len;
	int cols = s->cols;

	if (!s->front_valid) {
		s->pen_known = false;
		set_pen(s, &blank, false);
		emit(s, "\033[H\033[2J", 7);
		s->cur_y = s->cur_x = 0;
		for (int i = 0; i < s->rows * cols; i++)
			s->front[i] = blank;
		s->front_valid = true;
	}
	for (int y = 0; y < s->rows; y++) {
		int n = 0;
		bool wide = false;

		for (int x = 0; x < cols; x++) {
			const cell *b = &s->back[y * cols + x], *f = &s->front[y * cols + x];

			wide |= b->ch == CELL_WIDE_TAIL || f->ch == CELL_WIDE_TAIL;
			if (!same(b, f) && b->ch != CELL_WIDE_TAIL)
				s->todo[n++] = x;
		}
		for (int k = 0; k < n; k++) {
			/* any order along a row without double-width characters,
			 * whose halves blank each other: in order along one with */
			int pick = wide ? k : k + cheapest(s, y, s->todo + k,
			    n - k < LOOKAHEAD ? n - k : LOOKAHEAD);
			int x = s->todo[pick];
			cell *b = &s->back[y * cols + x], *f = &s->front[y * cols + x];
			int width;

			memmove(s->todo + k + 1, s->todo + k, (size_t)(pick - k) * sizeof *s->todo);
			width = x + 1 < cols && b[1].ch == CELL_WIDE_TAIL ? 2 : 1;
			if (s->cursor_shown) {   /* no cursor flying about while cells change */
				emit(s, "\033[?25l", 6);
				s->cursor_shown = false;
			}
			move_to(s, y, x);
			paint(s, b);
			forget_wide_neighbours(s, y, x);
			*f = *b;
			if (width == 2) {
				forget_wide_neighbours(s, y, x + 1);
				f[1] = b[1];
			}
			s->cur_x += width;
			if (s->cur_x >= cols)   /* the wrap is pending: say where we are */
				s->cur_y = s->cur_x = -1;
		}
	}
	/* a frame with nothing new sends nothing, not even the cursor */
	if (s->want_y >= 0) {
		move_to(s, s->want_y, s->want_x);
		if (!s->cursor_shown)
			emit(s, "\033[?25h", 6);
		s->cursor_shown = true;
	} else if (s->cursor_shown) {
		emit(s, "\033[?25l", 6);
		s->cursor_shown = false;
	}
	return s->out_len - before;
}

const char *
cells_output(const cell_screen *s, size_t *len)
{
	*len = s->out_len - s->out_off;
	return *len > 0 ? s->out + s->out_off : "";
}

void
cells_sent(cell_screen *s, size_t n)
{
	s->out_off += n;
	if (s->out_off >= s->out_len)
		s->out_len = s->out_off = 0;
}

void
cells_drop_output(cell_screen *s)
{
	s->out_len = s->out_off = 0;
}

/* Its own output buffer and pen, the same painter: a frame as text reads
 * exactly as the terminal would show it. */
char *
cells_text(const cell_screen *s, size_t *len)
{
	cell_screen t = { .depth = s->depth };

	for (int y = 0; y < s->rows; y++) {
		const cell *row = &s->back[y * s->cols];
		int last = s->cols - 1;

		/* trailing blanks are the terminal's own: leave them out */
		while (last >= 0 && same(&row[last], &blank))
			last--;
		t.pen = blank;
		t.pen_known = true;
		for (int x = 0; x <= last; x++)
			if (row[x].ch != CELL_WIDE_TAIL)
				paint(&t, &row[x]);
		if (t.pen.attr != 0 || t.pen.fg != CELL_NO_COLOUR || t.pen.bg != CELL_NO_COLOUR)
			emit(&t, "\033[0m", 4);
		emit(&t, "\n", 1);
	}
	emit(&t, "", 1);   /* a NUL after the text */
	*len = t.out_len - 1;
	return t.out;
}
