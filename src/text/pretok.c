/* pretok.c — Hugging Face's pre-tokenizers: cutting normalized text into
 * the words the model sees, and the byte-level and Metaspace rewrites.
 *
 * Every pre-tokenizer is, as in Rust, a split of each current piece by a
 * pattern (a character class, a literal, or a PCRE2 regex) followed by one
 * of the five delimiter behaviours.  Pieces live in one character buffer;
 * a step reads the buffer and its pieces and writes new ones.  Added
 * tokens (pieces with an id) pass through untouched.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- regular expressions ---------------------------------------------- */

/* Hugging Face compiles patterns with Oniguruma, whose \s, \w and \d are
 * Unicode properties; PCRE2's (even with UCP) are slightly different
 * sets, so they are spelled out. */
#define WORD_PROPS "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}"

static void
translate(const char *p, size_t n, bool literal, tok_str *o)
{
	size_t i;
	int depth = 0;

	if (literal) {
		/* \Q...\E cannot hold "\E": quote each character instead */
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c < 0x80 && !((c | 32) >= 'a' && (c | 32) <= 'z') && !(c >= '0' && c <= '9'))
				tok_str_put(o, "\\", 1);
			tok_str_put(o, p + i, 1);
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n) {
			char c = p[++i];

			if (c == 's')
				tok_str_put(o, "\\p{White_Space}", 15);
			else if (c == 'S')
				tok_str_put(o, "\\P{White_Space}", 15);
			else if (c == 'w')
				tok_str_put(o, depth ? WORD_PROPS : "[" WORD_PROPS "]",
					    strlen(depth ? WORD_PROPS : "[" WORD_PROPS "]"));
			else if (c == 'W' && !depth)
				tok_str_put(o, "[^" WORD_PROPS "]", strlen("[^" WORD_PROPS "]"));
			else {
				tok_str_put(o, p + i - 1, 2);
			}
			continue;
		}
		if (p[i] == '[') {
			depth++;
			/* a leading ] or ^] is a member, not the end */
			tok_str_put(o, p + i, 1);
			if (i + 1 < n && p[i + 1] == '^') {
				tok_str_put(o, "^", 1);
				i++;
			}
			if (i + 1 < n && p[i + 1] == ']') {
				tok_str_put(o, "]", 1);
				i++;
			}
			continue;
		}
		if (p[i] == ']' && depth > 0)
			depth--;
		tok_str_put(o, p + i, 1);
	}
}

void *
tok_regex_compile(const char *pat, size_t len, bool literal, heed_err *e)
{
	tok_str s = { 0 };
	pcre2_code *re;
	int code;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[160];

	translate(pat, len, literal, &s);
	re = pcre2_compile((PCRE2_SPTR)(s.s ? s.s : ""), s.n, PCRE2_UTF | PCRE2_UCP, &code, &off, NULL);
	free(s.s);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof msg);
		err_set(e, HEED_EFORMAT, "regex /%.*s/: %s", (int)(len > 80 ? 80 : len), pat, (char *)msg);
		return NULL;
	}
	return re;
}

void
tok_regex_free(void *re)
{
	pcre2_code_free(re);
}

void
tok_rx_free(tok_rx *x)
{
	pcre2_match_data_free(x->md);
	pcre2_match_context_free(x->mc);
	free(x->s.s);
	free(x->map);
	memset(x, 0, sizeof *x);
}

/* Call fn(arg, a, b) for each non-empty match, as char indices of c. */
void
tok_regex_each(const void *re, tok_rx *x, const tok_char *c, int n,
	       void (*fn)(void *, int, int), void *arg)
{
	PCRE2_SIZE at = 0, *ov;
	int i, rc;

	if (x->md == NULL) {
		x->md = pcre2_match_data_create(1, NULL);
		/* a pattern that backtracks exponentially stops with an
		 * error (no further matches) instead of hanging */
		x->mc = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(x->mc, 1000000);
		pcre2_set_depth_limit(x->mc, 10000);
	}
	x->s.n = 0;
	for (i = 0; i < n; i++)
		tok_str_cp(&x->s, c[i].cp);
	if (x->cap < (int)x->s.n + 1) {
		x->cap = (int)x->s.n + 1;
		x->map = xrealloc(x->map, (size_t)x->cap * sizeof *x->map);
	}
	/* byte offset -> char index */
	{
		size_t b = 0;

		for (i = 0; i < n; i++) {
			size_t k = c[i].cp < 0x80 ? 1 : c[i].cp < 0x800 ? 2 : c[i].cp < 0x10000 ? 3 : 4;

			while (k-- > 0)
				x->map[b++] = i;
		}
		x->map[b] = n;
	}
	while (at <= x->s.n) {
		rc = pcre2_match(re, (PCRE2_SPTR)(x->s.s ? x->s.s : ""), x->s.n, at,
				 PCRE2_NO_UTF_CHECK, x->md, x->mc);
		if (rc < 0)
			return;
		ov = pcre2_get_ovector_pointer(x->md);
		if (ov[1] <= ov[0]) {
			/* an empty match: step over one character */
			if (ov[0] >= x->s.n)
				return;
			at = ov[0] + 1;
			while (at < x->s.n && ((unsigned char)x->s.s[at] & 0xC0) == 0x80)
				at++;
			continue;
		}
		fn(arg, x->map[ov[0]], x->map[ov[1]]);
		at = ov[1];
	}
}

/* ---- splitting ----------------------------------------------------------- */

void
tok_splits_push(tok_splits *l, int a, int b, int id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->s = xrealloc(l->s, (size_t)l->cap * sizeof *l->s);
	}
	l->s[l->n].a = a;
	l->s[l->n].b = b;
	l->s[l->n].id = id;
	l->s[l->n].begin = l->s[l->n].end = -1;
	l->s[l->n].first = false;
	l->n++;
}

typedef tok_part piece;
typedef tok_cut cut;

static void
cut_push(cut *c, int a, int b, bool match)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->p = xrealloc(c->p, (size_t)c->cap * sizeof *c->p);
	}
	c->p[c->n].a = a;
	c->p[c->n].b = b;
	c->p[c->n].match = match;
	c->n++;
}

static void
cut_match(void *arg, int a, int b)
{
	cut *c = arg;

	if (a > c->last)
		cut_push(c, c->last, a, false);
	cut_push(c, a, b, true);
	c->last = b;
}

/* Whether char cp is a delimiter of a character-class pre-tokenizer. */
static bool
is_delim(enum tok_pretok_kind k, int32_t cp)
{
	switch (k) {
	case TOK_PRE_WSSPLIT:
		return tok_uc_is_space(cp);
	case TOK_PRE_PUNCT:
		return tok_uc_is_punct(cp);
	case TOK_PRE_DIGITS:
		return tok_uc_is_numeric(cp);
	default:
		return false;
	}
}

/* Apply behavior to the pieces, as NormalizedString::split does, and
 * append the surviving ranges to out (char indices of the split). */
static void
behave(cut *c, enum tok_behavior bh, bool invert, cut *out)
{
	int i;
	bool prev = false;

	out->n = 0;
	for (i = 0; i < c->n; i++)
		if (invert)
			c->p[i].match = !c->p[i].match;
	switch (bh) {
	case TOK_REMOVED:
		for (i = 0; i < c->n; i++)
			if (!c->p[i].match)
				cut_push(out, c->p[i].a, c->p[i].b, false);
		return;
	case TOK_ISOLATED:
		for (i = 0; i < c->n; i++)
			cut_push(out, c->p[i].a, c->p[i].b, c->p[i].match);
		return;
	case TOK_MERGED_PREV:
		for (i = 0; i < c->n; i++) {
			if (c->p[i].match && !prev && out->n > 0)
				out->p[out->n - 1].b = c->p[i].b;
			else
				cut_push(out, c->p[i].a, c->p[i].b, c->p[i].match);
			prev = c->p[i].match;
		}
		return;
	case TOK_MERGED_NEXT:
		for (i = c->n - 1; i >= 0; i--) {
			if (c->p[i].match && !prev && out->n > 0)
				out->p[out->n - 1].a = c->p[i].a;
			else
				cut_push(out, c->p[i].a, c->p[i].b, c->p[i].match);
			prev = c->p[i].match;
		}
		for (i = 0; i < out->n / 2; i++) {
			piece t = out->p[i];

			out->p[i] = out->p[out->n - 1 - i];
			out->p[out->n - 1 - i] = t;
		}
		return;
	case TOK_CONTIGUOUS:
		for (i = 0; i < c->n; i++) {
			if (c->p[i].match == prev && out->n > 0)
				out->p[out->n - 1].b = c->p[i].b;
			else
				cut_push(out, c->p[i].a, c->p[i].b, c->p[i].match);
			prev = c->p[i].match;
		}
		return;
	}
}

/* The state of one step: the input text and pieces, the output ones,
 * and the workspace's cut lists (c: all parts, r: the ones kept, w:
 * BERT's words). */
typedef struct step {
	const tok_chars *in;
	tok_chars *out;
	tok_splits *osp;
	tok_rx *rx;
	cut *c, *r, *w;
} step;

static void
copy_split(step *st, const tok_split *s)
{
	int a = st->out->n, i;

	for (i = s->a; i < s->b; i++)
		tok_chars_push(st->out, st->in->c[i].cp, st->in->c[i].begin, st->in->c[i].end);
	tok_splits_push(st->osp, a, st->out->n, s->id);
	st->osp->s[st->osp->n - 1].begin = s->begin;
	st->osp->s[st->osp->n - 1].end = s->end;
	st->osp->s[st->osp->n - 1].first = s->first;
}

/* Cut chars c[0..n) by a pattern and a behaviour: the parts to keep end
 * up in st->r, as char ranges of c. */
static void
find_parts(step *st, const tok_char *c, int n, enum tok_pretok_kind kind, const void *re,
	   enum tok_behavior bh, bool invert)
{
	int i;

	st->c->n = 0;
	st->c->last = 0;
	if (re != NULL) {
		tok_regex_each(re, st->rx, c, n, cut_match, st->c);
	} else {
		for (i = 0; i < n; i++)
			if (is_delim(kind, c[i].cp))
				cut_match(st->c, i, i + 1);
	}
	if (st->c->last < n)
		cut_push(st->c, st->c->last, n, false);
	behave(st->c, bh, invert, st->r);
}

/* Push part [a, b) of c as a new piece; bytes: as byte-level chars. */
static void
push_part(step *st, const tok_char *c, int a, int b, bool first, bool bytes)
{
	int o = st->out->n, j, q;
	tok_split *s;

	if (b <= a)
		return;
	for (j = a; j < b; j++) {
		int32_t cp = c[j].cp;

		if (!bytes) {
			tok_chars_push(st->out, cp, c[j].begin, c[j].end);
			continue;
		}
		st->rx->s.n = 0;
		tok_str_cp(&st->rx->s, cp);
		for (q = 0; q < (int)st->rx->s.n; q++)
			tok_chars_push(st->out, tok_byte_char[(unsigned char)st->rx->s.s[q]],
				       c[j].begin, c[j].end);
	}
	tok_splits_push(st->osp, o, st->out->n, -1);
	s = &st->osp->s[st->osp->n - 1];
	/* Metaspace's "first": the piece starts where the input does */
	s->first = a == 0 ? first : c[a].begin == 0;
}

static void
push_parts(step *st, const tok_char *c, bool first, bool bytes)
{
	int i;

	for (i = 0; i < st->r->n; i++)
		push_part(st, c, st->r->p[i].a, st->r->p[i].b, first, bytes);
}

/* The GPT-2 pattern ByteLevel splits with (use_regex). */
static const char gpt2_re[] =
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

void *
tok_gpt2_regex(heed_err *e)
{
	return tok_regex_compile(gpt2_re, sizeof gpt2_re - 1, false, e);
}

/* ByteLevel: a space in front (unless there is one) sharing the first
 * character's span, the GPT-2 split, then every character as its UTF-8
 * bytes in the byte-level alphabet, each byte with the character's span. */
static void
byte_level(step *st, const tok_pretok *p, const tok_split *s, tok_chars *tmp)
{
	const tok_char *c = st->in->c + s->a;
	int n = s->b - s->a, i;

	tmp->n = 0;
	if (p->prefix_space && n > 0 && c[0].cp != ' ')
		tok_chars_push(tmp, ' ', c[0].begin, c[0].end);
	for (i = 0; i < n; i++)
		tok_chars_push(tmp, c[i].cp, c[i].begin, c[i].end);
	if (p->use_regex) {
		find_parts(st, tmp->c, tmp->n, TOK_PRE_SPLIT, p->re, TOK_ISOLATED, false);
		push_parts(st, tmp->c, s->first, true);
	} else {
		push_part(st, tmp->c, 0, tmp->n, s->first, true);
	}
}

/* Metaspace: spaces become the replacement character, one is put in front
 * (prepend_scheme "always", or "first" on the input's first piece), and
 * each replacement character starts a new piece.  A SentencePiece model
 * that treats whitespace as a suffix has it the other way round, as its
 * normalizer.cc does: one put at the end, unconditionally, spanning
 * nothing at the end of the text (where SentencePiece maps it), and each
 * one closing a piece ("hello▁" "world▁"). */
static void
metaspace(step *st, const tok_pretok *p, const tok_split *s, tok_chars *tmp)
{
	const tok_char *c = st->in->c + s->a;
	int n = s->b - s->a, i;

	tmp->n = 0;
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		tok_chars_push(tmp, c[i].cp == ' ' ? p->replacement : c[i].cp, c[i].begin, c[i].end);
	if (p->suffix && (p->prepend == 2 || (p->prepend == 1 && s->first)))
		tok_chars_push(tmp, p->replacement, tmp->c[tmp->n - 1].end, tmp->c[tmp->n - 1].end);
	else if (tmp->c[0].cp != p->replacement && (p->prepend == 2 || (p->prepend == 1 && s->first))) {
		tok_chars_push(tmp, 0, 0, 0);
		memmove(tmp->c + 1, tmp->c, (size_t)(tmp->n - 1) * sizeof *tmp->c);
		tmp->c[0].cp = p->replacement;
		tmp->c[0].begin = tmp->c[1].begin;
		tmp->c[0].end = tmp->c[1].end;
	}
	if (!p->split) {
		push_part(st, tmp->c, 0, tmp->n, s->first, false);
		return;
	}
	st->c->n = 0;
	st->c->last = 0;
	for (i = 0; i < tmp->n; i++)
		if (tmp->c[i].cp == p->replacement)
			cut_match(st->c, i, i + 1);
	if (st->c->last < tmp->n)
		cut_push(st->c, st->c->last, tmp->n, false);
	behave(st->c, p->suffix ? TOK_MERGED_PREV : TOK_MERGED_NEXT, false, st->r);
	push_parts(st, tmp->c, s->first, false);
}

static void
one_split(step *st, const tok_pretok *p, const tok_split *s, tok_chars *tmp)
{
	const tok_char *c = st->in->c + s->a;
	int n = s->b - s->a;

	switch (p->kind) {
	case TOK_PRE_BYTELEVEL:
		byte_level(st, p, s, tmp);
		return;
	case TOK_PRE_METASPACE:
		metaspace(st, p, s, tmp);
		return;
	case TOK_PRE_BERT:
		/* whitespace removed, then punctuation isolated */
		find_parts(st, c, n, TOK_PRE_WSSPLIT, NULL, TOK_REMOVED, false);
		{
			cut *words = st->r;
			int i;

			st->r = st->w;
			for (i = 0; i < words->n; i++) {
				int a = words->p[i].a, j;

				find_parts(st, c + a, words->p[i].b - a, TOK_PRE_PUNCT, NULL,
					   TOK_ISOLATED, false);
				for (j = 0; j < st->r->n; j++)
					push_part(st, c, a + st->r->p[j].a, a + st->r->p[j].b, s->first, false);
			}
			st->w = st->r;
			st->r = words;
		}
		return;
	case TOK_PRE_WHITESPACE:
		find_parts(st, c, n, TOK_PRE_SPLIT, p->re, TOK_REMOVED, true);
		break;
	case TOK_PRE_WSSPLIT:
		find_parts(st, c, n, TOK_PRE_WSSPLIT, NULL, TOK_REMOVED, false);
		break;
	case TOK_PRE_PUNCT:
		find_parts(st, c, n, TOK_PRE_PUNCT, NULL, p->behavior, false);
		break;
	case TOK_PRE_DIGITS:
		find_parts(st, c, n, TOK_PRE_DIGITS, NULL,
			   p->individual ? TOK_ISOLATED : TOK_CONTIGUOUS, false);
		break;
	case TOK_PRE_SPLIT:
		find_parts(st, c, n, TOK_PRE_SPLIT, p->re, p->behavior, p->invert);
		break;
	}
	push_parts(st, c, s->first, false);
}

void
tok_pretok_run(const tok_pretok *p, int count, tok_ws *ws)
{
	tok_chars *text = &ws->t1, *t2 = &ws->t2, *tmp = &ws->t3;
	tok_splits *sp = &ws->sp, *s2 = &ws->sp2;
	step st = { .rx = &ws->rx, .c = &ws->cut[0], .r = &ws->cut[1], .w = &ws->cut[2] };
	int k, i;

	for (k = 0; k < count; k++) {
		st.in = text;
		st.out = t2;
		st.osp = s2;
		t2->n = 0;
		s2->n = 0;
		for (i = 0; i < sp->n; i++) {
			if (sp->s[i].id >= 0)
				copy_split(&st, &sp->s[i]);
			else
				one_split(&st, &p[k], &sp->s[i], tmp);
		}
		{
			tok_chars tc = *text;
			tok_splits ts = *sp;

			*text = *t2;
			*sp = *s2;
			*t2 = tc;
			*s2 = ts;
		}
	}
}

void
tok_pretok_free(tok_pretok *p, int count)
{
	int i;

	for (i = 0; i < count; i++)
		tok_regex_free(p[i].re);
	free(p);
}

/* ---- the byte-level alphabet -------------------------------------------- */

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
 * the others are moved up to U+0100 and on, in byte order. */
const uint16_t tok_byte_char[256] = {
	256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271,
	272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287,
	288, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
	48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
	64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79,
	80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
	96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
	112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 289,
	290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305,
	306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321,
	322, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 323, 174, 175,
	176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
	192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207,
	208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223,
	224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
	240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255,
};

int
tok_char_byte(int32_t cp)
{
	if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255))
		return cp;
	if (cp >= 256 && cp <= 288)
		return cp - 256;          /* bytes 0..32 */
	if (cp >= 289 && cp <= 322)
		return cp - 289 + 127;    /* bytes 127..160 */
	if (cp == 323)
		return 173;
	return -1;
}
