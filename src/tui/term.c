/* term.c — curses setup and teardown, the cell buffer and the renderer
 * (see term.h).
 *
 * Two buffers of cells: `back`, the frame being drawn, and `front`, what
 * the terminal shows.  term_flush walks them and, for each cell that
 * differs, moves the cursor only when it is not already there, sends only
 * the SGR parameters that change (one CSI per change), then the
 * character.  curses only ever writes at start-up, after a resize and at
 * the end, and never while a frame is on its way: stdscr is never touched,
 * so wgetch never refreshes it.
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
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>
#include <utf8proc.h>
#include <wchar.h>

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

/* Attributes of a cell, in SGR's terms. */
enum { AT_BOLD = 1, AT_DIM = 2, AT_UNDER = 4, AT_REVERSE = 8 };
#define WIDE_TAIL 0xFFFFFFFFu   /* right half of a double-width character */
#define UNKNOWN   0xFFFFFFFEu   /* front only: the terminal's cell is not known */
#define NO_COLOUR (-1)

typedef struct cell {
	uint32_t ch;
	int32_t fg, bg;      /* pal_colour values or NO_COLOUR */
	uint8_t attr;
} cell;

static cell *back, *front;
static int rows, cols;
static bool front_valid;     /* false: clear the screen and paint it all */
static int cur_y = -1, cur_x = -1;   /* the terminal's cursor, -1 unknown */
static cell pen;                     /* the terminal's SGR state */
static bool pen_known;
static int want_y = -1, want_x;      /* term_cursor's request */
static bool cursor_shown;
static char *out;                    /* bytes not yet written */
static size_t out_len, out_off, out_cap;

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
	cursor_shown = false;
	front_valid = false;
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
	out_len = out_off = 0;
}

void
term_end(void)
{
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
	free(back);
	free(front);
	free(out);
	back = front = NULL;
	out = NULL;
	rows = cols = 0;
	out_cap = 0;
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
	front_valid = false;
}

/* ---- the cell buffer ----------------------------------------------------- */

static const cell blank = { ' ', NO_COLOUR, NO_COLOUR, 0 };

void
term_begin(void)
{
	if (LINES != rows || COLS != cols || back == NULL) {
		rows = LINES > 0 ? LINES : 1;
		cols = COLS > 0 ? COLS : 1;
		back = xrealloc(back, (size_t)rows * cols * sizeof *back);
		front = xrealloc(front, (size_t)rows * cols * sizeof *front);
		front_valid = false;
	}
	for (int i = 0; i < rows * cols; i++)
		back[i] = blank;
	want_y = -1;
}

static uint8_t
attr_of(int a)
{
	return (uint8_t)((a & A_BOLD ? AT_BOLD : 0) | (a & A_DIM ? AT_DIM : 0) |
	    (a & A_UNDERLINE ? AT_UNDER : 0) | (a & A_REVERSE ? AT_REVERSE : 0));
}

/* One character cell; a double-width one takes the next cell too.
 * Outside the screen nothing happens. */
static void
put(int y, int x, uint32_t ch, int width, uint8_t attr, int fg, int bg)
{
	cell *c;

	if (y < 0 || y >= rows || x < 0 || x + width > cols)
		return;
	c = &back[y * cols + x];
	*c = (cell){ ch, fg, bg, attr };
	if (width == 2)
		c[1] = (cell){ WIDE_TAIL, fg, bg, attr };
}

void
term_half(int y, int x, pal_kind k, double top, double bot)
{
	if (depth == DEPTH_NONE) {
		put(y, x, (uint32_t)pal_ascii(bot < 0 ? top : (top + bot) / 2), 1, 0, NO_COLOUR, NO_COLOUR);
		return;
	}
	put(y, x, 0x2580, 1, 0, pal_colour(k, depth, top),
	    bot < 0 ? NO_COLOUR : pal_colour(k, depth, bot));
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
	uint8_t a = reverse ? (tl > 0 ? AT_REVERSE | AT_BOLD : AT_BOLD) : 0;
	int fg = NO_COLOUR, bg = NO_COLOUR;

	if (depth == DEPTH_NONE) {
		a = reverse ? AT_REVERSE : 0;
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
	int fg = depth == DEPTH_NONE ? NO_COLOUR : pal_colour(k, depth, t);

	for (int i = 0; i < w; i++, fill -= 8) {
		int e = fill >= 8 ? 8 : fill > 0 ? fill : 0;

		if (depth == DEPTH_NONE)
			put(y, x + i, e >= 4 ? '#' : e > 0 ? '-' : ' ', 1, 0, NO_COLOUR, NO_COLOUR);
		else
			put(y, x + i, eighths[e], 1, 0, fg, NO_COLOUR);
	}
}

void
term_vbar(int y, int x, int w, pal_kind k, double t)
{
	static const uint32_t eighths[] = { ' ', 0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586,
	    0x2587, 0x2588 };
	int e = (int)(pal_scale(t, 1.0) * 8 + 0.5);   /* NaN-safe clamp */
	int fg = depth == DEPTH_NONE ? NO_COLOUR : pal_colour(k, depth, t);

	if (e == 0 && t > 0.02)
		e = 1;
	for (int i = 0; i < w; i++)
		put(y, x + i, depth == DEPTH_NONE ? (uint32_t)pal_ascii(t) : eighths[e], 1, 0, fg,
		    NO_COLOUR);
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
		put(y, x + used, (uint32_t)cp, cw, a, NO_COLOUR, NO_COLOUR);
		used += cw;
		i += (size_t)n;
	}
	return used;
}

void
term_clear(int y, int x, int w, int attr)
{
	for (int i = 0; i < w; i++)
		put(y, x + i, ' ', 1, attr_of(attr), NO_COLOUR, NO_COLOUR);
}

void
term_cursor(int y, int x)
{
	want_y = y;
	want_x = x;
}

/* ---- the renderer ------------------------------------------------------- */

static void
emit(const char *s, size_t n)
{
	if (out_len + n > out_cap) {
		out_cap = (out_len + n) * 2;
		out = xrealloc(out, out_cap);
	}
	memcpy(out + out_len, s, n);
	out_len += n;
}

static void
emitf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
emitf(const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		emit(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void
emit_utf8(uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	emit(b, n);
}

/* ";38;5;N" and the like for one colour; fg: 3x/38, bg: 4x/48. */
static void
emit_colour(int c, bool fg)
{
	if (c == NO_COLOUR)
		emitf(";%d", fg ? 39 : 49);
	else if (depth == DEPTH_8)
		emitf(";%d", (fg ? 30 : 40) + c);
	else if (depth == DEPTH_256)
		emitf(";%d;5;%d", fg ? 38 : 48, c);
	else
		emitf(";%d;2;%d;%d;%d", fg ? 38 : 48, c >> 16 & 0xFF, c >> 8 & 0xFF, c & 0xFF);
}

/* Bring the terminal's SGR state to c's with one CSI: only what changes,
 * or a reset and what c has when an attribute must go.  any_fg: c shows
 * no foreground (a plain space), so whatever the pen has will do. */
static void
set_pen(const cell *want, bool any_fg)
{
	cell tmp = *want;
	const cell *c = &tmp;

	static const struct { uint8_t bit; int code; } attrs[] = {
		{ AT_BOLD, 1 }, { AT_DIM, 2 }, { AT_UNDER, 4 }, { AT_REVERSE, 7 },
	};
	bool reset = !pen_known || (pen.attr & ~c->attr) != 0;
	cell from = reset ? blank : pen;
	size_t start = out_len;

	if (any_fg)
		tmp.fg = from.fg;

	if (!reset && c->attr == pen.attr && c->fg == pen.fg && c->bg == pen.bg)
		return;
	emit("\033[", 2);
	if (reset)
		emit("0", 1);
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		if ((c->attr & attrs[i].bit) && !(from.attr & attrs[i].bit))
			emitf(";%d", attrs[i].code);
	if (c->fg != from.fg)
		emit_colour(c->fg, true);
	if (c->bg != from.bg)
		emit_colour(c->bg, false);
	/* "\033[;1m" is not "\033[1m" everywhere: drop a leading separator */
	if (!reset && out[start + 2] == ';')
		memmove(out + start + 2, out + start + 3, --out_len - start - 2);
	emit("m", 1);
	pen = *c;
	pen_known = true;
}

static void
move_to(int y, int x)
{
	if (y == cur_y && x == cur_x)
		return;
	if (y == cur_y && x == cur_x + 1 && cur_x >= 0)
		emit("\033[C", 3);
	else if (y == cur_y && x > cur_x && cur_x >= 0)
		emitf("\033[%dC", x - cur_x);
	else if (x == 0)
		emitf("\033[%dH", y + 1);
	else
		emitf("\033[%d;%dH", y + 1, x + 1);
	cur_y = y;
	cur_x = x;
}

/* Send one cell.  A half-block can be drawn as an upper half in its top
 * colour on its bottom colour, or as a lower half the other way round, or,
 * with both halves alike, as a space: whichever asks least of the pen. */
static void
paint(const cell *b)
{
	cell e = *b;
	bool any_fg = false;

	if (b->ch == 0x2580 && b->attr == 0 && b->bg != NO_COLOUR) {
		if (b->fg == b->bg) {
			e.ch = ' ';
			any_fg = true;
		} else if (pen_known && pen.attr == 0 &&
		    (pen.fg == b->bg) + (pen.bg == b->fg) > (pen.fg == b->fg) + (pen.bg == b->bg)) {
			e = (cell){ 0x2584, b->bg, b->fg, 0 };
		}
	}
	set_pen(&e, any_fg);
	emit_utf8(e.ch);
}

static bool
same(const cell *a, const cell *b)
{
	return a->ch == b->ch && a->fg == b->fg && a->bg == b->bg && a->attr == b->attr;
}

/* Cells the terminal changes by itself when a double-width character is
 * half overwritten: the other half turns blank. */
static void
forget_wide_neighbours(int y, int x)
{
	cell *f = &front[y * cols];

	if (f[x].ch == WIDE_TAIL && x > 0)
		f[x - 1].ch = UNKNOWN;
	if (x + 1 < cols && f[x + 1].ch == WIDE_TAIL)
		f[x + 1].ch = UNKNOWN;
}

size_t
term_flush(void)
{
	size_t before = out_len;

	if (!front_valid) {
		pen_known = false;
		set_pen(&blank, false);
		emit("\033[H\033[2J", 7);
		cur_y = cur_x = 0;
		for (int i = 0; i < rows * cols; i++)
			front[i] = blank;
		front_valid = true;
	}
	if (cursor_shown) {   /* no cursor flying about while cells change */
		emit("\033[?25l", 6);
		cursor_shown = false;
	}
	for (int y = 0; y < rows; y++)
		for (int x = 0; x < cols; x++) {
			cell *b = &back[y * cols + x], *f = &front[y * cols + x];
			int width;

			if (same(b, f) || b->ch == WIDE_TAIL)
				continue;
			width = x + 1 < cols && b[1].ch == WIDE_TAIL ? 2 : 1;
			move_to(y, x);
			paint(b);
			forget_wide_neighbours(y, x);
			*f = *b;
			if (width == 2) {
				forget_wide_neighbours(y, x + 1);
				f[1] = b[1];
			}
			cur_x += width;
			if (cur_x >= cols)   /* the wrap is pending: say where we are */
				cur_y = cur_x = -1;
		}
	if (want_y >= 0) {
		move_to(want_y, want_x);
		emit("\033[?25h", 6);
		cursor_shown = true;
	}
	before = out_len - before;
	term_drain();
	return before;
}

size_t
term_pending(void)
{
	return out_len - out_off;
}

size_t
term_drain(void)
{
	while (out_off < out_len) {
		ssize_t n = write(STDOUT_FILENO, out + out_off, out_len - out_off);

		if (n > 0) {
			out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;   /* EAGAIN: the terminal has not taken the last frame yet */
	}
	if (out_off == out_len)
		out_len = out_off = 0;
	return out_len - out_off;
}

