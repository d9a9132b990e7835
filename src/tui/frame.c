/* frame.c — a result's buffers and everything derived from its attention
 * (see frame.h).  Runs on the encoder thread, but for the loop's pinned
 * copy (pin.c), which is nobody else's. */
#include "frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "heed/util.h"
#include "heed/words.h"
#include "layout.h"
#include "palette.h"

static void derive_thumbs(ui_frame *f, const frame_geom *geom, const frame_shown *shown);

ui_frame *
frame_new(void)
{
	return xcalloc(1, sizeof(ui_frame));
}

void
frame_reserve(ui_frame *f, int n, int layers, int heads)
{
	if ((size_t)n > f->cap_n || layers != f->layers || heads != f->heads) {
		size_t nn = (size_t)n * n, lh = (size_t)layers * heads;

		f->ids = xrealloc(f->ids, (size_t)n * sizeof *f->ids);
		f->labels = xrealloc(f->labels, (size_t)n * sizeof *f->labels);
		f->label_buf = xrealloc(f->label_buf, (size_t)n * FRAME_LABEL_BYTES);
		f->types = xrealloc(f->types, (size_t)n * sizeof *f->types);
		f->seg = xrealloc(f->seg, (size_t)n);
		f->attn = xrealloc(f->attn, lh * nn * sizeof *f->attn);
		f->vmax = xrealloc(f->vmax, lh * sizeof *f->vmax);
		f->layer_max = xrealloc(f->layer_max, (size_t)layers * sizeof *f->layer_max);
		f->thumb_top = xrealloc(f->thumb_top, lh * sizeof *f->thumb_top);
		f->row_max = xrealloc(f->row_max, lh * n * sizeof *f->row_max);
		/* the rollout's last two slots are derive_rollout's scratch */
		f->rollout = xrealloc(f->rollout, (size_t)(layers + 2) * nn * sizeof *f->rollout);
		f->diff = xrealloc(f->diff, lh * nn * sizeof *f->diff);
		f->diff_max = xrealloc(f->diff_max, lh * sizeof *f->diff_max);
		f->change = xrealloc(f->change, lh * nn * sizeof *f->change);
		f->change_max = xrealloc(f->change_max, lh * sizeof *f->change_max);
		f->hs = xrealloc(f->hs, lh * sizeof *f->hs);
		f->kind = xrealloc(f->kind, (size_t)n);
		for (int c = 0; c <= HSTAT_COUNT; c++)
			for (int d = 0; d < 2; d++)
				f->hs_order[c][d] = xrealloc(f->hs_order[c][d], lh * sizeof(int));
		for (int s = 0; s < STAT_COUNT; s++) {
			f->stat[s] = xrealloc(f->stat[s], lh * sizeof *f->stat[s]);
			f->rank[s] = xrealloc(f->rank[s], lh * sizeof *f->rank[s]);
		}
		f->order = xrealloc(f->order, lh * sizeof *f->order);
		f->cosine = xrealloc(f->cosine, (size_t)(layers + 1) * sizeof *f->cosine);
		f->modes = xrealloc(f->modes, lh);
		f->window = xrealloc(f->window, (size_t)layers * sizeof *f->window);
		for (int l = 0; l < layers; l++)
			f->window[l] = -1;
		f->replaced = xrealloc(f->replaced, (size_t)n * sizeof *f->replaced);
		f->base_replaced = xrealloc(f->base_replaced, (size_t)n * sizeof *f->base_replaced);
		f->words.first = xrealloc(f->words.first, ((size_t)n + 1) * sizeof *f->words.first);
		f->words.label = xrealloc(f->words.label, (size_t)n * sizeof *f->words.label);
		f->wlabels = xrealloc(f->wlabels, (size_t)n * sizeof *f->wlabels);
		f->cap_n = (size_t)n;
	}
	f->layers = layers;
	f->heads = heads;
}

void
frame_free(ui_frame *f)
{
	if (f == NULL)
		return;
	free(f->ids);
	free(f->labels);
	free(f->label_buf);
	free(f->types);
	free(f->seg);
	free(f->attn);
	free(f->vmax);
	free(f->layer_max);
	free(f->thumb_top);
	free(f->row_max);
	free(f->rollout);
	free(f->diff);
	free(f->diff_max);
	free(f->change);
	free(f->change_max);
	free(f->hs);
	free(f->kind);
	for (int c = 0; c <= HSTAT_COUNT; c++)
		for (int d = 0; d < 2; d++) {
			free(f->hs_order[c][d]);
			free(f->whs_order[c][d]);
		}
	for (int s = 0; s < STAT_COUNT; s++) {
		free(f->stat[s]);
		free(f->rank[s]);
	}
	free(f->order);
	free(f->cosine);
	free(f->modes);
	free(f->window);
	free(f->replaced);
	free(f->base_replaced);
	free(f->thumb);
	free(f->pix);
	free(f->words.first);
	free(f->words.label);
	free(f->wlabels);
	free(f->wattn);
	free(f->wchange);
	free(f->wdiff);
	free(f->wrollout);
	free(f->wvmax);
	free(f->wlayer_max);
	free(f->whs);
	free(f->wsort);
	free(f->wkind);
	free(f->wavg);
	free(f->probe_mem);
	free(f);
}

void
frame_probe_reserve(ui_frame *f, int n, int d)
{
	size_t need = (size_t)d + 2 * (size_t)n * d + 5 * (size_t)n;
	enc_probe *p = &f->probe;

	if (need > f->probe_cap) {
		f->probe_mem = xrealloc(f->probe_mem, need * sizeof *f->probe_mem);
		f->probe_cap = need;
	}
	p->q = f->probe_mem;
	p->k = p->q + d;
	f->probe_prod = p->k + (size_t)n * d;
	p->qk = f->probe_prod + (size_t)n * d;
	p->c2p = p->qk + n;
	p->p2c = p->c2p + n;
	p->score = p->p2c + n;
	p->weight = p->score + n;
}

bool
frame_seg_start(const ui_frame *f, int i)
{
	return f->pair && i > 0 && i < f->n && f->seg[i] != f->seg[i - 1];
}

void
frame_words_init(ui_words *w, int cap)
{
	w->n = 0;
	w->first = xcalloc((size_t)cap + 1, sizeof *w->first);
	w->label = xcalloc((size_t)cap, sizeof *w->label);
}

void
frame_words_free(ui_words *w)
{
	free(w->first);
	free(w->label);
	w->first = NULL;
	w->label = NULL;
	w->n = 0;
}

void
frame_words_copy(ui_words *dst, const ui_words *src)
{
	dst->n = src->n;
	memcpy(dst->first, src->first, ((size_t)src->n + 1) * sizeof *src->first);
	memcpy(dst->label, src->label, (size_t)src->n * sizeof *src->label);
}

void
frame_words_cut(ui_words *w, const tok_vocab *v, const tok_result *t, const char *line)
{
	const char *const texts[2] = { line, line };

	w->n = words_group(t->tok, t->n, w->first);
	for (int i = 0; i < w->n; i++)
		words_text(v, t->tok, t->n, w->first, i, texts, w->label[i], sizeof w->label[i]);
}

bool
frame_attended(const ui_frame *f, int layer, int i, int j)
{
	ui_grain g = frame_grain(f, false);

	return frame_grain_attended(&g, layer, i, j);
}

const char *
frame_scale_name(frame_scale s)
{
	static const char *const names[SCALE_COUNT] = { "absolute", "layer max", "head max" };

	return s >= 0 && s < SCALE_COUNT ? names[s] : "?";
}

double
frame_scale_top(const ui_frame *f, frame_scale s, int layer, int head)
{
	ui_grain g = frame_grain(f, false);

	return frame_grain_top(&g, s, layer, head);
}

const float *
frame_attn(const ui_frame *f, int layer, int head)
{
	return f->attn + ((size_t)layer * f->heads + head) * f->n * f->n;
}

const float *
frame_diff(const ui_frame *f, int layer, int head)
{
	return f->diff + ((size_t)layer * f->heads + head) * f->n * f->n;
}

const float *
frame_change(const ui_frame *f, int layer, int head)
{
	return f->change + ((size_t)layer * f->heads + head) * f->n * f->n;
}

const uint8_t *
frame_thumb(const ui_frame *f, int layer, int head)
{
	return f->thumb + ((size_t)layer * f->heads + head) * f->tw * f->th;
}

static void
derive_maxima(ui_frame *f)
{
	int n = f->n;

	for (int lh = 0; lh < f->layers * f->heads; lh++) {
		const float *m = f->attn + (size_t)lh * n * n;

		f->vmax[lh] = derive_max(m, (size_t)n * n);
		for (int i = 0; i < n; i++)
			f->row_max[(size_t)lh * n + i] = derive_max(m + (size_t)i * n, (size_t)n);
	}
	for (int l = 0; l < f->layers; l++)
		f->layer_max[l] = derive_max(f->vmax + (size_t)l * f->heads, (size_t)f->heads);
}

/* Every column's order both ways (v: lh doubles of scratch), so the view
 * sorts by any column without computing anything. */
static void
order_stats(const hstat *hs, int lh, double *v, int *order[HSTAT_COUNT + 1][2])
{
	for (int c = 0; c <= HSTAT_COUNT; c++)
		for (int d = 0; d < 2; d++) {
			for (int i = 0; i < lh; i++) {
				double x = c < HSTAT_COUNT ? hs[i].v[c] : (double)hs[i].cat;

				v[i] = isnan(x) ? 0 : d ? -x : x;
			}
			derive_order(v, lh, order[c][d]);
		}
}

void
frame_avg_free(frame_avg *c)
{
	free(c->rows);
	free(c->ala);
	*c = (frame_avg){ NULL, 0, 0, NULL, NULL };
}

/* c's rows and logarithms for cal and f's length, made only when they are
 * another's. */
static void
avg_rows(frame_avg *c, const calib *cal, const ui_frame *f)
{
	int lh = f->layers * f->heads;
	size_t nn = (size_t)f->n * f->n;

	if (c->cal == cal && c->n == f->n)
		return;
	if ((size_t)lh * nn > c->cap) {
		c->cap = (size_t)lh * nn;
		c->rows = xrealloc(c->rows, c->cap * sizeof *c->rows);
		c->ala = xrealloc(c->ala, c->cap * sizeof *c->ala);
	}
	for (int k = 0; k < lh; k++)
		hstat_average_rows(cal, k / f->heads, k % f->heads, f->n, c->rows + (size_t)k * nn);
	hstat_average_ala(c->rows, (size_t)lh * nn, c->ala);
	c->cal = cal;
	c->n = f->n;
}

/* The statistics view's figures, their orders and, when there are
 * calibration averages, each head's difference from its average: the
 * average rows (c's with their logarithms, or gathered once per head into
 * f->diff) serve hstat's input dependence (as hstat_heads does) and then
 * the difference. */
static void
derive_head_stats(ui_frame *f, frame_avg *c, const tok_vocab *vocab, const calib *cal)
{
	int lh = f->layers * f->heads;
	size_t nn = (size_t)f->n * f->n;
	double *v = f->stat[STAT_ENTROPY];   /* scratch until derive_stats */
	bool kept;

	hstat_token_kinds(vocab, f->ids, f->n, f->kind);
	f->has_diff = hstat_has_average(cal);
	if ((kept = f->has_diff && c != NULL))
		avg_rows(c, cal, f);
	for (int k = 0; k < lh; k++) {
		const float *a = f->attn + (size_t)k * nn, *avg;
		float *d = f->diff + (size_t)k * nn;

		if (!f->has_diff) {
			hstat_head(a, f->n, f->kind, NULL, &f->hs[k]);
			continue;
		}
		if (kept) {
			avg = c->rows + (size_t)k * nn;
		} else {
			hstat_average_rows(cal, k / f->heads, k % f->heads, f->n, d);
			avg = d;
		}
		hstat_head_ala(a, f->n, f->kind, avg, kept ? c->ala + (size_t)k * nn : NULL, &f->hs[k]);
		for (size_t e = 0; e < nn; e++)
			d[e] = a[e] - avg[e];
		f->diff_max[k] = derive_maxabs(d, nn);
	}
	order_stats(f->hs, lh, v, f->hs_order);
}

static void
derive_stats(ui_frame *f, const calib *cal)
{
	int lh = f->layers * f->heads;

	f->has_stat[STAT_ENTROPY] = true;
	f->has_stat[STAT_JSD] = cal != NULL && cal->stats != NULL;
	for (int i = 0; i < lh; i++) {
		f->stat[STAT_ENTROPY][i] = f->hs[i].v[HSTAT_ENTROPY];
		f->stat[STAT_JSD][i] = f->has_stat[STAT_JSD] ? cal->stats[i].jsd : NAN;
	}
	for (int s = 0; s < STAT_COUNT; s++) {
		f->stat_max[s] = 0;
		for (int i = 0; i < lh; i++)
			if (f->stat[s][i] > f->stat_max[s])
				f->stat_max[s] = f->stat[s][i];
		derive_ranks(f->stat[s], lh, f->order, f->rank[s]);
	}
}

/* What the head modes changed: attention minus the baseline's, which the
 * worker left in f->change. */
static void
derive_changes(ui_frame *f)
{
	size_t nn = (size_t)f->n * f->n;

	for (size_t lh = 0; lh < (size_t)f->layers * f->heads; lh++) {
		float *c = f->change + lh * nn;
		const float *a = f->attn + lh * nn;

		if (!f->modified) {
			memset(c, 0, nn * sizeof *c);
		} else {
			for (size_t k = 0; k < nn; k++)
				c[k] = a[k] - c[k];
		}
		f->change_max[lh] = derive_maxabs(c, nn);
	}
}

/* The index of each level's band, the levels the terminal shows as one
 * colour (pal_band): the colour steps a viewer sees. */
static void
colour_steps(const frame_geom *geom, int step[PAL_LEVELS])
{
	int lo, hi, k = 0;

	for (int v = 0; v < PAL_LEVELS; v = hi + 1, k++) {
		pal_band((pal_kind)geom->pal, (pal_depth)geom->depth, v, &lo, &hi);
		for (int u = v; u <= hi; u++)
			step[u] = k;
	}
}

/* In a burst, the level shown at a pixel's place (THUMB_BLANK or outside
 * the thumbnail on screen: none) stays while its colour is at most one
 * step from the colour of the value's own level; the error is bounded by
 * one colour step and gone at the settle frame. */
static uint8_t
burst_level(int exact, int shown_lv, const int step[PAL_LEVELS])
{
	if (shown_lv < 0 || shown_lv == THUMB_BLANK || exact == THUMB_BLANK)
		return (uint8_t)exact;
	return abs(step[shown_lv] - step[exact]) <= 1 ? (uint8_t)shown_lv : (uint8_t)exact;
}

void
frame_thumbs(ui_frame *f, const frame_geom *geom)
{
	frame_geom exact = *geom;

	exact.burst = false;
	derive_thumbs(f, &exact, NULL);
}

int
frame_closing(const ui_frame *f)
{
	int t = 0;

	while (t < f->n - 1 && (f->kind[f->n - 1 - t] & HSTAT_TOK_SEP))
		t++;
	return t;
}

/* The level on screen at pixel (y, x) of thumbnail lh, -1 for none. */
static int
shown_at(const frame_shown *sh, size_t lh, int y, int x)
{
	if (sh == NULL || y >= sh->th || x >= sh->tw)
		return -1;
	return sh->lv[(lh * sh->th + y) * sh->tw + x];
}

/* A burst frame changes at most one in BURST_SHARE of the thumbnails'
 * text cells: the hysteresis drops the changes nobody sees, and this
 * bounds the rest, so a key costs the terminal at most about an eighth of
 * a whole grid whatever the window (at 80 x 24 with 32 heads, 112 cells,
 * about 1.5 kB in 256 colours; a new token's row and column of pixels is
 * some 350).  The cells furthest from their values go first (a pixel
 * turning coloured or blank, then the largest colour steps); the others
 * keep what is shown and follow in the next frames, and all of them in
 * the settle frame.  A frame fitted unlike the one shown (a burst's
 * first, a capacity step) goes whole: a mix of two fits would put pixels
 * of other tokens side by side. */
#define BURST_SHARE 8
#define ERR_BLANK PAL_LEVELS    /* a pixel turning coloured or blank: more than any step */

/* How far shown level a is from level b, in colour steps. */
static int
pixel_err(int a, int b, const int step[PAL_LEVELS])
{
	if (a == b)
		return 0;
	if (a == THUMB_BLANK || b == THUMB_BLANK)
		return ERR_BLANK;
	return abs(step[a] - step[b]);
}

/* The error of text cell c (row-major, rpl pixel rows each) of thumbnail
 * lh: its worst pixel's.  With keep, its pixels go back to shown. */
static int
cell_err(ui_frame *f, const uint8_t *shown, size_t lh, size_t c, int rpl,
	 const int step[PAL_LEVELS], bool keep)
{
	int x = (int)(c % (size_t)f->tw), y0 = (int)(c / (size_t)f->tw) * rpl, e = 0;

	for (int y = y0; y < y0 + rpl && y < f->th; y++) {
		size_t k = (lh * f->th + y) * f->tw + x;
		int d = pixel_err(shown[k], f->thumb[k], step);

		if (d > e)
			e = d;
		if (keep)
			f->thumb[k] = shown[k];
	}
	return e;
}

/* Hold f->thumb (fitted as shown is) to the burst's share of changed
 * cells.  Ties at the smallest error sent go in reading order with the
 * heads taking turns, so no head waits for all the others. */
static void
burst_budget(ui_frame *f, const uint8_t *shown, int rpl, const int step[PAL_LEVELS])
{
	size_t lhs = (size_t)f->layers * f->heads;
	size_t per = (size_t)((f->th + rpl - 1) / rpl) * f->tw;
	size_t budget = lhs * per / BURST_SHARE, taken = 0, count[ERR_BLANK + 1] = { 0 };
	int cut = ERR_BLANK;

	if (budget < per)            /* a grid of a few heads: a thumbnail's worth */
		budget = per;
	for (size_t lh = 0; lh < lhs; lh++)
		for (size_t c = 0; c < per; c++)
			count[cell_err(f, shown, lh, c, rpl, step, false)]++;
	/* cut: the smallest error sent; every cell above it goes */
	while (cut > 0 && taken + count[cut] <= budget)
		taken += count[cut--];
	if (cut == 0)
		return;              /* every change fits */
	for (size_t c = 0; c < per; c++)
		for (size_t lh = 0; lh < lhs; lh++) {
			int e = cell_err(f, shown, lh, c, rpl, step, false);

			if (e == 0 || e > cut)
				continue;
			if (e == cut && taken < budget)
				taken++;
			else
				cell_err(f, shown, lh, c, rpl, step, true);
		}
}

static void
derive_thumbs(ui_frame *f, const frame_geom *geom, const frame_shown *shown)
{
	grid_layout g;
	size_t per, need;
	int step[PAL_LEVELS];
	int cap = f->n, tail;

	colour_steps(geom, step);
	f->geom = *geom;
	f->tw = f->th = 0;
	if (!geom->burst)
		shown = NULL;
	else
		cap = layout_grid_capacity(geom->w, geom->h, f->layers, f->heads, geom->rpl, f->n,
		    shown != NULL ? shown->cap : 0);
	f->tcap = cap;
	tail = cap > f->n ? frame_closing(f) : 0;
	if (layout_grid_compute(0, 0, geom->w, geom->h, f->layers, f->heads, cap, geom->rpl,
	    0, 0, &g) < 0)
		return;
	per = (size_t)g.pw * g.ph;
	need = per * f->layers * f->heads;
	if (need > f->cap_thumb) {
		f->thumb = xrealloc(f->thumb, need);
		f->cap_thumb = need;
	}
	if (per > f->cap_pix) {
		f->pix = xrealloc(f->pix, per * sizeof *f->pix);
		f->cap_pix = per;
	}
	f->tw = g.pw;
	f->th = g.ph;
	/* the pixels are means over blocks of weights: the tops come from
	 * them, so the hottest pixel of a scaled layer or head reaches the top */
	for (int l = 0; l < f->layers; l++) {
		float layer_top = 0;

		for (int h = 0; h < f->heads && geom->scale == SCALE_LAYER; h++) {
			size_t lh = (size_t)l * f->heads + h;

			derive_downsample_cap(f->attn + lh * f->n * f->n, f->n, cap, tail, g.ph, g.pw, f->pix);
			f->thumb_top[lh] = derive_max(f->pix, per);
			if (f->thumb_top[lh] > layer_top)
				layer_top = f->thumb_top[lh];
		}
		for (int h = 0; h < f->heads; h++) {
			size_t lh = (size_t)l * f->heads + h;
			uint8_t *out = f->thumb + lh * per;

			derive_downsample_cap(f->attn + lh * f->n * f->n, f->n, cap, tail, g.ph, g.pw, f->pix);
			f->thumb_top[lh] = geom->scale == SCALE_ABSOLUTE ? 1.0f
			    : geom->scale == SCALE_LAYER ? layer_top : derive_max(f->pix, per);
			for (int y = 0; y < g.ph; y++)
				for (int x = 0; x < g.pw; x++) {
					float p = f->pix[y * g.pw + x];
					int exact = p < 0 ? THUMB_BLANK
					    : pal_level(pal_scale(p, f->thumb_top[lh]), PAL_LEVELS);

					out[y * g.pw + x] = burst_level(exact, shown_at(shown, lh, y, x), step);
				}
		}
	}
	if (shown != NULL && shown->tw == g.pw && shown->th == g.ph && shown->cap == cap)
		burst_budget(f, shown->lv, geom->rpl, step);
}

/* Every matrix again between words; only when asked for (the buffers
 * are made the first time, for as many words as the sentence has). */
/* The statistics between words: a word is [CLS], [SEP] or punctuation
 * when every piece of it is, and input dependence compares the merged
 * rows with the head's average rows merged the same way.  Merging is
 * linear and f->diff is attention - average, so the merged average is
 * wattn - wdiff. */
static void
derive_word_stats(ui_frame *f)
{
	int nw = f->words.n, lh = f->layers * f->heads;
	size_t w2 = (size_t)nw * nw;

	for (int w = 0; w < nw; w++) {
		f->wkind[w] = 0xFF;
		for (int i = f->words.first[w]; i < f->words.first[w + 1]; i++)
			f->wkind[w] &= f->kind[i];
	}
	for (int k = 0; k < lh; k++) {
		const float *a = f->wattn + (size_t)k * w2;

		if (f->has_diff)
			for (size_t e = 0; e < w2; e++)
				f->wavg[e] = a[e] - f->wdiff[(size_t)k * w2 + e];
		hstat_head(a, nw, f->wkind, f->has_diff ? f->wavg : NULL, &f->whs[k]);
	}
	order_stats(f->whs, lh, f->wsort, f->whs_order);
}

/* Room for f->words.n words and the word labels; false for no words. */
static bool
words_reserve(ui_frame *f)
{
	int nw = f->words.n, L = f->layers, lh = f->layers * f->heads;

	if (nw < 1)
		return false;
	if ((size_t)nw > f->cap_w) {
		size_t cap = (size_t)nw;

		f->wattn = xrealloc(f->wattn, (size_t)lh * cap * cap * sizeof *f->wattn);
		f->wchange = xrealloc(f->wchange, (size_t)lh * cap * cap * sizeof *f->wchange);
		f->wdiff = xrealloc(f->wdiff, (size_t)lh * cap * cap * sizeof *f->wdiff);
		f->wrollout = xrealloc(f->wrollout, (size_t)L * cap * cap * sizeof *f->wrollout);
		f->wkind = xrealloc(f->wkind, cap);
		f->wavg = xrealloc(f->wavg, cap * cap * sizeof *f->wavg);
		f->cap_w = cap;
	}
	/* the layer and head counts are fixed for a run: sized once */
	if (f->wvmax == NULL) {
		f->wvmax = xmalloc((size_t)lh * sizeof *f->wvmax);
		f->wlayer_max = xmalloc((size_t)L * sizeof *f->wlayer_max);
		f->whs = xmalloc((size_t)lh * sizeof *f->whs);
		f->wsort = xmalloc((size_t)lh * sizeof *f->wsort);
		for (int c = 0; c <= HSTAT_COUNT; c++)
			for (int d = 0; d < 2; d++)
				f->whs_order[c][d] = xmalloc((size_t)lh * sizeof(int));
	}
	for (int i = 0; i < nw; i++)
		f->wlabels[i] = f->words.label[i];
	return true;
}

void
frame_words_attention(ui_frame *f)
{
	int nw = f->words.n, lh = f->layers * f->heads;
	size_t n2 = (size_t)f->n * f->n, w2 = (size_t)nw * nw;

	f->has_words = false;
	if (!words_reserve(f))
		return;
	for (int k = 0; k < lh; k++) {
		words_attention(f->attn + k * n2, f->n, f->words.first, nw, f->wattn + k * w2);
		f->wvmax[k] = derive_max(f->wattn + k * w2, w2);
	}
	for (int l = 0; l < f->layers; l++)
		f->wlayer_max[l] = derive_max(f->wvmax + (size_t)l * f->heads, (size_t)f->heads);
	f->has_words = true;
}

static void
derive_words(ui_frame *f)
{
	int nw = f->words.n, L = f->layers, lh = f->layers * f->heads;
	size_t n2 = (size_t)f->n * f->n, w2 = (size_t)nw * nw;

	frame_words_attention(f);
	if (!f->has_words)
		return;
	/* merging is linear: the changes and differences merge as they are */
	for (int k = 0; k < lh; k++) {
		words_attention(f->change + k * n2, f->n, f->words.first, nw, f->wchange + k * w2);
		if (f->has_diff)
			words_attention(f->diff + k * n2, f->n, f->words.first, nw, f->wdiff + k * w2);
	}
	for (int l = 0; l < L; l++)
		words_attention(f->rollout + l * n2, f->n, f->words.first, nw, f->wrollout + l * w2);
	derive_word_stats(f);
}

ui_grain
frame_grain(const ui_frame *f, bool words)
{
	ui_grain g = { f->n, f->layers, f->heads, f->labels, f->attn, f->change,
	    f->has_diff ? f->diff : NULL, f->rollout, f->vmax, f->layer_max, f->window, NULL,
	    f->hs, f->hs_order };

	if (words && f->has_words) {
		g.n = f->words.n;
		g.labels = f->wlabels;
		g.attn = f->wattn;
		g.change = f->wchange;
		g.diff = f->has_diff ? f->wdiff : NULL;
		g.rollout = f->wrollout;
		g.vmax = f->wvmax;
		g.layer_max = f->wlayer_max;
		g.first = f->words.first;
		g.hs = f->whs;
		g.hs_order = f->whs_order;
	}
	return g;
}

static size_t
grain_at(const ui_grain *g, int layer, int head)
{
	return ((size_t)layer * g->heads + head) * g->n * g->n;
}

const float *
frame_grain_attn(const ui_grain *g, int layer, int head)
{
	return g->attn + grain_at(g, layer, head);
}

const float *
frame_grain_change(const ui_grain *g, int layer, int head)
{
	return g->change + grain_at(g, layer, head);
}

const float *
frame_grain_diff(const ui_grain *g, int layer, int head)
{
	return g->diff + grain_at(g, layer, head);
}

const float *
frame_grain_rollout(const ui_grain *g, int layer)
{
	return g->rollout + (size_t)layer * g->n * g->n;
}

double
frame_grain_top(const ui_grain *g, frame_scale s, int layer, int head)
{
	switch (s) {
	case SCALE_LAYER:
		return g->layer_max[layer];
	case SCALE_HEAD:
		return g->vmax[layer * g->heads + head];
	default:
		return 1.0;
	}
}

bool
frame_grain_attended(const ui_grain *g, int layer, int i, int j)
{
	int w = g->window[layer];

	if (g->first != NULL)
		return words_attended(g->first, i, j, w);
	return w < 0 || (i - j <= w && j - i <= w);
}

int
frame_grain_token(const ui_grain *g, int i)
{
	return g->first != NULL ? g->first[i] : i;
}

int
frame_grain_seg_b(const ui_frame *f, const ui_grain *g)
{
	for (int i = 1; i < g->n; i++)
		if (frame_seg_start(f, frame_grain_token(g, i)))
			return i;
	return -1;
}

void
frame_derive(ui_frame *f, frame_avg *avg, const tok_vocab *vocab, const calib *cal,
	     const frame_geom *geom, const frame_shown *shown)
{
	/* readable labels: byte-level Ġ and SentencePiece ▁ decoded, a
	 * character split over byte tokens shown once */
	for (int i = 0; i < f->n; i++) {
		char *b = f->label_buf + (size_t)i * FRAME_LABEL_BYTES;

		tok_display_ids(vocab, f->ids, f->n, i, b, FRAME_LABEL_BYTES);
		f->labels[i] = b[0] != '\0' ? b : "?";
	}
	derive_maxima(f);
	derive_head_stats(f, avg, vocab, cal);
	derive_stats(f, cal);
	derive_rollout(f->attn, f->layers, f->heads, f->n, f->rollout,
	    f->rollout + (size_t)f->n * f->n * f->layers);
	derive_changes(f);
	derive_thumbs(f, geom, shown);
	f->has_words = false;
	if (f->words.n > 0)
		derive_words(f);
}

int
frame_grain_item(const ui_grain *g, int t)
{
	if (g->first == NULL)
		return t;
	for (int w = 0; w < g->n; w++)
		if (t < g->first[w + 1])
			return w;
	return g->n - 1;
}
