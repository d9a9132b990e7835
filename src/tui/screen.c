/* screen.c — the chrome around the views: the sentence line, the token
 * strip, the status bar, the `:` prompt, the "enlarge the window" screen
 * (see screen.h). */
#define _XOPEN_SOURCE_EXTENDED 1
#include "screen.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "heed/enc.h"
#include "layout.h"
#include "term.h"
#include "widget.h"

/* The screen's size is the terminal's, or the offscreen buffer's that
 * heed export draws into (term_offscreen): every use below asks term.c. */
#undef LINES
#undef COLS
#define LINES term_lines()
#define COLS term_cols()

static void
draw_too_small(void)
{
	char need[32];
	int n = snprintf(need, sizeof need, "(need %d\u00d7%d)", UI_MIN_COLS, UI_MIN_ROWS) - 1;
	int y = LINES / 2 - 1;

	/* two short lines: they fit in windows far below the minimum */
	term_text(y, COLS > 18 ? (COLS - 18) / 2 : 0, COLS, "enlarge the window", A_BOLD);
	term_text(y + 1, COLS > n ? (COLS - n) / 2 : 0, COLS, need, A_NORMAL);
}

/* First byte to show so the cursor stays within w columns. */
static size_t
input_window(const ui_input *in, int w)
{
	size_t start = 0;

	while (start < in->cur && input_width(in->buf, start, in->cur) > w - 1) {
		start++;
		while (start < in->cur && (in->buf[start] & 0xC0) == 0x80)
			start++;
	}
	return start;
}

static void
draw_input(const app *a)
{
	const char *prompt = a->editing ? " \u276f " : " \u00b7 ";
	int px = 3, w = COLS - px - 1;
	size_t start = a->editing ? input_window(&a->in, w) : 0;

	term_text(0, 0, px, prompt, A_BOLD);
	if (a->in.len == 0 && !a->editing)
		term_text(0, px, w, "(press i to type a sentence)", A_DIM);
	else if (a->in.len == 0)
		term_text(0, px, w, "type a sentence; [MASK] marks a word to predict; Enter when done", A_DIM);
	else
		term_text(0, px, w, a->in.buf + start, A_NORMAL);
	if (a->editing)
		term_cursor(0, px + input_width(a->in.buf, start, a->in.cur));
}

/* The left of the status bar in at most w columns: the mode first, with
 * the way out of it (while typing, keys are text, and a class must never
 * have to guess why q did not quit), then the model's name, the token
 * count and the selected head as room allows, so a notice on the right is
 * never cut for them: a shorter mode first, then without the name, then
 * without the count. */
static void
status_left(const app *a, char *buf, size_t cap, int w)
{
	const char *name = a->m->name ? a->m->name : "model";
	const char *mode[2][2] = {
		{ "KEYS: i types", "KEYS" },
		{ "TYPING: Enter or Esc ends", "TYPING: Enter/Esc" },
	};
	char head[64], tokens[48], pin[80] = "";

	snprintf(head, sizeof head, "L%dH%d %s", a->sel_layer + 1, a->sel_head + 1,
	    enc_mode_name((head_mode)a->modes[a->sel_layer * a->heads + a->sel_head]));
	if (a->want_words && a->have_frame && a->front->has_words)
		snprintf(tokens, sizeof tokens, "%d tokens, %d words", a->front->n, a->front->words.n);
	else
		snprintf(tokens, sizeof tokens, "%d tokens", a->have_frame ? a->front->n : 0);
	if (a->pin.on) {   /* what is pinned, cut to a few words */
		int k = 0;

		while (a->pin.text[k] != '\0' && (k < 24 || (a->pin.text[k] & 0xC0) == 0x80))
			k++;
		snprintf(pin, sizeof pin, " \u2502 pinned \u00ab%.*s%s\u00bb", k, a->pin.text,
		    a->pin.text[k] != '\0' ? "\u2026" : "");
	}
	for (int parts = 4; parts >= 1; parts--) {
		for (int brief = 0; brief < 2; brief++) {
			snprintf(buf, cap, " %s%s%s%s%s%s%s%s ", mode[a->editing][brief], parts > 1 ? pin : "",
			    parts > 3 ? " \u2502 " : "", parts > 3 ? name : "",
			    parts > 2 ? " \u2502 " : "", parts > 2 ? tokens : "",
			    parts > 1 ? " \u2502 " : "", parts > 1 ? head : "");
			if (input_width(buf, 0, strlen(buf)) <= w)
				return;
		}
	}
}

static void
draw_status(const app *a)
{
	char left[200], right[300], time[48];
	int lw, rw, tw, x;

	if (a->have_tok && a->tok.truncated)
		snprintf(right, sizeof right, " input truncated to %d tokens ", a->max_tokens);
	else if (a->have_tok && a->tok.invalid_bytes > 0)
		snprintf(right, sizeof right, " %d invalid UTF-8 bytes skipped ", a->tok.invalid_bytes);
	else if (a->msg[0] != '\0')
		snprintf(right, sizeof right, " %s ", a->msg);
	else
		right[0] = '\0';
	if (a->computing)
		snprintf(time, sizeof time, " computing\u2026 ? ");
	else if (a->have_frame && a->have_imp && a->imp.gen == a->front->gen && a->imp.total > 0 &&
	    !a->imp.curve_done && a->imp.err == HEED_OK)
		snprintf(time, sizeof time, " importance %d/%d ? ", a->imp.done, a->imp.total);
	else if (a->have_frame)
		snprintf(time, sizeof time, " %.1f ms ? ", a->front->ms);
	else
		snprintf(time, sizeof time, " ? help ");
	tw = input_width(time, 0, strlen(time));
	rw = input_width(right, 0, strlen(right));
	status_left(a, left, sizeof left, COLS - tw - rw);
	term_clear(LINES - 1, 0, COLS, A_REVERSE);
	lw = term_text(LINES - 1, 0, COLS, left, A_REVERSE | A_BOLD);
	x = COLS - tw - rw < lw ? lw : COLS - tw - rw;
	if (x < COLS - tw && term_text(LINES - 1, x, COLS - tw - x, right, A_REVERSE) < rw)
		term_text(LINES - 1, COLS - tw - 1, 1, "\u2026", A_REVERSE);   /* clipped */
	term_text(LINES - 1, COLS - tw, tw, time, A_REVERSE | A_BOLD);
}

/* The prompt over the status bar, with the cursor in it: `:` for a mode
 * spec, W and L for a preset file. */
static void
draw_prompt(const app *a)
{
	static const struct {
		const char *mark, *hint;
	} kinds[] = {
		[PROMPT_SPEC] = { ":", "mode spec: L2H5=uniform, L3=average, papa-half; "
		    "Enter applies, Esc cancels" },
		[PROMPT_SAVE] = { "W", "write the head modes to a preset file: type its path; "
		    "Enter writes, Esc cancels" },
		[PROMPT_LOAD] = { "L", "load head modes from a preset file: type its path; "
		    "Enter loads, Esc cancels" },
	};
	const ui_input *in = a->prompt == PROMPT_SPEC ? &a->spec : &a->path;
	int w = COLS - 3;
	size_t start = input_window(in, w);

	draw_input(a);
	term_clear(LINES - 1, 0, COLS, A_NORMAL);
	term_text(LINES - 1, 0, 2, kinds[a->prompt].mark, A_BOLD);
	if (in->len == 0)
		term_text(LINES - 1, 2, w, kinds[a->prompt].hint, A_DIM);
	else
		term_text(LINES - 1, 2, w, in->buf + start, A_NORMAL);
	term_cursor(LINES - 1, 2 + input_width(in->buf, start, in->cur));
}

/* Rows a lesson's caption takes above the status bar: its title, the
 * caption and the claims' line; two in a short window. */
static int
lesson_rows(const app *a)
{
	return a->lesson == NULL ? 0 : LINES >= 20 ? 5 : 2;
}

ui_rect
screen_body(const app *a)
{
	return (ui_rect){ 2, 0, LINES - 3 - lesson_rows(a), COLS };
}

/* The figures a caption reads, from the frame on screen. */
static void
lesson_figs_of(const app *a, const ui_frame *f, lesson_figs *out)
{
	*out = (lesson_figs){ a->layers, a->heads, 0, NULL, false, NULL, NULL, NULL, NULL };
	if (f == NULL)
		return;
	out->n = f->n;
	out->hs = f->hs;
	out->has_mask = f->nmask > 0 && f->nwatch == a->lesson->nwords;
	out->top = f->nmask > 0 && f->mask[0].k > 0 ? f->mask[0].pieces[0] : NULL;
	out->base_top = f->base_top;
	out->prob = f->watch;
	out->base = f->watch_base;
}

/* The lesson's bar: where we are, the caption with its live figures, and
 * whether the step's claims hold on this model. */
static void
draw_lesson(const app *a, const view_ctx *c)
{
	const lesson *l = a->lesson;
	const lesson_step *s = &l->steps[a->step];
	int rows = lesson_rows(a), y = LINES - 1 - rows, failed = 0, first = -1;
	char buf[1024], why[256];
	const char *p = buf;
	lesson_figs f;

	snprintf(buf, sizeof buf, " %s \u2502 step %d/%d: %s ", l->title, a->step + 1, l->nsteps,
	    s->title[0] ? s->title : "");
	term_clear(y, 0, COLS, A_BOLD | A_UNDERLINE);
	term_text(y, 0, COLS, buf, A_BOLD | A_UNDERLINE);
	if (COLS > 40)
		term_text(y, COLS - 17, 17, " n next \u00b7 p back", A_BOLD | A_UNDERLINE);
	lesson_figs_of(a, c->frame, &f);
	if (c->frame == NULL) {
		term_text(y + 1, 1, COLS - 1, "computing\u2026", A_DIM);
		return;
	}
	lesson_caption(l, s, &f, buf, sizeof buf);
	/* the caption wraps at words; the last row is the claims' */
	for (int r = 1; r < (rows > 2 ? rows - 1 : rows) && *p != '\0'; r++) {
		size_t k = widget_fit_words(p, COLS - 2);
		char line[512];

		if (k >= sizeof line)
			k = sizeof line - 1;
		memcpy(line, p, k);
		line[k] = '\0';
		term_text(y + r, 1, COLS - 2, line, A_NORMAL);
		p += k;
		while (*p == ' ')
			p++;
	}
	if (rows <= 2 || s->nclaims == 0)
		return;
	for (int k = 0; k < s->nclaims; k++)
		if (!lesson_claim(l, s, k, &f, why, sizeof why) && failed++ == 0)
			first = k;
	if (failed == 0) {
		snprintf(buf, sizeof buf, "\u2713 %s on this model", s->nclaims == 1 ? "the claim holds"
		    : "every claim holds");
		term_text(y + rows - 1, 1, COLS - 2, buf, A_DIM);
		return;
	}
	lesson_claim(l, s, first, &f, why, sizeof why);
	snprintf(buf, sizeof buf, "\u2717 not on this model: %s%s", why, failed > 1 ? " (and more)" : "");
	term_text(y + rows - 1, 1, COLS - 2, buf, A_BOLD);
}

void
screen_draw(const app *a, const view_ctx *c, const ui_view *v, const void *vst)
{
	term_begin();
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
		draw_too_small();
		term_flush();
		return;
	}
	widget_token_strip(c->frame, 1, COLS, v->focus != NULL ? v->focus(c, vst) : -1);
	v->draw(c, vst, screen_body(a));
	if (a->lesson != NULL)
		draw_lesson(a, c);
	draw_status(a);
	if (a->help)
		help_view.draw(c, a->help_state, screen_body(a));
	if (a->prompting)
		draw_prompt(a);
	else
		draw_input(a);    /* last: it leaves the cursor in the sentence */
	term_flush();
}
