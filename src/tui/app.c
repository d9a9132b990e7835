/* app.c — the explorer's core: the loop, key dispatch, actions, requests
 * to the encoder thread and the redraw (see app.h for the life of a key).
 *
 * The libuv loop on the main thread owns the terminal: stdin through
 * uv_poll (keys are read with wgetch in nodelay mode), signals through
 * uv_signal, a zero-delay timer that turns a burst of edits into one job,
 * an async handle the encoder thread wakes when a frame is ready, and a
 * prepare handle that redraws once per loop turn when something marked
 * the screen dirty (tmux's server_client_check_redraw).  When the terminal
 * cannot take output as fast as frames come (stdout would block: a slow
 * link), the redraw waits for stdout to drain and then draws the newest
 * state once; the frames in between are never drawn.
 *
 * With HEED_TRACE=FILE heed appends, for every frame that first shows a
 * change's result, the milliseconds from the key to that frame (and of
 * those, the encoder thread's job and the drawing), and once the start-up
 * time to the first frame with a result (bench/tui_latency).
 */
#define _POSIX_C_SOURCE 200809L
#include "app.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/enc.h"
#include "export_screen.h"
#include "key.h"
#include "screen.h"
#include "term.h"

/* How long after the last key the burst ends and the exact frame is
 * made: longer than the gap between a typist's keys (about 100 ms at 10
 * keys a second), short enough that the picture at rest comes at once.
 * Enter or Esc, which end the typing, end the burst at once. */
#define UI_SETTLE_MS 300

/* The view table: the order of Tab and of the keys 1-6. */
static const ui_view *const views[VIEW_COUNT] = {
	[VIEW_GRID] = &grid_view,
	[VIEW_HEAD] = &head_view,
	[VIEW_TOKENS] = &tokens_view,
	[VIEW_OUTPUT] = &output_view,
	[VIEW_STATS] = &stats_view,
	[VIEW_IMP] = &imp_view,
	[VIEW_INSIDE] = &inside_view,
};

void
app_init(app *a)
{
	memset(a, 0, sizeof *a);
	a->t_start = util_now_ms();
	a->tok_ws = tok_ws_new();
	input_init(&a->in);
	input_init(&a->spec);
	input_init(&a->path);
	input_init(&a->paste);
	for (int v = 0; v < VIEW_COUNT; v++)
		a->vstate[v] = xcalloc(1, views[v]->state_size > 0 ? views[v]->state_size : 1);
	a->help_state = xcalloc(1, help_view.state_size);
}

void
app_message(app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

static void
ctx_of(const app *a, view_ctx *c)
{
	c->frame = a->have_frame ? a->front : NULL;
	c->modes = a->modes;
	c->layers = a->layers;
	c->heads = a->heads;
	c->sel_layer = a->sel_layer;
	c->sel_head = a->sel_head;
	c->query = a->probe_query;
	c->pin = &a->pin;
	c->pal = a->pal;
	c->scale = (frame_scale)a->geom.scale;
	c->words = a->want_words;
	c->computing = a->computing;
	c->want_token = a->want_token;
	c->want_serial = a->want_serial;
	c->want_sort = a->want_sort;
	c->want_sort_down = a->want_sort_down;
	c->want_sort_serial = a->want_sort_serial;
	c->notice = a->msg;
	c->imp = a->have_imp ? &a->imp : NULL;
	c->imp_req = a->imp_req;
}

/* ---- requests to the encoder thread ------------------------------------ */

/* Tokenise the sentence and hand the newest job to the worker. */
static void
submit(app *a)
{
	heed_err e;

	if (tok_encode_line(a->vocab, a->tok_ws, a->in.buf, a->in.len, a->m->cfg.lowercase,
	    a->max_tokens, &a->tok, &e) < 0) {
		a->have_tok = false;
		a->computing = false;
		app_message(a, "%s", e.msg);
		return;
	}
	a->have_tok = true;
	for (int i = 0; i < a->tok.n; i++)
		a->ids[i] = a->tok.tok[i].id;
	/* only the inside view pays for looking inside a head */
	if (a->probe_query >= a->tok.n)
		a->probe_query = a->tok.n - 1;
	queue_set_probe(&a->q, &(frame_probe_ask){ a->view == VIEW_INSIDE ? a->sel_layer : -1,
	    a->sel_head, a->probe_query });
	if (a->want_words)
		frame_words_cut(&a->words, a->vocab, &a->tok, a->in.buf);
	a->geom.burst = a->typing;
	queue_submit_tokens(&a->q, queue_gen(&a->q), a->tok.tok, a->tok.n, a->modes, &a->geom,
	    a->want_words ? &a->words : NULL);
	a->computing = true;
	a->dirty = true;
}

static void
on_debounce(uv_timer_t *t)
{
	submit(t->data);
}

/* Keys paused for UI_SETTLE_MS: one more job for the same sentence, whose
 * frame has the thumbnails exact and fitted for it (frame_derive), so the
 * screen at rest shows the last state exactly.  The encoder recomputes
 * nothing; the status line keeps what it says, as nobody waits for this. */
static void
on_settle(uv_timer_t *t)
{
	app *a = t->data;
	bool computing = a->computing;

	a->typing = false;
	queue_bump(&a->q);
	submit(a);
	a->computing = computing;
}

/* Something changed: invalidate the work in flight at once (the worker
 * sees the new generation between layers) and submit on the next loop
 * turn, after every key already read.  A wait after typing would only add
 * latency: the worker drops stale jobs between layers by itself.  Text
 * starts or prolongs a burst of keys, whose frames keep the thumbnails'
 * fit, let a pixel lag its value by a colour step and redraw at most an
 * eighth of the thumbnails (frame.h): the bytes a key costs on a slow
 * link; the settle timer ends it. */
static void
changed(app *a, bool text)
{
	if (text) {
		a->typing = true;
		uv_timer_start(&a->settle, on_settle, (uint64_t)a->settle_ms, 0);
	}
	queue_bump(&a->q);
	a->computing = true;
	uv_timer_start(&a->debounce, on_debounce, 0, 0);
	a->dirty = true;
	a->t_change = util_now_ms();
	a->change_is_text = text;
	a->change_pending = true;
}

/* ---- actions ------------------------------------------------------------ */

static void refresh_frame(app *a);

/* The grid's thumbnails want another size or scale: ask for a frame made
 * for it.  The encoder recomputes nothing for the same sentence and modes. */
static void
refresh_frame(app *a)
{
	if (a->started && a->have_frame) {
		/* not a change the user made: the trace does not time it */
		queue_bump(&a->q);
		a->computing = true;
		uv_timer_start(&a->debounce, on_debounce, 0, 0);
	}
}

/* The importance scan runs only while its view shows: showing it asks
 * for one (the worker answers a repeat from what it has). */
static void
show(app *a, view_id v)
{
	bool want = v == VIEW_IMP;
	bool inside = v == VIEW_INSIDE && a->view != VIEW_INSIDE;

	a->view = v;
	a->dirty = true;
	if (want != a->imp_req.want) {
		a->imp_req.want = want;
		queue_imp_request(&a->q, &a->imp_req);
		if (want)
			refresh_frame(a);
	}
	if (inside)   /* the frame has no head to look inside yet */
		refresh_frame(a);
}

/* I: view 6 for the selected head's replacement: each head replaced by
 * the mode the selected head has (when it is not input; else the
 * replacement stays), the selected head marked in the heatmap. */
static void
open_importance(app *a)
{
	head_mode m = (head_mode)a->modes[a->sel_layer * a->heads + a->sel_head];

	if (m != HEAD_INPUT && m != (head_mode)a->imp_req.replace) {
		a->imp_req.replace = (uint8_t)m;
		if (a->imp_req.want)
			queue_imp_request(&a->q, &a->imp_req);
	}
	app_message(a, "importance: each head replaced by %s attention, L%dH%d marked",
	    enc_mode_name((head_mode)a->imp_req.replace), a->sel_layer + 1, a->sel_head + 1);
	show(a, VIEW_IMP);
}

/* r: the next replacement this model can run; o: the other curve order. */
static void
imp_cycle(app *a, int what)
{
	if (what == 0) {
		head_mode m = (head_mode)a->imp_req.replace;

		do
			m = (head_mode)(m % (HEAD_MODE_COUNT - 1) + 1);   /* never input */
		while (!enc_mode_available(m, a->cal));
		a->imp_req.replace = (uint8_t)m;
		app_message(a, "importance: each head replaced by %s attention", enc_mode_name(m));
	} else if (a->cal == NULL || a->cal->stats == NULL) {
		app_message(a, "the PAPA ranking needs a calibration file (heed calibrate)");
		return;
	} else {
		a->imp_req.order = (uint8_t)((a->imp_req.order + 1) % IMP_ORDER_COUNT);
		app_message(a, "replacement curve: %s", a->imp_req.order == IMP_ORDER_PAPA ?
		    "least input-dependent heads first (PAPA)" : "least important heads first");
	}
	queue_imp_request(&a->q, &a->imp_req);
	refresh_frame(a);
}

static void
set_geometry(app *a, int w, int h)
{
	if (w == a->geom.w && h == a->geom.h && term_rows_per_line() == a->geom.rpl)
		return;
	a->geom = (frame_geom){ w, h, term_rows_per_line(), a->geom.scale, a->pal, term_depth(), false };
	pin_geometry(&a->pin, &a->geom);
	refresh_frame(a);
}

/* S: the next colour scale; the thumbnails' levels come with the frame. */
static void
cycle_scale(app *a)
{
	static const char *const what[SCALE_COUNT] = {
		"colour scale: absolute, weight 0 to 1",
		"colour scale: 0 to the largest weight in each layer",
		"colour scale: 0 to the largest weight in each head",
	};

	a->geom.scale = (a->geom.scale + 1) % SCALE_COUNT;
	pin_geometry(&a->pin, &a->geom);
	refresh_frame(a);
	app_message(a, "%s", what[a->geom.scale]);
}

/* w: words or pieces in the head and tokens views; the worker makes the
 * word matrices only while they are asked for. */
static void
toggle_words(app *a)
{
	a->want_words = !a->want_words;
	refresh_frame(a);
	app_message(a, "%s", a->want_words
	    ? "words: pieces merged; attention to a word summed, from a word averaged"
	    : "word pieces, as the model sees them");
}

/* Carry out what a view asked for; returns false for ACT_PASS. */
static bool
act(app *a, ui_action x)
{
	switch (x.kind) {
	case ACT_PASS:
		return false;
	case ACT_NONE:
		break;
	case ACT_REDRAW:
		a->dirty = true;
		break;
	case ACT_SELECT:
		a->sel_layer = x.a;
		a->sel_head = x.b;
		a->dirty = true;
		if (a->view == VIEW_INSIDE)
			refresh_frame(a);
		break;
	case ACT_INSIDE:
		a->probe_query = x.a;
		if (a->view == VIEW_INSIDE)
			refresh_frame(a);
		show(a, VIEW_INSIDE);
		break;
	case ACT_SHOW:
		show(a, (view_id)x.a);
		break;
	case ACT_SAY:
		app_message(a, "%s", x.text);
		break;
	case ACT_GEOMETRY:
		set_geometry(a, x.a, x.b);
		break;
	case ACT_IMP:
		imp_cycle(a, x.a);
		break;
	}
	return true;
}

/* ---- the core's own keys ----------------------------------------------- */

static bool
edit_motion(ui_input *in, int key)
{
	switch (key) {
	case UI_FN(KEY_LEFT): return input_left(in);
	case UI_FN(KEY_RIGHT): return input_right(in);
	case UI_FN(KEY_HOME): case UI_CTRL('a'): return input_home(in);
	case UI_FN(KEY_END): case UI_CTRL('e'): return input_end(in);
	default: return false;
	}
}

/* Returns true when the text changed. */
static bool
edit_change(ui_input *in, int key)
{
	switch (key) {
	case UI_FN(KEY_BACKSPACE): case 127: case UI_CTRL('h'): return input_backspace(in);
	case UI_FN(KEY_DC): case UI_CTRL('d'): return input_delete(in);
	case UI_CTRL('w'): return input_kill_word(in);
	case UI_CTRL('u'): return input_kill_line(in);
	case UI_FN(KEY_UP): return input_hist_prev(in);
	case UI_FN(KEY_DOWN): return input_hist_next(in);
	default:
		if (key >= 0x20 && key != 127)
			return input_insert_cp(in, (unsigned)key);
		return false;
	}
}

static void
edit_key(app *a, int key)
{
	if (key_is_enter(key) || key == UI_ESC) {
		input_hist_push(&a->in);
		a->editing = false;
		/* the typist is done: the exact frame now, not 0.3 s on (an
		 * export or a look right after sees the picture at rest) */
		if (a->typing) {
			uv_timer_stop(&a->settle);
			on_settle(&a->settle);
		}
	} else if (edit_change(&a->in, key)) {
		changed(a, true);
	} else {
		edit_motion(&a->in, key);
	}
	a->dirty = true;
}

static bool
mode_available(const app *a, head_mode m)
{
	return enc_mode_available(m, a->cal);
}

static void
set_modes(app *a, int from, int count, head_mode m)
{
	for (int i = from; i < from + count; i++)
		a->modes[i] = (uint8_t)m;
	changed(a, false);
}

static void
cycle_mode(app *a)
{
	int i = a->sel_layer * a->heads + a->sel_head;
	head_mode m = (head_mode)a->modes[i];

	do
		m = (head_mode)((m + 1) % HEAD_MODE_COUNT);
	while (!mode_available(a, m));
	set_modes(a, i, 1, m);
	app_message(a, "L%dH%d: %s attention", a->sel_layer + 1, a->sel_head + 1, enc_mode_name(m));
}

static int
heads_not_input(const app *a)
{
	int count = 0;

	for (int i = 0; i < a->layers * a->heads; i++)
		count += a->modes[i] != HEAD_INPUT;
	return count;
}

/* A mode spec (`:`, P) or, from L, a preset file whatever its name (a
 * file called "input" too), applied to a copy of the modes: a bad item or
 * line changes nothing and is named (with its line number). */
static void
apply_modes(app *a, const char *spec, bool file)
{
	size_t n = (size_t)a->layers * a->heads;
	uint8_t *modes = xmalloc(n);
	heed_err e;
	int rc;

	memcpy(modes, a->modes, n);
	rc = file ? enc_modes_load(spec, a->layers, a->heads, a->cal, modes, &e)
	    : enc_modes_parse(spec, a->layers, a->heads, a->cal, modes, &e);
	if (rc < 0) {
		app_message(a, "%s", e.msg);
	} else {
		memcpy(a->modes, modes, n);
		changed(a, false);
		if (file)
			app_message(a, "modes loaded from %s (%d heads not input)", spec,
			    heads_not_input(a));
		else
			app_message(a, "preset %s", spec);
	}
	free(modes);
}

/* W: the head modes as a preset file (enc_modes_save writes it
 * atomically: a failed write leaves the old file as it was). */
static void
save_modes(app *a, const char *path)
{
	heed_err e;

	if (enc_modes_save(path, a->modes, a->layers, a->heads, &e) < 0)
		app_message(a, "%s", e.msg);
	else
		app_message(a, "modes written to %s (%d heads not input)", path, heads_not_input(a));
}

ui_input *
app_prompt_input(app *a)
{
	return a->prompt == PROMPT_SPEC ? &a->spec : &a->path;
}

static void
start_prompt(app *a, prompt_kind k)
{
	a->prompting = true;
	a->prompt = k;
}

/* The prompt: a head-mode spec such as L2H5=uniform or papa-half (`:`),
 * or a preset file to write (W) or read (L).  Each keeps its history. */
static void
prompt_key(app *a, int key)
{
	ui_input *in = app_prompt_input(a);

	if (key_is_enter(key)) {
		a->prompting = false;
		if (in->len > 0) {
			input_hist_push(in);
			if (a->prompt == PROMPT_SAVE)
				save_modes(a, in->buf);
			else
				apply_modes(a, in->buf, a->prompt == PROMPT_LOAD);
		}
		input_set(in, "");
	} else if (key == UI_ESC) {
		a->prompting = false;
		input_set(in, "");
	} else if (!edit_change(in, key)) {
		edit_motion(in, key);
	}
	a->dirty = true;
}

static bool
mode_key(app *a, int key)
{
	head_mode sel = (head_mode)a->modes[a->sel_layer * a->heads + a->sel_head];

	switch (key) {
	case 'm': cycle_mode(a); return true;
	case 'M':
		set_modes(a, a->sel_layer * a->heads, a->heads, sel);
		app_message(a, "layer %d: %s attention", a->sel_layer + 1, enc_mode_name(sel));
		return true;
	case 'A':
		set_modes(a, 0, a->layers * a->heads, sel);
		app_message(a, "every head: %s attention", enc_mode_name(sel));
		return true;
	case '0':
		set_modes(a, 0, a->layers * a->heads, HEAD_INPUT);
		app_message(a, "every head back to input attention");
		return true;
	case 'P':
		apply_modes(a, "papa-half", false);
		return true;
	default:
		return false;
	}
}

/* b: pin the result on screen, or unpin.  The loop copies what the grid
 * and head views need; the worker is not involved. */
static void
toggle_pin(app *a)
{
	if (a->pin.on) {
		pin_drop(&a->pin);
		app_message(a, "unpinned");
	} else if (!a->have_frame || a->computing) {
		app_message(a, "nothing to pin until the result is on screen");
	} else {
		/* its words too, shown or not: the pane follows w from now on */
		bool cut = a->have_tok && a->tok.n == a->front->n;

		if (cut)
			frame_words_cut(&a->words, a->vocab, &a->tok, a->in.buf);
		pin_take(&a->pin, a->front, cut ? &a->words : NULL, a->in.buf, &a->geom);
		app_message(a, "pinned; b unpins");
	}
}

/* A step names views and curve orders by the explorer's numbers. */
_Static_assert((int)LESSON_IMPORTANCE == (int)VIEW_IMP && (int)LESSON_STATS == (int)VIEW_STATS,
    "a lesson's views are the explorer's first six");
_Static_assert(LESSON_ORDER_PAPA == (int)IMP_ORDER_PAPA &&
    LESSON_ORDER_IMPORTANCE == (int)IMP_ORDER_SCORE, "a lesson's curve orders are view 6's");

/* Show step k of the lesson: its sentence, modes (from all input), view
 * and head, as if typed; the caption follows with the frame. */
static void
lesson_go(app *a, int k)
{
	const lesson_step *s;
	heed_err e;

	if (k < 0 || k >= a->lesson->nsteps) {
		app_message(a, k < 0 ? "the first step: n goes on" : "the last step: p goes back, q quits");
		return;
	}
	s = &a->lesson->steps[k];
	a->step = k;
	a->editing = false;
	input_set(&a->in, s->sentence);
	memset(a->modes, HEAD_INPUT, (size_t)a->layers * a->heads);
	/* lesson_bind checked every spec against this model at load */
	if (enc_modes_parse(s->modes, a->layers, a->heads, a->cal, a->modes, &e) < 0)
		app_message(a, "%s", e.msg);
	if (s->layer >= 0) {
		a->sel_layer = s->layer;
		a->sel_head = s->head;
	}
	if (s->token >= 0) {
		a->want_token = s->token;
		a->want_serial++;
	}
	if (s->sort >= 0) {
		a->want_sort = s->sort;
		a->want_sort_down = s->sort_down;
		a->want_sort_serial++;
	}
	/* words on or off as w does; the job below carries them or not */
	if (s->words >= 0)
		a->want_words = s->words == 1;
	/* view 6's replacement and order as r and o set them (lesson_bind
	 * checked the calibration they need); the scan follows the job below */
	if (s->imp_replace >= 0)
		a->imp_req.replace = (uint8_t)s->imp_replace;
	if (s->imp_order >= 0)
		a->imp_req.order = (uint8_t)s->imp_order;
	if (a->imp_req.want)
		queue_imp_request(&a->q, &a->imp_req);
	show(a, (view_id)s->view);
	changed(a, true);
}

static void
global_key(app *a, int key)
{
	/* in a lesson n and p step (p is the palette otherwise) */
	if (a->lesson != NULL && (key == 'n' || key == 'p')) {
		lesson_go(a, a->step + (key == 'n' ? 1 : -1));
		return;
	}
	switch (key) {
	case 'q': case UI_CTRL('c'): a->quit = true; return;
	case '?':
		a->help = true;
		memset(a->help_state, 0, help_view.state_size);   /* from the top */
		break;
	case '\t': show(a, (view_id)((a->view + 1) % VIEW_COUNT)); break;
	case UI_FN(KEY_BTAB): show(a, (view_id)((a->view + VIEW_COUNT - 1) % VIEW_COUNT)); break;
	case '1': case '2': case '3': case '4': case '5': case '6': show(a, (view_id)(key - '1')); break;
	case UI_ESC: show(a, VIEW_GRID); break;
	case 'I': open_importance(a); break;
	case 'i': case '/': a->editing = true; break;
	case 'e':
		a->exporting = true;
		app_message(a, "export as: s svg  h html  a ansi  t txt  (any other key: no)");
		break;
	case ':': start_prompt(a, PROMPT_SPEC); break;
	case 'W': start_prompt(a, PROMPT_SAVE); break;
	case 'L': start_prompt(a, PROMPT_LOAD); break;
	case 'S':
		cycle_scale(a);
		break;
	case 'w':
		toggle_words(a);
		break;
	case 'b':
		toggle_pin(a);
		break;
	case 'p':
		a->pal = pal_next(a->pal);
		a->geom.pal = a->pal;
		pin_geometry(&a->pin, &a->geom);
		app_message(a, "palette: %s", pal_name(a->pal));
		break;
	default:
		mode_key(a, key);
		return;
	}
	a->dirty = true;
}

/* A left click at cell (y, x), from curses or from term_sgr_mouse(). */
static void
click(app *a, int y, int x)
{
	const ui_view *v = views[a->view];
	view_ctx c;

	if (a->help) {
		a->help = false;
		a->dirty = true;
		return;
	}
	ctx_of(a, &c);
	if (v->mouse != NULL)
		act(a, v->mouse(&c, a->vstate[a->view], y, x));
}

static void
mouse(app *a)
{
	MEVENT ev;

	if (getmouse(&ev) == OK && (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		click(a, ev.y, ev.x);
}

/* The one function that runs for every key: the help overlay first, then
 * the prompt, the sentence editor while editing, the view's own keys, and
 * last the keys that mean the same in every view. */
static void
app_key(app *a, int key)
{
	const ui_view *v = views[a->view];
	view_ctx c;

	if (key == UI_FN(KEY_RESIZE)) {
		a->dirty = true;
		return;
	}
	a->msg[0] = '\0';   /* a notice lasts until the next key */
	if (key == UI_FN(KEY_MOUSE)) {
		mouse(a);
	} else if (a->help) {
		/* its own keys scroll it; any other closes it */
		ctx_of(a, &c);
		if (!act(a, help_view.key(&c, a->help_state, key))) {
			a->help = false;
			a->dirty = true;
		}
	} else if (key == UI_CTRL('c')) {
		a->quit = true;
	} else if (a->exporting) {
		a->exporting = false;
		export_screen_key(a, key);
	} else if (a->prompting) {
		prompt_key(a, key);
	} else if (a->editing) {
		edit_key(a, key);
	} else if (a->lesson != NULL && (key == 'n' || key == 'p')) {
		global_key(a, key);   /* a lesson's steps, before any view's n */
	} else {
		ctx_of(a, &c);
		if (!act(a, v->key(&c, a->vstate[a->view], key)))
			global_key(a, key);
	}
}

void
app_press(app *a, int key)
{
	app_key(a, key);
}

/* ---- loop callbacks ----------------------------------------------------- */

/* The importance numbers that came with this wake-up, if fresh; a
 * complete scan is traced like a frame. */
static void
take_importance(app *a)
{
	if (!queue_imp_take(&a->q, &a->imp))
		return;
	a->have_imp = true;
	a->dirty = true;
	if (a->trace != NULL && a->imp.curve_done) {
		fprintf(a->trace, "importance\t%.3f\t%d\t%d\n", a->imp.ms, a->imp.cancelled, a->imp.n);
		fflush(a->trace);
	}
}

static void
on_frame(uv_async_t *h)
{
	app *a = h->data;

	take_importance(a);
	if (!queue_take(&a->q, &a->front))
		return;
	a->computing = false;
	a->have_frame = a->front->err == HEED_OK;
	a->dirty = true;
	if (!a->have_frame) {
		app_message(a, "%s", a->front->msg);
		return;
	}
	if (a->front->warn[0] != '\0')
		app_message(a, "%s", a->front->warn);
	if (a->pin.on)
		pin_compare(&a->pin, a->front);
	/* a stale frame is never taken, so this one answers the last change */
	if (a->change_pending) {
		a->t_due = a->t_change;
		a->due_is_text = a->change_is_text;
		a->change_pending = false;
	}
}

/* ---- bracketed paste ---------------------------------------------------- */

/* One character of a paste: text, whatever it is.  Line breaks become
 * spaces (CR LF one space), other control characters are dropped, so a
 * pasted "q" or a pasted Enter is never a command. */
static void
paste_char(app *a, unsigned cp)
{
	bool brk = cp == '\r' || cp == '\n' || cp == '\t';

	if (cp == '\n' && a->paste_cr) {
		a->paste_cr = false;
		return;
	}
	a->paste_cr = cp == '\r';
	if (brk)
		input_insert_cp(&a->paste, ' ');
	else if (cp >= 0x20 && cp != 127)
		input_insert_cp(&a->paste, cp);
}

/* The paste is complete: insert it where the user types (the `:` prompt,
 * else the sentence, entering edit mode), as one change, so a paste of
 * 10,000 characters is one job for the encoder, not 10,000. */
static void
paste_end(app *a)
{
	ui_input *to = a->prompting ? app_prompt_input(a) : &a->in;

	a->pasting = false;
	a->help = false;
	a->dirty = true;
	if (!a->prompting)
		a->editing = true;
	if (a->paste.len == 0 || !input_insert(to, a->paste.buf, a->paste.len))
		return;
	if (to == &a->in)
		changed(a, true);
}

static void
on_stdin(uv_poll_t *p, int status, int events)
{
	app *a = p->data;
	unsigned cp[2];
	int rc;

	while (!a->quit && (rc = wgetch(stdscr)) != ERR) {
		if (rc == TERM_KEY_PASTE_BEGIN) {
			a->pasting = true;
			a->paste_cr = false;
			a->paste_last = util_now_ms();
			input_set(&a->paste, "");
			continue;
		}
		/* a paste comes in one burst: after a second of silence its end
		 * marker was lost, and the keys are the user's again */
		if (a->pasting && util_now_ms() - a->paste_last > 1000.0)
			paste_end(a);
		if (a->pasting) {
			a->paste_last = util_now_ms();
			if (rc == TERM_KEY_PASTE_END) {
				paste_end(a);
			} else if (rc < KEY_MIN) {
				int n = input_utf8_feed(&a->utf8, (unsigned char)rc, cp);

				for (int i = 0; i < n; i++)
					paste_char(a, cp[i]);
			}
			continue;   /* a key sequence inside a paste is not a key */
		}
		if (rc == TERM_KEY_SGR_MOUSE) {
			int y, x;

			a->msg[0] = '\0';
			if (term_sgr_mouse(&y, &x))
				click(a, y, x);
			continue;
		}
		if (rc >= KEY_MIN) {
			app_key(a, UI_FN(rc));
			continue;
		}
		int n = input_utf8_feed(&a->utf8, (unsigned char)rc, cp);
		for (int i = 0; i < n && !a->quit; i++)
			app_key(a, (int)cp[i]);
	}
	if (a->quit)
		uv_stop(a->loop);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	app *a = s->data;

	if (signum == SIGWINCH) {
		term_resize();
		a->dirty = true;
		return;
	}
	a->quit = true;
	uv_stop(a->loop);
}

/* After the frame that shows a new result: how long it took, and how much
 * of that was the encoder thread's job and drawing this frame. */
static void
trace_frame(app *a, double draw_ms)
{
	double now = util_now_ms();

	if (a->trace == NULL || a->t_due <= 0.0)
		return;
	fprintf(a->trace, "%s\t%.3f\t%.3f\t%.3f\n",
		!a->first_frame ? "startup" : a->due_is_text ? "keystroke" : "toggle",
		now - (!a->first_frame ? a->t_start : a->t_due), a->front->ms, draw_ms);
	fflush(a->trace);
	a->first_frame = true;
	a->t_due = 0.0;
}

/* stdout took more of a frame; once all of it, the next loop turn draws
 * the newest state. */
static void
on_stdout_writable(uv_poll_t *p, int status, int events)
{
	app *a = p->data;

	if (term_drain() > 0)
		return;
	uv_poll_stop(p);
	a->out_waiting = false;
}

int
app_focus(const app *a)
{
	const ui_view *v = views[a->view];
	view_ctx c;

	ctx_of(a, &c);
	return v->focus != NULL ? v->focus(&c, a->vstate[a->view]) : -1;
}

void
app_draw(app *a)
{
	const ui_view *v = views[a->view];
	view_ctx c;

	ctx_of(a, &c);
	if (v->resize != NULL)
		act(a, v->resize(&c, a->vstate[a->view], screen_body(a)));
	if (a->help)
		act(a, help_view.resize(&c, a->help_state, screen_body(a)));
	ctx_of(a, &c);    /* a view's resize may have moved the selection */
	screen_draw(a, &c, v, a->vstate[a->view]);
}

/* Once per loop turn: fit the current view, then draw the whole screen,
 * or hold it back until stdout drains. */
static void
on_prepare(uv_prepare_t *p)
{
	app *a = p->data;
	double t0;

	if (!a->dirty || a->quit || a->out_waiting)
		return;
	/* the terminal has not taken the last frame: drawing now would only
	 * queue a frame nobody will see; the newest state goes once it has */
	if (term_drain() > 0) {
		a->out_waiting = true;
		uv_poll_start(&a->out_poll, UV_WRITABLE, on_stdout_writable);
		return;
	}
	t0 = util_now_ms();
	a->dirty = false;
	app_draw(a);
	a->dirty = false; /* what resize asked for is on its way as a job */
	trace_frame(a, util_now_ms() - t0);
	if (term_pending() > 0) {   /* the rest goes as stdout takes it */
		a->out_waiting = true;
		uv_poll_start(&a->out_poll, UV_WRITABLE, on_stdout_writable);
	}
}

static void
loop_start(app *a)
{
	static const int sigs[4] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	const char *env;

	uv_poll_init(a->loop, &a->in_poll, STDIN_FILENO);
	uv_poll_start(&a->in_poll, UV_READABLE, on_stdin);
	/* stdout is often the same tty as stdin; libuv watches each
	 * descriptor on its own */
	uv_poll_init(a->loop, &a->out_poll, STDOUT_FILENO);
	for (int i = 0; i < 4; i++) {
		uv_signal_init(a->loop, &a->sig[i]);
		a->sig[i].data = a;
		uv_signal_start(&a->sig[i], on_signal, sigs[i]);
	}
	uv_timer_init(a->loop, &a->debounce);
	uv_timer_init(a->loop, &a->settle);
	/* HEED_SETTLE_MS, the tests' hook: a delay so long that only Enter
	 * or Esc can end a burst while a test looks */
	if ((env = getenv("HEED_SETTLE_MS")) == NULL ||
	    util_parse_long("HEED_SETTLE_MS", env, 1, 600000, &a->settle_ms, NULL) < 0)
		a->settle_ms = UI_SETTLE_MS;
	uv_prepare_init(a->loop, &a->redraw);
	uv_prepare_start(&a->redraw, on_prepare);
	a->in_poll.data = a->out_poll.data = a->debounce.data = a->redraw.data = a;
	a->settle.data = a;
}

static void
close_one(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void
loop_end(app *a)
{
	uv_walk(a->loop, close_one, NULL);
	uv_run(a->loop, UV_RUN_DEFAULT);
	uv_loop_close(a->loop);
}

void
app_free(app *a)
{
	if (a->started) {
		worker_stop(&a->w);
		queue_destroy(&a->q);
		frame_free(a->front);
		importance_free(&a->imp);
	}
	for (int v = 0; v < VIEW_COUNT; v++)
		free(a->vstate[v]);
	free(a->help_state);
	pin_free(&a->pin);
	tok_ws_free(a->tok_ws);
	input_free(&a->in);
	input_free(&a->spec);
	input_free(&a->path);
	input_free(&a->paste);
	free(a->modes);
	free(a->ids);
	frame_words_free(&a->words);
	if (a->trace != NULL)
		fclose(a->trace);
	lesson_free(a->lesson);
	calib_free(a->cal);
	tok_vocab_free(a->vocab);
	model_free(a->m);
}

int
app_run(app *a, bool mouse_on, int threads, const char *sentence, heed_err *e)
{
	view_ctx c;
	int rc;

	queue_init(&a->q, a->max_tokens, a->layers * a->heads);
	a->front = frame_new();
	importance_init(&a->imp, a->layers * a->heads);
	a->imp_req = (ui_imp_req){ a->view == VIEW_IMP,
	    (uint8_t)(enc_mode_available(HEAD_AVERAGE, a->cal) ? HEAD_AVERAGE : HEAD_UNIFORM),
	    IMP_ORDER_SCORE };
	queue_imp_request(&a->q, &a->imp_req);
	a->started = true;
	a->loop = uv_default_loop();
	uv_async_init(a->loop, &a->async, on_frame);
	a->async.data = a;
	rc = worker_start(&a->w, a->m, a->vocab, a->cal, a->max_tokens,
			  threads > 0 ? threads : enc_default_threads(), a->watch,
			  a->lesson != NULL ? a->lesson->nwords : 0, &a->q, &a->async, e);
	if (rc < 0)
		return rc;
	if ((rc = term_init(mouse_on, e)) < 0)
		return rc;
	if (term_notice()[0] != '\0')
		app_message(a, "%s", term_notice());
	loop_start(a);
	/* the first job already knows where the grid's thumbnails go */
	ctx_of(a, &c);
	act(a, grid_view.resize(&c, a->vstate[VIEW_GRID], screen_body(a)));
	a->editing = sentence == NULL && a->lesson == NULL;
	input_set(&a->in, sentence ? sentence : "");
	if (a->lesson != NULL)
		lesson_go(a, 0);
	input_hist_push(&a->in);
	a->t_change = a->t_start;   /* the first result's frame ends the start-up */
	a->change_pending = true;
	submit(a);
	a->dirty = true;
	uv_run(a->loop, UV_RUN_DEFAULT);
	term_end();
	worker_stop(&a->w);   /* before the async handle it wakes is closed */
	loop_end(a);
	return HEED_OK;
}
