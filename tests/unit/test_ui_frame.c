/* test_ui_frame.c — a frame holds what the views read, derived right:
 * labels, maxima, ranks, rollout, thumbnails and their hysteresis, the
 * statistics view's figures and differences with a calibration; its
 * buffers are reused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "derive.h"
#include "frame.h"
#include "heed/calib.h"
#include "heed/hstat.h"
#include "heed/tok.h"
#include "heed/words.h"
#include "layout.h"
#include "palette.h"

#define VOCAB HEED_TESTDIR "/fixtures/enc/bert-f32/vocab.txt"

enum { L = 2, H = 3, N = 4 };

/* Head (l, h) attends from every token to token (l + h) % N, except head
 * (0, 0), which is uniform: entropies log N once, 0 elsewhere. */
static void
fill(ui_frame *f, tok_vocab *v)
{
	frame_reserve(f, N, L, H);
	f->n = N;
	for (int i = 0; i < N; i++)
		f->ids[i] = tok_vocab_specials(v).cls + i;
	for (int l = 0; l < L; l++)
		for (int h = 0; h < H; h++) {
			float *m = f->attn + ((size_t)l * H + h) * N * N;

			for (int i = 0; i < N; i++)
				for (int j = 0; j < N; j++)
					m[i * N + j] = l == 0 && h == 0 ? 1.0f / N : j == (l + h) % N;
		}
}

/* The vocabulary, and f filled from it. */
static tok_vocab *
filled(ui_frame *f)
{
	tok_vocab *v;
	heed_err e;

	assert_int_equal(tok_vocab_load(VOCAB, &v, &e), 0);
	fill(f, v);
	return v;
}

static void
test_everything_derived(void **state)
{
	tok_vocab *v;
	heed_err e;
	ui_frame *f = frame_new();
	frame_geom g = { 80, 20, 2, SCALE_HEAD, PAL_VIRIDIS, DEPTH_256, false };
	float rollout[(L + 2) * N * N];
	grid_layout gl;

	assert_int_equal(tok_vocab_load(VOCAB, &v, &e), 0);
	fill(f, v);
	frame_derive(f, NULL, v, NULL, &g, NULL);
	for (int i = 0; i < N; i++) {
		char want[FRAME_LABEL_BYTES];

		assert_string_equal(f->labels[i], tok_display_ids(v, f->ids, N, i, want, sizeof want));
	}
	assert_float_equal(f->vmax[0], 1.0f / N, 1e-7);
	assert_float_equal(f->vmax[1], 1.0f, 0);
	assert_float_equal(f->row_max[0 * N + 2], 1.0f / N, 1e-7);
	/* entropy: the uniform head has the most, and ranks last */
	assert_float_equal(f->stat[STAT_ENTROPY][0], log(N), 1e-6);
	assert_float_equal(f->stat_max[STAT_ENTROPY], log(N), 1e-6);
	assert_int_equal(f->rank[STAT_ENTROPY][0], L * H - 1);
	for (int i = 1; i < L * H; i++)
		assert_int_equal(f->rank[STAT_ENTROPY][i], 0);   /* ties share the lowest rank */
	/* no calibration: no JSD, no differences */
	assert_false(f->has_stat[STAT_JSD]);
	assert_true(isnan(f->stat[STAT_JSD][0]));
	assert_int_equal(f->rank[STAT_JSD][0], -1);
	assert_false(f->has_diff);
	/* rollout as derive_rollout makes it */
	derive_rollout(f->attn, L, H, N, rollout, rollout + L * N * N);
	assert_memory_equal(f->rollout, rollout, sizeof(float) * L * N * N);
	/* thumbnails at the layout's size; one-hot columns at the top level */
	assert_int_equal(layout_grid_compute(0, 0, g.w, g.h, L, H, N, g.rpl, 0, 0, &gl), 0);
	assert_int_equal(f->tw, gl.pw);
	assert_int_equal(f->th, gl.ph);
	for (int y = 0; y < f->th; y++)
		for (int x = 0; x < f->tw; x++) {
			int tok = x * N / f->tw;

			assert_int_equal(frame_thumb(f, 0, 1)[y * f->tw + x], tok == 1 ? PAL_LEVELS - 1 : 0);
			assert_int_equal(frame_thumb(f, 0, 0)[y * f->tw + x], PAL_LEVELS - 1);
		}
	assert_float_equal(frame_scale_top(f, SCALE_HEAD, 0, 0), 1.0f / N, 1e-7);
	assert_float_equal(frame_scale_top(f, SCALE_LAYER, 0, 0), 1.0f, 0);
	assert_float_equal(frame_scale_top(f, SCALE_ABSOLUTE, 0, 0), 1.0f, 0);
	/* absolute and per layer (the layer's one-hot head reaches 1): the
	 * uniform head is uniformly at the level of 1/N, far below the top */
	for (int sc = SCALE_ABSOLUTE; sc <= SCALE_LAYER; sc++) {
		g.scale = sc;
		frame_derive(f, NULL, v, NULL, &g, NULL);
		assert_float_equal(f->thumb_top[0], 1.0f, 0);
		for (int k = 0; k < f->tw * f->th; k++) {
			int tok = (k % f->tw) * N / f->tw;

			assert_int_equal(frame_thumb(f, 0, 0)[k], pal_level(1.0 / N, PAL_LEVELS));
			assert_int_equal(frame_thumb(f, 0, 1)[k], tok == 1 ? PAL_LEVELS - 1 : 0);
		}
		assert_true(pal_level(1.0 / N, PAL_LEVELS) < PAL_LEVELS / 2);
	}
	frame_free(f);
	tok_vocab_free(v);
}

/* The colour step (band of pal_band) of every level at a depth. */
static void
steps_of(pal_depth d, int step[PAL_LEVELS])
{
	int k = -1;

	for (int v = 0; v < PAL_LEVELS; v++) {
		int lo, hi;

		pal_band(PAL_VIRIDIS, d, v, &lo, &hi);
		if (lo == v)
			k++;
		step[v] = k;
	}
}

static uint32_t
lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

/* Random rows that sum to 1, as softmax makes them. */
static void
random_rows(ui_frame *f, uint32_t *seed)
{
	for (int lh = 0; lh < L * H; lh++)
		for (int i = 0; i < N; i++) {
			float *row = f->attn + ((size_t)lh * N + i) * N;
			double sum = 0;

			for (int j = 0; j < N; j++)
				sum += row[j] = (float)(lcg(seed) % 1000 + 1);
			for (int j = 0; j < N; j++)
				row[j] = (float)(row[j] / sum);
		}
}

/* In a burst of keys every pixel shows a colour at most one step from its
 * value's (the bound), keeps what is shown while that holds (a change of
 * a step is never sent), and the settle frame is exact: the levels of a
 * frame made from nothing, fitted for the sentence. */
static void
test_burst_hysteresis_bound(void **state)
{
	frame_geom burst = { 80, 20, 2, SCALE_HEAD, PAL_VIRIDIS, DEPTH_256, true };
	frame_geom rest = burst;
	ui_frame *f = frame_new(), *ref = frame_new();
	int step[PAL_LEVELS], kept = 0, moved = 0;
	uint32_t seed = 12345;
	uint8_t *shown_lv, *exact;
	frame_shown shown;
	size_t all;
	tok_vocab *v = filled(f);

	rest.burst = false;
	steps_of(DEPTH_256, step);
	random_rows(f, &seed);
	frame_derive(f, NULL, v, NULL, &burst, NULL);
	assert_true(f->tcap >= N);
	all = (size_t)f->tw * f->th * L * H;
	shown_lv = malloc(all);
	exact = malloc(all);
	memcpy(shown_lv, f->thumb, all);
	shown = (frame_shown){ shown_lv, f->tw, f->th, f->tcap };
	for (int round = 0; round < 200; round++) {
		/* a small shift of every row, as a new token makes, or a new
		 * sentence now and then */
		if (round % 20 == 19) {
			random_rows(f, &seed);
		} else {
			for (size_t e = 0; e < (size_t)L * H * N * N; e++)
				f->attn[e] *= 1.0f + (float)((int)(lcg(&seed) % 201) - 100) / 1000.0f;
		}
		frame_derive(f, NULL, v, NULL, &burst, NULL);     /* no history: exact levels */
		assert_int_equal((size_t)f->tw * f->th * L * H, all);
		memcpy(exact, f->thumb, all);
		frame_derive(f, NULL, v, NULL, &burst, &shown);
		assert_int_equal(f->tcap, shown.cap);       /* the same fit throughout */
		for (size_t k = 0; k < all; k++) {
			uint8_t got = f->thumb[k];

			if (exact[k] == THUMB_BLANK) {
				assert_int_equal(got, THUMB_BLANK);
				continue;
			}
			assert_true(got < PAL_LEVELS);
			assert_true(abs(step[got] - step[exact[k]]) <= 1);
			if (abs(step[shown_lv[k]] - step[exact[k]]) <= 1) {
				assert_int_equal(got, shown_lv[k]);
				kept += step[got] != step[exact[k]];
			} else {
				assert_int_equal(got, exact[k]);
				moved++;
			}
		}
		memcpy(shown_lv, f->thumb, all);
	}
	/* both happened: colours held a step off, and changes that showed */
	assert_true(kept > 0);
	assert_true(moved > 0);
	/* the settle frame: exact, fitted for n, whatever was shown */
	frame_derive(f, NULL, v, NULL, &rest, &shown);
	fill(ref, v);
	memcpy(ref->attn, f->attn, sizeof(float) * L * H * N * N);
	frame_derive(ref, NULL, v, NULL, &rest, NULL);
	assert_int_equal(f->tcap, N);
	assert_int_equal(f->tw, ref->tw);
	assert_int_equal(f->th, ref->th);
	assert_memory_equal(f->thumb, ref->thumb, (size_t)f->tw * f->th * L * H);
	for (int lh = 0; lh < L * H; lh++) {
		derive_downsample(f->attn + (size_t)lh * N * N, N, f->th, f->tw, f->pix);
		for (int k = 0; k < f->tw * f->th; k++)
			assert_int_equal(f->thumb[(size_t)lh * f->tw * f->th + k],
			    pal_level(pal_scale(f->pix[k], f->thumb_top[lh]), PAL_LEVELS));
	}
	free(shown_lv);
	free(exact);
	frame_free(f);
	frame_free(ref);
	tok_vocab_free(v);
}

/* What a burst's hysteresis alone puts at a pixel showing shown_lv. */
static int
held_or_exact(int exact, int shown_lv, const int step[PAL_LEVELS])
{
	if (exact == THUMB_BLANK || shown_lv == THUMB_BLANK)
		return exact;
	return abs(step[shown_lv] - step[exact]) <= 1 ? shown_lv : exact;
}

/* Colour steps from a to b; a pixel turning coloured or blank above all. */
static int
steps_apart(int a, int b, const int step[PAL_LEVELS])
{
	if (a == b)
		return 0;
	if (a == THUMB_BLANK || b == THUMB_BLANK)
		return PAL_LEVELS;
	return abs(step[a] - step[b]);
}

/* A burst frame changes at most an eighth of the thumbnails' text cells
 * (one thumbnail's worth in a grid of fewer than eight heads),
 * those furthest from what the hysteresis would show first, a cell whole
 * or not at all; the cells held back keep what is shown and follow in
 * the frames after, so a sentence that stops changing is drawn in full
 * within as many frames as its changes need budgets. */
static void
test_burst_budget(void **state)
{
	/* small thumbnails (4 x 4 pixels, 2 text rows), so that a new
	 * sentence changes more than an eighth of them */
	frame_geom burst = { 24, 8, 2, SCALE_HEAD, PAL_VIRIDIS, DEPTH_256, true };
	ui_frame *f = frame_new();
	int step[PAL_LEVELS], capped = 0;
	uint32_t seed = 777;
	uint8_t *shown_lv, *exact;
	frame_shown shown;
	size_t all, per, budget;
	tok_vocab *v = filled(f);

	steps_of(DEPTH_256, step);
	random_rows(f, &seed);
	frame_derive(f, NULL, v, NULL, &burst, NULL);
	all = (size_t)f->tw * f->th * L * H;
	per = (size_t)(f->th + 1) / 2 * f->tw;
	budget = per * L * H / 8;
	if (budget < per)           /* never less than one thumbnail's cells */
		budget = per;
	assert_true(budget > 0);
	shown_lv = malloc(all);
	exact = malloc(all);
	memcpy(shown_lv, f->thumb, all);
	shown = (frame_shown){ shown_lv, f->tw, f->th, f->tcap };
	for (int sentence = 0; sentence < 20; sentence++) {
		size_t first_want = 0;
		int frames = 0;

		random_rows(f, &seed);
		frame_derive(f, NULL, v, NULL, &burst, NULL);
		memcpy(exact, f->thumb, all);
		for (;;) {
			size_t sent = 0, want = 0;
			int min_sent = PAL_LEVELS + 1, max_held = 0;

			frame_derive(f, NULL, v, NULL, &burst, &shown);
			assert_int_equal(f->tcap, shown.cap);
			assert_int_equal(f->tw, shown.tw);
			assert_int_equal(f->th, shown.th);
			for (size_t lh = 0; lh < (size_t)L * H; lh++)
				for (size_t c = 0; c < per; c++) {
					int x = (int)(c % (size_t)f->tw), y0 = (int)(c / (size_t)f->tw) * 2, e = 0;
					bool changed = false;

					for (int y = y0; y < y0 + 2 && y < f->th; y++) {
						size_t k = (lh * f->th + y) * f->tw + x;
						int target = held_or_exact(exact[k], shown_lv[k], step);

						if (steps_apart(shown_lv[k], target, step) > e)
							e = steps_apart(shown_lv[k], target, step);
						changed |= f->thumb[k] != shown_lv[k];
					}
					for (int y = y0; changed && y < y0 + 2 && y < f->th; y++) {
						size_t k = (lh * f->th + y) * f->tw + x;

						assert_int_equal(f->thumb[k], held_or_exact(exact[k], shown_lv[k], step));
					}
					want += e > 0;
					if (changed) {
						sent++;
						min_sent = e < min_sent ? e : min_sent;
					} else if (e > max_held) {
						max_held = e;
					}
				}
			if (frames == 0)
				first_want = want;
			assert_int_equal(sent, want < budget ? want : budget);
			if (max_held > 0) {
				assert_true(min_sent >= max_held);
				capped++;
			}
			memcpy(shown_lv, f->thumb, all);
			if (want == 0)
				break;
			frames++;
		}
		assert_int_equal(frames, (first_want + budget - 1) / budget);
	}
	assert_true(capped > 0);   /* the budget held cells back */
	free(shown_lv);
	free(exact);
	frame_free(f);
	tok_vocab_free(v);
}

/* In 256 colours a pixel in a burst keeps its level while its value stays
 * in the colour shown or the next one, and changes once it is two colours
 * away. */
static void
test_thumbnail_band(void **state)
{
	frame_geom g = { 80, 20, 2, SCALE_ABSOLUTE, PAL_VIRIDIS, DEPTH_256, true };
	ui_frame *f = frame_new();
	int step[PAL_LEVELS], a, b, a2, b2, x1;
	tok_vocab *v;
	uint8_t *prev;
	frame_shown sh;
	size_t all;
	float *m;

	steps_of(DEPTH_256, step);
	pal_band(PAL_VIRIDIS, DEPTH_256, PAL_LEVELS / 3, &a, &b);
	pal_band(PAL_VIRIDIS, DEPTH_256, b + 1, &a2, &b2);   /* the next colour */
	assert_true(b2 + 1 < PAL_LEVELS);
	v = filled(f);
	m = f->attn + ((size_t)1 * H + 2) * N * N;
	for (int i = 0; i < N; i++)
		m[i * N + 1] = (float)((a + 0.5) / PAL_LEVELS);
	frame_derive(f, NULL, v, NULL, &g, NULL);
	x1 = f->tw * 1 / f->tcap;   /* a pixel of token 1 */
	while (x1 * f->tcap / f->tw < 1)
		x1++;
	assert_int_equal(frame_thumb(f, 1, 2)[x1], a);
	all = (size_t)f->tw * f->th * L * H;
	prev = malloc(all);
	memcpy(prev, f->thumb, all);
	sh = (frame_shown){ prev, f->tw, f->th, f->tcap };
	/* to the top of the next colour: held */
	for (int i = 0; i < N; i++)
		m[i * N + 1] = (float)((b2 + 0.9) / PAL_LEVELS);
	frame_derive(f, NULL, v, NULL, &g, &sh);
	assert_int_equal(frame_thumb(f, 1, 2)[x1], a);
	/* into the colour after: the exact level */
	for (int i = 0; i < N; i++)
		m[i * N + 1] = (float)((b2 + 1.5) / PAL_LEVELS);
	frame_derive(f, NULL, v, NULL, &g, &sh);
	assert_int_equal(frame_thumb(f, 1, 2)[x1], b2 + 1);
	assert_int_equal(step[b2 + 1] - step[a], 2);
	free(prev);
	frame_free(f);
	tok_vocab_free(v);
}

/* The token in slot s of a burst's fit for cap, the last `tail` tokens
 * at its end; -1 for none. */
static int
slot_token(int s, int cap, int tail)
{
	if (s < N - tail)
		return s;
	if (s >= cap - tail)
		return N - (cap - s);
	return -1;
}

/* A burst's thumbnails are fitted for more tokens than the sentence has:
 * the pixels without a token are blank, not weights of 0; the closing
 * [SEP] sits in the last slot, and every other token in its own. */
static void
test_capacity_fit(void **state)
{
	frame_geom burst = { 80, 20, 2, SCALE_ABSOLUTE, PAL_VIRIDIS, DEPTH_256, true };
	frame_geom rest = burst;
	ui_frame *f = frame_new();
	tok_vocab *v = filled(f);
	int blank = 0, tail;

	rest.burst = false;
	f->ids[N - 1] = tok_vocab_specials(v).sep;
	/* one-hot rows: token i attends to token (i + 1) % N alone */
	for (int lh = 0; lh < L * H; lh++)
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				f->attn[((size_t)lh * N + i) * N + j] = j == (i + 1) % N;
	frame_derive(f, NULL, v, NULL, &burst, NULL);
	tail = frame_closing(f);
	assert_int_equal(tail, 1);
	assert_true(f->tcap > N);
	assert_true(f->tw >= f->tcap && f->tw % f->tcap == 0);   /* whole pixels here */
	for (int lh = 0; lh < L * H; lh++)
		for (int y = 0; y < f->th; y++)
			for (int x = 0; x < f->tw; x++) {
				/* the tokens under this pixel */
				int kx = slot_token(x * f->tcap / f->tw, f->tcap, tail);
				int ky = slot_token(y * f->tcap / f->th, f->tcap, tail);
				uint8_t lv = f->thumb[((size_t)lh * f->th + y) * f->tw + x];

				if (kx < 0 || ky < 0) {
					assert_int_equal(lv, THUMB_BLANK);
					blank++;
				} else {
					assert_int_equal(lv, kx == (ky + 1) % N ? PAL_LEVELS - 1 : 0);
				}
			}
	assert_true(blank > 0);
	/* at rest: fitted for n, nothing blank */
	frame_derive(f, NULL, v, NULL, &rest, NULL);
	assert_int_equal(f->tcap, N);
	for (size_t k = 0; k < (size_t)f->tw * f->th * L * H; k++)
		assert_true(f->thumb[k] < PAL_LEVELS);
	frame_free(f);
	tok_vocab_free(v);
}

static void
test_buffers_reused(void **state)
{
	ui_frame *f = frame_new();
	float *attn;
	const int big = 16, small = 9, bigger = 20;

	frame_reserve(f, big, L, H);
	attn = f->attn;
	frame_reserve(f, small, L, H);          /* smaller: no reallocation */
	assert_ptr_equal(f->attn, attn);
	assert_int_equal(f->cap_n, big);
	frame_reserve(f, bigger, L, H);
	assert_int_equal(f->cap_n, bigger);
	/* the whole buffer is there (ASan checks the last element) */
	f->attn[L * H * bigger * bigger - 1] = 1;
	assert_float_equal(f->attn[L * H * bigger * bigger - 1], 1, 0);
	frame_free(f);
}

/* Labels are the pieces as people read them: a byte-level BPE's Ġ
 * becomes the word-start mark, and an emoji split over byte tokens shows
 * once, on its first token. */
static void
test_labels_readable(void **state)
{
	tok_vocab *v;
	heed_err e;
	ui_frame *f = frame_new();
	frame_geom g = { 80, 20, 2, SCALE_HEAD, PAL_VIRIDIS, DEPTH_256, false };
	const char *text = "the whale \xf0\x9f\x98\x80";
	tok_result r;
	int emoji = -1;

	(void)state;
	assert_int_equal(tok_load(HEED_TESTDIR "/fixtures/tok/roberta-bpe.json", &v, &e), 0);
	assert_int_equal(tok_encode(v, text, strlen(text), false, 64, &r, &e), 0);
	frame_reserve(f, r.n, L, H);
	f->n = r.n;
	for (int i = 0; i < r.n; i++)
		f->ids[i] = r.tok[i].id;
	memset(f->attn, 0, sizeof(float) * L * H * r.n * r.n);
	frame_derive(f, NULL, v, NULL, &g, NULL);
	for (int i = 0; i < r.n; i++) {
		assert_null(strstr(f->labels[i], "\xc4\xa0"));   /* no raw Ġ */
		if (strstr(f->labels[i], "\xf0\x9f\x98\x80") != NULL && emoji < 0)
			emoji = i;
	}
	assert_string_equal(f->labels[1], TOK_WORD_MARK "the");
	assert_string_equal(f->labels[2], TOK_WORD_MARK "whale");
	assert_true(emoji > 2);
	assert_string_equal(f->labels[emoji + 1], TOK_CONT_MARK);
	assert_false(f->pair);
	tok_result_free(&r);
	tok_vocab_free(v);
	frame_free(f);
}

/* With its words the frame also holds every matrix between words, and
 * frame_grain hands the views either grain; without it, only tokens. */
static void
test_words_derived(void **state)
{
	tok_vocab *v;
	heed_err e;
	ui_frame *f = frame_new();
	frame_geom g = { .w = 80, .h = 20, .rpl = 2, .scale = SCALE_ABSOLUTE };
	int first[] = { 0, 1, 3, 4 };   /* words {0} {1, 2} {3} */
	float want[9];
	ui_grain gr;

	assert_int_equal(tok_vocab_load(VOCAB, &v, &e), 0);
	fill(f, v);
	f->words.n = 3;
	memcpy(f->words.first, first, sizeof first);
	strcpy(f->words.label[0], "[CLS]");
	strcpy(f->words.label[1], "ab");
	strcpy(f->words.label[2], "[SEP]");
	frame_derive(f, NULL, v, NULL, &g, NULL);
	assert_true(f->has_words);
	gr = frame_grain(f, true);
	assert_int_equal(gr.n, 3);
	assert_string_equal(gr.labels[1], "ab");
	assert_ptr_equal(gr.first, f->words.first);
	assert_int_equal(frame_grain_token(&gr, 2), 3);
	for (int l = 0; l < L; l++)
		for (int h = 0; h < H; h++) {
			words_attention(frame_attn(f, l, h), N, first, 3, want);
			assert_memory_equal(frame_grain_attn(&gr, l, h), want, sizeof want);
			assert_float_equal(gr.vmax[l * H + h], derive_max(want, 9), 0);
		}
	/* head (1, 0) sends everything to token 1, half of word 1: its
	 * word-level top is 1 and the layer's too */
	assert_float_equal(frame_grain_top(&gr, SCALE_HEAD, 1, 0), 1.0, 1e-6);
	assert_float_equal(frame_grain_top(&gr, SCALE_LAYER, 1, 2), 1.0, 1e-6);
	words_attention(f->rollout + N * N, N, first, 3, want);
	assert_memory_equal(frame_grain_rollout(&gr, 1), want, sizeof want);
	/* the statistics between words: hstat_head on the merged matrix, a
	 * word being what all its pieces are */
	for (int k = 0; k < L * H; k++) {
		uint8_t wkind[3] = { f->kind[0], (uint8_t)(f->kind[1] & f->kind[2]), f->kind[3] };
		hstat h;

		hstat_head(f->wattn + k * 9, 3, wkind, NULL, &h);
		for (int col = 0; col < HSTAT_COUNT; col++)
			if (!isnan(h.v[col]))
				assert_float_equal(gr.hs[k].v[col], h.v[col], 1e-12);
		assert_int_equal(gr.hs[k].cat, h.cat);
	}
	assert_ptr_equal(gr.hs_order, f->whs_order);
	/* unmodified: no change at either grain */
	for (int k = 0; k < 9; k++)
		assert_float_equal(frame_grain_change(&gr, 0, 0)[k], 0, 0);
	/* tokens asked for, or words not made: the token grain */
	gr = frame_grain(f, false);
	assert_int_equal(gr.n, N);
	assert_null(gr.first);
	f->words.n = 0;
	frame_derive(f, NULL, v, NULL, &g, NULL);
	assert_false(f->has_words);
	gr = frame_grain(f, true);
	assert_int_equal(gr.n, N);
	assert_ptr_equal(gr.attn, f->attn);
	frame_free(f);
	tok_vocab_free(v);
}

/* With a calibration: every head's figures are hstat_heads' to the bit
 * (the numbers heed stats SENTENCE prints), the difference is attention
 * minus the same average rows, and a head whose average is its own
 * attention has no input dependence. */
static void
test_stats_with_calibration(void **state)
{
	static const model_config cfg = {
		.arch = MODEL_ARCH_BERT, .vocab_size = 100, .hidden = 8, .layers = L, .heads = H,
		.ffn = 16, .max_pos = 8, .max_tokens = 8, .type_vocab = 2, .ln_eps = 1e-12f,
	};
	calib *cal = calib_new(&cfg, 8, 0);
	const float *rows[L * H];
	tok_vocab *v;
	heed_err e;
	ui_frame *f = frame_new();
	frame_geom g = { 80, 20, 2, SCALE_HEAD, PAL_VIRIDIS, DEPTH_256, false };
	hstat want[L * H];
	float *avg = malloc(sizeof(float) * N * N), *scratch = malloc(sizeof(float) * N * N);

	assert_int_equal(tok_vocab_load(VOCAB, &v, &e), 0);
	fill(f, v);
	/* the calibration saw this very sentence, so its averages are it */
	for (int lh = 0; lh < L * H; lh++)
		rows[lh] = f->attn + (size_t)lh * N * N;
	calib_add_sentence(cal, N, rows);
	calib_finish(cal);
	frame_derive(f, NULL, v, cal, &g, NULL);
	assert_true(f->has_diff);
	hstat_heads(f->attn, L, H, N, f->kind, cal, scratch, want);
	for (int lh = 0; lh < L * H; lh++) {
		assert_memory_equal(f->hs[lh].v, want[lh].v, sizeof want[lh].v);
		assert_int_equal(f->hs[lh].cat, want[lh].cat);
		assert_float_equal(f->hs[lh].v[HSTAT_DEP], 0.0, 1e-6);
		hstat_average_rows(cal, lh / H, lh % H, N, avg);
		for (int k = 0; k < N * N; k++)
			assert_true(f->diff[(size_t)lh * N * N + k] == f->attn[(size_t)lh * N * N + k] - avg[k]);
	}
	/* a different sentence: head (0, 1) looks elsewhere now, and depends */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			f->attn[(size_t)1 * N * N + i * N + j] = j == (i + 1) % N;
	frame_derive(f, NULL, v, cal, &g, NULL);
	assert_true(f->hs[1].v[HSTAT_DEP] > 0.5);
	assert_float_equal(f->hs[0].v[HSTAT_DEP], 0.0, 1e-6);
	free(avg);
	free(scratch);
	calib_free(cal);
	tok_vocab_free(v);
	frame_free(f);
}

/* Attention for n tokens, different for each seed: rows of positive
 * weights that sum to 1 (row i of head k favours key (i + k + seed) % n). */
static void
fill_n(ui_frame *f, tok_vocab *v, int n, int seed)
{
	frame_reserve(f, n, L, H);
	f->n = n;
	for (int i = 0; i < n; i++)
		f->ids[i] = tok_vocab_specials(v).cls + i;
	for (int k = 0; k < L * H; k++)
		for (int i = 0; i < n; i++) {
			float *row = f->attn + ((size_t)k * n + i) * n;
			double s = 0;

			for (int j = 0; j < n; j++)
				s += row[j] = 1.0f + (float)((i * 7 + j * 3 + k + seed) % 5) +
				    8.0f * (j == (i + k + seed) % n);
			for (int j = 0; j < n; j++)
				row[j] = (float)(row[j] / s);
		}
}

/* A calibration of L x H heads that saw f's sentence. */
static calib *
calib_of(const ui_frame *f)
{
	static const model_config cfg = {
		.arch = MODEL_ARCH_BERT, .vocab_size = 100, .hidden = 8, .layers = L, .heads = H,
		.ffn = 16, .max_pos = 8, .max_tokens = 8, .type_vocab = 2, .ln_eps = 1e-12f,
	};
	calib *cal = calib_new(&cfg, 8, 0);
	const float *rows[L * H];

	for (int k = 0; k < L * H; k++)
		rows[k] = f->attn + (size_t)k * f->n * f->n;
	calib_add_sentence(cal, f->n, rows);
	calib_finish(cal);
	return cal;
}

/* The average rows kept across frames (a frame_avg, the worker's way)
 * give every figure and difference frame_derive gives when it makes them
 * for the frame alone (avg NULL), to the bit; they are made again when the
 * length or the calibration changes, and once sized the buffer stays. */
static void
test_stats_avg_kept(void **state)
{
	static const int lens[] = { N, N, N - 1, 2, N, N };
	tok_vocab *v;
	heed_err e;
	ui_frame *kept = frame_new(), *made = frame_new();
	frame_geom g = { 80, 20, 2, SCALE_HEAD, PAL_VIRIDIS, DEPTH_256, false };
	frame_avg c = { NULL, 0, 0, NULL, NULL };
	calib *cal[2];
	float *rows = NULL;

	(void)state;
	assert_int_equal(tok_vocab_load(VOCAB, &v, &e), 0);
	fill_n(made, v, N, 1);
	cal[0] = calib_of(made);
	fill_n(made, v, N - 1, 2);
	cal[1] = calib_of(made);
	for (size_t t = 0; t < 2 * sizeof lens / sizeof lens[0]; t++) {
		int n = lens[t % 6], which = t >= 6;
		size_t nn = (size_t)n * n;

		fill_n(kept, v, n, (int)t);
		fill_n(made, v, n, (int)t);
		frame_derive(kept, &c, v, cal[which], &g, NULL);
		frame_derive(made, NULL, v, cal[which], &g, NULL);
		assert_true(kept->has_diff);
		assert_ptr_equal(c.cal, cal[which]);
		assert_int_equal(c.n, n);
		if (t == 0)
			rows = c.rows;
		/* sized for the longest (the first) length: never again */
		assert_ptr_equal(c.rows, rows);
		assert_int_equal(c.cap, (size_t)L * H * N * N);
		for (int k = 0; k < L * H; k++) {
			float avg[N * N];

			assert_memory_equal(kept->hs[k].v, made->hs[k].v, sizeof made->hs[k].v);
			assert_int_equal(kept->hs[k].cat, made->hs[k].cat);
			assert_false(isnan(kept->hs[k].v[HSTAT_DEP]));
			assert_memory_equal(kept->diff + k * nn, made->diff + k * nn, nn * sizeof(float));
			assert_memory_equal(&kept->diff_max[k], &made->diff_max[k], sizeof(float));
			/* what is kept is the calibration's rows for this length */
			hstat_average_rows(cal[which], k / H, k % H, n, avg);
			assert_memory_equal(c.rows + k * nn, avg, nn * sizeof(float));
		}
		for (int s = 0; s < STAT_COUNT; s++)
			assert_memory_equal(kept->rank[s], made->rank[s], L * H * sizeof(int));
	}
	/* without averages nothing is kept or compared */
	frame_derive(kept, &c, v, NULL, &g, NULL);
	assert_false(kept->has_diff);
	assert_true(isnan(kept->hs[0].v[HSTAT_DEP]));
	frame_avg_free(&c);
	assert_null(c.rows);
	calib_free(cal[0]);
	calib_free(cal[1]);
	tok_vocab_free(v);
	frame_free(kept);
	frame_free(made);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everything_derived),
		cmocka_unit_test(test_burst_hysteresis_bound),
		cmocka_unit_test(test_burst_budget),
		cmocka_unit_test(test_capacity_fit),
		cmocka_unit_test(test_thumbnail_band),
		cmocka_unit_test(test_buffers_reused),
		cmocka_unit_test(test_labels_readable),
		cmocka_unit_test(test_words_derived),
		cmocka_unit_test(test_stats_with_calibration),
		cmocka_unit_test(test_stats_avg_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
