/* term.h — the terminal: the only code that starts or ends curses.
 * Everything that puts a coloured cell on the screen goes through here, so
 * the views never deal with colour depths or pair numbers. */
#ifndef HEED_TUI_TERM_H
#define HEED_TUI_TERM_H

#include <stdbool.h>

#include "palette.h"

/* Start curses (cbreak, no echo, keypad, nodelay, optional mouse) and pick
 * the colour depth.  Returns 0 or -1 (not a terminal). */
int term_init(bool mouse);
/* Give the terminal back; safe to call twice and from atexit. */
void term_end(void);
bool term_active(void);
pal_depth term_depth(void);
/* Matrix rows per text row: 2 with half-blocks, 1 with the ASCII ramp. */
int term_rows_per_line(void);
/* Read the new window size from the tty after SIGWINCH. */
void term_resize(void);

/* Two stacked weights in one cell (an upper-half block); bot < 0 = none.
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
/* Blank w columns. */
void term_clear(int y, int x, int w);

#endif
