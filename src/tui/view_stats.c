/* view_stats.c — the known heads, named: one row per head with its
 * figures on this sentence (hstat.h: entropy, shares of attention to the
 * previous, next and same token, to [CLS], [SEP] and punctuation, input
 * dependence, largest weight) and its kind, sortable by any column with
 * one key.  Everything shown, orders included, is in the frame: the
 * worker computed it (frame_derive); this view only draws and picks. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "heed/enc.h"
#include "heed/hstat.h"
#include "key.h"
#include "layout.h"
#include "term.h"
#include "view.h"
#include "widget.h"

/* What the rows are sorted by: 0 (the zeroed state) layer order, else
 * 1 + an hstat_col, or SORT_KIND. */
#define SORT_LAYER LESSON_SORT_LAYER   /* numbered as a lesson's sort */
#define SORT_KIND LESSON_SORT_KIND
#define HEAD_W 7                 /* " L12H12" */
#define KIND_W 15                /* " previous-token" */
#define COL_W 6                  /* " 0.123"; entropy's is wider */

static int
col_w(int k)
{
	return k == HSTAT_ENTROPY ? COL_W + 2 : COL_W;
}

/* The key that sorts by each column, in hstat_col order, then the kind. */
static const char sort_keys[HSTAT_COUNT + 1] = { 'E', '<', '>', 's', '^', '$', ',', 'd', '+', 'c' };

typedef struct stats_state {
	int sort;                    /* SORT_LAYER, 1 + an hstat_col, SORT_KIND */
	bool down;                   /* descending */
	unsigned sort_seen;          /* the last view_ctx.want_sort_serial taken */
	int top;                     /* first row shown */
	/* fitted by stats_resize */
	int rows;                    /* head rows that fit */
	bool wide;                   /* the kind spelt out, not a letter */
	ui_rect body;                /* where the head rows are */
} stats_state;

/* The head shown in row k of the current order. */
static int
head_at(const view_ctx *c, const stats_state *s, int k)
{
	if (s->sort == SORT_LAYER)
		return s->down ? c->layers * c->heads - 1 - k : k;
	return view_grain(c).hs_order[s->sort - 1][s->down ? 1 : 0][k];
}

/* Row of head lh in the current order. */
static int
row_of(const view_ctx *c, const stats_state *s, int lh)
{
	for (int k = 0; k < c->layers * c->heads; k++)
		if (head_at(c, s, k) == lh)
			return k;
	return 0;
}

static int
kind_w(const stats_state *s)
{
	return s->wide ? KIND_W : 3;
}

static ui_action
stats_resize(const view_ctx *c, void *st, ui_rect r)
{
	stats_state *s = st;
	int total = c->layers * c->heads;

	/* a lesson step's order, once: the user sorts on from there */
	if (s->sort_seen != c->want_sort_serial) {
		s->sort_seen = c->want_sort_serial;
		s->sort = layout_clamp(c->want_sort, SORT_LAYER, SORT_KIND);
		s->down = c->want_sort_down;
	}
	/* title, key row and column names above; the thresholds below */
	s->rows = r.h - 4 > 1 ? r.h - 4 : 1;
	s->body = (ui_rect){ r.y + 3, r.x, s->rows, r.w };
	s->wide = r.w >= HEAD_W + KIND_W + COL_W * HSTAT_COUNT + 2;
	if (c->frame != NULL) {
		int cur = row_of(c, s, c->sel_layer * c->heads + c->sel_head);

		s->top = layout_scroll(s->top, cur, s->rows < total ? s->rows : total, total);
	}
	return view_act(ACT_NONE, 0, 0);
}

static void
draw_header(const view_ctx *c, const stats_state *s, ui_rect r)
{
	char buf[160], key[2] = { 0, 0 };
	const char *by = s->sort == SORT_LAYER ? "layer" : s->sort == SORT_KIND ? "kind"
	    : hstat_col_name((hstat_col)(s->sort - 1));
	int x = r.x + HEAD_W;

	/* w: the same figures between words (to a word summed, from one averaged) */
	snprintf(buf, sizeof buf, " Heads on this sentence%s, by %s %s \u2502 the key over a column "
	    "sorts by it", view_grain(c).first != NULL ? ", between words" : "", by,
	    s->down ? "\u2193" : "\u2191");
	term_text(r.y, r.x, r.w, buf, A_BOLD);
	term_text(r.y + 2, r.x, HEAD_W, "   head", s->sort == SORT_LAYER ? A_BOLD | A_UNDERLINE : A_BOLD);
	term_text(r.y + 1, r.x, HEAD_W, "      o", A_DIM);
	key[0] = sort_keys[HSTAT_COUNT];
	term_text(r.y + 1, x + 1, 1, key, A_DIM);
	term_text(r.y + 2, x + 1, kind_w(s) - 1, s->wide ? "kind" : "k", s->sort == SORT_KIND ? A_BOLD | A_UNDERLINE : A_BOLD);
	x += kind_w(s);
	for (int k = 0; k < HSTAT_COUNT; x += col_w(k), k++) {
		const char *name = hstat_col_name((hstat_col)k);
		int len = (int)strlen(name);

		key[0] = sort_keys[k];
		term_text(r.y + 1, x + col_w(k) - 1, 1, key, A_DIM);
		term_text(r.y + 2, x + col_w(k) - len, len, name, s->sort == k + 1 ? A_BOLD | A_UNDERLINE : A_BOLD);
	}
}

static void
draw_row(const view_ctx *c, const stats_state *s, int lh, int y, int x0, int w)
{
	const hstat *h = &view_grain(c).hs[lh];
	bool sel = lh == c->sel_layer * c->heads + c->sel_head;
	int attr = sel ? A_REVERSE | A_BOLD : A_NORMAL, x = x0 + HEAD_W;
	char buf[32];

	if (sel)
		term_clear(y, x0, w, A_REVERSE);
	snprintf(buf, sizeof buf, " L%dH%d", lh / c->heads + 1, lh % c->heads + 1);
	term_text(y, x0, HEAD_W, buf, attr);
	if (s->wide) {
		term_text(y, x + 1, KIND_W - 1, hstat_cat_name(h->cat),
		    h->cat == HCAT_MIXED ? attr | (int)A_DIM : attr);
	} else {
		char badge[2] = { hstat_cat_badge(h->cat), '\0' };

		term_text(y, x + 1, 1, badge, attr);
	}
	x += kind_w(s);
	for (int k = 0; k < HSTAT_COUNT; x += col_w(k), k++) {
		double v = h->v[k];
		bool share = k >= HSTAT_PREV && k <= HSTAT_PUNCT;

		if (isnan(v))
			snprintf(buf, sizeof buf, "%*s", col_w(k) + 2, "\u2013");   /* 3 bytes, 1 column */
		else
			snprintf(buf, sizeof buf, k == HSTAT_DEP ? "%*.3f" : "%*.2f", col_w(k), v);
		/* a share past the naming threshold stands out */
		term_text(y, x, col_w(k), buf,
		    share && v >= HSTAT_SHARE_MIN ? attr | (int)A_BOLD : attr);
	}
}

static void
stats_draw(const view_ctx *c, const void *st, ui_rect r)
{
	const stats_state *s = st;
	int total = c->layers * c->heads;
	char buf[200];

	if (widget_pending(c, r))
		return;
	draw_header(c, s, r);
	for (int k = s->top; k < total && k < s->top + s->rows; k++)
		draw_row(c, s, head_at(c, s, k), s->body.y + k - s->top, r.x, r.w);
	snprintf(buf, sizeof buf, " kind: largest share \u2265 %.2f (sink: cls+sep+punct), or "
	    "broad: entropy \u2265 %.2f ln n%s",
	    HSTAT_SHARE_MIN, HSTAT_BROAD_MIN, c->frame->has_diff ? "" : " \u2502 dep: no calibration");
	term_text(r.y + r.h - 1, r.x, r.w, buf, A_DIM);
}

static ui_action
select_row(const view_ctx *c, const stats_state *s, int k)
{
	int lh = head_at(c, s, layout_clamp(k, 0, c->layers * c->heads - 1));

	return view_act(ACT_SELECT, lh / c->heads, lh % c->heads);
}

static ui_action
stats_key(const view_ctx *c, void *st, int key)
{
	stats_state *s = st;
	int cur, dy, dx;
	const char *hit;

	if (c->frame == NULL)
		return view_act(ACT_PASS, 0, 0);
	cur = row_of(c, s, c->sel_layer * c->heads + c->sel_head);
	if (key_direction(key, &dy, &dx) && dy != 0)
		return select_row(c, s, cur + dy);
	if (key == UI_FN(KEY_NPAGE) || key == UI_FN(KEY_PPAGE))
		return select_row(c, s, cur + (key == UI_FN(KEY_NPAGE) ? s->rows : -s->rows));
	if (key == UI_FN(KEY_HOME) || key == UI_FN(KEY_END))
		return select_row(c, s, key == UI_FN(KEY_HOME) ? 0 : c->layers * c->heads);
	if (key_is_enter(key))
		return view_act(ACT_SHOW, VIEW_HEAD, 0);
	if (key == 'o') {
		s->down = s->sort == SORT_LAYER ? !s->down : false;
		s->sort = SORT_LAYER;
		return view_act(ACT_REDRAW, 0, 0);
	}
	if (key > 0 && key < 128 && (hit = memchr(sort_keys, key, sizeof sort_keys)) != NULL) {
		int col = (int)(hit - sort_keys) + 1;

		/* largest first, kinds in their order; again: the other way */
		s->down = s->sort == col ? !s->down : col != SORT_KIND;
		s->sort = col;
		return view_act(ACT_REDRAW, 0, 0);
	}
	return view_act(ACT_PASS, 0, 0);
}

static ui_action
stats_mouse(const view_ctx *c, void *st, int y, int x)
{
	const stats_state *s = st;

	if (c->frame == NULL || y < s->body.y || y >= s->body.y + s->body.h ||
	    s->top + y - s->body.y >= c->layers * c->heads)
		return view_act(ACT_NONE, 0, 0);
	return select_row(c, s, s->top + y - s->body.y);
}

const ui_view stats_view = {
	"stats", sizeof(stats_state), stats_resize, stats_draw, stats_key, stats_mouse, NULL,
};
