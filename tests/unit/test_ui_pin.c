/* test_ui_pin.c — the pinned copy (pin.c): it keeps the pinned frame's
 * attention and labels whatever the next frames hold, its difference is
 * current − pinned when the tokenisations align and nothing otherwise, and
 * its thumbnails follow the grid's geometry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/words.h"
#include "pin.h"

/* A frame of n tokens, L layers, H heads whose weights depend on seed. */
static ui_frame *
make_frame(int n, int L, int H, float seed)
{
	ui_frame *f = frame_new();
	static const char *words[] = { "[CLS]", "the", "keys", "are", "is", "[SEP]", "here", "x" };

	frame_reserve(f, n, L, H);
	f->n = n;
	for (int i = 0; i < n; i++) {
		f->ids[i] = 100 + i;
		/* in the frame's own buffer, as frame_derive writes them */
		snprintf(f->label_buf + (size_t)i * FRAME_LABEL_BYTES, FRAME_LABEL_BYTES, "%s", words[i % 8]);
		f->labels[i] = f->label_buf + (size_t)i * FRAME_LABEL_BYTES;
		f->types[i] = 0;
		f->seg[i] = 0;
	}
	for (int lh = 0; lh < L * H; lh++)
		for (int i = 0; i < n; i++) {
			float *row = f->attn + ((size_t)lh * n + i) * n, sum = 0;

			for (int j = 0; j < n; j++)
				sum += row[j] = 1.0f + (float)((lh * 7 + i * 3 + j) % 5) * seed;
			for (int j = 0; j < n; j++)
				row[j] /= sum;
			f->row_max[(size_t)lh * n + i] = 1;
		}
	for (int lh = 0; lh < L * H; lh++)
		f->vmax[lh] = 1;
	for (int l = 0; l < L; l++)
		f->layer_max[l] = 1;
	return f;
}

static void
test_aligned_difference(void **st)
{
	frame_geom g = { .w = 60, .h = 20, .rpl = 2, .scale = SCALE_ABSOLUTE };
	ui_frame *a = make_frame(6, 2, 3, 0.5f), *b = make_frame(6, 2, 3, 2.0f);
	ui_pin p = { 0 };
	size_t nn = 36;

	(void)st;
	pin_take(&p, a, NULL, "the keys are", &g);
	assert_true(p.on);
	assert_string_equal(p.text, "the keys are");
	/* against itself: aligned, nothing differs */
	assert_true(p.aligned);
	assert_int_equal(p.ndiffer, 0);
	assert_float_equal(p.delta_top, 0, 0);
	b->ids[3] = 999;   /* "are" -> "is" */
	pin_compare(&p, b);
	assert_true(p.aligned);
	assert_int_equal(p.ndiffer, 1);
	for (int lh = 0; lh < 6; lh++) {
		float most = 0;

		for (size_t k = 0; k < nn; k++) {
			float d = b->attn[lh * nn + k] - a->attn[lh * nn + k];

			assert_float_equal(pin_delta(&p, lh / 3, lh % 3)[k], d, 0);
			if (d < 0)
				d = -d;
			if (d > most)
				most = d;
		}
		assert_float_equal(p.delta_max[lh], most, 0);
		assert_true(most > 0);
	}
	/* the copy is the pinned frame's, not a reference to it: its
	 * weights and its labels' text outlive the frame's next use */
	memset(a->attn, 0, sizeof(float) * nn * 6);
	snprintf(a->label_buf + 2 * FRAME_LABEL_BYTES, FRAME_LABEL_BYTES, "overwritten");
	assert_string_equal(p.f->labels[2], "keys");
	assert_float_equal(frame_attn(p.f, 0, 0)[0], frame_attn(b, 0, 0)[0] - pin_delta(&p, 0, 0)[0], 1e-6);
	pin_drop(&p);
	assert_false(p.on);
	pin_free(&p);
	frame_free(a);
	frame_free(b);
}

static void
test_unaligned_and_thumbs(void **st)
{
	frame_geom g = { .w = 60, .h = 20, .rpl = 2, .scale = SCALE_ABSOLUTE }, half = { .w = 30, .h = 20, .rpl = 2, .scale = SCALE_ABSOLUTE };
	ui_frame *a = make_frame(5, 2, 2, 1.0f), *b = make_frame(7, 2, 2, 1.0f);
	ui_pin p = { 0 };
	int tw;

	(void)st;
	pin_take(&p, a, NULL, "five", &g);
	assert_true(p.f->tw > 0 && p.f->th > 0);
	tw = p.f->tw;
	pin_compare(&p, b);
	assert_false(p.aligned);
	/* a narrower grid panel: the pinned thumbnails are remade for it */
	pin_geometry(&p, &half);
	assert_true(p.f->tw > 0 && p.f->tw < tw);
	assert_memory_equal(&p.f->geom, &half, sizeof half);
	/* pinning again replaces the pin */
	pin_take(&p, b, NULL, "seven", &g);
	assert_string_equal(p.text, "seven");
	assert_int_equal(p.f->n, 7);
	assert_true(p.aligned);
	pin_free(&p);
	frame_free(a);
	frame_free(b);
}

/* Pinned with its words: the pinned pane can show them whenever w is on,
 * and the difference between words is the token difference merged, when
 * both sentences are cut into the same words. */
static void
test_words(void **st)
{
	frame_geom g = { .w = 60, .h = 20, .rpl = 2, .scale = SCALE_ABSOLUTE };
	ui_frame *a = make_frame(6, 2, 2, 0.5f), *b = make_frame(6, 2, 2, 2.0f);
	int first[] = { 0, 1, 3, 5, 6 }, other[] = { 0, 2, 3, 5, 6 };
	char label[4][UI_WORD_LABEL] = { "[CLS]", "keys", "are", "[SEP]" };
	ui_words w = { 4, first, label }, w2 = { 4, other, label };
	ui_pin p = { 0 };
	ui_grain pg, dg;
	float want[16];
	bool ok;

	(void)st;
	pin_take(&p, a, &w, "the keys are", &g);
	pg = pin_grain(&p, true);
	assert_int_equal(pg.n, 4);
	assert_non_null(pg.first);
	assert_string_equal(pg.labels[1], "keys");
	words_attention(frame_attn(a, 1, 1), 6, first, 4, want);
	assert_memory_equal(frame_grain_attn(&pg, 1, 1), want, sizeof want);
	/* asked for pieces, the pin gives its tokens */
	pg = pin_grain(&p, false);
	assert_int_equal(pg.n, 6);
	assert_null(pg.first);
	/* the current frame without words: the difference is the tokens' */
	pin_compare(&p, b);
	assert_true(p.aligned);
	assert_false(p.aligned_words);
	dg = pin_delta_grain(&p, b, true, &ok);
	assert_true(ok);
	assert_null(dg.first);
	/* both in the same words: current − pinned between words */
	frame_words_copy(&b->words, &w);
	frame_words_attention(b);
	pin_compare(&p, b);
	assert_true(p.aligned_words);
	dg = pin_delta_grain(&p, b, true, &ok);
	assert_true(ok);
	assert_int_equal(dg.n, 4);
	for (int lh = 0; lh < 4; lh++) {
		float m = 0;

		words_attention(pin_delta(&p, lh / 2, lh % 2), 6, first, 4, want);
		for (int k = 0; k < 16; k++) {
			assert_float_equal(frame_grain_attn(&dg, lh / 2, lh % 2)[k], want[k], 1e-6);
			m = want[k] > m ? want[k] : -want[k] > m ? -want[k] : m;
		}
		assert_float_equal(pin_delta_max(&p, true, lh / 2, lh % 2), m, 1e-6);
	}
	/* the same tokens cut into other words: no difference between words */
	frame_words_copy(&b->words, &w2);
	frame_words_attention(b);
	pin_compare(&p, b);
	assert_true(p.aligned);
	assert_false(p.aligned_words);
	(void)pin_delta_grain(&p, b, true, &ok);
	assert_false(ok);
	pin_free(&p);
	frame_free(a);
	frame_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned_difference),
		cmocka_unit_test(test_unaligned_and_thumbs),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
