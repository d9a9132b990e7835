/* vocab.c — a table of pieces and ids, both ways.
 *
 * Ids are dense from 0 (a tokenizer.json may leave holes; they have no
 * piece).  An open-addressing hash table maps piece bytes to the id that
 * was set last for them: Hugging Face's vocab.txt reader fills a map line
 * by line, so a duplicated line keeps the later id.  A second table holds
 * the hashes of every prefix of every piece, so WordPiece can stop growing
 * a candidate as soon as no piece starts with it.
 */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tok_table {
	char **piece;       /* [cap], NULL = no piece */
	size_t *len;        /* [cap] */
	int n, cap, count;
	uint64_t *hash;     /* [n] */
	int *slot;          /* [mask + 1] ids, -1 = empty */
	size_t mask;
	uint64_t *pre;      /* [pre_mask + 1] prefix hashes, 0 = empty */
	size_t pre_mask;
	size_t max_len;
};

/* FNV-1a, byte by byte so that a candidate's hash grows with it. */
uint64_t
tok_hash_step(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* FNV's low bits are weak for short keys: mix before masking. */
static size_t
spread(uint64_t h, size_t mask)
{
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (size_t)h & mask;
}

tok_table *
tok_table_new(void)
{
	return xcalloc(1, sizeof(tok_table));
}

void
tok_table_free(tok_table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->piece[i]);
	free(t->piece);
	free(t->len);
	free(t->hash);
	free(t->slot);
	free(t->pre);
	free(t);
}

void
tok_table_set(tok_table *t, int id, const char *s, size_t n)
{
	if (id >= t->cap) {
		int cap = t->cap ? t->cap : 256;

		while (cap <= id)
			cap *= 2;
		t->piece = xrealloc(t->piece, (size_t)cap * sizeof *t->piece);
		t->len = xrealloc(t->len, (size_t)cap * sizeof *t->len);
		memset(t->piece + t->cap, 0, (size_t)(cap - t->cap) * sizeof *t->piece);
		memset(t->len + t->cap, 0, (size_t)(cap - t->cap) * sizeof *t->len);
		t->cap = cap;
	}
	if (id >= t->n)
		t->n = id + 1;
	if (t->piece[id] == NULL)
		t->count++;
	free(t->piece[id]);
	t->piece[id] = xmalloc(n + 1);
	memcpy(t->piece[id], s, n);
	t->piece[id][n] = '\0';
	t->len[id] = n;
	if (n > t->max_len)
		t->max_len = n;
}

int
tok_table_find_hashed(const tok_table *t, uint64_t h, const char *s, size_t n)
{
	size_t i;
	int id;

	if (t->slot == NULL)
		return -1;
	for (i = spread(h, t->mask);; i = (i + 1) & t->mask) {
		id = t->slot[i];
		if (id < 0)
			return -1;
		if (t->hash[id] == h && t->len[id] == n && memcmp(t->piece[id], s, n) == 0)
			return id;
	}
}

int
tok_table_find(const tok_table *t, const char *s, size_t n)
{
	return tok_table_find_hashed(t, tok_hash_step(TOK_HASH_BASIS, s, n), s, n);
}

static uint64_t
nonzero(uint64_t h)
{
	return h ? h : 1;
}

bool
tok_table_is_prefix(const tok_table *t, uint64_t h)
{
	size_t i;

	h = nonzero(h);
	for (i = spread(h, t->pre_mask); t->pre[i] != 0; i = (i + 1) & t->pre_mask)
		if (t->pre[i] == h)
			return true;
	return false;
}

static void
add_prefix(tok_table *t, uint64_t h)
{
	size_t i;

	h = nonzero(h);
	for (i = spread(h, t->pre_mask); t->pre[i] != 0; i = (i + 1) & t->pre_mask)
		if (t->pre[i] == h)
			return;
	t->pre[i] = h;
}

/* Insert id; an id already holding the same piece gives way (last wins). */
static void
insert(tok_table *t, int id)
{
	size_t i;
	int o;

	for (i = spread(t->hash[id], t->mask);; i = (i + 1) & t->mask) {
		o = t->slot[i];
		if (o < 0 || (t->len[o] == t->len[id] &&
			      memcmp(t->piece[o], t->piece[id], t->len[id]) == 0)) {
			t->slot[i] = id;
			return;
		}
	}
}

static size_t
table_size(size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	return cap;
}

void
tok_table_index(tok_table *t)
{
	size_t cap = table_size((size_t)t->n), bytes = 0, k;
	uint64_t h;
	int i;

	free(t->hash);
	free(t->slot);
	free(t->pre);
	t->hash = xcalloc((size_t)t->n + 1, sizeof *t->hash);
	t->mask = cap - 1;
	t->slot = xmalloc(cap * sizeof *t->slot);
	memset(t->slot, 0xff, cap * sizeof *t->slot);
	for (i = 0; i < t->n; i++) {
		if (t->piece[i] == NULL)
			continue;
		t->hash[i] = tok_hash_step(TOK_HASH_BASIS, t->piece[i], t->len[i]);
		insert(t, i);
		bytes += t->len[i];
	}
	/* At most one prefix per byte of the pieces. */
	cap = table_size(bytes);
	t->pre_mask = cap - 1;
	t->pre = xcalloc(cap, sizeof *t->pre);
	for (i = 0; i < t->n; i++) {
		h = TOK_HASH_BASIS;
		for (k = 0; t->piece[i] != NULL && k < t->len[i]; k++) {
			h = tok_hash_step(h, t->piece[i] + k, 1);
			add_prefix(t, h);
		}
	}
}

int
tok_table_size(const tok_table *t)
{
	return t->n;
}

int
tok_table_count(const tok_table *t)
{
	return t->count;
}

const char *
tok_table_piece(const tok_table *t, int id, size_t *len)
{
	if (id < 0 || id >= t->n || t->piece[id] == NULL)
		return NULL;
	if (len != NULL)
		*len = t->len[id];
	return t->piece[id];
}

size_t
tok_table_max_piece(const tok_table *t)
{
	return t->max_len;
}

void
tok_str_cp(tok_str *b, int32_t cp)
{
	char u[4];
	int k;

	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	tok_str_put(b, u, (size_t)k);
}
