/* tui.h — the explorer's shared state and its views.
 *
 * One app owns everything the loop touches.  Views (tmux's window modes,
 * htop's panels) are small vtables: draw into a rectangle, handle a key,
 * handle a click.  Handlers only change state and call app_dirty(); the
 * loop redraws once per turn.
 */
#ifndef HEED_TUI_TUI_H
#define HEED_TUI_TUI_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "input.h"
#include "layout.h"
#include "palette.h"
#include "queue.h"
#include "worker.h"

typedef enum { VIEW_GRID, VIEW_HEAD, VIEW_TOKENS, VIEW_OUTPUT, VIEW_COUNT } view_id;

typedef struct ui_rect {
	int y, x, h, w;
} ui_rect;

typedef struct app app;

typedef struct ui_view {
	const char *name;
	void (*draw)(app *a, ui_rect r);
	bool (*key)(app *a, int key);           /* true when the key was used */
	bool (*click)(app *a, int y, int x);
} ui_view;

extern const ui_view view_grid, view_head, view_tokens, view_output;

/* Per-head statistic the grid can show and rank by. */
typedef enum { STAT_ENTROPY, STAT_JSD } ui_stat;

struct app {
	/* the model and what belongs to it */
	model *m;
	tok_vocab *vocab;
	calib *cal;
	tok_specials sp;
	int layers, heads, max_tokens;
	uint8_t *modes;              /* [layers*heads] head_mode */

	/* the sentence */
	ui_input in;
	ui_utf8 utf8;                /* a key's UTF-8 bytes so far */
	bool editing;
	ui_input spec;               /* the `:` prompt for a head-mode spec */
	bool prompting;
	tok_ws *tok_ws;              /* the tokenizer's buffers, reused key after key */
	tok_result tok;              /* tokenisation of the last submitted text (in tok_ws) */
	int *ids;                    /* [max_tokens], its ids for the job */
	bool have_tok;

	/* the encoder */
	ui_queue q;
	ui_worker w;
	bool started;                /* queue and worker exist */
	ui_result *front;            /* the result on screen */
	bool have_result, computing;

	/* the loop */
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_signal_t sig[4];
	uv_timer_t debounce;
	uv_prepare_t redraw;
	uv_async_t async;

	/* what is shown */
	view_id view;
	bool help;
	pal_kind pal;
	bool mouse;
	int sel_layer, sel_head;
	grid_layout grid;            /* as last drawn, for clicks */
	bool stats;                  /* grid shows numbers instead of heatmaps */
	ui_stat stat;
	bool ranked;                 /* grid highlights heads by rank */
	int cur_row, cur_col;        /* head view cursor (query, key) */
	int head_top, head_left;     /* head view scroll */
	ui_rect head_cells;          /* head view matrix area, for clicks */
	int head_cw;
	bool diff;                   /* head view: input - average */
	int query;                   /* tokens view */
	bool rollout;
	float *scratch;              /* rollout and difference matrices */
	size_t scratch_cap;

	char msg[256];               /* one-line notice in the status bar */
	bool dirty, quit;

	/* HEED_TRACE: how long each change took to reach the screen */
	FILE *trace;                 /* NULL: not tracing */
	double t_start;              /* when heed started loading */
	double t_change;             /* the last edit or toggle that queued work */
	bool change_is_text;
	double t_due;                /* change time of the result awaiting its frame; 0 none */
	bool due_is_text, first_frame;
};

void app_dirty(app *a);
void app_message(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Modes or text changed: recompute on the next loop turn (every key of a
 * paste read in one go makes one job). */
void app_modes_changed(app *a);
void app_text_changed(app *a);
/* Token label of position i in the result on screen. */
const char *app_label(const app *a, int i);
float *app_scratch(app *a, size_t n);
/* Attention of (layer, head) in the result on screen, or NULL. */
const float *app_attn(const app *a, int layer, int head);
head_mode app_mode(const app *a, int layer, int head);
/* Per-head statistic value, or NAN when unavailable. */
double app_stat(const app *a, int layer, int head);

/* draw.c: the whole screen, once per loop turn */
void screen_draw(app *a);
/* help.c */
void help_draw(app *a, ui_rect r);
/* draw.c: pieces shared by views */
void draw_legend(app *a, int y, int x, int w, pal_kind k, double lo, double hi);
void draw_token_strip(app *a, int y, int w, int highlight);
/* Before the first result (or after a failed run): say why, return true. */
bool draw_pending(app *a, ui_rect r);

#endif
