/* term.c — curses setup and teardown, colour pairs, cell drawing.
 *
 * Pairs come from alloc_pair() and are passed by the extended-colour
 * "opts" pointer, because COLOR_PAIR() holds only 8 bits and a ramp of
 * PAL_LEVELS colours drawn with half-blocks needs PAL_LEVELS^2 pairs.
 * term_end() restores the tty (htop's CRT_done): it runs on q, on signals,
 * on fatal errors and from atexit, whichever comes first.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE_EXTENDED 1
#include "term.h"

#include <curses.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>
#include <utf8proc.h>
#include <wchar.h>

static bool active;
static SCREEN *screen;
static bool atexit_set;
static int stdin_flags = -1;  /* fcntl flags to give back: libuv's poll sets O_NONBLOCK */
static pal_depth depth = DEPTH_NONE;

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

int
term_init(bool mouse)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	setlocale(LC_ALL, "");   /* UTF-8 half-blocks need the user's locale */
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL)
		return -1;
	active = true;
	stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	if (!atexit_set) {
		atexit(term_atexit);
		catch_crashes();
		atexit_set = true;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	depth = detect_depth();
	if (depth != DEPTH_NONE) {
		start_color();
		use_default_colors();
	}
	if (mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
		mouseinterval(0);
	}
	return 0;
}

void
term_end(void)
{
	if (!active)
		return;
	active = false;
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
	/* The shell shares the tty's open file: left non-blocking, its next
	 * read fails with EAGAIN (dash says "turning off NDELAY mode"). */
	if (stdin_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
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
	clearok(curscr, TRUE);
}

static int
pair_of(int fg, int bg)
{
	int p = alloc_pair(fg, bg);

	return p < 0 ? 0 : p;
}

static void
put_wc(int y, int x, wchar_t wc, attr_t a, int pair)
{
	wchar_t s[2] = { wc, L'\0' };
	cchar_t cc;

	setcchar(&cc, s, a, 0, &pair);
	mvadd_wch(y, x, &cc);
}

void
term_half(int y, int x, pal_kind k, double top, double bot)
{
	if (depth == DEPTH_NONE) {
		put_wc(y, x, (wchar_t)pal_ascii(bot < 0 ? top : (top + bot) / 2), A_NORMAL, 0);
		return;
	}
	put_wc(y, x, 0x2580, A_NORMAL, pair_of(pal_colour(k, depth, top),
	    bot < 0 ? -1 : pal_colour(k, depth, bot)));
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
	wchar_t blank = reverse && tl == 0 ? 0x25C6 : L' ';
	attr_t a = reverse ? (tl > 0 ? A_REVERSE | A_BOLD : A_BOLD) : A_NORMAL;
	int pair = 0;

	if (depth == DEPTH_NONE)
		a = reverse ? A_REVERSE : A_NORMAL;
	else
		pair = pair_of(text_on(k, t), pal_colour(k, depth, t));
	for (int i = 0; i < w; i++) {
		wchar_t wc = (size_t)i < tl ? (wchar_t)text[i] : blank;

		if (depth == DEPTH_NONE && (size_t)i >= tl)
			wc = (wchar_t)pal_ascii(t);
		put_wc(y, x + i, wc, a, pair);
	}
}

void
term_bar(int y, int x, int w, pal_kind k, double t)
{
	static const wchar_t eighths[] = L" \u258F\u258E\u258D\u258C\u258B\u258A\u2589\u2588";
	int fill = (int)(t * w * 8 + 0.5);
	int pair = depth == DEPTH_NONE ? 0 : pair_of(pal_colour(k, depth, t), -1);

	for (int i = 0; i < w; i++, fill -= 8) {
		int e = fill >= 8 ? 8 : fill > 0 ? fill : 0;

		if (depth == DEPTH_NONE)
			put_wc(y, x + i, e >= 4 ? L'#' : e > 0 ? L'-' : L' ', A_NORMAL, 0);
		else
			put_wc(y, x + i, eighths[e], A_NORMAL, pair);
	}
}

int
term_text(int y, int x, int w, const char *s, int attr)
{
	int used = 0;
	size_t len = strlen(s), i = 0;

	attr_set((attr_t)attr, 0, NULL);
	move(y, x);
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
		if (used + cw > w)
			break;
		wchar_t wc[2] = { (wchar_t)cp, L'\0' };
		addnwstr(wc, 1);
		used += cw;
		i += (size_t)n;
	}
	attr_set(A_NORMAL, 0, NULL);
	return used;
}

void
term_clear(int y, int x, int w)
{
	mvhline(y, x, ' ', w);
}

void
term_vbar(int y, int x, int w, pal_kind k, double t)
{
	static const wchar_t eighths[] = L" \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588";
	int e = (int)(t * 8 + 0.5);
	int pair = depth == DEPTH_NONE ? 0 : pair_of(pal_colour(k, depth, t), -1);

	if (e == 0 && t > 0.02)
		e = 1;
	for (int i = 0; i < w; i++)
		put_wc(y, x + i, depth == DEPTH_NONE ? (wchar_t)pal_ascii(t) : eighths[e], A_NORMAL, pair);
}
