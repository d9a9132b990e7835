/* scan.c — a corpus scan's per-sentence data, its totals and its partial
 * file (scan.h).
 *
 * The file is JSON read by jansson: a scan's data is small next to its
 * compute (for heed-mini about 2 KB a sentence), and jansson writes doubles
 * with 17 significant digits, which read back to the same bits.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "heed/enc.h"
#include "heed/scan.h"

#define SCAN_MAX_FILE ((size_t)1 << 32)

scan_data *
scan_new(const char *name, uint64_t fingerprint, uint64_t seed, int layers, int heads,
	 int nmodes, const uint8_t *mode)
{
	scan_data *d = xcalloc(1, sizeof *d);

	d->model = xstrdup(name != NULL ? name : "");
	d->fingerprint = fingerprint;
	d->seed = seed;
	d->layers = layers;
	d->heads = heads;
	d->LH = layers * heads;
	d->nmodes = nmodes;
	memcpy(d->mode, mode, (size_t)nmodes);
	d->order = xcalloc((size_t)nmodes * SCAN_ORDERS * (size_t)d->LH, sizeof(int));
	return d;
}

static void
sentence_free(scan_sentence *s)
{
	free(s->mask_pos);
	free(s->target);
	free(s->kl);
	free(s->drop);
	free(s->hits);
}

void
scan_free(scan_data *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->count; i++)
		sentence_free(&d->s[i]);
	free(d->s);
	free(d->order);
	free(d->model);
	free(d);
}

static size_t
hits_len(const scan_data *d)
{
	return (size_t)d->nmodes * SCAN_ORDERS * (size_t)(d->LH + 1);
}

scan_sentence *
scan_add(scan_data *d, uint64_t index, int ntok, int nmask)
{
	scan_sentence *s;
	size_t cells = (size_t)d->nmodes * (size_t)d->LH;

	if (d->count == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->s = xrealloc(d->s, sizeof(*d->s) * d->cap);
	}
	s = &d->s[d->count++];
	s->index = index;
	s->ntok = ntok;
	s->nmask = nmask;
	s->mask_pos = xcalloc((size_t)(nmask > 0 ? nmask : 1), sizeof(int));
	s->target = xcalloc((size_t)(nmask > 0 ? nmask : 1), sizeof(int));
	s->kl = xcalloc(cells, sizeof(double));
	s->drop = xcalloc(cells, sizeof(double));
	s->hits = d->has_curve ? xcalloc(hits_len(d), sizeof(int)) : NULL;
	return s;
}

void
scan_add_curves(scan_data *d)
{
	d->has_curve = true;
	for (size_t i = 0; i < d->count; i++)
		if (d->s[i].hits == NULL)
			d->s[i].hits = xcalloc(hits_len(d), sizeof(int));
}

/* ---- masks -------------------------------------------------------------- */

int
scan_pick_masks(uint64_t seed, uint64_t index, const int *ids, int n, const int *special,
		int nspecial, int *pos)
{
	uint64_t st = util_mix64(seed ^ util_mix64(index + 1));
	int cand = 0, k;

	for (int i = 0; i < n; i++) {
		bool skip = false;
		for (int j = 0; j < nspecial && !skip; j++)
			skip = special[j] >= 0 && ids[i] == special[j];
		if (!skip)
			pos[cand++] = i;
	}
	if (cand == 0)
		return 0;
	k = (int)floor(SCAN_RATE * cand + 0.5);
	k = k < 1 ? 1 : k;
	/* a partial Fisher–Yates shuffle: the first k are the masks */
	for (int i = 0; i < k; i++) {
		int j = i + (int)(util_uniform01(&st) * (double)(cand - i)), t = pos[i];
		pos[i] = pos[j];
		pos[j] = t;
	}
	/* ascending (insertion: k is a few dozen at most) */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && pos[j - 1] > pos[j]; j--) {
			int t = pos[j];
			pos[j] = pos[j - 1];
			pos[j - 1] = t;
		}
	return k;
}

/* ---- totals ------------------------------------------------------------- */

static double
mean_of(const scan_data *d, int mi, int lh, bool drop)
{
	double sum = 0.0;

	for (size_t i = 0; i < d->count; i++)
		sum += (drop ? d->s[i].drop : d->s[i].kl)[(size_t)mi * d->LH + lh];
	return d->count > 0 ? sum / (double)d->count : NAN;
}

void
scan_rank(const scan_data *d, int mi, int *order)
{
	double *key = xmalloc(sizeof(double) * (size_t)d->LH);

	for (int lh = 0; lh < d->LH; lh++)
		key[lh] = mean_of(d, mi, lh, false);
	enc_rank_by(key, d->LH, order);
	free(key);
}

void
scan_set_orders(scan_data *d, const scan_data *imp, const int *papa)
{
	for (int mi = 0; mi < d->nmodes; mi++) {
		int *o = d->order + (size_t)mi * SCAN_ORDERS * d->LH;
		scan_rank(imp, mi, o + (size_t)SCAN_BY_IMPORTANCE * d->LH);
		for (int lh = 0; lh < d->LH; lh++)
			o[(size_t)SCAN_BY_PAPA * d->LH + lh] = papa != NULL ? papa[lh] : lh;
	}
	d->has_papa = papa != NULL;
}

/* Student's t, two-sided 95%, for df degrees of freedom: the table to 30,
 * then Cornish–Fisher's expansion around 1.96 (within 1e-4 there). */
static double
t95(uint64_t df)
{
	static const double t[31] = { 0, 12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
		2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098,
		2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518,
		2.0484, 2.0452, 2.0423 };
	const double z = 1.959964;
	double v = (double)df;

	if (df <= 30)
		return t[df];
	return z + (z * z * z + z) / (4.0 * v) + (5 * pow(z, 5) + 16 * pow(z, 3) + 3 * z) / (96.0 * v * v);
}

void
scan_head_stat(const scan_data *d, int mi, int lh, bool drop, scan_stat *st)
{
	double mean = mean_of(d, mi, lh, drop), ss = 0.0;

	st->mean = mean;
	if (d->count < 2) {
		st->half = NAN;
		return;
	}
	for (size_t i = 0; i < d->count; i++) {
		double x = (drop ? d->s[i].drop : d->s[i].kl)[(size_t)mi * d->LH + lh] - mean;
		ss += x * x;
	}
	st->half = t95(d->count - 1) * sqrt(ss / (double)(d->count - 1) / (double)d->count);
}

uint64_t
scan_masks(const scan_data *d)
{
	uint64_t m = 0;

	for (size_t i = 0; i < d->count; i++)
		m += (uint64_t)d->s[i].nmask;
	return m;
}

void
scan_curve(const scan_data *d, int mi, int o, double *acc)
{
	uint64_t masks = scan_masks(d);

	for (int k = 0; k <= d->LH; k++) {
		uint64_t hits = 0;
		for (size_t i = 0; d->has_curve && i < d->count; i++)
			hits += (uint64_t)d->s[i].hits[((size_t)mi * SCAN_ORDERS + (size_t)o) * (size_t)(d->LH + 1) + (size_t)k];
		acc[k] = masks > 0 ? (double)hits / (double)masks : NAN;
	}
}

/* ---- merging ------------------------------------------------------------ */

static int
by_index(const void *a, const void *b)
{
	uint64_t x = ((const scan_sentence *)a)->index, y = ((const scan_sentence *)b)->index;

	return x < y ? -1 : x > y;
}

int
scan_sort(scan_data *d, heed_err *e)
{
	if (d->count > 0)
		qsort(d->s, d->count, sizeof(*d->s), by_index);
	for (size_t i = 1; i < d->count; i++)
		if (d->s[i].index == d->s[i - 1].index)
			return err_set(e, HEED_EINVAL, "sentence %llu is in the scan twice "
				       "(the same shard merged twice?)", (unsigned long long)d->s[i].index + 1);
	return HEED_OK;
}

static const char *
mlm_head_name(bool emd)
{
	return emd ? "emd" : "transformers";
}

int
scan_merge(scan_data *a, scan_data *b, heed_err *e)
{
	if (a->fingerprint != b->fingerprint || a->layers != b->layers || a->heads != b->heads)
		return err_set(e, HEED_EMISMATCH, "a scan of another model (%s, not %s)", b->model,
			       a->model);
	if (a->seed != b->seed)
		return err_set(e, HEED_EMISMATCH, "masks of seed %#llx, not %#llx",
			       (unsigned long long)b->seed, (unsigned long long)a->seed);
	if (a->seen != b->seen)
		return err_set(e, HEED_EMISMATCH, "a corpus of %llu sentences, not %llu",
			       (unsigned long long)b->seen, (unsigned long long)a->seen);
	if (a->corpus != b->corpus)
		return err_set(e, HEED_EMISMATCH, "another corpus (as many sentences, other text: "
			       "scan every shard with the same corpus files)");
	if (a->length != b->length)
		return err_set(e, HEED_EMISMATCH, "sentences cut at %d tokens, not %d (--length)",
			       b->length, a->length);
	if (a->emd != b->emd)
		return err_set(e, HEED_EMISMATCH, "masked-LM head %s, not %s (--mlm-head)",
			       mlm_head_name(b->emd), mlm_head_name(a->emd));
	if (a->calib != b->calib)
		return err_set(e, HEED_EMISMATCH, "%s (--calib)", b->calib == 0 ?
			       "a scan without a calibration, not with one" : a->calib == 0 ?
			       "a scan with a calibration, not without one" :
			       "a scan with another calibration");
	if (a->nmodes != b->nmodes || memcmp(a->mode, b->mode, (size_t)a->nmodes) != 0)
		return err_set(e, HEED_EMISMATCH, "other replacement modes");
	if (a->has_curve != b->has_curve || a->has_papa != b->has_papa ||
	    (a->has_curve && memcmp(a->order, b->order, sizeof(int) * (size_t)a->nmodes *
				    SCAN_ORDERS * (size_t)a->LH) != 0))
		return err_set(e, HEED_EMISMATCH, "%s", a->has_curve || b->has_curve ?
			       "replacement curves in another order of heads (scan every shard "
			       "with the same --ranking)" : "other curve orders");
	if (a->count + b->count > a->cap) {
		a->cap = a->count + b->count;
		a->s = xrealloc(a->s, sizeof(*a->s) * a->cap);
	}
	/* two empty shards: a->s may still be NULL, and NULL + 0 is undefined */
	if (b->count > 0)
		memcpy(a->s + a->count, b->s, sizeof(*b->s) * b->count);
	a->count += b->count;
	a->unmaskable += b->unmaskable;
	b->count = 0;
	a->shard = a->shards = 0;
	return scan_sort(a, e);
}

/* ---- the partial file --------------------------------------------------- */

static json_t *
int_array(const int *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static json_t *
real_array(const double *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static json_t *
hex64(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
	return json_string(buf);
}

int
scan_save(const char *path, const scan_data *d, heed_err *e)
{
	json_t *doc = json_object(), *modes = json_array(), *sent = json_array();
	char *text;
	int rc;

	json_object_set_new(doc, "heed_scan", json_integer(SCAN_FORMAT_VERSION));
	json_object_set_new(doc, "model", json_string(d->model));
	json_object_set_new(doc, "fingerprint", hex64(d->fingerprint));
	json_object_set_new(doc, "seed", hex64(d->seed));
	json_object_set_new(doc, "length", json_integer(d->length));
	json_object_set_new(doc, "mlm_head", json_string(mlm_head_name(d->emd)));
	json_object_set_new(doc, "corpus", hex64(d->corpus));
	json_object_set_new(doc, "calib", d->calib != 0 ? hex64(d->calib) : json_null());
	json_object_set_new(doc, "layers", json_integer(d->layers));
	json_object_set_new(doc, "heads", json_integer(d->heads));
	for (int mi = 0; mi < d->nmodes; mi++)
		json_array_append_new(modes, json_string(enc_mode_name((head_mode)d->mode[mi])));
	json_object_set_new(doc, "modes", modes);
	json_object_set_new(doc, "shard", json_integer(d->shard));
	json_object_set_new(doc, "shards", json_integer(d->shards));
	json_object_set_new(doc, "seen", json_integer((json_int_t)d->seen));
	json_object_set_new(doc, "unmaskable", json_integer((json_int_t)d->unmaskable));
	if (d->has_curve) {
		json_t *ord = json_object();
		json_object_set_new(ord, "papa", json_boolean(d->has_papa));
		json_object_set_new(ord, "heads", int_array(d->order, (size_t)d->nmodes * SCAN_ORDERS *
							    (size_t)d->LH));
		json_object_set_new(doc, "curve", ord);
	}
	for (size_t i = 0; i < d->count; i++) {
		const scan_sentence *s = &d->s[i];
		json_t *o = json_object();
		size_t cells = (size_t)d->nmodes * (size_t)d->LH;

		json_object_set_new(o, "i", json_integer((json_int_t)s->index));
		json_object_set_new(o, "n", json_integer(s->ntok));
		json_object_set_new(o, "masks", int_array(s->mask_pos, (size_t)s->nmask));
		json_object_set_new(o, "targets", int_array(s->target, (size_t)s->nmask));
		json_object_set_new(o, "kl", real_array(s->kl, cells));
		json_object_set_new(o, "drop", real_array(s->drop, cells));
		if (s->hits != NULL)
			json_object_set_new(o, "hits", int_array(s->hits, hits_len(d)));
		json_array_append_new(sent, o);
	}
	json_object_set_new(doc, "sentences", sent);
	text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(doc);
	if (text == NULL)
		util_oom(0);
	rc = util_write_atomic(path, text, strlen(text), e);
	free(text);
	return rc;
}

/* ---- reading it --------------------------------------------------------- */

typedef struct reader {
	const char *name;
	heed_err *e;
} reader;

static int
bad(reader *r, const char *what)
{
	return err_set(r->e, HEED_EFORMAT, "%s: not a heed scan file (%s)", r->name, what);
}

static bool
get_int(const json_t *o, const char *key, json_int_t lo, json_int_t hi, json_int_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return false;
	*out = json_integer_value(v);
	return true;
}

static bool
get_hex(const json_t *o, const char *key, uint64_t *out)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end;

	if (s == NULL || strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
		return false;
	*out = strtoull(s, &end, 16);
	return true;
}

/* An array of exactly n integers in [lo, hi]. */
static bool
get_ints(const json_t *a, size_t n, long lo, long hi, int *out)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
			return false;
		out[i] = (int)json_integer_value(v);
	}
	return true;
}

/* An array of exactly n finite numbers. */
static bool
get_reals(const json_t *a, size_t n, double *out)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			return false;
		out[i] = json_number_value(v);
	}
	return true;
}

/* Each order a permutation of the heads. */
static bool
orders_ok(const scan_data *d)
{
	bool ok = true;
	bool *seen = xmalloc((size_t)d->LH);

	for (int o = 0; o < d->nmodes * SCAN_ORDERS && ok; o++) {
		memset(seen, 0, (size_t)d->LH);
		for (int k = 0; k < d->LH && ok; k++) {
			int lh = d->order[(size_t)o * d->LH + k];
			ok = !seen[lh];
			seen[lh] = true;
		}
	}
	free(seen);
	return ok;
}

static int
read_sentence(reader *r, scan_data *d, const json_t *o)
{
	json_int_t index, n;
	const json_t *masks = json_object_get(o, "masks");
	size_t cells = (size_t)d->nmodes * (size_t)d->LH;
	scan_sentence *s;

	if (!json_is_object(o) || !get_int(o, "i", 0, (json_int_t)d->seen - 1, &index) ||
	    !get_int(o, "n", 1, HEED_MAX_TOKENS, &n) || !json_is_array(masks) ||
	    json_array_size(masks) < 1 || json_array_size(masks) > (size_t)n)
		return bad(r, "a sentence's index, length or masks");
	if (d->shards > 1 && (uint64_t)index % (uint64_t)d->shards != (uint64_t)(d->shard - 1))
		return bad(r, "a sentence of another shard");
	s = scan_add(d, (uint64_t)index, (int)n, (int)json_array_size(masks));
	if (!get_ints(masks, (size_t)s->nmask, 0, n - 1, s->mask_pos))
		return bad(r, "a mask outside its sentence");
	for (int k = 1; k < s->nmask; k++)
		if (s->mask_pos[k] <= s->mask_pos[k - 1])
			return bad(r, "masks not ascending");
	if (!get_ints(json_object_get(o, "targets"), (size_t)s->nmask, 0, 1L << 30, s->target))
		return bad(r, "targets");
	if (!get_reals(json_object_get(o, "kl"), cells, s->kl) ||
	    !get_reals(json_object_get(o, "drop"), cells, s->drop))
		return bad(r, "kl or drop");
	if (d->has_curve && !get_ints(json_object_get(o, "hits"), hits_len(d), 0, s->nmask, s->hits))
		return bad(r, "hits");
	if (!d->has_curve && json_object_get(o, "hits") != NULL)
		return bad(r, "hits without a curve");
	return HEED_OK;
}

int
scan_parse(const char *buf, size_t len, const char *name, scan_data **out, heed_err *e)
{
	reader r = { name, e };
	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr), *modes, *sent, *curve;
	json_int_t ver, layers, heads, shard, shards, seen, unm, length;
	uint64_t fp, seed, corpus, cal = 0;
	const char *head = NULL;
	uint8_t mode[SCAN_MAX_MODES];
	scan_data *d = NULL;
	int rc = HEED_OK;

	*out = NULL;
	if (doc == NULL)
		return err_set(e, HEED_EFORMAT, "%s: line %d: %s", name, jerr.line, jerr.text);
	modes = json_object_get(doc, "modes");
	sent = json_object_get(doc, "sentences");
	curve = json_object_get(doc, "curve");
	if (!json_is_object(doc) || !get_int(doc, "heed_scan", 1, 1 << 20, &ver))
		rc = bad(&r, "no heed_scan version");
	else if (ver != SCAN_FORMAT_VERSION)
		rc = err_set(e, HEED_EFORMAT, "%s: scan file version %lld; this heed reads %d", name,
			     (long long)ver, SCAN_FORMAT_VERSION);
	else if (!json_is_string(json_object_get(doc, "model")) || !get_hex(doc, "fingerprint", &fp) ||
		 !get_hex(doc, "seed", &seed))
		rc = bad(&r, "model, fingerprint or seed");
	else if (!get_int(doc, "length", 1, HEED_MAX_TOKENS, &length) ||
		 (head = json_string_value(json_object_get(doc, "mlm_head"))) == NULL ||
		 (strcmp(head, "transformers") != 0 && strcmp(head, "emd") != 0) ||
		 !get_hex(doc, "corpus", &corpus) ||
		 (!json_is_null(json_object_get(doc, "calib")) && (!get_hex(doc, "calib", &cal) ||
		  cal == 0)))
		rc = bad(&r, "length, mlm_head, corpus or calib");
	else if (!get_int(doc, "layers", 1, SCAN_MAX_HEADS, &layers) ||
		 !get_int(doc, "heads", 1, SCAN_MAX_HEADS, &heads) || layers * heads > SCAN_MAX_HEADS)
		rc = bad(&r, "layers and heads");
	else if (!get_int(doc, "shards", 0, 1 << 20, &shards) ||
		 !get_int(doc, "shard", shards > 0, shards, &shard) ||
		 !get_int(doc, "seen", 1, (json_int_t)1 << 50, &seen) ||
		 !get_int(doc, "unmaskable", 0, seen, &unm))
		rc = bad(&r, "shard, seen or unmaskable");
	else if (!json_is_array(modes) || json_array_size(modes) < 1 ||
		 json_array_size(modes) > SCAN_MAX_MODES || !json_is_array(sent) ||
		 json_array_size(sent) > (size_t)seen)
		rc = bad(&r, "modes or sentences");
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < json_array_size(modes); i++) {
		head_mode m;
		const char *s = json_string_value(json_array_get(modes, i));
		if (s == NULL || enc_mode_parse(s, &m) < 0 || m == HEAD_INPUT ||
		    (i > 0 && (uint8_t)m <= mode[i - 1])) {
			rc = bad(&r, "replacement modes");
			goto out;
		}
		mode[i] = (uint8_t)m;
	}
	d = scan_new(json_string_value(json_object_get(doc, "model")), fp, seed, (int)layers,
		     (int)heads, (int)json_array_size(modes), mode);
	d->length = (int)length;
	d->emd = strcmp(head, "emd") == 0;
	d->corpus = corpus;
	d->calib = cal;
	d->shard = (int)shard;
	d->shards = (int)shards;
	d->seen = (uint64_t)seen;
	d->unmaskable = (uint64_t)unm;
	if (curve != NULL) {
		const json_t *papa = json_object_get(curve, "papa");
		if (!json_is_boolean(papa) ||
		    !get_ints(json_object_get(curve, "heads"), (size_t)d->nmodes * SCAN_ORDERS * (size_t)d->LH,
			      0, d->LH - 1, d->order) || !orders_ok(d)) {
			rc = bad(&r, "curve orders");
			goto out;
		}
		d->has_curve = true;
		d->has_papa = json_is_true(papa);
	}
	for (size_t i = 0; i < json_array_size(sent) && rc == HEED_OK; i++)
		rc = read_sentence(&r, d, json_array_get(sent, i));
	if (rc == HEED_OK && (uint64_t)d->count + d->unmaskable > d->seen)
		rc = bad(&r, "more sentences than the corpus has");
	if (rc == HEED_OK && scan_sort(d, e) < 0)
		rc = bad(&r, "a sentence twice");
out:
	json_decref(doc);
	if (rc < 0)
		scan_free(d);
	else
		*out = d;
	return rc;
}

int
scan_load(const char *path, scan_data **out, heed_err *e)
{
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = util_read_input(path, true, SCAN_MAX_FILE, &buf, &len, e)) < 0)
		return rc;
	rc = scan_parse(buf, len, path, out, e);
	free(buf);
	return rc;
}
