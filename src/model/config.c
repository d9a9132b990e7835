/* config.c — read a Hugging Face config.json and tell which family it is.
 *
 * The family comes from model_type (or, in configs older than model_type,
 * the architectures list), and a table row per family says where its sizes
 * live (DistilBERT names them dim, n_layers, ...) and what else it needs:
 * RoBERTa's padding_idx, ALBERT's and ELECTRA's embedding size, ALBERT's
 * layer groups.  Everything lands in one model_config, BERT's values where
 * a family does not differ.  Every size is checked before it is used to
 * size a buffer.
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/model.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONFIG_MAX_SIZE (1 << 20)

/* Keys of one family, in model_config order. */
typedef struct config_keys {
	const char *vocab, *hidden, *layers, *heads, *ffn, *max_pos, *act;
} config_keys;

static const config_keys bert_keys = {
	"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
	"intermediate_size", "max_position_embeddings", "hidden_act",
};
static const config_keys distil_keys = {
	"vocab_size", "dim", "n_layers", "n_heads", "hidden_dim",
	"max_position_embeddings", "activation",
};

static int
config_int(const json_t *root, const char *key, int *out, const char *file, heed_err *e)
{
	const json_t *v = json_object_get(root, key);
	json_int_t x;

	if (v == NULL)
		return err_set(e, HEED_EFORMAT, "%s: missing key \"%s\"", file, key);
	if (!json_is_integer(v))
		return err_set(e, HEED_EFORMAT, "%s: \"%s\" is not an integer", file, key);
	x = json_integer_value(v);
	if (x <= 0 || x > CONFIG_MAX_SIZE)
		return err_set(e, HEED_EFORMAT, "%s: \"%s\" is %lld (expected 1..%d)",
		    file, key, (long long)x, CONFIG_MAX_SIZE);
	*out = (int)x;
	return HEED_OK;
}

static int
config_act(const json_t *root, const char *key, model_act def, model_act *out,
	   const char *file, heed_err *e)
{
	const json_t *v = json_object_get(root, key);
	const char *s;

	if (v == NULL) {
		*out = def;  /* the family's config class default */
		return HEED_OK;
	}
	s = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(s, "gelu") == 0)
		*out = MODEL_ACT_GELU;
	else if (strcmp(s, "gelu_new") == 0 || strcmp(s, "gelu_pytorch_tanh") == 0)
		*out = MODEL_ACT_GELU_TANH;
	else if (strcmp(s, "relu") == 0)
		*out = MODEL_ACT_RELU;
	else
		return err_set(e, HEED_EFORMAT,
		    "%s: \"%s\" must be \"gelu\", \"gelu_new\", \"gelu_pytorch_tanh\" or \"relu\"",
		    file, key);
	return HEED_OK;
}

/* BERT-only keys with transformers' defaults (BertConfig and the configs
 * copied from it). */
static int
config_bert_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	const json_t *eps = json_object_get(root, "layer_norm_eps");
	const json_t *pet = json_object_get(root, "position_embedding_type");
	double x;

	c->type_vocab = 2;
	if (json_object_get(root, "type_vocab_size") != NULL &&
	    config_int(root, "type_vocab_size", &c->type_vocab, file, e) < 0)
		return HEED_EFORMAT;
	c->ln_eps = 1e-12f;
	if (eps != NULL) {
		x = json_number_value(eps);
		if (!json_is_number(eps) || !(x > 0 && x < 1))
			return err_set(e, HEED_EFORMAT,
			    "%s: \"layer_norm_eps\" must be a number in (0, 1)", file);
		c->ln_eps = (float)x;
	}
	if (pet != NULL && (!json_is_string(pet) ||
	    strcmp(json_string_value(pet), "absolute") != 0))
		return err_set(e, HEED_EFORMAT,
		    "%s: position_embedding_type must be \"absolute\" (heed has no relative positions)",
		    file);
	return HEED_OK;
}

/* An optional size key: def when absent, else 1..CONFIG_MAX_SIZE. */
static int
config_int_or(const json_t *root, const char *key, int def, int *out, const char *file,
	      heed_err *e)
{
	*out = def;
	if (json_object_get(root, key) == NULL)
		return HEED_OK;
	return config_int(root, key, out, file, e);
}

static int
config_distil_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	(void)root, (void)file, (void)e;
	c->type_vocab = 0;
	c->ln_eps = 1e-12f;  /* hard-coded in transformers' DistilBERT */
	return HEED_OK;
}

/* RobertaEmbeddings numbers positions from padding_idx + 1 (pad_token_id,
 * 1 by default), so max_position_embeddings holds padding_idx + 1 more
 * rows than the longest input (roberta-base: 514 for 512 tokens). */
static int
config_roberta_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	const json_t *pad = json_object_get(root, "pad_token_id");
	json_int_t p = 1;

	if (config_bert_extra(root, c, file, e) < 0)
		return HEED_EFORMAT;
	if (pad != NULL) {
		if (!json_is_integer(pad) || json_integer_value(pad) < 0 ||
		    json_integer_value(pad) >= c->vocab_size)
			return err_set(e, HEED_EFORMAT,
			    "%s: \"pad_token_id\" must be a token id (0..%d)", file, c->vocab_size - 1);
		p = json_integer_value(pad);
	}
	if (p + 1 >= c->max_pos)
		return err_set(e, HEED_EFORMAT, "%s: max_position_embeddings %d leaves no position "
		    "after padding_idx %lld", file, c->max_pos, (long long)p);
	c->pad_pos = (int)p;
	c->max_tokens = c->max_pos - c->pad_pos - 1;
	c->head_act = MODEL_ACT_GELU;  /* RobertaLMHead calls gelu itself */
	return HEED_OK;
}

static int
config_electra_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	if (config_bert_extra(root, c, file, e) < 0 ||
	    config_int_or(root, "embedding_size", 128, &c->emb, file, e) < 0)
		return HEED_EFORMAT;
	c->head_act = MODEL_ACT_GELU;  /* ElectraGeneratorPredictions: get_activation("gelu") */
	return HEED_OK;
}

/* ALBERT runs num_hidden_layers layers from num_hidden_groups groups of
 * inner_group_num layers each; every run of a layer is its own row. */
static int
config_albert_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	if (config_bert_extra(root, c, file, e) < 0 ||
	    config_int_or(root, "embedding_size", 128, &c->emb, file, e) < 0 ||
	    config_int_or(root, "num_hidden_groups", 1, &c->groups, file, e) < 0 ||
	    config_int_or(root, "inner_group_num", 1, &c->inner, file, e) < 0)
		return HEED_EFORMAT;
	if (c->groups > c->layers)
		return err_set(e, HEED_EFORMAT, "%s: num_hidden_groups %d exceeds num_hidden_layers %d",
		    file, c->groups, c->layers);
	if ((long)c->layers * c->inner > 4096)
		return err_set(e, HEED_EFORMAT, "%s: num_hidden_layers x inner_group_num is %ld "
		    "(expected at most 4096)", file, (long)c->layers * c->inner);
	c->layers *= c->inner;
	return HEED_OK;
}

/* ---- ModernBERT and DeBERTa-v2/v3 ------------------------------------- */

static const config_keys modernbert_keys = {
	"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
	"intermediate_size", "max_position_embeddings", "hidden_activation",
};

/* An optional boolean key, def when absent. */
static int
config_bool(const json_t *root, const char *key, bool def, bool *out, const char *file,
	    heed_err *e)
{
	const json_t *v = json_object_get(root, key);

	*out = def;
	if (v == NULL || json_is_null(v))
		return HEED_OK;
	if (!json_is_boolean(v))
		return err_set(e, HEED_EFORMAT, "%s: \"%s\" must be true or false", file, key);
	*out = json_is_true(v);
	return HEED_OK;
}

/* An optional number key in (lo, hi), def when absent. */
static int
config_real(const json_t *root, const char *key, double def, double lo, double hi, double *out,
	    const char *file, heed_err *e)
{
	const json_t *v = json_object_get(root, key);

	*out = def;
	if (v == NULL)
		return HEED_OK;
	*out = json_number_value(v);
	if (!json_is_number(v) || !(*out > lo && *out < hi))
		return err_set(e, HEED_EFORMAT, "%s: \"%s\" must be a number in (%g, %g)",
		    file, key, lo, hi);
	return HEED_OK;
}

/* An optional integer key that may be negative (DeBERTa's -1 for "none"). */
static int
config_int_any(const json_t *root, const char *key, int def, int *out, const char *file,
	       heed_err *e)
{
	const json_t *v = json_object_get(root, key);

	*out = def;
	if (v == NULL)
		return HEED_OK;
	if (!json_is_integer(v) || json_integer_value(v) < -1 ||
	    json_integer_value(v) > CONFIG_MAX_SIZE)
		return err_set(e, HEED_EFORMAT, "%s: \"%s\" must be an integer in -1..%d",
		    file, key, CONFIG_MAX_SIZE);
	*out = (int)json_integer_value(v);
	return HEED_OK;
}

/* RoPE theta of one layer kind: rope_parameters[kind].rope_theta (configs
 * written by transformers >= 4.56), else the older flat key, else
 * ModernBertConfig's default.  Only plain RoPE is implemented. */
static int
config_rope(const json_t *root, const char *kind, const char *flat, double def, float *out,
	    const char *file, heed_err *e)
{
	const json_t *rp = json_object_get(root, "rope_parameters");
	const json_t *k = json_is_object(rp) ? json_object_get(rp, kind) : NULL;
	const json_t *type = json_is_object(k) ? json_object_get(k, "rope_type") : NULL;
	const json_t *sc = json_object_get(root, "rope_scaling");
	double v;

	if ((type != NULL && (!json_is_string(type) ||
	    strcmp(json_string_value(type), "default") != 0)) || (sc != NULL && !json_is_null(sc)))
		return err_set(e, HEED_EFORMAT, "%s: scaled rotary embeddings (rope_type other than "
		    "\"default\") are not supported", file);
	if (json_is_object(k) && json_object_get(k, "rope_theta") != NULL) {
		if (config_real(k, "rope_theta", def, 1.0, 1e12, &v, file, e) < 0)
			return HEED_EFORMAT;
	} else if (config_real(root, flat, def, 1.0, 1e12, &v, file, e) < 0) {
		return HEED_EFORMAT;
	}
	*out = (float)v;
	return HEED_OK;
}

/* ModernBertConfig: layer l is global when l % global_attn_every_n_layers
 * == 0; newer configs spell the same pattern out as layer_types, which must
 * agree with it (any other pattern would need a per-layer table). */
static int
config_modernbert_layers(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	const json_t *types = json_object_get(root, "layer_types");
	int window;

	if (config_int_or(root, "global_attn_every_n_layers", 3, &c->global_every, file, e) < 0 ||
	    config_int_or(root, "local_attention", 128, &window, file, e) < 0)
		return HEED_EFORMAT;
	c->half_window = window / 2;
	if (types == NULL || json_is_null(types))
		return HEED_OK;
	if (!json_is_array(types) || (int)json_array_size(types) != c->layers)
		return err_set(e, HEED_EFORMAT, "%s: \"layer_types\" must list %d layers", file, c->layers);
	for (int l = 0; l < c->layers; l++) {
		const char *t = json_string_value(json_array_get(types, (size_t)l));
		const char *want = l % c->global_every == 0 ? "full_attention" : "sliding_attention";
		if (t == NULL || strcmp(t, want) != 0)
			return err_set(e, HEED_EFORMAT, "%s: layer_types[%d] is not \"%s\": heed runs "
			    "ModernBERT's pattern of a global layer every global_attn_every_n_layers (%d)",
			    file, l, want, c->global_every);
	}
	return HEED_OK;
}

static int
config_modernbert_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	double eps;

	c->type_vocab = 0;
	c->pos_input = false;
	if (config_real(root, "norm_eps", 1e-5, 0.0, 1.0, &eps, file, e) < 0 ||
	    config_act(root, "classifier_activation", MODEL_ACT_GELU, &c->head_act, file, e) < 0 ||
	    config_modernbert_layers(root, c, file, e) < 0 ||
	    config_rope(root, "full_attention", "global_rope_theta", 160000.0, &c->rope_global,
			file, e) < 0 ||
	    config_rope(root, "sliding_attention", "local_rope_theta", 10000.0, &c->rope_local,
			file, e) < 0 ||
	    config_bool(root, "norm_bias", false, &c->norm_bias, file, e) < 0 ||
	    config_bool(root, "attention_bias", false, &c->attn_bias, file, e) < 0 ||
	    config_bool(root, "mlp_bias", false, &c->mlp_bias, file, e) < 0 ||
	    config_bool(root, "classifier_bias", false, &c->head_bias, file, e) < 0 ||
	    config_bool(root, "decoder_bias", true, &c->dec_bias, file, e) < 0)
		return HEED_EFORMAT;
	c->ln_eps = (float)eps;
	if ((c->hidden / c->heads) % 2 != 0)
		return err_set(e, HEED_EFORMAT, "%s: head size %d is odd: rotary embeddings rotate "
		    "pairs", file, c->hidden / c->heads);
	return HEED_OK;
}

/* pos_att_type: a list (["p2c", "c2p"]) or DeBERTa's "p2c|c2p" string. */
static void
config_att_types(const json_t *v, model_config *c)
{
	char buf[64];
	const char *s;

	for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		c->rel_c2p = c->rel_c2p || (s != NULL && strcmp(s, "c2p") == 0);
		c->rel_p2c = c->rel_p2c || (s != NULL && strcmp(s, "p2c") == 0);
	}
	if (json_is_string(v)) {
		snprintf(buf, sizeof buf, "|%s|", json_string_value(v));
		for (char *p = buf; *p != '\0'; p++)
			*p = *p == ' ' ? '|' : (char)tolower((unsigned char)*p);
		c->rel_c2p = strstr(buf, "|c2p|") != NULL;
		c->rel_p2c = strstr(buf, "|p2c|") != NULL;
	}
}

/* DebertaV2Config's relative attention (DebertaV2Encoder and
 * DisentangledSelfAttention read these with getattr defaults). */
static int
config_deberta_rel(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	const json_t *nre = json_object_get(root, "norm_rel_ebd");
	bool relative;
	char buf[64];

	if (config_bool(root, "relative_attention", false, &relative, file, e) < 0 ||
	    config_int_any(root, "position_buckets", -1, &c->rel_buckets, file, e) < 0 ||
	    config_int_any(root, "max_relative_positions", -1, &c->rel_max, file, e) < 0 ||
	    config_bool(root, "share_att_key", false, &c->rel_share_key, file, e) < 0)
		return HEED_EFORMAT;
	if (!relative)
		return HEED_OK;
	if (c->rel_max < 1)
		c->rel_max = c->max_pos;
	if (c->rel_buckets < 0)
		c->rel_buckets = 0;
	if (c->rel_buckets > 0 && (c->rel_buckets < 4 || c->rel_max < c->rel_buckets / 2 + 2))
		return err_set(e, HEED_EFORMAT, "%s: position_buckets %d does not fit "
		    "max_relative_positions %d", file, c->rel_buckets, c->rel_max);
	c->rel_span = c->rel_buckets > 0 ? c->rel_buckets : c->rel_max;
	config_att_types(json_object_get(root, "pos_att_type"), c);
	c->rel_terms = c->rel_c2p + c->rel_p2c;
	if (nre != NULL && !json_is_string(nre))
		return err_set(e, HEED_EFORMAT, "%s: \"norm_rel_ebd\" must be a string", file);
	snprintf(buf, sizeof buf, "|%s|", nre != NULL ? json_string_value(nre) : "none");
	for (char *p = buf; *p != '\0'; p++)
		*p = *p == ' ' ? '|' : (char)tolower((unsigned char)*p);
	c->rel_norm = strstr(buf, "|layer_norm|") != NULL;
	return HEED_OK;
}

static int
config_deberta_extra(const json_t *root, model_config *c, const char *file, heed_err *e)
{
	int esize, conv, head_size;
	double eps;

	if (config_int_any(root, "type_vocab_size", 0, &c->type_vocab, file, e) < 0 ||
	    config_real(root, "layer_norm_eps", 1e-7, 0.0, 1.0, &eps, file, e) < 0 ||
	    config_bool(root, "position_biased_input", true, &c->pos_input, file, e) < 0 ||
	    config_bool(root, "legacy", true, &c->mlm_legacy, file, e) < 0 ||
	    config_int_or(root, "embedding_size", c->hidden, &esize, file, e) < 0 ||
	    config_int_any(root, "conv_kernel_size", 0, &conv, file, e) < 0 ||
	    config_int_or(root, "attention_head_size", c->hidden / c->heads, &head_size, file, e) < 0 ||
	    config_deberta_rel(root, c, file, e) < 0)
		return HEED_EFORMAT;
	if (c->type_vocab < 0)
		c->type_vocab = 0;
	c->ln_eps = (float)eps;
	if (esize != c->hidden)
		return err_set(e, HEED_EFORMAT, "%s: embedding_size %d differs from hidden_size %d "
		    "(DeBERTa's embed_proj is not supported)", file, esize, c->hidden);
	if (conv > 0)
		return err_set(e, HEED_EFORMAT, "%s: conv_kernel_size %d: the convolution layer of "
		    "deberta-v2-xlarge and -xxlarge is not supported", file, conv);
	if (head_size != c->hidden / c->heads)
		return err_set(e, HEED_EFORMAT, "%s: attention_head_size %d is not hidden_size / "
		    "num_attention_heads", file, head_size);
	return HEED_OK;
}

int
model_layer_window(const model_config *c, int l)
{
	if (c->arch != MODEL_ARCH_MODERNBERT || c->global_every < 1 || l % c->global_every == 0)
		return -1;
	return c->half_window;
}

/* One row per family: how config.json names it, where its sizes live,
 * and what is particular to it. */
typedef struct family {
	model_arch arch;
	const char *title;         /* for messages */
	const char *types[4];      /* model_type values */
	const char *classes[4];    /* architectures class-name stems */
	const config_keys *keys;
	model_act act_default;     /* when hidden_act is absent */
	int (*extra)(const json_t *root, model_config *c, const char *file, heed_err *e);
} family;

static const family families[] = {
	{ MODEL_ARCH_BERT, "BERT", {"bert"}, {"Bert"}, &bert_keys, MODEL_ACT_GELU, config_bert_extra },
	{ MODEL_ARCH_DISTILBERT, "DistilBERT", {"distilbert"}, {"DistilBert"}, &distil_keys, MODEL_ACT_GELU,
	  config_distil_extra },
	{ MODEL_ARCH_ROBERTA, "RoBERTa", {"roberta", "camembert", "xlm-roberta"},
	  {"Roberta", "Camembert", "XLMRoberta"}, &bert_keys, MODEL_ACT_GELU, config_roberta_extra },
	{ MODEL_ARCH_ELECTRA, "ELECTRA", {"electra"}, {"Electra"}, &bert_keys, MODEL_ACT_GELU,
	  config_electra_extra },
	{ MODEL_ARCH_ALBERT, "ALBERT", {"albert"}, {"Albert"}, &bert_keys, MODEL_ACT_GELU_TANH,
	  config_albert_extra },
	{ MODEL_ARCH_MODERNBERT, "ModernBERT", {"modernbert"}, {"ModernBert"}, &modernbert_keys,
	  MODEL_ACT_GELU, config_modernbert_extra },
	{ MODEL_ARCH_DEBERTA_V2, "DeBERTa-v2", {"deberta-v2"}, {"DebertaV2"}, &bert_keys,
	  MODEL_ACT_GELU, config_deberta_extra },
};
#define NFAMILIES (sizeof families / sizeof families[0])

const char *
model_arch_name(model_arch a)
{
	for (size_t i = 0; i < NFAMILIES; i++)
		if (families[i].arch == a)
			return families[i].title;
	return "?";
}

const char *
model_families(void)
{
	static char list[256];

	if (list[0] == '\0') {
		size_t o = 0;
		for (size_t i = 0; i < NFAMILIES; i++)
			for (size_t t = 0; t < 4 && families[i].types[t] != NULL; t++)
				o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
				    o ? ", " : "", families[i].types[t]);
	}
	return list;
}

/* "RobertaForMaskedLM" is stem "Roberta" and a task: Model, For..., or
 * LMHead...; "RobertaPreLayerNormModel" is another family. */
static bool
class_of(const char *cls, const char *stem)
{
	size_t n = strlen(stem);
	const char *rest = cls + n;

	return strncmp(cls, stem, n) == 0 && (strncmp(rest, "Model", 5) == 0 ||
	    strncmp(rest, "For", 3) == 0 || strncmp(rest, "LMHead", 6) == 0);
}

/* The family by model_type; for old configs that predate model_type, by an
 * architectures entry; with neither, BERT (the first configs had neither). */
static int
config_family(const json_t *root, const family **fam, const char *file, heed_err *e)
{
	const json_t *mt = json_object_get(root, "model_type");
	const json_t *archs = json_object_get(root, "architectures");
	const char *s;

	*fam = &families[0];
	if (mt != NULL && !json_is_string(mt))
		return err_set(e, HEED_EFORMAT, "%s: model_type is %s, not a name such as \"bert\"",
		    file, json_is_number(mt) ? "a number" : json_is_null(mt) ? "null" :
		    "not a string");
	if (mt != NULL) {
		s = json_string_value(mt);
		for (size_t i = 0; i < NFAMILIES; i++)
			for (size_t t = 0; t < 4 && families[i].types[t] != NULL; t++)
				if (strcmp(s, families[i].types[t]) == 0) {
					*fam = &families[i];
					return HEED_OK;
				}
		return err_set(e, HEED_EFORMAT, "%s: model_type \"%.64s\" is not supported "
		    "(heed runs %s)", file, s, model_families());
	}
	if (!json_is_array(archs) || json_array_size(archs) == 0)
		return HEED_OK;
	for (size_t a = 0; a < json_array_size(archs); a++) {
		s = json_string_value(json_array_get(archs, a));
		for (size_t i = 0; s != NULL && i < NFAMILIES; i++)
			for (size_t t = 0; t < 4 && families[i].classes[t] != NULL; t++)
				if (class_of(s, families[i].classes[t])) {
					*fam = &families[i];
					return HEED_OK;
				}
	}
	s = json_string_value(json_array_get(archs, 0));
	return err_set(e, HEED_EFORMAT, "%s: architectures \"%.64s\" is not a family heed runs "
	    "(%s)", file, s != NULL ? s : "?", model_families());
}

static int
config_sizes(const json_t *root, const family *f, model_config *c, const char *file,
	     heed_err *e)
{
	const config_keys *k = f->keys;

	if (config_int(root, k->vocab, &c->vocab_size, file, e) < 0 ||
	    config_int(root, k->hidden, &c->hidden, file, e) < 0 ||
	    config_int(root, k->layers, &c->layers, file, e) < 0 ||
	    config_int(root, k->heads, &c->heads, file, e) < 0 ||
	    config_int(root, k->ffn, &c->ffn, file, e) < 0 ||
	    config_int(root, k->max_pos, &c->max_pos, file, e) < 0 ||
	    config_act(root, k->act, f->act_default, &c->act, file, e) < 0)
		return HEED_EFORMAT;
	if (c->hidden % c->heads != 0)
		return err_set(e, HEED_EFORMAT, "%s: %s %d is not divisible by %s %d",
		    file, k->hidden, c->hidden, k->heads, c->heads);
	/* BERT's values; a family's extra() changes what differs */
	c->emb = c->hidden;
	c->pad_pos = -1;
	c->max_tokens = c->max_pos;
	c->groups = c->inner = 1;
	c->head_act = c->act;
	return HEED_OK;
}

static int
config_parse_named(const char *json, size_t len, const char *file, model_config *c,
		   bool *has_case, heed_err *e)
{
	json_error_t jerr;
	json_t *root, *lc;
	int rc;

	memset(c, 0, sizeof *c);
	root = json_loadb(json, len, 0, &jerr);
	if (root == NULL)
		return err_set(e, HEED_EFORMAT, "%s: not valid JSON: %s (line %d)",
		    file, jerr.text, jerr.line);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_set(e, HEED_EFORMAT, "%s: not a JSON object", file);
	}
	const family *f;
	rc = config_family(root, &f, file, e);
	if (rc == HEED_OK) {
		c->arch = f->arch;
		rc = config_sizes(root, f, c, file, e);
	}
	if (rc == HEED_OK)
		rc = f->extra(root, c, file, e);
	lc = json_object_get(root, "do_lower_case");
	*has_case = json_is_boolean(lc);
	c->lowercase = *has_case ? json_is_true(lc) : true;
	json_decref(root);
	return rc < 0 ? HEED_EFORMAT : HEED_OK;
}

int
config_parse(const char *json, size_t len, model_config *c, heed_err *e)
{
	bool has_case;

	return config_parse_named(json, len, "config.json", c, &has_case, e);
}

/* Casing usually lives in tokenizer_config.json beside config.json.  A file
 * that is present but unreadable as JSON is an error: silently guessing the
 * casing would tokenize every word wrong. */
static int
config_tokenizer_case(const char *path, model_config *c, heed_err *e)
{
	const char *slash = strrchr(path, '/');
	char *tpath = slash ? xasprintf("%.*s/tokenizer_config.json", (int)(slash - path), path)
			    : xstrdup("tokenizer_config.json");
	struct stat sb;
	json_error_t jerr;
	json_t *root, *lc;
	int rc = HEED_OK;

	if (stat(tpath, &sb) != 0) {
		free(tpath);
		return HEED_OK;
	}
	root = json_load_file(tpath, 0, &jerr);
	if (root == NULL) {
		rc = err_set(e, HEED_EFORMAT, "%s: not valid JSON: %s (line %d)",
		    tpath, jerr.text, jerr.line);
	} else {
		lc = json_object_get(root, "do_lower_case");
		if (json_is_boolean(lc))
			c->lowercase = json_is_true(lc);
		json_decref(root);
	}
	free(tpath);
	return rc;
}

int
config_load(const char *path, model_config *c, heed_err *e)
{
	char *buf;
	size_t len;
	bool has_case;
	int rc;

	if ((rc = util_read_file(path, &buf, &len, e)) < 0)
		return rc;
	rc = config_parse_named(buf, len, path, c, &has_case, e);
	if (rc == HEED_OK && !has_case)
		rc = config_tokenizer_case(path, c, e);
	free(buf);
	return rc;
}

uint64_t
config_hash(const model_config *c)
{
	/* Serialised little-endian field by field, so padding, enum sizes and
	 * host byte order never change the hash. */
	uint32_t v[24] = {
		c->arch, (uint32_t)c->vocab_size, (uint32_t)c->hidden, (uint32_t)c->layers,
		(uint32_t)c->heads, (uint32_t)c->ffn, (uint32_t)c->max_pos,
		(uint32_t)c->type_vocab, 0, c->act,
		/* the families after BERT and DistilBERT: hashed only for them, so
		 * older calibration files keep their hash */
		(uint32_t)c->emb, (uint32_t)c->pad_pos, (uint32_t)c->groups, (uint32_t)c->inner,
		c->head_act, 0,
		/* ModernBERT's windows and RoPE, DeBERTa's relative attention */
		(uint32_t)c->global_every, (uint32_t)c->half_window, 0, 0,
		(uint32_t)c->rel_span, (uint32_t)c->rel_buckets, (uint32_t)c->rel_max,
		(uint32_t)(c->rel_c2p | c->rel_p2c << 1 | c->rel_share_key << 2 | c->rel_norm << 3 |
		    c->pos_input << 4 | c->norm_bias << 5 | c->attn_bias << 6 | c->mlp_bias << 7 |
		    c->head_bias << 8 | c->dec_bias << 9),
	};
	size_t nv = c->arch <= MODEL_ARCH_DISTILBERT ? 10 : c->arch <= MODEL_ARCH_ALBERT ? 16 : 24;
	uint8_t bytes[sizeof v];
	size_t i;

	memcpy(&v[8], &c->ln_eps, 4);
	memcpy(&v[18], &c->rope_global, 4);
	memcpy(&v[19], &c->rope_local, 4);
	for (i = 0; i < nv * 4; i++)
		bytes[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
	return util_hash64(bytes, nv * 4, 0x68656564u);
}

int
config_layer_sets(const model_config *c)
{
	return c->arch == MODEL_ARCH_ALBERT ? c->groups * c->inner : c->layers;
}

int
config_layer_set(const model_config *c, int row)
{
	if (c->arch != MODEL_ARCH_ALBERT)
		return row;
	int depth = c->layers / c->inner, i = row / c->inner, j = row % c->inner;
	/* AlbertTransformer: group_idx = int(i / (num_hidden_layers / num_hidden_groups)),
	 * in floating point as Python computes it */
	int g = (int)(i / ((double)depth / c->groups));

	return g * c->inner + j;
}
