/* config.c — read a Hugging Face config.json for BERT or DistilBERT.
 *
 * The two families name the same quantities differently (hidden_size vs
 * dim, num_hidden_layers vs n_layers, ...); both land in one model_config.
 * Every size is checked before it is used to size a buffer.
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/model.h"

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
config_act(const json_t *root, const char *key, model_act *out, const char *file,
	   heed_err *e)
{
	const json_t *v = json_object_get(root, key);
	const char *s;

	if (v == NULL) {
		*out = MODEL_ACT_GELU;  /* transformers' default for both families */
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

/* DistilBERT by model_type, or by an architectures entry for old configs
 * that predate model_type. */
static int
config_arch(const json_t *root, model_arch *arch, const char *file, heed_err *e)
{
	const json_t *mt = json_object_get(root, "model_type");
	const json_t *archs = json_object_get(root, "architectures");
	const char *s;
	size_t i;

	*arch = MODEL_ARCH_BERT;
	if (mt != NULL) {
		s = json_is_string(mt) ? json_string_value(mt) : "";
		if (strcmp(s, "distilbert") == 0)
			*arch = MODEL_ARCH_DISTILBERT;
		else if (strcmp(s, "bert") != 0)
			return err_set(e, HEED_EFORMAT,
			    "%s: model_type \"%.64s\" is not supported (heed runs bert and distilbert)",
			    file, s);
		return HEED_OK;
	}
	for (i = 0; json_is_array(archs) && i < json_array_size(archs); i++) {
		s = json_string_value(json_array_get(archs, i));
		if (s != NULL && strncmp(s, "Distil", 6) == 0)
			*arch = MODEL_ARCH_DISTILBERT;
	}
	return HEED_OK;
}

/* BERT-only keys with transformers' defaults. */
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

static int
config_sizes(const json_t *root, const config_keys *k, model_config *c,
	     const char *file, heed_err *e)
{
	if (config_int(root, k->vocab, &c->vocab_size, file, e) < 0 ||
	    config_int(root, k->hidden, &c->hidden, file, e) < 0 ||
	    config_int(root, k->layers, &c->layers, file, e) < 0 ||
	    config_int(root, k->heads, &c->heads, file, e) < 0 ||
	    config_int(root, k->ffn, &c->ffn, file, e) < 0 ||
	    config_int(root, k->max_pos, &c->max_pos, file, e) < 0 ||
	    config_act(root, k->act, &c->act, file, e) < 0)
		return HEED_EFORMAT;
	if (c->hidden % c->heads != 0)
		return err_set(e, HEED_EFORMAT, "%s: %s %d is not divisible by %s %d",
		    file, k->hidden, c->hidden, k->heads, c->heads);
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
	rc = config_arch(root, &c->arch, file, e);
	if (rc == HEED_OK && c->arch == MODEL_ARCH_DISTILBERT) {
		rc = config_sizes(root, &distil_keys, c, file, e);
		c->ln_eps = 1e-12f;  /* hard-coded in transformers' DistilBERT */
	} else if (rc == HEED_OK) {
		rc = config_sizes(root, &bert_keys, c, file, e);
		if (rc == HEED_OK)
			rc = config_bert_extra(root, c, file, e);
	}
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
	uint32_t v[10] = {
		c->arch, (uint32_t)c->vocab_size, (uint32_t)c->hidden, (uint32_t)c->layers,
		(uint32_t)c->heads, (uint32_t)c->ffn, (uint32_t)c->max_pos,
		(uint32_t)c->type_vocab, 0, c->act,
	};
	uint8_t bytes[sizeof v];
	size_t i;

	memcpy(&v[8], &c->ln_eps, 4);
	for (i = 0; i < sizeof bytes; i++)
		bytes[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
	return util_hash64(bytes, sizeof bytes, 0x68656564u);
}
