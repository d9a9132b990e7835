/* app.h — the explorer's core: the state the loop thread owns, and the run.
 *
 * One app per process.  It holds what the user asked for (the sentence,
 * the head modes, the selection, the view), the newest frame from the
 * encoder thread, every view's own state, and the libuv handles.  Only the
 * loop thread touches it; the encoder thread sees the model, vocabulary
 * and calibration (read-only) and the queue (see queue.h for its locking).
 *
 * A key goes: app_key -> the view's key (or the core's) -> an action ->
 * app_act, which changes the app's state and, for an edit or a toggle,
 * asks the worker for a frame -> the worker's frame arrives (on_frame) ->
 * dirty -> one redraw on the next loop turn (screen_draw).  Nothing flows
 * back the other way.
 */
#ifndef HEED_TUI_APP_H
#define HEED_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "frame.h"
#include "heed/calib.h"
#include "heed/lesson.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "input.h"
#include "palette.h"
#include "pin.h"
#include "queue.h"
#include "view.h"
#include "worker.h"

typedef struct app app;

/* What the prompt over the status bar asks for. */
typedef enum {
	PROMPT_SPEC,     /* `:` a head-mode spec */
	PROMPT_SAVE,     /* W: a file to write the head modes to */
	PROMPT_LOAD,     /* L: a preset file to read them from */
} prompt_kind;

struct app {
	/* the model, read-only once loaded (shared with the encoder thread) */
	model *m;
	const char *model_arg;       /* -m as given (NULL: the bundled model), for
				      * the command line an export prints */
	tok_vocab *vocab;
	calib *cal;
	int layers, heads, max_tokens;

	/* what the user asked for */
	uint8_t *modes;              /* [layers*heads] head_mode */
	ui_input in;                 /* the sentence */
	ui_utf8 utf8;                /* a key's UTF-8 bytes so far */
	bool editing;
	ui_input spec;               /* the `:` prompt for a head-mode spec */
	ui_input path;               /* the W and L prompts for a preset file */
	bool prompting;
	prompt_kind prompt;          /* which, while prompting */
	bool exporting;              /* `e` was pressed: the next key picks a format */
	ui_input paste;              /* a bracketed paste so far */
	bool pasting, paste_cr;      /* inside one; its last character was CR */
	double paste_last;           /* when its last byte came */
	tok_ws *tok_ws;              /* the tokenizer's buffers, reused key after key */
	tok_result tok;              /* tokenisation of the last submitted text (in tok_ws) */
	int *ids;                    /* [max_tokens], its ids for the job */
	ui_words words;              /* its words, for the job when want_words */
	bool want_words;             /* w: words, not pieces, in the views */
	bool have_tok;
	frame_geom geom;             /* where the grid wants its thumbnails */

	/* a lesson (--lesson): its steps, the one shown (n and p step), and
	 * the ids of the words its figures read, which every frame carries */
	lesson *lesson;
	int step;
	int watch[UI_WATCH];
	int want_token;              /* the step's query token (view_ctx) */
	unsigned want_serial;
	int want_sort;               /* the step's order of the stats view (view_ctx) */
	bool want_sort_down;
	unsigned want_sort_serial;

	/* what is shown */
	view_id view;
	bool help;
	pal_kind pal;
	int sel_layer, sel_head;
	int probe_query;             /* the query token the inside view looks at */
	ui_pin pin;                  /* `b`: a result kept to compare against */
	void *vstate[VIEW_COUNT];    /* each view's own state */
	void *help_state;            /* the help overlay's (its scroll) */
	char msg[256];               /* one-line notice in the status bar */

	/* the encoder thread and its newest frame */
	ui_queue q;
	ui_worker w;
	bool started;                /* queue and worker exist */
	ui_frame *front;             /* the frame on screen (ours until swapped) */
	bool have_frame, computing;
	ui_imp_req imp_req;          /* importance: wanted while view 6 shows; how */
	ui_imp imp;                  /* the newest importance numbers taken */
	bool have_imp;

	/* the loop */
	uv_loop_t *loop;
	uv_poll_t in_poll, out_poll;
	uv_signal_t sig[4];
	uv_timer_t debounce;
	uv_timer_t settle;           /* keys paused: the exact frame (on_settle) */
	long settle_ms;              /* UI_SETTLE_MS, or the tests' HEED_SETTLE_MS */
	bool typing;                 /* keys are arriving: jobs ask for a burst's
				      * thumbnails (frame_geom.burst) */
	uv_prepare_t redraw;
	uv_async_t async;
	bool dirty, quit;
	bool out_waiting;            /* a frame is held back until stdout drains */

	/* HEED_TRACE: how long each change took to reach the screen */
	FILE *trace;                 /* NULL: not tracing */
	double t_start;              /* when heed started loading */
	double t_change;             /* the last edit or toggle that queued work */
	bool change_is_text;
	bool change_pending;         /* no frame has answered the last change yet */
	double t_due;                /* change time of the frame awaiting its redraw; 0 none */
	bool due_is_text, first_frame;
};

/* Load nothing, start nothing: an app ready for the model. */
void app_init(app *a);
/* Run the explorer until q; the model must be loaded.  threads: encoder
 * threads; sentence: the first text (NULL: start editing). */
int app_run(app *a, bool mouse, int threads, const char *sentence, heed_err *e);
void app_free(app *a);
/* The line the prompt edits (a->spec or a->path). */
ui_input *app_prompt_input(app *a);
/* Fit the current view to the screen and draw the whole screen: to the
 * terminal, or into term.c's offscreen buffer (heed export). */
void app_draw(app *a);
/* A key, as if typed (UI_FN(KEY_RIGHT) for a function key; key.h). */
void app_press(app *a, int key);
/* The current view's token cursor (a query), or -1. */
int app_focus(const app *a);
/* A notice in the status bar until the next key. */
void app_message(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
