/* bpe.c — byte-pair encoding, as Hugging Face's BPE model merges.
 *
 * A word starts as one symbol per character (the continuing-subword
 * prefix on all but the first, the end-of-word suffix on the last; an
 * unknown character becomes its <0xXX> byte pieces with byte_fallback,
 * else the unknown token, fused with its unknown neighbours when
 * fuse_unk).  Then the pair with the lowest merge rank, leftmost first, is
 * merged until none is left: a binary heap of candidate merges, where an
 * entry whose symbols have changed since it was pushed is skipped — the
 * same order as Rust's Word::merge_all without dropout.
 */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t
pair_slot(int a, int b, size_t mask)
{
	uint64_t h = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;

	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return (size_t)h & mask;
}

/* The table grows at half full; entries with rank -1 are empty. */
void
tok_bpe_add_merge(tok_model *m, int a, int b, int rank, int id)
{
	size_t i, cap;

	if (m->merge == NULL || m->merge_n * 2 + 2 > m->merge_mask + 1) {
		tok_merge *old = m->merge;
		size_t oldcap = old ? m->merge_mask + 1 : 0, k;

		cap = old ? 2 * oldcap : 1024;
		m->merge = xmalloc(cap * sizeof *m->merge);
		for (k = 0; k < cap; k++)
			m->merge[k].rank = -1;
		m->merge_mask = cap - 1;
		m->merge_n = 0;
		for (k = 0; k < oldcap; k++)
			if (old[k].rank >= 0)
				tok_bpe_add_merge(m, old[k].a, old[k].b, old[k].rank, old[k].id);
		free(old);
	}
	for (i = pair_slot(a, b, m->merge_mask);; i = (i + 1) & m->merge_mask) {
		tok_merge *e = &m->merge[i];

		if (e->rank < 0) {
			e->a = a;
			e->b = b;
			e->rank = rank;
			e->id = id;
			m->merge_n++;
			return;
		}
		if (e->a == a && e->b == b) {
			/* Rust collects the merges into a map: a repeated
			 * pair takes its last line's rank */
			e->rank = rank;
			e->id = id;
			return;
		}
	}
}

const tok_merge *
tok_bpe_find_merge(const tok_model *m, int a, int b)
{
	size_t i;

	if (m->merge == NULL)
		return NULL;
	for (i = pair_slot(a, b, m->merge_mask);; i = (i + 1) & m->merge_mask) {
		const tok_merge *e = &m->merge[i];

		if (e->rank < 0)
			return NULL;
		if (e->a == a && e->b == b)
			return e;
	}
}

/* Symbols: five ints each. */
enum { S_ID, S_B, S_E, S_PREV, S_NEXT, S_N };

typedef struct tok_hent hent;

static bool
less(const hent *x, const hent *y)
{
	return x->rank != y->rank ? x->rank < y->rank : x->pos < y->pos;
}

typedef struct heap {
	hent *h;
	int n, cap;
} heap;

static void
heap_push(heap *q, int rank, int pos, int id)
{
	int i;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		q->h = xrealloc(q->h, (size_t)q->cap * sizeof *q->h);
	}
	i = q->n++;
	q->h[i] = (hent){ rank, pos, id };
	while (i > 0 && less(&q->h[i], &q->h[(i - 1) / 2])) {
		hent t = q->h[i];

		q->h[i] = q->h[(i - 1) / 2];
		q->h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static hent
heap_pop(heap *q)
{
	hent top = q->h[0];
	int i = 0, l, s;

	q->h[0] = q->h[--q->n];
	for (;;) {
		l = 2 * i + 1;
		s = i;
		if (l < q->n && less(&q->h[l], &q->h[s]))
			s = l;
		if (l + 1 < q->n && less(&q->h[l + 1], &q->h[s]))
			s = l + 1;
		if (s == i)
			break;
		hent t = q->h[i];

		q->h[i] = q->h[s];
		q->h[s] = t;
		i = s;
	}
	return top;
}

static int *
sym_room(tok_mws *ws, int n)
{
	if (ws->sym_cap < n + 1) {
		ws->sym_cap = n + 1;
		ws->sym = xrealloc(ws->sym, (size_t)ws->sym_cap * S_N * sizeof *ws->sym);
	}
	return ws->sym;
}

static int
add_sym(int *sym, int k, int id, int b, int e)
{
	int *s = sym + k * S_N;

	s[S_ID] = id;
	s[S_B] = b;
	s[S_E] = e;
	s[S_PREV] = k - 1;
	s[S_NEXT] = k + 1;
	return k + 1;
}

/* The initial symbols of w; returns their count. */
static int
initial(const tok_model *m, const tok_char *w, int n, tok_mws *ws, int *sym)
{
	int i, k = 0, id, unk_b = -1, unk_e = -1, j;

	for (i = 0; i < n; i++) {
		ws->s2.n = 0;
		tok_str_put(&ws->s2, "", 0);
		if (i > 0 && m->prefix != NULL)
			tok_str_put(&ws->s2, m->prefix, strlen(m->prefix));
		tok_str_cp(&ws->s2, w[i].cp);
		if (i == n - 1 && m->suffix != NULL)
			tok_str_put(&ws->s2, m->suffix, strlen(m->suffix));
		id = tok_table_find(m->vocab, ws->s2.s, ws->s2.n);
		if (id >= 0) {
			if (unk_b >= 0) {
				k = add_sym(sym, k, m->unk, unk_b, unk_e);
				unk_b = -1;
			}
			k = add_sym(sym, k, id, i, i + 1);
			continue;
		}
		if (m->byte_fallback) {
			/* every byte must have its piece, else none is used */
			for (j = 0; j < (int)ws->s2.n && m->byte_id[(unsigned char)ws->s2.s[j]] >= 0; j++)
				;
			if (j == (int)ws->s2.n) {
				if (unk_b >= 0) {
					k = add_sym(sym, k, m->unk, unk_b, unk_e);
					unk_b = -1;
				}
				for (j = 0; j < (int)ws->s2.n; j++)
					k = add_sym(sym, k, m->byte_id[(unsigned char)ws->s2.s[j]], i, i + 1);
				continue;
			}
		}
		if (m->unk < 0)
			continue;   /* no unknown token: the character is dropped */
		if (unk_b >= 0 && m->fuse_unk) {
			unk_e = i + 1;
		} else {
			if (unk_b >= 0)
				k = add_sym(sym, k, m->unk, unk_b, unk_e);
			unk_b = i;
			unk_e = i + 1;
		}
	}
	if (unk_b >= 0)
		k = add_sym(sym, k, m->unk, unk_b, unk_e);
	if (k > 0)
		sym[(k - 1) * S_N + S_NEXT] = -1;
	return k;
}

void
tok_bpe(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws)
{
	heap q = { ws->heap, 0, ws->heap_cap };
	const tok_merge *mg;
	int *sym, k, i;

	if (n == 0)
		return;
	if (m->ignore_merges) {
		ws->s2.n = 0;
		tok_str_put(&ws->s2, "", 0);
		for (i = 0; i < n; i++)
			tok_str_cp(&ws->s2, w[i].cp);
		k = tok_table_find(m->vocab, ws->s2.s, ws->s2.n);
		if (k >= 0) {
			tok_out_push(out, k, w[0].begin, w[n - 1].end);
			return;
		}
	}
	/* byte fallback gives at most 4 symbols per char */
	sym = sym_room(ws, 4 * n);
	k = initial(m, w, n, ws, sym);
	for (i = 0; i + 1 < k; i++)
		if ((mg = tok_bpe_find_merge(m, sym[i * S_N + S_ID], sym[(i + 1) * S_N + S_ID])) != NULL)
			heap_push(&q, mg->rank, i, mg->id);
	while (q.n > 0) {
		hent top = heap_pop(&q);
		int *s = sym + top.pos * S_N, *r, nx;

		if (s[S_ID] < 0 || s[S_NEXT] < 0)
			continue;
		r = sym + s[S_NEXT] * S_N;
		mg = tok_bpe_find_merge(m, s[S_ID], r[S_ID]);
		if (mg == NULL || mg->id != top.id)
			continue;
		s[S_ID] = top.id;
		s[S_E] = r[S_E];
		nx = r[S_NEXT];
		s[S_NEXT] = nx;
		r[S_ID] = -1;
		if (nx >= 0)
			sym[nx * S_N + S_PREV] = top.pos;
		if (s[S_PREV] >= 0 &&
		    (mg = tok_bpe_find_merge(m, sym[s[S_PREV] * S_N + S_ID], s[S_ID])) != NULL)
			heap_push(&q, mg->rank, s[S_PREV], mg->id);
		if (nx >= 0 && (mg = tok_bpe_find_merge(m, s[S_ID], sym[nx * S_N + S_ID])) != NULL)
			heap_push(&q, mg->rank, top.pos, mg->id);
	}
	ws->heap = q.h;
	ws->heap_cap = q.cap;
	for (i = 0; i >= 0 && i < k; i = sym[i * S_N + S_NEXT])
		tok_out_push(out, sym[i * S_N + S_ID], w[sym[i * S_N + S_B]].begin,
			     w[sym[i * S_N + S_E] - 1].end);
}
