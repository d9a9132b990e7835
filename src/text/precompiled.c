/* precompiled.c — SentencePiece's precompiled normalization charsmap, as
 * Hugging Face's Precompiled normalizer (the spm_precompiled crate) runs
 * it: a Darts-clone double-array trie from byte strings to offsets into a
 * blob of NUL-terminated replacement strings.
 *
 * The blob is a little-endian u32 trie size in bytes, the trie's u32
 * units, then the replacements.  Each extended grapheme cluster under 6
 * bytes is looked up whole first (the trie answers its shortest matching
 * prefix: Rust's quirk, kept), else each of its characters alone.
 *
 * A charsmap read from a .model runs as SentencePiece's own normalizer
 * does (normalizer.cc, NormalizePrefix): at each position the longest
 * prefix the trie knows is replaced, and the text after it is looked at
 * next; where none matches one character stays.  The two differ where a
 * cluster only starts with a key: o + U+0302 + U+0323 is "ô" + U+0323 to
 * SentencePiece and "ô" to Hugging Face.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

struct tok_precompiled {
	bool longest;     /* SentencePiece's longest-prefix rule */
	uint32_t *unit;
	size_t nunit;
	char *norm;
	size_t nnorm;
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int
tok_precompiled_parse(const uint8_t *buf, size_t len, bool longest, tok_precompiled **out,
		      heed_err *e)
{
	tok_precompiled *p;
	uint32_t size;
	size_t i;

	*out = NULL;
	if (len < 4)
		return err_set(e, HEED_EFORMAT, "the precompiled charsmap is truncated");
	size = le32(buf);
	if (size % 4 != 0 || size == 0 || (size_t)size > len - 4)
		return err_set(e, HEED_EFORMAT, "the precompiled charsmap's trie size %u is wrong", size);
	p = xcalloc(1, sizeof *p);
	p->longest = longest;
	p->nunit = size / 4;
	p->unit = xmalloc(p->nunit * sizeof *p->unit);
	for (i = 0; i < p->nunit; i++)
		p->unit[i] = le32(buf + 4 + 4 * i);
	p->nnorm = len - 4 - size;
	p->norm = xmalloc(p->nnorm + 1);
	memcpy(p->norm, buf + 4 + size, p->nnorm);
	p->norm[p->nnorm] = '\0';
	*out = p;
	return HEED_OK;
}

void
tok_precompiled_free(tok_precompiled *p)
{
	if (p == NULL)
		return;
	free(p->unit);
	free(p->norm);
	free(p);
}

static uint32_t
offset_of(uint32_t u)
{
	return (u >> 10) << ((u & (1u << 9)) >> 6);
}

/* The replacement of the shortest prefix of key[0..n) in the trie (the
 * longest with longest), or NULL; *len: the prefix's bytes. */
static const char *
lookup_prefix(const tok_precompiled *p, const uint8_t *key, size_t n, bool longest, size_t *len)
{
	size_t pos = 0, i;
	uint32_t u;
	const char *found = NULL;

	if (p->nunit == 0)
		return NULL;
	u = p->unit[0];
	pos ^= offset_of(u);
	for (i = 0; i < n && key[i] != 0; i++) {
		pos ^= key[i];
		if (pos >= p->nunit)
			return NULL;
		u = p->unit[pos];
		if ((u & ((1u << 31) | 0xFF)) != key[i])
			return found;
		pos ^= offset_of(u);
		if (pos >= p->nunit)
			return found;
		if ((u >> 8) & 1) {
			uint32_t v = p->unit[pos] & 0x7FFFFFFF;

			if (v >= p->nnorm)
				return found;
			found = p->norm + v;
			*len = i + 1;
			if (!longest)
				return found;
		}
	}
	return found;
}

static const char *
lookup(const tok_precompiled *p, const uint8_t *key, size_t n)
{
	size_t len;

	return lookup_prefix(p, key, n, false, &len);
}

/* SentencePiece's rule: the longest key at each position.  The
 * characters a replacement writes span the ones it replaced. */
static void
run_longest(const tok_precompiled *p, const tok_chars *in, tok_chars *out)
{
	uint8_t buf[64];
	size_t off[65], n, len, q;
	int i = 0, j, k;
	const char *r;

	out->n = 0;
	while (i < in->n) {
		/* the text from i, as far as a key can reach */
		n = 0;
		for (j = i; j < in->n && n + 4 <= sizeof buf; j++) {
			off[j - i] = n;
			n += (size_t)utf8proc_encode_char(in->c[j].cp, buf + n);
		}
		off[j - i] = n;
		len = 0;
		r = lookup_prefix(p, buf, n, true, &len);
		for (k = 1; r != NULL && k <= j - i && off[k] < len; k++)
			;
		if (r == NULL || k > j - i || off[k] != len) {
			tok_chars_push(out, in->c[i].cp, in->c[i].begin, in->c[i].end);
			i++;
			continue;
		}
		for (q = 0; r[q] != '\0';) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t m = utf8proc_iterate((const utf8proc_uint8_t *)r + q, -1, &cp);

			if (m < 1)
				break;
			tok_chars_push(out, cp, in->c[i].begin, in->c[i + k - 1].end);
			q += (size_t)m;
		}
		i += k;
	}
}

/* A change list, as Rust's Precompiled builds it. */
typedef struct chg {
	int32_t *cp;
	int *ch;
	int n, cap;
} chg;

static void
chg_push(chg *c, int32_t cp, int change)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->cp = xrealloc(c->cp, (size_t)c->cap * sizeof *c->cp);
		c->ch = xrealloc(c->ch, (size_t)c->cap * sizeof *c->ch);
	}
	c->cp[c->n] = cp;
	c->ch[c->n] = change;
	c->n++;
}

/* Rust's replace(): the new characters with change 0, then the last diff
 * of them marked inserted, or the last one carrying the removal. */
static void
replace(chg *c, int old_count, const char *s)
{
	size_t len = strlen(s), i = 0;
	int new_count = 0, diff, k;
	utf8proc_int32_t cp;
	utf8proc_ssize_t q;

	while (i < len) {
		q = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (q < 1) {
			cp = 0xFFFD;
			q = 1;
		}
		chg_push(c, cp, 0);
		new_count++;
		i += (size_t)q;
	}
	diff = new_count - old_count;
	if (diff > 0) {
		for (k = 0; k < diff && k < c->n; k++)
			c->ch[c->n - 1 - k] = 1;
	} else if (diff < 0 && c->n > 0) {
		c->ch[c->n - 1] += diff;
	}
}

void
tok_precompiled_run(const tok_precompiled *p, const tok_chars *in, tok_chars *out)
{
	if (p->longest) {
		run_longest(p, in, out);
		return;
	}
	chg c = { 0 };
	uint8_t buf[64];
	utf8proc_int32_t state = 0;
	int i = 0, j, g, pos = 0;
	bool modified = false;
	size_t n;
	const char *r;

	out->n = 0;
	while (i < in->n) {
		/* the grapheme cluster [i, g) */
		state = 0;
		for (g = i + 1; g < in->n && !utf8proc_grapheme_break_stateful(in->c[g - 1].cp, in->c[g].cp, &state); g++)
			;
		n = 0;
		for (j = i; j < g && n < 6; j++)
			n += (size_t)utf8proc_encode_char(in->c[j].cp, buf + n);
		if (j == g && n < 6 && (r = lookup(p, buf, n)) != NULL) {
			modified = true;
			replace(&c, g - i, r);
			i = g;
			continue;
		}
		for (j = i; j < g; j++) {
			n = (size_t)utf8proc_encode_char(in->c[j].cp, buf);
			if ((r = lookup(p, buf, n)) != NULL) {
				modified = true;
				replace(&c, 1, r);
			} else {
				chg_push(&c, in->c[j].cp, 0);
			}
		}
		i = g;
	}
	if (!modified) {
		for (i = 0; i < in->n; i++)
			tok_chars_push(out, in->c[i].cp, in->c[i].begin, in->c[i].end);
	} else {
		for (i = 0; i < c.n; i++)
			tok_chars_emit(out, in, &pos, c.cp[i], c.ch[i]);
	}
	free(c.cp);
	free(c.ch);
}
