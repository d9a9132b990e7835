/* palette.h — weights to colours: pure functions, no curses. */
#ifndef HEED_TUI_PALETTE_H
#define HEED_TUI_PALETTE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	PAL_VIRIDIS = 0,  /* perceptually uniform sequential, the default */
	PAL_CIVIDIS,      /* the same, readable with red-green colour blindness */
	PAL_GRAY,
	PAL_DIVERGING,    /* blue - white - red, for signed differences */
	PAL_COUNT
} pal_kind;

/* Levels a colour ramp is quantised to (in colours 16-255 or direct colour);
 * levels^2 pairs are needed for half-blocks, well under ncurses' limits. */
#define PAL_LEVELS 24
#define PAL_ASCII_RAMP " .:-=+*#%@"

const char *pal_name(pal_kind k);
int pal_parse(const char *s, pal_kind *k);     /* 0 or -1 */
/* Cycle to the next sequential palette (the diverging one is chosen by
 * the difference view, never cycled into). */
pal_kind pal_next(pal_kind k);

/* A weight w scaled by vmax to t in [0, 1] (w <= 0 or vmax <= 0 give 0). */
double pal_scale(double w, double vmax);
/* A signed difference d scaled by the largest magnitude to t in [0, 1],
 * 0.5 meaning no difference. */
double pal_scale_signed(double d, double vmax);
/* t in [0, 1] to one of n levels, 0 .. n-1. */
int pal_level(double t, int n);
/* Colour of t in [0, 1] on palette k. */
void pal_rgb(pal_kind k, double t, uint8_t rgb[3]);
/* Nearest xterm-256 colour, 16-255 (the cube and the gray ramp). */
int pal_xterm256(const uint8_t rgb[3]);
/* ANSI colour (0-7) of t in [0, 1] on palette k, for 8-colour terminals. */
int pal_ansi8(pal_kind k, double t);
/* What the terminal can show. */
typedef enum { DEPTH_NONE, DEPTH_8, DEPTH_256, DEPTH_DIRECT } pal_depth;

/* Colour depth from the environment and terminfo: NO_COLOR (set and not
 * empty) wins; direct colour where COLORTERM says truecolor or 24bit on a
 * colour terminal (or terminfo's RGB flag); then 256 or 8 colours by the
 * terminfo count. */
pal_depth pal_depth_detect(const char *no_color, const char *colorterm,
			   bool terminfo_rgb, int colors);
/* The colour number for t on palette k at depth d: an ANSI colour, an
 * xterm-256 index, or 0xRRGGBB; t is first quantised to PAL_LEVELS so a
 * screen needs at most PAL_LEVELS^2 pairs.  -1 at DEPTH_NONE. */
int pal_colour(pal_kind k, pal_depth d, double t);

/* Character of the ASCII ramp for t in [0, 1]. */
char pal_ascii(double t);

/* The levels lo..hi (of PAL_LEVELS) that palette k shows at depth d as
 * the same colour (or ASCII character) as level: 256 colours show the 24
 * levels of viridis as 13 colours, so a level may change without anything
 * on the screen changing, and a change across a band's edge is the
 * smallest one the terminal can show. */
void pal_band(pal_kind k, pal_depth d, int level, int *lo, int *hi);

#endif
