/* wordpiece.c — greedy longest-match-first WordPiece, as in BERT.
 *
 * From each position the longest vocabulary piece wins ("##"-prefixed
 * after the first); if some position has no piece at all, the whole word
 * is one [UNK].  Candidates longer than the longest vocabulary entry are
 * never tried, which keeps a 100-character word cheap.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* BERT's max_input_chars_per_word: longer words are [UNK] outright. */
#define MAX_WORD_CHARS 100

void
tok_out_push(tok_out *o, int id, int begin, int end)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->t = xrealloc(o->t, (size_t)o->cap * sizeof *o->t);
	}
	o->t[o->n].id = id;
	o->t[o->n].begin = begin;
	o->t[o->n].end = end;
	o->n++;
}

/* The word as UTF-8; off[i] is where char i starts. */
typedef struct word_utf8 {
	char buf[4 * MAX_WORD_CHARS];
	int off[MAX_WORD_CHARS + 1];
} word_utf8;

static void
encode_word(const tok_char *w, int n, word_utf8 *u)
{
	int i, pos = 0;

	for (i = 0; i < n; i++) {
		u->off[i] = pos;
		pos += (int)utf8proc_encode_char(w[i].cp, (utf8proc_uint8_t *)u->buf + pos);
	}
	u->off[n] = pos;
}

/* Id of the longest piece at char start, setting *end; -1 if none.
 * The candidate grows one char at a time with its hash, and stops as soon
 * as no vocabulary piece begins with it: the same longest match as BERT's
 * shrinking loop, without hashing every candidate from scratch. */
static int
longest_piece(const tok_vocab *v, const word_utf8 *u, int n, int start, int *end)
{
	size_t maxlen = tok_vocab_max_piece(v), len;
	char tmp[2 + sizeof u->buf];
	const char *s = u->buf + u->off[start];
	uint64_t h = TOK_HASH_BASIS;
	int e, id, best = -1;

	if (start > 0) {
		/* Continuation candidates are "##" + the bytes from start. */
		len = (size_t)(u->off[n] - u->off[start]);
		memcpy(tmp, "##", 2);
		memcpy(tmp + 2, s, len < maxlen ? len : maxlen);
		s = tmp;
		h = tok_hash_step(h, "##", 2);
	}
	len = start > 0 ? 2 : 0;
	for (e = start + 1; e <= n; e++) {
		h = tok_hash_step(h, u->buf + u->off[e - 1], (size_t)(u->off[e] - u->off[e - 1]));
		len += (size_t)(u->off[e] - u->off[e - 1]);
		if (len > maxlen || !tok_vocab_is_prefix(v, h))
			break;
		id = tok_vocab_find_hashed(v, h, s, len);
		if (id >= 0) {
			best = id;
			*end = e;
		}
	}
	return best;
}

/* The bytes chars w[0..n) came from; normalization can reorder marks, so
 * the first and last char need not hold the extremes. */
static void
push_span(tok_out *out, int id, const tok_char *w, int n)
{
	int b = w[0].begin, e = w[0].end, i;

	for (i = 1; i < n; i++) {
		if (w[i].begin < b)
			b = w[i].begin;
		if (w[i].end > e)
			e = w[i].end;
	}
	tok_out_push(out, id, b, e);
}

void
tok_wordpiece(const tok_vocab *v, const tok_char *w, int n, tok_out *out)
{
	word_utf8 u;
	int start = 0, end, id, first = out->n;
	int unk = tok_vocab_specials(v).unk;

	if (n == 0)
		return;
	if (n > MAX_WORD_CHARS) {
		push_span(out, unk, w, n);
		return;
	}
	encode_word(w, n, &u);
	while (start < n) {
		id = longest_piece(v, &u, n, start, &end);
		if (id < 0) {
			out->n = first;
			push_span(out, unk, w, n);
			return;
		}
		push_span(out, id, w + start, end - start);
		start = end;
	}
}
