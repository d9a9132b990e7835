/* widget.h — small drawing pieces more than one view uses. */
#ifndef HEED_TUI_WIDGET_H
#define HEED_TUI_WIDGET_H

#include <stdbool.h>

#include "palette.h"
#include "view.h"

/* Before the first result (or after a failed run): say why in r and
 * return true. */
bool widget_pending(const view_ctx *c, ui_rect r);
/* "what lo", a colour ramp, "hi" in at most w columns; returns the columns
 * used. */
int widget_legend(int y, int x, int w, pal_kind k, const char *what, double lo, double hi);
/* The legend of the colour scale in force (c->scale) whose top stands for
 * the weight top, and the key that changes it. */
int widget_scale_legend(const view_ctx *c, int y, int x, int w, double top);
/* The attribute that marks token i as segment B of a sentence pair
 * (underlined); 0 in segment A and in a single sentence. */
int widget_seg_attr(const ui_frame *f, int i);
/* The frame's tokens on row y, scrolled so token highlight (or -1) shows;
 * a pair's segments apart by a bold ‖ and segment B underlined. */
void widget_token_strip(const ui_frame *f, int y, int w, int highlight);
/* A label in at most w display columns, cut with an ellipsis when wider;
 * returns the columns used. */
int widget_label(int y, int x, int w, const char *s, int attr);
/* Bytes of s that fit w columns, cut after a whole word where one fits
 * (inside a word only when one word is wider than w). */
size_t widget_fit_words(const char *s, int w);
/* Display columns of a token label. */
int widget_label_width(const char *s);

#endif
