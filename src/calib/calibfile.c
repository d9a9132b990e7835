/* calibfile.c — the calibration file, DIR/heed.calib beside a model.
 *
 * Binary, little-endian, versioned:
 *
 *   0   magic "HEEDCAL\0"            8 bytes
 *   8   u32 version (CALIB_FORMAT_VERSION)
 *   12  u32 flags (bit 0: dense synthesizer weights present)
 *   16  u64 model hash (config_hash of the model it belongs to)
 *   24  u32 layers, heads, hidden, L, rank, reserved (0)
 *   48  u64 sentences, random seed
 *   64  u64 fingerprint (model_fingerprint: weights and tokenizer)
 *   72  u64 rows (attention rows behind the statistics), synth sentences
 *   88  u32 shard, shards (--shard K/N; 0, 0 when none)
 *   96  f64 sum[layers][heads][L][L], f64 count[L][L]
 *       f32 W1[lh][rank][hidden], b1[lh][rank], W2[lh][L][rank], b2[lh][L]  (if flag)
 *       f64 stats[lh][9] (calib_head_stats field order)
 *   end u64 checksum: util_hash64 of every byte before it
 *
 * Nothing in it depends on the time, the host or the thread count (version
 * 1 had a date here): the same calibration is the same bytes.
 *
 * Every size is computed with overflow checks and must equal the buffer
 * length exactly, so a truncated or doctored file is refused before any
 * array is read.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "heed/calib.h"

#define CALIB_MAGIC "HEEDCAL"     /* 7 characters + NUL = 8 bytes */
#define HEADER_SIZE 96
#define STATS_FIELDS 9
#define FLAG_SYNTH 1u

char *
calib_default_path(const char *model_dir)
{
	return xasprintf("%s/heed.calib", model_dir);
}

/* ---- little-endian encoding --------------------------------------------- */

typedef struct wbuf {
	uint8_t *p;
	size_t len;
} wbuf;

static void
put_u32(wbuf *w, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		w->p[w->len++] = (uint8_t)(v >> (8 * k));
}

static void
put_u64(wbuf *w, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		w->p[w->len++] = (uint8_t)(v >> (8 * k));
}

static void
put_f64s(wbuf *w, const double *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint64_t bits;
		memcpy(&bits, &v[k], 8);
		put_u64(w, bits);
	}
}

static void
put_f32s(wbuf *w, const float *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t bits;
		memcpy(&bits, &v[k], 4);
		put_u32(w, bits);
	}
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static const uint8_t *
get_f64s(const uint8_t *p, double *v, size_t n)
{
	for (size_t k = 0; k < n; k++, p += 8) {
		uint64_t bits = get_u64(p);
		memcpy(&v[k], &bits, 8);
	}
	return p;
}

static const uint8_t *
get_f32s(const uint8_t *p, float *v, size_t n)
{
	for (size_t k = 0; k < n; k++, p += 4) {
		uint32_t bits = get_u32(p);
		memcpy(&v[k], &bits, 4);
	}
	return p;
}

/* ---- sizes ------------------------------------------------------------ */

typedef struct dims {
	size_t nh, ll, sum, count, w1, b1, w2, b2, stats; /* element counts */
	size_t total;                                     /* bytes */
} dims;

static bool
mul(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

static bool
add_bytes(size_t *total, size_t n, size_t width)
{
	size_t bytes;

	return mul(n, width, &bytes) && !__builtin_add_overflow(*total, bytes, total);
}

/* Element counts and file size for the given shape; false on overflow. */
static bool
dims_compute(dims *d, size_t layers, size_t heads, size_t hidden, size_t L, size_t rank,
	     bool synth)
{
	memset(d, 0, sizeof(*d));
	if (!mul(layers, heads, &d->nh) || !mul(L, L, &d->ll) || !mul(d->nh, d->ll, &d->sum) ||
	    !mul(d->nh, STATS_FIELDS, &d->stats))
		return false;
	d->count = d->ll;
	if (synth) {
		size_t rh, lr;
		if (!mul(rank, hidden, &rh) || !mul(d->nh, rh, &d->w1) ||
		    !mul(d->nh, rank, &d->b1) || !mul(L, rank, &lr) || !mul(d->nh, lr, &d->w2) ||
		    !mul(d->nh, L, &d->b2))
			return false;
	}
	d->total = HEADER_SIZE + 8;
	return add_bytes(&d->total, d->sum, 8) && add_bytes(&d->total, d->count, 8) &&
	    add_bytes(&d->total, d->w1, 4) && add_bytes(&d->total, d->b1, 4) &&
	    add_bytes(&d->total, d->w2, 4) && add_bytes(&d->total, d->b2, 4) &&
	    add_bytes(&d->total, d->stats, 8);
}

/* ---- save ----------------------------------------------------------------- */

static void
put_stats(wbuf *w, const calib_head_stats *s, size_t nh)
{
	for (size_t k = 0; k < nh; k++) {
		const double v[STATS_FIELDS] = { s[k].entropy, s[k].cls, s[k].sep, s[k].self,
			s[k].prev, s[k].next, s[k].jsd, s[k].synth_loss, s[k].uniform_loss };
		put_f64s(w, v, STATS_FIELDS);
	}
}

int
calib_save(const char *path, const calib *c, heed_err *e)
{
	dims d;
	wbuf w;
	int rc;

	if (!dims_compute(&d, c->layers, c->heads, c->hidden, c->L, c->rank, c->has_synth))
		return err_set(e, HEED_EINVAL, "%s: calibration too large to write", path);
	w.p = xmalloc(d.total);
	w.len = 0;
	memcpy(w.p, CALIB_MAGIC, 8);
	w.len = 8;
	put_u32(&w, CALIB_FORMAT_VERSION);
	put_u32(&w, c->has_synth ? FLAG_SYNTH : 0);
	put_u64(&w, c->model_hash);
	put_u32(&w, (uint32_t)c->layers);
	put_u32(&w, (uint32_t)c->heads);
	put_u32(&w, (uint32_t)c->hidden);
	put_u32(&w, (uint32_t)c->L);
	put_u32(&w, c->has_synth ? (uint32_t)c->rank : 0);   /* no synthesizers: no width */
	put_u32(&w, 0);
	put_u64(&w, c->sentences);
	put_u64(&w, c->random_seed);
	put_u64(&w, c->fingerprint);
	put_u64(&w, c->rows);
	put_u64(&w, c->has_synth ? c->synth_sentences : 0);
	put_u32(&w, (uint32_t)c->shard);
	put_u32(&w, (uint32_t)c->shards);
	put_f64s(&w, c->sum, d.sum);
	put_f64s(&w, c->count, d.count);
	if (c->has_synth) {
		put_f32s(&w, c->syn_w1, d.w1);
		put_f32s(&w, c->syn_b1, d.b1);
		put_f32s(&w, c->syn_w2, d.w2);
		put_f32s(&w, c->syn_b2, d.b2);
	}
	put_stats(&w, c->stats, d.nh);
	put_u64(&w, util_hash64(w.p, w.len, 0));
	rc = util_write_atomic(path, w.p, w.len, e);
	free(w.p);
	return rc;
}

/* ---- parse ---------------------------------------------------------------- */

typedef struct header {
	uint32_t version, flags, layers, heads, hidden, L, rank, shard, shards;
	uint64_t hash, sentences, seed, fingerprint, rows, synth_sentences;
} header;

static void
header_read(const uint8_t *b, header *h)
{
	h->version = get_u32(b + 8);
	h->flags = get_u32(b + 12);
	h->hash = get_u64(b + 16);
	h->layers = get_u32(b + 24);
	h->heads = get_u32(b + 28);
	h->hidden = get_u32(b + 32);
	h->L = get_u32(b + 36);
	h->rank = get_u32(b + 40);
	h->sentences = get_u64(b + 48);
	h->seed = get_u64(b + 56);
	h->fingerprint = get_u64(b + 64);
	h->rows = get_u64(b + 72);
	h->synth_sentences = get_u64(b + 80);
	h->shard = get_u32(b + 88);
	h->shards = get_u32(b + 92);
}

static int
header_check(const header *h, size_t len, const char *name, dims *d, heed_err *e)
{
	if (h->version != CALIB_FORMAT_VERSION)
		return err_set(e, HEED_EFORMAT, "%s: calibration format version %u, this heed reads "
		    "version %d (re-run heed calibrate)", name, h->version, CALIB_FORMAT_VERSION);
	if (h->flags & ~FLAG_SYNTH)
		return err_set(e, HEED_EFORMAT, "%s: unknown flags 0x%x", name, h->flags);
	if (h->layers == 0 || h->heads == 0 || h->hidden == 0 || h->L < 2 ||
	    h->layers > INT32_MAX || h->heads > INT32_MAX || h->hidden > INT32_MAX ||
	    h->L > INT32_MAX || h->rank > INT32_MAX || ((h->flags & FLAG_SYNTH) && h->rank == 0))
		return err_set(e, HEED_EFORMAT, "%s: impossible shape (layers %u, heads %u, "
		    "hidden %u, L %u, rank %u)", name, h->layers, h->heads, h->hidden, h->L, h->rank);
	if (h->shard > h->shards || (h->shards > 0 && h->shard == 0) || h->shards > INT32_MAX)
		return err_set(e, HEED_EFORMAT, "%s: impossible shard %u of %u", name, h->shard,
		    h->shards);
	if (!dims_compute(d, h->layers, h->heads, h->hidden, h->L, h->rank, h->flags & FLAG_SYNTH))
		return err_set(e, HEED_EFORMAT, "%s: array sizes overflow (layers %u, heads %u, "
		    "hidden %u, L %u, rank %u)", name, h->layers, h->heads, h->hidden, h->L, h->rank);
	if (d->total != len)
		return err_set(e, HEED_EFORMAT, "%s: %s: %zu bytes, the header implies %zu", name,
		    len < d->total ? "truncated" : "trailing data", len, d->total);
	return HEED_OK;
}

static int
model_check(const header *h, const model_config *cfg, uint64_t fingerprint, const char *name,
	    heed_err *e)
{
	if (fingerprint != 0 && h->fingerprint != fingerprint)
		return err_set(e, HEED_EMISMATCH, "%s: calibration belongs to other weights or "
		    "another tokenizer (fingerprint %016llx; this model: %016llx); re-run heed "
		    "calibrate", name, (unsigned long long)h->fingerprint,
		    (unsigned long long)fingerprint);
	if (cfg == NULL)
		return HEED_OK;
	if (h->hash != config_hash(cfg) || (int)h->layers != cfg->layers ||
	    (int)h->heads != cfg->heads || (int)h->hidden != cfg->hidden)
		return err_set(e, HEED_EMISMATCH, "%s: calibration belongs to another model "
		    "(%u layers x %u heads, hidden %u, hash %016llx; this model: %d x %d, "
		    "hidden %d, hash %016llx); re-run heed calibrate", name, h->layers, h->heads,
		    h->hidden, (unsigned long long)h->hash, cfg->layers, cfg->heads, cfg->hidden,
		    (unsigned long long)config_hash(cfg));
	return HEED_OK;
}

static const uint8_t *
get_stats(const uint8_t *p, calib_head_stats *s, size_t nh)
{
	for (size_t k = 0; k < nh; k++) {
		double v[STATS_FIELDS];
		p = get_f64s(p, v, STATS_FIELDS);
		s[k] = (calib_head_stats){ v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] };
	}
	return p;
}

static calib *
calib_from(const header *h, const dims *d, const uint8_t *p)
{
	calib *c = xcalloc(1, sizeof(*c));

	c->layers = (int)h->layers;
	c->heads = (int)h->heads;
	c->hidden = (int)h->hidden;
	c->L = (int)h->L;
	c->rank = (int)h->rank;
	c->model_hash = h->hash;
	c->sentences = h->sentences;
	c->random_seed = h->seed;
	c->fingerprint = h->fingerprint;
	c->rows = h->rows;
	c->synth_sentences = h->synth_sentences;
	c->shard = (int)h->shard;
	c->shards = (int)h->shards;
	c->sum = xmalloc(sizeof(double) * d->sum);
	c->count = xmalloc(sizeof(double) * d->count);
	c->avg = xmalloc(sizeof(float) * d->sum);
	c->stats = xmalloc(sizeof(calib_head_stats) * d->nh);
	p = get_f64s(p, c->sum, d->sum);
	p = get_f64s(p, c->count, d->count);
	c->has_synth = h->flags & FLAG_SYNTH;
	if (c->has_synth) {
		c->syn_w1 = xmalloc(sizeof(float) * d->w1);
		c->syn_b1 = xmalloc(sizeof(float) * d->b1);
		c->syn_w2 = xmalloc(sizeof(float) * d->w2);
		c->syn_b2 = xmalloc(sizeof(float) * d->b2);
		p = get_f32s(p, c->syn_w1, d->w1);
		p = get_f32s(p, c->syn_b1, d->b1);
		p = get_f32s(p, c->syn_w2, d->w2);
		p = get_f32s(p, c->syn_b2, d->b2);
	}
	get_stats(p, c->stats, d->nh);
	calib_finish(c);
	return c;
}

int
calib_parse(const uint8_t *buf, size_t len, const char *name,
	    const model_config *cfg, uint64_t fingerprint, calib **out, heed_err *e)
{
	header h;
	dims d;
	int rc;

	*out = NULL;
	if (len < HEADER_SIZE + 8)
		return err_set(e, HEED_EFORMAT, "%s: truncated: %zu bytes is shorter than the "
		    "calibration header", name, len);
	if (memcmp(buf, CALIB_MAGIC, 8) != 0)
		return err_set(e, HEED_EFORMAT, "%s: not a heed calibration file (bad magic)", name);
	header_read(buf, &h);
	if ((rc = header_check(&h, len, name, &d, e)) < 0)
		return rc;
	if (get_u64(buf + len - 8) != util_hash64(buf, len - 8, 0))
		return err_set(e, HEED_EFORMAT, "%s: checksum mismatch: the file is corrupt", name);
	if ((rc = model_check(&h, cfg, fingerprint, name, e)) < 0)
		return rc;
	*out = calib_from(&h, &d, buf + HEADER_SIZE);
	(*out)->digest = get_u64(buf + len - 8);
	return HEED_OK;
}

int
calib_load(const char *path, const model_config *cfg, uint64_t fingerprint, calib **out,
	   heed_err *e)
{
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = util_read_file(path, &buf, &len, e)) < 0)
		return rc;
	rc = calib_parse((const uint8_t *)buf, len, path, cfg, fingerprint, out, e);
	free(buf);
	return rc;
}

/* ---- merge ---------------------------------------------------------------- */

void
calib_drop_synth(calib *c)
{
	free(c->syn_w1);
	free(c->syn_b1);
	free(c->syn_w2);
	free(c->syn_b2);
	c->syn_w1 = c->syn_b1 = c->syn_w2 = c->syn_b2 = NULL;
	c->has_synth = false;
	c->synth_sentences = 0;
	for (int k = 0; k < c->layers * c->heads; k++)
		c->stats[k].synth_loss = c->stats[k].uniform_loss = 0.0;
}

static void
copy_synth(calib *a, const calib *b)
{
	size_t nh = (size_t)b->layers * b->heads;
	size_t w1 = nh * b->rank * b->hidden, b1 = nh * b->rank, w2 = nh * b->L * b->rank;
	size_t b2 = nh * b->L;

	calib_drop_synth(a);
	a->rank = b->rank;
	a->has_synth = true;
	a->synth_sentences = b->synth_sentences;
	a->syn_w1 = xmalloc(sizeof(float) * w1);
	a->syn_b1 = xmalloc(sizeof(float) * b1);
	a->syn_w2 = xmalloc(sizeof(float) * w2);
	a->syn_b2 = xmalloc(sizeof(float) * b2);
	memcpy(a->syn_w1, b->syn_w1, sizeof(float) * w1);
	memcpy(a->syn_b1, b->syn_b1, sizeof(float) * b1);
	memcpy(a->syn_w2, b->syn_w2, sizeof(float) * w2);
	memcpy(a->syn_b2, b->syn_b2, sizeof(float) * b2);
	for (size_t k = 0; k < nh; k++) {
		a->stats[k].synth_loss = b->stats[k].synth_loss;
		a->stats[k].uniform_loss = b->stats[k].uniform_loss;
	}
}

static uint64_t
synth_hash(const calib *c)
{
	size_t nh = (size_t)c->layers * c->heads;
	XXH64_hash_t h = XXH3_64bits(c->syn_w1, sizeof(float) * nh * c->rank * c->hidden);

	h = XXH3_64bits_withSeed(c->syn_b1, sizeof(float) * nh * c->rank, h);
	h = XXH3_64bits_withSeed(c->syn_w2, sizeof(float) * nh * c->L * c->rank, h);
	return XXH3_64bits_withSeed(c->syn_b2, sizeof(float) * nh * c->L, h);
}

/* Does b's synthesizer win over a's: fitted on more sentences, or on as
 * many with the lower hash?  A total order, so any merge order agrees. */
static bool
synth_wins(const calib *b, const calib *a)
{
	if (!b->has_synth)
		return false;
	if (!a->has_synth || b->synth_sentences != a->synth_sentences)
		return !a->has_synth || b->synth_sentences > a->synth_sentences;
	return synth_hash(b) < synth_hash(a);
}

static double
weighted(double ma, double wa, double mb, double wb)
{
	return wa + wb > 0.0 ? (ma * wa + mb * wb) / (wa + wb) : 0.0;
}

/* Means over rows (prev and next over rows that have a neighbour). */
static void
merge_stats(calib *a, const calib *b)
{
	double ra = (double)a->rows, rb = (double)b->rows;
	double aa = (double)(a->rows - a->sentences), ab = (double)(b->rows - b->sentences);

	for (int k = 0; k < a->layers * a->heads; k++) {
		calib_head_stats *x = &a->stats[k];
		const calib_head_stats *y = &b->stats[k];
		x->entropy = weighted(x->entropy, ra, y->entropy, rb);
		x->cls = weighted(x->cls, ra, y->cls, rb);
		x->sep = weighted(x->sep, ra, y->sep, rb);
		x->self = weighted(x->self, ra, y->self, rb);
		x->prev = weighted(x->prev, aa, y->prev, ab);
		x->next = weighted(x->next, aa, y->next, ab);
		x->jsd = weighted(x->jsd, ra, y->jsd, rb);
	}
}

/* Sums and counts add exactly; the statistics are row-weighted means (each
 * file's jsd is measured against its own corpus's averages, so the merged
 * jsd approximates that of one run over both); the synthesizers cannot be
 * combined without the corpora, so the one fitted on the most data is kept. */
int
calib_merge(calib *a, const calib *b, heed_err *e)
{
	size_t nh = (size_t)a->layers * a->heads, ll = (size_t)a->L * a->L;

	if (a->model_hash != b->model_hash || a->layers != b->layers || a->heads != b->heads ||
	    a->hidden != b->hidden)
		return err_set(e, HEED_EMISMATCH, "cannot merge calibrations of different models "
		    "(hash %016llx vs %016llx)", (unsigned long long)a->model_hash,
		    (unsigned long long)b->model_hash);
	if (a->fingerprint != b->fingerprint)
		return err_set(e, HEED_EMISMATCH, "cannot merge calibrations of different weights "
		    "or tokenizers (fingerprint %016llx vs %016llx)",
		    (unsigned long long)a->fingerprint, (unsigned long long)b->fingerprint);
	if (a->L != b->L)
		return err_set(e, HEED_EMISMATCH, "cannot merge calibrations with layout lengths "
		    "%d and %d", a->L, b->L);
	if (a->random_seed != b->random_seed)
		return err_set(e, HEED_EMISMATCH, "cannot merge calibrations with random-mode "
		    "seeds %#llx and %#llx", (unsigned long long)a->random_seed,
		    (unsigned long long)b->random_seed);
	for (size_t k = 0; k < nh * ll; k++)
		a->sum[k] += b->sum[k];
	for (size_t k = 0; k < ll; k++)
		a->count[k] += b->count[k];
	merge_stats(a, b);
	if (synth_wins(b, a))
		copy_synth(a, b);
	a->sentences += b->sentences;
	a->rows += b->rows;
	a->shard = a->shards = 0;
	a->digest = 0;
	calib_finish(a);
	return HEED_OK;
}
