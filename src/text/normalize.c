/* normalize.c — Unicode normalization (NFD, NFC, NFKD, NFKC) keeping the
 * byte spans Hugging Face keeps.
 *
 * Hugging Face normalizes with the unicode-normalization-alignments crate,
 * which yields each output character with a change count (0 replaces an
 * input character, 1 inserts one, -k replaces one and removes k more), and
 * NormalizedString then hands out spans by position: the i-th consumed
 * input character lends its span to whatever output character consumed it.
 * So a decomposed character's parts share its span, a composed character
 * takes the span of its first part only, and reordered marks take spans
 * by position.  This file produces the same change counts with utf8proc's
 * per-character tables and applies them with tok_chars_emit.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* The longest decomposition (compatibility included) is 18 code points. */
#define MAX_DECOMP 32

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

void
tok_chars_emit(tok_chars *out, const tok_chars *in, int *pos, int32_t cp, int change)
{
	int b, e;

	if (change > 0) {
		if (*pos > 0) {
			b = in->c[*pos - 1].begin;
			e = in->c[*pos - 1].end;
		} else {
			/* Hugging Face's (0, 0): empty, at the start */
			b = e = in->n > 0 ? in->c[0].begin : 0;
		}
		tok_chars_push(out, cp, b, e);
		return;
	}
	if (*pos >= in->n) {
		/* never happens with consistent changes; keep a span anyway */
		b = e = in->n > 0 ? in->c[in->n - 1].end : 0;
		tok_chars_push(out, cp, b, e);
		return;
	}
	tok_chars_push(out, cp, in->c[*pos].begin, in->c[*pos].end);
	*pos += 1 - change;
	if (*pos > in->n)
		*pos = in->n;
}

/* Below U+0300 every combining class is 0. */
static int
ccc(int32_t cp)
{
	return cp < 0x300 ? 0 : utf8proc_get_property(cp)->combining_class;
}

/* Decomposed text as (code point, change) pairs: scratch's begin holds the
 * change (its end is unused). */
static void
decompose(const tok_chars *in, tok_chars *d, bool compat)
{
	utf8proc_int32_t buf[MAX_DECOMP];
	utf8proc_ssize_t k, i;
	int bound = 0, j;
	int opt = UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0);

	d->n = 0;
	for (j = 0; j < in->n; j++) {
		int32_t cp = in->c[j].cp;

		if (cp < 0xA0) {
			tok_chars_push(d, cp, 0, 0);
			continue;
		}
		k = utf8proc_decompose_char(cp, buf, MAX_DECOMP, (utf8proc_option_t)opt, &bound);
		if (k < 1 || k > MAX_DECOMP) {
			tok_chars_push(d, cp, 0, 0);
			continue;
		}
		for (i = 0; i < k; i++)
			tok_chars_push(d, buf[i], i > 0, 0);
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

/* Canonical ordering: each run of marks sorted by class, stably; a mark
 * carries its change with it. */
static void
reorder(tok_chars *a)
{
	int i = 0, j, x, y;
	tok_char t;

	while (i < a->n) {
		if (ccc(a->c[i].cp) == 0) {
			i++;
			continue;
		}
		for (j = i + 1; j < a->n && ccc(a->c[j].cp) != 0; j++)
			;
		if (j - i > 32) {
			counting_sort(a->c + i, j - i);
			i = j;
			continue;
		}
		/* insertion sort: runs are short */
		for (x = i + 1; x < j; x++) {
			t = a->c[x];
			for (y = x; y > i && ccc(a->c[y - 1].cp) > ccc(t.cp); y--)
				a->c[y] = a->c[y - 1];
			a->c[y] = t;
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

/* Canonical composition, in place on (code point, change) pairs: a
 * character composes with the last starter unless a character in between
 * has class 0 or at least its own; the composite's change absorbs the
 * absorbed character's change minus one. */
static void
compose(tok_chars *a)
{
	int starter = -1, max_ccc = -1, i, k, o = 0;
	int32_t p;

	for (i = 0; i < a->n; i++) {
		tok_char c = a->c[i];

		k = ccc(c.cp);
		if (starter >= 0 && (k > 0 ? k > max_ccc : o - 1 == starter) &&
		    (k > 0 || c.cp >= 0x300) && (p = compose_pair(a->c[starter].cp, c.cp)) >= 0) {
			a->c[starter].cp = p;
			a->c[starter].begin += c.begin - 1;
			continue;
		}
		a->c[o++] = c;
		if (k == 0) {
			starter = o - 1;
			max_ccc = -1;
		} else if (k > max_ccc) {
			max_ccc = k;
		}
	}
	a->n = o;
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

void
tok_unicode_norm(const tok_chars *in, tok_chars *out, bool compat, bool compose_too,
		 tok_chars *d)
{
	int i, pos = 0;

	out->n = 0;
	/* Nothing below U+00A0 decomposes, composes or reorders. */
	if (all_below(in, 0xA0)) {
		for (i = 0; i < in->n; i++)
			tok_chars_push(out, in->c[i].cp, in->c[i].begin, in->c[i].end);
		return;
	}
	decompose(in, d, compat);
	reorder(d);
	if (compose_too)
		compose(d);
	for (i = 0; i < d->n; i++)
		tok_chars_emit(out, in, &pos, d->c[i].cp, d->c[i].begin);
}
