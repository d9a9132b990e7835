/* cells.h — the screen as cells, and the renderer that sends a terminal
 * only what changed (tmux's tty.c and grid.c).
 *
 * A frame is drawn into the back buffer (cells_begin, cells_put,
 * cells_cursor); cells_render compares it with the front buffer, what the
 * terminal shows, and appends to an output buffer the bytes that make the
 * terminal show the back one: only the cells that differ, the cursor moved
 * only where it is not already, only the SGR parameters that change, one
 * CSI per change.  No curses and no I/O: term.c draws through it and
 * writes the output, and tests/unit/test_ui_cells replays the bytes on a
 * model terminal.
 */
#ifndef HEED_TUI_CELLS_H
#define HEED_TUI_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "palette.h"

/* Attributes of a cell, in SGR's terms. */
enum { CELL_BOLD = 1, CELL_DIM = 2, CELL_UNDER = 4, CELL_REVERSE = 8 };
#define CELL_NO_COLOUR (-1)          /* the terminal's default colour */
#define CELL_WIDE_TAIL 0xFFFFFFFFu   /* right half of a double-width character */
#define CELL_UPPER_HALF 0x2580u      /* fg on top, bg below: two pixels */

typedef struct cell {
	uint32_t ch;
	int32_t fg, bg;      /* colours at the screen's depth (pal_colour), or
			      * CELL_NO_COLOUR */
	uint8_t attr;
} cell;

typedef struct cell_screen cell_screen;

/* A screen whose colours are numbers at depth d (an ANSI colour, an
 * xterm-256 index or 0xRRGGBB).  The first render clears the terminal. */
cell_screen *cells_new(pal_depth d);
void cells_free(cell_screen *s);

/* Start a frame of rows x cols cells, every one blank; a new size makes
 * the next render repaint everything. */
void cells_begin(cell_screen *s, int rows, int cols);
/* One character at (y, x); width 2 takes the next cell too, and what is
 * left of a double-width character it overwrites half of turns blank.
 * Outside the screen nothing happens. */
void cells_put(cell_screen *s, int y, int x, uint32_t ch, int width, uint8_t attr,
	       int fg, int bg);
/* Show the cursor at (y, x) after this frame; y < 0 hides it. */
void cells_cursor(cell_screen *s, int y, int x);
/* The cell of the frame being drawn; NULL outside the screen. */
const cell *cells_at(const cell_screen *s, int y, int x);
/* The terminal's screen is not known (a resize, other output): the next
 * render clears it and paints every cell. */
void cells_invalidate(cell_screen *s);

/* Append to the output what makes the terminal show this frame; returns
 * the bytes it appended. */
size_t cells_render(cell_screen *s);
/* The output not yet sent: *len bytes at the pointer returned. */
const char *cells_output(const cell_screen *s, size_t *len);
/* n bytes of the output were sent; with all of it sent the buffer empties. */
void cells_sent(cell_screen *s, size_t n);
/* Forget the output not yet sent (the terminal is going away). */
void cells_drop_output(cell_screen *s);

/* The frame being drawn as text for `cat` and chat (heed export): a line
 * per row, each from plain text and ending with a reset, colours and
 * attributes as SGR sequences by the renderer's own painter, trailing
 * blanks left out.  malloc'd and NUL-terminated; *len bytes before it. */
char *cells_text(const cell_screen *s, size_t *len);

#endif
