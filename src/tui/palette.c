/* palette.c — colour ramps for attention weights.
 *
 * Ramps are piecewise-linear through published control points (viridis and
 * cividis from matplotlib, cividis made for colour-blind readers after
 * Nuñez et al. 2018; the diverging one after ColorBrewer's RdBu), then
 * snapped to
 * whatever the terminal can show: xterm-256's cube and gray ramp, the eight
 * ANSI colours, or an ASCII density ramp.
 */
#include "palette.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint8_t r, g, b; } rgb8;

static const rgb8 viridis[] = {
	{ 68, 1, 84 }, { 71, 44, 122 }, { 59, 81, 139 }, { 44, 113, 142 },
	{ 33, 144, 141 }, { 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 },
	{ 253, 231, 37 },
};
static const rgb8 cividis[] = {
	{ 0, 34, 78 }, { 53, 69, 108 }, { 102, 105, 112 }, { 148, 142, 119 },
	{ 200, 184, 102 }, { 254, 232, 56 },
};
static const rgb8 gray[] = { { 24, 24, 24 }, { 250, 250, 250 } };
static const rgb8 diverging[] = {
	{ 5, 48, 97 }, { 67, 147, 195 }, { 247, 247, 247 }, { 214, 96, 77 },
	{ 103, 0, 31 },
};

static const struct {
	const char *name;
	const rgb8 *stops;
	int n;
} ramps[PAL_COUNT] = {
	[PAL_VIRIDIS] = { "viridis", viridis, sizeof viridis / sizeof viridis[0] },
	[PAL_CIVIDIS] = { "cividis", cividis, sizeof cividis / sizeof cividis[0] },
	[PAL_GRAY] = { "gray", gray, sizeof gray / sizeof gray[0] },
	[PAL_DIVERGING] = { "diverging", diverging, sizeof diverging / sizeof diverging[0] },
};

/* Eight-colour ramps, picked by hand: nearest-colour snapping would turn
 * the dark ends of every ramp black.  0 black 1 red 2 green 3 yellow
 * 4 blue 5 magenta 6 cyan 7 white. */
static const int ansi_viridis[] = { 0, 4, 6, 2, 3 };
static const int ansi_cividis[] = { 0, 4, 7, 3 };
static const int ansi_gray[] = { 0, 4, 6, 7 };
static const int ansi_diverging[] = { 4, 6, 7, 3, 1 };

static const int cube[6] = { 0, 95, 135, 175, 215, 255 };

const char *
pal_name(pal_kind k)
{
	return k >= 0 && k < PAL_COUNT ? ramps[k].name : "?";
}

int
pal_parse(const char *s, pal_kind *k)
{
	for (int i = 0; i < PAL_COUNT; i++) {
		if (strcmp(s, ramps[i].name) == 0) {
			*k = (pal_kind)i;
			return 0;
		}
	}
	if (strcmp(s, "grey") == 0 || strcmp(s, "grayscale") == 0 || strcmp(s, "greyscale") == 0) {
		*k = PAL_GRAY;
		return 0;
	}
	return -1;
}

pal_kind
pal_next(pal_kind k)
{
	return k == PAL_VIRIDIS ? PAL_CIVIDIS : k == PAL_CIVIDIS ? PAL_GRAY : PAL_VIRIDIS;
}

static double
clamp01(double t)
{
	if (!(t > 0))   /* also catches NaN */
		return 0;
	return t > 1 ? 1 : t;
}

double
pal_scale(double w, double vmax)
{
	if (!(vmax > 0))
		return 0;
	return clamp01(w / vmax);
}

double
pal_scale_signed(double d, double vmax)
{
	if (!(vmax > 0))
		return 0.5;
	return clamp01(0.5 + 0.5 * d / vmax);
}

int
pal_level(double t, int n)
{
	int l = (int)(clamp01(t) * n);

	return l >= n ? n - 1 : l;
}

void
pal_rgb(pal_kind k, double t, uint8_t out[3])
{
	const rgb8 *s = ramps[k].stops;
	double x = clamp01(t) * (ramps[k].n - 1);
	int i = (int)x;
	double f;

	if (i >= ramps[k].n - 1)
		i = ramps[k].n - 2;
	f = x - i;
	out[0] = (uint8_t)lround(s[i].r + f * (s[i + 1].r - s[i].r));
	out[1] = (uint8_t)lround(s[i].g + f * (s[i + 1].g - s[i].g));
	out[2] = (uint8_t)lround(s[i].b + f * (s[i + 1].b - s[i].b));
}

static int
dist2(int r, int g, int b, const uint8_t c[3])
{
	return (r - c[0]) * (r - c[0]) + (g - c[1]) * (g - c[1]) + (b - c[2]) * (b - c[2]);
}

static int
nearest_cube(int v)
{
	int best = 0;

	for (int i = 1; i < 6; i++)
		if (abs(cube[i] - v) < abs(cube[best] - v))
			best = i;
	return best;
}

int
pal_xterm256(const uint8_t c[3])
{
	int r = nearest_cube(c[0]), g = nearest_cube(c[1]), b = nearest_cube(c[2]);
	int dc = dist2(cube[r], cube[g], cube[b], c);
	int avg = (c[0] + c[1] + c[2]) / 3;
	int gi = avg < 8 ? 0 : avg > 238 ? 23 : (avg - 8 + 5) / 10;
	int gv = 8 + 10 * gi;

	int spread = (c[0] > c[1] ? c[0] : c[1]) - (c[0] < c[1] ? c[0] : c[1]);

	if (gi > 23)
		gi = 23, gv = 238;
	if (abs(c[2] - c[0]) > spread)
		spread = abs(c[2] - c[0]);
	if (abs(c[2] - c[1]) > spread)
		spread = abs(c[2] - c[1]);
	/* the gray ramp only for grays: a ramp's hue must not fade out */
	if (spread < 32 && dist2(gv, gv, gv, c) < dc)
		return 232 + gi;
	return 16 + 36 * r + 6 * g + b;
}

int
pal_ansi8(pal_kind k, double t)
{
	switch (k) {
	case PAL_CIVIDIS:
		return ansi_cividis[pal_level(t, 4)];
	case PAL_GRAY:
		return ansi_gray[pal_level(t, 4)];
	case PAL_DIVERGING:
		return ansi_diverging[pal_level(t, 5)];
	default:
		return ansi_viridis[pal_level(t, 5)];
	}
}

char
pal_ascii(double t)
{
	static const char ramp[] = PAL_ASCII_RAMP;

	return ramp[pal_level(t, (int)sizeof ramp - 1)];
}

pal_depth
pal_depth_detect(const char *no_color, const char *colorterm, bool terminfo_rgb, int colors)
{
	if (no_color != NULL && no_color[0] != '\0')
		return DEPTH_NONE;
	/* COLORTERM is how terminals announce direct colour; few terminfo
	 * entries carry RGB (xterm-256color does not), and heed writes its
	 * own colour sequences, so a colour terminal that says so gets it */
	if (colorterm != NULL && (terminfo_rgb || colors >= 8) &&
	    (strcmp(colorterm, "truecolor") == 0 || strcmp(colorterm, "24bit") == 0))
		return DEPTH_DIRECT;
	if (colors >= 256)
		return DEPTH_256;
	if (colors >= 8)
		return DEPTH_8;
	return DEPTH_NONE;
}

/* What the terminal shows for a level: its colour, or its character. */
static int
shown(pal_kind k, pal_depth d, int level)
{
	double t = (level + 0.5) / PAL_LEVELS;

	return d == DEPTH_NONE ? pal_ascii(t) : pal_colour(k, d, t);
}

void
pal_band(pal_kind k, pal_depth d, int level, int *lo, int *hi)
{
	int c = shown(k, d, level);

	*lo = *hi = level;
	while (*lo > 0 && shown(k, d, *lo - 1) == c)
		(*lo)--;
	while (*hi < PAL_LEVELS - 1 && shown(k, d, *hi + 1) == c)
		(*hi)++;
}

int
pal_colour(pal_kind k, pal_depth d, double t)
{
	uint8_t c[3];
	double q = (pal_level(t, PAL_LEVELS) + 0.5) / PAL_LEVELS;

	switch (d) {
	case DEPTH_8:
		return pal_ansi8(k, t);
	case DEPTH_256:
		pal_rgb(k, q, c);
		return pal_xterm256(c);
	case DEPTH_DIRECT:
		pal_rgb(k, q, c);
		return c[0] << 16 | c[1] << 8 | c[2];
	default:
		return -1;
	}
}
