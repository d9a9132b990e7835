/* model.c — find every weight of a BERT or DistilBERT checkpoint by name,
 * check its shape against config.json, and convert it once: the linear
 * layers into linear.h's packed panels, the rest to F32.
 *
 * Loading runs the same mapping twice: a sizing pass that only validates and
 * counts, then a copy pass into two contiguous arenas (F32 arrays, packed
 * linear weights).  Nothing is allocated for a checkpoint that fails
 * validation, and the weights end up in the order the mapping asks for
 * them; Q, K and V are packed as the rows of one matrix, so one multiply
 * computes all three.
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/model.h"
#include "heed/weights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The public struct plus what only model_free needs to know. */
typedef struct model_box {
	model m;
	float *arena;
	size_t arena_bytes;
	uint8_t *lin_arena;   /* packed linear weights */
	size_t lin_bytes;
} model_box;

typedef struct loader {
	const wt_set *st;       /* the checkpoint's tensors, whatever the format */
	const char *file;     /* for messages */
	const char *prefix;   /* "bert." / "distilbert." / "" */
	const char *arch_prefix; /* the prefix this family may use */
	float *arena;         /* NULL during the sizing pass */
	size_t used;          /* floats handed out so far */
	uint8_t *lin_arena;   /* packed linear weights; NULL during the sizing pass */
	size_t lin_used;      /* bytes handed out so far */
	int rc;               /* first error, sticky */
	heed_err *e;
} loader;

static void
shape_str(char *buf, size_t cap, const int64_t *d, int nd)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf, cap, "[");
	for (i = 0; i < nd && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? "," : "", (long long)d[i]);
	if (o < cap)
		snprintf(buf + o, cap - o, "]");
}

/* Old TF-converted checkpoints call LayerNorm's weight/bias gamma/beta. */
static const st_tensor *
find_named(const loader *L, const char *name, char *found, size_t cap)
{
	static const char *const alias[][2] = {
		{"LayerNorm.weight", "LayerNorm.gamma"}, {"LayerNorm.bias", "LayerNorm.beta"},
	};
	const st_tensor *t;
	size_t n = strlen(name), i, k;

	snprintf(found, cap, "%s", name);
	if ((t = wt_find(L->st, found)) != NULL)
		return t;
	for (i = 0; i < 2; i++) {
		k = strlen(alias[i][0]);
		if (n >= k && strcmp(name + n - k, alias[i][0]) == 0) {
			snprintf(found, cap, "%.*s%s", (int)(n - k), name, alias[i][1]);
			if ((t = wt_find(L->st, found)) != NULL)
				return t;
		}
	}
	snprintf(found, cap, "%s", name);
	return NULL;
}

/* The tensor named rel (after the checkpoint's prefix when prefixed), checked
 * to have shape [d0] (d1 == 0) or [d0, d1].  NULL after an error (L->rc
 * says which). */
static const st_tensor *
find_checked(loader *L, bool prefixed, int64_t d0, int64_t d1, const char *rel)
{
	char want_name[320], name[320], got[128], want[64];
	int64_t dims[2] = {d0, d1};
	int nd = d1 ? 2 : 1;
	const st_tensor *t;

	if (L->rc < 0)
		return NULL;
	snprintf(want_name, sizeof want_name, "%s%s", prefixed ? L->prefix : "", rel);
	t = find_named(L, want_name, name, sizeof name);
	if (t == NULL) {
		/* No word embeddings under any accepted name: another family. */
		if (L->used == 0 && L->lin_used == 0)
			L->rc = err_set(L->e, HEED_EFORMAT, "%s: missing tensor %s (with or without "
			    "the \"%s\" prefix); not a %s checkpoint?", L->file, name,
			    L->arch_prefix, L->arch_prefix[0] == 'b' ? "BERT" : "DistilBERT");
		else
			L->rc = err_set(L->e, HEED_EFORMAT, "%s: missing tensor %s", L->file, name);
		return NULL;
	}
	if (t->ndim != nd || t->shape[0] != d0 || (nd == 2 && t->shape[1] != d1)) {
		shape_str(got, sizeof got, t->shape, t->ndim);
		shape_str(want, sizeof want, dims, nd);
		L->rc = err_set(L->e, HEED_EFORMAT, "%s: %s has shape %s, expected %s",
		    L->file, name, got, want);
		return NULL;
	}
	return t;
}

/* Reserve d0*d1 floats (d1 == 0: a vector) for tensor fmt... (prefixed) and,
 * in the copy pass, convert it there.  Returns the slot, NULL when sizing or
 * after an error (L->rc says which). */
static float *
take_v(loader *L, bool prefixed, int64_t d0, int64_t d1, const char *fmt, va_list ap)
{
	char rel[256];
	const st_tensor *t;
	float *slot;

	vsnprintf(rel, sizeof rel, fmt, ap);
	if ((t = find_checked(L, prefixed, d0, d1, rel)) == NULL)
		return NULL;
	slot = L->arena ? L->arena + L->used : NULL;
	if (slot != NULL)
		st_to_f32(t->dtype, t->data, slot, (size_t)d0 * (size_t)(d1 ? d1 : 1));
	L->used += (size_t)d0 * (size_t)(d1 ? d1 : 1);
	return slot;
}

static float * __attribute__((format(printf, 5, 6)))
take(loader *L, bool prefixed, int64_t d0, int64_t d1, const char *fmt, ...)
{
	va_list ap;
	float *p;

	va_start(ap, fmt);
	p = take_v(L, prefixed, d0, d1, fmt, ap);
	va_end(ap);
	return p;
}

#define W(L, d0, d1, ...) take(L, true, d0, d1, __VA_ARGS__)
#define TOP(L, d0, d1, ...) take(L, false, d0, d1, __VA_ARGS__)

/* A decoder weight stored in the file is usually a copy of the word
 * embeddings (tied); only a real difference costs a second copy. */
static const st_tensor *
untied_decoder(const loader *L, const char *dec_name, const char *emb_name)
{
	const st_tensor *d = wt_find(L->st, dec_name), *w = wt_find(L->st, emb_name);

	if (d == NULL || w == NULL)
		return NULL;
	if (d->dtype == w->dtype && d->nbytes == w->nbytes &&
	    memcmp(d->data, w->data, d->nbytes) == 0)
		return NULL;
	return d;
}

/* Per-layer tensor names of each family, in layer_weights order.  Q, K, V
 * are taken back to back so they land packed in wqkv / bqkv. */
typedef struct layer_names {
	const char *q, *k, *v, *out, *ln1, *ffn1, *ffn2, *ln2;
} layer_names;

static const layer_names bert_layer = {
	"encoder.layer.%d.attention.self.query", "encoder.layer.%d.attention.self.key",
	"encoder.layer.%d.attention.self.value", "encoder.layer.%d.attention.output.dense",
	"encoder.layer.%d.attention.output.LayerNorm", "encoder.layer.%d.intermediate.dense",
	"encoder.layer.%d.output.dense", "encoder.layer.%d.output.LayerNorm",
};
static const layer_names distil_layer = {
	"transformer.layer.%d.attention.q_lin", "transformer.layer.%d.attention.k_lin",
	"transformer.layer.%d.attention.v_lin", "transformer.layer.%d.attention.out_lin",
	"transformer.layer.%d.sa_layer_norm", "transformer.layer.%d.ffn.lin1",
	"transformer.layer.%d.ffn.lin2", "transformer.layer.%d.output_layer_norm",
};

/* "<stem>.<leaf>" for layer i, stem holding the %d. */
static float *
take_layer(loader *L, int64_t d0, int64_t d1, const char *stem, int i, const char *leaf)
{
	char name[160];

	snprintf(name, sizeof name, stem, i);
	return W(L, d0, d1, "%s.%s", name, leaf);
}

/* Tensors t[0..nt), [rows, cols] each, packed one under the other into w.
 * They stay F16 only if all of them are F16 in the file. */
static void
pack_lin(loader *L, lin_weight *w, int rows, int cols, int nt, const st_tensor *const *t)
{
	bool f16 = true;

	for (int s = 0; s < nt; s++)
		f16 = f16 && t[s]->dtype == ST_F16;
	lin_dtype dt = lin_storage(f16);
	if (L->lin_arena != NULL) {
		float *row = dt == LIN_F16 ? NULL : xmalloc(sizeof(float) * (size_t)cols);
		lin_init(w, rows * nt, cols, dt, L->lin_arena + L->lin_used);
		for (int s = 0; s < nt; s++) {
			size_t row_bytes = t[s]->nbytes / (size_t)rows;
			const uint8_t *src = t[s]->data;
			for (int r = 0; r < rows; r++, src += row_bytes) {
				if (dt == LIN_F16) {
					lin_set_row_f16(w, s * rows + r, src);
				} else {
					st_to_f32(t[s]->dtype, src, row, (size_t)cols);
					lin_set_row(w, s * rows + r, row);
				}
			}
		}
		free(row);
	}
	L->lin_used += lin_bytes(rows * nt, cols, dt);
}

/* The weights "<stem>.weight" of layer i for each of the stems, packed
 * into one w (Q, K and V become the rows of one matrix). */
static void
take_lin(loader *L, lin_weight *w, int rows, int cols, int i, int nstems,
	 const char *const *stems)
{
	const st_tensor *t[3];
	char stem[160], rel[192];

	for (int s = 0; s < nstems; s++) {
		snprintf(stem, sizeof stem, stems[s], i);
		snprintf(rel, sizeof rel, "%s.weight", stem);
		if ((t[s] = find_checked(L, true, rows, cols, rel)) == NULL)
			return;
	}
	pack_lin(L, w, rows, cols, nstems, t);
}

/* One weight by its full name (prefixed: after the checkpoint's prefix). */
static void
take_lin_named(loader *L, lin_weight *w, bool prefixed, int rows, int cols, const char *name)
{
	const st_tensor *t = find_checked(L, prefixed, rows, cols, name);

	if (t != NULL)
		pack_lin(L, w, rows, cols, 1, &t);
}

static void
map_layer(loader *L, int i, layer_weights *w, const model_config *c, const layer_names *n)
{
	const char *const qkv[] = { n->q, n->k, n->v };
	int h = c->hidden, f = c->ffn;

	take_lin(L, &w->wqkv, h, h, i, 3, qkv);
	w->bqkv = take_layer(L, h, 0, n->q, i, "bias");
	take_layer(L, h, 0, n->k, i, "bias");
	take_layer(L, h, 0, n->v, i, "bias");
	take_lin(L, &w->wo, h, h, i, 1, &n->out);
	w->bo = take_layer(L, h, 0, n->out, i, "bias");
	w->ln1_g = take_layer(L, h, 0, n->ln1, i, "weight");
	w->ln1_b = take_layer(L, h, 0, n->ln1, i, "bias");
	take_lin(L, &w->w1, f, h, i, 1, &n->ffn1);
	w->b1 = take_layer(L, f, 0, n->ffn1, i, "bias");
	take_lin(L, &w->w2, h, f, i, 1, &n->ffn2);
	w->b2 = take_layer(L, h, 0, n->ffn2, i, "bias");
	w->ln2_g = take_layer(L, h, 0, n->ln2, i, "weight");
	w->ln2_b = take_layer(L, h, 0, n->ln2, i, "bias");
}

static void
map_embeddings(loader *L, model *m)
{
	const model_config *c = &m->cfg;

	take_lin_named(L, &m->word_emb, true, c->vocab_size, c->hidden,
		       "embeddings.word_embeddings.weight");
	m->pos_emb = W(L, c->max_pos, c->hidden, "embeddings.position_embeddings.weight");
	m->type_emb = c->type_vocab > 0 ?
	    W(L, c->type_vocab, c->hidden, "embeddings.token_type_embeddings.weight") : NULL;
	m->emb_ln_g = W(L, c->hidden, 0, "embeddings.LayerNorm.weight");
	m->emb_ln_b = W(L, c->hidden, 0, "embeddings.LayerNorm.bias");
}

/* The masked-LM head sits outside the "bert." / "distilbert." body. */
typedef struct mlm_names {
	const char *dense, *ln, *bias, *decoder;
} mlm_names;

/* transformers ties cls.predictions.bias and decoder.bias; a file may hold
 * either name (bias_alt). */
static const mlm_names bert_mlm = {
	"cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
	"cls.predictions.bias", "cls.predictions.decoder.weight",
};
static const char bert_bias_alt[] = "cls.predictions.decoder.bias";
static const mlm_names distil_mlm = {
	"vocab_transform", "vocab_layer_norm", "vocab_projector.bias",
	"vocab_projector.weight",
};

static void
map_mlm(loader *L, model *m, const mlm_names *n)
{
	const model_config *c = &m->cfg;
	const char *bias = n->bias;
	char probe[96];
	int h = c->hidden;

	snprintf(probe, sizeof probe, "%s.weight", n->dense);
	m->has_mlm = wt_find(L->st, probe) != NULL;
	if (!m->has_mlm)
		return;
	take_lin_named(L, &m->mlm_w, false, h, h, probe);
	m->mlm_b = TOP(L, h, 0, "%s.bias", n->dense);
	m->mlm_ln_g = TOP(L, h, 0, "%s.weight", n->ln);
	m->mlm_ln_b = TOP(L, h, 0, "%s.bias", n->ln);
	if (n == &bert_mlm && !wt_find(L->st, bias) && wt_find(L->st, bert_bias_alt))
		bias = bert_bias_alt;
	m->mlm_bias = TOP(L, c->vocab_size, 0, "%s", bias);
	/* tied: one packed matrix serves the lookups and the decoder */
	snprintf(probe, sizeof probe, "%sembeddings.word_embeddings.weight", L->prefix);
	if (untied_decoder(L, n->decoder, probe))
		take_lin_named(L, &m->mlm_dec, false, c->vocab_size, h, n->decoder);
	else
		m->mlm_dec = m->word_emb;
}

/* One pass of the mapping.  The sizing pass writes every layer into one
 * scratch slot (one_slot) so nothing is allocated before validation. */
static void
map_model(loader *L, model *m, layer_weights *lw, bool one_slot)
{
	int i;
	bool distil = m->cfg.arch == MODEL_ARCH_DISTILBERT;

	map_embeddings(L, m);
	for (i = 0; i < m->cfg.layers && L->rc == HEED_OK; i++)
		map_layer(L, i, one_slot ? lw : &lw[i], &m->cfg,
		    distil ? &distil_layer : &bert_layer);
	map_mlm(L, m, distil ? &distil_mlm : &bert_mlm);
}

/* BertModel saves bare names, BertForMaskedLM and friends add "bert.". */
static const char *
arch_prefix(model_arch arch)
{
	return arch == MODEL_ARCH_DISTILBERT ? "distilbert." : "bert.";
}

static const char *
detect_prefix(const wt_set *st, model_arch arch)
{
	char name[64];

	snprintf(name, sizeof name, "%sembeddings.word_embeddings.weight", arch_prefix(arch));
	return wt_find(st, name) ? arch_prefix(arch) : "";
}

static int
load_weights(model_box *b, const wt_set *st, const char *file, heed_err *e)
{
	model *m = &b->m;
	loader L = {st, file, detect_prefix(st, m->cfg.arch), arch_prefix(m->cfg.arch),
		NULL, 0, NULL, 0, HEED_OK, e};
	layer_weights scratch;

	map_model(&L, m, &scratch, true);
	if (L.rc < 0)
		return L.rc;
	b->arena_bytes = L.used * sizeof(float);
	b->arena = util_big_alloc(b->arena_bytes);
	b->lin_bytes = L.lin_used;
	b->lin_arena = util_big_alloc(b->lin_bytes);
	m->layer = xcalloc((size_t)m->cfg.layers, sizeof *m->layer);
	L.arena = b->arena;
	L.used = 0;
	L.lin_arena = b->lin_arena;
	L.lin_used = 0;
	map_model(&L, m, m->layer, false);
	if (L.rc == HEED_OK) {
		char name[64];
		snprintf(name, sizeof name, "%sembeddings.word_embeddings.weight", L.prefix);
		m->file_dtype = wt_find(st, name)->dtype;
	}
	return L.rc;
}

/* "models--org--name/snapshots/<rev>" reads better as "org/name". */
static char *
display_name(const char *dir)
{
	const char *p = strstr(dir, "models--"), *snap, *base;
	size_t n;
	char *s, *q;

	if (p != NULL && (snap = strstr(p, "/snapshots/")) != NULL) {
		s = xasprintf("%.*s", (int)(snap - p - 8), p + 8);
		while ((q = strstr(s, "--")) != NULL)
			memmove(q + 1, q + 2, strlen(q + 2) + 1), *q = '/';
		return s;
	}
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	for (base = dir + n; base > dir && base[-1] != '/'; base--)
		;
	return xasprintf("%.*s", (int)(dir + n - base), base);
}

int
model_load(const char *dir, model **out, heed_err *e)
{
	double t0 = util_now_ms();
	char *cfg_path = xasprintf("%s/config.json", dir);
	model_box *b = xcalloc(1, sizeof *b);
	wt_set *w = NULL;
	int rc;

	*out = NULL;
	rc = config_load(cfg_path, &b->m.cfg, e);
	if (rc == HEED_OK && (rc = wt_open(dir, &w, e)) == HEED_OK) {
		rc = load_weights(b, w, wt_path(w), e);
		b->m.weights = xstrdup(wt_path(w));
		b->m.weights_format = wt_format_name(wt_format_of(w));
		b->m.weights_files = wt_files(w);
		wt_close(w);
	}
	free(cfg_path);
	if (rc < 0) {
		model_free(&b->m);
		return rc;
	}
	b->m.dir = xstrdup(dir);
	b->m.name = display_name(dir);
	b->m.load_ms = util_now_ms() - t0;
	*out = &b->m;
	return HEED_OK;
}

void
model_free(model *m)
{
	model_box *b = (model_box *)m;  /* m is the first member */

	if (m == NULL)
		return;
	util_big_free(b->arena, b->arena_bytes);
	util_big_free(b->lin_arena, b->lin_bytes);
	free(m->layer);
	free(m->dir);
	free(m->weights);
	free(m->name);
	free(b);
}
