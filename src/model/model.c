/* model.c — find every weight of a checkpoint by its family's names, check
 * its shape against config.json, and convert it once: the linear layers
 * into linear.h's packed panels, the rest to F32.  The families share one
 * layout in memory (model.h); what differs is named in the tables below.
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

#include <math.h>
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
	const char *family;   /* its name, for messages */
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

/* Byte offset of the first NaN or infinity in t's data (all exponent bits
 * set, in any of the float dtypes), or t->nbytes when there is none. */
static size_t
first_nonfinite(const st_tensor *t)
{
	const uint8_t *p = t->data;
	size_t i;

	if (t->dtype == ST_F32) {
		for (i = 0; i + 4 <= t->nbytes; i += 4)
			if ((p[i + 3] & 0x7f) == 0x7f && (p[i + 2] & 0x80))
				return i;
	} else if (t->dtype == ST_F16) {
		for (i = 0; i + 2 <= t->nbytes; i += 2)
			if ((p[i + 1] & 0x7c) == 0x7c)
				return i;
	} else if (t->dtype == ST_BF16) {
		for (i = 0; i + 2 <= t->nbytes; i += 2)
			if ((p[i + 1] & 0x7f) == 0x7f && (p[i] & 0x80))
				return i;
	}
	return t->nbytes;
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
	size_t bad;

	if (L->rc < 0)
		return NULL;
	snprintf(want_name, sizeof want_name, "%s%s", prefixed ? L->prefix : "", rel);
	t = find_named(L, want_name, name, sizeof name);
	if (t == NULL) {
		/* No word embeddings under any accepted name: another family. */
		if (L->used == 0 && L->lin_used == 0)
			L->rc = err_set(L->e, HEED_EFORMAT, "%s: missing tensor %s (with or without "
			    "the \"%s\" prefix); not a %s checkpoint?", L->file, name,
			    L->arch_prefix, L->family);
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
	/* once, in the sizing pass: a NaN or Inf weight would make every
	 * result NaN without a word */
	if (L->arena == NULL && L->lin_arena == NULL && (bad = first_nonfinite(t)) < t->nbytes) {
		L->rc = err_set(L->e, HEED_EFORMAT, "%s: %s holds a NaN or infinite value (byte "
		    "%zu of its data): the weights are damaged", L->file, name, bad);
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

/* Per-layer tensor names of each family, in layer_weights order: a prefix
 * holding the layer's number (ALBERT's: its group and its place in the
 * group), then each part's name.  Q, K, V are taken back to back so they
 * land packed in wqkv / bqkv. */
typedef struct layer_names {
	const char *prefix;
	const char *q, *k, *v, *out, *ln1, *ffn1, *ffn2, *ln2;
} layer_names;

static const layer_names bert_layer = {
	"encoder.layer.%d.",
	"attention.self.query", "attention.self.key", "attention.self.value",
	"attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
	"output.dense", "output.LayerNorm",
};
static const layer_names distil_layer = {
	"transformer.layer.%d.",
	"attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin",
	"sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm",
};
static const layer_names albert_layer = {
	"encoder.albert_layer_groups.%d.albert_layers.%d.",
	"attention.query", "attention.key", "attention.value", "attention.dense",
	"attention.LayerNorm", "ffn", "ffn_output", "full_layer_layer_norm",
};

/* "<pre><part>.<leaf>" */
static float *
take_part(loader *L, int64_t d0, int64_t d1, const char *pre, const char *part, const char *leaf)
{
	return W(L, d0, d1, "%s%s.%s", pre, part, leaf);
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

/* The weights "<pre><part>.weight" for each of the parts, packed into one
 * w (Q, K and V become the rows of one matrix). */
static void
take_lin(loader *L, lin_weight *w, int rows, int cols, const char *pre, int nparts,
	 const char *const *parts)
{
	const st_tensor *t[3];
	char rel[224];

	for (int s = 0; s < nparts; s++) {
		snprintf(rel, sizeof rel, "%s%s.weight", pre, parts[s]);
		if ((t[s] = find_checked(L, true, rows, cols, rel)) == NULL)
			return;
	}
	pack_lin(L, w, rows, cols, nparts, t);
}

/* One weight by its full name (prefixed: after the checkpoint's prefix). */
static void
take_lin_named(loader *L, lin_weight *w, bool prefixed, int rows, int cols, const char *name)
{
	const st_tensor *t = find_checked(L, prefixed, rows, cols, name);

	if (t != NULL)
		pack_lin(L, w, rows, cols, 1, &t);
}

/* Weight set `set` of the checkpoint: layer `set`, or ALBERT's group
 * set / inner, layer set % inner of that group. */
static void
map_layer(loader *L, int set, layer_weights *w, const model_config *c, const layer_names *n)
{
	const char *const qkv[] = { n->q, n->k, n->v };
	int h = c->hidden, f = c->ffn;
	char pre[96];

	snprintf(pre, sizeof pre, n->prefix, c->arch == MODEL_ARCH_ALBERT ? set / c->inner : set,
		 set % c->inner);
	take_lin(L, &w->wqkv, h, h, pre, 3, qkv);
	w->bqkv = take_part(L, h, 0, pre, n->q, "bias");
	take_part(L, h, 0, pre, n->k, "bias");
	take_part(L, h, 0, pre, n->v, "bias");
	take_lin(L, &w->wo, h, h, pre, 1, &n->out);
	w->bo = take_part(L, h, 0, pre, n->out, "bias");
	w->ln1_g = take_part(L, h, 0, pre, n->ln1, "weight");
	w->ln1_b = take_part(L, h, 0, pre, n->ln1, "bias");
	take_lin(L, &w->w1, f, h, pre, 1, &n->ffn1);
	w->b1 = take_part(L, f, 0, pre, n->ffn1, "bias");
	take_lin(L, &w->w2, h, f, pre, 1, &n->ffn2);
	w->b2 = take_part(L, h, 0, pre, n->ffn2, "bias");
	w->ln2_g = take_part(L, h, 0, pre, n->ln2, "weight");
	w->ln2_b = take_part(L, h, 0, pre, n->ln2, "bias");
}

/* Word, position and token-type embeddings, E wide, and the projection to
 * the hidden size where the family has one. */
static void
map_embeddings(loader *L, model *m)
{
	const model_config *c = &m->cfg;
	int E = c->emb, H = c->hidden;
	const char *proj = NULL;

	take_lin_named(L, &m->word_emb, true, c->vocab_size, E, "embeddings.word_embeddings.weight");
	m->pos_emb = W(L, c->max_pos, E, "embeddings.position_embeddings.weight");
	m->type_emb = c->type_vocab > 0 ?
	    W(L, c->type_vocab, E, "embeddings.token_type_embeddings.weight") : NULL;
	m->emb_ln_g = W(L, E, 0, "embeddings.LayerNorm.weight");
	m->emb_ln_b = W(L, E, 0, "embeddings.LayerNorm.bias");
	/* ALBERT maps always; ELECTRA only when the sizes differ (ElectraModel
	 * creates embeddings_project only then) */
	if (c->arch == MODEL_ARCH_ALBERT)
		proj = "encoder.embedding_hidden_mapping_in";
	else if (c->arch == MODEL_ARCH_ELECTRA && E != H)
		proj = "embeddings_project";
	m->has_emb_proj = proj != NULL;
	if (proj != NULL) {
		char name[96];
		snprintf(name, sizeof name, "%s.weight", proj);
		take_lin_named(L, &m->emb_proj, true, H, E, name);
		m->emb_proj_b = W(L, H, 0, "%s.bias", proj);
	}
}

/* The masked-LM head sits outside the body's prefix:
 *   t = LayerNorm(act(dense(x))); logits = decoder(t) + bias
 * E wide (ALBERT's and ELECTRA's heads map back to the embedding size). */
typedef struct mlm_names {
	const char *dense, *ln, *bias, *bias_alt, *decoder;
} mlm_names;

/* transformers ties <head>.bias and decoder.bias; a file may hold either
 * name (bias_alt). */
static const mlm_names bert_mlm = {
	"cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
	"cls.predictions.bias", "cls.predictions.decoder.bias", "cls.predictions.decoder.weight",
};
static const mlm_names distil_mlm = {
	"vocab_transform", "vocab_layer_norm", "vocab_projector.bias", NULL,
	"vocab_projector.weight",
};
static const mlm_names roberta_mlm = {
	"lm_head.dense", "lm_head.layer_norm", "lm_head.bias", "lm_head.decoder.bias",
	"lm_head.decoder.weight",
};
static const mlm_names electra_mlm = {
	"generator_predictions.dense", "generator_predictions.LayerNorm", "generator_lm_head.bias",
	NULL, "generator_lm_head.weight",
};
static const mlm_names albert_mlm = {
	"predictions.dense", "predictions.LayerNorm", "predictions.bias", "predictions.decoder.bias",
	"predictions.decoder.weight",
};

static const mlm_names *
family_mlm(model_arch a)
{
	switch (a) {
	case MODEL_ARCH_DISTILBERT: return &distil_mlm;
	case MODEL_ARCH_ROBERTA: return &roberta_mlm;
	case MODEL_ARCH_ELECTRA: return &electra_mlm;
	case MODEL_ARCH_ALBERT: return &albert_mlm;
	default: return &bert_mlm;
	}
}

static void
map_mlm(loader *L, model *m, const mlm_names *n)
{
	const model_config *c = &m->cfg;
	const char *bias = n->bias;
	char probe[96];
	int h = c->hidden, E = c->emb;

	snprintf(probe, sizeof probe, "%s.weight", n->dense);
	m->has_mlm = wt_find(L->st, probe) != NULL;
	if (!m->has_mlm)
		return;
	take_lin_named(L, &m->mlm_w, false, E, h, probe);
	m->mlm_b = TOP(L, E, 0, "%s.bias", n->dense);
	m->mlm_ln_g = TOP(L, E, 0, "%s.weight", n->ln);
	m->mlm_ln_b = TOP(L, E, 0, "%s.bias", n->ln);
	if (n->bias_alt != NULL && !wt_find(L->st, bias) && wt_find(L->st, n->bias_alt))
		bias = n->bias_alt;
	m->mlm_bias = TOP(L, c->vocab_size, 0, "%s", bias);
	/* tied: one packed matrix serves the lookups and the decoder */
	snprintf(probe, sizeof probe, "%sembeddings.word_embeddings.weight", L->prefix);
	if (untied_decoder(L, n->decoder, probe))
		take_lin_named(L, &m->mlm_dec, false, c->vocab_size, E, n->decoder);
	else
		m->mlm_dec = m->word_emb;
}

/* ELECTRA's discriminator (ElectraForPreTraining): per token,
 * logit = dense_prediction(act(dense(x))), act the model's hidden_act. */
static void
map_rtd(loader *L, model *m)
{
	int h = m->cfg.hidden;

	m->has_rtd = m->cfg.arch == MODEL_ARCH_ELECTRA &&
	    wt_find(L->st, "discriminator_predictions.dense.weight") != NULL;
	if (!m->has_rtd)
		return;
	take_lin_named(L, &m->rtd_w, false, h, h, "discriminator_predictions.dense.weight");
	m->rtd_b = TOP(L, h, 0, "discriminator_predictions.dense.bias");
	m->rtd_out = TOP(L, 1, h, "discriminator_predictions.dense_prediction.weight");
	m->rtd_out_b = TOP(L, 1, 0, "discriminator_predictions.dense_prediction.bias");
}

/* ---- ModernBERT and DeBERTa-v2/v3 ---------------------------------------- */

/* n floats of the F32 arena that no tensor fills (zeroed in the copy pass):
 * the biases a family leaves out, and what the loader computes. */
static float *
reserve(loader *L, size_t n, bool zero)
{
	float *slot = L->arena ? L->arena + L->used : NULL;

	if (slot != NULL && zero)
		memset(slot, 0, sizeof(float) * n);
	L->used += n;
	return slot;
}

/* "<fmt>.bias" when the config says the file has it, else zeros. */
static float * __attribute__((format(printf, 4, 5)))
bias_or_zero(loader *L, bool has, int64_t n, const char *fmt, ...)
{
	char name[256];
	va_list ap;

	if (!has)
		return reserve(L, (size_t)n, true);
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return W(L, n, 0, "%s.bias", name);
}

/* ModernBertModel names (under "model." in ModernBertForMaskedLM).  No
 * position or token-type embeddings; layer 0 has no attn_norm (it is the
 * identity there), so its ln1 stays NULL. */
/* "<stem>.weight" ([rows, cols], prefixed) into w; returns "<stem>.bias"
 * when the config says the file has it, else zeros. */
static float *
take_linear(loader *L, lin_weight *w, bool has_bias, int rows, int cols, const char *stem)
{
	char name[128];

	snprintf(name, sizeof name, "%s.weight", stem);
	take_lin_named(L, w, true, rows, cols, name);
	return bias_or_zero(L, has_bias, rows, "%s", stem);
}

/* ModernBertModel names (under "model." in ModernBertForMaskedLM).  No
 * position or token-type embeddings; layer 0 has no attn_norm (it is the
 * identity there), so its ln1 stays NULL. */
static void
map_modernbert_layer(loader *L, int i, layer_weights *w, const model_config *c)
{
	int h = c->hidden, f = c->ffn;
	char stem[4][64];

	snprintf(stem[0], sizeof stem[0], "layers.%d.attn.Wqkv", i);
	snprintf(stem[1], sizeof stem[1], "layers.%d.attn.Wo", i);
	snprintf(stem[2], sizeof stem[2], "layers.%d.mlp.Wi", i);
	snprintf(stem[3], sizeof stem[3], "layers.%d.mlp.Wo", i);
	w->ln1_g = w->ln1_b = NULL;
	if (i > 0) {
		w->ln1_g = W(L, h, 0, "layers.%d.attn_norm.weight", i);
		w->ln1_b = bias_or_zero(L, c->norm_bias, h, "layers.%d.attn_norm", i);
	}
	w->bqkv = take_linear(L, &w->wqkv, c->attn_bias, 3 * h, h, stem[0]);
	w->bo = take_linear(L, &w->wo, c->attn_bias, h, h, stem[1]);
	w->ln2_g = W(L, h, 0, "layers.%d.mlp_norm.weight", i);
	w->ln2_b = bias_or_zero(L, c->norm_bias, h, "layers.%d.mlp_norm", i);
	w->b1 = take_linear(L, &w->w1, c->mlp_bias, 2 * f, h, stem[2]);
	w->b2 = take_linear(L, &w->w2, c->mlp_bias, h, f, stem[3]);
	w->rel_k = w->rel_q = NULL;
}

/* ModernBertForMaskedLM: head (dense, act, norm) then decoder, tied to the
 * token embeddings, with decoder_bias. */
static void
map_modernbert(loader *L, model *m, layer_weights *lw, bool one_slot)
{
	const model_config *c = &m->cfg;
	int h = c->hidden;
	char emb[96];

	take_lin_named(L, &m->word_emb, true, c->vocab_size, h, "embeddings.tok_embeddings.weight");
	m->pos_emb = m->type_emb = NULL;
	m->emb_ln_g = W(L, h, 0, "embeddings.norm.weight");
	m->emb_ln_b = bias_or_zero(L, c->norm_bias, h, "embeddings.norm");
	for (int i = 0; i < c->layers && L->rc == HEED_OK; i++)
		map_modernbert_layer(L, i, one_slot ? lw : &lw[i], c);
	m->final_ln_g = W(L, h, 0, "final_norm.weight");
	m->final_ln_b = bias_or_zero(L, c->norm_bias, h, "final_norm");
	m->has_mlm = wt_find(L->st, "head.dense.weight") != NULL;
	if (!m->has_mlm)
		return;
	take_lin_named(L, &m->mlm_w, false, h, h, "head.dense.weight");
	m->mlm_b = c->head_bias ? TOP(L, h, 0, "head.dense.bias") : reserve(L, (size_t)h, true);
	m->mlm_ln_g = TOP(L, h, 0, "head.norm.weight");
	m->mlm_ln_b = c->norm_bias ? TOP(L, h, 0, "head.norm.bias") : reserve(L, (size_t)h, true);
	m->mlm_bias = c->dec_bias ? TOP(L, c->vocab_size, 0, "decoder.bias") :
	    reserve(L, (size_t)c->vocab_size, true);
	snprintf(emb, sizeof emb, "%sembeddings.tok_embeddings.weight", L->prefix);
	if (untied_decoder(L, "decoder.weight", emb))
		take_lin_named(L, &m->mlm_dec, false, c->vocab_size, h, "decoder.weight");
	else
		m->mlm_dec = m->word_emb;
}

static const layer_names deberta_layer = {
	"encoder.layer.%d.",
	"attention.self.query_proj", "attention.self.key_proj", "attention.self.value_proj",
	"attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
	"output.dense", "output.LayerNorm",
};

/* The relative terms' weights: pos_query_proj / pos_key_proj when the
 * layer does not share its own query and key projections with them (packed
 * query rows first, as in wqkv), and the arrays rel_project fills. */
typedef struct deberta_extra {
	lin_weight wpos;   /* [2*hidden, hidden]: pos_query_proj rows, then pos_key_proj */
	float *bpos;
} deberta_extra;

static void
map_deberta_rel(loader *L, layer_weights *w, deberta_extra *x, int i, const model_config *c)
{
	int h = c->hidden;
	size_t rows = 2 * (size_t)c->rel_span * h;
	char name[2][96];

	w->rel_q = c->rel_p2c ? reserve(L, rows, false) : NULL;
	w->rel_k = c->rel_c2p ? reserve(L, rows, false) : NULL;
	if (c->rel_share_key || c->rel_terms == 0)
		return;
	/* only the projections the terms use exist in the file */
	snprintf(name[0], sizeof name[0], "encoder.layer.%d.attention.self.pos_query_proj.weight", i);
	snprintf(name[1], sizeof name[1], "encoder.layer.%d.attention.self.pos_key_proj.weight", i);
	const st_tensor *t[2];
	int nt = 0;
	if (c->rel_p2c && (t[nt] = find_checked(L, true, h, h, name[0])) != NULL)
		nt++;
	if (c->rel_c2p && (t[nt] = find_checked(L, true, h, h, name[1])) != NULL)
		nt++;
	if (L->rc < 0)
		return;
	pack_lin(L, &x->wpos, h, h, nt, t);
	x->bpos = c->rel_p2c ? W(L, h, 0, "encoder.layer.%d.attention.self.pos_query_proj.bias", i) : NULL;
	if (c->rel_c2p) {
		float *b = W(L, h, 0, "encoder.layer.%d.attention.self.pos_key_proj.bias", i);
		x->bpos = x->bpos != NULL ? x->bpos : b;
	}
}

/* DebertaV2ForMaskedLM builds one head, by config.json's "legacy" (true
 * when absent): the legacy cls.predictions.* (BERT's: transform dense, act,
 * LayerNorm, decoder with its bias), or lm_predictions.lm_head.* (dense,
 * act, LayerNorm, then the word embeddings as decoder, and its bias).  A
 * checkpoint holding only the other one would get that head initialised at
 * random, which no one can reproduce; DeBERTa-v3's own checkpoints are so
 * (no "legacy" key, lm_predictions weights), and transformers reads them
 * right once "legacy" is false.  So heed reads the head the file has, and
 * "legacy" decides only when it has both. */
static bool
map_deberta_mlm(loader *L, model *m)
{
	static const mlm_names v3_mlm = {
		"lm_predictions.lm_head.dense", "lm_predictions.lm_head.LayerNorm",
		"lm_predictions.lm_head.bias", NULL, "deberta.embeddings.word_embeddings.weight",
	};
	bool cls = wt_find(L->st, "cls.predictions.transform.dense.weight") != NULL;
	bool lm = wt_find(L->st, "lm_predictions.lm_head.dense.weight") != NULL;

	lm = lm && (!cls || !m->cfg.mlm_legacy);
	map_mlm(L, m, lm ? &v3_mlm : &bert_mlm);
	return lm;
}

static void
map_deberta(loader *L, model *m, layer_weights *lw, deberta_extra *x, bool one_slot)
{
	const model_config *c = &m->cfg;
	int h = c->hidden;
	char pos[96];

	take_lin_named(L, &m->word_emb, true, c->vocab_size, h, "embeddings.word_embeddings.weight");
	m->pos_emb = c->pos_input ? W(L, c->max_pos, h, "embeddings.position_embeddings.weight") : NULL;
	m->type_emb = c->type_vocab > 0 ?
	    W(L, c->type_vocab, h, "embeddings.token_type_embeddings.weight") : NULL;
	m->emb_ln_g = W(L, h, 0, "embeddings.LayerNorm.weight");
	m->emb_ln_b = W(L, h, 0, "embeddings.LayerNorm.bias");
	if (c->rel_span > 0) {
		m->rel_emb = W(L, 2 * c->rel_span, h, "encoder.rel_embeddings.weight");
		m->rel_ln_g = c->rel_norm ? W(L, h, 0, "encoder.LayerNorm.weight") : NULL;
		m->rel_ln_b = c->rel_norm ? W(L, h, 0, "encoder.LayerNorm.bias") : NULL;
	}
	for (int i = 0; i < c->layers && L->rc == HEED_OK; i++) {
		map_layer(L, i, one_slot ? lw : &lw[i], c, &deberta_layer);
		if (c->rel_span > 0)
			map_deberta_rel(L, one_slot ? lw : &lw[i], one_slot ? x : &x[i], i, c);
	}
	bool lm_head = map_deberta_mlm(L, m);
	/* the enhanced mask decoder: DeBERTa-v3's own checkpoints keep absolute
	 * positions the encoder does not add, for the lm_predictions head; used
	 * only when asked (model_set_emd) */
	snprintf(pos, sizeof pos, "%sembeddings.position_embeddings.weight", L->prefix);
	m->emd_ok = lm_head && m->has_mlm && !c->pos_input && wt_find(L->st, pos) != NULL;
	m->emd_pos = m->emd_ok ? W(L, c->max_pos, h, "embeddings.position_embeddings.weight") : NULL;
}

/* In place, in double: this runs once per model, not per token. */
static void
layernorm_row(float *x, const float *g, const float *b, int d, float eps)
{
	double mean = 0.0, var = 0.0;

	for (int k = 0; k < d; k++)
		mean += x[k];
	mean /= d;
	for (int k = 0; k < d; k++)
		var += (x[k] - mean) * (x[k] - mean);
	var /= d;
	for (int k = 0; k < d; k++)
		x[k] = (float)((x[k] - mean) / sqrt(var + eps) * g[k] + b[k]);
}

/* Pq = R Wqᵀ + bq and Pk = R Wkᵀ + bk for every layer, R the relative
 * embeddings (LayerNorm'ed when norm_rel_ebd says so): constant for the
 * model, so computed once here rather than on every run. */
static void
rel_project(model *m, const deberta_extra *x)
{
	const model_config *c = &m->cfg;
	int h = c->hidden, rows = 2 * c->rel_span;
	float *out = xmalloc(sizeof(float) * (size_t)rows * 3 * h);

	for (int r = 0; c->rel_norm && r < rows; r++)
		layernorm_row(m->rel_emb + (size_t)r * h, m->rel_ln_g, m->rel_ln_b, h, c->ln_eps);
	for (int i = 0; i < c->layers; i++) {
		layer_weights *w = &m->layer[i];
		const lin_weight *pw = c->rel_share_key ? &w->wqkv : &x[i].wpos;
		const float *pb = c->rel_share_key ? w->bqkv : x[i].bpos;
		int width = pw->out, kcol = c->rel_share_key || c->rel_p2c ? h : 0;
		lin_apply(pw, m->rel_emb, (size_t)h, rows, pb, 0, lin_panels(pw), out, (size_t)width);
		for (int r = 0; r < rows; r++) {
			if (w->rel_q != NULL)
				memcpy(w->rel_q + (size_t)r * h, out + (size_t)r * width, sizeof(float) * h);
			if (w->rel_k != NULL)
				memcpy(w->rel_k + (size_t)r * h, out + (size_t)r * width + kcol,
				       sizeof(float) * h);
		}
	}
	free(out);
}

/* One pass of the mapping.  The sizing pass writes every layer into one
 * scratch slot (one_slot) so nothing is allocated before validation.
 * Weight set k lands in the first row that runs it; in the copy pass the
 * other rows sharing it (ALBERT) get copies of its pointers. */
static void
map_model(loader *L, model *m, layer_weights *lw, deberta_extra *x, bool one_slot)
{
	const model_config *c = &m->cfg;
	const layer_names *names = c->arch == MODEL_ARCH_DISTILBERT ? &distil_layer :
	    c->arch == MODEL_ARCH_ALBERT ? &albert_layer : &bert_layer;

	if (c->arch == MODEL_ARCH_MODERNBERT) {
		map_modernbert(L, m, lw, one_slot);
		return;
	}
	if (c->arch == MODEL_ARCH_DEBERTA_V2) {
		map_deberta(L, m, lw, x, one_slot);
		return;
	}
	int sets = config_layer_sets(c);
	int *first = xmalloc(sizeof(int) * (size_t)sets);

	for (int k = 0; k < sets; k++)
		first[k] = -1;
	map_embeddings(L, m);
	for (int r = 0; r < c->layers && L->rc == HEED_OK; r++) {
		int k = config_layer_set(c, r);
		if (first[k] >= 0) {
			if (!one_slot)
				lw[r] = lw[first[k]];
			continue;
		}
		first[k] = r;
		map_layer(L, k, one_slot ? lw : &lw[r], c, names);
	}
	free(first);
	map_mlm(L, m, family_mlm(c->arch));
	map_rtd(L, m);
}

/* The base model saves bare names; BertForMaskedLM and friends put the
 * body under the family's prefix. */
static const char *
arch_prefix(model_arch arch)
{
	switch (arch) {
	case MODEL_ARCH_DISTILBERT: return "distilbert.";
	case MODEL_ARCH_ROBERTA: return "roberta.";
	case MODEL_ARCH_ELECTRA: return "electra.";
	case MODEL_ARCH_ALBERT: return "albert.";
	case MODEL_ARCH_MODERNBERT: return "model.";
	case MODEL_ARCH_DEBERTA_V2: return "deberta.";
	default: return "bert.";
	}
}

static const char *
word_emb_name(model_arch arch)
{
	return arch == MODEL_ARCH_MODERNBERT ? "embeddings.tok_embeddings.weight" :
	    "embeddings.word_embeddings.weight";
}

static const char *
detect_prefix(const wt_set *st, model_arch arch)
{
	char name[64];

	snprintf(name, sizeof name, "%s%s", arch_prefix(arch), word_emb_name(arch));
	return wt_find(st, name) ? arch_prefix(arch) : "";
}

static int
load_weights(model_box *b, const wt_set *st, const char *file, heed_err *e)
{
	model *m = &b->m;
	loader L = {st, file, detect_prefix(st, m->cfg.arch), arch_prefix(m->cfg.arch),
		model_arch_name(m->cfg.arch), NULL, 0, NULL, 0, HEED_OK, e};
	layer_weights scratch;
	deberta_extra xscratch, *x;

	map_model(&L, m, &scratch, &xscratch, true);
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
	x = xcalloc((size_t)m->cfg.layers, sizeof *x);
	map_model(&L, m, m->layer, x, false);
	if (L.rc == HEED_OK) {
		char name[64];
		snprintf(name, sizeof name, "%s%s", L.prefix, word_emb_name(m->cfg.arch));
		m->file_dtype = wt_find(st, name)->dtype;
		if (m->cfg.rel_span > 0)
			rel_project(m, x);
	}
	free(x);
	return L.rc;
}

int
model_set_emd(model *m, bool emd, heed_err *e)
{
	if (emd && !m->emd_ok)
		return err_set(e, HEED_EINVAL, "%s has no enhanced mask decoder (DeBERTa-v3's "
		    "lm_predictions.lm_head with absolute position embeddings the encoder does not "
		    "add)", m->name != NULL ? m->name : "the model");
	m->has_emd = emd;
	return HEED_OK;
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
		b->m.fingerprint = model_fingerprint(w, dir);
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
