/* export_screen.c — ANSI exports and the explorer's `e` key (see
 * export_screen.h).
 *
 * An ANSI export is never a second drawing of a view: heed export sets up
 * an explorer as a fresh one opens on the sentence (the same app, views,
 * frame from the same worker code, status bar), draws it with app_draw
 * into term.c's offscreen buffer, and term_snapshot writes the cells out
 * with the renderer's own painter.  In the explorer, `e` then `a` writes
 * the cells of the screen itself.  View 6 is drawn once its scan is
 * complete: the worker runs it synchronously (worker_importance) into the
 * numbers the view reads, as the explorer shows it when the scan ends. */
#define _POSIX_C_SOURCE 200809L
#include "export_screen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "key.h"
#include "term.h"

/* The importance scan of the frame just computed, as the explorer takes
 * it from the queue; a->imp only points at the worker's arrays (the app
 * was never started, so app_free leaves them). */
static int
imp_of(app *a, const export_req *r, ui_worker *w, heed_err *e)
{
	const ui_imp *p;
	int rc;

	a->imp_req = (ui_imp_req){ true, r->imp_replace, r->imp_order };
	if ((rc = worker_importance(w, a->imp_req, &p, e)) < 0)
		return rc;
	a->imp = *p;
	a->have_imp = true;
	return HEED_OK;
}

int
export_screen_cli(const export_req *r, const heed_session *h, ui_worker *w,
		  const tok_result *t, const char *sentence, char **buf, size_t *len, heed_err *e)
{
	app a;
	ui_frame *f;
	int rc;

	app_init(&a);
	a.m = h->m;
	a.modes = h->modes;
	a.layers = h->m->cfg.layers;
	a.heads = h->m->cfg.heads;
	a.max_tokens = h->max_tokens;
	a.pal = r->pal;
	a.geom.scale = (int)r->scale;
	input_set(&a.in, sentence);
	a.tok = *t;
	a.have_tok = true;
	/* --words: the explorer after `w`, its words cut as submit cuts them */
	a.want_words = r->words;
	if (r->words) {
		frame_words_init(&a.words, t->n);
		frame_words_cut(&a.words, h->vocab, t, sentence);
	}
	/* notices (no calibration, a forward that overflowed) last until the
	 * next key in the explorer: an export shows the view without them */
	term_offscreen(r->rows, r->cols, r->depth);
	/* the explorer's first job is made for the grid's area */
	a.view = VIEW_GRID;
	app_draw(&a);
	rc = worker_compute(w, t->tok, t->n, h->modes, &a.geom, r->words ? &a.words : NULL, &f, e);
	if (rc == HEED_OK) {
		a.front = f;
		a.have_frame = true;
		a.view = r->view;
		a.sel_layer = r->layer;
		a.sel_head = r->head;
		/* view 6 as the explorer shows it once its scan is complete:
		 * the worker's numbers for this frame, read where they are */
		if (r->view == VIEW_IMP)
			rc = imp_of(&a, r, w, e);
	}
	if (rc == HEED_OK) {
		/* the query as a user picks it: the cursor moves right from the
		 * first token */
		for (int i = 0; r->view == VIEW_TOKENS && i < r->query; i++)
			app_press(&a, UI_FN(KEY_RIGHT));
		app_draw(&a);
		*buf = term_snapshot(len);
	}
	term_end();
	/* what the session and the worker own is theirs to free */
	a.front = NULL;
	a.m = NULL;
	a.modes = NULL;
	app_free(&a);
	return rc;
}

/* A name in the current folder no file has yet: heed-VIEW-N.EXT. */
static int
new_path(const char *view, export_format f, char *out, size_t cap, heed_err *e)
{
	for (int i = 1; i < 10000; i++) {
		snprintf(out, cap, "heed-%s-%d.%s", view, i, export_format_ext(f));
		if (access(out, F_OK) != 0)
			return HEED_OK;
	}
	return err_set(e, HEED_EIO, "no free heed-%s-N.%s name in this folder", view,
	    export_format_ext(f));
}

static int
export_now(app *a, export_format fmt, char *path, size_t cap, heed_err *e)
{
	export_req r = { fmt, a->view, a->sel_layer, a->sel_head, 0, a->pal,
	    (frame_scale)a->geom.scale, term_cols(), term_lines(), term_depth(),
	    a->want_words && a->front->has_words, 0, 0, NULL };
	const char *view = export_view_name(a->view);
	char *spec, *cmd, *buf = NULL;
	size_t len = 0;
	int rc;

	if (view == NULL)
		return err_set(e, HEED_EINVAL, "this view has no export");
	if (a->view == VIEW_TOKENS) {
		/* the query as the view counts it: a word while `w` is on */
		ui_grain g = frame_grain(a->front, r.words);

		r.query = frame_grain_item(&g, app_focus(a));
	}
	if (a->view == VIEW_IMP) {
		/* the numbers on screen, once the scan for this frame is complete */
		if (!a->have_imp || a->imp.gen != a->front->gen || !a->imp.curve_done ||
		    a->imp.req.replace != a->imp_req.replace || a->imp.req.order != a->imp_req.order)
			return err_set(e, HEED_EINVAL, "the importance scan is still running");
		r.imp = &a->imp;
		r.imp_replace = a->imp_req.replace;
		r.imp_order = a->imp_req.order;
	}
	if ((rc = new_path(view, fmt, path, cap, e)) < 0)
		return rc;
	spec = export_modes_spec(a->modes, a->layers, a->heads);
	cmd = export_command(&r, a->model_arg, spec, a->in.buf, path);
	if (fmt == EXPORT_ANSI) {
		/* the screen without the export's question on it */
		app_draw(a);
		buf = term_snapshot(&len);
	} else {
		export_source src = { a->m->name ? a->m->name : "model", a->in.buf, spec, cmd };

		rc = export_render(&r, &src, a->front, a->modes, &buf, &len, e);
	}
	if (rc == HEED_OK)
		rc = export_write(path, buf, len, e);
	free(buf);
	free(spec);
	free(cmd);
	return rc;
}

void
export_screen_key(app *a, int key)
{
	static const struct { int key; export_format f; } keys[] = {
		{ 's', EXPORT_SVG }, { 'h', EXPORT_HTML }, { 'a', EXPORT_ANSI }, { 't', EXPORT_TXT },
	};
	char path[64];
	heed_err e;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].key != key)
			continue;
		/* the frame must be the one the modes asked for */
		if (!a->have_frame || a->computing) {
			app_message(a, "export: %s", a->have_frame ? "still computing; press e again"
			    : "nothing to export yet");
			return;
		}
		if (export_now(a, keys[i].f, path, sizeof path, &e) < 0)
			app_message(a, "export: %s", e.msg);
		else
			app_message(a, "wrote %s", path);
		return;
	}
	app_message(a, "export: nothing written");
}
