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
 *
 * Words repeat: like Hugging Face's BPE, a word's result is cached by its
 * text (tok_bcache, in the caller's workspace) and the next time it is
 * copied out instead of merged again.
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

/* ---- the word cache ------------------------------------------------------ */

void
tok_bcache_free(tok_bcache *c)
{
	free(c->hash);
	free(c->key);
	free(c->klen);
	free(c->rec);
	free(c->nrec);
	free(c->arena);
	free(c->trec);
	memset(c, 0, sizeof *c);
}

static uint64_t
word_hash(const char *s, size_t n)
{
	uint64_t h = tok_hash_step(TOK_HASH_BASIS, s, n);

	return h != 0 ? h : 1;
}

/* The slot of key s[0..n) (hash h): its own, or the empty one to take. */
static size_t
cache_slot(const tok_bcache *c, uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = (size_t)h & (c->cap - 1);; i = (i + 1) & (c->cap - 1))
		if (c->hash[i] == 0 || (c->hash[i] == h && c->klen[i] == n &&
		    memcmp(c->arena + c->key[i], s, n) == 0))
			return i;
}

/* Copy a cached word's tokens out; false when it is not cached. */
static bool
cache_get(tok_mws *ws, const tok_model *m, const tok_char *w, const char *s, size_t n,
	  uint64_t h, tok_out *out)
{
	tok_bcache *c = &ws->cache;
	size_t i;

	if (c->m != m || c->cap == 0)
		return false;
	i = cache_slot(c, h, s, n);
	if (c->hash[i] == 0)
		return false;
	for (uint32_t k = 0; k < c->nrec[i]; k++) {
		const int32_t *r = c->trec + 3 * ((size_t)c->rec[i] + k);

		tok_out_push(out, r[0], w[r[1]].begin, w[r[2] - 1].end);
	}
	return true;
}

static void
cache_put(tok_mws *ws, const tok_model *m, const char *s, size_t n, uint64_t h,
	  const int *sym, int k)
{
	tok_bcache *c = &ws->cache;
	size_t i, cnt = 0;

	if (c->m != m) {
		tok_bcache_free(c);
		c->m = m;
	}
	if (c->cap == 0) {
		c->cap = 16384;   /* a power of two, under 2/3 full at TOK_BPE_CACHE */
		c->hash = xcalloc(c->cap, sizeof *c->hash);
		c->key = xmalloc(c->cap * sizeof *c->key);
		c->klen = xmalloc(c->cap * sizeof *c->klen);
		c->rec = xmalloc(c->cap * sizeof *c->rec);
		c->nrec = xmalloc(c->cap * sizeof *c->nrec);
	}
	if (c->n >= TOK_BPE_CACHE)
		return;
	for (int j = 0; j >= 0 && j < k; j = sym[j * S_N + S_NEXT])
		cnt++;
	if (c->an + n > c->acap) {
		c->acap = 2 * (c->an + n) + 4096;
		c->arena = xrealloc(c->arena, c->acap);
	}
	if (c->tn + cnt > c->tcap) {
		c->tcap = 2 * (c->tn + cnt) + 1024;
		c->trec = xrealloc(c->trec, 3 * c->tcap * sizeof *c->trec);
	}
	i = cache_slot(c, h, s, n);
	if (c->hash[i] != 0)
		return;
	memcpy(c->arena + c->an, s, n);
	c->hash[i] = h;
	c->key[i] = (uint32_t)c->an;
	c->klen[i] = (uint32_t)n;
	c->rec[i] = (uint32_t)c->tn;
	c->nrec[i] = (uint32_t)cnt;
	c->an += n;
	for (int j = 0; j >= 0 && j < k; j = sym[j * S_N + S_NEXT]) {
		int32_t *r = c->trec + 3 * c->tn++;

		r[0] = sym[j * S_N + S_ID];
		r[1] = sym[j * S_N + S_B];
		r[2] = sym[j * S_N + S_E];
	}
	c->n++;
}

/* SentencePiece's rev_merge (bpe_model.cc): for each UNUSED piece, the
 * last pair of symbols seen to make it — noted whenever such a pair is
 * queued, merged or not — so that it can be split back into them. */
static void
rev_note(const tok_model *m, tok_mws *ws, int id, int a, int b)
{
	int i;

	if (m->unused == NULL || !m->unused[id])
		return;
	for (i = 0; i < ws->rev_n && ws->rev[3 * i] != id; i++)
		;
	if (i == ws->rev_n) {
		if (ws->rev_n == ws->rev_cap) {
			ws->rev_cap = 2 * ws->rev_cap + 16;
			ws->rev = xrealloc(ws->rev, 3 * (size_t)ws->rev_cap * sizeof *ws->rev);
		}
		ws->rev[3 * ws->rev_n++] = id;
	}
	ws->rev[3 * i + 1] = a;
	ws->rev[3 * i + 2] = b;
}

static void
push_merge(heap *q, const tok_model *m, tok_mws *ws, const tok_merge *mg, int pos)
{
	heap_push(q, mg->rank, pos, mg->id);
	rev_note(m, ws, mg->id, mg->a, mg->b);
}

/* Token id over chars [b, e) of w, an UNUSED piece split back into the
 * symbols it was made of, recursively (bpe_model.cc's resegment). */
static void
resegment(const tok_model *m, const tok_mws *ws, const tok_char *w, int id, int b, int e,
	  tok_out *out)
{
	if (m->unused != NULL && id >= 0 && m->unused[id])
		for (int i = 0; i < ws->rev_n; i++)
			if (ws->rev[3 * i] == id) {
				int left = ws->rev[3 * i + 1], cut = b;
				size_t len = 0;
				const char *p = tok_table_piece(m->vocab, left, &len);

				for (size_t k = 0; p != NULL && k < len; k++)
					cut += ((unsigned char)p[k] & 0xC0) != 0x80;
				if (cut <= b || cut >= e)
					break;
				resegment(m, ws, w, left, b, cut, out);
				resegment(m, ws, w, ws->rev[3 * i + 2], cut, e, out);
				return;
			}
	tok_out_push(out, id, w[b].begin, w[e - 1].end);
}

void
tok_bpe(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws)
{
	heap q = { ws->heap, 0, ws->heap_cap };
	const tok_merge *mg;
	int *sym, k, i;
	uint64_t h = 0;
	bool cacheable;

	if (n == 0)
		return;
	/* the word's text, the cache's key (ws->s; ws->sym is free again after) */
	tok_word_utf8(w, n, ws);
	/* a word's split of an UNUSED piece depends on the pairs seen in it */
	cacheable = ws->s.n <= TOK_BPE_CACHE_LEN && m->unused == NULL;
	if (cacheable) {
		h = word_hash(ws->s.s, ws->s.n);
		if (cache_get(ws, m, w, ws->s.s, ws->s.n, h, out))
			return;
	}
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
	ws->rev_n = 0;
	for (i = 0; i + 1 < k; i++)
		if ((mg = tok_bpe_find_merge(m, sym[i * S_N + S_ID], sym[(i + 1) * S_N + S_ID])) != NULL)
			push_merge(&q, m, ws, mg, i);
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
			push_merge(&q, m, ws, mg, s[S_PREV]);
		if (nx >= 0 && (mg = tok_bpe_find_merge(m, s[S_ID], sym[nx * S_N + S_ID])) != NULL)
			push_merge(&q, m, ws, mg, top.pos);
	}
	ws->heap = q.h;
	ws->heap_cap = q.cap;
	for (i = 0; i >= 0 && i < k; i = sym[i * S_N + S_NEXT])
		resegment(m, ws, w, sym[i * S_N + S_ID], sym[i * S_N + S_B], sym[i * S_N + S_E], out);
	if (cacheable && k > 0)
		cache_put(ws, m, ws->s.s, ws->s.n, h, sym, k);
}
