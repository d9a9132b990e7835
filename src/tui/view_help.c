/* view_help.c — the `?` overlay: every key, in the same words as heed(1)'s
 * KEYS section.  Descriptions wrap at words to the box's width (below 60
 * columns the keys take a line of their own), and the box scrolls line by
 * line when the window is shorter than the list. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

static const struct {
	const char *keys, *what;
} help[] = {
	{ NULL, "Anywhere" },
	{ "i /", "type the sentence: keys are text until Enter or Esc (the status bar says TYPING)" },
	{ "paste", "always text, line breaks as spaces; a paste starts typing" },
	{ "Tab 1-6 Esc", "next view; grid head tokens output stats importance; grid" },
	{ "m", "cycle the selected head: I A D R U" },
	{ "M A 0 P", "its mode to the layer; to all; all input; papa-half" },
	{ ": p S", "type a mode spec; palette (viridis cividis gray); colour scale: absolute, "
	    "per-layer max, per-head max (the legend says which)" },
	{ "w", "words, not pieces, in the head, tokens and stats views" },
	{ "W L", "write the head modes to a preset file; load one" },
	{ "? q e", "this help (\u2191\u2193 PgUp PgDn scroll it); quit; export the view" },
	{ NULL, "Grid" },
	{ "arrows hjkl", "select a head (or click it); Enter zooms" },
	{ "s o b", "show, rank heads by entropy / input dependence; pin, unpin" },
	{ "I", "which heads matter (view 6), each replaced by this head's mode" },
	{ NULL, "Head" },
	{ "arrows hjkl", "move the cursor (or click); PgUp PgDn" },
	{ "[ ] d n", "previous, next head; \u2212 input, \u2212 average; inside it" },
	{ NULL, "Tokens" },
	{ "\u2190\u2192 \u2191\u2193 r", "query token; layer; attention rollout" },
	{ NULL, "Stats" },
	{ "j k Enter", "select a head (or click it); zoom into it" },
	{ "E < > s ^ $", "sort by entropy, previous, next, self, [CLS], [SEP] share" },
	{ ", d + c o", "by punctuation share, input dependence, largest weight, kind; layer "
	    "order (a key again reverses)" },
	{ "grid marks", "I A D R U the head's mode; p n s k b m its kind: previous-token, "
	    "next-token, self, sink, broad, mixed; \u2605 ranked by o; \u2039 \u203a more heads "
	    "left, right" },
	{ NULL, "Lesson" },
	{ "n p", "next step, step before (in a lesson p is not the palette)" },
	{ NULL, "Output" },
	{ "j k", "scroll the [MASK]s when they do not all fit" },
	{ NULL, "Importance" },
	{ "arrows hjkl", "select a head (or click it); Enter opens it" },
	{ "r o", "next replacement; curve order (importance / PAPA)" },
	{ "PgUp PgDn", "scroll the list of heads, most important first" },
	{ NULL, "Inside a head" },
	{ ", . \u2191\u2193 \u2190\u2192", "query token; key spelled out; scroll the head dimension" },
	{ NULL, "Editing" },
	{ "\u2190\u2192 Home End", "move (also C-a C-e); \u2191\u2193 history" },
	{ "BS Del C-w C-u", "delete char, next char, word, to start" },
};

#define NHELP (int)(sizeof help / sizeof help[0])
#define KEYS_W 17      /* the keys' column in a wide box */

typedef struct help_state {
	int top;           /* first line shown */
	int lines;         /* lines at the box's width */
	ui_rect box;       /* fitted by help_resize */
} help_state;

/* A first line that keeps a box of vis lines full. */
static int
clamp_top(int top, int lines, int vis)
{
	return layout_clamp(top, 0, lines > vis ? lines - vis : 0);
}

/* Lay the list out in a box of inner width w: draws lines [top, top + h)
 * at (y, x) when draw is set; returns the number of lines. */
static int
layout(int w, bool draw, int top, int h, int y, int x)
{
	bool narrow = w < 56;
	int tx = narrow ? 2 : KEYS_W + 1, tw = w - tx, n = 0;
	char buf[256];

	for (int i = 0; i < NHELP; i++) {
		const char *s = help[i].what;

		if (help[i].keys == NULL) {
			if (draw && n >= top && n < top + h)
				term_text(y + n - top, x, w, s, A_BOLD | A_UNDERLINE);
			n++;
			continue;
		}
		if (narrow) {
			if (draw && n >= top && n < top + h)
				term_text(y + n - top, x + 1, w - 1, help[i].keys, A_BOLD);
			n++;
		} else if (draw && n >= top && n < top + h) {
			term_text(y + n - top, x + 1, KEYS_W - 1, help[i].keys, A_BOLD);
		}
		while (*s != '\0') {
			size_t k = widget_fit_words(s, tw);

			if (k >= sizeof buf)
				k = sizeof buf - 1;
			memcpy(buf, s, k);
			buf[k] = '\0';
			if (draw && n >= top && n < top + h)
				term_text(y + n - top, x + tx, tw, buf, A_NORMAL);
			n++;
			s += k;
			while (*s == ' ')
				s++;
		}
	}
	return n;
}

static ui_action
help_resize(const view_ctx *c, void *st, ui_rect r)
{
	help_state *s = st;
	int w = r.w < 80 ? r.w : 80, inner;

	inner = w - 4;
	s->lines = inner > 8 ? layout(inner, false, 0, 0, 0, 0) : 0;
	s->box.w = w;
	s->box.h = s->lines + 2 < r.h ? s->lines + 2 : r.h;
	s->box.x = r.x + (r.w - w) / 2;
	s->box.y = r.y + (r.h - s->box.h) / 2;
	s->top = clamp_top(s->top, s->lines, s->box.h - 2);
	return view_act(ACT_NONE, 0, 0);
}

static void
help_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const help_state *s = st;
	int w = s->box.w, h = s->box.h, x0 = s->box.x, y0 = s->box.y;
	char more[64];

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
	layout(w - 4, true, s->top, h - 2, y0 + 1, x0 + 2);
	if (s->lines > h - 2) {   /* where we are, and that there is more */
		snprintf(more, sizeof more, " %s%s %d\u2013%d/%d ", s->top > 0 ? "\u2191" : "",
		    s->top + h - 2 < s->lines ? "\u2193" : "", s->top + 1, s->top + h - 2, s->lines);
		term_text(y0 + h - 1, x0 + w - 2 - input_width(more, 0, strlen(more)), w - 4, more, A_BOLD);
	}
}

/* Scrolling keys move the list; any other key closes the help (the core
 * does that on ACT_PASS). */
static ui_action
help_key(const view_ctx *c, void *st, int key)
{
	help_state *s = st;
	int page = s->box.h > 3 ? s->box.h - 3 : 1;

	switch (key) {
	case UI_FN(KEY_UP): case 'k': s->top--; break;
	case UI_FN(KEY_DOWN): case 'j': s->top++; break;
	case UI_FN(KEY_PPAGE): s->top -= page; break;
	case UI_FN(KEY_NPAGE): s->top += page; break;
	case UI_FN(KEY_HOME): s->top = 0; break;
	case UI_FN(KEY_END): s->top = s->lines; break;
	default: return view_act(ACT_PASS, 0, 0);
	}
	s->top = clamp_top(s->top, s->lines, s->box.h - 2);
	return view_act(ACT_REDRAW, 0, 0);
}

/* Drawn over the current view; any key but a scrolling one closes it, and
 * so does a click. */
const ui_view help_view = { "help", sizeof(help_state), help_resize, help_draw, help_key, NULL, NULL };
