/* term.c — curses setup and teardown, and the drawing calls, in the
 * terminal's colours, on the cell screen (see term.h; cells.c renders it).
 * curses only ever writes at start-up, after a resize and at the end, and
 * never while a frame is on its way: stdscr is never touched, so wgetch
 * never refreshes it.
 * term_end() restores the tty (htop's CRT_done): it runs on q, on signals,
 * on fatal errors and from atexit, whichever comes first.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE_EXTENDED 1
#include "term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>
#include <utf8proc.h>
#include <wchar.h>

#include "cells.h"
#include "heed/util.h"
#include "key.h"

static bool active;
static SCREEN *screen;
static bool atexit_set;
static int stdin_flags = -1;  /* fcntl flags to give back: libuv's poll sets O_NONBLOCK */
static int stdout_flags = -1; /* ours: frames are written without blocking */
static pal_depth depth = DEPTH_NONE;
static bool sgr_own;          /* we asked for SGR reports terminfo does not know */
static char notice[128];      /* the TERM fallback's one line, "" for none */

static cell_screen *scr;     /* the frame being drawn and what the terminal shows */
static bool offscreen;       /* term_offscreen: cells only, no terminal */
static int off_rows, off_cols;

static void
term_atexit(void)
{
	term_end();
}

/* A crash still gives the terminal back (htop's CRT_handleSIGSEGV), then
 * dies of the same signal so the shell reports it. */
static void
term_crash(int sig)
{
	term_end();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_crashes(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = term_crash;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static pal_depth
detect_depth(void)
{
	/* terminfo's count: COLORS is only set once start_color() ran */
	int rgb = tigetflag("RGB"), colors = tigetnum("colors");

	if (!has_colors())
		return DEPTH_NONE;
	return pal_depth_detect(getenv("NO_COLOR"), getenv("COLORTERM"), rgb > 0, colors);
}

/* A string capability, or dflt where terminfo has none. */
static const char *
cap_or(const char *name, const char *dflt)
{
	const char *s = tigetstr(name);

	return s != NULL && s != (const char *)-1 ? s : dflt;
}

/* The terminal description: $TERM's where this machine has it, else the
 * closest common one.  kitty, alacritty and foot speak xterm's language
 * but ship their own terminfo, which a machine reached over SSH seldom
 * has; refusing them would refuse half a workshop's laptops. */
static SCREEN *
open_screen(void)
{
	static const char *const fallbacks[] = { "xterm-256color", "xterm" };
	const char *term = getenv("TERM");
	char safe[64];
	SCREEN *s;

	if (term != NULL && *term != '\0' && (s = newterm(term, stdout, stdin)) != NULL)
		return s;
	for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++) {
		if ((s = newterm(fallbacks[i], stdout, stdin)) == NULL)
			continue;
		snprintf(notice, sizeof notice, "TERM=%s is unknown here; drawing as %s",
		    term != NULL && *term != '\0' ? util_term_safe(term, safe, sizeof safe) : "(unset)",
		    fallbacks[i]);
		return s;
	}
	return NULL;
}

int
term_init(bool mouse, heed_err *e)
{
	const char *term = getenv("TERM");
	char safe[64];

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return err_set(e, HEED_EINVAL, "the explorer needs a terminal (see heed dump for scripts)");
	setlocale(LC_ALL, "");   /* UTF-8 half-blocks need the user's locale */
	notice[0] = '\0';
	screen = open_screen();
	if (screen == NULL)
		return err_set(e, HEED_EINVAL, "no terminal description for TERM=%s, xterm-256color "
		    "or xterm here (see heed dump for text output)",
		    term != NULL ? util_term_safe(term, safe, sizeof safe) : "(unset)");
	active = true;
	stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	if (!atexit_set) {
		atexit(term_atexit);
		catch_crashes();
		atexit_set = true;
	}
	/* A terminal that cannot move the cursor (TERM=dumb, an editor's
	 * shell buffer) could only scroll frames past: say so and stop. */
	if (cap_or("cup", NULL) == NULL) {
		term_end();
		return err_set(e, HEED_EINVAL, "TERM=%s cannot move the cursor; heed dump "
		    "prints attention as text",
		    term != NULL ? util_term_safe(term, safe, sizeof safe) : "(unset)");
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Bracketed paste: pasted text arrives between two markers, so the
	 * core can insert it as text instead of running it as keys.  A
	 * terminal without the mode ignores the request (a DEC private mode). */
	define_key(cap_or("PS", "\033[200~"), TERM_KEY_PASTE_BEGIN);
	define_key(cap_or("PE", "\033[201~"), TERM_KEY_PASTE_END);
	/* Home and End as terminals send them whatever terminfo says: tmux
	 * and screen send ESC [1~ and ESC [4~, rxvt ESC [7~ and ESC [8~, others
	 * ESC [H and ESC [F; an unknown one would read as Esc and end typing */
	define_key("\033[1~", KEY_HOME);
	define_key("\033[7~", KEY_HOME);
	define_key("\033[H", KEY_HOME);
	define_key("\033[4~", KEY_END);
	define_key("\033[8~", KEY_END);
	define_key("\033[F", KEY_END);
	putp(cap_or("BE", "\033[?2004h"));
	fflush(stdout);   /* putp writes through stdio, curses does not */
	depth = detect_depth();
	if (depth != DEPTH_NONE) {
		start_color();
		use_default_colors();
	}
	if (mouse) {
		const char *km = cap_or("kmous", NULL);

		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
		mouseinterval(0);
		/* X10's reports carry a column as one byte, so clicks past
		 * column 223 are lost.  Where terminfo offers SGR reports
		 * (kmous ESC [ <) curses decodes them itself; where it knows
		 * only X10 (tmux-256color, screen) we ask for SGR on top and
		 * read the reports ourselves.  A terminal without the mode
		 * ignores the request and keeps sending X10. */
		sgr_own = km == NULL || strcmp(km, "\033[<") != 0;
		if (sgr_own) {
			define_key("\033[<", TERM_KEY_SGR_MOUSE);
			putp("\033[?1006h");
			fflush(stdout);
		}
	}
	/* curses clears the screen once; from here on the frames are ours */
	refresh();
	scr = cells_new(depth);
	stdout_flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (stdout_flags != -1)
		fcntl(STDOUT_FILENO, F_SETFL, stdout_flags | O_NONBLOCK);
	return 0;
}

bool
term_sgr_mouse(int *y, int *x)
{
	long v[3] = { 0, 0, 0 };
	int n = 0, c, len = 0;

	/* The report arrives in one write, so its bytes are already queued;
	 * nodelay's ERR means a cut report, which is dropped. */
	while ((c = wgetch(stdscr)) != ERR && ++len < 32) {
		if (c >= '0' && c <= '9' && n < 3) {
			if (v[n] < 100000)
				v[n] = v[n] * 10 + (c - '0');
		} else if (c == ';' && n < 2) {
			n++;
		} else {
			break;
		}
	}
	if (n != 2 || (c != 'M' && c != 'm') || v[1] < 1 || v[2] < 1)
		return false;
	*x = (int)v[1] - 1;
	*y = (int)v[2] - 1;
	/* button 0 (left), no motion (32) and no wheel (64); M is a press */
	return c == 'M' && (v[0] & ~(4 | 8 | 16)) == 0;
}

const char *
term_notice(void)
{
	return notice;
}

/* The rest of the last frame, waiting as long as it takes (at most a few
 * seconds: a terminal that went away takes nothing). */
static void
drain_all(void)
{
	for (int tries = 0; term_drain() > 0 && tries < 50; tries++) {
		struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

		poll(&p, 1, 100);
	}
	if (scr != NULL)
		cells_drop_output(scr);
}

void
term_end(void)
{
	if (offscreen) {
		offscreen = false;
		cells_free(scr);
		scr = NULL;
		depth = DEPTH_NONE;
	}
	if (!active)
		return;
	active = false;
	drain_all();
	if (stdout_flags != -1)
		fcntl(STDOUT_FILENO, F_SETFL, stdout_flags);
	if (cap_or("cup", NULL) != NULL)
		putp(cap_or("BD", "\033[?2004l"));
	if (sgr_own)
		putp("\033[?1006l");
	sgr_own = false;
	fflush(stdout);
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
	/* The shell shares the tty's open file: left non-blocking, its next
	 * read fails with EAGAIN (dash says "turning off NDELAY mode"). */
	if (stdin_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
	cells_free(scr);
	scr = NULL;
}

bool
term_active(void)
{
	return active;
}

pal_depth
term_depth(void)
{
	return depth;
}

int
term_rows_per_line(void)
{
	return depth == DEPTH_NONE ? 1 : 2;
}

void
term_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	/* resizeterm touched stdscr: let curses write its (blank) screen now,
	 * after what is pending, or wgetch would do it over our next frame */
	drain_all();
	refresh();
	if (scr != NULL)
		cells_invalidate(scr);
}

/* ---- the cell buffer ----------------------------------------------------- */

void
term_offscreen(int rows, int cols, pal_depth d)
{
	term_end();
	offscreen = true;
	off_rows = rows;
	off_cols = cols;
	depth = d;
	scr = cells_new(d);
}

int
term_lines(void)
{
	return offscreen ? off_rows : LINES;
}

int
term_cols(void)
{
	return offscreen ? off_cols : COLS;
}

char *
term_snapshot(size_t *len)
{
	return cells_text(scr, len);
}

void
term_begin(void)
{
	cells_begin(scr, term_lines(), term_cols());
}

static uint8_t
attr_of(int a)
{
	return (uint8_t)((a & A_BOLD ? CELL_BOLD : 0) | (a & A_DIM ? CELL_DIM : 0) |
	    (a & A_UNDERLINE ? CELL_UNDER : 0) | (a & A_REVERSE ? CELL_REVERSE : 0));
}

static void
put(int y, int x, uint32_t ch, int width, uint8_t attr, int fg, int bg)
{
	cells_put(scr, y, x, ch, width, attr, fg, bg);
}

void
term_half(int y, int x, pal_kind k, double top, double bot)
{
	if (top < 0 && bot < 0)
		return;
	if (depth == DEPTH_NONE) {
		put(y, x, (uint32_t)pal_ascii(bot < 0 ? top : top < 0 ? bot : (top + bot) / 2), 1, 0,
		    CELL_NO_COLOUR, CELL_NO_COLOUR);
		return;
	}
	if (top < 0) {
		put(y, x, 0x2584, 1, 0, pal_colour(k, depth, bot), CELL_NO_COLOUR);
		return;
	}
	put(y, x, 0x2580, 1, 0, pal_colour(k, depth, top),
	    bot < 0 ? CELL_NO_COLOUR : pal_colour(k, depth, bot));
}

/* A readable text colour on background t: dark on the bright half. */
static int
text_on(pal_kind k, double t)
{
	bool bright = k == PAL_DIVERGING ? (t > 0.25 && t < 0.75) : t > 0.55;

	if (depth == DEPTH_8)
		return bright ? COLOR_BLACK : COLOR_WHITE;
	if (depth == DEPTH_256)
		return bright ? 16 : 231;
	return bright ? 0x000000 : 0xffffff;
}

void
term_fill(int y, int x, int w, pal_kind k, double t, const char *text, bool reverse)
{
	size_t tl = text ? strlen(text) : 0;
	/* the cursor: reversed text, or diamonds where there is no text */
	uint32_t blank_ch = reverse && tl == 0 ? 0x25C6 : ' ';
	uint8_t a = reverse ? (tl > 0 ? CELL_REVERSE | CELL_BOLD : CELL_BOLD) : 0;
	int fg = CELL_NO_COLOUR, bg = CELL_NO_COLOUR;

	if (depth == DEPTH_NONE) {
		a = reverse ? CELL_REVERSE : 0;
	} else {
		fg = text_on(k, t);
		bg = pal_colour(k, depth, t);
	}
	for (int i = 0; i < w; i++) {
		uint32_t ch = (size_t)i < tl ? (unsigned char)text[i] : blank_ch;

		if (depth == DEPTH_NONE && (size_t)i >= tl)
			ch = (uint32_t)pal_ascii(t);
		put(y, x + i, ch, 1, a, fg, bg);
	}
}

void
term_bar(int y, int x, int w, pal_kind k, double t)
{
	static const uint32_t eighths[] = { ' ', 0x258F, 0x258E, 0x258D, 0x258C, 0x258B, 0x258A,
	    0x2589, 0x2588 };
	int fill = (int)(pal_scale(t, 1.0) * w * 8 + 0.5);   /* NaN-safe clamp */
	int fg = depth == DEPTH_NONE ? CELL_NO_COLOUR : pal_colour(k, depth, t);

	for (int i = 0; i < w; i++, fill -= 8) {
		int e = fill >= 8 ? 8 : fill > 0 ? fill : 0;

		if (depth == DEPTH_NONE)
			put(y, x + i, e >= 4 ? '#' : e > 0 ? '-' : ' ', 1, 0, CELL_NO_COLOUR, CELL_NO_COLOUR);
		else
			put(y, x + i, eighths[e], 1, 0, fg, CELL_NO_COLOUR);
	}
}

void
term_vbar(int y, int x, int w, pal_kind k, double t)
{
	static const uint32_t eighths[] = { ' ', 0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586,
	    0x2587, 0x2588 };
	int e = (int)(pal_scale(t, 1.0) * 8 + 0.5);   /* NaN-safe clamp */
	int fg = depth == DEPTH_NONE ? CELL_NO_COLOUR : pal_colour(k, depth, t);

	if (e == 0 && t > 0.02)
		e = 1;
	for (int i = 0; i < w; i++)
		put(y, x + i, depth == DEPTH_NONE ? (uint32_t)pal_ascii(t) : eighths[e], 1, 0, fg,
		    CELL_NO_COLOUR);
}

int
term_text(int y, int x, int w, const char *s, int attr)
{
	int used = 0;
	size_t len = strlen(s), i = 0;
	uint8_t a = attr_of(attr);

	while (i < len && used < w) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(len - i), &cp);
		int cw;

		if (n <= 0)
			cp = 0xFFFD, n = 1;
		cw = utf8proc_charwidth(cp);
		if (cw < 0 || (cw == 0 && cp < 0x20))
			cp = 0xFFFD, cw = 1;   /* control bytes never reach the tty */
		if (cw == 0) {
			/* a combining mark: the cell model keeps one code point
			 * per cell, so it is dropped rather than misplaced */
			i += (size_t)n;
			continue;
		}
		if (used + cw > w)
			break;
		put(y, x + used, (uint32_t)cp, cw, a, CELL_NO_COLOUR, CELL_NO_COLOUR);
		used += cw;
		i += (size_t)n;
	}
	return used;
}

void
term_clear(int y, int x, int w, int attr)
{
	for (int i = 0; i < w; i++)
		put(y, x + i, ' ', 1, attr_of(attr), CELL_NO_COLOUR, CELL_NO_COLOUR);
}

void
term_cursor(int y, int x)
{
	cells_cursor(scr, y, x);
}

size_t
term_flush(void)
{
	size_t bytes;

	if (offscreen)   /* nothing to send: the cells are the result */
		return 0;
	bytes = cells_render(scr);

	term_drain();
	return bytes;
}

size_t
term_pending(void)
{
	size_t len = 0;

	if (scr != NULL)
		cells_output(scr, &len);
	return len;
}

size_t
term_drain(void)
{
	size_t len;
	const char *p;

	if (scr == NULL)
		return 0;
	while ((p = cells_output(scr, &len)), len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n > 0) {
			cells_sent(scr, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;   /* EAGAIN: the terminal has not taken the last frame yet */
	}
	return term_pending();
}

