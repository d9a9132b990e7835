/* normalize.c — Unicode normalization of one word, keeping byte spans.
 *
 * Hugging Face's BasicTokenizer runs NFC over the cleaned text and, for
 * uncased vocabularies, lowercases, decomposes (NFD) and drops
 * nonspacing marks.  utf8proc's string functions lose track of where each
 * output character came from, so the three steps of normalization
 * (decompose, reorder, compose) are done here one code point at a time with
 * utf8proc's per-character tables.  A decomposed character keeps the span of
 * its source; a composed one spans all the characters it was made of; marks
 * that canonical ordering moves span their whole run of marks.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* The longest canonical decomposition is 4 code points. */
#define MAX_DECOMP 16

void
tok_chars_push(tok_chars *a, int32_t cp, int begin, int end)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->c = xrealloc(a->c, (size_t)a->cap * sizeof *a->c);
	}
	a->c[a->n].cp = cp;
	a->c[a->n].begin = begin;
	a->c[a->n].end = end;
	a->n++;
}

void
tok_chars_free(tok_chars *a)
{
	free(a->c);
	a->c = NULL;
	a->n = a->cap = 0;
}

/* Below U+0300 every combining class is 0. */
static int
ccc(int32_t cp)
{
	return cp < 0x300 ? 0 : utf8proc_get_property(cp)->combining_class;
}

/* Whether c could be the second half of a canonical composition: any
 * mark, but among starters only U+09BE BENGALI VOWEL SIGN AA and later
 * (Indic vowel signs, Hangul jamo, ...) are.  Saves a lookup per letter. */
static bool
may_compose(int32_t c, int k)
{
	return k > 0 || c >= 0x9BE;
}

static void
decompose_char(tok_chars *out, const tok_char *c)
{
	utf8proc_int32_t buf[MAX_DECOMP];
	utf8proc_ssize_t k, i;
	int bound = 0;

	k = utf8proc_decompose_char(c->cp, buf, MAX_DECOMP, UTF8PROC_DECOMPOSE, &bound);
	if (k < 1 || k > MAX_DECOMP) {
		tok_chars_push(out, c->cp, c->begin, c->end);
		return;
	}
	for (i = 0; i < k; i++)
		tok_chars_push(out, buf[i], c->begin, c->end);
}

/* Runs of marks are a few long: insertion sort, stable. */
static void
insertion_sort(tok_char *r, int n)
{
	int i, j, k;
	tok_char t;

	for (i = 1; i < n; i++) {
		k = ccc(r[i].cp);
		t = r[i];
		for (j = i; j > 0 && ccc(r[j - 1].cp) > k; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

/* A long run (pasted "Zalgo" text) would make insertion sort quadratic:
 * a stable counting sort by class instead. */
static void
counting_sort(tok_char *r, int n)
{
	int start[257] = { 0 }, i;
	tok_char *tmp = xmalloc((size_t)n * sizeof *tmp);

	for (i = 0; i < n; i++)
		start[ccc(r[i].cp) + 1]++;
	for (i = 1; i < 257; i++)
		start[i] += start[i - 1];
	for (i = 0; i < n; i++)
		tmp[start[ccc(r[i].cp)]++] = r[i];
	memcpy(r, tmp, (size_t)n * sizeof *tmp);
	free(tmp);
}

static bool
is_ordered(const tok_char *r, int n)
{
	int i;

	for (i = 1; i < n; i++)
		if (ccc(r[i].cp) < ccc(r[i - 1].cp))
			return false;
	return true;
}

/* Marks that reordering moved share the span of their whole run, so that
 * pieces cut from them still start in input order. */
static void
share_span(tok_char *r, int n)
{
	int b = r[0].begin, e = r[0].end, i;

	for (i = 1; i < n; i++) {
		if (r[i].begin < b)
			b = r[i].begin;
		if (r[i].end > e)
			e = r[i].end;
	}
	for (i = 0; i < n; i++) {
		r[i].begin = b;
		r[i].end = e;
	}
}

/* Canonical ordering: each run of marks (nonzero combining class) sorted
 * by class, keeping the order of equal classes. */
static void
reorder(tok_chars *a)
{
	int i = 0, j;

	while (i < a->n) {
		if (ccc(a->c[i].cp) == 0) {
			i++;
			continue;
		}
		for (j = i + 1; j < a->n && ccc(a->c[j].cp) != 0; j++)
			;
		if (!is_ordered(a->c + i, j - i)) {
			if (j - i > 32)
				counting_sort(a->c + i, j - i);
			else
				insertion_sort(a->c + i, j - i);
			share_span(a->c + i, j - i);
		}
		i = j;
	}
}

/* The primary composite of starter s and c, or -1. */
static int32_t
compose_pair(int32_t s, int32_t c)
{
	utf8proc_int32_t buf[2] = { s, c };

	if (utf8proc_normalize_utf32(buf, 2, UTF8PROC_COMPOSE | UTF8PROC_STABLE) == 1)
		return buf[0];
	return -1;
}

/* Canonical composition of in (decomposed, ordered) into out.  A character
 * composes with the last starter unless a character in between (not
 * composed away) has combining class 0 or at least its own. */
static void
compose(const tok_chars *in, tok_chars *out)
{
	int starter = -1, max_ccc = -1, i, k;
	int32_t p;
	const tok_char *c;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		c = &in->c[i];
		k = ccc(c->cp);
		if (starter >= 0 && k > max_ccc && may_compose(c->cp, k) &&
		    (p = compose_pair(out->c[starter].cp, c->cp)) >= 0) {
			tok_char *s = &out->c[starter];

			s->cp = p;
			if (c->begin < s->begin)
				s->begin = c->begin;
			if (c->end > s->end)
				s->end = c->end;
			continue;
		}
		tok_chars_push(out, c->cp, c->begin, c->end);
		if (k == 0) {
			starter = out->n - 1;
			max_ccc = -1;
		} else if (k > max_ccc) {
			max_ccc = k;
		}
	}
}

static bool
all_below(const tok_chars *w, int32_t limit)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->c[i].cp >= limit)
			return false;
	return true;
}

/* No code point below U+0300 is a combining mark or a composition's second
 * half, and each is its own NFC: most words need no work. */
void
tok_norm_nfc(tok_chars *w, tok_chars *scratch)
{
	int i;

	if (all_below(w, 0x300))
		return;
	scratch->n = 0;
	for (i = 0; i < w->n; i++)
		decompose_char(scratch, &w->c[i]);
	reorder(scratch);
	compose(scratch, w);
}

static bool
is_mn(int32_t cp)
{
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_MN;
}

void
tok_norm_uncase(tok_chars *w, tok_chars *scratch)
{
	tok_chars t;
	tok_char lc;
	int i, j;

	if (all_below(w, 0x80)) {
		for (i = 0; i < w->n; i++)
			w->c[i].cp = tok_uc_lower(w->c[i].cp);
		return;
	}
	scratch->n = 0;
	for (i = 0; i < w->n; i++) {
		lc = w->c[i];
		lc.cp = tok_uc_lower(lc.cp);
		decompose_char(scratch, &lc);
	}
	reorder(scratch);
	for (i = j = 0; i < scratch->n; i++)
		if (!is_mn(scratch->c[i].cp))
			scratch->c[j++] = scratch->c[i];
	scratch->n = j;
	t = *w;
	*w = *scratch;
	*scratch = t;
}
