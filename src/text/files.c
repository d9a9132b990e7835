/* files.c — which files a tokenizer comes from.  In a model folder the
 * order is transformers' for fast tokenizers: tokenizer.json first, then
 * the slow files (vocab.json + merges.txt, a SentencePiece model, vocab.txt);
 * tokenizer_config.json
 * and special_tokens_map.json name the special tokens.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

static bool
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Prefix the message with the file's name when the parser did not. */
static int
name_error(heed_err *e, int rc, const char *path)
{
	char msg[sizeof e->msg];

	if (e != NULL && strncmp(e->msg, path, strlen(path)) != 0) {
		memcpy(msg, e->msg, sizeof msg);
		err_set(e, rc, "%s: %s", path, msg);
	}
	return rc;
}

static json_t *
load_json(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	json_t *j = is_file(path) ? json_load_file(path, 0, NULL) : NULL;

	free(path);
	return json_is_object(j) ? j : (json_decref(j), NULL);
}

/* A legacy added_tokens.json ({"content": id}) as the added_tokens_decoder
 * entries transformers makes of it: special when it is one of the
 * configured special tokens, normalized when not; the decoder's own entry
 * for an id wins. */
static void
legacy_added(const char *dir, json_t *cfg)
{
	static const char *const keys[] = { "bos_token", "eos_token", "unk_token", "sep_token",
					    "pad_token", "cls_token", "mask_token" };
	json_t *at = load_json(dir, "added_tokens.json"), *dec, *id;
	const char *s;

	if (at == NULL)
		return;
	dec = json_object_get(cfg, "added_tokens_decoder");
	if (!json_is_object(dec)) {
		dec = json_object();
		json_object_set_new(cfg, "added_tokens_decoder", dec);
	}
	json_object_foreach(at, s, id) {
		char key[32];
		bool special = false;

		if (!json_is_integer(id))
			continue;
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(id));
		if (json_object_get(dec, key) != NULL)
			continue;
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			const char *t = tok_config_token(cfg, NULL, keys[k], NULL);

			special |= t != NULL && strcmp(t, s) == 0;
		}
		json_object_set_new(dec, key, json_pack("{s:s, s:b, s:b}", "content", s, "special", special,
							"normalized", !special));
	}
	json_decref(at);
}

/* What a .model needs of the folder's configuration: the class, which
 * AutoTokenizer takes from config.json's model_type when
 * tokenizer_config.json names none (ALBERT's casing and scores,
 * CamemBERT's and XLNet's refusals), and a legacy added_tokens.json.
 * A new reference. */
static json_t *
spm_config(const char *path, const json_t *cfg)
{
	static const char *const cls[][2] = {
		{ "albert", "AlbertTokenizer" }, { "camembert", "CamembertTokenizer" },
		{ "xlm-roberta", "XLMRobertaTokenizer" }, { "deberta-v2", "DebertaV2Tokenizer" },
		{ "xlnet", "XLNetTokenizer" },
	};
	const char *slash = strrchr(path, '/');
	char *dir;
	json_t *mc, *out;
	const char *type;

	dir = slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup(".");
	out = cfg != NULL ? json_deep_copy(cfg) : json_object();
	if (json_object_get(cfg, "tokenizer_class") == NULL) {
		mc = load_json(dir, "config.json");
		type = json_string_value(json_object_get(mc, "model_type"));
		for (size_t i = 0; type != NULL && i < sizeof cls / sizeof cls[0]; i++)
			if (strcmp(type, cls[i][0]) == 0)
				json_object_set_new(out, "tokenizer_class", json_string(cls[i][1]));
		json_decref(mc);
	}
	legacy_added(dir, out);
	free(dir);
	return out;
}

/* cfg: the tokenizer_config.json beside the file, NULL when none. */
static int
load_file(const char *path, const json_t *cfg, tok_vocab **out, heed_err *e)
{
	const char *base = strrchr(path, '/');
	char *buf;
	size_t len;
	int rc;

	rc = util_read_file(path, &buf, &len, e);
	if (rc < 0)
		return rc;
	if (ends_with(path, ".json")) {
		rc = tok_json_parse(buf, len, path, out, e);
	} else if (ends_with(path, ".model")) {
		json_t *sc = spm_config(path, cfg);

		rc = tok_spm_build((const unsigned char *)buf, len, sc, base ? base + 1 : path, out, e);
		json_decref(sc);
	} else {
		rc = tok_wordpiece_from_lines(buf, len, out, e);
	}
	free(buf);
	if (rc < 0)
		return name_error(e, rc, path);
	if ((*out)->source == NULL)
		(*out)->source = xstrdup(path);
	return HEED_OK;
}

/* The configured mask token, when the tokenizer's own files did not make
 * it plain, and [mask] its alias. */
static void
config_mask(tok_vocab *v, const json_t *cfg, const json_t *map)
{
	const char *s = tok_config_token(cfg, map, "mask_token", NULL);
	int id;

	if (s != NULL && (id = tok_id(v, s)) >= 0 && id != v->sp.mask) {
		if (v->sp.mask < 0) {
			tok_add_mask_alias(v, id);
			tok_added_index(v);
		}
		v->sp.mask = id;
		for (int i = 0; i < v->nadded; i++)
			if (v->added[i].nocase)
				v->added[i].id = id;
	}
}

/* vocab.json + merges.txt in dir, both read. */
static int
load_merges(const char *dir, const json_t *cfg, const json_t *map, tok_vocab **out, heed_err *e)
{
	char *vp = xasprintf("%s/vocab.json", dir), *mp = xasprintf("%s/merges.txt", dir);
	char *vb = NULL, *mb = NULL;
	size_t vl, ml;
	int rc;

	rc = util_read_file(vp, &vb, &vl, e);
	if (rc == HEED_OK)
		rc = util_read_file(mp, &mb, &ml, e);
	if (rc == HEED_OK && (rc = tok_merges_build(vb, vl, mb, ml, cfg, map, out, e)) < 0)
		name_error(e, rc, dir);
	if (rc == HEED_OK)
		(*out)->source = xasprintf("%s + %s", vp, mp);
	free(vb);
	free(mb);
	free(vp);
	free(mp);
	return rc;
}

static bool
has(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = is_file(p);

	free(p);
	return ok;
}

/* Anything by that name (a FIFO, a device, a link loop): the tokenizer
 * file it names is then read, and reading it says what is wrong with it,
 * instead of "no tokenizer". */
static bool
present(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat sb;
	bool ok = lstat(p, &sb) == 0;

	free(p);
	return ok;
}

/* The SentencePiece model of a folder, by the names transformers uses. */
static char *
spm_file(const char *dir)
{
	static const char *const names[] = { "spiece.model", "spm.model", "sentencepiece.bpe.model",
					     "tokenizer.model" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (has(dir, names[i]))
			return xasprintf("%s/%s", dir, names[i]);
	return NULL;
}

/* A tokenizer file named directly still takes what the tokenizer_config.json
 * beside it says (a vocab.txt's casing, a .model's), as transformers would. */
static int
load_named(const char *path, tok_vocab **out, heed_err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup(".");
	json_t *cfg = load_json(dir, "tokenizer_config.json");
	int rc = load_file(path, cfg, out, e);

	if (rc == HEED_OK)
		tok_bert_config(*out, cfg);
	json_decref(cfg);
	free(dir);
	return rc;
}

int
tok_load(const char *path, tok_vocab **out, heed_err *e)
{
	struct stat sb;
	json_t *cfg, *map;
	char *p;
	int rc;

	*out = NULL;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return load_named(path, out, e);
	cfg = load_json(path, "tokenizer_config.json");
	map = load_json(path, "special_tokens_map.json");
	if (present(path, "tokenizer.json")) {
		p = xasprintf("%s/tokenizer.json", path);
		rc = load_file(p, cfg, out, e);
		free(p);
	} else if (has(path, "vocab.json") && has(path, "merges.txt")) {
		rc = load_merges(path, cfg, map, out, e);
	} else if ((p = spm_file(path)) != NULL) {
		rc = load_file(p, cfg, out, e);
		free(p);
	} else if (present(path, "vocab.txt")) {
		p = xasprintf("%s/vocab.txt", path);
		rc = load_file(p, cfg, out, e);
		free(p);
	} else {
		rc = err_set(e, HEED_EFORMAT,
			     "%s: no tokenizer (tokenizer.json, vocab.json + merges.txt, "
			     "a SentencePiece .model or vocab.txt)", path);
	}
	if (rc == HEED_OK) {
		config_mask(*out, cfg, map);
		tok_bert_config(*out, cfg);
	}
	json_decref(cfg);
	json_decref(map);
	return rc;
}

int
tok_vocab_load(const char *path, tok_vocab **out, heed_err *e)
{
	return tok_load(path, out, e);
}
