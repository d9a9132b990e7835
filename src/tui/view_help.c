/* view_help.c — the `?` overlay: every key, in the same words as heed(1)'s
 * KEYS section. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <string.h>

#include "term.h"
#include "view.h"

static const struct {
	const char *keys, *what;
} help[] = {
	{ NULL, "Anywhere" },
	{ "i e /", "type the sentence; keys are text until Enter or Esc" },
	{ "paste", "always text, line breaks as spaces; starts typing" },
	{ "Tab 1-4 Esc", "next view; grid head tokens output; grid" },
	{ "m", "cycle the selected head: I A D R U" },
	{ "M A 0 P", "its mode to the layer; to all; all input; papa-half" },
	{ ": p S", "type a mode spec; palette; colour scale: absolute," },
	{ "", "per-layer max, per-head max (the legend says which)" },
	{ "? q", "this help; quit" },
	{ NULL, "Grid" },
	{ "arrows hjkl", "select a head (or click it); Enter zooms" },
	{ "s o", "show, rank heads by entropy / input dependence" },
	{ NULL, "Head" },
	{ "arrows hjkl", "move the cursor (or click); PgUp PgDn" },
	{ "[ ] d", "previous, next head; minus input, minus average" },
	{ NULL, "Tokens" },
	{ "\u2190\u2192 \u2191\u2193 r", "query token; layer; attention rollout" },
	{ NULL, "Editing" },
	{ "\u2190\u2192 Home End", "move (also C-a C-e); \u2191\u2193 history" },
	{ "BS Del C-w C-u", "delete char, next char, word, to start" },
};

#define NHELP (int)(sizeof help / sizeof help[0])

static void
help_draw(const view_ctx *c, const void *st, ui_rect r)
{
	int w = r.w < 76 ? r.w : 76, h = NHELP + 2 < r.h ? NHELP + 2 : r.h;
	int x0 = r.x + (r.w - w) / 2, y0 = r.y + (r.h - h) / 2;

	if (w < 20 || h < 4)
		return;
	for (int y = y0; y < y0 + h; y++)
		term_clear(y, x0, w, A_NORMAL);
	for (int x = x0 + 1; x < x0 + w - 1; x++) {
		term_text(y0, x, 1, "\u2500", A_NORMAL);
		term_text(y0 + h - 1, x, 1, "\u2500", A_NORMAL);
	}
	for (int y = y0 + 1; y < y0 + h - 1; y++) {
		term_text(y, x0, 1, "\u2502", A_NORMAL);
		term_text(y, x0 + w - 1, 1, "\u2502", A_NORMAL);
	}
	term_text(y0, x0, 1, "\u256d", A_NORMAL);
	term_text(y0, x0 + w - 1, 1, "\u256e", A_NORMAL);
	term_text(y0 + h - 1, x0, 1, "\u2570", A_NORMAL);
	term_text(y0 + h - 1, x0 + w - 1, 1, "\u256f", A_NORMAL);
	term_text(y0, x0 + 2, w - 4, " heed keys ", A_BOLD);
	for (int i = 0; i < NHELP && i < h - 2; i++) {
		int y = y0 + 1 + i;

		if (help[i].keys == NULL) {
			term_text(y, x0 + 2, w - 4, help[i].what, A_BOLD | A_UNDERLINE);
			continue;
		}
		term_text(y, x0 + 3, 16, help[i].keys, A_BOLD);
		term_text(y, x0 + 20, w - 22, help[i].what, A_NORMAL);
	}
}

/* Drawn over the current view; the core closes it on any key or click. */
const ui_view help_view = { "help", 0, NULL, help_draw, NULL, NULL, NULL };
