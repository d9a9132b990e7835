/* view.h — the one interface every view implements, as tmux's
 * window_mode: draw, key, mouse, resize.
 *
 * A view sees the newest frame and the shared selection through a const
 * view_ctx, and owns a small state of its own (state_size bytes, zeroed,
 * kept by the core for the whole run).  It never computes what the frame
 * already holds, never allocates while drawing, and never writes anything
 * but its own state: whatever else a key should change it returns as an
 * action, and the core (app.c) carries it out.  draw gets its state const:
 * everything a draw needs from the size (scroll, cell widths, where clicks
 * land) is settled by resize, which the core calls before every draw.
 *
 * To add a view: write view_NAME.c with a `const ui_view NAME_view`,
 * declare it below and add it to the core's table in app.c.
 */
#ifndef HEED_TUI_VIEW_H
#define HEED_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "importance.h"
#include "palette.h"
#include "pin.h"

typedef struct ui_rect {
	int y, x, h, w;
} ui_rect;

typedef enum {
	VIEW_GRID, VIEW_HEAD, VIEW_TOKENS, VIEW_OUTPUT, VIEW_STATS, VIEW_IMP, VIEW_INSIDE, VIEW_COUNT
} view_id;

/* What a view may read. */
typedef struct view_ctx {
	const ui_frame *frame;      /* the newest result; NULL before the first */
	const uint8_t *modes;       /* head modes as asked ([layers*heads]; may be ahead of frame) */
	int layers, heads;
	int sel_layer, sel_head;    /* the selected head, shared by every view */
	int query;                  /* the query token the inside view looks at */
	const ui_pin *pin;          /* the pinned result (`b`); pin->on when there is one */
	pal_kind pal;
	frame_scale scale;          /* the colour scale asked for (the grid's thumbnails
				     * follow with the frame: frame->geom.scale) */
	bool words;                 /* words asked for, not pieces (frame_grain: shown
				     * once a frame has them) */
	bool computing;             /* a job is on its way */
	/* a token the core asks the views to put their cursor on (a lesson
	 * step's query token), and a serial that changes with each ask: a
	 * view takes it once, and the user moves on from there */
	int want_token;
	unsigned want_serial;
	/* an order the core asks the statistics view for (a lesson step's
	 * sort: 0 layer, 1 + an hstat_col, HSTAT_COUNT + 1 kind), taken once
	 * per serial in the same way */
	int want_sort;
	bool want_sort_down;
	unsigned want_sort_serial;
	const char *notice;         /* the status bar's notice, "" for none */
	const ui_imp *imp;          /* the newest importance numbers, NULL before any
				     * (they answer the frame when imp->gen == frame->gen) */
	ui_imp_req imp_req;         /* the replacement and curve order asked for */
} view_ctx;

typedef enum {
	ACT_PASS,      /* not this view's key: the core tries its own */
	ACT_NONE,      /* used, nothing visible changed */
	ACT_REDRAW,    /* the view's own state changed */
	ACT_SELECT,    /* select head (a = layer, b = head) */
	ACT_SHOW,      /* switch to view a */
	ACT_SAY,       /* show text in the status bar */
	ACT_GEOMETRY,  /* the grid's thumbnails now go in an area a wide, b high */
	ACT_IMP,       /* importance: a = 0 next replacement, 1 next curve order */
	ACT_INSIDE,    /* look inside the selected head at query token a */
} act_kind;

typedef struct ui_action {
	act_kind kind;
	int a, b;
	const char *text;          /* ACT_SAY: a string that outlives the call */
} ui_action;

typedef struct ui_view {
	const char *name;
	size_t state_size;
	/* Fit the state to the body rectangle and the frame. */
	ui_action (*resize)(const view_ctx *c, void *st, ui_rect r);
	void (*draw)(const view_ctx *c, const void *st, ui_rect r);
	ui_action (*key)(const view_ctx *c, void *st, int key);
	/* A click at screen (y, x); NULL: clicks do nothing. */
	ui_action (*mouse)(const view_ctx *c, void *st, int y, int x);
	/* Token to highlight on the strip above the view, or -1. */
	int (*focus)(const view_ctx *c, const void *st);
} ui_view;

extern const ui_view grid_view, head_view, tokens_view, output_view, stats_view, imp_view,
    inside_view, help_view;

/* The matrices a view draws: between words when the user asked (w) and
 * the frame has them, else between tokens. */
static inline ui_grain
view_grain(const view_ctx *c)
{
	return frame_grain(c->frame, c->words);
}

static inline ui_action
view_act(act_kind kind, int a, int b)
{
	return (ui_action){ kind, a, b, NULL };
}

static inline ui_action
view_say(const char *text)
{
	return (ui_action){ ACT_SAY, 0, 0, text };
}

#endif
