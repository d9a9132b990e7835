/* export_svg.h — what export_svg.c lends the views whose vector figure is
 * drawn in a file of its own (export_imp.c): the figure being written and
 * its drawing primitives.  Not part of export.h: only figure writers use it. */
#ifndef HEED_TUI_EXPORT_SVG_H
#define HEED_TUI_EXPORT_SVG_H

#include <stdio.h>

#include "export.h"
#include "palette.h"

/* A figure being written: the file and how far the drawing reaches. */
typedef struct svg {
	FILE *f;
	double w, h;
	int ramp;                  /* gradients defined so far (their ids) */
} svg;

void svg_rect(svg *s, double x, double y, double w, double h, const char *fill);
/* anchor: "start", "middle" or "end"; weight: "normal" or "bold". */
void svg_text(svg *s, double x, double y, double px, const char *anchor, const char *weight,
	      const char *fill, const char *str);
/* The colour ramp from lo to hi at (x, y), with its caption. */
void svg_legend(svg *s, double x, double y, pal_kind k, double lo, double hi, const char *caption);
void svg_colour(pal_kind k, double t, char out[8]);
/* The drawing reaches (x, y): the figure grows to hold it. */
void svg_reach(svg *s, double x, double y);

#endif
