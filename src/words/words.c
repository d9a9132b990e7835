/* words.c — pieces merged into words (see words.h). */
#include "heed/words.h"

#include <string.h>

/* Tokens i and i-1 come from the same word of the same sentence. */
static bool
same_word(const tok_token *t, int i)
{
	return t[i].word >= 0 && t[i].word == t[i - 1].word && t[i].seq == t[i - 1].seq;
}

int
words_group(const tok_token *t, int n, int *first)
{
	int nw = 0;

	for (int i = 0; i < n; i++)
		if (i == 0 || !same_word(t, i))
			first[nw++] = i;
	first[nw] = n;
	return nw;
}

void
words_attention(const float *attn, int n, const int *first, int nw, float *out)
{
	for (int a = 0; a < nw; a++) {
		float *row = out + (size_t)a * nw;
		int len = first[a + 1] - first[a];

		memset(row, 0, (size_t)nw * sizeof *row);
		/* sums in double: a long word's row adds many small weights */
		for (int b = 0; b < nw; b++) {
			double s = 0;

			for (int i = first[a]; i < first[a + 1]; i++)
				for (int j = first[b]; j < first[b + 1]; j++)
					s += attn[(size_t)i * n + j];
			row[b] = (float)(s / len);
		}
	}
}

bool
words_attended(const int *first, int a, int b, int window)
{
	int gap;

	if (window < 0)
		return true;
	/* the closest pair of tokens: 0 apart when the words are the same */
	if (a == b)
		return true;
	gap = a < b ? first[b] - (first[a + 1] - 1) : first[a] - (first[b + 1] - 1);
	return gap <= window;
}

/* The longest prefix of s[0..len) that fits in size - 1 bytes, cut where a
 * character starts; room kept for "…" when it is cut. */
static size_t
fit(const char *s, size_t len, size_t size, bool *cut)
{
	static const size_t ell = sizeof "\xe2\x80\xa6" - 1;

	*cut = len + 1 > size;
	if (!*cut)
		return len;
	len = size > ell + 1 ? size - 1 - ell : 0;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

char *
words_text(const tok_vocab *v, const tok_token *t, int n, const int *first, int w,
	   const char *const text[2], char *buf, size_t size)
{
	const tok_token *a = &t[first[w]], *z = &t[first[w + 1] - 1];
	const char *s;
	size_t len;
	bool cut;

	if (size == 0)
		return buf;
	if (a->begin < 0 || z->end < a->begin || a->seq < 0 || a->seq > 1 || text[a->seq] == NULL)
		return tok_display(v, t, n, first[w], buf, size);
	s = text[a->seq] + a->begin;
	len = fit(s, (size_t)(z->end - a->begin), size, &cut);
	memcpy(buf, s, len);
	if (cut && size > len + 3) {
		memcpy(buf + len, "\xe2\x80\xa6", 3);
		len += 3;
	}
	buf[len] = '\0';
	return buf;
}
