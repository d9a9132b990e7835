/* keys.c — key dispatch: the help overlay first, then the sentence editor
 * while editing, then keys that mean the same in every view, then the
 * view's own keys. */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include "term.h"

static const ui_view *const views[VIEW_COUNT] = {
	[VIEW_GRID] = &view_grid,
	[VIEW_HEAD] = &view_head,
	[VIEW_TOKENS] = &view_tokens,
	[VIEW_OUTPUT] = &view_output,
};

bool
keys_direction(int key, int *dy, int *dx)
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
	if (key == '\r' || key == '\n' || key == UI_FN(KEY_ENTER) || key == UI_ESC) {
		input_hist_push(&a->in);
		a->editing = false;
	} else if (edit_change(&a->in, key)) {
		app_text_changed(a);
	} else {
		edit_motion(&a->in, key);
	}
	app_dirty(a);
}

static bool
mode_available(const app *a, head_mode m)
{
	if (!enc_mode_needs_calib(m))
		return true;
	return a->cal != NULL && (m != HEAD_SYNTH_DENSE || a->cal->has_synth);
}

static void
set_modes(app *a, int from, int count, head_mode m)
{
	for (int i = from; i < from + count; i++)
		a->modes[i] = (uint8_t)m;
	app_modes_changed(a);
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

static void
preset(app *a, const char *spec)
{
	size_t n = (size_t)a->layers * a->heads;
	uint8_t *modes = xmalloc(n);
	heed_err e;

	memcpy(modes, a->modes, n);
	if (enc_modes_parse(spec, a->layers, a->heads, a->cal, modes, &e) < 0) {
		app_message(a, "%s", e.msg);
	} else {
		memcpy(a->modes, modes, n);
		app_modes_changed(a);
		app_message(a, "preset %s", spec);
	}
	free(modes);
}

/* The `:` prompt: a head-mode spec such as L2H5=uniform or papa-half. */
static void
spec_key(app *a, int key)
{
	if (key == '\r' || key == '\n' || key == UI_FN(KEY_ENTER)) {
		a->prompting = false;
		if (a->spec.len > 0) {
			input_hist_push(&a->spec);
			preset(a, a->spec.buf);
		}
		input_set(&a->spec, "");
	} else if (key == UI_ESC) {
		a->prompting = false;
		input_set(&a->spec, "");
	} else if (!edit_change(&a->spec, key)) {
		edit_motion(&a->spec, key);
	}
	app_dirty(a);
}

static bool
mode_key(app *a, int key)
{
	head_mode sel = app_mode(a, a->sel_layer, a->sel_head);

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
		preset(a, "papa-half");
		return true;
	default:
		return false;
	}
}

static void
show(app *a, view_id v)
{
	a->view = v;
	app_dirty(a);
}

static bool
global_key(app *a, int key)
{
	switch (key) {
	case 'q': case UI_CTRL('c'): a->quit = true; return true;
	case '?': a->help = true; break;
	case '\t': show(a, (view_id)((a->view + 1) % VIEW_COUNT)); break;
	case UI_FN(KEY_BTAB): show(a, (view_id)((a->view + VIEW_COUNT - 1) % VIEW_COUNT)); break;
	case '1': case '2': case '3': case '4': show(a, (view_id)(key - '1')); break;
	case UI_ESC: show(a, VIEW_GRID); break;
	case 'i': case 'e': case '/': a->editing = true; break;
	case ':': a->prompting = true; break;
	case 'p':
		a->pal = pal_next(a->pal);
		app_message(a, "palette: %s", pal_name(a->pal));
		break;
	default:
		return mode_key(a, key);
	}
	app_dirty(a);
	return true;
}

static void
mouse(app *a)
{
	MEVENT ev;

	if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return;
	if (a->help) {
		a->help = false;
		app_dirty(a);
		return;
	}
	if (views[a->view]->click != NULL && views[a->view]->click(a, ev.y, ev.x))
		app_dirty(a);
}

void
keys_handle(app *a, int key)
{
	if (key == UI_FN(KEY_RESIZE)) {
		app_dirty(a);
		return;
	}
	a->msg[0] = '\0';   /* a notice lasts until the next key */
	if (key == UI_FN(KEY_MOUSE)) {
		mouse(a);
	} else if (a->help) {
		a->help = false;
		app_dirty(a);
	} else if (key == UI_CTRL('c')) {
		a->quit = true;
	} else if (a->prompting) {
		spec_key(a, key);
	} else if (a->editing) {
		edit_key(a, key);
	} else if (!views[a->view]->key(a, key)) {
		global_key(a, key);
	}
}

const ui_view *
keys_view(const app *a)
{
	return views[a->view];
}
