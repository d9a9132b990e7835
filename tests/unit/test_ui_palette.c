/* test_ui_palette.c — weight-to-colour mapping, every depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "palette.h"

/* What a level looks like, the test's own way: its colour, or its
 * character without colour. */
static int
band_shown(int k, pal_depth d, int level)
{
	double t = (level + 0.5) / PAL_LEVELS;

	return d == DEPTH_NONE ? pal_ascii(t) : pal_colour((pal_kind)k, d, t);
}

static void
test_ascii_ramp_ends_and_monotonic(void **state)
{
	const char *ramp = PAL_ASCII_RAMP;
	const char *prev = ramp;

	assert_int_equal(pal_ascii(0.0), ' ');
	assert_int_equal(pal_ascii(1.0), '@');
	assert_int_equal(pal_ascii(-3.0), ' ');
	assert_int_equal(pal_ascii(7.0), '@');
	for (double t = 0; t <= 1.0; t += 0.01) {
		const char *p = strchr(ramp, pal_ascii(t));

		assert_non_null(p);
		assert_true(p >= prev);
		prev = p;
	}
}

static void
test_levels(void **state)
{
	assert_int_equal(pal_level(0, PAL_LEVELS), 0);
	assert_int_equal(pal_level(1, PAL_LEVELS), PAL_LEVELS - 1);
	assert_int_equal(pal_level(0.5, 10), 5);
	assert_int_equal(pal_level(0.0 / 0.0, 10), 0);
}

static void
test_scale(void **state)
{
	assert_true(pal_scale(0.25, 0.5) == 0.5);
	assert_true(pal_scale(0.9, 0.5) == 1.0);
	assert_true(pal_scale(0.3, 0) == 0);
	assert_true(pal_scale_signed(0, 0.4) == 0.5);
	assert_true(pal_scale_signed(-0.4, 0.4) == 0.0);
	assert_true(pal_scale_signed(0.2, 0.4) == 0.75);
}

static void
test_viridis_endpoints(void **state)
{
	uint8_t c[3];

	pal_rgb(PAL_VIRIDIS, 0, c);
	assert_int_equal(c[0], 68);
	assert_int_equal(c[2], 84);
	pal_rgb(PAL_VIRIDIS, 1, c);
	assert_int_equal(c[0], 253);
	assert_int_equal(c[1], 231);
	/* gray gets brighter all the way */
	for (int l = 1; l < PAL_LEVELS; l++) {
		uint8_t a[3], b[3];

		pal_rgb(PAL_GRAY, (l - 1) / (double)PAL_LEVELS, a);
		pal_rgb(PAL_GRAY, l / (double)PAL_LEVELS, b);
		assert_true(b[0] > a[0]);
	}
	/* diverging is white-ish in the middle */
	pal_rgb(PAL_DIVERGING, 0.5, c);
	assert_true(c[0] > 240 && c[1] > 240 && c[2] > 240);
}

static void
test_xterm256(void **state)
{
	uint8_t black[3] = { 0, 0, 0 }, white[3] = { 255, 255, 255 };
	uint8_t red[3] = { 255, 0, 0 }, mid[3] = { 128, 128, 128 };
	uint8_t v[3];

	assert_int_equal(pal_xterm256(black), 16);
	assert_int_equal(pal_xterm256(white), 231);
	assert_int_equal(pal_xterm256(red), 196);
	assert_int_equal(pal_xterm256(mid), 244);   /* gray ramp: 8 + 10*12 = 128 */
	for (double t = 0; t <= 1; t += 0.05) {
		pal_rgb(PAL_VIRIDIS, t, v);
		int c = pal_xterm256(v);
		assert_true(c >= 16 && c <= 255);
	}
}

static void
test_ansi8(void **state)
{
	assert_int_equal(pal_ansi8(PAL_VIRIDIS, 0), 0);     /* black */
	assert_int_equal(pal_ansi8(PAL_VIRIDIS, 1), 3);     /* yellow */
	assert_int_equal(pal_ansi8(PAL_DIVERGING, 0), 4);   /* blue */
	assert_int_equal(pal_ansi8(PAL_DIVERGING, 0.5), 7); /* white: no difference */
	assert_int_equal(pal_ansi8(PAL_DIVERGING, 1), 1);   /* red */
	assert_int_equal(pal_ansi8(PAL_GRAY, 1), 7);
	assert_int_equal(pal_ansi8(PAL_CIVIDIS, 0), 0);     /* black */
	assert_int_equal(pal_ansi8(PAL_CIVIDIS, 1), 3);     /* yellow */
	for (double t = 0; t <= 1; t += 0.01)
		assert_in_range(pal_ansi8(PAL_GRAY, t), 0, 7);
}

static void
test_depth(void **state)
{
	assert_int_equal(pal_depth_detect("1", "truecolor", true, 256), DEPTH_NONE);
	assert_int_equal(pal_depth_detect("", NULL, false, 256), DEPTH_256);
	assert_int_equal(pal_depth_detect(NULL, "truecolor", true, 256), DEPTH_DIRECT);
	assert_int_equal(pal_depth_detect(NULL, "24bit", true, 16777216), DEPTH_DIRECT);
	/* COLORTERM is enough on a colour terminal (xterm-256color has no RGB
	 * flag), never on one without colours */
	assert_int_equal(pal_depth_detect(NULL, "truecolor", false, 256), DEPTH_DIRECT);
	assert_int_equal(pal_depth_detect(NULL, "truecolor", false, 8), DEPTH_DIRECT);
	assert_int_equal(pal_depth_detect(NULL, "truecolor", false, -1), DEPTH_NONE);
	assert_int_equal(pal_depth_detect(NULL, "yes", false, 256), DEPTH_256);
	assert_int_equal(pal_depth_detect(NULL, NULL, false, 8), DEPTH_8);
	assert_int_equal(pal_depth_detect(NULL, NULL, false, 16), DEPTH_8);
	assert_int_equal(pal_depth_detect(NULL, NULL, false, -1), DEPTH_NONE);
	assert_int_equal(pal_depth_detect(NULL, NULL, false, 2), DEPTH_NONE);
}

static void
test_colour_numbers(void **state)
{
	int seen[256] = { 0 }, distinct = 0;

	assert_int_equal(pal_colour(PAL_VIRIDIS, DEPTH_NONE, 0.3), -1);
	assert_int_equal(pal_colour(PAL_VIRIDIS, DEPTH_8, 1), 3);
	assert_int_equal(pal_colour(PAL_GRAY, DEPTH_DIRECT, 1) & 0xff, pal_colour(PAL_GRAY, DEPTH_DIRECT, 1) >> 16);
	assert_true(pal_colour(PAL_GRAY, DEPTH_DIRECT, 1) > pal_colour(PAL_GRAY, DEPTH_DIRECT, 0));
	for (int l = 0; l < PAL_LEVELS; l++) {
		int c = pal_colour(PAL_VIRIDIS, DEPTH_256, (l + 0.5) / PAL_LEVELS);

		assert_in_range(c, 16, 255);
		distinct += !seen[c]++;
	}
	/* the ramp stays a ramp after snapping to the cube */
	assert_true(distinct >= PAL_LEVELS / 2);
}

/* cividis darkest to lightest, like viridis: luminance never falls */
static void
test_cividis_monotonic(void **state)
{
	double last = -1;

	for (int i = 0; i <= 100; i++) {
		uint8_t c[3];
		double y;

		pal_rgb(PAL_CIVIDIS, i / 100.0, c);
		y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
		assert_true(y >= last);
		last = y;
	}
}

static void
test_names(void **state)
{
	pal_kind k;

	assert_int_equal(pal_parse("gray", &k), 0);
	assert_int_equal(k, PAL_GRAY);
	assert_int_equal(pal_parse("diverging", &k), 0);
	assert_int_equal(pal_parse("jet", &k), -1);
	assert_string_equal(pal_name(PAL_VIRIDIS), "viridis");
	assert_int_equal(pal_parse("cividis", &k), 0);
	assert_int_equal(k, PAL_CIVIDIS);
	assert_int_equal(pal_parse("grayscale", &k), 0);
	assert_int_equal(k, PAL_GRAY);
	/* p cycles the sequential palettes, never into the diverging one */
	assert_int_equal(pal_next(PAL_VIRIDIS), PAL_CIVIDIS);
	assert_int_equal(pal_next(PAL_CIVIDIS), PAL_GRAY);
	assert_int_equal(pal_next(PAL_GRAY), PAL_VIRIDIS);
}

/* pal_band: the levels around one that the terminal shows alike, and no
 * more; 256 colours merge some of viridis' 24 levels, direct colour none. */
static void
test_band(void **state)
{
	static const pal_depth depths[] = { DEPTH_NONE, DEPTH_8, DEPTH_256, DEPTH_DIRECT };
	int merged = 0;

	(void)state;
	for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++)
		for (int k = 0; k < PAL_COUNT; k++)
			for (int v = 0; v < PAL_LEVELS; v++) {
				int lo, hi;

				pal_band((pal_kind)k, depths[d], v, &lo, &hi);
				assert_true(lo >= 0 && lo <= v && v <= hi && hi < PAL_LEVELS);
				for (int u = lo; u <= hi; u++)
					assert_int_equal(band_shown(k, depths[d], u), band_shown(k, depths[d], v));
				if (lo > 0)
					assert_int_not_equal(band_shown(k, depths[d], lo - 1),
					    band_shown(k, depths[d], v));
				if (hi < PAL_LEVELS - 1)
					assert_int_not_equal(band_shown(k, depths[d], hi + 1),
					    band_shown(k, depths[d], v));
				if (depths[d] == DEPTH_256 && k == PAL_VIRIDIS && hi > lo)
					merged++;
			}
	assert_true(merged > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_ramp_ends_and_monotonic),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_viridis_endpoints),
		cmocka_unit_test(test_cividis_monotonic),
		cmocka_unit_test(test_xterm256),
		cmocka_unit_test(test_ansi8),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_colour_numbers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_band),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
