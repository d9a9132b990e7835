/* lesson.c — the lesson file and its live figures (see lesson.h).
 *
 * A lesson is a line-oriented file: KEY VALUE per line, `#` comments,
 * blank lines ignored; `step TITLE` starts a step, which inherits the
 * sentence, modes, view, head and token of the step before.  A figure is
 * NAME [ARGUMENT] between braces in a caption and bare in a claim; every
 * figure and claim is parsed when the file is read, so a typo is reported
 * with its line before the class starts, not on the projector.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "heed/lesson.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>

#include "heed/enc.h"
#include "heed/util.h"

/* ---- figures ----------------------------------------------------------- */

#define COL_SINK HSTAT_COUNT     /* cls + sep + punct, a column of its own */

typedef enum {
	FIG_HEAD,     /* COL HEAD: a head's figure */
	FIG_KIND,     /* kind HEAD */
	FIG_BEST,     /* best COL: the head with the largest */
	FIG_LEAST,    /* least COL */
	FIG_HIGHEST,  /* highest COL: the largest value */
	FIG_LOWEST,   /* lowest COL */
	FIG_COUNT,    /* count KIND: how many heads */
	FIG_HEADS,    /* heads KIND: which */
	FIG_PROB,     /* prob WORD at the first [MASK] */
	FIG_BASE,     /* base WORD: the same, every head input */
	FIG_TOP,      /* top: the best prediction */
	FIG_BASETOP,  /* basetop */
	FIG_TOKENS,   /* tokens: how many */
} fig_kind;

typedef struct fig {
	fig_kind kind;
	int col;               /* an hstat_col or COL_SINK */
	int layer, head;       /* 0-based */
	int cat;               /* hstat_cat */
	char word[64];
} fig;

static int
col_parse(const char *s)
{
	char buf[32];
	size_t n = strlen(s);
	int c;

	/* {prev_share L,H} reads as {prev L,H} */
	if (n > 6 && n < sizeof buf && strcmp(s + n - 6, "_share") == 0) {
		memcpy(buf, s, n - 6);
		buf[n - 6] = '\0';
		s = buf;
	}
	if (strcmp(s, "sink") == 0)
		return COL_SINK;
	c = hstat_col_parse(s);
	return c;
}

/* "L2H6", "l2h6" or "2,6": 1-based in the file, 0-based out. */
static bool
head_parse(const char *s, int *layer, int *head)
{
	int l, h, used = 0;

	if ((s[0] == 'L' || s[0] == 'l') && sscanf(s + 1, "%d%*[Hh]%d%n", &l, &h, &used) == 2 &&
	    s[1 + used] == '\0')
		goto ok;
	if (sscanf(s, "%d,%d%n", &l, &h, &used) == 2 && s[used] == '\0')
		goto ok;
	return false;
ok:
	if (l < 1 || h < 1 || l > 1000 || h > 1000)
		return false;
	*layer = l - 1;
	*head = h - 1;
	return true;
}

/* Split expr into at most two words; false if more or none. */
static bool
split2(const char *expr, char *a, size_t acap, char *b, size_t bcap)
{
	const char *p = expr, *q;
	size_t n;

	*a = *b = '\0';
	while (isspace((unsigned char)*p))
		p++;
	for (q = p; *q && !isspace((unsigned char)*q); q++)
		;
	if ((n = (size_t)(q - p)) == 0 || n >= acap)
		return false;
	memcpy(a, p, n);
	a[n] = '\0';
	for (p = q; isspace((unsigned char)*p); p++)
		;
	for (q = p; *q && !isspace((unsigned char)*q); q++)
		;
	if ((n = (size_t)(q - p)) >= bcap)
		return false;
	memcpy(b, p, n);
	b[n] = '\0';
	while (isspace((unsigned char)*q))
		q++;
	return *q == '\0';
}

static int
fig_parse(const char *expr, fig *f, heed_err *e)
{
	char name[32], arg[64];

	memset(f, 0, sizeof *f);
	if (!split2(expr, name, sizeof name, arg, sizeof arg))
		return err_set(e, HEED_EINVAL, "figure '%s': NAME and at most one argument", expr);
	if (strcmp(name, "top") == 0 || strcmp(name, "basetop") == 0 || strcmp(name, "tokens") == 0) {
		f->kind = strcmp(name, "top") == 0 ? FIG_TOP : strcmp(name, "basetop") == 0 ? FIG_BASETOP
		    : FIG_TOKENS;
		if (arg[0] != '\0')
			return err_set(e, HEED_EINVAL, "figure '%s' takes no argument", name);
		return HEED_OK;
	}
	if (arg[0] == '\0')
		return err_set(e, HEED_EINVAL, "figure '%s' needs an argument", name);
	if (strcmp(name, "prob") == 0 || strcmp(name, "base") == 0) {
		f->kind = name[0] == 'p' ? FIG_PROB : FIG_BASE;
		snprintf(f->word, sizeof f->word, "%s", arg);
		return HEED_OK;
	}
	if (strcmp(name, "count") == 0 || strcmp(name, "heads") == 0) {
		f->kind = name[0] == 'c' ? FIG_COUNT : FIG_HEADS;
		if ((f->cat = hstat_cat_parse(arg)) < 0)
			return err_set(e, HEED_EINVAL, "figure '%s': unknown kind '%s' (previous-token, "
			    "next-token, self, sink, broad, mixed)", expr, arg);
		return HEED_OK;
	}
	if (strcmp(name, "best") == 0 || strcmp(name, "least") == 0 ||
	    strcmp(name, "highest") == 0 || strcmp(name, "lowest") == 0) {
		f->kind = strcmp(name, "best") == 0 ? FIG_BEST : strcmp(name, "least") == 0 ? FIG_LEAST
		    : strcmp(name, "highest") == 0 ? FIG_HIGHEST : FIG_LOWEST;
		if ((f->col = col_parse(arg)) < 0)
			return err_set(e, HEED_EINVAL, "figure '%s': unknown column '%s'", expr, arg);
		return HEED_OK;
	}
	if (strcmp(name, "kind") == 0)
		f->kind = FIG_KIND;
	else if ((f->col = col_parse(name)) >= 0)
		f->kind = FIG_HEAD;
	else
		return err_set(e, HEED_EINVAL, "unknown figure '%s'", name);
	if (!head_parse(arg, &f->layer, &f->head))
		return err_set(e, HEED_EINVAL, "figure '%s': '%s' is not a head (L2H6 or 2,6)", expr, arg);
	return HEED_OK;
}

static double
col_value(const hstat *h, int col)
{
	return col == COL_SINK ? h->v[HSTAT_CLS] + h->v[HSTAT_SEP] + h->v[HSTAT_PUNCT] : h->v[col];
}

/* As the statistics view shows it. */
static void
col_text(double v, int col, char *text, size_t cap)
{
	if (isnan(v))
		snprintf(text, cap, "n/a");
	else
		snprintf(text, cap, col == HSTAT_DEP ? "%.3f" : "%.2f", v);
}

static int
word_index(const lesson *l, const char *w)
{
	for (int i = 0; i < l->nwords; i++)
		if (strcmp(l->words[i], w) == 0)
			return i;
	return -1;
}

/* The head with the largest (or smallest) value; ties to the first. */
static int
extreme(const lesson_figs *f, int col, bool largest)
{
	int best = -1;

	for (int lh = 0; lh < f->layers * f->heads; lh++) {
		double v = col_value(&f->hs[lh], col);

		if (isnan(v))
			continue;
		if (best < 0 || (largest ? v > col_value(&f->hs[best], col)
		    : v < col_value(&f->hs[best], col)))
			best = lh;
	}
	return best;
}

static void
head_name(const lesson_figs *f, int lh, char *text, size_t cap)
{
	snprintf(text, cap, "L%dH%d", lh / f->heads + 1, lh % f->heads + 1);
}

static void
fig_eval(const lesson *l, const fig *g, const lesson_figs *f, double *num, char *text, size_t cap)
{
	int lh, k, count = 0;
	size_t used = 0;

	*num = NAN;
	snprintf(text, cap, "n/a");
	switch (g->kind) {
	case FIG_HEAD:
	case FIG_KIND:
		if (f->hs == NULL || g->layer >= f->layers || g->head >= f->heads)
			return;
		lh = g->layer * f->heads + g->head;
		if (g->kind == FIG_KIND) {
			snprintf(text, cap, "%s", hstat_cat_name(f->hs[lh].cat));
			return;
		}
		*num = col_value(&f->hs[lh], g->col);
		col_text(*num, g->col, text, cap);
		return;
	case FIG_BEST:
	case FIG_LEAST:
		if (f->hs != NULL && (lh = extreme(f, g->col, g->kind == FIG_BEST)) >= 0)
			head_name(f, lh, text, cap);
		return;
	case FIG_HIGHEST:
	case FIG_LOWEST:
		if (f->hs != NULL && (lh = extreme(f, g->col, g->kind == FIG_HIGHEST)) >= 0) {
			*num = col_value(&f->hs[lh], g->col);
			col_text(*num, g->col, text, cap);
		}
		return;
	case FIG_COUNT:
	case FIG_HEADS:
		if (f->hs == NULL)
			return;
		if (cap > 0)
			text[0] = '\0';
		for (lh = 0; lh < f->layers * f->heads; lh++) {
			if ((int)f->hs[lh].cat != g->cat)
				continue;
			if (g->kind == FIG_HEADS && used + 16 < cap) {
				if (count > 0)
					used += (size_t)snprintf(text + used, cap - used, ", ");
				head_name(f, lh, text + used, cap - used);
				used += strlen(text + used);
			}
			count++;
		}
		*num = g->kind == FIG_COUNT ? count : NAN;
		if (g->kind == FIG_COUNT)
			snprintf(text, cap, "%d", count);
		else if (count == 0)
			snprintf(text, cap, "none");
		return;
	case FIG_PROB:
	case FIG_BASE:
		k = word_index(l, g->word);
		if (!f->has_mask || k < 0)
			return;
		*num = g->kind == FIG_PROB ? f->prob[k] : f->base[k];
		if (!isnan(*num))
			snprintf(text, cap, "%.1f%%", 100.0 * *num);
		return;
	case FIG_TOP:
	case FIG_BASETOP:
		if (f->has_mask && (g->kind == FIG_TOP ? f->top : f->base_top) != NULL)
			snprintf(text, cap, "%s", g->kind == FIG_TOP ? f->top : f->base_top);
		return;
	case FIG_TOKENS:
		*num = f->n;
		snprintf(text, cap, "%d", f->n);
		return;
	}
}

int
lesson_figure(const lesson *l, const lesson_figs *f, const char *expr, double *num,
	      char *text, size_t cap, heed_err *e)
{
	fig g;
	int rc = fig_parse(expr, &g, e);

	if (rc < 0)
		return rc;
	fig_eval(l, &g, f, num, text, cap);
	return HEED_OK;
}

/* Each {figure} of s in turn: calls fn with the expression (no braces).
 * Returns the first error of fn, or HEED_EINVAL for a brace left open. */
static int
each_figure(const char *s, int (*fn)(void *ud, const char *expr, heed_err *e), void *ud,
	    heed_err *e)
{
	for (const char *p = strchr(s, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *q = strchr(p, '}');
		char expr[128];
		int rc;

		if (q == NULL)
			return err_set(e, HEED_EINVAL, "'{' without '}'");
		if ((size_t)(q - p - 1) >= sizeof expr)
			return err_set(e, HEED_EINVAL, "a figure longer than %zu bytes", sizeof expr - 1);
		memcpy(expr, p + 1, (size_t)(q - p - 1));
		expr[q - p - 1] = '\0';
		if ((rc = fn(ud, expr, e)) < 0)
			return rc;
		p = q;
	}
	return HEED_OK;
}

void
lesson_caption(const lesson *l, const lesson_step *s, const lesson_figs *f, char *out, size_t cap)
{
	const char *p = s->caption;
	size_t used = 0;

	if (cap == 0)
		return;
	while (*p != '\0' && used + 1 < cap) {
		const char *q;
		char expr[128], text[256];
		double num;
		fig g;
		heed_err e;

		if (*p != '{' || (q = strchr(p, '}')) == NULL || (size_t)(q - p - 1) >= sizeof expr) {
			out[used++] = *p++;
			continue;
		}
		memcpy(expr, p + 1, (size_t)(q - p - 1));
		expr[q - p - 1] = '\0';
		if (fig_parse(expr, &g, &e) < 0)
			snprintf(text, sizeof text, "?");
		else
			fig_eval(l, &g, f, &num, text, sizeof text);
		used += (size_t)snprintf(out + used, cap - used, "%s", text);
		if (used >= cap)
			used = cap - 1;
		p = q + 1;
	}
	out[used] = '\0';
}

/* ---- claims ------------------------------------------------------------ */

typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_NEAR } claim_op;

static const char *const op_names[] = { "<", "<=", ">", ">=", "=", "!=", "~" };

typedef struct claim {
	fig lhs;
	claim_op op;
	bool rhs_fig;          /* the right side is a {figure} */
	fig rhs;
	char lit[64];          /* ... else a literal: number (90% = 0.9) or text */
	double tol;            /* ~: the largest difference that holds */
	char tol_text[32];
} claim;

/* A literal's number: "0.5", "90%"; false for text.  util_parse_double
 * reads '.' as the point in every locale: the explorer has set the
 * user's (term.c), where strtod would read "0.5" as 0 in a comma locale
 * and the claim would compare text. */
static bool
literal_number(const char *s, double *v)
{
	char num[64];
	size_t len = strlen(s);
	bool percent = len > 0 && s[len - 1] == '%';

	if (percent)
		len--;
	if (len == 0 || len >= sizeof num)
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	if (util_parse_double("lesson", num, -DBL_MAX, DBL_MAX, v, NULL) < 0)
		return false;
	if (percent)
		*v /= 100.0;
	return true;
}

/* The operator: the first word of s that is one, at *at, *len bytes. */
static bool
find_op(const char *s, claim_op *op, size_t *at, size_t *len)
{
	const size_t nops = sizeof op_names / sizeof op_names[0];

	for (size_t i = 0; s[i] != '\0'; ) {
		size_t n = strcspn(s + i, " ");

		for (size_t k = 0; k < nops; k++)
			if (n == strlen(op_names[k]) && strncmp(s + i, op_names[k], n) == 0) {
				*op = (claim_op)k;
				*at = i;
				*len = n;
				return true;
			}
		i += n;
		i += strspn(s + i, " ");
	}
	return false;
}

static int
claim_parse(const char *s, claim *c, heed_err *e)
{
	char buf[256], *rhs, *tol;
	size_t at, oplen;
	int rc;

	memset(c, 0, sizeof *c);
	if (strlen(s) >= sizeof buf)
		return err_set(e, HEED_EINVAL, "claim too long");
	strcpy(buf, s);
	if (!find_op(buf, &c->op, &at, &oplen) || at == 0)
		return err_set(e, HEED_EINVAL, "claim '%s': FIGURE, then a comparison (< <= > >= = != ~), "
		    "then a value", s);
	buf[at] = '\0';
	if ((rc = fig_parse(buf, &c->lhs, e)) < 0)
		return rc;
	rhs = buf + at + oplen;
	rhs += strspn(rhs, " ");
	if (*rhs == '{') {
		char *q = strchr(rhs, '}');

		if (q == NULL)
			return err_set(e, HEED_EINVAL, "claim '%s': '{' without '}'", s);
		*q = '\0';
		if ((rc = fig_parse(rhs + 1, &c->rhs, e)) < 0)
			return rc;
		c->rhs_fig = true;
		tol = q + 1;
	} else {
		size_t n = strcspn(rhs, " \t");

		if (n == 0 || n >= sizeof c->lit)
			return err_set(e, HEED_EINVAL, "claim '%s': nothing to compare with", s);
		memcpy(c->lit, rhs, n);
		c->lit[n] = '\0';
		tol = rhs + n;
	}
	tol += strspn(tol, " ");
	snprintf(c->tol_text, sizeof c->tol_text, "%s", tol);
	if (c->op == OP_NEAR) {
		if (!literal_number(tol, &c->tol) || c->tol < 0)
			return err_set(e, HEED_EINVAL, "claim '%s': ~ needs a tolerance after the value", s);
	} else if (*tol != '\0') {
		return err_set(e, HEED_EINVAL, "claim '%s': '%s' after the value", s, tol);
	}
	return HEED_OK;
}

static bool
compare(claim_op op, double a, double b, double tol)
{
	switch (op) {
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_NEAR: return fabs(a - b) <= tol;
	}
	return false;
}

bool
lesson_claim(const lesson *l, const lesson_step *s, int k, const lesson_figs *f,
	     char *why, size_t cap)
{
	claim c;
	heed_err e;
	double a, b = NAN;
	char at[128], bt[128];
	bool ok;

	if (k < 0 || k >= s->nclaims || claim_parse(s->claims[k], &c, &e) < 0) {
		snprintf(why, cap, "not a claim");
		return false;
	}
	fig_eval(l, &c.lhs, f, &a, at, sizeof at);
	if (c.rhs_fig)
		fig_eval(l, &c.rhs, f, &b, bt, sizeof bt);
	else if (!literal_number(c.lit, &b))
		b = NAN;   /* text */
	if (!c.rhs_fig)
		snprintf(bt, sizeof bt, "%s", c.lit);
	if (!isnan(a) && !isnan(b))
		ok = compare(c.op, a, b, c.tol);
	else if (isnan(a) != isnan(b) || (c.op != OP_EQ && c.op != OP_NE) || strcmp(at, "n/a") == 0)
		ok = false;   /* text against a number, an order of text, or unknown */
	else
		ok = (strcmp(at, bt) == 0) == (c.op == OP_EQ);
	snprintf(why, cap, "%s: %s %s %s%s%s", s->claims[k], at, op_names[c.op], bt,
	    c.op == OP_NEAR ? " within " : "", c.op == OP_NEAR ? c.tol_text : "");
	return ok;
}

/* ---- the file ---------------------------------------------------------- */

static const char *const view_names[LESSON_VIEW_COUNT] = {
	"grid", "head", "tokens", "output", "stats", "importance",
};

/* The importance view's curve orders, as `heed export --view` names them. */
static const char *const order_names[] = { "importance", "papa" };
#define NORDERS (int)(sizeof order_names / sizeof order_names[0])

const char *
lesson_view_name(lesson_view v)
{
	return v >= 0 && v < LESSON_VIEW_COUNT ? view_names[v] : "?";
}

void
lesson_view_text(const lesson_step *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s%s", lesson_view_name(s->view),
	    s->view == LESSON_IMPORTANCE && s->imp_replace >= 0 ? " " : "",
	    s->view == LESSON_IMPORTANCE && s->imp_replace >= 0 ?
	    enc_mode_name((head_mode)s->imp_replace) : "",
	    s->view == LESSON_IMPORTANCE && s->imp_order >= 0 ? " " : "",
	    s->view == LESSON_IMPORTANCE && s->imp_order >= 0 ? order_names[s->imp_order] : "");
}

/* "stats", "importance", "importance average", "importance uniform papa":
 * a view, and after importance its replacement (a head mode other than
 * input) and its curve's order, each at most once, in either order. */
static int
view_parse(lesson_step *s, const char *val, heed_err *e)
{
	char word[32];
	size_t len = strcspn(val, " ");
	const char *p = val + len;
	int v, mode = -1, order = -1;

	for (v = 0; v < LESSON_VIEW_COUNT; v++)
		if (strlen(view_names[v]) == len && strncmp(val, view_names[v], len) == 0)
			break;
	if (v == LESSON_VIEW_COUNT)
		return err_set(e, HEED_EINVAL, "unknown view '%.*s' (grid, head, tokens, output, stats, "
		    "importance)", (int)len, val);
	for (p += strspn(p, " "); *p != '\0'; p += strspn(p, " ")) {
		head_mode m;
		int o;

		len = strcspn(p, " ");
		if (v != LESSON_IMPORTANCE)
			return err_set(e, HEED_EINVAL, "view %s: '%s' after it (only the importance "
			    "view takes a replacement and an order)", view_names[v], p);
		snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), p);
		for (o = 0; o < NORDERS && strcmp(word, order_names[o]) != 0; o++)
			;
		if (o < NORDERS && order < 0) {
			order = o;
		} else if (o == NORDERS && mode < 0 && len < sizeof word &&
		    enc_mode_parse(word, &m) == HEED_OK && m != HEAD_INPUT) {
			mode = (int)m;
		} else {
			return err_set(e, HEED_EINVAL, "view importance: '%.*s' is not a replacement "
			    "(average, dense, random, uniform) or a curve order (importance, papa), "
			    "or says one twice", (int)len, p);
		}
		p += len;
	}
	s->view = (lesson_view)v;
	if (mode >= 0)
		s->imp_replace = mode;
	if (order >= 0)
		s->imp_order = order;
	return HEED_OK;
}

/* The name of order k: "layer", a column's, "kind". */
static const char *
sort_col_name(int k)
{
	return k == LESSON_SORT_LAYER ? "layer" : k == LESSON_SORT_KIND ? "kind"
	    : hstat_col_name((hstat_col)(k - 1));
}

/* The way the view's key sorts first: a figure largest first, the layer
 * order and the kinds in their order. */
static bool
sort_down_first(int k)
{
	return k != LESSON_SORT_LAYER && k != LESSON_SORT_KIND;
}

void
lesson_sort_name(const lesson_step *s, char *buf, size_t cap)
{
	if (s->sort < 0)
		snprintf(buf, cap, "as it was");
	else
		snprintf(buf, cap, "%s%s", sort_col_name(s->sort), s->sort_down ==
		    sort_down_first(s->sort) ? "" : s->sort_down ? " down" : " up");
}

/* "sep", "sep up", "layer down": a column (or layer, kind) and optionally
 * the way, by default the way its key in the view sorts first. */
static int
sort_parse(lesson_step *s, const char *val, heed_err *e)
{
	size_t len = strcspn(val, " ");
	const char *way = val + len + strspn(val + len, " ");

	for (int k = LESSON_SORT_LAYER; k <= LESSON_SORT_KIND; k++) {
		const char *name = sort_col_name(k);

		if (strlen(name) != len || strncmp(val, name, len) != 0)
			continue;
		if (*way != '\0' && strcmp(way, "up") != 0 && strcmp(way, "down") != 0)
			return err_set(e, HEED_EINVAL, "sort %s: '%s' is not up or down", name, way);
		s->sort = k;
		s->sort_down = *way == '\0' ? sort_down_first(k) : strcmp(way, "down") == 0;
		return HEED_OK;
	}
	return err_set(e, HEED_EINVAL, "sort '%.*s': not a column of the statistics view (layer, "
	    "kind, entropy, prev, next, self, cls, sep, punct, dep, max)", (int)len, val);
}

void
lesson_free(lesson *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < l->nsteps; i++) {
		lesson_step *s = &l->steps[i];

		free(s->title);
		free(s->sentence);
		free(s->modes);
		free(s->caption);
		for (int k = 0; k < s->nclaims; k++)
			free(s->claims[k]);
		free(s->claims);
	}
	for (int i = 0; i < l->nwords; i++)
		free(l->words[i]);
	free(l->steps);
	free(l->title);
	free(l->name);
	free(l);
}

/* Collect the words of prob/base figures, for whoever computes them. */
static int
note_words(void *ud, const char *expr, heed_err *e)
{
	lesson *l = ud;
	fig g;
	int rc = fig_parse(expr, &g, e);

	if (rc < 0 || (g.kind != FIG_PROB && g.kind != FIG_BASE) || word_index(l, g.word) >= 0)
		return rc;
	if (l->nwords == LESSON_MAX_WORDS)
		return err_set(e, HEED_EINVAL, "more than %d different words in prob and base figures",
		    LESSON_MAX_WORDS);
	l->words[l->nwords++] = xstrdup(g.word);
	return HEED_OK;
}

static int
note_claim(lesson *l, const char *s, heed_err *e)
{
	claim c;
	int rc = claim_parse(s, &c, e);
	char expr[80];

	if (rc < 0)
		return rc;
	/* its words too, through the figures' own path */
	for (int side = 0; side < 2; side++) {
		const fig *g = side == 0 ? &c.lhs : &c.rhs;

		if ((side == 1 && !c.rhs_fig) || (g->kind != FIG_PROB && g->kind != FIG_BASE))
			continue;
		snprintf(expr, sizeof expr, "prob %s", g->word);
		if ((rc = note_words(l, expr, e)) < 0)
			return rc;
	}
	return HEED_OK;
}

/* Text a terminal may show: UTF-8 without control characters. */
static bool
printable(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(len - i), &cp);

		if (n <= 0 || (cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			return false;
		i += (size_t)n;
	}
	return true;
}

static char *
append(char *a, const char *b)
{
	char *s;

	if (a == NULL)
		return xstrdup(b);
	s = xasprintf("%s %s", a, b);
	free(a);
	return s;
}

/* "FILE:LINE: " before the message e holds; HEED_EFORMAT. */
static int
at_line(heed_err *e, const char *name, int line)
{
	char msg[sizeof e->msg];

	snprintf(msg, sizeof msg, "%s", e->msg);
	return err_set(e, HEED_EFORMAT, "%s:%d: %s", name, line, msg);
}

static int
parse_line(lesson *l, char *key, char *val, heed_err *e)
{
	lesson_step *s = l->nsteps > 0 ? &l->steps[l->nsteps - 1] : NULL;
	int rc;

	if (strcmp(key, "title") == 0) {
		if (s != NULL)
			return err_set(e, HEED_EINVAL, "title goes before the first step");
		free(l->title);
		l->title = xstrdup(val);
		return HEED_OK;
	}
	if (strcmp(key, "step") == 0) {
		if (l->nsteps == LESSON_MAX_STEPS)
			return err_set(e, HEED_EINVAL, "more than %d steps", LESSON_MAX_STEPS);
		l->steps = xrealloc(l->steps, sizeof *l->steps * (size_t)(l->nsteps + 1));
		s = &l->steps[l->nsteps];
		/* a step starts as the one before it left things */
		*s = l->nsteps > 0 ? l->steps[l->nsteps - 1] : (lesson_step){ .modes = NULL,
		    .view = LESSON_GRID, .layer = -1, .head = -1, .token = -1, .sort = -1,
		    .words = -1, .imp_replace = -1, .imp_order = -1 };
		s->title = xstrdup(val);
		s->sentence = s->sentence != NULL ? xstrdup(s->sentence) : NULL;
		s->modes = xstrdup(s->modes != NULL ? s->modes : "input");
		s->caption = xstrdup("");
		s->claims = NULL;
		s->nclaims = 0;
		l->nsteps++;
		return HEED_OK;
	}
	if (s == NULL)
		return err_set(e, HEED_EINVAL, "'%s' before the first step", key);
	if (strcmp(key, "sentence") == 0) {
		free(s->sentence);
		s->sentence = xstrdup(val);
	} else if (strcmp(key, "modes") == 0) {
		free(s->modes);
		s->modes = xstrdup(val);
	} else if (strcmp(key, "view") == 0) {
		if ((rc = view_parse(s, val, e)) < 0)
			return rc;
	} else if (strcmp(key, "head") == 0) {
		if (!head_parse(val, &s->layer, &s->head))
			return err_set(e, HEED_EINVAL, "head '%s': write L2H6 or 2,6 (1-based)", val);
	} else if (strcmp(key, "token") == 0) {
		if (util_parse_int("token", val, 1, HEED_MAX_TOKENS, &s->token, e) < 0)
			return HEED_EINVAL;
		s->token--;
	} else if (strcmp(key, "sort") == 0) {
		if ((rc = sort_parse(s, val, e)) < 0)
			return rc;
	} else if (strcmp(key, "words") == 0) {
		if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0)
			return err_set(e, HEED_EINVAL, "words '%s': write on or off", val);
		s->words = strcmp(val, "on") == 0;
	} else if (strcmp(key, "caption") == 0) {
		if ((rc = each_figure(val, note_words, l, e)) < 0)
			return rc;
		if (s->caption[0] == '\0') {
			free(s->caption);
			s->caption = xstrdup(val);
		} else {
			s->caption = append(s->caption, val);
		}
	} else if (strcmp(key, "claim") == 0) {
		if ((rc = note_claim(l, val, e)) < 0)
			return rc;
		s->claims = xrealloc(s->claims, sizeof *s->claims * (size_t)(s->nclaims + 1));
		s->claims[s->nclaims++] = xstrdup(val);
	} else {
		return err_set(e, HEED_EINVAL, "unknown key '%s' (title, step, sentence, modes, view, "
		    "head, token, sort, words, caption, claim)", key);
	}
	return HEED_OK;
}

int
lesson_parse(const char *buf, size_t len, const char *name, lesson **out, heed_err *e)
{
	lesson *l = xcalloc(1, sizeof *l);
	size_t i = 0;
	int line = 0, rc = HEED_OK;

	*out = NULL;
	l->name = xstrdup(name);
	if (len > LESSON_MAX_BYTES)
		rc = err_set(e, HEED_EFORMAT, "%s: larger than %d bytes: not a lesson", name,
		    LESSON_MAX_BYTES);
	while (rc == HEED_OK && i < len) {
		size_t j = i, k;
		char *text, *key, *val;

		while (j < len && buf[j] != '\n')
			j++;
		line++;
		k = j;
		if (k > i && buf[k - 1] == '\r')
			k--;
		if (!printable(buf + i, k - i)) {
			rc = err_set(e, HEED_EFORMAT, "%s:%d: not UTF-8 text (or a control character)",
			    name, line);
			break;
		}
		text = xmalloc(k - i + 1);
		memcpy(text, buf + i, k - i);
		text[k - i] = '\0';
		for (char *p = text; *p; p++)
			if (*p == '\t')
				*p = ' ';
		key = text + strspn(text, " ");
		if (*key != '\0' && *key != '#') {
			char *end = key + strlen(key);

			while (end > key && end[-1] == ' ')
				*--end = '\0';
			val = key + strcspn(key, " ");
			if (*val != '\0')
				*val++ = '\0';
			val += strspn(val, " ");
			if (*val == '\0' && strcmp(key, "step") != 0)
				rc = err_set(e, HEED_EFORMAT, "%s:%d: '%s' needs a value", name, line, key);
			else if ((rc = parse_line(l, key, val, e)) < 0)
				rc = at_line(e, name, line);
			else if (strcmp(key, "step") == 0)
				l->steps[l->nsteps - 1].line = line;
		}
		free(text);
		i = j + 1;
	}
	if (rc == HEED_OK && l->nsteps == 0)
		rc = err_set(e, HEED_EFORMAT, "%s: no steps (a lesson is 'step' lines and what follows "
		    "them; see heed(1), LESSONS)", name);
	for (int s = 0; rc == HEED_OK && s < l->nsteps; s++)
		if (l->steps[s].sentence == NULL)
			rc = err_set(e, HEED_EFORMAT, "%s:%d: step %d has no sentence", name,
			    l->steps[s].line, s + 1);
	if (rc < 0) {
		lesson_free(l);
		return rc;
	}
	if (l->title == NULL)
		l->title = xstrdup(name);
	*out = l;
	return HEED_OK;
}

/* A path as given when it exists or names a folder; else a shipped
 * lesson by name: NAME or NAME.lesson in the installed lessons, then in
 * the source tree's (as the bundled model is found). */
static char *
lesson_find(const char *arg)
{
	static const char *const dirs[] = { HEED_DATADIR "/lessons", HEED_SRCDIR "/assets/lessons" };
	struct stat sb;

	if (stat(arg, &sb) == 0 || strchr(arg, '/') != NULL)
		return xstrdup(arg);
	for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++)
		for (int ext = 0; ext < 2; ext++) {
			char *p = xasprintf("%s/%s%s", dirs[d], arg, ext ? ".lesson" : "");

			if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
				return p;
			free(p);
		}
	return xstrdup(arg);   /* nowhere: the error names what was given */
}

int
lesson_load(const char *arg, lesson **out, heed_err *e)
{
	char *buf, *path = lesson_find(arg);
	size_t len;
	int rc;

	*out = NULL;
	/* a FIFO or /dev/zero is refused, not read forever */
	if ((rc = util_read_input(path, false, LESSON_MAX_BYTES, &buf, &len, e)) == HEED_OK) {
		rc = lesson_parse(buf, len, path, out, e);
		free(buf);
	}
	free(path);
	return rc;
}

/* A head figure's head, for the shape check. */
static int
check_fig(const fig *g, int layers, int heads, heed_err *e)
{
	if ((g->kind == FIG_HEAD || g->kind == FIG_KIND) && (g->layer >= layers || g->head >= heads))
		return err_set(e, HEED_EINVAL, "L%dH%d: the model has %d layers of %d heads",
		    g->layer + 1, g->head + 1, layers, heads);
	return HEED_OK;
}

typedef struct shape {
	int layers, heads;
} shape;

static int
check_expr(void *ud, const char *expr, heed_err *e)
{
	const shape *sh = ud;
	fig g;
	int rc = fig_parse(expr, &g, e);

	return rc < 0 ? rc : check_fig(&g, sh->layers, sh->heads, e);
}

int
lesson_word_id(const tok_vocab *v, const char *word)
{
	static const char *const marks[] = { "", "\xc4\xa0", TOK_WORD_MARK };
	char buf[96];

	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		int id;

		snprintf(buf, sizeof buf, "%s%s", marks[k], word);
		if ((id = tok_id(v, buf)) >= 0)
			return id;
	}
	return -1;
}

int
lesson_bind(const lesson *l, int layers, int heads, const calib *cal, const tok_vocab *v,
	    int *ids, heed_err *e)
{
	shape sh = { layers, heads };
	uint8_t *modes = xmalloc((size_t)layers * heads);

	for (int i = 0; i < l->nsteps; i++) {
		const lesson_step *s = &l->steps[i];
		int rc = HEED_OK;
		claim c;

		if (s->layer >= layers || s->head >= heads)
			rc = err_set(e, HEED_EINVAL, "head L%dH%d: the model has %d layers of %d heads",
			    s->layer + 1, s->head + 1, layers, heads);
		if (rc == HEED_OK) {
			memset(modes, HEAD_INPUT, (size_t)layers * heads);
			rc = enc_modes_parse(s->modes, layers, heads, cal, modes, e);
		}
		if (rc == HEED_OK && s->imp_replace >= 0 &&
		    !enc_mode_available((head_mode)s->imp_replace, cal))
			rc = err_set(e, HEED_EINVAL, "view importance %s needs %s",
			    enc_mode_name((head_mode)s->imp_replace), cal == NULL ?
			    "a calibration file (heed calibrate)" : "a calibration with dense synthesizers");
		if (rc == HEED_OK && s->imp_order == LESSON_ORDER_PAPA && (cal == NULL || cal->stats == NULL))
			rc = err_set(e, HEED_EINVAL, "view importance papa needs a calibration file "
			    "(heed calibrate)");
		if (rc == HEED_OK)
			rc = each_figure(s->caption, check_expr, &sh, e);
		for (int k = 0; rc == HEED_OK && k < s->nclaims; k++)
			if ((rc = claim_parse(s->claims[k], &c, e)) == HEED_OK &&
			    (rc = check_fig(&c.lhs, layers, heads, e)) == HEED_OK && c.rhs_fig)
				rc = check_fig(&c.rhs, layers, heads, e);
		if (rc < 0) {
			free(modes);
			return at_line(e, l->name, s->line);
		}
	}
	free(modes);
	for (int k = 0; k < l->nwords; k++)
		ids[k] = lesson_word_id(v, l->words[k]);
	return HEED_OK;
}
