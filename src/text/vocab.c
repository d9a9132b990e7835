/* vocab.c — vocab.txt: one piece per line, id = line number.
 *
 * The file is kept in one buffer with each line NUL-terminated in place;
 * an open-addressing hash table maps piece bytes to the first id that
 * carries them (a duplicate line keeps its id for tok_piece, but lookups
 * find the first one).  A second table holds the hashes of every prefix of
 * every piece, so WordPiece can stop growing a candidate as soon as no
 * piece starts with it.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tok_vocab {
	char *buf;          /* the file, lines NUL-terminated */
	char **piece;       /* [n] */
	size_t *len;        /* [n] */
	int n;
	uint64_t *hash;     /* [n] tok_hash of each piece */
	int *slot;          /* [mask + 1] ids, -1 = empty */
	size_t mask;
	uint64_t *pre;      /* [pre_mask + 1] prefix hashes, 0 = empty */
	size_t pre_mask;
	size_t max_len;
	tok_specials sp;
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

int
tok_vocab_find_hashed(const tok_vocab *v, uint64_t h, const char *s, size_t n)
{
	size_t i;
	int id;

	for (i = spread(h, v->mask);; i = (i + 1) & v->mask) {
		id = v->slot[i];
		if (id < 0)
			return -1;
		if (v->hash[id] == h && v->len[id] == n && memcmp(v->piece[id], s, n) == 0)
			return id;
	}
}

int
tok_vocab_find(const tok_vocab *v, const char *s, size_t n)
{
	return tok_vocab_find_hashed(v, tok_hash_step(TOK_HASH_BASIS, s, n), s, n);
}

static uint64_t
nonzero(uint64_t h)
{
	return h ? h : 1;
}

bool
tok_vocab_is_prefix(const tok_vocab *v, uint64_t h)
{
	size_t i;

	h = nonzero(h);
	for (i = spread(h, v->pre_mask); v->pre[i] != 0; i = (i + 1) & v->pre_mask)
		if (v->pre[i] == h)
			return true;
	return false;
}

static void
add_prefix(tok_vocab *v, uint64_t h)
{
	size_t i;

	h = nonzero(h);
	for (i = spread(h, v->pre_mask); v->pre[i] != 0; i = (i + 1) & v->pre_mask)
		if (v->pre[i] == h)
			return;
	v->pre[i] = h;
}

/* Insert id unless its piece is already present (first line wins). */
static void
insert(tok_vocab *v, int id)
{
	size_t i;
	int o;

	for (i = spread(v->hash[id], v->mask);; i = (i + 1) & v->mask) {
		o = v->slot[i];
		if (o < 0) {
			v->slot[i] = id;
			return;
		}
		if (v->len[o] == v->len[id] &&
		    memcmp(v->piece[o], v->piece[id], v->len[id]) == 0)
			return;
	}
}

static int
count_lines(const char *buf, size_t len)
{
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			n++;
	if (len > 0 && buf[len - 1] != '\n')
		n++;   /* last line without a newline */
	return n;
}

/* Cut the buffer into NUL-terminated lines, dropping a CR before each LF. */
static void
split_lines(tok_vocab *v, size_t len)
{
	char *p = v->buf, *end = v->buf + len, *nl;
	int id = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		v->len[id] = (size_t)(nl - p);
		if (v->len[id] > 0 && p[v->len[id] - 1] == '\r')
			p[--v->len[id]] = '\0';
		v->piece[id] = p;
		if (v->len[id] > v->max_len)
			v->max_len = v->len[id];
		id++;
		p = nl + 1;
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

static void
build_tables(tok_vocab *v)
{
	size_t cap = table_size((size_t)v->n), bytes = 0, k;
	uint64_t h;
	int i;

	v->hash = xmalloc((size_t)v->n * sizeof *v->hash);
	v->mask = cap - 1;
	v->slot = xmalloc(cap * sizeof *v->slot);
	memset(v->slot, 0xff, cap * sizeof *v->slot);
	for (i = 0; i < v->n; i++) {
		v->hash[i] = tok_hash_step(TOK_HASH_BASIS, v->piece[i], v->len[i]);
		insert(v, i);
		bytes += v->len[i];
	}
	/* At most one prefix per byte of the file. */
	cap = table_size(bytes);
	v->pre_mask = cap - 1;
	v->pre = xcalloc(cap, sizeof *v->pre);
	for (i = 0; i < v->n; i++) {
		h = TOK_HASH_BASIS;
		for (k = 0; k < v->len[i]; k++) {
			h = tok_hash_step(h, v->piece[i] + k, 1);
			add_prefix(v, h);
		}
	}
}

static void
find_specials(tok_vocab *v)
{
	v->sp.cls = tok_id(v, "[CLS]");
	v->sp.sep = tok_id(v, "[SEP]");
	v->sp.mask = tok_id(v, "[MASK]");
	v->sp.unk = tok_id(v, "[UNK]");
	v->sp.pad = tok_id(v, "[PAD]");
}

int
tok_vocab_parse(const char *buf, size_t len, tok_vocab **out, heed_err *e)
{
	tok_vocab *v;

	*out = NULL;
	if (len == 0)
		return err_set(e, HEED_EFORMAT, "vocabulary is empty");
	v = xcalloc(1, sizeof *v);
	v->n = count_lines(buf, len);
	v->buf = xmalloc(len + 1);
	memcpy(v->buf, buf, len);
	v->buf[len] = '\0';
	v->piece = xmalloc((size_t)v->n * sizeof *v->piece);
	v->len = xmalloc((size_t)v->n * sizeof *v->len);
	split_lines(v, len);
	build_tables(v);
	find_specials(v);
	if (v->sp.unk < 0) {
		tok_vocab_free(v);
		return err_set(e, HEED_EFORMAT, "vocabulary has no [UNK] line");
	}
	*out = v;
	return HEED_OK;
}

int
tok_vocab_load(const char *path, tok_vocab **out, heed_err *e)
{
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	rc = util_read_file(path, &buf, &len, e);
	if (rc < 0)
		return rc;
	rc = tok_vocab_parse(buf, len, out, e);
	free(buf);
	if (rc < 0) {
		/* Name the file: the parser only knows the text. */
		char msg[sizeof e->msg];

		if (e != NULL) {
			memcpy(msg, e->msg, sizeof msg);
			err_set(e, rc, "%s: %s", path, msg);
		}
	}
	return rc;
}

void
tok_vocab_free(tok_vocab *v)
{
	if (v == NULL)
		return;
	free(v->buf);
	free(v->piece);
	free(v->len);
	free(v->hash);
	free(v->slot);
	free(v->pre);
	free(v);
}

int
tok_vocab_size(const tok_vocab *v)
{
	return v->n;
}

int
tok_id(const tok_vocab *v, const char *piece)
{
	return tok_vocab_find(v, piece, strlen(piece));
}

const char *
tok_piece(const tok_vocab *v, int id)
{
	if (id < 0 || id >= v->n)
		return NULL;
	return v->piece[id];
}

tok_specials
tok_vocab_specials(const tok_vocab *v)
{
	return v->sp;
}

size_t
tok_vocab_max_piece(const tok_vocab *v)
{
	return v->max_len;
}
