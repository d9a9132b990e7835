/* slow.c — the files transformers' "slow" tokenizers read, turned into the
 * same pipeline its converters (convert_slow_tokenizer.py) build for the
 * fast ones: vocab.json + merges.txt as RoBERTa's byte-level BPE.
 * tokenizer_config.json and special_tokens_map.json name the special tokens
 * and options.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* A special token's content: a string or {"content": ...}. */
static const char *
token_name(const json_t *t)
{
	return json_is_string(t) ? json_string_value(t) : json_string_value(json_object_get(t, "content"));
}

const char *
tok_config_token(const json_t *cfg, const json_t *map, const char *key, const char *dflt)
{
	const char *s = token_name(json_object_get(cfg, key));

	if (s == NULL)
		s = token_name(json_object_get(map, key));
	return s != NULL ? s : dflt;
}

static int
vocab_id(const tok_vocab *v, const char *s)
{
	return tok_table_find(v->model.vocab, s, strlen(s));
}

static tok_tpl_item
item(int seq, int id)
{
	tok_tpl_item it = { .seq = seq };

	if (seq < 0) {
		it.ids = xmalloc(sizeof(int));
		it.ids[0] = id;
		it.nids = 1;
	}
	return it;
}

/* RobertaProcessing: <s> A </s> and <s> A </s> </s> B </s>. */
void
tok_roberta_post(tok_vocab *v, int cls, int sep, bool prefix_space)
{
	tok_post *p = &v->post;

	p->present = true;
	p->trim_offsets = true;
	p->prefix_space = prefix_space;
	p->single.it = xcalloc(3, sizeof *p->single.it);
	p->single.it[0] = item(-1, cls);
	p->single.it[1] = item(0, 0);
	p->single.it[2] = item(-1, sep);
	p->single.n = 3;
	p->pair.it = xcalloc(6, sizeof *p->pair.it);
	p->pair.it[0] = item(-1, cls);
	p->pair.it[1] = item(0, 0);
	p->pair.it[2] = item(-1, sep);
	p->pair.it[3] = item(-1, sep);
	p->pair.it[4] = item(1, 0);
	p->pair.it[5] = item(-1, sep);
	p->pair.n = 6;
}

/* merges.txt: a "#version" line, then "a b" per line, rank = order. */
static int
read_merges(tok_vocab *v, const char *buf, size_t len, heed_err *e)
{
	const char *p = buf, *end = buf + len, *nl, *sp;
	int line = 0, rank = 0, a, b, id;
	tok_str s = { 0 };

	while (p < end) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || (n >= 8 && memcmp(p, "#version", 8) == 0)) {
			p = nl + 1;
			continue;
		}
		sp = memchr(p, ' ', n);
		if (sp == NULL || memchr(sp + 1, ' ', n - (size_t)(sp + 1 - p)) != NULL || sp == p ||
		    sp + 1 == p + n) {
			free(s.s);
			return err_set(e, HEED_EFORMAT, "merges.txt line %d is not two pieces", line);
		}
		a = tok_table_find(v->model.vocab, p, (size_t)(sp - p));
		b = tok_table_find(v->model.vocab, sp + 1, n - (size_t)(sp + 1 - p));
		s.n = 0;
		tok_str_put(&s, p, (size_t)(sp - p));
		tok_str_put(&s, sp + 1, n - (size_t)(sp + 1 - p));
		id = tok_table_find(v->model.vocab, s.s, s.n);
		if (a < 0 || b < 0 || id < 0) {
			free(s.s);
			return err_set(e, HEED_EFORMAT,
				       "merges.txt line %d uses a piece not in vocab.json", line);
		}
		tok_bpe_add_merge(&v->model, a, b, rank++, id);
		p = nl + 1;
	}
	free(s.s);
	return HEED_OK;
}

static int
vocab_json(tok_vocab *v, const char *buf, size_t len, heed_err *e)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr), *val;
	const char *k;

	if (root == NULL)
		return err_set(e, HEED_EFORMAT, "vocab.json: not valid JSON: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(root) || json_object_size(root) == 0) {
		json_decref(root);
		return err_set(e, HEED_EFORMAT, "vocab.json: not an object of pieces and ids");
	}
	json_object_foreach(root, k, val) {
		json_int_t id = json_integer_value(val);

		if (!json_is_integer(val) || id < 0 || id > 4 * (json_int_t)json_object_size(root) + 1024) {
			/* k belongs to root: the message first */
			err_set(e, HEED_EFORMAT, "vocab.json: \"%.40s\" has no valid id", k);
			json_decref(root);
			return HEED_EFORMAT;
		}
		tok_table_set(v->model.vocab, (int)id, k, strlen(k));
	}
	json_decref(root);
	tok_table_index(v->model.vocab);
	return HEED_OK;
}

int
tok_merges_build(const char *vocab, size_t vlen, const char *merges, size_t mlen,
		 const json_t *cfg, const json_t *map, tok_vocab **out, heed_err *e)
{
	static const char *const keys[] = { "bos_token", "eos_token", "unk_token", "sep_token",
					    "cls_token", "pad_token", "mask_token" };
	static const char *const dflt[] = { "<s>", "</s>", "<unk>", "</s>", "<s>", "<pad>", "<mask>" };
	tok_vocab *v = tok_new();
	bool prefix = json_is_true(json_object_get(cfg, "add_prefix_space"));
	int rc, cls, sep;
	size_t i;

	*out = NULL;
	v->model.kind = TOK_BPE;
	v->kind = "BPE";
	rc = vocab_json(v, vocab, vlen, e);
	if (rc == HEED_OK)
		rc = read_merges(v, merges, mlen, e);
	if (rc < 0) {
		tok_vocab_free(v);
		return rc;
	}
	v->pre = xcalloc(1, sizeof *v->pre);
	v->npre = 1;
	v->pre->kind = TOK_PRE_BYTELEVEL;
	v->pre->prefix_space = prefix;
	v->pre->use_regex = true;
	v->byte_level = true;
	if ((v->pre->re = tok_gpt2_regex(e)) == NULL) {
		tok_vocab_free(v);
		return HEED_EFORMAT;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *s = tok_config_token(cfg, map, keys[i], dflt[i]);
		int id = tok_table_find(v->model.vocab, s, strlen(s));

		/* RoBERTa's mask token takes the space before it */
		if (id >= 0)
			tok_add_token(v, id, s, strlen(s), true, false, i == 6, false, false);
		if (i == 2)
			v->model.unk = id;
		if (i == 6)
			v->sp.mask = id;
	}
	cls = vocab_id(v, tok_config_token(cfg, map, "cls_token", "<s>"));
	sep = vocab_id(v, tok_config_token(cfg, map, "sep_token", "</s>"));
	if (cls >= 0 && sep >= 0) {
		tok_roberta_post(v, cls, sep, prefix);
	} else {
		/* GPT-2: no special tokens around a sequence, offsets not trimmed */
		v->post.trim_offsets = false;
	}
	if ((rc = tok_finish(v, e)) < 0) {
		tok_vocab_free(v);
		return rc;
	}
	*out = v;
	return HEED_OK;
}

int
tok_merges_parse(const char *vocab, size_t vlen, const char *merges, size_t mlen,
		 tok_vocab **out, heed_err *e)
{
	return tok_merges_build(vocab, vlen, merges, mlen, NULL, NULL, out, e);
}
