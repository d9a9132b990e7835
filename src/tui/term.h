/* term.h — the terminal: the only code that starts or ends curses and the
 * only code that writes to stdout while the explorer runs.
 *
 * curses reads the keys (keypad, mouse, UTF-8) and knows the window size;
 * the screen itself is drawn by heed (tmux's tty.c, not curses' refresh):
 * a frame is written into a cell buffer (term_begin, the drawing calls),
 * then term_flush has cells.c compare it with what the terminal already
 * shows and sends only the cells that differ, changing only the colours
 * and attributes that differ from the cell before.  The bytes go out without
 * blocking: when the terminal cannot take them yet (a slow link),
 * term_pending says so, the loop waits for stdout to drain (term_drain)
 * and draws only the newest state after that.  Views never deal with
 * colour depths, escape sequences or pair numbers.
 */
#ifndef HEED_TUI_TERM_H
#define HEED_TUI_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "heed/util.h"
#include "palette.h"

/* Start curses (cbreak, no echo, keypad, nodelay, bracketed paste,
 * optional mouse) and pick the colour depth.  An unknown $TERM falls back
 * to xterm-256color, then xterm (term_notice says so).  Returns 0, or
 * HEED_EINVAL when there is no terminal, no description for it, or it
 * cannot address the cursor. */
int term_init(bool mouse, heed_err *e);
/* The one-line notice about a $TERM fallback, "" when there was none. */
const char *term_notice(void);
/* Give the terminal back; safe to call twice and from atexit. */
void term_end(void);
/* After TERM_KEY_SGR_MOUSE: read the report's "Cb;Cx;Cy" and final M/m.
 * True for a left-button press, with its 0-based cell in *y, *x. */
bool term_sgr_mouse(int *y, int *x);
bool term_active(void);
pal_depth term_depth(void);
/* Matrix rows per text row: 2 with half-blocks, 1 with the ASCII ramp. */
int term_rows_per_line(void);
/* Read the new window size from the tty after SIGWINCH; the next frame
 * repaints everything. */
void term_resize(void);

/* Draw into a rows x cols cell buffer at colour depth d and send nothing
 * anywhere (heed export); term_end leaves it.  Views and the screen draw
 * into it as into the terminal's. */
void term_offscreen(int rows, int cols, pal_depth d);
/* The screen's size: the terminal's (curses' LINES and COLS) or the
 * offscreen buffer's. */
int term_lines(void);
int term_cols(void);
/* The last frame drawn as text with SGR colour sequences, a line per row,
 * each line starting from plain text and ending with a reset: what the
 * terminal shows, for `cat` and for chat.  malloc'd; *len bytes. */
char *term_snapshot(size_t *len);

/* Start a frame: every cell blank.  Attributes (attr) are curses' A_BOLD,
 * A_DIM, A_UNDERLINE, A_REVERSE. */
void term_begin(void);
/* Two stacked weights in one cell (an upper-half block); a weight < 0 is
 * none (a lower-half block for the bottom alone; nothing for neither).
 * Values are already scaled to [0, 1]. */
void term_half(int y, int x, pal_kind k, double top, double bot);
/* w cells of one weight, with text (may be NULL) drawn on top; reverse
 * marks a cursor. */
void term_fill(int y, int x, int w, pal_kind k, double t, const char *text, bool reverse);
/* A bar of w cells, filled to fraction t with eighth blocks. */
void term_bar(int y, int x, int w, pal_kind k, double t);
/* One cell-high bar of height t in eighths, w cells wide. */
void term_vbar(int y, int x, int w, pal_kind k, double t);
/* Plain text clipped to w columns (UTF-8 aware); returns columns used. */
int term_text(int y, int x, int w, const char *s, int attr);
/* w blank columns with attr (A_REVERSE: a bar). */
void term_clear(int y, int x, int w, int attr);
/* Show the cursor at (y, x) after this frame; y < 0 hides it. */
void term_cursor(int y, int x);
/* Send what changed since the last frame.  Returns the bytes this frame
 * took. */
size_t term_flush(void);
/* Bytes of earlier frames still waiting for the terminal. */
size_t term_pending(void);
/* Write what stdout takes now without blocking; returns term_pending(). */
size_t term_drain(void);

#endif
