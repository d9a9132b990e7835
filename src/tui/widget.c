/* widget.c — pieces shared by views (see widget.h). */
#define _XOPEN_SOURCE_EXTENDED 1
#include "widget.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "term.h"

int
widget_label_width(const char *s)
{
	return input_width(s, 0, strlen(s));
}

bool
widget_pending(const view_ctx *c, ui_rect r)
{
	const char *why = c->computing ? "computing\u2026" : c->notice[0] ? c->notice : "nothing to show";

	if (c->frame != NULL)
		return false;
	term_text(r.y + r.h / 2, r.x + 2, r.w - 2, why, A_DIM);
	return true;
}

int
widget_label(int y, int x, int w, const char *s, int attr)
{
	int used;

	if (w <= 0)
		return 0;
	if (widget_label_width(s) <= w)
		return term_text(y, x, w, s, attr);
	/* cut by display width (a CJK character or an emoji counts two),
	 * and say so */
	used = term_text(y, x, w - 1, s, attr);
	return used + term_text(y, x + used, 1, "\u2026", attr | A_DIM);
}

int
widget_legend(int y, int x, int w, pal_kind k, const char *what, double lo, double hi)
{
	char buf[64];
	int used, bar;

	snprintf(buf, sizeof buf, "%s %.2f ", what, lo);
	used = term_text(y, x, w, buf, A_DIM);
	snprintf(buf, sizeof buf, " %.2f", hi);
	bar = w - used - widget_label_width(buf);
	if (bar > 16)
		bar = 16;
	if (bar < 4)
		return used;
	for (int i = 0; i < bar; i++)
		term_fill(y, x + used + i, 1, k, (i + 0.5) / bar, NULL, false);
	return used + bar + term_text(y, x + used + bar, w - used - bar, buf, A_DIM);
}

int
widget_scale_legend(const view_ctx *c, int y, int x, int w, double top)
{
	static const char *const what[SCALE_COUNT] = {
		"colour: weight, absolute", "colour: weight, to layer max", "colour: weight, to head max",
	};
	int used = widget_legend(y, x, w, c->pal, what[c->scale], 0, top);

	if (w - used > 12)
		used += term_text(y, x + used, w - used, "  S: scale", A_DIM);
	return used;
}

int
widget_seg_attr(const ui_frame *f, int i)
{
	return f->pair && f->seg[i] != 0 ? A_UNDERLINE : 0;
}

/* The mark between a pair's segments, and its columns. */
#define SEG_MARK "\u2016 "
#define SEG_MARK_W 2

void
widget_token_strip(const ui_frame *f, int y, int w, int highlight)
{
	int n = f != NULL ? f->n : 0, x = 1, first = 0;

	/* scroll so the highlighted token shows */
	if (highlight >= 0 && highlight < n) {
		int width = 0;

		for (first = highlight; first > 0; first--) {
			width += widget_label_width(f->labels[first]) + 1 +
			    (frame_seg_start(f, first) ? SEG_MARK_W : 0);
			if (width > w - 4)
				break;
		}
	}
	if (first > 0)
		x += term_text(y, x, 2, "\u2026 ", A_DIM);
	for (int i = first; i < n; i++) {
		const char *lab = f->labels[i];
		int lw = widget_label_width(lab);
		int attr = i == highlight ? A_REVERSE | A_BOLD : (lab[0] == '[' ? A_DIM : A_NORMAL);
		int mark = frame_seg_start(f, i) ? SEG_MARK_W : 0;

		if (x + mark + lw > w - 2) {   /* no half labels: say there is more */
			term_text(y, x, 1, "\u2026", A_DIM);
			break;
		}
		if (mark > 0)
			x += term_text(y, x, mark, SEG_MARK, A_BOLD);
		attr |= widget_seg_attr(f, i);
		x += term_text(y, x, lw, lab, attr) + 1;
	}
}

/* Bytes of s that fit w columns, cut after a whole word where one fits. */
size_t
widget_fit_words(const char *s, int w)
{
	size_t len = strlen(s), best = 0, i = 0;

	if (input_width(s, 0, len) <= w)
		return len;
	while (i < len) {
		size_t j = i;

		while (j < len && s[j] != ' ')
			j++;
		if (input_width(s, 0, j) > w)
			break;
		best = j;
		i = j + 1;
	}
	if (best > 0)
		return best;
	/* one word wider than the box: cut it at a character */
	for (i = 0; i < len; ) {
		size_t j = i + 1;

		while (j < len && (s[j] & 0xC0) == 0x80)
			j++;
		if (input_width(s, 0, j) > w)
			break;
		i = j;
	}
	return i > 0 ? i : 1;
}
