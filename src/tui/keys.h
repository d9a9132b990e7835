/* keys.h — what a key does, in editing and in navigation.  Keys are code
 * points; curses function keys (KEY_UP, ...) are passed negated so they
 * can never collide with a typed character. */
#ifndef HEED_TUI_KEYS_H
#define HEED_TUI_KEYS_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>

#include "tui.h"

#define UI_FN(k) (-(k))
#define UI_CTRL(c) ((c) & 0x1f)
#define UI_ESC 27

void keys_handle(app *a, int key);
/* Arrow keys and vi keys as a (dy, dx) step; false for other keys. */
bool keys_direction(int key, int *dy, int *dx);
const ui_view *keys_view(const app *a);

#endif
