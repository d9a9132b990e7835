/* export_screen.h — the exports that need the explorer itself: ANSI, the
 * screen drawn by the explorer's own code into term.c's offscreen cell
 * buffer, and the `e` key (export.h has the rest). */
#ifndef HEED_TUI_EXPORT_SCREEN_H
#define HEED_TUI_EXPORT_SCREEN_H

#include "export.h"
#include "heed/open.h"
#include "worker.h"

struct app;

/* heed export --format ansi: the screen the explorer shows at r->cols x
 * r->rows for the sentence (its tokens t) on view r, as a fresh explorer
 * opens it; into a malloc'd *buf of *len bytes. */
int export_screen_cli(const export_req *r, const heed_session *h, ui_worker *w,
		      const tok_result *t, const char *sentence, char **buf, size_t *len,
		      heed_err *e);
/* The key after `e`: s, h, a or t writes what the explorer shows now as
 * SVG, HTML, ANSI or text into a new file in the current folder and says
 * its name on the status line; any other key says nothing was written. */
void export_screen_key(struct app *a, int key);

#endif
