/* pin.c — the pinned result and its difference from the newest frame (see
 * pin.h).  Runs on the loop's thread; the copies cost a few memcpy per
 * `b`, the comparison one pass over the attention per frame. */
#include "pin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "heed/util.h"

void
pin_take(ui_pin *p, const ui_frame *f, const char *text, const frame_geom *geom)
{
	size_t nn = (size_t)f->n * f->n, lh = (size_t)f->layers * f->heads;
	ui_frame *d;

	if (p->f == NULL)
		p->f = frame_new();
	d = p->f;
	frame_reserve(d, f->n, f->layers, f->heads);
	d->n = f->n;
	d->gen = f->gen;
	memcpy(d->ids, f->ids, (size_t)f->n * sizeof *d->ids);
	/* labels live in the frame's own buffer: copy the text, not the pointers */
	for (int i = 0; i < f->n; i++) {
		char *b = d->label_buf + (size_t)i * FRAME_LABEL_BYTES;

		snprintf(b, FRAME_LABEL_BYTES, "%s", f->labels[i]);
		d->labels[i] = b;
	}
	memcpy(d->types, f->types, (size_t)f->n * sizeof *d->types);
	memcpy(d->seg, f->seg, (size_t)f->n * sizeof *d->seg);
	d->pair = f->pair;
	memcpy(d->attn, f->attn, lh * nn * sizeof *d->attn);
	memcpy(d->window, f->window, (size_t)f->layers * sizeof *d->window);
	memcpy(d->vmax, f->vmax, lh * sizeof *d->vmax);
	memcpy(d->layer_max, f->layer_max, (size_t)f->layers * sizeof *d->layer_max);
	memcpy(d->row_max, f->row_max, lh * f->n * sizeof *d->row_max);
	frame_thumbs(d, geom);
	free(p->text);
	p->text = xstrdup(text);
	p->on = true;
	pin_compare(p, f);
}

void
pin_drop(ui_pin *p)
{
	p->on = false;
	p->aligned = false;
	free(p->text);
	p->text = NULL;
}

void
pin_geometry(ui_pin *p, const frame_geom *geom)
{
	if (p->on)
		frame_thumbs(p->f, geom);
}

void
pin_compare(ui_pin *p, const ui_frame *cur)
{
	const ui_frame *f = p->f;
	size_t nn, lh;

	p->aligned = p->on && cur->n == f->n && cur->layers == f->layers && cur->heads == f->heads;
	if (!p->aligned)
		return;
	nn = (size_t)f->n * f->n;
	lh = (size_t)f->layers * f->heads;
	if (lh * nn > p->cap) {
		p->delta = xrealloc(p->delta, lh * nn * sizeof *p->delta);
		p->cap = lh * nn;
	}
	p->delta_max = xrealloc(p->delta_max, lh * sizeof *p->delta_max);
	p->ndiffer = 0;
	for (int i = 0; i < f->n; i++)
		p->ndiffer += cur->ids[i] != f->ids[i];
	p->delta_top = 0;
	for (size_t h = 0; h < lh; h++) {
		float *dl = p->delta + h * nn;

		for (size_t k = 0; k < nn; k++)
			dl[k] = cur->attn[h * nn + k] - f->attn[h * nn + k];
		p->delta_max[h] = derive_maxabs(dl, nn);
		if (p->delta_max[h] > p->delta_top)
			p->delta_top = p->delta_max[h];
	}
}

const float *
pin_delta(const ui_pin *p, int layer, int head)
{
	size_t nn = (size_t)p->f->n * p->f->n;

	return p->delta + ((size_t)layer * p->f->heads + head) * nn;
}

void
pin_free(ui_pin *p)
{
	frame_free(p->f);
	free(p->text);
	free(p->delta);
	free(p->delta_max);
	memset(p, 0, sizeof *p);
}
