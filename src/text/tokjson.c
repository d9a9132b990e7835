/* tokjson.c — tokenizer.json, the Hugging Face tokenizers format, read
 * with jansson into the pipeline's parts.  Anything heed does not run
 * (a normalizer or model type it does not know) is refused with its name:
 * a tokenizer silently missing a step would give wrong tokens.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool
jbool(const json_t *o, const char *key, bool dflt)
{
	const json_t *b = json_object_get(o, key);

	return json_is_boolean(b) ? json_is_true(b) : dflt;
}

static int32_t *
cps_of(const char *s, int *n)
{
	size_t len = strlen(s), i = 0;
	int32_t *cp = xmalloc((len + 1) * sizeof *cp);
	int m = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		int k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		int32_t v = k == 1 ? c : c & (0x3F >> (k - 1));

		for (int j = 1; j < k && i + (size_t)j < len; j++)
			v = (v << 6) | ((unsigned char)s[i + (size_t)j] & 0x3F);
		cp[m++] = v;
		i += (size_t)k;
	}
	*n = m;
	return cp;
}

/* {"String": s} or {"Regex": r}: a compiled pattern, or NULL with e set. */
static void *
pattern(const json_t *p, heed_err *e)
{
	const char *s;

	if ((s = jstr(p, "String")) != NULL)
		return tok_regex_compile(s, strlen(s), true, e);
	if ((s = jstr(p, "Regex")) != NULL)
		return tok_regex_compile(s, strlen(s), false, e);
	err_set(e, HEED_EFORMAT, "a pattern is neither {\"String\"} nor {\"Regex\"}");
	return NULL;
}

static int
behavior(const json_t *o, enum tok_behavior dflt, enum tok_behavior *out, heed_err *e)
{
	static const char *const names[] = { "Removed", "Isolated", "MergedWithPrevious",
					     "MergedWithNext", "Contiguous" };
	const char *s = jstr(o, "behavior");
	int i;

	*out = dflt;
	if (s == NULL)
		return HEED_OK;
	for (i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum tok_behavior)i;
			return HEED_OK;
		}
	return err_set(e, HEED_EFORMAT, "unknown split behavior \"%s\"", s);
}

/* ---- normalizers ---------------------------------------------------------- */

tok_norm *
tok_norm_add(tok_vocab *v, enum tok_norm_kind k)
{
	v->norm = xrealloc(v->norm, (size_t)(v->nnorm + 1) * sizeof *v->norm);
	memset(&v->norm[v->nnorm], 0, sizeof *v->norm);
	v->norm[v->nnorm].kind = k;
	return &v->norm[v->nnorm++];
}

static int
base64(const char *s, uint8_t **out, size_t *n)
{
	size_t len = strlen(s), i, o = 0;
	uint32_t acc = 0;
	int bits = 0;
	uint8_t *b = xmalloc(len * 3 / 4 + 4);

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= 'A' && c <= 'Z') d = c - 'A';
		else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
		else if (c >= '0' && c <= '9') d = c - '0' + 52;
		else if (c == '+') d = 62;
		else if (c == '/') d = 63;
		else if (c == '=') break;
		else {
			free(b);
			return -1;
		}
		acc = (acc << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b[o++] = (uint8_t)(acc >> bits);
		}
	}
	*out = b;
	*n = o;
	return 0;
}

static int
parse_norm(tok_vocab *v, const json_t *j, heed_err *e)
{
	const char *t;
	tok_norm *n;
	size_t i;
	int rc;

	if (json_is_null(j) || j == NULL)
		return HEED_OK;
	t = jstr(j, "type");
	if (t == NULL)
		return err_set(e, HEED_EFORMAT, "a normalizer has no \"type\"");
	if (strcmp(t, "Sequence") == 0) {
		const json_t *a = json_object_get(j, "normalizers");

		for (i = 0; i < json_array_size(a); i++)
			if ((rc = parse_norm(v, json_array_get(a, i), e)) < 0)
				return rc;
		return HEED_OK;
	}
	if (strcmp(t, "BertNormalizer") == 0) {
		const json_t *sa = json_object_get(j, "strip_accents");

		n = tok_norm_add(v, TOK_NORM_BERT);
		n->clean_text = jbool(j, "clean_text", true);
		n->chinese = jbool(j, "handle_chinese_chars", true);
		n->lowercase = jbool(j, "lowercase", true);
		n->strip_accents = json_is_boolean(sa) ? json_is_true(sa) : n->lowercase;
	} else if (strcmp(t, "Lowercase") == 0) {
		tok_norm_add(v, TOK_NORM_LOWER);
	} else if (strcmp(t, "NFC") == 0) {
		tok_norm_add(v, TOK_NORM_NFC);
	} else if (strcmp(t, "NFD") == 0) {
		tok_norm_add(v, TOK_NORM_NFD);
	} else if (strcmp(t, "NFKC") == 0) {
		tok_norm_add(v, TOK_NORM_NFKC);
	} else if (strcmp(t, "NFKD") == 0) {
		tok_norm_add(v, TOK_NORM_NFKD);
	} else if (strcmp(t, "StripAccents") == 0) {
		tok_norm_add(v, TOK_NORM_STRIP_ACCENTS);
	} else if (strcmp(t, "Strip") == 0) {
		n = tok_norm_add(v, TOK_NORM_STRIP);
		n->left = jbool(j, "strip_left", true);
		n->right = jbool(j, "strip_right", true);
	} else if (strcmp(t, "Replace") == 0) {
		const json_t *p = json_object_get(j, "pattern");
		const char *with = jstr(j, "content"), *s;

		if (with == NULL)
			return err_set(e, HEED_EFORMAT, "a Replace normalizer has no \"content\"");
		n = tok_norm_add(v, TOK_NORM_REPLACE);
		n->with = cps_of(with, &n->nwith);
		if ((s = jstr(p, "String")) != NULL) {
			n->pat = cps_of(s, &n->npat);
		} else if ((n->re = pattern(p, e)) == NULL) {
			return HEED_EFORMAT;
		}
	} else if (strcmp(t, "Prepend") == 0) {
		const char *s = jstr(j, "prepend");

		if (s == NULL)
			return err_set(e, HEED_EFORMAT, "a Prepend normalizer has no \"prepend\"");
		n = tok_norm_add(v, TOK_NORM_PREPEND);
		n->with = cps_of(s, &n->nwith);
	} else if (strcmp(t, "Precompiled") == 0) {
		const char *s = jstr(j, "precompiled_charsmap");
		uint8_t *b;
		size_t len;

		if (s == NULL || base64(s, &b, &len) < 0)
			return err_set(e, HEED_EFORMAT, "a Precompiled normalizer's charsmap is not base64");
		n = tok_norm_add(v, TOK_NORM_PRECOMPILED);
		rc = len == 0 ? HEED_OK : tok_precompiled_parse(b, len, false, &n->pc, e);
		free(b);
		if (rc < 0)
			return rc;
		if (len == 0)
			v->nnorm--;   /* an empty charsmap changes nothing */
	} else {
		return err_set(e, HEED_EFORMAT, "normalizer \"%s\" is not supported", t);
	}
	return HEED_OK;
}

/* ---- pre-tokenizers ------------------------------------------------------- */

static tok_pretok *
pre_add(tok_vocab *v, enum tok_pretok_kind k)
{
	v->pre = xrealloc(v->pre, (size_t)(v->npre + 1) * sizeof *v->pre);
	memset(&v->pre[v->npre], 0, sizeof *v->pre);
	v->pre[v->npre].kind = k;
	return &v->pre[v->npre++];
}

static int
parse_pre(tok_vocab *v, const json_t *j, heed_err *e)
{
	const char *t;
	tok_pretok *p;
	size_t i;
	int rc;

	if (json_is_null(j) || j == NULL)
		return HEED_OK;
	t = jstr(j, "type");
	if (t == NULL)
		return err_set(e, HEED_EFORMAT, "a pre-tokenizer has no \"type\"");
	if (strcmp(t, "Sequence") == 0) {
		const json_t *a = json_object_get(j, "pretokenizers");

		for (i = 0; i < json_array_size(a); i++)
			if ((rc = parse_pre(v, json_array_get(a, i), e)) < 0)
				return rc;
		return HEED_OK;
	}
	if (strcmp(t, "BertPreTokenizer") == 0) {
		pre_add(v, TOK_PRE_BERT);
	} else if (strcmp(t, "ByteLevel") == 0) {
		p = pre_add(v, TOK_PRE_BYTELEVEL);
		p->prefix_space = jbool(j, "add_prefix_space", true);
		p->use_regex = jbool(j, "use_regex", true);
		if (p->use_regex && (p->re = tok_gpt2_regex(e)) == NULL)
			return HEED_EFORMAT;
		v->byte_level = true;
	} else if (strcmp(t, "Metaspace") == 0) {
		const char *r = jstr(j, "replacement"), *s = jstr(j, "prepend_scheme");
		int n;
		int32_t *cp;

		p = pre_add(v, TOK_PRE_METASPACE);
		cp = cps_of(r ? r : "\xe2\x96\x81", &n);
		p->replacement = n > 0 ? cp[0] : 0x2581;
		free(cp);
		p->split = jbool(j, "split", true);
		if (s == NULL)
			p->prepend = jbool(j, "add_prefix_space", true) ? 2 : 0;
		else if (strcmp(s, "always") == 0)
			p->prepend = 2;
		else if (strcmp(s, "first") == 0)
			p->prepend = 1;
		else if (strcmp(s, "never") == 0)
			p->prepend = 0;
		else
			return err_set(e, HEED_EFORMAT, "unknown Metaspace prepend_scheme \"%s\"", s);
		v->metaspace = true;
		v->meta_char = p->replacement;
	} else if (strcmp(t, "Whitespace") == 0) {
		p = pre_add(v, TOK_PRE_WHITESPACE);
		static const char ws[] = "\\w+|[^\\w\\s]+";

		if ((p->re = tok_regex_compile(ws, sizeof ws - 1, false, e)) == NULL)
			return HEED_EFORMAT;
	} else if (strcmp(t, "WhitespaceSplit") == 0) {
		pre_add(v, TOK_PRE_WSSPLIT);
	} else if (strcmp(t, "Punctuation") == 0) {
		p = pre_add(v, TOK_PRE_PUNCT);
		if ((rc = behavior(j, TOK_ISOLATED, &p->behavior, e)) < 0)
			return rc;
	} else if (strcmp(t, "Digits") == 0) {
		p = pre_add(v, TOK_PRE_DIGITS);
		p->individual = jbool(j, "individual_digits", false);
	} else if (strcmp(t, "Split") == 0) {
		p = pre_add(v, TOK_PRE_SPLIT);
		if ((rc = behavior(j, TOK_ISOLATED, &p->behavior, e)) < 0)
			return rc;
		p->invert = jbool(j, "invert", false);
		if ((p->re = pattern(json_object_get(j, "pattern"), e)) == NULL)
			return HEED_EFORMAT;
	} else {
		return err_set(e, HEED_EFORMAT, "pre-tokenizer \"%s\" is not supported", t);
	}
	return HEED_OK;
}

/* ---- the model ------------------------------------------------------------ */

static int
vocab_object(tok_vocab *v, const json_t *vocab, heed_err *e)
{
	const char *k;
	json_t *val;

	if (!json_is_object(vocab))
		return err_set(e, HEED_EFORMAT, "the model's \"vocab\" is not an object");
	json_object_foreach((json_t *)vocab, k, val) {
		json_int_t id = json_integer_value(val);

		/* ids are dense: one far past the number of pieces is a broken
		 * file, not a reason to allocate gigabytes */
		if (!json_is_integer(val) || id < 0 || id > 4 * (json_int_t)json_object_size(vocab) + 1024)
			return err_set(e, HEED_EFORMAT, "vocab entry \"%.40s\" has no valid id", k);
		tok_table_set(v->model.vocab, (int)id, k, strlen(k));
	}
	tok_table_index(v->model.vocab);
	return HEED_OK;
}

static int
find_unk(tok_vocab *v, const json_t *m, heed_err *e)
{
	const char *u = jstr(m, "unk_token");

	if (u == NULL)
		return HEED_OK;
	v->model.unk = tok_table_find(v->model.vocab, u, strlen(u));
	if (v->model.unk < 0)
		return err_set(e, HEED_EFORMAT, "unk_token \"%.40s\" is not in the vocabulary", u);
	return HEED_OK;
}

static int
merges(tok_vocab *v, const json_t *a, heed_err *e)
{
	tok_model *m = &v->model;
	size_t i, plen = m->prefix ? strlen(m->prefix) : 0;
	tok_str s = { 0 };
	int rc = HEED_OK;

	for (i = 0; i < json_array_size(a); i++) {
		const json_t *it = json_array_get(a, i);
		const char *x, *y, *sp;
		size_t xl, yl;
		int ia, ib, id;

		if (json_is_string(it)) {
			x = json_string_value(it);
			sp = strchr(x, ' ');
			if (sp == NULL || strchr(sp + 1, ' ') != NULL) {
				rc = err_set(e, HEED_EFORMAT, "merge %zu \"%.40s\" is not two pieces", i + 1, x);
				break;
			}
			xl = (size_t)(sp - x);
			y = sp + 1;
			yl = strlen(y);
		} else if (json_array_size(it) == 2 && json_is_string(json_array_get(it, 0)) &&
			   json_is_string(json_array_get(it, 1))) {
			x = json_string_value(json_array_get(it, 0));
			y = json_string_value(json_array_get(it, 1));
			xl = strlen(x);
			yl = strlen(y);
		} else {
			rc = err_set(e, HEED_EFORMAT, "merge %zu is neither \"a b\" nor [a, b]", i + 1);
			break;
		}
		ia = tok_table_find(m->vocab, x, xl);
		ib = tok_table_find(m->vocab, y, yl);
		/* the merged piece: b loses the continuing prefix */
		s.n = 0;
		tok_str_put(&s, x, xl);
		if (plen > 0 && yl >= plen && memcmp(y, m->prefix, plen) == 0)
			tok_str_put(&s, y + plen, yl - plen);
		else
			tok_str_put(&s, y, yl);
		id = tok_table_find(m->vocab, s.s, s.n);
		if (ia < 0 || ib < 0 || id < 0) {
			rc = err_set(e, HEED_EFORMAT, "merge %zu \"%.*s %.*s\" uses a piece not in the vocabulary",
				     i + 1, (int)(xl > 40 ? 40 : xl), x, (int)(yl > 40 ? 40 : yl), y);
			break;
		}
		tok_bpe_add_merge(m, ia, ib, (int)i, id);
	}
	free(s.s);
	return rc;
}

static int
parse_model(tok_vocab *v, const json_t *m, heed_err *e)
{
	const char *t = jstr(m, "type"), *s;
	const json_t *vocab = json_object_get(m, "vocab");
	int rc;

	if (!json_is_object(m))
		return err_set(e, HEED_EFORMAT, "no \"model\" object");
	if (t == NULL)   /* older files: the fields tell */
		t = json_object_get(m, "merges") ? "BPE" : json_is_array(vocab) ? "Unigram" : "WordPiece";
	if (strcmp(t, "WordPiece") == 0) {
		v->model.kind = TOK_WORDPIECE;
		v->kind = "WordPiece";
		if ((rc = vocab_object(v, vocab, e)) < 0 || (rc = find_unk(v, m, e)) < 0)
			return rc;
		if (v->model.unk < 0)
			return err_set(e, HEED_EFORMAT, "the WordPiece model has no unk_token");
		s = jstr(m, "continuing_subword_prefix");
		v->model.prefix = xstrdup(s ? s : "##");
		if (json_is_integer(json_object_get(m, "max_input_chars_per_word")))
			v->model.max_chars = (int)json_integer_value(json_object_get(m, "max_input_chars_per_word"));
		return HEED_OK;
	}
	if (strcmp(t, "BPE") == 0) {
		v->model.kind = TOK_BPE;
		v->kind = "BPE";
		if ((rc = vocab_object(v, vocab, e)) < 0 || (rc = find_unk(v, m, e)) < 0)
			return rc;
		if ((s = jstr(m, "continuing_subword_prefix")) != NULL)
			v->model.prefix = xstrdup(s);
		if ((s = jstr(m, "end_of_word_suffix")) != NULL)
			v->model.suffix = xstrdup(s);
		v->model.fuse_unk = jbool(m, "fuse_unk", false);
		v->model.byte_fallback = jbool(m, "byte_fallback", false);
		v->model.ignore_merges = jbool(m, "ignore_merges", false);
		return merges(v, json_object_get(m, "merges"), e);
	}
	if (strcmp(t, "Unigram") == 0) {
		size_t i, n = json_array_size(vocab);
		const json_t *u = json_object_get(m, "unk_id");

		v->model.kind = TOK_UNIGRAM;
		v->kind = "Unigram";
		if (!json_is_array(vocab) || n == 0)
			return err_set(e, HEED_EFORMAT, "the Unigram model's \"vocab\" is not a list");
		v->model.score = xmalloc(n * sizeof *v->model.score);
		v->model.min_score = 1e300;
		for (i = 0; i < n; i++) {
			const json_t *p = json_array_get(vocab, i);
			const char *piece = json_string_value(json_array_get(p, 0));
			const json_t *sc = json_array_get(p, 1);

			if (piece == NULL || !json_is_number(sc))
				return err_set(e, HEED_EFORMAT, "Unigram vocab entry %zu is not [piece, score]", i);
			tok_table_set(v->model.vocab, (int)i, piece, strlen(piece));
			v->model.score[i] = json_number_value(sc);
			if (v->model.score[i] < v->model.min_score)
				v->model.min_score = v->model.score[i];
		}
		tok_table_index(v->model.vocab);
		v->model.fuse_unk = true;
		v->model.byte_fallback = jbool(m, "byte_fallback", false);
		if (!json_is_integer(u) || json_integer_value(u) < 0 || (size_t)json_integer_value(u) >= n)
			return err_set(e, HEED_EFORMAT, "the Unigram model has no valid unk_id");
		v->model.unk = (int)json_integer_value(u);
		return HEED_OK;
	}
	return err_set(e, HEED_EFORMAT, "model \"%s\" is not supported", t);
}

/* ---- post-processors ------------------------------------------------------- */

static tok_tpl_item
special(int id, int type)
{
	tok_tpl_item it = { .seq = -1, .ids = xmalloc(sizeof(int)), .nids = 1, .type = type };

	it.ids[0] = id;
	return it;
}

static int
pair_id(const json_t *j, const char *key, int *id, heed_err *e)
{
	const json_t *p = json_object_get(j, key);

	if (!json_is_integer(json_array_get(p, 1)))
		return err_set(e, HEED_EFORMAT, "the post-processor's \"%s\" is not [token, id]", key);
	*id = (int)json_integer_value(json_array_get(p, 1));
	return HEED_OK;
}

static int
template(const json_t *a, const json_t *specials, tok_tpl *t, heed_err *e)
{
	size_t i;

	t->it = xcalloc(json_array_size(a) + 1, sizeof *t->it);
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *it = json_array_get(a, i), *x;
		tok_tpl_item *o = &t->it[t->n];

		if ((x = json_object_get(it, "Sequence")) != NULL) {
			const char *s = jstr(x, "id");

			o->seq = s && strcmp(s, "B") == 0 ? 1 : 0;
			o->type = (int)json_integer_value(json_object_get(x, "type_id"));
			t->n++;
		} else if ((x = json_object_get(it, "SpecialToken")) != NULL) {
			const char *s = jstr(x, "id");
			const json_t *sp = s ? json_object_get(specials, s) : NULL;
			const json_t *ids = json_object_get(sp, "ids");
			size_t k;

			if (!json_is_array(ids))
				return err_set(e, HEED_EFORMAT, "template token \"%.40s\" is not among special_tokens",
					       s ? s : "?");
			o->seq = -1;
			o->type = (int)json_integer_value(json_object_get(x, "type_id"));
			o->nids = (int)json_array_size(ids);
			o->ids = xmalloc((size_t)(o->nids + 1) * sizeof *o->ids);
			for (k = 0; k < json_array_size(ids); k++)
				o->ids[k] = (int)json_integer_value(json_array_get(ids, k));
			t->n++;
		} else {
			return err_set(e, HEED_EFORMAT, "a template item is neither Sequence nor SpecialToken");
		}
	}
	return HEED_OK;
}

static int
seq_count(const tok_tpl *t, int seq)
{
	int i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->it[i].seq == seq;
	return n;
}

static int
parse_post(tok_vocab *v, const json_t *j, heed_err *e)
{
	const char *t;
	tok_post *p = &v->post;
	int cls, sep, rc;
	size_t i;

	if (json_is_null(j) || j == NULL)
		return HEED_OK;
	t = jstr(j, "type");
	if (t == NULL)
		return err_set(e, HEED_EFORMAT, "a post-processor has no \"type\"");
	if (strcmp(t, "Sequence") == 0) {
		const json_t *a = json_object_get(j, "processors");

		for (i = 0; i < json_array_size(a); i++)
			if ((rc = parse_post(v, json_array_get(a, i), e)) < 0)
				return rc;
		return HEED_OK;
	}
	if (strcmp(t, "ByteLevel") == 0) {
		p->trim_offsets = jbool(j, "trim_offsets", true);
		p->prefix_space = jbool(j, "add_prefix_space", true);
		return HEED_OK;
	}
	if (strcmp(t, "BertProcessing") == 0 || strcmp(t, "RobertaProcessing") == 0) {
		bool roberta = t[0] == 'R';

		if ((rc = pair_id(j, "cls", &cls, e)) < 0 || (rc = pair_id(j, "sep", &sep, e)) < 0)
			return rc;
		tok_tpl_free(&p->single);
		tok_tpl_free(&p->pair);
		p->present = true;
		p->single.it = xcalloc(3, sizeof *p->single.it);
		p->single.it[0] = special(cls, 0);
		p->single.it[1] = (tok_tpl_item){ .seq = 0 };
		p->single.it[2] = special(sep, 0);
		p->single.n = 3;
		p->pair.it = xcalloc(6, sizeof *p->pair.it);
		p->pair.it[0] = special(cls, 0);
		p->pair.it[1] = (tok_tpl_item){ .seq = 0 };
		p->pair.it[2] = special(sep, 0);
		if (roberta) {
			p->pair.it[3] = special(sep, 0);
			p->pair.it[4] = (tok_tpl_item){ .seq = 1 };
			p->pair.it[5] = special(sep, 0);
			p->pair.n = 6;
			p->trim_offsets = jbool(j, "trim_offsets", true);
			p->prefix_space = jbool(j, "add_prefix_space", true);
		} else {
			p->pair.it[3] = (tok_tpl_item){ .seq = 1, .type = 1 };
			p->pair.it[4] = special(sep, 1);
			p->pair.n = 5;
		}
		return HEED_OK;
	}
	if (strcmp(t, "TemplateProcessing") == 0) {
		const json_t *sp = json_object_get(j, "special_tokens");

		tok_tpl_free(&p->single);
		tok_tpl_free(&p->pair);
		p->present = true;
		if ((rc = template(json_object_get(j, "single"), sp, &p->single, e)) < 0 ||
		    (rc = template(json_object_get(j, "pair"), sp, &p->pair, e)) < 0)
			return rc;
		/* Hugging Face requires both sentences in the pair template;
		 * heed also each exactly once (truncation counts on it) */
		if (seq_count(&p->single, 0) != 1 || seq_count(&p->single, 1) != 0 ||
		    seq_count(&p->pair, 0) != 1 || seq_count(&p->pair, 1) != 1)
			return err_set(e, HEED_EFORMAT, "a template must hold $A once (single) and $A and "
				       "$B once each (pair)");
		return HEED_OK;
	}
	return err_set(e, HEED_EFORMAT, "post-processor \"%s\" is not supported", t);
}

static int
parse_added(tok_vocab *v, const json_t *a, heed_err *e)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const json_t *t = json_array_get(a, i);
		const char *c = jstr(t, "content");
		const json_t *id = json_object_get(t, "id");
		bool special = jbool(t, "special", false);

		if (c == NULL || !json_is_integer(id) || json_integer_value(id) < 0 ||
		    json_integer_value(id) > 1 << 28)
			return err_set(e, HEED_EFORMAT, "added token %zu has no content or no valid id", i);
		/* as Hugging Face's AddedVocabulary: a token the model already
		 * has keeps the model's id, whatever the file says */
		int mid = tok_table_find(v->model.vocab, c, strlen(c));

		tok_add_token(v, mid >= 0 ? mid : (int)json_integer_value(id), c, strlen(c), special,
			      jbool(t, "single_word", false), jbool(t, "lstrip", false),
			      jbool(t, "rstrip", false), jbool(t, "normalized", !special));
	}
	return HEED_OK;
}

int
tok_json_parse(const char *buf, size_t len, const char *name, tok_vocab **out, heed_err *e)
{
	json_error_t jerr;
	json_t *root;
	tok_vocab *v;
	int rc;

	*out = NULL;
	root = json_loadb(buf, len, 0, &jerr);
	if (root == NULL)
		return err_set(e, HEED_EFORMAT, "%s: not valid JSON: %s (line %d)", name, jerr.text, jerr.line);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_set(e, HEED_EFORMAT, "%s: not a JSON object", name);
	}
	v = tok_new();
	rc = parse_model(v, json_object_get(root, "model"), e);
	if (rc == HEED_OK)
		rc = parse_norm(v, json_object_get(root, "normalizer"), e);
	if (rc == HEED_OK)
		rc = parse_pre(v, json_object_get(root, "pre_tokenizer"), e);
	if (rc == HEED_OK)
		rc = parse_post(v, json_object_get(root, "post_processor"), e);
	if (rc == HEED_OK)
		rc = parse_added(v, json_object_get(root, "added_tokens"), e);
	json_decref(root);
	if (rc == HEED_OK)
		rc = tok_finish(v, e);
	if (rc < 0) {
		char msg[sizeof e->msg];

		tok_vocab_free(v);
		if (e != NULL && strncmp(e->msg, name, strlen(name)) != 0) {
			memcpy(msg, e->msg, sizeof msg);
			err_set(e, HEED_EFORMAT, "%s: %s", name, msg);
		}
		return HEED_EFORMAT;
	}
	v->source = xstrdup(name);
	*out = v;
	return HEED_OK;
}

int
tok_json_load(const char *buf, size_t len, const char *name, tok_vocab **out, heed_err *e)
{
	return tok_json_parse(buf, len, name, out, e);
}
