/* unigram.c — the Unigram model: the segmentation with the highest total
 * score (Viterbi over every vocabulary piece that matches), as Hugging
 * Face's Unigram and SentencePiece compute it.
 *
 * A position no piece of one character covers gets an unknown node
 * scored min_score - 10 (SentencePiece's kUnkPenalty).  Among equal
 * scores the path found first wins: candidates ending at a position are
 * tried by ascending start, shorter pieces first, like Rust's lattice.
 * Consecutive unknowns are fused into one; with byte_fallback an unknown
 * stretch becomes its <0xXX> pieces, each spanning the whole stretch.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define UNK_PENALTY 10.0

static void
room(tok_mws *ws, int n)
{
	if (ws->lat_cap < n + 1) {
		ws->lat_cap = n + 1;
		ws->best = xrealloc(ws->best, (size_t)ws->lat_cap * sizeof *ws->best);
		ws->from = xrealloc(ws->from, (size_t)ws->lat_cap * sizeof *ws->from);
		ws->bid = xrealloc(ws->bid, (size_t)ws->lat_cap * sizeof *ws->bid);
	}
}

static void
relax(tok_mws *ws, int b, int e, int id, double score)
{
	double c = ws->best[b] + score;

	if (ws->from[e] < -1 || c > ws->best[e]) {
		ws->best[e] = c;
		ws->from[e] = b;
		ws->bid[e] = id;
	}
}

/* Emit the tokens of chars [b, e) of w, one piece or an unknown stretch. */
static void
emit(const tok_model *m, const tok_char *w, int b, int e, int id, tok_out *out, tok_mws *ws)
{
	int k;

	if (id != m->unk || !m->byte_fallback) {
		tok_out_push(out, id, w[b].begin, w[e - 1].end);
		return;
	}
	ws->s2.n = 0;
	tok_str_put(&ws->s2, "", 0);
	for (k = b; k < e; k++)
		tok_str_cp(&ws->s2, w[k].cp);
	for (k = 0; k < (int)ws->s2.n; k++)
		if (m->byte_id[(unsigned char)ws->s2.s[k]] < 0)
			break;
	if (k < (int)ws->s2.n) {
		tok_out_push(out, id, w[b].begin, w[e - 1].end);
		return;
	}
	for (k = 0; k < (int)ws->s2.n; k++)
		tok_out_push(out, m->byte_id[(unsigned char)ws->s2.s[k]], w[b].begin, w[e - 1].end);
}

void
tok_unigram(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws)
{
	size_t maxlen = tok_table_max_piece(m->vocab), len;
	int *off, i, e, id, *path, np, j, s;
	uint64_t h;
	bool single;

	if (n == 0)
		return;
	room(ws, n);
	off = tok_word_utf8(w, n, ws);
	for (i = 0; i <= n; i++)
		ws->from[i] = -2;   /* unreached */
	ws->best[0] = 0;
	ws->from[0] = -1;
	for (i = 0; i < n; i++) {
		if (ws->from[i] < -1)
			continue;
		h = TOK_HASH_BASIS;
		len = 0;
		single = false;
		for (e = i + 1; e <= n; e++) {
			h = tok_hash_step(h, ws->s.s + off[e - 1], (size_t)(off[e] - off[e - 1]));
			len += (size_t)(off[e] - off[e - 1]);
			if (len > maxlen || !tok_table_is_prefix(m->vocab, h))
				break;
			id = tok_table_find_hashed(m->vocab, h, ws->s.s + off[i], len);
			if (id >= 0 && m->score != NULL && (m->unused == NULL || !m->unused[id])) {
				relax(ws, i, e, id, m->score[id]);
				if (e == i + 1)
					single = true;
			}
		}
		if (!single)
			relax(ws, i, i + 1, m->unk, m->min_score - UNK_PENALTY);
	}
	/* walk back, fusing unknowns; the path is stored reversed in off */
	path = off;
	np = 0;
	for (e = n; e > 0; e = ws->from[e])
		path[np++] = e;
	j = 0;   /* start of the current token */
	for (i = np - 1; i >= 0; i--) {
		e = path[i];
		s = ws->from[e];
		id = ws->bid[e];
		if (id == m->unk && m->fuse_unk) {
			/* extend while the next node is unknown too */
			int b = s;

			while (i > 0 && ws->bid[path[i - 1]] == m->unk) {
				i--;
				e = path[i];
			}
			emit(m, w, b, e, id, out, ws);
			continue;
		}
		emit(m, w, s, e, id, out, ws);
	}
	(void)j;
}
