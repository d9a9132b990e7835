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
#include "heed/words.h"

void
pin_take(ui_pin *p, const ui_frame *f, const ui_words *words, const char *text,
	 const frame_geom *geom)
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
	/* the words whether or not they are shown now: w may come later */
	d->words.n = 0;
	if (words != NULL && words->n > 0 && words->first[words->n] == f->n)
		frame_words_copy(&d->words, words);
	frame_words_attention(d);
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
	p->aligned_words = false;
	free(p->text);
	p->text = NULL;
}

void
pin_geometry(ui_pin *p, const frame_geom *geom)
{
	if (p->on)
		frame_thumbs(p->f, geom);
}

/* Do a and b group their tokens into the same words? */
static bool
same_words(const ui_frame *a, const ui_frame *b)
{
	return a->has_words && b->has_words && a->words.n == b->words.n &&
	    memcmp(a->words.first, b->words.first, ((size_t)a->words.n + 1) * sizeof(int)) == 0;
}

/* current − pinned between words: merging is linear, so the token
 * difference merges as it is. */
static void
compare_words(ui_pin *p, const ui_frame *cur)
{
	const ui_frame *f = p->f;
	int nw = f->words.n;
	size_t nn = (size_t)f->n * f->n, w2 = (size_t)nw * nw, lh = (size_t)f->layers * f->heads;

	p->aligned_words = p->aligned && same_words(f, cur);
	if (!p->aligned_words)
		return;
	if (lh * w2 > p->wcap) {
		p->wdelta = xrealloc(p->wdelta, lh * w2 * sizeof *p->wdelta);
		p->wcap = lh * w2;
	}
	p->wdelta_max = xrealloc(p->wdelta_max, lh * sizeof *p->wdelta_max);
	for (size_t h = 0; h < lh; h++) {
		words_attention(p->delta + h * nn, f->n, f->words.first, nw, p->wdelta + h * w2);
		p->wdelta_max[h] = derive_maxabs(p->wdelta + h * w2, w2);
	}
}

void
pin_compare(ui_pin *p, const ui_frame *cur)
{
	const ui_frame *f = p->f;
	size_t nn, lh;

	p->aligned = p->on && cur->n == f->n && cur->layers == f->layers && cur->heads == f->heads;
	p->aligned_words = false;
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
	compare_words(p, cur);
}

ui_grain
pin_grain(const ui_pin *p, bool words)
{
	return frame_grain(p->f, words);
}

ui_grain
pin_delta_grain(const ui_pin *p, const ui_frame *cur, bool words, bool *ok)
{
	ui_grain g = frame_grain(cur, words);

	if (g.first != NULL) {
		*ok = p->aligned_words;
		g.attn = p->wdelta;   /* laid out as the attention between words is */
	} else {
		*ok = p->aligned;
		g.attn = p->delta;
	}
	return g;
}

float
pin_delta_max(const ui_pin *p, bool words, int layer, int head)
{
	const float *m = words && p->aligned_words ? p->wdelta_max : p->delta_max;

	return m[(size_t)layer * p->f->heads + head];
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
	free(p->wdelta);
	free(p->wdelta_max);
	memset(p, 0, sizeof *p);
}
