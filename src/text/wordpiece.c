/* wordpiece.c — greedy longest-match-first WordPiece, as in BERT.
 *
 * From each position the longest vocabulary piece wins (with the
 * continuing-subword prefix, "##", after the first); if some position has
 * no piece at all, the whole word is one unknown token.  Candidates longer
 * than the longest vocabulary entry are never tried, and a candidate stops
 * growing as soon as no piece starts with it, which keeps long words cheap.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

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
	o->t[o->n].type = 0;
	o->t[o->n].seq = 0;
	o->t[o->n].seg = 0;
	o->t[o->n].word = -1;
	o->n++;
}

/* The word as UTF-8 in ws->s; off[i] is where char i starts. */
int *
tok_word_utf8(const tok_char *w, int n, tok_mws *ws)
{
	int i, *off;

	if (ws->sym_cap < n + 1) {
		ws->sym_cap = n + 1;
		ws->sym = xrealloc(ws->sym, (size_t)ws->sym_cap * 5 * sizeof *ws->sym);
	}
	off = ws->sym;
	ws->s.n = 0;
	tok_str_put(&ws->s, "", 0);
	for (i = 0; i < n; i++) {
		off[i] = (int)ws->s.n;
		tok_str_cp(&ws->s, w[i].cp);
	}
	off[n] = (int)ws->s.n;
	return off;
}

/* Id of the longest piece at char start, setting *end; -1 if none.  The
 * candidate grows one char at a time with its hash. */
static int
longest_piece(const tok_model *m, tok_mws *ws, const int *off, int n, int start, int *end)
{
	const tok_table *v = m->vocab;
	size_t maxlen = tok_table_max_piece(v), len = 0, rest;
	const char *s = ws->s.s + off[start];
	uint64_t h = TOK_HASH_BASIS;
	int e, id, best = -1;

	if (start > 0 && m->prefix != NULL && m->prefix[0] != '\0') {
		/* continuation candidates: the prefix, then the bytes from start */
		size_t plen = strlen(m->prefix);

		rest = (size_t)(off[n] - off[start]);
		ws->s2.n = 0;
		tok_str_put(&ws->s2, m->prefix, plen);
		tok_str_put(&ws->s2, s, rest < maxlen ? rest : maxlen);
		s = ws->s2.s;
		h = tok_hash_step(h, m->prefix, plen);
		len = plen;
	}
	for (e = start + 1; e <= n; e++) {
		h = tok_hash_step(h, ws->s.s + off[e - 1], (size_t)(off[e] - off[e - 1]));
		len += (size_t)(off[e] - off[e - 1]);
		if (len > maxlen || !tok_table_is_prefix(v, h))
			break;
		id = tok_table_find_hashed(v, h, s, len);
		if (id >= 0) {
			best = id;
			*end = e;
		}
	}
	return best;
}

void
tok_wordpiece(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws)
{
	int start = 0, end = 0, id, first = out->n, *off;

	if (n == 0)
		return;
	if (n > m->max_chars) {
		tok_out_push(out, m->unk, w[0].begin, w[n - 1].end);
		return;
	}
	off = tok_word_utf8(w, n, ws);
	while (start < n) {
		id = longest_piece(m, ws, off, n, start, &end);
		if (id < 0) {
			out->n = first;
			tok_out_push(out, m->unk, w[0].begin, w[n - 1].end);
			return;
		}
		tok_out_push(out, id, w[start].begin, w[end - 1].end);
		start = end;
	}
}
