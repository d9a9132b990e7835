/* screen.h — one whole screen: the sentence line, the token strip, the
 * current view in the body, the status bar, the help overlay or the `:`
 * prompt.  Called once per redraw by the core, never by a view. */
#ifndef HEED_TUI_SCREEN_H
#define HEED_TUI_SCREEN_H

#include "view.h"

struct app;

/* The rectangle views get: everything between the strip and the status
 * (and a lesson's caption, when there is one). */
ui_rect screen_body(const struct app *a);
/* Draw into curses' buffer and send what changed to the terminal. */
void screen_draw(const struct app *a, const view_ctx *c, const ui_view *v, const void *vst);

#endif
