/* key.h — keys as the explorer passes them around: code points, with
 * curses function keys (KEY_UP, ...) negated so they can never collide
 * with a typed character. */
#ifndef HEED_TUI_KEY_H
#define HEED_TUI_KEY_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdbool.h>

#define UI_FN(k) (-(k))
#define UI_CTRL(c) ((c) & 0x1f)
#define UI_ESC 27

/* Bracketed paste's markers (ESC [ 200 ~ and ESC [ 201 ~), which term.c
 * teaches curses as keys of their own, above every curses key code. */
#define TERM_KEY_PASTE_BEGIN (KEY_MAX + 1)
#define TERM_KEY_PASTE_END (KEY_MAX + 2)
/* The start (ESC [ <) of an SGR (1006) mouse report on a terminal whose
 * terminfo describes only X10 reports (tmux-256color, screen): term.c
 * reads the rest itself, see term_sgr_mouse(). */
#define TERM_KEY_SGR_MOUSE (KEY_MAX + 3)

/* Arrow keys and vi keys as a (dy, dx) step; false for other keys. */
static inline bool
key_direction(int key, int *dy, int *dx)
{
	*dy = *dx = 0;
	switch (key) {
	case UI_FN(KEY_UP): case 'k': *dy = -1; return true;
	case UI_FN(KEY_DOWN): case 'j': *dy = 1; return true;
	case UI_FN(KEY_LEFT): case 'h': *dx = -1; return true;
	case UI_FN(KEY_RIGHT): case 'l': *dx = 1; return true;
	default: return false;
	}
}

static inline bool
key_is_enter(int key)
{
	return key == '\r' || key == '\n' || key == UI_FN(KEY_ENTER);
}

#endif
