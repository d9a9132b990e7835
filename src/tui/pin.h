/* pin.h — a pinned result to compare against (`b`): what the grid and head
 * views need of one frame, copied by the loop when the user pins it, and
 * its difference from each new frame when the tokenisations align.
 *
 * The loop owns a pin; the worker never sees it.  The copy is a ui_frame
 * of its own (attention, labels, maxima, thumbnails), so the views draw
 * the pinned sentence with the same code as the current one.  When the
 * grid's thumbnails change size the loop remakes the pinned ones
 * (frame_thumbs), and when a frame arrives it compares (pin_compare):
 * plain arithmetic on two frames, never a forward pass.
 */
#ifndef HEED_TUI_PIN_H
#define HEED_TUI_PIN_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

typedef struct ui_pin {
	bool on;
	char *text;          /* the pinned sentence */
	ui_frame *f;         /* its frame's data (thumbnails made for the grid;
			      * the attention between words too, when pinned
			      * with its words: frame_grain gives either) */
	/* against the newest frame */
	bool aligned;        /* as many tokens: position i faces position i */
	int ndiffer;         /* positions whose tokens differ (aligned only) */
	float *delta;        /* [layers][heads][n][n] current − pinned (aligned only) */
	float *delta_max;    /* [layers*heads] largest |Δ| of each head */
	float delta_top;     /* the largest of them */
	size_t cap;          /* floats of delta */
	/* between words: aligned, and both frames cut into the same words */
	bool aligned_words;
	float *wdelta;       /* [layers][heads][nw][nw] delta merged into words */
	float *wdelta_max;   /* [layers*heads] */
	size_t wcap;         /* floats of wdelta */
} ui_pin;

/* Pin frame f of sentence text, thumbnails made for geom; words (NULL:
 * none) are its tokens' words, whose matrices the pin keeps so the head
 * view can show the pinned sentence between words whenever `w` is on. */
void pin_take(ui_pin *p, const ui_frame *f, const ui_words *words, const char *text,
	      const frame_geom *geom);
/* Forget the pin (its buffers are kept for the next one). */
void pin_drop(ui_pin *p);
/* Compare the newest frame with the pin. */
void pin_compare(ui_pin *p, const ui_frame *cur);
/* Remake the pinned thumbnails for geom (the grid changed size or scale). */
void pin_geometry(ui_pin *p, const frame_geom *geom);
/* (layer, head)'s current − pinned, n x n (aligned only). */
const float *pin_delta(const ui_pin *p, int layer, int head);
/* The pinned sentence's matrices at the grain the current one shows
 * (words only when it has them), and current − pinned at that grain as
 * the attention of a grain laid on cur (*ok false: no difference to show,
 * the tokens or the words do not align). */
ui_grain pin_grain(const ui_pin *p, bool words);
ui_grain pin_delta_grain(const ui_pin *p, const ui_frame *cur, bool words, bool *ok);
/* The largest |current − pinned| of (layer, head) at that grain. */
float pin_delta_max(const ui_pin *p, bool words, int layer, int head);
void pin_free(ui_pin *p);

#endif
